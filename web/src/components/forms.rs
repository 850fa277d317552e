//! Forms that declare or edit exchanges, queues, bindings, producers and
//! consumers. Each builds a [`Command`] from its draft and emits it; the
//! broker's refusal, if any, comes back as `error` and shows under the
//! form, with the draft kept as typed.

use warren_core::{ConsumerSpec, ExchangeInfo, ProducerSpec, QueueInfo};
use yew::prelude::*;

use super::fields::{
    area, check, datalist, error_line, number, options, select, shown_exchange, text, use_draft,
};
use crate::state::drafts::{self, get};
use crate::state::{Action, BindingSpec, Command, CommandError, FormId};

fn prefix(form: FormId, what: &str) -> String {
    match form {
        FormId::Edit => format!("edit-{what}"),
        _ => format!("new-{what}"),
    }
}

fn on_submit(
    on: Callback<Action>,
    local: UseStateHandle<Option<String>>,
    form: FormId,
    build: impl Fn() -> Result<Command, String> + 'static,
) -> Callback<SubmitEvent> {
    Callback::from(move |e: SubmitEvent| {
        e.prevent_default();
        submit_or_show(&on, &local, form, build());
    })
}

/// What every form does with what it built, out of line: `on_submit` is
/// instantiated once a form, and this part is the same for all five.
#[inline(never)]
fn submit_or_show(
    on: &Callback<Action>,
    local: &UseStateHandle<Option<String>>,
    form: FormId,
    built: Result<Command, String>,
) {
    match built {
        Ok(cmd) => {
            local.set(None);
            on.emit(Action::Submit(form, cmd));
        }
        Err(msg) => local.set(Some(msg)),
    }
}

fn exchange_choices(names: &[String]) -> Vec<String> {
    names.iter().map(|n| shown_exchange(n)).collect()
}

/// How every form ends: what applying an edit does (`note`, only when
/// editing), the refusal if any, and the submit button labelled `submit`.
fn form_end(
    f: &str,
    note: Option<String>,
    local: Option<&str>,
    error: Option<&CommandError>,
    submit: &'static str,
) -> Html {
    html! {
        <>
            if let Some(note) = note {
                <p class="note">{ note }</p>
            }
            { error_line(f, local, error) }
            <div class="actions">
                <button type="submit" class="primary" id={format!("{f}-submit")}>{ submit }</button>
            </div>
        </>
    }
}

// ---- exchange

/// Exchange form props.
#[derive(Properties, PartialEq)]
pub struct ExchangeFormProps {
    /// `NewExchange` or `Edit`.
    pub form: FormId,
    /// The exchange edited (none: a new one).
    #[prop_or_default]
    pub existing: Option<ExchangeInfo>,
    /// Every exchange's name (alternate-exchange suggestions).
    pub exchanges: Vec<String>,
    /// The broker's refusal of the last submit.
    pub error: Option<CommandError>,
    /// Resets the draft when it changes.
    pub reset: u64,
    /// Intents.
    pub on: Callback<Action>,
}

