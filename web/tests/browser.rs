//! Components in a real browser: mount `App` in headless Chromium, act on
//! the DOM as a person would, and read the DOM back.
//! Run with `cargo test --target wasm32-unknown-unknown -p warren-web`.
#![cfg(target_arch = "wasm32")]

use wasm_bindgen::JsCast;
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};
use web_sys::{
    Element, Event, EventInit, HtmlElement, HtmlInputElement, KeyboardEvent, KeyboardEventInit,
};
use yew::AppHandle;

wasm_bindgen_test_configure!(run_in_browser);

/// A mounted playground; destroyed when dropped, so that one test's
/// document-wide keyboard listener never reaches another's app.
struct Mounted {
    root: Element,
    handle: Option<AppHandle<warren_web::App>>,
}

impl Drop for Mounted {
    fn drop(&mut self) {
        if let Some(h) = self.handle.take() {
            h.destroy();
        }
        self.root.remove();
    }
}

fn document() -> web_sys::Document {
    web_sys::window().unwrap().document().unwrap()
}

/// Mounts `App` on a fresh element, with no saved scene, and waits for the
/// first render.
async fn mount() -> Mounted {
    warren_web::storage::clear();
    // The page's stylesheet, as index.html links it (once per page).
    if document().get_element_by_id("warren-style").is_none() {
        let style = document().create_element("style").unwrap();
        style.set_id("warren-style");
        style.set_text_content(Some(include_str!("../src/style.css")));
        document().body().unwrap().append_child(&style).unwrap();
    }
    let root = document().create_element("div").unwrap();
    document().body().unwrap().append_child(&root).unwrap();
    let handle = yew::Renderer::<warren_web::App>::with_root(root.clone()).render();
    yew::scheduler::flush().await;
    Mounted {
        root,
        handle: Some(handle),
    }
}

impl Mounted {
    fn find(&self, selector: &str) -> Element {
        self.root
            .query_selector(selector)
            .unwrap()
            .unwrap_or_else(|| panic!("no element matches {selector}"))
    }

    fn exists(&self, selector: &str) -> bool {
        self.root.query_selector(selector).unwrap().is_some()
    }

    fn text(&self, selector: &str) -> String {
        self.find(selector)
            .text_content()
            .unwrap_or_default()
            .trim()
            .to_owned()
    }

    fn count(&self, selector: &str) -> u32 {
        self.root.query_selector_all(selector).unwrap().length()
    }

    async fn click(&self, selector: &str) {
        let el = self.find(selector);
        match el.dyn_ref::<HtmlElement>() {
            Some(h) => h.click(),
            // SVG elements are not HTMLElements: dispatch the event.
            None => {
                let init = web_sys::MouseEventInit::new();
                init.set_bubbles(true);
                let e =
                    web_sys::MouseEvent::new_with_mouse_event_init_dict("click", &init).unwrap();
                el.dispatch_event(&e).unwrap();
            }
        }
        yew::scheduler::flush().await;
    }

    async fn key_on(&self, target: &Element, key: &str) {
        self.key_with(target, key, false).await;
    }

    async fn key_with(&self, target: &Element, key: &str, shift: bool) {
        let init = KeyboardEventInit::new();
        init.set_key(key);
        init.set_shift_key(shift);
        init.set_bubbles(true);
        init.set_cancelable(true);
        let e = KeyboardEvent::new_with_keyboard_event_init_dict("keydown", &init).unwrap();
        target.dispatch_event(&e).unwrap();
        yew::scheduler::flush().await;
    }

    async fn fill(&self, selector: &str, value: &str) {
        let input: HtmlInputElement = self.find(selector).dyn_into().unwrap();
        input.set_value(value);
        let init = EventInit::new();
        init.set_bubbles(true);
        input
            .dispatch_event(&Event::new_with_event_init_dict("input", &init).unwrap())
            .unwrap();
        yew::scheduler::flush().await;
    }
}

fn tid(id: &str) -> String {
    format!("[data-testid=\"{id}\"]")
}

