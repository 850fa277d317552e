//! The state reducer: actions in, state out. No DOM: these run natively
//! (`cargo test -p warren-web`) and in headless Chromium
//! (`cargo test --target wasm32-unknown-unknown -p warren-web`), the
//! wasm run taking `wasm_bindgen_test` as `test`.

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;
#[cfg(target_arch = "wasm32")]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

use std::rc::Rc;

use warren_core::methods::{ExchangeDeclare, QueueDeclare};
use warren_core::{ConsumerState, FieldTable, FieldValue, SimTime};
use warren_web::state::{
    key_action, Action, AppState, BindingSpec, Command, FormId, Inspection, LogFilter, NodeDetail,
    NodeKind, Panel, RouteQuery, Selection, KINDS, LOG_CAPACITY, LOG_REFRESH_MS, LOG_ROWS,
    MAX_FLIGHTS, MAX_STEP_MS,
};
use yew::Reducible;

mod common;
use common::fingerprint;

fn reduce(s: Rc<AppState>, a: Action) -> Rc<AppState> {
    s.reduce(a)
}

/// Plays `ms` of virtual time at 1× in 50 ms ticks.
fn run(mut s: Rc<AppState>, ms: u64) -> Rc<AppState> {
    s = reduce(s, Action::Play);
    for _ in 0..ms / 50 {
        s = reduce(s, Action::Tick(50.0));
    }
    s
}

fn submit(s: Rc<AppState>, cmd: Command) -> Rc<AppState> {
    reduce(s, Action::Submit(FormId::Controls, cmd))
}

fn consumer(s: &AppState, name: &str) -> warren_core::ConsumerView {
    s.world
        .actor_view(name)
        .and_then(|v| v.as_consumer().cloned())
        .unwrap_or_else(|| panic!("no consumer {name}"))
}

fn ready(s: &AppState, queue: &str) -> u64 {
    s.world.broker().queue(queue).map_or(0, |q| q.ready)
}

fn paused() -> Rc<AppState> {
    reduce(Rc::new(AppState::default()), Action::Pause)
}

#[test]
fn a_late_frame_runs_a_bounded_step_and_owes_the_rest() {
    let step = MAX_STEP_MS as u64;
    let s = reduce(paused(), Action::SetSpeed(2.0));
    let s = reduce(s, Action::Play);
    // 200 ms of wall time at 2x is 400 virtual ms; a frame runs 2 x 64.
    let s = reduce(s, Action::FrameTick(200.0));
    assert_eq!(s.now(), SimTime(2 * step));
    let s = reduce(s, Action::FrameTick(0.0));
    assert_eq!(s.now(), SimTime(4 * step));
    let s = reduce(s, Action::FrameTick(0.0));
    let s = reduce(s, Action::FrameTick(0.0));
    // Nothing is lost: the frames caught up with the wall clock.
    assert_eq!(s.now(), SimTime(400));
    let s = reduce(s, Action::FrameTick(0.0));
    assert_eq!(s.now(), SimTime(400));
    // The fallback timer's tick (a background tab) runs all it is owed.
    let s = reduce(s, Action::Tick(200.0));
    assert_eq!(s.now(), SimTime(800));
    // What is owed is bounded like a tick: a second of wall time.
    let mut s = s;
    for _ in 0..5 {
        s = reduce(s, Action::FrameTick(1000.0));
    }
    let s = reduce(s, Action::Tick(0.0));
    assert_eq!(s.now(), SimTime(800 + 5 * 2 * step + 2000 - 2 * step));
}

#[test]
fn the_default_scene_is_the_tutorials_order_flow() {
    let s = AppState::default();
    let topo = &s.world.view().topology;
    let keys: Vec<&str> = topo.nodes.iter().map(|n| n.key.as_str()).collect();
    assert_eq!(
        keys,
        [
            "producer:web shop",
            "exchange:order",
            "queue:order_notify",
            "queue:order_report",
            "consumer:mailer",
            "consumer:mailer 2",
            "consumer:printer"
        ]
    );
    let labels: Vec<&str> = topo
        .edges
        .iter()
        .filter(|e| e.binding.is_some())
        .map(|e| e.label.as_str())
        .collect();
    assert_eq!(labels, ["order.notify", "order.report"]);
    // One button places an order.
    let NodeDetail::Producer { button, keys, .. } = &topo.nodes[0].detail else {
        panic!("not a producer: {:?}", topo.nodes[0]);
    };
    assert_eq!(button, "Place order");
    assert_eq!(keys, &["order.notify", "order.report"]);
    // Every node has a place, from the scene file's layout.
    assert!(topo.nodes.iter().all(|n| s.layout.contains_key(&n.key)));
    assert!(s.clock.playing);
    assert_eq!(s.now(), SimTime(0));
}

