//! definitions.json: reading, loading into a broker, exporting, and the
//! topology lint, on the files in `tests/data/definitions/`.
//!
//! Files are loaded with `include_str!` so the same tests can run where
//! there is no filesystem. Files named `broken-*.json` must each appear in
//! [`BROKEN`] with the error they produce; every other file there is a
//! valid export and must load and round-trip (checked by
//! `every_valid_file_round_trips`, which lists the directory natively, so
//! a newly recorded export is covered without editing this file).

use serde_json::{json, Value};
use warren_core::methods::{BasicPublish, QueueDeclare};
use warren_core::{ApplyTo, Broker, FieldTable, FieldValue, Policy};
use warren_scenario::{
    lint, Definitions, DefinitionsError, DefinitionsErrorKind, IgnoredReason, ObjectKind, Severity,
    SkipReason, RABBIT_VERSION,
};

macro_rules! data {
    ($name:literal) => {
        (
            $name,
            include_str!(concat!("../../tests/data/definitions/", $name)),
        )
    };
}

const ORDER_FLOW: (&str, &str) = data!("order-flow.json");
const MANAGEMENT: (&str, &str) = data!("management-3.10.8.json");
const RABBITMQCTL: (&str, &str) = data!("rabbitmqctl-3.10.8.json");

fn parse(file: (&str, &str)) -> Definitions {
    Definitions::from_json_str(file.1).unwrap_or_else(|e| panic!("{}: {e}", file.0))
}

fn json(file: (&str, &str)) -> Value {
    serde_json::from_str(file.1).unwrap()
}

fn loaded(file: (&str, &str)) -> Broker {
    let mut broker = Broker::new();
    parse(file)
        .apply(&mut broker)
        .unwrap_or_else(|e| panic!("{}: {e}", file.0));
    broker.check_invariants().unwrap();
    broker
}

/// Export, load into a fresh broker, export again: the same document.
fn assert_export_stable(broker: &Broker) -> Value {
    let first = Definitions::export(broker).to_value();
    let reread = Definitions::from_value(&first).unwrap();
    assert_eq!(reread.to_value(), first, "from_value(export).to_value()");
    // Only policy keys Warren does not model can be worth a note.
    assert!(
        reread
            .ignored
            .iter()
            .all(|i| i.reason == IgnoredReason::PolicyKeyNotModelled),
        "{:?}",
        reread.ignored
    );
    let mut fresh = Broker::new();
    reread.apply(&mut fresh).unwrap();
    let second = Definitions::export(&fresh).to_value();
    assert_eq!(second, first, "export -> import -> export");
    first
}

// ---------------------------------------------------------------------------
// The tutorial's order flow

#[test]
fn order_flow_loads_and_routes() {
    let mut broker = loaded(ORDER_FLOW);
    let ch = broker.connect();
    for key in ["order.notify", "order.report", "order.report", "other"] {
        broker
            .basic_publish(
                ch,
                &BasicPublish {
                    exchange: "order".into(),
                    routing_key: key.into(),
                    body: "{\"id\": 1}".into(),
                    ..Default::default()
                },
            )
            .unwrap();
    }
    assert_eq!(broker.queue("order_notify").unwrap().ready, 1);
    assert_eq!(broker.queue("order_report").unwrap().ready, 2);
    broker.check_invariants().unwrap();
}

#[test]
fn order_flow_report_lists_what_was_loaded_in_order() {
    let mut broker = Broker::new();
    let report = parse(ORDER_FLOW).apply(&mut broker).unwrap();
    let applied: Vec<(&str, ObjectKind)> = report
        .applied
        .iter()
        .map(|a| (a.path.as_str(), a.kind))
        .collect();
    assert_eq!(
        applied,
        [
            ("$.exchanges[0]", ObjectKind::Exchange),
            ("$.queues[0]", ObjectKind::Queue),
            ("$.queues[1]", ObjectKind::Queue),
            ("$.bindings[0]", ObjectKind::Binding),
            ("$.bindings[1]", ObjectKind::Binding),
        ]
    );
    assert_eq!(report.vhost, "/");
    assert!(report.skipped.is_empty() && report.warnings.is_empty());
    assert!(report.ignored.is_empty(), "{:?}", report.ignored);
    assert_eq!(report.count(ObjectKind::Queue), 2);
}

#[test]
fn order_flow_round_trips_exactly() {
    assert_eq!(parse(ORDER_FLOW).to_value(), json(ORDER_FLOW));
    assert_export_stable(&loaded(ORDER_FLOW));
}

