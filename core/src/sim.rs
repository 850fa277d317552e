//! Simulated producers and consumers, on the broker's virtual clock.
//!
//! The public face is [`Simulation`], whose documentation is the manual;
//! specs live in `spec.rs`, views in `view.rs`.

mod error;
mod spec;
mod view;

use std::collections::{BTreeMap, VecDeque};

pub use error::SimError;
pub use spec::{ConsumerPolicy, ConsumerSpec, ProducerSpec};
pub use view::{ActorId, ActorView, ConsumerState, ConsumerView, InFlightView, ProducerView};

use crate::idmap::IdMap;
use crate::methods::{
    BasicAck, BasicCancel, BasicConsume, BasicNack, BasicPublish, BasicQos, BasicReject,
};
use crate::{
    Broker, ChannelId, CloseReason, ConnectionId, Error, Event, EventKind, MessageId, Properties,
    Rng, SimTime,
};
use spec::{check_rate, render, Settle};

/// Limits on the work one virtual millisecond may cost (see
/// [`Simulation`], "Work caps").
///
/// Default values:
/// - `max_publishes_per_ms`: 100 (per producer);
/// - `max_wakeups_per_ms`: 1000 (all actors together).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SimConfig {
    max_publishes_per_ms: u32,
    max_wakeups_per_ms: u32,
}

impl Default for SimConfig {
    fn default() -> Self {
        Self {
            max_publishes_per_ms: 100,
            max_wakeups_per_ms: 1000,
        }
    }
}

impl SimConfig {
    /// The default configuration.
    pub fn new() -> Self {
        Self::default()
    }

    /// The most messages one producer publishes at one instant; faster
    /// rates are clamped to it. At least 1 (0 is taken as 1).
    pub fn max_publishes_per_ms(mut self, n: u32) -> Self {
        self.max_publishes_per_ms = n.max(1);
        self
    }

    /// The most actor wakeups run at one instant; the rest slip to the
    /// next millisecond. At least 1 (0 is taken as 1).
    pub fn max_wakeups_per_ms(mut self, n: u32) -> Self {
        self.max_wakeups_per_ms = n.max(1);
        self
    }
}

/// `(at, seq)`: when a wakeup is due, then the order it was scheduled in.
type WakeKey = (SimTime, u64);

/// What an actor wakes up for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Wake {
    /// A producer's next scheduled publish.
    Publish(ActorId),
    /// A consumer finishes the delivery with this tag.
    Finish(ActorId, u64),
}

/// Everything an actor acts on, apart from the other actors: kept apart
/// from the actor table so an actor can borrow both at once.
#[derive(Clone, Debug)]
struct Ctx {
    broker: Broker,
    config: SimConfig,
    wakeups: BTreeMap<WakeKey, Wake>,
    next_seq: u64,
    /// Which actor owns each open connection: routes events to actors.
    owners: IdMap<ActorId, ConnectionId>,
}

impl Ctx {
    fn now(&self) -> SimTime {
        self.broker.now()
    }

    fn schedule(&mut self, at: SimTime, wake: Wake) -> WakeKey {
        let key = (at, self.next_seq);
        self.next_seq += 1;
        self.wakeups.insert(key, wake);
        key
    }

    fn cancel(&mut self, key: WakeKey) {
        self.wakeups.remove(&key);
    }

    /// Opens a connection owned by `id`.
    fn open_connection(&mut self, id: ActorId) -> ConnectionId {
        let conn = self.broker.open_connection();
        self.owners.insert(conn, id);
        conn
    }

    /// Closes a connection without the owner reacting to the closure (the
    /// caller has already updated the owner).
    fn close_quietly(&mut self, conn: ConnectionId) {
        self.owners.remove(&conn);
        // Already closed by the broker is fine: the goal is reached.
        let _ = self.broker.close_connection(conn);
    }
}

/// How a command's error looks on the actor.
fn reason(e: &Error) -> CloseReason {
    match e {
        Error::Amqp(e) => CloseReason::from(e),
        // The simulation only uses channels it knows are open; keep the
        // text if that ever fails rather than panicking in a client.
        Error::Usage(u) => CloseReason {
            reply_code: 0,
            reply_text: u.to_string(),
            class_id: 0,
            method_id: 0,
        },
    }
}

/// A client's connection and its channel 1, while open.
#[derive(Clone, Debug, Default)]
struct Link {
    connection: Option<ConnectionId>,
    channel: Option<ChannelId>,
}

impl Link {
    /// The connection, opening a new one if it is closed.
    fn connection(&mut self, ctx: &mut Ctx, id: ActorId) -> (ConnectionId, bool) {
        if let Some(c) = self
            .connection
            .filter(|c| ctx.broker.is_connection_open(*c))
        {
            return (c, false);
        }
        if let Some(old) = self.connection.take() {
            ctx.owners.remove(&old);
        }
        let c = ctx.open_connection(id);
        self.connection = Some(c);
        self.channel = None;
        (c, true)
    }

    /// The open channel, if any.
    fn open_channel(&self, ctx: &Ctx) -> Option<ChannelId> {
        self.channel.filter(|ch| ctx.broker.is_channel_open(*ch))
    }
}

#[derive(Clone, Debug)]
struct Producer {
    id: ActorId,
    spec: ProducerSpec,
    props: Properties,
    link: Link,
    /// `None` when one-off (0 is normalised to `None`).
    rate: Option<f64>,
    /// The schedule: publish `k` (from 0) is due at `anchor + k × 1000/rate`
    /// ms, rounded down. Computing each due time from the anchor rather
    /// than from the previous publish keeps fractional intervals exact.
    anchor: SimTime,
    k: u64,
    wake: Option<WakeKey>,
    last_at: Option<SimTime>,
    sent: u64,
    published: u64,
    failed: u64,
    confirmed: u64,
    confirm_nacked: u64,
    returned: u64,
    last_error: Option<CloseReason>,
}