/// Declares or edits an exchange.
#[function_component(ExchangeForm)]
pub fn exchange_form(p: &ExchangeFormProps) -> Html {
    let existing = p.existing.clone();
    let d = use_draft(p.reset, move || {
        existing
            .as_ref()
            .map_or_else(drafts::new_exchange, drafts::exchange_draft)
    });
    let local = use_state(|| None::<String>);
    let f = prefix(p.form, "exchange");
    let list = format!("{f}-exchanges");
    let onsubmit = {
        let d = d.clone();
        let name = p.existing.as_ref().map(|x| x.name.clone());
        on_submit(p.on.clone(), local.clone(), p.form, move || {
            let decl = drafts::exchange_decl(&d.0)?;
            Ok(match &name {
                Some(n) => Command::RedeclareExchange {
                    name: n.clone(),
                    decl,
                },
                None => Command::declare_exchange(decl),
            })
        })
    };
    let types: Vec<(String, String)> = ["direct", "fanout", "topic", "headers"]
        .iter()
        .map(|t| ((*t).to_owned(), (*t).to_owned()))
        .collect();
    let type_hint = match get(&d.0, "type") {
        "direct" => "routes to bindings whose key equals the routing key",
        "fanout" => "routes to every binding, ignoring the key",
        "topic" => "binding keys are patterns: * is one word, # zero or more",
        "headers" => "routes on message headers (x-match all or any)",
        _ => "the broker knows direct, fanout, topic and headers",
    };
    let end = form_end(
        &f,
        p.existing.as_ref().map(|_| "An exchange cannot change in place: applying deletes and re-declares it, then re-creates its bindings both ways. Producers follow a rename; queues naming it as their dead-letter exchange do not.".to_owned()),
        local.as_deref(),
        p.error.as_ref(),
        if p.existing.is_some() { "Apply (re-declare)" } else { "Declare exchange" },
    );
    html! {
        <form class="entity-form" id={f.clone()} aria-label={if p.existing.is_some() { "Edit exchange" } else { "New exchange" }} {onsubmit}>
            { text(&d, &f, "name", "Name", "", None) }
            { select(&d, &f, "type", "Type", type_hint, &types) }
            <div class="row">
                { check(&d, &f, "durable", "durable", "") }
                { check(&d, &f, "auto_delete", "auto-delete", "") }
                { check(&d, &f, "internal", "internal", "") }
            </div>
            { text(&d, &f, "alternate", "Alternate exchange", "where messages no binding matches go (alternate-exchange)", Some(&list)) }
            { datalist(&list, &p.exchanges) }
            { area(&d, &f, "args", "Other arguments", "one key = value per line", 2) }
            { end }
        </form>
    }
}

// ---- queue

/// Queue form props.
#[derive(Properties, PartialEq)]
pub struct QueueFormProps {
    /// `NewQueue` or `Edit`.
    pub form: FormId,
    /// The queue edited.
    #[prop_or_default]
    pub existing: Option<QueueInfo>,
    /// Every exchange's name (DLX suggestions).
    pub exchanges: Vec<String>,
    /// The broker's refusal.
    pub error: Option<CommandError>,
    /// Resets the draft.
    pub reset: u64,
    /// Intents.
    pub on: Callback<Action>,
}

/// A select's options: (value, label).
type Choices = Vec<(String, String)>;

/// The queue form's choices: the types, and the overflow modes a queue of
/// the chosen type runs as asked (a quorum queue runs reject-publish-dlx
/// as drop-head: not offered).
fn queue_choices(quorum: bool) -> (Choices, Choices) {
    let pair = |v: &str, l: &str| (v.to_owned(), l.to_owned());
    let types = vec![
        pair("", "classic"),
        pair("quorum", "quorum"),
        pair("stream", "stream"),
    ];
    let mut overflow = vec![pair("", "drop-head (default)")];
    for o in warren_core::Overflow::ALL {
        if !(quorum && o == warren_core::Overflow::RejectPublishDlx) {
            overflow.push(pair(o.name(), o.name()));
        }
    }
    (types, overflow)
}

/// What the type field says of the chosen type.
fn type_hint(queue_type: &str) -> &'static str {
    match queue_type {
        "quorum" => "x-queue-type: durable only, counts redeliveries",
        "stream" => {
            "x-queue-type: durable only, an append-only log each consumer reads from its own offset"
        }
        _ => "x-queue-type",
    }
}