#[test]
fn order_flow_lints_clean() {
    assert_eq!(lint::check(&parse(ORDER_FLOW)), []);
}

// ---------------------------------------------------------------------------
// A realistic management export (3.10.8)

#[test]
fn management_export_round_trips_exactly() {
    assert_eq!(parse(MANAGEMENT).to_value(), json(MANAGEMENT));
}

#[test]
fn management_export_lists_what_warren_ignores() {
    let defs = parse(MANAGEMENT);
    let ignored: Vec<(&str, &IgnoredReason)> = defs
        .ignored
        .iter()
        .map(|i| (i.path.as_str(), &i.reason))
        .collect();
    let paths: Vec<&str> = ignored.iter().map(|(p, _)| *p).collect();
    assert_eq!(
        paths,
        [
            "$.global_parameters",
            "$.permissions",
            "$.users",
            "$.policies[2].definition.queue-mode",
        ]
    );
    assert!(matches!(ignored[0].1, IgnoredReason::NotModelled { .. }));
    assert_eq!(*ignored[3].1, IgnoredReason::PolicyKeyNotModelled);
}

#[test]
fn management_export_loads_with_policies_in_force() {
    let mut broker = Broker::new();
    let report = parse(MANAGEMENT).apply(&mut broker).unwrap();
    assert_eq!(report.count(ObjectKind::Policy), 3);
    assert_eq!(report.count(ObjectKind::Exchange), 6);
    assert_eq!(report.count(ObjectKind::Queue), 10);
    assert_eq!(report.count(ObjectKind::Binding), 10);
    // The quorum queue loads as one: nothing to warn about.
    assert_eq!(report.warnings, []);
    assert_eq!(
        broker.queue("audit.log").unwrap().config.queue_type,
        warren_core::QueueType::Quorum
    );

    let retry = broker.queue("retry.orders").unwrap();
    assert_eq!(retry.config.policy.as_deref(), Some("retry-delay"));
    assert_eq!(retry.config.message_ttl, Some(5000));
    assert_eq!(retry.config.dead_letter_exchange.as_deref(), Some("orders"));
    let orders = broker.exchange("orders").unwrap();
    assert_eq!(orders.alternate_exchange.as_deref(), Some("unrouted"));
    assert!(broker.exchange("audit").unwrap().internal);
    assert_eq!(
        broker.queue("emails").unwrap().config.max_priority,
        Some(10)
    );
    // The temporary connection is gone.
    assert!(broker.channels().is_empty());
    broker.check_invariants().unwrap();
}

#[test]
fn management_export_routes_through_the_loaded_topology() {
    let mut broker = loaded(MANAGEMENT);
    let ch = broker.connect();
    let publish = |broker: &mut Broker, exchange: &str, key: &str| {
        broker
            .basic_publish(
                ch,
                &BasicPublish {
                    exchange: exchange.into(),
                    routing_key: key.into(),
                    body: "x".into(),
                    ..Default::default()
                },
            )
            .unwrap();
    };
    publish(&mut broker, "orders", "order.created");
    publish(&mut broker, "orders", "nothing.matches");
    publish(&mut broker, "amq.topic", "email.welcome");
    let ready = |b: &Broker, q: &str| b.queue(q).unwrap().ready;
    assert_eq!(ready(&broker, "orders.created"), 1);
    assert_eq!(ready(&broker, "archive.orders"), 1);
    // orders -> audit (internal, exchange-to-exchange) -> audit.log
    assert_eq!(ready(&broker, "audit.log"), 1);
    // The alternate exchange set by the policy takes the unroutable one.
    assert_eq!(ready(&broker, "unrouted"), 1);
    assert_eq!(ready(&broker, "emails"), 1);
    broker.check_invariants().unwrap();
}

#[test]
fn management_export_exports_what_it_loaded() {
    let broker = loaded(MANAGEMENT);
    let exported = assert_export_stable(&broker);
    let original = json(MANAGEMENT);
    assert_eq!(exported["rabbit_version"], RABBIT_VERSION);
    assert_eq!(exported["product_name"], "RabbitMQ");
    assert_eq!(exported["vhosts"], json!([{"name": "/"}]));
    for section in ["policies", "queues", "exchanges", "bindings"] {
        let sorted = |v: &Value| {
            let mut items: Vec<String> = v[section]
                .as_array()
                .unwrap()
                .iter()
                .map(Value::to_string)
                .collect();
            items.sort();
            items
        };
        assert_eq!(sorted(&exported), sorted(&original), "{section}");
    }
}

