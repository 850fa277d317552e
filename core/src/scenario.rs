//! Scenario files: a topology plus a script of AMQP operations, runnable on
//! the core, in the playground, in tests and (by the conformance recorder)
//! on a real broker. The format is documented in `docs/scenario.md`.
//!
//! Parsing reads the whole document first, then checks each part, so an
//! error names the JSON path of the offending value (`$.steps[3].exchange`)
//! or, for malformed JSON, the line and column.

use std::collections::BTreeMap;
use std::fmt;

use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use crate::methods::*;
use crate::trace::{Trace, TraceEvent, TraceKind, TraceMessage};
use crate::{
    Broker, ChannelId, ConnectionId, ConsumerSpec, Error, EventKind, GetResult, ProducerSpec,
    Simulation,
};

/// Most steps a scenario may hold (a documented limit, so that absurd
/// inputs fail fast instead of exhausting memory).
pub const MAX_STEPS: usize = 100_000;

/// Most virtual time one scenario may span (a year), so that timers and
/// actors cannot be asked to simulate forever.
pub const MAX_VIRTUAL_MS: u64 = 365 * 24 * 3600 * 1000;

/// What went wrong reading a scenario, and where.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScenarioError {
    /// JSON path of the offending value (`$` for the whole document).
    pub path: String,
    /// Line of a syntax error (1-based), if the JSON itself is malformed.
    pub line: Option<usize>,
    /// Column of a syntax error (1-based).
    pub column: Option<usize>,
    /// What was expected.
    pub message: String,
}

impl ScenarioError {
    fn at(path: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            path: path.into(),
            line: None,
            column: None,
            message: message.into(),
        }
    }
}

impl fmt::Display for ScenarioError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.line, self.column) {
            (Some(l), Some(c)) => write!(f, "line {l}, column {c}: {}", self.message),
            _ => write!(f, "{}: {}", self.path, self.message),
        }
    }
}

impl std::error::Error for ScenarioError {}

/// One scripted operation.
// `basic.publish` is the big variant, and also the most common step:
// boxing it would cost an allocation on the hot path of every script.
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
    /// `channel.open`.
    ChannelOpen,
    /// `channel.close`.
    ChannelClose,
    /// `connection.close`.
    ConnectionClose,
    /// Let virtual time pass.
    Wait {
        /// Milliseconds.
        ms: u64,
    },
}

/// The operation names, as `op` spells them.
pub const OPS: &[&str] = &[
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
    "channel.open",
    "channel.close",
    "connection.close",
    "wait",
];

/// A step: an operation on a channel.
#[derive(Clone, Debug, PartialEq)]
pub struct Step {
    /// The operation.
    pub op: Op,
    /// Connection label (default 1).
    pub connection: u32,
    /// Channel number on that connection (default 1).
    pub channel: u16,
    /// For `queue.declare` of `""`: the alias (`$name`) later steps use for the generated name.
    pub alias: Option<String>,
}

/// A parsed scenario.
#[derive(Clone, Debug, PartialEq)]
pub struct Scenario {
    /// Name.
    pub name: String,
    /// What it shows or checks.
    pub description: String,
    /// The `definitions` object, as written (loaded before the first step).
    pub definitions: Option<Value>,
    /// The script.
    pub steps: Vec<Step>,
    /// Simulated producers and consumers, as written (the playground's).
    pub actors: Option<Value>,
    /// Node positions for the playground, as written.
    pub layout: Option<Value>,
}

fn from_fields<T: DeserializeOwned>(
    fields: Map<String, Value>,
    path: &str,
) -> Result<T, ScenarioError> {
    serde_json::from_value(Value::Object(fields))
        .map_err(|e| ScenarioError::at(path, e.to_string()))
}

