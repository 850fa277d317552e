fn main() {
    warren_web::panic::install();
    // The page shows the build-time snapshot until now; the app takes its
    // place before the browser draws again (see `prerender`).
    warren_web::prerender::remove_snapshot();
    yew::Renderer::<warren_web::App>::new().render();
}
