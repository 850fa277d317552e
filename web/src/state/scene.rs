//! Scenes: scenario files (`docs/scenario.md`) the playground starts from,
//! built in, imported or restored, and the current scene written back as
//! one, so that what a person builds survives a reload and runs in
//! `warren run`.
//!
//! The playground reads and writes the format itself rather than through
//! the core's `Scenario` and `Definitions`: those validate everything a
//! real import would (policies with their regular expressions, every
//! scripted operation) and cost about 90 KB of compressed wasm, a third of
//! the page's budget. What the playground needs is small: topology (which
//! it declares through the broker, so the broker still judges every
//! object), actors, layout, and topology steps. Anything else is refused
//! with its JSON path, never half-loaded. The native tests check that the
//! core reads every file written here.

use std::rc::Rc;

use serde_json::{Map, Value};
use warren_core::methods::{
    BasicPublish, ExchangeBind, ExchangeDeclare, ExchangeDelete, QueueBind, QueueDeclare,
    QueueDelete, QueuePurge,
};
use warren_core::{
    Broker, BrokerConfig, ChannelId, ConsumerPolicy, ConsumerSpec, FieldTable, Op, ProducerSpec,
    Properties,
};

use super::command::CommandError;
use super::spec::{ActorSpec, Layout};

pub mod lesson;
pub mod run;

pub use lesson::Lesson;

/// A scene shipped with the playground.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BuiltIn {
    /// Identifier (`order-flow`).
    pub id: &'static str,
    /// Menu label.
    pub label: &'static str,
    /// The scenario file.
    pub json: &'static str,
}

/// A lesson of the gallery. Its file, `web/scenes/<id>.json`, is not in
/// the wasm: the page fetches `scenes/<id>.json` (trunk copies the folder
/// into `dist/`) when the learner opens it, so eleven lessons cost the page
/// nothing until one is wanted, and `warren run` reads the very same file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LessonEntry {
    /// The file's name without `.json`.
    pub id: &'static str,
    /// The gallery's title.
    pub label: &'static str,
    /// The gallery's one line about it.
    pub blurb: &'static str,
}

impl LessonEntry {
    /// The file's address, relative to the page (so any path prefix works).
    pub fn url(&self) -> String {
        format!("scenes/{}.json", self.id)
    }
}

/// The gallery, in its order: the tutorial Warren grew from, RabbitMQ's
/// six tutorials, then patterns.
pub const LESSONS: &[LessonEntry] = &[
    LessonEntry {
        id: "lesson-order-flow",
        label: "The tutorial's order flow",
        blurb: "Publish before any queue exists, then bind, stop, restart and kill the workers.",
    },
    LessonEntry {
        id: "lesson-hello-world",
        label: "1. Hello World",
        blurb: "A sender and a receiver meet at the queue hello, through the default exchange.",
    },
    LessonEntry {
        id: "lesson-work-queues",
        label: "2. Work queues",
        blurb:
            "Round-robin, then fair dispatch with prefetch 1, acks after work, a worker that dies.",
    },
    LessonEntry {
        id: "lesson-publish-subscribe",
        label: "3. Publish/Subscribe",
        blurb: "A fanout exchange copies every log to each subscriber's server-named queue.",
    },
    LessonEntry {
        id: "lesson-routing",
        label: "4. Routing",
        blurb: "A direct exchange routes logs by severity: info, warning, error.",
    },
    LessonEntry {
        id: "lesson-topics",
        label: "5. Topics",
        blurb: "Patterns with * for one word and # for zero or more, on kern.critical and friends.",
    },
    LessonEntry {
        id: "lesson-rpc",
        label: "6. RPC",
        blurb: "A request with reply_to and correlation_id, and the answer in a reply queue.",
    },
    LessonEntry {
        id: "lesson-retry-ttl",
        label: "Retry later with a TTL",
        blurb: "Rejected jobs wait in a dead-letter queue whose TTL sends them back.",
    },
    LessonEntry {
        id: "lesson-poison-message",
        label: "A poison message",
        blurb: "A quorum queue counts each return and dead-letters past its delivery limit.",
    },
    LessonEntry {
        id: "lesson-stream-replay",
        label: "A stream read twice",
        blurb: "A log that consuming does not shrink: each consumer reads it from its own offset.",
    },
    LessonEntry {
        id: "lesson-priority",
        label: "A priority queue",
        blurb: "With x-max-priority, an urgent message overtakes the ones waiting.",
    },
    LessonEntry {
        id: "lesson-alternate-exchange",
        label: "An alternate exchange",
        blurb: "Messages the exchange cannot route are caught instead of dropped.",
    },
    LessonEntry {
        id: "lesson-headers",
        label: "Headers routing",
        blurb: "Route by headers, not keys: x-match all needs every header, any just one.",
    },
];

