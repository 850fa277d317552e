//! Property tests of the reducer: random sessions of a person using the
//! playground (declaring, editing and deleting entities with TTLs,
//! max-lengths, dead-letter and alternate exchanges; publishing; adding,
//! editing, stopping and killing producers and consumers; playing,
//! stepping, scrubbing, restarting, importing; moving nodes, asking why).
//! After every action the core's invariants hold, the canvas's picture
//! holds together, and a command the broker refuses changes nothing. At
//! the end the timeline rebuilds exactly the world lived through,
//! scrubbing away and back returns to it, the scene saved from it loads
//! again with the same topology and actors (here and in the core's
//! `Scenario`, which the command line reads), and the same session run
//! twice ends the same. And damaged scene files (wrong types, odd
//! numbers, missing or unknown keys, text cut short) either load and run
//! within the rules or are refused with where they went wrong, the
//! playground unchanged. Native only: proptest needs the standard
//! library's process and time.

#![cfg(not(target_arch = "wasm32"))]

use std::rc::Rc;

use proptest::prelude::*;
use proptest::test_runner::FileFailurePersistence;
use warren_core::methods::{BasicPublish, ExchangeDeclare, QueueDeclare};
use warren_core::{Broker, ConsumerPolicy, ConsumerSpec, FieldTable, FieldValue, ProducerSpec};
use warren_web::state::scene::BUILT_IN;
use warren_web::state::{
    Action, ActorSpec, AppState, BindingSpec, Command, FormId, Level, RouteQuery, Selection,
    MAX_FLIGHTS, SPEEDS,
};
use yew::Reducible;

mod common;
use common::fingerprint;

/// Small pools, so that actions collide often: the default scene's names
/// and a few more.
const EXCHANGES: [&str; 5] = ["order", "events", "fan", "by-header", "amq.topic"];
const TYPES: [&str; 4] = ["direct", "topic", "fanout", "headers"];
const QUEUES: [&str; 5] = ["order_notify", "order_report", "audit", "dead", "work"];
const KEYS: [&str; 7] = [
    "order.notify",
    "order.report",
    "a.b",
    "a.*",
    "#",
    "",
    "a.#.z",
];
const PRODUCERS: [&str; 2] = ["web shop", "ticker"];
const CONSUMERS: [&str; 4] = ["mailer", "mailer 2", "printer", "worker"];
const POLICIES: [ConsumerPolicy; 6] = [
    ConsumerPolicy::Ack,
    ConsumerPolicy::NackRequeue,
    ConsumerPolicy::NackDrop,
    ConsumerPolicy::RejectRequeue,
    ConsumerPolicy::RejectDrop,
    ConsumerPolicy::Crash,
];

/// One thing a person does. Indexes pick from the pools above.
#[derive(Clone, Debug)]
enum Act {
    Tick(u16),
    FrameTick(u16),
    Play,
    Pause,
    Step,
    Speed(usize),
    /// Scrub to this fraction (per mille) of the time reached.
    Scrub(u16),
    ScrubBy(i16),
    Restart,
    DeclareExchange {
        x: usize,
        kind: usize,
        alternate: Option<usize>,
        internal: bool,
        auto_delete: bool,
    },
    RedeclareExchange {
        x: usize,
        to: usize,
        kind: usize,
    },
    DeleteExchange(usize),
    DeclareQueue {
        q: usize,
        ttl: Option<u16>,
        max_len: Option<u8>,
        overflow: u8,
        dlx: Option<usize>,
        dlrk: Option<usize>,
        priority: bool,
        sac: bool,
        expires: Option<u16>,
        exclusive: bool,
        auto_delete: bool,
    },
    RedeclareQueue {
        q: usize,
        to: usize,
        ttl: Option<u16>,
    },
    DeleteQueue(usize),
    PurgeQueue(usize),
    Bind {
        x: usize,
        dest: usize,
        to_exchange: bool,
        key: usize,
        header: bool,
    },
    Unbind {
        x: usize,
        dest: usize,
        to_exchange: bool,
        key: usize,
    },
    Rebind {
        x: usize,
        q: usize,
        key: usize,
        new_key: usize,
    },
    Publish {
        x: usize,
        key: usize,
        ttl: Option<u16>,
        mandatory: bool,
    },
    AddProducer {
        p: usize,
        x: usize,
        key: usize,
        more: Option<usize>,
        rate: Option<u8>,
        count: Option<u8>,
        priority: Option<u8>,
        header: bool,
    },
    UpdateProducer {
        p: usize,
        to: usize,
        key: usize,
        rate: Option<u8>,
    },
    AddConsumer {
        c: usize,
        q: usize,
        prefetch: u8,
        processing: u16,
        jitter: u16,
        policy: usize,
        crash_after: Option<u8>,
        fail_every: Option<u8>,
        auto_ack: bool,
        exclusive: bool,
        priority: Option<i8>,
    },
    UpdateConsumer {
        c: usize,
        q: usize,
        prefetch: u8,
        policy: usize,
    },
    RemoveActor(usize),
    PublishFrom(usize),
    SetRate(usize, Option<u8>),
    StopConsumer(usize),
    StartConsumer(usize),
    KillConsumer(usize),
    SelectQueue(usize),
    SelectConsumer(usize),
    SelectMessage(u8),
    ExplainMessage(u8),
    LoadBuiltIn(usize),
    /// Import the scene the playground would save now.
    Reimport,
    ToggleSelected,
    KillSelected,
    PublishSelected,
    DeleteSelected,
    /// Drop the n-th node (wrapping) at (x, y).
    MoveNode(usize, i16, i16),
    AutoLayout,
    Explain {
        x: usize,
        key: usize,
    },
}

