//! The event log: every broker event in words, tagged with the entities it
//! concerns and its kind, in a ring buffer so memory stays bounded however
//! long the playground runs.

use std::collections::VecDeque;
use std::rc::Rc;

use warren_core::{ChannelId, ConnectionId, Event, EventKind, SimTime};

/// Most entries kept; older ones are dropped (and counted).
pub const LOG_CAPACITY: usize = 2000;

/// One logged event.
#[derive(Clone, Debug, PartialEq)]
pub struct LogEntry {
    /// Sequence number since the world was loaded.
    pub seq: u64,
    /// Virtual time.
    pub at: SimTime,
    /// Event kind (`delivered`, `acked`, ...).
    pub kind: &'static str,
    /// What happened, in words.
    pub text: String,
    /// Node keys (`queue:orders`, `consumer:mailer`) and message tags
    /// (`#12`) it concerns.
    pub entities: Vec<String>,
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

/// `consumer:mailer` → `mailer`; `you` stays.
fn display(key: &str) -> &str {
    key.split_once(':').map_or(key, |(_, n)| n)
}

fn who(names: &[(ConnectionId, String)], ch: ChannelId) -> (String, Option<String>) {
    match owner(names, ch.connection) {
        Some(key) => (display(key).to_owned(), Some(key.to_owned())),
        None => (format!("channel {ch}"), None),
    }
}

fn q(name: &str) -> String {
    format!("queue:{name}")
}

fn x(name: &str) -> String {
    format!("exchange:{name}")
}

fn xname(name: &str) -> String {
    if name.is_empty() {
        "the default exchange".to_owned()
    } else {
        format!("exchange {name}")
    }
}

/// Kind, text and entities of one event.
pub fn describe(
    kind: &EventKind,
    names: &[(ConnectionId, String)],
) -> (&'static str, String, Vec<String>) {
    let mut ents = Vec::new();
    let (k, text) = match kind {
        EventKind::ConnectionOpened { connection } => {
            let who = owner(names, *connection).map(display).unwrap_or("a client");
            if let Some(key) = owner(names, *connection) {
                ents.push(key.to_owned());
            }
            (
                "connection-opened",
                format!("{who} opened connection {connection}"),
            )
        }
        EventKind::ConnectionClosed { connection, error } => {
            if let Some(key) = owner(names, *connection) {
                ents.push(key.to_owned());
            }
            let what = match error {
                Some(e) => format!(" by the broker: {} {}", e.reply_code, e.reply_text),
                None => String::new(),
            };
            (
                "connection-closed",
                format!("connection {connection} closed{what}"),
            )
        }
        EventKind::ChannelOpened { channel } => {
            let (w, key) = who(names, *channel);
            ents.extend(key);
            ("channel-opened", format!("{w} opened channel {channel}"))
        }
        EventKind::ChannelClosed { channel, error } => {
            let (w, key) = who(names, *channel);
            ents.extend(key);
            let what = match error {
                Some(e) => format!(" by the broker: {} {}", e.reply_code, e.reply_text),
                None => String::new(),
            };
            (
                "channel-closed",
                format!("{w}'s channel {channel} closed{what}"),
            )
        }
        EventKind::ExchangeDeclared {
            exchange,
            exchange_type,
        } => {
            ents.push(x(exchange));
            (
                "exchange-declared",
                format!("{exchange_type} exchange {exchange} declared"),
            )
        }
        EventKind::ExchangeDeleted { exchange } => {
            ents.push(x(exchange));
            ("exchange-deleted", format!("exchange {exchange} deleted"))
        }
        EventKind::QueueDeclared { queue } => {
            ents.push(q(queue));
            ("queue-declared", format!("queue {queue} declared"))
        }
        EventKind::QueueDeleted {
            queue,
            reason,
            message_count,
        } => {
            ents.push(q(queue));
            (
                "queue-deleted",
                format!(
                    "queue {queue} deleted ({reason:?}), {message_count} ready message(s) lost"
                ),
            )
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
            (
                "bound",
                format!("{source} bound to {destination} with key {routing_key:?}"),
            )
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
            (
                "unbound",
                format!("{source} unbound from {destination} (key {routing_key:?})"),
            )
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
            (
                "published",
                format!(
                    "{w} published #{message} to {} with key {routing_key:?}",
                    xname(exchange)
                ),
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
            (
                "routed",
                format!("#{message} routed by {} to {to}", xname(exchange)),
            )
        }
        EventKind::Unroutable { message } => {
            ents.push(format!("#{message}"));
            (
                "unroutable",
                format!("#{message} matched no binding and was not mandatory: dropped"),
            )
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
            (
                "returned",
                format!(
                    "#{} returned to {w}: {reply_code} {reply_text}",
                    message.id()
                ),
            )
        }
        EventKind::Confirmed {
            channel,
            delivery_tag,
            ack,
        } => {
            let (w, key) = who(names, *channel);
            ents.extend(key);
            (
                "confirmed",
                format!(
                    "publisher confirm to {w}: {} for publish {delivery_tag}",
                    if *ack { "ack" } else { "nack" }
                ),
            )
        }
        EventKind::Enqueued { queue, message } => {
            ents.push(q(queue));
            ents.push(format!("#{message}"));
            ("enqueued", format!("#{message} enqueued in {queue}"))
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
            (
                "delivered",
                format!(
                    "#{} delivered from {queue} to {consumer_tag} (tag {delivery_tag}){}",
                    message.id(),
                    if *redelivered { ", redelivered" } else { "" }
                ),
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
            ("get-ok", format!("{w} got #{} from {queue}", message.id()))
        }
        EventKind::GetEmpty { channel, queue } => {
            let (w, key) = who(names, *channel);
            ents.extend(key);
            ents.push(q(queue));
            ("get-empty", format!("{w} found {queue} empty"))
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
            (
                "acked",
                format!("{w} acked #{message} from {queue} (tag {delivery_tag})"),
            )
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
            (
                "nacked",
                format!(
                    "{w} rejected #{message} from {queue} (tag {delivery_tag}), {}",
                    if *requeue { "requeue" } else { "no requeue" }
                ),
            )
        }
        EventKind::Requeued { queue, message } => {
            ents.push(q(queue));
            ents.push(format!("#{message}"));
            (
                "requeued",
                format!("#{message} back in {queue}, marked redelivered"),
            )
        }
        EventKind::Expired { queue, message } => {
            ents.push(q(queue));
            ents.push(format!("#{message}"));
            ("expired", format!("#{message} expired in {queue}"))
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
            (
                "dead-lettered",
                format!(
                    "#{message} dead-lettered from {queue} ({}) to {} as #{new_message}",
                    reason.as_str(),
                    xname(exchange)
                ),
            )
        }
        EventKind::Dropped {
            queue,
            message,
            reason,
        } => {
            ents.push(q(queue));
            ents.push(format!("#{message}"));
            (
                "dropped",
                format!("#{message} dropped from {queue} ({reason:?})"),
            )
        }
        EventKind::ConsumerAdded {
            channel,
            consumer_tag,
            queue,
        } => {
            let (_, key) = who(names, *channel);
            ents.extend(key);
            ents.push(q(queue));
            (
                "consumer-added",
                format!("{consumer_tag} consumes from {queue}"),
            )
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
            (
                "consumer-cancelled",
                format!(
                    "{consumer_tag} stopped consuming from {queue}{}",
                    if *by_broker {
                        " (cancelled by the broker)"
                    } else {
                        ""
                    }
                ),
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
            (
                "consumer-activated",
                format!("{consumer_tag} is now the single active consumer of {queue}"),
            )
        }
        EventKind::Purged {
            queue,
            message_count,
        } => {
            ents.push(q(queue));
            (
                "purged",
                format!("{queue} purged: {message_count} message(s) removed"),
            )
        }
        _ => (
            "other",
            "an event this version does not describe".to_owned(),
        ),
    };
    // Message ids display as `m12`; people read `#12`.
    let text = text.replace("#m", "#");
    let ents = ents.into_iter().map(|e| e.replace("#m", "#")).collect();
    (k, text, ents)
}

impl EventLog {
    /// Logs one event.
    pub fn push(&mut self, e: &Event, names: &[(ConnectionId, String)]) {
        let (kind, text, entities) = describe(&e.kind, names);
        if self.entries.len() == LOG_CAPACITY {
            self.entries.pop_front();
            self.dropped += 1;
        }
        self.entries.push_back(Rc::new(LogEntry {
            seq: self.next_seq,
            at: e.at,
            kind,
            text,
            entities,
        }));
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
            .filter(|e| entity.is_empty() || e.entities.iter().any(|n| n == entity))
            .filter(|e| needle.is_empty() || e.text.to_ascii_lowercase().contains(&needle))
            .take(limit)
            .cloned()
            .collect()
    }
}
