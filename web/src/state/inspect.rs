//! What the inspector shows for the selection, read from the core's views.

use std::sync::Arc;

use warren_core::{
    ActorView, BindingInfo, Broker, ConsumerInfo, ExchangeInfo, FieldValue, Message, MessageId,
    ProducerView, QueueInfo, SimTime,
};

use super::fields::format_value;
use super::spec::{node_key, parse_node_key, ActorSpec, BindingSpec, NodeKind};
use super::world::World;

/// Most messages listed for one queue (the rest are counted).
pub const MESSAGE_LIMIT: usize = 60;
/// Longest body shown, in characters.
const BODY_LIMIT: usize = 400;

/// What is selected.
#[derive(Clone, Debug, Default, PartialEq)]
pub enum Selection {
    /// Nothing.
    #[default]
    None,
    /// An exchange.
    Exchange(String),
    /// A queue.
    Queue(String),
    /// A binding.
    Binding(BindingSpec),
    /// A producer.
    Producer(String),
    /// A consumer.
    Consumer(String),
    /// A message, wherever it is.
    Message(u64),
}

impl Selection {
    /// The node key of a selected node (for highlighting).
    pub fn node_key(&self) -> Option<String> {
        let (kind, name) = match self {
            Self::Exchange(n) => (NodeKind::Exchange, n),
            Self::Queue(n) => (NodeKind::Queue, n),
            Self::Producer(n) => (NodeKind::Producer, n),
            Self::Consumer(n) => (NodeKind::Consumer, n),
            _ => return None,
        };
        Some(node_key(kind, name))
    }

    /// The selection of a node, by kind and name.
    pub fn node(kind: NodeKind, name: &str) -> Self {
        let name = name.to_owned();
        match kind {
            NodeKind::Exchange => Self::Exchange(name),
            NodeKind::Queue => Self::Queue(name),
            NodeKind::Producer => Self::Producer(name),
            NodeKind::Consumer => Self::Consumer(name),
        }
    }

    /// The selection of a node, by node key (`queue:orders`); nothing for
    /// a key of no known kind.
    pub fn of_node_key(key: &str) -> Self {
        parse_node_key(key).map_or(Self::None, |(kind, name)| Self::node(kind, name))
    }
}

/// One message as the inspector lists it.
#[derive(Clone, Debug, PartialEq)]
pub struct MessageSummary {
    /// Id (`#12`).
    pub id: u64,
    /// Exchange it was published to (for a dead-lettered copy, the DLX).
    pub exchange: String,
    /// Routing key.
    pub routing_key: String,
    /// Body (cut to a few hundred characters).
    pub body: String,
    /// Set properties, as (name, value) text.
    pub properties: Vec<(String, String)>,
    /// Headers other than `x-death`.
    pub headers: Vec<(String, String)>,
    /// `x-death` entries, newest first, each as (field, value) text.
    pub x_death: Vec<Vec<(String, String)>>,
    /// Whether it has been delivered before.
    pub redelivered: bool,
    /// In or from a quorum queue: how many times it came back
    /// unacknowledged (`x-delivery-count`).
    pub delivery_count: Option<u64>,
    /// When it expires where it is, if it has a TTL there.
    pub expires_at: Option<SimTime>,
    /// Where it is (`ready in jobs`, `unacked by worker, tag 3`).
    pub place: String,
    /// Delivery tag, when unacked.
    pub delivery_tag: Option<u64>,
}

fn summarize(
    m: &Arc<Message>,
    redelivered: bool,
    delivery_count: Option<u64>,
    expires_at: Option<SimTime>,
    place: String,
    delivery_tag: Option<u64>,
) -> MessageSummary {
    let p = m.properties();
    let mut properties = Vec::new();
    let mut push = |k: &str, v: Option<String>| {
        if let Some(v) = v {
            properties.push((k.to_owned(), v));
        }
    };
    push("content_type", p.content_type.clone());
    push("content_encoding", p.content_encoding.clone());
    push(
        "delivery_mode",
        p.delivery_mode.map(|d| match d {
            2 => "2 (persistent)".to_owned(),
            other => other.to_string(),
        }),
    );
    push("priority", p.priority.map(|v| v.to_string()));
    push("expiration", p.expiration.clone());
    push("message_id", p.message_id.clone());
    push("correlation_id", p.correlation_id.clone());
    push("reply_to", p.reply_to.clone());
    push("timestamp", p.timestamp.map(|v| v.to_string()));
    push("type", p.kind.clone());
    push("user_id", p.user_id.clone());
    push("app_id", p.app_id.clone());
    let mut headers = Vec::new();
    let mut x_death = Vec::new();
    if let Some(h) = &p.headers {
        for (k, v) in h.iter() {
            if k == "x-death" {
                if let FieldValue::Array(items) = v {
                    for item in items {
                        if let FieldValue::Table(t) = item {
                            x_death.push(
                                t.iter()
                                    .map(|(k, v)| (k.to_owned(), format_value(v)))
                                    .collect(),
                            );
                        }
                    }
                }
            } else {
                headers.push((k.to_owned(), format_value(v)));
            }
        }
    }
    let body = String::from_utf8_lossy(m.body());
    let body = if body.chars().count() > BODY_LIMIT {
        format!("{}…", body.chars().take(BODY_LIMIT).collect::<String>())
    } else {
        body.into_owned()
    };
    MessageSummary {
        id: m.id().0,
        exchange: m.exchange().to_owned(),
        routing_key: m.routing_key().to_owned(),
        body,
        properties,
        headers,
        x_death,
        redelivered,
        delivery_count,
        expires_at,
        place,
        delivery_tag,
    }
}

