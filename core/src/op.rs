//! Every AMQP method the broker models, as data ([`Op`]), and the one
//! dispatcher that hands it to the broker ([`Broker::apply`]).
//!
//! Scenario scripts, `definitions.json` import, the playground's scene
//! loader and its live commands all build `Op`s and call `apply`, so an
//! operation is translated into a broker call in exactly one place. Adding
//! a method means adding its variant and its name here, its arm in
//! [`Broker::apply`], and its tests; nothing else.
//!
//! In JSON an `Op` is the scenario format's step without its channel:
//! `{"op": "queue.bind", "queue": "q", "exchange": "x", "routing_key": "k"}`,
//! the method's arguments named as pika names them, every one optional with
//! AMQP's default (see [`crate::methods`]).

use std::fmt;

use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};

use crate::methods::*;
use crate::{BindingInfo, Broker, ChannelId, DeclareOk, Error, GetResult};

/// One AMQP method with its arguments, as a client sends it on a channel.
// `basic.publish` is the big variant and also the most common one: boxing
// it would cost an allocation on the hot path of every script.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum Op {
    /// `exchange.declare`.
    ExchangeDeclare(ExchangeDeclare),
    /// `exchange.delete`.
    ExchangeDelete(ExchangeDelete),
    /// `exchange.bind`.
    ExchangeBind(ExchangeBind),
    /// `exchange.unbind`.
    ExchangeUnbind(ExchangeBind),
    /// `queue.declare`.
    QueueDeclare(QueueDeclare),
    /// `queue.bind`.
    QueueBind(QueueBind),
    /// `queue.unbind`.
    QueueUnbind(QueueBind),
    /// `queue.purge`.
    QueuePurge(QueuePurge),
    /// `queue.delete`.
    QueueDelete(QueueDelete),
    /// `basic.qos`.
    BasicQos(BasicQos),
    /// `basic.consume`.
    BasicConsume(BasicConsume),
    /// `basic.cancel`.
    BasicCancel(BasicCancel),
    /// `basic.publish`.
    BasicPublish(BasicPublish),
    /// `basic.get`.
    BasicGet(BasicGet),
    /// `basic.ack`.
    BasicAck(BasicAck),
    /// `basic.nack`.
    BasicNack(BasicNack),
    /// `basic.reject`.
    BasicReject(BasicReject),
    /// `basic.recover`.
    BasicRecover(BasicRecover),
    /// `confirm.select`.
    ConfirmSelect,
    /// `tx.select`: publishes and acknowledgements are held until `tx.commit`.
    TxSelect,
    /// `tx.commit`.
    TxCommit,
    /// `tx.rollback`.
    TxRollback,
    /// `channel.open`.
    ChannelOpen,
    /// `channel.close` (by the client).
    ChannelClose,
    /// `connection.close` (by the client), on the channel's connection.
    ConnectionClose,
}

/// What the broker answered to an [`Op`] that it accepted.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum Reply {
    /// A method whose reply carries nothing a client reads (`queue.bind-ok`,
    /// `basic.qos-ok`, ...), or that has no reply (`basic.publish`,
    /// `basic.ack`).
    Done,
    /// `exchange.declare-ok`.
    ExchangeDeclareOk,
    /// `exchange.delete-ok`.
    ExchangeDeleteOk,
    /// `queue.declare-ok`.
    QueueDeclareOk(DeclareOk),
    /// `queue.purge-ok`: how many messages went.
    QueuePurgeOk(u64),
    /// `queue.delete-ok`: how many messages went with the queue.
    QueueDeleteOk(u64),
    /// `basic.consume-ok`: the consumer tag (generated when asked for `""`).
    ConsumeOk(String),
    /// `basic.get-ok` or `basic.get-empty`.
    Get(GetResult),
}

/// The `op` names, in the order [`Op`] lists them.
pub const OP_NAMES: &[&str] = &[
    "exchange.declare",
    "exchange.delete",
    "exchange.bind",
    "exchange.unbind",
    "queue.declare",
    "queue.bind",
    "queue.unbind",
    "queue.purge",
    "queue.delete",
    "basic.qos",
    "basic.consume",
    "basic.cancel",
    "basic.publish",
    "basic.get",
    "basic.ack",
    "basic.nack",
    "basic.reject",
    "basic.recover",
    "confirm.select",
    "tx.select",
    "tx.commit",
    "tx.rollback",
    "channel.open",
    "channel.close",
    "connection.close",
];

