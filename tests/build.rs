//! Compiles the conformance fixtures into the test crate (an include list
//! generated from `tests/fixtures/conformance/`), so that the browser suite,
//! which has no filesystem, replays the same files as the native one.

use std::fmt::Write as _;
use std::path::Path;

fn main() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/conformance");
    println!("cargo::rerun-if-changed={}", dir.display());
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .map(|d| {
            d.filter_map(Result::ok)
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| n.ends_with(".json"))
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    let mut out = String::from("/// Every recorded fixture: (file stem, contents).\npub const FIXTURES: &[(&str, &str)] = &[\n");
    for n in &names {
        let stem = n.trim_end_matches(".json");
        let path = dir.join(n);
        let _ = writeln!(
            out,
            "    ({stem:?}, include_str!({:?})),",
            path.display().to_string()
        );
    }
    out.push_str("];\n");
    let dest =
        Path::new(&std::env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join("fixtures.rs");
    std::fs::write(dest, out).expect("write fixtures.rs");
}
