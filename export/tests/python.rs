//! The generated scripts are Python that means what the scene says: every
//! file parses, and the constants Python reads back from it are exactly the
//! scene's names, keys and bodies, however hostile. (Running the scripts on
//! a broker is `scripts/prove-export.sh`.)

use std::path::Path;
use std::process::Command;

use warren_core::{
    BindingInfo, ConsumerPolicy, ConsumerSpec, FieldTable, FieldValue, ProducerSpec, Properties,
};
use warren_export::{pika, Exchange, Model, Queue};

const HOSTILE: &[&str] = &[
    "quote\"d",
    "back\\slash",
    "new\nline",
    "cr\rlf",
    "tab\t",
    "nul\u{0}",
    "café ☕ 🐇",
    "'''",
    "\"\"\"",
    "{n}{name}",
    "# not a comment",
    "rtl\u{202e}mark",
    "sep\u{2028}",
    "end\\",
    "\\\"",
];

fn hostile_model() -> Model {
    let mut model = Model {
        scene: "scene\n\"\"\"import os".into(),
        ..Model::default()
    };
    for (i, name) in HOSTILE.iter().enumerate() {
        let mut args = FieldTable::new();
        args.insert("x-dead-letter-exchange", FieldValue::str(*name));
        args.insert(*name, FieldValue::U8(3));
        model.exchanges.push(Exchange {
            name: format!("x{i} {name}"),
            kind: "topic".into(),
            durable: true,
            auto_delete: false,
            internal: false,
            arguments: FieldTable::new(),
        });
        model.queues.push(Queue {
            name: format!("q{i} {name}"),
            durable: false,
            exclusive: i == 3,
            auto_delete: false,
            arguments: args,
        });
        model.bindings.push(BindingInfo {
            source: format!("x{i} {name}"),
            destination: format!("q{i} {name}"),
            to_exchange: false,
            routing_key: (*name).to_owned(),
            arguments: FieldTable::new(),
        });
        let mut headers = FieldTable::new();
        headers.insert(*name, FieldValue::str(*name));
        model.producers.push(ProducerSpec {
            name: (*name).to_owned(),
            exchange: format!("x{i} {name}"),
            routing_key: (*name).to_owned(),
            more_routing_keys: vec![format!("{name}2")],
            headers,
            properties: Properties {
                correlation_id: Some((*name).to_owned()),
                ..Properties::default()
            },
            body: format!("{name} {{n}}"),
            mandatory: i % 2 == 0,
            confirm: i % 3 == 0,
            rate_per_sec: (i % 4 == 0).then_some(2.5),
            count: (i % 5 == 0).then_some(4),
            ..ProducerSpec::default()
        });
        model.consumers.push(ConsumerSpec {
            name: (*name).to_owned(),
            queue: format!("q{i} {name}"),
            consumer_tag: (i % 2 == 0).then(|| format!("tag {name}")),
            prefetch: 2,
            jitter_ms: if i % 2 == 0 { 10 } else { 0 },
            priority: Some(i as i32),
            policy: ConsumerPolicy::ALL[i % ConsumerPolicy::ALL.len()],
            crash_after: (i == 5).then_some(3),
            fail_every: (i == 6).then_some(2),
            ..ConsumerSpec::default()
        });
    }
    model
}

