//! The "Publish" tab: one message by hand, with routing key, headers,
//! properties, body and the mandatory flag; once, or at a rate (as a new
//! producer on the canvas).

use std::rc::Rc;

use yew::prelude::*;

use super::fields::{
    area, check, datalist, error_line, number, shown_exchange, text, use_draft, DraftHandle,
};
use super::forms::property_fields;
use crate::state::drafts;
use crate::state::{Action, Command, CommandError, FormId, WorldView};

/// Publish panel props.
#[derive(Properties, PartialEq)]
pub struct PublishPanelProps {
    /// The world (exchange names).
    pub view: Rc<WorldView>,
    /// A free name for a rate publisher.
    pub publisher_name: String,
    /// The refusal.
    pub error: Option<CommandError>,
    /// Intents.
    pub on: Callback<Action>,
}

/// The publish panel.
#[function_component(PublishPanel)]
pub fn publish_panel(p: &PublishPanelProps) -> Html {
    let first = p.view.first_own_exchange();
    let key = p
        .view
        .bindings
        .iter()
        .find(|b| b.source == first)
        .map(|b| b.routing_key.clone())
        .unwrap_or_default();
    let d = use_draft(0, move || drafts::new_publish(&first, &key));
    let local = use_state(|| None::<String>);
    let f = "publish";
    let once = publish_once(&d, &p.on, &local);
    let at_rate = publish_at_rate(&d, &p.on, &local, &p.publisher_name);
    let explain = explain_draft(&d, &p.on, &local);
    let exchanges: Vec<String> = p
        .view
        .exchanges
        .iter()
        .map(|x| shown_exchange(&x.name))
        .collect();
    html! {
        <form class="entity-form publish-form" id="publish" aria-label="Publish a message" onsubmit={once}>
            <p class="dim">{ "Publishes on the playground's own channel, as a client would (basic.publish)." }</p>
            { text(&d, f, "exchange", "Exchange", "(default) routes by queue name", Some("publish-exchanges")) }
            { datalist("publish-exchanges", &exchanges) }
            { text(&d, f, "routing_key", "Routing key", "", None) }
            { area(&d, f, "headers", "Headers", "one key = value per line (headers exchanges match on them)", 2) }
            { area(&d, f, "body", "Body", "", 3) }
            { property_fields(&d, f) }
            { check(&d, f, "mandatory", "mandatory", "return it (312 NO_ROUTE) if no queue takes it") }
            { error_line(f, local.as_deref(), p.error.as_ref()) }
            <div class="actions">
                <button type="submit" class="primary" id="publish-once">{ "Publish once" }</button>
                <button type="button" id="publish-explain" onclick={explain}>{ "Why? (dry run)" }</button>
            </div>
            <div class="actions rate">
                { number(&d, f, "rate", "Messages per second", "") }
                <button type="button" id="publish-at-rate" onclick={at_rate}>{ format!("Publish at this rate (adds producer “{}”)", p.publisher_name) }</button>
            </div>
        </form>
    }
}

/// Publishes the draft once (or says why it cannot).
fn publish_once(
    d: &DraftHandle,
    on: &Callback<Action>,
    local: &UseStateHandle<Option<String>>,
) -> Callback<SubmitEvent> {
    let d = d.clone();
    let on = on.clone();
    let local = local.clone();
    Callback::from(move |e: SubmitEvent| {
        e.prevent_default();
        match drafts::publish(&d.0) {
            Ok(m) => {
                local.set(None);
                on.emit(Action::Submit(FormId::Publish, Command::publish(m)));
            }
            Err(msg) => local.set(Some(msg)),
        }
    })
}

/// Adds a producer `name` that publishes the draft at its rate.
fn publish_at_rate(
    d: &DraftHandle,
    on: &Callback<Action>,
    local: &UseStateHandle<Option<String>>,
    name: &str,
) -> Callback<MouseEvent> {
    let d = d.clone();
    let on = on.clone();
    let local = local.clone();
    let name = name.to_owned();
    Callback::from(move |_: MouseEvent| match drafts::publisher(&d.0, &name) {
        Ok(spec) => {
            local.set(None);
            on.emit(Action::Submit(FormId::Publish, Command::AddProducer(spec)));
        }
        Err(msg) => local.set(Some(msg)),
    })
}

/// Asks where the draft would go, without publishing it.
fn explain_draft(
    d: &DraftHandle,
    on: &Callback<Action>,
    local: &UseStateHandle<Option<String>>,
) -> Callback<MouseEvent> {
    let d = d.clone();
    let on = on.clone();
    let local = local.clone();
    Callback::from(move |_: MouseEvent| match drafts::publish(&d.0) {
        Ok(m) => {
            local.set(None);
            on.emit(Action::Explain(crate::state::RouteQuery {
                exchange: m.exchange,
                routing_key: m.routing_key,
                headers: m.properties.headers.unwrap_or_default(),
                message: None,
            }));
        }
        Err(msg) => local.set(Some(msg)),
    })
}
