//! The [`Command`]s a person can give the world, and why one was
//! refused ([`CommandError`]). Data only: `World::apply` carries them out.

use std::fmt;

use warren_core::methods::{
    BasicPublish, ExchangeDeclare, ExchangeDelete, QueueDeclare, QueueDelete, QueuePurge,
};
use warren_core::{ConsumerSpec, Error, Op, ProducerSpec, SimError};

use super::spec::BindingSpec;

/// What a person can do to the world. Commands are recorded on the
/// timeline with the virtual time they were given at, and replayed to
/// scrub: applying the same commands at the same times gives the same run.
///
/// Every AMQP method is one variant, [`Command::Amqp`], performed on the
/// playground's own channel through the core's one dispatcher
/// (`Broker::apply`): a method the core learns is a command here at once.
/// The other variants are what a person does that is not one method: edits
/// that re-declare and carry bindings over, and the simulated actors.
// A scene's commands are few: boxing the big variants would only add
// indirection.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug, PartialEq)]
pub enum Command {
    /// One AMQP method on the playground's own channel.
    Amqp(Op),
    /// Deletes exchange `name` and declares `decl` (maybe under a new name),
    /// carrying its bindings (both ways) and its producers over.
    RedeclareExchange {
        /// The exchange edited.
        name: String,
        /// What it becomes.
        decl: ExchangeDeclare,
    },
    /// Deletes queue `name` (its messages go with it) and declares `decl`,
    /// carrying its bindings and consumers over.
    RedeclareQueue {
        /// The queue edited.
        name: String,
        /// What it becomes.
        decl: QueueDeclare,
    },
    /// Replaces a binding: bind the new one, then unbind the old one.
    Rebind {
        /// The binding edited.
        old: BindingSpec,
        /// What it becomes.
        new: BindingSpec,
    },
    /// Adds a simulated producer.
    AddProducer(ProducerSpec),
    /// Adds a simulated consumer.
    AddConsumer(ConsumerSpec),
    /// Replaces a producer (a restarted process with new settings); a
    /// change of rate alone keeps it running.
    UpdateProducer {
        /// Its current name.
        name: String,
        /// Its new spec.
        spec: ProducerSpec,
    },
    /// Replaces a consumer: its connection closes, so the broker requeues
    /// what it held, and a new process starts with the new settings.
    UpdateConsumer {
        /// Its current name.
        name: String,
        /// Its new spec.
        spec: ConsumerSpec,
    },
    /// `queue.declare` of a server-named queue (`decl.queue` is `""`) whose
    /// generated name later commands call `alias` (`$reply`), as in a
    /// scenario's `"as"`: a lesson declares the queue in one step and uses
    /// it in the next.
    DeclareQueueAs {
        /// The declaration.
        decl: QueueDeclare,
        /// The name later commands use for it.
        alias: String,
    },
    /// Removes a producer or consumer (a consumer's unacked messages are
    /// requeued).
    RemoveActor(String),
    /// One publish by a producer (one message per routing key).
    PublishFrom(String),
    /// A producer's rate (messages per second; `None` = one-off).
    SetRate(String, Option<f64>),
    /// `basic.cancel` by a consumer.
    StopConsumer(String),
    /// A consumer consumes again.
    StartConsumer(String),
    /// A consumer's process dies.
    KillConsumer(String),
}

/// The methods the playground's forms and buttons send, with the
/// arguments a person leaves at their defaults.
impl Command {
    /// `exchange.declare` (never passive: a form declares).
    pub fn declare_exchange(decl: ExchangeDeclare) -> Self {
        Self::Amqp(Op::ExchangeDeclare(ExchangeDeclare {
            passive: false,
            ..decl
        }))
    }

    /// `exchange.delete` of `name`.
    pub fn delete_exchange(name: impl Into<String>) -> Self {
        Self::Amqp(Op::ExchangeDelete(ExchangeDelete {
            exchange: name.into(),
            if_unused: false,
        }))
    }

    /// `queue.declare` (never passive: a form declares).
    pub fn declare_queue(decl: QueueDeclare) -> Self {
        Self::Amqp(Op::QueueDeclare(QueueDeclare {
            passive: false,
            ..decl
        }))
    }

    /// `queue.delete` of `name`.
    pub fn delete_queue(name: impl Into<String>) -> Self {
        Self::Amqp(Op::QueueDelete(QueueDelete {
            queue: name.into(),
            ..QueueDelete::default()
        }))
    }

    /// `queue.purge` of `name`.
    pub fn purge_queue(name: impl Into<String>) -> Self {
        Self::Amqp(Op::QueuePurge(QueuePurge { queue: name.into() }))
    }

    /// `queue.bind` or `exchange.bind`.
    pub fn bind(b: &BindingSpec) -> Self {
        Self::Amqp(b.bind_op())
    }

    /// `queue.unbind` or `exchange.unbind`.
    pub fn unbind(b: &BindingSpec) -> Self {
        Self::Amqp(b.unbind_op())
    }

