//! Dialogs: keyboard help, the lessons' gallery, and scenes (built-in
//! ones, export, import).

use wasm_bindgen::JsCast;
use web_sys::{Element, HtmlElement, HtmlTextAreaElement};
use yew::prelude::*;

use wasm_bindgen_futures::JsFuture;

use crate::state::scene::{LessonEntry, BUILT_IN, LESSONS};
use crate::state::{Action, CommandError, SHORTCUTS};

/// What Tab can reach inside a dialog.
const FOCUSABLE: &str = "a[href], button:not([disabled]), input:not([disabled]), \
    select:not([disabled]), textarea:not([disabled]), [tabindex]:not([tabindex='-1'])";

/// A modal frame: labelled, focus moved to its close button on open and
/// kept inside while it is open (Tab from the last control wraps to the
/// first, Shift+Tab from the first to the last), given back to where it was
/// on close. Escape closes it (the page's key handler).
#[derive(Properties, PartialEq)]
pub(crate) struct FrameProps {
    pub(crate) id: AttrValue,
    pub(crate) title: AttrValue,
    pub(crate) on: Callback<Action>,
    pub(crate) children: Html,
}

#[function_component(Frame)]
pub(crate) fn frame(p: &FrameProps) -> Html {
    let close_ref = use_node_ref();
    let dialog_ref = use_node_ref();
    {
        let close_ref = close_ref.clone();
        use_effect_with((), move |_| {
            let opener = active_element();
            if let Some(b) = close_ref.cast::<HtmlElement>() {
                let _ = b.focus();
            }
            move || {
                if let Some(el) = opener {
                    let _ = el.focus();
                }
            }
        });
    }
    let trap = {
        let dialog_ref = dialog_ref.clone();
        Callback::from(move |e: KeyboardEvent| {
            if e.key() != "Tab" {
                return;
            }
            let Some(dialog) = dialog_ref.cast::<Element>() else {
                return;
            };
            let Some(items) = dialog.query_selector_all(FOCUSABLE).ok() else {
                return;
            };
            let items: Vec<HtmlElement> = (0..items.length())
                .filter_map(|i| items.item(i))
                .filter_map(|n| n.dyn_into::<HtmlElement>().ok())
                .collect();
            let (Some(first), Some(last)) = (items.first(), items.last()) else {
                return;
            };
            let active = active_element();
            let is = |el: &HtmlElement| active.as_ref() == Some(el);
            let wrap_to = if e.shift_key() && is(first) {
                last
            } else if !e.shift_key() && is(last) {
                first
            } else {
                return;
            };
            e.prevent_default();
            let _ = wrap_to.focus();
        })
    };
    let close = {
        let on = p.on.clone();
        Callback::from(move |_: MouseEvent| on.emit(Action::CloseDialog))
    };
    let backdrop = {
        let on = p.on.clone();
        Callback::from(move |_: MouseEvent| on.emit(Action::CloseDialog))
    };
    let stop = Callback::from(|e: MouseEvent| e.stop_propagation());
    let title_id = format!("{}-title", p.id);
    html! {
        <div class="backdrop" onclick={backdrop}>
            <div class="dialog" id={p.id.clone()} ref={dialog_ref} role="dialog" aria-modal="true" aria-labelledby={title_id.clone()} onclick={stop} onkeydown={trap}>
                <div class="dialog-head">
                    <h2 id={title_id}>{ p.title.clone() }</h2>
                    <button type="button" class="close" ref={close_ref} onclick={close} aria-label="Close (Esc)">{ "✕" }</button>
                </div>
                { p.children.clone() }
            </div>
        </div>
    }
}

/// Help dialog props.
#[derive(Properties, PartialEq)]
pub struct HelpProps {
    /// Intents.
    pub on: Callback<Action>,
}

