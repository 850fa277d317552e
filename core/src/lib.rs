//! Warren's broker model: a deterministic, sans-IO state machine that
//! behaves like a RabbitMQ 3.10 broker speaking AMQP 0-9-1.
#![deny(missing_docs)]

mod value;

pub use value::{FieldTable, FieldValue};
