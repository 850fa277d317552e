//! Sharing: the Share dialog (the link, the `<iframe>` line with a live
//! preview), opening a share link when the page loads, and the bar that
//! keeps the person's own scene one click away after a link replaced it.

use std::rc::Rc;

use gloo_events::EventListener;
use wasm_bindgen::JsCast;
use web_sys::{HtmlInputElement, HtmlSelectElement};
use yew::platform::spawn_local;
use yew::prelude::*;

use super::dialogs::{percent_encode, Frame};
use crate::embed::{iframe_line, EmbedOptions, Theme};
use crate::share::{decode_fragment, MAX_LINK_FRAGMENT};
use crate::state::{Action, Level};
use crate::{limits, storage};

/// The page's address without query or fragment: what links and embeds
/// start from (so they work wherever `dist/` is served, at any prefix).
pub fn page_base() -> String {
    let Some(w) = web_sys::window() else {
        return String::new();
    };
    let l = w.location();
    format!(
        "{}{}",
        l.origin().unwrap_or_default(),
        l.pathname().unwrap_or_default()
    )
}

/// A link's scene checked against the limits, what opening it says, its
/// text, and whether anything was clamped.
type Opened = (Rc<crate::state::scene::Scene>, String, String, bool);

/// Reads a link's compressed scene.
async fn read_link(bytes: Vec<u8>) -> Result<Opened, String> {
    #[cfg(target_arch = "wasm32")]
    let text = crate::share::inflate(&bytes)
        .await
        .map_err(|e| e.to_string())?;
    // Off the browser (the native build of the build-time snapshot) no
    // link is ever opened; the bytes stand for the text.
    #[cfg(not(target_arch = "wasm32"))]
    let text = String::from_utf8(bytes).map_err(|e| e.to_string())?;
    let (scene, notes) = limits::read(&text)?;
    let mut what = format!("Opened the shared scene “{}”.", scene.name);
    if !notes.is_empty() {
        what.push_str(&format!(" Clamped: {}.", notes.join("; ")));
    }
    Ok((Rc::new(scene), what, text, !notes.is_empty()))
}

/// Opens the share link in the page's fragment, now and whenever the
/// fragment changes (a link pasted into the address bar of an open tab).
/// `embed`: an embed neither reads nor writes storage, and keeps the
/// fragment (a reload shows the same scene). Otherwise the scene the link
/// replaces, if it differs, is saved under [`storage::KEPT_KEY`] and
/// returned here (the page shows "Back to my scene"), and the fragment is
/// removed from the address (a reload then restores the autosave, which is
/// the link's scene, rather than replace it again).
///
/// A link that does not open puts up a notice and changes nothing.
#[hook]
pub fn use_open_link(on: Callback<Action>, embed: bool) -> UseStateHandle<Option<String>> {
    let kept = use_state(|| None::<String>);
    {
        let kept = kept.clone();
        use_effect_with((), move |_| {
            let open = Rc::new(move || open_fragment(on.clone(), embed, kept.clone()));
            open();
            let listener = web_sys::window().map(|w| {
                let open = open.clone();
                EventListener::new(&w, "hashchange", move |_| open())
            });
            move || drop(listener)
        });
    }
    kept
}

fn open_fragment(on: Callback<Action>, embed: bool, kept: UseStateHandle<Option<String>>) {
    let Some(w) = web_sys::window() else { return };
    let hash = w.location().hash().unwrap_or_default();
    let bytes = match decode_fragment(&hash) {
        Ok(None) => return,
        Ok(Some(b)) => b,
        Err(e) => {
            on.emit(not_opened(&e.to_string()));
            return;
        }
    };
    spawn_local(async move {
        match read_link(bytes).await {
            Ok((scene, what, text, clamped)) => {
                if !embed {
                    forget_fragment();
                    // Kept if it differs from the link's and would open.
                    let mine = storage::load().filter(|m| *m != text);
                    if let Some(mine) = mine.filter(|m| limits::read(m).is_ok()) {
                        storage::save_kept(&mine);
                        kept.set(Some(mine));
                    }
                }
                on.emit(Action::OpenScene(scene, what));
                // An embed opening its own link says nothing (a notice
                // over a small canvas), unless something was clamped.
                if embed && !clamped {
                    on.emit(Action::DismissNotice);
                }
            }
            Err(e) => on.emit(not_opened(&e)),
        }
    });
}

fn not_opened(why: &str) -> Action {
    Action::Notify(
        Level::Error,
        format!("The link's scene was not opened: {why}. The scene on the canvas is unchanged."),
    )
}

