//! Figures over virtual time, as the management UI draws them: per queue,
//! ready and unacked counts and the publish, deliver, ack, redeliver and
//! dead-letter rates; per consumer, what it was delivered and settled, its
//! unacked against its prefetch and its utilisation; broker totals.
//!
//! Counts come from the broker's events; ready and unacked counts are read
//! from the broker at the last millisecond of each bucket. Both happen at
//! fixed virtual times, so that a run replayed (the playground's scrubbing)
//! or run natively gives the very same series however its driver slices
//! time: [`Stats::run_until`] stops the simulation at every bucket's end.
//!
//! Memory is bounded whatever the run's length: every series holds at most
//! [`BUCKETS`] buckets, all series sharing one origin and one width. When
//! the last bucket fills, neighbouring pairs merge (counts add, gauges keep
//! the later value) and the width doubles. At most [`MAX_CONSUMERS`]
//! consumers are kept (the oldest gone ones are forgotten first); queues
//! are forgotten when deleted.
//!
//! A consumer's settlements are told apart by channel (an ack names its
//! channel and delivery tag, not its consumer): with several consumers on
//! one channel, an ack counts for the latest with deliveries in hand. The
//! simulated consumers have a channel each.

use crate::{ChannelId, Event, EventKind, SimTime, Simulation};

/// Buckets per series, at most.
pub const BUCKETS: usize = 120;
/// Width of a bucket before any merging, virtual ms.
pub const FIRST_WIDTH_MS: u64 = 250;
/// Consumers kept, at most.
pub const MAX_CONSUMERS: usize = 64;

/// One bucket of a queue's (or the broker's) figures.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct QueueBucket {
    /// Copies routed into the queue (for the broker: messages published).
    pub publish: u32,
    /// `basic.deliver` needing an ack.
    pub deliver: u32,
    /// `basic.deliver` with `no_ack`.
    pub deliver_no_ack: u32,
    /// `basic.get-ok`, either way.
    pub get: u32,
    /// Acknowledgements.
    pub ack: u32,
    /// Deliveries and gets of messages delivered before.
    pub redeliver: u32,
    /// Messages dead-lettered out of the queue.
    pub dead_letter: u32,
    /// Ready messages at the bucket's last millisecond.
    pub ready: u32,
    /// Unacknowledged messages at the bucket's last millisecond.
    pub unacked: u32,
}

impl QueueBucket {
    /// Every figure, in field order: for charts that pick them by index.
    pub fn figures(&self) -> [u32; 9] {
        [
            self.publish,
            self.deliver,
            self.deliver_no_ack,
            self.get,
            self.ack,
            self.redeliver,
            self.dead_letter,
            self.ready,
            self.unacked,
        ]
    }

    /// `self` then `later`, as one bucket.
    fn merge(self, later: Self) -> Self {
        Self {
            publish: self.publish + later.publish,
            deliver: self.deliver + later.deliver,
            deliver_no_ack: self.deliver_no_ack + later.deliver_no_ack,
            get: self.get + later.get,
            ack: self.ack + later.ack,
            redeliver: self.redeliver + later.redeliver,
            dead_letter: self.dead_letter + later.dead_letter,
            ..later
        }
    }

    /// A fresh bucket after this one: no counts, the same gauges.
    fn carry(self) -> Self {
        Self {
            ready: self.ready,
            unacked: self.unacked,
            ..Self::default()
        }
    }
}

/// One bucket of a consumer's figures.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ConsumerBucket {
    /// Deliveries to it.
    pub delivered: u32,
    /// Of which redeliveries.
    pub redelivered: u32,
    /// Its acks.
    pub acked: u32,
    /// Its nacks and rejects.
    pub nacked: u32,
    /// Its unacknowledged deliveries at the bucket's end.
    pub unacked: u32,
    /// Its prefetch at the bucket's end (0 = unlimited).
    pub prefetch: u32,
    /// Milliseconds it was registered.
    pub alive_ms: u32,
    /// Of which milliseconds it could take no message: its unacked
    /// deliveries had reached its prefetch.
    pub blocked_ms: u32,
}

impl ConsumerBucket {
    /// Delivered, redelivered, acked, nacked, unacked, prefetch and
    /// utilisation in per cent (0 when not registered): for charts that
    /// pick them by index.
    pub fn figures(&self) -> [u32; 7] {
        [
            self.delivered,
            self.redelivered,
            self.acked,
            self.nacked,
            self.unacked,
            self.prefetch,
            self.utilisation_permille().map_or(0, |u| u / 10),
        ]
    }

