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

use crate::lesson::Lesson;
use crate::trace::{Trace, TraceEvent, TraceKind, TraceMessage};
use warren_core::methods::BasicGet;
use warren_core::{
    Broker, BrokerConfig, ChannelId, ConnectionId, ConsumerSpec, Event, EventKind, GetResult, Op,
    ProducerSpec, Reply, Simulation, OP_NAMES,
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
    pub(crate) fn at(path: impl Into<String>, message: impl Into<String>) -> Self {
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

/// What a step does: an AMQP method on its channel, or letting time pass.
// `basic.publish` is the big variant, and also the most common step:
// boxing it would cost an allocation on the hot path of every script.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum Action {
    /// An AMQP method, performed through [`Broker::apply`].
    Amqp(Op),
    /// Let virtual time pass (`{"op": "wait", "ms": 500}`).
    Wait {
        /// Milliseconds.
        ms: u64,
    },
}

impl Action {
    /// The `op` name.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Amqp(op) => op.name(),
            Self::Wait { .. } => "wait",
        }
    }

    fn parse(
        name: &str,
        mut fields: Map<String, Value>,
        path: &str,
    ) -> Result<Self, ScenarioError> {
        if name != "wait" {
            return Op::from_fields(name, fields)
                .map(Self::Amqp)
                .map_err(|e| match e.field {
                    Some(k) if k == "op" => ScenarioError::at(
                        format!("{path}.op"),
                        format!(
                            "unknown operation {name:?}; expected one of: {}, wait",
                            OP_NAMES.join(", ")
                        ),
                    ),
                    Some(k) => ScenarioError::at(format!("{path}.{k}"), e.message),
                    None => ScenarioError::at(path, e.message),
                });
        }
        let Some(ms) = fields.remove("ms") else {
            return Err(ScenarioError::at(path, "`wait` needs `ms`"));
        };
        let ms = ms
            .as_u64()
            .filter(|ms| *ms <= MAX_VIRTUAL_MS)
            .ok_or_else(|| {
                ScenarioError::at(
                    format!("{path}.ms"),
                    format!("expected milliseconds, an integer from 0 to {MAX_VIRTUAL_MS}"),
                )
            })?;
        if let Some(k) = fields.keys().next() {
            return Err(ScenarioError::at(
                format!("{path}.{k}"),
                format!("`wait` takes no field `{k}`"),
            ));
        }
        Ok(Self::Wait { ms })
    }

    /// The action as a step object, without its channel.
    fn to_value(&self) -> Value {
        match self {
            Self::Amqp(op) => op.to_value(),
            Self::Wait { ms } => serde_json::json!({ "op": "wait", "ms": ms }),
        }
    }
}

/// A step: an operation on a channel.
#[derive(Clone, Debug, PartialEq)]
pub struct Step {
    /// What it does.
    pub action: Action,
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
    /// The walk-through a learner follows, checked by [`crate::lesson::run`].
    pub lesson: Option<Lesson>,
    /// The broker's settings (`"broker": {"consumer_timeout": ms}`), as
    /// written; [`Scenario::broker_config`] reads them.
    pub broker: Option<Value>,
}