/// Drops the fragment from the address bar without a reload or a history
/// entry.
fn forget_fragment() {
    if let Some(w) = web_sys::window() {
        if let Ok(h) = w.history() {
            let url = format!(
                "{}{}",
                page_base(),
                w.location().search().unwrap_or_default()
            );
            let _ = h.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&url));
        }
    }
}

/// Kept-scene bar props.
#[derive(Properties, PartialEq)]
pub struct KeptProps {
    /// The scene a link replaced, if any.
    pub kept: UseStateHandle<Option<String>>,
    /// Intents.
    pub on: Callback<Action>,
}

/// "You opened a shared scene; your own is kept: Back to my scene".
#[function_component(KeptBar)]
pub fn kept_bar(p: &KeptProps) -> Html {
    let Some(mine) = (*p.kept).clone() else {
        return html! {};
    };
    let back = {
        let (kept, on) = (p.kept.clone(), p.on.clone());
        Callback::from(move |_: MouseEvent| {
            if let Ok((scene, _)) = limits::read(&mine) {
                on.emit(Action::OpenScene(
                    Rc::new(scene),
                    "Back to your own scene.".into(),
                ));
            }
            kept.set(None);
        })
    };
    let dismiss = {
        let kept = p.kept.clone();
        Callback::from(move |_: MouseEvent| kept.set(None))
    };
    html! {
        <div class="kept" id="kept-scene" role="region" aria-label="Your previous scene">
            <span>{ "You opened a shared scene; the scene you had is kept." }</span>
            <button type="button" id="kept-restore" onclick={back}>{ "Back to my scene" }</button>
            <button type="button" id="kept-dismiss" aria-label="Keep the shared scene" onclick={dismiss}>{ "Keep this one" }</button>
        </div>
    }
}

/// Share dialog props.
#[derive(Properties, PartialEq)]
pub struct ShareProps {
    /// The current scene as scenario JSON.
    pub scene: String,
    /// Whether anything happened yet (the dialog then offers the run).
    #[prop_or_default]
    pub has_run: bool,
    /// The scene it started from with the run so far (`"run"`), when the
    /// box is ticked ([`Action::ShareRun`]).
    #[prop_or_default]
    pub run: Option<Rc<str>>,
    /// Intents.
    pub on: Callback<Action>,
}

/// The link to this scene, and the `<iframe>` line with a live preview.
#[function_component(ShareDialog)]
pub fn share_dialog(p: &ShareProps) -> Html {
    // The fragment for the scene: made asynchronously by the browser's
    // compression stream; `None` while it is being made.
    let fragment = use_state(|| None::<Result<String, String>>);
    // The run is taken when the box is ticked: the link does not follow
    // the clock while the dialog is open.
    let text = p
        .run
        .as_deref()
        .map_or_else(|| p.scene.clone(), str::to_owned);
    {
        let fragment = fragment.clone();
        use_effect_with(text.clone(), move |scene| {
            let scene = scene.clone();
            fragment.set(None);
            spawn_local(async move {
                fragment.set(Some(make_fragment(&scene).await));
            });
        });
    }
    let opts = use_state(|| EmbedOptions {
        embed: true,
        readonly: true,
        ..EmbedOptions::default()
    });
    let size = use_state(|| (640u32, 420u32));
    let base = page_base();
    let body = match &*fragment {
        None => html! { <p class="dim" id="share-wait">{ "Making the link…" }</p> },
        Some(Err(e)) => html! { <p class="error" id="share-error">{ format!("No link: {e}") }</p> },
        Some(Ok(f)) if f.len() > MAX_LINK_FRAGMENT => too_long(f.len(), &text),
        Some(Ok(f)) => {
            let link = format!("{base}#{f}");
            let src = format!("{base}{}#{f}", opts.query());
            let line = iframe_line(&src, size.0, size.1);
            html! { <>
                <section>
                    <h3><label for="share-link">{ "Link to this scene" }</label></h3>
                    <p class="dim">{ format!("{} characters. Opening it shows this scene; the scene of whoever opens it is kept one click away.", link.len()) }</p>
                    <div class="copy-row">
                        <input id="share-link" readonly=true value={link.clone()} />
                        { copy_button("share-copy", link) }
                    </div>
                </section>
                { embed_section(&opts, &size, &src, &line) }
            </> }
        }
    };
    let run_choice = p.has_run.then(|| {
        let ticked = p.run.is_some();
        let toggle = {
            let on = p.on.clone();
            Callback::from(move |_: Event| on.emit(Action::ShareRun(!ticked)))
        };
        html! {
            <label class="row" for="share-run">
                <input type="checkbox" id="share-run" checked={ticked} onchange={toggle} />
                { " Include the run so far: the link opens at this moment (when you ticked this), paused, and the reader can scrub back through what you did" }
            </label>
        }
    });
    html! {
        <Frame id="share-dialog" title="Share this scene" on={p.on.clone()}>
            { for run_choice }
            { body }
        </Frame>
    }
}