prop_compose! {
    fn declare_exchange()(
        x in 0..EXCHANGES.len(),
        kind in 0..TYPES.len(),
        alternate in proptest::option::of(0..EXCHANGES.len()),
        internal in proptest::bool::weighted(0.1),
        auto_delete in proptest::bool::weighted(0.2),
    ) -> Act {
        Act::DeclareExchange { x, kind, alternate, internal, auto_delete }
    }
}

prop_compose! {
    fn declare_queue()(
        q in 0..QUEUES.len(),
        ttl in proptest::option::of(0u16..3000),
        max_len in proptest::option::of(0u8..4),
        overflow in 0u8..3,
        dlx in proptest::option::of(0..EXCHANGES.len()),
        dlrk in proptest::option::of(0..KEYS.len()),
        priority: bool,
        sac: bool,
        expires in proptest::option::of(1u16..5000),
        exclusive in proptest::bool::weighted(0.15),
        auto_delete in proptest::bool::weighted(0.15),
    ) -> Act {
        Act::DeclareQueue {
            q, ttl, max_len, overflow, dlx, dlrk, priority, sac, expires, exclusive, auto_delete,
        }
    }
}

prop_compose! {
    fn add_producer()(
        p in 0..PRODUCERS.len(),
        x in 0..EXCHANGES.len(),
        key in 0..KEYS.len(),
        more in proptest::option::of(0..KEYS.len()),
        rate in proptest::option::of(1u8..20),
        count in proptest::option::of(1u8..5),
        priority in proptest::option::of(0u8..10),
        header: bool,
    ) -> Act {
        Act::AddProducer { p, x, key, more, rate, count, priority, header }
    }
}

prop_compose! {
    fn add_consumer()(
        c in 0..CONSUMERS.len(),
        q in 0..QUEUES.len(),
        prefetch in 0u8..4,
        processing in 0u16..1500,
        jitter in 0u16..300,
        policy in 0..POLICIES.len(),
        crash_after in proptest::option::of(1u8..4),
        fail_every in proptest::option::of(1u8..4),
        auto_ack in proptest::bool::weighted(0.2),
        exclusive in proptest::bool::weighted(0.2),
        priority in proptest::option::of(-2i8..3),
    ) -> Act {
        Act::AddConsumer {
            c, q, prefetch, processing, jitter, policy, crash_after, fail_every, auto_ack,
            exclusive, priority,
        }
    }
}