impl Producer {
    fn due(&self, k: u64) -> Option<SimTime> {
        let r = self.rate?;
        if self.spec.count.is_some_and(|c| self.sent >= c) {
            return None;
        }
        // f64 → u64 casts saturate, so absurd values stay in range.
        Some(self.anchor.plus((k as f64 * 1000.0 / r).floor() as u64))
    }

    fn reschedule(&mut self, ctx: &mut Ctx) {
        if let Some(key) = self.wake.take() {
            ctx.cancel(key);
        }
        if let Some(at) = self.due(self.k) {
            self.wake = Some(ctx.schedule(at, Wake::Publish(self.id)));
        }
    }

    /// The open channel, reopening it (and the connection) as a client
    /// library would after an error.
    fn channel(&mut self, ctx: &mut Ctx) -> Result<ChannelId, Error> {
        if let Some(ch) = self.link.open_channel(ctx) {
            return Ok(ch);
        }
        let (conn, _) = self.link.connection(ctx, self.id);
        let ch = ctx.broker.open_channel(conn, 1)?;
        self.link.channel = Some(ch);
        if self.spec.confirm {
            ctx.broker.confirm_select(ch)?;
        }
        Ok(ch)
    }

    /// Publishes the `key`-th message of the current publish.
    fn publish_one(&mut self, ctx: &mut Ctx, key: usize, body: &str) {
        let routing_key = match key {
            0 => &self.spec.routing_key,
            i => &self.spec.more_routing_keys[i - 1],
        };
        let m = BasicPublish {
            exchange: self.spec.exchange.clone(),
            routing_key: routing_key.clone(),
            body: body.to_owned(),
            properties: self.props.clone(),
            mandatory: self.spec.mandatory,
            immediate: false,
        };
        let r = self
            .channel(ctx)
            .and_then(|ch| ctx.broker.basic_publish(ch, &m));
        match r {
            Ok(()) => self.published += 1,
            Err(e) => {
                self.failed += 1;
                self.last_error = Some(reason(&e));
            }
        }
    }

    fn view(&self, ctx: &Ctx) -> ProducerView {
        let mut routing_keys = vec![self.spec.routing_key.clone()];
        routing_keys.extend(self.spec.more_routing_keys.iter().cloned());
        ProducerView {
            id: self.id,
            name: self.spec.name.clone(),
            exchange: self.spec.exchange.clone(),
            routing_keys,
            rate_per_sec: self.rate,
            next_publish_at: self.wake.map(|(at, _)| at),
            sent: self.sent,
            published: self.published,
            failed: self.failed,
            confirmed: self.confirmed,
            confirm_nacked: self.confirm_nacked,
            returned: self.returned,
            connection: self
                .link
                .connection
                .filter(|c| ctx.broker.is_connection_open(*c)),
            channel: self.link.open_channel(ctx),
            last_error: self.last_error.clone(),
        }
    }
}

/// A delivery being processed.
#[derive(Clone, Debug)]
struct Job {
    view: InFlightView,
    wake: WakeKey,
    auto_ack: bool,
    /// `fail_every` picked it: nack with requeue whatever the policy.
    fail: bool,
}

#[derive(Clone, Debug)]
struct Consumer {
    id: ActorId,
    spec: ConsumerSpec,
    rng: Rng,
    link: Link,
    tag: String,
    state: ConsumerState,
    /// Deliveries since the connection opened (for `crash_after`).
    life_received: u64,
    /// Work in hand by delivery tag, in tag order. Tags only grow on a
    /// channel (its jobs go with it), so new jobs land at the back and
    /// finished ones mostly leave from the front: a sorted deque does it,
    /// with one B-tree copy less in the wasm than a `BTreeMap`.
    jobs: VecDeque<(u64, Job)>,
    received: u64,
    processed: u64,
    acked: u64,
    nacked: u64,
    lost: u64,
    crashes: u64,
    last_error: Option<CloseReason>,
}

impl Consumer {
    /// Drops the work in hand: the channel is gone, so the broker has
    /// requeued (or, with `auto_ack`, already settled) those messages.
    fn lose_jobs(&mut self, ctx: &mut Ctx) {
        for (_, job) in std::mem::take(&mut self.jobs) {
            ctx.cancel(job.wake);
            self.lost += 1;
        }
    }

    /// Records a refused command. If it closed the channel or connection,
    /// the work in hand is lost.
    fn fail(&mut self, ctx: &mut Ctx, e: &Error) {
        self.state = ConsumerState::Failed;
        self.last_error = Some(reason(e));
        self.on_link_lost(ctx);
    }

    /// After a closure: if the channel is gone, so is the work in hand.
    /// (The connection is forgotten when its `connection-closed` event
    /// arrives, which carries the error of a hard close.)
    fn on_link_lost(&mut self, ctx: &mut Ctx) {
        if self.link.open_channel(ctx).is_none() {
            self.link.channel = None;
            self.lose_jobs(ctx);
        }
    }

    /// Opens what is closed of connection and channel, with `basic.qos`
    /// on a new channel. `None` if the broker refused.
    fn connect(&mut self, ctx: &mut Ctx) -> Option<ChannelId> {
        if let Some(ch) = self.link.open_channel(ctx) {
            return Some(ch);
        }
        let (conn, fresh) = self.link.connection(ctx, self.id);
        if fresh {
            // A new connection is a new process: `crash_after` counts anew.
            self.life_received = 0;
        }
        let ch = match ctx.broker.open_channel(conn, 1) {
            Ok(ch) => ch,
            Err(e) => {
                self.fail(ctx, &e);
                return None;
            }
        };
        self.link.channel = Some(ch);
        if self.spec.prefetch > 0 {
            let qos = BasicQos {
                prefetch_count: self.spec.prefetch,
                ..BasicQos::default()
            };
            if let Err(e) = ctx.broker.basic_qos(ch, &qos) {
                self.fail(ctx, &e);
                return None;
            }
        }
        Some(ch)
    }

