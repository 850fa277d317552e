//! Form drafts: every form keeps its fields as text (`key → value`), and
//! these functions turn an entity into a draft and a draft into the
//! command that declares it. Numbers that do not parse are passed on as
//! text, so that the broker refuses them with its own reply (as RabbitMQ
//! refuses `x-message-ttl: "soon"`), rather than the form guessing.

use warren_core::methods::{BasicPublish, ExchangeDeclare, QueueDeclare};
use warren_core::{
    ConsumerPolicy, ConsumerSpec, ExchangeInfo, FieldTable, FieldValue, ProducerSpec, Properties,
    QueueInfo,
};

use super::fields::{format_table, parse_f64, parse_table};
use super::spec::BindingSpec;

/// A form's fields, as typed: a few dozen at most, so a list (small code,
/// which matters in wasm) rather than a map.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Draft(Vec<(String, String)>);

impl Draft {
    /// No fields.
    pub fn new() -> Self {
        Self::default()
    }

    /// A field's value.
    pub fn get(&self, key: &str) -> Option<&String> {
        self.0.iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }

    /// Sets a field.
    pub fn insert(&mut self, key: impl Into<String>, value: impl Into<String>) {
        let key = key.into();
        let value = value.into();
        match self.0.iter_mut().find(|(k, _)| *k == key) {
            Some(slot) => slot.1 = value,
            None => self.0.push((key, value)),
        }
    }
}

/// Reads a field ("" when absent).
pub fn get<'a>(d: &'a Draft, key: &str) -> &'a str {
    d.get(key).map_or("", String::as_str)
}

fn flag(d: &Draft, key: &str) -> bool {
    get(d, key) == "true"
}

fn draft(pairs: &[(&str, String)]) -> Draft {
    Draft(
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), v.clone()))
            .collect(),
    )
}

fn b(v: bool) -> String {
    v.to_string()
}

/// A number field's value for an argument: an integer if it is one, else
/// the text as typed (the broker judges it).
fn int_arg(raw: &str) -> FieldValue {
    match raw.trim().parse::<i64>() {
        Ok(n) => match i32::try_from(n) {
            Ok(small) => FieldValue::I32(small),
            Err(_) => FieldValue::I64(n),
        },
        Err(_) => FieldValue::LongStr(raw.trim().to_owned()),
    }
}

fn opt_u64(d: &Draft, key: &str, what: &str) -> Result<Option<u64>, String> {
    let raw = get(d, key).trim();
    if raw.is_empty() {
        return Ok(None);
    }
    raw.parse::<u64>()
        .map(Some)
        .map_err(|_| format!("{what} must be a whole number (or empty)"))
}

fn opt_u32(d: &Draft, key: &str, what: &str) -> Result<Option<u32>, String> {
    opt_u64(d, key, what)?
        .map(|n| u32::try_from(n).map_err(|_| format!("{what} is too large")))
        .transpose()
}

fn table(d: &Draft, key: &str, what: &str) -> Result<FieldTable, String> {
    parse_table(get(d, key)).map_err(|e| format!("{what}: {e}"))
}

/// The `(default)` spelling of the default exchange in exchange fields.
pub const DEFAULT_EXCHANGE: &str = "(default)";

fn exchange_field(raw: &str) -> String {
    let t = raw.trim();
    if t == DEFAULT_EXCHANGE {
        String::new()
    } else {
        t.to_owned()
    }
}

fn show_exchange(name: &str) -> String {
    if name.is_empty() {
        DEFAULT_EXCHANGE.to_owned()
    } else {
        name.to_owned()
    }
}

// ---- exchanges

/// A new exchange's draft.
pub fn new_exchange() -> Draft {
    draft(&[
        ("name", String::new()),
        ("type", "direct".into()),
        ("durable", b(true)),
        ("auto_delete", b(false)),
        ("internal", b(false)),
        ("alternate", String::new()),
        ("args", String::new()),
    ])
}

