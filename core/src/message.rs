//! Messages and their properties.
//!
//! A published message is stored once, behind an [`Arc`], however many
//! queues it reaches; each queue holds only a small [`Entry`] pointing at
//! it. The exchange name, routing key and body share one allocation so
//! that a queued message costs at most 80 bytes of bookkeeping beyond its
//! body (see `Message::bookkeeping_bytes`).

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::{FieldTable, FieldValue, MessageId, SimTime};

/// The largest body RabbitMQ 3.10 accepts by default (`max_message_size`).
pub const MAX_MESSAGE_SIZE: usize = 134_217_728;

/// AMQP basic properties, named as pika names them.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Properties {
    /// MIME type of the body.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_type: Option<String>,
    /// Encoding of the body.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_encoding: Option<String>,
    /// Application headers (and `x-death`, `CC`, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub headers: Option<FieldTable>,
    /// 1 = transient, 2 = persistent (not simulated: no restarts).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delivery_mode: Option<u8>,
    /// Message priority, used by queues with `x-max-priority`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority: Option<u8>,
    /// Correlation identifier.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub correlation_id: Option<String>,
    /// Reply-to queue name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reply_to: Option<String>,
    /// Per-message TTL in milliseconds, as a decimal string (as on the wire).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expiration: Option<String>,
    /// Application message identifier.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message_id: Option<String>,
    /// Timestamp, seconds since the epoch.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timestamp: Option<u64>,
    /// Message type name (`type` on the wire).
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// Creating user id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
    /// Creating application id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub app_id: Option<String>,
    /// Deprecated cluster id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cluster_id: Option<String>,
}

impl Properties {
    /// A header value.
    pub fn header(&self, key: &str) -> Option<&FieldValue> {
        self.headers.as_ref()?.get(key)
    }

    /// Whether no property is set (checked field by field: cheaper than
    /// comparing with a default value on every publish).
    pub(crate) fn is_empty(&self) -> bool {
        self.content_type.is_none()
            && self.content_encoding.is_none()
            && self.headers.is_none()
            && self.delivery_mode.is_none()
            && self.priority.is_none()
            && self.correlation_id.is_none()
            && self.reply_to.is_none()
            && self.expiration.is_none()
            && self.message_id.is_none()
            && self.timestamp.is_none()
            && self.kind.is_none()
            && self.user_id.is_none()
            && self.app_id.is_none()
            && self.cluster_id.is_none()
    }
}

/// Properties plus routing data the broker keeps but does not show.
#[derive(Clone, Debug, Default, PartialEq)]
struct Meta {
    props: Properties,
    /// `BCC` routing keys: stripped from the headers before storing, kept
    /// for dead-lettering, which republishes to every original key.
    bcc: Vec<String>,
}

/// A message as stored by the broker: immutable once published.
#[derive(Debug, PartialEq)]
pub struct Message {
    id: MessageId,
    /// `[exchange len][exchange][routing key len][routing key][body]`;
    /// both names are AMQP short strings (at most 255 bytes).
    data: Box<[u8]>,
    meta: Option<Box<Meta>>,
}

static NO_PROPERTIES: Properties = Properties {
    content_type: None,
    content_encoding: None,
    headers: None,
    delivery_mode: None,
    priority: None,
    correlation_id: None,
    reply_to: None,
    expiration: None,
    message_id: None,
    timestamp: None,
    kind: None,
    user_id: None,
    app_id: None,
    cluster_id: None,
};

impl Message {
    /// Builds a message. `exchange` and `routing_key` must be at most 255
    /// bytes (the broker checks this before calling).
    pub(crate) fn new(
        id: MessageId,
        exchange: &str,
        routing_key: &str,
        props: Properties,
        bcc: Vec<String>,
        body: &[u8],
    ) -> Arc<Self> {
        debug_assert!(exchange.len() <= 255 && routing_key.len() <= 255);
        let mut data = Vec::with_capacity(2 + exchange.len() + routing_key.len() + body.len());
        data.push(exchange.len().min(255) as u8);
        data.extend_from_slice(&exchange.as_bytes()[..exchange.len().min(255)]);
        data.push(routing_key.len().min(255) as u8);
        data.extend_from_slice(&routing_key.as_bytes()[..routing_key.len().min(255)]);
        data.extend_from_slice(body);
        let meta = (!props.is_empty() || !bcc.is_empty()).then(|| Box::new(Meta { props, bcc }));
        Arc::new(Self {
            id,
            data: data.into_boxed_slice(),
            meta,
        })
    }

    fn rk_start(&self) -> usize {
        1 + usize::from(self.data[0])
    }

