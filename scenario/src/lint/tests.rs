//! Lint's behaviour, one test per finding (or family of findings): each
//! builds a small definitions document and checks what is reported.

use super::*;
use serde_json::{json, Value};

fn q(name: &str, arguments: Value) -> Value {
    json!({"name": name, "vhost": "/", "durable": true, "auto_delete": false,
           "arguments": arguments})
}

fn x(name: &str, kind: &str) -> Value {
    json!({"name": name, "vhost": "/", "type": kind, "durable": true,
           "auto_delete": false, "internal": false, "arguments": {}})
}

fn internal(name: &str) -> Value {
    let mut v = x(name, "topic");
    v["internal"] = json!(true);
    v
}

fn b(source: &str, destination: &str, key: &str) -> Value {
    json!({"source": source, "vhost": "/", "destination": destination,
           "destination_type": "queue", "routing_key": key, "arguments": {}})
}

fn e2e(source: &str, destination: &str, key: &str) -> Value {
    let mut v = b(source, destination, key);
    v["destination_type"] = json!("exchange");
    v
}

fn p(name: &str, pattern: &str, apply_to: &str, definition: Value, priority: i64) -> Value {
    json!({"vhost": "/", "name": name, "pattern": pattern, "apply-to": apply_to,
           "definition": definition, "priority": priority})
}

fn lint(doc: Value) -> Vec<Finding> {
    check(&Definitions::from_value(&doc).unwrap())
}

/// The findings with `code`, as (severity, path).
fn with_code(findings: &[Finding], code: &str) -> Vec<(Severity, String)> {
    findings
        .iter()
        .filter(|f| f.code == code)
        .map(|f| (f.severity, f.path.clone()))
        .collect()
}

fn only(findings: &[Finding], code: &str) -> (Severity, String, String) {
    let hits: Vec<&Finding> = findings.iter().filter(|f| f.code == code).collect();
    assert_eq!(hits.len(), 1, "{code}: {findings:#?}");
    (
        hits[0].severity,
        hits[0].path.clone(),
        hits[0].message.clone(),
    )
}

#[test]
fn a_bound_queue_is_clean() {
    let f = lint(json!({
        "exchanges": [x("order", "direct")],
        "queues": [q("order_notify", json!({}))],
        "bindings": [b("order", "order_notify", "order.notify")]
    }));
    assert_eq!(f, []);
}

#[test]
fn unbound_queue_is_reachable_only_through_the_default_exchange() {
    let f = lint(json!({"queues": [q("lonely", json!({}))]}));
    let (sev, path, msg) = only(&f, "unreachable-queue");
    assert_eq!((sev, path.as_str()), (Severity::Info, "$.queues[0]"));
    assert!(msg.contains("default exchange"), "{msg}");
}

#[test]
fn queue_bound_only_from_an_unreachable_internal_exchange() {
    let f = lint(json!({
        "exchanges": [internal("hidden")],
        "queues": [q("q", json!({}))],
        "bindings": [b("hidden", "q", "#")]
    }));
    let (sev, _, msg) = only(&f, "unreachable-queue");
    assert_eq!(sev, Severity::Info);
    assert!(
        msg.contains("only from exchanges nothing can publish to"),
        "{msg}"
    );
    let (sev, path, _) = only(&f, "unreachable-exchange");
    assert_eq!((sev, path.as_str()), (Severity::Warning, "$.exchanges[0]"));
}

#[test]
fn internal_exchanges_fed_by_bindings_alternates_or_dead_lettering_are_reachable() {
    let f = lint(json!({
        "exchanges": [x("front", "topic"), internal("inner"), internal("ae"), internal("dlx"),
                      {"name": "withae", "vhost": "/", "type": "direct", "durable": true,
                       "auto_delete": false, "internal": false,
                       "arguments": {"alternate-exchange": "ae"}}],
        "queues": [q("a", json!({})), q("b", json!({})),
                   q("c", json!({"x-dead-letter-exchange": "dlx"}))],
        "bindings": [e2e("front", "inner", "#"), b("inner", "a", "#"), b("ae", "b", "#"),
                     b("dlx", "c", "x"), b("front", "c", "c")]
    }));
    assert_eq!(with_code(&f, "unreachable-exchange"), []);
    assert_eq!(with_code(&f, "unreachable-queue"), []);
}