/// An existing exchange's draft.
pub fn exchange_draft(x: &ExchangeInfo) -> Draft {
    let mut args = x.arguments.clone();
    let alternate = match args.remove("alternate-exchange") {
        Some(FieldValue::LongStr(s)) => s,
        Some(other) => {
            args.insert("alternate-exchange", other);
            String::new()
        }
        None => String::new(),
    };
    draft(&[
        ("name", x.name.clone()),
        ("type", x.exchange_type.clone()),
        ("durable", b(x.durable)),
        ("auto_delete", b(x.auto_delete)),
        ("internal", b(x.internal)),
        ("alternate", alternate),
        ("args", format_table(&args)),
    ])
}

/// `exchange.declare` from a draft.
///
/// # Errors
/// Arguments that are not `key = value` lines.
pub fn exchange_decl(d: &Draft) -> Result<ExchangeDeclare, String> {
    let mut arguments = table(d, "args", "arguments")?;
    let alternate = get(d, "alternate").trim();
    if !alternate.is_empty() {
        arguments.insert("alternate-exchange", FieldValue::str(alternate));
    }
    Ok(ExchangeDeclare {
        exchange: get(d, "name").trim().to_owned(),
        exchange_type: Some(get(d, "type").trim().to_owned()),
        passive: false,
        durable: flag(d, "durable"),
        auto_delete: flag(d, "auto_delete"),
        internal: flag(d, "internal"),
        arguments,
    })
}

// ---- queues

/// The queue arguments the form has fields for, with their field keys.
const QUEUE_ARGS: &[(&str, &str)] = &[
    ("ttl", "x-message-ttl"),
    ("expires", "x-expires"),
    ("max_length", "x-max-length"),
    ("max_length_bytes", "x-max-length-bytes"),
    ("max_priority", "x-max-priority"),
    ("delivery_limit", "x-delivery-limit"),
];

/// Whether a queue of type `queue_type` (`""` is classic) takes the
/// argument `arg` or the flag `field`: the form leaves out what RabbitMQ
/// would refuse (a quorum queue has no priorities, is never exclusive or
/// auto-delete; a delivery limit is a quorum queue's; a stream takes a
/// size and an age limit and nothing else).
pub fn takes(queue_type: &str, field: &str) -> bool {
    match (queue_type, field) {
        ("stream", "max_length_bytes" | "max_age") => true,
        ("stream", _) => false,
        (_, "max_age") => false,
        ("quorum", "max_priority" | "exclusive" | "auto_delete") => false,
        ("quorum", _) => true,
        (_, "delivery_limit") => false,
        _ => true,
    }
}

/// A new queue's draft.
pub fn new_queue() -> Draft {
    let mut d = draft(&[
        ("name", String::new()),
        ("type", String::new()),
        ("durable", b(true)),
        ("exclusive", b(false)),
        ("auto_delete", b(false)),
        ("overflow", String::new()),
        ("dlx", String::new()),
        ("dlrk", String::new()),
        ("sac", b(false)),
        ("max_age", String::new()),
        ("args", String::new()),
    ]);
    for (k, _) in QUEUE_ARGS {
        d.insert(*k, String::new());
    }
    d
}