    fn body_start(&self) -> usize {
        let rk = self.rk_start();
        rk + 1 + usize::from(self.data[rk])
    }

    /// A copy of the message with one header set (replacing the
    /// publisher's, as a quorum queue does with `x-delivery-count`): the
    /// same id, so the log and the tests still follow one message.
    pub(crate) fn with_header(&self, key: &str, value: FieldValue) -> Arc<Self> {
        let mut meta = self.meta.as_deref().cloned().unwrap_or_default();
        meta.props
            .headers
            .get_or_insert_with(FieldTable::new)
            .insert(key, value);
        Arc::new(Self {
            id: self.id,
            data: self.data.clone(),
            meta: Some(Box::new(meta)),
        })
    }

    /// A copy of the message (same id) keeping only the headers `keep`
    /// accepts; the message itself if it keeps them all.
    pub(crate) fn with_headers_kept(
        self: &Arc<Self>,
        keep: impl Fn(&FieldValue) -> bool,
    ) -> Arc<Self> {
        let Some(headers) = self.properties().headers.as_ref() else {
            return self.clone();
        };
        if headers.iter().all(|(_, v)| keep(v)) {
            return self.clone();
        }
        let mut meta = self.meta.as_deref().cloned().unwrap_or_default();
        let kept: Vec<(String, FieldValue)> = headers
            .iter()
            .filter(|(_, v)| keep(v))
            .map(|(k, v)| (k.to_owned(), v.clone()))
            .collect();
        meta.props.headers = (!kept.is_empty()).then_some(FieldTable(kept));
        Arc::new(Self {
            id: self.id,
            data: self.data.clone(),
            meta: Some(Box::new(meta)),
        })
    }

    /// The message's number.
    pub fn id(&self) -> MessageId {
        self.id
    }

    /// The exchange it was published to (for a dead-lettered copy: the DLX).
    pub fn exchange(&self) -> &str {
        std::str::from_utf8(&self.data[1..self.rk_start()]).unwrap_or_default()
    }

    /// The routing key it was published with.
    pub fn routing_key(&self) -> &str {
        let start = self.rk_start() + 1;
        std::str::from_utf8(&self.data[start..self.body_start()]).unwrap_or_default()
    }

    /// The body.
    pub fn body(&self) -> &[u8] {
        &self.data[self.body_start()..]
    }

    /// The properties, as consumers see them (`BCC` removed).
    pub fn properties(&self) -> &Properties {
        self.meta.as_ref().map_or(&NO_PROPERTIES, |m| &m.props)
    }

    /// Whether the message has `CC` or `BCC` keys besides its routing key.
    pub(crate) fn has_extra_keys(&self) -> bool {
        self.meta
            .as_ref()
            .is_some_and(|m| !m.bcc.is_empty() || m.props.header("CC").is_some())
    }

    /// Every routing key the message was routed with: the publish key, then
    /// each `CC`, then each `BCC` key, as RabbitMQ 3.10 lists them.
    pub fn routing_keys(&self) -> Vec<String> {
        let mut keys = vec![self.routing_key().to_owned()];
        keys.extend(cc_keys(self.properties()));
        if let Some(meta) = &self.meta {
            keys.extend(meta.bcc.iter().cloned());
        }
        keys
    }

    /// `BCC` keys kept for dead-lettering.
    pub(crate) fn bcc(&self) -> &[String] {
        self.meta.as_ref().map_or(&[], |m| m.bcc.as_slice())
    }

    /// Effective priority in a queue with `x-max-priority = max`.
    pub(crate) fn priority_in(&self, max: u8) -> u8 {
        self.properties().priority.unwrap_or(0).min(max)
    }

    /// Heap and inline bytes the broker spends on this message besides its body.
    pub fn bookkeeping_bytes(&self) -> usize {
        // Arc header (two counters) + the struct + names + meta.
        let meta = self.meta.as_ref().map_or(0, |m| {
            size_of::<Meta>()
                + m.props.headers.as_ref().map_or(0, FieldTable::heap_size)
                + m.bcc
                    .iter()
                    .map(|k| k.len() + size_of::<String>())
                    .sum::<usize>()
        });
        2 * size_of::<usize>() + size_of::<Self>() + self.body_start() + meta
    }
}

/// The `CC` header's `longstr` elements (other elements are ignored, as by RabbitMQ).
pub(crate) fn cc_keys(props: &Properties) -> impl Iterator<Item = String> + '_ {
    string_array(props.header("CC"))
}