/// Declares or edits a queue.
#[function_component(QueueForm)]
pub fn queue_form(p: &QueueFormProps) -> Html {
    let existing = p.existing.clone();
    let d = use_draft(p.reset, move || {
        existing
            .as_ref()
            .map_or_else(drafts::new_queue, drafts::queue_draft)
    });
    let local = use_state(|| None::<String>);
    let f = prefix(p.form, "queue");
    let list = format!("{f}-exchanges");
    let onsubmit = {
        let d = d.clone();
        let name = p.existing.as_ref().map(|q| q.name.clone());
        on_submit(p.on.clone(), local.clone(), p.form, move || {
            let decl = drafts::queue_decl(&d.0)?;
            Ok(match &name {
                Some(n) => Command::RedeclareQueue {
                    name: n.clone(),
                    decl,
                },
                None => Command::declare_queue(decl),
            })
        })
    };
    let queue_type = get(&d.0, "type").to_owned();
    let quorum = queue_type == "quorum";
    let takes = |field: &str| drafts::takes(&queue_type, field);
    let (types, overflow) = queue_choices(quorum);
    let mut dlx = exchange_choices(&p.exchanges);
    dlx.retain(|x| !warren_core::names::is_reserved(x));
    let lost = p.existing.as_ref().map_or(0, |q| q.ready);
    let end = form_end(
        &f,
        p.existing.as_ref().map(|_| format!("A queue's settings are fixed when it is declared: applying deletes it ({lost} ready message(s) are dropped) and re-declares it, re-creating its bindings and restarting its consumers on it.")),
        local.as_deref(),
        p.error.as_ref(),
        if p.existing.is_some() { "Apply (re-declare)" } else { "Declare queue" },
    );
    html! {
        <form class="entity-form" id={f.clone()} aria-label={if p.existing.is_some() { "Edit queue" } else { "New queue" }} {onsubmit}>
            { text(&d, &f, "name", "Name", if p.existing.is_none() { "empty: the broker names it (amq.gen-…)" } else { "" }, None) }
            { select(&d, &f, "type", "Type", type_hint(&queue_type), &types) }
            <div class="row">
                { check(&d, &f, "durable", "durable", "") }
                if takes("exclusive") { { check(&d, &f, "exclusive", "exclusive", "") } }
                if takes("auto_delete") { { check(&d, &f, "auto_delete", "auto-delete", "") } }
            </div>
            <div class="grid2">
                if takes("ttl") { { number(&d, &f, "ttl", "Message TTL (ms)", "x-message-ttl") } }
                if takes("expires") { { number(&d, &f, "expires", "Queue expires (ms)", "x-expires: deleted when unused") } }
                if takes("max_length") { { number(&d, &f, "max_length", "Max length", "x-max-length (messages)") } }
                { number(&d, &f, "max_length_bytes", "Max length (bytes)", "x-max-length-bytes") }
                if takes("max_age") { { text(&d, &f, "max_age", "Max age", "x-max-age: 7D, 12h, 30m, 10s (retention is not simulated)", None) } }
            </div>
            if takes("overflow") { { select(&d, &f, "overflow", "Overflow", "what happens at the limit (x-overflow)", &overflow) } }
            if takes("dlx") {
                <div class="grid2">
                    { text(&d, &f, "dlx", "Dead-letter exchange", "x-dead-letter-exchange; (default) = the default exchange", Some(&list)) }
                    { text(&d, &f, "dlrk", "Dead-letter routing key", "x-dead-letter-routing-key", None) }
                </div>
                { datalist(&list, &dlx) }
            }
            <div class="grid2">
                if takes("max_priority") { { number(&d, &f, "max_priority", "Max priority", "x-max-priority (0–255)") } }
                if takes("delivery_limit") { { number(&d, &f, "delivery_limit", "Delivery limit", "x-delivery-limit: dead-letter after this many returns") } }
                if takes("sac") { { check(&d, &f, "sac", "single active consumer", "x-single-active-consumer") } }
            </div>
            { area(&d, &f, "args", "Other arguments", "one key = value per line", 2) }
            { end }
        </form>
    }
}

// ---- binding

/// Binding form props.
#[derive(Properties, PartialEq)]
pub struct BindingFormProps {
    /// `NewBinding` or `Edit`.
    pub form: FormId,
    /// The binding edited.
    #[prop_or_default]
    pub existing: Option<BindingSpec>,
    /// A source to start with (new bindings).
    #[prop_or_default]
    pub source: String,
    /// A destination queue to start with (new bindings).
    #[prop_or_default]
    pub destination: String,
    /// Every exchange: (name, type).
    pub exchanges: Vec<(String, String)>,
    /// Every queue's name.
    pub queues: Vec<String>,
    /// The broker's refusal.
    pub error: Option<CommandError>,
    /// Resets the draft.
    pub reset: u64,
    /// Intents.
    pub on: Callback<Action>,
}

