//! Writes the build-time snapshot of the default scene into a built
//! `index.html` (see `warren_web::prerender`). Trunk runs it after every
//! build (`Trunk.toml`'s `post_build` hook):
//!
//! ```text
//! prerender [INDEX_HTML]
//! ```
//!
//! `INDEX_HTML` defaults to `$TRUNK_STAGING_DIR/index.html`, the page trunk
//! is about to publish.

#[cfg(not(target_arch = "wasm32"))]
fn main() -> std::process::ExitCode {
    use std::path::PathBuf;
    use std::process::ExitCode;

    let path = match std::env::args_os().nth(1) {
        Some(p) => PathBuf::from(p),
        None => match std::env::var_os("TRUNK_STAGING_DIR") {
            Some(dir) => PathBuf::from(dir).join("index.html"),
            None => {
                eprintln!("prerender: no page given: pass the built index.html, or run as a trunk hook (TRUNK_STAGING_DIR)");
                return ExitCode::from(2);
            }
        },
    };
    let page = match std::fs::read_to_string(&path) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("prerender: cannot read {}: {e}", path.display());
            return ExitCode::FAILURE;
        }
    };
    let snapshot = warren_web::prerender::render();
    let page = match warren_web::prerender::inject(&page, &snapshot) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("prerender: {}: {e}", path.display());
            return ExitCode::FAILURE;
        }
    };
    if let Err(e) = std::fs::write(&path, page) {
        eprintln!("prerender: cannot write {}: {e}", path.display());
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}

/// Nothing to do in the browser: the snapshot is made at build time.
#[cfg(target_arch = "wasm32")]
fn main() {}
