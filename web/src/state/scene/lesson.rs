//! A scene's lesson as the playground reads it: each step's caption and
//! what it does, as commands. The expectations are `warren run`'s to check
//! (natively, in the tests); the playground skips them, so a lesson the
//! page shows is one whose captions the test suite has held to account.

use std::rc::Rc;

use serde_json::Value;

use warren_core::Op;

// Through `crate::state`, not `super::super`: the module-chain test reads
// these paths (this file counts as part of `scene`).
use crate::state::command::Command;
use crate::state::scene::{consumer, err, producer, step, Obj, R};

/// A lesson: a title and its steps, plus the JSON as written (the scene
/// is saved with it, expectations included).
#[derive(Clone, Debug, PartialEq)]
pub struct Lesson {
    /// Shown in the lesson bar (the scene's name if empty).
    pub title: String,
    /// In order.
    pub steps: Vec<LessonStep>,
    /// `$.lesson` as read.
    pub raw: Rc<Value>,
}

/// One step: a caption, and its actions still as JSON, because an alias
/// (`$reply`) in them names a queue only known once an earlier step ran.
#[derive(Clone, Debug, PartialEq)]
pub struct LessonStep {
    /// Plain text; `` `code` `` spans are shown as code.
    pub caption: String,
    actions: Vec<Value>,
    path: String,
}

/// What a step does, in order: commands, and virtual time passing.
// A step has a handful of actions, consumed as soon as they are read:
// boxing the command would only add an allocation each.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug, PartialEq)]
pub enum Act {
    /// A command, given at the current virtual time.
    Do(Command),
    /// Milliseconds of virtual time before the next action.
    Wait(u64),
}

/// Reads `$.lesson`; every action is read once here, so that a lesson the
/// playground cannot perform is refused with its path when the scene loads.
pub fn parse(v: &Value) -> R<Lesson> {
    let mut o = Obj::new(v.clone(), "$.lesson")?;
    let title = o.string("title")?;
    let items = o.list("steps")?;
    if items.is_empty() {
        return err("$.lesson.steps", "expected a non-empty array of steps");
    }
    o.done()?;
    let mut steps = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let path = format!("$.lesson.steps[{i}]");
        let mut s = Obj::new(item.clone(), &path)?;
        let caption = s.string("caption")?;
        if caption.trim().is_empty() {
            return err(&s.at("caption"), "a caption says something");
        }
        let step = LessonStep {
            caption,
            actions: s.list("do")?,
            path,
        };
        s.skip("expect");
        s.done()?;
        step.acts(&|_| None)?;
        steps.push(step);
    }
    Ok(Lesson {
        title,
        steps,
        raw: Rc::new(v.clone()),
    })
}

impl LessonStep {
    /// The step's actions, each alias replaced by the name it stands for
    /// (`alias` answers from the world as it is when the step starts).
    ///
    /// # Errors
    /// The path of an action the playground cannot perform.
    pub fn acts(&self, alias: &dyn Fn(&str) -> Option<String>) -> R<Vec<Act>> {
        self.actions
            .iter()
            .enumerate()
            .map(|(k, a)| {
                let mut a = a.clone();
                substitute(&mut a, alias);
                act(&a, &format!("{}.do[{k}]", self.path))
            })
            .collect()
    }

    /// The exchange, routing key and headers of the step's last publish,
    /// for "why did it go there": a producer's last key, or a
    /// `basic.publish`'s. `None` if the step publishes nothing.
    pub fn last_publish(&self, acts: &[Act]) -> Option<LastPublish> {
        acts.iter().rev().find_map(|a| match a {
            Act::Do(Command::PublishFrom(name)) => Some(LastPublish::Producer(name.clone())),
            Act::Do(Command::Amqp(Op::BasicPublish(p))) => Some(LastPublish::Method {
                exchange: p.exchange.clone(),
                routing_key: p.routing_key.clone(),
                headers: p.properties.headers.clone().unwrap_or_default(),
            }),
            _ => None,
        })
    }
}

