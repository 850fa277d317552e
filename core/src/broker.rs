//! The broker: one virtual host of a RabbitMQ 3.10 node, driven by AMQP
//! method calls and virtual time.
//!
//! # Driving it
//!
//! [`Broker`] methods fall into four families, as in quinn-proto:
//! - getters (`&self`): [`Broker::now`], [`Broker::queue`], [`Broker::queues`], ...;
//! - AMQP commands, one per method (`queue_declare`, `basic_publish`, ...),
//!   which act at the current virtual time and return the method's `-ok`
//!   reply or the [`Error`] that closed the channel or connection;
//! - [`Broker::advance_to`], which moves virtual time forward and fires every
//!   timer due on the way (message TTL, queue expiry), in time order;
//! - [`Broker::poll_event`], which drains what happened, and
//!   [`Broker::poll_timeout`], which says when the next timer is due so a
//!   driver can jump straight to it.

mod declare;
mod deliver;
mod inspect;
mod lifecycle;
mod publish;
mod stream;
mod timeout;
mod tx;

use std::cmp::Reverse;
use std::collections::{BTreeMap, BTreeSet, BinaryHeap, HashMap, VecDeque};

use serde::Serialize;

use crate::error::{AmqpError, Error, Method, ReplyCode, UsageError};
use crate::event::{Event, EventKind};
use crate::exchange::{Binding, BindingId, Exchange, ExchangeId, ExchangeKind};
use crate::idmap::{IdMap, NameMap};
use crate::message::Entry;
use crate::policy::Policy;
use crate::queue::{ConsumerUid, Queue, QueueId};
use crate::rng::Rng;
use crate::topic::FxBuildHasher;
use crate::value::FieldTable;
use crate::{ChannelId, ConnectionId, SimTime};

pub use inspect::{
    BindingInfo, ChannelInfo, ConsumerInfo, ExchangeInfo, MessageInfo, QueueInfo, UnackedInfo,
};

/// `queue.declare-ok`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct DeclareOk {
    /// The queue's name (generated when the declare asked for `""`).
    pub queue: String,
    /// Ready messages.
    pub message_count: u64,
    /// Consumers.
    pub consumer_count: u64,
}

/// The outcome of `basic.get`.
#[derive(Clone, Debug, PartialEq)]
pub enum GetResult {
    /// `basic.get-ok`.
    Ok {
        /// Delivery tag on the channel.
        delivery_tag: u64,
        /// Whether it had been delivered before.
        redelivered: bool,
        /// Ready messages left.
        message_count: u64,
        /// The message.
        message: std::sync::Arc<crate::Message>,
    },
    /// `basic.get-empty`.
    Empty,
}

/// A consumer: registered by `basic.consume` on a channel.
#[derive(Clone, Debug)]
pub(crate) struct Consumer {
    pub(crate) uid: ConsumerUid,
    pub(crate) channel: ChannelId,
    pub(crate) tag: String,
    pub(crate) queue: QueueId,
    pub(crate) auto_ack: bool,
    pub(crate) exclusive: bool,
    pub(crate) priority: i32,
    /// Per-consumer prefetch fixed at registration (0 = unlimited).
    pub(crate) prefetch: u16,
    /// Deliveries not yet settled.
    pub(crate) unacked: u32,
    pub(crate) arguments: FieldTable,
    /// On a stream: the offset it reads next (unused elsewhere).
    pub(crate) offset: u64,
}

/// A delivery waiting for its acknowledgement.
#[derive(Clone, Debug)]
pub(crate) struct Unacked {
    pub(crate) queue: QueueId,
    pub(crate) entry: Entry,
    /// `None` for `basic.get`.
    pub(crate) consumer: Option<ConsumerUid>,
    /// When it was delivered: the consumer timeout counts from here.
    pub(crate) delivered_at: SimTime,
    /// Read from a stream's log: settling it only gives credit back, and
    /// nothing returns to the stream when its channel closes.
    pub(crate) from_stream: bool,
}

/// A channel's unacked deliveries by delivery tag. Tags are issued in
/// increasing order and usually settled in order, so a sorted deque beats
/// a B-tree: insertion is a push at the back, settlement a pop at the front.
#[derive(Clone, Debug, Default)]
pub(crate) struct UnackedMap(VecDeque<(u64, Unacked)>);

impl UnackedMap {
    fn position(&self, tag: u64) -> Result<usize, usize> {
        self.0.binary_search_by_key(&tag, |(t, _)| *t)
    }