    fn merge(self, later: Self) -> Self {
        Self {
            delivered: self.delivered + later.delivered,
            redelivered: self.redelivered + later.redelivered,
            acked: self.acked + later.acked,
            nacked: self.nacked + later.nacked,
            alive_ms: self.alive_ms + later.alive_ms,
            blocked_ms: self.blocked_ms + later.blocked_ms,
            ..later
        }
    }

    fn carry(self) -> Self {
        Self {
            unacked: self.unacked,
            prefetch: self.prefetch,
            ..Self::default()
        }
    }

    /// Consumer utilisation, RabbitMQ's: the share of the time it was
    /// registered that it could take a message, in per mille; `None` if it
    /// was not registered in this bucket.
    pub fn utilisation_permille(&self) -> Option<u32> {
        let alive = u64::from(self.alive_ms);
        let free = alive.checked_sub(u64::from(self.blocked_ms))?;
        (alive > 0).then(|| (free * 1000 / alive) as u32)
    }
}

/// A consumer's series and the state its time accounting needs.
#[derive(Clone, Debug)]
struct Consumer {
    channel: ChannelId,
    tag: String,
    alive: bool,
    unacked: u32,
    prefetch: u32,
    /// Accounted up to here.
    since: SimTime,
    buckets: Vec<ConsumerBucket>,
}

impl Consumer {
    fn blocked(&self) -> bool {
        self.alive && self.prefetch > 0 && self.unacked >= self.prefetch
    }

    /// Adds `[since, t)` to the current bucket's time.
    fn account(&mut self, t: SimTime) {
        let ms = t.ms().saturating_sub(self.since.ms()) as u32;
        self.since = self.since.max(t);
        let blocked = self.blocked();
        if let Some(b) = self.buckets.last_mut() {
            if self.alive {
                b.alive_ms += ms;
            }
            if blocked {
                b.blocked_ms += ms;
            }
        }
    }
}

/// Figures over time for a whole broker (see the module doc).
#[derive(Clone, Debug)]
pub struct Stats {
    origin: SimTime,
    width: u64,
    /// Index of the open bucket; every series has `cur + 1` buckets.
    cur: usize,
    totals: Vec<QueueBucket>,
    /// Each queue's name and series (a few queues: a list beats a map in
    /// code size, and lookups hit the same few names).
    queues: Vec<(String, Vec<QueueBucket>)>,
    consumers: Vec<Consumer>,
}

impl Stats {
    /// Empty series starting at `origin`.
    pub fn new(origin: SimTime) -> Self {
        Self {
            origin,
            width: FIRST_WIDTH_MS,
            cur: 0,
            totals: vec![QueueBucket::default()],
            queues: Vec::new(),
            consumers: Vec::new(),
        }
    }

    /// The first bucket's start.
    pub fn origin(&self) -> SimTime {
        self.origin
    }

    /// Width of every bucket, virtual ms.
    pub fn width_ms(&self) -> u64 {
        self.width
    }

    /// Buckets so far, the open one included.
    pub fn len(&self) -> usize {
        self.cur + 1
    }

    /// Never: there is always an open bucket.
    pub fn is_empty(&self) -> bool {
        false
    }

    /// The bucket holding time `t` (clamped to those that exist).
    pub fn index_at(&self, t: SimTime) -> usize {
        let i = t.ms().saturating_sub(self.origin.ms()) / self.width;
        (i as usize).min(self.cur)
    }

    /// When bucket `i` starts.
    pub fn start_of(&self, i: usize) -> SimTime {
        self.origin.plus(i as u64 * self.width)
    }

    /// The broker's totals: publish counts messages published, the other
    /// counts and the gauges are the sums over queues.
    pub fn totals(&self) -> &[QueueBucket] {
        &self.totals
    }