#[test]
fn placing_an_order_gets_both_consumers_to_acknowledge() {
    let s = paused();
    let s = submit(s, Command::PublishFrom("web shop".into()));
    // Both messages were routed and delivered at once.
    assert_eq!(consumer(&s, "mailer").in_flight.len(), 1);
    assert_eq!(consumer(&s, "printer").in_flight.len(), 1);
    let s = run(s, 1000);
    assert_eq!(consumer(&s, "mailer").acked, 1);
    assert_eq!(consumer(&s, "printer").acked, 1);
    assert_eq!(consumer(&s, "mailer 2").acked, 0);
    let kinds: Vec<&str> = s.world.log().entries().map(|e| e.kind).collect();
    assert_eq!(kinds.iter().filter(|k| **k == "acked").count(), 2);
}

#[test]
fn killing_a_consumer_redelivers_its_message_to_the_other() {
    let s = paused();
    let s = submit(s, Command::PublishFrom("web shop".into()));
    let held = consumer(&s, "mailer").in_flight[0].message;
    let s = submit(s, Command::KillConsumer("mailer".into()));
    assert_eq!(consumer(&s, "mailer").state, ConsumerState::Crashed);
    let other = consumer(&s, "mailer 2");
    assert_eq!(other.in_flight.len(), 1);
    assert_eq!(other.in_flight[0].message, held);
    assert!(other.in_flight[0].redelivered);
    let s = run(s, 1000);
    assert_eq!(consumer(&s, "mailer 2").acked, 1);
    // Started again, it is a fresh process on a new connection.
    let s = submit(s, Command::StartConsumer("mailer".into()));
    assert_eq!(consumer(&s, "mailer").state, ConsumerState::Running);
}

#[test]
fn a_stopped_consumer_lets_its_queue_fill_and_drains_it_when_started() {
    let s = paused();
    let s = submit(s, Command::StopConsumer("printer".into()));
    let mut s = s;
    for _ in 0..3 {
        s = submit(s, Command::PublishFrom("web shop".into()));
    }
    assert_eq!(ready(&s, "order_report"), 3);
    let s = submit(s, Command::StartConsumer("printer".into()));
    let s = run(s, 3000);
    assert_eq!(ready(&s, "order_report"), 0);
    assert_eq!(consumer(&s, "printer").acked, 3);
}

#[test]
fn a_refusal_shows_its_reply_and_changes_nothing_else() {
    let s = paused();
    let before = fingerprint(&s);
    let bad = QueueDeclare {
        queue: "order_notify".into(),
        durable: true,
        arguments: [("x-message-ttl".to_owned(), FieldValue::I32(5000))]
            .into_iter()
            .collect(),
        ..QueueDeclare::default()
    };
    let s = reduce(
        s,
        Action::Submit(FormId::NewQueue, Command::declare_queue(bad)),
    );
    let err = s.ui.errors.get(&FormId::NewQueue).expect("refused");
    assert_eq!(err.code, Some(406));
    assert!(
        err.text
            .starts_with("PRECONDITION_FAILED - inequivalent arg 'x-message-ttl'"),
        "{}",
        err.text
    );
    assert_eq!(fingerprint(&s), before);
    assert!(s.timeline.entries().is_empty());
    // A hard error (503, unknown exchange type) closes no connection of
    // the person's: the playground kept nothing of the attempt.
    let s = reduce(
        s,
        Action::Submit(
            FormId::NewExchange,
            Command::declare_exchange(ExchangeDeclare {
                exchange: "x".into(),
                exchange_type: Some("nonsense".into()),
                ..ExchangeDeclare::default()
            }),
        ),
    );
    assert_eq!(
        s.ui.errors.get(&FormId::NewExchange).unwrap().code,
        Some(503)
    );
    assert_eq!(fingerprint(&s), before);
    // The next good command clears the form's error.
    let s = reduce(
        s,
        Action::Submit(
            FormId::NewQueue,
            Command::declare_queue(QueueDeclare {
                queue: "audit".into(),
                ..QueueDeclare::default()
            }),
        ),
    );
    assert!(!s.ui.errors.contains_key(&FormId::NewQueue));
    assert_eq!(s.ui.selection, Selection::Queue("audit".into()));
    assert!(s.layout.contains_key("queue:audit"));
}