impl Op {
    /// The `op` name.
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
            Self::ChannelOpen => "channel.open",
            Self::ChannelClose => "channel.close",
            Self::ConnectionClose => "connection.close",
            Self::Wait { .. } => "wait",
        }
    }

    fn parse(op: &str, fields: Map<String, Value>, path: &str) -> Result<Self, ScenarioError> {
        let no_fields = |fields: &Map<String, Value>| match fields.keys().next() {
            Some(k) => Err(ScenarioError::at(
                format!("{path}.{k}"),
                format!("`{op}` takes no field `{k}`"),
            )),
            None => Ok(()),
        };
        Ok(match op {
            "exchange.declare" => Self::ExchangeDeclare(from_fields(fields, path)?),
            "exchange.delete" => Self::ExchangeDelete(from_fields(fields, path)?),
            "exchange.bind" => Self::ExchangeBind(from_fields(fields, path)?),
            "exchange.unbind" => Self::ExchangeUnbind(from_fields(fields, path)?),
            "queue.declare" => Self::QueueDeclare(from_fields(fields, path)?),
            "queue.bind" => Self::QueueBind(from_fields(fields, path)?),
            "queue.unbind" => Self::QueueUnbind(from_fields(fields, path)?),
            "queue.purge" => Self::QueuePurge(from_fields(fields, path)?),
            "queue.delete" => Self::QueueDelete(from_fields(fields, path)?),
            "basic.qos" => Self::BasicQos(from_fields(fields, path)?),
            "basic.consume" => Self::BasicConsume(from_fields(fields, path)?),
            "basic.cancel" => Self::BasicCancel(from_fields(fields, path)?),
            "basic.publish" => Self::BasicPublish(from_fields(fields, path)?),
            "basic.get" => Self::BasicGet(from_fields(fields, path)?),
            "basic.ack" => Self::BasicAck(from_fields(fields, path)?),
            "basic.nack" => Self::BasicNack(from_fields(fields, path)?),
            "basic.reject" => Self::BasicReject(from_fields(fields, path)?),
            "basic.recover" => Self::BasicRecover(from_fields(fields, path)?),
            "confirm.select" => {
                no_fields(&fields)?;
                Self::ConfirmSelect
            }
            "channel.open" => {
                no_fields(&fields)?;
                Self::ChannelOpen
            }
            "channel.close" => {
                no_fields(&fields)?;
                Self::ChannelClose
            }
            "connection.close" => {
                no_fields(&fields)?;
                Self::ConnectionClose
            }
            "wait" => {
                let mut fields = fields;
                let ms = match fields.remove("ms") {
                    Some(v) => {
                        v.as_u64()
                            .filter(|ms| *ms <= MAX_VIRTUAL_MS)
                            .ok_or_else(|| {
                                ScenarioError::at(
                            format!("{path}.ms"),
                            format!("expected milliseconds, an integer from 0 to {MAX_VIRTUAL_MS}"),
                        )
                            })?
                    }
                    None => return Err(ScenarioError::at(path, "`wait` needs `ms`")),
                };
                no_fields(&fields)?;
                Self::Wait { ms }
            }
            other => {
                return Err(ScenarioError::at(
                    format!("{path}.op"),
                    format!(
                        "unknown operation {other:?}; expected one of: {}",
                        OPS.join(", ")
                    ),
                ))
            }
        })
    }

    fn fields(&self) -> Value {
        let v = match self {
            Self::ExchangeDeclare(m) => serde_json::to_value(m),
            Self::ExchangeDelete(m) => serde_json::to_value(m),
            Self::ExchangeBind(m) | Self::ExchangeUnbind(m) => serde_json::to_value(m),
            Self::QueueDeclare(m) => serde_json::to_value(m),
            Self::QueueBind(m) | Self::QueueUnbind(m) => serde_json::to_value(m),
            Self::QueuePurge(m) => serde_json::to_value(m),
            Self::QueueDelete(m) => serde_json::to_value(m),
            Self::BasicQos(m) => serde_json::to_value(m),
            Self::BasicConsume(m) => serde_json::to_value(m),
            Self::BasicCancel(m) => serde_json::to_value(m),
            Self::BasicPublish(m) => serde_json::to_value(m),
            Self::BasicGet(m) => serde_json::to_value(m),
            Self::BasicAck(m) => serde_json::to_value(m),
            Self::BasicNack(m) => serde_json::to_value(m),
            Self::BasicReject(m) => serde_json::to_value(m),
            Self::BasicRecover(m) => serde_json::to_value(m),
            Self::Wait { ms } => Ok(serde_json::json!({ "ms": ms })),
            _ => Ok(Value::Object(Map::new())),
        };
        v.unwrap_or(Value::Null)
    }
}

impl Step {
    /// The step as scenario JSON.
    pub fn to_value(&self) -> Value {
        let mut m = Map::new();
        m.insert("op".into(), Value::String(self.op.name().into()));
        if self.connection != 1 {
            m.insert("connection".into(), self.connection.into());
        }
        if self.channel != 1 {
            m.insert("channel".into(), self.channel.into());
        }
        if let Some(a) = &self.alias {
            m.insert("as".into(), Value::String(a.clone()));
        }
        if let Value::Object(fields) = self.op.fields() {
            m.extend(fields);
        }
        Value::Object(m)
    }
}

