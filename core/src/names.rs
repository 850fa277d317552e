//! Names the broker reserves or creates on its own: the `amq.` prefix, the
//! prefixes of generated queue names and consumer tags, and the exchanges
//! every virtual host starts with. Said once here so that the broker, the
//! definitions import, lint and the playground agree on them.

use crate::ExchangeKind;

/// The prefix RabbitMQ keeps for its own exchanges and queues: clients may
/// not declare or delete names under it, and a definitions import skips them.
pub const RESERVED_PREFIX: &str = "amq.";

/// The prefix of a server-named queue (`queue.declare` with an empty name).
pub const GENERATED_QUEUE_PREFIX: &str = "amq.gen-";

/// The prefix of a server-chosen consumer tag (`basic.consume` with an
/// empty tag).
pub const GENERATED_TAG_PREFIX: &str = "amq.ctag-";

/// Whether `name` is under [`RESERVED_PREFIX`].
pub fn is_reserved(name: &str) -> bool {
    name.starts_with(RESERVED_PREFIX)
}

/// The exchanges of a fresh virtual host, in name order: name, type,
/// internal. The first is the default exchange (`""`).
pub const PREDECLARED_EXCHANGES: [(&str, ExchangeKind, bool); 7] = [
    ("", ExchangeKind::Direct, false),
    ("amq.direct", ExchangeKind::Direct, false),
    ("amq.fanout", ExchangeKind::Fanout, false),
    ("amq.headers", ExchangeKind::Headers, false),
    ("amq.match", ExchangeKind::Headers, false),
    ("amq.rabbitmq.trace", ExchangeKind::Topic, true),
    ("amq.topic", ExchangeKind::Topic, false),
];

/// Whether `name` is the default exchange or under the reserved prefix:
/// the names no client declares, no policy applies to and an import skips.
pub fn is_builtin(name: &str) -> bool {
    name.is_empty() || is_reserved(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn predeclared_and_generated_names_are_builtin() {
        assert!(PREDECLARED_EXCHANGES.iter().all(|(n, _, _)| is_builtin(n)));
        assert!(is_reserved(GENERATED_QUEUE_PREFIX) && is_reserved(GENERATED_TAG_PREFIX));
        assert!(is_builtin("") && !is_reserved("") && !is_builtin("amqp.x"));
    }
}
