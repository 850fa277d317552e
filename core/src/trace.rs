//! Traces: what the clients of a scenario saw, in the format
//! `docs/scenario.md` defines, and the normalisation under which two traces
//! (say, Warren's and a real broker's) are compared.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::{json, Map, Value};

use crate::names::{GENERATED_QUEUE_PREFIX, GENERATED_TAG_PREFIX};
use crate::value::{FieldTable, FieldValue};
use crate::{Message, Properties};

/// One thing a client received.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TraceEvent {
    /// Index of the step that caused it (0-based).
    pub step: usize,
    /// Connection label (as in the scenario).
    #[serde(skip_serializing_if = "is_one")]
    pub connection: u32,
    /// Channel number.
    pub channel: u16,
    /// What was received.
    #[serde(flatten)]
    pub kind: TraceKind,
}

fn is_one(v: &u32) -> bool {
    *v == 1
}

/// A message as a client sees it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TraceMessage {
    /// Exchange it was published (or dead-lettered) to.
    pub exchange: String,
    /// Routing key.
    pub routing_key: String,
    /// Whether it was delivered before.
    pub redelivered: bool,
    /// Body, as text (lossy UTF-8).
    pub body: String,
    /// Properties that are set, headers in typed JSON form.
    pub properties: Value,
}

impl TraceMessage {
    /// The client's view of a message.
    pub fn new(msg: &Message, redelivered: bool) -> Self {
        Self {
            exchange: msg.exchange().to_owned(),
            routing_key: msg.routing_key().to_owned(),
            redelivered,
            body: String::from_utf8_lossy(msg.body()).into_owned(),
            properties: trace_properties(msg.properties()),
        }
    }
}

/// What a client received, by AMQP method.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "event", rename_all = "kebab-case")]
pub enum TraceKind {
    /// `queue.declare-ok`.
    DeclareOk {
        /// Queue name.
        queue: String,
        /// Ready messages.
        message_count: u64,
        /// Consumers.
        consumer_count: u64,
    },
    /// `exchange.declare-ok` (written `declare-ok`, without fields).
    #[serde(rename = "declare-ok")]
    ExchangeDeclareOk,
    /// `exchange.delete-ok` (written `delete-ok`, without fields).
    #[serde(rename = "delete-ok")]
    ExchangeDeleteOk,
    /// `basic.consume-ok`.
    ConsumeOk {
        /// Consumer tag.
        consumer_tag: String,
    },
    /// `basic.deliver`.
    Deliver {
        /// Consumer tag.
        consumer_tag: String,
        /// Delivery tag.
        delivery_tag: u64,
        /// The message.
        #[serde(flatten)]
        message: TraceMessage,
    },
    /// `basic.get-ok`.
    GetOk {
        /// Delivery tag.
        delivery_tag: u64,
        /// Ready messages left.
        message_count: u64,
        /// The message.
        #[serde(flatten)]
        message: TraceMessage,
    },
    /// `basic.get-empty`.
    GetEmpty,
    /// `queue.purge-ok`.
    PurgeOk {
        /// Messages purged.
        message_count: u64,
    },
    /// `queue.delete-ok`.
    DeleteOk {
        /// Messages deleted.
        message_count: u64,
    },
    /// `basic.return`.
    Return {
        /// Reply code.
        reply_code: u16,
        /// Reply text.
        reply_text: String,
        /// Exchange.
        exchange: String,
        /// Routing key.
        routing_key: String,
        /// Body.
        body: String,
        /// Properties.
        properties: Value,
    },
    /// Publisher confirm (`basic.ack` / `basic.nack` from the broker).
    Confirm {
        /// Publish sequence number.
        delivery_tag: u64,
        /// Whether it covers every earlier tag too.
        multiple: bool,
        /// Ack (true) or nack.
        ack: bool,
    },
    /// `basic.cancel` from the broker.
    Cancel {
        /// Consumer tag.
        consumer_tag: String,
    },
    /// `channel.close` from the broker.
    ChannelClosed {
        /// Reply code.
        reply_code: u16,
        /// Reply text.
        reply_text: String,
        /// Class of the failed method.
        class_id: u16,
        /// Method of the failed method.
        method_id: u16,
    },
    /// `connection.close` from the broker.
    ConnectionClosed {
        /// Reply code.
        reply_code: u16,
        /// Reply text.
        reply_text: String,
        /// Class of the failed method.
        class_id: u16,
        /// Method of the failed method.
        method_id: u16,
    },
}