/// Scenes in the menu; the first is the default.
pub const BUILT_IN: &[BuiltIn] = &[
    BuiltIn {
        id: "order-flow",
        label: "Order flow (the tutorial)",
        json: include_str!("../../scenes/order-flow.json"),
    },
    BuiltIn {
        id: "topic-logs",
        label: "Topic routing: logs by severity",
        json: include_str!("../../scenes/topic-logs.json"),
    },
    BuiltIn {
        id: "dead-letters",
        label: "Dead letters, TTL and an alternate exchange",
        json: include_str!("../../scenes/dead-letters.json"),
    },
];

/// A parsed scene.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Scene {
    /// Name.
    pub name: String,
    /// What it shows.
    pub description: String,
    /// The topology (definitions first, then the steps) as the core's
    /// operations, each with the JSON path it came from: loading performs
    /// them through `Broker::apply`, like `warren run` and an import.
    pub ops: Vec<(String, Op)>,
    /// Simulated producers.
    pub producers: Vec<ProducerSpec>,
    /// Simulated consumers.
    pub consumers: Vec<ConsumerSpec>,
    /// Node positions.
    pub layout: Layout,
    /// What was read but not applied (policies, other virtual hosts).
    pub ignored: Vec<String>,
    /// The walk-through, if the scene has one.
    pub lesson: Option<Rc<Lesson>>,
    /// `"broker"`: the broker's settings (consumer timeout), with the
    /// object as read for writing back.
    pub broker: Option<(BrokerConfig, Value)>,
    /// `"run"` as read (checked by [`run::parse`] when the scene is read,
    /// read again when the scene opens): the run so far, a share link's
    /// option. Kept as JSON so that a scene compares and prints without
    /// the commands' own comparison and printing code in the wasm.
    pub run: Option<Rc<Value>>,
}

/// The default scene.
pub fn default_scene() -> Scene {
    built_in(BUILT_IN[0].id).unwrap_or_default()
}

/// A built-in scene by id.
pub fn built_in(id: &str) -> Option<Scene> {
    let b = BUILT_IN.iter().find(|b| b.id == id)?;
    parse(b.json).ok()
}

// ---- reading

type R<T> = Result<T, String>;

fn err<T>(path: &str, what: impl std::fmt::Display) -> R<T> {
    Err(format!("{path}: {what}"))
}

/// Fields of one JSON object, taken one by one; whatever is left over is
/// an unknown field, refused as the core refuses it (a typo should not
/// silently mean "default").
struct Obj {
    path: String,
    map: Map<String, Value>,
}

impl Obj {
    /// Takes the object by value: its fields are moved out, never copied
    /// (a copy of the map costs B-tree clone code in the wasm).
    fn new(v: Value, path: &str) -> R<Self> {
        match v {
            Value::Object(map) => Ok(Self {
                path: path.to_owned(),
                map,
            }),
            _ => err(path, "expected an object"),
        }
    }

    fn at(&self, key: &str) -> String {
        format!("{}.{key}", self.path)
    }

    fn take(&mut self, key: &str) -> Option<Value> {
        self.map.remove(key).filter(|v| !v.is_null())
    }

    fn str(&mut self, key: &str) -> R<Option<String>> {
        match self.take(key) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(_) => err(&self.at(key), "expected a string"),
        }
    }

    fn string(&mut self, key: &str) -> R<String> {
        Ok(self.str(key)?.unwrap_or_default())
    }

    fn bool(&mut self, key: &str, default: bool) -> R<bool> {
        match self.take(key) {
            None => Ok(default),
            Some(Value::Bool(b)) => Ok(b),
            Some(_) => err(&self.at(key), "expected true or false"),
        }
    }

    fn uint(&mut self, key: &str) -> R<Option<u64>> {
        match self.take(key) {
            None => Ok(None),
            Some(v) => v
                .as_u64()
                .map(Some)
                .ok_or_else(|| format!("{}: expected a whole number", self.at(key))),
        }
    }

    fn int(&mut self, key: &str) -> R<Option<i64>> {
        match self.take(key) {
            None => Ok(None),
            Some(v) => v
                .as_i64()
                .map(Some)
                .ok_or_else(|| format!("{}: expected a whole number", self.at(key))),
        }
    }

    fn small<T: TryFrom<u64>>(&mut self, key: &str) -> R<Option<T>> {
        match self.uint(key)? {
            None => Ok(None),
            Some(n) => T::try_from(n)
                .map(Some)
                .map_err(|_| format!("{}: {n} is out of range", self.at(key))),
        }
    }

    fn table(&mut self, key: &str) -> R<FieldTable> {
        match self.take(key) {
            None => Ok(FieldTable::new()),
            Some(v) => FieldTable::from_json(&v).map_err(|e| format!("{}: {e}", self.at(key))),
        }
    }

    fn list(&mut self, key: &str) -> R<Vec<Value>> {
        match self.take(key) {
            None => Ok(Vec::new()),
            Some(Value::Array(items)) => Ok(items),
            Some(_) => err(&self.at(key), "expected an array"),
        }
    }

    fn done(self) -> R<()> {
        match self.map.keys().next() {
            None => Ok(()),
            Some(k) => err(&format!("{}.{k}", self.path), "unknown field"),
        }
    }

    /// Drops fields the playground reads past (`vhost`).
    fn skip(&mut self, key: &str) {
        self.map.remove(key);
    }
}

