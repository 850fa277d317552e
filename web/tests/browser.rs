//! Browser tests: mount the app in headless Chromium and read the DOM.
//! Run with `cargo test --target wasm32-unknown-unknown -p warren-web`.
#![cfg(target_arch = "wasm32")]

use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};
use web_sys::Element;

wasm_bindgen_test_configure!(run_in_browser);

/// Mounts `App` on a fresh element of its own and waits for the first render.
async fn mount_app() -> Element {
    let document = web_sys::window().unwrap().document().unwrap();
    let root = document.create_element("div").unwrap();
    document.body().unwrap().append_child(&root).unwrap();
    yew::Renderer::<warren_web::App>::with_root(root.clone()).render();
    yew::scheduler::flush().await;
    root
}

fn text_of(root: &Element, selector: &str) -> String {
    root.query_selector(selector)
        .unwrap()
        .unwrap_or_else(|| panic!("no element matches {selector}"))
        .text_content()
        .unwrap_or_default()
}

#[wasm_bindgen_test]
async fn app_renders_the_heading() {
    let root = mount_app().await;
    assert_eq!(text_of(&root, "h1#title"), "Warren");
}

#[wasm_bindgen_test]
async fn app_shows_a_value_computed_by_the_core() {
    let root = mount_app().await;
    let expected = format!("core: {}", warren_core::FieldValue::str("ok"));
    assert_eq!(text_of(&root, "#core-status"), expected);
}
