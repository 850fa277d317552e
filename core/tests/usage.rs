//! Misuse of the API that no AMQP client could put on the wire is a typed
//! usage error, never a panic, and leaves the broker consistent.

use warren_core::methods::*;
use warren_core::{Broker, ChannelId, Error, FieldTable, FieldValue, UsageError};

fn long() -> String {
    "x".repeat(256)
}

#[test]
fn names_over_255_bytes_are_usage_errors() {
    let mut b = Broker::new();
    let ch = b.connect();
    let is_long =
        |r: Result<(), Error>| matches!(r, Err(Error::Usage(UsageError::ShortStrTooLong)));
    assert!(is_long(b.exchange_declare(
        ch,
        &ExchangeDeclare {
            exchange: long(),
            ..Default::default()
        }
    )));
    assert!(is_long(
        b.queue_declare(
            ch,
            &QueueDeclare {
                queue: long(),
                ..Default::default()
            }
        )
        .map(|_| ())
    ));
    assert!(is_long(b.queue_bind(
        ch,
        &QueueBind {
            queue: "q".into(),
            exchange: "amq.direct".into(),
            routing_key: long(),
            ..Default::default()
        }
    )));
    assert!(is_long(b.basic_publish(
        ch,
        &BasicPublish {
            routing_key: long(),
            ..Default::default()
        }
    )));
    assert!(is_long(
        b.basic_consume(
            ch,
            &BasicConsume {
                queue: "q".into(),
                consumer_tag: long(),
                ..Default::default()
            }
        )
        .map(|_| ())
    ));
    // The channel stays open: nothing reached the broker.
    assert!(b.is_channel_open(ch));
    b.check_invariants().unwrap();
}

#[test]
fn a_dead_letter_routing_key_too_long_to_send_drops_the_message() {
    let mut b = Broker::new();
    let ch = b.connect();
    let args = FieldTable(vec![
        (
            "x-dead-letter-exchange".into(),
            FieldValue::str("amq.direct"),
        ),
        ("x-dead-letter-routing-key".into(), FieldValue::str(long())),
    ]);
    b.queue_declare(
        ch,
        &QueueDeclare {
            queue: "q".into(),
            arguments: args,
            ..Default::default()
        },
    )
    .unwrap();
    b.basic_publish(
        ch,
        &BasicPublish {
            routing_key: "q".into(),
            body: "m".into(),
            ..Default::default()
        },
    )
    .unwrap();
    b.basic_get(
        ch,
        &BasicGet {
            queue: "q".into(),
            ..Default::default()
        },
    )
    .unwrap();
    b.basic_reject(
        ch,
        &BasicReject {
            delivery_tag: 1,
            requeue: false,
        },
    )
    .unwrap();
    assert_eq!(b.ledger().dropped, 1);
    b.check_invariants().unwrap();
}

#[test]
fn closed_channels_and_connections_are_usage_errors() {
    let mut b = Broker::new();
    let ghost = ChannelId::new(9, 9);
    assert!(matches!(
        b.basic_publish(ghost, &BasicPublish::default()),
        Err(Error::Usage(UsageError::ChannelNotOpen(_)))
    ));
    assert!(b.close_connection(ghost.connection).is_err());
    let ch = b.connect();
    assert!(matches!(
        b.open_channel(ch.connection, 1),
        Err(Error::Usage(UsageError::ChannelAlreadyOpen(_)))
    ));
    b.close_channel(ch).unwrap();
    assert!(b.close_channel(ch).is_err());
    b.check_invariants().unwrap();
}

#[test]
fn oversized_bodies_are_refused_like_rabbitmq() {
    let mut b = Broker::new();
    let ch = b.connect();
    let body = "x".repeat(warren_core::MAX_MESSAGE_SIZE + 1);
    let err = b
        .basic_publish(
            ch,
            &BasicPublish {
                routing_key: "q".into(),
                body,
                ..Default::default()
            },
        )
        .unwrap_err();
    assert_eq!(err.code(), Some(406));
    assert!(!b.is_channel_open(ch));
}

/// A rolled-back ack gives its delivery back among later ones: acking the
/// later ones afterwards still finds every tag (the unacked list stays in
/// tag order).
#[test]
fn a_rolled_back_ack_puts_its_delivery_back_in_tag_order() {
    use warren_core::methods::{BasicAck, BasicGet, BasicPublish, QueueDeclare};
    let mut b = Broker::new();
    let ch = b.connect();
    b.queue_declare(
        ch,
        &QueueDeclare {
            queue: "q".into(),
            ..Default::default()
        },
    )
    .unwrap();
    for body in ["m1", "m2", "m3"] {
        let m = BasicPublish {
            routing_key: "q".into(),
            body: body.into(),
            ..Default::default()
        };
        b.basic_publish(ch, &m).unwrap();
    }
    b.tx_select(ch).unwrap();
    for _ in 0..3 {
        b.basic_get(
            ch,
            &BasicGet {
                queue: "q".into(),
                auto_ack: false,
            },
        )
        .unwrap();
    }
    b.basic_ack(
        ch,
        &BasicAck {
            delivery_tag: 2,
            multiple: false,
        },
    )
    .unwrap();
    b.tx_rollback(ch).unwrap();
    for tag in [3, 2, 1] {
        b.basic_ack(
            ch,
            &BasicAck {
                delivery_tag: tag,
                multiple: false,
            },
        )
        .unwrap();
    }
    b.tx_commit(ch).unwrap();
    assert_eq!(b.queue("q").unwrap().unacked, 0);
    b.check_invariants().unwrap();
}