fn properties(v: Value, path: &str) -> R<Properties> {
    let mut o = Obj::new(v, path)?;
    let headers = match o.take("headers") {
        None => None,
        Some(h) => Some(FieldTable::from_json(&h).map_err(|e| format!("{path}.headers: {e}"))?),
    };
    let p = Properties {
        content_type: o.str("content_type")?,
        content_encoding: o.str("content_encoding")?,
        headers,
        delivery_mode: o.small("delivery_mode")?,
        priority: o.small("priority")?,
        correlation_id: o.str("correlation_id")?,
        reply_to: o.str("reply_to")?,
        expiration: o.str("expiration")?,
        message_id: o.str("message_id")?,
        timestamp: o.uint("timestamp")?,
        kind: o.str("type")?,
        user_id: o.str("user_id")?,
        app_id: o.str("app_id")?,
        cluster_id: o.str("cluster_id")?,
    };
    o.done()?;
    Ok(p)
}

fn producer(v: Value, path: &str) -> R<ProducerSpec> {
    let mut o = Obj::new(v, path)?;
    let more = o
        .list("more_routing_keys")?
        .into_iter()
        .enumerate()
        .map(|(i, k)| match k {
            Value::String(s) => Ok(s),
            _ => err(
                &format!("{path}.more_routing_keys[{i}]"),
                "expected a string",
            ),
        })
        .collect::<R<Vec<_>>>()?;
    let props = match o.take("properties") {
        None => Properties::default(),
        Some(p) => properties(p, &o.at("properties"))?,
    };
    let rate = match o.take("rate_per_sec") {
        None => None,
        Some(v) => Some(
            v.as_f64()
                .ok_or_else(|| format!("{path}.rate_per_sec: expected a number"))?,
        ),
    };
    let p = ProducerSpec {
        name: o.string("name")?,
        button: o.string("button")?,
        exchange: o.string("exchange")?,
        routing_key: o.string("routing_key")?,
        more_routing_keys: more,
        headers: o.table("headers")?,
        properties: props,
        body: o.string("body")?,
        mandatory: o.bool("mandatory", false)?,
        rate_per_sec: rate,
        count: o.uint("count")?,
        start_ms: o.uint("start_ms")?.unwrap_or(0),
        confirm: o.bool("confirm", false)?,
    };
    o.done()?;
    Ok(p)
}

fn consumer(v: Value, path: &str) -> R<ConsumerSpec> {
    let mut o = Obj::new(v, path)?;
    let policy = match o.str("policy")? {
        None => ConsumerPolicy::Ack,
        Some(s) => ConsumerPolicy::from_name(&s).ok_or_else(|| {
            format!("{path}.policy: unknown policy {s:?}; expected ack, nack-requeue, nack-drop, reject-requeue, reject-drop or crash")
        })?,
    };
    let priority = o
        .int("priority")?
        .map(|p| i32::try_from(p).map_err(|_| format!("{path}.priority: out of range")))
        .transpose()?;
    let c = ConsumerSpec {
        name: o.string("name")?,
        queue: o.string("queue")?,
        consumer_tag: o.str("consumer_tag")?,
        prefetch: o.small("prefetch")?.unwrap_or(0),
        auto_ack: o.bool("auto_ack", false)?,
        priority,
        stream_offset: o
            .take("stream_offset")
            .map(|v| {
                warren_core::FieldValue::from_json(&v)
                    .map_err(|e| format!("{path}.stream_offset: {e}"))
            })
            .transpose()?,
        exclusive: o.bool("exclusive", false)?,
        processing_ms: o.uint("processing_ms")?.unwrap_or(0),
        jitter_ms: o.uint("jitter_ms")?.unwrap_or(0),
        policy,
        crash_after: o.small("crash_after")?,
        fail_every: o.small("fail_every")?,
        start: o.bool("start", true)?,
    };
    o.done()?;
    Ok(c)
}

/// A queue of `definitions.queues`, as the `queue.declare` that loads it.
fn queue_def(q: Value, path: &str) -> R<QueueDeclare> {
    let mut e = Obj::new(q, path)?;
    e.skip("vhost");
    let queue_type = e.str("type")?;
    let mut d = QueueDeclare {
        queue: e.string("name")?,
        passive: false,
        durable: e.bool("durable", true)?,
        exclusive: false,
        auto_delete: e.bool("auto_delete", false)?,
        arguments: e.table("arguments")?,
    };
    // A type given only by the `type` field is the queue's type, as
    // RabbitMQ's import reads it.
    if let Some(t) = queue_type.filter(|t| t != "classic") {
        if d.arguments.get("x-queue-type").is_none() {
            d.arguments
                .insert("x-queue-type", warren_core::FieldValue::str(t));
        }
    }
    e.done()?;
    Ok(d)
}