pub(crate) fn string_array(v: Option<&FieldValue>) -> impl Iterator<Item = String> + '_ {
    let items: &[FieldValue] = match v {
        Some(FieldValue::Array(items)) => items,
        _ => &[],
    };
    items.iter().filter_map(|v| match v {
        FieldValue::LongStr(s) => Some(s.clone()),
        _ => None,
    })
}

/// A reference to one copy of a message, with its position and expiry.
/// Queues store it split (see `queue::Lane`), so that queues without TTL
/// spend 16 bytes per message on it.
#[derive(Clone, Debug)]
pub(crate) struct Entry {
    pub(crate) msg: Arc<Message>,
    /// `sequence << 17 | delivery_count << 1 | redelivered`: the sequence
    /// number fixes the message's position in a classic queue, so a
    /// requeued message goes back where it was; the delivery count is what
    /// a quorum queue reports as `x-delivery-count` (saturating at 65,535).
    seq_flags: u64,
    /// When the message expires in this queue ([`SimTime::NEVER`] if no TTL).
    pub(crate) expires_at: SimTime,
}

/// Where the sequence number starts in [`Entry`]'s packed word.
pub(crate) const SEQ_SHIFT: u32 = 17;
const COUNT_MASK: u64 = 0xFFFF << 1;

impl Entry {
    pub(crate) fn new(msg: Arc<Message>, seq: u64, expires_at: SimTime) -> Self {
        Self {
            msg,
            seq_flags: seq << SEQ_SHIFT,
            expires_at,
        }
    }

    pub(crate) fn seq(&self) -> u64 {
        self.seq_flags >> SEQ_SHIFT
    }

    /// Gives the entry a new place in its queue (a quorum queue's requeue
    /// to the back), keeping its flags.
    pub(crate) fn set_seq(&mut self, seq: u64) {
        self.seq_flags = (seq << SEQ_SHIFT) | (self.seq_flags & ((1 << SEQ_SHIFT) - 1));
    }

    pub(crate) fn redelivered(&self) -> bool {
        self.seq_flags & 1 == 1
    }

    pub(crate) fn mark_redelivered(&mut self) {
        self.seq_flags |= 1;
    }

    /// How many times the message came back unacknowledged (quorum queues).
    pub(crate) fn delivery_count(&self) -> u64 {
        (self.seq_flags & COUNT_MASK) >> 1
    }

    /// One more return, as a quorum queue counts them; the new count.
    pub(crate) fn count_return(&mut self) -> u64 {
        let count = (self.delivery_count() + 1).min(0xFFFF);
        self.seq_flags = (self.seq_flags & !COUNT_MASK) | (count << 1);
        count
    }

    /// The message, the packed sequence/redelivered word, and the expiry.
    pub(crate) fn into_parts(self) -> (Arc<Message>, u64, SimTime) {
        (self.msg, self.seq_flags, self.expires_at)
    }

    /// Reassembles [`Entry::into_parts`].
    pub(crate) fn from_parts(msg: Arc<Message>, seq_flags: u64, expires_at: SimTime) -> Self {
        Self {
            msg,
            seq_flags,
            expires_at,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_entry_packs_its_place_its_delivery_count_and_its_flag() {
        let m = Message::new(MessageId(1), "", "k", Properties::default(), vec![], b"");
        let mut e = Entry::new(m, 123_456, SimTime::NEVER);
        e.mark_redelivered();
        assert_eq!(e.count_return(), 1);
        assert_eq!(e.count_return(), 2);
        e.set_seq(7);
        assert_eq!((e.seq(), e.delivery_count(), e.redelivered()), (7, 2, true));
        for _ in 0..70_000 {
            e.count_return();
        }
        assert_eq!(e.delivery_count(), 0xFFFF, "saturates");
        assert_eq!(e.seq(), 7);
    }

    #[test]
    fn message_fields_round_trip_through_packed_storage() {
        let m = Message::new(
            MessageId(1),
            "order",
            "order.notify",
            Properties::default(),
            vec![],
            b"hi",
        );
        assert_eq!(m.exchange(), "order");
        assert_eq!(m.routing_key(), "order.notify");
        assert_eq!(m.body(), b"hi");
        assert_eq!(m.properties(), &Properties::default());
        assert_eq!(m.routing_keys(), vec!["order.notify".to_string()]);
    }

    #[test]
    fn queued_message_bookkeeping_is_at_most_80_bytes() {
        // A short-named, property-less message: what the budget is about.
        let m = Message::new(
            MessageId(1),
            "ex",
            "key",
            Properties::default(),
            vec![],
            &[0; 1000],
        );
        let total = size_of::<Entry>() + m.bookkeeping_bytes();
        assert!(total <= 80, "{total} bytes");
        assert_eq!(size_of::<Entry>(), 24);
    }
}
