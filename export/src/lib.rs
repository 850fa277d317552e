//! Scenes as code: a scene's topology and simulated actors written out as
//! runnable pika 1.x Python (`docs/export.md`).
//!
//! This crate sits beside `warren-scenario`, not above it: it reads a
//! plain [`Model`] (exchanges, queues, bindings, policies, producers,
//! consumers) that anyone holding a [`Broker`] can build with
//! [`Model::from_broker`]. The command line builds it from a scenario
//! (`warren export --format pika`), the playground from its live state, so
//! the playground's wasm pays for the generator only, never for the
//! scenario reader.

mod pika;
pub mod python;

use warren_core::{BindingInfo, Broker, ConsumerSpec, FieldTable, ProducerSpec};

pub use pika::pika;

/// An exchange to declare.
#[derive(Clone, Debug, PartialEq)]
pub struct Exchange {
    /// Name.
    pub name: String,
    /// `direct`, `fanout`, `topic` or `headers`.
    pub kind: String,
    /// Durable flag.
    pub durable: bool,
    /// Auto-delete flag.
    pub auto_delete: bool,
    /// Internal flag.
    pub internal: bool,
    /// Declared arguments (`alternate-exchange`, ...).
    pub arguments: FieldTable,
}

/// A queue to declare.
#[derive(Clone, Debug, PartialEq)]
pub struct Queue {
    /// Name.
    pub name: String,
    /// Durable flag.
    pub durable: bool,
    /// Exclusive to its declaring connection.
    pub exclusive: bool,
    /// Auto-delete flag.
    pub auto_delete: bool,
    /// Declared arguments (TTL, limits, overflow, DLX, priority, ...).
    pub arguments: FieldTable,
}

/// A policy: pika cannot set one (it is not AMQP), so the export says how.
#[derive(Clone, Debug, PartialEq)]
pub struct Policy {
    /// Name.
    pub name: String,
    /// Regular expression over object names.
    pub pattern: String,
    /// `queues`, `exchanges` or `all`.
    pub apply_to: String,
    /// Priority among matching policies.
    pub priority: i64,
    /// The definition (`message-ttl`, ...).
    pub definition: FieldTable,
}

/// Everything the generator reads: what to declare and who runs.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Model {
    /// The scene's name (said in the scripts' comments).
    pub scene: String,
    /// Exchanges, without the predeclared ones (`""`, `amq.*`).
    pub exchanges: Vec<Exchange>,
    /// Queues.
    pub queues: Vec<Queue>,
    /// Bindings, to queues and to exchanges, without the default
    /// exchange's implicit ones.
    pub bindings: Vec<BindingInfo>,
    /// Policies.
    pub policies: Vec<Policy>,
    /// Simulated producers: one publisher script each.
    pub producers: Vec<ProducerSpec>,
    /// Simulated consumers: one consumer script each.
    pub consumers: Vec<ConsumerSpec>,
}

impl Model {
    /// The topology a broker holds, with the given actors.
    pub fn from_broker(
        scene: &str,
        broker: &Broker,
        producers: Vec<ProducerSpec>,
        consumers: Vec<ConsumerSpec>,
    ) -> Self {
        Self {
            scene: scene.to_owned(),
            exchanges: broker
                .exchanges()
                .into_iter()
                .filter(|x| !x.predeclared)
                .map(|x| Exchange {
                    name: x.name,
                    kind: x.exchange_type,
                    durable: x.durable,
                    auto_delete: x.auto_delete,
                    internal: x.internal,
                    arguments: x.arguments,
                })
                .collect(),
            queues: broker
                .queues()
                .into_iter()
                .map(|q| Queue {
                    name: q.name,
                    durable: q.durable,
                    exclusive: q.exclusive,
                    auto_delete: q.auto_delete,
                    arguments: q.arguments,
                })
                .collect(),
            bindings: broker
                .bindings()
                .into_iter()
                .filter(|b| !b.source.is_empty())
                .collect(),
            policies: broker
                .policies()
                .map(|p| Policy {
                    name: p.name.clone(),
                    pattern: p.pattern.clone(),
                    apply_to: p.apply_to.as_str().to_owned(),
                    priority: p.priority,
                    definition: p.definition.clone(),
                })
                .collect(),
            producers,
            consumers,
        }
    }
}

/// One generated file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct File {
    /// File name (`topology.py`, `publish_web_shop.py`, ...): ASCII
    /// letters, digits, `_` and `.py`, unique within one export.
    pub name: String,
    /// What it does, in a few words (the playground's tab title).
    pub title: String,
    /// The Python source.
    pub text: String,
}