async fn make_fragment(scene: &str) -> Result<String, String> {
    #[cfg(target_arch = "wasm32")]
    {
        let bytes = crate::share::deflate(scene).await?;
        Ok(crate::share::encode_fragment(&bytes))
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        Ok(crate::share::encode_fragment(scene.as_bytes()))
    }
}

/// Over [`MAX_LINK_FRAGMENT`]: say so, and offer the file.
fn too_long(len: usize, scene: &str) -> Html {
    let href = format!(
        "data:application/json;charset=utf-8,{}",
        percent_encode(scene)
    );
    html! {
        <section id="share-too-long">
            <p>{ format!("This scene is {} KB as a link, over the {} KB a link carries safely (chat and mail programs cut long links). Share the scene file instead: it opens from Scenes ▸ Open a file, or by dropping it on the page.",
                len.div_ceil(1024), MAX_LINK_FRAGMENT / 1024) }</p>
            <a class="button primary" id="share-download" download="scene.json" href={href}>{ "Download scene.json" }</a>
        </section>
    }
}

/// The embed's options, its `<iframe>` line and the preview. One change
/// handler reads every option field (fewer closures, a smaller wasm).
fn embed_section(
    opts: &UseStateHandle<EmbedOptions>,
    size: &UseStateHandle<(u32, u32)>,
    src: &str,
    line: &str,
) -> Html {
    let onchange = {
        let (opts, size) = (opts.clone(), size.clone());
        Callback::from(move |_: Event| {
            let Some(doc) = web_sys::window().and_then(|w| w.document()) else {
                return;
            };
            let input = |id: &str| {
                doc.get_element_by_id(id)
                    .and_then(|e| e.dyn_into::<HtmlInputElement>().ok())
            };
            let on = |id: &str| input(id).is_some_and(|i| i.checked());
            let px = |id: &str, was: u32| {
                input(id)
                    .and_then(|i| i.value().parse::<u32>().ok())
                    .map_or(was, |v| v.clamp(200, 1600))
            };
            let dark = doc
                .get_element_by_id("embed-theme")
                .and_then(|e| e.dyn_into::<HtmlSelectElement>().ok())
                .is_some_and(|s| s.value() == "dark");
            opts.set(EmbedOptions {
                readonly: on("embed-readonly"),
                autoplay: on("embed-autoplay"),
                hide_log: on("embed-hidelog"),
                theme: if dark { Theme::Dark } else { Theme::Light },
                ..(*opts).clone()
            });
            size.set((px("embed-width", size.0), px("embed-height", size.1)));
        })
    };
    html! {
        <section>
            <h3><label for="share-iframe">{ "Embed in a page" }</label></h3>
            <div class="embed-opts" {onchange}>
                <label class="check"><input type="checkbox" id="embed-readonly" checked={opts.readonly} />{ "read-only" }</label>
                <label class="check"><input type="checkbox" id="embed-autoplay" checked={opts.autoplay} />{ "autoplay" }</label>
                <label class="check"><input type="checkbox" id="embed-hidelog" checked={opts.hide_log} />{ "hide the log" }</label>
                <label>{ "theme " }
                    <select id="embed-theme">
                        <option value="light" selected={opts.theme == Theme::Light}>{ "light" }</option>
                        <option value="dark" selected={opts.theme == Theme::Dark}>{ "dark" }</option>
                    </select>
                </label>
                <label>{ "width " }<input type="number" id="embed-width" min="200" max="1600" step="10" value={size.0.to_string()} /></label>
                <label>{ "height " }<input type="number" id="embed-height" min="200" max="1600" step="10" value={size.1.to_string()} /></label>
            </div>
            <div class="copy-row">
                <textarea id="share-iframe" readonly=true rows="3" value={line.to_owned()} />
                { copy_button("share-iframe-copy", line.to_owned()) }
            </div>
            <p class="dim">{ "Preview, at that size:" }</p>
            <div class="embed-preview">
                <iframe id="share-preview" src={src.to_owned()} width={size.0.to_string()} height={size.1.to_string()}
                    title="Preview of the embedded playground" style="border:0" />
            </div>
        </section>
    }
}

/// A button that copies `text` to the clipboard.
fn copy_button(id: &str, text: String) -> Html {
    let onclick = Callback::from(move |_: MouseEvent| {
        if let Some(w) = web_sys::window() {
            let _ = w.navigator().clipboard().write_text(&text);
        }
    });
    html! { <button type="button" id={id.to_owned()} {onclick}>{ "Copy" }</button> }
}
