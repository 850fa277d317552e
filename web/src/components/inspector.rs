//! The inspector: the selection's state as the broker sees it (a queue's
//! messages with their properties and x-death, a consumer's unacked
//! deliveries, an exchange's bindings), its controls, and its edit form.

use std::rc::Rc;

use warren_core::{
    BindingInfo, ConsumerInfo, ConsumerSpec, ConsumerState, ConsumerView, ExchangeInfo,
    ProducerSpec, ProducerView, QueueInfo, SimTime,
};
use yew::prelude::*;

use super::charts::{consumer_charts, queue_charts, ChartCtx};
use super::fields::shown_exchange;
use super::forms::{BindingForm, ConsumerForm, ExchangeForm, ProducerForm, QueueForm};
use super::message::MessageCard;
use crate::state::fields::{human_ms, inline_table};
use crate::state::graph::state_word;
use crate::state::{
    Action, BindingSpec, Command, CommandError, FormId, Inspection, MessageSummary, Selection,
    WorldView, MESSAGE_LIMIT,
};

/// Inspector props.
#[derive(Properties, PartialEq)]
pub struct InspectorProps {
    /// What to show.
    pub inspection: Inspection,
    /// The world (names for the forms).
    pub view: Rc<WorldView>,
    /// Current virtual time (for "expires in").
    pub now: SimTime,
    /// The edit form's refusal.
    pub edit_error: Option<CommandError>,
    /// The controls' refusal.
    pub controls_error: Option<CommandError>,
    /// Successful edits (resets the form).
    pub edits: u64,
    /// The lint's findings on the selection.
    #[prop_or_default]
    pub findings: Rc<Vec<crate::state::Shown>>,
    /// Intents.
    pub on: Callback<Action>,
    /// Figures over time, for the charts (none: no charts).
    #[prop_or_default]
    pub charts: Option<ChartCtx>,
}

fn cmd(on: &Callback<Action>, c: Command) -> Callback<MouseEvent> {
    let on = on.clone();
    Callback::from(move |_| on.emit(Action::Submit(FormId::Controls, c.clone())))
}

fn act(on: &Callback<Action>, a: Action) -> Callback<MouseEvent> {
    let on = on.clone();
    Callback::from(move |_| on.emit(a.clone()))
}

fn controls_error(e: Option<&CommandError>) -> Html {
    super::fields::error_line("controls", None, e)
}

fn binding_row(b: &BindingInfo, on: &Callback<Action>, show_source: bool) -> Html {
    let spec = BindingSpec {
        source: b.source.clone(),
        destination: b.destination.clone(),
        to_exchange: b.to_exchange,
        routing_key: b.routing_key.clone(),
        arguments: b.arguments.clone(),
    };
    let args = inline_table(&b.arguments);
    let label = if show_source {
        b.source.clone()
    } else {
        format!(
            "{}{}",
            if b.to_exchange { "exchange " } else { "" },
            b.destination
        )
    };
    html! {
        <li>
            <button type="button" class="link" onclick={act(on, Action::Select(Selection::Binding(spec)))}>
                { label }
            </button>
            <code>{ format!("{:?}", b.routing_key) }</code>
            if !args.is_empty() { <code class="args">{ args }</code> }
        </li>
    }
}

fn dl(rows: Vec<(&str, String)>) -> Html {
    html! {
        <dl class="facts">
            { for rows.into_iter().map(|(k, v)| html! { <><dt>{ k.to_owned() }</dt><dd>{ v }</dd></> }) }
        </dl>
    }
}

fn yes(b: bool) -> String {
    if b { "yes" } else { "no" }.to_owned()
}

