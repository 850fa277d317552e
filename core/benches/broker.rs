//! The broker's hot path, end to end: publish → route → enqueue → deliver
//! → ack, as messages per second on one core; plus fan-out and the
//! `basic.get` path.
//!
//! Run with `cargo bench -p warren-core --bench broker`.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use warren_core::methods::*;
use warren_core::{Broker, ChannelId};

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

criterion_group!(benches, pipeline);
criterion_main!(benches);
