//! Queue types (`x-queue-type`): which arguments each accepts, and the
//! declare rules that set quorum queues and streams apart from classic
//! ones, as RabbitMQ 3.10.8 applies them (recorded in the conformance
//! fixtures `quorum-*` and `stream-*`). What a stream does with its
//! messages is in `stream.rs`.

use serde::Serialize;

use crate::value::{FieldTable, FieldValue};

/// A queue's type.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum QueueType {
    /// The default: FIFO per priority, requeue to the original position.
    #[default]
    Classic,
    /// Raft-replicated FIFO: durable only, delivery counting and limits,
    /// returns ahead of the queue.
    Quorum,
    /// Append-only log: durable only, read by each consumer from an
    /// offset of its own, never shrunk by consuming.
    Stream,
}

/// The header a quorum queue puts on deliveries: how many times the
/// message came back unacknowledged.
pub const DELIVERY_COUNT_HEADER: &str = "x-delivery-count";

/// How often a quorum queue's state machine ticks (3.10's
/// `quorum_tick_interval`, 5 s by default). An unused quorum queue is
/// deleted at its first tick after the `x-expires` lease ran out, not at
/// the lease's end (recorded: quorum-expires-tick).
pub(crate) const QUORUM_TICK_MS: u64 = 5_000;

/// Arguments only classic queues take (3.10 `queue_arguments` of
/// `rabbit_classic_queue`, less the ones quorum queues share).
const CLASSIC_ONLY: &[&str] = &[
    "x-max-priority",
    "x-queue-mode",
    "x-queue-version",
    "x-queue-master-locator",
];

/// Arguments only quorum queues take.
const QUORUM_ONLY: &[&str] = &[
    "x-delivery-limit",
    "x-dead-letter-strategy",
    "x-max-in-memory-length",
    "x-max-in-memory-bytes",
    "x-quorum-initial-group-size",
];

/// Stream arguments a quorum queue refuses (`x-queue-leader-locator` is
/// the streams' and quorum queues' both).
const STREAM_ONLY: &[&str] = &[
    "x-max-age",
    "x-stream-max-segment-size-bytes",
    "x-initial-cluster-size",
];

/// Arguments classic and quorum queues both take and streams refuse.
const CLASSIC_AND_QUORUM: &[&str] = &[
    "x-expires",
    "x-message-ttl",
    "x-dead-letter-exchange",
    "x-dead-letter-routing-key",
    "x-max-length",
    "x-overflow",
    "x-single-active-consumer",
];

/// The arguments a redeclare of a stream compares (its `queue_arguments`).
const STREAM_EQUIVALENCE: &[&str] = &[
    "x-initial-cluster-size",
    "x-max-age",
    "x-max-length-bytes",
    "x-queue-leader-locator",
    "x-queue-type",
    "x-stream-max-segment-size-bytes",
];

/// The arguments a redeclare of a quorum queue compares (its
/// `queue_arguments`).
const QUORUM_EQUIVALENCE: &[&str] = &[
    "x-dead-letter-exchange",
    "x-dead-letter-routing-key",
    "x-dead-letter-strategy",
    "x-delivery-limit",
    "x-expires",
    "x-max-in-memory-bytes",
    "x-max-in-memory-length",
    "x-max-length",
    "x-max-length-bytes",
    "x-message-ttl",
    "x-overflow",
    "x-queue-leader-locator",
    "x-queue-type",
    "x-quorum-initial-group-size",
    "x-single-active-consumer",
];

impl QueueType {
    /// The type `queue.declare` arguments ask for (classic when absent or
    /// not one of the three; the argument check refuses the latter).
    pub fn of(args: &FieldTable) -> Self {
        match args.get("x-queue-type").and_then(FieldValue::as_str) {
            Some("quorum") => Self::Quorum,
            Some("stream") => Self::Stream,
            _ => Self::Classic,
        }
    }