/// The inspector.
#[function_component(Inspector)]
pub fn inspector(p: &InspectorProps) -> Html {
    let body = match &p.inspection {
        Inspection::None => html! {
            <div class="empty-inspector">
                <p>{ "Select something on the canvas to see its state: click it, or Tab to it and press Enter." }</p>
                <p>{ "Press a producer's ▶ button (in the order flow, ▶ Place order) to send messages; watch them travel, then inspect a queue or a consumer." }</p>
            </div>
        },
        Inspection::Gone(what) => html! {
            <p class="gone">{ format!("{what} does not exist at this moment.") }</p>
        },
        Inspection::Exchange {
            info,
            outgoing,
            incoming,
            dead_letter_from,
        } => exchange_section(p, info, outgoing, incoming, dead_letter_from),
        Inspection::Queue {
            info,
            messages,
            total,
            unacked,
            bindings,
            consumers,
        } => queue_section(p, info, messages, *total, unacked, bindings, consumers),
        Inspection::Binding {
            binding,
            source_type,
        } => binding_section(p, binding, source_type),
        Inspection::Producer { view, spec } => producer_section(p, view, spec),
        Inspection::Consumer {
            view,
            spec,
            unacked,
        } => consumer_section(p, view, spec, unacked),
        Inspection::Message(m) => html! {
            <>
                <header class="insp-head">
                    <span class="kind">{ "message" }</span>
                    <h2 id="inspector-title">{ format!("#{}", m.id) }</h2>
                </header>
                <MessageCard message={m.clone()} now={p.now} on={p.on.clone()} open=true />
            </>
        },
    };
    html! {
        <section class="inspector" id="inspector" aria-labelledby="inspector-title" aria-live="off">
            { super::findings::list(&p.findings, &p.on) }
            { body }
        </section>
    }
}

/// An exchange: its settings, its bindings both ways, and (unless the
/// broker predeclared it) its edit form.
fn exchange_section(
    p: &InspectorProps,
    info: &ExchangeInfo,
    outgoing: &[BindingInfo],
    incoming: &[BindingInfo],
    dead_letter_from: &[String],
) -> Html {
    let on = &p.on;
    let name = if info.name.is_empty() {
        "(AMQP default)".to_owned()
    } else {
        info.name.clone()
    };
    html! {
        <>
            <header class="insp-head">
                <span class="kind">{ "exchange" }</span>
                <h2 id="inspector-title">{ name }</h2>
                if !info.predeclared {
                    <button type="button" class="danger" id="delete-selected"
                            onclick={cmd(on, Command::delete_exchange(info.name.clone()))}>{ "Delete" }</button>
                }
            </header>
            { dl(vec![
                ("type", info.exchange_type.clone()),
                ("durable", yes(info.durable)),
                ("auto-delete", yes(info.auto_delete)),
                ("internal", yes(info.internal)),
                ("alternate exchange", info.alternate_exchange.clone().unwrap_or_else(|| "none".into())),
                ("arguments", { let a = inline_table(&info.arguments); if a.is_empty() { "none".into() } else { a } }),
            ]) }
            { controls_error(p.controls_error.as_ref()) }
            <h3>{ format!("Bindings from it ({})", outgoing.len()) }</h3>
            if outgoing.is_empty() {
                <p class="dim">{ "None: messages published here go nowhere (or to its alternate exchange)." }</p>
            } else {
                <ul class="bindings" id="exchange-bindings">{ for outgoing.iter().map(|b| binding_row(b, on, false)) }</ul>
            }
            if !incoming.is_empty() {
                <h3>{ "Exchanges bound to it" }</h3>
                <ul class="bindings">{ for incoming.iter().map(|b| binding_row(b, on, true)) }</ul>
            }
            if !dead_letter_from.is_empty() {
                <p>{ format!("Dead-letter exchange of: {}", dead_letter_from.join(", ")) }</p>
            }
            if info.predeclared {
                <p class="dim">{ "Predeclared by the broker: it cannot be changed or deleted." }</p>
            } else {
                <details class="edit" open=true>
                    <summary>{ "Edit" }</summary>
                    <ExchangeForm key={format!("x:{}", info.name)} form={FormId::Edit} existing={Some(info.clone())}
                        exchanges={p.view.exchange_names()} error={p.edit_error.clone()} reset={p.edits} on={on.clone()} />
                </details>
            }
        </>
    }
}

