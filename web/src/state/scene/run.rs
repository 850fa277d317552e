//! The run so far, as a scene can carry it (the Share dialog's option): the
//! commands given since the scene started, each with its virtual time, and
//! the moment reached. Opening the scene replays them onto the timeline, so
//! the reader lands on the same moment and can scrub back through it.
//!
//! `"run": {"until": ms, "commands": [{"at": ms, "do": {...}}, ...]}`, times
//! counted from the scene's start. `do` is a lesson action (`publish`,
//! `start`, `add`, a scenario step, ...) or one of the edits only a run
//! holds: `redeclare`, `rebind`, `update` and `remove`.

use serde_json::Value;

use warren_core::Op;

use crate::state::command::Command;
use crate::state::scene::lesson::{self, Act};
use crate::state::scene::{
    consumer, consumer_json, err, obj, producer, producer_json, properties_json, s, step, Obj, R,
};
use crate::state::spec::BindingSpec;

/// Commands at their times (ms from the start), and the moment reached.
// Comparing and printing only in tests: derived for the page, they would
// bring `Command`'s own comparison and printing into the wasm.
#[cfg_attr(test, derive(Debug, PartialEq))]
pub struct Run {
    /// In order of time.
    pub commands: Vec<(u64, Command)>,
    /// Virtual ms from the start the run had reached.
    pub until: u64,
}

impl Run {
    /// The run as a scene's `"run"`; `None` if a command is one a scene
    /// cannot hold (an AMQP method the page never gives).
    pub fn to_value(&self) -> Option<Value> {
        let commands = self
            .commands
            .iter()
            .map(|(at, cmd)| {
                Some(obj(vec![
                    ("at", Value::from(*at)),
                    ("do", command_value(cmd)?),
                ]))
            })
            .collect::<Option<Vec<Value>>>()?;
        Some(obj(vec![
            ("until", Value::from(self.until)),
            ("commands", Value::Array(commands)),
        ]))
    }
}

/// Reads a scene's `"run"` (at `$.run`).
pub fn parse(v: Value) -> R<Run> {
    let mut o = Obj::new(v, "$.run")?;
    let until = o.uint("until")?.unwrap_or(0);
    let mut commands = Vec::new();
    let mut last = 0;
    for (i, c) in o.list("commands")?.into_iter().enumerate() {
        let path = format!("$.run.commands[{i}]");
        let mut e = Obj::new(c, &path)?;
        let Some(at) = e.uint("at")? else {
            return err(&path, "a command needs \"at\" (virtual ms from the start)");
        };
        if at < last || at > until {
            return err(
                &e.at("at"),
                format!("expected a time from {last} to {until} (\"until\"), in order"),
            );
        }
        last = at;
        let Some(d) = e.take("do") else {
            return err(&path, "a command needs \"do\"");
        };
        commands.push((at, command(d, &format!("{path}.do"))?));
        e.done()?;
    }
    o.done()?;
    Ok(Run { commands, until })
}

/// A command as a `do` object.
fn command_value(cmd: &Command) -> Option<Value> {
    let verb = |op: &str, key: &str, name: &str| obj(vec![("op", s(op)), (key, s(name))]);
    Some(match cmd {
        Command::Amqp(op) => op_value(op)?,
        Command::DeclareQueueAs { decl, alias } => {
            let mut v = op_value(&Op::QueueDeclare(decl.clone()))?;
            if let Value::Object(m) = &mut v {
                m.insert("as".into(), s(alias));
            }
            v
        }
        Command::PublishFrom(n) => verb("publish", "producer", n),
        Command::SetRate(n, rate) => obj(vec![
            ("op", s("rate")),
            ("producer", s(n)),
            ("per_sec", Value::from(rate.unwrap_or(0.0))),
        ]),
        Command::StartConsumer(n) => verb("start", "consumer", n),
        Command::StopConsumer(n) => verb("stop", "consumer", n),
        Command::KillConsumer(n) => verb("kill", "consumer", n),
        Command::AddProducer(p) => obj(vec![("op", s("add")), ("producer", producer_json(p))]),
        Command::AddConsumer(c) => obj(vec![("op", s("add")), ("consumer", consumer_json(c))]),
        Command::RedeclareExchange { name, decl } => obj(vec![
            ("op", s("redeclare")),
            ("name", s(name)),
            ("with", op_value(&Op::ExchangeDeclare(decl.clone()))?),
        ]),
        Command::RedeclareQueue { name, decl } => obj(vec![
            ("op", s("redeclare")),
            ("name", s(name)),
            ("with", op_value(&Op::QueueDeclare(decl.clone()))?),
        ]),
        Command::Rebind { old, new } => obj(vec![
            ("op", s("rebind")),
            ("from", op_value(&old.bind_op())?),
            ("to", op_value(&new.bind_op())?),
        ]),
        Command::UpdateProducer { name, spec } => obj(vec![
            ("op", s("update")),
            ("producer", s(name)),
            ("with", producer_json(spec)),
        ]),
        Command::UpdateConsumer { name, spec } => obj(vec![
            ("op", s("update")),
            ("consumer", s(name)),
            ("with", consumer_json(spec)),
        ]),
        Command::RemoveActor(n) => verb("remove", "actor", n),
    })
}