fn definitions(v: Value, scene: &mut Scene) -> R<()> {
    let mut o = Obj::new(v, "$.definitions")?;
    for (i, x) in o.list("exchanges")?.into_iter().enumerate() {
        let path = format!("$.definitions.exchanges[{i}]");
        let mut e = Obj::new(x, &path)?;
        e.skip("vhost");
        let d = ExchangeDeclare {
            exchange: e.string("name")?,
            exchange_type: Some(e.str("type")?.unwrap_or_else(|| "direct".into())),
            passive: false,
            durable: e.bool("durable", true)?,
            auto_delete: e.bool("auto_delete", false)?,
            internal: e.bool("internal", false)?,
            arguments: e.table("arguments")?,
        };
        e.done()?;
        scene.ops.push((path, Op::ExchangeDeclare(d)));
    }
    for (i, q) in o.list("queues")?.into_iter().enumerate() {
        let path = format!("$.definitions.queues[{i}]");
        let d = queue_def(q, &path)?;
        scene.ops.push((path, Op::QueueDeclare(d)));
    }
    for (i, b) in o.list("bindings")?.into_iter().enumerate() {
        let path = format!("$.definitions.bindings[{i}]");
        let mut e = Obj::new(b, &path)?;
        e.skip("vhost");
        let source = e.string("source")?;
        let destination = e.string("destination")?;
        let routing_key = e.string("routing_key")?;
        let arguments = e.table("arguments")?;
        let op = match e.str("destination_type")?.as_deref() {
            Some("exchange") => Op::ExchangeBind(ExchangeBind {
                destination,
                source,
                routing_key,
                arguments,
            }),
            Some("queue") | None => Op::QueueBind(QueueBind {
                queue: destination,
                exchange: source,
                routing_key,
                arguments,
            }),
            Some(other) => {
                return err(
                    &format!("{path}.destination_type"),
                    format!("{other:?} is neither queue nor exchange"),
                )
            }
        };
        e.done()?;
        scene.ops.push((path, op));
    }
    if !o.list("policies")?.is_empty() {
        scene
            .ignored
            .push("$.definitions.policies: policies are not applied in the playground".into());
    }
    // Users, permissions, parameters, versions: nothing to simulate.
    Ok(())
}

fn step(v: Value, path: &str) -> R<Op> {
    let mut o = Obj::new(v, path)?;
    let op = o.string("op")?;
    for k in ["channel", "connection"] {
        if o.uint(k)?.is_some_and(|n| n != 1) {
            return err(&o.at(k), "the playground runs topology steps on one channel; use warren run for multi-channel scripts");
        }
    }
    let r = match op.as_str() {
        "exchange.declare" => Op::ExchangeDeclare(ExchangeDeclare {
            exchange: o.string("exchange")?,
            exchange_type: o.str("exchange_type")?,
            passive: o.bool("passive", false)?,
            durable: o.bool("durable", false)?,
            auto_delete: o.bool("auto_delete", false)?,
            internal: o.bool("internal", false)?,
            arguments: o.table("arguments")?,
        }),
        "exchange.delete" => Op::ExchangeDelete(ExchangeDelete {
            exchange: o.string("exchange")?,
            if_unused: o.bool("if_unused", false)?,
        }),
        "queue.declare" => Op::QueueDeclare(QueueDeclare {
            queue: o.string("queue")?,
            passive: o.bool("passive", false)?,
            durable: o.bool("durable", false)?,
            exclusive: o.bool("exclusive", false)?,
            auto_delete: o.bool("auto_delete", false)?,
            arguments: o.table("arguments")?,
        }),
        "queue.delete" => Op::QueueDelete(QueueDelete {
            queue: o.string("queue")?,
            if_unused: o.bool("if_unused", false)?,
            if_empty: o.bool("if_empty", false)?,
        }),
        "queue.purge" => Op::QueuePurge(QueuePurge {
            queue: o.string("queue")?,
        }),
        "queue.bind" | "queue.unbind" => {
            let m = QueueBind {
                queue: o.string("queue")?,
                exchange: o.string("exchange")?,
                routing_key: o.string("routing_key")?,
                arguments: o.table("arguments")?,
            };
            if op == "queue.bind" {
                Op::QueueBind(m)
            } else {
                Op::QueueUnbind(m)
            }
        }
        "exchange.bind" | "exchange.unbind" => {
            let m = ExchangeBind {
                destination: o.string("destination")?,
                source: o.string("source")?,
                routing_key: o.string("routing_key")?,
                arguments: o.table("arguments")?,
            };
            if op == "exchange.bind" {
                Op::ExchangeBind(m)
            } else {
                Op::ExchangeUnbind(m)
            }
        }
        "basic.publish" => publish_step(&mut o)?,
        other => {
            return err(
                &o.at("op"),
                format!("{other:?}: the playground loads topology steps (declare, bind, delete, publish); run scripts with `warren run`"),
            )
        }
    };
    o.done()?;
    Ok(r)
}

/// A `basic.publish` step's fields, its properties included.
fn publish_step(o: &mut Obj) -> R<Op> {
    let properties = match o.take("properties") {
        None => Properties::default(),
        Some(p) => properties(p, &o.at("properties"))?,
    };
    Ok(Op::BasicPublish(BasicPublish {
        exchange: o.string("exchange")?,
        routing_key: o.string("routing_key")?,
        body: o.string("body")?,
        properties,
        mandatory: o.bool("mandatory", false)?,
        immediate: o.bool("immediate", false)?,
    }))
}