    /// Connects if needed and sends `basic.consume`.
    fn start(&mut self, ctx: &mut Ctx) {
        if self.state == ConsumerState::Running {
            return;
        }
        let Some(ch) = self.connect(ctx) else {
            return;
        };
        let m = BasicConsume {
            queue: self.spec.queue.clone(),
            consumer_tag: self.spec.tag().to_owned(),
            auto_ack: self.spec.auto_ack,
            exclusive: self.spec.exclusive,
            arguments: self.spec.arguments(),
        };
        // Running before the call: deliveries may follow at once.
        self.state = ConsumerState::Running;
        match ctx.broker.basic_consume(ch, &m) {
            Ok(tag) => self.tag = tag,
            Err(e) => self.fail(ctx, &e),
        }
    }

    fn stop(&mut self, ctx: &mut Ctx) {
        if self.state != ConsumerState::Running {
            return;
        }
        self.state = ConsumerState::Stopped;
        if let Some(ch) = self.link.open_channel(ctx) {
            let m = BasicCancel {
                consumer_tag: self.tag.clone(),
            };
            if let Err(e) = ctx.broker.basic_cancel(ch, &m) {
                self.fail(ctx, &e);
            }
        }
    }

    /// The process dies: its connection goes, and the work in hand with it.
    fn crash(&mut self, ctx: &mut Ctx) {
        self.state = ConsumerState::Crashed;
        self.crashes += 1;
        self.lose_jobs(ctx);
        self.link.channel = None;
        if let Some(conn) = self.link.connection.take() {
            ctx.close_quietly(conn);
        }
    }

    fn on_delivery(&mut self, ctx: &mut Ctx, d: Delivery) {
        self.received += 1;
        self.life_received += 1;
        let crash = self.spec.policy == ConsumerPolicy::Crash
            || self
                .spec
                .crash_after
                .is_some_and(|n| u64::from(n) == self.life_received);
        if crash {
            self.lost += 1;
            self.crash(ctx);
            return;
        }
        let jitter = if self.spec.jitter_ms > 0 {
            self.rng.below(self.spec.jitter_ms.saturating_add(1))
        } else {
            0
        };
        let now = ctx.now();
        let finish_at = now.plus(self.spec.processing_ms).plus(jitter);
        let wake = ctx.schedule(finish_at, Wake::Finish(self.id, d.delivery_tag));
        let fail = self
            .spec
            .fail_every
            .is_some_and(|n| self.received.is_multiple_of(u64::from(n)));
        let job = Job {
            view: InFlightView {
                delivery_tag: d.delivery_tag,
                message: d.message,
                queue: d.queue,
                redelivered: d.redelivered,
                received_at: now,
                finish_at,
            },
            wake,
            auto_ack: d.auto_ack,
            fail,
        };
        // Replaces a job under the same tag, as a map insert would.
        match self.jobs.binary_search_by_key(&d.delivery_tag, |(t, _)| *t) {
            Ok(at) => self.jobs[at].1 = job,
            Err(at) => self.jobs.insert(at, (d.delivery_tag, job)),
        }
    }

    fn finish(&mut self, ctx: &mut Ctx, tag: u64) {
        let Ok(at) = self.jobs.binary_search_by_key(&tag, |(t, _)| *t) else {
            return;
        };
        let Some((_, job)) = self.jobs.remove(at) else {
            return;
        };
        self.processed += 1;
        if job.auto_ack {
            return;
        }
        let settle = if job.fail {
            Some(Settle::Nack { requeue: true })
        } else {
            self.spec.policy.settle()
        };
        let (Some(settle), Some(ch)) = (settle, self.link.open_channel(ctx)) else {
            return;
        };
        let r = match settle {
            Settle::Ack => ctx.broker.basic_ack(
                ch,
                &BasicAck {
                    delivery_tag: tag,
                    multiple: false,
                },
            ),
            Settle::Nack { requeue } => ctx.broker.basic_nack(
                ch,
                &BasicNack {
                    delivery_tag: tag,
                    multiple: false,
                    requeue,
                },
            ),
            Settle::Reject { requeue } => ctx.broker.basic_reject(
                ch,
                &BasicReject {
                    delivery_tag: tag,
                    requeue,
                },
            ),
        };
        match (r, settle) {
            (Ok(()), Settle::Ack) => self.acked += 1,
            (Ok(()), _) => self.nacked += 1,
            (Err(e), _) => self.fail(ctx, &e),
        }
    }

    fn view(&self, ctx: &Ctx) -> ConsumerView {
        ConsumerView {
            id: self.id,
            name: self.spec.name.clone(),
            queue: self.spec.queue.clone(),
            consumer_tag: self.tag.clone(),
            state: self.state,
            prefetch: self.spec.prefetch,
            in_flight: self.jobs.iter().map(|(_, j)| j.view.clone()).collect(),
            received: self.received,
            processed: self.processed,
            acked: self.acked,
            nacked: self.nacked,
            lost: self.lost,
            crashes: self.crashes,
            connection: self
                .link
                .connection
                .filter(|c| ctx.broker.is_connection_open(*c)),
            channel: self.link.open_channel(ctx),
            last_error: self.last_error.clone(),
        }
    }
}

/// The parts of a `Delivered` event a consumer keeps.
struct Delivery {
    delivery_tag: u64,
    message: MessageId,
    queue: String,
    redelivered: bool,
    auto_ack: bool,
}

#[derive(Clone, Debug)]
enum Actor {
    // Boxed: both are hundreds of bytes (a producer carries two
    // `Properties`), and the table moves only pointers.
    Producer(Box<Producer>),
    Consumer(Box<Consumer>),
}

