//! Read-only views for inspectors and tests, and the invariant checker.

use std::sync::Arc;

use serde::Serialize;

use crate::exchange::Dest;
use crate::idmap::IdMap;
use crate::names::is_builtin;
use crate::queue::{ConsumerUid, QueueConfig, QueueId};
use crate::value::FieldTable;
use crate::{ChannelId, Message, MessageId, SimTime};

use super::Broker;

/// A queue as an inspector shows it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct QueueInfo {
    /// Name.
    pub name: String,
    /// Durable flag.
    pub durable: bool,
    /// Exclusive to a connection.
    pub exclusive: bool,
    /// Auto-delete flag.
    pub auto_delete: bool,
    /// Declared arguments.
    pub arguments: FieldTable,
    /// Effective configuration (arguments merged with policy).
    pub config: QueueConfig,
    /// Ready messages.
    pub ready: u64,
    /// Body bytes of ready messages.
    pub ready_bytes: u64,
    /// Delivered, not yet acknowledged.
    pub unacked: u64,
    /// Consumer tags, in dispatch order.
    pub consumers: Vec<String>,
    /// Single active consumer: the active one.
    pub active_consumer: Option<String>,
    /// A stream: how many messages its log holds (its `ready` is 0: a
    /// log has nothing waiting to be taken).
    pub log_length: u64,
    /// A stream: body bytes in its log.
    pub log_bytes: u64,
}

/// A ready message in a queue.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct MessageInfo {
    /// The message.
    pub message: Arc<Message>,
    /// Whether it was delivered before.
    pub redelivered: bool,
    /// In a quorum queue: how many times it came back unacknowledged
    /// (its `x-delivery-count`).
    pub delivery_count: Option<u64>,
    /// When it expires in this queue, if it has a TTL.
    pub expires_at: Option<SimTime>,
}

/// An exchange as an inspector shows it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ExchangeInfo {
    /// Name (`""` is the default exchange).
    pub name: String,
    /// Type.
    pub exchange_type: String,
    /// Durable flag.
    pub durable: bool,
    /// Auto-delete flag.
    pub auto_delete: bool,
    /// Internal flag.
    pub internal: bool,
    /// Declared arguments.
    pub arguments: FieldTable,
    /// Alternate exchange in force (argument or policy).
    pub alternate_exchange: Option<String>,
    /// Whether RabbitMQ predeclares it (the default and `amq.*` exchanges).
    pub predeclared: bool,
}

/// A binding, identified as RabbitMQ identifies it: source, destination,
/// key and arguments. [`BindingInfo::bind_op`] and
/// [`BindingInfo::unbind_op`] make and remove it.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct BindingInfo {
    /// Source exchange.
    pub source: String,
    /// Destination queue or exchange.
    pub destination: String,
    /// Whether the destination is an exchange.
    pub to_exchange: bool,
    /// Binding key.
    pub routing_key: String,
    /// Arguments.
    pub arguments: FieldTable,
}

/// A consumer.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ConsumerInfo {
    /// Its channel.
    pub channel: ChannelId,
    /// Tag.
    pub tag: String,
    /// Queue.
    pub queue: String,
    /// Automatic acknowledgement.
    pub auto_ack: bool,
    /// Exclusive consumer.
    pub exclusive: bool,
    /// `x-priority`.
    pub priority: i32,
    /// Prefetch limit (0 = none).
    pub prefetch: u16,
    /// Deliveries held.
    pub unacked: u32,
    /// With single active consumer: whether this one is active (else waiting).
    pub active: bool,
    /// Consumer arguments.
    pub arguments: FieldTable,
    /// On a stream: the offset it reads next.
    pub offset: Option<u64>,
}