    /// Records a delivery; `tag` is newer than every tag held.
    pub(crate) fn insert(&mut self, tag: u64, u: Unacked) {
        debug_assert!(self.0.back().is_none_or(|(t, _)| *t < tag));
        self.0.push_back((tag, u));
    }

    /// Puts back a delivery taken off earlier (a transaction's
    /// acknowledgement undone), at its place among the tags held.
    pub(crate) fn restore(&mut self, tag: u64, u: Unacked) {
        match self.position(tag) {
            Ok(_) => debug_assert!(false, "delivery tag {tag} restored twice"),
            Err(i) => self.0.insert(i, (tag, u)),
        }
    }

    pub(crate) fn contains_key(&self, tag: &u64) -> bool {
        self.position(*tag).is_ok()
    }

    pub(crate) fn remove(&mut self, tag: &u64) -> Option<Unacked> {
        let i = self.position(*tag).ok()?;
        self.0.remove(i).map(|(_, u)| u)
    }

    /// Removes and returns every delivery with a tag up to `tag`, in order.
    pub(crate) fn take_through(&mut self, tag: u64) -> Vec<(u64, Unacked)> {
        let end = self.0.partition_point(|(t, _)| *t <= tag);
        self.0.drain(..end).collect()
    }

    pub(crate) fn len(&self) -> usize {
        self.0.len()
    }

    pub(crate) fn iter(&self) -> impl Iterator<Item = (&u64, &Unacked)> {
        self.0.iter().map(|(t, u)| (t, u))
    }

    pub(crate) fn values(&self) -> impl Iterator<Item = &Unacked> {
        self.0.iter().map(|(_, u)| u)
    }

    pub(crate) fn last_tag(&self) -> Option<u64> {
        self.0.back().map(|(t, _)| *t)
    }
}

impl IntoIterator for UnackedMap {
    type Item = (u64, Unacked);
    type IntoIter = std::collections::vec_deque::IntoIter<(u64, Unacked)>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

/// A channel's state.
#[derive(Clone, Debug)]
pub(crate) struct Channel {
    pub(crate) next_delivery_tag: u64,
    pub(crate) unacked: UnackedMap,
    pub(crate) consumers: NameMap<ConsumerUid>,
    /// `basic.qos(global=false)`: the prefetch given to consumers created later.
    pub(crate) consumer_prefetch: u16,
    /// `basic.qos(global=true)`: a limit on the channel's unacked deliveries (0 = none).
    pub(crate) global_prefetch: u16,
    /// Confirm mode: the next publish sequence number.
    pub(crate) next_publish_seq: Option<u64>,
    /// The queue most recently declared on this channel (passive declares
    /// included): what an empty queue name means in `queue.bind`,
    /// `queue.unbind`, `queue.purge`, `queue.delete`, `basic.consume` and
    /// `basic.get`, as in RabbitMQ's `rabbit_channel`.
    pub(crate) recent_queue: Option<String>,
    /// `tx.select`: what the open transaction holds until `tx.commit`.
    pub(crate) tx: Option<tx::Tx>,
    /// When the channel's next tick is due (it checks the consumer
    /// timeout), while the channel holds unacked deliveries.
    pub(crate) tick_at: Option<SimTime>,
}

impl Channel {
    fn new() -> Self {
        Self {
            next_delivery_tag: 1,
            unacked: UnackedMap::default(),
            consumers: NameMap::default(),
            consumer_prefetch: 0,
            global_prefetch: 0,
            next_publish_seq: None,
            recent_queue: None,
            tx: None,
            tick_at: None,
        }
    }
}

/// Where every copy of every message ended up, for the conservation invariant.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Ledger {
    /// Messages published by clients and accepted by the broker.
    pub published: u64,
    /// Published messages that reached at least one queue.
    pub routed: u64,
    /// Mandatory messages returned to their publisher.
    pub returned: u64,
    /// Non-mandatory messages that reached no queue.
    pub unroutable: u64,
    /// Copies that entered a queue (each queue a message reaches is one copy,
    /// dead-lettered copies included).
    pub copies: u64,
    /// Copies acknowledged (automatic acknowledgement included).
    pub acked: u64,
    /// Copies dead-lettered onward (the new copies are counted in `copies`).
    pub dead_lettered: u64,
    /// Copies dropped, each with a [`DropReason`](crate::DropReason) event.
    pub dropped: u64,
    /// Messages published in a transaction that was rolled back, or whose
    /// channel closed before `tx.commit`, or that a stream could not store
    /// (the connection closed): they never reached an exchange's queues. (Messages a transaction still holds are in none of these.)
    pub discarded: u64,
}

