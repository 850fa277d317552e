//! The event log: every broker event in words, tagged with the entities it
//! concerns and its kind, in a ring buffer so memory stays bounded however
//! long the playground runs.
//!
//! The words are written when first read, not when the event is logged: at
//! thousands of events a second almost every entry leaves the ring buffer
//! unread, and formatting each one cost more than the broker's own work.
//! An entry keeps what its words are made of (the event, and who owned
//! each connection at the time), so they come out the same whenever they
//! are written.
//!
//! The log sits below `world` in the state modules' chain (see
//! `state.rs`): the world owns its log and feeds it every event as the
//! simulation produces them, so the log knows nothing of the world.

use std::cell::OnceCell;
use std::collections::VecDeque;
use std::rc::Rc;

use warren_core::{ChannelId, ConnectionId, Event, EventKind, SimTime};

use super::spec::{node_key, node_name, NodeKind};

/// The event log's filter.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct LogFilter {
    /// A node key or `#id` (empty = every entity).
    pub entity: String,
    /// An event kind (empty = every kind).
    pub kind: String,
    /// Text the entry must contain.
    pub text: String,
}

/// Most entries kept; older ones are dropped (and counted).
pub const LOG_CAPACITY: usize = 2000;

/// Most rows the log shows (the newest that match its filter).
pub const LOG_ROWS: usize = 200;

/// Who owned each connection (`consumer:mailer`, `you`), as of a moment.
pub type Owners = Rc<Vec<(ConnectionId, String)>>;

/// One logged event.
#[derive(Clone, Debug)]
pub struct LogEntry {
    /// Sequence number since the world was loaded.
    pub seq: u64,
    /// Virtual time.
    pub at: SimTime,
    /// Event kind (`delivered`, `acked`, ...).
    pub kind: &'static str,
    event: Rc<Event>,
    owners: Owners,
    words: OnceCell<(String, Vec<String>)>,
}

impl PartialEq for LogEntry {
    fn eq(&self, other: &Self) -> bool {
        self.seq == other.seq
            && self.at == other.at
            && self.event == other.event
            && self.owners == other.owners
    }
}

impl LogEntry {
    /// Logs `event`, its connections named by `owners`.
    pub fn new(seq: u64, event: Rc<Event>, owners: Owners) -> Self {
        Self {
            seq,
            at: event.at,
            kind: kind_name(&event.kind),
            event,
            owners,
            words: OnceCell::new(),
        }
    }

    fn words(&self) -> &(String, Vec<String>) {
        self.words
            .get_or_init(|| describe(&self.event.kind, &self.owners))
    }

    /// What happened, in words.
    pub fn text(&self) -> &str {
        &self.words().0
    }

    /// The core's event (the host page's events are made from it,
    /// src/host_api.rs).
    pub fn event(&self) -> &Event {
        &self.event
    }

    /// Node keys (`queue:orders`, `consumer:mailer`) and message tags
    /// (`#12`) it concerns.
    pub fn entities(&self) -> &[String] {
        &self.words().1
    }
}

/// An event's kind, as [`KINDS`] names it (`other` for one not listed).
pub fn kind_name(kind: &EventKind) -> &'static str {
    match kind {
        EventKind::ConnectionOpened { .. } => "connection-opened",
        EventKind::ConnectionClosed { .. } => "connection-closed",
        EventKind::ChannelOpened { .. } => "channel-opened",
        EventKind::ChannelClosed { .. } => "channel-closed",
        EventKind::ExchangeDeclared { .. } => "exchange-declared",
        EventKind::ExchangeDeleted { .. } => "exchange-deleted",
        EventKind::QueueDeclared { .. } => "queue-declared",
        EventKind::QueueDeleted { .. } => "queue-deleted",
        EventKind::Bound { .. } => "bound",
        EventKind::Unbound { .. } => "unbound",
        EventKind::Published { .. } => "published",
        EventKind::Routed { .. } => "routed",
        EventKind::Unroutable { .. } => "unroutable",
        EventKind::Returned { .. } => "returned",
        EventKind::Confirmed { .. } => "confirmed",
        EventKind::Enqueued { .. } => "enqueued",
        EventKind::Delivered { .. } => "delivered",
        EventKind::GetOk { .. } => "get-ok",
        EventKind::GetEmpty { .. } => "get-empty",
        EventKind::Acked { .. } => "acked",
        EventKind::Nacked { .. } => "nacked",
        EventKind::Requeued { .. } => "requeued",
        EventKind::Expired { .. } => "expired",
        EventKind::DeadLettered { .. } => "dead-lettered",
        EventKind::Dropped { .. } => "dropped",
        EventKind::ConsumerAdded { .. } => "consumer-added",
        EventKind::ConsumerCancelled { .. } => "consumer-cancelled",
        EventKind::ConsumerActivated { .. } => "consumer-activated",
        EventKind::Purged { .. } => "purged",
        _ => "other",
    }
}