/// Binds (or edits a binding).
#[function_component(BindingForm)]
pub fn binding_form(p: &BindingFormProps) -> Html {
    let existing = p.existing.clone();
    let (src, dst) = (p.source.clone(), p.destination.clone());
    let d = use_draft(p.reset, move || {
        existing
            .as_ref()
            .map_or_else(|| drafts::new_binding(&src, &dst), drafts::binding_draft)
    });
    let local = use_state(|| None::<String>);
    let f = prefix(p.form, "binding");
    let onsubmit = {
        let d = d.clone();
        let old = p.existing.clone();
        on_submit(p.on.clone(), local.clone(), p.form, move || {
            let new = drafts::binding_spec(&d.0)?;
            Ok(match &old {
                Some(old) => Command::Rebind {
                    old: old.clone(),
                    new,
                },
                None => Command::bind(&new),
            })
        })
    };
    let source_type = p
        .exchanges
        .iter()
        .find(|(n, _)| n == get(&d.0, "source"))
        .map_or("", |(_, t)| t.as_str());
    let to_exchange = get(&d.0, "to_exchange") == "true";
    let dests: Vec<String> = if to_exchange {
        p.exchanges
            .iter()
            .map(|(n, _)| n.clone())
            .filter(|n| !n.is_empty())
            .collect()
    } else {
        p.queues.clone()
    };
    let list = format!("{f}-dests");
    let end = form_end(
        &f,
        p.existing.as_ref().map(|_| "A binding is identified by its source, destination, key and arguments: applying adds the new binding, then removes this one.".to_owned()),
        local.as_deref(),
        p.error.as_ref(),
        if p.existing.is_some() { "Apply" } else { "Bind" },
    );
    html! {
        <form class="entity-form" id={f.clone()} aria-label={if p.existing.is_some() { "Edit binding" } else { "New binding" }} {onsubmit}>
            { select(&d, &f, "source", "From exchange", "", &binding_sources(&p.exchanges)) }
            { check(&d, &f, "to_exchange", "to an exchange (exchange-to-exchange binding)", "") }
            { text(&d, &f, "destination", if to_exchange { "To exchange" } else { "To queue" }, "", Some(&list)) }
            { datalist(&list, &dests) }
            { text(&d, &f, "routing_key", "Binding key", binding_key_hint(source_type), None) }
            if source_type == "headers" {
                { select(&d, &f, "x_match", "x-match", "all: every header must match; any: one is enough", &x_match_options()) }
            }
            { area(&d, &f, "args", if source_type == "headers" { "Headers to match" } else { "Arguments" }, "one key = value per line", 2) }
            { end }
        </form>
    }
}

/// The exchanges a binding can come from, each shown with its type.
fn binding_sources(exchanges: &[(String, String)]) -> Vec<(String, String)> {
    exchanges
        .iter()
        .map(|(n, t)| (n.clone(), format!("{} ({t})", shown_exchange(n))))
        .collect()
}

/// What a binding key means for a source of type `source_type`.
fn binding_key_hint(source_type: &str) -> &'static str {
    match source_type {
        "topic" => {
            "a pattern: * matches exactly one word, # zero or more (words are separated by dots)"
        }
        "direct" => "messages whose routing key equals it",
        "fanout" => "ignored by fanout exchanges",
        "headers" => "ignored by headers exchanges: they match the arguments below",
        _ => "",
    }
}

/// A headers binding's `x-match` choices.
fn x_match_options() -> Vec<(String, String)> {
    vec![
        (String::new(), "all (default)".to_owned()),
        ("all".to_owned(), "all".to_owned()),
        ("any".to_owned(), "any".to_owned()),
        ("all-with-x".to_owned(), "all-with-x".to_owned()),
        ("any-with-x".to_owned(), "any-with-x".to_owned()),
    ]
}

// ---- message properties (producers, publish panel)

