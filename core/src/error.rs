//! AMQP errors: reply code, text, the method that failed, and whether the
//! channel or the whole connection closes.

use std::fmt;

/// An AMQP 0-9-1 reply code as RabbitMQ uses it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum ReplyCode {
    /// 312: a mandatory message could not be routed (a `basic.return`, not an error).
    NoRoute,
    /// 403: the operation is forbidden (default exchange, `amq.*` names, internal exchanges, exclusive use).
    AccessRefused,
    /// 404: the exchange or queue does not exist.
    NotFound,
    /// 405: another connection's exclusive queue.
    ResourceLocked,
    /// 406: a precondition failed (inequivalent redeclare, bad argument, unknown delivery tag...).
    PreconditionFailed,
    /// 503: an invalid command (3.10: unknown exchange type).
    CommandInvalid,
    /// 530: not allowed (consumer tag reuse).
    NotAllowed,
    /// 540: not implemented (`immediate`, `prefetch_size`, `basic.recover requeue=false`).
    NotImplemented,
    /// 541: the broker's process crashed on what it was sent (a stream
    /// offset or age it cannot read).
    InternalError,
}

impl ReplyCode {
    /// The numeric code.
    pub fn code(self) -> u16 {
        match self {
            Self::NoRoute => 312,
            Self::AccessRefused => 403,
            Self::NotFound => 404,
            Self::ResourceLocked => 405,
            Self::PreconditionFailed => 406,
            Self::CommandInvalid => 503,
            Self::NotAllowed => 530,
            Self::NotImplemented => 540,
            Self::InternalError => 541,
        }
    }

    /// The constant's name, which RabbitMQ puts at the start of reply texts.
    pub fn name(self) -> &'static str {
        match self {
            Self::NoRoute => "NO_ROUTE",
            Self::AccessRefused => "ACCESS_REFUSED",
            Self::NotFound => "NOT_FOUND",
            Self::ResourceLocked => "RESOURCE_LOCKED",
            Self::PreconditionFailed => "PRECONDITION_FAILED",
            Self::CommandInvalid => "COMMAND_INVALID",
            Self::NotAllowed => "NOT_ALLOWED",
            Self::NotImplemented => "NOT_IMPLEMENTED",
            Self::InternalError => "INTERNAL_ERROR",
        }
    }

    /// Whether the error closes the connection (a hard error) rather than the channel.
    pub fn is_hard(self) -> bool {
        matches!(
            self,
            Self::CommandInvalid | Self::NotAllowed | Self::NotImplemented | Self::InternalError
        )
    }
}

/// The AMQP method an operation stands for: `(class_id, method_id)` as in
/// the protocol spec, carried by `channel.close` and `connection.close`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[allow(missing_docs)]
pub enum Method {
    ExchangeDeclare,
    ExchangeDelete,
    ExchangeBind,
    ExchangeUnbind,
    QueueDeclare,
    QueueBind,
    QueuePurge,
    QueueDelete,
    QueueUnbind,
    BasicQos,
    BasicConsume,
    BasicCancel,
    BasicPublish,
    BasicGet,
    BasicAck,
    BasicReject,
    BasicRecover,
    BasicNack,
    ConfirmSelect,
    TxSelect,
    TxCommit,
    TxRollback,
    ChannelOpen,
    /// No method: an error the broker raises on its own (a consumer
    /// timeout), sent with class and method 0.
    None,
}

impl Method {
    /// `(class_id, method_id)`.
    pub fn ids(self) -> (u16, u16) {
        match self {
            Self::None => (0, 0),
            Self::ChannelOpen => (20, 10),
            Self::ExchangeDeclare => (40, 10),
            Self::ExchangeDelete => (40, 20),
            Self::ExchangeBind => (40, 30),
            Self::ExchangeUnbind => (40, 40),
            Self::QueueDeclare => (50, 10),
            Self::QueueBind => (50, 20),
            Self::QueuePurge => (50, 30),
            Self::QueueDelete => (50, 40),
            Self::QueueUnbind => (50, 50),
            Self::BasicQos => (60, 10),
            Self::BasicConsume => (60, 20),
            Self::BasicCancel => (60, 30),
            Self::BasicPublish => (60, 40),
            Self::BasicGet => (60, 70),
            Self::BasicAck => (60, 80),
            Self::BasicReject => (60, 90),
            Self::BasicRecover => (60, 110),
            Self::BasicNack => (60, 120),
            Self::ConfirmSelect => (85, 10),
            Self::TxSelect => (90, 10),
            Self::TxCommit => (90, 20),
            Self::TxRollback => (90, 30),
        }
    }