/// The result of running a scenario.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Trace {
    /// Scenario name.
    pub scenario: String,
    /// What clients received, in order.
    pub events: Vec<TraceEvent>,
    /// Every queue left at the end, with its ready messages in delivery order.
    pub queues: BTreeMap<String, Vec<TraceMessage>>,
}

impl Trace {
    /// The trace as JSON.
    pub fn to_value(&self) -> Value {
        serde_json::to_value(self).unwrap_or(Value::Null)
    }
}

/// A field value in the plain JSON form traces use: what a client library
/// such as pika decodes, without AMQP type tags (integers of every width
/// and timestamps become numbers, byte arrays strings).
pub fn plain_value(v: &FieldValue) -> Value {
    match v {
        FieldValue::Bool(b) => json!(b),
        FieldValue::F32(f) => json!(f),
        FieldValue::F64(f) => json!(f),
        FieldValue::Decimal { scale, value } => {
            json!(f64::from(*value) / 10f64.powi(i32::from(*scale)))
        }
        FieldValue::LongStr(s) => json!(s),
        FieldValue::Bytes(b) => json!(String::from_utf8_lossy(b)),
        FieldValue::Timestamp(t) => json!(t),
        FieldValue::Table(t) => plain_table(t),
        FieldValue::Array(a) => Value::Array(a.iter().map(plain_value).collect()),
        FieldValue::Void => Value::Null,
        int => json!(int.as_int().unwrap_or(0)),
    }
}

/// A table in plain JSON form.
pub fn plain_table(t: &FieldTable) -> Value {
    let mut m = Map::new();
    for (k, v) in t.iter() {
        m.entry(k.to_owned()).or_insert_with(|| plain_value(v));
    }
    Value::Object(m)
}

/// Properties that are set, with headers in the typed JSON form of
/// [`FieldValue::to_json`] (the recorder writes the same, so a `long` and
/// a `signedint` stay distinguishable).
pub fn trace_properties(p: &Properties) -> Value {
    serde_json::to_value(p).unwrap_or_else(|_| json!({}))
}

/// Normalises a trace (as JSON) for comparison, exactly as
/// `conformance/normalize.py` does (the rules are listed in
/// `docs/scenario.md`, "Comparing traces"):
/// a. server-generated names become `$gen1`, `$gen2`… in a fixed walk order;
/// b. `x-death` times become timestamp 0;
/// c. `vhost '…'` in reply texts becomes `vhost '/'`;
/// d. multiple confirms expand into single ones;
/// e. events are grouped by connection/channel (deliveries by consumer tag).
///
/// The result is `{"groups": {...}, "queues": {...}}`; two traces are
/// equivalent iff their normal forms are equal.
pub fn normalise(trace: &Value) -> Value {
    let mut events: Vec<Value> = trace
        .get("events")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let queues: Map<String, Value> = trace
        .get("queues")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    let mut queues = rename_generated(&mut events, &queues);
    zero_times_and_vhosts(&mut events, &mut queues);
    let groups = group_events(events);
    json!({ "groups": groups, "queues": queues })
}

/// a. Generated names become `$gen1`, `$gen2`… in walk order, in the events
/// and in the queues, which come back renamed.
fn rename_generated(events: &mut [Value], queues: &Map<String, Value>) -> BTreeMap<String, Value> {
    let mut names: Vec<String> = Vec::new();
    let mut order: Vec<usize> = (0..events.len()).collect();
    order.sort_by_key(|&i| events[i].get("step").and_then(Value::as_u64).unwrap_or(0));
    for &i in &order {
        if let Value::Object(ev) = &events[i] {
            for key in walk_order(ev) {
                see_names(&ev[key.as_str()], &mut names);
            }
        }
    }
    let mut queue_names: Vec<&String> = queues.keys().collect();
    queue_names.sort();
    for name in &queue_names {
        see_names(&Value::String((*name).clone()), &mut names);
        see_names(&queues[name.as_str()], &mut names);
    }
    for ev in events.iter_mut() {
        *ev = apply_names(ev, &names);
    }
    queues
        .iter()
        .map(|(k, v)| (rename_str(k, &names), apply_names(v, &names)))
        .collect()
}

