//! Lessons: a scene's walk-through, step by step, with what each step
//! claims about the broker written down and checked.
//!
//! A lesson (`"lesson"` in a scenario file, `docs/scenario.md`) is a list
//! of steps. Each has a caption (plain text with inline `` `code` ``), the
//! actions it performs (the scenario format's operations, plus the
//! simulated actors' verbs: publish, start, stop, kill, rate, add) and what
//! must hold once they ran (`expect`). The playground walks a learner
//! through the steps; [`run`] performs them natively and checks every
//! expectation, so a caption cannot claim what the broker does not do.

use std::fmt;

use serde_json::{Map, Value};
use warren_core::{ActorId, ConsumerSpec, Event, EventKind, ProducerSpec, Simulation};

use crate::scenario::{parse_step, Runner, Scenario, ScenarioError, Step};

/// Most steps a lesson may have (the player shows "step N of M").
pub const MAX_LESSON_STEPS: usize = 100;
/// Longest caption, in characters: a caption is read while messages move.
pub const MAX_CAPTION_CHARS: usize = 600;

/// A lesson: a title and its steps.
#[derive(Clone, Debug, PartialEq)]
pub struct Lesson {
    /// Shown above the captions (the scene's name if empty).
    pub title: String,
    /// In order.
    pub steps: Vec<LessonStep>,
    /// The lesson as written, for writing the scenario back unchanged.
    raw: Value,
}

/// One step of a lesson.
#[derive(Clone, Debug, PartialEq)]
pub struct LessonStep {
    /// What the learner reads.
    pub caption: String,
    /// What reaching the step does, in order.
    pub actions: Vec<LessonAction>,
    /// What must hold after the actions.
    pub expect: Expect,
}

/// One thing a lesson step does.
#[derive(Clone, Debug, PartialEq)]
pub enum LessonAction {
    /// A scenario step: an AMQP method on connection 1, channel 1 (or
    /// those the step names), or `wait`.
    Step(Step),
    /// One publish by a simulated producer.
    Publish(String),
    /// A simulated consumer starts consuming.
    Start(String),
    /// A simulated consumer cancels (`basic.cancel`).
    Stop(String),
    /// A simulated consumer's process dies.
    Kill(String),
    /// A producer's rate (messages per second; `None` = publish on demand).
    Rate(String, Option<f64>),
    /// A new simulated producer.
    AddProducer(ProducerSpec),
    /// A new simulated consumer (its `queue` may be an alias).
    AddConsumer(ConsumerSpec),
}

/// What must hold after a step. Every field is optional; what is absent is
/// not checked, except that a step that expects no `error` fails on any
/// channel or connection the broker closes with an error.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Expect {
    /// Queues by name (or alias): `Some` its counts, `None` it must not exist.
    pub queues: Vec<(String, Option<QueueExpect>)>,
    /// Every delivery to a consumer during the step, in order.
    pub delivered: Option<Vec<DeliveryExpect>>,
    /// Messages published in the step that reached no queue and were dropped.
    pub unroutable: Option<u64>,
    /// Messages returned to a mandatory publisher.
    pub returned: Option<u64>,
    /// Messages dead-lettered.
    pub dead_lettered: Option<u64>,
    /// The AMQP error the broker answers with.
    pub error: Option<ErrorExpect>,
}

/// A queue's counts.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct QueueExpect {
    /// Messages ready.
    pub ready: Option<u64>,
    /// Messages delivered and not yet acknowledged.
    pub unacked: Option<u64>,
    /// Consumers on it.
    pub consumers: Option<u64>,
    /// A stream: messages in its log (its `ready` is always 0).
    pub log: Option<u64>,
}

/// One delivery; absent fields match anything.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DeliveryExpect {
    /// Consumer tag (a simulated consumer's tag is its name unless set).
    pub consumer: Option<String>,
    /// The queue it came from.
    pub queue: Option<String>,
    /// Its routing key.
    pub routing_key: Option<String>,
    /// Its body, exactly.
    pub body: Option<String>,
    /// Its redelivered flag.
    pub redelivered: Option<bool>,
}

/// A channel or connection error.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ErrorExpect {
    /// AMQP reply code (404, 406, ...).
    pub reply_code: u16,
    /// Text the reply text contains, if given.
    pub text: Option<String>,
}