fn act() -> impl Strategy<Value = Act> {
    let x = 0..EXCHANGES.len();
    let q = 0..QUEUES.len();
    let key = 0..KEYS.len();
    let c = 0..CONSUMERS.len();
    let p = 0..PRODUCERS.len();
    let rate = proptest::option::of(1u8..20);
    let time = prop_oneof![
        (0u16..3000).prop_map(Act::Tick),
        (0u16..200).prop_map(Act::FrameTick),
        Just(Act::Play),
        Just(Act::Pause),
        Just(Act::Step),
        (0..SPEEDS.len()).prop_map(Act::Speed),
        (0u16..=1000).prop_map(Act::Scrub),
        any::<i16>().prop_map(Act::ScrubBy),
        Just(Act::Restart),
    ];
    let topology =
        prop_oneof![
            declare_exchange(),
            (x.clone(), x.clone(), 0..TYPES.len())
                .prop_map(|(x, to, kind)| Act::RedeclareExchange { x, to, kind }),
            x.clone().prop_map(Act::DeleteExchange),
            declare_queue(),
            (q.clone(), q.clone(), proptest::option::of(0u16..3000))
                .prop_map(|(q, to, ttl)| Act::RedeclareQueue { q, to, ttl }),
            q.clone().prop_map(Act::DeleteQueue),
            q.clone().prop_map(Act::PurgeQueue),
            (
                x.clone(),
                0..5usize,
                any::<bool>(),
                key.clone(),
                any::<bool>()
            )
                .prop_map(|(x, dest, to_exchange, key, header)| Act::Bind {
                    x,
                    dest,
                    to_exchange,
                    key,
                    header
                }),
            (x.clone(), 0..5usize, any::<bool>(), key.clone()).prop_map(
                |(x, dest, to_exchange, key)| Act::Unbind {
                    x,
                    dest,
                    to_exchange,
                    key
                }
            ),
            (x.clone(), q.clone(), key.clone(), key.clone())
                .prop_map(|(x, q, key, new_key)| Act::Rebind { x, q, key, new_key }),
        ];
    let messages = prop_oneof![
        (
            x,
            key.clone(),
            proptest::option::of(0u16..3000),
            any::<bool>()
        )
            .prop_map(|(x, key, ttl, mandatory)| Act::Publish {
                x,
                key,
                ttl,
                mandatory
            }),
        add_producer(),
        (p.clone(), p.clone(), key.clone(), rate.clone())
            .prop_map(|(p, to, key, rate)| Act::UpdateProducer { p, to, key, rate }),
        add_consumer(),
        (c.clone(), q.clone(), 0u8..4, 0..POLICIES.len()).prop_map(|(c, q, prefetch, policy)| {
            Act::UpdateConsumer {
                c,
                q,
                prefetch,
                policy,
            }
        }),
        (0..PRODUCERS.len() + CONSUMERS.len()).prop_map(Act::RemoveActor),
        p.clone().prop_map(Act::PublishFrom),
        (p, rate).prop_map(|(p, r)| Act::SetRate(p, r)),
        c.clone().prop_map(Act::StopConsumer),
        c.clone().prop_map(Act::StartConsumer),
        c.clone().prop_map(Act::KillConsumer),
    ];
    let interface = prop_oneof![
        q.prop_map(Act::SelectQueue),
        c.prop_map(Act::SelectConsumer),
        any::<u8>().prop_map(Act::SelectMessage),
        any::<u8>().prop_map(Act::ExplainMessage),
        Just(Act::ToggleSelected),
        Just(Act::KillSelected),
        Just(Act::PublishSelected),
        Just(Act::DeleteSelected),
        (0..5usize, any::<i16>(), any::<i16>()).prop_map(|(n, x, y)| Act::MoveNode(n, x, y)),
        Just(Act::AutoLayout),
        (0..EXCHANGES.len(), key).prop_map(|(x, key)| Act::Explain { x, key }),
        (0..BUILT_IN.len()).prop_map(Act::LoadBuiltIn),
        Just(Act::Reimport),
    ];
    prop_oneof![3 => time, 3 => topology, 3 => messages, 1 => interface]
}

fn int(v: i32) -> FieldValue {
    FieldValue::I32(v)
}

fn text(v: &str) -> FieldValue {
    FieldValue::LongStr(v.to_owned())
}

fn table(pairs: Vec<(&str, FieldValue)>) -> FieldTable {
    pairs.into_iter().map(|(k, v)| (k.to_owned(), v)).collect()
}

fn binding(x: usize, dest: usize, to_exchange: bool, key: usize, header: bool) -> BindingSpec {
    let destination = if to_exchange {
        EXCHANGES[dest % EXCHANGES.len()]
    } else {
        QUEUES[dest % QUEUES.len()]
    };
    BindingSpec {
        source: EXCHANGES[x].to_owned(),
        destination: destination.to_owned(),
        to_exchange,
        routing_key: KEYS[key].to_owned(),
        arguments: if header {
            table(vec![("x-match", text("any")), ("kind", text(KEYS[key]))])
        } else {
            FieldTable::new()
        },
    }
}