    /// `basic.publish`.
    pub fn publish(m: BasicPublish) -> Self {
        Self::Amqp(Op::BasicPublish(m))
    }

    /// Whether it changes what is persisted (topology, actors' specs).
    pub fn changes_scene(&self) -> bool {
        match self {
            Self::Amqp(op) => changes_topology(op),
            Self::PublishFrom(_) | Self::KillConsumer(_) => false,
            _ => true,
        }
    }

    /// A short description for the timeline.
    pub fn describe(&self) -> String {
        match self {
            Self::Amqp(op) => describe_op(op),
            Self::RedeclareExchange { name, decl } if *name == decl.exchange => {
                format!("re-declare exchange {name}")
            }
            Self::RedeclareExchange { name, decl } => {
                format!("rename exchange {name} to {}", decl.exchange)
            }
            Self::RedeclareQueue { name, decl } if *name == decl.queue => {
                format!("re-declare queue {name}")
            }
            Self::RedeclareQueue { name, decl } => {
                format!("rename queue {name} to {}", decl.queue)
            }
            Self::Rebind { new, .. } => {
                format!(
                    "edit binding {} → {} ({:?})",
                    new.source, new.destination, new.routing_key
                )
            }
            Self::DeclareQueueAs { alias, .. } => format!("declare server-named queue {alias}"),
            Self::AddProducer(p) => format!("add producer {}", p.name),
            Self::AddConsumer(c) => format!("add consumer {}", c.name),
            Self::UpdateProducer { name, .. } => format!("edit producer {name}"),
            Self::UpdateConsumer { name, .. } => format!("edit consumer {name}"),
            Self::RemoveActor(n) => format!("remove {n}"),
            Self::PublishFrom(n) => format!("{n} publishes"),
            Self::SetRate(n, Some(r)) => format!("{n} publishes {r}/s"),
            Self::SetRate(n, None) => format!("{n} stops its rate"),
            Self::StopConsumer(n) => format!("stop {n}"),
            Self::StartConsumer(n) => format!("start {n}"),
            Self::KillConsumer(n) => format!("kill {n}"),
        }
    }
}

/// Whether a method changes the topology a scene saves (declares, deletes,
/// bindings); messages, acks and purges do not.
fn changes_topology(op: &Op) -> bool {
    matches!(
        op,
        Op::ExchangeDeclare(_)
            | Op::ExchangeDelete(_)
            | Op::ExchangeBind(_)
            | Op::ExchangeUnbind(_)
            | Op::QueueDeclare(_)
            | Op::QueueDelete(_)
            | Op::QueueBind(_)
            | Op::QueueUnbind(_)
    )
}

/// A method for the timeline: the forms' methods in words, any other by
/// its AMQP name.
fn describe_op(op: &Op) -> String {
    match op {
        Op::ExchangeDeclare(d) => format!("declare exchange {}", d.exchange),
        Op::ExchangeDelete(d) => format!("delete exchange {}", d.exchange),
        Op::QueueDeclare(d) => format!("declare queue {}", d.queue),
        Op::QueueDelete(d) => format!("delete queue {}", d.queue),
        Op::QueuePurge(p) => format!("purge queue {}", p.queue),
        Op::QueueBind(b) => format!("bind {} → {} ({:?})", b.exchange, b.queue, b.routing_key),
        Op::ExchangeBind(b) => format!(
            "bind {} → {} ({:?})",
            b.source, b.destination, b.routing_key
        ),
        Op::QueueUnbind(b) => format!("unbind {} → {} ({:?})", b.exchange, b.queue, b.routing_key),
        Op::ExchangeUnbind(b) => format!(
            "unbind {} → {} ({:?})",
            b.source, b.destination, b.routing_key
        ),
        Op::BasicPublish(p) => format!("publish to {:?} with key {:?}", p.exchange, p.routing_key),
        other => other.name().to_owned(),
    }
}

/// Why a command was refused: the broker's reply (code and text), or the
/// simulation's or the playground's reason.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CommandError {
    /// The AMQP reply code, when the broker refused.
    pub code: Option<u16>,
    /// The reply text (`NOT_FOUND - no queue 'q' in vhost '/'`) or reason.
    pub text: String,
}

impl CommandError {
    /// A refusal with no AMQP reply code: the simulation's or the
    /// playground's reason.
    pub fn other(text: impl Into<String>) -> Self {
        Self {
            code: None,
            text: text.into(),
        }
    }
}

impl fmt::Display for CommandError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.code {
            Some(code) => write!(f, "{code} {}", self.text),
            None => f.write_str(&self.text),
        }
    }
}

impl From<Error> for CommandError {
    fn from(e: Error) -> Self {
        match e.amqp() {
            Some(a) => Self {
                code: Some(a.code.code()),
                text: a.text.clone(),
            },
            None => Self::other(e.to_string()),
        }
    }
}

impl From<SimError> for CommandError {
    fn from(e: SimError) -> Self {
        Self::other(e.to_string())
    }
}