// ---- reading

/// The fields of one JSON object, taken one by one: what is left is an
/// unknown field, refused with its path.
struct Fields<'a> {
    path: &'a str,
    map: Map<String, Value>,
}

impl<'a> Fields<'a> {
    fn of(v: &Value, path: &'a str, what: &str) -> Result<Self, ScenarioError> {
        match v {
            Value::Object(m) => Ok(Self {
                path,
                map: m.clone(),
            }),
            _ => Err(ScenarioError::at(path, format!("expected {what}"))),
        }
    }

    fn at(&self, key: &str) -> String {
        format!("{}.{key}", self.path)
    }

    fn take(&mut self, key: &str) -> Option<Value> {
        self.map.remove(key).filter(|v| !v.is_null())
    }

    fn string(&mut self, key: &str) -> Result<Option<String>, ScenarioError> {
        match self.take(key) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(_) => Err(ScenarioError::at(self.at(key), "expected a string")),
        }
    }

    fn required(&mut self, key: &str) -> Result<String, ScenarioError> {
        self.string(key)?
            .ok_or_else(|| ScenarioError::at(self.path, format!("missing \"{key}\"")))
    }

    fn count(&mut self, key: &str) -> Result<Option<u64>, ScenarioError> {
        match self.take(key) {
            None => Ok(None),
            Some(v) => v
                .as_u64()
                .map(Some)
                .ok_or_else(|| ScenarioError::at(self.at(key), "expected a count (0 or more)")),
        }
    }

    fn flag(&mut self, key: &str) -> Result<Option<bool>, ScenarioError> {
        match self.take(key) {
            None => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(b)),
            Some(_) => Err(ScenarioError::at(self.at(key), "expected true or false")),
        }
    }

    fn done(self, expected: &str) -> Result<(), ScenarioError> {
        match self.map.keys().next() {
            None => Ok(()),
            Some(k) => Err(ScenarioError::at(
                format!("{}.{k}", self.path),
                format!("unknown field; expected {expected}"),
            )),
        }
    }
}

impl Lesson {
    /// Reads `$.lesson`. `aliases` holds the aliases the scenario's steps
    /// defined; the lesson's own `queue.declare ... "as"` add to them, in
    /// order, so a step may use an alias an earlier step defined.
    ///
    /// # Errors
    /// The JSON path of the first value that is not what the format expects.
    pub(crate) fn parse(v: &Value, aliases: &mut Vec<String>) -> Result<Self, ScenarioError> {
        let mut f = Fields::of(v, "$.lesson", "a lesson object with \"steps\"")?;
        let title = f.string("title")?.unwrap_or_default();
        let steps = match f.take("steps") {
            Some(Value::Array(items)) if !items.is_empty() => items,
            _ => {
                return Err(ScenarioError::at(
                    "$.lesson.steps",
                    "expected a non-empty array of steps",
                ))
            }
        };
        if steps.len() > MAX_LESSON_STEPS {
            return Err(ScenarioError::at(
                "$.lesson.steps",
                format!(
                    "{} steps; a lesson may have at most {MAX_LESSON_STEPS}",
                    steps.len()
                ),
            ));
        }
        f.done("title, steps")?;
        let steps = steps
            .iter()
            .enumerate()
            .map(|(i, s)| LessonStep::parse(s, &format!("$.lesson.steps[{i}]"), aliases))
            .collect::<Result<_, _>>()?;
        Ok(Self {
            title,
            steps,
            raw: v.clone(),
        })
    }

    /// The lesson as written.
    pub fn to_value(&self) -> Value {
        self.raw.clone()
    }
}

impl LessonStep {
    fn parse(v: &Value, path: &str, aliases: &mut Vec<String>) -> Result<Self, ScenarioError> {
        let mut f = Fields::of(v, path, "a step object with a \"caption\"")?;
        let caption = f.required("caption")?;
        check_caption(&caption, &f.at("caption"))?;
        let actions = match f.take("do") {
            None => Vec::new(),
            Some(Value::Array(items)) => items
                .iter()
                .enumerate()
                .map(|(i, a)| LessonAction::parse(a, &format!("{path}.do[{i}]"), aliases))
                .collect::<Result<_, _>>()?,
            Some(_) => {
                return Err(ScenarioError::at(
                    f.at("do"),
                    "expected an array of operations",
                ))
            }
        };
        let expect = match f.take("expect") {
            None => Expect::default(),
            Some(e) => Expect::parse(&e, &f.at("expect"))?,
        };
        f.done("caption, do, expect")?;
        Ok(Self {
            caption,
            actions,
            expect,
        })
    }
}