/// Scrubbing back rebuilds exactly the earlier moment, and forward again
/// exactly the later one: the same as replaying from the start.
#[test]
fn scrubbing_replays_the_same_run() {
    let s = paused();
    let s = submit(s, Command::PublishFrom("web shop".into()));
    let s = run(s, 250);
    let s = submit(s, Command::KillConsumer("mailer".into()));
    let s = run(s, 150);
    let s = submit(s, Command::SetRate("web shop".into(), Some(4.0)));
    let s = run(s, 2200);
    let s = submit(s, Command::StopConsumer("printer".into()));
    let s = run(s, 8000);
    let end = s.now();
    let at_end = fingerprint(&s);
    let s = reduce(s, Action::Scrub(1200));
    assert_eq!(s.now(), SimTime(1200));
    assert!(!s.clock.playing, "scrubbing pauses");
    let at_1200 = fingerprint(&s);
    let fresh = s.timeline.replay_from_start(SimTime(1200)).unwrap();
    assert_eq!(
        format!("{:?}{:?}", fresh.view().queues, fresh.view().actors),
        format!("{:?}{:?}", s.world.view().queues, s.world.view().actors)
    );
    let s = reduce(s, Action::Scrub(end.ms()));
    assert_eq!(fingerprint(&s), at_end);
    // Back and forth again, through the checkpoints.
    let s = reduce(s, Action::Scrub(0));
    assert_eq!(s.now(), SimTime(0));
    let s = reduce(s, Action::Scrub(1200));
    assert_eq!(fingerprint(&s), at_1200);
    // Playing on from the past replays the recorded commands.
    let s = reduce(s, Action::Scrub(end.ms() - 100));
    let s = run(s, 100);
    assert_eq!(fingerprint(&s), at_end);
}

/// What a command makes due at once (here a rate producer's first order)
/// happens at once, paused or not, so the moment it was given looks the
/// same live and scrubbed back to; the same after a restart, whose scene
/// now has the rate. Found by `reducer_props`.
#[test]
fn what_a_command_makes_due_happens_at_once_live_and_replayed() {
    let s = paused();
    let s = submit(s, Command::SetRate("web shop".into(), Some(1.0)));
    assert_eq!(s.now(), SimTime(0));
    assert_eq!(
        s.world.view().ledger.published,
        2,
        "one order, two messages"
    );
    let given = fingerprint(&s);
    let s = run(s, 1500);
    let s = reduce(s, Action::Scrub(0));
    assert_eq!(fingerprint(&s), given);

    let s = reduce(s, Action::Restart);
    assert_eq!(s.world.view().ledger.published, 2);
    let s = submit(s, Command::StopConsumer("mailer".into()));
    let given = fingerprint(&s);
    let s = run(s, 1500);
    let s = reduce(s, Action::Scrub(0));
    assert_eq!(fingerprint(&s), given);
}

#[test]
fn acting_in_the_past_discards_the_later_timeline() {
    let s = paused();
    let s = run(s, 500);
    let s = submit(s, Command::PublishFrom("web shop".into()));
    let s = run(s, 500);
    let s = submit(s, Command::PublishFrom("web shop".into()));
    assert_eq!(s.timeline.entries().len(), 2);
    let s = reduce(s, Action::Scrub(700));
    let s = submit(s, Command::StopConsumer("mailer".into()));
    assert_eq!(s.timeline.entries().len(), 2);
    assert_eq!(s.timeline.horizon(), SimTime(700));
    assert!(s.ui.notice.as_ref().unwrap().text.contains("discarded"));
}

#[test]
fn step_jumps_to_the_next_wakeup() {
    let s = paused();
    let s = submit(s, Command::PublishFrom("web shop".into()));
    let s = reduce(s, Action::Step);
    // The mailers take 400 ms, the printer 700.
    assert_eq!(s.now(), SimTime(400));
    assert_eq!(consumer(&s, "mailer").acked, 1);
    let s = reduce(s, Action::Step);
    assert_eq!(s.now(), SimTime(700));
    let s = reduce(s, Action::Step);
    assert_eq!(s.now(), SimTime(700), "nothing left to do");
    assert!(s.ui.notice.is_some());
}