/// Every string that starts with `$` (outside `body`) must name an alias
/// defined by an earlier step.
fn check_aliases(v: &Value, path: &str, aliases: &[String]) -> Result<(), ScenarioError> {
    match v {
        Value::String(s) if s.starts_with('$') && s.len() > 1 && !aliases.contains(s) => {
            Err(ScenarioError::at(
                path,
                format!("unknown alias {s:?}: no earlier queue.declare has \"as\": {s:?}"),
            ))
        }
        Value::Array(items) => items
            .iter()
            .enumerate()
            .try_for_each(|(i, x)| check_aliases(x, &format!("{path}[{i}]"), aliases)),
        Value::Object(m) => m
            .iter()
            .filter(|(k, _)| !k.starts_with('$'))
            .try_for_each(|(k, x)| check_aliases(x, &format!("{path}.{k}"), aliases)),
        _ => Ok(()),
    }
}

fn substitute_aliases(v: &mut Value, aliases: &BTreeMap<String, String>) {
    match v {
        Value::String(s) => {
            if let Some(real) = aliases.get(s.as_str()) {
                *s = real.clone();
            }
        }
        Value::Array(items) => items
            .iter_mut()
            .for_each(|x| substitute_aliases(x, aliases)),
        Value::Object(m) => {
            for (k, x) in m.iter_mut() {
                if k != "body" && k != "as" {
                    substitute_aliases(x, aliases);
                }
            }
        }
        _ => {}
    }
}

fn parse_step(v: &Value, path: &str, aliases: &mut Vec<String>) -> Result<Step, ScenarioError> {
    let Value::Object(obj) = v else {
        return Err(ScenarioError::at(
            path,
            "expected a step object with an \"op\"",
        ));
    };
    let mut fields = obj.clone();
    let op = match fields.remove("op") {
        Some(Value::String(s)) => s,
        Some(_) => return Err(ScenarioError::at(format!("{path}.op"), "expected a string")),
        None => return Err(ScenarioError::at(path, "missing \"op\"")),
    };
    let num =
        |fields: &mut Map<String, Value>, key: &str, max: u64| -> Result<u64, ScenarioError> {
            match fields.remove(key) {
                None => Ok(1),
                Some(v) => v.as_u64().filter(|n| (1..=max).contains(n)).ok_or_else(|| {
                    ScenarioError::at(
                        format!("{path}.{key}"),
                        format!("expected an integer from 1 to {max}"),
                    )
                }),
            }
        };
    let connection = num(&mut fields, "connection", 10_000)? as u32;
    let channel = num(&mut fields, "channel", 65_534)? as u16;
    let alias = match fields.remove("as") {
        None => None,
        Some(Value::String(a)) if a.starts_with('$') && a.len() > 1 => Some(a),
        Some(_) => {
            return Err(ScenarioError::at(
                format!("{path}.as"),
                "expected an alias string starting with `$`, e.g. \"$reply\"",
            ))
        }
    };
    for (k, v) in &fields {
        if k != "body" {
            check_aliases(v, &format!("{path}.{k}"), aliases)?;
        }
    }
    let parsed = Op::parse(&op, fields, path)?;
    if let Some(a) = &alias {
        match &parsed {
            Op::QueueDeclare(d) if d.queue.is_empty() => aliases.push(a.clone()),
            _ => {
                return Err(ScenarioError::at(
                    format!("{path}.as"),
                    "\"as\" names the generated queue of a queue.declare with \"queue\": \"\"",
                ))
            }
        }
    }
    Ok(Step {
        op: parsed,
        connection,
        channel,
        alias,
    })
}

impl Scenario {
    /// Parses a scenario document.
    ///
    /// # Errors
    /// A [`ScenarioError`] with the line and column of malformed JSON, or
    /// the JSON path of a value that is not what the format expects.
    pub fn from_json_str(text: &str) -> Result<Self, ScenarioError> {
        let v: Value = serde_json::from_str(text).map_err(|e| ScenarioError {
            path: "$".into(),
            line: Some(e.line()),
            column: Some(e.column()),
            message: e.to_string(),
        })?;
        Self::from_value(&v)
    }