/// A queue's ready messages, in delivery order, or a stream's log in
/// offset order (at most [`MESSAGE_LIMIT`]).
pub fn queue_messages(broker: &Broker, queue: &str) -> (Vec<MessageSummary>, usize) {
    let log = broker.stream_log(queue);
    if !log.is_empty() {
        let shown = log
            .iter()
            .take(MESSAGE_LIMIT)
            .enumerate()
            .map(|(offset, m)| {
                let place = format!("offset {offset} in {queue}'s log");
                summarize(m, false, None, None, place, None)
            })
            .collect();
        return (shown, log.len());
    }
    let all = broker.queue_messages(queue);
    let total = all.len();
    let shown = all
        .iter()
        .take(MESSAGE_LIMIT)
        .map(|m| {
            summarize(
                &m.message,
                m.redelivered,
                m.delivery_count,
                m.expires_at,
                format!("ready in {queue}"),
                None,
            )
        })
        .collect();
    (shown, total)
}

/// Unacknowledged deliveries from a queue, or held by a consumer tag.
fn unacked(broker: &Broker, queue: Option<&str>, tag: Option<&str>) -> Vec<MessageSummary> {
    let mut out = Vec::new();
    for ch in broker.channels() {
        for u in &ch.unacked {
            if queue.is_some_and(|q| u.queue != q) {
                continue;
            }
            if tag.is_some() && u.consumer_tag.as_deref() != tag {
                continue;
            }
            let by = u.consumer_tag.clone().unwrap_or_else(|| "basic.get".into());
            out.push(summarize(
                &u.message,
                u.redelivered,
                u.delivery_count,
                None,
                format!(
                    "unacked by {by} (channel {}, tag {})",
                    ch.channel, u.delivery_tag
                ),
                Some(u.delivery_tag),
            ));
        }
    }
    out
}

/// What the inspector shows.
// One exists at a time (built for each render of the inspector): boxing
// the big variants would save nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug, Default, PartialEq)]
pub enum Inspection {
    /// Nothing selected.
    #[default]
    None,
    /// The selection no longer exists (deleted, or scrubbed away).
    Gone(String),
    /// An exchange, with its bindings both ways.
    Exchange {
        /// The exchange.
        info: ExchangeInfo,
        /// Bindings from it.
        outgoing: Vec<BindingInfo>,
        /// Exchange-to-exchange bindings into it.
        incoming: Vec<BindingInfo>,
        /// Queues dead-lettering to it.
        dead_letter_from: Vec<String>,
    },
    /// A queue, its messages and consumers.
    Queue {
        /// The queue.
        info: QueueInfo,
        /// Ready messages, in delivery order (the first few).
        messages: Vec<MessageSummary>,
        /// Ready messages in all.
        total: usize,
        /// Deliveries not yet acknowledged.
        unacked: Vec<MessageSummary>,
        /// Bindings into it.
        bindings: Vec<BindingInfo>,
        /// Its consumers as the broker sees them.
        consumers: Vec<ConsumerInfo>,
    },
    /// A binding.
    Binding {
        /// The binding.
        binding: BindingSpec,
        /// Its source's type.
        source_type: String,
    },
    /// A producer.
    Producer {
        /// Live state.
        view: ProducerView,
        /// Settings.
        spec: warren_core::ProducerSpec,
    },
    /// A consumer and what it holds.
    Consumer {
        /// Live state.
        view: warren_core::ConsumerView,
        /// Settings.
        spec: warren_core::ConsumerSpec,
        /// Its unacknowledged deliveries, with the messages.
        unacked: Vec<MessageSummary>,
    },
    /// A message.
    Message(MessageSummary),
}