#[test]
fn management_export_lint_has_no_errors_or_warnings() {
    let findings = lint::check(&parse(MANAGEMENT));
    let codes: Vec<(&str, &str)> = findings.iter().map(|f| (f.code, f.path.as_str())).collect();
    assert_eq!(
        codes,
        // The quorum queue ($.queues[7]) is modelled: nothing to say.
        [("unreachable-queue", "$.queues[9]")],
        "{findings:#?}"
    );
    assert!(findings.iter().all(|f| f.severity == Severity::Info));
}

// ---------------------------------------------------------------------------
// rabbitmqctl export_definitions (3.10.8)

#[test]
fn rabbitmqctl_export_round_trips_exactly() {
    let defs = parse(RABBITMQCTL);
    assert_eq!(defs.to_value(), json(RABBITMQCTL));
    // No `internal` field in this shape: absent means false, and stays absent.
    assert!(defs.exchanges.iter().all(|x| x.internal.is_none()));
    assert_eq!(defs.queues[0].queue_type.as_deref(), Some("quorum"));
}

#[test]
fn rabbitmqctl_export_loads_quorum_queues_and_streams_as_themselves() {
    let mut broker = Broker::new();
    let report = parse(RABBITMQCTL).apply(&mut broker).unwrap();
    // Every type is modelled: nothing loads otherwise than written.
    assert_eq!(report.warnings, []);
    let events = broker.queue("events").unwrap();
    assert_eq!(events.config.queue_type, warren_core::QueueType::Stream);
    assert_eq!(
        events.arguments.get("x-max-age"),
        Some(&FieldValue::str("7D"))
    );
    // `delivery-limit` is a policy key quorum queues obey.
    assert!(!report
        .ignored
        .iter()
        .any(|i| i.path == "$.policies[0].definition.delivery-limit"));
    let jobs = broker.queue("jobs").unwrap();
    assert_eq!(jobs.config.queue_type, warren_core::QueueType::Quorum);
    assert_eq!(jobs.config.delivery_limit, Some(5));
    assert_eq!(
        jobs.config.dead_letter_exchange.as_deref(),
        Some("work.dlx")
    );
    assert_export_stable(&broker);
}

#[test]
fn a_stream_round_trips_with_its_type_and_arguments() {
    // As the management export writes a stream (`x-queue-type` only), and
    // as rabbitmqctl does (`type` only here, to show the field suffices).
    let text = r#"{"queues": [
        {"name": "log", "vhost": "/", "durable": true, "auto_delete": false,
         "arguments": {"x-queue-type": "stream", "x-max-age": "1h",
                       "x-max-length-bytes": 1000000, "x-stream-max-segment-size-bytes": 50000}},
        {"name": "typed", "vhost": "/", "durable": true, "auto_delete": false,
         "arguments": {"x-initial-cluster-size": 1}, "type": "stream"}]}"#;
    let mut broker = Broker::new();
    let report = Definitions::from_json_str(text)
        .unwrap()
        .apply(&mut broker)
        .unwrap();
    assert_eq!(report.warnings, []);
    for name in ["log", "typed"] {
        let q = broker.queue(name).unwrap();
        assert_eq!(
            q.config.queue_type,
            warren_core::QueueType::Stream,
            "{name}"
        );
    }
    // A stream keeps what it is sent, and the export says it is a stream.
    let ch = broker.connect();
    let publish = BasicPublish {
        routing_key: "log".into(),
        body: "kept".into(),
        ..Default::default()
    };
    broker.basic_publish(ch, &publish).unwrap();
    assert_eq!(broker.stream_log("log").len(), 1);
    let exported = assert_export_stable(&broker);
    let queues = exported["queues"].as_array().unwrap();
    assert_eq!(queues[0]["name"], "log");
    assert_eq!(
        queues[0]["arguments"],
        json!({"x-queue-type": "stream", "x-max-age": "1h",
               "x-max-length-bytes": 1000000, "x-stream-max-segment-size-bytes": 50000})
    );
    assert_eq!(
        queues[1]["arguments"],
        json!({"x-initial-cluster-size": 1, "x-queue-type": "stream"})
    );
    assert!(lint::check(&Definitions::from_value(&exported).unwrap())
        .iter()
        .all(|f| f.severity == Severity::Info));
}

