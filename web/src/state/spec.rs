//! The bottom of the playground's state: what the person names (an
//! actor's settings, a binding) and where the canvas puts it. Every other
//! state module may use these; this one uses none of them.

use std::collections::BTreeMap;

use warren_core::{ConsumerSpec, FieldTable, ProducerSpec};

/// A binding as the person names it: the identity RabbitMQ uses (source,
/// destination, key, arguments).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct BindingSpec {
    /// Source exchange.
    pub source: String,
    /// Destination queue or exchange.
    pub destination: String,
    /// Whether the destination is an exchange (`exchange.bind`).
    pub to_exchange: bool,
    /// Binding key.
    pub routing_key: String,
    /// Binding arguments (`x-match` and the headers to match).
    pub arguments: FieldTable,
}

/// A simulated actor's settings, as the person wrote them.
// A scene has a handful of actors: boxing producers would only add
// indirection.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug, PartialEq)]
pub enum ActorSpec {
    /// A producer.
    Producer(ProducerSpec),
    /// A consumer.
    Consumer(ConsumerSpec),
}

impl ActorSpec {
    /// The actor's name.
    pub fn name(&self) -> &str {
        match self {
            Self::Producer(p) => &p.name,
            Self::Consumer(c) => &c.name,
        }
    }
}

/// Where nodes sit: top-left corners by node key. Keys of nodes that no
/// longer exist stay (a node scrubbed away comes back where it was).
pub type Layout = BTreeMap<String, (f64, f64)>;