#[test]
fn a_dead_letter_target_through_the_default_exchange_is_not_flagged() {
    let f = lint(json!({
        "exchanges": [x("work", "direct")],
        "queues": [q("jobs", json!({"x-dead-letter-exchange": "",
                                    "x-dead-letter-routing-key": "parked"})),
                   q("parked", json!({}))],
        "bindings": [b("work", "jobs", "jobs")]
    }));
    assert_eq!(f, []);
}

#[test]
fn bindings_to_or_from_missing_objects_are_skipped_by_the_import() {
    let f = lint(json!({
        "exchanges": [x("order", "direct")],
        "queues": [q("order_notify", json!({}))],
        "bindings": [b("nope", "order_notify", "k"), b("order", "missing", "k"),
                     e2e("order", "gone", "k"), b("order", "order_notify", "k")]
    }));
    assert_eq!(
        with_code(&f, "binding-source-missing"),
        [(Severity::Warning, "$.bindings[0].source".to_owned())]
    );
    assert_eq!(
        with_code(&f, "binding-destination-missing"),
        [
            (Severity::Warning, "$.bindings[1].destination".to_owned()),
            (Severity::Warning, "$.bindings[2].destination".to_owned())
        ]
    );
}

#[test]
fn bindings_from_amq_exchanges_are_fine_but_reserved_names_are_skipped() {
    let f = lint(json!({
        "exchanges": [x("amq.topic", "topic"), x("amq.custom", "topic")],
        "queues": [q("q", json!({})), q("amq.gen-1", json!({}))],
        "bindings": [b("amq.topic", "q", "#"), b("amq.custom", "q", "#")]
    }));
    assert_eq!(
        with_code(&f, "skipped-on-import"),
        [
            (Severity::Info, "$.exchanges[0]".to_owned()),
            (Severity::Warning, "$.exchanges[1]".to_owned()),
            (Severity::Warning, "$.queues[1]".to_owned())
        ]
    );
    // amq.custom will not exist, so the import skips its binding.
    assert_eq!(
        with_code(&f, "binding-source-missing"),
        [(Severity::Warning, "$.bindings[1].source".to_owned())]
    );
}

#[test]
fn default_exchange_bindings_are_skipped() {
    let f = lint(json!({"queues": [q("q", json!({}))], "bindings": [b("", "q", "q")]}));
    let (sev, path, _) = only(&f, "default-exchange-binding");
    assert_eq!(
        (sev, path.as_str()),
        (Severity::Warning, "$.bindings[0].source")
    );
}

#[test]
fn invalid_headers_binding_arguments() {
    let mut bad = b("h", "q", "");
    bad["arguments"] = json!({"x-match": "some"});
    let f = lint(
        json!({"exchanges": [x("h", "headers")], "queues": [q("q", json!({}))],
                        "bindings": [bad]}),
    );
    let (sev, path, _) = only(&f, "invalid-binding-arguments");
    assert_eq!(
        (sev, path.as_str()),
        (Severity::Error, "$.bindings[0].arguments")
    );
}

#[test]
fn missing_dead_letter_exchange_from_an_argument() {
    let f = lint(json!({
        "exchanges": [x("e", "fanout")],
        "queues": [q("q", json!({"x-dead-letter-exchange": "nowhere"}))],
        "bindings": [b("e", "q", "")]
    }));
    let (sev, path, msg) = only(&f, "missing-dead-letter-exchange");
    assert_eq!(
        (sev, path.as_str()),
        (
            Severity::Warning,
            "$.queues[0].arguments.x-dead-letter-exchange"
        )
    );
    assert!(msg.contains("dropped"), "{msg}");
}

#[test]
fn missing_dead_letter_exchange_from_a_policy_is_reported_once() {
    let f = lint(json!({
        "policies": [p("dl", "^q", "queues", json!({"dead-letter-exchange": "nowhere"}), 0)],
        "exchanges": [x("e", "fanout")],
        "queues": [q("q1", json!({})), q("q2", json!({})),
                   q("q3", json!({"x-dead-letter-exchange": "e"}))],
        "bindings": [b("e", "q1", ""), b("e", "q2", "")]
    }));
    let (sev, path, msg) = only(&f, "missing-dead-letter-exchange");
    assert_eq!(
        (sev, path.as_str()),
        (
            Severity::Warning,
            "$.policies[0].definition.dead-letter-exchange"
        )
    );
    // The argument wins over the policy for q3.
    assert!(
        msg.contains("\"q1\", \"q2\"") && !msg.contains("q3"),
        "{msg}"
    );
}