/// A queue: its settings and counts, its ready (the first
/// [`MESSAGE_LIMIT`] of `total`) and unacknowledged messages, its bindings
/// and consumers, and its edit form.
fn queue_section(
    p: &InspectorProps,
    info: &QueueInfo,
    messages: &[MessageSummary],
    total: usize,
    unacked: &[MessageSummary],
    bindings: &[BindingInfo],
    consumers: &[ConsumerInfo],
) -> Html {
    let on = &p.on;
    html! {
        <>
            <header class="insp-head">
                <span class="kind">{ "queue" }</span>
                <h2 id="inspector-title">{ info.name.clone() }</h2>
                <button type="button" id="purge-selected" onclick={cmd(on, Command::purge_queue(info.name.clone()))}>{ "Purge" }</button>
                <button type="button" class="danger" id="delete-selected" onclick={cmd(on, Command::delete_queue(info.name.clone()))}>{ "Delete" }</button>
            </header>
            { dl(queue_facts(info)) }
            if let Some(ctx) = &p.charts {
                { queue_charts(ctx, &info.name) }
            }
            { controls_error(p.controls_error.as_ref()) }
            if info.config.queue_type == warren_core::QueueType::Stream {
                <h3>{ format!("Log ({total})") }</h3>
                <p class="dim">{ "Oldest first. Reading does not remove a message: each consumer moves its own offset, and a new one can start from the first." }</p>
            } else {
                <h3>{ format!("Ready messages ({total})") }</h3>
            }
            if messages.is_empty() {
                <p class="dim">{ "Empty." }</p>
            } else {
                <ol class="messages" id="queue-messages">
                    { for messages.iter().map(|m| html! { <li key={m.id}><MessageCard message={m.clone()} now={p.now} on={on.clone()} /></li> }) }
                </ol>
                if total > MESSAGE_LIMIT {
                    <p class="dim">{ format!("… and {} more.", total - MESSAGE_LIMIT) }</p>
                }
            }
            if !unacked.is_empty() {
                <h3>{ format!("Unacknowledged ({})", unacked.len()) }</h3>
                <ol class="messages">
                    { for unacked.iter().map(|m| html! { <li key={m.id}><MessageCard message={m.clone()} now={p.now} on={on.clone()} /></li> }) }
                </ol>
            }
            <h3>{ format!("Bindings into it ({})", bindings.len()) }</h3>
            <ul class="bindings">{ for bindings.iter().map(|b| binding_row(b, on, true)) }</ul>
            if !consumers.is_empty() {
                <h3>{ "Consumers (broker view)" }</h3>
                <ul class="plain">
                    { for consumers.iter().map(|c| html! {
                        <li>{ format!("{} — prefetch {}, {} unacked{}{}{}", c.tag,
                            if c.prefetch == 0 { "∞".to_owned() } else { c.prefetch.to_string() }, c.unacked,
                            if c.priority != 0 { format!(", priority {}", c.priority) } else { String::new() },
                            c.offset.map(|o| format!(", reads offset {o} next")).unwrap_or_default(),
                            if c.active { "" } else { ", waiting (single active consumer)" }) }</li>
                    }) }
                </ul>
            }
            <details class="edit">
                <summary>{ "Edit / rename" }</summary>
                <QueueForm key={format!("q:{}", info.name)} form={FormId::Edit} existing={Some(info.clone())}
                    exchanges={p.view.exchange_names()} error={p.edit_error.clone()} reset={p.edits} on={on.clone()} />
            </details>
        </>
    }
}