#[test]
fn editing_a_topic_binding_changes_where_the_next_message_goes() {
    let s = reduce(paused(), Action::LoadBuiltIn("topic-logs".into()));
    let s = reduce(s, Action::Pause);
    let s = submit(s, Command::StopConsumer("pager".into()));
    let s = submit(s, Command::StopConsumer("auditor".into()));
    let s = submit(s, Command::PublishFrom("web".into()));
    assert_eq!(ready(&s, "errors"), 0);
    assert_eq!(ready(&s, "everything"), 1);
    let old = BindingSpec {
        source: "logs".into(),
        destination: "errors".into(),
        to_exchange: false,
        routing_key: "*.error".into(),
        arguments: FieldTable::new(),
    };
    let new = BindingSpec {
        routing_key: "web.*".into(),
        ..old.clone()
    };
    let s = reduce(
        s,
        Action::Submit(
            FormId::Edit,
            Command::Rebind {
                old,
                new: new.clone(),
            },
        ),
    );
    assert!(s.ui.errors.is_empty(), "{:?}", s.ui.errors);
    assert_eq!(s.ui.selection, Selection::Binding(new));
    let s = submit(s, Command::PublishFrom("web".into()));
    assert_eq!(ready(&s, "errors"), 1);
    assert_eq!(ready(&s, "everything"), 2);
}

#[test]
fn the_routing_tester_explains_a_miss_hop_by_hop() {
    let s = paused();
    let s = reduce(
        s,
        Action::Explain(RouteQuery {
            exchange: "order".into(),
            routing_key: "order.refund".into(),
            ..RouteQuery::default()
        }),
    );
    assert_eq!(s.ui.panel, Panel::Route);
    let why = s.ui.route.clone().unwrap();
    assert!(why.queues.is_empty());
    assert_eq!(why.hops.len(), 1);
    assert!(why.hops[0].bindings.iter().all(|b| !b.matched));
    assert_eq!(
        why.hops[0].bindings[0].reason,
        "binding key \"order.notify\" does not equal routing key \"order.refund\""
    );
    // The explanation follows the topology: bind the key, and it matches.
    let s = submit(
        s,
        Command::bind(&BindingSpec {
            source: "order".into(),
            destination: "order_report".into(),
            routing_key: "order.refund".into(),
            ..BindingSpec::default()
        }),
    );
    assert_eq!(s.ui.route.as_ref().unwrap().queues, ["order_report"]);
}

#[test]
fn selecting_a_message_explains_where_it_went() {
    let s = paused();
    let s = submit(s, Command::StopConsumer("printer".into()));
    let s = submit(s, Command::PublishFrom("web shop".into()));
    let Inspection::Queue { messages, .. } = reduce(
        s.clone(),
        Action::Select(Selection::Queue("order_report".into())),
    )
    .inspection() else {
        panic!("queue inspection expected");
    };
    assert_eq!(messages.len(), 1);
    assert_eq!(messages[0].routing_key, "order.report");
    assert!(messages[0]
        .properties
        .contains(&("content_type".to_owned(), "application/json".to_owned())));
    let s = reduce(s, Action::Select(Selection::Message(messages[0].id)));
    let why = s.ui.route.clone().unwrap();
    assert_eq!(why.queues, ["order_report"]);
    assert!(matches!(s.inspection(), Inspection::Message(m) if m.id == messages[0].id));
}

#[test]
fn renaming_a_queue_carries_bindings_and_consumers_over() {
    let s = paused();
    let s = reduce(
        s,
        Action::Submit(
            FormId::Edit,
            Command::RedeclareQueue {
                name: "order_report".into(),
                decl: QueueDeclare {
                    queue: "reports".into(),
                    durable: true,
                    ..QueueDeclare::default()
                },
            },
        ),
    );
    assert!(s.ui.errors.is_empty(), "{:?}", s.ui.errors);
    assert!(s.world.broker().queue("order_report").is_none());
    assert_eq!(
        s.world.broker().queue("reports").unwrap().consumers,
        ["printer"]
    );
    assert!(s
        .world
        .broker()
        .bindings()
        .iter()
        .any(|b| b.destination == "reports" && b.routing_key == "order.report"));
    assert_eq!(
        s.layout.get("queue:reports"),
        s.layout.get("queue:order_report")
    );
    assert_eq!(s.ui.selection, Selection::Queue("reports".into()));
    let s = submit(s, Command::PublishFrom("web shop".into()));
    assert_eq!(consumer(&s, "printer").in_flight.len(), 1);
}