/// Why a JSON object is not an [`Op`].
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct OpError {
    /// The field at fault (`op` for an unknown name), or `None` when the
    /// message names it.
    pub field: Option<String>,
    /// What was expected.
    pub message: String,
}

impl fmt::Display for OpError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.field {
            Some(k) => write!(f, "{k}: {}", self.message),
            None => f.write_str(&self.message),
        }
    }
}

impl std::error::Error for OpError {}

fn arguments<T: serde::de::DeserializeOwned>(fields: Map<String, Value>) -> Result<T, OpError> {
    serde_json::from_value(Value::Object(fields)).map_err(|e| OpError {
        field: None,
        message: e.to_string(),
    })
}

impl Op {
    /// The method's name, as the `op` field spells it.
    pub fn name(&self) -> &'static str {
        match self {
            Self::ExchangeDeclare(_) => "exchange.declare",
            Self::ExchangeDelete(_) => "exchange.delete",
            Self::ExchangeBind(_) => "exchange.bind",
            Self::ExchangeUnbind(_) => "exchange.unbind",
            Self::QueueDeclare(_) => "queue.declare",
            Self::QueueBind(_) => "queue.bind",
            Self::QueueUnbind(_) => "queue.unbind",
            Self::QueuePurge(_) => "queue.purge",
            Self::QueueDelete(_) => "queue.delete",
            Self::BasicQos(_) => "basic.qos",
            Self::BasicConsume(_) => "basic.consume",
            Self::BasicCancel(_) => "basic.cancel",
            Self::BasicPublish(_) => "basic.publish",
            Self::BasicGet(_) => "basic.get",
            Self::BasicAck(_) => "basic.ack",
            Self::BasicNack(_) => "basic.nack",
            Self::BasicReject(_) => "basic.reject",
            Self::BasicRecover(_) => "basic.recover",
            Self::ConfirmSelect => "confirm.select",
            Self::TxSelect => "tx.select",
            Self::TxCommit => "tx.commit",
            Self::TxRollback => "tx.rollback",
            Self::ChannelOpen => "channel.open",
            Self::ChannelClose => "channel.close",
            Self::ConnectionClose => "connection.close",
        }
    }

    /// The method `name` with its arguments `fields` (the step object
    /// without `op`). Unknown fields are refused, so that a typo never
    /// silently means "the default".
    ///
    /// # Errors
    /// An unknown name (field `op`), a field the method does not take, or
    /// an argument of the wrong type.
    pub fn from_fields(name: &str, fields: Map<String, Value>) -> Result<Self, OpError> {
        let bare = |op: Self| match fields.keys().next() {
            Some(k) => Err(OpError {
                field: Some(k.clone()),
                message: format!("`{name}` takes no field `{k}`"),
            }),
            None => Ok(op),
        };
        Ok(match name {
            "exchange.declare" => Self::ExchangeDeclare(arguments(fields)?),
            "exchange.delete" => Self::ExchangeDelete(arguments(fields)?),
            "exchange.bind" => Self::ExchangeBind(arguments(fields)?),
            "exchange.unbind" => Self::ExchangeUnbind(arguments(fields)?),
            "queue.declare" => Self::QueueDeclare(arguments(fields)?),
            "queue.bind" => Self::QueueBind(arguments(fields)?),
            "queue.unbind" => Self::QueueUnbind(arguments(fields)?),
            "queue.purge" => Self::QueuePurge(arguments(fields)?),
            "queue.delete" => Self::QueueDelete(arguments(fields)?),
            "basic.qos" => Self::BasicQos(arguments(fields)?),
            "basic.consume" => Self::BasicConsume(arguments(fields)?),
            "basic.cancel" => Self::BasicCancel(arguments(fields)?),
            "basic.publish" => Self::BasicPublish(arguments(fields)?),
            "basic.get" => Self::BasicGet(arguments(fields)?),
            "basic.ack" => Self::BasicAck(arguments(fields)?),
            "basic.nack" => Self::BasicNack(arguments(fields)?),
            "basic.reject" => Self::BasicReject(arguments(fields)?),
            "basic.recover" => Self::BasicRecover(arguments(fields)?),
            "confirm.select" => bare(Self::ConfirmSelect)?,
            "tx.select" => bare(Self::TxSelect)?,
            "tx.commit" => bare(Self::TxCommit)?,
            "tx.rollback" => bare(Self::TxRollback)?,
            "channel.open" => bare(Self::ChannelOpen)?,
            "channel.close" => bare(Self::ChannelClose)?,
            "connection.close" => bare(Self::ConnectionClose)?,
            other => {
                return Err(OpError {
                    field: Some("op".into()),
                    message: format!(
                        "unknown operation {other:?}; expected one of: {}",
                        OP_NAMES.join(", ")
                    ),
                })
            }
        })
    }

    /// The binding a `queue.bind`, `queue.unbind`, `exchange.bind` or
    /// `exchange.unbind` names; `None` for any other method.
    pub fn binding(&self) -> Option<BindingInfo> {
        let (source, destination, to_exchange, routing_key, arguments) = match self {
            Self::QueueBind(b) | Self::QueueUnbind(b) => {
                (&b.exchange, &b.queue, false, &b.routing_key, &b.arguments)
            }
            Self::ExchangeBind(b) | Self::ExchangeUnbind(b) => (
                &b.source,
                &b.destination,
                true,
                &b.routing_key,
                &b.arguments,
            ),
            _ => return None,
        };
        Some(BindingInfo {
            source: source.clone(),
            destination: destination.clone(),
            to_exchange,
            routing_key: routing_key.clone(),
            arguments: arguments.clone(),
        })
    }

    /// The op as a JSON object: `op` and the method's arguments.
    pub fn to_value(&self) -> Value {
        // Cannot fail: every map these types write has string keys, and
        // serde_json writes non-finite numbers as null rather than failing.
        serde_json::to_value(self).expect("an Op always serialises to JSON")
    }
}