/// What `a` means for a person looking at `s`.
fn action(s: &AppState, a: &Act) -> Action {
    let submit = |cmd| Action::Submit(FormId::Controls, cmd);
    match *a {
        Act::Tick(ms) => Action::Tick(f64::from(ms)),
        Act::FrameTick(ms) => Action::FrameTick(f64::from(ms)),
        Act::Play => Action::Play,
        Act::Pause => Action::Pause,
        Act::Step => Action::Step,
        Act::Speed(i) => Action::SetSpeed(SPEEDS[i]),
        Act::Scrub(per_mille) => {
            Action::Scrub(s.timeline.horizon().ms() * u64::from(per_mille) / 1000)
        }
        Act::ScrubBy(ms) => Action::ScrubBy(i64::from(ms)),
        Act::Restart => Action::Restart,
        Act::DeclareExchange {
            x,
            kind,
            alternate,
            internal,
            auto_delete,
        } => submit(Command::declare_exchange(ExchangeDeclare {
            exchange: EXCHANGES[x].to_owned(),
            exchange_type: Some(TYPES[kind].to_owned()),
            internal,
            auto_delete,
            arguments: match alternate {
                Some(ae) => table(vec![("alternate-exchange", text(EXCHANGES[ae]))]),
                None => FieldTable::new(),
            },
            ..ExchangeDeclare::default()
        })),
        Act::RedeclareExchange { x, to, kind } => submit(Command::RedeclareExchange {
            name: EXCHANGES[x].to_owned(),
            decl: ExchangeDeclare {
                exchange: EXCHANGES[to].to_owned(),
                exchange_type: Some(TYPES[kind].to_owned()),
                ..ExchangeDeclare::default()
            },
        }),
        Act::DeleteExchange(x) => submit(Command::delete_exchange(EXCHANGES[x].to_owned())),
        Act::DeclareQueue {
            q,
            ttl,
            max_len,
            overflow,
            dlx,
            dlrk,
            priority,
            sac,
            expires,
            exclusive,
            auto_delete,
        } => {
            let mut args = Vec::new();
            if let Some(ttl) = ttl {
                args.push(("x-message-ttl", int(i32::from(ttl))));
            }
            if let Some(n) = max_len {
                args.push(("x-max-length", int(i32::from(n))));
                let mode = ["drop-head", "reject-publish", "reject-publish-dlx"][overflow as usize];
                args.push(("x-overflow", text(mode)));
            }
            if let Some(x) = dlx {
                args.push(("x-dead-letter-exchange", text(EXCHANGES[x])));
            }
            if let Some(key) = dlrk {
                args.push(("x-dead-letter-routing-key", text(KEYS[key])));
            }
            if let Some(ms) = expires {
                args.push(("x-expires", int(i32::from(ms))));
            }
            if priority {
                args.push(("x-max-priority", int(5)));
            }
            if sac {
                args.push(("x-single-active-consumer", FieldValue::Bool(true)));
            }
            submit(Command::declare_queue(QueueDeclare {
                queue: QUEUES[q].to_owned(),
                exclusive,
                auto_delete,
                arguments: table(args),
                ..QueueDeclare::default()
            }))
        }
        Act::RedeclareQueue { q, to, ttl } => submit(Command::RedeclareQueue {
            name: QUEUES[q].to_owned(),
            decl: QueueDeclare {
                queue: QUEUES[to].to_owned(),
                arguments: match ttl {
                    Some(ttl) => table(vec![("x-message-ttl", int(i32::from(ttl)))]),
                    None => FieldTable::new(),
                },
                ..QueueDeclare::default()
            },
        }),
        Act::DeleteQueue(q) => submit(Command::delete_queue(QUEUES[q].to_owned())),
        Act::PurgeQueue(q) => submit(Command::purge_queue(QUEUES[q].to_owned())),
        Act::Bind {
            x,
            dest,
            to_exchange,
            key,
            header,
        } => submit(Command::bind(&binding(x, dest, to_exchange, key, header))),
        Act::Unbind {
            x,
            dest,
            to_exchange,
            key,
        } => submit(Command::unbind(&binding(x, dest, to_exchange, key, false))),
        Act::Rebind { x, q, key, new_key } => submit(Command::Rebind {
            old: binding(x, q, false, key, false),
            new: binding(x, q, false, new_key, false),
        }),
        Act::Publish {
            x,
            key,
            ttl,
            mandatory,
        } => {
            let mut publish = BasicPublish {
                exchange: EXCHANGES[x].to_owned(),
                routing_key: KEYS[key].to_owned(),
                body: "order 42".to_owned(),
                mandatory,
                ..BasicPublish::default()
            };
            publish.properties.expiration = ttl.map(|ms| ms.to_string());
            submit(Command::publish(publish))
        }
        Act::AddProducer {
            p,
            x,
            key,
            more,
            rate,
            count,
            priority,
            header,
        } => {
            let mut spec = ProducerSpec {
                name: PRODUCERS[p].to_owned(),
                exchange: EXCHANGES[x].to_owned(),
                routing_key: KEYS[key].to_owned(),
                more_routing_keys: more.map(|k| KEYS[k].to_owned()).into_iter().collect(),
                body: "tick {n}".to_owned(),
                rate_per_sec: rate.map(f64::from),
                count: count.map(u64::from),
                ..ProducerSpec::default()
            };
            spec.properties.priority = priority;
            if header {
                spec.headers = table(vec![("kind", text(KEYS[key]))]);
            }
            submit(Command::AddProducer(spec))
        }
        Act::UpdateProducer { p, to, key, rate } => submit(Command::UpdateProducer {
            name: PRODUCERS[p].to_owned(),
            spec: ProducerSpec {
                name: PRODUCERS[to].to_owned(),
                exchange: "order".to_owned(),
                routing_key: KEYS[key].to_owned(),
                body: "renamed".to_owned(),
                rate_per_sec: rate.map(f64::from),
                ..ProducerSpec::default()
            },
        }),
        Act::AddConsumer {
            c,
            q,
            prefetch,
            processing,
            jitter,
            policy,
            crash_after,
            fail_every,
            auto_ack,
            exclusive,
            priority,
        } => submit(Command::AddConsumer(ConsumerSpec {
            name: CONSUMERS[c].to_owned(),
            queue: QUEUES[q].to_owned(),
            prefetch: u16::from(prefetch),
            processing_ms: u64::from(processing),
            jitter_ms: u64::from(jitter),
            policy: POLICIES[policy],
            crash_after: crash_after.map(u32::from),
            fail_every: fail_every.map(u32::from),
            auto_ack,
            exclusive,
            priority: priority.map(i32::from),
            ..ConsumerSpec::default()
        })),
        Act::UpdateConsumer {
            c,
            q,
            prefetch,
            policy,
        } => submit(Command::UpdateConsumer {
            name: CONSUMERS[c].to_owned(),
            spec: ConsumerSpec {
                name: CONSUMERS[c].to_owned(),
                queue: QUEUES[q].to_owned(),
                prefetch: u16::from(prefetch),
                processing_ms: 300,
                policy: POLICIES[policy],
                ..ConsumerSpec::default()
            },
        }),
        Act::RemoveActor(i) => {
            let name = PRODUCERS.iter().chain(&CONSUMERS).nth(i).copied();
            submit(Command::RemoveActor(name.unwrap_or_default().to_owned()))
        }
        Act::PublishFrom(p) => submit(Command::PublishFrom(PRODUCERS[p].to_owned())),
        Act::SetRate(p, rate) => submit(Command::SetRate(
            PRODUCERS[p].to_owned(),
            rate.map(f64::from),
        )),
        Act::StopConsumer(c) => submit(Command::StopConsumer(CONSUMERS[c].to_owned())),
        Act::StartConsumer(c) => submit(Command::StartConsumer(CONSUMERS[c].to_owned())),
        Act::KillConsumer(c) => submit(Command::KillConsumer(CONSUMERS[c].to_owned())),
        Act::SelectQueue(q) => Action::Select(Selection::Queue(QUEUES[q].to_owned())),
        Act::SelectConsumer(c) => Action::Select(Selection::Consumer(CONSUMERS[c].to_owned())),
        Act::SelectMessage(i) => {
            let sent = s.world.view().ledger.published;
            Action::Select(Selection::Message(u64::from(i) % (sent + 1)))
        }
        Act::ExplainMessage(i) => {
            let sent = s.world.view().ledger.published;
            Action::ExplainMessage(u64::from(i) % (sent + 1))
        }
        Act::LoadBuiltIn(i) => Action::LoadBuiltIn(BUILT_IN[i].id.to_owned()),
        Act::Reimport => Action::LoadSceneText(s.scene_text()),
        Act::ToggleSelected => Action::ToggleSelectedConsumer,
        Act::KillSelected => Action::KillSelected,
        Act::PublishSelected => Action::PublishSelected,
        Act::DeleteSelected => Action::DeleteSelected,
        Act::MoveNode(n, x, y) => {
            let nodes = &s.world.view().topology.nodes;
            match nodes.get(n % nodes.len().max(1)) {
                Some(node) => Action::MoveNode(node.key.clone(), f64::from(x), f64::from(y)),
                None => Action::AutoLayout,
            }
        }
        Act::AutoLayout => Action::AutoLayout,
        Act::Explain { x, key } => Action::Explain(RouteQuery {
            exchange: EXCHANGES[x].to_owned(),
            routing_key: KEYS[key].to_owned(),
            headers: table(vec![("kind", text(KEYS[key]))]),
            message: None,
        }),
    }
}