    /// One queue's series.
    pub fn queue(&self, name: &str) -> Option<&[QueueBucket]> {
        self.queues
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, s)| s.as_slice())
    }

    /// One consumer's series, by channel and tag.
    pub fn consumer(&self, channel: ChannelId, tag: &str) -> Option<&[ConsumerBucket]> {
        self.consumers
            .iter()
            .rev()
            .find(|c| c.channel == channel && c.tag == tag)
            .map(|c| c.buckets.as_slice())
    }

    /// When the open bucket's last millisecond is.
    fn last_ms(&self) -> SimTime {
        SimTime(self.start_of(self.cur + 1).ms() - 1)
    }

    /// Runs `sim` to `t`, stopping at the last millisecond of every bucket
    /// on the way to read its ready and unacked counts. Returns every event
    /// drained, in order, each recorded.
    pub fn run_until(&mut self, sim: &mut Simulation, t: SimTime) -> Vec<Event> {
        let mut out = Vec::new();
        while self.last_ms() <= t {
            sim.run_until(self.last_ms());
            self.record_all(sim, &mut out);
            self.close(sim);
        }
        sim.run_until(t);
        self.record_all(sim, &mut out);
        out
    }

    fn record_all(&mut self, sim: &mut Simulation, out: &mut Vec<Event>) {
        let from = out.len();
        out.extend(sim.drain_events());
        self.record_events(sim, &out[from..]);
    }

    /// Records events drained from `sim` by its driver (a command's, say);
    /// a consumer's prefetch is read from the broker when it registers.
    pub fn record_events(&mut self, sim: &Simulation, events: &[Event]) {
        for e in events {
            self.record(e);
            if let EventKind::ConsumerAdded { .. } = e.kind {
                self.read_prefetch(sim);
            }
        }
    }

    /// Every registered consumer's prefetch, from the broker (fixed at
    /// registration). Read from its own table: the public listing would
    /// copy every consumer's arguments.
    fn read_prefetch(&mut self, sim: &Simulation) {
        for info in sim.broker().consumers.values() {
            if let Some(i) = self.find(info.channel, &info.tag) {
                self.consumers[i].prefetch = u32::from(info.prefetch);
            }
        }
    }

    /// Ends the open bucket at its last millisecond: reads the gauges,
    /// closes the consumers' time, and opens the next bucket (merging
    /// pairs first if every bucket is used).
    fn close(&mut self, sim: &Simulation) {
        let end = self.start_of(self.cur + 1);
        let (mut ready, mut unacked) = (0, 0);
        // The broker's own tables: the public listing copies each queue's
        // arguments and settings.
        let broker = sim.broker();
        let held = broker.unacked_by_queue();
        for (id, q) in broker.queues.iter() {
            let b = self.queue_mut(&q.name);
            // A stream's log counts as ready, as the management API
            // reports a stream's `messages_ready` (observed on 3.10.8).
            b.ready = (q.len() + q.log.len()) as u32;
            b.unacked = held.get(&id).copied().unwrap_or(0) as u32;
            ready += b.ready;
            unacked += b.unacked;
        }
        let t = &mut self.totals[self.cur];
        (t.ready, t.unacked) = (ready, unacked);
        for c in &mut self.consumers {
            c.account(end);
            let b = c.buckets.last_mut().expect("a series has its open bucket");
            (b.unacked, b.prefetch) = (c.unacked, c.prefetch);
        }
        if self.cur + 1 == BUCKETS {
            self.coarsen();
        }
        self.cur += 1;
        push_carry(&mut self.totals, QueueBucket::carry);
        for (_, q) in &mut self.queues {
            push_carry(q, QueueBucket::carry);
        }
        for c in &mut self.consumers {
            push_carry(&mut c.buckets, ConsumerBucket::carry);
        }
    }

    /// Merges neighbouring buckets pairwise and doubles the width.
    fn coarsen(&mut self) {
        halve(&mut self.totals, QueueBucket::merge);
        for (_, q) in &mut self.queues {
            halve(q, QueueBucket::merge);
        }
        for c in &mut self.consumers {
            halve(&mut c.buckets, ConsumerBucket::merge);
        }
        self.width *= 2;
        self.cur = BUCKETS / 2 - 1;
    }

    /// Counts one event into the open bucket.
    pub fn record(&mut self, e: &Event) {
        match &e.kind {
            EventKind::Published { .. } => self.totals[self.cur].publish += 1,
            EventKind::Routed { queues, .. } => {
                for q in queues {
                    self.queue_mut(q).publish += 1;
                }
            }
            EventKind::Delivered {
                channel,
                consumer_tag,
                redelivered,
                queue,
                auto_ack,
                ..
            } => {
                self.count_out(queue, *redelivered, |b| match auto_ack {
                    true => b.deliver_no_ack += 1,
                    false => b.deliver += 1,
                });
                self.delivered(e.at, *channel, consumer_tag, *redelivered, *auto_ack);
            }
            EventKind::GetOk {
                queue, redelivered, ..
            } => self.count_out(queue, *redelivered, |b| b.get += 1),
            EventKind::Acked { channel, queue, .. } => {
                self.queue_mut(queue).ack += 1;
                self.totals[self.cur].ack += 1;
                self.settled(e.at, *channel, |b| b.acked += 1);
            }
            EventKind::Nacked { channel, .. } => self.settled(e.at, *channel, |b| b.nacked += 1),
            EventKind::DeadLettered { queue, .. } => {
                self.queue_mut(queue).dead_letter += 1;
                self.totals[self.cur].dead_letter += 1;
            }
            EventKind::QueueDeleted { queue, .. } => self.queues.retain(|(n, _)| n != queue),
            _ => self.record_consumer(e),
        }
    }

    /// Consumers coming, going, and their channels closing.
    fn record_consumer(&mut self, e: &Event) {
        match &e.kind {
            EventKind::ConsumerAdded {
                channel,
                consumer_tag,
                ..
            } => self.consumer_added(e.at, *channel, consumer_tag),
            EventKind::ConsumerCancelled {
                channel,
                consumer_tag,
                ..
            } => {
                if let Some(c) = self.find(*channel, consumer_tag) {
                    let c = &mut self.consumers[c];
                    c.account(e.at);
                    c.alive = false;
                }
            }
            EventKind::ChannelClosed { channel, .. } => {
                // Its unacked deliveries went back to their queues.
                for c in self.consumers.iter_mut().filter(|c| c.channel == *channel) {
                    c.account(e.at);
                    c.alive = false;
                    c.unacked = 0;
                }
            }
            _ => {}
        }
    }

    fn queue_mut(&mut self, name: &str) -> &mut QueueBucket {
        let len = self.cur + 1;
        let i = match self.queues.iter().position(|(n, _)| n == name) {
            Some(i) => i,
            None => {
                let fresh = vec![QueueBucket::default(); len];
                self.queues.push((name.to_owned(), fresh));
                self.queues.len() - 1
            }
        };
        &mut self.queues[i].1[len - 1]
    }

    /// A delivery or get out of `queue`, in the queue's and the totals'.
    fn count_out(&mut self, queue: &str, redelivered: bool, f: impl Fn(&mut QueueBucket)) {
        let b = self.queue_mut(queue);
        f(b);
        b.redeliver += u32::from(redelivered);
        let t = &mut self.totals[self.cur];
        f(t);
        t.redeliver += u32::from(redelivered);
    }

    fn find(&self, channel: ChannelId, tag: &str) -> Option<usize> {
        self.consumers
            .iter()
            .rposition(|c| c.channel == channel && c.tag == tag)
    }

    fn consumer_added(&mut self, at: SimTime, channel: ChannelId, tag: &str) {
        if let Some(i) = self.find(channel, tag) {
            let c = &mut self.consumers[i];
            c.account(at);
            c.alive = true;
            return;
        }
        if self.consumers.len() >= MAX_CONSUMERS {
            let gone = self.consumers.iter().position(|c| !c.alive).unwrap_or(0);
            self.consumers.remove(gone);
        }
        self.consumers.push(Consumer {
            channel,
            tag: tag.to_owned(),
            alive: true,
            unacked: 0,
            prefetch: 0,
            since: at,
            buckets: vec![ConsumerBucket::default(); self.cur + 1],
        });
    }

    fn delivered(
        &mut self,
        at: SimTime,
        channel: ChannelId,
        tag: &str,
        redelivered: bool,
        auto_ack: bool,
    ) {
        let Some(i) = self.find(channel, tag) else {
            return;
        };
        let c = &mut self.consumers[i];
        c.account(at);
        let b = c.buckets.last_mut().expect("a series has its open bucket");
        b.delivered += 1;
        b.redelivered += u32::from(redelivered);
        c.unacked += u32::from(!auto_ack);
    }

    /// An ack or nack on `channel`: its consumer's (see the module doc).
    fn settled(&mut self, at: SimTime, channel: ChannelId, f: impl Fn(&mut ConsumerBucket)) {
        let Some(c) = self
            .consumers
            .iter_mut()
            .rev()
            .find(|c| c.channel == channel && c.unacked > 0)
        else {
            return;
        };
        c.account(at);
        c.unacked = c.unacked.saturating_sub(1);
        if let Some(b) = c.buckets.last_mut() {
            f(b);
        }
    }
}

/// Opens the next bucket of a series, from its last.
fn push_carry<B: Copy + Default>(series: &mut Vec<B>, carry: fn(B) -> B) {
    let next = series.last().map_or_else(B::default, |b| carry(*b));
    series.push(next);
}

/// Merges pairs: `[a, b, c, d]` becomes `[a+b, c+d]` (an odd last one
/// would go, but series are merged only when all `BUCKETS`, an even
/// number, are used).
fn halve<B: Copy>(series: &mut Vec<B>, merge: fn(B, B) -> B) {
    let n = series.len() / 2;
    for i in 0..n {
        series[i] = merge(series[2 * i], series[2 * i + 1]);
    }
    series.truncate(n);
}