    /// Parses a scenario from JSON already read.
    ///
    /// # Errors
    /// As [`Scenario::from_json_str`], without positions.
    pub fn from_value(v: &Value) -> Result<Self, ScenarioError> {
        let Value::Object(obj) = v else {
            return Err(ScenarioError::at("$", "expected a scenario object"));
        };
        const KEYS: &[&str] = &[
            "name",
            "description",
            "definitions",
            "steps",
            "actors",
            "layout",
            "$schema",
        ];
        if let Some(k) = obj.keys().find(|k| !KEYS.contains(&k.as_str())) {
            return Err(ScenarioError::at(
                format!("$.{k}"),
                format!("unknown field; expected one of: {}", KEYS.join(", ")),
            ));
        }
        let text = |key: &str| -> Result<String, ScenarioError> {
            match obj.get(key) {
                None | Some(Value::Null) => Ok(String::new()),
                Some(Value::String(s)) => Ok(s.clone()),
                Some(_) => Err(ScenarioError::at(format!("$.{key}"), "expected a string")),
            }
        };
        let object = |key: &str| -> Result<Option<Value>, ScenarioError> {
            match obj.get(key) {
                None | Some(Value::Null) => Ok(None),
                Some(v @ Value::Object(_)) => Ok(Some(v.clone())),
                Some(_) => Err(ScenarioError::at(format!("$.{key}"), "expected an object")),
            }
        };
        let steps = match obj.get("steps") {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Array(items)) => {
                if items.len() > MAX_STEPS {
                    return Err(ScenarioError::at(
                        "$.steps",
                        format!(
                            "{} steps; a scenario may hold at most {MAX_STEPS}",
                            items.len()
                        ),
                    ));
                }
                let mut aliases = Vec::new();
                items
                    .iter()
                    .enumerate()
                    .map(|(i, s)| parse_step(s, &format!("$.steps[{i}]"), &mut aliases))
                    .collect::<Result<_, _>>()?
            }
            Some(_) => return Err(ScenarioError::at("$.steps", "expected an array of steps")),
        };
        let total_wait: u64 = steps
            .iter()
            .map(|s: &Step| match s.op {
                Op::Wait { ms } => ms,
                _ => 0,
            })
            .fold(0u64, u64::saturating_add);
        if total_wait > MAX_VIRTUAL_MS {
            return Err(ScenarioError::at(
                "$.steps",
                format!("waits add up to {total_wait} ms; a scenario may span at most {MAX_VIRTUAL_MS} ms"),
            ));
        }
        let scenario = Self {
            name: text("name")?,
            description: text("description")?,
            definitions: object("definitions")?,
            steps,
            actors: object("actors")?,
            layout: object("layout")?,
        };
        scenario.actor_specs()?;
        Ok(scenario)
    }

    /// The simulated producers and consumers of `actors`
    /// (`{"producers": [...], "consumers": [...]}`).
    ///
    /// # Errors
    /// The JSON path of the first malformed actor.
    pub fn actor_specs(&self) -> Result<(Vec<ProducerSpec>, Vec<ConsumerSpec>), ScenarioError> {
        let Some(actors) = &self.actors else {
            return Ok((Vec::new(), Vec::new()));
        };
        if let Some(k) = actors
            .as_object()
            .and_then(|m| m.keys().find(|k| *k != "producers" && *k != "consumers"))
        {
            return Err(ScenarioError::at(
                format!("$.actors.{k}"),
                "unknown field; expected producers, consumers",
            ));
        }
        fn list<T: DeserializeOwned>(
            v: Option<&Value>,
            path: &str,
        ) -> Result<Vec<T>, ScenarioError> {
            match v {
                None | Some(Value::Null) => Ok(Vec::new()),
                Some(Value::Array(items)) => items
                    .iter()
                    .enumerate()
                    .map(|(i, x)| {
                        serde_json::from_value(x.clone())
                            .map_err(|e| ScenarioError::at(format!("{path}[{i}]"), e.to_string()))
                    })
                    .collect(),
                Some(_) => Err(ScenarioError::at(path, "expected an array")),
            }
        }
        Ok((
            list(actors.get("producers"), "$.actors.producers")?,
            list(actors.get("consumers"), "$.actors.consumers")?,
        ))
    }

    /// A fresh broker with the scenario's `definitions` loaded.
    ///
    /// # Errors
    /// The definitions' error, its path under `$.definitions`.
    pub fn broker(&self) -> Result<(Broker, Option<crate::ApplyReport>), crate::DefinitionsError> {
        let mut broker = Broker::new();
        let Some(v) = &self.definitions else {
            return Ok((broker, None));
        };
        let defs =
            crate::Definitions::from_value(v).map_err(|e| e.nested_under("$.definitions"))?;
        let report = defs
            .apply(&mut broker)
            .map_err(|e| e.nested_under("$.definitions"))?;
        Ok((broker, Some(report)))
    }

    /// The scenario as JSON (stable: parse → write → parse gives the same scenario).
    pub fn to_value(&self) -> Value {
        let mut m = Map::new();
        m.insert("name".into(), Value::String(self.name.clone()));
        if !self.description.is_empty() {
            m.insert(
                "description".into(),
                Value::String(self.description.clone()),
            );
        }
        if let Some(d) = &self.definitions {
            m.insert("definitions".into(), d.clone());
        }
        m.insert(
            "steps".into(),
            Value::Array(self.steps.iter().map(Step::to_value).collect()),
        );
        if let Some(a) = &self.actors {
            m.insert("actors".into(), a.clone());
        }
        if let Some(l) = &self.layout {
            m.insert("layout".into(), l.clone());
        }
        Value::Object(m)
    }
}