#[wasm_bindgen_test]
async fn the_default_scene_renders_as_nodes_and_bindings() {
    let app = mount().await;
    assert_eq!(app.text("h1#title"), "Warren");
    assert_eq!(app.count("[data-testid^=\"node:\"]"), 7);
    assert_eq!(app.count("[data-testid^=\"binding:\"]"), 2);
    assert_eq!(app.text("#scene-name"), "order-flow");
    assert!(app
        .find(&tid("node:queue:order_notify"))
        .get_attribute("aria-label")
        .unwrap()
        .starts_with("order_notify, queue: 0 ready"));
    // A node is a button, so nothing focusable sits inside one: its own
    // buttons are drawn over it as siblings.
    assert_eq!(app.count("[data-testid^=\"node:\"] [tabindex]"), 0);
    assert_eq!(app.count("[data-testid^=\"publish:\"]"), 1);
    // One button places an order, in the scene's words.
    assert_eq!(app.text(&tid("publish:web shop")), "▶ Place order");
    assert_eq!(
        app.find(&tid("publish:web shop"))
            .get_attribute("aria-label")
            .as_deref(),
        Some("Place order: publish from web shop now")
    );
    assert!(app.exists("#core-status"));
}

#[wasm_bindgen_test]
async fn publishing_and_stepping_gets_both_messages_acknowledged() {
    let app = mount().await;
    app.click("#play").await; // pause
    assert_eq!(app.text("#play"), "▶ Play");
    app.click(&tid("publish:web shop")).await;
    assert_eq!(app.text(&tid("inflight:mailer")), "1");
    assert_eq!(app.text(&tid("inflight:printer")), "1");
    app.click("#step").await;
    assert_eq!(app.text(&tid("acked:mailer")), "1");
    app.click("#step").await;
    assert_eq!(app.text(&tid("acked:printer")), "1");
    // The log, filtered by kind.
    let kinds: Vec<String> = (0..app.count("#log-rows .log-row"))
        .map(|i| {
            app.root
                .query_selector_all("#log-rows .log-row")
                .unwrap()
                .item(i)
                .unwrap()
                .dyn_into::<Element>()
                .unwrap()
                .get_attribute("data-kind")
                .unwrap()
        })
        .collect();
    assert_eq!(kinds.iter().filter(|k| *k == "acked").count(), 2);
}

#[wasm_bindgen_test]
async fn new_events_rewrite_the_log_rows_in_place() {
    let app = mount().await;
    app.click("#play").await; // pause
    let rows = |app: &Mounted| -> Vec<Element> {
        let list = app.root.query_selector_all("#log-rows .log-row").unwrap();
        (0..list.length())
            .map(|i| list.item(i).unwrap().dyn_into::<Element>().unwrap())
            .collect()
    };
    let before = rows(&app);
    assert!(!before.is_empty());
    // Three orders: more new events than rows drawn, so none of the rows
    // shown before is still shown (as under load, at every refresh).
    for _ in 0..3 {
        app.click(&tid("publish:web shop")).await;
    }
    // They came in to the same elements: keyed by event, every row was torn
    // down and built again, and that was the cost under load.
    let after = rows(&app);
    assert!(after.len() > before.len(), "placing orders logs events");
    for row in &before {
        assert!(row.is_connected(), "a row was torn down and rebuilt");
    }
    let newest = after[0].get_attribute("data-kind").unwrap_or_default();
    assert_ne!(newest, "consumer-added", "the newest event is on top");
    // The moving dots carry nothing but their path (the layer is hidden
    // from assistive technology and from the pointer).
    assert!(app.count(".flight") > 0, "placing an order moves messages");
    assert_eq!(app.count(".flight title"), 0);
}

#[wasm_bindgen_test]
async fn a_node_selected_from_the_keyboard_opens_the_inspector() {
    let app = mount().await;
    let node = app.find(&tid("node:queue:order_report"));
    app.key_on(&node, "Enter").await;
    assert_eq!(app.text("#inspector-title"), "order_report");
    assert_eq!(node.get_attribute("aria-pressed").as_deref(), Some("true"));
    // Arrow keys move it (its place is its parent's transform, the parent
    // also holding its details and buttons).
    let place = |n: &Element| {
        n.parent_element()
            .and_then(|p| p.get_attribute("transform"))
            .unwrap()
    };
    let before = place(&node);
    app.key_on(&node, "ArrowDown").await;
    let after = place(&app.find(&tid("node:queue:order_report")));
    assert_ne!(before, after);
}