/// A broker plus simulated client processes, on one virtual clock.
///
/// The playground animates client processes, and tests and scenario files
/// need the same processes to behave identically every run. A
/// [`Simulation`] owns a [`Broker`] and a set of actors: producers
/// ([`ProducerSpec`]) that publish at a rate or on demand, and consumers
/// ([`ConsumerSpec`]) that take deliveries, work on each for a while, then
/// ack, nack, reject, or crash. Like the broker, it is sans-IO: time is
/// virtual ([`SimTime`]) and only moves when the caller says so, and the
/// only randomness is the seeded [`Rng`].
///
/// # Example
/// ```
/// use warren_core::{methods::QueueDeclare, Broker, ConsumerSpec, ProducerSpec, SimTime, Simulation};
/// let mut broker = Broker::new();
/// let ch = broker.connect();
/// broker.queue_declare(ch, &QueueDeclare { queue: "jobs".into(), ..Default::default() })?;
/// let mut sim = Simulation::new(broker, 42);
/// sim.add_producer(ProducerSpec {
///     body: "job {n}".into(),
///     rate_per_sec: Some(10.0), // at 0, 100, 200, 300 and 400 ms
///     count: Some(5),
///     ..ProducerSpec::new("boss", "", "jobs")
/// })?;
/// let worker = sim.add_consumer(ConsumerSpec {
///     prefetch: 1,
///     processing_ms: 250,
///     ..ConsumerSpec::new("worker", "jobs")
/// })?;
/// sim.run_until(SimTime(2_000));
/// let view = sim.actor(worker).unwrap();
/// assert_eq!(view.as_consumer().unwrap().acked, 5);
/// assert_eq!(sim.broker().queue("jobs").unwrap().ready, 0);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Actors
///
/// Each actor opens its own connection and channel 1 on it when added, so
/// that killing one behaves like a process dying: the broker closes the
/// connection and requeues what it held, and no other actor notices.
/// Broker errors an actor meets (a consume on a missing queue, a publish to
/// a missing exchange) close its channel as they would a real client's;
/// they show as events and as state on the actor ([`ActorView`]), never as
/// a panic or an `Err`. A producer reopens its channel (or connection) at
/// its next publish, as the scenario runner does; a consumer stays
/// [`ConsumerState::Failed`] until [`Simulation::start_consumer`].
///
/// A consumer's life:
/// - on each delivery it draws a processing time, `processing_ms` plus a
///   uniform `0..=jitter_ms` from its own generator, and schedules the end
///   of the work; with the `crash` policy or at its `crash_after`-th
///   delivery it closes its connection instead;
/// - when the work ends it settles the delivery by its policy (every
///   `fail_every`-th delivery is nacked with requeue instead);
/// - [`Simulation::stop_consumer`] sends `basic.cancel`. The deliveries in
///   hand stay unacked on the still-open channel and are settled when
///   their processing ends, as a real client finishes in-flight work after
///   cancelling (RabbitMQ only requeues them if the channel closes);
/// - [`Simulation::kill_consumer`] closes the connection at once: the work
///   in hand is lost and the broker requeues those messages, redelivered.
///
/// # Driving it
///
/// The four families of [`Broker`] have counterparts here:
/// - getters: [`Simulation::broker`], [`Simulation::actors`],
///   [`Simulation::now`], [`Simulation::next_wakeup`];
/// - commands, acting at the current virtual time: `add_*`,
///   [`Simulation::publish`], `stop_`/`start_`/`kill_consumer`,
///   [`Simulation::set_rate`], and [`Simulation::with_broker`] to drive
///   the broker directly (scripted steps);
/// - time: [`Simulation::run_until`] and [`Simulation::step`];
/// - [`Simulation::poll_event`]: every broker event, in order, handed out
///   after the simulation has reacted to it.
///
/// Never move time through [`Simulation::with_broker`]
/// (`Broker::advance_to`): actor wakeups skipped that way run late, at the
/// broker's new time.
///
/// # How it works
///
/// Actor wakeups (a producer's next publish, the end of a consumer's work)
/// sit in one table keyed by `(at, seq)`, where `seq` counts scheduling
/// calls, as in turmoil's fabric scheduler. The broker keeps its own timers
/// (message TTL, queue expiry). [`Simulation::run_until`] repeatedly takes
/// the earliest of the two and processes it, then drains and reacts to the
/// broker's events before taking the next. Ties at one instant break as
/// follows:
/// 1. broker timers first: a message whose TTL ends at `t` is already gone
///    for anything a client does at `t` (the broker treats
///    `expires_at <= now` as expired);
/// 2. then actor wakeups in `seq` order, i.e. in the order they were
///    scheduled (two deliveries finishing at the same ms are settled in the
///    order they arrived). Wakeups left behind the current time (time
///    moved through `with_broker`, or a slip from the work cap) run at the
///    current time, first, in `(at, seq)` order;
/// 3. a timer that an actor's action makes due at the current instant
///    fires before the next actor wakeup.
///
/// # Work caps
///
/// Virtual time can ask for unbounded work; two caps from [`SimConfig`]
/// keep every call bounded by the virtual time it covers:
/// - a producer publishes at most `max_publishes_per_ms` messages at one
///   instant (default 100, i.e. 100 000 msg/s). A faster rate is clamped:
///   the backlog is skipped, not caught up, as a client whose send loop
///   cannot keep up would do. A producer at 1e9 msg/s thus costs 100
///   publishes per virtual ms;
/// - at most `max_wakeups_per_ms` actor wakeups run at one instant
///   (default 1000). The rest slip to the next millisecond, in order. This
///   breaks zero-time livelocks such as a `nack-requeue` consumer with
///   `processing_ms: 0`, which would otherwise loop forever at one instant.
///
/// # Determinism
///
/// The same broker, seed and calls give the same event sequence. Each
/// consumer gets its own generator, forked from the simulation's when it
/// is added, so one consumer's draws never shift another's; jitter is
/// drawn only when `jitter_ms > 0`, and producers draw nothing. Every
/// container whose order is observable is a `BTreeMap`.
#[derive(Clone, Debug)]
pub struct Simulation {
    ctx: Ctx,
    actors: IdMap<Actor, ActorId>,
    rng: Rng,
    next_actor: u32,
    /// The instant whose actor wakeups `spent` counts (work cap).
    instant: SimTime,
    spent: u32,
    events: VecDeque<Event>,
    record_events: bool,
}