/// A caption is plain text: inline code between backticks, nothing else
/// marked up. Unbalanced backticks would show a stray one in the player.
fn check_caption(caption: &str, path: &str) -> Result<(), ScenarioError> {
    if caption.trim().is_empty() {
        return Err(ScenarioError::at(path, "a caption says something"));
    }
    let chars = caption.chars().count();
    if chars > MAX_CAPTION_CHARS {
        return Err(ScenarioError::at(
            path,
            format!("{chars} characters; a caption may have at most {MAX_CAPTION_CHARS}"),
        ));
    }
    if caption.matches('`').count() % 2 == 1 {
        return Err(ScenarioError::at(
            path,
            "unbalanced backtick: inline code is written `like this`",
        ));
    }
    Ok(())
}

/// The actors' verbs, and the field naming the actor each takes.
const ACTOR_OPS: &[(&str, &str)] = &[
    ("publish", "producer"),
    ("start", "consumer"),
    ("stop", "consumer"),
    ("kill", "consumer"),
    ("rate", "producer"),
];

impl LessonAction {
    fn parse(v: &Value, path: &str, aliases: &mut Vec<String>) -> Result<Self, ScenarioError> {
        let op = v.get("op").and_then(Value::as_str).unwrap_or_default();
        if op == "add" {
            return Self::parse_add(v, path);
        }
        let Some((_, field)) = ACTOR_OPS.iter().find(|(name, _)| *name == op) else {
            return parse_step(v, path, aliases).map(Self::Step);
        };
        let mut f = Fields::of(v, path, "an operation object")?;
        f.take("op");
        let name = f.required(field)?;
        let action = match op {
            "publish" => Self::Publish(name),
            "start" => Self::Start(name),
            "stop" => Self::Stop(name),
            "kill" => Self::Kill(name),
            _ => {
                let rate = match f.take("per_sec") {
                    None => None,
                    Some(r) => Some(
                        r.as_f64()
                            .filter(|r| r.is_finite() && *r >= 0.0)
                            .ok_or_else(|| {
                                ScenarioError::at(
                                    f.at("per_sec"),
                                    "expected messages per second, 0 or more",
                                )
                            })?,
                    ),
                };
                Self::Rate(name, rate.filter(|r| *r > 0.0))
            }
        };
        let expected = if op == "rate" {
            "op, producer, per_sec".to_owned()
        } else {
            format!("op, {field}")
        };
        f.done(&expected)?;
        Ok(action)
    }

    /// `{"op": "add", "producer": {...}}` or `{"op": "add", "consumer": {...}}`,
    /// the object as in `actors`.
    fn parse_add(v: &Value, path: &str) -> Result<Self, ScenarioError> {
        let mut f = Fields::of(v, path, "an operation object")?;
        f.take("op");
        let parsed = match (f.take("producer"), f.take("consumer")) {
            (Some(p), None) => serde_json::from_value(p)
                .map(Self::AddProducer)
                .map_err(|e| ScenarioError::at(f.at("producer"), e.to_string())),
            (None, Some(c)) => serde_json::from_value(c)
                .map(Self::AddConsumer)
                .map_err(|e| ScenarioError::at(f.at("consumer"), e.to_string())),
            _ => Err(ScenarioError::at(
                path,
                "`add` takes one \"producer\" or one \"consumer\" object",
            )),
        }?;
        f.done("op, producer or consumer")?;
        Ok(parsed)
    }
}

