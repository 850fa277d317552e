//! Identifiers and virtual time.
//!
//! Time is [`SimTime`], milliseconds since the simulation started, always
//! passed in by the caller: the core never reads a clock, so a run is a pure
//! function of its inputs.

use std::fmt;

use serde::{Deserialize, Serialize};

/// Virtual time: milliseconds since the start of the simulation.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct SimTime(pub u64);

impl SimTime {
    /// The start of time.
    pub const ZERO: Self = Self(0);
    /// Never: used for timers that are not armed.
    pub const NEVER: Self = Self(u64::MAX);

    /// Milliseconds since the start.
    pub fn ms(self) -> u64 {
        self.0
    }

    /// `self + ms`, saturating at [`SimTime::NEVER`].
    pub fn plus(self, ms: u64) -> Self {
        Self(self.0.saturating_add(ms))
    }
}

impl fmt::Display for SimTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}ms", self.0)
    }
}

/// A client connection, numbered from 1 in opening order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ConnectionId(pub u32);

impl fmt::Display for ConnectionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// A channel: its connection and its number on that connection.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct ChannelId {
    /// The connection the channel belongs to.
    pub connection: ConnectionId,
    /// The channel number (1..=65535).
    pub number: u16,
}

impl ChannelId {
    /// Channel `number` on connection `connection`.
    pub fn new(connection: u32, number: u16) -> Self {
        Self {
            connection: ConnectionId(connection),
            number,
        }
    }
}

impl fmt::Display for ChannelId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.connection.0, self.number)
    }
}

/// One published message, numbered in publish order (dead-lettered copies
/// get new numbers). Events and the inspector refer to messages by it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct MessageId(pub u64);

impl fmt::Display for MessageId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "m{}", self.0)
    }
}

/// Declares an internal id: a counter the broker hands out and never reuses.
/// Each is its own type, so a queue's id cannot be passed where an
/// exchange's or a consumer's is expected.
macro_rules! internal_id {
    ($(#[$doc:meta])* $name:ident($int:ty)) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub(crate) struct $name(pub(crate) $int);

        impl $name {
            /// Returns this id and moves the counter on to the next one.
            // Binding ids are slots, reused rather than counted.
            #[allow(dead_code)]
            pub(crate) fn take_next(&mut self) -> Self {
                let id = *self;
                self.0 += 1;
                id
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}", self.0)
            }
        }

        impl crate::idmap::Id for $name {
            fn to_index(self) -> u64 {
                u64::from(self.0)
            }
            fn from_index(index: u64) -> Self {
                // Only indices of inserted keys come back, and those came
                // from this type.
                Self(index as $int)
            }
        }
    };
}

internal_id!(
    /// Identifies an exchange for its whole life.
    ExchangeId(u64)
);
internal_id!(
    /// Identifies a binding: a slot in the broker's binding table, reused
    /// once the binding is gone (the routing indexes hold these, so they
    /// are kept to 32 bits).
    BindingId(u32)
);
internal_id!(
    /// Identifies a queue for its whole life (names can be reused after a
    /// delete).
    QueueId(u64)
);
internal_id!(
    /// Identifies a consumer for its whole life (tags can be reused after a
    /// cancel).
    ConsumerUid(u64)
);