/// Timers the broker arms. Ordered so that ties at one instant fire in a
/// fixed order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Timer {
    /// The head message of a queue expires.
    HeadExpiry(QueueId),
    /// A queue's `x-expires` lease runs out.
    Lease(QueueId),
    /// A channel's tick: RabbitMQ's channel checks the consumer timeout on
    /// each one.
    ChannelTick(ChannelId),
}

/// RabbitMQ 3.10's default `consumer_timeout`: 30 minutes.
pub const DEFAULT_CONSUMER_TIMEOUT_MS: u64 = 30 * 60 * 1000;
/// RabbitMQ's default `channel_tick_interval` (an `advanced.config`
/// setting): a channel looks for timed-out deliveries once a minute.
pub const DEFAULT_CHANNEL_TICK_MS: u64 = 60_000;

/// Configuration of a [`Broker`].
///
/// Default values:
/// - `seed`: 0 (server-generated names come from it);
/// - `vhost`: `"/"` (appears in reply texts, as RabbitMQ words them);
/// - `consumer_timeout`: 30 minutes ([`DEFAULT_CONSUMER_TIMEOUT_MS`]);
/// - `channel_tick_interval`: 60 s ([`DEFAULT_CHANNEL_TICK_MS`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BrokerConfig {
    seed: u64,
    vhost: String,
    consumer_timeout: Option<u64>,
    channel_tick_interval: u64,
}

impl Default for BrokerConfig {
    fn default() -> Self {
        Self {
            seed: 0,
            vhost: "/".into(),
            consumer_timeout: Some(DEFAULT_CONSUMER_TIMEOUT_MS),
            channel_tick_interval: DEFAULT_CHANNEL_TICK_MS,
        }
    }
}

impl BrokerConfig {
    /// The default configuration.
    pub fn new() -> Self {
        Self::default()
    }

    /// Seeds server-generated queue names and consumer tags.
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// The virtual host's name, as it appears in reply texts.
    pub fn vhost(mut self, vhost: impl Into<String>) -> Self {
        self.vhost = vhost.into();
        self
    }

    /// `consumer_timeout` in ms (`None`: never): a delivery not
    /// acknowledged for longer closes its channel with a 406, checked on
    /// the channel's ticks.
    pub fn consumer_timeout(mut self, ms: Option<u64>) -> Self {
        self.consumer_timeout = ms;
        self
    }

    /// How often a channel holding unacked deliveries checks them, in ms
    /// (at least 1).
    pub fn channel_tick_interval(mut self, ms: u64) -> Self {
        self.channel_tick_interval = ms.max(1);
        self
    }
}

/// One virtual host of a RabbitMQ 3.10 broker, as a deterministic state
/// machine. The crate documentation shows it in use; the `broker` module's
/// documentation says how it is organised.
#[derive(Clone, Debug)]
pub struct Broker {
    pub(crate) now: SimTime,
    pub(crate) vhost: String,
    pub(crate) rng: Rng,
    pub(crate) exchanges: IdMap<Exchange, ExchangeId>,
    /// Exchange names, ordered (for views)…
    pub(crate) exchange_ids: NameMap<ExchangeId>,
    /// …and hashed, for the lookup every publish makes.
    pub(crate) exchange_lookup: HashMap<String, ExchangeId, FxBuildHasher>,
    next_exchange_id: ExchangeId,
    pub(crate) queues: IdMap<Queue, QueueId>,
    pub(crate) queue_ids: NameMap<QueueId>,
    next_queue_id: QueueId,
    /// Binding slots; freed slots are reused (lowest first, for determinism).
    pub(crate) bindings: Vec<Option<Binding>>,
    /// Freed binding slots, lowest first (a min-heap: `new_binding_slot`
    /// only ever takes the lowest).
    free_bindings: BinaryHeap<Reverse<BindingId>>,
    /// (source, destination, key, canonical arguments) → binding.
    pub(crate) binding_ids:
        BTreeMap<(ExchangeId, crate::exchange::Dest, String, String), BindingId>,
    pub(crate) policies: BTreeMap<String, Policy>,
    /// Each open connection's channel numbers, sorted and unique. Connection
    /// ids are never reused, so an `IdMap`; the numbers a sorted `Vec` (a
    /// connection has a handful). Both spare the wasm a B-tree copy.
    pub(crate) connections: IdMap<Vec<u16>, ConnectionId>,
    next_connection: u32,
    pub(crate) channels: BTreeMap<ChannelId, Channel>,
    pub(crate) consumers: IdMap<Consumer, ConsumerUid>,
    next_consumer_uid: ConsumerUid,
    pub(crate) next_message_id: u64,
    pub(crate) timers: BTreeSet<(SimTime, Timer)>,
    /// `consumer_timeout`, ms.
    pub(crate) consumer_timeout: Option<u64>,
    /// `channel_tick_interval`, ms.
    pub(crate) tick_interval: u64,
    /// Each queue's armed [head expiry, lease] deadlines. Keyed like
    /// `queues`, so an `IdMap` (same id order as a B-tree, and one B-tree
    /// copy less in the wasm).
    pub(crate) armed: IdMap<[SimTime; 2], QueueId>,
    /// Queues whose consumers may be able to take messages.
    /// Queues whose consumers may be able to take messages (a small set:
    /// a sorted, deduplicated vector, with no allocation per insert).
    pub(crate) pending_dispatch: Vec<QueueId>,
    pub(crate) events: VecDeque<Event>,
    pub(crate) ledger: Ledger,
    /// Whether events are recorded (drivers that never poll can turn them off).
    pub(crate) record_events: bool,
}