/// The property fields shared by producers and the publish panel.
pub fn property_fields(d: &super::fields::DraftHandle, f: &str) -> Html {
    html! {
        <details class="props">
            <summary>{ "Properties" }</summary>
            <div class="grid2">
                { text(d, f, "content_type", "content_type", "", None) }
                { number(d, f, "delivery_mode", "delivery_mode", "1 transient, 2 persistent") }
                { number(d, f, "priority", "priority", "0–255 (priority queues)") }
                { text(d, f, "expiration", "expiration (ms)", "per-message TTL, as text", None) }
                { text(d, f, "message_id", "message_id", "", None) }
                { text(d, f, "correlation_id", "correlation_id", "", None) }
                { text(d, f, "reply_to", "reply_to", "", None) }
                { text(d, f, "type", "type", "", None) }
                { text(d, f, "app_id", "app_id", "", None) }
            </div>
        </details>
    }
}

// ---- producer

/// Producer form props.
#[derive(Properties, PartialEq)]
pub struct ProducerFormProps {
    /// `NewProducer` or `Edit`.
    pub form: FormId,
    /// The producer edited.
    #[prop_or_default]
    pub existing: Option<ProducerSpec>,
    /// Every exchange's name.
    pub exchanges: Vec<String>,
    /// The broker's or simulation's refusal.
    pub error: Option<CommandError>,
    /// Resets the draft.
    pub reset: u64,
    /// Intents.
    pub on: Callback<Action>,
}

/// Adds or edits a producer.
#[function_component(ProducerForm)]
pub fn producer_form(p: &ProducerFormProps) -> Html {
    let existing = p.existing.clone();
    let first = p
        .exchanges
        .iter()
        .find(|x| !warren_core::names::is_builtin(x))
        .cloned()
        .unwrap_or_default();
    let d = use_draft(p.reset, move || {
        existing
            .as_ref()
            .map_or_else(|| drafts::new_producer(&first), drafts::producer_draft)
    });
    let local = use_state(|| None::<String>);
    let f = prefix(p.form, "producer");
    let list = format!("{f}-exchanges");
    let onsubmit = {
        let d = d.clone();
        let name = p.existing.as_ref().map(|x| x.name.clone());
        on_submit(p.on.clone(), local.clone(), p.form, move || {
            let spec = drafts::producer_spec(&d.0)?;
            Ok(match &name {
                Some(n) => Command::UpdateProducer {
                    name: n.clone(),
                    spec,
                },
                None => Command::AddProducer(spec),
            })
        })
    };
    let end = form_end(
        &f,
        p.existing.as_ref().map(|_| "Applying restarts the producer on a new connection, unless only the rate or the button label changed.".to_owned()),
        local.as_deref(),
        p.error.as_ref(),
        if p.existing.is_some() { "Apply" } else { "Add producer" },
    );
    html! {
        <form class="entity-form" id={f.clone()} aria-label={if p.existing.is_some() { "Edit producer" } else { "New producer" }} {onsubmit}>
            <div class="grid2">
                { text(&d, &f, "name", "Name", "", None) }
                { text(&d, &f, "button", "Button label", "what publishing once means here, e.g. Place order (empty: Publish)", None) }
            </div>
            { text(&d, &f, "exchange", "Publishes to exchange", "(default) = the default exchange, which routes by queue name", Some(&list)) }
            { datalist(&list, &exchange_choices(&p.exchanges)) }
            <div class="grid2">
                { text(&d, &f, "routing_key", "Routing key", "", None) }
                { text(&d, &f, "more_keys", "More routing keys", "comma-separated: one more message each per publish", None) }
            </div>
            { area(&d, &f, "body", "Body", "{n} = publish number, {name}, {time} = virtual ms", 2) }
            { area(&d, &f, "headers", "Headers", "one key = value per line", 2) }
            { property_fields(&d, &f) }
            <div class="grid2">
                { number(&d, &f, "rate", "Rate (messages/s)", "empty: only when you press Publish") }
                { number(&d, &f, "count", "Stop after", "publishes (empty: no limit)") }
            </div>
            <div class="row">
                { check(&d, &f, "mandatory", "mandatory", "return unroutable messages") }
                { check(&d, &f, "confirm", "publisher confirms", "") }
            </div>
            { end }
        </form>
    }
}

