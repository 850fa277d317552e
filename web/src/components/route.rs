//! "Why did it go there": the routing tester. Type an exchange, a routing
//! key and headers (or pick a message), and see the core's walk, hop by
//! hop: every binding's verdict with its reason, the alternate exchange,
//! and the queues that get a copy. The canvas lights the same bindings up.

use std::rc::Rc;

use warren_core::{HopVia, RouteExplanation};
use yew::prelude::*;

use super::fields::{area, datalist, shown_exchange, text, use_draft, DraftHandle};
use crate::state::drafts::{get, Draft, DEFAULT_EXCHANGE};
use crate::state::fields::{format_table, inline_table, parse_table};
use crate::state::{Action, RouteQuery, WorldView};

/// Route panel props.
#[derive(Properties, PartialEq)]
pub struct RoutePanelProps {
    /// The world (exchange names).
    pub view: Rc<WorldView>,
    /// The question being explained.
    pub query: Option<RouteQuery>,
    /// The core's answer.
    pub route: Option<Rc<RouteExplanation>>,
    /// Intents.
    pub on: Callback<Action>,
}

fn explanation(r: &RouteExplanation) -> Html {
    let verdict = if let Some(e) = &r.error {
        html! { <p class="verdict miss" id="route-verdict" data-testid="route-verdict">{ format!("Refused: {e}") }</p> }
    } else if r.queues.is_empty() {
        html! { <p class="verdict miss" id="route-verdict" data-testid="route-verdict">
            { "Routed nowhere: no binding matched. The broker drops it (or returns it with 312 NO_ROUTE if mandatory)." }
        </p> }
    } else {
        html! { <p class="verdict hit" id="route-verdict" data-testid="route-verdict">
            { format!("Delivered to {} queue(s): {}", r.queues.len(), r.queues.join(", ")) }
        </p> }
    };
    html! {
        <div class="route-result" id="route-result" data-testid="route-result">
            { verdict }
            <p class="dim">{ format!("Routing keys considered: {}", r.routing_keys.iter().map(|k| format!("{k:?}")).collect::<Vec<_>>().join(", ")) }</p>
            <ol class="hops">
                { for r.hops.iter().map(|hop| {
                    let via = match &hop.via {
                        HopVia::Published => "published here".to_owned(),
                        HopVia::Binding { from } => format!("via a binding from {}", shown_exchange(from)),
                        HopVia::Alternate { from } => format!("as the alternate exchange of {}", shown_exchange(from)),
                    };
                    html! {
                        <li class="hop">
                            <h3>{ format!("{} ({})", shown_exchange(&hop.exchange), hop.exchange_type) }<span class="dim">{ format!(" — {via}") }</span></h3>
                            if hop.bindings.is_empty() {
                                <p class="dim">{ "No bindings." }</p>
                            }
                            <ul class="verdicts">
                                { for hop.bindings.iter().map(|b| {
                                    let args = inline_table(&b.arguments);
                                    html! {
                                        <li class={classes!(if b.matched { "hit" } else { "miss" })} data-matched={b.matched.to_string()}>
                                            <span class="mark" aria-hidden="true">{ if b.matched { "✓" } else { "✗" } }</span>
                                            <span class="sr-only">{ if b.matched { "matched: " } else { "did not match: " } }</span>
                                            <strong>{ format!("{}{}", if b.to_exchange { "exchange " } else { "" }, b.destination) }</strong>
                                            if !args.is_empty() { <code class="args">{ args }</code> }
                                            <span class="reason">{ b.reason.clone() }</span>
                                        </li>
                                    }
                                }) }
                            </ul>
                            if let Some(ae) = &hop.alternate {
                                <p class="alternate">{ ae.clone() }</p>
                            }
                        </li>
                    }
                }) }
            </ol>
        </div>
    }
}

/// The route panel.
#[function_component(RoutePanel)]
pub fn route_panel(p: &RoutePanelProps) -> Html {
    let first = p.view.first_own_exchange();
    // The draft follows a message picked elsewhere.
    let seed = p.query.clone();
    let reset = p.query.as_ref().and_then(|q| q.message).unwrap_or(0);
    let d = use_draft(reset, move || query_draft(seed.as_ref(), &first));
    let local = use_state(|| None::<String>);
    let onsubmit = explain_query(&d, &p.on, &local);
    let clear = {
        let on = p.on.clone();
        Callback::from(move |_: MouseEvent| on.emit(Action::ClearRoute))
    };
    let exchanges: Vec<String> = p
        .view
        .exchanges
        .iter()
        .map(|x| shown_exchange(&x.name))
        .collect();
    let f = "route";
    html! {
        <section class="route-panel" aria-labelledby="route-title">
            <h2 class="sr-only" id="route-title">{ "Why did it go there?" }</h2>
            <form class="entity-form" id="route-form" aria-label="Routing tester" {onsubmit}>
                <p class="dim">{ "Ask the broker where a message would go, without publishing it. Select a message (in a queue's or consumer's inspector) to explain it." }</p>
                { text(&d, f, "exchange", "Exchange", "", Some("route-exchanges")) }
                { datalist("route-exchanges", &exchanges) }
                { text(&d, f, "routing_key", "Routing key", "", None) }
                { area(&d, f, "headers", "Headers", "one key = value per line; CC and BCC add routing keys", 2) }
                if let Some(msg) = &*local {
                    <p class="form-error" role="alert" id="route-error">{ msg.clone() }</p>
                }
                <div class="actions">
                    <button type="submit" class="primary" id="route-explain">{ "Explain" }</button>
                    if p.query.is_some() {
                        <button type="button" id="route-clear" onclick={clear}>{ "Clear" }</button>
                    }
                </div>
            </form>
            if let Some(q) = &p.query {
                if let Some(id) = q.message {
                    <p class="dim">{ format!("Message #{id}, as published to {} with key {:?}:", shown_exchange(&q.exchange), q.routing_key) }</p>
                }
            }
            if let Some(r) = &p.route {
                { explanation(r) }
            }
        </section>
    }
}

/// The draft of a question: the query picked elsewhere, else the first
/// exchange of the scene's own.
fn query_draft(seed: Option<&RouteQuery>, first: &str) -> Draft {
    let mut d = Draft::new();
    let (x, k, h) = match seed {
        Some(q) => (
            q.exchange.clone(),
            q.routing_key.clone(),
            format_table(&q.headers),
        ),
        None => (first.to_owned(), String::new(), String::new()),
    };
    d.insert("exchange", shown_exchange(&x));
    d.insert("routing_key", k);
    d.insert("headers", h);
    d
}

/// Asks the core to explain the draft (or says why its headers do not
/// parse).
fn explain_query(
    d: &DraftHandle,
    on: &Callback<Action>,
    local: &UseStateHandle<Option<String>>,
) -> Callback<SubmitEvent> {
    let d = d.clone();
    let on = on.clone();
    let local = local.clone();
    Callback::from(move |e: SubmitEvent| {
        e.prevent_default();
        match parse_table(get(&d.0, "headers")) {
            Ok(headers) => {
                local.set(None);
                let x = get(&d.0, "exchange").trim();
                on.emit(Action::Explain(RouteQuery {
                    exchange: if x == DEFAULT_EXCHANGE {
                        String::new()
                    } else {
                        x.to_owned()
                    },
                    routing_key: get(&d.0, "routing_key").to_owned(),
                    headers,
                    message: None,
                }));
            }
            Err(msg) => local.set(Some(format!("headers: {msg}"))),
        }
    })
}