impl Default for Broker {
    fn default() -> Self {
        Self::new()
    }
}

impl Broker {
    /// A broker at time zero with the predeclared exchanges of a fresh
    /// virtual host: `""` (the default exchange), `amq.direct`,
    /// `amq.fanout`, `amq.topic`, `amq.headers`, `amq.match` and the
    /// internal `amq.rabbitmq.trace`.
    ///
    /// # Example
    /// ```
    /// use warren_core::{Broker, ChannelId, methods::*};
    /// let mut broker = Broker::new();
    /// let ch = broker.connect();
    /// broker.queue_declare(ch, &QueueDeclare { queue: "hello".into(), ..Default::default() })?;
    /// broker.basic_publish(ch, &BasicPublish {
    ///     routing_key: "hello".into(), body: "hi".into(), ..Default::default()
    /// })?;
    /// assert_eq!(broker.queue("hello").unwrap().ready, 1);
    /// # Ok::<(), warren_core::Error>(())
    /// ```
    pub fn new() -> Self {
        Self::with_config(BrokerConfig::default())
    }

    /// A broker with the given configuration.
    pub fn with_config(config: BrokerConfig) -> Self {
        let mut broker = Self {
            now: SimTime::ZERO,
            vhost: config.vhost,
            rng: Rng::new(config.seed),
            exchanges: IdMap::default(),
            exchange_ids: NameMap::default(),
            exchange_lookup: HashMap::default(),
            next_exchange_id: ExchangeId(0),
            queues: IdMap::default(),
            queue_ids: NameMap::default(),
            next_queue_id: QueueId(0),
            bindings: Vec::new(),
            free_bindings: BinaryHeap::new(),
            binding_ids: BTreeMap::new(),
            policies: BTreeMap::new(),
            connections: IdMap::default(),
            next_connection: 1,
            channels: BTreeMap::new(),
            consumers: IdMap::default(),
            next_consumer_uid: ConsumerUid(0),
            next_message_id: 1,
            timers: BTreeSet::new(),
            armed: IdMap::default(),
            pending_dispatch: Vec::new(),
            events: VecDeque::new(),
            ledger: Ledger::default(),
            record_events: true,
            consumer_timeout: config.consumer_timeout,
            tick_interval: config.channel_tick_interval,
        };
        for (name, kind, internal) in crate::names::PREDECLARED_EXCHANGES {
            broker.insert_exchange(name.into(), kind, true, false, internal, FieldTable::new());
        }
        broker
    }

    /// Stops recording events (for benchmarks and drivers that never poll).
    pub fn set_record_events(&mut self, on: bool) {
        self.record_events = on;
        if !on {
            self.events.clear();
        }
    }

    /// The current virtual time.
    pub fn now(&self) -> SimTime {
        self.now
    }

    /// The virtual host's name.
    pub fn vhost(&self) -> &str {
        &self.vhost
    }

    /// Where every message went so far.
    pub fn ledger(&self) -> &Ledger {
        &self.ledger
    }

    /// The next event, oldest first.
    #[must_use]
    pub fn poll_event(&mut self) -> Option<Event> {
        self.events.pop_front()
    }

    /// Drains every pending event.
    #[must_use]
    pub fn drain_events(&mut self) -> Vec<Event> {
        self.events.drain(..).collect()
    }

