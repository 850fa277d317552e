//! Messages moving along edges, and nodes flashing when something happens
//! to them: derived from the core's events, timed in wall-clock
//! milliseconds (so they stay watchable at any speed), and bounded: past
//! [`MAX_FLIGHTS`] at once, further legs are counted instead of drawn.

use std::rc::Rc;

use warren_core::{ActorView, ConnectionId, Event, EventKind};

use super::graph::Topology;
use super::spec::{node_key, parse_node_key, NodeKind};
use super::view::WorldView;

/// How long one leg (one edge) takes on screen.
pub const FLIGHT_MS: f64 = 650.0;
/// Most legs drawn at once.
pub const MAX_FLIGHTS: usize = 40;
/// How long a node flashes.
pub const FLASH_MS: f64 = 900.0;
/// How long the "not animated" count covers.
const SKIP_WINDOW_MS: f64 = 2000.0;

/// What a moving message is doing (its colour).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FlightKind {
    /// Producer to exchange.
    Publish,
    /// Along a binding.
    Route,
    /// Queue to consumer.
    Deliver,
    /// A redelivery (queue to consumer, after a requeue).
    Redeliver,
    /// Queue to its dead-letter exchange.
    DeadLetter,
    /// Back to the publisher (mandatory, no route).
    Return,
}

impl FlightKind {
    /// CSS class.
    pub fn class(self) -> &'static str {
        match self {
            Self::Publish => "fl-publish",
            Self::Route => "fl-route",
            Self::Deliver => "fl-deliver",
            Self::Redeliver => "fl-redeliver",
            Self::DeadLetter => "fl-dlx",
            Self::Return => "fl-return",
        }
    }
}

/// One message moving along one edge.
#[derive(Clone, Debug, PartialEq)]
pub struct Flight {
    /// Unique id (the element's key).
    pub id: u64,
    /// Source node key.
    pub from: String,
    /// Destination node key.
    pub to: String,
    /// What it is.
    pub kind: FlightKind,
    /// Wall ms between its creation and its start (legs of one message
    /// follow each other).
    pub delay: f64,
    /// Wall time it ends.
    pub end: f64,
    /// The message's id (for tests and debugging; the dot shows no label).
    pub message: u64,
}

/// A node flashing.
#[derive(Clone, Debug, PartialEq)]
pub struct Flash {
    /// Node key.
    pub key: String,
    /// CSS class (`flash-ok`, `flash-warn`, `flash-bad`).
    pub class: &'static str,
    /// Wall time it ends.
    pub until: f64,
}

/// Everything moving on the canvas.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Anim {
    /// Legs in the air.
    pub flights: Vec<Flight>,
    /// Nodes flashing.
    pub flashes: Vec<Flash>,
    next_id: u64,
    /// When each recently moved message reaches the node it is heading
    /// to, so its next leg starts after that.
    arrivals: Vec<(u64, f64, String)>,
    /// Legs not drawn in the current window.
    pub skipped: u64,
    skip_window: f64,
}

/// Legs along edges, as (from, to) node keys.
type Hops = Vec<(String, String)>;

/// Each actor's connection and node key, in display order (the first
/// actor on a connection owns it).
fn connection_owners(view: &WorldView) -> Vec<(ConnectionId, String)> {
    view.actors
        .iter()
        .filter_map(|a| match a {
            ActorView::Producer(p) => Some((p.connection?, node_key(NodeKind::Producer, &p.name))),
            ActorView::Consumer(c) => Some((c.connection?, node_key(NodeKind::Consumer, &c.name))),
        })
        .collect()
}

fn owner_of(owners: &[(ConnectionId, String)], conn: ConnectionId) -> Option<&str> {
    owners
        .iter()
        .find(|(c, _)| *c == conn)
        .map(|(_, k)| k.as_str())
}

impl Anim {
    /// Whether anything is moving or flashing.
    pub fn is_idle(&self) -> bool {
        self.flights.is_empty() && self.flashes.is_empty() && self.skipped == 0
    }

    /// Forgets everything (after a scrub: the past does not fly again).
    pub fn clear(&mut self) {
        *self = Self {
            next_id: self.next_id,
            ..Self::default()
        };
    }