#[wasm_bindgen_test]
async fn a_refused_declare_shows_the_reply_next_to_the_form() {
    let app = mount().await;
    app.click("#tab-add").await;
    app.click("#add-queue").await;
    app.fill("#new-queue-name", "order_notify").await;
    app.fill("#new-queue-max_length", "3").await;
    app.click("#new-queue-submit").await;
    assert_eq!(app.text("#new-queue-error .code"), "406");
    assert!(app
        .text("#new-queue-error .reply")
        .starts_with("PRECONDITION_FAILED - inequivalent arg 'x-max-length'"));
    // The draft is kept.
    let input: HtmlInputElement = app.find("#new-queue-max_length").dyn_into().unwrap();
    assert_eq!(input.value(), "3");
    // A queue the broker accepts appears on the canvas.
    app.fill("#new-queue-name", "audit").await;
    app.click("#new-queue-submit").await;
    assert!(!app.exists("#new-queue-error"));
    assert!(app.exists(&tid("node:queue:audit")));
}

#[wasm_bindgen_test]
async fn the_routing_tester_shows_each_bindings_verdict() {
    let app = mount().await;
    app.click("#tab-route").await;
    app.fill("#route-exchange", "order").await;
    app.fill("#route-routing_key", "order.report").await;
    app.click("#route-explain").await;
    assert!(app
        .text("#route-verdict")
        .starts_with("Delivered to 1 queue(s): order_report"));
    assert_eq!(app.count("#route-result [data-matched=\"true\"]"), 1);
    assert_eq!(app.count("#route-result [data-matched=\"false\"]"), 1);
    let label = app.find(&tid("binding:order>order_report:order.report"));
    assert!(label.get_attribute("class").unwrap().contains("route-hit"));
}

#[wasm_bindgen_test]
async fn the_help_dialog_opens_with_a_key_and_closes_with_escape() {
    let app = mount().await;
    let body: Element = document().body().unwrap().into();
    app.key_on(&body, "?").await;
    assert!(app.exists("#help-dialog"));
    assert!(app
        .text("#help-dialog")
        .contains("play / pause virtual time"));
    app.key_on(&body, "Escape").await;
    assert!(!app.exists("#help-dialog"));
}

#[wasm_bindgen_test]
async fn a_dialog_keeps_focus_inside_and_gives_it_back() {
    let app = mount().await;
    let opener: HtmlElement = app.find("#open-scenes").dyn_into().unwrap();
    opener.focus().unwrap();
    app.click("#open-scenes").await;
    let focused = || document().active_element().expect("something has focus");
    let dialog = app.find("#scene-dialog");
    let controls = dialog
        .query_selector_all("button:not([disabled]), textarea, input, a[href]")
        .unwrap();
    assert!(
        controls.length() > 2,
        "the scene dialog has several controls"
    );
    let first: Element = controls.item(0).unwrap().dyn_into().unwrap();
    let last: Element = controls
        .item(controls.length() - 1)
        .unwrap()
        .dyn_into()
        .unwrap();
    // Opening focuses the close button, the first control.
    assert_eq!(focused(), first);
    assert_eq!(
        first.get_attribute("aria-label").as_deref(),
        Some("Close (Esc)")
    );
    // Shift+Tab from the first wraps to the last, Tab from the last to the first.
    app.key_with(&first, "Tab", true).await;
    assert_eq!(focused(), last);
    app.key_with(&last, "Tab", false).await;
    assert_eq!(focused(), first);
    // Closing gives focus back to the button that opened it.
    let body: Element = document().body().unwrap().into();
    app.key_on(&body, "Escape").await;
    assert!(!app.exists("#scene-dialog"));
    assert_eq!(focused(), Element::from(opener));
}

#[wasm_bindgen_test]
async fn a_change_to_the_scene_is_saved_in_the_browser() {
    let app = mount().await;
    assert_eq!(warren_web::storage::load(), None);
    app.click("#tidy").await;
    let saved = warren_web::storage::load().expect("saved after the change");
    assert!(saved.contains("\"queue:order_notify\""));
    assert!(saved.contains("\"more_routing_keys\""));
    drop(app);
    warren_web::storage::clear();
}