impl Expect {
    fn parse(v: &Value, path: &str) -> Result<Self, ScenarioError> {
        let mut f = Fields::of(v, path, "an object of expectations")?;
        let mut expect = Self {
            unroutable: f.count("unroutable")?,
            returned: f.count("returned")?,
            dead_lettered: f.count("dead_lettered")?,
            ..Self::default()
        };
        if let Some(q) = f.map.remove("queues") {
            let Value::Object(m) = q else {
                return Err(ScenarioError::at(
                    f.at("queues"),
                    "expected an object: queue name → counts, or null for \"does not exist\"",
                ));
            };
            for (name, counts) in m {
                let at = format!("{}.{name}", f.at("queues"));
                let counts = match counts {
                    Value::Null => None,
                    c => {
                        let mut c = Fields::of(&c, &at, "an object of counts, or null")?;
                        let q = QueueExpect {
                            ready: c.count("ready")?,
                            unacked: c.count("unacked")?,
                            consumers: c.count("consumers")?,
                            log: c.count("log")?,
                        };
                        c.done("ready, unacked, consumers, log")?;
                        Some(q)
                    }
                };
                expect.queues.push((name, counts));
            }
        }
        if let Some(d) = f.take("delivered") {
            let Value::Array(items) = d else {
                return Err(ScenarioError::at(
                    f.at("delivered"),
                    "expected an array of deliveries",
                ));
            };
            let list = items
                .iter()
                .enumerate()
                .map(|(i, d)| DeliveryExpect::parse(d, &format!("{}[{i}]", f.at("delivered"))))
                .collect::<Result<_, _>>()?;
            expect.delivered = Some(list);
        }
        if let Some(e) = f.take("error") {
            let at = f.at("error");
            let mut e = Fields::of(&e, &at, "an object with \"reply_code\"")?;
            let code = e.count("reply_code")?.filter(|c| *c <= u64::from(u16::MAX));
            let Some(code) = code else {
                return Err(ScenarioError::at(at, "missing \"reply_code\" (e.g. 404)"));
            };
            expect.error = Some(ErrorExpect {
                reply_code: code as u16,
                text: e.string("text")?,
            });
            e.done("reply_code, text")?;
        }
        f.done("queues, delivered, unroutable, returned, dead_lettered, error")?;
        Ok(expect)
    }
}

impl DeliveryExpect {
    fn parse(v: &Value, path: &str) -> Result<Self, ScenarioError> {
        let mut f = Fields::of(v, path, "an object describing a delivery")?;
        let d = Self {
            consumer: f.string("consumer")?,
            queue: f.string("queue")?,
            routing_key: f.string("routing_key")?,
            body: f.string("body")?,
            redelivered: f.flag("redelivered")?,
        };
        f.done("consumer, queue, routing_key, body, redelivered")?;
        Ok(d)
    }
}

impl fmt::Display for DeliveryExpect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut parts = Vec::new();
        if let Some(c) = &self.consumer {
            parts.push(format!("to {c:?}"));
        }
        if let Some(q) = &self.queue {
            parts.push(format!("from {q:?}"));
        }
        if let Some(k) = &self.routing_key {
            parts.push(format!("key {k:?}"));
        }
        if let Some(b) = &self.body {
            parts.push(format!("body {b:?}"));
        }
        if let Some(r) = self.redelivered {
            parts.push(if r { "redelivered" } else { "not redelivered" }.into());
        }
        if parts.is_empty() {
            f.write_str("any delivery")
        } else {
            f.write_str(&parts.join(", "))
        }
    }
}

// ---- running

/// A step whose expectations did not hold.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StepFailure {
    /// 1-based, as the player counts.
    pub step: usize,
    /// The step's caption.
    pub caption: String,
    /// Every expectation that failed, in words.
    pub problems: Vec<String>,
}

impl fmt::Display for StepFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "step {} (\"{}\"):", self.step, self.caption)?;
        for p in &self.problems {
            writeln!(f, "  - {p}")?;
        }
        Ok(())
    }
}

/// What running a lesson found, step by step.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LessonReport {
    /// One entry per step: the caption and its problems (empty when it held).
    pub steps: Vec<(String, Vec<String>)>,
}

impl LessonReport {
    /// The steps that failed.
    pub fn failures(&self) -> Vec<StepFailure> {
        self.steps
            .iter()
            .enumerate()
            .filter(|(_, (_, p))| !p.is_empty())
            .map(|(i, (caption, problems))| StepFailure {
                step: i + 1,
                caption: caption.clone(),
                problems: problems.clone(),
            })
            .collect()
    }