/// The scenario step of a method the page gives (topology, purge and
/// publish: what the scene reader's `step` reads back), written field by
/// field: `Op`'s serde form would bring its serializer into the wasm for
/// this alone. `None` for other methods.
fn op_value(op: &Op) -> Option<Value> {
    let b = Value::Bool;
    let fields = match op {
        Op::ExchangeDeclare(m) => vec![
            ("exchange", s(&m.exchange)),
            (
                "exchange_type",
                m.exchange_type.as_deref().map_or(Value::Null, s),
            ),
            ("durable", b(m.durable)),
            ("auto_delete", b(m.auto_delete)),
            ("internal", b(m.internal)),
            ("arguments", m.arguments.to_json()),
        ],
        Op::ExchangeDelete(m) => vec![("exchange", s(&m.exchange)), ("if_unused", b(m.if_unused))],
        Op::QueueDeclare(m) => vec![
            ("queue", s(&m.queue)),
            ("durable", b(m.durable)),
            ("exclusive", b(m.exclusive)),
            ("auto_delete", b(m.auto_delete)),
            ("arguments", m.arguments.to_json()),
        ],
        Op::QueueDelete(m) => vec![
            ("queue", s(&m.queue)),
            ("if_unused", b(m.if_unused)),
            ("if_empty", b(m.if_empty)),
        ],
        Op::QueuePurge(m) => vec![("queue", s(&m.queue))],
        Op::QueueBind(m) | Op::QueueUnbind(m) => vec![
            ("queue", s(&m.queue)),
            ("exchange", s(&m.exchange)),
            ("routing_key", s(&m.routing_key)),
            ("arguments", m.arguments.to_json()),
        ],
        Op::ExchangeBind(m) | Op::ExchangeUnbind(m) => vec![
            ("destination", s(&m.destination)),
            ("source", s(&m.source)),
            ("routing_key", s(&m.routing_key)),
            ("arguments", m.arguments.to_json()),
        ],
        Op::BasicPublish(m) => vec![
            ("exchange", s(&m.exchange)),
            ("routing_key", s(&m.routing_key)),
            ("body", s(&m.body)),
            ("properties", properties_json(&m.properties)),
            ("mandatory", b(m.mandatory)),
            ("immediate", b(m.immediate)),
        ],
        _ => return None,
    };
    let mut all = vec![("op", s(op.name()))];
    all.extend(fields);
    Some(obj(all))
}

/// A `do` object as a command: a run's own edits, else a lesson action.
fn command(v: Value, path: &str) -> R<Command> {
    let verb = v.get("op").and_then(Value::as_str).unwrap_or("").to_owned();
    if !matches!(verb.as_str(), "redeclare" | "rebind" | "update" | "remove") {
        return match lesson::act(&v, path)? {
            Act::Do(cmd) => Ok(cmd),
            Act::Wait(_) => err(path, "a run has no `wait`: each command has its own \"at\""),
        };
    }
    let mut o = Obj::new(v, path)?;
    o.skip("op");
    let cmd = match verb.as_str() {
        "redeclare" => redeclare(&mut o)?,
        "rebind" => Command::Rebind {
            old: binding(&mut o, "from")?,
            new: binding(&mut o, "to")?,
        },
        "update" => update(&mut o)?,
        _ => match o.str("actor")? {
            Some(n) => Command::RemoveActor(n),
            None => return err(path, "`remove` needs \"actor\""),
        },
    };
    o.done()?;
    Ok(cmd)
}

fn redeclare(o: &mut Obj) -> R<Command> {
    let name = o.string("name")?;
    let at = o.at("with");
    let Some(with) = o.take("with") else {
        return err(
            &at,
            "`redeclare` needs \"with\": an exchange.declare or queue.declare",
        );
    };
    match step(with, &at)? {
        Op::ExchangeDeclare(decl) => Ok(Command::RedeclareExchange { name, decl }),
        Op::QueueDeclare(decl) => Ok(Command::RedeclareQueue { name, decl }),
        _ => err(&at, "expected an exchange.declare or queue.declare"),
    }
}