#[wasm_bindgen_test]
async fn the_panic_panel_offers_reload_and_reset() {
    warren_web::panic::show_panel("boom <b>", false);
    let panel = document()
        .get_element_by_id(warren_web::panic::PANEL_ID)
        .unwrap();
    assert!(panel.text_content().unwrap().contains("boom <b>"));
    assert!(document().get_element_by_id("panic-reload").is_some());
    assert!(document().get_element_by_id("panic-reset").is_some());
    panel.remove();
}

#[wasm_bindgen_test]
async fn an_embeds_panic_panel_offers_no_reset_of_the_readers_scene() {
    warren_web::panic::show_panel("boom", true);
    let panel = document()
        .get_element_by_id(warren_web::panic::PANEL_ID)
        .unwrap();
    assert!(document().get_element_by_id("panic-reload").is_some());
    assert!(document().get_element_by_id("panic-reset").is_none());
    assert!(!panel
        .text_content()
        .unwrap()
        .contains("saved in this browser"));
    panel.remove();
}

/// The y of each point of the chart line with class `class` in `chart`
/// (0 at the top, 60 on the axis).
fn line_ys(app: &Mounted, chart: &str, class: &str) -> Vec<u32> {
    let sel = format!("{chart} polyline.{class}");
    if !app.exists(&sel) {
        return Vec::new();
    }
    let points = app.find(&sel).get_attribute("points").unwrap();
    points
        .split_whitespace()
        .map(|p| p.split(',').nth(1).unwrap().parse().unwrap())
        .collect()
}

/// The figure a chart's legend gives for `label`.
fn legend(app: &Mounted, chart: &str, class: &str) -> String {
    app.text(&format!("{chart} li.{class} b"))
}

#[wasm_bindgen_test]
async fn the_ready_line_rises_while_the_printer_is_stopped_and_falls_after() {
    let app = mount().await;
    app.click("#play").await; // pause: time moves by steps only
    app.click(&tid("stop:printer")).await;
    for _ in 0..3 {
        app.click(&tid("publish:web shop")).await;
    }
    // The mailer finishes an order every 400 ms: three steps pass 1.2 s,
    // closing buckets of 250 ms on the way.
    for _ in 0..3 {
        app.click("#step").await;
    }
    app.key_on(&app.find(&tid("node:queue:order_report")), "Enter")
        .await;
    assert_eq!(legend(&app, "#chart-depth", "c-ready"), "3");
    let label = app
        .find("#chart-depth svg")
        .get_attribute("aria-label")
        .unwrap();
    assert!(label.contains("ready 3"), "{label}");
    assert!(app.exists("#chart-rates li.c-publish"));
    // The printer's inspector: its deliveries and utilisation.
    app.key_on(&app.find(&tid("node:consumer:printer")), "Enter")
        .await;
    assert!(app.exists("#chart-consumer-rates li.c-deliver"));
    assert!(app.exists("#chart-consumer-util li.c-util"));
    // Started again, it drains the queue; steps run time on.
    app.click(&tid("start:printer")).await;
    for _ in 0..12 {
        app.click("#step").await;
    }
    assert_eq!(app.text(&tid("ready:order_report")), "0");
    app.key_on(&app.find(&tid("node:queue:order_report")), "Enter")
        .await;
    let ys = line_ys(&app, "#chart-depth", "c-ready");
    let top = *ys.iter().min().expect("a ready line");
    assert!(top < 60, "the line rose: {ys:?}");
    let peak = ys.iter().position(|y| *y == top).unwrap();
    assert_eq!(ys.last(), Some(&60), "and fell back to 0: {ys:?}");
    assert!(peak + 1 < ys.len());
    assert_eq!(legend(&app, "#chart-depth", "c-ready"), "0");
    // The overview strip holds the broker's totals.
    assert!(app.exists("#overview #chart-total-depth"));
    assert!(app.exists("#overview #chart-total-rates li.c-ack"));
}
