//! Property tests: thousands of random command sequences, with
//! `check_invariants` (conservation of every message copy included) after
//! every step, and the same sequence run twice giving the same events.

use proptest::prelude::*;
use warren_core::methods::*;
use warren_core::{Broker, ChannelId, FieldTable, FieldValue, SimTime};

const QUEUES: [&str; 4] = ["q0", "q1", "q2", "q3"];
const EXCHANGES: [(&str, &str); 4] = [
    ("xd", "direct"),
    ("xt", "topic"),
    ("xf", "fanout"),
    ("xh", "headers"),
];
const KEYS: [&str; 5] = ["a", "a.b", "a.b.c", "", "b.#"];

/// One random client action. Indexes pick from the small universes above
/// so that actions collide often (same queue, same tag) and interesting
/// interactions happen.
#[derive(Clone, Debug)]
enum Act {
    DeclareQueue {
        q: usize,
        ttl: Option<u8>,
        max_len: Option<u8>,
        overflow: u8,
        dlx: bool,
        prio: bool,
        sac: bool,
        expires: Option<u8>,
    },
    Bind {
        x: usize,
        q: usize,
        key: usize,
    },
    BindExchange {
        src: usize,
        dst: usize,
        key: usize,
    },
    Unbind {
        x: usize,
        q: usize,
        key: usize,
    },
    Publish {
        ch: u8,
        x: Option<usize>,
        key: usize,
        ttl: Option<u8>,
        prio: u8,
        mandatory: bool,
        header: bool,
    },
    Consume {
        ch: u8,
        q: usize,
        tag: u8,
        auto_ack: bool,
        prefetch: u8,
        prio: i8,
    },
    Cancel {
        ch: u8,
        tag: u8,
    },
    Ack {
        ch: u8,
        tag: u8,
        multiple: bool,
    },
    Nack {
        ch: u8,
        tag: u8,
        multiple: bool,
        requeue: bool,
    },
    Reject {
        ch: u8,
        tag: u8,
        requeue: bool,
    },
    Get {
        ch: u8,
        q: usize,
        auto_ack: bool,
    },
    Recover {
        ch: u8,
    },
    Qos {
        ch: u8,
        n: u8,
        global: bool,
    },
    Confirm {
        ch: u8,
    },
    /// `tx.select` (0), `tx.commit` (1) or `tx.rollback` (2).
    Tx {
        ch: u8,
        what: u8,
    },
    Purge {
        q: usize,
    },
    DeleteQueue {
        q: usize,
        if_empty: bool,
    },
    DeleteExchange {
        x: usize,
    },
    CloseChannel {
        ch: u8,
    },
    CloseConnection {
        conn: u8,
    },
    Wait {
        ms: u16,
    },
}

fn act() -> impl Strategy<Value = Act> {
    let q = 0..QUEUES.len();
    let x = 0..EXCHANGES.len();
    let key = 0..KEYS.len();
    prop_oneof![
        (
            q.clone(),
            proptest::option::of(0u8..50),
            proptest::option::of(0u8..4),
            0u8..3,
            any::<bool>(),
            any::<bool>(),
            any::<bool>(),
            proptest::option::of(1u8..200)
        )
            .prop_map(|(q, ttl, max_len, overflow, dlx, prio, sac, expires)| {
                Act::DeclareQueue {
                    q,
                    ttl,
                    max_len,
                    overflow,
                    dlx,
                    prio,
                    sac,
                    expires,
                }
            }),
        (x.clone(), q.clone(), key.clone()).prop_map(|(x, q, key)| Act::Bind { x, q, key }),
        (x.clone(), x.clone(), key.clone()).prop_map(|(src, dst, key)| Act::BindExchange {
            src,
            dst,
            key
        }),
        (x.clone(), q.clone(), key.clone()).prop_map(|(x, q, key)| Act::Unbind { x, q, key }),
        (
            0u8..4,
            proptest::option::of(x.clone()),
            key.clone(),
            proptest::option::of(0u8..60),
            0u8..12,
            any::<bool>(),
            any::<bool>()
        )
            .prop_map(|(ch, x, key, ttl, prio, mandatory, header)| Act::Publish {
                ch,
                x,
                key,
                ttl,
                prio,
                mandatory,
                header
            }),
        (0u8..4, q.clone(), 0u8..3, any::<bool>(), 0u8..3, -1i8..2).prop_map(
            |(ch, q, tag, auto_ack, prefetch, prio)| Act::Consume {
                ch,
                q,
                tag,
                auto_ack,
                prefetch,
                prio
            }
        ),
        (0u8..4, 0u8..3).prop_map(|(ch, tag)| Act::Cancel { ch, tag }),
        (0u8..4, 0u8..8, any::<bool>()).prop_map(|(ch, tag, multiple)| Act::Ack {
            ch,
            tag,
            multiple
        }),
        (0u8..4, 0u8..8, any::<bool>(), any::<bool>()).prop_map(|(ch, tag, multiple, requeue)| {
            Act::Nack {
                ch,
                tag,
                multiple,
                requeue,
            }
        }),
        (0u8..4, 0u8..8, any::<bool>()).prop_map(|(ch, tag, requeue)| Act::Reject {
            ch,
            tag,
            requeue
        }),
        (0u8..4, q.clone(), any::<bool>()).prop_map(|(ch, q, auto_ack)| Act::Get {
            ch,
            q,
            auto_ack
        }),
        (0u8..4).prop_map(|ch| Act::Recover { ch }),
        (0u8..4, 0u8..3, any::<bool>()).prop_map(|(ch, n, global)| Act::Qos { ch, n, global }),
        (0u8..4).prop_map(|ch| Act::Confirm { ch }),
        (0u8..4, 0u8..3).prop_map(|(ch, what)| Act::Tx { ch, what }),
        q.clone().prop_map(|q| Act::Purge { q }),
        (q, any::<bool>()).prop_map(|(q, if_empty)| Act::DeleteQueue { q, if_empty }),
        x.prop_map(|x| Act::DeleteExchange { x }),
        (0u8..4).prop_map(|ch| Act::CloseChannel { ch }),
        (1u8..3).prop_map(|conn| Act::CloseConnection { conn }),
        (0u16..120).prop_map(|ms| Act::Wait { ms }),
    ]
}