/// Every event kind, as the filter lists them.
pub const KINDS: &[&str] = &[
    "published",
    "routed",
    "enqueued",
    "delivered",
    "acked",
    "nacked",
    "requeued",
    "expired",
    "dead-lettered",
    "dropped",
    "unroutable",
    "returned",
    "confirmed",
    "get-ok",
    "get-empty",
    "purged",
    "consumer-added",
    "consumer-cancelled",
    "consumer-activated",
    "exchange-declared",
    "exchange-deleted",
    "queue-declared",
    "queue-deleted",
    "bound",
    "unbound",
    "connection-opened",
    "connection-closed",
    "channel-opened",
    "channel-closed",
];

/// The ring buffer.
#[derive(Clone, Debug, Default)]
pub struct EventLog {
    entries: VecDeque<Rc<LogEntry>>,
    next_seq: u64,
    dropped: u64,
}

impl PartialEq for EventLog {
    fn eq(&self, other: &Self) -> bool {
        self.next_seq == other.next_seq
            && self.dropped == other.dropped
            && self.entries == other.entries
    }
}

fn owner(names: &[(ConnectionId, String)], conn: ConnectionId) -> Option<&str> {
    names
        .iter()
        .find(|(c, _)| *c == conn)
        .map(|(_, n)| n.as_str())
}

fn who(names: &[(ConnectionId, String)], ch: ChannelId) -> (String, Option<String>) {
    match owner(names, ch.connection) {
        Some(key) => (node_name(key).to_owned(), Some(key.to_owned())),
        None => (format!("channel {ch}"), None),
    }
}

fn q(name: &str) -> String {
    node_key(NodeKind::Queue, name)
}

fn x(name: &str) -> String {
    node_key(NodeKind::Exchange, name)
}

fn xname(name: &str) -> String {
    if name.is_empty() {
        "the default exchange".to_owned()
    } else {
        format!("exchange {name}")
    }
}