#[test]
fn missing_queue_behind_a_default_exchange_dlx() {
    let f = lint(json!({
        "queues": [q("q", json!({"x-dead-letter-exchange": "",
                                 "x-dead-letter-routing-key": "parked"}))]
    }));
    let (_, path, _) = only(&f, "missing-dead-letter-exchange");
    assert_eq!(path, "$.queues[0].arguments.x-dead-letter-routing-key");
}

#[test]
fn missing_alternate_exchange_from_an_argument_or_a_policy() {
    let mut with_ae = x("a", "direct");
    with_ae["arguments"] = json!({"alternate-exchange": "ghost"});
    let f = lint(json!({
        "policies": [p("ae", "^b$", "exchanges", json!({"alternate-exchange": "ghost2"}), 0)],
        "exchanges": [with_ae, x("b", "direct")]
    }));
    assert_eq!(
        with_code(&f, "missing-alternate-exchange"),
        [
            (
                Severity::Warning,
                "$.exchanges[0].arguments.alternate-exchange".to_owned()
            ),
            (
                Severity::Warning,
                "$.policies[0].definition.alternate-exchange".to_owned()
            )
        ]
    );
}

#[test]
fn exchange_to_exchange_loops_are_legal_but_worth_a_warning() {
    let f = lint(json!({
        "exchanges": [x("a", "fanout"), x("b", "fanout"), x("c", "fanout")],
        "bindings": [e2e("a", "b", ""), e2e("b", "c", ""), e2e("c", "a", "")]
    }));
    let (sev, path, msg) = only(&f, "exchange-cycle");
    assert_eq!((sev, path.as_str()), (Severity::Warning, "$.bindings[0]"));
    assert!(msg.contains("\"a\" -> \"b\" -> \"c\" -> \"a\""), "{msg}");
    assert!(msg.contains("at most once"), "{msg}");
}

#[test]
fn self_loops_and_alternate_exchange_loops_count_too() {
    let mut a = x("a", "direct");
    a["arguments"] = json!({"alternate-exchange": "b"});
    let mut bx = x("b", "direct");
    bx["arguments"] = json!({"alternate-exchange": "a"});
    let f = lint(json!({
        "exchanges": [a, bx, x("s", "topic")],
        "bindings": [e2e("s", "s", "#")]
    }));
    let cycles = with_code(&f, "exchange-cycle");
    assert_eq!(
        cycles,
        [
            (
                Severity::Warning,
                "$.exchanges[0].arguments.alternate-exchange".to_owned()
            ),
            (Severity::Warning, "$.bindings[0]".to_owned())
        ]
    );
}

#[test]
fn a_chain_is_not_a_cycle() {
    let f = lint(json!({
        "exchanges": [x("a", "fanout"), x("b", "fanout")],
        "bindings": [e2e("a", "b", ""), e2e("a", "b", "other")]
    }));
    assert_eq!(with_code(&f, "exchange-cycle"), []);
}

#[test]
fn policies_invalid_or_matching_nothing_or_shadowed() {
    let f = lint(json!({
        "policies": [
            p("broken", "(", "all", json!({}), 0),
            p("bad-ttl", "^q", "queues", json!({"message-ttl": -1}), 0),
            p("nobody", "^zzz", "all", json!({"max-length": 1}), 0),
            p("low", "^q", "queues", json!({"max-length": 1}), 1),
            p("high", "^q", "queues", json!({"max-length": 2}), 5),
            p("exchanges-only", "^q", "exchanges", json!({}), 0)
        ],
        "queues": [q("q", json!({}))]
    }));
    assert_eq!(
        with_code(&f, "invalid-policy-pattern"),
        [(Severity::Error, "$.policies[0].pattern".to_owned())]
    );
    assert_eq!(
        with_code(&f, "invalid-policy-definition"),
        [(
            Severity::Error,
            "$.policies[1].definition.message-ttl".to_owned()
        )]
    );
    assert_eq!(
        with_code(&f, "policy-matches-nothing"),
        [
            (Severity::Info, "$.policies[2].pattern".to_owned()),
            (Severity::Info, "$.policies[5].pattern".to_owned())
        ]
    );
    let (sev, path, msg) = only(&f, "policy-shadowed");
    assert_eq!(
        (sev, path.as_str()),
        (Severity::Info, "$.policies[3].priority")
    );
    assert!(msg.contains("\"high\""), "{msg}");
}

