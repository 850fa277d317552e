//! `warren run`: a scenario's trace, as JSON or as a readable transcript.

use crate::out::{out, outln};
use std::fmt::Write as _;

use warren_core::methods::BasicPublish;
use warren_core::Op;
use warren_scenario::lesson::{self, Lesson};
use warren_scenario::scenario::Action;
use warren_scenario::{Runner, Scenario, TraceKind};

use crate::args::RunArgs;
use crate::input;
use crate::Failure;

pub(crate) fn run(a: &RunArgs) -> Result<(), Failure> {
    let input = input::read(&a.file)?;
    let scenario = input::scenario(&input)?;
    let mut runner = input::runner(&input, &scenario)?;
    if let Some(lesson) = &scenario.lesson {
        return run_lesson(&scenario, lesson, &mut runner, a.pretty);
    }
    if !a.pretty {
        let trace = runner.run(&scenario);
        outln!(
            "{}",
            serde_json::to_string_pretty(&trace.to_value()).unwrap_or_default()
        );
        return Ok(());
    }
    out!("{}", transcript(&scenario, &mut runner));
    Ok(())
}

/// Runs a lesson and checks every step's expectations: a line per step
/// (`--pretty`) or a JSON report, then a failure naming each step that did
/// not hold, with its caption.
fn run_lesson(
    scenario: &Scenario,
    lesson: &Lesson,
    runner: &mut Runner,
    pretty: bool,
) -> Result<(), Failure> {
    let report = lesson::run(scenario, lesson, runner);
    let total = report.steps.len();
    if pretty {
        let title = if lesson.title.is_empty() {
            &scenario.name
        } else {
            &lesson.title
        };
        outln!("# {title}");
        for (i, (caption, problems)) in report.steps.iter().enumerate() {
            let mark = if problems.is_empty() { "ok  " } else { "FAIL" };
            outln!("{mark} step {} of {total}: {caption}", i + 1);
            for p in problems {
                outln!("       - {p}");
            }
        }
    } else {
        let steps: Vec<_> = report
            .steps
            .iter()
            .enumerate()
            .map(|(i, (caption, problems))| {
                serde_json::json!({
                    "step": i + 1,
                    "caption": caption,
                    "ok": problems.is_empty(),
                    "problems": problems,
                })
            })
            .collect();
        let v = serde_json::json!({
            "scenario": scenario.name,
            "lesson": steps,
            "passed": report.passed(),
        });
        outln!("{}", serde_json::to_string_pretty(&v).unwrap_or_default());
    }
    let failures = report.failures();
    if failures.is_empty() {
        return Ok(());
    }
    let text: String = failures.iter().map(ToString::to_string).collect();
    Err(Failure::Lesson(format!(
        "{} of {total} lesson step(s) did not hold:\n{}",
        failures.len(),
        text.trim_end()
    )))
}

/// The readable transcript: each step, what routed it, what came back, and
/// the queues at the end.
fn transcript(scenario: &Scenario, runner: &mut Runner) -> String {
    let mut out = String::new();
    if !scenario.name.is_empty() {
        let _ = writeln!(out, "# {}", scenario.name);
    }
    if !scenario.description.is_empty() {
        let _ = writeln!(out, "{}\n", scenario.description);
    }
    for (i, step) in scenario.steps.iter().enumerate() {
        let _ = writeln!(
            out,
            "[{i}] ch {}{}: {}",
            step.channel,
            conn(step.connection),
            describe(&step.action)
        );
        if let Action::Amqp(Op::BasicPublish(p)) = &step.action {
            explain_publish(&mut out, runner, p);
        }
        let before = runner.events().len();
        runner.step(i, step);
        for e in &runner.events()[before..] {
            let _ = writeln!(
                out,
                "      ← ch {}{}: {}",
                e.channel,
                conn(e.connection),
                describe_event(&e.kind)
            );
        }
    }
    queues_at_end(&mut out, runner);
    out
}

/// Why a publish goes where it goes, asked of the broker before it happens.
fn explain_publish(out: &mut String, runner: &Runner, p: &BasicPublish) {
    let headers = p.properties.headers.clone().unwrap_or_default();
    let why = runner
        .broker()
        .explain_route(&p.exchange, &p.routing_key, &headers);
    for hop in &why.hops {
        for b in hop.bindings.iter().filter(|b| b.matched) {
            let _ = writeln!(
                out,
                "      {} → {}: {}",
                show(&hop.exchange),
                b.destination,
                b.reason
            );
        }
        if let Some(ae) = &hop.alternate {
            let _ = writeln!(out, "      {}: {ae}", show(&hop.exchange));
        }
    }
    if why.error.is_none() && why.queues.is_empty() {
        let _ = writeln!(
            out,
            "      no binding matched: {}",
            if p.mandatory {
                "returned to the publisher"
            } else {
                "dropped"
            }
        );
    }
}

fn queues_at_end(out: &mut String, runner: &mut Runner) {
    let queues = runner.drain_queues();
    let _ = writeln!(out, "\nAt the end:");
    for (name, msgs) in &queues {
        let bodies: Vec<String> = msgs.iter().map(|m| format!("{:?}", m.body)).collect();
        let _ = writeln!(
            out,
            "  queue {name}: {} ready {}",
            msgs.len(),
            if bodies.is_empty() {
                String::new()
            } else {
                format!("[{}]", bodies.join(", "))
            }
        );
    }
}

fn conn(c: u32) -> String {
    if c == 1 {
        String::new()
    } else {
        format!(" (connection {c})")
    }
}