// Kept whole: split into one function per event family (connection, topology,
// publish, delivery, consumer) it cost 235 to 323 bytes of gzipped wasm however
// dispatched (measured 2026-12-06); the arms are one per EventKind, each short.
/// Text and entities of one event.
fn describe(kind: &EventKind, names: &[(ConnectionId, String)]) -> (String, Vec<String>) {
    let mut ents = Vec::new();
    let text = match kind {
        EventKind::ConnectionOpened { connection } => {
            let who = owner(names, *connection)
                .map(node_name)
                .unwrap_or("a client");
            if let Some(key) = owner(names, *connection) {
                ents.push(key.to_owned());
            }
            format!("{who} opened connection {connection}")
        }
        EventKind::ConnectionClosed { connection, error } => {
            if let Some(key) = owner(names, *connection) {
                ents.push(key.to_owned());
            }
            let what = match error {
                Some(e) => format!(" by the broker: {} {}", e.reply_code, e.reply_text),
                None => String::new(),
            };
            format!("connection {connection} closed{what}")
        }
        EventKind::ChannelOpened { channel } => {
            let (w, key) = who(names, *channel);
            ents.extend(key);
            format!("{w} opened channel {channel}")
        }
        EventKind::ChannelClosed { channel, error } => {
            let (w, key) = who(names, *channel);
            ents.extend(key);
            let what = match error {
                Some(e) => format!(" by the broker: {} {}", e.reply_code, e.reply_text),
                None => String::new(),
            };
            format!("{w}'s channel {channel} closed{what}")
        }
        EventKind::ExchangeDeclared {
            exchange,
            exchange_type,
        } => {
            ents.push(x(exchange));
            format!("{exchange_type} exchange {exchange} declared")
        }
        EventKind::ExchangeDeleted { exchange } => {
            ents.push(x(exchange));
            format!("exchange {exchange} deleted")
        }
        EventKind::QueueDeclared { queue } => {
            ents.push(q(queue));
            format!("queue {queue} declared")
        }
        EventKind::QueueDeleted {
            queue,
            reason,
            message_count,
        } => {
            ents.push(q(queue));
            format!("queue {queue} deleted ({reason:?}), {message_count} ready message(s) lost")
        }
        EventKind::Bound {
            source,
            destination,
            to_exchange,
            routing_key,
        } => {
            ents.push(x(source));
            ents.push(if *to_exchange {
                x(destination)
            } else {
                q(destination)
            });
            format!("{source} bound to {destination} with key {routing_key:?}")
        }
        EventKind::Unbound {
            source,
            destination,
            to_exchange,
            routing_key,
        } => {
            ents.push(x(source));
            ents.push(if *to_exchange {
                x(destination)
            } else {
                q(destination)
            });
            format!("{source} unbound from {destination} (key {routing_key:?})")
        }
        EventKind::Published {
            channel,
            message,
            exchange,
            routing_key,
        } => {
            let (w, key) = who(names, *channel);
            ents.extend(key);
            ents.push(x(exchange));
            ents.push(format!("#{message}"));
            format!(
                "{w} published #{message} to {} with key {routing_key:?}",
                xname(exchange)
            )
        }
        EventKind::Routed {
            message,
            exchange,
            queues,
        } => {
            ents.push(x(exchange));
            ents.extend(queues.iter().map(|n| q(n)));
            ents.push(format!("#{message}"));
            let to = if queues.is_empty() {
                "no queue".to_owned()
            } else {
                queues.join(", ")
            };
            format!("#{message} routed by {} to {to}", xname(exchange))
        }
        EventKind::Unroutable { message } => {
            ents.push(format!("#{message}"));
            format!("#{message} matched no binding and was not mandatory: dropped")
        }
        EventKind::Returned {
            channel,
            reply_code,
            reply_text,
            message,
        } => {
            let (w, key) = who(names, *channel);
            ents.extend(key);
            ents.push(format!("#{}", message.id()));
            format!(
                "#{} returned to {w}: {reply_code} {reply_text}",
                message.id()
            )
        }
        EventKind::Confirmed {
            channel,
            delivery_tag,
            ack,
        } => {
            let (w, key) = who(names, *channel);
            ents.extend(key);
            format!(
                "publisher confirm to {w}: {} for publish {delivery_tag}",
                if *ack { "ack" } else { "nack" }
            )
        }
        EventKind::Enqueued { queue, message } => {
            ents.push(q(queue));
            ents.push(format!("#{message}"));
            format!("#{message} enqueued in {queue}")
        }
        EventKind::Delivered {
            channel,
            consumer_tag,
            delivery_tag,
            redelivered,
            queue,
            message,
            ..
        } => {
            let (_, key) = who(names, *channel);
            ents.extend(key);
            ents.push(q(queue));
            ents.push(format!("#{}", message.id()));
            format!(
                "#{} delivered from {queue} to {consumer_tag} (tag {delivery_tag}){}",
                message.id(),
                if *redelivered { ", redelivered" } else { "" }
            )
        }
        EventKind::GetOk {
            channel,
            queue,
            message,
            ..
        } => {
            let (w, key) = who(names, *channel);
            ents.extend(key);
            ents.push(q(queue));
            ents.push(format!("#{}", message.id()));
            format!("{w} got #{} from {queue}", message.id())
        }
        EventKind::GetEmpty { channel, queue } => {
            let (w, key) = who(names, *channel);
            ents.extend(key);
            ents.push(q(queue));
            format!("{w} found {queue} empty")
        }
        EventKind::Acked {
            channel,
            delivery_tag,
            queue,
            message,
        } => {
            let (w, key) = who(names, *channel);
            ents.extend(key);
            ents.push(q(queue));
            ents.push(format!("#{message}"));
            format!("{w} acked #{message} from {queue} (tag {delivery_tag})")
        }
        EventKind::Nacked {
            channel,
            delivery_tag,
            queue,
            message,
            requeue,
        } => {
            let (w, key) = who(names, *channel);
            ents.extend(key);
            ents.push(q(queue));
            ents.push(format!("#{message}"));
            format!(
                "{w} rejected #{message} from {queue} (tag {delivery_tag}), {}",
                if *requeue { "requeue" } else { "no requeue" }
            )
        }
        EventKind::Requeued { queue, message } => {
            ents.push(q(queue));
            ents.push(format!("#{message}"));
            format!("#{message} back in {queue}, marked redelivered")
        }
        EventKind::Expired { queue, message } => {
            ents.push(q(queue));
            ents.push(format!("#{message}"));
            format!("#{message} expired in {queue}")
        }
        EventKind::DeadLettered {
            queue,
            message,
            reason,
            exchange,
            new_message,
        } => {
            ents.push(q(queue));
            ents.push(x(exchange));
            ents.push(format!("#{message}"));
            ents.push(format!("#{new_message}"));
            format!(
                "#{message} dead-lettered from {queue} ({}) to {} as #{new_message}",
                reason.as_str(),
                xname(exchange)
            )
        }
        EventKind::Dropped {
            queue,
            message,
            reason,
        } => {
            ents.push(q(queue));
            ents.push(format!("#{message}"));
            format!("#{message} dropped from {queue} ({reason:?})")
        }
        EventKind::ConsumerAdded {
            channel,
            consumer_tag,
            queue,
        } => {
            let (_, key) = who(names, *channel);
            ents.extend(key);
            ents.push(q(queue));
            format!("{consumer_tag} consumes from {queue}")
        }
        EventKind::ConsumerCancelled {
            channel,
            consumer_tag,
            queue,
            by_broker,
        } => {
            let (_, key) = who(names, *channel);
            ents.extend(key);
            ents.push(q(queue));
            format!(
                "{consumer_tag} stopped consuming from {queue}{}",
                if *by_broker {
                    " (cancelled by the broker)"
                } else {
                    ""
                }
            )
        }
        EventKind::ConsumerActivated {
            channel,
            consumer_tag,
            queue,
        } => {
            let (_, key) = who(names, *channel);
            ents.extend(key);
            ents.push(q(queue));
            format!("{consumer_tag} is now the single active consumer of {queue}")
        }
        EventKind::Purged {
            queue,
            message_count,
        } => {
            ents.push(q(queue));
            format!("{queue} purged: {message_count} message(s) removed")
        }
        _ => "an event this version does not describe".to_owned(),
    };
    // Message ids display as `m12`; people read `#12`.
    let text = text.replace("#m", "#");
    let ents = ents.into_iter().map(|e| e.replace("#m", "#")).collect();
    (text, ents)
}