#[test]
fn relabelling_the_button_keeps_the_producer_connected() {
    let producer = |s: &AppState| {
        s.world
            .actor_view("web shop")
            .and_then(|v| v.as_producer().cloned())
            .expect("the producer")
    };
    let button = |s: &AppState| match &s.world.view().topology.nodes[0].detail {
        NodeDetail::Producer { button, .. } => button.clone(),
        other => panic!("not a producer: {other:?}"),
    };
    let s = paused();
    let s = submit(s, Command::PublishFrom("web shop".into()));
    let before = producer(&s);
    assert_eq!(before.sent, 1);
    let spec = |button: &str, key: &str| warren_core::ProducerSpec {
        name: "web shop".into(),
        button: button.into(),
        exchange: "order".into(),
        routing_key: key.into(),
        more_routing_keys: vec!["order.report".into()],
        body: "order {n}".into(),
        ..warren_core::ProducerSpec::default()
    };
    // A different body reconnects: a new actor, counting from zero.
    let s = submit(
        s,
        Command::UpdateProducer {
            name: "web shop".into(),
            spec: spec("Place order", "order.notify"),
        },
    );
    assert!(s.ui.errors.is_empty(), "{:?}", s.ui.errors);
    let after = producer(&s);
    assert_ne!(after.id, before.id);
    // Only the label: the same actor and connection, the new label.
    let s = submit(
        s,
        Command::UpdateProducer {
            name: "web shop".into(),
            spec: spec("Check out", "order.notify"),
        },
    );
    assert!(s.ui.errors.is_empty(), "{:?}", s.ui.errors);
    assert_eq!(button(&s), "Check out");
    let relabelled = producer(&s);
    assert_eq!(
        (relabelled.id, relabelled.connection),
        (after.id, after.connection)
    );
}

#[test]
fn the_scene_survives_a_reload() {
    let s = paused();
    let s = submit(
        s,
        Command::declare_queue(QueueDeclare {
            queue: "audit".into(),
            arguments: [("x-max-length".to_owned(), FieldValue::I32(3))]
                .into_iter()
                .collect(),
            ..QueueDeclare::default()
        }),
    );
    let s = submit(s, Command::StopConsumer("printer".into()));
    let s = reduce(s, Action::MoveNode("queue:audit".into(), 500.0, 480.0));
    let text = s.scene_text();
    let back = AppState::restore(Some(&text));
    assert_eq!(
        back.world
            .broker()
            .queue("audit")
            .unwrap()
            .config
            .max_length,
        Some(3)
    );
    assert_eq!(consumer(&back, "printer").state, ConsumerState::Stopped);
    assert_eq!(back.layout.get("queue:audit"), Some(&(500.0, 480.0)));
    assert_eq!(back.scene_text(), text);
    // What the playground writes, the core reads (`warren run` runs it).
    let core = warren_scenario::Scenario::from_json_str(&text).expect("the core reads it");
    let (broker, _) = core.broker().expect("the core loads its definitions");
    assert_eq!(broker.queue("audit").unwrap().config.max_length, Some(3));
    let (producers, consumers) = core.actor_specs().unwrap();
    assert_eq!(producers[0].more_routing_keys, ["order.report"]);
    assert_eq!(producers[0].button, "Place order");
    assert!(
        !consumers
            .iter()
            .find(|c| c.name == "printer")
            .unwrap()
            .start
    );
    // A saved scene that no longer loads falls back to the default one.
    let broken = AppState::restore(Some("{\"steps\": 3}"));
    assert!(broken
        .ui
        .notice
        .unwrap()
        .text
        .contains("could not be restored"));
    assert!(broken.world.broker().queue("order_notify").is_some());
}

#[test]
fn a_paused_idle_tick_is_free() {
    let s = paused();
    let again = reduce(s.clone(), Action::Tick(16.0));
    assert!(Rc::ptr_eq(&s, &again), "no new state, no re-render");
}

#[test]
fn the_log_stays_bounded() {
    let s = paused();
    let s = submit(s, Command::SetRate("web shop".into(), Some(1000.0)));
    let s = reduce(s, Action::SetSpeed(100.0));
    let s = run(s, 500);
    assert_eq!(s.world.log().len(), LOG_CAPACITY);
    assert!(s.world.log().dropped() > 0);
    assert!(s.anim.flights.len() <= MAX_FLIGHTS);
}

