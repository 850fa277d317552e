//! Everything that happens in the broker, as events a driver drains with
//! [`Broker::poll_event`](crate::Broker::poll_event).
//!
//! Events carry names rather than internal ids so that a log stays
//! readable after the entities are gone. Deliveries, `basic.get` results
//! and returns carry the message itself (shared, not copied), because
//! that is what a client receives.

use std::sync::Arc;

use serde::ser::SerializeStruct;
use serde::{Serialize, Serializer};

use crate::{AmqpError, ChannelId, ConnectionId, Message, MessageId, SimTime};

/// Why a message left a queue without being delivered or acknowledged.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum DropReason {
    /// Dropped from the head by `x-max-length`/`x-max-length-bytes` (`drop-head`), with no DLX.
    MaxLength,
    /// Refused at publish by `x-overflow: reject-publish` (or `-dlx` with no DLX).
    RejectPublish,
    /// Rejected or nacked without requeue, with no DLX.
    Rejected,
    /// Its TTL ran out, with no DLX.
    Expired,
    /// Dead-lettered to an exchange that does not exist.
    DeadLetterExchangeMissing,
    /// Dead-lettered, but the DLX routed it nowhere (or only into a cycle).
    DeadLetterUnroutable,
    /// Removed by `queue.purge`.
    Purged,
    /// Its queue was deleted (explicitly, by auto-delete, exclusivity or `x-expires`).
    QueueDeleted,
    /// Requeued to a queue that no longer exists.
    RequeueToDeletedQueue,
    /// Returned to a quorum queue more times than its `x-delivery-limit`, with no DLX.
    DeliveryLimit,
}

/// Why a message was dead-lettered (the `reason` of its `x-death` entry).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum DeathReason {
    /// `basic.reject` or `basic.nack` with `requeue=false`.
    Rejected,
    /// Message TTL.
    Expired,
    /// Length limit.
    Maxlen,
    /// A quorum queue's `x-delivery-limit`, passed.
    #[serde(rename = "delivery_limit")]
    DeliveryLimit,
}

impl DeathReason {
    /// The `x-death` reason string.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Rejected => "rejected",
            Self::Expired => "expired",
            Self::Maxlen => "maxlen",
            Self::DeliveryLimit => "delivery_limit",
        }
    }
}

/// Why a queue was deleted.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum QueueDeleteReason {
    /// `queue.delete`.
    Deleted,
    /// `auto_delete` and its last consumer went.
    AutoDelete,
    /// Exclusive and its connection closed.
    OwnerClosed,
    /// `x-expires`: unused for its lease.
    Expired,
}

/// A closed channel's or connection's error, as the client saw it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CloseReason {
    /// Reply code.
    pub reply_code: u16,
    /// Reply text.
    pub reply_text: String,
    /// Class of the failed method.
    pub class_id: u16,
    /// Method of the failed method.
    pub method_id: u16,
}

impl From<&AmqpError> for CloseReason {
    fn from(e: &AmqpError) -> Self {
        let (class_id, method_id) = e.method.ids();
        Self {
            reply_code: e.code.code(),
            reply_text: e.text.clone(),
            class_id,
            method_id,
        }
    }
}

/// One state change, at virtual time `at`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Event {
    /// When it happened.
    pub at: SimTime,
    /// What happened.
    #[serde(flatten)]
    pub kind: EventKind,
}

