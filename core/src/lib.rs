//! Warren's broker model: a deterministic, sans-IO state machine that
//! behaves like a RabbitMQ 3.10 broker speaking AMQP 0-9-1.
//!
//! This crate does no I/O, reads no clock and draws no OS randomness. Time
//! is virtual ([`SimTime`], milliseconds) and passed in by the caller;
//! server-generated names come from a seed. The same inputs give the same
//! outputs on every platform, natively and in wasm32, which is what lets
//! the playground replay a run to scrub its timeline, and lets every
//! behaviour be checked against traces recorded on a real RabbitMQ.
//!
//! # Example
//!
//! The order flow Warren's playground opens on: one direct exchange, two
//! queues, a consumer with prefetch 1.
//!
//! ```
//! use warren_core::{methods::*, Broker, EventKind, FieldTable};
//!
//! let mut broker = Broker::new();
//! let shop = broker.connect();
//! broker.exchange_declare(shop, &ExchangeDeclare {
//!     exchange: "order".into(), exchange_type: Some("direct".into()), ..Default::default()
//! })?;
//! for (queue, key) in [("order_notify", "order.notify"), ("order_report", "order.report")] {
//!     broker.queue_declare(shop, &QueueDeclare { queue: queue.into(), ..Default::default() })?;
//!     broker.queue_bind(shop, &QueueBind {
//!         queue: queue.into(), exchange: "order".into(), routing_key: key.into(), ..Default::default()
//!     })?;
//! }
//! let mailer = broker.connect();
//! broker.basic_qos(mailer, &BasicQos { prefetch_count: 1, ..Default::default() })?;
//! broker.basic_consume(mailer, &BasicConsume {
//!     queue: "order_notify".into(), consumer_tag: "mailer".into(), ..Default::default()
//! })?;
//! for key in ["order.notify", "order.report", "order.notify"] {
//!     broker.basic_publish(shop, &BasicPublish {
//!         exchange: "order".into(), routing_key: key.into(), body: "{}".into(), ..Default::default()
//!     })?;
//! }
//! // Prefetch 1: the mailer holds one message, the second waits in the queue.
//! assert_eq!(broker.queue("order_notify").unwrap().ready, 1);
//! assert_eq!(broker.queue("order_report").unwrap().ready, 1);
//! // Acknowledging frees the slot: the waiting message is delivered at once.
//! broker.basic_ack(mailer, &BasicAck { delivery_tag: 1, multiple: false })?;
//! let delivered = broker
//!     .drain_events()
//!     .into_iter()
//!     .filter(|e| matches!(e.kind, EventKind::Delivered { .. }))
//!     .count();
//! assert_eq!(delivered, 2);
//! // Why did order.report go where it went?
//! let why = broker.explain_route("order", "order.report", &FieldTable::new());
//! assert_eq!(why.queues, ["order_report"]);
//! # Ok::<(), warren_core::Error>(())
//! ```
//!
//! # Semantics
//!
//! RabbitMQ 3.10.8 is the reference (`docs/conformance.md` lists where 4.x
//! differs). Some rules people often get wrong, all implemented and checked
//! against recordings:
//! - topic keys split on every `.`; `*` is exactly one word (possibly empty),
//!   `#` zero or more, anywhere; `""` is zero words, matched only by `""`
//!   and bindings made of `#`s;
//! - a queue gets one copy of a publish however many bindings, `CC`/`BCC`
//!   keys or exchange-to-exchange paths lead to it; each exchange is visited
//!   once per publish, so cycles are harmless; an alternate exchange is
//!   consulted only when an exchange's own bindings matched nothing;
//! - a requeued message goes back to its original position, marked
//!   redelivered; closing a channel requeues its unacked messages,
//!   cancelling a consumer does not;
//! - `x-max-length` counts ready messages only and `drop-head` drops the
//!   oldest; `reject-publish` refuses before delivery, even with a consumer
//!   waiting; TTL expires messages only at the head of a classic queue;
//! - dead-lettering keeps an `x-death` header per (queue, reason) and drops
//!   cycles made only of automatic deaths;
//! - every error carries RabbitMQ's reply code and text and closes the
//!   channel or the connection exactly where RabbitMQ does.
//!
//! # How it works
//!
//! [`Broker`] is the state machine: AMQP commands (one method per AMQP
//! method, taking the arguments pika names) act at the current virtual
//! time and return the method's reply or an [`Error`]; [`Broker::advance_to`]
//! moves time and fires due timers in order; [`Broker::poll_event`] drains
//! what happened ([`Event`]); [`Broker::poll_timeout`] says when the next
//! timer is due. Every method also exists as data, an [`Op`], which
//! [`Broker::apply`] performs: the one way in for scripts, imports and the
//! playground's commands. [`Simulation`] adds producers and consumers on
//! the same clock. [`Broker::check_invariants`] verifies, among other
//! things, that every copy of every message is in exactly one place.
//!
//! Files about a broker (scenario scripts and their traces, RabbitMQ's
//! `definitions.json`, the topology lint) live in the `warren-scenario`
//! crate, which uses only this crate's public API: the broker model cannot
//! depend on them.
#![deny(missing_docs)]

mod broker;
mod dead_letter;
mod error;
mod event;
mod exchange;
mod explain;
mod headers;
mod idmap;
mod ids;
mod message;
pub mod methods;
pub mod names;
mod op;
mod policy;
mod queue;
mod queue_type;
mod rng;
mod sim;
pub mod stats;
mod stream;
mod topic;
mod value;

pub use broker::{
    BindingInfo, Broker, BrokerConfig, ChannelInfo, ConsumerInfo, DeclareOk, ExchangeInfo,
    GetResult, Ledger, MessageInfo, QueueInfo, UnackedInfo,
};
pub use error::{AmqpError, Error, Method, ReplyCode, UsageError};
pub use event::{CloseReason, DeathReason, DropReason, Event, EventKind, QueueDeleteReason};
pub use exchange::ExchangeKind;
pub use explain::{BindingVerdict, Hop, HopVia, RouteExplanation};
pub use ids::{ChannelId, ConnectionId, MessageId, SimTime};
pub use message::{Message, Properties, MAX_MESSAGE_SIZE};
pub use op::{Op, OpError, Reply, OP_NAMES};
pub use policy::{ApplyTo, Policy, PolicyError, MODELLED_KEYS};
pub use queue::{InvalidArgument, Overflow, QueueConfig};
pub use queue_type::{QueueType, DELIVERY_COUNT_HEADER};
pub use rng::Rng;
pub use sim::{
    ActorId, ActorView, ConsumerPolicy, ConsumerSpec, ConsumerState, ConsumerView, InFlightView,
    ProducerSpec, ProducerView, SimConfig, SimError, Simulation,
};
pub use stream::OFFSET_HEADER as STREAM_OFFSET_HEADER;

pub use headers::{
    explain_headers, headers_match, validate_binding_args, ArgExplanation, ArgOutcome,
    HeadersExplanation, MatchMode,
};
pub use topic::{topic_matches, TopicTrie};
pub use value::{FieldTable, FieldValue};
