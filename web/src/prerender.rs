//! The default scene, rendered at build time and painted before the wasm
//! has run.
//!
//! Why: a first visit waited for the wasm to arrive, compile and render
//! before anything showed (first paint at a median of 324–448 ms here,
//! e2e/bench.md), while a page that already holds the scene's markup, its
//! stylesheet inlined, is painted as soon as it is parsed. So the build
//! renders `App` once more, natively, with Yew's server-side renderer: same
//! components, same state as a first visit's first render.
//! `src/bin/prerender.rs` writes that markup into the built `index.html` (a
//! trunk `post_build` hook, see `Trunk.toml`), inside an `inert` wrapper:
//! it can be seen but not used. On start the app
//! removes it and renders in its place ([`remove_snapshot`]); Yew renders
//! in a microtask of that same task, before the browser draws again, so
//! no frame shows neither.
//!
//! The snapshot is the default scene; a browser with a saved scene will
//! show that one instead, so a one-line script ahead of the snapshot hides
//! it there (class `saved-scene` on `<html>`, see style.css) rather than
//! show the wrong scene for a moment: such a visit paints when the app
//! does, as every visit did before the snapshot.

use std::fmt;

/// The id of the snapshot's wrapper element in `index.html`.
pub const SNAPSHOT_ID: &str = "prerendered";

/// Where in `index.html` the snapshot goes: the comment that stands for it.
pub const MARKER: &str = "<!-- prerendered -->";

/// Why a page could not take the snapshot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InjectError {
    /// The page has no [`MARKER`] (or it was filled already).
    NoMarker,
    /// The page has the marker more than once.
    ManyMarkers(usize),
}

impl fmt::Display for InjectError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NoMarker => write!(
                f,
                "the page has no `{MARKER}` comment in its <body> to put the snapshot in"
            ),
            Self::ManyMarkers(n) => write!(
                f,
                "the page has `{MARKER}` {n} times; it must be there once"
            ),
        }
    }
}

impl std::error::Error for InjectError {}

/// `page` with `snapshot` (markup from [`render`]) in place of its marker,
/// wrapped so that it is seen but inert until the app replaces it, and
/// hidden from the start where a saved scene will replace it.
pub fn inject(page: &str, snapshot: &str) -> Result<String, InjectError> {
    match page.matches(MARKER).count() {
        0 => Err(InjectError::NoMarker),
        1 => Ok(page.replacen(
            MARKER,
            &format!(
                r#"{}<div id="{SNAPSHOT_ID}" inert>{snapshot}</div>"#,
                hide_if_saved()
            ),
            1,
        )),
        n => Err(InjectError::ManyMarkers(n)),
    }
}

/// A script that marks `<html>` with `saved-scene` when this browser has
/// a saved scene (`storage::SCENE_KEY`), before the snapshot is parsed;
/// likewise for a share link's scene (`#w1.`, src/share.rs) and an embed
/// (`?embed`, src/embed.rs), which show another scene or another layout.
/// Storage may be unavailable (a private window): then nothing is hidden,
/// as the app will show the default scene too.
fn hide_if_saved() -> String {
    format!(
        r#"<script>try{{if(localStorage.getItem("{}")||/^#w\d/.test(location.hash)||/[?&]embed/.test(location.search))document.documentElement.classList.add("saved-scene")}}catch(e){{}}</script>"#,
        crate::storage::SCENE_KEY
    )
}

/// Removes the snapshot, if the page has one. `main` calls it just before
/// rendering the app, so that nothing (an effect looking an element up by
/// id) finds the snapshot's copy instead of the app's.
pub fn remove_snapshot() {
    if let Some(el) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.get_element_by_id(SNAPSHOT_ID))
    {
        el.remove();
    }
}

/// `App`'s first render of the default scene, as markup. Native only: it
/// runs in the build, not in the page.
#[cfg(not(target_arch = "wasm32"))]
pub fn render() -> String {
    let renderer =
        yew::ServerRenderer::<crate::App>::with_props(|| crate::AppProps { snapshot: true })
            .hydratable(false);
    block_on(renderer.render())
}

/// Runs a future to completion on this thread. Yew's renderer does its
/// work on a runtime of its own and only hands the result back, so a
/// waker that unparks this thread is all it needs (no executor crate).
#[cfg(not(target_arch = "wasm32"))]
fn block_on<F: std::future::Future>(future: F) -> F::Output {
    use std::sync::Arc;
    use std::task::{Context, Poll, Wake, Waker};
    use std::thread::{self, Thread};

    struct Unpark(Thread);
    impl Wake for Unpark {
        fn wake(self: Arc<Self>) {
            self.0.unpark();
        }
    }

    let waker = Waker::from(Arc::new(Unpark(thread::current())));
    let mut cx = Context::from_waker(&waker);
    let mut future = std::pin::pin!(future);
    loop {
        match future.as_mut().poll(&mut cx) {
            Poll::Ready(out) => return out,
            Poll::Pending => thread::park(),
        }
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;

    const PAGE: &str = "<html><body><!-- prerendered --></body></html>";

    #[test]
    fn the_snapshot_goes_where_the_marker_was_inert() {
        let page = inject(PAGE, "<p>scene</p>").unwrap();
        let script = hide_if_saved();
        assert_eq!(
            page,
            format!(
                r#"<html><body>{script}<div id="prerendered" inert><p>scene</p></div></body></html>"#
            )
        );
        // The script looks for the key the app saves under.
        assert!(script.contains(&format!(r#"getItem("{}")"#, crate::storage::SCENE_KEY)));
    }

    #[test]
    fn a_page_without_one_marker_is_refused() {
        assert_eq!(inject("<body></body>", "x"), Err(InjectError::NoMarker));
        let twice = format!("{MARKER}{MARKER}");
        assert_eq!(inject(&twice, "x"), Err(InjectError::ManyMarkers(2)));
        // Filled once, a page cannot be filled again.
        let filled = inject(PAGE, "x").unwrap();
        assert_eq!(inject(&filled, "x"), Err(InjectError::NoMarker));
        assert!(InjectError::NoMarker.to_string().contains(MARKER));
    }

    #[test]
    fn the_render_is_the_default_scene_fitted_by_css() {
        let html = render();
        for node in [
            "node:producer:web shop",
            "node:exchange:order",
            "node:queue:order_notify",
            "node:queue:order_report",
            "node:consumer:mailer",
            "node:consumer:printer",
        ] {
            assert!(
                html.contains(&format!(r#"data-testid="{node}""#)),
                "{node} missing"
            );
        }
        // The scene's box goes to CSS, which fits it (style.css, `.fitted`).
        assert!(html.contains(r#"class="fitted""#), "{html}");
        assert!(html.contains("--bx:") && html.contains("--bw:"), "{html}");
        // No transform of the live view's default (0, 0, 1) is left in.
        assert!(!html.contains("scale(1.000)"));
        assert!(
            html.starts_with(r#"<div id="app" class="app">"#),
            "{}",
            &html[..80]
        );
    }
}
