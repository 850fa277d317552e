//! Bindings that can never match and queues nobody consumes, with and
//! without the scene's clients; and every finding's fix and subject.

use serde_json::{json, Value};
use warren_core::{ConsumerPolicy, ConsumerSpec, FieldTable, FieldValue, ProducerSpec};

use crate::lint::{check, check_with, subject, Clients, Finding, Severity, Subject};
use crate::Definitions;

fn defs(doc: Value) -> Definitions {
    Definitions::from_value(&doc).unwrap()
}

fn x(name: &str, kind: &str, arguments: Value) -> Value {
    json!({"name": name, "type": kind, "durable": true, "auto_delete": false,
           "arguments": arguments})
}

fn q(name: &str, arguments: Value) -> Value {
    json!({"name": name, "durable": true, "auto_delete": false, "arguments": arguments})
}

fn b(source: &str, destination: &str, key: &str, arguments: Value) -> Value {
    json!({"source": source, "destination": destination, "destination_type": "queue",
           "routing_key": key, "arguments": arguments})
}

fn e2e(source: &str, destination: &str, key: &str) -> Value {
    json!({"source": source, "destination": destination, "destination_type": "exchange",
           "routing_key": key, "arguments": {}})
}

fn consumer(queue: &str) -> ConsumerSpec {
    ConsumerSpec {
        name: format!("reader of {queue}"),
        queue: queue.into(),
        ..ConsumerSpec::default()
    }
}

/// The findings with `code`, as their paths, sorted (bindings are checked
/// grouped by source exchange).
fn paths(findings: &[Finding], code: &str) -> Vec<String> {
    let mut out: Vec<String> = findings
        .iter()
        .filter(|f| f.code == code)
        .map(|f| f.path.clone())
        .collect();
    out.sort();
    out
}

fn with(d: &Definitions, producers: &[ProducerSpec], consumers: &[ConsumerSpec]) -> Vec<Finding> {
    check_with(
        d,
        Some(&Clients {
            producers,
            consumers,
        }),
    )
}

#[test]
fn a_headers_binding_with_any_and_nothing_to_test_never_matches() {
    let d = defs(json!({
        "exchanges": [x("h", "headers", json!({}))],
        "queues": [q("a", json!({})), q("b", json!({})), q("c", json!({}))],
        "bindings": [b("h", "a", "", json!({"x-match": "any"})),
                     b("h", "b", "", json!({"x-match": "all"})),
                     b("h", "c", "", json!({"x-match": "any", "x-region": "eu", "kind": "pdf"}))]
    }));
    let found = check(&d);
    assert_eq!(paths(&found, "binding-never-matches"), ["$.bindings[0]"]);
    assert!(
        found.iter().all(|f| f.code != "unconsumed-queue"),
        "{found:#?}"
    );
    // With clients, it is still reported once.
    let mut pdf = ProducerSpec::new("p", "h", "");
    pdf.headers = FieldTable::new();
    pdf.headers
        .insert("kind", FieldValue::LongStr("pdf".into()));
    let found = with(&d, &[pdf], &[]);
    assert_eq!(paths(&found, "binding-never-matches"), ["$.bindings[0]"]);
}

#[test]
fn a_direct_binding_no_producer_key_matches() {
    let d = defs(json!({
        "exchanges": [x("order", "direct", json!({})), x("idle", "direct", json!({}))],
        "queues": [q("notify", json!({})), q("report", json!({})), q("idle", json!({}))],
        "bindings": [b("order", "notify", "order.notify", json!({})),
                     b("order", "report", "order.reprt", json!({})),
                     b("idle", "idle", "anything", json!({}))]
    }));
    let mut shop = ProducerSpec::new("shop", "order", "order.notify");
    shop.more_routing_keys = vec!["order.report".into()];
    let all = [consumer("notify"), consumer("report"), consumer("idle")];
    let found = with(&d, &[shop.clone()], &all);
    // `idle` receives nothing from the producers: left alone.
    assert_eq!(paths(&found, "binding-never-matches"), ["$.bindings[1]"]);
    let f = found
        .iter()
        .find(|f| f.code == "binding-never-matches")
        .unwrap();
    assert_eq!(f.severity, Severity::Warning);
    assert!(
        f.message
            .contains("routing keys \"order.notify\", \"order.report\""),
        "{}",
        f.message
    );
    // Without the clients nothing is known about keys.
    assert!(paths(&check(&d), "binding-never-matches").is_empty());
}