/// Runs scenarios on a [`Broker`], producing [`Trace`]s.
///
/// Channels are opened on first use and reopened after the broker closed
/// them, as a client would; connection labels map to the broker's
/// connections the same way.
pub struct Runner {
    sim: Simulation,
    connections: BTreeMap<u32, ConnectionId>,
    aliases: BTreeMap<String, String>,
    events: Vec<TraceEvent>,
}

impl fmt::Debug for Runner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Runner")
            .field("connections", &self.connections)
            .finish_non_exhaustive()
    }
}

impl Runner {
    /// A runner on a broker (usually `Broker::new()`, with definitions applied).
    pub fn new(broker: Broker) -> Self {
        Self {
            sim: Simulation::new(broker, 0),
            connections: BTreeMap::new(),
            aliases: BTreeMap::new(),
            events: Vec::new(),
        }
    }

    /// The broker, for inspection.
    pub fn broker(&self) -> &Broker {
        self.sim.broker()
    }

    /// The simulation the steps run in (actors included).
    pub fn sim(&self) -> &Simulation {
        &self.sim
    }

    /// Drives the broker directly (the simulation then observes what happened).
    pub fn with_broker<R>(&mut self, f: impl FnOnce(&mut Broker) -> R) -> R {
        self.sim.with_broker(f)
    }

    /// Adds the scenario's simulated producers and consumers.
    ///
    /// # Errors
    /// The path and reason of the first actor the simulation refuses.
    pub fn add_actors(&mut self, scenario: &Scenario) -> Result<(), ScenarioError> {
        let (producers, consumers) = scenario.actor_specs()?;
        for (i, p) in producers.into_iter().enumerate() {
            self.sim.add_producer(p).map_err(|e| {
                ScenarioError::at(format!("$.actors.producers[{i}]"), e.to_string())
            })?;
        }
        for (i, c) in consumers.into_iter().enumerate() {
            self.sim.add_consumer(c).map_err(|e| {
                ScenarioError::at(format!("$.actors.consumers[{i}]"), e.to_string())
            })?;
        }
        Ok(())
    }

    fn connection(&mut self, label: u32) -> ConnectionId {
        if let Some(c) = self.connections.get(&label) {
            if self.sim.broker().is_connection_open(*c) {
                return *c;
            }
        }
        let c = self.sim.with_broker(Broker::open_connection);
        self.connections.insert(label, c);
        c
    }

    fn channel(&mut self, label: u32, number: u16) -> ChannelId {
        let conn = self.connection(label);
        let ch = ChannelId {
            connection: conn,
            number,
        };
        if !self.sim.broker().is_channel_open(ch) {
            // Cannot fail: the connection is open and the number is free.
            let _ = self.sim.with_broker(|b| b.open_channel(conn, number));
        }
        ch
    }

    fn label_of(&self, conn: ConnectionId) -> u32 {
        self.connections
            .iter()
            .find(|(_, c)| **c == conn)
            .map_or(0, |(l, _)| *l)
    }

    fn push(&mut self, step: usize, label: u32, channel: u16, kind: TraceKind) {
        self.events.push(TraceEvent {
            step,
            connection: label,
            channel,
            kind,
        });
    }