impl Simulation {
    /// A simulation driving `broker`, with randomness from `seed` and the
    /// default [`SimConfig`].
    ///
    /// Events already queued in the broker are taken over:
    /// [`Simulation::poll_event`] hands them out first. Event recording is
    /// switched on in the broker, since the simulation learns of deliveries
    /// from events.
    pub fn new(broker: Broker, seed: u64) -> Self {
        Self::with_config(broker, seed, SimConfig::default())
    }

    /// A simulation with the given configuration.
    pub fn with_config(mut broker: Broker, seed: u64, config: SimConfig) -> Self {
        broker.set_record_events(true);
        let instant = broker.now();
        let mut sim = Self {
            ctx: Ctx {
                broker,
                config,
                wakeups: BTreeMap::new(),
                next_seq: 0,
                owners: IdMap::default(),
            },
            actors: IdMap::default(),
            rng: Rng::new(seed),
            next_actor: 1,
            instant,
            spent: 0,
            events: VecDeque::new(),
            record_events: true,
        };
        sim.pump();
        sim
    }

    /// The configuration.
    pub fn config(&self) -> &SimConfig {
        &self.ctx.config
    }

    /// The broker, to inspect.
    pub fn broker(&self) -> &Broker {
        &self.ctx.broker
    }

    /// The current virtual time (the broker's).
    pub fn now(&self) -> SimTime {
        self.ctx.now()
    }

