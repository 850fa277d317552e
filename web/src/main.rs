fn main() {
    yew::Renderer::<warren_web::App>::new().render();
}