    /// Runs one step, recording what clients receive.
    pub fn step(&mut self, index: usize, step: &Step) {
        let (label, number) = (step.connection, step.channel);
        let mut reply = None;
        let op = self.resolve(step);
        match &op {
            Op::Wait { ms } => {
                self.sim.run_for(*ms);
            }
            Op::ConnectionClose => {
                if let Some(c) = self.connections.get(&label).copied() {
                    let _ = self.sim.with_broker(|b| b.close_connection(c));
                }
            }
            Op::ChannelClose => {
                if let Some(c) = self.connections.get(&label).copied() {
                    let ch = ChannelId {
                        connection: c,
                        number,
                    };
                    let _ = self.sim.with_broker(|b| b.close_channel(ch));
                }
            }
            _ => {
                let ch = self.channel(label, number);
                reply = self.execute(ch, &op, step.alias.as_deref());
            }
        }
        if let Some(kind) = reply {
            self.push(index, label, number, kind);
        }
        self.collect(index);
    }

    /// The step with every alias replaced by the name it stands for.
    fn resolve(&self, step: &Step) -> Op {
        if self.aliases.is_empty() {
            return step.op.clone();
        }
        let mut v = step.to_value();
        substitute_aliases(&mut v, &self.aliases);
        let mut fields = match v {
            Value::Object(m) => m,
            _ => return step.op.clone(),
        };
        fields.remove("op");
        fields.remove("connection");
        fields.remove("channel");
        fields.remove("as");
        Op::parse(step.op.name(), fields, "$").unwrap_or_else(|_| step.op.clone())
    }

    fn execute(&mut self, ch: ChannelId, op: &Op, alias: Option<&str>) -> Option<TraceKind> {
        let mut generated = None;
        let r: Result<Option<TraceKind>, Error> = self.sim.with_broker(|b| match op {
            Op::ExchangeDeclare(m) => b
                .exchange_declare(ch, m)
                .map(|_| Some(TraceKind::ExchangeDeclareOk)),
            Op::ExchangeDelete(m) => b
                .exchange_delete(ch, m)
                .map(|_| Some(TraceKind::ExchangeDeleteOk)),
            Op::ExchangeBind(m) => b.exchange_bind(ch, m).map(|_| None),
            Op::ExchangeUnbind(m) => b.exchange_unbind(ch, m).map(|_| None),
            Op::QueueDeclare(m) => b.queue_declare(ch, m).map(|ok| {
                generated = Some(ok.queue.clone());
                Some(TraceKind::DeclareOk {
                    queue: ok.queue,
                    message_count: ok.message_count,
                    consumer_count: ok.consumer_count,
                })
            }),
            Op::QueueBind(m) => b.queue_bind(ch, m).map(|_| None),
            Op::QueueUnbind(m) => b.queue_unbind(ch, m).map(|_| None),
            Op::QueuePurge(m) => b
                .queue_purge(ch, m)
                .map(|n| Some(TraceKind::PurgeOk { message_count: n })),
            Op::QueueDelete(m) => b
                .queue_delete(ch, m)
                .map(|n| Some(TraceKind::DeleteOk { message_count: n })),
            Op::BasicQos(m) => b.basic_qos(ch, m).map(|_| None),
            Op::BasicConsume(m) => b
                .basic_consume(ch, m)
                .map(|tag| Some(TraceKind::ConsumeOk { consumer_tag: tag })),
            Op::BasicCancel(m) => b.basic_cancel(ch, m).map(|_| None),
            Op::BasicPublish(m) => b.basic_publish(ch, m).map(|_| None),
            Op::BasicGet(m) => b.basic_get(ch, m).map(|_| None),
            Op::BasicAck(m) => b.basic_ack(ch, m).map(|_| None),
            Op::BasicNack(m) => b.basic_nack(ch, m).map(|_| None),
            Op::BasicReject(m) => b.basic_reject(ch, m).map(|_| None),
            Op::BasicRecover(m) => b.basic_recover(ch, m).map(|_| None),
            Op::ConfirmSelect => b.confirm_select(ch).map(|_| None),
            Op::ChannelOpen | Op::ChannelClose | Op::ConnectionClose | Op::Wait { .. } => Ok(None),
        });
        if let (Some(a), Some(name)) = (alias, generated) {
            self.aliases.insert(a.to_owned(), name);
        }
        // AMQP errors surface as channel-closed/connection-closed events.
        r.unwrap_or_default()
    }