/// What the event log shows: its newest rows matching the filter, and
/// its counts, as of one moment. A snapshot rather than the live ring
/// buffer, so that the page can redraw the log less often than events
/// arrive (see `AppState`) and still show whole, consistent rows.
#[derive(Clone, Debug, Default)]
pub struct LogView {
    /// The rows (at most [`LOG_ROWS`], newest first).
    pub rows: Rc<Vec<Rc<LogEntry>>>,
    /// Entries kept in the ring buffer.
    pub kept: usize,
    /// Entries dropped from it.
    pub dropped: u64,
    /// What it was taken of: events logged in all, and the filter.
    source: (u64, LogFilter),
}

/// Two views are equal when they show the same rows (the very same
/// entries) and counts: a cheap comparison, made on every render.
impl PartialEq for LogView {
    fn eq(&self, other: &Self) -> bool {
        self.kept == other.kept
            && self.dropped == other.dropped
            && (Rc::ptr_eq(&self.rows, &other.rows)
                || (self.rows.len() == other.rows.len()
                    && self
                        .rows
                        .iter()
                        .zip(other.rows.iter())
                        .all(|(a, b)| Rc::ptr_eq(a, b))))
    }
}

impl LogView {
    /// Whether `log` seen through `filter` would show anything other than
    /// this view.
    pub fn is_stale(&self, log: &EventLog, filter: &LogFilter) -> bool {
        self.source.0 != log.total() || self.dropped != log.dropped() || self.source.1 != *filter
    }

    /// Takes a view of `log` through `filter` (see [`EventLog::filtered`]).
    pub fn of(log: &EventLog, filter: &LogFilter) -> Self {
        Self {
            rows: Rc::new(log.filtered(&filter.entity, &filter.kind, &filter.text, LOG_ROWS)),
            kept: log.len(),
            dropped: log.dropped(),
            source: (log.total(), filter.clone()),
        }
    }
}

impl EventLog {
    /// Logs one event, its connections named by `owners`.
    pub fn push(&mut self, e: Rc<Event>, owners: &Owners) {
        if self.entries.len() == LOG_CAPACITY {
            self.entries.pop_front();
            self.dropped += 1;
        }
        self.entries
            .push_back(Rc::new(LogEntry::new(self.next_seq, e, owners.clone())));
        self.next_seq += 1;
    }

    /// Entries kept, oldest first.
    pub fn entries(&self) -> impl DoubleEndedIterator<Item = &Rc<LogEntry>> {
        self.entries.iter()
    }

    /// How many entries are kept.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether nothing is kept.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// How many old entries were dropped to stay within the capacity.
    pub fn dropped(&self) -> u64 {
        self.dropped
    }

    /// Events logged in all.
    pub fn total(&self) -> u64 {
        self.next_seq
    }

    /// Forgets every entry.
    pub fn clear(&mut self) {
        self.dropped += self.entries.len() as u64;
        self.entries.clear();
    }

    /// The newest entries (at most `limit`, newest first) concerning an
    /// entity (a node key or `#id`; empty = any), of a kind (empty = any),
    /// and whose text contains `text` (ASCII case-insensitive).
    pub fn filtered(
        &self,
        entity: &str,
        kind: &str,
        text: &str,
        limit: usize,
    ) -> Vec<Rc<LogEntry>> {
        let needle = text.trim().to_ascii_lowercase();
        self.entries
            .iter()
            .rev()
            .filter(|e| kind.is_empty() || e.kind == kind)
            .filter(|e| entity.is_empty() || e.entities().iter().any(|n| n == entity))
            .filter(|e| needle.is_empty() || e.text().to_ascii_lowercase().contains(&needle))
            .take(limit)
            .cloned()
            .collect()
    }
}
