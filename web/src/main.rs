fn main() {
    warren_web::panic::install();
    // The page shows the build-time snapshot until now; the app takes its
    // place in this same task (see `prerender`).
    warren_web::prerender::remove_snapshot();
    yew::Renderer::<warren_web::App>::new().render();
}
