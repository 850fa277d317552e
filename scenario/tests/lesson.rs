//! The lesson format's errors: what a lesson file gets wrong is refused with
//! the JSON path of the mistake, and what a lesson claims wrongly about the
//! broker fails the step, naming it and its caption.

use warren_scenario::lesson::{self, LessonReport};
use warren_scenario::{Runner, Scenario, ScenarioError};

/// A scenario around `lesson` (a JSON object), with one queue `q`, a
/// producer `p` publishing to it and a consumer `c` that waits to be started.
fn scene(lesson: &str) -> String {
    format!(
        r#"{{"name": "t",
        "definitions": {{"queues": [{{"name": "q", "vhost": "/", "durable": false, "auto_delete": false, "arguments": {{}}}}]}},
        "actors": {{"producers": [{{"name": "p", "routing_key": "q", "body": "m{{n}}"}}],
                    "consumers": [{{"name": "c", "queue": "q", "start": false}}]}},
        "lesson": {lesson}}}"#
    )
}

fn refused(lesson: &str) -> ScenarioError {
    match Scenario::from_json_str(&scene(lesson)) {
        Ok(_) => panic!("accepted: {lesson}"),
        Err(e) => e,
    }
}

fn run(lesson: &str) -> LessonReport {
    let s = Scenario::from_json_str(&scene(lesson)).unwrap_or_else(|e| panic!("{e}"));
    let (broker, _) = s.broker().unwrap();
    let mut runner = Runner::new(broker);
    runner.add_actors(&s).unwrap();
    lesson::run(&s, s.lesson.as_ref().unwrap(), &mut runner)
}