impl Step {
    /// The step as scenario JSON.
    pub fn to_value(&self) -> Value {
        let mut v = self.action.to_value();
        if let Value::Object(m) = &mut v {
            if self.connection != 1 {
                m.insert("connection".into(), self.connection.into());
            }
            if self.channel != 1 {
                m.insert("channel".into(), self.channel.into());
            }
            if let Some(a) = &self.alias {
                m.insert("as".into(), Value::String(a.clone()));
            }
        }
        v
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

pub(crate) fn parse_step(
    v: &Value,
    path: &str,
    aliases: &mut Vec<String>,
) -> Result<Step, ScenarioError> {
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
    let parsed = Action::parse(&op, fields, path)?;
    if let Some(a) = &alias {
        match &parsed {
            Action::Amqp(Op::QueueDeclare(d)) if d.queue.is_empty() => aliases.push(a.clone()),
            _ => {
                return Err(ScenarioError::at(
                    format!("{path}.as"),
                    "\"as\" names the generated queue of a queue.declare with \"queue\": \"\"",
                ))
            }
        }
    }
    Ok(Step {
        action: parsed,
        connection,
        channel,
        alias,
    })
}

/// `$.steps`, each checked; the aliases they define go into `aliases`.
fn parse_steps(
    steps: Option<&Value>,
    aliases: &mut Vec<String>,
) -> Result<Vec<Step>, ScenarioError> {
    let parsed = match steps {
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
            items
                .iter()
                .enumerate()
                .map(|(i, s)| parse_step(s, &format!("$.steps[{i}]"), aliases))
                .collect::<Result<_, _>>()?
        }
        Some(_) => return Err(ScenarioError::at("$.steps", "expected an array of steps")),
    };
    Ok(parsed)
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
            "lesson",
            "broker",
            // The playground's run so far (a share link's): read there only.
            "run",
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
        let mut aliases = Vec::new();
        let steps = parse_steps(obj.get("steps"), &mut aliases)?;
        let total_wait: u64 = steps
            .iter()
            .map(|s: &Step| match s.action {
                Action::Wait { ms } => ms,
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
            broker: object("broker")?,
            lesson: match obj.get("lesson") {
                None | Some(Value::Null) => None,
                Some(l) => Some(Lesson::parse(l, &mut aliases)?),
            },
        };
        scenario.actor_specs()?;
        scenario.broker_config()?;
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

    /// The broker settings of `"broker"`: `consumer_timeout` (ms, or
    /// `null` for none; RabbitMQ's 30 minutes if absent) and
    /// `channel_tick_interval` (ms; 60 s if absent).
    ///
    /// # Errors
    /// The path of an unknown field or a value that is not a count of ms.
    pub fn broker_config(&self) -> Result<BrokerConfig, ScenarioError> {
        let mut config = BrokerConfig::new();
        let Some(Value::Object(m)) = &self.broker else {
            return Ok(config);
        };
        for (k, v) in m {
            let path = format!("$.broker.{k}");
            let ms = || {
                v.as_u64()
                    .filter(|ms| (1..=MAX_VIRTUAL_MS).contains(ms))
                    .ok_or_else(|| {
                        ScenarioError::at(
                            &path,
                            format!("expected milliseconds, 1 to {MAX_VIRTUAL_MS}"),
                        )
                    })
            };
            config = match k.as_str() {
                "consumer_timeout" if v.is_null() => config.consumer_timeout(None),
                "consumer_timeout" => config.consumer_timeout(Some(ms()?)),
                "channel_tick_interval" => config.channel_tick_interval(ms()?),
                _ => {
                    return Err(ScenarioError::at(
                        path,
                        "unknown field; expected consumer_timeout, channel_tick_interval",
                    ))
                }
            };
        }
        Ok(config)
    }

    /// A fresh broker with the scenario's `definitions` loaded.
    ///
    /// # Errors
    /// The definitions' error, its path under `$.definitions`.
    pub fn broker(&self) -> Result<(Broker, Option<crate::ApplyReport>), crate::DefinitionsError> {
        // Checked when the scenario was read.
        let config = self.broker_config().unwrap_or_default();
        let mut broker = Broker::with_config(config);
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
        if let Some(l) = &self.lesson {
            m.insert("lesson".into(), l.to_value());
        }
        if let Some(b) = &self.broker {
            m.insert("broker".into(), b.clone());
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
    /// The broker's events as they are collected, while a lesson looks.
    observed: Option<Vec<Event>>,
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
            observed: None,
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

    /// Acts on the simulated actors (a lesson's publish, start, stop, ...),
    /// then records what clients received, as a step would, under `index`.
    pub fn with_sim<R>(&mut self, index: usize, f: impl FnOnce(&mut Simulation) -> R) -> R {
        let r = f(&mut self.sim);
        self.collect(index);
        r
    }

    /// Starts (or stops) keeping a copy of every broker event collected,
    /// for [`Runner::take_observed`].
    pub fn observe(&mut self, on: bool) {
        self.observed = on.then(Vec::new);
    }

    /// The events kept since [`Runner::observe`] or the last call.
    pub fn take_observed(&mut self) -> Vec<Event> {
        self.observed
            .as_mut()
            .map(std::mem::take)
            .unwrap_or_default()
    }

    /// The generated name an alias (`$reply`) stands for; any other string
    /// as it is.
    pub fn resolve_alias(&self, name: &str) -> String {
        self.aliases
            .get(name)
            .cloned()
            .unwrap_or_else(|| name.to_owned())
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
        match &step.action {
            Action::Wait { ms } => self.sim.run_for(*ms),
            Action::Amqp(op) => {
                let op = self.resolve(op);
                if let Some(kind) = self.perform(label, number, &op, step.alias.as_deref()) {
                    self.push(index, label, number, kind);
                }
            }
        }
        self.collect(index);
    }

    /// `op` with every alias replaced by the name it stands for.
    fn resolve(&self, op: &Op) -> Op {
        if self.aliases.is_empty() {
            return op.clone();
        }
        let mut v = op.to_value();
        substitute_aliases(&mut v, &self.aliases);
        // Cannot fail: parsing checked that every `$` string is an alias,
        // and replacing a string by a string keeps every field's type.
        serde_json::from_value(v).expect("an alias stands for a string")
    }

    /// Performs `op` as a client library would: a close needs a
    /// connection the client has (it never opens one to close it); any
    /// other method runs on the channel, opened first if the broker had
    /// closed it, which is all `channel.open` asks. Returns the reply the
    /// client reads, if any; an AMQP error surfaces as the channel-closed
    /// or connection-closed event that [`Runner::collect`] records.
    fn perform(
        &mut self,
        label: u32,
        number: u16,
        op: &Op,
        alias: Option<&str>,
    ) -> Option<TraceKind> {
        let ch = match op {
            Op::ChannelClose | Op::ConnectionClose => ChannelId {
                connection: *self.connections.get(&label)?,
                number,
            },
            _ => self.channel(label, number),
        };
        if matches!(op, Op::ChannelOpen) {
            return None;
        }
        match self.sim.with_broker(|b| b.apply(ch, op)).ok()? {
            Reply::ExchangeDeclareOk => Some(TraceKind::ExchangeDeclareOk),
            Reply::ExchangeDeleteOk => Some(TraceKind::ExchangeDeleteOk),
            Reply::QueueDeclareOk(ok) => {
                if let Some(a) = alias {
                    self.aliases.insert(a.to_owned(), ok.queue.clone());
                }
                Some(TraceKind::DeclareOk {
                    queue: ok.queue,
                    message_count: ok.message_count,
                    consumer_count: ok.consumer_count,
                })
            }
            Reply::QueuePurgeOk(n) => Some(TraceKind::PurgeOk { message_count: n }),
            Reply::QueueDeleteOk(n) => Some(TraceKind::DeleteOk { message_count: n }),
            Reply::ConsumeOk(tag) => Some(TraceKind::ConsumeOk { consumer_tag: tag }),
            // `basic.get`'s answer is recorded from its event, in order.
            _ => None,
        }
    }

    /// Turns the broker's events into what clients received. A reply
    /// (`declare-ok`, ...) recorded before this call precedes them, as on the wire.
    fn collect(&mut self, index: usize) {
        while let Some(ev) = self.sim.poll_event() {
            if let Some(seen) = &mut self.observed {
                seen.push(ev.clone());
            }
            let Some((to, kind)) = received(ev.kind) else {
                continue;
            };
            let (label, number) = match to {
                Receiver::Channel(ch) => (self.label_of(ch.connection), ch.number),
                // connection.close travels on channel 0.
                Receiver::Connection(c) => (self.label_of(c), 0),
            };
            self.push(index, label, number, kind);
        }
    }

    /// Drains every queue, in name order, with `basic.get` (auto-ack) on a
    /// fresh channel of connection 1 (of the owner for exclusive queues),
    /// as the recorder does on a real broker. A stream refuses `basic.get`
    /// and keeps what is read: its whole log is the final state, as the
    /// recorder reads it with a consumer from `first`.
    pub fn drain_queues(&mut self) -> BTreeMap<String, Vec<TraceMessage>> {
        const DRAIN_CHANNEL: u16 = 65_535;
        let mut out = BTreeMap::new();
        let names: Vec<(String, bool, bool)> = self
            .sim
            .broker()
            .queues()
            .into_iter()
            .map(|q| {
                let stream = q.config.queue_type == warren_core::QueueType::Stream;
                (q.name, q.exclusive, stream)
            })
            .collect();
        for (name, exclusive, stream) in names {
            if stream {
                let log = self.sim.broker().stream_log(&name);
                let msgs = log.iter().map(|m| TraceMessage::new(m, false)).collect();
                out.insert(name, msgs);
                continue;
            }
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

/// Where a client receives a frame: a channel, or a connection's channel 0.
enum Receiver {
    Channel(ChannelId),
    Connection(ConnectionId),
}

/// What a client receives for a broker event, if anything: a message or a
/// confirm (see [`message_received`]), or a close or cancel the broker
/// initiated (see [`close_received`]). Other events have no frame.
fn received(kind: EventKind) -> Option<(Receiver, TraceKind)> {
    match kind {
        k @ (EventKind::Delivered { .. }
        | EventKind::GetOk { .. }
        | EventKind::GetEmpty { .. }
        | EventKind::Returned { .. }
        | EventKind::Confirmed { .. }) => message_received(k),
        k => close_received(k),
    }
}

/// `basic.deliver`, `basic.get-ok`/`-empty`, `basic.return`, `basic.ack`.
fn message_received(kind: EventKind) -> Option<(Receiver, TraceKind)> {
    let (channel, kind) = match kind {
        EventKind::Delivered {
            channel,
            consumer_tag,
            delivery_tag,
            redelivered,
            message,
            ..
        } => {
            let message = TraceMessage::new(&message, redelivered);
            let deliver = TraceKind::Deliver {
                consumer_tag,
                delivery_tag,
                message,
            };
            (channel, deliver)
        }
        EventKind::GetOk {
            channel,
            delivery_tag,
            redelivered,
            message_count,
            message,
            ..
        } => {
            let message = TraceMessage::new(&message, redelivered);
            let get_ok = TraceKind::GetOk {
                delivery_tag,
                message_count,
                message,
            };
            (channel, get_ok)
        }
        EventKind::GetEmpty { channel, .. } => (channel, TraceKind::GetEmpty),
        EventKind::Returned {
            channel,
            reply_code,
            reply_text,
            message,
        } => {
            let m = TraceMessage::new(&message, false);
            let returned = TraceKind::Return {
                reply_code,
                reply_text,
                exchange: m.exchange,
                routing_key: m.routing_key,
                body: m.body,
                properties: m.properties,
            };
            (channel, returned)
        }
        EventKind::Confirmed {
            channel,
            delivery_tag,
            ack,
        } => {
            let confirm = TraceKind::Confirm {
                delivery_tag,
                multiple: false,
                ack,
            };
            (channel, confirm)
        }
        _ => return None,
    };
    Some((Receiver::Channel(channel), kind))
}

/// `basic.cancel` from the broker, and `channel.close` or
/// `connection.close` carrying an error. A close the client asked for has
/// no error and is not recorded (its `-ok` is not part of a trace).
fn close_received(kind: EventKind) -> Option<(Receiver, TraceKind)> {
    Some(match kind {
        EventKind::ConsumerCancelled {
            channel,
            consumer_tag,
            by_broker: true,
            ..
        } => (
            Receiver::Channel(channel),
            TraceKind::Cancel { consumer_tag },
        ),
        EventKind::ChannelClosed {
            channel,
            error: Some(e),
        } => (
            Receiver::Channel(channel),
            TraceKind::ChannelClosed {
                reply_code: e.reply_code,
                reply_text: e.reply_text,
                class_id: e.class_id,
                method_id: e.method_id,
            },
        ),
        EventKind::ConnectionClosed {
            connection,
            error: Some(e),
        } => (
            Receiver::Connection(connection),
            TraceKind::ConnectionClosed {
                reply_code: e.reply_code,
                reply_text: e.reply_text,
                class_id: e.class_id,
                method_id: e.method_id,
            },
        ),
        _ => return None,
    })
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
