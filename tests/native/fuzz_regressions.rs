//! Inputs found by the fuzz targets (`fuzz/`, see `docs/fuzzing.md`),
//! replayed natively through the very checks the targets run: the file
//! `fuzz/src/checks.rs` is compiled into this test, so no fuzzer, nightly
//! compiler or `arbitrary` is needed (regex keeps its fuzz crashes the same
//! way, as ordinary tests).
//!
//! Layout: `tests/data/fuzz/<target>/<name>`.
//! - `scenario_parse`, `definitions_parse`: the input bytes, minimised.
//! - `topic_match`, `broker_ops`: `<name>.json` is the decoded input (a JSON
//!   array of operations, which the test replays) and `<name>` the raw bytes
//!   (`cargo fuzz run <target> tests/data/fuzz/<target>/<name>`).
//!
//! Every file of a directory is replayed, except those listed in
//! [`PENDING`]: a bug reported but not fixed yet. Each of those also has an
//! `#[ignore]`d test of its own; when the fix lands, take the input off the
//! list and the `#[ignore]` off its test.

#[path = "../../fuzz/src/checks.rs"]
#[allow(dead_code)] // shared with the fuzz crate, which uses all of it
mod checks;

use std::path::{Path, PathBuf};

use checks::{BrokerOp, TopicOp, Word};

/// Inputs of bugs not fixed yet, as `<target>/<name>`.
const PENDING: &[&str] = &[];

fn dir(target: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("data/fuzz")
        .join(target)
}

/// The saved inputs of a target that are not pending, in name order, with
/// `.json` files only when `json` is set (the structured targets).
fn saved(target: &str, json: bool) -> Vec<(String, Vec<u8>)> {
    let Ok(entries) = std::fs::read_dir(dir(target)) else {
        return Vec::new();
    };
    let mut out: Vec<(String, Vec<u8>)> = entries
        .map(|e| e.expect("readable directory entry").path())
        .filter(|p| !json || p.extension().is_some_and(|x| x == "json"))
        .filter_map(|p| {
            let name = p.file_name()?.to_str()?.to_owned();
            let pending = PENDING.contains(&format!("{target}/{name}").as_str());
            (!pending).then(|| (name, std::fs::read(&p).expect("readable input")))
        })
        .collect();
    out.sort();
    out
}

fn read(target: &str, name: &str) -> Vec<u8> {
    std::fs::read(dir(target).join(name)).expect("saved input")
}

fn repo_files(dir: &str) -> Vec<(String, Vec<u8>)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(dir);
    let mut out: Vec<(String, Vec<u8>)> = std::fs::read_dir(&root)
        .unwrap_or_else(|e| panic!("{}: {e}", root.display()))
        .map(|e| e.expect("readable directory entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .map(|p| {
            (
                p.display().to_string(),
                std::fs::read(&p).expect("readable"),
            )
        })
        .collect();
    out.sort();
    out
}

// ------------------------------------------------------------ saved inputs

#[test]
fn scenario_parse_saved_inputs() {
    for (name, bytes) in saved("scenario_parse", false) {
        eprintln!("replaying scenario_parse/{name}");
        checks::scenario(&bytes);
    }
}

#[test]
fn definitions_parse_saved_inputs() {
    for (name, bytes) in saved("definitions_parse", false) {
        eprintln!("replaying definitions_parse/{name}");
        checks::definitions(&bytes);
    }
}

#[test]
fn topic_match_saved_inputs() {
    for (name, bytes) in saved("topic_match", true) {
        eprintln!("replaying topic_match/{name}");
        let ops: Vec<TopicOp> = serde_json::from_slice(&bytes).expect("a JSON array of TopicOp");
        checks::topic(&ops);
    }
}

#[test]
fn broker_ops_saved_inputs() {
    for (name, bytes) in saved("broker_ops", true) {
        eprintln!("replaying broker_ops/{name}");
        let ops: Vec<BrokerOp> = serde_json::from_slice(&bytes).expect("a JSON array of BrokerOp");
        checks::broker_ops(&ops);
    }
}

// ------------------------------------------------------ named crashes