/// `{"op": name, ...arguments}`.
#[derive(Serialize)]
struct Tagged<'a, T: Serialize> {
    op: &'static str,
    #[serde(flatten)]
    arguments: &'a T,
}

/// The arguments of a method that takes none.
#[derive(Serialize)]
struct NoArguments {}

impl Serialize for Op {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let op = self.name();
        match self {
            Self::ExchangeDeclare(arguments) => Tagged { op, arguments }.serialize(s),
            Self::ExchangeDelete(arguments) => Tagged { op, arguments }.serialize(s),
            Self::ExchangeBind(arguments) | Self::ExchangeUnbind(arguments) => {
                Tagged { op, arguments }.serialize(s)
            }
            Self::QueueDeclare(arguments) => Tagged { op, arguments }.serialize(s),
            Self::QueueBind(arguments) | Self::QueueUnbind(arguments) => {
                Tagged { op, arguments }.serialize(s)
            }
            Self::QueuePurge(arguments) => Tagged { op, arguments }.serialize(s),
            Self::QueueDelete(arguments) => Tagged { op, arguments }.serialize(s),
            Self::BasicQos(arguments) => Tagged { op, arguments }.serialize(s),
            Self::BasicConsume(arguments) => Tagged { op, arguments }.serialize(s),
            Self::BasicCancel(arguments) => Tagged { op, arguments }.serialize(s),
            Self::BasicPublish(arguments) => Tagged { op, arguments }.serialize(s),
            Self::BasicGet(arguments) => Tagged { op, arguments }.serialize(s),
            Self::BasicAck(arguments) => Tagged { op, arguments }.serialize(s),
            Self::BasicNack(arguments) => Tagged { op, arguments }.serialize(s),
            Self::BasicReject(arguments) => Tagged { op, arguments }.serialize(s),
            Self::BasicRecover(arguments) => Tagged { op, arguments }.serialize(s),
            Self::ConfirmSelect
            | Self::TxSelect
            | Self::TxCommit
            | Self::TxRollback
            | Self::ChannelOpen
            | Self::ChannelClose
            | Self::ConnectionClose => Tagged {
                op,
                arguments: &NoArguments {},
            }
            .serialize(s),
        }
    }
}

