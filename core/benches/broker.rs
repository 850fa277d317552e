//! The broker's hot path, end to end: publish → route → enqueue → deliver
//! → ack, as messages per second on one core; plus fan-out and the
//! `basic.get` path.
//!
//! Run with `cargo bench -p warren-core --bench broker`.
//!
//! `topic-publish` (issue 19) sets a full `basic_publish` through a topic
//! exchange (route, deduplicate destinations, enqueue) against its parts:
//! the routing decision alone (a `TopicTrie` with the same bindings) and
//! the same enqueues through a fanout exchange bound to exactly the queues
//! the key reaches. Alone: `cargo bench -p warren-core --bench broker --
//! topic-publish`.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use warren_core::methods::*;
use warren_core::{Broker, ChannelId, TopicTrie};

#[path = "routing/family.rs"]
#[allow(dead_code)]
mod family;

const BATCH: u64 = 10_000;

/// A broker with a direct exchange bound to `queues` queues, one manual-ack
/// consumer on each (on its own channel), events off as a headless driver
/// would run it.
fn setup(queues: usize, kind: &str, consume: bool) -> (Broker, ChannelId, Vec<ChannelId>) {
    let mut b = Broker::new();
    b.set_record_events(false);
    let publisher = b.connect();
    b.exchange_declare(
        publisher,
        &ExchangeDeclare {
            exchange: "x".into(),
            exchange_type: Some(kind.into()),
            ..Default::default()
        },
    )
    .unwrap();
    let mut consumers = Vec::new();
    for i in 0..queues {
        let q = format!("q{i}");
        b.queue_declare(
            publisher,
            &QueueDeclare {
                queue: q.clone(),
                ..Default::default()
            },
        )
        .unwrap();
        b.queue_bind(
            publisher,
            &QueueBind {
                queue: q.clone(),
                exchange: "x".into(),
                routing_key: "k".into(),
                ..Default::default()
            },
        )
        .unwrap();
        if consume {
            let ch = b.connect();
            b.basic_consume(
                ch,
                &BasicConsume {
                    queue: q,
                    consumer_tag: format!("c{i}"),
                    ..Default::default()
                },
            )
            .unwrap();
            consumers.push(ch);
        }
    }
    (b, publisher, consumers)
}

fn pipeline(c: &mut Criterion) {
    let mut g = c.benchmark_group("publish-deliver-ack");
    g.throughput(Throughput::Elements(BATCH));
    let publish = BasicPublish {
        exchange: "x".into(),
        routing_key: "k".into(),
        body: "order #1".into(),
        ..Default::default()
    };
    g.bench_function("direct, 1 queue, 1 consumer", |bench| {
        let (mut b, p, consumers) = setup(1, "direct", true);
        let ack = BasicAck {
            delivery_tag: 0,
            multiple: false,
        };
        let mut tag = 0;
        bench.iter(|| {
            for _ in 0..BATCH {
                b.basic_publish(p, black_box(&publish)).unwrap();
                tag += 1;
                b.basic_ack(
                    consumers[0],
                    &BasicAck {
                        delivery_tag: tag,
                        ..ack.clone()
                    },
                )
                .unwrap();
            }
        });
    });
    g.bench_function("direct, 1 queue, batched ack (multiple)", |bench| {
        let (mut b, p, consumers) = setup(1, "direct", true);
        let mut tag = 0;
        bench.iter(|| {
            for _ in 0..BATCH {
                b.basic_publish(p, black_box(&publish)).unwrap();
            }
            tag += BATCH;
            b.basic_ack(
                consumers[0],
                &BasicAck {
                    delivery_tag: tag,
                    multiple: true,
                },
            )
            .unwrap();
        });
    });
    g.finish();

    let mut g = c.benchmark_group("fanout-publish-deliver-ack");
    for n in [1usize, 10] {
        g.throughput(Throughput::Elements(BATCH * n as u64));
        g.bench_with_input(BenchmarkId::from_parameter(n), &n, |bench, &n| {
            let (mut b, p, consumers) = setup(n, "fanout", true);
            let mut tag = 0;
            bench.iter(|| {
                for _ in 0..BATCH {
                    b.basic_publish(p, black_box(&publish)).unwrap();
                }
                tag += BATCH;
                for ch in &consumers {
                    b.basic_ack(
                        *ch,
                        &BasicAck {
                            delivery_tag: tag,
                            multiple: true,
                        },
                    )
                    .unwrap();
                }
            });
        });
    }
    g.finish();

    let mut g = c.benchmark_group("publish-get");
    g.throughput(Throughput::Elements(BATCH));
    g.bench_function("direct, basic.get auto-ack", |bench| {
        let (mut b, p, _) = setup(1, "direct", false);
        let get = BasicGet {
            queue: "q0".into(),
            auto_ack: true,
        };
        bench.iter(|| {
            for _ in 0..BATCH {
                b.basic_publish(p, black_box(&publish)).unwrap();
                black_box(b.basic_get(p, &get).unwrap());
            }
        });
    });
    g.finish();
}