/// An unacknowledged delivery.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct UnackedInfo {
    /// Delivery tag.
    pub delivery_tag: u64,
    /// Queue it came from.
    pub queue: String,
    /// Consumer, or `None` for `basic.get`.
    pub consumer_tag: Option<String>,
    /// The message.
    pub message: Arc<Message>,
    /// Whether it was a redelivery.
    pub redelivered: bool,
    /// From a quorum queue: how many times it came back unacknowledged.
    pub delivery_count: Option<u64>,
    /// From a stream: the message's offset in its log.
    pub stream_offset: Option<u64>,
}

/// A channel.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ChannelInfo {
    /// Id.
    pub channel: ChannelId,
    /// Per-consumer prefetch for new consumers.
    pub consumer_prefetch: u16,
    /// Channel-wide prefetch (0 = none).
    pub global_prefetch: u16,
    /// Confirm mode.
    pub confirm: bool,
    /// Unacked deliveries in tag order.
    pub unacked: Vec<UnackedInfo>,
    /// Consumer tags.
    pub consumers: Vec<String>,
}

impl Broker {
    /// Unacked deliveries per queue id (an `IdMap`, keyed like `queues`:
    /// a `BTreeMap<QueueId, u64>` would be one more B-tree copy in the wasm).
    pub(crate) fn unacked_by_queue(&self) -> IdMap<u64, QueueId> {
        let mut counts = IdMap::default();
        for chan in self.channels.values() {
            for u in chan.unacked.values() {
                match counts.get_mut(&u.queue) {
                    Some(n) => *n += 1,
                    None => {
                        counts.insert(u.queue, 1);
                    }
                }
            }
        }
        counts
    }

    fn queue_info(&self, id: QueueId, unacked: u64) -> Option<QueueInfo> {
        let q = self.queues.get(&id)?;
        let tag = |u: &ConsumerUid| self.consumers.get(u).map(|c| c.tag.clone());
        Some(QueueInfo {
            name: q.name.clone(),
            durable: q.durable,
            exclusive: q.exclusive_owner.is_some(),
            auto_delete: q.auto_delete,
            arguments: q.arguments.clone(),
            config: q.config.clone(),
            ready: q.len(),
            ready_bytes: q.bytes(),
            unacked,
            consumers: q.consumers.iter().filter_map(|(_, u)| tag(u)).collect(),
            active_consumer: q.active.as_ref().and_then(tag),
            log_length: q.log.len(),
            log_bytes: q.log.bytes(),
        })
    }

    /// A queue by name.
    pub fn queue(&self, name: &str) -> Option<QueueInfo> {
        let id = self.queue_ids.get(name)?;
        let unacked = self.unacked_by_queue().get(&id).copied().unwrap_or(0);
        self.queue_info(id, unacked)
    }

    /// Every queue, by name.
    pub fn queues(&self) -> Vec<QueueInfo> {
        let unacked = self.unacked_by_queue();
        self.queue_ids
            .values()
            .filter_map(|id| self.queue_info(id, unacked.get(&id).copied().unwrap_or(0)))
            .collect()
    }

    /// The connection an exclusive queue belongs to.
    pub fn exclusive_owner(&self, queue: &str) -> Option<crate::ConnectionId> {
        self.queue_named(queue)?.exclusive_owner
    }

    /// A queue's ready messages in delivery order.
    pub fn queue_messages(&self, name: &str) -> Vec<MessageInfo> {
        self.queue_named(name)
            .map(|q| {
                let quorum = q.is_quorum();
                q.iter()
                    .map(|e| MessageInfo {
                        message: e.msg.clone(),
                        redelivered: e.redelivered(),
                        delivery_count: quorum.then(|| e.delivery_count()),
                        expires_at: (e.expires_at != SimTime::NEVER).then_some(e.expires_at),
                    })
                    .collect()
            })
            .unwrap_or_default()
    }

    /// A stream's log in offset order, each message as a delivery shows it
    /// (with its `x-stream-offset`); empty for other queues.
    pub fn stream_log(&self, name: &str) -> Vec<Arc<Message>> {
        let Some(q) = self.queue_named(name) else {
            return Vec::new();
        };
        (0..q.log.len()).filter_map(|o| q.log.delivery(o)).collect()
    }