/// Arguments in name order: a saved scene writes them as a JSON object,
/// whose keys come back sorted, and their order means nothing to the
/// broker.
fn sorted(args: &FieldTable) -> Vec<(&str, &FieldValue)> {
    let mut args: Vec<_> = args.iter().collect();
    args.sort_by_key(|&(k, _)| k);
    args
}

/// What a saved scene keeps: the topology and the actors' settings (not
/// the messages, the counts or the clock), in the scene's order. Like
/// RabbitMQ's definitions export, it leaves out exclusive queues (they die
/// with the connection that declared them, which a reload closes) and their
/// bindings.
fn topology(s: &AppState) -> String {
    let v = s.world.view();
    let exchanges: Vec<_> = v
        .exchanges
        .iter()
        .map(|x| {
            let flags = (x.internal, x.auto_delete);
            (&x.name, &x.exchange_type, sorted(&x.arguments), flags)
        })
        .collect();
    let exclusive = |name: &str| v.queue(name).is_some_and(|q| q.exclusive);
    let queues: Vec<_> = v
        .queues
        .iter()
        .filter(|q| !q.exclusive)
        .map(|q| (&q.name, sorted(&q.arguments), q.auto_delete))
        .collect();
    let bindings: Vec<_> = v
        .bindings
        .iter()
        .filter(|b| b.to_exchange || !exclusive(&b.destination))
        .map(|b| {
            let to = (&b.destination, b.to_exchange);
            (&b.source, to, &b.routing_key, sorted(&b.arguments))
        })
        .collect();
    // A scene lists producers, then consumers.
    let (producers, consumers): (Vec<_>, Vec<_>) = v
        .specs
        .iter()
        .partition(|a| matches!(a, ActorSpec::Producer(_)));
    format!("{exchanges:?}\n{queues:?}\n{bindings:?}\n{producers:?}\n{consumers:?}")
}

