//! One message as the inspector lists it: routing, flags, properties,
//! headers, x-death, body.

use warren_core::SimTime;
use yew::prelude::*;

use super::fields::shown_exchange;
use crate::state::{Action, MessageSummary, Selection};

/// Message card props.
#[derive(Properties, PartialEq)]
pub struct MessageCardProps {
    /// The message.
    pub message: MessageSummary,
    /// Current virtual time.
    pub now: SimTime,
    /// Show everything (else a summary that opens).
    #[prop_or_default]
    pub open: bool,
    /// Intents.
    pub on: Callback<Action>,
}

/// A message.
#[function_component(MessageCard)]
pub fn message_card(p: &MessageCardProps) -> Html {
    let m = &p.message;
    let select = {
        let on = p.on.clone();
        let id = m.id;
        Callback::from(move |_: MouseEvent| on.emit(Action::Select(Selection::Message(id))))
    };
    let why = {
        let on = p.on.clone();
        let id = m.id;
        Callback::from(move |_: MouseEvent| on.emit(Action::ExplainMessage(id)))
    };
    let exchange = shown_exchange(&m.exchange);
    let expires = m.expires_at.map(|t| {
        let left = t.ms().saturating_sub(p.now.ms());
        format!("expires in {:.1} s", left as f64 / 1000.0)
    });
    let deaths = m.x_death.len();
    html! {
        <article class="message" data-testid={format!("message:{}", m.id)} aria-label={format!("Message {}", m.id)}>
            <header>
                <button type="button" class="link msg-id" onclick={select} title="Inspect this message">{ format!("#{}", m.id) }</button>
                <code class="rk" title="routing key">{ format!("{:?}", m.routing_key) }</code>
                <span class="dim">{ format!("via {exchange}") }</span>
                if m.redelivered { <span class="pill pill-warn" title="delivered before, then requeued">{ "redelivered" }</span> }
                if let Some(n) = m.delivery_count.filter(|n| *n > 0) { <span class="pill pill-warn" title="x-delivery-count: times it came back unacknowledged to its quorum queue; past the queue's delivery limit it is dead-lettered">{ format!("delivery count {n}") }</span> }
                if deaths > 0 { <span class="pill pill-dlx" title="dead-lettered before">{ format!("x-death ×{deaths}") }</span> }
                if let Some(e) = &expires { <span class="pill">{ e.clone() }</span> }
                <button type="button" class="link why" onclick={why} title="Explain its routing, binding by binding">{ "Why here?" }</button>
            </header>
            <p class="place dim">{ m.place.clone() }</p>
            <details open={p.open}>
                <summary>{ "Body, properties, headers" }</summary>
                <pre class="body">{ m.body.clone() }</pre>
                if !m.properties.is_empty() {
                    <dl class="props-list">
                        { for m.properties.iter().map(|(k, v)| html! { <><dt>{ k.clone() }</dt><dd>{ v.clone() }</dd></> }) }
                    </dl>
                }
                if !m.headers.is_empty() {
                    <h4>{ "headers" }</h4>
                    <dl class="props-list">
                        { for m.headers.iter().map(|(k, v)| html! { <><dt>{ k.clone() }</dt><dd>{ v.clone() }</dd></> }) }
                    </dl>
                }
                if !m.x_death.is_empty() {
                    <h4>{ "x-death (newest first)" }</h4>
                    <table class="xdeath">
                        <thead><tr><th>{ "queue" }</th><th>{ "reason" }</th><th>{ "count" }</th><th>{ "exchange" }</th><th>{ "keys" }</th></tr></thead>
                        <tbody>
                            { for m.x_death.iter().map(|entry| {
                                let f = |k: &str| entry.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone()).unwrap_or_default();
                                html! { <tr><td>{ f("queue") }</td><td>{ f("reason") }</td><td>{ f("count") }</td><td>{ f("exchange") }</td><td>{ f("routing-keys") }</td></tr> }
                            }) }
                        </tbody>
                    </table>
                }
            </details>
        </article>
    }
}