// ---- consumer

/// Consumer form props.
#[derive(Properties, PartialEq)]
pub struct ConsumerFormProps {
    /// `NewConsumer` or `Edit`.
    pub form: FormId,
    /// The consumer edited.
    #[prop_or_default]
    pub existing: Option<ConsumerSpec>,
    /// A queue to start with (new consumers).
    #[prop_or_default]
    pub queue: String,
    /// Every queue's name.
    pub queues: Vec<String>,
    /// The refusal.
    pub error: Option<CommandError>,
    /// Resets the draft.
    pub reset: u64,
    /// Intents.
    pub on: Callback<Action>,
}

/// Adds or edits a consumer.
#[function_component(ConsumerForm)]
pub fn consumer_form(p: &ConsumerFormProps) -> Html {
    let existing = p.existing.clone();
    let queue = if p.queue.is_empty() {
        p.queues.first().cloned().unwrap_or_default()
    } else {
        p.queue.clone()
    };
    let d = use_draft(p.reset, move || {
        existing
            .as_ref()
            .map_or_else(|| drafts::new_consumer(&queue), drafts::consumer_draft)
    });
    let local = use_state(|| None::<String>);
    let f = prefix(p.form, "consumer");
    let list = format!("{f}-queues");
    let onsubmit = {
        let d = d.clone();
        let name = p.existing.as_ref().map(|x| x.name.clone());
        on_submit(p.on.clone(), local.clone(), p.form, move || {
            let spec = drafts::consumer_spec(&d.0)?;
            Ok(match &name {
                Some(n) => Command::UpdateConsumer {
                    name: n.clone(),
                    spec,
                },
                None => Command::AddConsumer(spec),
            })
        })
    };
    let policies: Vec<(String, String)> = drafts::POLICIES
        .iter()
        .map(|(v, l)| ((*v).to_owned(), (*l).to_owned()))
        .collect();
    let end = form_end(
        &f,
        p.existing.as_ref().map(|_| "Applying restarts the consumer: its connection closes, so the broker requeues what it holds (redelivered), and a new process starts with these settings.".to_owned()),
        local.as_deref(),
        p.error.as_ref(),
        if p.existing.is_some() { "Apply (restart)" } else { "Add consumer" },
    );
    html! {
        <form class="entity-form" id={f.clone()} aria-label={if p.existing.is_some() { "Edit consumer" } else { "New consumer" }} {onsubmit}>
            { text(&d, &f, "name", "Name", "also its consumer tag", None) }
            { text(&d, &f, "queue", "Consumes from queue", "", Some(&list)) }
            { datalist(&list, &p.queues) }
            <div class="grid2">
                { number(&d, &f, "prefetch", "Prefetch", "basic.qos; 0 = unlimited") }
                { number(&d, &f, "processing_ms", "Processing time (ms)", "per message") }
                { number(&d, &f, "jitter_ms", "Jitter (ms)", "random extra, 0 to this") }
                { number(&d, &f, "priority", "Consumer priority", "x-priority (empty: none)") }
                { text(&d, &f, "stream_offset", "Start at (streams)", "x-stream-offset: first, last, next, an offset, or 1h (empty: next)", None) }
            </div>
            { select(&d, &f, "policy", "When done", "what it does with each message", &policies) }
            <div class="grid2">
                { number(&d, &f, "crash_after", "Crash after", "the Nth delivery (empty: never)") }
                { number(&d, &f, "fail_every", "Fail every", "Nth delivery is nacked with requeue") }
            </div>
            <div class="row">
                { check(&d, &f, "auto_ack", "auto-ack", "no acknowledgements") }
                { check(&d, &f, "exclusive", "exclusive", "") }
                if p.existing.is_none() { { check(&d, &f, "start", "start now", "") } }
            </div>
            { end }
        </form>
    }
}

/// Options for every queue name.
pub fn queue_options(queues: &[String]) -> Vec<(String, String)> {
    options(queues)
}
