fn main() {
    let embed = warren_web::embed::EmbedOptions::of_page().embed;
    warren_web::panic::install(embed);
    // The page shows the build-time snapshot until now; the app takes its
    // place before the browser draws again (see `prerender`).
    warren_web::prerender::remove_snapshot();
    // `?embed`: the embedded playground (src/embed_app.rs).
    if embed {
        yew::Renderer::<warren_web::embed_app::EmbedApp>::new().render();
        return;
    }
    yew::Renderer::<warren_web::App>::new().render();
}