impl<'de> Deserialize<'de> for Op {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let mut fields = Map::<String, Value>::deserialize(d)?;
        let name = match fields.remove("op") {
            Some(Value::String(s)) => s,
            Some(_) => return Err(D::Error::custom("op: expected a string")),
            None => return Err(D::Error::missing_field("op")),
        };
        Self::from_fields(&name, fields).map_err(D::Error::custom)
    }
}

impl BindingInfo {
    /// The `queue.bind` or `exchange.bind` that makes this binding.
    pub fn bind_op(&self) -> Op {
        if self.to_exchange {
            Op::ExchangeBind(self.exchange_bind())
        } else {
            Op::QueueBind(self.queue_bind())
        }
    }

    /// The `queue.unbind` or `exchange.unbind` that removes this binding.
    pub fn unbind_op(&self) -> Op {
        if self.to_exchange {
            Op::ExchangeUnbind(self.exchange_bind())
        } else {
            Op::QueueUnbind(self.queue_bind())
        }
    }

    fn exchange_bind(&self) -> ExchangeBind {
        ExchangeBind {
            destination: self.destination.clone(),
            source: self.source.clone(),
            routing_key: self.routing_key.clone(),
            arguments: self.arguments.clone(),
        }
    }

    fn queue_bind(&self) -> QueueBind {
        QueueBind {
            queue: self.destination.clone(),
            exchange: self.source.clone(),
            routing_key: self.routing_key.clone(),
            arguments: self.arguments.clone(),
        }
    }
}