#[test]
fn a_stream_the_broker_refuses_fails_the_import_at_its_argument() {
    let text = r#"{"queues": [{"name": "log", "vhost": "/", "durable": true,
        "auto_delete": false, "arguments": {"x-message-ttl": 5}, "type": "stream"}]}"#;
    let e = Definitions::from_json_str(text)
        .unwrap()
        .apply(&mut Broker::new())
        .unwrap_err();
    assert!(
        e.to_string()
            .contains("$.queues[0].arguments.x-message-ttl"),
        "{e}"
    );
    assert!(e.to_string().contains("rabbit_stream_queue"), "{e}");
}

#[test]
fn a_queue_typed_only_by_its_type_field_is_declared_with_that_type() {
    let text = r#"{"queues": [{"name": "q", "vhost": "/", "durable": true, "auto_delete": false,
        "arguments": {}, "type": "quorum"}]}"#;
    let defs = Definitions::from_json_str(text).unwrap();
    let mut broker = Broker::new();
    defs.apply(&mut broker).unwrap();
    let q = broker.queue("q").unwrap();
    assert_eq!(q.config.queue_type, warren_core::QueueType::Quorum);
}

// ---------------------------------------------------------------------------
// Broken files: one per error class

struct Broken {
    file: (&'static str, &'static str),
    path: &'static str,
    /// The error kind, checked with `matches!` in [`check_kind`].
    kind: &'static str,
    /// Line and column, for syntax errors.
    position: Option<(usize, usize)>,
}

const BROKEN: &[Broken] = &[
    Broken {
        file: data!("broken-syntax.json"),
        path: "$",
        kind: "syntax",
        position: Some((5, 3)),
    },
    Broken {
        file: data!("broken-not-an-object.json"),
        path: "$",
        kind: "wrong-type",
        position: None,
    },
    Broken {
        file: data!("broken-wrong-type.json"),
        path: "$.queues[0].durable",
        kind: "wrong-type",
        position: None,
    },
    Broken {
        file: data!("broken-missing-field.json"),
        path: "$.exchanges[0].type",
        kind: "missing",
        position: None,
    },
    Broken {
        file: data!("broken-invalid-value.json"),
        path: "$.bindings[0].destination_type",
        kind: "invalid",
        position: None,
    },
    Broken {
        file: data!("broken-null-argument.json"),
        path: "$.queues[1].arguments.x-message-ttl",
        kind: "null",
        position: None,
    },
    Broken {
        file: data!("broken-refused-argument.json"),
        path: "$.queues[3].arguments.x-message-ttl",
        kind: "refused 406",
        position: None,
    },
    Broken {
        file: data!("broken-unknown-exchange-type.json"),
        path: "$.exchanges[0].type",
        kind: "refused 503",
        position: None,
    },
    Broken {
        file: data!("broken-policy-pattern.json"),
        path: "$.policies[0].pattern",
        kind: "invalid",
        position: None,
    },
    Broken {
        file: data!("broken-policy-definition.json"),
        path: "$.policies[0].definition.message-ttl",
        kind: "invalid",
        position: None,
    },
    Broken {
        file: data!("broken-queue-type.json"),
        path: "$.queues[0].arguments.x-queue-type",
        kind: "invalid",
        position: None,
    },
];

fn check_kind(kind: &str, e: &DefinitionsError) -> bool {
    match (kind, &e.kind) {
        ("syntax", DefinitionsErrorKind::Syntax(_)) => true,
        ("wrong-type", DefinitionsErrorKind::WrongType { .. }) => true,
        ("missing", DefinitionsErrorKind::Missing { .. }) => true,
        ("invalid", DefinitionsErrorKind::Invalid(_)) => true,
        ("null", DefinitionsErrorKind::Null) => true,
        (k, DefinitionsErrorKind::Refused { reply_code, .. }) => {
            k == format!("refused {reply_code}")
        }
        _ => false,
    }
}

/// Reads and applies a file; the error of whichever step fails.
fn load_error(text: &str, broker: &mut Broker) -> Option<DefinitionsError> {
    match Definitions::from_json_str(text) {
        Err(e) => Some(e),
        Ok(defs) => defs.apply(broker).err(),
    }
}

#[test]
fn broken_files_fail_with_a_path_and_what_was_expected() {
    for case in BROKEN {
        let mut broker = Broker::new();
        let e = load_error(case.file.1, &mut broker)
            .unwrap_or_else(|| panic!("{} loaded without error", case.file.0));
        assert_eq!(e.path, case.path, "{}: {e}", case.file.0);
        assert!(check_kind(case.kind, &e), "{}: {:?}", case.file.0, e.kind);
        assert_eq!(e.line.zip(e.column), case.position, "{}: {e}", case.file.0);
        let shown = e.to_string();
        assert!(
            shown.contains("expected") || shown.contains("refused"),
            "{shown}"
        );
        // The message does not repeat the position.
        assert!(!e.message().contains(" at line "), "{shown}");
    }
}