    /// Drops what has ended by wall time `wall`; true if anything changed.
    pub fn prune(&mut self, wall: f64) -> bool {
        let before = (self.flights.len(), self.flashes.len(), self.skipped);
        self.flights.retain(|f| f.end > wall);
        self.flashes.retain(|f| f.until > wall);
        self.arrivals.retain(|(_, t, _)| *t > wall - FLIGHT_MS);
        if self.skipped > 0 && wall - self.skip_window > SKIP_WINDOW_MS {
            self.skipped = 0;
        }
        before != (self.flights.len(), self.flashes.len(), self.skipped)
    }

    fn flash(&mut self, key: &str, class: &'static str, wall: f64) {
        // Moved to the end as a fresh flash would be, without a new key.
        let mut f = match self.flashes.iter().position(|f| f.key == key) {
            Some(i) => self.flashes.remove(i),
            None => Flash {
                key: key.to_owned(),
                class,
                until: 0.0,
            },
        };
        f.class = class;
        f.until = wall + FLASH_MS;
        self.flashes.push(f);
    }

    /// Whether `legs` more legs can be drawn now.
    fn has_room(&self, legs: usize) -> bool {
        self.flights.len() + legs <= MAX_FLIGHTS
    }

    /// Counts a leg not drawn.
    fn skip(&mut self, wall: f64) {
        if self.skipped == 0 {
            self.skip_window = wall;
        }
        self.skipped += 1;
    }

    /// Adds legs along `hops`, one after the other, starting when the
    /// message reaches the first node (or now). Returns when it arrives.
    fn fly(
        &mut self,
        message: u64,
        hops: &[(String, String)],
        kind: FlightKind,
        wall: f64,
    ) -> Option<f64> {
        if hops.is_empty() {
            return None;
        }
        if !self.has_room(hops.len()) {
            self.skip(wall);
            return None;
        }
        let mut start = self
            .arrivals
            .iter()
            .find(|(m, _, _)| *m == message)
            .map_or(wall, |(_, t, _)| t.max(wall));
        for (from, to) in hops {
            let id = self.next_id;
            self.next_id += 1;
            self.flights.push(Flight {
                id,
                from: from.clone(),
                to: to.clone(),
                kind,
                delay: start - wall,
                end: start + FLIGHT_MS,
                message,
            });
            start += FLIGHT_MS;
        }
        Some(start)
    }

    fn arrive(&mut self, message: u64, at: f64, node: String) {
        self.arrivals.retain(|(m, _, _)| *m != message);
        self.arrivals.push((message, at, node));
    }

    /// A publish: a leg from its producer to the exchange, or a flash on
    /// the exchange when no producer on the canvas sent it.
    fn on_published(&mut self, owner: Option<&str>, message: u64, exchange: &str, wall: f64) {
        match owner {
            Some(p) if parse_node_key(p).is_some_and(|(k, _)| k == NodeKind::Producer) => {
                if !self.has_room(1) {
                    self.skip(wall);
                    return;
                }
                let x = node_key(NodeKind::Exchange, exchange);
                let hops = [(p.to_owned(), x.clone())];
                if let Some(t) = self.fly(message, &hops, FlightKind::Publish, wall) {
                    self.arrive(message, t, x);
                }
            }
            _ => self.flash(&node_key(NodeKind::Exchange, exchange), "flash-info", wall),
        }
    }