    /// When the next timer is due, if any: call [`Broker::advance_to`] with
    /// it to fire it.
    #[must_use]
    pub fn poll_timeout(&self) -> Option<SimTime> {
        self.timers.first().map(|(at, _)| *at)
    }

    /// Moves virtual time to `now`, firing every timer due up to then in
    /// time order (each at its own instant). Earlier times are ignored:
    /// time never runs backwards.
    pub fn advance_to(&mut self, now: SimTime) {
        while let Some(&(at, timer)) = self.timers.first() {
            if at > now {
                break;
            }
            self.timers.remove(&(at, timer));
            self.now = self.now.max(at);
            self.fire(timer);
            self.run_dispatch();
        }
        self.now = self.now.max(now);
    }

    pub(crate) fn emit(&mut self, kind: EventKind) {
        if self.record_events {
            self.events.push_back(Event { at: self.now, kind });
        }
    }

    /// `'name' in vhost '/'`-style resource text.
    pub(crate) fn rs(&self, kind: &str, name: &str) -> String {
        format!("{kind} '{name}' in vhost '{}'", self.vhost)
    }

    pub(crate) fn not_found(&self, method: Method, kind: &str, name: &str) -> AmqpError {
        AmqpError::new(
            ReplyCode::NotFound,
            method,
            format!("no {}", self.rs(kind, name)),
        )
    }

    /// The queue an empty name stands for on `ch` (the one most recently
    /// declared there), or the 404 RabbitMQ answers when the channel has
    /// declared none, which closes the channel.
    pub(crate) fn recent_queue(&mut self, ch: ChannelId, method: Method) -> Result<String, Error> {
        self.check_channel(ch)?;
        match self.channels.get(&ch).and_then(|c| c.recent_queue.clone()) {
            Some(q) => Ok(q),
            None => {
                let e = AmqpError::new(
                    ReplyCode::NotFound,
                    method,
                    "no previously declared queue".to_owned(),
                );
                Err(self.fail(ch, e))
            }
        }
    }

    pub(crate) fn channel_mut(&mut self, ch: ChannelId) -> Result<&mut Channel, Error> {
        self.channels
            .get_mut(&ch)
            .ok_or(Error::Usage(UsageError::ChannelNotOpen(ch)))
    }

    /// AMQP short strings (names, keys, tags) are at most 255 bytes: a
    /// client cannot send more, so longer ones are a usage error.
    pub(crate) fn check_shortstr(names: &[&str]) -> Result<(), Error> {
        if names.iter().any(|n| n.len() > 255) {
            Err(UsageError::ShortStrTooLong.into())
        } else {
            Ok(())
        }
    }

    pub(crate) fn check_channel(&self, ch: ChannelId) -> Result<(), Error> {
        if self.channels.contains_key(&ch) {
            Ok(())
        } else {
            Err(UsageError::ChannelNotOpen(ch).into())
        }
    }

    /// Closes the channel (soft error) or its connection (hard error) and
    /// hands the error back for the caller to return.
    pub(crate) fn fail(&mut self, ch: ChannelId, err: AmqpError) -> Error {
        if err.is_hard() {
            self.close_connection_with(ch.connection, Some(&err));
        } else {
            self.close_channel_with(ch, Some(&err));
        }
        self.run_dispatch();
        Error::Amqp(err)
    }

    fn insert_exchange(
        &mut self,
        name: String,
        kind: ExchangeKind,
        durable: bool,
        auto_delete: bool,
        internal: bool,
        arguments: FieldTable,
    ) -> ExchangeId {
        let id = self.next_exchange_id.take_next();
        let mut x = Exchange::new(
            id,
            name.clone(),
            kind,
            durable,
            auto_delete,
            internal,
            arguments,
        );
        if let Some((pname, def)) = self.policy_for(&name, false) {
            x.policy = Some(pname.clone());
            if x.alternate.is_none() {
                x.alternate = def
                    .get("alternate-exchange")
                    .and_then(crate::FieldValue::as_str)
                    .map(str::to_owned);
            }
        }
        self.exchanges.insert(id, x);
        self.exchange_lookup.insert(name.clone(), id);
        self.exchange_ids.insert(name, id);
        id
    }

    pub(crate) fn new_queue_id(&mut self) -> QueueId {
        self.next_queue_id.take_next()
    }

    pub(crate) fn new_consumer_uid(&mut self) -> ConsumerUid {
        self.next_consumer_uid.take_next()
    }