#[test]
fn refused_objects_carry_the_brokers_reply_text() {
    let mut broker = Broker::new();
    let e = load_error(data!("broken-refused-argument.json").1, &mut broker).unwrap();
    let DefinitionsErrorKind::Refused { reply_text, .. } = &e.kind else {
        panic!("{e:?}")
    };
    assert!(
        reply_text.starts_with("PRECONDITION_FAILED - invalid arg 'x-message-ttl'"),
        "{reply_text}"
    );
}

/// Recorded on RabbitMQ 3.10.8 (conformance/record-definitions.sh): its
/// import skips a binding whose source or destination is missing, without
/// an error; its own `rabbitmqctl export_definitions` leaves internal
/// exchanges out but keeps their bindings, and imports back that way.
#[test]
fn bindings_to_missing_objects_are_skipped_as_rabbitmq_skips_them() {
    let mut broker = Broker::new();
    let defs = parse(data!("binding-missing-queue.json"));
    let report = defs.apply(&mut broker).unwrap();
    assert!(report
        .skipped
        .iter()
        .any(|s| s.path == "$.bindings[1]" && s.reason == SkipReason::MissingDestination));
    let recorded = parse(data!("recorded-3.10.8-rabbitmqctl.json"));
    let mut broker = Broker::new();
    let report = recorded.apply(&mut broker).unwrap();
    let missing: Vec<_> = report
        .skipped
        .iter()
        .filter(|s| {
            matches!(
                s.reason,
                SkipReason::MissingSource | SkipReason::MissingDestination
            )
        })
        .map(|s| s.name.as_str())
        .collect();
    assert_eq!(missing.len(), 2, "{missing:?}");
    assert!(broker.queue("audit").is_some());
}

#[test]
fn a_failed_import_leaves_the_broker_untouched() {
    // A topology the broken files do not overlap with.
    let mut broker = loaded(RABBITMQCTL);
    let before = Definitions::export(&broker).to_value();
    let _ = broker.drain_events();
    for case in BROKEN {
        assert!(load_error(case.file.1, &mut broker).is_some());
        assert_eq!(
            Definitions::export(&broker).to_value(),
            before,
            "{}",
            case.file.0
        );
        assert_eq!(broker.poll_event(), None, "{}", case.file.0);
        assert!(broker.channels().is_empty());
    }
    broker.check_invariants().unwrap();
}

#[test]
fn errors_nest_under_the_scenario_path() {
    let e = load_error(data!("broken-null-argument.json").1, &mut Broker::new()).unwrap();
    let e = e.nested_under("$.definitions");
    assert_eq!(e.path, "$.definitions.queues[1].arguments.x-message-ttl");
    assert!(e.to_string().starts_with("$.definitions.queues[1]"), "{e}");
}

#[cfg(not(target_family = "wasm"))]
#[test]
fn every_file_is_covered() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/data/definitions");
    let mut valid = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if !name.ends_with(".json") {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        if name.starts_with("broken-") {
            assert!(
                BROKEN.iter().any(|b| b.file.0 == name),
                "{name} is not listed in BROKEN"
            );
            continue;
        }
        // A valid export (hand-written or recorded from a broker): it reads,
        // writes back identically, loads, and its export is stable.
        valid += 1;
        let defs = Definitions::from_json_str(&text).unwrap_or_else(|e| panic!("{name}: {e}"));
        let original: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(defs.to_value(), original, "{name}: read/write round trip");
        let mut broker = Broker::new();
        defs.apply(&mut broker)
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        broker.check_invariants().unwrap();
        assert_export_stable(&broker);
        let errors: Vec<_> = lint::check(&defs)
            .into_iter()
            .filter(|f| f.severity == Severity::Error)
            .collect();
        assert!(errors.is_empty(), "{name}: {errors:#?}");
    }
    assert!(valid >= 3);
}

// ---------------------------------------------------------------------------
// Import semantics

fn q(name: &str) -> Value {
    json!({"name": name, "vhost": "/", "durable": true, "auto_delete": false, "arguments": {}})
}

fn x(name: &str, kind: &str) -> Value {
    json!({"name": name, "vhost": "/", "type": kind, "durable": true, "auto_delete": false,
           "internal": false, "arguments": {}})
}

