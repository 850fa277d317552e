use gloo_events::{EventListener, EventListenerOptions};
use wasm_bindgen::JsCast;
use web_sys::{Element, HtmlElement, KeyboardEvent};
use yew::prelude::*;

use crate::state::{key_action, Action};

/// Whether the key belongs to what has focus: text fields take every key,
/// buttons and links take Space and Enter, nodes on the canvas their
/// arrows (they stop those themselves).
fn belongs_to_target(e: &KeyboardEvent) -> bool {
    let Some(el) = e.target().and_then(|t| t.dyn_into::<Element>().ok()) else {
        return false;
    };
    let tag = el.tag_name().to_ascii_lowercase();
    if matches!(tag.as_str(), "input" | "textarea" | "select")
        || el.get_attribute("contenteditable").is_some()
    {
        return true;
    }
    let key = e.key();
    let activates = key == " " || key == "Enter";
    activates
        && (matches!(tag.as_str(), "button" | "a" | "summary")
            || el.get_attribute("role").as_deref() == Some("button"))
}

/// Whether a modal dialog is up: the page behind it takes no shortcuts.
/// Whether the page shows a lesson bar.
fn lesson_open() -> bool {
    web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.get_element_by_id("lesson-bar"))
        .is_some()
}

fn dialog_open() -> bool {
    web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| {
            d.query_selector("[role=dialog], [role=alertdialog]")
                .ok()
                .flatten()
        })
        .is_some()
}

fn canvas_size() -> (f64, f64) {
    web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.get_element_by_id("canvas"))
        .map_or((800.0, 600.0), |el| {
            let r = el.get_bounding_client_rect();
            (r.width(), r.height())
        })
}

fn focus(id: &str) {
    if let Some(el) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.get_element_by_id(id))
        .and_then(|e| e.dyn_into::<HtmlElement>().ok())
    {
        let _ = el.focus();
    }
}

/// Global keyboard shortcuts (listed in the help dialog, `SHORTCUTS`).
#[hook]
pub fn use_shortcuts(dispatcher: Callback<Action>) {
    use_effect_with((), move |_| {
        let document = web_sys::window().and_then(|w| w.document());
        let listener = document.map(|doc| {
            let options = EventListenerOptions::enable_prevent_default();
            EventListener::new_with_options(&doc, "keydown", options, move |e| {
                let Some(e) = e.dyn_ref::<KeyboardEvent>() else {
                    return;
                };
                if e.ctrl_key() || e.meta_key() || e.alt_key() || e.default_prevented() {
                    return;
                }
                let key = e.key();
                if key == "Escape" {
                    dispatcher.emit(Action::Escape);
                    return;
                }
                if belongs_to_target(e) || dialog_open() {
                    return;
                }
                let action = match key.as_str() {
                    "+" | "=" => Some(Action::ZoomBy(1.25, canvas_size())),
                    "-" | "_" => Some(Action::ZoomBy(0.8, canvas_size())),
                    "0" => {
                        let (w, h) = canvas_size();
                        Some(Action::FitView(w, h))
                    }
                    "l" | "L" => {
                        e.prevent_default();
                        focus("log-filter-text");
                        None
                    }
                    // Plain arrows walk a lesson; without one they keep
                    // their usual meaning (scrolling the page).
                    "ArrowLeft" | "ArrowRight" if !e.shift_key() && !lesson_open() => None,
                    _ => key_action(&key, e.shift_key()),
                };
                if let Some(a) = action {
                    e.prevent_default();
                    dispatcher.emit(a);
                }
            })
        });
        move || drop(listener)
    });
}