/// What happened.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "event", rename_all = "kebab-case")]
#[non_exhaustive]
pub enum EventKind {
    /// A connection opened.
    ConnectionOpened {
        /// The connection.
        connection: ConnectionId,
    },
    /// A connection closed, by the client (`error: None`) or by a hard error.
    ConnectionClosed {
        /// The connection.
        connection: ConnectionId,
        /// The error that closed it, if any.
        error: Option<CloseReason>,
    },
    /// A channel opened.
    ChannelOpened {
        /// The channel.
        channel: ChannelId,
    },
    /// A channel closed, by the client (`error: None`), a soft error, or its connection closing.
    ChannelClosed {
        /// The channel.
        channel: ChannelId,
        /// The error that closed it, if any.
        error: Option<CloseReason>,
    },
    /// An exchange was created.
    ExchangeDeclared {
        /// Name.
        exchange: String,
        /// Type.
        exchange_type: String,
    },
    /// An exchange was deleted (explicitly or by auto-delete).
    ExchangeDeleted {
        /// Name.
        exchange: String,
    },
    /// A queue was created.
    QueueDeclared {
        /// Name.
        queue: String,
    },
    /// A queue was deleted; its ready messages went with it.
    QueueDeleted {
        /// Name.
        queue: String,
        /// Why.
        reason: QueueDeleteReason,
        /// Ready messages lost.
        message_count: u64,
    },
    /// A binding was added.
    Bound {
        /// Source exchange.
        source: String,
        /// Destination queue or exchange.
        destination: String,
        /// Whether the destination is an exchange.
        to_exchange: bool,
        /// Binding key.
        routing_key: String,
    },
    /// A binding was removed.
    Unbound {
        /// Source exchange.
        source: String,
        /// Destination queue or exchange.
        destination: String,
        /// Whether the destination is an exchange.
        to_exchange: bool,
        /// Binding key.
        routing_key: String,
    },
    /// A client published a message.
    Published {
        /// Publishing channel.
        channel: ChannelId,
        /// The new message.
        message: MessageId,
        /// Exchange.
        exchange: String,
        /// Routing key.
        routing_key: String,
    },
    /// Routing decided where a message (or a dead-lettered copy) goes.
    Routed {
        /// The message.
        message: MessageId,
        /// The exchange it entered.
        exchange: String,
        /// Every queue that takes a copy (sorted, once each).
        queues: Vec<String>,
    },
    /// A published message reached no queue and was not mandatory: it is gone.
    Unroutable {
        /// The message.
        message: MessageId,
    },
    /// A mandatory message reached no queue and went back to its publisher.
    Returned {
        /// Publishing channel.
        channel: ChannelId,
        /// Reply code (312).
        reply_code: u16,
        /// Reply text (`NO_ROUTE`).
        reply_text: String,
        /// The message.
        message: Arc<Message>,
    },
    /// A publisher confirm (channel in confirm mode).
    Confirmed {
        /// Publishing channel.
        channel: ChannelId,
        /// Publish sequence number.
        delivery_tag: u64,
        /// `basic.ack` (true) or `basic.nack` (false).
        ack: bool,
    },
    /// A copy of a message entered a queue's ready list.
    Enqueued {
        /// Queue.
        queue: String,
        /// The message.
        message: MessageId,
    },
    /// A message went to a consumer (`basic.deliver`).
    Delivered {
        /// The consumer's channel.
        channel: ChannelId,
        /// Consumer tag.
        consumer_tag: String,
        /// Delivery tag on that channel.
        delivery_tag: u64,
        /// Whether it had been delivered before.
        redelivered: bool,
        /// The queue it came from.
        queue: String,
        /// Whether it needs no acknowledgement.
        auto_ack: bool,
        /// The message.
        message: Arc<Message>,
    },
    /// `basic.get-ok`.
    GetOk {
        /// Channel.
        channel: ChannelId,
        /// Delivery tag.
        delivery_tag: u64,
        /// Whether it had been delivered before.
        redelivered: bool,
        /// The queue.
        queue: String,
        /// Ready messages left.
        message_count: u64,
        /// Whether it needs no acknowledgement.
        auto_ack: bool,
        /// The message.
        message: Arc<Message>,
    },
    /// `basic.get-empty`.
    GetEmpty {
        /// Channel.
        channel: ChannelId,
        /// The queue.
        queue: String,
    },
    /// A delivery was acknowledged.
    Acked {
        /// Channel.
        channel: ChannelId,
        /// Delivery tag.
        delivery_tag: u64,
        /// The queue it came from.
        queue: String,
        /// The message.
        message: MessageId,
    },
    /// A delivery was rejected or nacked.
    Nacked {
        /// Channel.
        channel: ChannelId,
        /// Delivery tag.
        delivery_tag: u64,
        /// The queue it came from.
        queue: String,
        /// The message.
        message: MessageId,
        /// Whether it goes back to the queue.
        requeue: bool,
    },
    /// A message went back to its queue, at its original position, marked redelivered.
    Requeued {
        /// Queue.
        queue: String,
        /// The message.
        message: MessageId,
    },
    /// A message's TTL ran out at the head of its queue.
    Expired {
        /// Queue.
        queue: String,
        /// The message.
        message: MessageId,
    },
    /// A message was dead-lettered: republished to the queue's DLX as a new message.
    DeadLettered {
        /// The queue it died in.
        queue: String,
        /// The message.
        message: MessageId,
        /// Why.
        reason: DeathReason,
        /// The dead-letter exchange.
        exchange: String,
        /// The new message published to the DLX.
        new_message: MessageId,
    },
    /// A message left a queue for good without delivery.
    Dropped {
        /// Queue.
        queue: String,
        /// The message.
        message: MessageId,
        /// Why.
        reason: DropReason,
    },
    /// A consumer was registered (`basic.consume-ok`).
    ConsumerAdded {
        /// Channel.
        channel: ChannelId,
        /// Consumer tag.
        consumer_tag: String,
        /// Queue.
        queue: String,
    },
    /// A consumer went: `basic.cancel`, its channel closing, or the broker cancelling it because its queue was deleted.
    ConsumerCancelled {
        /// Channel.
        channel: ChannelId,
        /// Consumer tag.
        consumer_tag: String,
        /// Queue.
        queue: String,
        /// The broker cancelled it (the client receives `basic.cancel`).
        by_broker: bool,
    },
    /// With `x-single-active-consumer`, this consumer became the active one.
    ConsumerActivated {
        /// Channel.
        channel: ChannelId,
        /// Consumer tag.
        consumer_tag: String,
        /// Queue.
        queue: String,
    },
    /// `queue.purge` removed ready messages.
    Purged {
        /// Queue.
        queue: String,
        /// How many.
        message_count: u64,
    },
}

impl Serialize for Message {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut st = s.serialize_struct("Message", 5)?;
        st.serialize_field("id", &self.id())?;
        st.serialize_field("exchange", self.exchange())?;
        st.serialize_field("routing_key", self.routing_key())?;
        st.serialize_field("body", &String::from_utf8_lossy(self.body()))?;
        st.serialize_field("properties", self.properties())?;
        st.end()
    }
}