/// An existing queue's draft (from its declared arguments).
pub fn queue_draft(q: &QueueInfo) -> Draft {
    let mut args = q.arguments.clone();
    let mut d = new_queue();
    d.insert("name", q.name.clone());
    d.insert("durable", b(q.durable));
    d.insert("exclusive", b(q.exclusive));
    d.insert("auto_delete", b(q.auto_delete));
    let text = |v: FieldValue| match v {
        FieldValue::LongStr(s) => s,
        other => other.to_json().to_string(),
    };
    for (field, arg) in QUEUE_ARGS {
        if let Some(v) = args.remove(arg) {
            d.insert(*field, text(v));
        }
    }
    match args.remove("x-queue-type") {
        Some(FieldValue::LongStr(t)) if t != "classic" => {
            d.insert("type", t);
        }
        Some(FieldValue::LongStr(_)) | None => {}
        Some(other) => args.insert("x-queue-type", other),
    }
    if let Some(v) = args.remove("x-overflow") {
        d.insert("overflow", text(v));
    }
    match args.remove("x-max-age") {
        Some(FieldValue::LongStr(age)) => {
            d.insert("max_age", age);
        }
        Some(other) => args.insert("x-max-age", other),
        None => {}
    }
    if let Some(v) = args.remove("x-dead-letter-exchange") {
        let s = text(v);
        d.insert("dlx", show_exchange(&s));
    }
    if let Some(v) = args.remove("x-dead-letter-routing-key") {
        d.insert("dlrk", text(v));
    }
    match args.remove("x-single-active-consumer") {
        Some(FieldValue::Bool(v)) => {
            d.insert("sac", b(v));
        }
        Some(other) => args.insert("x-single-active-consumer", other),
        None => {}
    }
    d.insert("args", format_table(&args));
    d
}

/// `queue.declare` from a draft.
///
/// # Errors
/// Arguments that are not `key = value` lines.
pub fn queue_decl(d: &Draft) -> Result<QueueDeclare, String> {
    let mut arguments = table(d, "args", "arguments")?;
    let queue_type = get(d, "type").trim();
    if !queue_type.is_empty() {
        arguments.insert("x-queue-type", FieldValue::str(queue_type));
    }
    for (field, arg) in QUEUE_ARGS {
        let raw = get(d, field).trim();
        if !raw.is_empty() && takes(queue_type, field) {
            arguments.insert(*arg, int_arg(raw));
        }
    }
    let field =
        |name: &str| Some(get(d, name).trim()).filter(|v| !v.is_empty() && takes(queue_type, name));
    if let Some(overflow) = field("overflow") {
        arguments.insert("x-overflow", FieldValue::str(overflow));
    }
    if let Some(dlx) = field("dlx") {
        arguments.insert(
            "x-dead-letter-exchange",
            FieldValue::str(exchange_field(dlx)),
        );
    }
    if let Some(dlrk) = field("dlrk") {
        arguments.insert("x-dead-letter-routing-key", FieldValue::str(dlrk));
    }
    if flag(d, "sac") && takes(queue_type, "sac") {
        arguments.insert("x-single-active-consumer", FieldValue::Bool(true));
    }
    if let Some(age) = field("max_age") {
        arguments.insert("x-max-age", FieldValue::str(age));
    }
    Ok(QueueDeclare {
        queue: get(d, "name").trim().to_owned(),
        passive: false,
        durable: flag(d, "durable"),
        exclusive: flag(d, "exclusive") && takes(queue_type, "exclusive"),
        auto_delete: flag(d, "auto_delete") && takes(queue_type, "auto_delete"),
        arguments,
    })
}

// ---- bindings

/// A new binding's draft, from `source` if given.
pub fn new_binding(source: &str, destination: &str) -> Draft {
    draft(&[
        ("source", source.to_owned()),
        ("to_exchange", b(false)),
        ("destination", destination.to_owned()),
        ("routing_key", String::new()),
        ("x_match", String::new()),
        ("args", String::new()),
    ])
}

/// An existing binding's draft.
pub fn binding_draft(bs: &BindingSpec) -> Draft {
    let mut args = bs.arguments.clone();
    let x_match = match args.remove("x-match") {
        Some(FieldValue::LongStr(s)) => s,
        Some(other) => {
            args.insert("x-match", other);
            String::new()
        }
        None => String::new(),
    };
    draft(&[
        ("source", bs.source.clone()),
        ("to_exchange", b(bs.to_exchange)),
        ("destination", bs.destination.clone()),
        ("routing_key", bs.routing_key.clone()),
        ("x_match", x_match),
        ("args", format_table(&args)),
    ])
}

