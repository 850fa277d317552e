//! The "Add" tab: forms for a new exchange, queue, binding, producer or
//! consumer, one at a time.

use std::rc::Rc;

use yew::prelude::*;

use super::forms::{BindingForm, ConsumerForm, ExchangeForm, ProducerForm, QueueForm};
use crate::state::{Action, CommandError, FormId, PerForm, Selection, WorldView};

/// Add panel props.
#[derive(Properties, PartialEq)]
pub struct AddPanelProps {
    /// The world (names for the forms).
    pub view: Rc<WorldView>,
    /// The selection (a queue preselects it as destination, ...).
    pub selection: Selection,
    /// Refusals by form.
    pub errors: PerForm<CommandError>,
    /// Successful submits by form (resets).
    pub ok: PerForm<u64>,
    /// Intents.
    pub on: Callback<Action>,
}

const KINDS: &[(FormId, &str, &str)] = &[
    (FormId::NewExchange, "exchange", "Exchange"),
    (FormId::NewQueue, "queue", "Queue"),
    (FormId::NewBinding, "binding", "Binding"),
    (FormId::NewProducer, "producer", "Producer"),
    (FormId::NewConsumer, "consumer", "Consumer"),
];

/// The add panel.
#[function_component(AddPanel)]
pub fn add_panel(p: &AddPanelProps) -> Html {
    let kind = use_state(|| FormId::NewQueue);
    let exchanges = p.view.exchange_names();
    let queues = p.view.queue_names();
    let typed = p.view.exchange_types();
    let err = |f: FormId| p.errors.get(&f).cloned();
    let ok = |f: FormId| p.ok.get(&f).copied().unwrap_or(0);
    let (source, destination) = match &p.selection {
        Selection::Exchange(x) => (x.clone(), String::new()),
        Selection::Queue(q) => (p.view.first_own_exchange(), q.clone()),
        _ => (p.view.first_own_exchange(), String::new()),
    };
    let consumer_queue = match &p.selection {
        Selection::Queue(q) => q.clone(),
        _ => String::new(),
    };
    let form = match *kind {
        FormId::NewExchange => html! {
            <ExchangeForm form={FormId::NewExchange} exchanges={exchanges.clone()} error={err(FormId::NewExchange)}
                reset={ok(FormId::NewExchange)} on={p.on.clone()} />
        },
        FormId::NewBinding => html! {
            <BindingForm key={format!("{source}>{destination}")} form={FormId::NewBinding} source={source.clone()} destination={destination.clone()}
                exchanges={typed} queues={queues.clone()} error={err(FormId::NewBinding)}
                reset={ok(FormId::NewBinding)} on={p.on.clone()} />
        },
        FormId::NewProducer => html! {
            <ProducerForm form={FormId::NewProducer} exchanges={exchanges.clone()} error={err(FormId::NewProducer)}
                reset={ok(FormId::NewProducer)} on={p.on.clone()} />
        },
        FormId::NewConsumer => html! {
            <ConsumerForm key={consumer_queue.clone()} form={FormId::NewConsumer} queue={consumer_queue.clone()} queues={queues.clone()}
                error={err(FormId::NewConsumer)} reset={ok(FormId::NewConsumer)} on={p.on.clone()} />
        },
        _ => html! {
            <QueueForm form={FormId::NewQueue} exchanges={exchanges.clone()} error={err(FormId::NewQueue)}
                reset={ok(FormId::NewQueue)} on={p.on.clone()} />
        },
    };
    html! {
        <section class="add-panel" aria-label="Add to the broker">
            <div class="segmented" role="radiogroup" aria-label="What to add">
                { for KINDS.iter().map(|(f, id, label)| {
                    let set = { let kind = kind.clone(); let f = *f; Callback::from(move |_: MouseEvent| kind.set(f)) };
                    let on = *kind == *f;
                    html! {
                        <button type="button" role="radio" aria-checked={on.to_string()} id={format!("add-{id}")}
                                class={classes!(on.then_some("on"))} onclick={set}>{ *label }</button>
                    }
                }) }
            </div>
            { form }
        </section>
    }
}