    /// Turns the broker's events into what clients received. A reply
    /// (`declare-ok`, ...) recorded before this call precedes them, as on the wire.
    fn collect(&mut self, index: usize) {
        while let Some(ev) = self.sim.poll_event() {
            let at = |s: &Self, ch: ChannelId| (s.label_of(ch.connection), ch.number);
            let (l, n, kind) = match ev.kind {
                EventKind::Delivered {
                    channel,
                    consumer_tag,
                    delivery_tag,
                    redelivered,
                    message,
                    ..
                } => {
                    let (l, n) = at(self, channel);
                    let message = TraceMessage::new(&message, redelivered);
                    (
                        l,
                        n,
                        TraceKind::Deliver {
                            consumer_tag,
                            delivery_tag,
                            message,
                        },
                    )
                }
                EventKind::GetOk {
                    channel,
                    delivery_tag,
                    redelivered,
                    message_count,
                    message,
                    ..
                } => {
                    let (l, n) = at(self, channel);
                    let message = TraceMessage::new(&message, redelivered);
                    (
                        l,
                        n,
                        TraceKind::GetOk {
                            delivery_tag,
                            message_count,
                            message,
                        },
                    )
                }
                EventKind::GetEmpty { channel, .. } => {
                    let (l, n) = at(self, channel);
                    (l, n, TraceKind::GetEmpty)
                }
                EventKind::Returned {
                    channel,
                    reply_code,
                    reply_text,
                    message,
                } => {
                    let (l, n) = at(self, channel);
                    let m = TraceMessage::new(&message, false);
                    (
                        l,
                        n,
                        TraceKind::Return {
                            reply_code,
                            reply_text,
                            exchange: m.exchange,
                            routing_key: m.routing_key,
                            body: m.body,
                            properties: m.properties,
                        },
                    )
                }
                EventKind::Confirmed {
                    channel,
                    delivery_tag,
                    ack,
                } => {
                    let (l, n) = at(self, channel);
                    (
                        l,
                        n,
                        TraceKind::Confirm {
                            delivery_tag,
                            multiple: false,
                            ack,
                        },
                    )
                }
                EventKind::ConsumerCancelled {
                    channel,
                    consumer_tag,
                    by_broker: true,
                    ..
                } => {
                    let (l, n) = at(self, channel);
                    (l, n, TraceKind::Cancel { consumer_tag })
                }
                EventKind::ChannelClosed {
                    channel,
                    error: Some(e),
                } => {
                    let (l, n) = at(self, channel);
                    (
                        l,
                        n,
                        TraceKind::ChannelClosed {
                            reply_code: e.reply_code,
                            reply_text: e.reply_text,
                            class_id: e.class_id,
                            method_id: e.method_id,
                        },
                    )
                }
                EventKind::ConnectionClosed {
                    connection,
                    error: Some(e),
                } => (
                    // connection.close travels on channel 0.
                    self.label_of(connection),
                    0,
                    TraceKind::ConnectionClosed {
                        reply_code: e.reply_code,
                        reply_text: e.reply_text,
                        class_id: e.class_id,
                        method_id: e.method_id,
                    },
                ),
                _ => continue,
            };
            self.push(index, l, n, kind);
        }
    }

    /// Drains every queue, in name order, with `basic.get` (auto-ack) on a
    /// fresh channel of connection 1 (of the owner for exclusive queues),
    /// as the recorder does on a real broker.
    pub fn drain_queues(&mut self) -> BTreeMap<String, Vec<TraceMessage>> {
        const DRAIN_CHANNEL: u16 = 65_535;
        let mut out = BTreeMap::new();
        let names: Vec<(String, bool)> = self
            .sim
            .broker()
            .queues()
            .into_iter()
            .map(|q| (q.name, q.exclusive))
            .collect();
        for (name, exclusive) in names {
            let owner_label = if exclusive {
                self.exclusive_owner_label(&name).unwrap_or(1)
            } else {
                1
            };
            let ch = self.channel(owner_label, DRAIN_CHANNEL);
            let mut msgs = Vec::new();
            let get = BasicGet {
                queue: name.clone(),
                auto_ack: true,
            };
            while let Ok(GetResult::Ok {
                message,
                redelivered,
                ..
            }) = self.sim.with_broker(|b| b.basic_get(ch, &get))
            {
                msgs.push(TraceMessage::new(&message, redelivered));
            }
            let _ = self.sim.with_broker(|b| b.close_channel(ch));
            out.insert(name, msgs);
        }
        // Draining may have dead-lettered expired messages into queues
        // already drained; what the recorder sees is exactly this.
        while self.sim.poll_event().is_some() {}
        out
    }