/// definitions_parse, found 2026-11-28, fixed in d86b676: a queue whose
/// `type` field says `stream` loaded (as classic) even though its
/// `x-queue-type` argument was `""`; the export kept the argument but not
/// the field, and the export then did not load ("expected \"classic\",
/// \"quorum\" or \"stream\", found \"\"").
#[test]
fn definitions_queue_type_field_hides_invalid_x_queue_type() {
    checks::definitions(&read(
        "definitions_parse",
        "queue-type-field-hides-invalid-x-queue-type.json",
    ));
}

/// broker_ops, found 2026-11-28, fixed in 7f44e1c: `queue.declare` of `q2`
/// with `x-queue-type: "reject-publish-dlx"` was accepted (the broker did
/// not check the argument), so the broker's own export did not load: "the
/// export of a live broker does not load: $.queues[0].arguments.x-queue-type:
/// expected \"classic\", \"quorum\" or \"stream\", found
/// \"reject-publish-dlx\"".
#[test]
fn broker_declare_accepts_unknown_x_queue_type() {
    let ops: Vec<BrokerOp> = serde_json::from_slice(&read(
        "broker_ops",
        "declare-accepts-unknown-x-queue-type.json",
    ))
    .expect("a JSON array of BrokerOp");
    checks::broker_ops(&ops);
}

/// definitions_parse, found 2026-11-28, fixed in 7f44e1c:
/// `{"q":14467440737095403685477}` (a number too large for an integer, kept
/// as a float) did not survive `to_json_string` and `from_json_str`:
/// 1.4467440737095403e22 was written and read back as 1.4467440737095405e22.
/// serde_json's default float parser may be off by one unit in the last
/// place; its `float_roundtrip` feature makes reading exact.
#[test]
fn definitions_float_survives_writing_and_reading() {
    checks::definitions(&read(
        "definitions_parse",
        "float-does-not-survive-writing-and-reading.json",
    ));
}

// ------------------------------------------------------------- seeds

/// The seed corpora pass the checks (so a failing check in CI is a broker
/// bug or a wrong check, never a seed the fuzzer would choke on at once).
#[test]
fn seeds_pass_the_scenario_checks() {
    for dir in ["examples", "conformance/scenarios"] {
        for (name, bytes) in repo_files(dir) {
            eprintln!("replaying {name}");
            checks::scenario(&bytes);
        }
    }
}

#[test]
fn seeds_pass_the_definitions_checks() {
    for dir in ["examples", "tests/data/definitions"] {
        for (name, bytes) in repo_files(dir) {
            eprintln!("replaying {name}");
            checks::definitions(&bytes);
        }
    }
}

/// The structured checks on a hand-written input, so that they are known to
/// run even while no crash input is saved for them.
#[test]
fn structured_checks_run() {
    use Word::{Hash, Star, A, B};
    checks::topic(&[
        TopicOp::Insert {
            key: vec![A, Hash, B],
            id: 1,
        },
        TopicOp::Insert {
            key: vec![Star, Star],
            id: 2,
        },
        TopicOp::Route { key: vec![A, B] },
        TopicOp::Remove {
            key: vec![A, Hash, B],
            id: 1,
        },
        TopicOp::Route { key: vec![A, A, B] },
    ]);
    let ops: Vec<BrokerOp> = serde_json::from_str(
        r#"[
        {"QueueDeclare": {"ch": {"conn": 0, "num": 0, "raw": false}, "name": 0, "passive": false,
          "durable": false, "exclusive": false, "auto_delete": false,
          "args": [{"key": 0, "value": {"Long": 5}}]}},
        {"Publish": {"ch": {"conn": 0, "num": 0, "raw": false}, "exchange": 3, "key": 6,
          "body": 3, "props": {}, "mandatory": true, "immediate": false}},
        {"Consume": {"ch": {"conn": 0, "num": 1, "raw": false}, "queue": 0, "tag": 0,
          "auto_ack": false, "exclusive": false, "args": []}},
        {"Advance": {"ms": 10}},
        "Inspect"
    ]"#,
    )
    .expect("BrokerOp JSON");
    checks::broker_ops(&ops);
}