    /// The type's name, as `x-queue-type` carries it.
    pub const fn name(self) -> &'static str {
        match self {
            Self::Classic => "classic",
            Self::Quorum => "quorum",
            Self::Stream => "stream",
        }
    }

    /// The Erlang module RabbitMQ names in its reply texts.
    pub(crate) const fn module(self) -> &'static str {
        match self {
            Self::Classic => "rabbit_classic_queue",
            Self::Quorum => "rabbit_quorum_queue",
            Self::Stream => "rabbit_stream_queue",
        }
    }

    /// The first argument (in the order the client sent them) that some
    /// queue type takes but this one does not: RabbitMQ refuses it with
    /// "invalid arg … of queue type …". Unknown arguments pass.
    pub(crate) fn refused_argument(self, args: &FieldTable) -> Option<&str> {
        let refused: &[&[&str]] = match self {
            Self::Classic => &[QUORUM_ONLY, STREAM_ONLY, &["x-queue-leader-locator"]],
            Self::Quorum => &[CLASSIC_ONLY, STREAM_ONLY],
            Self::Stream => &[CLASSIC_ONLY, QUORUM_ONLY, CLASSIC_AND_QUORUM],
        };
        args.iter()
            .map(|(k, _)| k)
            .find(|k| refused.iter().any(|list| list.contains(k)))
    }

    /// The arguments a redeclare compares, `classic` being the caller's
    /// list for classic queues.
    pub(crate) fn equivalence_args(
        self,
        classic: &'static [&'static str],
    ) -> &'static [&'static str] {
        match self {
            Self::Quorum => QUORUM_EQUIVALENCE,
            Self::Stream => STREAM_EQUIVALENCE,
            Self::Classic => classic,
        }
    }
}

/// Why 3.10 refuses to declare a quorum queue or a stream with these
/// properties, in the order it checks them (after the arguments): the
/// detail of the 406.
pub(crate) fn replicated_property_refusal(
    durable: bool,
    exclusive: bool,
    auto_delete: bool,
) -> Option<&'static str> {
    if auto_delete {
        Some("auto-delete")
    } else if exclusive {
        Some("exclusive-owner")
    } else if !durable {
        Some("non-durable")
    } else {
        None
    }
}

/// `x-dead-letter-strategy`: the value's error term, if RabbitMQ refuses it.
pub(crate) fn check_dead_letter_strategy(value: &FieldValue) -> Result<(), String> {
    match value {
        FieldValue::LongStr(s) if matches!(s.as_str(), "at-most-once" | "at-least-once") => Ok(()),
        FieldValue::LongStr(_) => Err("invalid_dlx_strategy".into()),
        other => Err(format!("{{unacceptable_type,{}}}", other.type_name())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(keys: &[&str]) -> FieldTable {
        FieldTable(
            keys.iter()
                .map(|k| ((*k).into(), FieldValue::I32(1)))
                .collect(),
        )
    }

    #[test]
    fn each_type_refuses_the_others_arguments_in_sent_order() {
        let args = table(&["x-foo", "x-delivery-limit", "x-dead-letter-strategy"]);
        assert_eq!(
            QueueType::Classic.refused_argument(&args),
            Some("x-delivery-limit")
        );
        assert_eq!(QueueType::Quorum.refused_argument(&args), None);
        assert_eq!(
            QueueType::Stream.refused_argument(&table(&["x-max-age", "x-overflow"])),
            Some("x-overflow")
        );
        let args = table(&["x-max-priority", "x-queue-mode"]);
        assert_eq!(
            QueueType::Quorum.refused_argument(&args),
            Some("x-max-priority")
        );
        assert_eq!(QueueType::Classic.refused_argument(&args), None);
        let args = table(&["x-queue-leader-locator"]);
        assert_eq!(QueueType::Quorum.refused_argument(&args), None);
        assert_eq!(
            QueueType::Classic.refused_argument(&args),
            Some("x-queue-leader-locator")
        );
    }

    #[test]
    fn replicated_properties_are_checked_auto_delete_first() {
        assert_eq!(
            replicated_property_refusal(false, true, true),
            Some("auto-delete")
        );
        assert_eq!(
            replicated_property_refusal(false, true, false),
            Some("exclusive-owner")
        );
        assert_eq!(
            replicated_property_refusal(false, false, false),
            Some("non-durable")
        );
        assert_eq!(replicated_property_refusal(true, false, false), None);
    }

    #[test]
    fn the_type_is_read_from_the_arguments() {
        let t = |v: &str| FieldTable(vec![("x-queue-type".into(), FieldValue::str(v))]);
        assert_eq!(QueueType::of(&t("quorum")), QueueType::Quorum);
        assert_eq!(QueueType::of(&t("classic")), QueueType::Classic);
        assert_eq!(QueueType::of(&FieldTable::new()), QueueType::Classic);
        assert!(check_dead_letter_strategy(&FieldValue::str("bogus")).is_err());
        assert_eq!(
            check_dead_letter_strategy(&FieldValue::I32(1)).unwrap_err(),
            "{unacceptable_type,signedint}"
        );
    }
}
