//! The crate boundaries the architecture rests on (`docs/architecture.md`),
//! checked from Cargo's own view of the workspace so that a new dependency
//! edge fails here, not in review.

use std::collections::BTreeMap;
use std::process::Command;

use serde_json::Value;

/// One dependency edge: the package depended on, and Cargo's kind of the
/// edge (`None` for a normal dependency, `"dev"`, `"build"`).
struct Dep {
    name: String,
    kind: Option<String>,
    /// Whether the edge turns on the package's default features.
    default_features: bool,
    /// Features the edge turns on.
    features: Vec<String>,
}

/// Every workspace package with the packages it depends on (normal, dev
/// and build dependencies alike), from `cargo metadata`.
fn workspace_dependencies() -> BTreeMap<String, Vec<Dep>> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let manifest = concat!(env!("CARGO_MANIFEST_DIR"), "/../Cargo.toml");
    let out = Command::new(cargo)
        .args([
            "metadata",
            "--format-version",
            "1",
            "--no-deps",
            "--offline",
        ])
        .args(["--manifest-path", manifest])
        .output()
        .expect("cargo metadata runs");
    assert!(
        out.status.success(),
        "cargo metadata: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let meta: Value = serde_json::from_slice(&out.stdout).expect("cargo metadata prints JSON");
    let mut deps = BTreeMap::new();
    for p in meta["packages"].as_array().expect("packages") {
        let names = p["dependencies"]
            .as_array()
            .expect("dependencies")
            .iter()
            .map(|d| Dep {
                name: d["name"].as_str().unwrap_or_default().to_owned(),
                kind: d["kind"].as_str().map(str::to_owned),
                default_features: d["uses_default_features"].as_bool().unwrap_or(true),
                features: d["features"]
                    .as_array()
                    .map(|f| {
                        f.iter()
                            .filter_map(|x| x.as_str().map(str::to_owned))
                            .collect()
                    })
                    .unwrap_or_default(),
            })
            .collect();
        deps.insert(p["name"].as_str().unwrap_or_default().to_owned(), names);
    }
    deps
}

/// Which workspace packages each one may use. The broker model knows
/// nothing of files, the playground or the command line; the files layer
/// knows the broker only through its public API (a crate boundary, so no
/// `pub(crate)` item can be reached across it).
const ALLOWED: &[(&str, &[&str])] = &[
    ("warren-core", &[]),
    ("warren-scenario", &["warren-core"]),
    // Scenes as code: beside the files layer, so that the playground can
    // use it without linking the scenario reader.
    ("warren-export", &["warren-core"]),
    (
        "warren-cli",
        &["warren-core", "warren-scenario", "warren-export"],
    ),
    ("warren-tests", &["warren-core", "warren-scenario"]),
    // The playground's wasm links the broker, and of the scenario crate
    // only the lint without its file-only checks (see the last test); its
    // tests check that what it writes, the scenario crate reads.
    (
        "warren-web",
        &["warren-core", "warren-export", "warren-scenario"],
    ),
];

#[test]
fn each_crate_depends_only_on_the_layers_below_it() {
    let deps = workspace_dependencies();
    let ours: Vec<&str> = deps.keys().map(String::as_str).collect();
    for (package, allowed) in ALLOWED {
        let uses = deps
            .get(*package)
            .unwrap_or_else(|| panic!("{package} is not in the workspace"));
        for d in uses.iter().filter(|d| ours.contains(&d.name.as_str())) {
            assert!(
                allowed.contains(&d.name.as_str()),
                "{package} depends on {}, which the layering forbids (allowed: {allowed:?})",
                d.name
            );
        }
    }
    for p in &ours {
        assert!(
            ALLOWED.iter().any(|(name, _)| name == p),
            "{p} is new: give it a place in ALLOWED"
        );
    }
}

/// The playground's wasm uses the scenario crate for its lint only
/// (`docs/lint.md`): without the default features, which would link the
/// file-only checks and the regular expressions policies need (about 21 KB
/// of compressed wasm, `docs/performance.md`). Its reader is not called,
/// so not linked.
#[test]
fn the_playground_links_the_scenario_crate_only_without_its_file_checks() {
    let deps = workspace_dependencies();
    let web = deps
        .get("warren-web")
        .expect("warren-web is in the workspace");
    for d in web.iter().filter(|d| d.name == "warren-scenario") {
        if d.kind.as_deref() == Some("dev") {
            continue;
        }
        assert!(
            !d.default_features && d.features.is_empty(),
            "warren-web's wasm must link warren-scenario without its features (its size): \
             `default-features = false`"
        );
    }
}