    /// Every exchange, by name (the default exchange first).
    pub fn exchanges(&self) -> Vec<ExchangeInfo> {
        self.exchange_ids
            .values()
            .filter_map(|id| self.exchanges.get(&id))
            .map(|x| ExchangeInfo {
                name: x.name.clone(),
                exchange_type: x.kind.as_str().into(),
                durable: x.durable,
                auto_delete: x.auto_delete,
                internal: x.internal,
                arguments: x.arguments.clone(),
                alternate_exchange: x.alternate.clone(),
                predeclared: is_builtin(&x.name),
            })
            .collect()
    }

    /// An exchange by name.
    pub fn exchange(&self, name: &str) -> Option<ExchangeInfo> {
        self.exchanges().into_iter().find(|x| x.name == name)
    }

    /// Every stored binding (the default exchange's implicit ones are not
    /// stored, as in RabbitMQ), ordered by source, destination, key.
    pub fn bindings(&self) -> Vec<BindingInfo> {
        let mut out: Vec<BindingInfo> = self
            .bindings
            .iter()
            .flatten()
            .map(|b| {
                let (destination, to_exchange) = match b.dest {
                    Dest::Queue(q) => (self.queue_name(q).to_owned(), false),
                    Dest::Exchange(x) => (self.exchange_name(x).to_owned(), true),
                };
                BindingInfo {
                    source: self.exchange_name(b.source).to_owned(),
                    destination,
                    to_exchange,
                    routing_key: b.routing_key.clone(),
                    arguments: b.arguments.clone(),
                }
            })
            .collect();
        out.sort_by(|a, b| {
            (&a.source, a.to_exchange, &a.destination, &a.routing_key)
                .cmp(&(&b.source, b.to_exchange, &b.destination, &b.routing_key))
                .then_with(|| {
                    a.arguments
                        .to_json()
                        .to_string()
                        .cmp(&b.arguments.to_json().to_string())
                })
        });
        out
    }

    /// Every consumer, in registration order.
    pub fn consumers(&self) -> Vec<ConsumerInfo> {
        self.consumers
            .values()
            .map(|c| {
                let q = self.queues.get(&c.queue);
                ConsumerInfo {
                    channel: c.channel,
                    tag: c.tag.clone(),
                    queue: q.map(|q| q.name.clone()).unwrap_or_default(),
                    auto_ack: c.auto_ack,
                    exclusive: c.exclusive,
                    priority: c.priority,
                    prefetch: c.prefetch,
                    unacked: c.unacked,
                    active: q.is_none_or(|q| {
                        !q.config.single_active_consumer || q.active == Some(c.uid)
                    }),
                    arguments: c.arguments.clone(),
                    offset: q.is_some_and(|q| q.is_stream()).then_some(c.offset),
                }
            })
            .collect()
    }

    /// Every open channel.
    pub fn channels(&self) -> Vec<ChannelInfo> {
        self.channels
            .iter()
            .map(|(id, chan)| ChannelInfo {
                channel: *id,
                consumer_prefetch: chan.consumer_prefetch,
                global_prefetch: chan.global_prefetch,
                confirm: chan.next_publish_seq.is_some(),
                unacked: chan
                    .unacked
                    .iter()
                    .map(|(tag, u)| UnackedInfo {
                        delivery_tag: *tag,
                        queue: self.queue_name(u.queue).to_owned(),
                        consumer_tag: u
                            .consumer
                            .and_then(|c| self.consumers.get(&c))
                            .map(|c| c.tag.clone()),
                        message: u.entry.msg.clone(),
                        redelivered: u.entry.redelivered(),
                        delivery_count: self
                            .queues
                            .get(&u.queue)
                            .is_some_and(crate::queue::Queue::is_quorum)
                            .then(|| u.entry.delivery_count()),
                        stream_offset: u.from_stream.then(|| u.entry.seq()),
                    })
                    .collect(),
                consumers: chan.consumers.keys().cloned().collect(),
            })
            .collect()
    }

