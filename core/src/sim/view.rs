//! Read-only snapshots of the actors, for the playground and for tests.

use std::fmt;

use serde::Serialize;

use crate::{ChannelId, CloseReason, ConnectionId, MessageId, SimTime};

/// A simulated actor, numbered from 1 in the order actors were added.
/// Ids are never reused, so a stale id fails loudly instead of reaching a
/// newer actor.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct ActorId(pub u32);

impl fmt::Display for ActorId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "a{}", self.0)
    }
}

/// One actor as the playground shows it.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum ActorView {
    /// A producer.
    Producer(ProducerView),
    /// A consumer.
    Consumer(ConsumerView),
}

impl ActorView {
    /// The actor's id.
    pub fn id(&self) -> ActorId {
        match self {
            Self::Producer(p) => p.id,
            Self::Consumer(c) => c.id,
        }
    }

    /// The actor's name.
    pub fn name(&self) -> &str {
        match self {
            Self::Producer(p) => &p.name,
            Self::Consumer(c) => &c.name,
        }
    }

    /// The producer view, if it is one.
    pub fn as_producer(&self) -> Option<&ProducerView> {
        match self {
            Self::Producer(p) => Some(p),
            Self::Consumer(_) => None,
        }
    }

    /// The consumer view, if it is one.
    pub fn as_consumer(&self) -> Option<&ConsumerView> {
        match self {
            Self::Consumer(c) => Some(c),
            Self::Producer(_) => None,
        }
    }
}

/// A producer's state and counters.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ProducerView {
    /// Id.
    pub id: ActorId,
    /// Name.
    pub name: String,
    /// Exchange it publishes to.
    pub exchange: String,
    /// Routing keys, one message each per publish.
    pub routing_keys: Vec<String>,
    /// Current rate (messages per second); `None` = one-off.
    pub rate_per_sec: Option<f64>,
    /// When the next scheduled publish is due; `None` when idle (one-off,
    /// or `count` reached).
    pub next_publish_at: Option<SimTime>,
    /// Publishes so far (the last `{n}`), refused ones included.
    pub sent: u64,
    /// Messages the broker accepted.
    pub published: u64,
    /// Messages the broker refused (the channel closed; see `last_error`).
    pub failed: u64,
    /// Publisher confirms received: `basic.ack`.
    pub confirmed: u64,
    /// Publisher confirms received: `basic.nack`.
    pub confirm_nacked: u64,
    /// Mandatory messages returned (312 `NO_ROUTE`).
    pub returned: u64,
    /// Its connection, while open.
    pub connection: Option<ConnectionId>,
    /// Its channel, while open.
    pub channel: Option<ChannelId>,
    /// The last error that closed its channel or connection.
    pub last_error: Option<CloseReason>,
}

/// What a consumer is doing.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ConsumerState {
    /// Registered on its queue and receiving.
    Running,
    /// Cancelled by the client (`stop_consumer`); its channel stays open
    /// and it finishes the work in hand.
    Stopped,
    /// Cancelled by the broker (its queue was deleted); like `Stopped`.
    Cancelled,
    /// Its connection was closed under it (`crash` policy, `crash_after`,
    /// `kill_consumer`): work in hand is lost and the broker requeued
    /// its unacked messages.
    Crashed,
    /// The broker refused something (e.g. `basic.consume` on a missing
    /// queue, 404) or its channel was closed by someone else; see
    /// `last_error`. Work in hand is lost.
    Failed,
}

/// A delivery a consumer is working on.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct InFlightView {
    /// Delivery tag on the consumer's channel.
    pub delivery_tag: u64,
    /// The message.
    pub message: MessageId,
    /// The queue it came from.
    pub queue: String,
    /// Whether it had been delivered before.
    pub redelivered: bool,
    /// When it arrived.
    pub received_at: SimTime,
    /// When processing ends and the delivery is settled.
    pub finish_at: SimTime,
}

/// A consumer's state and counters.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ConsumerView {
    /// Id.
    pub id: ActorId,
    /// Name.
    pub name: String,
    /// Queue it consumes from.
    pub queue: String,
    /// Current consumer tag (the broker's when it generated one).
    pub consumer_tag: String,
    /// State.
    pub state: ConsumerState,
    /// Prefetch count (0 = unlimited).
    pub prefetch: u16,
    /// Deliveries being processed, in delivery-tag order.
    pub in_flight: Vec<InFlightView>,
    /// Deliveries received, redeliveries included.
    pub received: u64,
    /// Deliveries whose processing finished.
    pub processed: u64,
    /// `basic.ack`s sent.
    pub acked: u64,
    /// `basic.nack`s and `basic.reject`s sent, with or without requeue.
    pub nacked: u64,
    /// Deliveries in hand when the consumer crashed or was killed: with
    /// manual acks the broker requeued them; with `auto_ack` they are gone.
    pub lost: u64,
    /// Crashes and kills.
    pub crashes: u64,
    /// Its connection, while open.
    pub connection: Option<ConnectionId>,
    /// Its channel, while open.
    pub channel: Option<ChannelId>,
    /// The last error that closed its channel or connection.
    pub last_error: Option<CloseReason>,
}
