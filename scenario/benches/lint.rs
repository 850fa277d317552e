//! The lint on a 200-node scene, as the playground runs it after every
//! change of the topology: the broker exported as definitions, then
//! `check_with` with the scene's producers and consumers.
//!
//! Run with `cargo bench -p warren-scenario --bench lint`; figures in
//! docs/performance.md. (The page builds without the file-only checks;
//! this bench has them, which find nothing in an export but still walk it.)
//!
//! The scene: 20 producers, 40 exchanges (direct, topic and fanout, every
//! fourth with an alternate exchange, every tenth bound to the next), 100
//! queues (every fifth dead-lettering to a retry exchange, every seventh
//! with a TTL), 200 bindings, 40 consumers: 200 nodes.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion};
use warren_core::methods::{ExchangeBind, ExchangeDeclare, QueueBind, QueueDeclare};
use warren_core::{Broker, ConsumerSpec, FieldTable, FieldValue, ProducerSpec};
use warren_scenario::lint::{self, Clients};
use warren_scenario::Definitions;

const KINDS: [&str; 3] = ["direct", "topic", "fanout"];

fn arg(table: &mut FieldTable, key: &str, v: FieldValue) {
    table.insert(key, v);
}

/// The broker and actors of the 200-node scene.
fn scene() -> (Broker, Vec<ProducerSpec>, Vec<ConsumerSpec>) {
    let mut b = Broker::new();
    let ch = b.connect();
    for i in 0..40 {
        let mut arguments = FieldTable::new();
        if i % 4 == 0 {
            arg(
                &mut arguments,
                "alternate-exchange",
                FieldValue::str(format!("x{}", (i + 1) % 40)),
            );
        }
        let m = ExchangeDeclare {
            exchange: format!("x{i}"),
            exchange_type: Some(KINDS[i % 3].into()),
            arguments,
            ..ExchangeDeclare::default()
        };
        b.exchange_declare(ch, &m).unwrap();
    }
    for i in 0..100 {
        let mut arguments = FieldTable::new();
        if i % 5 == 0 {
            arg(
                &mut arguments,
                "x-dead-letter-exchange",
                FieldValue::str("x1"),
            );
            arg(
                &mut arguments,
                "x-dead-letter-routing-key",
                FieldValue::str("retry"),
            );
        }
        if i % 7 == 0 {
            arg(&mut arguments, "x-message-ttl", FieldValue::I32(5000));
        }
        let m = QueueDeclare {
            queue: format!("q{i}"),
            arguments,
            ..QueueDeclare::default()
        };
        b.queue_declare(ch, &m).unwrap();
    }
    for i in 0..200 {
        let m = QueueBind {
            queue: format!("q{}", i % 100),
            exchange: format!("x{}", i % 40),
            routing_key: format!("k{}.{}", i % 13, if i % 2 == 0 { "*" } else { "a" }),
            arguments: FieldTable::new(),
        };
        b.queue_bind(ch, &m).unwrap();
    }
    for i in (0..40).step_by(10) {
        let m = ExchangeBind {
            destination: format!("x{}", i + 1),
            source: format!("x{i}"),
            routing_key: "k1.a".into(),
            arguments: FieldTable::new(),
        };
        b.exchange_bind(ch, &m).unwrap();
    }
    let producers = (0..20)
        .map(|i| {
            ProducerSpec::new(
                format!("p{i}"),
                format!("x{}", i * 2),
                format!("k{}.a", i % 13),
            )
        })
        .collect();
    let consumers = (0..40)
        .map(|i| ConsumerSpec {
            name: format!("c{i}"),
            queue: format!("q{}", i * 2),
            ..ConsumerSpec::default()
        })
        .collect();
    (b, producers, consumers)
}

fn lint_200_nodes(c: &mut Criterion) {
    let (broker, producers, consumers) = scene();
    let clients = Clients {
        producers: &producers,
        consumers: &consumers,
    };
    let n = lint::check_with(&Definitions::export(&broker), Some(&clients)).len();
    assert!(n > 0, "the scene has findings to report");
    c.bench_function("export + check_with, 200 nodes", |bench| {
        bench.iter(|| {
            let defs = Definitions::export(black_box(&broker));
            lint::check_with(&defs, Some(&clients))
        });
    });
}

criterion_group!(benches, lint_200_nodes);
criterion_main!(benches);