    /// Where a message currently is: the queues holding it ready and the
    /// channels holding it unacked.
    pub fn locate(&self, id: MessageId) -> (Vec<String>, Vec<(ChannelId, u64)>) {
        let ready = self
            .queues
            .values()
            .filter(|q| q.iter().any(|e| e.msg.id() == id))
            .map(|q| q.name.clone())
            .collect();
        let unacked = self
            .channels
            .iter()
            .flat_map(|(ch, c)| {
                c.unacked
                    .iter()
                    .filter(move |(_, u)| u.entry.msg.id() == id)
                    .map(move |(tag, _)| (*ch, *tag))
            })
            .collect();
        (ready, unacked)
    }

    /// Checks every internal invariant, returning the first violation.
    /// Tests call it after every step; it is O(size of the broker).
    ///
    /// Conservation: every copy of every message that entered a queue is in
    /// exactly one place: ready in a queue, unacked on a channel, acked,
    /// dead-lettered onward, or dropped with a reason; and every publish
    /// was routed, returned or unroutable.
    ///
    /// # Errors
    /// A description of the violated invariant.
    pub fn check_invariants(&self) -> Result<(), String> {
        self.check_ledger()?;
        self.check_queues()?;
        self.check_consumers()?;
        self.check_channels()?;
        self.check_bindings()?;
        self.check_timers()
    }

    /// Conservation of publishes and of queued copies.
    fn check_ledger(&self) -> Result<(), String> {
        let l = &self.ledger;
        let held: u64 = self
            .channels
            .values()
            .filter_map(|c| c.tx.as_ref())
            .map(|t| t.held_publishes())
            .sum();
        if l.published != l.routed + l.returned + l.unroutable + l.discarded + held {
            return Err(format!("publishes unaccounted for: {l:?}, {held} held"));
        }
        // A stream's log holds its copies; its deliveries are views of
        // them, not copies of their own.
        let ready: u64 = self.queues.values().map(|q| q.len() + q.log.len()).sum();
        // Deliveries a transaction's acknowledgement holds are still unacked.
        let unacked: u64 = self
            .channels
            .values()
            .map(|c| {
                let held = c.tx.as_ref().map_or(0, |t| t.held_copies());
                c.unacked.values().filter(|u| !u.from_stream).count() as u64 + held
            })
            .sum();
        if l.copies != ready + unacked + l.acked + l.dead_lettered + l.dropped {
            return Err(format!(
                "conservation broken: copies {} != ready {ready} + unacked {unacked} + acked {} + dead-lettered {} + dropped {}",
                l.copies, l.acked, l.dead_lettered, l.dropped
            ));
        }
        Ok(())
    }

    /// Each queue's name index, counts, consumers and dispatch state.
    fn check_queues(&self) -> Result<(), String> {
        for q in self.queues.values() {
            if self.queue_ids.get(&q.name) != Some(q.id) {
                return Err(format!("queue {} missing from the name index", q.name));
            }
            let (n, bytes) = q.iter().fold((0u64, 0u64), |(n, b), e| {
                (n + 1, b + e.msg.body().len() as u64)
            });
            if n != q.len() || bytes != q.bytes() {
                return Err(format!("queue {} counts drifted", q.name));
            }
            if q.consumers.windows(2).any(|w| w[0].0 < w[1].0) {
                return Err(format!("queue {} consumers out of priority order", q.name));
            }
            for (_, uid) in &q.consumers {
                match self.consumers.get(uid) {
                    Some(c) if c.queue == q.id => {}
                    _ => return Err(format!("queue {} lists a stale consumer", q.name)),
                }
            }
            if q.config.single_active_consumer && !q.consumers.is_empty() && q.active.is_none() {
                return Err(format!("queue {} has consumers but none active", q.name));
            }
            if !q.is_empty()
                && self.pick_consumer(q.id).is_some()
                && self.pending_dispatch.is_empty()
            {
                return Err(format!(
                    "queue {} holds ready messages a consumer could take",
                    q.name
                ));
            }
            let unread = |u: &ConsumerUid| {
                self.consumers
                    .get(u)
                    .is_some_and(|c| c.offset < q.log.len() && self.can_take(*u))
            };
            if q.is_stream()
                && q.consumers.iter().any(|(_, u)| unread(u))
                && self.pending_dispatch.is_empty()
            {
                return Err(format!(
                    "stream {} has a consumer with room that has not read its log",
                    q.name
                ));
            }
            if q.head_expiry().is_some_and(|t| t <= self.now) {
                return Err(format!("queue {} has an expired head", q.name));
            }
        }
        Ok(())
    }