/// Reads a scene.
///
/// # Errors
/// The JSON path of the first value that is not what the format expects
/// (or the line and column of malformed JSON).
pub fn parse(text: &str) -> R<Scene> {
    let v: Value = serde_json::from_str(text)
        .map_err(|e| format!("line {}, column {}: {e}", e.line(), e.column()))?;
    let v = if is_definitions_file(&v) {
        obj(vec![("definitions", v)])
    } else {
        v
    };
    let mut o = Obj::new(v, "$")?;
    o.skip("$schema");
    let mut scene = Scene {
        name: o.string("name")?,
        description: o.string("description")?,
        ..Scene::default()
    };
    if let Some(d) = o.take("definitions") {
        definitions(d, &mut scene)?;
    }
    for (i, s) in o.list("steps")?.into_iter().enumerate() {
        let path = format!("$.steps[{i}]");
        let op = step(s, &path)?;
        scene.ops.push((path, op));
    }
    if let Some(a) = o.take("actors") {
        let mut actors = Obj::new(a, "$.actors")?;
        for (i, p) in actors.list("producers")?.into_iter().enumerate() {
            scene
                .producers
                .push(producer(p, &format!("$.actors.producers[{i}]"))?);
        }
        for (i, c) in actors.list("consumers")?.into_iter().enumerate() {
            scene
                .consumers
                .push(consumer(c, &format!("$.actors.consumers[{i}]"))?);
        }
        actors.done()?;
    }
    if let Some(l) = o.take("lesson") {
        scene.lesson = Some(Rc::new(lesson::parse(&l)?));
    }
    if let Some(b) = o.take("broker") {
        scene.broker = Some((broker_config(&b)?, b));
    }
    if let Some(r) = o.take("run") {
        run::parse(r.clone())?;
        scene.run = Some(Rc::new(r));
    }
    if let Some(l) = o.take("layout") {
        let Value::Object(m) = l else {
            return err("$.layout", "expected an object of [x, y] positions");
        };
        for (k, v) in m {
            match v.as_array().map(Vec::as_slice) {
                Some([x, y]) if x.is_number() && y.is_number() => {
                    scene
                        .layout
                        .insert(k, (x.as_f64().unwrap_or(0.0), y.as_f64().unwrap_or(0.0)));
                }
                _ => return err(&format!("$.layout.{k}"), "expected [x, y]"),
            }
        }
    }
    o.done()?;
    Ok(scene)
}

/// `"broker"`: `consumer_timeout` (ms, or `null` for none) and
/// `channel_tick_interval` (ms), as `warren run` reads them.
fn broker_config(v: &Value) -> R<BrokerConfig> {
    let mut o = Obj::new(v.clone(), "$.broker")?;
    let mut config = BrokerConfig::new();
    let ms = |o: &mut Obj, key: &str| -> R<Option<u64>> {
        match o.uint(key)? {
            Some(0) => err(&o.at(key), "expected milliseconds, at least 1"),
            ms => Ok(ms),
        }
    };
    match o.map.get("consumer_timeout") {
        Some(Value::Null) => {
            o.skip("consumer_timeout");
            config = config.consumer_timeout(None);
        }
        _ => {
            if let Some(t) = ms(&mut o, "consumer_timeout")? {
                config = config.consumer_timeout(Some(t));
            }
        }
    }
    if let Some(t) = ms(&mut o, "channel_tick_interval")? {
        config = config.channel_tick_interval(t);
    }
    o.done()?;
    Ok(config)
}

/// Whether `v` is a RabbitMQ `definitions.json` (as the management UI or
/// `rabbitmqctl export_definitions` writes it) rather than a scene: an
/// object with the definitions' own keys at the top and none of a scene's.
/// [`parse`] reads one as a scene of that topology, with no actors; the
/// nodes are laid out afresh.
fn is_definitions_file(v: &Value) -> bool {
    let Value::Object(m) = v else { return false };
    let scene_keys = ["definitions", "steps", "actors", "layout", "name", "lesson"];
    let definitions_keys = [
        "rabbit_version",
        "rabbitmq_version",
        "exchanges",
        "queues",
        "bindings",
    ];
    !scene_keys.iter().any(|k| m.contains_key(*k))
        && definitions_keys.iter().any(|k| m.contains_key(*k))
}

/// The broker's topology as a `definitions.json` a real RabbitMQ imports
/// (the same object a scene file holds under `definitions`).
pub fn definitions_text(b: &Broker) -> String {
    serde_json::to_string_pretty(&definitions_json(b)).unwrap_or_default()
}

/// Declares a scene's topology on `broker`, on a private connection closed
/// afterwards (as an import would). The broker judges every object.
///
/// # Errors
/// The path of the first object the broker refused, with its reply.
pub fn apply(scene: &Scene, broker: &mut Broker) -> R<()> {
    let ch: ChannelId = broker.connect();
    let mut result = Ok(());
    for (path, op) in &scene.ops {
        let r = broker.apply(ch, op);
        if let Err(e) = r {
            result = err(path, CommandError::from(e));
            break;
        }
    }
    let _ = broker.close_connection(ch.connection);
    result
}

