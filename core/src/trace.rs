//! Traces: what the clients of a scenario saw, in the format
//! `docs/scenario.md` defines, and the normalisation under which two traces
//! (say, Warren's and a real broker's) are compared.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::{json, Map, Value};

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
    /// Properties that are set, headers in plain JSON form.
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
            properties: plain_properties(msg.properties()),
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

/// Properties that are set, with headers in plain form.
pub fn plain_properties(p: &Properties) -> Value {
    let mut v = serde_json::to_value(p).unwrap_or_else(|_| json!({}));
    if let (Some(h), Value::Object(m)) = (&p.headers, &mut v) {
        m.insert("headers".into(), plain_table(h));
    }
    v
}

/// Normalises a trace (as JSON) for comparison, as `docs/scenario.md`
/// lists: events grouped by channel (and deliveries by consumer), server
/// names renamed `$gen1`, `$gen2`… in order of appearance, `x-death` times
/// zeroed, the vhost in reply texts replaced by `/`, and multiple confirms
/// expanded into single ones.
pub fn normalise(trace: &Value, vhost: &str) -> Value {
    let mut names: Vec<String> = Vec::new();
    let mut renamed = rename_generated(trace, &mut names);
    let mut groups: BTreeMap<String, Vec<Value>> = BTreeMap::new();
    let mut last_confirm: BTreeMap<String, u64> = BTreeMap::new();
    if let Some(events) = renamed.get_mut("events").and_then(Value::as_array_mut) {
        for mut ev in events.drain(..) {
            let conn = ev.get("connection").and_then(Value::as_u64).unwrap_or(1);
            let ch = ev.get("channel").and_then(Value::as_u64).unwrap_or(1);
            let kind = ev
                .get("event")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_owned();
            let mut group = format!("{conn}/{ch}");
            if kind == "deliver" {
                let tag = ev.get("consumer_tag").and_then(Value::as_str).unwrap_or("");
                group = format!("{group}/deliver/{tag}");
            }
            if let Value::Object(m) = &mut ev {
                m.remove("connection");
                m.remove("channel");
                if let Some(Value::String(t)) = m.get_mut("reply_text") {
                    *t = t.replace(&format!("vhost '{vhost}'"), "vhost '/'");
                }
            }
            zero_death_times(&mut ev);
            if kind == "confirm" {
                // A multiple confirm covers every unconfirmed tag up to its
                // own: expand it into single ones.
                let tag = ev.get("delivery_tag").and_then(Value::as_u64).unwrap_or(0);
                let multiple = ev.get("multiple").and_then(Value::as_bool) == Some(true);
                let last = last_confirm.entry(group.clone()).or_insert(0);
                let first = if multiple { *last + 1 } else { tag };
                for t in first..=tag {
                    let mut single = ev.clone();
                    single["delivery_tag"] = json!(t);
                    single["multiple"] = json!(false);
                    groups.entry(group.clone()).or_default().push(single);
                }
                *last = (*last).max(tag);
                continue;
            }
            groups.entry(group).or_default().push(ev);
        }
    }
    if let Some(queues) = renamed.get_mut("queues").and_then(Value::as_object_mut) {
        for msgs in queues.values_mut() {
            zero_death_times(msgs);
        }
    }
    json!({
        "events": groups,
        "queues": renamed.get("queues").cloned().unwrap_or(json!({})),
    })
}

fn zero_death_times(v: &mut Value) {
    match v {
        Value::Object(m) => {
            for (k, child) in m.iter_mut() {
                if k == "x-death" {
                    if let Value::Array(items) = child {
                        for item in items {
                            if let Value::Object(e) = item {
                                if e.contains_key("time") {
                                    e.insert("time".into(), json!(0));
                                }
                            }
                        }
                    }
                } else {
                    zero_death_times(child);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(zero_death_times),
        _ => {}
    }
}

fn rename_generated(v: &Value, names: &mut Vec<String>) -> Value {
    let rename = |s: &str, names: &mut Vec<String>| -> String {
        let mut out = String::new();
        let mut rest = s;
        while let Some(pos) = ["amq.gen-", "amq.ctag-"]
            .iter()
            .filter_map(|p| rest.find(p).map(|i| (i, p.len())))
            .min()
        {
            let (i, plen) = pos;
            let end = rest[i + plen..]
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '_'))
                .map_or(rest.len(), |e| i + plen + e);
            let name = &rest[i..end];
            let n = match names.iter().position(|x| x == name) {
                Some(n) => n + 1,
                None => {
                    names.push(name.to_owned());
                    names.len()
                }
            };
            out.push_str(&rest[..i]);
            out.push_str(&format!("$gen{n}"));
            rest = &rest[end..];
        }
        out.push_str(rest);
        out
    };
    match v {
        Value::String(s) => Value::String(rename(s, names)),
        Value::Array(a) => Value::Array(a.iter().map(|x| rename_generated(x, names)).collect()),
        Value::Object(m) => {
            let mut out = Map::new();
            for (k, x) in m {
                let k2 = rename(k, names);
                out.insert(k2, rename_generated(x, names));
            }
            Value::Object(out)
        }
        other => other.clone(),
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
                 "properties": {"headers": {"x-death": [{"time": 1234, "count": 1}]}}},
                {"step": 2, "channel": 1, "event": "channel-closed", "reply_code": 404,
                 "reply_text": "NOT_FOUND - no queue 'q' in vhost 'v1'", "class_id": 50, "method_id": 10}
            ],
            "queues": {"amq.gen-AbC": []}
        });
        let n = normalise(&t, "v1");
        assert_eq!(n["queues"], json!({"$gen1": []}));
        let ch1 = &n["events"]["1/1"];
        assert_eq!(ch1[0]["queue"], "$gen1");
        assert_eq!(
            ch1[1]["reply_text"],
            "NOT_FOUND - no queue 'q' in vhost '/'"
        );
        let d = &n["events"]["1/2/deliver/$gen2"][0];
        assert_eq!(d["routing_key"], "$gen1");
        assert_eq!(d["properties"]["headers"]["x-death"][0]["time"], 0);
    }

    #[test]
    fn multiple_confirms_expand() {
        let t = json!({"events": [
            {"step": 0, "channel": 1, "event": "confirm", "delivery_tag": 1, "multiple": false, "ack": true},
            {"step": 3, "channel": 1, "event": "confirm", "delivery_tag": 3, "multiple": true, "ack": true}
        ], "queues": {}});
        let n = normalise(&t, "/");
        let tags: Vec<u64> = n["events"]["1/1"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["delivery_tag"].as_u64().unwrap())
            .collect();
        assert_eq!(tags, vec![1, 2, 3]);
    }

    #[test]
    fn plain_values_drop_type_tags() {
        assert_eq!(plain_value(&FieldValue::I64(1)), json!(1));
        assert_eq!(plain_value(&FieldValue::Timestamp(9)), json!(9));
        assert_eq!(plain_value(&FieldValue::Bytes(b"x".to_vec())), json!("x"));
    }
}