/// A binding from a draft.
///
/// # Errors
/// Arguments that are not `key = value` lines.
pub fn binding_spec(d: &Draft) -> Result<BindingSpec, String> {
    let mut arguments = FieldTable::new();
    let x_match = get(d, "x_match").trim();
    if !x_match.is_empty() {
        arguments.insert("x-match", FieldValue::str(x_match));
    }
    for (k, v) in table(d, "args", "arguments")?.iter() {
        arguments.insert(k, v.clone());
    }
    Ok(BindingSpec {
        source: exchange_field(get(d, "source")),
        destination: get(d, "destination").trim().to_owned(),
        to_exchange: flag(d, "to_exchange"),
        routing_key: get(d, "routing_key").to_owned(),
        arguments,
    })
}

// ---- message properties (publish form and producers)

const PROPS: &[&str] = &[
    "content_type",
    "delivery_mode",
    "priority",
    "expiration",
    "message_id",
    "correlation_id",
    "reply_to",
    "type",
    "app_id",
];

fn props_into(d: &mut Draft, p: &Properties) {
    let mut set = |k: &str, v: Option<String>| {
        d.insert(k, v.unwrap_or_default());
    };
    set("content_type", p.content_type.clone());
    set("delivery_mode", p.delivery_mode.map(|v| v.to_string()));
    set("priority", p.priority.map(|v| v.to_string()));
    set("expiration", p.expiration.clone());
    set("message_id", p.message_id.clone());
    set("correlation_id", p.correlation_id.clone());
    set("reply_to", p.reply_to.clone());
    set("type", p.kind.clone());
    set("app_id", p.app_id.clone());
}

fn props_from(d: &Draft) -> Result<Properties, String> {
    let s = |k: &str| {
        let v = get(d, k).trim();
        (!v.is_empty()).then(|| v.to_owned())
    };
    let small = |k: &str, what: &str| -> Result<Option<u8>, String> {
        s(k).map(|v| {
            v.parse::<u8>()
                .map_err(|_| format!("{what} must be a number from 0 to 255"))
        })
        .transpose()
    };
    let headers = table(d, "headers", "headers")?;
    Ok(Properties {
        content_type: s("content_type"),
        delivery_mode: small("delivery_mode", "delivery mode")?,
        priority: small("priority", "priority")?,
        expiration: s("expiration"),
        message_id: s("message_id"),
        correlation_id: s("correlation_id"),
        reply_to: s("reply_to"),
        kind: s("type"),
        app_id: s("app_id"),
        headers: (!headers.is_empty()).then_some(headers),
        ..Properties::default()
    })
}

/// The publish panel's draft.
pub fn new_publish(exchange: &str, routing_key: &str) -> Draft {
    let mut d = draft(&[
        ("exchange", show_exchange(exchange)),
        ("routing_key", routing_key.to_owned()),
        ("headers", String::new()),
        ("body", "hello".into()),
        ("mandatory", b(false)),
        ("rate", "2".into()),
    ]);
    for k in PROPS {
        d.insert(*k, String::new());
    }
    d
}

/// `basic.publish` from the publish panel.
///
/// # Errors
/// Headers that are not `key = value` lines, or a delivery mode or
/// priority out of range.
pub fn publish(d: &Draft) -> Result<BasicPublish, String> {
    Ok(BasicPublish {
        exchange: exchange_field(get(d, "exchange")),
        routing_key: get(d, "routing_key").to_owned(),
        body: get(d, "body").to_owned(),
        properties: props_from(d)?,
        mandatory: flag(d, "mandatory"),
        immediate: false,
    })
}

/// A producer publishing the panel's message at its rate.
///
/// # Errors
/// As [`publish`], or a rate that is not a positive number.
pub fn publisher(d: &Draft, name: &str) -> Result<ProducerSpec, String> {
    let m = publish(d)?;
    let rate: f64 = parse_f64(get(d, "rate").trim())
        .filter(|r: &f64| r.is_finite() && *r > 0.0)
        .ok_or("the rate must be a positive number of messages per second")?;
    Ok(ProducerSpec {
        name: name.to_owned(),
        exchange: m.exchange,
        routing_key: m.routing_key,
        body: m.body,
        properties: m.properties,
        mandatory: m.mandatory,
        rate_per_sec: Some(rate),
        ..ProducerSpec::default()
    })
}