#[test]
fn an_unknown_field_is_refused_with_its_path() {
    let e = refused(r#"{"steps": [{"caption": "x", "expcet": {}}]}"#);
    assert_eq!(e.path, "$.lesson.steps[0].expcet");
    assert!(e.message.contains("unknown field"), "{}", e.message);
    assert!(e.message.contains("caption, do, expect"), "{}", e.message);

    let e = refused(r#"{"title": "t", "stpes": []}"#);
    assert_eq!(e.path, "$.lesson.steps");

    let e = refused(
        r#"{"steps": [{"caption": "x"}, {"caption": "y", "expect": {"queues": {"q": {"readdy": 1}}}}]}"#,
    );
    assert_eq!(e.path, "$.lesson.steps[1].expect.queues.q.readdy");
    assert!(
        e.message.contains("ready, unacked, consumers"),
        "{}",
        e.message
    );

    let e = refused(
        r#"{"steps": [{"caption": "x", "expect": {"delivered": [{"consumer": "c", "redelivred": true}]}}]}"#,
    );
    assert_eq!(e.path, "$.lesson.steps[0].expect.delivered[0].redelivred");

    let e = refused(
        r#"{"steps": [{"caption": "x", "do": [{"op": "publish", "producer": "p", "times": 2}]}]}"#,
    );
    assert_eq!(e.path, "$.lesson.steps[0].do[0].times");
    assert!(e.message.contains("op, producer"), "{}", e.message);

    let e = refused(r#"{"steps": [{"caption": "x", "expect": {"error": {"code": 404}}}]}"#);
    assert_eq!(e.path, "$.lesson.steps[0].expect.error");
    assert!(e.message.contains("reply_code"), "{}", e.message);
}

#[test]
fn a_caption_with_an_unbalanced_backtick_is_refused() {
    let e = refused(r#"{"steps": [{"caption": "ok `q`"}, {"caption": "publish to `q"}]}"#);
    assert_eq!(e.path, "$.lesson.steps[1].caption");
    assert!(e.message.contains("unbalanced backtick"), "{}", e.message);
}

#[test]
fn an_empty_or_overlong_caption_is_refused() {
    let e = refused(r#"{"steps": [{"caption": "  "}]}"#);
    assert_eq!(e.path, "$.lesson.steps[0].caption");
    let long = "a".repeat(lesson::MAX_CAPTION_CHARS + 1);
    let e = refused(&format!(r#"{{"steps": [{{"caption": "{long}"}}]}}"#));
    assert_eq!(e.path, "$.lesson.steps[0].caption");
    assert!(e.message.contains("at most 600"), "{}", e.message);
    let e = refused(r#"{"steps": []}"#);
    assert_eq!(e.path, "$.lesson.steps");
}

#[test]
fn an_unknown_actor_fails_its_step() {
    let report = run(r#"{"steps": [
        {"caption": "Nobody publishes.", "do": [{"op": "publish", "producer": "nobody"}]},
        {"caption": "p publishes.", "do": [{"op": "publish", "producer": "p"}],
         "expect": {"queues": {"q": {"ready": 1}}}}]}"#);
    let failures = report.failures();
    assert_eq!(failures.len(), 1, "{failures:?}");
    assert_eq!(failures[0].step, 1);
    assert_eq!(failures[0].caption, "Nobody publishes.");
    assert_eq!(
        failures[0].problems,
        [r#"do[0]: no producer or consumer is named "nobody""#]
    );
    assert!(!report.passed());
}

#[test]
fn a_wrong_expectation_names_the_step_and_caption() {
    let report = run(r#"{"steps": [
        {"caption": "p publishes once.", "do": [{"op": "publish", "producer": "p"}],
         "expect": {"queues": {"q": {"ready": 1, "consumers": 0}}}},
        {"caption": "`c` starts and gets `m1`.", "do": [{"op": "start", "consumer": "c"}],
         "expect": {"delivered": [{"consumer": "c", "body": "m2", "redelivered": true}],
                    "unroutable": 1, "queues": {"q": {"ready": 1}, "gone": {"ready": 0}}}}]}"#);
    let failures = report.failures();
    assert_eq!(failures.len(), 1, "{failures:?}");
    let text = failures[0].to_string();
    assert!(
        text.starts_with("step 2 (\"`c` starts and gets `m1`.\"):"),
        "{text}"
    );
    assert!(
        text.contains(r#"delivery 1: expected to "c", body "m2", redelivered; got to "c", from "q", key "q", body "m1", not redelivered"#),
        "{text}"
    );
    assert!(
        text.contains("expected 1 message(s) unroutable, got 0"),
        "{text}"
    );
    assert!(
        text.contains(r#"queue "q": expected ready 1, got 0"#),
        "{text}"
    );
    assert!(
        text.contains(r#"expected queue "gone" to exist, but it does not"#),
        "{text}"
    );
    assert_eq!(failures[0].problems.len(), 4, "{text}");
}

#[test]
fn an_error_is_expected_by_its_reply_code_and_fails_unexpected() {
    let report = run(r#"{"steps": [
        {"caption": "Redeclare `q` durable.", "do": [{"op": "queue.declare", "queue": "q", "durable": true}],
         "expect": {"error": {"reply_code": 406, "text": "durable"}}},
        {"caption": "Bind to a missing exchange.", "do": [{"op": "queue.bind", "queue": "q", "exchange": "nope"}]},
        {"caption": "Nothing is wrong here.", "expect": {"error": {"reply_code": 404}}}]}"#);
    let failures = report.failures();
    assert_eq!(
        failures.iter().map(|f| f.step).collect::<Vec<_>>(),
        [2, 3],
        "{failures:?}"
    );
    assert!(
        failures[0].problems[0].starts_with("unexpected error 404 NOT_FOUND"),
        "{:?}",
        failures[0].problems
    );
    assert_eq!(
        failures[1].problems,
        ["expected error 404, but the broker closed nothing"]
    );
}

#[test]
fn an_alias_used_before_it_is_declared_is_refused() {
    let e = refused(
        r#"{"steps": [
        {"caption": "Publish to the reply queue.", "do": [{"op": "basic.publish", "routing_key": "$reply", "body": "x"}]},
        {"caption": "Declare it.", "do": [{"op": "queue.declare", "queue": "", "as": "$reply"}]}]}"#,
    );
    assert_eq!(e.path, "$.lesson.steps[0].do[0].routing_key");
    assert!(
        e.message.contains(r#"unknown alias "$reply""#),
        "{}",
        e.message
    );

    // "as" names only the generated name of a server-named queue.
    let e = refused(
        r#"{"steps": [{"caption": "x", "do": [{"op": "queue.declare", "queue": "q", "as": "$q"}]}]}"#,
    );
    assert_eq!(e.path, "$.lesson.steps[0].do[0].as");
}

#[test]
fn an_alias_declared_in_an_earlier_step_names_the_generated_queue() {
    let report = run(r#"{"steps": [
        {"caption": "Declare a server-named queue.", "do": [{"op": "queue.declare", "queue": "", "as": "$mine"}],
         "expect": {"queues": {"q": {"ready": 0}}}},
        {"caption": "Publish to it and consume it.",
         "do": [{"op": "basic.publish", "routing_key": "$mine", "body": "hi"},
                {"op": "add", "consumer": {"name": "reader", "queue": "$mine", "start": false}}],
         "expect": {"unroutable": 0, "queues": {"$mine": {"ready": 1, "consumers": 0}}}},
        {"caption": "The reader starts.", "do": [{"op": "start", "consumer": "reader"}],
         "expect": {"delivered": [{"consumer": "reader", "body": "hi"}], "queues": {"$mine": {"ready": 0, "consumers": 1}}}}]}"#);
    assert!(report.passed(), "{:?}", report.failures());
}