fn b(source: &str, destination: &str, to_exchange: bool, key: &str) -> Value {
    json!({"source": source, "vhost": "/", "destination": destination,
           "destination_type": if to_exchange { "exchange" } else { "queue" },
           "routing_key": key, "arguments": {}})
}

#[test]
fn default_and_amq_objects_are_skipped_as_rabbitmq_skips_them() {
    let defs = Definitions::from_value(&json!({
        "exchanges": [x("amq.direct", "direct"), x("", "direct"), x("amq.custom", "topic")],
        "queues": [q("amq.gen-abc"), q("real")],
        "bindings": [b("", "real", false, "real"), b("amq.direct", "real", false, "k")]
    }))
    .unwrap();
    let mut broker = Broker::new();
    let report = defs.apply(&mut broker).unwrap();
    let skipped: Vec<(&str, SkipReason)> = report
        .skipped
        .iter()
        .map(|s| (s.path.as_str(), s.reason))
        .collect();
    assert_eq!(
        skipped,
        [
            ("$.exchanges[0]", SkipReason::Predeclared),
            ("$.exchanges[1]", SkipReason::Predeclared),
            ("$.exchanges[2]", SkipReason::ReservedName),
            ("$.queues[0]", SkipReason::ReservedName),
            ("$.bindings[0]", SkipReason::DefaultExchangeBinding),
        ]
    );
    assert!(broker.exchange("amq.custom").is_none());
    assert!(broker.queue("amq.gen-abc").is_none());
    // Bindings from amq.* exchanges are real bindings and are loaded.
    assert_eq!(broker.bindings().len(), 1);
    assert!(report.skipped[2].to_string().contains("reserved"));
}

#[test]
fn existing_objects_are_left_as_they_are() {
    let mut broker = Broker::new();
    let ch = broker.connect();
    let mut args = FieldTable::new();
    args.insert("x-max-length", FieldValue::I32(3));
    broker
        .queue_declare(
            ch,
            &QueueDeclare {
                queue: "real".into(),
                arguments: args.clone(),
                ..Default::default()
            },
        )
        .unwrap();
    broker.close_connection(ch.connection).unwrap();
    // Inequivalent on purpose: RabbitMQ's import does not compare.
    let defs = Definitions::from_value(&json!({"queues": [
        {"name": "real", "durable": true, "auto_delete": true, "arguments": {"x-message-ttl": 5}}
    ]}))
    .unwrap();
    let report = defs.apply(&mut broker).unwrap();
    assert_eq!(report.skipped[0].reason, SkipReason::AlreadyExists);
    let info = broker.queue("real").unwrap();
    assert_eq!(info.arguments, args);
    assert!(!info.durable);
}

#[test]
fn objects_of_other_vhosts_are_ignored() {
    let defs = Definitions::from_value(&json!({
        "vhosts": [{"name": "shop"}, {"name": "/"}],
        "queues": [
            {"name": "a", "vhost": "shop", "durable": true, "auto_delete": false, "arguments": {}},
            {"name": "b", "vhost": "/", "durable": true, "auto_delete": false, "arguments": {}},
            {"name": "c", "durable": true, "auto_delete": false, "arguments": {}}
        ]
    }))
    .unwrap();
    assert_eq!(defs.vhost(), "shop");
    let mut broker = Broker::new();
    let report = defs.apply(&mut broker).unwrap();
    assert_eq!(report.vhost, "shop");
    let names: Vec<String> = broker.queues().into_iter().map(|q| q.name).collect();
    assert_eq!(names, ["a", "c"]);
    let other: Vec<&str> = report
        .ignored
        .iter()
        .filter(|i| matches!(i.reason, IgnoredReason::OtherVhost { .. }))
        .map(|i| i.path.as_str())
        .collect();
    assert_eq!(other, ["$.queues[1]"]);
    assert!(report.ignored.iter().any(|i| i.path == "$.vhosts[1]"));
}

#[test]
fn hand_built_definitions_report_other_vhosts_too() {
    let mut defs = parse(ORDER_FLOW);
    defs.queues[1].vhost = Some("elsewhere".into());
    let mut broker = Broker::new();
    // The binding to the queue that is not loaded is skipped, as RabbitMQ skips it.
    let report = defs.apply(&mut broker).unwrap();
    assert!(report
        .skipped
        .iter()
        .any(|s| s.path == "$.bindings[1]" && s.reason == SkipReason::MissingDestination));
    assert!(report
        .ignored
        .iter()
        .any(|i| i.path == "$.queues[1]" && matches!(i.reason, IgnoredReason::OtherVhost { .. })));
}