/// A step's last publish: by a producer (whose spec says the rest), or a
/// method with its own exchange, key and headers.
#[derive(Clone, Debug, PartialEq)]
pub enum LastPublish {
    /// `{"op": "publish", "producer": ...}`.
    Producer(String),
    /// `basic.publish`.
    Method {
        /// Exchange.
        exchange: String,
        /// Routing key.
        routing_key: String,
        /// Headers.
        headers: warren_core::FieldTable,
    },
}

/// Replaces every string that is a known alias, at any depth, except in
/// `body` (the scenario format's rule).
fn substitute(v: &mut Value, alias: &dyn Fn(&str) -> Option<String>) {
    match v {
        Value::String(s) => {
            if let Some(real) = alias(s) {
                *s = real;
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|x| substitute(x, alias)),
        Value::Object(m) => {
            for (k, x) in m.iter_mut() {
                if k != "body" && k != "as" {
                    substitute(x, alias);
                }
            }
        }
        _ => {}
    }
}

/// One action: an actor's verb, `wait`, or a scenario step the playground
/// performs (topology and publish).
pub(super) fn act(v: &Value, path: &str) -> R<Act> {
    let mut o = Obj::new(v.clone(), path)?;
    let op = o.string("op")?;
    let named = |o: &mut Obj, key: &str| -> R<String> {
        match o.str(key)? {
            Some(n) => Ok(n),
            None => err(o.path.as_str(), format!("`{op}` needs \"{key}\"")),
        }
    };
    let act = match op.as_str() {
        "wait" => match o.uint("ms")? {
            Some(ms) => Act::Wait(ms),
            None => return err(path, "`wait` needs \"ms\""),
        },
        "publish" => Act::Do(Command::PublishFrom(named(&mut o, "producer")?)),
        "rate" => {
            let name = named(&mut o, "producer")?;
            let rate = match o.take("per_sec") {
                None => None,
                Some(r) => match r.as_f64().filter(|r| r.is_finite() && *r >= 0.0) {
                    Some(r) => Some(r).filter(|r| *r > 0.0),
                    None => {
                        return err(&o.at("per_sec"), "expected messages per second, 0 or more")
                    }
                },
            };
            Act::Do(Command::SetRate(name, rate))
        }
        "start" => Act::Do(Command::StartConsumer(named(&mut o, "consumer")?)),
        "stop" => Act::Do(Command::StopConsumer(named(&mut o, "consumer")?)),
        "kill" => Act::Do(Command::KillConsumer(named(&mut o, "consumer")?)),
        "add" => match (o.take("producer"), o.take("consumer")) {
            (Some(p), None) => Act::Do(Command::AddProducer(producer(p, &o.at("producer"))?)),
            (None, Some(c)) => Act::Do(Command::AddConsumer(consumer(c, &o.at("consumer"))?)),
            _ => {
                return err(
                    path,
                    "`add` takes one \"producer\" or one \"consumer\" object",
                )
            }
        },
        _ => return method(v, path).map(Act::Do),
    };
    o.done()?;
    Ok(act)
}

/// A scenario step as a command; `queue.declare` with `"as"` names its
/// server-generated queue for later steps.
fn method(v: &Value, path: &str) -> R<Command> {
    let mut v = v.clone();
    let alias = match v.as_object_mut().and_then(|m| m.remove("as")) {
        None => None,
        Some(Value::String(a)) if a.starts_with('$') && a.len() > 1 => Some(a),
        Some(_) => return err(&format!("{path}.as"), "expected an alias starting with `$`"),
    };
    match (step(v, path)?, alias) {
        (Op::QueueDeclare(decl), Some(alias)) if decl.queue.is_empty() => {
            Ok(Command::DeclareQueueAs { decl, alias })
        }
        (_, Some(_)) => err(
            &format!("{path}.as"),
            "\"as\" names the generated queue of a queue.declare with \"queue\": \"\"",
        ),
        (op, None) => Ok(Command::Amqp(op)),
    }
}