    /// Each consumer is on its channel, with the unacked count it holds.
    fn check_consumers(&self) -> Result<(), String> {
        for (uid, c) in self.consumers.iter() {
            let Some(chan) = self.channels.get(&c.channel) else {
                return Err(format!("consumer {} on a closed channel", c.tag));
            };
            if chan.consumers.get(&c.tag) != Some(uid) {
                return Err(format!("consumer {} missing from its channel", c.tag));
            }
            // A transaction's held acknowledgements free the consumer's
            // slot only at commit.
            let held = self
                .channels
                .values()
                .flat_map(|c| {
                    let in_tx = c.tx.iter().flat_map(|t| t.deliveries());
                    c.unacked.values().chain(in_tx)
                })
                .filter(|u| u.consumer == Some(uid))
                .count() as u32;
            if held != c.unacked {
                return Err(format!(
                    "consumer {} unacked count {} != {held}",
                    c.tag, c.unacked
                ));
            }
        }
        Ok(())
    }

    /// Channel numbers and delivery tags.
    fn check_channels(&self) -> Result<(), String> {
        for (conn, numbers) in self.connections.iter() {
            if !numbers.windows(2).all(|w| w[0] < w[1]) {
                return Err(format!(
                    "connection {conn}: channel numbers not sorted and unique"
                ));
            }
        }
        for (ch, chan) in &self.channels {
            if !self
                .connections
                .get(&ch.connection)
                .is_some_and(|s| s.contains(&ch.number))
            {
                return Err(format!("channel {ch} not registered on its connection"));
            }
            if chan
                .unacked
                .last_tag()
                .is_some_and(|t| t >= chan.next_delivery_tag)
            {
                return Err(format!("channel {ch} has a tag from the future"));
            }
        }
        Ok(())
    }

    /// The binding index and slots agree, and every binding's ends exist.
    fn check_bindings(&self) -> Result<(), String> {
        for (key, id) in &self.binding_ids {
            let Some(b) = self.binding(*id) else {
                return Err(format!("binding {id} indexed but free"));
            };
            if b.source != key.0 || !self.exchanges.contains_key(&b.source) {
                return Err(format!("binding {id} has a missing source"));
            }
            let dest_ok = match b.dest {
                Dest::Queue(q) => self.queues.contains_key(&q),
                Dest::Exchange(x) => self.exchanges.contains_key(&x),
            };
            if !dest_ok {
                return Err(format!("binding {id} has a missing destination"));
            }
        }
        if self.bindings.iter().flatten().count() != self.binding_ids.len() {
            return Err("binding slots and index disagree".into());
        }
        Ok(())
    }

    /// Every armed timer is scheduled, and none is overdue.
    fn check_timers(&self) -> Result<(), String> {
        for (qid, [head, lease]) in self.armed.iter() {
            for (at, t) in [
                (head, super::Timer::HeadExpiry(qid)),
                (lease, super::Timer::Lease(qid)),
            ] {
                if *at != SimTime::NEVER && !self.timers.contains(&(*at, t)) {
                    return Err(format!("timer {t:?} armed but not scheduled"));
                }
            }
        }
        if self.timers.first().is_some_and(|(at, _)| *at < self.now) {
            return Err("a timer in the past did not fire".into());
        }
        Ok(())
    }
}
