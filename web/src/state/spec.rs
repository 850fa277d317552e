//! The bottom of the playground's state: what the person names (an
//! actor's settings, a binding) and where the canvas puts it. Every other
//! state module may use these; this one uses none of them.

use std::collections::BTreeMap;

use warren_core::{BindingInfo, ConsumerSpec, ProducerSpec};

/// A binding as the person names it: the identity RabbitMQ uses (source,
/// destination, key, arguments), which is the core's own [`BindingInfo`]
/// (it makes the `bind` and `unbind` operations for itself).
pub type BindingSpec = BindingInfo;

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

/// What a canvas node is. Its [`NodeKind::prefix`] is the one spelling of
/// the kind in node keys, layouts and CSS classes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum NodeKind {
    /// A simulated producer.
    Producer,
    /// An exchange.
    Exchange,
    /// A queue.
    Queue,
    /// A simulated consumer.
    Consumer,
}

impl NodeKind {
    /// Every kind.
    pub const ALL: [Self; 4] = [Self::Producer, Self::Exchange, Self::Queue, Self::Consumer];

    /// The prefix of node keys (`queue:orders`), as in scenario layouts.
    pub fn prefix(self) -> &'static str {
        match self {
            Self::Producer => "producer",
            Self::Exchange => "exchange",
            Self::Queue => "queue",
            Self::Consumer => "consumer",
        }
    }

    /// The kind a prefix names.
    pub fn from_prefix(prefix: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.prefix() == prefix)
    }

    /// The kind of a binding's destination.
    pub fn destination(to_exchange: bool) -> Self {
        if to_exchange {
            Self::Exchange
        } else {
            Self::Queue
        }
    }
}

/// The key of a node, `kind:name` (`queue:orders`): how the canvas, the
/// layout, the animation and the event log's filter name a node. Made
/// here and read by [`parse_node_key`] only.
pub fn node_key(kind: NodeKind, name: &str) -> String {
    format!("{}:{name}", kind.prefix())
}

/// A node key's kind and name (`queue:orders` → queue, `orders`); `None`
/// for a key of no known kind.
pub fn parse_node_key(key: &str) -> Option<(NodeKind, &str)> {
    let (kind, name) = key.split_once(':')?;
    Some((NodeKind::from_prefix(kind)?, name))
}

/// A node key's name (`consumer:mailer` → `mailer`); a name that is no
/// node key (the log's `you`) stays as it is.
pub fn node_name(key: &str) -> &str {
    parse_node_key(key).map_or(key, |(_, name)| name)
}

/// Where nodes sit: top-left corners by node key. Keys of nodes that no
/// longer exist stay (a node scrubbed away comes back where it was).
pub type Layout = BTreeMap<String, (f64, f64)>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn node_keys_read_back() {
        for kind in NodeKind::ALL {
            let key = node_key(kind, "a:b");
            assert_eq!(parse_node_key(&key), Some((kind, "a:b")));
            assert_eq!(node_name(&key), "a:b");
        }
        assert_eq!(node_key(NodeKind::Queue, "orders"), "queue:orders");
        assert_eq!(parse_node_key("you"), None);
        assert_eq!(parse_node_key("binding:x"), None);
        assert_eq!(node_name("you"), "you");
    }
}