fn binding(o: &mut Obj, key: &str) -> R<BindingSpec> {
    let at = o.at(key);
    let Some(v) = o.take(key) else {
        return err(
            &at,
            "`rebind` needs \"from\" and \"to\": queue.bind or exchange.bind steps",
        );
    };
    match step(v, &at)? {
        Op::QueueBind(b) => Ok(BindingSpec {
            source: b.exchange,
            destination: b.queue,
            to_exchange: false,
            routing_key: b.routing_key,
            arguments: b.arguments,
        }),
        Op::ExchangeBind(b) => Ok(BindingSpec {
            source: b.source,
            destination: b.destination,
            to_exchange: true,
            routing_key: b.routing_key,
            arguments: b.arguments,
        }),
        _ => err(&at, "expected a queue.bind or exchange.bind"),
    }
}

fn update(o: &mut Obj) -> R<Command> {
    let at = o.at("with");
    let with = o.take("with");
    match (o.str("producer")?, o.str("consumer")?, with) {
        (Some(name), None, Some(w)) => Ok(Command::UpdateProducer {
            name,
            spec: producer(w, &at)?,
        }),
        (None, Some(name), Some(w)) => Ok(Command::UpdateConsumer {
            name,
            spec: consumer(w, &at)?,
        }),
        _ => err(
            &o.path,
            "`update` takes \"producer\" or \"consumer\" (its name) and \"with\" (its new settings)",
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use warren_core::methods::{ExchangeDeclare, QueueDeclare};
    use warren_core::{ConsumerSpec, FieldTable, ProducerSpec};

    #[test]
    fn every_command_reads_back_as_written() {
        let b = |key: &str| BindingSpec {
            source: "order".into(),
            destination: "order_report".into(),
            to_exchange: false,
            routing_key: key.into(),
            arguments: FieldTable::new(),
        };
        let decl = QueueDeclare {
            queue: "jobs".into(),
            durable: true,
            ..QueueDeclare::default()
        };
        let commands = [
            Command::PublishFrom("web shop".into()),
            Command::SetRate("web shop".into(), Some(2.5)),
            Command::SetRate("web shop".into(), None),
            Command::StartConsumer("mailer".into()),
            Command::StopConsumer("mailer".into()),
            Command::KillConsumer("printer".into()),
            Command::AddProducer(ProducerSpec {
                name: "p".into(),
                exchange: "order".into(),
                ..ProducerSpec::default()
            }),
            Command::AddConsumer(ConsumerSpec {
                name: "c".into(),
                queue: "jobs".into(),
                prefetch: 3,
                ..ConsumerSpec::default()
            }),
            Command::declare_queue(decl.clone()),
            Command::purge_queue("jobs"),
            Command::delete_queue("jobs"),
            Command::delete_exchange("order"),
            Command::bind(&b("order.notify")),
            Command::unbind(&b("order.notify")),
            Command::publish(warren_core::methods::BasicPublish {
                exchange: "order".into(),
                routing_key: "order.report".into(),
                body: "{\"id\": 7}".into(),
                properties: warren_core::Properties {
                    priority: Some(3),
                    ..warren_core::Properties::default()
                },
                mandatory: true,
                immediate: false,
            }),
            Command::DeclareQueueAs {
                decl: QueueDeclare::default(),
                alias: "$reply".into(),
            },
            Command::RedeclareQueue {
                name: "jobs".into(),
                decl,
            },
            Command::RedeclareExchange {
                name: "order".into(),
                decl: ExchangeDeclare {
                    exchange: "orders".into(),
                    exchange_type: Some("topic".into()),
                    durable: true,
                    ..ExchangeDeclare::default()
                },
            },
            Command::Rebind {
                old: b("order.report"),
                new: b("order.*"),
            },
            Command::UpdateConsumer {
                name: "c".into(),
                spec: ConsumerSpec {
                    name: "c2".into(),
                    queue: "jobs".into(),
                    ..ConsumerSpec::default()
                },
            },
            Command::RemoveActor("c2".into()),
        ];
        let run = Run {
            commands: commands
                .iter()
                .cloned()
                .enumerate()
                .map(|(i, c)| (i as u64 * 10, c))
                .collect(),
            until: 500,
        };
        let back = parse(run.to_value().unwrap()).unwrap();
        assert_eq!(back, run);
    }

    #[test]
    fn a_run_out_of_order_or_past_its_end_is_refused_with_its_path() {
        let v = serde_json::json!({"until": 100, "commands": [
            {"at": 50, "do": {"op": "publish", "producer": "p"}},
            {"at": 20, "do": {"op": "publish", "producer": "p"}}
        ]});
        let e = parse(v).unwrap_err();
        assert!(e.starts_with("$.run.commands[1].at"), "{e}");
        let v = serde_json::json!({"until": 10, "commands": [{"at": 50, "do": {"op": "publish", "producer": "p"}}]});
        assert!(parse(v).is_err());
        let v = serde_json::json!({"until": 10, "commands": [{"at": 5, "do": {"op": "wait", "ms": 5}}]});
        assert!(parse(v).unwrap_err().contains("no `wait`"));
    }
}