/// What the canvas draws holds together: one node per key, each placed
/// at a finite position, every edge between two of them, the moving
/// messages bounded.
fn picture(s: &AppState) -> Result<(), String> {
    let topology = &s.world.view().topology;
    let mut keys: Vec<&str> = topology.nodes.iter().map(|n| n.key.as_str()).collect();
    keys.sort_unstable();
    if let Some(w) = keys.windows(2).find(|w| w[0] == w[1]) {
        return Err(format!("two nodes are {}", w[0]));
    }
    for n in &topology.nodes {
        match s.layout.get(&n.key) {
            Some((x, y)) if x.is_finite() && y.is_finite() => {}
            other => return Err(format!("node {} is placed at {other:?}", n.key)),
        }
    }
    for e in &topology.edges {
        for end in [&e.from, &e.to] {
            if keys.binary_search(&end.as_str()).is_err() {
                return Err(format!("edge {} ends at {end}, which is not drawn", e.key));
            }
        }
    }
    if s.anim.flights.len() > MAX_FLIGHTS {
        return Err(format!("{} messages in the air", s.anim.flights.len()));
    }
    Ok(())
}

/// The exchanges, queues and bindings a broker holds, without counts.
fn declared(b: &Broker) -> String {
    let exchanges: Vec<_> = b
        .exchanges()
        .into_iter()
        .map(|x| {
            (
                x.name,
                x.exchange_type,
                x.internal,
                x.auto_delete,
                x.arguments,
            )
        })
        .collect();
    let queues: Vec<_> = b
        .queues()
        .into_iter()
        .map(|q| (q.name, q.durable, q.auto_delete, q.arguments))
        .collect();
    format!("{exchanges:?}\n{queues:?}\n{:?}", b.bindings())
}

