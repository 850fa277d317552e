//! Scene files in: a file picker, and a file dropped anywhere on the page.
//! Either a scene file (docs/scenario.md) or a RabbitMQ `definitions.json`
//! (read as a scene of its topology, laid out afresh). A file is read as
//! untrusted input, within the limits of src/limits.rs.

use std::rc::Rc;

use gloo_events::{EventListener, EventListenerOptions};
use wasm_bindgen::JsCast;
use web_sys::{DragEvent, File, HtmlInputElement};
use yew::platform::spawn_local;
use yew::prelude::*;

use crate::limits;
use crate::share::MAX_SCENE_BYTES;
use crate::state::{Action, Level};

/// Reads `file` and loads it, or puts up a notice saying why not.
pub fn open_file(file: File, on: Callback<Action>) {
    let name = file.name();
    if file.size() > MAX_SCENE_BYTES as f64 {
        on.emit(Action::Notify(
            Level::Error,
            format!(
                "{name} is {:.0} KB; scene files of at most {} KB open here.",
                file.size() / 1024.0,
                MAX_SCENE_BYTES / 1024
            ),
        ));
        return;
    }
    spawn_local(async move {
        let text = wasm_bindgen_futures::JsFuture::from(file.text())
            .await
            .ok()
            .and_then(|v| v.as_string());
        let Some(text) = text else {
            on.emit(Action::Notify(
                Level::Error,
                format!("{name} could not be read."),
            ));
            return;
        };
        match limits::read(&text) {
            Ok((mut scene, notes)) => {
                if scene.name.is_empty() {
                    scene.name = name.clone();
                }
                let mut what = format!("Opened {name}.");
                if !notes.is_empty() {
                    what.push_str(&format!(" Clamped: {}.", notes.join("; ")));
                }
                on.emit(Action::OpenScene(Rc::new(scene), what));
                on.emit(Action::CloseDialog);
            }
            Err(e) => on.emit(Action::Notify(
                Level::Error,
                format!("{name} was not opened: {e}. Nothing changed."),
            )),
        }
    });
}

/// File picker props.
#[derive(Properties, PartialEq)]
pub struct PickerProps {
    /// Intents.
    pub on: Callback<Action>,
}

/// "Open a file…": a scene file or a `definitions.json`.
#[function_component(FilePicker)]
pub fn file_picker(p: &PickerProps) -> Html {
    let onchange = {
        let on = p.on.clone();
        Callback::from(move |e: Event| {
            let input = e.target_unchecked_into::<HtmlInputElement>();
            if let Some(file) = input.files().and_then(|f| f.get(0)) {
                open_file(file, on.clone());
            }
            input.set_value("");
        })
    };
    html! {
        <section>
            <h3><label for="scene-file">{ "Open a file" }</label></h3>
            <p class="dim">{ "A scene file, or a definitions.json exported from RabbitMQ (its topology, laid out for you). You can also drop either on the page." }</p>
            <input type="file" id="scene-file" accept=".json,application/json" {onchange} />
        </section>
    }
}

/// Opens a file dropped anywhere on the page, and shows where to drop
/// while one is dragged over it (class `drop-target` on `<body>`).
#[hook]
pub fn use_file_drop(on: Callback<Action>) {
    use_effect_with((), move |_| {
        let body = web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.body());
        let listeners = body.map(|body| {
            let opts = EventListenerOptions::enable_prevent_default();
            let mark = |on: bool, body: &web_sys::HtmlElement| {
                body.set_class_name(if on { "drop-target" } else { "" });
            };
            let over = {
                let body = body.clone();
                EventListener::new_with_options(&body.clone(), "dragover", opts, move |e| {
                    if has_files(e) {
                        e.prevent_default();
                        mark(true, &body);
                    }
                })
            };
            let leave = {
                let body = body.clone();
                EventListener::new(&body.clone(), "dragleave", move |_| mark(false, &body))
            };
            let drop = {
                let body = body.clone();
                EventListener::new_with_options(&body.clone(), "drop", opts, move |e| {
                    mark(false, &body);
                    let Some(file) = e
                        .dyn_ref::<DragEvent>()
                        .and_then(DragEvent::data_transfer)
                        .and_then(|d| d.files())
                        .and_then(|f| f.get(0))
                    else {
                        return;
                    };
                    e.prevent_default();
                    open_file(file, on.clone());
                })
            };
            (over, leave, drop)
        });
        move || drop(listeners)
    });
}

/// Whether a drag carries files (not text dragged within the page).
fn has_files(e: &Event) -> bool {
    e.dyn_ref::<DragEvent>()
        .and_then(DragEvent::data_transfer)
        .is_some_and(|d| d.types().includes(&"Files".into(), 0))
}