    /// Whether every expectation held.
    pub fn passed(&self) -> bool {
        self.steps.iter().all(|(_, p)| p.is_empty())
    }
}

/// Runs a scenario's lesson on `runner` (the scenario's broker, its
/// actors added): the scenario's `steps` first, then each lesson step's
/// actions, checking its expectations after it. Later steps run even after
/// a failure, so one run reports every caption that lies.
pub fn run(scenario: &Scenario, lesson: &Lesson, runner: &mut Runner) -> LessonReport {
    for (i, step) in scenario.steps.iter().enumerate() {
        runner.step(i, step);
    }
    let mut index = scenario.steps.len();
    let mut report = LessonReport::default();
    for step in &lesson.steps {
        runner.observe(true);
        let mut problems = Vec::new();
        for (k, action) in step.actions.iter().enumerate() {
            if let Err(e) = perform(runner, index, action) {
                problems.push(format!("do[{k}]: {e}"));
            }
            index += 1;
        }
        let events = runner.take_observed();
        runner.observe(false);
        problems.extend(check(&step.expect, &events, runner));
        report.steps.push((step.caption.clone(), problems));
    }
    report
}

/// Performs one action; an actor the simulation does not know is an error
/// (an AMQP error is not: it is an event, checked by `expect.error`).
fn perform(runner: &mut Runner, index: usize, action: &LessonAction) -> Result<(), String> {
    match action {
        LessonAction::Step(step) => {
            runner.step(index, step);
            Ok(())
        }
        LessonAction::AddConsumer(c) => {
            let spec = ConsumerSpec {
                queue: runner.resolve_alias(&c.queue),
                ..c.clone()
            };
            runner.with_sim(index, |sim| {
                sim.add_consumer(spec).map(drop).map_err(|e| e.to_string())
            })
        }
        _ => runner.with_sim(index, |sim| actor_action(sim, action)),
    }
}

/// An action on the simulated actors (`add consumer` and scenario steps
/// are [`perform`]'s).
fn actor_action(sim: &mut Simulation, action: &LessonAction) -> Result<(), String> {
    fn id(sim: &Simulation, name: &str) -> Result<ActorId, String> {
        sim.actor_id(name)
            .ok_or_else(|| format!("no producer or consumer is named {name:?}"))
    }
    let done = match action {
        LessonAction::AddProducer(p) => sim.add_producer(p.clone()).map(drop),
        LessonAction::Publish(n) => sim.publish(id(sim, n)?),
        LessonAction::Start(n) => sim.start_consumer(id(sim, n)?),
        LessonAction::Stop(n) => sim.stop_consumer(id(sim, n)?),
        LessonAction::Kill(n) => sim.kill_consumer(id(sim, n)?),
        LessonAction::Rate(n, r) => sim.set_rate(id(sim, n)?, *r),
        LessonAction::Step(_) | LessonAction::AddConsumer(_) => Ok(()),
    };
    done.map_err(|e| e.to_string())
}

/// Every expectation of `expect` that does not hold, in words.
fn check(expect: &Expect, events: &[Event], runner: &Runner) -> Vec<String> {
    let mut problems = Vec::new();
    check_queues(expect, runner, &mut problems);
    if let Some(want) = &expect.delivered {
        // A server-named queue is expected by its alias.
        let want: Vec<DeliveryExpect> = want
            .iter()
            .map(|d| DeliveryExpect {
                queue: d.queue.as_deref().map(|q| runner.resolve_alias(q)),
                ..d.clone()
            })
            .collect();
        check_deliveries(&want, events, &mut problems);
    }
    let count =
        |pred: fn(&EventKind) -> bool| events.iter().filter(|e| pred(&e.kind)).count() as u64;
    let counted = [
        (
            "unroutable",
            expect.unroutable,
            count(|k| matches!(k, EventKind::Unroutable { .. })),
        ),
        (
            "returned",
            expect.returned,
            count(|k| matches!(k, EventKind::Returned { .. })),
        ),
        (
            "dead-lettered",
            expect.dead_lettered,
            count(|k| matches!(k, EventKind::DeadLettered { .. })),
        ),
    ];
    for (what, want, got) in counted {
        if let Some(want) = want.filter(|w| *w != got) {
            problems.push(format!("expected {want} message(s) {what}, got {got}"));
        }
    }
    check_error(expect.error.as_ref(), events, &mut problems);
    problems
}

