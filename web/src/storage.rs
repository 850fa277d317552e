//! The scene saved in this browser (localStorage). Only `App`'s effects
//! call this.

/// The localStorage key of the saved scene.
pub const SCENE_KEY: &str = "warren.scene.v1";

fn storage() -> Option<web_sys::Storage> {
    // Off the browser (the build-time snapshot renders `App` natively)
    // there is none, and web-sys would panic on the call.
    if cfg!(not(target_arch = "wasm32")) {
        return None;
    }
    web_sys::window()?.local_storage().ok().flatten()
}

/// Whether this browser lets the page keep the scene: there is no
/// localStorage where site data is turned off or blocked for the site
/// (Firefox, Safari and Chromium settings alike). Off the browser (the
/// build-time snapshot) nothing is kept and nothing needs saying: true.
pub fn available() -> bool {
    cfg!(not(target_arch = "wasm32")) || storage().is_some()
}

/// The saved scene, if any.
pub fn load() -> Option<String> {
    storage()?.get_item(SCENE_KEY).ok().flatten()
}

/// Saves the scene (silently does nothing where storage is unavailable,
/// e.g. a private window with storage disabled).
pub fn save(text: &str) {
    if let Some(s) = storage() {
        let _ = s.set_item(SCENE_KEY, text);
    }
}

/// Forgets the saved scene.
pub fn clear() {
    if let Some(s) = storage() {
        let _ = s.remove_item(SCENE_KEY);
    }
}

/// The localStorage key of the scene a share link replaced (kept one click
/// away, src/components/share.rs).
pub const KEPT_KEY: &str = "warren.scene.kept.v1";

/// The scene a share link replaced, if one was kept.
pub fn load_kept() -> Option<String> {
    storage()?.get_item(KEPT_KEY).ok().flatten()
}

/// Keeps the scene a share link is about to replace.
pub fn save_kept(text: &str) {
    if let Some(s) = storage() {
        let _ = s.set_item(KEPT_KEY, text);
    }
}