/// A queue's settings and counts: those it always has, then the optional
/// arguments it was declared with.
fn queue_facts(info: &QueueInfo) -> Vec<(&'static str, String)> {
    let c = &info.config;
    let stream = c.queue_type == warren_core::QueueType::Stream;
    let (held, count, bytes) = if stream {
        ("log", info.log_length, info.log_bytes)
    } else {
        ("ready", info.ready, info.ready_bytes)
    };
    let mut facts = vec![
        (held, format!("{count} ({bytes} bytes)")),
        ("unacked", info.unacked.to_string()),
        (
            "consumers",
            if info.consumers.is_empty() {
                "none".into()
            } else {
                info.consumers.join(", ")
            },
        ),
        (
            "durable / exclusive / auto-delete",
            format!(
                "{} / {} / {}",
                yes(info.durable),
                yes(info.exclusive),
                yes(info.auto_delete)
            ),
        ),
    ];
    if let Some(t) = c.message_ttl {
        facts.push(("message TTL", human_ms(t)));
    }
    if let Some(t) = c.expires {
        facts.push(("expires", human_ms(t)));
    }
    if let Some(n) = c.max_length {
        facts.push(("max length", format!("{n} ({})", c.overflow.name())));
    }
    if let Some(n) = c.max_length_bytes {
        facts.push(("max bytes", n.to_string()));
    }
    if let Some(x) = &c.dead_letter_exchange {
        facts.push(("dead-letter exchange", shown_exchange(x)));
    }
    if let Some(k) = &c.dead_letter_routing_key {
        facts.push(("dead-letter key", k.clone()));
    }
    if let Some(m) = c.max_priority {
        facts.push(("max priority", m.to_string()));
    }
    if c.queue_type != warren_core::QueueType::Classic {
        facts.push(("type", c.queue_type.name().to_owned()));
    }
    if let Some(n) = c.delivery_limit {
        facts.push(("delivery limit", n.to_string()));
    }
    if let Some(age) = info.arguments.get("x-max-age").and_then(|v| v.as_str()) {
        facts.push(("max age", format!("{age} (retention is not simulated)")));
    }
    if c.single_active_consumer {
        facts.push((
            "single active consumer",
            info.active_consumer
                .clone()
                .unwrap_or_else(|| "none yet".into()),
        ));
    }
    if let Some(pol) = &c.policy {
        facts.push(("policy", pol.clone()));
    }
    facts
}

/// A binding (of a source of type `source_type`): its ends, key and
/// arguments, and its edit form.
fn binding_section(p: &InspectorProps, binding: &BindingSpec, source_type: &str) -> Html {
    let on = &p.on;
    let args = inline_table(&binding.arguments);
    html! {
        <>
            <header class="insp-head">
                <span class="kind">{ "binding" }</span>
                <h2 id="inspector-title">{ format!("{} → {}", binding.source, binding.destination) }</h2>
                <button type="button" class="danger" id="delete-selected" onclick={cmd(on, Command::unbind(binding))}>{ "Unbind" }</button>
            </header>
            { dl(vec![
                ("source", format!("{} ({source_type})", binding.source)),
                ("destination", format!("{} {}", if binding.to_exchange { "exchange" } else { "queue" }, binding.destination)),
                ("binding key", format!("{:?}", binding.routing_key)),
                ("arguments", if args.is_empty() { "none".into() } else { args }),
            ]) }
            { controls_error(p.controls_error.as_ref()) }
            <details class="edit" open=true>
                <summary>{ "Edit" }</summary>
                <BindingForm key={format!("b:{}>{}:{}:{}", binding.source, binding.destination, binding.routing_key, inline_table(&binding.arguments))} form={FormId::Edit} existing={Some(binding.clone())}
                    exchanges={p.view.exchange_types()} queues={p.view.queue_names()} error={p.edit_error.clone()} reset={p.edits} on={on.clone()} />
            </details>
        </>
    }
}

/// A producer: its publish button, its counts, and its edit form.
fn producer_section(p: &InspectorProps, view: &ProducerView, spec: &ProducerSpec) -> Html {
    let on = &p.on;
    let rate_on = view.rate_per_sec.is_some();
    html! {
        <>
            <header class="insp-head">
                <span class="kind">{ "producer" }</span>
                <h2 id="inspector-title">{ view.name.clone() }</h2>
                <button type="button" class="primary" id="inspector-publish" onclick={cmd(on, Command::PublishFrom(view.name.clone()))}>{ if spec.button.is_empty() { "▶ Publish now".to_owned() } else { format!("▶ {}", spec.button) } }</button>
                <button type="button" class="danger" id="delete-selected" onclick={cmd(on, Command::RemoveActor(view.name.clone()))}>{ "Remove" }</button>
            </header>
            { dl(vec![
                ("publishes to", format!("{} with key(s) {}", shown_exchange(&view.exchange), view.routing_keys.join(", "))),
                ("rate", view.rate_per_sec.map_or("on demand".into(), |r| format!("{r} messages/s"))),
                ("sent / accepted", format!("{} / {}", view.sent, view.published)),
                ("refused / returned", format!("{} / {}", view.failed, view.returned)),
                ("confirms (ack / nack)", if spec.confirm { format!("{} / {}", view.confirmed, view.confirm_nacked) } else { "not in confirm mode".into() }),
                ("connection", view.connection.map_or("closed".into(), |c| c.to_string())),
                ("last error", view.last_error.as_ref().map_or("none".into(), |e| format!("{} {}", e.reply_code, e.reply_text))),
            ]) }
            if rate_on {
                <button type="button" id="rate-off" onclick={cmd(on, Command::SetRate(view.name.clone(), None))}>{ "Stop the rate" }</button>
            }
            { controls_error(p.controls_error.as_ref()) }
            <details class="edit" open=true>
                <summary>{ "Edit" }</summary>
                <ProducerForm key={format!("p:{}", view.name)} form={FormId::Edit} existing={Some(spec.clone())}
                    exchanges={p.view.exchange_names()} error={p.edit_error.clone()} reset={p.edits} on={on.clone()} />
            </details>
        </>
    }
}