fn check_queues(expect: &Expect, runner: &Runner, problems: &mut Vec<String>) {
    for (name, want) in &expect.queues {
        let real = runner.resolve_alias(name);
        let info = runner.broker().queue(&real);
        let Some(want) = want else {
            if info.is_some() {
                problems.push(format!("expected queue {real:?} not to exist, but it does"));
            }
            continue;
        };
        let Some(info) = info else {
            problems.push(format!("expected queue {real:?} to exist, but it does not"));
            continue;
        };
        let counts = [
            ("ready", want.ready, info.ready),
            ("unacked", want.unacked, info.unacked),
            ("consumers", want.consumers, info.consumers.len() as u64),
            ("log", want.log, info.log_length),
        ];
        for (what, want, got) in counts {
            if let Some(want) = want.filter(|w| *w != got) {
                problems.push(format!("queue {real:?}: expected {what} {want}, got {got}"));
            }
        }
    }
}

/// The deliveries to consumers in `events`, compared one by one with `want`.
fn check_deliveries(want: &[DeliveryExpect], events: &[Event], problems: &mut Vec<String>) {
    let got: Vec<DeliveryExpect> = events
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::Delivered {
                consumer_tag,
                redelivered,
                queue,
                message,
                ..
            } => Some(DeliveryExpect {
                consumer: Some(consumer_tag.clone()),
                queue: Some(queue.clone()),
                routing_key: Some(message.routing_key().to_owned()),
                body: Some(String::from_utf8_lossy(message.body()).into_owned()),
                redelivered: Some(*redelivered),
            }),
            _ => None,
        })
        .collect();
    for (i, w) in want.iter().enumerate() {
        match got.get(i) {
            None => problems.push(format!(
                "expected delivery {} ({w}), but only {} were made",
                i + 1,
                got.len()
            )),
            Some(g) if !delivery_matches(w, g) => {
                problems.push(format!("delivery {}: expected {w}; got {g}", i + 1))
            }
            Some(_) => {}
        }
    }
    if got.len() > want.len() {
        problems.push(format!(
            "expected {} deliveries, got {}; the first extra: {}",
            want.len(),
            got.len(),
            got[want.len()]
        ));
    }
}

fn delivery_matches(want: &DeliveryExpect, got: &DeliveryExpect) -> bool {
    fn same<T: PartialEq>(w: &Option<T>, g: &Option<T>) -> bool {
        w.is_none() || w == g
    }
    same(&want.consumer, &got.consumer)
        && same(&want.queue, &got.queue)
        && same(&want.routing_key, &got.routing_key)
        && same(&want.body, &got.body)
        && same(&want.redelivered, &got.redelivered)
}

/// The first channel or connection the broker closed with an error, against
/// the one expected (or none).
fn check_error(want: Option<&ErrorExpect>, events: &[Event], problems: &mut Vec<String>) {
    let got = events.iter().find_map(|e| match &e.kind {
        EventKind::ChannelClosed { error: Some(r), .. }
        | EventKind::ConnectionClosed { error: Some(r), .. } => Some(r),
        _ => None,
    });
    match (want, got) {
        (None, None) => {}
        (None, Some(r)) => problems.push(format!(
            "unexpected error {} {}",
            r.reply_code, r.reply_text
        )),
        (Some(w), None) => problems.push(format!(
            "expected error {}, but the broker closed nothing",
            w.reply_code
        )),
        (Some(w), Some(r)) => {
            if r.reply_code != w.reply_code {
                problems.push(format!(
                    "expected error {}, got {} {}",
                    w.reply_code, r.reply_code, r.reply_text
                ));
            } else if let Some(t) = w
                .text
                .as_ref()
                .filter(|t| !r.reply_text.contains(t.as_str()))
            {
                problems.push(format!(
                    "expected the error text to contain {t:?}, got {:?}",
                    r.reply_text
                ));
            }
        }
    }
}