    /// The dotted AMQP name, e.g. `queue.declare`.
    pub fn name(self) -> &'static str {
        match self {
            Self::None => "none",
            Self::ChannelOpen => "channel.open",
            Self::ExchangeDeclare => "exchange.declare",
            Self::ExchangeDelete => "exchange.delete",
            Self::ExchangeBind => "exchange.bind",
            Self::ExchangeUnbind => "exchange.unbind",
            Self::QueueDeclare => "queue.declare",
            Self::QueueBind => "queue.bind",
            Self::QueuePurge => "queue.purge",
            Self::QueueDelete => "queue.delete",
            Self::QueueUnbind => "queue.unbind",
            Self::BasicQos => "basic.qos",
            Self::BasicConsume => "basic.consume",
            Self::BasicCancel => "basic.cancel",
            Self::BasicPublish => "basic.publish",
            Self::BasicGet => "basic.get",
            Self::BasicAck => "basic.ack",
            Self::BasicReject => "basic.reject",
            Self::BasicRecover => "basic.recover",
            Self::BasicNack => "basic.nack",
            Self::ConfirmSelect => "confirm.select",
            Self::TxSelect => "tx.select",
            Self::TxCommit => "tx.commit",
            Self::TxRollback => "tx.rollback",
        }
    }
}

/// A protocol error raised by the broker, closing the channel (soft) or the
/// connection (hard) exactly where RabbitMQ 3.10 does.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AmqpError {
    /// The reply code.
    pub code: ReplyCode,
    /// The full reply text, as RabbitMQ words it (`"NOT_FOUND - no queue 'q' in vhost '/'"`).
    pub text: String,
    /// The method that failed.
    pub method: Method,
}

impl AmqpError {
    /// Builds an error; `detail` is the part after `"CODE - "`.
    pub fn new(code: ReplyCode, method: Method, detail: impl fmt::Display) -> Self {
        let mut text = format!("{} - {}", code.name(), detail);
        // The reply text is an AMQP short string: RabbitMQ cuts it to 255
        // bytes, the last three being "...".
        if text.len() > 255 {
            let mut cut = 252;
            while !text.is_char_boundary(cut) {
                cut -= 1;
            }
            text.truncate(cut);
            text.push_str("...");
        }
        Self { code, text, method }
    }

    /// A crash of the channel process: RabbitMQ closes the connection
    /// with a bare `INTERNAL_ERROR`, naming no method.
    pub fn internal() -> Self {
        Self {
            code: ReplyCode::InternalError,
            text: ReplyCode::InternalError.name().to_owned(),
            method: Method::None,
        }
    }

    /// Whether the connection closes (else only the channel).
    pub fn is_hard(&self) -> bool {
        self.code.is_hard()
    }
}

impl fmt::Display for AmqpError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (class, method) = self.method.ids();
        write!(
            f,
            "{} {} on {} ({class}/{method}): {}",
            if self.is_hard() {
                "connection error"
            } else {
                "channel error"
            },
            self.code.code(),
            self.method.name(),
            self.text
        )
    }
}

impl std::error::Error for AmqpError {}

/// Misuse of the core's API that is not an AMQP error: the driver referred
/// to a connection or channel that is not open. A real client library
/// would not let this reach the wire.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum UsageError {
    /// The channel is not open.
    ChannelNotOpen(crate::ChannelId),
    /// The connection is not open.
    ConnectionNotOpen(crate::ConnectionId),
    /// The channel number is already open on that connection.
    ChannelAlreadyOpen(crate::ChannelId),
    /// An exchange name or routing key over 255 bytes: AMQP short strings
    /// cannot carry it, so no client can send it.
    ShortStrTooLong,
}

impl fmt::Display for UsageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::ChannelNotOpen(c) => write!(f, "channel {c} is not open"),
            Self::ConnectionNotOpen(c) => write!(f, "connection {c} is not open"),
            Self::ChannelAlreadyOpen(c) => write!(f, "channel {c} is already open"),
            Self::ShortStrTooLong => {
                f.write_str("exchange names and routing keys are limited to 255 bytes")
            }
        }
    }
}

impl std::error::Error for UsageError {}

/// What a broker command can fail with.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Error {
    /// The broker refused: the channel or connection has been closed.
    Amqp(AmqpError),
    /// The caller used a channel or connection that is not open.
    Usage(UsageError),
}

impl Error {
    /// The AMQP error, if this is one.
    pub fn amqp(&self) -> Option<&AmqpError> {
        match self {
            Self::Amqp(e) => Some(e),
            Self::Usage(_) => None,
        }
    }

    /// The reply code, if an AMQP error.
    pub fn code(&self) -> Option<u16> {
        self.amqp().map(|e| e.code.code())
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Amqp(e) => e.fmt(f),
            Self::Usage(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for Error {}

impl From<AmqpError> for Error {
    fn from(e: AmqpError) -> Self {
        Self::Amqp(e)
    }
}

impl From<UsageError> for Error {
    fn from(e: UsageError) -> Self {
        Self::Usage(e)
    }
}