impl Broker {
    /// Performs `op` on channel `ch`: the one place an [`Op`] becomes a
    /// broker call. The channel must be open, except for `channel.open`.
    ///
    /// # Errors
    /// The method's [`Error`], exactly as the method itself returns it
    /// (an AMQP error also closes the channel or the connection).
    pub fn apply(&mut self, ch: ChannelId, op: &Op) -> Result<Reply, Error> {
        let done = |r: Result<(), Error>| r.map(|()| Reply::Done);
        match op {
            Op::ExchangeDeclare(m) => self
                .exchange_declare(ch, m)
                .map(|()| Reply::ExchangeDeclareOk),
            Op::ExchangeDelete(m) => self
                .exchange_delete(ch, m)
                .map(|()| Reply::ExchangeDeleteOk),
            Op::ExchangeBind(m) => done(self.exchange_bind(ch, m)),
            Op::ExchangeUnbind(m) => done(self.exchange_unbind(ch, m)),
            Op::QueueDeclare(m) => self.queue_declare(ch, m).map(Reply::QueueDeclareOk),
            Op::QueueBind(m) => done(self.queue_bind(ch, m)),
            Op::QueueUnbind(m) => done(self.queue_unbind(ch, m)),
            Op::QueuePurge(m) => self.queue_purge(ch, m).map(Reply::QueuePurgeOk),
            Op::QueueDelete(m) => self.queue_delete(ch, m).map(Reply::QueueDeleteOk),
            Op::BasicQos(m) => done(self.basic_qos(ch, m)),
            Op::BasicConsume(m) => self.basic_consume(ch, m).map(Reply::ConsumeOk),
            Op::BasicCancel(m) => done(self.basic_cancel(ch, m)),
            Op::BasicPublish(m) => done(self.basic_publish(ch, m)),
            Op::BasicGet(m) => self.basic_get(ch, m).map(Reply::Get),
            Op::BasicAck(m) => done(self.basic_ack(ch, m)),
            Op::BasicNack(m) => done(self.basic_nack(ch, m)),
            Op::BasicReject(m) => done(self.basic_reject(ch, m)),
            Op::BasicRecover(m) => done(self.basic_recover(ch, m)),
            Op::ConfirmSelect => done(self.confirm_select(ch)),
            Op::TxSelect => done(self.tx_select(ch)),
            Op::TxCommit => done(self.tx_commit(ch)),
            Op::TxRollback => done(self.tx_rollback(ch)),
            Op::ChannelOpen => done(self.open_channel(ch.connection, ch.number).map(|_| ())),
            Op::ChannelClose => done(self.close_channel(ch)),
            Op::ConnectionClose => done(self.close_connection(ch.connection)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::EventKind;

    fn op(v: Value) -> Result<Op, String> {
        serde_json::from_value(v).map_err(|e| e.to_string())
    }

    #[test]
    fn every_name_reads_back_to_itself() {
        for name in OP_NAMES {
            let parsed = Op::from_fields(name, Map::new()).expect(name);
            assert_eq!(parsed.name(), *name);
            assert_eq!(op(parsed.to_value()), Ok(parsed));
        }
    }

    #[test]
    fn json_round_trips_with_arguments() {
        let v = serde_json::json!({
            "op": "queue.bind", "queue": "q", "exchange": "x", "routing_key": "k",
            "arguments": {"x-match": "any"}
        });
        let parsed = op(v.clone()).unwrap();
        assert!(matches!(&parsed, Op::QueueBind(b) if b.routing_key == "k"));
        assert_eq!(op(parsed.to_value()), Ok(parsed));
    }

    #[test]
    fn unknown_names_and_fields_are_refused_with_the_field() {
        let e = Op::from_fields("queue.bnid", Map::new()).unwrap_err();
        assert_eq!(e.field.as_deref(), Some("op"));
        assert!(e.message.contains("queue.bind"), "{e}");
        let mut extra = Map::new();
        extra.insert("nowait".into(), Value::Bool(true));
        let e = Op::from_fields("confirm.select", extra.clone()).unwrap_err();
        assert_eq!(e.field.as_deref(), Some("nowait"));
        let e = Op::from_fields("queue.purge", extra).unwrap_err();
        assert!(e.message.contains("nowait"), "{e}");
        assert!(op(serde_json::json!({"queue": "q"})).is_err());
    }

    #[test]
    fn a_binding_bound_then_unbound_is_gone() {
        let mut b = Broker::new();
        let ch = b.connect();
        for op in [
            Op::ExchangeDeclare(ExchangeDeclare {
                exchange: "x".into(),
                ..Default::default()
            }),
            Op::QueueDeclare(QueueDeclare {
                queue: "q".into(),
                ..Default::default()
            }),
        ] {
            b.apply(ch, &op).unwrap();
        }
        for to_exchange in [false, true] {
            let binding = BindingInfo {
                source: "amq.topic".into(),
                destination: if to_exchange { "x" } else { "q" }.into(),
                to_exchange,
                routing_key: "a.#".into(),
                arguments: crate::FieldTable::new(),
            };
            assert_eq!(binding.bind_op().binding().as_ref(), Some(&binding));
            assert_eq!(binding.unbind_op().binding().as_ref(), Some(&binding));
            b.apply(ch, &binding.bind_op()).unwrap();
            assert!(b.bindings().contains(&binding));
            b.apply(ch, &binding.unbind_op()).unwrap();
            assert!(!b.bindings().contains(&binding));
        }
    }

    #[test]
    fn apply_answers_as_the_method_does() {
        let mut b = Broker::new();
        let ch = b.connect();
        let declare = Op::QueueDeclare(QueueDeclare::default());
        let Ok(Reply::QueueDeclareOk(ok)) = b.apply(ch, &declare) else {
            panic!("declare refused");
        };
        assert!(ok.queue.starts_with("amq.gen-"));
        let publish = Op::BasicPublish(BasicPublish {
            routing_key: ok.queue.clone(),
            ..Default::default()
        });
        assert_eq!(b.apply(ch, &publish), Ok(Reply::Done));
        let purge = Op::QueuePurge(QueuePurge {
            queue: ok.queue.clone(),
        });
        assert_eq!(b.apply(ch, &purge), Ok(Reply::QueuePurgeOk(1)));
        let bind = Op::QueueBind(QueueBind {
            queue: ok.queue,
            exchange: "nowhere".into(),
            ..Default::default()
        });
        let e = b.apply(ch, &bind).unwrap_err();
        assert_eq!(e.amqp().map(|a| a.code.code()), Some(404));
        assert!(!b.is_channel_open(ch));
        assert_eq!(b.apply(ch, &Op::ChannelOpen), Ok(Reply::Done));
        assert_eq!(b.apply(ch, &Op::ConnectionClose), Ok(Reply::Done));
        assert!(!b.is_connection_open(ch.connection));
        assert!(b
            .drain_events()
            .iter()
            .any(|e| matches!(e.kind, EventKind::ChannelClosed { .. })));
    }
}