/// Keyboard shortcuts and the concepts.
#[function_component(HelpDialog)]
pub fn help_dialog(p: &HelpProps) -> Html {
    html! {
        <Frame id="help-dialog" title="Warren: keys and ideas" on={p.on.clone()}>
            <div class="help-cols">
                <section>
                    <h3>{ "Keyboard" }</h3>
                    <table class="keys">
                        <tbody>
                            { for SHORTCUTS.iter().map(|s| html! {
                                <tr><td><kbd>{ s.keys }</kbd></td><td>{ s.what }</td></tr>
                            }) }
                        </tbody>
                    </table>
                    <p class="dim">{ "Shortcuts are ignored while you type in a field." }</p>
                </section>
                <section>
                    <h3>{ "How it works" }</h3>
                    <p>{ "Warren runs a model of a RabbitMQ 3.10 broker in your browser. Producers publish to exchanges; an exchange copies each message to the queues (or exchanges) whose bindings match; consumers take messages from queues, work on them, then acknowledge (or reject) them." }</p>
                    <p>{ "Time is virtual: pause it, step from event to event, run it up to 100× faster. The timeline records what you do; drag it back to see any earlier moment exactly as it was, and play forward to replay your actions." }</p>
                    <p>{ "Everything the broker refuses comes back with its reply code and text, next to the form you used; nothing else changes." }</p>
                    <p>{ "Your scene (topology, producers, consumers, layout) is saved in this browser after each change." }</p>
                </section>
            </div>
        </Frame>
    }
}

/// Gallery dialog props.
#[derive(Properties, PartialEq)]
pub struct GalleryProps {
    /// Intents.
    pub on: Callback<Action>,
}

/// The lessons: one click fetches one (`scenes/<id>.json`, beside the
/// page) and opens it at its start.
#[function_component(GalleryDialog)]
pub fn gallery_dialog(p: &GalleryProps) -> Html {
    html! {
        <Frame id="gallery-dialog" title="Lessons" on={p.on.clone()}>
            <p class="dim">{ "Each lesson is a scene you walk through step by step, with Next and Back. Every caption is checked against the broker by Warren's tests. Opening one replaces what is on the canvas." }</p>
            <ul class="scenes gallery">
                { for LESSONS.iter().map(|l| {
                    let on = p.on.clone();
                    let entry = *l;
                    let open = Callback::from(move |_: MouseEvent| fetch_lesson(entry, on.clone()));
                    html! {
                        <li>
                            <button type="button" id={format!("load-{}", l.id)} onclick={open}>
                                <strong>{ l.label }</strong>
                                <span class="dim">{ l.blurb }</span>
                            </button>
                        </li>
                    }
                }) }
            </ul>
        </Frame>
    }
}

/// Fetches a lesson's file and hands the text (or why there is none) to
/// the reducer.
fn fetch_lesson(entry: LessonEntry, on: Callback<Action>) {
    yew::platform::spawn_local(async move {
        let text = fetch_text(&entry.url()).await;
        on.emit(Action::LoadLesson {
            id: entry.id.to_owned(),
            text,
        });
    });
}

/// The text at `url`, or why it could not be read.
async fn fetch_text(url: &str) -> Result<String, String> {
    let window = web_sys::window().ok_or("no window")?;
    let response = JsFuture::from(window.fetch_with_str(url))
        .await
        .map_err(|_| format!("{url} could not be fetched (offline, or not served)"))?;
    let response: web_sys::Response = response.dyn_into().map_err(|_| "not a response")?;
    if !response.ok() {
        return Err(format!("{url}: HTTP {}", response.status()));
    }
    let text = response.text().map_err(|_| "no body")?;
    JsFuture::from(text)
        .await
        .ok()
        .and_then(|t| t.as_string())
        .ok_or_else(|| format!("{url}: the body is not text"))
}

/// Scene dialog props.
#[derive(Properties, PartialEq)]
pub struct SceneProps {
    /// The current scene as scenario JSON.
    pub export: String,
    /// The current topology as a RabbitMQ `definitions.json`.
    #[prop_or_default]
    pub definitions: String,
    /// The import's refusal.
    pub error: Option<CommandError>,
    /// Intents.
    pub on: Callback<Action>,
}