/// Channel index 0..4 → (connection 1 or 2, channel 1 or 2), reopened as needed.
fn channel(b: &mut Broker, conns: &mut [Option<warren_core::ConnectionId>; 2], i: u8) -> ChannelId {
    let slot = usize::from(i / 2);
    let conn = match conns[slot] {
        Some(c) if b.is_connection_open(c) => c,
        _ => {
            let c = b.open_connection();
            conns[slot] = Some(c);
            c
        }
    };
    let ch = ChannelId {
        connection: conn,
        number: u16::from(i % 2) + 1,
    };
    if !b.is_channel_open(ch) {
        b.open_channel(conn, ch.number).expect("open channel");
    }
    ch
}

fn setup(b: &mut Broker, ch: ChannelId) {
    for (name, kind) in EXCHANGES {
        b.exchange_declare(
            ch,
            &ExchangeDeclare {
                exchange: name.into(),
                exchange_type: Some(kind.into()),
                ..Default::default()
            },
        )
        .expect("declare exchange");
    }
    b.exchange_declare(
        ch,
        &ExchangeDeclare {
            exchange: "dlx".into(),
            exchange_type: Some("fanout".into()),
            ..Default::default()
        },
    )
    .expect("declare dlx");
}

/// Runs the actions, checking invariants after each, and returns the event log.
fn run(acts: &[Act]) -> Result<Vec<String>, TestCaseError> {
    let mut b = Broker::new();
    let mut conns = [None, None];
    let admin = b.connect();
    setup(&mut b, admin);
    let mut log = Vec::new();
    for (i, a) in acts.iter().enumerate() {
        apply(&mut b, &mut conns, a);
        if let Err(e) = b.check_invariants() {
            return Err(TestCaseError::fail(format!("after step {i} {a:?}: {e}")));
        }
        log.extend(b.drain_events().into_iter().map(|e| format!("{e:?}")));
    }
    // Closing everything must requeue all unacked messages.
    for c in [conns[0], conns[1], Some(admin.connection)]
        .into_iter()
        .flatten()
    {
        let _ = b.close_connection(c);
    }
    b.check_invariants().map_err(TestCaseError::fail)?;
    let unacked: usize = b.channels().iter().map(|c| c.unacked.len()).sum();
    prop_assert_eq!(unacked, 0);
    log.extend(b.drain_events().into_iter().map(|e| format!("{e:?}")));
    Ok(log)
}