// ---- writing

// Objects are filled by `insert`, not `collect`: collecting into a `Map`
// (a BTreeMap) sorts the pairs first, which costs a stable sort of
// `(String, Value)` in the wasm. The result is the same map.
fn obj(pairs: Vec<(&str, Value)>) -> Value {
    let mut m = Map::new();
    for (k, v) in pairs {
        m.insert(k.to_owned(), v);
    }
    Value::Object(m)
}

fn s(v: &str) -> Value {
    Value::String(v.to_owned())
}

fn properties_json(p: &Properties) -> Value {
    let mut m = Map::new();
    let mut put = |k: &str, v: Option<Value>| {
        if let Some(v) = v {
            m.insert(k.to_owned(), v);
        }
    };
    put("content_type", p.content_type.as_deref().map(s));
    put("content_encoding", p.content_encoding.as_deref().map(s));
    put("headers", p.headers.as_ref().map(FieldTable::to_json));
    put("delivery_mode", p.delivery_mode.map(Value::from));
    put("priority", p.priority.map(Value::from));
    put("correlation_id", p.correlation_id.as_deref().map(s));
    put("reply_to", p.reply_to.as_deref().map(s));
    put("expiration", p.expiration.as_deref().map(s));
    put("message_id", p.message_id.as_deref().map(s));
    put("timestamp", p.timestamp.map(Value::from));
    put("type", p.kind.as_deref().map(s));
    put("user_id", p.user_id.as_deref().map(s));
    put("app_id", p.app_id.as_deref().map(s));
    put("cluster_id", p.cluster_id.as_deref().map(s));
    Value::Object(m)
}

/// A producer as scenario files write it (defaults left out).
pub fn producer_json(p: &ProducerSpec) -> Value {
    let mut m = vec![("name", s(&p.name))];
    if !p.button.is_empty() {
        m.push(("button", s(&p.button)));
    }
    m.push(("exchange", s(&p.exchange)));
    m.push(("routing_key", s(&p.routing_key)));
    if !p.more_routing_keys.is_empty() {
        m.push((
            "more_routing_keys",
            Value::Array(p.more_routing_keys.iter().map(|k| s(k)).collect()),
        ));
    }
    if !p.headers.is_empty() {
        m.push(("headers", p.headers.to_json()));
    }
    if p.properties != Properties::default() {
        m.push(("properties", properties_json(&p.properties)));
    }
    m.push(("body", s(&p.body)));
    if p.mandatory {
        m.push(("mandatory", Value::Bool(true)));
    }
    if let Some(r) = p.rate_per_sec {
        m.push(("rate_per_sec", Value::from(r)));
    }
    if let Some(c) = p.count {
        m.push(("count", Value::from(c)));
    }
    if p.start_ms > 0 {
        m.push(("start_ms", Value::from(p.start_ms)));
    }
    if p.confirm {
        m.push(("confirm", Value::Bool(true)));
    }
    obj(m)
}

/// A consumer as scenario files write it (defaults left out).
pub fn consumer_json(c: &ConsumerSpec) -> Value {
    let mut m = vec![("name", s(&c.name)), ("queue", s(&c.queue))];
    if let Some(t) = &c.consumer_tag {
        m.push(("consumer_tag", s(t)));
    }
    if c.prefetch > 0 {
        m.push(("prefetch", Value::from(c.prefetch)));
    }
    if c.auto_ack {
        m.push(("auto_ack", Value::Bool(true)));
    }
    if let Some(p) = c.priority {
        m.push(("priority", Value::from(p)));
    }
    if let Some(offset) = &c.stream_offset {
        m.push(("stream_offset", offset.to_json()));
    }
    if c.exclusive {
        m.push(("exclusive", Value::Bool(true)));
    }
    m.push(("processing_ms", Value::from(c.processing_ms)));
    if c.jitter_ms > 0 {
        m.push(("jitter_ms", Value::from(c.jitter_ms)));
    }
    if c.policy != ConsumerPolicy::Ack {
        m.push(("policy", s(c.policy.name())));
    }
    if let Some(n) = c.crash_after {
        m.push(("crash_after", Value::from(n)));
    }
    if let Some(n) = c.fail_every {
        m.push(("fail_every", Value::from(n)));
    }
    if !c.start {
        m.push(("start", Value::Bool(false)));
    }
    obj(m)
}