/// Built-in scenes, export and import.
#[function_component(SceneDialog)]
pub fn scene_dialog(p: &SceneProps) -> Html {
    let import = use_state(String::new);
    let on_input = {
        let import = import.clone();
        Callback::from(move |e: InputEvent| {
            import.set(e.target_unchecked_into::<HtmlTextAreaElement>().value())
        })
    };
    let do_import = {
        let on = p.on.clone();
        let import = import.clone();
        Callback::from(move |_: MouseEvent| on.emit(Action::LoadSceneText((*import).clone())))
    };
    let href = format!(
        "data:application/json;charset=utf-8,{}",
        percent_encode(&p.export)
    );
    html! {
        <Frame id="scene-dialog" title="Scenes" on={p.on.clone()}>
            <section>
                <h3>{ "Start from a scene" }</h3>
                <p class="dim">{ "Loading a scene replaces what is on the canvas (export it first to keep it)." }</p>
                <ul class="scenes">
                    { for BUILT_IN.iter().enumerate().map(|(i, b)| {
                        let on = p.on.clone();
                        let id = b.id.to_owned();
                        let load = Callback::from(move |_: MouseEvent| on.emit(Action::LoadBuiltIn(id.clone())));
                        html! {
                            <li>
                                <button type="button" id={format!("load-{}", b.id)} onclick={load}>{ if i == 0 { format!("{} — the default", b.label) } else { b.label.to_owned() } }</button>
                            </li>
                        }
                    }) }
                </ul>
            </section>
            <section>
                <h3><label for="scene-export">{ "Export this scene" }</label></h3>
                <p class="dim">{ "A scenario file (docs/scenario.md): runs in the playground and in warren run." }</p>
                <textarea id="scene-export" readonly=true rows="8" value={p.export.clone()} />
                <a class="button" id="scene-download" download="scene.json" href={href}>{ "Download scene.json" }</a>
                <a class="button" id="definitions-download" download="definitions.json"
                    href={format!("data:application/json;charset=utf-8,{}", percent_encode(&p.definitions))}>{ "Download definitions.json (for RabbitMQ)" }</a>
            </section>
            <super::files::FilePicker on={p.on.clone()} />
            <section>
                <h3><label for="scene-import">{ "Import a scene" }</label></h3>
                <textarea id="scene-import" rows="6" placeholder="Paste a scenario JSON file here" value={(*import).clone()} oninput={on_input} />
                { super::fields::error_line("scene", None, p.error.as_ref()) }
                <button type="button" class="primary" id="scene-import-go" onclick={do_import}>{ "Import" }</button>
            </section>
        </Frame>
    }
}

/// Percent-encodes text for a data URL (RFC 3986 unreserved kept).
pub(crate) fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len() * 3 / 2);
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// The element that has focus, if it can take it back later.
fn active_element() -> Option<HtmlElement> {
    web_sys::window()?
        .document()?
        .active_element()?
        .dyn_into::<HtmlElement>()
        .ok()
}

/// Code dialog props.
#[derive(Properties, PartialEq)]
pub struct CodeProps {
    /// The scene's pika scripts.
    pub files: Vec<warren_export::File>,
    /// Intents.
    pub on: Callback<Action>,
}

/// The scene as pika scripts: one tab per file, each with copy and download.
#[function_component(CodeDialog)]
pub fn code_dialog(p: &CodeProps) -> Html {
    let tab = use_state(|| 0usize);
    let copied = use_state(|| false);
    let i = (*tab).min(p.files.len().saturating_sub(1));
    let Some(file) = p.files.get(i) else {
        return html! {};
    };
    let copy = {
        let text = file.text.clone();
        let copied = copied.clone();
        Callback::from(move |_: MouseEvent| {
            if let Some(w) = web_sys::window() {
                // Fire and forget: a refusal (no permission) leaves the
                // text selectable in the box below.
                let _ = w.navigator().clipboard().write_text(&text);
                copied.set(true);
            }
        })
    };
    let href = format!(
        "data:text/x-python;charset=utf-8,{}",
        percent_encode(&file.text)
    );
    html! {
        <Frame id="code-dialog" title="Run this scene on RabbitMQ" on={p.on.clone()}>
            <p class="dim">{ "pika 1.x scripts (docs/export.md): run topology.py once, then the consumers, then the publishers. Set AMQP_URL to point them at your broker." }</p>
            <div class="tabs" role="tablist" aria-label="Files">
                { for p.files.iter().enumerate().map(|(j, f)| {
                    let tab = tab.clone();
                    let copied = copied.clone();
                    let pick = Callback::from(move |_: MouseEvent| { tab.set(j); copied.set(false); });
                    html! {
                        <button type="button" role="tab" id={format!("code-tab-{j}")} aria-selected={(i == j).to_string()}
                            aria-controls="code-panel" title={f.title.clone()} onclick={pick}>{ f.name.clone() }</button>
                    }
                }) }
            </div>
            <div id="code-panel" role="tabpanel" aria-labelledby={format!("code-tab-{i}")}>
                <textarea id="code-text" aria-label={file.name.clone()} readonly=true rows="18" spellcheck="false" value={file.text.clone()} />
            </div>
            <div class="row">
                <button type="button" id="code-copy" onclick={copy}>{ if *copied { "Copied" } else { "Copy" } }</button>
                <a class="button" id="code-download" download={file.name.clone()} href={href}>{ format!("Download {}", file.name) }</a>
            </div>
        </Frame>
    }
}