/// A broker with the bindings of a routing-family setup on topic exchange
/// `t`, binding `i` to queue `q{i % queues}`, and per distinct key `k` a
/// fanout exchange `f{k}` bound to the queues that key reaches.
fn topic_broker(s: &family::Setup, queues: usize) -> (Broker, ChannelId) {
    let mut b = Broker::new();
    b.set_record_events(false);
    let p = b.connect();
    let declare = |b: &mut Broker, name: String, kind: &str| {
        b.exchange_declare(
            p,
            &ExchangeDeclare {
                exchange: name,
                exchange_type: Some(kind.into()),
                ..Default::default()
            },
        )
        .unwrap();
    };
    let bind = |b: &mut Broker, q: usize, x: String, key: &str| {
        b.queue_bind(
            p,
            &QueueBind {
                queue: format!("q{q}"),
                exchange: x,
                routing_key: key.into(),
                ..Default::default()
            },
        )
        .unwrap();
    };
    declare(&mut b, "t".into(), "topic");
    for q in 0..queues {
        b.queue_declare(
            p,
            &QueueDeclare {
                queue: format!("q{q}"),
                ..Default::default()
            },
        )
        .unwrap();
    }
    for (key, id) in &s.bindings {
        bind(&mut b, *id as usize % queues, "t".into(), key);
    }
    for (k, key) in s.keys.iter().enumerate() {
        declare(&mut b, format!("f{k}"), "fanout");
        let mut qs: Vec<usize> = s
            .trie
            .matches(key)
            .iter()
            .map(|&id| id as usize % queues)
            .collect();
        qs.sort_unstable();
        qs.dedup();
        for q in qs {
            bind(&mut b, q, format!("f{k}"), "");
        }
    }
    (b, p)
}

fn topic_publish(c: &mut Criterion) {
    const QUEUES: usize = 1_000;
    const PUBLISHES: usize = 1_000;
    let mut g = c.benchmark_group("topic-publish");
    g.sample_size(20);
    for (name, s) in [
        ("plausible", family::plausible()),
        (
            "light-10000-10",
            family::setup(family::Cell {
                bindings: 10_000,
                matches: 10,
                keys: 1_000,
                dist: family::Dist::Zipf,
                mix: family::LIGHT,
            }),
        ),
    ] {
        let (mut b, p) = topic_broker(&s, QUEUES);
        let stream: Vec<u32> = s.stream.iter().copied().take(PUBLISHES).collect();
        let topic: Vec<BasicPublish> = stream
            .iter()
            .map(|&k| BasicPublish {
                exchange: "t".into(),
                routing_key: s.keys[k as usize].clone(),
                body: "order #1".into(),
                ..Default::default()
            })
            .collect();
        let fanout: Vec<BasicPublish> = stream
            .iter()
            .map(|&k| BasicPublish {
                exchange: format!("f{k}"),
                routing_key: s.keys[k as usize].clone(),
                body: "order #1".into(),
                ..Default::default()
            })
            .collect();
        let copies: usize = stream
            .iter()
            .map(|&k| {
                let mut qs: Vec<usize> = s
                    .trie
                    .matches(&s.keys[k as usize])
                    .iter()
                    .map(|&id| id as usize % QUEUES)
                    .collect();
                qs.sort_unstable();
                qs.dedup();
                qs.len()
            })
            .sum();
        eprintln!(
            "topic-publish {name}: {:.1} queues per message",
            copies as f64 / PUBLISHES as f64
        );
        let purge = |b: &mut Broker| {
            for q in 0..QUEUES {
                b.queue_purge(
                    p,
                    &QueuePurge {
                        queue: format!("q{q}"),
                    },
                )
                .unwrap();
            }
        };
        g.throughput(Throughput::Elements(PUBLISHES as u64));
        // Each sample publishes the batch, timed, then purges, untimed.
        for (what, batch) in [
            ("basic_publish topic", &topic),
            ("basic_publish fanout (same queues)", &fanout),
        ] {
            g.bench_function(BenchmarkId::new(what, name), |bench| {
                bench.iter_custom(|iters| {
                    let mut spent = std::time::Duration::ZERO;
                    for _ in 0..iters {
                        let start = std::time::Instant::now();
                        for m in batch {
                            b.basic_publish(p, black_box(m)).unwrap();
                        }
                        spent += start.elapsed();
                        purge(&mut b);
                    }
                    spent
                });
            });
        }
        let trie: TopicTrie<u32> = {
            let mut t = TopicTrie::new();
            for (key, id) in &s.bindings {
                t.insert(key, *id);
            }
            t
        };
        g.bench_function(BenchmarkId::new("routing decision", name), |bench| {
            bench.iter(|| {
                let mut acc = 0_u32;
                for m in &topic {
                    trie.for_each_match(black_box(&m.routing_key), |id| acc = acc.wrapping_add(id));
                }
                acc
            });
        });
    }
    g.finish();
}

criterion_group!(benches, pipeline, topic_publish);
criterion_main!(benches);
