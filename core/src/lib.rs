//! Warren's broker model: a deterministic, sans-IO state machine that
//! behaves like a RabbitMQ 3.10 broker speaking AMQP 0-9-1.
#![deny(missing_docs)]

mod broker;
mod dead_letter;
mod definitions;
mod error;
mod event;
mod exchange;
mod explain;
mod headers;
mod idmap;
mod ids;
pub mod lint;
mod message;
pub mod methods;
mod policy;
mod queue;
mod rng;
pub mod scenario;
mod sim;
mod topic;
pub mod trace;
mod value;

pub use broker::{
    BindingInfo, Broker, BrokerConfig, ChannelInfo, ConsumerInfo, DeclareOk, ExchangeInfo,
    GetResult, Ledger, MessageInfo, QueueInfo, UnackedInfo,
};
pub use definitions::{
    Applied, ApplyReport, ApplyWarning, ApplyWarningKind, BindingDef, Definitions,
    DefinitionsError, DefinitionsErrorKind, DestinationType, ExchangeDef, Ignored, IgnoredReason,
    ObjectKind, PolicyDef, QueueDef, SkipReason, Skipped, RABBIT_VERSION,
};
pub use error::{AmqpError, Error, Method, ReplyCode, UsageError};
pub use event::{CloseReason, DeathReason, DropReason, Event, EventKind, QueueDeleteReason};
pub use exchange::ExchangeKind;
pub use explain::{BindingVerdict, Hop, HopVia, RouteExplanation};
pub use ids::{ChannelId, ConnectionId, MessageId, SimTime};
pub use lint::{Finding, Severity};
pub use message::{Message, Properties, MAX_MESSAGE_SIZE};
pub use policy::{ApplyTo, Policy, PolicyError, MODELLED_KEYS};
pub use queue::{Overflow, QueueConfig};
pub use rng::Rng;
pub use scenario::{Runner, Scenario, ScenarioError, Step};
pub use sim::{
    ActorId, ActorView, ConsumerPolicy, ConsumerSpec, ConsumerState, ConsumerView, InFlightView,
    ProducerSpec, ProducerView, SimConfig, SimError, Simulation,
};
pub use trace::{normalise, Trace, TraceEvent, TraceKind, TraceMessage};

pub use headers::{
    explain_headers, headers_match, validate_binding_args, ArgExplanation, ArgOutcome,
    HeadersExplanation, MatchMode,
};
pub use topic::{topic_matches, TopicTrie};
pub use value::{FieldTable, FieldValue};