#[test]
fn a_policy_defined_twice_keeps_the_later_one() {
    let f = lint(json!({
        "policies": [p("ttl", "^q$", "queues", json!({"message-ttl": 1}), 0),
                     p("ttl", "^q$", "queues", json!({"message-ttl": 2}), 0)],
        "queues": [q("q", json!({}))]
    }));
    assert_eq!(
        with_code(&f, "duplicate-policy"),
        [(Severity::Warning, "$.policies[0]".to_owned())]
    );
    assert_eq!(with_code(&f, "policy-shadowed"), []);
}

#[test]
fn dlrk_without_dlx_as_an_argument_fails_the_import() {
    let f = lint(json!({"queues": [q("q", json!({"x-dead-letter-routing-key": "k"}))]}));
    let (sev, path, _) = only(&f, "dlrk-without-dlx");
    assert_eq!(
        (sev, path.as_str()),
        (
            Severity::Error,
            "$.queues[0].arguments.x-dead-letter-routing-key"
        )
    );
    assert_eq!(with_code(&f, "invalid-queue-argument"), []);
}

#[test]
fn dlrk_without_dlx_from_a_policy_has_no_effect() {
    let f = lint(json!({
        "policies": [p("rk", "^q$", "queues", json!({"dead-letter-routing-key": "k"}), 0)],
        "queues": [q("q", json!({}))]
    }));
    let (sev, path, _) = only(&f, "dlrk-without-dlx");
    assert_eq!(
        (sev, path.as_str()),
        (
            Severity::Warning,
            "$.policies[0].definition.dead-letter-routing-key"
        )
    );
    // With a DLX argument, the policy's routing key is used: no finding.
    let f = lint(json!({
        "policies": [p("rk", "^q$", "queues", json!({"dead-letter-routing-key": "k"}), 0)],
        "exchanges": [x("dlx", "direct")],
        "queues": [q("q", json!({"x-dead-letter-exchange": "dlx"})), q("k", json!({}))],
        "bindings": [b("dlx", "k", "k")]
    }));
    assert_eq!(with_code(&f, "dlrk-without-dlx"), []);
}

#[test]
fn a_queue_dead_lettering_into_itself_on_expiry_loses_messages() {
    let f = lint(json!({
        "exchanges": [x("work", "direct")],
        "queues": [q("jobs", json!({"x-message-ttl": 1000,
                                    "x-dead-letter-exchange": "work",
                                    "x-dead-letter-routing-key": "jobs"}))],
        "bindings": [b("work", "jobs", "jobs")]
    }));
    let (sev, path, msg) = only(&f, "dead-letter-cycle");
    assert_eq!(
        (sev, path.as_str()),
        (
            Severity::Warning,
            "$.queues[0].arguments.x-dead-letter-exchange"
        )
    );
    assert!(msg.contains("cycle detection"), "{msg}");
}

#[test]
fn a_self_loop_through_the_messages_own_keys_and_a_length_limit() {
    let f = lint(json!({
        "exchanges": [x("events", "topic")],
        "queues": [q("all", json!({"x-max-length": 10, "x-dead-letter-exchange": "events"}))],
        "bindings": [b("events", "all", "#")]
    }));
    let (sev, _, msg) = only(&f, "dead-letter-cycle");
    assert_eq!(sev, Severity::Warning);
    assert!(msg.contains("own routing keys"), "{msg}");
}

#[test]
fn a_self_loop_reached_only_by_rejection_is_info() {
    let f = lint(json!({
        "policies": [p("dl", "^jobs$", "queues", json!({"dead-letter-exchange": "work"}), 0)],
        "exchanges": [x("work", "direct")],
        "queues": [q("jobs", json!({}))],
        "bindings": [b("work", "jobs", "jobs")]
    }));
    let (sev, path, _) = only(&f, "dead-letter-cycle");
    assert_eq!(
        (sev, path.as_str()),
        (
            Severity::Info,
            "$.policies[0].definition.dead-letter-exchange"
        )
    );
}

#[test]
fn dead_lettering_elsewhere_is_not_a_cycle() {
    let f = lint(json!({
        "exchanges": [x("work", "direct"), x("dlx", "direct")],
        "queues": [q("jobs", json!({"x-message-ttl": 5, "x-dead-letter-exchange": "dlx",
                                    "x-dead-letter-routing-key": "parked"})),
                   q("parked", json!({}))],
        "bindings": [b("work", "jobs", "jobs"), b("dlx", "parked", "parked"),
                     b("dlx", "jobs", "jobs")]
    }));
    assert_eq!(with_code(&f, "dead-letter-cycle"), []);
}