#[test]
fn policies_are_set_before_queues_are_declared() {
    let defs = Definitions::from_value(&json!({
        "policies": [{"vhost": "/", "name": "cap", "pattern": "^capped$", "apply-to": "queues",
                      "definition": {"max-length": 1, "overflow": "reject-publish"}, "priority": 0}],
        "queues": [q("capped")]
    }))
    .unwrap();
    let mut broker = Broker::new();
    defs.apply(&mut broker).unwrap();
    let info = broker.queue("capped").unwrap();
    assert_eq!(info.config.max_length, Some(1));
    assert_eq!(info.config.policy.as_deref(), Some("cap"));
    let p: Vec<&Policy> = broker.policies().collect();
    assert_eq!(p[0].apply_to, ApplyTo::Queues);
}

#[test]
fn exclusive_queues_and_their_bindings_are_not_exported() {
    let mut broker = loaded(ORDER_FLOW);
    let ch = broker.connect();
    broker
        .queue_declare(
            ch,
            &QueueDeclare {
                queue: "mine".into(),
                exclusive: true,
                ..Default::default()
            },
        )
        .unwrap();
    broker
        .queue_bind(
            ch,
            &warren_core::methods::QueueBind {
                queue: "mine".into(),
                exchange: "order".into(),
                routing_key: "order.notify".into(),
                ..Default::default()
            },
        )
        .unwrap();
    let exported = Definitions::export(&broker);
    assert!(exported.queues.iter().all(|q| q.name != "mine"));
    assert!(exported.bindings.iter().all(|b| b.destination != "mine"));
    assert_eq!(exported.bindings.len(), 2);
}

#[test]
fn export_text_follows_rabbitmqs_key_order() {
    let text = Definitions::export(&loaded(MANAGEMENT)).to_json_string();
    let keys = [
        "\"rabbit_version\"",
        "\"rabbitmq_version\"",
        "\"product_name\"",
        "\"product_version\"",
        "\"users\"",
        "\"vhosts\"",
        "\"permissions\"",
        "\"topic_permissions\"",
        "\"parameters\"",
        "\"global_parameters\"",
        "\"policies\"",
        "\"queues\"",
        "\"exchanges\"",
        "\"bindings\"",
    ];
    let at: Vec<usize> = keys.iter().map(|k| text.find(k).unwrap()).collect();
    assert!(at.windows(2).all(|w| w[0] < w[1]), "{text}");
    // Objects too: a queue's name comes before its arguments.
    let q = text.find("\"name\": \"archive.orders\"").unwrap();
    assert!(text[q..].find("\"vhost\"").unwrap() < text[q..].find("\"arguments\"").unwrap());
    assert_eq!(
        Definitions::from_json_str(&text).unwrap().to_value(),
        Definitions::export(&loaded(MANAGEMENT)).to_value()
    );
}

// ---------------------------------------------------------------------------
// Robustness: nothing panics, whatever the input.

mod never_panics {
    use super::*;
    use proptest::prelude::*;