// ---- producers

/// A new producer's draft.
pub fn new_producer(exchange: &str) -> Draft {
    producer_draft(&ProducerSpec {
        body: "message {n}".into(),
        ..ProducerSpec::new("", exchange, "")
    })
}

/// An existing producer's draft.
pub fn producer_draft(p: &ProducerSpec) -> Draft {
    let mut d = draft(&[
        ("name", p.name.clone()),
        ("button", p.button.clone()),
        ("exchange", show_exchange(&p.exchange)),
        ("routing_key", p.routing_key.clone()),
        ("more_keys", p.more_routing_keys.join(", ")),
        ("body", p.body.clone()),
        ("mandatory", b(p.mandatory)),
        ("confirm", b(p.confirm)),
        (
            "rate",
            p.rate_per_sec.map(|r| r.to_string()).unwrap_or_default(),
        ),
        ("count", p.count.map(|c| c.to_string()).unwrap_or_default()),
    ]);
    let mut headers = p.properties.headers.clone().unwrap_or_default();
    for (k, v) in p.headers.iter() {
        headers.insert(k, v.clone());
    }
    props_into(&mut d, &p.properties);
    d.insert("headers", format_table(&headers));
    d
}

/// A producer's spec from a draft.
///
/// # Errors
/// A field that does not parse.
pub fn producer_spec(d: &Draft) -> Result<ProducerSpec, String> {
    let rate = match get(d, "rate").trim() {
        "" => None,
        raw => Some(
            parse_f64(raw)
                .ok_or("the rate must be a number of messages per second (or empty for one-off)")?,
        ),
    };
    Ok(ProducerSpec {
        name: get(d, "name").trim().to_owned(),
        button: get(d, "button").trim().to_owned(),
        exchange: exchange_field(get(d, "exchange")),
        routing_key: get(d, "routing_key").to_owned(),
        more_routing_keys: get(d, "more_keys")
            .split(',')
            .map(str::trim)
            .filter(|k| !k.is_empty())
            .map(str::to_owned)
            .collect(),
        headers: FieldTable::new(),
        properties: props_from(d)?,
        body: get(d, "body").to_owned(),
        mandatory: flag(d, "mandatory"),
        rate_per_sec: rate,
        count: opt_u64(d, "count", "the count")?,
        start_ms: 0,
        confirm: flag(d, "confirm"),
    })
}

// ---- consumers

/// Policies as the form offers them: (value, label).
pub const POLICIES: &[(&str, &str)] = &[
    (ConsumerPolicy::Ack.name(), "ack"),
    (ConsumerPolicy::NackRequeue.name(), "nack, requeue"),
    (
        ConsumerPolicy::NackDrop.name(),
        "nack, no requeue (dead-letter or drop)",
    ),
    (ConsumerPolicy::RejectRequeue.name(), "reject, requeue"),
    (
        ConsumerPolicy::RejectDrop.name(),
        "reject, no requeue (dead-letter or drop)",
    ),
    (ConsumerPolicy::Crash.name(), "crash on receipt"),
];

/// A new consumer's draft.
pub fn new_consumer(queue: &str) -> Draft {
    consumer_draft(&ConsumerSpec {
        prefetch: 1,
        processing_ms: 500,
        ..ConsumerSpec::new("", queue)
    })
}

