//! The `warren` binary, end to end: every subcommand and every error class.

use std::io::Write;
use std::process::{Command, Output, Stdio};

use serde_json::Value;

fn root() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn warren(args: &[&str], stdin: Option<&str>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_warren"))
        .args(args)
        .current_dir(root())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn warren");
    if let Some(text) = stdin {
        child
            .stdin
            .take()
            .unwrap()
            .write_all(text.as_bytes())
            .unwrap();
    }
    drop(child.stdin.take());
    child.wait_with_output().expect("wait for warren")
}

fn out(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn err(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn tmp(name: &str, text: &str) -> String {
    let dir = std::env::temp_dir().join(format!("warren-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p.to_string_lossy().into_owned()
}

#[test]
fn run_prints_the_trace_as_json() {
    let o = warren(&["run", "examples/order-flow.json"], None);
    assert!(o.status.success(), "{}", err(&o));
    let trace: Value = serde_json::from_str(&out(&o)).unwrap();
    let delivered: Vec<&str> = trace["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["event"] == "deliver")
        .map(|e| e["consumer_tag"].as_str().unwrap())
        .collect();
    assert_eq!(delivered, ["notify", "report", "notify"]);
    assert_eq!(trace["queues"]["order_report"].as_array().unwrap().len(), 1);
}

#[test]
fn run_pretty_explains_who_got_what_and_why() {
    let o = warren(&["run", "--pretty", "examples/order-flow.json"], None);
    assert!(o.status.success(), "{}", err(&o));
    let text = out(&o);
    assert!(
        text.contains(r#"binding key "order.notify" equals routing key "order.notify""#),
        "{text}"
    );
    assert!(text.contains("notify receives"), "{text}");
    assert!(text.contains("queue order_report: 1 ready"), "{text}");
}

#[test]
fn run_reads_standard_input_and_is_deterministic() {
    let text = std::fs::read_to_string(root().join("examples/work-queue.json")).unwrap();
    let a = warren(&["run", "-"], Some(&text));
    let b = warren(&["run", "examples/work-queue.json"], None);
    assert!(a.status.success(), "{}", err(&a));
    assert_eq!(out(&a), out(&b));
    assert!(out(&a).contains("\"redelivered\": true"));
}

#[test]
fn route_explains_hop_by_hop() {
    let o = warren(
        &[
            "route",
            "examples/topic-logs.json",
            "-e",
            "logs",
            "-k",
            "payments.error",
        ],
        None,
    );
    assert!(o.status.success(), "{}", err(&o));
    let text = out(&o);
    assert!(text.contains("✓ queue errors"), "{text}");
    assert!(
        text.contains("Reaches 3 queue(s), one copy each: errors, everything, payments"),
        "{text}"
    );
    let o = warren(
        &[
            "route",
            "examples/order-definitions.json",
            "--exchange",
            "order",
            "--routing-key",
            "order.nope",
            "--json",
        ],
        None,
    );
    let why: Value = serde_json::from_str(&out(&o)).unwrap();
    assert_eq!(why["queues"], serde_json::json!([]));
    assert_eq!(why["hops"][0]["bindings"][0]["matched"], false);
}

#[test]
fn route_takes_headers_and_the_default_exchange() {
    let defs = r#"{"exchanges": [{"name": "h", "vhost": "/", "type": "headers", "durable": true, "auto_delete": false, "internal": false, "arguments": {}}],
        "queues": [{"name": "q", "vhost": "/", "durable": true, "auto_delete": false, "arguments": {}}],
        "bindings": [{"source": "h", "vhost": "/", "destination": "q", "destination_type": "queue", "routing_key": "", "arguments": {"x-match": "all", "n": 1}}]}"#;
    let f = tmp("headers.json", defs);
    let o = warren(&["route", &f, "-e", "h", "-H", "n=1"], None);
    assert!(out(&o).contains("Reaches 1 queue(s)"), "{}", out(&o));
    let o = warren(&["route", &f, "-e", "h", "-H", "n=\"1\""], None);
    assert!(out(&o).contains("Reaches no queue"), "{}", out(&o));
    let o = warren(&["route", &f, "-e", "", "-k", "q"], None);
    assert!(
        out(&o).contains("the default exchange routes to the queue named \"q\""),
        "{}",
        out(&o)
    );
    let o = warren(&["route", &f, "-e", "missing"], None);
    assert!(
        out(&o).contains("NOT_FOUND - no exchange 'missing'"),
        "{}",
        out(&o)
    );
}

#[test]
fn check_reports_findings_and_exits_1_on_errors() {
    let o = warren(&["check", "examples/order-definitions.json"], None);
    assert_eq!(o.status.code(), Some(0), "{}{}", out(&o), err(&o));
    let broken = r#"{"queues": [{"name": "q", "vhost": "/", "durable": true, "auto_delete": false, "arguments": {"x-dead-letter-exchange": "nowhere", "x-max-priority": 1000}}],
        "exchanges": [], "bindings": [{"source": "ghost", "vhost": "/", "destination": "q", "destination_type": "queue", "routing_key": "k", "arguments": {}}]}"#;
    let f = tmp("broken.json", broken);
    let o = warren(&["check", &f, "--json"], None);
    let findings: Value = serde_json::from_str(&out(&o)).unwrap_or(Value::Null);
    let codes: Vec<&str> = findings
        .as_array()
        .map(|a| a.iter().filter_map(|f| f["code"].as_str()).collect())
        .unwrap_or_default();
    assert!(codes.len() >= 2, "{}{}", out(&o), err(&o));
    assert_eq!(o.status.code(), Some(1), "{}", err(&o));
    let o = warren(&["check", &f], None);
    assert!(out(&o).contains("error"), "{}", out(&o));
}

#[test]
fn export_round_trips() {
    let o = warren(&["export", "examples/order-definitions.json"], None);
    assert!(o.status.success(), "{}", err(&o));
    let first = out(&o);
    let f = tmp("export1.json", &first);
    let again = out(&warren(&["export", &f], None));
    assert_eq!(first, again);
    let from_scenario = out(&warren(&["export", "examples/order-flow.json"], None));
    let v: Value = serde_json::from_str(&from_scenario).unwrap();
    assert_eq!(v["bindings"].as_array().unwrap().len(), 2);
    let path = tmp("out.json", "");
    let o = warren(&["export", "examples/order-flow.json", "-o", &path], None);
    assert!(o.status.success());
    assert_eq!(
        std::fs::read_to_string(&path).unwrap().trim(),
        from_scenario.trim()
    );
}

#[test]
fn export_pika_writes_one_script_per_actor() {
    let dir = std::env::temp_dir().join(format!("warren-cli-pika-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let d = dir.to_string_lossy().into_owned();
    let o = warren(
        &[
            "export",
            "--format",
            "pika",
            "web/scenes/order-flow.json",
            "-o",
            &d,
        ],
        None,
    );
    assert!(o.status.success(), "{}", err(&o));
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "consume_mailer.py",
            "consume_mailer_2.py",
            "consume_printer.py",
            "publish_web_shop.py",
            "topology.py"
        ]
    );
    let topology = std::fs::read_to_string(dir.join("topology.py")).unwrap();
    assert!(topology.contains(
        "channel.queue_bind(queue=\"order_notify\", exchange=\"order\", routing_key=\"order.notify\")"
    ));
    // Without -o, every file goes to standard output; the default format
    // is still definitions.json.
    let o = warren(
        &["export", "--format", "pika", "examples/work-queue.json"],
        None,
    );
    assert!(out(&o).starts_with("# ==> topology.py <=="), "{}", out(&o));
    let o = warren(
        &["export", "--format", "xml", "examples/work-queue.json"],
        None,
    );
    assert_eq!(o.status.code(), Some(2));
    // docs/export.md shows these files as the export writes them today.
    let doc = std::fs::read_to_string(root().join("docs/export.md")).unwrap();
    for f in ["topology.py", "publish_web_shop.py", "consume_printer.py"] {
        let text = std::fs::read_to_string(dir.join(f)).unwrap();
        assert!(
            doc.contains(&format!("```python\n{text}```")),
            "docs/export.md no longer shows the exported {f}"
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn help_and_version() {
    for cmd in ["run", "route", "check", "export"] {
        let o = warren(&[cmd, "--help"], None);
        assert!(o.status.success());
        assert!(out(&o).contains("Usage: warren"), "{cmd}");
    }
    assert!(out(&warren(&["--help"], None)).contains("Exit codes"));
    let bare = warren(&[], None);
    assert_eq!(bare.status.code(), Some(0));
    assert!(out(&bare).contains("Exit codes"));
}

#[test]
fn version_is_warren_and_the_version() {
    let version = format!("warren {} ", env!("CARGO_PKG_VERSION"));
    for flag in ["--version", "-V"] {
        let o = warren(&[flag], None);
        assert_eq!(o.status.code(), Some(0), "{flag}: {}", err(&o));
        assert!(out(&o).starts_with(&version), "{flag}: {}", out(&o));
    }
}

#[test]
fn completions_are_scripts_for_warren() {
    for shell in ["bash", "zsh", "fish"] {
        let o = warren(&["completions", shell], None);
        assert_eq!(o.status.code(), Some(0), "{shell}: {}", err(&o));
        let script = out(&o);
        assert!(script.contains("warren"), "{shell}: {script}");
        assert!(script.contains("routing-key"), "{shell}: {script}");
    }
    let o = warren(&["completions", "tcsh"], None);
    assert_eq!(o.status.code(), Some(2), "{}", err(&o));
}

#[test]
fn usage_errors_exit_2() {
    for args in [
        vec!["frob"],
        vec!["run"],
        vec!["route", "x.json"],
        vec!["check", "x.json", "--nope"],
    ] {
        let o = warren(&args, None);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", err(&o));
        // clap's form: what is wrong, then the usage of the command.
        assert!(err(&o).starts_with("error: "), "{args:?}: {}", err(&o));
        assert!(err(&o).contains("Usage: warren"), "{args:?}: {}", err(&o));
        assert!(out(&o).is_empty(), "{args:?}: {}", out(&o));
    }
}

#[test]
fn input_errors_exit_3_and_say_where() {
    let o = warren(&["run", "no/such/file.json"], None);
    assert_eq!(o.status.code(), Some(3));
    assert!(err(&o).contains("no/such/file.json"));

    let f = tmp("bad.json", "{\n  \"steps\": [\n    {\"op\": }\n  ]\n}");
    let o = warren(&["run", &f], None);
    assert_eq!(o.status.code(), Some(3));
    assert!(err(&o).contains("line 3, column"), "{}", err(&o));

    let f = tmp(
        "unknown-op.json",
        r#"{"steps": [{"op": "basic.publish"}, {"op": "queue.frobnicate"}]}"#,
    );
    let o = warren(&["run", &f], None);
    assert_eq!(o.status.code(), Some(3));
    assert!(
        err(&o).contains("$.steps[1].op") && err(&o).contains("unknown operation"),
        "{}",
        err(&o)
    );

    let f = tmp(
        "wrong-type.json",
        r#"{"steps": [{"op": "basic.qos", "prefetch_count": "ten"}]}"#,
    );
    let o = warren(&["run", &f], None);
    assert_eq!(o.status.code(), Some(3));
    assert!(err(&o).contains("$.steps[0]"), "{}", err(&o));

    let o = warren(&["run", "examples/order-definitions.json"], None);
    assert_eq!(o.status.code(), Some(3));
    assert!(
        err(&o).contains("definitions file, not a scenario"),
        "{}",
        err(&o)
    );

    let f = tmp("latin1.json", "");
    std::fs::write(&f, [b'{', 0xff, b'}']).unwrap();
    let o = warren(&["check", &f], None);
    assert_eq!(o.status.code(), Some(3));
    assert!(err(&o).contains("UTF-8"), "{}", err(&o));
}

#[test]
fn refused_topology_exits_4() {
    let defs = r#"{"queues": [{"name": "q", "vhost": "/", "durable": true, "auto_delete": false, "arguments": {"x-max-priority": 1000}}]}"#;
    let f = tmp("refused.json", defs);
    let o = warren(&["export", &f], None);
    assert_eq!(o.status.code(), Some(4), "{}{}", out(&o), err(&o));
    assert!(err(&o).contains("PRECONDITION_FAILED"), "{}", err(&o));
}

/// Every built-in lesson (a scene in `web/scenes/` with a `"lesson"`) runs
/// through `warren run` with all its expectations holding, so no caption
/// of the gallery claims what the broker does not do.
#[test]
fn every_built_in_lesson_passes() {
    let dir = root().join("web/scenes");
    let mut lessons = Vec::new();
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().and_then(|e| e.to_str()) != Some("json") {
            continue;
        }
        let scene: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap())
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        if scene.get("lesson").is_some() {
            lessons.push(path);
        }
    }
    lessons.sort();
    for path in &lessons {
        let file = path.to_string_lossy();
        let o = warren(&["run", &file], None);
        assert_eq!(o.status.code(), Some(0), "{file}:\n{}{}", out(&o), err(&o));
        let report: Value = serde_json::from_str(&out(&o)).unwrap();
        assert_eq!(report["passed"], true, "{file}: {report}");
        let steps = report["lesson"].as_array().unwrap();
        assert!(
            (4..=8).contains(&steps.len()),
            "{file}: a gallery lesson has 4 to 8 steps, this one {}",
            steps.len()
        );
        assert!(steps.iter().all(|s| s["ok"] == true), "{file}: {report}");
    }
    assert!(
        lessons.len() >= 11,
        "expected at least 11 built-in lessons, found {}: {lessons:?}",
        lessons.len()
    );
}

/// A lesson step whose expectation does not hold makes `warren run` exit 5,
/// naming the step and its caption; the other steps still run.
#[test]
fn a_lesson_that_lies_exits_5_naming_the_step() {
    let scene = r#"{"name": "lying", "lesson": {"steps": [
        {"caption": "Declare `q`.", "do": [{"op": "queue.declare", "queue": "q"}],
         "expect": {"queues": {"q": {"ready": 0}}}},
        {"caption": "Publish to `q`; it stays empty.",
         "do": [{"op": "basic.publish", "routing_key": "q", "body": "x"}],
         "expect": {"queues": {"q": {"ready": 0}}}},
        {"caption": "Nothing happens.", "expect": {"unroutable": 0}}]}}"#;
    let f = tmp("lying-lesson.json", scene);
    let o = warren(&["run", "--pretty", &f], None);
    assert_eq!(o.status.code(), Some(5), "{}{}", out(&o), err(&o));
    let text = out(&o);
    assert!(text.contains("ok   step 1 of 3"), "{text}");
    assert!(text.contains("FAIL step 2 of 3"), "{text}");
    assert!(text.contains("ok   step 3 of 3"), "{text}");
    let e = err(&o);
    assert!(e.contains("1 of 3 lesson step(s) did not hold"), "{e}");
    assert!(
        e.contains("step 2 (\"Publish to `q`; it stays empty.\")"),
        "{e}"
    );
    assert!(e.contains(r#"queue "q": expected ready 0, got 1"#), "{e}");
}

#[test]
fn check_of_a_scenario_with_actors_judges_its_clients() {
    let scene = r#"{"definitions": {"exchanges": [{"name": "order", "type": "direct", "durable": true, "auto_delete": false, "arguments": {}}],
        "queues": [{"name": "q", "durable": true, "auto_delete": false, "arguments": {}}],
        "bindings": [{"source": "order", "destination": "q", "destination_type": "queue", "routing_key": "order.notfy", "arguments": {}}]},
        "actors": {"producers": [{"name": "shop", "exchange": "order", "routing_key": "order.notify"}]}}"#;
    let f = tmp("clients.json", scene);
    let o = warren(&["check", &f, "--json"], None);
    assert_eq!(o.status.code(), Some(0), "{}{}", out(&o), err(&o));
    let findings: Value = serde_json::from_str(&out(&o)).unwrap_or(Value::Null);
    let codes: Vec<&str> = findings
        .as_array()
        .map(|a| a.iter().filter_map(|f| f["code"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(codes, ["binding-never-matches", "unconsumed-queue"]);
}

/// A reader that stops early (`warren run … | head`) is not a crash: the
/// output ends quietly (status 141, as for SIGPIPE) instead of a panic
/// (status 101). The pipe is closed before `warren` writes a byte.
#[test]
fn a_reader_that_closes_the_pipe_early_ends_the_output_quietly() {
    let lesson = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../web/scenes/lesson-stream-replay.json"
    );
    let mut child = Command::new(env!("CARGO_BIN_EXE_warren"))
        .args(["run", "--pretty", lesson])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("warren starts");
    drop(child.stdout.take());
    let out = child.wait_with_output().expect("warren ends");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(
        matches!(out.status.code(), Some(0 | 141)),
        "{:?}: {stderr}",
        out.status
    );
}