#[test]
fn queue_arguments_and_types_the_import_refuses() {
    let f = lint(json!({
        "queues": [q("a", json!({"x-max-priority": 300})),
                   q("b", json!({"x-queue-type": "lazy"})),
                   q("c", json!({"x-queue-type": "quorum"})),
                   q("a", json!({}))]
    }));
    assert_eq!(
        with_code(&f, "invalid-queue-argument"),
        [(
            Severity::Error,
            "$.queues[0].arguments.x-max-priority".to_owned()
        )]
    );
    assert_eq!(
        with_code(&f, "unknown-queue-type"),
        [(Severity::Error, "$.queues[1]".to_owned())]
    );
    assert_eq!(with_code(&f, "queue-type-not-modelled"), []);
    assert_eq!(
        with_code(&f, "duplicate-queue"),
        [(Severity::Warning, "$.queues[3]".to_owned())]
    );
}

#[test]
fn quorum_queues_refused_or_run_otherwise_than_asked() {
    let mut transient = q("t", json!({"x-queue-type": "quorum"}));
    transient["durable"] = json!(false);
    let f = lint(json!({
        "queues": [transient,
                   q("p", json!({"x-queue-type": "quorum", "x-max-priority": 5})),
                   q("o", json!({"x-queue-type": "quorum", "x-overflow": "reject-publish-dlx"})),
                   q("s", json!({"x-queue-type": "quorum", "x-dead-letter-strategy": "at-least-once"})),
                   q("c", json!({"x-delivery-limit": 2})),
                   q("e", json!({"x-queue-type": "stream"}))]
    }));
    // A stream is modelled, and this one is valid: nothing about it but
    // what any queue without bindings gets.
    let about = |f: &Finding, at: &str| f.path.starts_with(at) && f.code != "unreachable-queue";
    assert!(!f.iter().any(|f| about(f, "$.queues[5]")), "{f:#?}");
    assert_eq!(
        with_code(&f, "invalid-quorum-queue"),
        [(Severity::Error, "$.queues[0]".to_owned())]
    );
    assert_eq!(
        with_code(&f, "invalid-queue-argument"),
        [
            (
                Severity::Error,
                "$.queues[1].arguments.x-max-priority".to_owned()
            ),
            (
                Severity::Error,
                "$.queues[4].arguments.x-delivery-limit".to_owned()
            )
        ]
    );
    assert_eq!(
        with_code(&f, "quorum-overflow-not-supported"),
        [(
            Severity::Warning,
            "$.queues[2].arguments.x-overflow".to_owned()
        )]
    );
    assert_eq!(
        with_code(&f, "at-least-once-without-reject-publish"),
        [(
            Severity::Info,
            "$.queues[3].arguments.x-dead-letter-strategy".to_owned()
        )]
    );
}