    /// Drives the broker directly (a scripted step), then observes what
    /// happened: a message `f` publishes that reaches an actor's consumer
    /// starts that actor's processing, exactly as an actor's publish would.
    ///
    /// Do not move time in `f` (see the type doc). Event recording is
    /// switched back on afterwards if `f` turned it off.
    ///
    /// # Example
    /// ```
    /// use warren_core::{methods::*, Broker, ConsumerSpec, SimTime, Simulation};
    /// let mut sim = Simulation::new(Broker::new(), 1);
    /// let ch = sim.with_broker(|b| {
    ///     let ch = b.connect();
    ///     b.queue_declare(ch, &QueueDeclare { queue: "q".into(), ..Default::default() })
    ///         .map(|_| ch)
    /// })?;
    /// let c = sim.add_consumer(ConsumerSpec { processing_ms: 10, ..ConsumerSpec::new("c", "q") })?;
    /// sim.with_broker(|b| {
    ///     b.basic_publish(ch, &BasicPublish { routing_key: "q".into(), ..Default::default() })
    /// })?;
    /// sim.run_until(SimTime(10));
    /// assert_eq!(sim.actor(c).unwrap().as_consumer().unwrap().acked, 1);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn with_broker<R>(&mut self, f: impl FnOnce(&mut Broker) -> R) -> R {
        let r = f(&mut self.ctx.broker);
        self.ctx.broker.set_record_events(true);
        self.pump();
        r
    }

    fn new_id(&mut self) -> ActorId {
        let id = ActorId(self.next_actor);
        self.next_actor += 1;
        id
    }

    /// Adds a producer: it opens its connection and channel now (and
    /// selects confirm mode if asked), and if it has a rate, schedules its
    /// first publish at `start_ms` (or now, if that has passed).
    ///
    /// # Errors
    /// [`SimError::InvalidRate`] and [`SimError::TooLong`] for a spec no
    /// client could run.
    pub fn add_producer(&mut self, spec: ProducerSpec) -> Result<ActorId, SimError> {
        spec.validate()?;
        let id = self.new_id();
        let now = self.now();
        let mut p = Producer {
            id,
            props: spec.message_properties(),
            rate: spec.rate_per_sec.filter(|r| *r > 0.0),
            anchor: SimTime(spec.start_ms).max(now),
            k: 0,
            spec,
            link: Link::default(),
            wake: None,
            last_at: None,
            sent: 0,
            published: 0,
            failed: 0,
            confirmed: 0,
            confirm_nacked: 0,
            returned: 0,
            last_error: None,
        };
        if let Err(e) = p.channel(&mut self.ctx) {
            p.last_error = Some(reason(&e));
        }
        p.reschedule(&mut self.ctx);
        self.actors.insert(id, Actor::Producer(Box::new(p)));
        self.pump();
        Ok(id)
    }

    /// Adds a consumer: it opens its connection and channel now, sends
    /// `basic.qos` if it has a prefetch, and starts consuming unless
    /// `start` is false. A refused consume (say, 404: no such queue) leaves
    /// it [`ConsumerState::Failed`], not an `Err`.
    ///
    /// # Errors
    /// [`SimError::TooLong`] and [`SimError::ZeroCount`] for a spec no
    /// client could run.
    pub fn add_consumer(&mut self, spec: ConsumerSpec) -> Result<ActorId, SimError> {
        spec.validate()?;
        let id = self.new_id();
        let start = spec.start;
        let mut c = Consumer {
            id,
            rng: self.rng.fork(),
            tag: spec.tag().to_owned(),
            spec,
            link: Link::default(),
            state: ConsumerState::Stopped,
            life_received: 0,
            jobs: VecDeque::new(),
            received: 0,
            processed: 0,
            acked: 0,
            nacked: 0,
            lost: 0,
            crashes: 0,
            last_error: None,
        };
        c.connect(&mut self.ctx);
        self.actors.insert(id, Actor::Consumer(Box::new(c)));
        // Pump between connecting and consuming, so that the events of one
        // are handled before the deliveries the other may start.
        self.pump();
        if start {
            if let Some(Actor::Consumer(c)) = self.actors.get_mut(&id) {
                c.start(&mut self.ctx);
            }
            self.pump();
        }
        Ok(id)
    }

    /// Removes an actor, closing its connection: a consumer's unacked
    /// messages are requeued by the broker, redelivered.
    ///
    /// # Errors
    /// [`SimError::UnknownActor`].
    pub fn remove_actor(&mut self, id: ActorId) -> Result<(), SimError> {
        let actor = self.actors.remove(&id).ok_or(SimError::UnknownActor(id))?;
        let link = match actor {
            Actor::Producer(mut p) => {
                if let Some(key) = p.wake.take() {
                    self.ctx.cancel(key);
                }
                p.link
            }
            Actor::Consumer(mut c) => {
                c.lose_jobs(&mut self.ctx);
                c.link
            }
        };
        if let Some(conn) = link.connection {
            self.ctx.close_quietly(conn);
        }
        self.pump();
        Ok(())
    }

    /// The actor with this name, if any (the first added, if several).
    pub fn actor_id(&self, name: &str) -> Option<ActorId> {
        self.actors
            .iter()
            .find(|(_, a)| match a {
                Actor::Producer(p) => p.spec.name == name,
                Actor::Consumer(c) => c.spec.name == name,
            })
            .map(|(id, _)| id)
    }

    fn producer(&mut self, id: ActorId) -> Result<&mut Producer, SimError> {
        match self.actors.get_mut(&id) {
            Some(Actor::Producer(p)) => Ok(p),
            Some(Actor::Consumer(_)) => Err(SimError::NotAProducer(id)),
            None => Err(SimError::UnknownActor(id)),
        }
    }

    fn consumer(&mut self, id: ActorId) -> Result<&mut Consumer, SimError> {
        match self.actors.get_mut(&id) {
            Some(Actor::Consumer(c)) => Ok(c),
            Some(Actor::Producer(_)) => Err(SimError::NotAConsumer(id)),
            None => Err(SimError::UnknownActor(id)),
        }
    }

    /// One publish now, whatever the producer's rate: one message per
    /// routing key, numbered with the next `{n}`. Counts towards `count`.
    /// A refused publish shows on the producer (`failed`, `last_error`).
    ///
    /// # Errors
    /// [`SimError::UnknownActor`], [`SimError::NotAProducer`].
    pub fn publish(&mut self, producer: ActorId) -> Result<(), SimError> {
        self.producer(producer)?;
        self.publish_now(producer);
        if let Some(Actor::Producer(p)) = self.actors.get_mut(&producer) {
            // `count` may have been reached.
            p.reschedule(&mut self.ctx);
        }
        Ok(())
    }

    /// Publishes one message per routing key, reacting to the broker's
    /// events after each.
    fn publish_now(&mut self, id: ActorId) {
        let now = self.now();
        let (body, keys) = match self.actors.get_mut(&id) {
            Some(Actor::Producer(p)) => {
                p.sent += 1;
                p.last_at = Some(now);
                let body = render(&p.spec.body, p.sent, &p.spec.name, now);
                (body, 1 + p.spec.more_routing_keys.len())
            }
            _ => return,
        };
        for key in 0..keys {
            if let Some(Actor::Producer(p)) = self.actors.get_mut(&id) {
                p.publish_one(&mut self.ctx, key, &body);
            }
            self.pump();
        }
    }

    /// Changes a producer's rate (messages per second; `None` or 0 =
    /// one-off). The schedule restarts from the last publish: the next one
    /// is due one new interval after it, or now if that has passed, so
    /// dragging a rate slider neither bursts nor stalls.
    ///
    /// # Errors
    /// [`SimError::InvalidRate`] for a negative, NaN or infinite rate;
    /// [`SimError::UnknownActor`], [`SimError::NotAProducer`].
    pub fn set_rate(
        &mut self,
        producer: ActorId,
        rate_per_sec: Option<f64>,
    ) -> Result<(), SimError> {
        check_rate(rate_per_sec)?;
        let now = self.now();
        self.producer(producer)?;
        let Some(Actor::Producer(p)) = self.actors.get_mut(&producer) else {
            unreachable!("checked above");
        };
        p.rate = rate_per_sec.filter(|r| *r > 0.0);
        p.anchor = match (p.last_at, p.rate) {
            (Some(last), Some(r)) => last.plus((1000.0 / r).floor() as u64).max(now),
            _ => SimTime(p.spec.start_ms).max(now),
        };
        p.k = 0;
        p.reschedule(&mut self.ctx);
        Ok(())
    }

    /// Cancels a running consumer (`basic.cancel`). The deliveries in hand
    /// stay unacked and are still settled when their processing ends (see
    /// the type doc). No-op unless running.
    ///
    /// # Errors
    /// [`SimError::UnknownActor`], [`SimError::NotAConsumer`].
    pub fn stop_consumer(&mut self, consumer: ActorId) -> Result<(), SimError> {
        let c = match self.actors.get_mut(&consumer) {
            Some(Actor::Consumer(c)) => c,
            _ => return self.consumer(consumer).map(|_| ()),
        };
        c.stop(&mut self.ctx);
        self.pump();
        Ok(())
    }

    /// Starts consuming again: after a stop, on the same channel; after a
    /// crash or failure, on a new connection (a restarted process). A
    /// refused consume leaves it [`ConsumerState::Failed`]. No-op if
    /// running.
    ///
    /// # Errors
    /// [`SimError::UnknownActor`], [`SimError::NotAConsumer`].
    pub fn start_consumer(&mut self, consumer: ActorId) -> Result<(), SimError> {
        let c = match self.actors.get_mut(&consumer) {
            Some(Actor::Consumer(c)) => c,
            _ => return self.consumer(consumer).map(|_| ()),
        };
        c.start(&mut self.ctx);
        self.pump();
        Ok(())
    }

    /// Kills a consumer's process: its connection closes at once, the work
    /// in hand is lost, and the broker requeues those messages, marked
    /// redelivered. It stays [`ConsumerState::Crashed`] until
    /// [`Simulation::start_consumer`]. No-op if already crashed.
    ///
    /// # Errors
    /// [`SimError::UnknownActor`], [`SimError::NotAConsumer`].
    pub fn kill_consumer(&mut self, consumer: ActorId) -> Result<(), SimError> {
        let c = match self.actors.get_mut(&consumer) {
            Some(Actor::Consumer(c)) => c,
            _ => return self.consumer(consumer).map(|_| ()),
        };
        if c.state != ConsumerState::Crashed {
            c.crash(&mut self.ctx);
        }
        self.pump();
        Ok(())
    }

    /// When the next actor wakeup or broker timer is due: the earliest
    /// time at which [`Simulation::step`] would do something.
    #[must_use]
    pub fn next_wakeup(&self) -> Option<SimTime> {
        match (self.ctx.broker.poll_timeout(), self.next_actor_at()) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// When the earliest actor wakeup will run: never before now, and a
    /// millisecond later if this instant's wakeup budget is spent.
    fn next_actor_at(&self) -> Option<SimTime> {
        let (&(at, _), _) = self.ctx.wakeups.first_key_value()?;
        let at = at.max(self.now());
        if at == self.instant && self.spent >= self.ctx.config.max_wakeups_per_ms {
            Some(at.plus(1))
        } else {
            Some(at)
        }
    }

    /// Jumps to the next wakeup and processes everything due then (what
    /// the processing makes due at the same instant included, within the
    /// work cap). Returns that time, or `None` (and does nothing) if
    /// nothing is scheduled.
    pub fn step(&mut self) -> Option<SimTime> {
        let t = self.next_wakeup()?;
        self.run_until(t);
        Some(t)
    }

    /// Processes every wakeup due up to `t`, broker timers and actor
    /// wakeups interleaved in time order (ties: see the type doc), then
    /// moves time to `t`. Earlier times do nothing: time never runs
    /// backwards.
    pub fn run_until(&mut self, t: SimTime) {
        while self.run_next(t) {}
        self.ctx.broker.advance_to(t);
        self.pump();
    }

    /// [`Simulation::run_until`] `ms` from now.
    pub fn run_for(&mut self, ms: u64) {
        self.run_until(self.now().plus(ms));
    }

    /// Processes the earliest broker timer or actor wakeup if it is due by
    /// `t`; false if there is none.
    fn run_next(&mut self, t: SimTime) -> bool {
        let timer = self.ctx.broker.poll_timeout().filter(|at| *at <= t);
        let actor = self.next_actor_at().filter(|at| *at <= t);
        let at = match (timer, actor) {
            (None, None) => return false,
            // Broker timers first on ties (type doc, rule 1).
            (Some(b), a) if a.is_none_or(|a| b <= a) => {
                self.ctx.broker.advance_to(b);
                self.pump();
                return true;
            }
            (_, a) => a,
        };
        let (Some(at), Some((_, wake))) = (at, self.ctx.wakeups.pop_first()) else {
            return false; // unreachable: `actor` saw a wakeup
        };
        self.ctx.broker.advance_to(at);
        self.pump();
        if at != self.instant {
            self.instant = at;
            self.spent = 0;
        }
        self.spent += 1;
        self.wake(wake);
        true
    }

    fn wake(&mut self, wake: Wake) {
        match wake {
            Wake::Publish(id) => self.scheduled_publish(id),
            Wake::Finish(id, tag) => {
                if let Some(Actor::Consumer(c)) = self.actors.get_mut(&id) {
                    c.finish(&mut self.ctx, tag);
                }
                self.pump();
            }
        }
    }

    /// A producer's scheduled wakeup: publishes everything due, up to the
    /// per-ms cap (type doc, "Work caps"), then schedules the next one.
    fn scheduled_publish(&mut self, id: ActorId) {
        let cap = self.ctx.config.max_publishes_per_ms;
        let now = self.now();
        let mut done = 0;
        loop {
            let Some(Actor::Producer(p)) = self.actors.get_mut(&id) else {
                return;
            };
            p.wake = None;
            if p.due(p.k).is_none_or(|at| at > now) {
                break;
            }
            if done == cap {
                // Clamp: skip the backlog, carry on from the next ms.
                p.anchor = now.plus(1);
                p.k = 0;
                break;
            }
            p.k += 1;
            done += 1;
            self.publish_now(id);
        }
        if let Some(Actor::Producer(p)) = self.actors.get_mut(&id) {
            p.reschedule(&mut self.ctx);
        }
    }

    /// Hands every queued broker event to the actors, then to the caller.
    fn pump(&mut self) {
        while let Some(ev) = self.ctx.broker.poll_event() {
            self.react(&ev.kind);
            if self.record_events {
                self.events.push_back(ev);
            }
        }
    }

    /// The actor owning a connection, with the context to act on.
    fn owner(&mut self, conn: ConnectionId) -> Option<(&mut Ctx, &mut Actor)> {
        let id = *self.ctx.owners.get(&conn)?;
        let actor = self.actors.get_mut(&id)?;
        Some((&mut self.ctx, actor))
    }

    fn react(&mut self, kind: &EventKind) {
        match kind {
            EventKind::Delivered {
                channel,
                consumer_tag,
                delivery_tag,
                redelivered,
                queue,
                auto_ack,
                message,
            } => {
                let Some((ctx, Actor::Consumer(c))) = self.owner(channel.connection) else {
                    return;
                };
                // Deliveries to a consumer someone else added on this
                // channel are not the actor's business.
                if c.link.channel == Some(*channel) && c.tag == *consumer_tag {
                    let d = Delivery {
                        delivery_tag: *delivery_tag,
                        message: message.id(),
                        queue: queue.clone(),
                        redelivered: *redelivered,
                        auto_ack: *auto_ack,
                    };
                    c.on_delivery(ctx, d);
                }
            }
            EventKind::ConsumerCancelled {
                channel,
                consumer_tag,
                by_broker,
                ..
            } => {
                let Some((_, Actor::Consumer(c))) = self.owner(channel.connection) else {
                    return;
                };
                if c.link.channel == Some(*channel)
                    && c.tag == *consumer_tag
                    && c.state == ConsumerState::Running
                {
                    c.state = if *by_broker {
                        ConsumerState::Cancelled
                    } else {
                        ConsumerState::Stopped
                    };
                }
            }
            EventKind::ChannelClosed { channel, error } => {
                self.on_closed(channel.connection, Some(*channel), error.as_ref());
            }
            EventKind::ConnectionClosed { connection, error } => {
                self.on_closed(*connection, None, error.as_ref());
            }
            EventKind::Confirmed { channel, ack, .. } => {
                if let Some((_, Actor::Producer(p))) = self.owner(channel.connection) {
                    if *ack {
                        p.confirmed += 1;
                    } else {
                        p.confirm_nacked += 1;
                    }
                }
            }
            EventKind::Returned { channel, .. } => {
                if let Some((_, Actor::Producer(p))) = self.owner(channel.connection) {
                    p.returned += 1;
                }
            }
            _ => {}
        }
    }

    /// A channel (`Some`) or connection (`None`) of an actor closed under
    /// it: someone else closed it, or the broker did on an error.
    /// Closures the simulation makes itself are not seen here: it forgets
    /// the connection's owner first.
    fn on_closed(
        &mut self,
        conn: ConnectionId,
        channel: Option<ChannelId>,
        error: Option<&CloseReason>,
    ) {
        let Some((ctx, actor)) = self.owner(conn) else {
            return;
        };
        if channel.is_none() {
            ctx.owners.remove(&conn);
        }
        let link = match actor {
            Actor::Producer(p) => &mut p.link,
            Actor::Consumer(c) => &mut c.link,
        };
        let ours = match channel {
            Some(ch) => link.channel == Some(ch),
            None => link.connection == Some(conn),
        };
        if !ours {
            return;
        }
        link.channel = None;
        if channel.is_none() {
            link.connection = None;
        }
        match actor {
            Actor::Producer(p) => {
                if let Some(e) = error {
                    p.last_error = Some(e.clone());
                }
            }
            Actor::Consumer(c) => {
                if let Some(e) = error {
                    c.last_error = Some(e.clone());
                }
                if c.state != ConsumerState::Crashed {
                    c.state = ConsumerState::Failed;
                }
                c.on_link_lost(ctx);
            }
        }
    }

    /// The next broker event, oldest first, after the simulation has
    /// reacted to it.
    #[must_use]
    pub fn poll_event(&mut self) -> Option<Event> {
        self.events.pop_front()
    }

    /// Drains every pending event.
    #[must_use]
    pub fn drain_events(&mut self) -> Vec<Event> {
        self.events.drain(..).collect()
    }

    /// Stops (or resumes) keeping events for [`Simulation::poll_event`],
    /// for drivers that only look at views. The simulation still sees
    /// every broker event; turning it off drops the pending ones.
    pub fn set_record_events(&mut self, on: bool) {
        self.record_events = on;
        if !on {
            self.events.clear();
        }
    }

    /// Every actor, in the order added.
    pub fn actors(&self) -> Vec<ActorView> {
        self.actors.keys().filter_map(|id| self.actor(id)).collect()
    }

    /// One actor.
    pub fn actor(&self, id: ActorId) -> Option<ActorView> {
        Some(match self.actors.get(&id)? {
            Actor::Producer(p) => ActorView::Producer(p.view(&self.ctx)),
            Actor::Consumer(c) => ActorView::Consumer(c.view(&self.ctx)),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::methods::QueueDeclare;

    fn sim_with_queue(config: SimConfig) -> Simulation {
        let mut broker = Broker::new();
        let ch = broker.connect();
        broker
            .queue_declare(
                ch,
                &QueueDeclare {
                    queue: "q".into(),
                    ..Default::default()
                },
            )
            .unwrap();
        Simulation::with_config(broker, 7, config)
    }

    #[test]
    fn due_times_stay_exact_for_fractional_intervals() {
        let mut sim = sim_with_queue(SimConfig::new());
        let p = sim
            .add_producer(ProducerSpec {
                rate_per_sec: Some(3.0),
                ..ProducerSpec::new("p", "", "q")
            })
            .unwrap();
        let mut times = vec![];
        while sim.next_wakeup().is_some_and(|t| t <= SimTime(2000)) {
            times.push(sim.step().unwrap().ms());
        }
        assert_eq!(times, [0, 333, 666, 1000, 1333, 1666, 2000]);
        assert_eq!(sim.actor(p).unwrap().as_producer().unwrap().published, 7);
    }

    #[test]
    fn zero_time_nack_loop_slips_to_the_next_ms() {
        let mut sim = sim_with_queue(SimConfig::new().max_wakeups_per_ms(10));
        let c = sim
            .add_consumer(ConsumerSpec {
                policy: ConsumerPolicy::NackRequeue,
                ..ConsumerSpec::new("c", "q")
            })
            .unwrap();
        let p = sim.add_producer(ProducerSpec::new("p", "", "q")).unwrap();
        sim.publish(p).unwrap();
        assert_eq!(sim.step(), Some(SimTime(0)));
        let v = sim.actor(c).unwrap();
        // Ten wakeups at 0 ms: ten nacks, each redelivering at once.
        assert_eq!(v.as_consumer().unwrap().nacked, 10);
        assert_eq!(sim.next_wakeup(), Some(SimTime(1)));
        sim.run_until(SimTime(4));
        assert_eq!(sim.actor(c).unwrap().as_consumer().unwrap().nacked, 50);
        sim.broker().check_invariants().unwrap();
    }

    #[test]
    fn errors_on_bad_ids() {
        let mut sim = sim_with_queue(SimConfig::new());
        let p = sim.add_producer(ProducerSpec::new("p", "", "q")).unwrap();
        let c = sim.add_consumer(ConsumerSpec::new("c", "q")).unwrap();
        assert_eq!(sim.stop_consumer(p), Err(SimError::NotAConsumer(p)));
        assert_eq!(sim.publish(c), Err(SimError::NotAProducer(c)));
        assert_eq!(
            sim.set_rate(p, Some(f64::NAN)).unwrap_err().to_string(),
            "rate NaN is not a finite, non-negative number per second"
        );
        sim.remove_actor(c).unwrap();
        assert_eq!(sim.kill_consumer(c), Err(SimError::UnknownActor(c)));
        assert_eq!(SimError::UnknownActor(c).to_string(), "no actor a2");
        assert_eq!(sim.actor_id("p"), Some(p));
        assert_eq!(sim.actor_id("c"), None);
    }
}