// Kept whole: split into one function per selection kind it cost 90 to 135 bytes
// of gzipped wasm, with or without #[inline(always)] (measured 2026-12-06); the
// arms are one per Selection variant, in the enum's order.
/// Builds the inspection of a selection.
pub fn inspect(world: &World, sel: &Selection) -> Inspection {
    let broker = world.broker();
    let view = world.view();
    match sel {
        Selection::None => Inspection::None,
        Selection::Exchange(name) => {
            let Some(info) = view.exchange(name).cloned() else {
                return Inspection::Gone(format!("exchange {name}"));
            };
            Inspection::Exchange {
                outgoing: view
                    .bindings
                    .iter()
                    .filter(|b| b.source == *name)
                    .cloned()
                    .collect(),
                incoming: view
                    .bindings
                    .iter()
                    .filter(|b| b.to_exchange && b.destination == *name)
                    .cloned()
                    .collect(),
                dead_letter_from: view
                    .queues
                    .iter()
                    .filter(|q| q.config.dead_letter_exchange.as_deref() == Some(name))
                    .map(|q| q.name.clone())
                    .collect(),
                info,
            }
        }
        Selection::Queue(name) => {
            let Some(info) = view.queue(name).cloned() else {
                return Inspection::Gone(format!("queue {name}"));
            };
            let (messages, total) = queue_messages(broker, name);
            Inspection::Queue {
                messages,
                total,
                unacked: unacked(broker, Some(name), None),
                bindings: view
                    .bindings
                    .iter()
                    .filter(|b| !b.to_exchange && b.destination == *name)
                    .cloned()
                    .collect(),
                consumers: view
                    .consumers
                    .iter()
                    .filter(|c| c.queue == *name)
                    .cloned()
                    .collect(),
                info,
            }
        }
        Selection::Binding(b) => {
            let exists = view.bindings.iter().any(|i| {
                i.source == b.source
                    && i.destination == b.destination
                    && i.to_exchange == b.to_exchange
                    && i.routing_key == b.routing_key
                    && i.arguments == b.arguments
            });
            if !exists {
                return Inspection::Gone(format!("binding {} → {}", b.source, b.destination));
            }
            Inspection::Binding {
                binding: b.clone(),
                source_type: view
                    .exchange(&b.source)
                    .map(|x| x.exchange_type.clone())
                    .unwrap_or_default(),
            }
        }
        Selection::Producer(name) => match view.actor(name) {
            Some((ActorView::Producer(p), ActorSpec::Producer(s))) => Inspection::Producer {
                view: p.clone(),
                spec: s.clone(),
            },
            _ => Inspection::Gone(format!("producer {name}")),
        },
        Selection::Consumer(name) => match view.actor(name) {
            Some((ActorView::Consumer(c), ActorSpec::Consumer(s))) => {
                let mut held = Vec::new();
                if let Some(ch) = c.channel {
                    for info in broker.channels().into_iter().filter(|i| i.channel == ch) {
                        for u in &info.unacked {
                            held.push(summarize(
                                &u.message,
                                u.redelivered,
                                u.delivery_count,
                                None,
                                format!("unacked, tag {}", u.delivery_tag),
                                Some(u.delivery_tag),
                            ));
                        }
                    }
                }
                Inspection::Consumer {
                    view: c.clone(),
                    spec: s.clone(),
                    unacked: held,
                }
            }
            _ => Inspection::Gone(format!("consumer {name}")),
        },
        Selection::Message(id) => match find_message(broker, MessageId(*id)) {
            Some(m) => Inspection::Message(m),
            None => Inspection::Gone(format!("message #{id} (acknowledged, expired or dropped)")),
        },
    }
}

/// A message ready in a queue or unacknowledged on a channel.
pub fn message(broker: &Broker, id: MessageId) -> Option<Arc<Message>> {
    let (ready, unacked_at) = broker.locate(id);
    if let Some(q) = ready.first() {
        return broker
            .queue_messages(q)
            .into_iter()
            .find(|m| m.message.id() == id)
            .map(|m| m.message);
    }
    let (ch, tag) = unacked_at.first()?;
    let info = broker.channels().into_iter().find(|c| c.channel == *ch)?;
    info.unacked
        .iter()
        .find(|u| u.delivery_tag == *tag)
        .map(|u| u.message.clone())
}

/// Finds a message ready in a queue or unacknowledged on a channel.
pub fn find_message(broker: &Broker, id: MessageId) -> Option<MessageSummary> {
    let (ready, unacked_at) = broker.locate(id);
    if let Some(q) = ready.first() {
        let m = broker
            .queue_messages(q)
            .into_iter()
            .find(|m| m.message.id() == id)?;
        return Some(summarize(
            &m.message,
            m.redelivered,
            m.delivery_count,
            m.expires_at,
            format!("ready in {q}"),
            None,
        ));
    }
    let (ch, tag) = unacked_at.first()?;
    let info = broker.channels().into_iter().find(|c| c.channel == *ch)?;
    let u = info.unacked.iter().find(|u| u.delivery_tag == *tag)?;
    let by = u.consumer_tag.clone().unwrap_or_else(|| "basic.get".into());
    Some(summarize(
        &u.message,
        u.redelivered,
        u.delivery_count,
        None,
        format!("unacked by {by} (tag {tag})"),
        Some(*tag),
    ))
}