    /// A routing decision: a leg along the path to each queue, the message
    /// arriving where the longest one ends. `routes` caches paths per call.
    fn on_routed<'a>(
        &mut self,
        topo: &Topology,
        routes: &mut Vec<(&'a str, &'a str, Option<Hops>)>,
        message: u64,
        exchange: &'a str,
        queues: &'a [String],
        wall: f64,
    ) {
        let mut last: Option<(f64, &str)> = None;
        for q in queues {
            let i = match routes
                .iter()
                .position(|(x, to, _)| *x == exchange && to == q)
            {
                Some(i) => i,
                None => {
                    let hops = topo.path(
                        &node_key(NodeKind::Exchange, exchange),
                        &node_key(NodeKind::Queue, q),
                    );
                    routes.push((exchange, q, hops));
                    routes.len() - 1
                }
            };
            if let Some(hops) = &routes[i].2 {
                if let Some(t) = self.fly(message, hops, FlightKind::Route, wall) {
                    if last.is_none_or(|(l, _)| t > l) {
                        last = Some((t, q));
                    }
                }
            }
        }
        if let Some((t, q)) = last {
            self.arrive(message, t, node_key(NodeKind::Queue, q));
        }
    }

    /// A delivery: a leg from the queue to its consumer `c`.
    fn on_delivered(&mut self, c: &str, queue: &str, message: u64, redelivered: bool, wall: f64) {
        if !self.has_room(1) {
            self.skip(wall);
            return;
        }
        let kind = if redelivered {
            FlightKind::Redeliver
        } else {
            FlightKind::Deliver
        };
        let qk = node_key(NodeKind::Queue, queue);
        self.fly(message, &[(qk, c.to_owned())], kind, wall);
    }

    // Kept at 98 lines: publishes, routes and deliveries have their own methods
    // (that saved 65 bytes of gzipped wasm); moving the returned and dead-letter
    // arms out too cost 15 bytes and still left 83 lines (measured 2026-12-06).
    // The other arms are a few lines each, one per EventKind it animates.
    /// Turns new events into legs and flashes. At thousands of events a
    /// second almost every leg is counted rather than drawn: that path
    /// allocates nothing (owners and routes are looked up once per call).
    pub fn on_events(&mut self, events: &[Rc<Event>], view: &WorldView, wall: f64) {
        let topo: &Topology = &view.topology;
        let owners = connection_owners(view);
        // Routes from an exchange to a queue, found once per call.
        let mut routes: Vec<(&str, &str, Option<Hops>)> = Vec::new();
        for e in events {
            match &e.kind {
                EventKind::Published {
                    channel,
                    message,
                    exchange,
                    ..
                } => self.on_published(
                    owner_of(&owners, channel.connection),
                    message.0,
                    exchange,
                    wall,
                ),
                EventKind::Routed {
                    message,
                    exchange,
                    queues,
                } => self.on_routed(topo, &mut routes, message.0, exchange, queues, wall),
                EventKind::Unroutable { message } => {
                    let at = self
                        .arrivals
                        .iter()
                        .find(|(m, _, _)| *m == message.0)
                        .map(|(_, _, n)| n.clone());
                    if let Some(x) = at {
                        self.flash(&x, "flash-bad", wall);
                    }
                }
                EventKind::Returned {
                    channel, message, ..
                } => {
                    if let Some(p) = owner_of(&owners, channel.connection) {
                        let x = node_key(NodeKind::Exchange, message.exchange());
                        self.fly(
                            message.id().0,
                            &[(x, p.to_owned())],
                            FlightKind::Return,
                            wall,
                        );
                        self.flash(p, "flash-bad", wall);
                    }
                }
                EventKind::Delivered {
                    channel,
                    queue,
                    message,
                    redelivered,
                    ..
                } => {
                    if let Some(c) = owner_of(&owners, channel.connection) {
                        self.on_delivered(c, queue, message.id().0, *redelivered, wall);
                    }
                }
                EventKind::Acked { channel, .. } => {
                    if let Some(c) = owner_of(&owners, channel.connection) {
                        self.flash(c, "flash-ok", wall);
                    }
                }
                EventKind::Nacked { channel, .. } => {
                    if let Some(c) = owner_of(&owners, channel.connection) {
                        self.flash(c, "flash-warn", wall);
                    }
                }
                EventKind::Requeued { queue, .. } => {
                    self.flash(&node_key(NodeKind::Queue, queue), "flash-warn", wall);
                }
                EventKind::Expired { queue, .. } | EventKind::Dropped { queue, .. } => {
                    self.flash(&node_key(NodeKind::Queue, queue), "flash-bad", wall);
                }
                EventKind::DeadLettered {
                    queue,
                    message,
                    exchange,
                    new_message,
                    ..
                } => {
                    let hops = [(
                        node_key(NodeKind::Queue, queue),
                        node_key(NodeKind::Exchange, exchange),
                    )];
                    if let Some(t) = self.fly(message.0, &hops, FlightKind::DeadLetter, wall) {
                        self.arrive(new_message.0, t, hops[0].1.clone());
                    }
                }
                EventKind::ConnectionClosed { connection, .. } => {
                    if let Some(c) = owner_of(&owners, *connection) {
                        self.flash(c, "flash-bad", wall);
                    }
                }
                _ => {}
            }
        }
    }
}