#[test]
fn streams_refused_for_their_properties_or_arguments() {
    let stream = |name: &str, mut args: Value| {
        args["x-queue-type"] = json!("stream");
        q(name, args)
    };
    let mut transient = stream("t", json!({}));
    transient["durable"] = json!(false);
    let mut auto = stream("a", json!({}));
    auto["auto_delete"] = json!(true);
    let mut typed = q(
        "typed",
        json!({"x-max-age": "7D", "x-max-length-bytes": 1_000_000}),
    );
    typed["type"] = json!("stream");
    let refused = [
        "x-message-ttl",
        "x-max-length",
        "x-dead-letter-exchange",
        "x-overflow",
        "x-single-active-consumer",
        "x-expires",
        "x-max-priority",
        "x-delivery-limit",
    ];
    let value = |arg: &str| match arg {
        "x-dead-letter-exchange" => json!("dlx"),
        "x-overflow" => json!("reject-publish"),
        "x-single-active-consumer" => json!(true),
        _ => json!(5),
    };
    let mut queues = vec![transient, auto, typed];
    queues.extend(refused.iter().map(|a| stream(a, json!({*a: value(a)}))));
    queues.push(stream("crash", json!({"x-max-age": "D"})));
    queues.push(stream("zero", json!({"x-max-age": "0D"})));
    queues.push(stream("ok", json!({"x-max-age": "1h", "x-stream-max-segment-size-bytes": 500,
                                   "x-queue-leader-locator": "balanced", "x-initial-cluster-size": 1})));
    let f = lint(json!({ "queues": queues }));
    let mut want = vec![
        (Severity::Error, "$.queues[0]".to_owned()),
        (Severity::Error, "$.queues[1]".to_owned()),
    ];
    want.extend(refused.iter().enumerate().map(|(i, a)| {
        (
            Severity::Error,
            format!("$.queues[{}].arguments.{a}", i + 3),
        )
    }));
    // "D" crashes the declare (541), "0D" is a 406; both at the argument.
    want.push((
        Severity::Error,
        "$.queues[11].arguments.x-max-age".to_owned(),
    ));
    want.push((
        Severity::Error,
        "$.queues[12].arguments.x-max-age".to_owned(),
    ));
    let mut got = with_code(&f, "invalid-stream");
    got.sort();
    want.sort();
    assert_eq!(got, want, "{f:#?}");
    // Reported as the stream's, not as any queue's argument.
    assert_eq!(with_code(&f, "invalid-queue-argument"), []);
    let crash = f
        .iter()
        .find(|f| f.path == "$.queues[11].arguments.x-max-age")
        .unwrap();
    assert!(crash.message.contains("541"), "{}", crash.message);
    let ttl = f
        .iter()
        .find(|f| f.path == "$.queues[3].arguments.x-message-ttl")
        .unwrap();
    assert!(
        ttl.message
            .contains("a stream takes only x-max-length-bytes"),
        "{}",
        ttl.message
    );
    // The stream typed by its `type` field alone is judged as a stream, and
    // a valid stream has nothing but what any queue without bindings gets.
    let about = |f: &Finding, at: &str| f.path.starts_with(at) && f.code != "unreachable-queue";
    assert!(!f.iter().any(|f| about(f, "$.queues[2]")), "{f:#?}");
    assert!(!f.iter().any(|f| about(f, "$.queues[13]")), "{f:#?}");
    let zero = f
        .iter()
        .find(|f| f.path == "$.queues[12].arguments.x-max-age")
        .unwrap();
    assert!(
        zero.message.contains("invalid_max_age") && !zero.message.contains("takes only"),
        "{}",
        zero.message
    );
}

#[test]
fn exchange_types_and_arguments_the_import_refuses() {
    let mut bad_ae = x("b", "direct");
    bad_ae["arguments"] = json!({"alternate-exchange": 5});
    let f = lint(json!({"exchanges": [x("a", "x-delayed-message"), bad_ae, x("a", "direct")]}));
    assert_eq!(
        with_code(&f, "unknown-exchange-type"),
        [(Severity::Error, "$.exchanges[0].type".to_owned())]
    );
    assert_eq!(
        with_code(&f, "invalid-exchange-argument"),
        [(
            Severity::Error,
            "$.exchanges[1].arguments.alternate-exchange".to_owned()
        )]
    );
    assert_eq!(
        with_code(&f, "duplicate-exchange"),
        [(Severity::Warning, "$.exchanges[2]".to_owned())]
    );
}

#[test]
fn only_the_loaded_vhost_is_linted() {
    let f = lint(json!({
        "vhosts": [{"name": "/"}],
        "queues": [{"name": "elsewhere", "vhost": "other", "durable": true,
                    "auto_delete": false, "arguments": {"x-max-priority": 999}}]
    }));
    assert_eq!(f, []);
}

#[test]
fn findings_display_as_one_line() {
    let f = lint(json!({"queues": [q("lonely", json!({}))]}));
    let shown = f[0].to_string();
    assert!(
        shown.starts_with("info[unreachable-queue] $.queues[0]: "),
        "{shown}"
    );
}

#[test]
fn a_long_exchange_chain_does_not_overflow_the_stack() {
    let n = 20_000;
    let exchanges: Vec<Value> = (0..n).map(|i| x(&format!("x{i}"), "fanout")).collect();
    let bindings: Vec<Value> = (1..n)
        .map(|i| e2e(&format!("x{}", i - 1), &format!("x{i}"), ""))
        .chain([e2e(&format!("x{}", n - 1), "x0", "")])
        .collect();
    let f = lint(json!({"exchanges": exchanges, "bindings": bindings}));
    let (_, _, msg) = only(&f, "exchange-cycle");
    assert!(
        msg.starts_with("routing loop \"x0\" -> \"x1\" -> "),
        "{}",
        &msg[..60]
    );
}