#[test]
fn topic_fanout_and_headers_bindings_are_matched_as_the_broker_matches() {
    let d = defs(json!({
        "exchanges": [x("logs", "topic", json!({})), x("all", "fanout", json!({})),
                      x("h", "headers", json!({}))],
        "queues": [q("errors", json!({})), q("audit", json!({})), q("copy", json!({})),
                   q("pdf", json!({})), q("csv", json!({}))],
        "bindings": [b("logs", "errors", "*.error", json!({})),
                     b("logs", "audit", "audit.#", json!({})),
                     b("all", "copy", "ignored", json!({})),
                     b("h", "pdf", "", json!({"format": "pdf"})),
                     b("h", "csv", "", json!({"format": "csv"}))]
    }));
    let mut report = ProducerSpec::new("r", "h", "");
    report.headers = FieldTable::new();
    report
        .headers
        .insert("format", FieldValue::LongStr("pdf".into()));
    let producers = [
        ProducerSpec::new("l", "logs", "kern.error"),
        ProducerSpec::new("f", "all", "x"),
        report,
    ];
    let found = with(&d, &producers, &[]);
    assert_eq!(
        paths(&found, "binding-never-matches"),
        ["$.bindings[1]", "$.bindings[4]"]
    );
}

#[test]
fn messages_follow_exchange_bindings_alternates_and_dead_letters() {
    let d = defs(json!({
        "exchanges": [x("in", "direct", json!({"alternate-exchange": "rest"})),
                      x("fan", "fanout", json!({})), x("rest", "fanout", json!({})),
                      x("dlx", "direct", json!({}))],
        "queues": [q("work", json!({"x-dead-letter-exchange": "dlx",
                                    "x-dead-letter-routing-key": "retry"})),
                   q("caught", json!({})), q("retry", json!({})), q("never", json!({}))],
        "bindings": [e2e("in", "fan", "job"),
                     b("fan", "work", "", json!({})),
                     b("rest", "caught", "", json!({})),
                     b("dlx", "retry", "retry", json!({})),
                     b("dlx", "never", "job", json!({}))]
    }));
    let producers = [
        ProducerSpec::new("a", "in", "job"),
        ProducerSpec::new("b", "in", "other"),
    ];
    let found = with(&d, &producers, &[]);
    // Dead-lettered with routing key "retry", never with "job".
    assert_eq!(paths(&found, "binding-never-matches"), ["$.bindings[4]"]);
}

#[test]
fn a_queue_nobody_consumes_without_a_bound_is_reported() {
    let d = defs(json!({
        "queues": [q("read", json!({})), q("ttl", json!({"x-message-ttl": 1000})),
                   q("capped", json!({"x-max-length": 10})),
                   q("bytes", json!({"x-max-length-bytes": 1000})), q("piles", json!({}))]
    }));
    let found = with(&d, &[], &[consumer("read")]);
    assert_eq!(paths(&found, "unconsumed-queue"), ["$.queues[4]"]);
    let f = found.iter().find(|f| f.code == "unconsumed-queue").unwrap();
    assert_eq!(f.severity, Severity::Warning);
    assert!(f.message.contains("\"piles\""), "{}", f.message);
    // A definitions file says nothing about consumers.
    assert!(paths(&check(&d), "unconsumed-queue").is_empty());
}

