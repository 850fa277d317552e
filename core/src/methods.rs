//! Arguments of the AMQP methods the broker accepts, named as pika names
//! them. Every field has the AMQP default, so `..Default::default()` (or an
//! omitted JSON field) means what a client sending the method with that
//! argument unset means.

use serde::{Deserialize, Serialize};

use crate::{FieldTable, Properties};

fn yes() -> bool {
    true
}

/// `exchange.declare`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ExchangeDeclare {
    /// Exchange name.
    pub exchange: String,
    /// `direct`, `fanout`, `topic` or `headers` (default `direct`).
    pub exchange_type: Option<String>,
    /// Only check that it exists.
    pub passive: bool,
    /// Survives restarts (recorded; restarts are not simulated).
    pub durable: bool,
    /// Deleted when its last binding as a source goes.
    pub auto_delete: bool,
    /// Cannot be published to directly.
    pub internal: bool,
    /// Arguments (`alternate-exchange`).
    pub arguments: FieldTable,
}

/// `exchange.delete`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ExchangeDelete {
    /// Exchange name.
    pub exchange: String,
    /// Refuse (406) if it is the source of a binding.
    pub if_unused: bool,
}

/// `exchange.bind` and `exchange.unbind`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ExchangeBind {
    /// The exchange that receives.
    pub destination: String,
    /// The exchange that routes.
    pub source: String,
    /// Binding key.
    pub routing_key: String,
    /// Binding arguments (headers exchanges match on them).
    pub arguments: FieldTable,
}

/// `queue.declare`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct QueueDeclare {
    /// Queue name; empty for a server-generated `amq.gen-…` name.
    pub queue: String,
    /// Only check that it exists.
    pub passive: bool,
    /// Survives restarts (recorded; restarts are not simulated).
    pub durable: bool,
    /// Owned by the declaring connection.
    pub exclusive: bool,
    /// Deleted when its last consumer goes.
    pub auto_delete: bool,
    /// `x-message-ttl`, `x-expires`, `x-max-length`, `x-dead-letter-exchange`, ...
    pub arguments: FieldTable,
}

/// `queue.bind` and `queue.unbind`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct QueueBind {
    /// Queue name.
    pub queue: String,
    /// Exchange name.
    pub exchange: String,
    /// Binding key.
    pub routing_key: String,
    /// Binding arguments.
    pub arguments: FieldTable,
}

/// `queue.purge`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct QueuePurge {
    /// Queue name.
    pub queue: String,
}

/// `queue.delete`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct QueueDelete {
    /// Queue name.
    pub queue: String,
    /// Refuse (406) if it has consumers.
    pub if_unused: bool,
    /// Refuse (406) if it has ready messages.
    pub if_empty: bool,
}

/// `basic.qos`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct BasicQos {
    /// Must be 0 (RabbitMQ refuses anything else with 540).
    pub prefetch_size: u32,
    /// Unacked deliveries allowed; 0 = unlimited.
    pub prefetch_count: u16,
    /// RabbitMQ 3.x: a limit shared by the whole channel rather than per new consumer.
    pub global_qos: bool,
}

/// `basic.consume`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct BasicConsume {
    /// Queue name.
    pub queue: String,
    /// Consumer tag; empty for a server-generated `amq.ctag-…` one.
    pub consumer_tag: String,
    /// Deliveries need no acknowledgement.
    pub auto_ack: bool,
    /// The only consumer of the queue.
    pub exclusive: bool,
    /// Consumer arguments (`x-priority`).
    pub arguments: FieldTable,
}

/// `basic.cancel`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct BasicCancel {
    /// The consumer to cancel.
    pub consumer_tag: String,
}

/// `basic.publish`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct BasicPublish {
    /// Exchange name (`""` is the default exchange).
    pub exchange: String,
    /// Routing key.
    pub routing_key: String,
    /// Body (text; scenario files are JSON).
    pub body: String,
    /// Properties.
    pub properties: Properties,
    /// Return the message (312) if it reaches no queue.
    pub mandatory: bool,
    /// Refused by RabbitMQ (540).
    pub immediate: bool,
}

/// `basic.get`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct BasicGet {
    /// Queue name.
    pub queue: String,
    /// The message needs no acknowledgement.
    pub auto_ack: bool,
}

/// `basic.ack`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct BasicAck {
    /// Delivery tag (0 with `multiple` = everything outstanding).
    pub delivery_tag: u64,
    /// Every outstanding tag up to and including this one.
    pub multiple: bool,
}

/// `basic.nack` (and `basic.reject`, which is a nack without `multiple`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct BasicNack {
    /// Delivery tag (0 with `multiple` = everything outstanding).
    pub delivery_tag: u64,
    /// Every outstanding tag up to and including this one.
    pub multiple: bool,
    /// Put the message back (else dead-letter or drop). Defaults to true.
    #[serde(default = "yes")]
    pub requeue: bool,
}

impl Default for BasicNack {
    fn default() -> Self {
        Self {
            delivery_tag: 0,
            multiple: false,
            requeue: true,
        }
    }
}

/// `basic.reject`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct BasicReject {
    /// Delivery tag.
    pub delivery_tag: u64,
    /// Put the message back (else dead-letter or drop). Defaults to true.
    #[serde(default = "yes")]
    pub requeue: bool,
}

impl Default for BasicReject {
    fn default() -> Self {
        Self {
            delivery_tag: 0,
            requeue: true,
        }
    }
}

/// `basic.recover`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct BasicRecover {
    /// Must be true (RabbitMQ refuses `false` with 540).
    #[serde(default = "yes")]
    pub requeue: bool,
}

impl Default for BasicRecover {
    fn default() -> Self {
        Self { requeue: true }
    }
}
