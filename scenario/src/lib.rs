//! Files about a Warren broker: scenario scripts and the traces they
//! produce, RabbitMQ's `definitions.json`, and the lint that reviews a
//! topology before it reaches a broker.
//!
//! The broker itself is [`warren_core`]; this crate uses only its public
//! API, and the broker model does not depend on anything here (the crate
//! boundary holds that line; `tests/native/layering.rs` checks it).
//!
//! # Example
//!
//! ```
//! use warren_scenario::Scenario;
//!
//! let scenario = Scenario::from_json_str(r#"{
//!   "name": "hello",
//!   "steps": [
//!     {"op": "queue.declare", "queue": "hello"},
//!     {"op": "basic.publish", "routing_key": "hello", "body": "hi"},
//!     {"op": "basic.get", "queue": "hello", "auto_ack": true}
//!   ]
//! }"#)?;
//! let (broker, _) = scenario.broker().expect("no definitions");
//! let trace = warren_scenario::Runner::new(broker).run(&scenario);
//! assert!(trace.to_value().to_string().contains("get-ok"));
//! # Ok::<(), warren_scenario::ScenarioError>(())
//! ```
//!
//! - [`Scenario`] reads a scenario file (`docs/scenario.md`): a topology in
//!   `definitions.json` shape, a script of [`warren_core::Op`]s on numbered
//!   connections and channels, simulated actors and a layout.
//! - [`Runner`] performs a script through [`warren_core::Broker::apply`]
//!   and records what a client would receive as a [`Trace`], the shape the
//!   conformance recorder writes from a real RabbitMQ.
//! - [`Definitions`] reads, applies and exports `definitions.json`.
//! - [`lesson::run`] walks a scenario's lesson and checks what each step
//!   claims.
//! - [`lint::check`] finds mistakes in a topology.
#![deny(missing_docs)]

mod definitions;
pub mod lesson;
pub mod lint;
pub mod scenario;
pub mod trace;

pub use definitions::{
    Applied, ApplyReport, ApplyWarning, ApplyWarningKind, BindingDef, Definitions,
    DefinitionsError, DefinitionsErrorKind, DestinationType, ExchangeDef, Ignored, IgnoredReason,
    ObjectKind, PolicyDef, QueueDef, SkipReason, Skipped, RABBIT_VERSION,
};
pub use lesson::{Lesson, LessonReport, StepFailure};
pub use lint::{Finding, Severity};
pub use scenario::{Action, Runner, Scenario, ScenarioError, Step};
pub use trace::{normalise, Trace, TraceEvent, TraceKind, TraceMessage};
