//! Drives the publish → deliver → ack path in a loop, for profilers
//! (`valgrind --tool=callgrind target/release/examples/hot_path`).
use warren_core::methods::*;
use warren_core::Broker;

fn main() {
    let mut b = Broker::new();
    b.set_record_events(false);
    let p = b.connect();
    let c = b.connect();
    b.exchange_declare(
        p,
        &ExchangeDeclare {
            exchange: "x".into(),
            ..Default::default()
        },
    )
    .unwrap();
    b.queue_declare(
        p,
        &QueueDeclare {
            queue: "q".into(),
            ..Default::default()
        },
    )
    .unwrap();
    b.queue_bind(
        p,
        &QueueBind {
            queue: "q".into(),
            exchange: "x".into(),
            routing_key: "k".into(),
            ..Default::default()
        },
    )
    .unwrap();
    b.basic_consume(
        c,
        &BasicConsume {
            queue: "q".into(),
            consumer_tag: "c".into(),
            ..Default::default()
        },
    )
    .unwrap();
    let publish = BasicPublish {
        exchange: "x".into(),
        routing_key: "k".into(),
        body: "order #1".into(),
        ..Default::default()
    };
    let n: u64 = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(200_000);
    for tag in 1..=n {
        b.basic_publish(p, &publish).unwrap();
        b.basic_ack(
            c,
            &BasicAck {
                delivery_tag: tag,
                multiple: false,
            },
        )
        .unwrap();
    }
    println!("{}", b.ledger().acked);
}