    fn exclusive_owner_label(&self, queue: &str) -> Option<u32> {
        let owner = self.sim.broker().exclusive_owner(queue)?;
        Some(self.label_of(owner))
    }

    /// Runs every step and drains the queues: the scenario's trace. Actors
    /// (if any) run alongside: add them first with [`Runner::add_actors`].
    pub fn run(mut self, scenario: &Scenario) -> Trace {
        for (i, step) in scenario.steps.iter().enumerate() {
            self.step(i, step);
        }
        let queues = self.drain_queues();
        Trace {
            scenario: scenario.name.clone(),
            events: self.events,
            queues,
        }
    }

    /// The events recorded so far.
    pub fn events(&self) -> &[TraceEvent] {
        &self.events
    }
}

/// Scenario JSON Schema (draft 2020-12), kept beside `docs/scenario.md`.
pub fn schema() -> Value {
    serde_json::from_str(include_str!("../../docs/scenario.schema.json")).unwrap_or(Value::Null)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn syntax_errors_have_positions() {
        let e = Scenario::from_json_str("{\n \"steps\": [\n  {\"op\": }\n]}").unwrap_err();
        assert_eq!(e.line, Some(3));
        assert!(e.column.is_some());
    }

    #[test]
    fn semantic_errors_have_paths() {
        let e = Scenario::from_json_str(
            r#"{"steps": [{"op": "queue.declare"}, {"op": "basic.publsh"}]}"#,
        )
        .unwrap_err();
        assert_eq!(e.path, "$.steps[1].op");
        assert!(e.message.contains("basic.publish"), "{}", e.message);
        let e = Scenario::from_json_str(r#"{"steps": [{"op": "queue.declare", "queue": 5}]}"#)
            .unwrap_err();
        assert_eq!(e.path, "$.steps[0]");
        let e = Scenario::from_json_str(r#"{"steps": [{"op": "basic.get", "queue": "$nope"}]}"#)
            .unwrap_err();
        assert_eq!(e.path, "$.steps[0].queue");
        let e = Scenario::from_json_str(r#"{"steps": [{"op": "wait"}]}"#).unwrap_err();
        assert!(e.message.contains("ms"));
        let e = Scenario::from_json_str(r#"{"stepz": []}"#).unwrap_err();
        assert_eq!(e.path, "$.stepz");
    }

    #[test]
    fn steps_round_trip() {
        let text = r#"{"name": "t", "steps": [
            {"op": "queue.declare", "queue": "", "as": "$q", "exclusive": true},
            {"op": "basic.publish", "routing_key": "$q", "body": "x", "channel": 2},
            {"op": "wait", "ms": 5}, {"op": "confirm.select"}]}"#;
        let s = Scenario::from_json_str(text).unwrap();
        let again = Scenario::from_value(&s.to_value()).unwrap();
        assert_eq!(s, again);
    }

    #[test]
    fn runs_a_publish_and_a_consume() {
        let s = Scenario::from_json_str(
            r#"{"name": "t", "steps": [
            {"op": "queue.declare", "queue": "q"},
            {"op": "basic.publish", "routing_key": "q", "body": "one"},
            {"op": "basic.consume", "queue": "q", "consumer_tag": "c"},
            {"op": "basic.ack", "delivery_tag": 7},
            {"op": "basic.get", "queue": "q"}]}"#,
        )
        .unwrap();
        let t = Runner::new(Broker::new()).run(&s);
        let kinds: Vec<&str> = t
            .events
            .iter()
            .map(|e| match &e.kind {
                TraceKind::DeclareOk { .. } => "declare-ok",
                TraceKind::ConsumeOk { .. } => "consume-ok",
                TraceKind::Deliver { .. } => "deliver",
                TraceKind::ChannelClosed { .. } => "channel-closed",
                TraceKind::GetEmpty => "get-empty",
                _ => "other",
            })
            .collect();
        // The bad ack closes the channel, requeueing the message; the get
        // reopens the channel and takes it (redelivered).
        assert_eq!(
            kinds,
            [
                "declare-ok",
                "consume-ok",
                "deliver",
                "channel-closed",
                "other"
            ]
        );
        match &t.events[4].kind {
            TraceKind::GetOk { message, .. } => assert!(message.redelivered),
            other => panic!("{other:?}"),
        }
        assert_eq!(t.queues["q"], vec![]);
    }
}