/// An existing consumer's draft.
pub fn consumer_draft(c: &ConsumerSpec) -> Draft {
    draft(&[
        ("name", c.name.clone()),
        ("queue", c.queue.clone()),
        ("prefetch", c.prefetch.to_string()),
        ("processing_ms", c.processing_ms.to_string()),
        ("jitter_ms", c.jitter_ms.to_string()),
        ("policy", c.policy.name().to_owned()),
        (
            "crash_after",
            c.crash_after.map(|v| v.to_string()).unwrap_or_default(),
        ),
        (
            "fail_every",
            c.fail_every.map(|v| v.to_string()).unwrap_or_default(),
        ),
        ("auto_ack", b(c.auto_ack)),
        ("exclusive", b(c.exclusive)),
        (
            "priority",
            c.priority.map(|v| v.to_string()).unwrap_or_default(),
        ),
        (
            "stream_offset",
            c.stream_offset
                .as_ref()
                .map(offset_text)
                .unwrap_or_default(),
        ),
        ("start", b(c.start)),
    ])
}

/// A stream offset as the consumer form shows it: `first`, `1h`, `12`.
fn offset_text(v: &FieldValue) -> String {
    match v {
        FieldValue::LongStr(s) => s.clone(),
        other => other
            .as_int()
            .map_or_else(|| other.to_json().to_string(), |n| n.to_string()),
    }
}

/// The consumer form's "Start at" field: a whole number is an offset,
/// anything else a word or an interval the broker reads (`first`, `last`,
/// `next`, `1h`); empty is no `x-stream-offset`.
fn stream_offset(raw: &str) -> Option<FieldValue> {
    let raw = raw.trim();
    if raw.is_empty() {
        return None;
    }
    Some(
        raw.parse::<i64>()
            .map_or_else(|_| FieldValue::str(raw), FieldValue::I64),
    )
}