/// The broker's topology as definitions, in the shape of RabbitMQ's export:
/// no predeclared exchanges, no exclusive or server-named queues, and only
/// bindings between what is written.
#[inline(always)]
fn definitions_json(b: &Broker) -> Value {
    let vhost = || s(b.vhost());
    let exchanges: Vec<Value> = b
        .exchanges()
        .into_iter()
        .filter(|x| !x.predeclared)
        .map(|x| {
            obj(vec![
                ("name", s(&x.name)),
                ("vhost", vhost()),
                ("type", s(&x.exchange_type)),
                ("durable", Value::Bool(x.durable)),
                ("auto_delete", Value::Bool(x.auto_delete)),
                ("internal", Value::Bool(x.internal)),
                ("arguments", x.arguments.to_json()),
            ])
        })
        .collect();
    let queues: Vec<_> = b
        .queues()
        .into_iter()
        .filter(|q| !q.exclusive && !warren_core::names::is_reserved(&q.name))
        .collect();
    let bindings: Vec<Value> = b
        .bindings()
        .into_iter()
        .filter(|x| !x.source.is_empty())
        .filter(|x| x.to_exchange || queues.iter().any(|q| q.name == x.destination))
        .map(|x| {
            obj(vec![
                ("source", s(&x.source)),
                ("vhost", vhost()),
                ("destination", s(&x.destination)),
                (
                    "destination_type",
                    s(if x.to_exchange { "exchange" } else { "queue" }),
                ),
                ("routing_key", s(&x.routing_key)),
                ("arguments", x.arguments.to_json()),
            ])
        })
        .collect();
    let queues: Vec<Value> = queues
        .iter()
        .map(|q| {
            obj(vec![
                ("name", s(&q.name)),
                ("vhost", vhost()),
                ("durable", Value::Bool(q.durable)),
                ("auto_delete", Value::Bool(q.auto_delete)),
                ("arguments", q.arguments.to_json()),
            ])
        })
        .collect();
    obj(vec![
        ("rabbit_version", s("3.10.8")),
        ("vhosts", Value::Array(vec![obj(vec![("name", vhost())])])),
        ("exchanges", Value::Array(exchanges)),
        ("queues", Value::Array(queues)),
        ("bindings", Value::Array(bindings)),
    ])
}

/// The current scene: the broker's topology as definitions (the shape of
/// RabbitMQ's export, as the core's export writes it: no predeclared
/// exchanges, no exclusive or server-named queues), the actors, and where
/// the nodes sit (`layout` filtered by `is_node`: keys of nodes no longer
/// drawn are not written). No steps: it starts from what exists now.
/// `start` (the scene time started from) gives the name, description,
/// lesson and broker settings, which edits do not change.
pub fn export<'a>(
    start: &Scene,
    b: &Broker,
    specs: impl Iterator<Item = &'a ActorSpec>,
    layout: &Layout,
    is_node: impl Fn(&str) -> bool,
) -> Value {
    let (name, description) = (&start.name, &start.description);
    let mut producers = Vec::new();
    let mut consumers = Vec::new();
    for spec in specs {
        match spec {
            ActorSpec::Producer(p) => producers.push(producer_json(p)),
            ActorSpec::Consumer(c) => consumers.push(consumer_json(c)),
        }
    }
    let mut positions = Map::new();
    for (k, (x, y)) in layout {
        if is_node(k) {
            positions.insert(k.clone(), Value::from(vec![x.round(), y.round()]));
        }
    }
    let mut top = vec![("name", s(name))];
    if !description.is_empty() {
        top.push(("description", s(description)));
    }
    top.push(("definitions", definitions_json(b)));
    top.push(("steps", Value::Array(Vec::new())));
    top.push((
        "actors",
        obj(vec![
            ("producers", Value::Array(producers)),
            ("consumers", Value::Array(consumers)),
        ]),
    ));
    top.push(("layout", Value::Object(positions)));
    if let Some(l) = &start.lesson {
        top.push(("lesson", (*l.raw).clone()));
    }
    if let Some((_, raw)) = &start.broker {
        top.push(("broker", raw.clone()));
    }
    obj(top)
}

