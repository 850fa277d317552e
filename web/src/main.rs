fn main() {
    warren_web::panic::install();
    yew::Renderer::<warren_web::App>::new().render();
}