    /// JSON values shaped a little like definitions, so most inputs get past
    /// the first checks and reach `apply` and the lint.
    fn value() -> impl Strategy<Value = Value> {
        let name = prop::sample::select(vec![
            "",
            "a",
            "b",
            "x",
            "amq.direct",
            "amq.x",
            "dlx",
            "/",
            "#",
            "a.b",
        ]);
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(|i| json!(i)),
            (-5i64..300).prop_map(|i| json!(i)),
            any::<f64>().prop_map(|f| json!(f)),
            name.clone().prop_map(|s| json!(s)),
            prop::sample::select(vec![
                "direct",
                "fanout",
                "topic",
                "headers",
                "queue",
                "exchange",
                "quorum",
                "classic",
                "all",
                "queues",
                "drop-head",
                "reject-publish-dlx",
                "(",
                "^a",
            ])
            .prop_map(|s| json!(s)),
        ];
        let key = prop::sample::select(vec![
            "name",
            "vhost",
            "type",
            "durable",
            "auto_delete",
            "internal",
            "arguments",
            "source",
            "destination",
            "destination_type",
            "routing_key",
            "pattern",
            "apply-to",
            "definition",
            "priority",
            "x-message-ttl",
            "x-dead-letter-exchange",
            "x-dead-letter-routing-key",
            "x-max-length",
            "x-overflow",
            "x-queue-type",
            "alternate-exchange",
            "dead-letter-exchange",
            "message-ttl",
            "x-match",
            "$type",
            "value",
        ]);
        leaf.prop_recursive(4, 64, 8, move |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
                prop::collection::btree_map(key.clone(), inner, 0..8).prop_map(|m| Value::Object(
                    m.into_iter().map(|(k, v)| (k.into(), v)).collect()
                )),
            ]
        })
    }

    fn names() -> impl Strategy<Value = String> + Clone {
        prop::sample::select(vec![
            "",
            "a",
            "b",
            "x",
            "amq.direct",
            "amq.x",
            "dlx",
            "#",
            "a.b",
        ])
        .prop_map(str::to_owned)
    }

    /// Arguments and policy definitions: the keys the broker and the lint
    /// read, with values of every kind.
    fn table() -> impl Strategy<Value = Value> {
        let key = prop::sample::select(vec![
            "x-message-ttl",
            "x-dead-letter-exchange",
            "x-dead-letter-routing-key",
            "x-max-length",
            "x-max-length-bytes",
            "x-overflow",
            "x-queue-type",
            "x-expires",
            "x-max-priority",
            "x-single-active-consumer",
            "alternate-exchange",
            "dead-letter-exchange",
            "dead-letter-routing-key",
            "message-ttl",
            "max-length",
            "overflow",
            "expires",
            "x-match",
            "ha-mode",
        ]);
        let value = prop_oneof![
            10 => names().prop_map(Value::String),
            10 => (-2i64..20).prop_map(|i| json!(i)),
            1 => value(),
        ];
        prop::collection::btree_map(key, value, 0..4)
            .prop_map(|m| Value::Object(m.into_iter().map(|(k, v)| (k.into(), v)).collect()))
    }

    fn section_item(section: &'static str) -> BoxedStrategy<Value> {
        let flags = (any::<bool>(), any::<bool>());
        let kind = prop::sample::select(vec!["direct", "fanout", "topic", "headers", "bogus"]);
        let structured = match section {
            "exchanges" => (names(), kind, flags, any::<bool>(), table())
                .prop_map(|(name, kind, (d, a), internal, arguments)| {
                    json!({"name": name, "type": kind, "durable": d, "auto_delete": a,
                           "internal": internal, "arguments": arguments})
                })
                .boxed(),
            "queues" => (names(), flags, table())
                .prop_map(|(name, (d, a), arguments)| {
                    json!({"name": name, "durable": d, "auto_delete": a, "arguments": arguments})
                })
                .boxed(),
            "bindings" => (names(), names(), any::<bool>(), names(), table())
                .prop_map(|(s, d, to_x, key, arguments)| {
                    json!({"source": s, "destination": d,
                           "destination_type": if to_x { "exchange" } else { "queue" },
                           "routing_key": key, "arguments": arguments})
                })
                .boxed(),
            _ => (
                names(),
                prop::sample::select(vec![".*", "^a", "b$", "(", "x|dlx"]),
                prop::sample::select(vec!["all", "queues", "exchanges"]),
                table(),
                -1i64..3,
            )
                .prop_map(|(name, pattern, apply_to, definition, priority)| {
                    json!({"name": name, "pattern": pattern, "apply-to": apply_to,
                           "definition": definition, "priority": priority})
                })
                .boxed(),
        };
        prop_oneof![30 => structured, 1 => value()].boxed()
    }

    fn document() -> impl Strategy<Value = Value> {
        let items = |s: &'static str| prop::collection::vec(section_item(s), 0..5);
        (
            items("policies"),
            items("exchanges"),
            items("queues"),
            items("bindings"),
        )
            .prop_map(
                |(p, x, q, b)| json!({"policies": p, "exchanges": x, "queues": q, "bindings": b}),
            )
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(1024))]

        #[test]
        fn reading_applying_exporting_and_linting(doc in document()) {
            if let Ok(defs) = Definitions::from_value(&doc) {
                let _ = lint::check(&defs);
                let again = Definitions::from_value(&defs.to_value()).unwrap();
                prop_assert_eq!(again.to_value(), defs.to_value());
                let mut broker = Broker::new();
                if defs.apply(&mut broker).is_ok() {
                    broker.check_invariants().unwrap();
                    let exported = Definitions::export(&broker);
                    let mut fresh = Broker::new();
                    exported.apply(&mut fresh).unwrap();
                    prop_assert_eq!(Definitions::export(&fresh).to_value(), exported.to_value());
                }
            }
        }

        #[test]
        fn arbitrary_text(text in ".{0,200}") {
            let _ = Definitions::from_json_str(&text);
        }
    }
}
