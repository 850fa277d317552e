//! The [`Command`]s a person can give the world, and why one was
//! refused ([`CommandError`]). Data only: `World::apply` carries them out.

use std::fmt;

use warren_core::methods::{BasicPublish, ExchangeDeclare, QueueDeclare};
use warren_core::{ConsumerSpec, Error, ProducerSpec, SimError};

use super::spec::BindingSpec;

/// What a person can do to the world. Commands are recorded on the
/// timeline with the virtual time they were given at, and replayed to
/// scrub: applying the same commands at the same times gives the same run.
#[derive(Clone, Debug, PartialEq)]
pub enum Command {
    /// `exchange.declare`.
    DeclareExchange(ExchangeDeclare),
    /// Deletes exchange `name` and declares `decl` (maybe under a new name),
    /// carrying its bindings (both ways) and its producers over.
    RedeclareExchange {
        /// The exchange edited.
        name: String,
        /// What it becomes.
        decl: ExchangeDeclare,
    },
    /// `exchange.delete`.
    DeleteExchange(String),
    /// `queue.declare`.
    DeclareQueue(QueueDeclare),
    /// Deletes queue `name` (its messages go with it) and declares `decl`,
    /// carrying its bindings and consumers over.
    RedeclareQueue {
        /// The queue edited.
        name: String,
        /// What it becomes.
        decl: QueueDeclare,
    },
    /// `queue.delete`.
    DeleteQueue(String),
    /// `queue.purge`.
    PurgeQueue(String),
    /// `queue.bind` or `exchange.bind`.
    Bind(BindingSpec),
    /// `queue.unbind` or `exchange.unbind`.
    Unbind(BindingSpec),
    /// Replaces a binding: bind the new one, then unbind the old one.
    Rebind {
        /// The binding edited.
        old: BindingSpec,
        /// What it becomes.
        new: BindingSpec,
    },
    /// One `basic.publish` on the playground's own channel.
    Publish(BasicPublish),
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

impl Command {
    /// Whether it changes what is persisted (topology, actors' specs).
    pub fn changes_scene(&self) -> bool {
        !matches!(
            self,
            Self::Publish(_) | Self::PublishFrom(_) | Self::PurgeQueue(_) | Self::KillConsumer(_)
        )
    }

    /// A short description for the timeline.
    pub fn describe(&self) -> String {
        match self {
            Self::DeclareExchange(d) => format!("declare exchange {}", d.exchange),
            Self::RedeclareExchange { name, decl } if *name == decl.exchange => {
                format!("re-declare exchange {name}")
            }
            Self::RedeclareExchange { name, decl } => {
                format!("rename exchange {name} to {}", decl.exchange)
            }
            Self::DeleteExchange(n) => format!("delete exchange {n}"),
            Self::DeclareQueue(d) => format!("declare queue {}", d.queue),
            Self::RedeclareQueue { name, decl } if *name == decl.queue => {
                format!("re-declare queue {name}")
            }
            Self::RedeclareQueue { name, decl } => {
                format!("rename queue {name} to {}", decl.queue)
            }
            Self::DeleteQueue(n) => format!("delete queue {n}"),
            Self::PurgeQueue(n) => format!("purge queue {n}"),
            Self::Bind(b) => format!(
                "bind {} → {} ({:?})",
                b.source, b.destination, b.routing_key
            ),
            Self::Unbind(b) => {
                format!(
                    "unbind {} → {} ({:?})",
                    b.source, b.destination, b.routing_key
                )
            }
            Self::Rebind { new, .. } => {
                format!(
                    "edit binding {} → {} ({:?})",
                    new.source, new.destination, new.routing_key
                )
            }
            Self::Publish(p) => format!("publish to {:?} with key {:?}", p.exchange, p.routing_key),
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