    pub(crate) fn new_binding_slot(&mut self, binding: Binding) -> BindingId {
        match self.free_bindings.pop().map(|Reverse(id)| id) {
            Some(id) => {
                self.bindings[id.0 as usize] = Some(binding);
                id
            }
            None => {
                self.bindings.push(Some(binding));
                BindingId((self.bindings.len() - 1) as u32)
            }
        }
    }

    pub(crate) fn free_binding_slot(&mut self, id: BindingId) -> Option<Binding> {
        let b = self.bindings.get_mut(id.0 as usize)?.take();
        if b.is_some() {
            self.free_bindings.push(Reverse(id));
        }
        b
    }

    pub(crate) fn binding(&self, id: BindingId) -> Option<&Binding> {
        self.bindings.get(id.0 as usize).and_then(Option::as_ref)
    }

    pub(crate) fn exchange_named(&self, name: &str) -> Option<&Exchange> {
        self.exchange_lookup
            .get(name)
            .and_then(|id| self.exchanges.get(id))
    }

    /// Forgets an exchange's name (on deletion).
    pub(crate) fn forget_exchange_name(&mut self, name: &str) {
        self.exchange_ids.remove(name);
        self.exchange_lookup.remove(name);
    }

    pub(crate) fn queue_named(&self, name: &str) -> Option<&Queue> {
        self.queue_ids.get(name).and_then(|id| self.queues.get(&id))
    }

    pub(crate) fn exchange_name(&self, id: ExchangeId) -> &str {
        self.exchanges.get(&id).map_or("", |x| x.name.as_str())
    }

    pub(crate) fn queue_name(&self, id: QueueId) -> &str {
        self.queues.get(&id).map_or("", |q| q.name.as_str())
    }

    /// Marks a queue for dispatch (kept sorted: dispatch runs in queue order).
    pub(crate) fn wake(&mut self, qid: QueueId) {
        if let Err(at) = self.pending_dispatch.binary_search(&qid) {
            self.pending_dispatch.insert(at, qid);
        }
    }

    pub(crate) fn next_pending(&mut self) -> Option<QueueId> {
        (!self.pending_dispatch.is_empty()).then(|| self.pending_dispatch.remove(0))
    }

    /// Re-arms a queue's timers after its head, consumers or lease changed.
    pub(crate) fn arm(&mut self, qid: QueueId) {
        let want = match self.queues.get(&qid) {
            None => [SimTime::NEVER; 2],
            Some(q) => {
                let head = q.head_expiry().unwrap_or(SimTime::NEVER);
                let lease = match q.config.expires {
                    Some(ms) if q.consumers.is_empty() => q.lease_end(ms),
                    _ => SimTime::NEVER,
                };
                [head, lease]
            }
        };
        let old = self.armed.get(&qid).copied().unwrap_or([SimTime::NEVER; 2]);
        if old == want {
            return;
        }
        for (i, (o, w)) in old.iter().zip(want.iter()).enumerate() {
            let timer = if i == 0 {
                Timer::HeadExpiry(qid)
            } else {
                Timer::Lease(qid)
            };
            if o != w {
                if *o != SimTime::NEVER {
                    self.timers.remove(&(*o, timer));
                }
                if *w != SimTime::NEVER {
                    self.timers.insert((*w, timer));
                }
            }
        }
        if want == [SimTime::NEVER; 2] {
            self.armed.remove(&qid);
        } else if let Some(armed) = self.armed.get_mut(&qid) {
            // In place: `IdMap::insert` would box a new value.
            *armed = want;
        } else {
            self.armed.insert(qid, want);
        }
    }

    fn fire(&mut self, timer: Timer) {
        // The timer set no longer holds this entry: forget it so `arm` re-inserts.
        match timer {
            Timer::ChannelTick(ch) => self.channel_tick(ch),
            Timer::HeadExpiry(qid) => {
                if let Some(a) = self.armed.get_mut(&qid) {
                    a[0] = SimTime::NEVER;
                }
                self.drop_expired(qid);
                self.arm(qid);
            }
            Timer::Lease(qid) => {
                if let Some(a) = self.armed.get_mut(&qid) {
                    a[1] = SimTime::NEVER;
                }
                let expired = self.queues.get(&qid).is_some_and(|q| {
                    q.consumers.is_empty()
                        && q.config
                            .expires
                            .is_some_and(|ms| q.lease_end(ms) <= self.now)
                });
                if expired {
                    self.delete_queue(qid, crate::QueueDeleteReason::Expired);
                } else {
                    self.arm(qid);
                }
            }
        }
    }
}