/// Runs a session from the default scene, checking the core's invariants
/// after every action, and that a command the broker refuses changes
/// nothing.
fn play(acts: &[Act]) -> Result<Rc<AppState>, TestCaseError> {
    let mut s = Rc::new(AppState::default());
    for (i, a) in acts.iter().enumerate() {
        let action = action(&s, a);
        let done = |s: &AppState| s.ui.ok.get(&FormId::Controls).copied();
        let before = matches!(action, Action::Submit(..)).then(|| (done(&s), fingerprint(&s)));
        s = s.reduce(action.clone());
        if let Err(e) = s
            .world
            .broker()
            .check_invariants()
            .and_then(|()| picture(&s))
        {
            return Err(TestCaseError::fail(format!(
                "after action {i} ({action:?}): {e}"
            )));
        }
        if let Some((ok, print)) = before.filter(|(ok, _)| *ok == done(&s)) {
            prop_assert!(
                s.ui.errors.contains_key(&FormId::Controls),
                "action {i} ({action:?}) neither done nor refused ({ok:?})"
            );
            prop_assert_eq!(
                &fingerprint(&s),
                &print,
                "refused action {} changed the world",
                i
            );
        }
    }
    Ok(s)
}

/// One way to damage a scene file.
#[derive(Clone, Debug)]
enum Damage {
    /// Replace the n-th JSON value (pre-order, wrapping) with one of
    /// [`ODD_VALUES`].
    Replace(usize, usize),
    /// Remove the n-th value's first key or element.
    Remove(usize),
    /// Give the n-th object a key nothing reads.
    Unknown(usize),
    /// Cut the text at this per mille of its length.
    Truncate(u16),
}

/// Values in the wrong place, at the edges of their types.
const ODD_VALUES: [&str; 14] = [
    "null",
    "true",
    "-1",
    "0",
    "1e300",
    "-0.5",
    "4294967296",
    "\"\"",
    "\"x\"",
    "\"#\"",
    "[]",
    "{}",
    "[1, 2]",
    "{\"x\": 1}",
];

fn damage() -> impl Strategy<Value = Damage> {
    prop_oneof![
        4 => (any::<usize>(), 0..ODD_VALUES.len()).prop_map(|(n, v)| Damage::Replace(n, v)),
        2 => any::<usize>().prop_map(Damage::Remove),
        1 => any::<usize>().prop_map(Damage::Unknown),
        1 => (0u16..1000).prop_map(Damage::Truncate),
    ]
}

/// The n-th value of `v` in pre-order (n wraps around the count).
fn nth(v: &mut serde_json::Value, n: usize) -> &mut serde_json::Value {
    fn count(v: &serde_json::Value) -> usize {
        1 + match v {
            serde_json::Value::Array(a) => a.iter().map(count).sum(),
            serde_json::Value::Object(o) => o.values().map(count).sum(),
            _ => 0,
        }
    }
    fn walk(v: &mut serde_json::Value, mut n: usize) -> Result<&mut serde_json::Value, usize> {
        if n == 0 {
            return Ok(v);
        }
        n -= 1;
        let children: Vec<&mut serde_json::Value> = match v {
            serde_json::Value::Array(a) => a.iter_mut().collect(),
            serde_json::Value::Object(o) => o.values_mut().collect(),
            _ => Vec::new(),
        };
        for c in children {
            match walk(c, n) {
                Ok(found) => return Ok(found),
                Err(left) => n = left,
            }
        }
        Err(n)
    }
    let n = n % count(v);
    match walk(v, n) {
        Ok(found) => found,
        Err(_) => unreachable!("n is below the count"),
    }
}