/// A consumer's spec from a draft.
///
/// # Errors
/// A field that does not parse.
pub fn consumer_spec(d: &Draft) -> Result<ConsumerSpec, String> {
    let prefetch = get(d, "prefetch").trim();
    let prefetch = if prefetch.is_empty() {
        0
    } else {
        prefetch
            .parse::<u16>()
            .map_err(|_| "prefetch must be a whole number from 0 (unlimited) to 65535")?
    };
    let priority = match get(d, "priority").trim() {
        "" => None,
        raw => Some(
            raw.parse::<i32>()
                .map_err(|_| "the consumer priority must be a whole number")?,
        ),
    };
    Ok(ConsumerSpec {
        name: get(d, "name").trim().to_owned(),
        queue: get(d, "queue").trim().to_owned(),
        consumer_tag: None,
        prefetch,
        auto_ack: flag(d, "auto_ack"),
        priority,
        stream_offset: stream_offset(get(d, "stream_offset")),
        exclusive: flag(d, "exclusive"),
        processing_ms: opt_u64(d, "processing_ms", "the processing time")?.unwrap_or(0),
        jitter_ms: opt_u64(d, "jitter_ms", "the jitter")?.unwrap_or(0),
        // The form offers only known names; anything else is the default.
        policy: ConsumerPolicy::from_name(get(d, "policy")).unwrap_or_default(),
        crash_after: opt_u32(d, "crash_after", "crash after")?,
        fail_every: opt_u32(d, "fail_every", "fail every")?,
        start: get(d, "start") != "false",
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queue_drafts_round_trip() {
        let mut d = new_queue();
        d.insert("name", "jobs");
        d.insert("ttl", "5000");
        d.insert("dlx", DEFAULT_EXCHANGE);
        d.insert("dlrk", "jobs.dead");
        d.insert("overflow", "reject-publish");
        d.insert("sac", "true");
        d.insert("args", "x-queue-mode = lazy");
        let decl = queue_decl(&d).unwrap();
        assert_eq!(
            decl.arguments.get("x-message-ttl"),
            Some(&FieldValue::I32(5000))
        );
        assert_eq!(
            decl.arguments.get("x-dead-letter-exchange"),
            Some(&FieldValue::str(""))
        );
        assert_eq!(
            decl.arguments.get("x-single-active-consumer"),
            Some(&FieldValue::Bool(true))
        );
        // Text where a number belongs goes to the broker as text.
        d.insert("ttl", "soon");
        assert_eq!(
            queue_decl(&d).unwrap().arguments.get("x-message-ttl"),
            Some(&FieldValue::str("soon"))
        );
    }

    #[test]
    fn a_quorum_queue_draft_sends_only_what_a_quorum_queue_takes() {
        let mut d = new_queue();
        d.insert("name", "jobs");
        d.insert("type", "quorum");
        d.insert("max_priority", "5");
        d.insert("delivery_limit", "3");
        d.insert("exclusive", "true");
        let decl = queue_decl(&d).unwrap();
        assert_eq!(
            decl.arguments.get("x-queue-type"),
            Some(&FieldValue::str("quorum"))
        );
        assert_eq!(
            decl.arguments.get("x-delivery-limit"),
            Some(&FieldValue::I32(3))
        );
        assert_eq!(decl.arguments.get("x-max-priority"), None);
        assert!(!decl.exclusive);
        // A classic queue has no delivery limit.
        d.insert("type", "");
        let decl = queue_decl(&d).unwrap();
        assert_eq!(decl.arguments.get("x-delivery-limit"), None);
        assert_eq!(decl.arguments.get("x-queue-type"), None);
        assert!(decl.exclusive);
    }

    #[test]
    fn a_stream_draft_sends_only_a_size_and_an_age() {
        let mut d = new_queue();
        d.insert("name", "events");
        d.insert("type", "stream");
        d.insert("ttl", "1000");
        d.insert("max_length_bytes", "1000000");
        d.insert("max_age", "7D");
        d.insert("dlx", "dead");
        d.insert("overflow", "reject-publish");
        d.insert("sac", "true");
        let decl = queue_decl(&d).unwrap();
        let keys: Vec<&str> = decl.arguments.iter().map(|(k, _)| k).collect();
        assert_eq!(
            keys,
            ["x-queue-type", "x-max-length-bytes", "x-max-age"],
            "{keys:?}"
        );
        // A classic queue has no age limit, and takes the rest.
        d.insert("type", "");
        let decl = queue_decl(&d).unwrap();
        assert_eq!(decl.arguments.get("x-max-age"), None);
        assert!(decl.arguments.get("x-message-ttl").is_some());
    }

    #[test]
    fn a_consumer_draft_reads_its_stream_offset() {
        let mut d = new_consumer("events");
        for (raw, want) in [
            ("first", Some(FieldValue::str("first"))),
            (" 12 ", Some(FieldValue::I64(12))),
            ("1h", Some(FieldValue::str("1h"))),
            ("", None),
        ] {
            d.insert("stream_offset", raw);
            let spec = consumer_spec(&d).unwrap();
            assert_eq!(spec.stream_offset, want, "{raw:?}");
            let back = consumer_draft(&spec);
            assert_eq!(get(&back, "stream_offset"), raw.trim());
        }
    }

    #[test]
    fn binding_and_consumer_drafts_read_back() {
        let spec = BindingSpec {
            source: "h".into(),
            destination: "q".into(),
            to_exchange: false,
            routing_key: String::new(),
            arguments: [
                ("x-match".to_owned(), FieldValue::str("any")),
                ("format".to_owned(), FieldValue::str("pdf")),
            ]
            .into_iter()
            .collect(),
        };
        assert_eq!(binding_spec(&binding_draft(&spec)).unwrap(), spec);
        let c = ConsumerSpec {
            prefetch: 3,
            processing_ms: 250,
            policy: ConsumerPolicy::NackDrop,
            crash_after: Some(4),
            ..ConsumerSpec::new("w", "q")
        };
        assert_eq!(consumer_spec(&consumer_draft(&c)).unwrap(), c);
        let p = ProducerSpec {
            more_routing_keys: vec!["b".into()],
            rate_per_sec: Some(2.5),
            properties: Properties {
                content_type: Some("text/plain".into()),
                priority: Some(3),
                ..Properties::default()
            },
            ..ProducerSpec::new("p", "x", "a")
        };
        assert_eq!(producer_spec(&producer_draft(&p)).unwrap(), p);
    }
}