/// b. `x-death` times become 0; c. vhosts in reply texts become `/`.
fn zero_times_and_vhosts(events: &mut [Value], queues: &mut BTreeMap<String, Value>) {
    for ev in events.iter_mut() {
        if let Some(p) = ev.get_mut("properties") {
            zero_death_times(p);
        }
        if let Some(Value::String(t)) = ev.get_mut("reply_text") {
            *t = replace_vhost(t);
        }
    }
    for msgs in queues.values_mut() {
        if let Value::Array(items) = msgs {
            for m in items {
                if let Some(p) = m.get_mut("properties") {
                    zero_death_times(p);
                }
            }
        }
    }
}

/// d. Multiple confirms expand into single ones; e. events are grouped by
/// connection/channel, deliveries by consumer tag.
fn group_events(events: Vec<Value>) -> BTreeMap<String, Vec<Value>> {
    let mut last: BTreeMap<(u64, u64), u64> = BTreeMap::new();
    let mut groups: BTreeMap<String, Vec<Value>> = BTreeMap::new();
    for ev in events {
        let conn = ev.get("connection").and_then(Value::as_u64).unwrap_or(1);
        let ch = ev.get("channel").and_then(Value::as_u64).unwrap_or(0);
        let kind = ev
            .get("event")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_owned();
        match kind.as_str() {
            "channel-closed" => {
                last.remove(&(conn, ch));
            }
            "connection-closed" => last.retain(|k, _| k.0 != conn),
            _ => {}
        }
        let mut key = format!("{conn}/{ch}");
        if kind == "deliver" {
            let tag = ev.get("consumer_tag").and_then(Value::as_str).unwrap_or("");
            key = format!("{key}/deliver/{tag}");
        }
        let group = groups.entry(key).or_default();
        if kind != "confirm" {
            group.push(ev);
            continue;
        }
        let tag = ev.get("delivery_tag").and_then(Value::as_u64).unwrap_or(0);
        if ev.get("multiple").and_then(Value::as_bool) == Some(true) {
            let prev = last
                .get(&(conn, ch))
                .copied()
                .filter(|p| *p < tag)
                .unwrap_or(0);
            for t in prev + 1..=tag {
                let mut single = ev.clone();
                single["delivery_tag"] = json!(t);
                single["multiple"] = json!(false);
                group.push(single);
            }
        } else {
            group.push(ev);
        }
        last.insert((conn, ch), tag);
    }
    groups
}

const FIELD_ORDER: &[&str] = &[
    "consumer_tag",
    "queue",
    "exchange",
    "routing_key",
    "reply_text",
    "properties",
    "body",
];

fn walk_order(ev: &Map<String, Value>) -> Vec<String> {
    let mut keys: Vec<String> = FIELD_ORDER
        .iter()
        .filter(|k| ev.contains_key(**k))
        .map(|k| (*k).to_owned())
        .collect();
    let mut rest: Vec<String> = ev
        .keys()
        .filter(|k| !FIELD_ORDER.contains(&k.as_str()))
        .cloned()
        .collect();
    rest.sort();
    keys.extend(rest);
    keys
}

/// Finds `amq.gen-X` / `amq.ctag-X` names (X from `[A-Za-z0-9_-]+`).
fn generated_names(s: &str) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < s.len() {
        let rest = &s[i..];
        let prefix = [GENERATED_QUEUE_PREFIX, GENERATED_TAG_PREFIX]
            .into_iter()
            .find(|p| rest.starts_with(p));
        if let Some(p) = prefix {
            let tail = rest[p.len()..]
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '-'))
                .unwrap_or(rest.len() - p.len());
            if tail > 0 {
                out.push((i, i + p.len() + tail));
                i += p.len() + tail;
                continue;
            }
        }
        i += rest.chars().next().map_or(1, char::len_utf8);
    }
    out
}