/// A consumer: its start, stop and kill buttons, its counts, the
/// deliveries in its hands (with when each settles), and its edit form.
fn consumer_section(
    p: &InspectorProps,
    view: &ConsumerView,
    spec: &ConsumerSpec,
    unacked: &[MessageSummary],
) -> Html {
    let on = &p.on;
    let running = view.state == ConsumerState::Running;
    let crashed = view.state == ConsumerState::Crashed;
    html! {
        <>
            <header class="insp-head">
                <span class="kind">{ "consumer" }</span>
                <h2 id="inspector-title">{ view.name.clone() }</h2>
                if running {
                    <button type="button" id="inspector-stop" onclick={cmd(on, Command::StopConsumer(view.name.clone()))}>{ "■ Stop" }</button>
                } else {
                    <button type="button" class="primary" id="inspector-start" onclick={cmd(on, Command::StartConsumer(view.name.clone()))}>{ "▶ Start" }</button>
                }
                if !crashed {
                    <button type="button" class="danger" id="inspector-kill" onclick={cmd(on, Command::KillConsumer(view.name.clone()))}>{ "✕ Kill" }</button>
                }
                <button type="button" class="danger" id="delete-selected" onclick={cmd(on, Command::RemoveActor(view.name.clone()))}>{ "Remove" }</button>
            </header>
            { dl(vec![
                ("state", state_word(view.state).to_owned()),
                ("queue", view.queue.clone()),
                ("consumer tag", view.consumer_tag.clone()),
                ("prefetch", if view.prefetch == 0 { "unlimited".into() } else { view.prefetch.to_string() }),
                ("received / processed", format!("{} / {}", view.received, view.processed)),
                ("acked / rejected", format!("{} / {}", view.acked, view.nacked)),
                ("lost in crashes", format!("{} ({} crash(es))", view.lost, view.crashes)),
                ("last error", view.last_error.as_ref().map_or("none".into(), |e| format!("{} {}", e.reply_code, e.reply_text))),
            ]) }
            if let (Some(ctx), Some(ch)) = (&p.charts, view.channel) {
                { consumer_charts(ctx, ch, &view.consumer_tag) }
            }
            { controls_error(p.controls_error.as_ref()) }
            <h3>{ format!("In hand: unacknowledged deliveries ({})", unacked.len()) }</h3>
            if unacked.is_empty() {
                <p class="dim">{ "Nothing." }</p>
            } else {
                <ol class="messages" id="consumer-unacked">
                    { for unacked.iter().map(|m| {
                        let finish = view.in_flight.iter().find(|f| Some(f.delivery_tag) == m.delivery_tag).map(|f| f.finish_at);
                        html! { <li key={m.id}>
                            <MessageCard message={m.clone()} now={p.now} on={on.clone()} />
                            if let Some(t) = finish {
                                <p class="dim">{ format!("settles at {:.1} s ({})", t.ms() as f64 / 1000.0, if spec.auto_ack { "auto-ack" } else { "by its policy" }) }</p>
                            }
                        </li> }
                    }) }
                </ol>
            }
            <details class="edit">
                <summary>{ "Edit" }</summary>
                <ConsumerForm key={format!("c:{}", view.name)} form={FormId::Edit} existing={Some(spec.clone())}
                    queues={p.view.queue_names()} error={p.edit_error.clone()} reset={p.edits} on={on.clone()} />
            </details>
        </>
    }
}