fn apply(b: &mut Broker, conns: &mut [Option<warren_core::ConnectionId>; 2], a: &Act) {
    let tag = |t: u8| format!("c{t}");
    let _ = match a.clone() {
        Act::DeclareQueue {
            q,
            ttl,
            max_len,
            overflow,
            dlx,
            prio,
            sac,
            expires,
        } => {
            let ch = channel(b, conns, 0);
            let mut args = FieldTable::new();
            if let Some(t) = ttl {
                args.insert("x-message-ttl", FieldValue::I32(i32::from(t)));
            }
            if let Some(m) = max_len {
                args.insert("x-max-length", FieldValue::I32(i32::from(m)));
                let o =
                    ["drop-head", "reject-publish", "reject-publish-dlx"][usize::from(overflow)];
                args.insert("x-overflow", FieldValue::str(o));
            }
            if dlx {
                args.insert("x-dead-letter-exchange", FieldValue::str("dlx"));
            }
            if prio {
                args.insert("x-max-priority", FieldValue::I32(5));
            }
            if sac {
                args.insert("x-single-active-consumer", FieldValue::Bool(true));
            }
            if let Some(e) = expires {
                args.insert("x-expires", FieldValue::I32(i32::from(e)));
            }
            // Priorities with single active consumer: a stream instead
            // (which takes none of these arguments).
            let stream = prio && sac;
            if stream {
                args = FieldTable(vec![("x-queue-type".into(), FieldValue::str("stream"))]);
            }
            let r = b.queue_declare(
                ch,
                &QueueDeclare {
                    queue: QUEUES[q].into(),
                    durable: stream,
                    arguments: args,
                    ..Default::default()
                },
            );
            // Dead-letter target: every declared queue that dead-letters also feeds q3.
            let admin = channel(b, conns, 0);
            let _ = b.queue_bind(
                admin,
                &QueueBind {
                    queue: "q3".into(),
                    exchange: "dlx".into(),
                    ..Default::default()
                },
            );
            r.map(|_| ())
        }
        Act::Bind { x, q, key } => {
            let ch = channel(b, conns, 0);
            let mut args = FieldTable::new();
            if EXCHANGES[x].1 == "headers" {
                args.insert("k", FieldValue::str(KEYS[key]));
            }
            b.queue_bind(
                ch,
                &QueueBind {
                    queue: QUEUES[q].into(),
                    exchange: EXCHANGES[x].0.into(),
                    routing_key: KEYS[key].into(),
                    arguments: args,
                },
            )
        }
        Act::BindExchange { src, dst, key } => {
            let ch = channel(b, conns, 0);
            b.exchange_bind(
                ch,
                &ExchangeBind {
                    source: EXCHANGES[src].0.into(),
                    destination: EXCHANGES[dst].0.into(),
                    routing_key: KEYS[key].into(),
                    ..Default::default()
                },
            )
        }
        Act::Unbind { x, q, key } => {
            let ch = channel(b, conns, 0);
            b.queue_unbind(
                ch,
                &QueueBind {
                    queue: QUEUES[q].into(),
                    exchange: EXCHANGES[x].0.into(),
                    routing_key: KEYS[key].into(),
                    ..Default::default()
                },
            )
        }
        Act::Publish {
            ch,
            x,
            key,
            ttl,
            prio,
            mandatory,
            header,
        } => {
            let ch = channel(b, conns, ch);
            let mut props = warren_core::Properties {
                priority: Some(prio),
                expiration: ttl.map(|t| t.to_string()),
                ..Default::default()
            };
            if header {
                props.headers = Some(FieldTable(vec![(
                    "k".into(),
                    FieldValue::str(KEYS[usize::from(prio) % KEYS.len()]),
                )]));
            }
            let (exchange, routing_key) = match x {
                Some(x) => (EXCHANGES[x].0.to_owned(), KEYS[key].to_owned()),
                None => (String::new(), QUEUES[key % QUEUES.len()].to_owned()),
            };
            b.basic_publish(
                ch,
                &BasicPublish {
                    exchange,
                    routing_key,
                    body: format!("m{prio}"),
                    properties: props,
                    mandatory,
                    ..Default::default()
                },
            )
        }
        Act::Consume {
            ch,
            q,
            tag: t,
            auto_ack,
            prefetch,
            prio,
        } => {
            let ch = channel(b, conns, ch);
            let _ = b.basic_qos(
                ch,
                &BasicQos {
                    prefetch_count: u16::from(prefetch),
                    ..Default::default()
                },
            );
            // A priority of -1 stands for a stream's reader from the start
            // (a stream refuses `x-priority`, other queues `x-stream-offset`).
            let args = if prio < 0 {
                FieldTable(vec![("x-stream-offset".into(), FieldValue::str("first"))])
            } else {
                FieldTable(vec![(
                    "x-priority".into(),
                    FieldValue::I32(i32::from(prio)),
                )])
            };
            b.basic_consume(
                ch,
                &BasicConsume {
                    queue: QUEUES[q].into(),
                    consumer_tag: tag(t),
                    auto_ack,
                    arguments: args,
                    ..Default::default()
                },
            )
            .map(|_| ())
        }
        Act::Cancel { ch, tag: t } => {
            let ch = channel(b, conns, ch);
            b.basic_cancel(
                ch,
                &BasicCancel {
                    consumer_tag: tag(t),
                },
            )
        }
        Act::Ack { ch, tag, multiple } => {
            let ch = channel(b, conns, ch);
            b.basic_ack(
                ch,
                &BasicAck {
                    delivery_tag: u64::from(tag),
                    multiple,
                },
            )
        }
        Act::Nack {
            ch,
            tag,
            multiple,
            requeue,
        } => {
            let ch = channel(b, conns, ch);
            b.basic_nack(
                ch,
                &BasicNack {
                    delivery_tag: u64::from(tag),
                    multiple,
                    requeue,
                },
            )
        }
        Act::Reject { ch, tag, requeue } => {
            let ch = channel(b, conns, ch);
            b.basic_reject(
                ch,
                &BasicReject {
                    delivery_tag: u64::from(tag),
                    requeue,
                },
            )
        }
        Act::Get { ch, q, auto_ack } => {
            let ch = channel(b, conns, ch);
            b.basic_get(
                ch,
                &BasicGet {
                    queue: QUEUES[q].into(),
                    auto_ack,
                },
            )
            .map(|_| ())
        }
        Act::Recover { ch } => {
            let ch = channel(b, conns, ch);
            b.basic_recover(ch, &BasicRecover { requeue: true })
        }
        Act::Qos { ch, n, global } => {
            let ch = channel(b, conns, ch);
            b.basic_qos(
                ch,
                &BasicQos {
                    prefetch_count: u16::from(n),
                    global_qos: global,
                    ..Default::default()
                },
            )
        }
        Act::Confirm { ch } => {
            let ch = channel(b, conns, ch);
            b.confirm_select(ch)
        }
        Act::Tx { ch, what } => {
            let ch = channel(b, conns, ch);
            match what {
                0 => b.tx_select(ch),
                1 => b.tx_commit(ch),
                _ => b.tx_rollback(ch),
            }
        }
        Act::Purge { q } => {
            let ch = channel(b, conns, 1);
            b.queue_purge(
                ch,
                &QueuePurge {
                    queue: QUEUES[q].into(),
                },
            )
            .map(|_| ())
        }
        Act::DeleteQueue { q, if_empty } => {
            let ch = channel(b, conns, 1);
            b.queue_delete(
                ch,
                &QueueDelete {
                    queue: QUEUES[q].into(),
                    if_empty,
                    ..Default::default()
                },
            )
            .map(|_| ())
        }
        Act::DeleteExchange { x } => {
            let ch = channel(b, conns, 1);
            b.exchange_delete(
                ch,
                &ExchangeDelete {
                    exchange: EXCHANGES[x].0.into(),
                    ..Default::default()
                },
            )
        }
        Act::CloseChannel { ch } => {
            let ch = channel(b, conns, ch);
            b.close_channel(ch)
        }
        Act::CloseConnection { conn } => match conns[usize::from(conn - 1)] {
            Some(c) if b.is_connection_open(c) => b.close_connection(c),
            _ => Ok(()),
        },
        Act::Wait { ms } => {
            let t = b.now().plus(u64::from(ms));
            b.advance_to(t);
            Ok(())
        }
    };
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1500, ..ProptestConfig::default() })]

    /// Conservation and every structural invariant hold after every step.
    #[test]
    fn invariants_hold_after_every_step(acts in proptest::collection::vec(act(), 1..60)) {
        run(&acts)?;
    }

    /// Same inputs, same outputs: the event log is a function of the commands.
    #[test]
    fn runs_are_deterministic(acts in proptest::collection::vec(act(), 1..40)) {
        let a = run(&acts)?;
        let b = run(&acts)?;
        prop_assert_eq!(a, b);
    }
}

#[test]
fn poll_timeout_reports_the_next_expiry_and_advance_fires_it() {
    let mut b = Broker::new();
    let ch = b.connect();
    let args = FieldTable(vec![("x-message-ttl".into(), FieldValue::I32(100))]);
    b.queue_declare(
        ch,
        &QueueDeclare {
            queue: "q".into(),
            arguments: args,
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(b.poll_timeout(), None);
    b.basic_publish(
        ch,
        &BasicPublish {
            routing_key: "q".into(),
            body: "x".into(),
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(b.poll_timeout(), Some(SimTime(100)));
    b.advance_to(SimTime(99));
    assert_eq!(b.queue("q").unwrap().ready, 1);
    b.advance_to(SimTime(100));
    assert_eq!(b.queue("q").unwrap().ready, 0);
    assert_eq!(b.poll_timeout(), None);
    assert_eq!(b.ledger().dropped, 1);
    // Time never runs backwards.
    b.advance_to(SimTime(5));
    assert_eq!(b.now(), SimTime(100));
}