#[test]
fn every_built_in_scene_loads_here_and_in_the_core() {
    for b in warren_web::state::scene::BUILT_IN {
        let s = reduce(paused(), Action::LoadBuiltIn(b.id.into()));
        assert!(
            s.ui.notice.as_ref().unwrap().text.starts_with("Loaded"),
            "{}: {:?}",
            b.id,
            s.ui.notice
        );
        assert!(!s.world.view().topology.nodes.is_empty());
        let core = warren_scenario::Scenario::from_json_str(b.json).unwrap();
        core.broker().unwrap();
        core.actor_specs().unwrap();
    }
}

#[test]
fn scenes_the_playground_cannot_load_say_where() {
    let s = reduce(
        paused(),
        Action::LoadSceneText(r#"{"actors": {"consumers": [{"name": "c", "prefech": 1}]}}"#.into()),
    );
    let e = s.ui.errors.get(&FormId::Scene).unwrap();
    assert_eq!(e.text, "$.actors.consumers[0].prefech: unknown field");
    let s = reduce(
        s,
        Action::LoadSceneText(r#"{"steps": [{"op": "queue.declare", "queue": "q", "arguments": {"x-message-ttl": -1}}]}"#.into()),
    );
    let e = s.ui.errors.get(&FormId::Scene).unwrap();
    assert!(
        e.text.starts_with("$.steps[0]: 406 PRECONDITION_FAILED"),
        "{}",
        e.text
    );
    // The playground kept what it had.
    assert!(s.world.broker().queue("order_notify").is_some());
}

#[test]
fn keys_map_to_actions() {
    assert_eq!(key_action(" ", false), Some(Action::TogglePlay));
    assert_eq!(key_action("n", false), Some(Action::NextKey));
    assert_eq!(key_action(".", false), Some(Action::Step));
    assert_eq!(key_action("p", false), Some(Action::PrevKey));
    assert_eq!(key_action("ArrowLeft", true), Some(Action::ScrubBy(-1000)));
    assert_eq!(key_action("ArrowLeft", false), Some(Action::LessonBack));
    assert_eq!(key_action("ArrowRight", false), Some(Action::LessonNext));
    assert_eq!(key_action("R", true), Some(Action::Restart));
    assert_eq!(key_action("x", false), None);
}

#[test]
fn keyboard_actions_use_the_selection() {
    let s = paused();
    let s = reduce(s, Action::PublishSelected);
    assert_eq!(consumer(&s, "printer").received, 1);
    let s = reduce(s, Action::Select(Selection::Consumer("mailer".into())));
    let s = reduce(s, Action::ToggleSelectedConsumer);
    assert_eq!(consumer(&s, "mailer").state, ConsumerState::Stopped);
    let s = reduce(s, Action::KillSelected);
    assert_eq!(consumer(&s, "mailer").state, ConsumerState::Crashed);
    let s = reduce(s, Action::DeleteSelected);
    assert!(s.world.actor_view("mailer").is_none());
    assert_eq!(s.ui.selection, Selection::None);
    assert!(!s
        .world
        .view()
        .topology
        .nodes
        .iter()
        .any(|n| n.kind == NodeKind::Consumer && n.name == "mailer"));
}

#[test]
fn while_time_runs_the_log_shown_refreshes_at_most_four_times_a_second() {
    let s = paused();
    let mut s = submit(s, Command::SetRate("web shop".into(), Some(200.0)));
    s = reduce(s, Action::Play);
    let mut refreshes = 0;
    let mut behind = false;
    let mut shown_at = s.ui.log_at;
    for _ in 0..100 {
        // 10 ms ticks: one second of wall time.
        let before = s.ui.log.rows.clone();
        s = reduce(s, Action::Tick(10.0));
        if !Rc::ptr_eq(&before, &s.ui.log.rows) {
            refreshes += 1;
            assert!(s.ui.log_at - shown_at >= LOG_REFRESH_MS);
            shown_at = s.ui.log_at;
        }
        behind |= s.ui.log.is_stale(s.world.log(), &s.ui.log_filter);
    }
    assert!((3..=4).contains(&refreshes), "{refreshes} refreshes");
    assert!(behind, "between refreshes the log shown lags the log");
    // Anything a person does shows the log as it is.
    let s = reduce(s, Action::Pause);
    assert!(!s.ui.log.is_stale(s.world.log(), &s.ui.log_filter));
    let newest = s.world.log().entries().next_back().unwrap();
    assert_eq!(s.ui.log.rows[0].seq, newest.seq);
    assert_eq!(s.ui.log.rows.len(), LOG_ROWS);
    assert_eq!(s.ui.log.kept, s.world.log().len());
    // A filter applies at once.
    let f = LogFilter {
        kind: "acked".into(),
        ..LogFilter::default()
    };
    let s = reduce(s, Action::SetLogFilter(f));
    assert!(s.ui.log.rows.iter().all(|e| e.kind == "acked"));
}

#[test]
fn log_entries_say_what_they_would_have_said_when_logged() {
    // The same run twice; in the second, the actors change before the
    // early entries' words are first read.
    let act = |s: Rc<AppState>| {
        let s = submit(s, Command::PublishFrom("web shop".into()));
        run(s, 1000)
    };
    let first = act(paused());
    let early: Vec<(u64, String, Vec<String>)> = first
        .world
        .log()
        .entries()
        .map(|e| (e.seq, e.text().to_owned(), e.entities().to_vec()))
        .collect();
    let later = act(paused());
    let later = submit(later, Command::RemoveActor("mailer".into()));
    let later = submit(later, Command::RemoveActor("web shop".into()));
    let again: Vec<(u64, String, Vec<String>)> = later
        .world
        .log()
        .entries()
        .take(early.len())
        .map(|e| (e.seq, e.text().to_owned(), e.entities().to_vec()))
        .collect();
    assert_eq!(early, again);
    assert!(early
        .iter()
        .any(|(_, t, _)| t.starts_with("web shop published #")));
    // Every kind logged is one the filter offers.
    for e in later.world.log().entries() {
        assert!(KINDS.contains(&e.kind), "{} is not in KINDS", e.kind);
    }
}

#[test]
fn a_full_sky_counts_the_moves_it_does_not_draw() {
    let s = paused();
    let s = submit(s, Command::SetRate("web shop".into(), Some(1000.0)));
    let s = run(s, 1000);
    assert!(s.anim.flights.len() <= MAX_FLIGHTS);
    assert!(s.anim.flights.len() >= MAX_FLIGHTS - 3, "the sky is full");
    assert!(s.anim.skipped > 100, "{} skipped", s.anim.skipped);
    // Consumers acking flash, one flash per node however many acks.
    let keys: Vec<&str> = s.anim.flashes.iter().map(|f| f.key.as_str()).collect();
    assert!(keys.contains(&"consumer:printer"));
    let mut unique = keys.clone();
    unique.sort_unstable();
    unique.dedup();
    assert_eq!(unique.len(), keys.len());
}

#[test]
fn a_scene_sets_the_consumer_timeout_and_a_slow_consumer_meets_it() {
    let scene = r#"{
      "name": "slow",
      "broker": {"consumer_timeout": 1000, "channel_tick_interval": 100},
      "steps": [{"op": "queue.declare", "queue": "q"}],
      "actors": {
        "producers": [{"name": "p", "routing_key": "q", "body": "job"}],
        "consumers": [{"name": "slow", "queue": "q", "prefetch": 1, "processing_ms": 5000}]
      }
    }"#;
    let s = reduce(paused(), Action::LoadSceneText(scene.into()));
    assert!(
        s.ui.errors.get(&FormId::Scene).is_none(),
        "{:?}",
        s.ui.errors.get(&FormId::Scene)
    );
    let s = submit(s, Command::PublishFrom("p".into()));
    assert_eq!(s.world.broker().queue("q").unwrap().unacked, 1);
    let s = run(s, 1500);
    // Past the timeout, at the next tick: the channel is closed with a 406
    // and the job is back in the queue (then redelivered to the consumer
    // only if it starts again).
    let logged: Vec<String> = s
        .world
        .log()
        .entries()
        .map(|e| e.text().to_owned())
        .collect();
    assert!(
        logged.iter().any(|t| t.contains("timed out")),
        "no timeout in the log: {logged:?}"
    );
    assert_eq!(s.world.broker().queue("q").unwrap().unacked, 0);
    // The setting is saved with the scene.
    assert!(s.scene_text().contains("\"consumer_timeout\": 1000"));
}

#[test]
fn a_browser_that_keeps_no_site_data_is_told_the_scene_will_not_survive_a_reload() {
    use warren_web::state::{Level, NO_STORAGE};
    let s = AppState::restore(None).without_storage();
    let notice = s.ui.notice.clone().expect("a notice");
    assert_eq!(
        (notice.level, notice.text.as_str()),
        (Level::Warn, NO_STORAGE)
    );
    // The playground is the default one, working as ever.
    assert!(s.world.broker().queue("order_notify").is_some());
    // It goes away like any warning, not at once.
    let s = reduce(Rc::new(s), Action::Tick(1000.0));
    assert!(s.ui.notice.is_some());
}

#[test]
fn a_scene_with_its_run_opens_at_the_same_moment_and_scrubs_back() {
    // Orders go out, the printer stops, more orders wait for it, and the
    // queue is re-declared with a limit: commands of every kind.
    let s = run(paused(), 600);
    let s = submit(s, Command::PublishFrom("web shop".into()));
    let s = run(s, 300);
    let s = submit(s, Command::StopConsumer("printer".into()));
    let s = submit(s, Command::PublishFrom("web shop".into()));
    let s = submit(
        s,
        Command::declare_queue(QueueDeclare {
            queue: "audit".into(),
            ..QueueDeclare::default()
        }),
    );
    let s = reduce(run(s, 450), Action::Pause);
    let text = s.scene_with_run_text().expect("something was done");
    assert!(text.contains("\"run\""));
    let opened = reduce(paused(), Action::LoadSceneText(text.clone()));
    assert_eq!(fingerprint(&opened), fingerprint(&s));
    assert!(!opened.clock.playing, "it opens paused at the run's end");
    // Its timeline holds the run: back to before the second order.
    let t = opened.now().ms() - 460;
    let back = reduce(opened.clone(), Action::Scrub(t));
    assert!(back.world.broker().queue("audit").is_none());
    assert!(opened.world.broker().queue("audit").is_some());
    // Nothing done yet: no run to carry.
    assert_eq!(paused().scene_with_run_text(), None);
    assert!(!paused().has_run());
}

#[test]
fn the_share_dialog_takes_the_run_when_asked_and_holds_it_while_time_runs() {
    let s = run(paused(), 300);
    assert!(s.has_run());
    let s = reduce(s, Action::OpenDialog(warren_web::state::Dialog::Share));
    assert_eq!(s.ui.share_run, None);
    let s = reduce(s, Action::ShareRun(true));
    let taken = s.ui.share_run.clone().expect("taken");
    assert!(taken.contains("\"run\""));
    let s = run(s, 500);
    assert_eq!(
        s.ui.share_run.as_deref(),
        Some(&*taken),
        "it stays as taken"
    );
    let s = reduce(s, Action::ShareRun(false));
    assert_eq!(s.ui.share_run, None);
}

#[test]
fn a_stream_is_drawn_as_a_log_with_each_readers_offset() {
    use warren_core::methods::BasicPublish;
    use warren_core::{ConsumerSpec, Op};
    use warren_web::state::StreamLog;
    let mut args = FieldTable::new();
    args.insert("x-queue-type", FieldValue::str("stream"));
    let s = submit(
        paused(),
        Command::declare_queue(QueueDeclare {
            queue: "events".into(),
            durable: true,
            arguments: args,
            ..QueueDeclare::default()
        }),
    );
    let mut s = s;
    for n in 0..3 {
        s = submit(
            s,
            Command::Amqp(Op::BasicPublish(BasicPublish {
                routing_key: "events".into(),
                body: format!("e{n}"),
                ..BasicPublish::default()
            })),
        );
    }
    let reader = |name: &str, offset: FieldValue| ConsumerSpec {
        prefetch: 10,
        stream_offset: Some(offset),
        processing_ms: 100,
        ..ConsumerSpec::new(name, "events")
    };
    let s = submit(
        s,
        Command::AddConsumer(reader("replay", FieldValue::str("first"))),
    );
    let s = submit(
        s,
        Command::AddConsumer(reader("tail", FieldValue::str("next"))),
    );
    let s = run(s, 1000);
    // Both read; neither took anything away.
    assert_eq!(consumer(&s, "replay").acked, 3);
    assert_eq!(consumer(&s, "tail").acked, 0);
    let node = s
        .world
        .view()
        .topology
        .nodes
        .iter()
        .find(|n| n.kind == NodeKind::Queue && n.name == "events")
        .cloned()
        .expect("the stream's node");
    let NodeDetail::Queue { ready, log, .. } = node.detail else {
        panic!("a queue node");
    };
    assert_eq!(ready, 0);
    assert_eq!(
        log,
        Some(StreamLog {
            length: 3,
            readers: vec![("replay".into(), 3), ("tail".into(), 3)],
        })
    );
    // A second reader from the start gets everything again.
    let s = submit(
        s,
        Command::AddConsumer(reader("again", FieldValue::str("first"))),
    );
    let s = run(s, 1000);
    assert_eq!(consumer(&s, "again").acked, 3);
}