/// A scene as JSON text, two-space indented, its top-level keys in the
/// order `docs/scenario.md` lists them (name first); nested objects keep
/// serde_json's sorted keys.
///
/// Pretty JSON comes from `Value`'s alternate `Display` (`{:#}`), which
/// writes exactly what `serde_json::to_string_pretty` writes: the page links
/// that writer anyway (`Display` holds both), and a second serializer into a
/// byte buffer cost 729 bytes of compressed wasm.
pub fn to_text(v: &Value) -> String {
    let Value::Object(m) = v else {
        return format!("{v:#}");
    };
    let order = [
        "name",
        "description",
        "definitions",
        "steps",
        "actors",
        "layout",
        "lesson",
        "broker",
        "run",
    ];
    // The listed keys in that order, then any others in map order: what a
    // stable sort by position in `order` gives, without a sort in the wasm.
    let mut keys: Vec<&String> = order
        .iter()
        .filter_map(|o| m.get_key_value(*o))
        .map(|(k, _)| k)
        .collect();
    keys.extend(m.keys().filter(|k| !order.contains(&k.as_str())));
    let mut out = String::from("{\n");
    for (i, k) in keys.iter().enumerate() {
        let inner = format!("{:#}", m[*k]);
        out.push_str("  ");
        out.push_str(&Value::String((*k).clone()).to_string());
        out.push_str(": ");
        out.push_str(&inner.replace('\n', "\n  "));
        out.push_str(if i + 1 < keys.len() { ",\n" } else { "\n" });
    }
    out.push('}');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_definitions_file_reads_as_a_scene_of_its_topology() {
        let text = r#"{"rabbit_version":"3.10.8","users":[{"name":"guest"}],
            "vhosts":[{"name":"/"}],"policies":[],
            "exchanges":[{"name":"order","vhost":"/","type":"direct","durable":true,
                "auto_delete":false,"internal":false,"arguments":{}}],
            "queues":[{"name":"order_notify","vhost":"/","durable":true,"auto_delete":false,
                "arguments":{},"type":"classic"}],
            "bindings":[{"source":"order","vhost":"/","destination":"order_notify",
                "destination_type":"queue","routing_key":"order.notify","arguments":{}}]}"#;
        let scene = parse(text).unwrap();
        assert_eq!(scene.ops.len(), 3);
        assert!(scene.producers.is_empty() && scene.layout.is_empty());
        // A scene is still a scene: `definitions` stays where it belongs.
        assert!(!is_definitions_file(
            &serde_json::json!({"name": "x", "queues": []})
        ));
        // What the playground writes, it reads back.
        let mut b = Broker::new();
        apply(&scene, &mut b).unwrap();
        let again = parse(&definitions_text(&b)).unwrap();
        assert_eq!(again.ops.len(), 3);
    }

    #[test]
    fn text_lists_known_keys_first_then_the_rest_sorted() {
        let v = obj(vec![
            ("zz", Value::from(1)),
            (
                "layout",
                obj(vec![("b", Value::from(2)), ("a", Value::from(1))]),
            ),
            ("aa", Value::Null),
            ("name", s("n")),
            ("steps", Value::Array(Vec::new())),
            ("description", s("d")),
        ]);
        let text = to_text(&v);
        let keys: Vec<&str> = text
            .lines()
            .filter(|l| l.starts_with("  \""))
            .map(|l| l[3..].split('"').next().unwrap())
            .collect();
        assert_eq!(keys, ["name", "description", "steps", "layout", "aa", "zz"]);
        assert!(text.contains("\"layout\": {\n    \"a\": 1,\n    \"b\": 2\n  }"));
    }

    #[test]
    fn text_is_serde_jsons_pretty_form() {
        let nested = obj(vec![
            ("b", Value::Array(vec![Value::from(1.5), s("a\"b\n")])),
            ("a", obj(vec![("x", Value::Null), ("e", obj(Vec::new()))])),
            ("c", Value::Array(Vec::new())),
        ]);
        let pretty = |v: &Value| serde_json::to_string_pretty(v).unwrap();
        assert_eq!(
            to_text(&Value::from(vec![1, 2])),
            pretty(&Value::from(vec![1, 2]))
        );
        let text = to_text(&obj(vec![("name", nested.clone())]));
        let expected = format!(
            "{{\n  \"name\": {}\n}}",
            pretty(&nested).replace('\n', "\n  ")
        );
        assert_eq!(text, expected);
    }

    #[test]
    fn a_stream_consumer_keeps_its_offset_through_the_scene_text() {
        let text = r#"{"name": "s", "actors": {"consumers": [
            {"name": "replay", "queue": "events", "prefetch": 10, "stream_offset": "first"},
            {"name": "from", "queue": "events", "prefetch": 10, "stream_offset": 3},
            {"name": "plain", "queue": "events", "prefetch": 10}]}}"#;
        let scene = parse(text).unwrap();
        let offsets: Vec<Option<warren_core::FieldValue>> = scene
            .consumers
            .iter()
            .map(|c| c.stream_offset.clone())
            .collect();
        assert_eq!(
            offsets,
            [
                Some(warren_core::FieldValue::str("first")),
                Some(warren_core::FieldValue::I32(3)),
                None
            ]
        );
        let json = consumer_json(&scene.consumers[0]);
        assert_eq!(json["stream_offset"], "first");
        assert!(consumer_json(&scene.consumers[2])
            .get("stream_offset")
            .is_none());
        let bad = r#"{"name": "s", "actors": {"consumers": [{"name": "c", "queue": "q",
            "stream_offset": {"$type": "nope", "value": 1}}]}}"#;
        let e = parse(bad).unwrap_err();
        assert!(e.contains("consumers[0].stream_offset"), "{e}");
    }

    #[test]
    fn a_stream_in_a_definitions_file_loads_as_a_stream() {
        let text = r#"{"rabbit_version":"3.10.8","queues":[{"name":"events","vhost":"/",
            "durable":true,"auto_delete":false,"arguments":{"x-max-age":"7D"},"type":"stream"}]}"#;
        let scene = parse(text).unwrap();
        assert!(scene.ignored.is_empty(), "{:?}", scene.ignored);
        let mut b = Broker::new();
        apply(&scene, &mut b).unwrap();
        let q = b.queue("events").unwrap();
        assert_eq!(q.config.queue_type, warren_core::QueueType::Stream);
        assert!(definitions_text(&b).contains("\"x-queue-type\": \"stream\""));
    }
}