fn show(exchange: &str) -> String {
    if exchange.is_empty() {
        "(default exchange)".into()
    } else {
        format!("exchange {exchange}")
    }
}

fn describe(action: &Action) -> String {
    let op = match action {
        Action::Amqp(op) => op,
        Action::Wait { ms } => return format!("wait {ms} ms"),
        other => return other.name().into(),
    };
    match op {
        Op::ExchangeDeclare(m) => format!(
            "declare {} exchange {}",
            m.exchange_type.as_deref().unwrap_or("direct"),
            m.exchange
        ),
        Op::ExchangeDelete(m) => format!("delete exchange {}", m.exchange),
        Op::ExchangeBind(m) => format!(
            "bind exchange {} → exchange {} with {:?}",
            m.source, m.destination, m.routing_key
        ),
        Op::ExchangeUnbind(m) => format!(
            "unbind exchange {} → exchange {} ({:?})",
            m.source, m.destination, m.routing_key
        ),
        Op::QueueDeclare(m) => format!(
            "declare queue {}",
            if m.queue.is_empty() {
                "(server-named)"
            } else {
                &m.queue
            }
        ),
        Op::QueueBind(m) => format!(
            "bind {} → queue {} with {:?}",
            show(&m.exchange),
            m.queue,
            m.routing_key
        ),
        Op::QueueUnbind(m) => format!(
            "unbind {} → queue {} ({:?})",
            show(&m.exchange),
            m.queue,
            m.routing_key
        ),
        Op::QueuePurge(m) => format!("purge queue {}", m.queue),
        Op::QueueDelete(m) => format!("delete queue {}", m.queue),
        other => describe_basic(other),
    }
}

/// The basic.* methods and the channel-level ones, apart from the
/// exchange and queue ones above.
fn describe_basic(op: &Op) -> String {
    match op {
        Op::BasicQos(m) => format!(
            "prefetch {}{}",
            m.prefetch_count,
            if m.global_qos { " (channel-wide)" } else { "" }
        ),
        Op::BasicConsume(m) => format!(
            "consume from {} as {:?}{}",
            m.queue,
            m.consumer_tag,
            if m.auto_ack { " (auto-ack)" } else { "" }
        ),
        Op::BasicCancel(m) => format!("cancel consumer {:?}", m.consumer_tag),
        Op::BasicPublish(m) => format!(
            "publish {:?} to {} with key {:?}{}",
            m.body,
            show(&m.exchange),
            m.routing_key,
            if m.mandatory { " (mandatory)" } else { "" }
        ),
        Op::BasicGet(m) => format!("get from {}", m.queue),
        Op::BasicAck(m) => format!(
            "ack {}{}",
            m.delivery_tag,
            if m.multiple { " and earlier" } else { "" }
        ),
        Op::BasicNack(m) => format!(
            "nack {}{} ({})",
            m.delivery_tag,
            if m.multiple { " and earlier" } else { "" },
            if m.requeue { "requeue" } else { "no requeue" }
        ),
        Op::BasicReject(m) => format!(
            "reject {} ({})",
            m.delivery_tag,
            if m.requeue { "requeue" } else { "no requeue" }
        ),
        Op::BasicRecover(_) => "recover".into(),
        Op::ConfirmSelect => "confirm.select".into(),
        Op::ChannelOpen => "open channel".into(),
        Op::ChannelClose => "close channel".into(),
        Op::ConnectionClose => "close connection".into(),
        other => other.name().into(),
    }
}

fn describe_event(k: &TraceKind) -> String {
    match k {
        TraceKind::DeclareOk {
            queue,
            message_count,
            consumer_count,
        } => {
            format!("declare-ok {queue} ({message_count} ready, {consumer_count} consumers)")
        }
        TraceKind::ExchangeDeclareOk => "declare-ok".into(),
        TraceKind::ExchangeDeleteOk => "delete-ok".into(),
        TraceKind::ConsumeOk { consumer_tag } => format!("consume-ok {consumer_tag}"),
        TraceKind::Deliver {
            consumer_tag,
            delivery_tag,
            message,
        } => format!(
            "{consumer_tag} receives {:?} (tag {delivery_tag}{}, from {} key {:?})",
            message.body,
            if message.redelivered {
                ", redelivered"
            } else {
                ""
            },
            show(&message.exchange),
            message.routing_key
        ),
        TraceKind::GetOk {
            delivery_tag,
            message_count,
            message,
        } => format!(
            "get-ok {:?} (tag {delivery_tag}{}, {message_count} left)",
            message.body,
            if message.redelivered {
                ", redelivered"
            } else {
                ""
            }
        ),
        TraceKind::GetEmpty => "get-empty".into(),
        TraceKind::PurgeOk { message_count } => format!("purge-ok ({message_count} removed)"),
        TraceKind::DeleteOk { message_count } => format!("delete-ok ({message_count} removed)"),
        TraceKind::Return {
            reply_code,
            reply_text,
            body,
            ..
        } => format!("returned {body:?}: {reply_code} {reply_text}"),
        TraceKind::Confirm {
            delivery_tag, ack, ..
        } => format!(
            "publisher {} for message {delivery_tag}",
            if *ack { "ack" } else { "nack" }
        ),
        TraceKind::Cancel { consumer_tag } => format!("broker cancelled consumer {consumer_tag}"),
        TraceKind::ChannelClosed {
            reply_code,
            reply_text,
            ..
        } => format!("channel closed: {reply_code} {reply_text}"),
        TraceKind::ConnectionClosed {
            reply_code,
            reply_text,
            ..
        } => format!("connection closed: {reply_code} {reply_text}"),
    }
}