#[test]
fn a_streams_consumers_are_checked_against_what_a_stream_refuses() {
    let d = defs(json!({
        "queues": [q("log", json!({"x-queue-type": "stream"})), q("jobs", json!({})),
                   q("votes", json!({"x-queue-type": "quorum"}))]
    }));
    let reader = |name: &str, queue: &str, f: &dyn Fn(&mut ConsumerSpec)| {
        let mut c = ConsumerSpec::new(name, queue);
        c.prefetch = 10;
        c.stream_offset = Some(FieldValue::str("first"));
        f(&mut c);
        c
    };
    let consumers = [
        reader("good", "log", &|_| {}),
        reader("greedy", "log", &|c| c.prefetch = 0),
        reader("hasty", "log", &|c| c.auto_ack = true),
        reader("vip", "log", &|c| c.priority = Some(5)),
        reader("picky", "log", &|c| {
            c.policy = ConsumerPolicy::RejectRequeue
        }),
        reader("flaky", "log", &|c| c.fail_every = Some(3)),
        reader("classic", "jobs", &|_| {}),
        reader("quorum", "votes", &|c| {
            c.stream_offset = Some(FieldValue::I32(0))
        }),
        reader("plain", "jobs", &|c| c.stream_offset = None),
    ];
    let found = with(&d, &[], &consumers);
    let named = |code: &str| -> Vec<String> {
        found
            .iter()
            .filter(|f| f.code == code)
            .map(|f| {
                assert_eq!(f.severity, Severity::Warning, "{f}");
                f.message.split('"').nth(1).unwrap_or_default().to_owned()
            })
            .collect()
    };
    assert_eq!(named("stream-consumer-without-prefetch"), ["greedy"]);
    assert_eq!(named("stream-consumer-auto-ack"), ["hasty"]);
    assert_eq!(named("stream-consumer-priority"), ["vip"]);
    assert_eq!(named("stream-consumer-rejects"), ["picky", "flaky"]);
    assert_eq!(named("stream-offset-not-a-stream"), ["classic", "quorum"]);
    // At the queue each reads, which the page shows the finding on.
    assert_eq!(
        paths(&found, "stream-offset-not-a-stream"),
        ["$.queues[1]", "$.queues[2]"]
    );
    assert_eq!(
        paths(&found, "stream-consumer-without-prefetch"),
        ["$.queues[0]"]
    );
    let f = found
        .iter()
        .find(|f| f.code == "stream-consumer-without-prefetch")
        .unwrap();
    assert!(f.message.contains("406"), "{}", f.message);
    // An auto-ack consumer settles nothing: its policy is not a nack.
    let lone = with(
        &d,
        &[],
        &[reader("hasty", "log", &|c| {
            c.auto_ack = true;
            c.policy = ConsumerPolicy::NackRequeue;
        })],
    );
    assert_eq!(
        paths(&lone, "stream-consumer-rejects"),
        Vec::<String>::new()
    );
    // Without clients nothing is known about consumers.
    assert!(check(&d).iter().all(|f| !f.code.starts_with("stream-")));
}

#[test]
fn check_is_check_with_no_clients() {
    let d = defs(json!({
        "exchanges": [x("a", "direct", json!({"alternate-exchange": "ghost"}))],
        "queues": [q("q", json!({"x-dead-letter-exchange": "nowhere"}))],
    }));
    assert_eq!(check(&d), check_with(&d, None));
    assert!(!check(&d).is_empty());
}

#[test]
fn every_finding_in_the_table_has_its_own_fix() {
    let doc = include_str!("../../lint.rs");
    let codes: Vec<&str> = doc
        .lines()
        .filter_map(|l| l.strip_prefix("//! | `"))
        .flat_map(|l| {
            let cell = l.split(" |").next().unwrap_or_default();
            cell.split('`')
                .step_by(2)
                .map(str::trim)
                .collect::<Vec<_>>()
        })
        .filter(|c| !c.is_empty() && !c.contains(','))
        .collect();
    assert!(codes.len() >= 25, "{codes:?}");
    for code in codes {
        let f = Finding {
            severity: Severity::Info,
            code: Box::leak(code.to_owned().into_boxed_str()),
            path: String::new(),
            message: String::new(),
        };
        assert_ne!(f.fix(), "See the finding's words.", "{code}");
    }
}

#[test]
fn a_finding_names_its_subject() {
    let d = defs(json!({
        "exchanges": [x("a", "direct", json!({"alternate-exchange": "ghost"}))],
        "queues": [q("q", json!({}))],
        "bindings": [b("a", "q", "k", json!({}))]
    }));
    assert_eq!(
        subject(&d, "$.exchanges[0].arguments.alternate-exchange"),
        Some(Subject::Exchange("a"))
    );
    assert_eq!(subject(&d, "$.queues[0]"), Some(Subject::Queue("q")));
    assert_eq!(
        subject(&d, "$.bindings[0].source"),
        Some(Subject::Binding(&d.bindings[0]))
    );
    assert_eq!(subject(&d, "$.queues[7]"), None);
    assert_eq!(subject(&d, "$"), None);
    let ae = check(&d);
    let ae = ae
        .iter()
        .find(|f| f.code == "missing-alternate-exchange")
        .unwrap();
    assert_eq!(subject(&d, &ae.path), Some(Subject::Exchange("a")));
}
