//! The playground lints its broker's export without the checks of what
//! only a file can hold (feature `file-checks`, src/lint.rs): this shows
//! that those checks find nothing in an export, so the page and
//! `warren check` (which has them) agree. Every scene and example is run
//! as `warren check` runs it, and its export linted with every check.

use std::path::Path;

use warren_scenario::{lint, Definitions, Runner, Scenario};

/// Findings only a file can have: a broker refuses or skips these.
const FILE_ONLY: &[&str] = &[
    "invalid-policy-pattern",
    "invalid-policy-definition",
    "policy-matches-nothing",
    "policy-shadowed",
    "duplicate-policy",
    "unknown-exchange-type",
    "invalid-exchange-argument",
    "skipped-on-import",
    "duplicate-exchange",
    "duplicate-queue",
    "invalid-queue-argument",
    "invalid-stream",
    "dlrk-without-dlx",
    "default-exchange-binding",
    "binding-source-missing",
    "binding-destination-missing",
    "invalid-binding-arguments",
];

#[test]
fn an_export_has_no_finding_only_a_file_can_have() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut seen = 0;
    for dir in ["web/scenes", "examples"] {
        for entry in std::fs::read_dir(root.join(dir)).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_none_or(|e| e != "json") {
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap();
            let Ok(s) = Scenario::from_json_str(&text) else {
                continue; // a definitions file
            };
            let mut runner = Runner::new(s.broker().unwrap().0);
            runner.add_actors(&s).unwrap();
            for (i, step) in s.steps.iter().enumerate() {
                runner.step(i, step);
            }
            let defs = Definitions::export(runner.broker());
            for f in lint::check(&defs) {
                assert!(!FILE_ONLY.contains(&f.code), "{}: {f}", path.display());
            }
            seen += 1;
        }
    }
    assert!(seen >= 15, "{seen} scenes");
}
