//! A panic never leaves a dead page: the hook shows an error panel that
//! offers to reload (the scene saved after the last change comes back) or
//! to reset to the default scene. The panel is plain DOM with inline
//! handlers, because once Rust code has panicked nothing of it runs again.

use crate::storage::SCENE_KEY;

/// The panel's element id.
pub const PANEL_ID: &str = "panic-panel";

/// Installs the panic hook. Through Yew's `set_custom_panic_hook`: a plain
/// `std::panic::set_hook` would be replaced by Yew's own (console only)
/// when the app renders. `embed`: the page is an embed, which keeps
/// nothing in storage, so its panel offers only a reload (a reset would
/// clear the reader's own scene, saved by the full page on this origin).
pub fn install(embed: bool) {
    yew::set_custom_panic_hook(Box::new(move |info| {
        let text = info.to_string();
        web_sys::console::error_1(&format!("Warren panicked: {text}").into());
        show_panel(&text, embed);
    }));
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Shows the error panel with `message` (public for the browser tests).
pub fn show_panel(message: &str, embed: bool) {
    let Some(doc) = web_sys::window().and_then(|w| w.document()) else {
        return;
    };
    let Some(body) = doc.body() else { return };
    if doc.get_element_by_id(PANEL_ID).is_some() {
        return;
    }
    let Ok(panel) = doc.create_element("div") else {
        return;
    };
    panel.set_id(PANEL_ID);
    let _ = panel.set_attribute("role", "alertdialog");
    let _ = panel.set_attribute("aria-modal", "true");
    let _ = panel.set_attribute("aria-labelledby", "panic-title");
    let _ = panel.set_attribute(
        "style",
        "position:fixed;inset:0;z-index:1000;background:rgba(11,18,34,.72);display:grid;place-items:center;padding:16px;font:15px/1.45 system-ui,sans-serif",
    );
    let button =
        "font:inherit;padding:8px 14px;border-radius:8px;cursor:pointer;margin:4px 8px 0 0";
    let (said, buttons) = if embed {
        (
            "Something went wrong inside this embedded playground. Reloading shows its scene again from the start.",
            format!(r#"<button type="button" id="panic-reload" style="{button};background:#2458d8;color:#fff;border:1px solid #1d49b8" onclick="location.reload()">Reload</button>"#),
        )
    } else {
        (
            "Something went wrong inside the playground. What you built is saved in this browser as of your last change: reloading brings it back.",
            format!(
                r#"<button type="button" id="panic-reload" style="{button};background:#2458d8;color:#fff;border:1px solid #1d49b8" onclick="location.reload()">Reload (keeps your scene)</button>
<button type="button" id="panic-reset" style="{button};background:#fff6f6;color:#c62828;border:1px solid #efb7b7" onclick="try{{localStorage.removeItem('{SCENE_KEY}')}}catch(e){{}};location.reload()">Reset to the default scene</button>"#
            ),
        )
    };
    panel.set_inner_html(&format!(
        r#"<div style="background:#fff;color:#1c2433;max-width:560px;width:100%;border-radius:14px;padding:20px 22px;box-shadow:0 20px 60px rgba(0,0,0,.4)">
<h2 id="panic-title" style="margin:0 0 8px;font-size:20px">Warren stopped working</h2>
<p style="margin:0 0 8px">{said}</p>
<pre style="white-space:pre-wrap;overflow-wrap:anywhere;background:#f4f6fa;border-radius:8px;padding:8px;font-size:12px;max-height:30vh;overflow:auto">{}</pre>
{buttons}
</div>"#,
        escape(message)
    ));
    let _ = body.append_child(&panel);
    if let Some(b) = doc
        .get_element_by_id("panic-reload")
        .and_then(|e| wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlElement>(e).ok())
    {
        let _ = b.focus();
    }
}