fn see_names(v: &Value, names: &mut Vec<String>) {
    match v {
        Value::String(s) => {
            for (a, b) in generated_names(s) {
                if !names.iter().any(|n| n == &s[a..b]) {
                    names.push(s[a..b].to_owned());
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|x| see_names(x, names)),
        Value::Object(m) => {
            for (k, x) in m {
                see_names(&Value::String(k.clone()), names);
                see_names(x, names);
            }
        }
        _ => {}
    }
}

fn rename_str(s: &str, names: &[String]) -> String {
    let mut out = String::new();
    let mut at = 0;
    for (a, b) in generated_names(s) {
        out.push_str(&s[at..a]);
        match names.iter().position(|n| n == &s[a..b]) {
            Some(i) => out.push_str(&format!("$gen{}", i + 1)),
            None => out.push_str(&s[a..b]),
        }
        at = b;
    }
    out.push_str(&s[at..]);
    out
}

fn apply_names(v: &Value, names: &[String]) -> Value {
    match v {
        Value::String(s) => Value::String(rename_str(s, names)),
        Value::Array(a) => Value::Array(a.iter().map(|x| apply_names(x, names)).collect()),
        Value::Object(m) => Value::Object(
            m.iter()
                .map(|(k, x)| (rename_str(k, names), apply_names(x, names)))
                .collect(),
        ),
        other => other.clone(),
    }
}

fn replace_vhost(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(i) = rest.find("vhost '") {
        let after = &rest[i + 7..];
        match after.find('\'') {
            Some(j) => {
                out.push_str(&rest[..i]);
                out.push_str("vhost '/'");
                rest = &after[j + 1..];
            }
            None => break,
        }
    }
    out.push_str(rest);
    out
}

fn zero_death_times(props: &mut Value) {
    let Some(Value::Array(items)) = props.get_mut("headers").and_then(|h| h.get_mut("x-death"))
    else {
        return;
    };
    for item in items {
        if let Value::Object(e) = item {
            if e.contains_key("time") {
                e.insert("time".into(), json!({"$type": "timestamp", "value": 0}));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalise_renames_zeroes_and_groups() {
        let t = json!({
            "events": [
                {"step": 0, "channel": 1, "event": "declare-ok", "queue": "amq.gen-AbC", "message_count": 0, "consumer_count": 0},
                {"step": 1, "channel": 2, "event": "deliver", "consumer_tag": "amq.ctag-x1", "delivery_tag": 1,
                 "redelivered": false, "exchange": "", "routing_key": "amq.gen-AbC", "body": "b",
                 "properties": {"headers": {"x-death": [{"time": {"$type": "timestamp", "value": 1234}, "count": 1}]}}},
                {"step": 2, "channel": 1, "event": "channel-closed", "reply_code": 404,
                 "reply_text": "NOT_FOUND - no queue 'q' in vhost 'v1'", "class_id": 50, "method_id": 10}
            ],
            "queues": {"amq.gen-AbC": []}
        });
        let n = normalise(&t);
        assert_eq!(n["queues"], json!({"$gen1": []}));
        let ch1 = &n["groups"]["1/1"];
        assert_eq!(ch1[0]["queue"], "$gen1");
        assert_eq!(
            ch1[1]["reply_text"],
            "NOT_FOUND - no queue 'q' in vhost '/'"
        );
        let d = &n["groups"]["1/2/deliver/$gen2"][0];
        assert_eq!(d["routing_key"], "$gen1");
        assert_eq!(d["properties"]["headers"]["x-death"][0]["time"]["value"], 0);
    }

    #[test]
    fn multiple_confirms_expand_and_reset_on_close() {
        let t = json!({"events": [
            {"step": 0, "channel": 1, "event": "confirm", "delivery_tag": 1, "multiple": false, "ack": true},
            {"step": 3, "channel": 1, "event": "confirm", "delivery_tag": 3, "multiple": true, "ack": true},
            {"step": 4, "channel": 1, "event": "channel-closed", "reply_code": 406, "reply_text": "x", "class_id": 60, "method_id": 80},
            {"step": 5, "channel": 1, "event": "confirm", "delivery_tag": 2, "multiple": true, "ack": true}
        ], "queues": {}});
        let n = normalise(&t);
        let tags: Vec<u64> = n["groups"]["1/1"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|e| e["delivery_tag"].as_u64())
            .collect();
        assert_eq!(tags, vec![1, 2, 3, 1, 2]);
    }

    #[test]
    fn plain_values_drop_type_tags() {
        assert_eq!(plain_value(&FieldValue::I64(1)), json!(1));
        assert_eq!(plain_value(&FieldValue::Timestamp(9)), json!(9));
        assert_eq!(plain_value(&FieldValue::Bytes(b"x".to_vec())), json!("x"));
        assert_eq!(
            replace_vhost("a vhost 'x' b vhost '/' c"),
            "a vhost '/' b vhost '/' c"
        );
    }
}
