//! Errors of the simulation's own API: bad specs and wrong actor ids.
//!
//! Broker errors met while an actor acts are not among them: a client
//! process that hits a 404 does not crash the world, so those become state
//! on the actor (and `channel-closed` events), never an `Err`.

use std::fmt;

use super::ActorId;

/// A refused [`Simulation`](crate::Simulation) call.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum SimError {
    /// No actor has this id (never added, or removed).
    UnknownActor(ActorId),
    /// The actor is a consumer, and the call needs a producer.
    NotAProducer(ActorId),
    /// The actor is a producer, and the call needs a consumer.
    NotAConsumer(ActorId),
    /// A rate that is negative, NaN or infinite.
    InvalidRate(f64),
    /// A name, key or tag over the 255 bytes of an AMQP short string.
    TooLong {
        /// The spec field.
        field: &'static str,
        /// Its length in bytes.
        len: usize,
    },
    /// `crash_after` or `fail_every` set to 0, which has no meaning
    /// (counting starts at 1).
    ZeroCount {
        /// The spec field.
        field: &'static str,
    },
}

impl fmt::Display for SimError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::UnknownActor(id) => write!(f, "no actor {id}"),
            Self::NotAProducer(id) => write!(f, "actor {id} is not a producer"),
            Self::NotAConsumer(id) => write!(f, "actor {id} is not a consumer"),
            Self::InvalidRate(r) => {
                write!(
                    f,
                    "rate {r} is not a finite, non-negative number per second"
                )
            }
            Self::TooLong { field, len } => {
                write!(
                    f,
                    "{field} is {len} bytes, over the 255 an AMQP short string holds"
                )
            }
            Self::ZeroCount { field } => write!(f, "{field} counts from 1; use none instead of 0"),
        }
    }
}

impl std::error::Error for SimError {}