fn damaged(text: &str, damages: &[Damage]) -> String {
    let mut v: serde_json::Value = serde_json::from_str(text).expect("a built-in scene is JSON");
    let mut cut = None;
    for d in damages {
        match *d {
            Damage::Replace(n, odd) => {
                *nth(&mut v, n) =
                    serde_json::from_str(ODD_VALUES[odd]).expect("odd values are JSON");
            }
            Damage::Remove(n) => match nth(&mut v, n) {
                serde_json::Value::Array(a) if !a.is_empty() => {
                    a.remove(0);
                }
                serde_json::Value::Object(o) => {
                    let first = o.keys().next().cloned();
                    if let Some(k) = first {
                        o.remove(&k);
                    }
                }
                _ => {}
            },
            Damage::Unknown(n) => {
                if let serde_json::Value::Object(o) = nth(&mut v, n) {
                    o.insert("surprise".to_owned(), serde_json::Value::Bool(true));
                }
            }
            Damage::Truncate(per_mille) => cut = Some(per_mille),
        }
    }
    let text = serde_json::to_string_pretty(&v).expect("values serialise");
    match cut {
        Some(per_mille) => {
            let at = text.len() * usize::from(per_mille) / 1000;
            let at = (0..=at)
                .rev()
                .find(|&i| text.is_char_boundary(i))
                .unwrap_or(0);
            text[..at].to_owned()
        }
        None => text,
    }
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 256,
        // Relative to the package (cargo runs tests from there).
        failure_persistence: Some(Box::new(FileFailurePersistence::Direct(
            "tests/reducer_props.proptest-regressions",
        ))),
        ..ProptestConfig::default()
    })]

    #[test]
    fn a_session_replays_reloads_and_repeats_exactly(acts in proptest::collection::vec(act(), 1..60)) {
        let s = play(&acts)?;
        let end = s.now();
        let at_end = fingerprint(&s);

        // The timeline rebuilds the world lived through.
        let replayed = s.timeline.replay_from_start(end).map_err(TestCaseError::fail)?;
        let live = s.world.view();
        prop_assert_eq!(
            format!("{:?}", (&replayed.view().queues, &replayed.view().bindings, &replayed.view().actors)),
            format!("{:?}", (&live.queues, &live.bindings, &live.actors))
        );

        // Scrubbing to the start and back returns to the same moment.
        let back = Rc::clone(&s).reduce(Action::Scrub(0));
        let back = back.reduce(Action::Scrub(end.ms()));
        prop_assert_eq!(fingerprint(&back), at_end.clone());

        // The scene it saves loads again, whole.
        let text = s.scene_text();
        let reloaded = Rc::clone(&s).reduce(Action::LoadSceneText(text.clone()));
        prop_assert!(
            !reloaded.ui.errors.contains_key(&FormId::Scene),
            "the saved scene did not load: {:?}\n{}", reloaded.ui.errors.get(&FormId::Scene), text
        );
        let notice = reloaded.ui.notice.as_ref();
        prop_assert!(
            notice.is_none_or(|n| n.level == Level::Info),
            "loading the saved scene said: {:?}\n{}", notice.map(|n| &n.text), text
        );
        prop_assert_eq!(topology(&reloaded), topology(&s), "saved scene:\n{}", text);
        // And the command line reads it: `warren run` takes what the
        // playground saves.
        let scenario = warren_scenario::Scenario::from_json_str(&text)
            .map_err(|e| TestCaseError::fail(format!("the core refused the saved scene: {e}\n{text}")))?;
        let (broker, _) = scenario.broker().map_err(|e| {
            TestCaseError::fail(format!("the core could not build the saved scene: {e}\n{text}"))
        })?;
        prop_assert_eq!(declared(&broker), declared(reloaded.world.broker()), "saved scene:\n{}", text);

        // The same session again ends the same.
        let again = play(&acts)?;
        prop_assert_eq!(fingerprint(&again), at_end);
    }

    /// A damaged scene file either loads (and runs within the rules) or is
    /// refused with where it went wrong, and the playground keeps what it
    /// had.
    #[test]
    fn a_damaged_scene_is_refused_with_its_place_or_loads(
        scene in 0..BUILT_IN.len(),
        damages in proptest::collection::vec(damage(), 1..4),
    ) {
        let text = damaged(BUILT_IN[scene].json, &damages);
        let s = play(&[Act::PublishFrom(0), Act::Tick(300)])?;
        let before = fingerprint(&s);
        let after = Rc::clone(&s).reduce(Action::LoadSceneText(text.clone()));
        match after.ui.errors.get(&FormId::Scene) {
            Some(e) => {
                prop_assert!(
                    e.text.starts_with("line ") || e.text.contains('$'),
                    "the refusal does not say where: {}\n{}", e.text, text
                );
                prop_assert_eq!(fingerprint(&after), before, "a refused scene changed the playground");
            }
            None => {
                let after = after.reduce(Action::Play);
                let mut after = after.reduce(Action::Tick(1000.0));
                for _ in 0..5 {
                    after = after.reduce(Action::Tick(1000.0));
                    if let Err(e) = after.world.broker().check_invariants() {
                        return Err(TestCaseError::fail(format!("{e}\n{text}")));
                    }
                }
            }
        }
    }
}