/// Reads each file's module-level string constants back with Python's own
/// parser (`ast.literal_eval`), as JSON: `{"file": {"NAME": "...", ...}}`.
fn python_constants(dir: &Path, files: &[String]) -> serde_json::Value {
    let script = r#"
import ast, json, sys
out = {}
for path in sys.argv[1:]:
    tree = ast.parse(open(path, encoding="utf-8").read(), path)
    consts = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            try:
                consts[node.targets[0].id] = ast.literal_eval(node.value)
            except ValueError:
                pass
    out[path.rsplit("/", 1)[-1]] = consts
print(json.dumps(out))
"#;
    let out = Command::new("python3")
        .arg("-c")
        .arg(script)
        .args(files.iter().map(|f| dir.join(f)))
        .output()
        .expect("python3 runs (the repository's tests need it)");
    assert!(
        out.status.success(),
        "python3 could not parse the export:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("json")
}

#[test]
fn hostile_names_parse_and_read_back_exactly() {
    let model = hostile_model();
    let files = pika(&model);
    assert_eq!(files.len(), 1 + 2 * HOSTILE.len());
    let dir = std::env::temp_dir().join(format!("warren-export-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut names = Vec::new();
    for f in &files {
        assert!(
            f.name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.'),
            "{}",
            f.name
        );
        assert!(!names.contains(&f.name), "duplicate file {}", f.name);
        std::fs::write(dir.join(&f.name), &f.text).unwrap();
        names.push(f.name.clone());
    }
    let consts = python_constants(&dir, &names);
    let _ = std::fs::remove_dir_all(&dir);
    for (i, p) in model.producers.iter().enumerate() {
        let c = &consts[&files[1 + i].name];
        assert_eq!(c["NAME"], p.name.as_str());
        assert_eq!(c["EXCHANGE"], p.exchange.as_str());
        assert_eq!(c["BODY"], p.body.as_str());
        assert_eq!(c["ROUTING_KEYS"][0], p.routing_key.as_str());
        assert_eq!(c["ROUTING_KEYS"][1], p.more_routing_keys[0].as_str());
    }
    for (i, k) in model.consumers.iter().enumerate() {
        let c = &consts[&files[1 + HOSTILE.len() + i].name];
        assert_eq!(c["NAME"], k.name.as_str());
        assert_eq!(c["QUEUE"], k.queue.as_str());
        let tag = k.consumer_tag.clone().unwrap_or_else(|| k.name.clone());
        assert_eq!(c["CONSUMER_TAG"], tag.as_str());
    }
}

#[test]
fn every_declaration_is_written_and_exclusive_queues_move_to_their_consumer() {
    let model = hostile_model();
    let files = pika(&model);
    let topology = &files[0].text;
    assert_eq!(files[0].name, "topology.py");
    assert_eq!(
        topology.matches("channel.exchange_declare(").count(),
        HOSTILE.len()
    );
    // Queue 3 is exclusive: declared (and bound) by its consumer instead.
    assert_eq!(
        topology.matches("channel.queue_declare(").count(),
        HOSTILE.len() - 1
    );
    assert_eq!(
        topology.matches("channel.queue_bind(").count(),
        HOSTILE.len() - 1
    );
    let consumer3 = &files[1 + HOSTILE.len() + 3].text;
    assert!(consumer3.contains("exclusive=True"), "{consumer3}");
    assert!(consumer3.contains("channel.queue_bind("), "{consumer3}");
    // Values pika cannot type the same way are said at the line.
    assert!(topology.contains("unsigned 8-bit (B)"), "{topology}");
}

#[test]
fn policies_say_how_to_set_them() {
    let mut def = FieldTable::new();
    def.insert("message-ttl", FieldValue::I32(5000));
    let model = Model {
        policies: vec![warren_export::Policy {
            name: "ttl".into(),
            pattern: "^it's$".into(),
            apply_to: "queues".into(),
            priority: 1,
            definition: def,
        }],
        ..Model::default()
    };
    let topology = &pika(&model)[0].text;
    assert!(
        topology.contains(
            "# rabbitmqctl set_policy --apply-to queues --priority 1 'ttl' '^it'\\''s$' '{\"message-ttl\":5000}'"
        ),
        "{topology}"
    );
}

/// The `arguments` of the first `channel.basic_consume(...)` in a script,
/// as Python evaluates them (with the modules the script imports), a
/// `datetime` given as its POSIX seconds: JSON.
fn consume_arguments(text: &str) -> serde_json::Value {
    let script = r#"
import ast, datetime, decimal, json, sys
tree = ast.parse(sys.stdin.read())
imported = {a.name for n in tree.body if isinstance(n, ast.Import) for a in n.names}
for node in ast.walk(tree):
    if isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "basic_consume":
        args = [k.value for k in node.keywords if k.arg == "arguments"]
        if not args:
            print("null")
            break
        scope = {m: __import__(m) for m in imported if m in ("datetime", "decimal")}
        value = eval(compile(ast.Expression(args[0]), "<arguments>", "eval"), scope)
        print(json.dumps(value, default=lambda d: {"datetime": d.timestamp()}))
        break
"#;
    let mut child = Command::new("python3")
        .arg("-c")
        .arg(script)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("python3 runs (the repository's tests need it)");
    use std::io::Write as _;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(text.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "python3 could not evaluate the arguments:\n{}\n{text}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("json")
}

#[test]
fn a_stream_is_declared_durable_with_its_arguments_and_read_from_its_offset() {
    let mut args = FieldTable::new();
    args.insert("x-queue-type", FieldValue::str("stream"));
    args.insert("x-max-age", FieldValue::str("7D"));
    args.insert("x-max-length-bytes", FieldValue::I64(20_000_000_000));
    let reader = |name: &str, offset: Option<FieldValue>| ConsumerSpec {
        name: name.into(),
        queue: "events".into(),
        prefetch: 10,
        stream_offset: offset,
        ..ConsumerSpec::default()
    };
    let model = Model {
        queues: vec![Queue {
            name: "events".into(),
            durable: true,
            exclusive: false,
            auto_delete: false,
            arguments: args,
        }],
        consumers: vec![
            reader("first", Some(FieldValue::str("first"))),
            reader("number", Some(FieldValue::I64(5))),
            reader("big", Some(FieldValue::I64(5_000_000_000))),
            reader("since", Some(FieldValue::Timestamp(1_700_000_000))),
            reader("hour", Some(FieldValue::str("1h"))),
            reader("default", None),
        ],
        ..Model::default()
    };
    let files = pika(&model);
    assert!(
        files[0].text.contains(
            "channel.queue_declare(queue=\"events\", durable=True, arguments={\"x-queue-type\": \
             \"stream\", \"x-max-age\": \"7D\", \"x-max-length-bytes\": 20000000000})"
        ),
        "{}",
        files[0].text
    );
    let script = |name: &str| {
        &files
            .iter()
            .find(|f| f.name == format!("consume_{name}.py"))
            .unwrap_or_else(|| panic!("no consume_{name}.py"))
            .text
    };
    for c in &model.consumers {
        let text = script(&c.name);
        // The prefetch a stream needs comes before the consume.
        let qos = text
            .find("channel.basic_qos(prefetch_count=10)")
            .expect("qos");
        let consume = text.find("channel.basic_consume(").expect("consume");
        assert!(qos < consume, "{text}");
        assert!(!text.contains("auto_ack=True"), "{text}");
    }
    let offset = |name: &str| consume_arguments(script(name))["x-stream-offset"].clone();
    assert_eq!(offset("first"), "first");
    assert_eq!(offset("number"), 5);
    assert_eq!(offset("big"), 5_000_000_000_i64);
    assert_eq!(offset("hour"), "1h");
    // A timestamp is a timezone-aware datetime, which pika sends as one (T).
    assert_eq!(
        offset("since"),
        serde_json::json!({"datetime": 1_700_000_000.0})
    );
    assert!(script("since").contains("\nimport datetime\n"));
    assert!(!script("first").contains("import datetime"));
    assert_eq!(
        consume_arguments(script("default")),
        serde_json::Value::Null
    );
    // pika sends a small long as a 32-bit int; the script says so.
    assert!(
        script("number").contains("pika sends it as a signed 32-bit int (I)"),
        "{}",
        script("number")
    );
}
