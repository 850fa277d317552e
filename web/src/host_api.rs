//! The host-page API of an embed: a small `postMessage` protocol between
//! a tutorial page and the playground in its `<iframe>`
//! (docs/embedding.md has it for page authors).
//!
//! Every message either way is an object with `"warren": 1` (the protocol
//! version) and a `type`. The host sends commands ([`HostCommand`]),
//! optionally with an `id` that the reply repeats; the embed answers each
//! with `{"type": "ok"}` or `{"type": "error", "error": ...}`, and tells
//! the host `ready` once and then `delivered`, `acked`, `dead-lettered`
//! and `dropped` as they happen ([`host_event`]).
//!
//! Lessons (issue 14) plug in at two places: [`HostCommand::GotoStep`]
//! (refused in `browser::perform` until then) and a `step` event
//! (`{"type": "step", "step": N, "of": M}`), posted like the others.
//!
//! Messages are untrusted. Only the embed's parent window is listened to,
//! and only from an allowed origin (the embed's own, the embedding page's
//! as the browser reports it in `document.referrer`, and any given with
//! `origin=` in the query); others are ignored without a reply, which
//! would tell a stranger the embed is there. A malformed command gets an
//! error reply and changes nothing; its text is only ever shown as text.

use serde_json::{json, Map, Value};
use warren_core::methods::BasicPublish;
use warren_core::EventKind;
use warren_core::{FieldTable, Properties};

use crate::limits;
use crate::state::LogEntry;

/// The protocol version, in every message's `warren` field.
pub const VERSION: u64 = 1;

/// What a host page can ask.
#[derive(Clone, Debug, PartialEq)]
pub enum HostCommand {
    /// `{"type": "load", "scene": {...}}` (a scene object, or its JSON
    /// text, or a RabbitMQ definitions.json): replace the scene.
    Load(String),
    /// `{"type": "play"}`: virtual time runs.
    Play,
    /// `{"type": "pause"}`: virtual time stops.
    Pause,
    /// `{"type": "publish", "producer": "web shop"}`: the simulated
    /// producer publishes, as its button does.
    PublishFrom(String),
    /// `{"type": "publish", "exchange": "order", "routing_key": "...",
    /// "body": "...", "headers": {...}}`: a message published by hand.
    Publish(Box<BasicPublish>),
    /// `{"type": "goto-step", "step": N}` (1-based): the lesson step.
    /// Parsed here; lessons (issue 14) carry it out.
    GotoStep(u32),
}

/// A command, and the `id` to repeat in its reply.
pub type Request = (Option<Value>, HostCommand);

/// Reads a host message (already JSON). The error is the reply's text.
///
/// # Errors
/// Not an object, not protocol 1, an unknown type, or a field missing or
/// of the wrong type; each names the field.
pub fn parse_command(msg: &Value) -> Result<Request, (Option<Value>, String)> {
    let Value::Object(m) = msg else {
        return Err((
            None,
            "a message is an object with \"warren\": 1 and a \"type\"".into(),
        ));
    };
    let id = m.get("id").cloned();
    let fail = |e: String| (id.clone(), e);
    if m.get("warren").and_then(Value::as_u64) != Some(VERSION) {
        return Err(fail(format!(
            "\"warren\" must be {VERSION}, the protocol version"
        )));
    }
    let text = |k: &str| -> Result<String, (Option<Value>, String)> {
        match m.get(k) {
            Some(Value::String(s)) => Ok(s.clone()),
            None => Ok(String::new()),
            Some(_) => Err(fail(format!("\"{k}\" must be a string"))),
        }
    };
    let cmd = match m.get("type").and_then(Value::as_str).unwrap_or("") {
        "load" => match m.get("scene") {
            Some(Value::String(s)) => HostCommand::Load(s.clone()),
            Some(v @ Value::Object(_)) => HostCommand::Load(v.to_string()),
            _ => {
                return Err(fail(
                    "\"scene\" must be a scene object or its JSON text".into(),
                ))
            }
        },
        "play" => HostCommand::Play,
        "pause" => HostCommand::Pause,
        "publish" if m.contains_key("producer") => HostCommand::PublishFrom(text("producer")?),
        "publish" => {
            let body = text("body")?;
            limits::body_fits(&body, "body").map_err(fail)?;
            let headers = match m.get("headers") {
                None | Some(Value::Null) => None,
                Some(h) => {
                    Some(FieldTable::from_json(h).map_err(|e| fail(format!("\"headers\": {e}")))?)
                }
            };
            HostCommand::Publish(Box::new(BasicPublish {
                exchange: text("exchange")?,
                routing_key: text("routing_key")?,
                body,
                properties: Properties {
                    headers,
                    ..Properties::default()
                },
                mandatory: false,
                immediate: false,
            }))
        }
        "goto-step" => match m.get("step").and_then(Value::as_u64) {
            Some(n @ 1..=10_000) => HostCommand::GotoStep(n as u32),
            _ => return Err(fail("\"step\" must be a whole number from 1".into())),
        },
        "" => return Err(fail("the message has no \"type\"".into())),
        other => {
            return Err(fail(format!(
                "unknown type {other:?}; expected load, play, pause, publish or goto-step"
            )))
        }
    };
    Ok((id, cmd))
}

/// A message to the host: `{"warren": 1, "type": kind, ...fields}`.
pub fn message(kind: &str, fields: Vec<(&str, Value)>) -> Value {
    let mut m = Map::new();
    m.insert("warren".into(), json!(VERSION));
    m.insert("type".into(), json!(kind));
    for (k, v) in fields {
        m.insert(k.into(), v);
    }
    Value::Object(m)
}

/// The reply to a command.
pub fn reply(id: Option<Value>, result: Result<(), String>) -> Value {
    let mut fields = vec![("id", id.unwrap_or(Value::Null))];
    match result {
        Ok(()) => message("ok", fields),
        Err(e) => {
            fields.push(("error", json!(e)));
            message("error", fields)
        }
    }
}

/// Remembers the routing key of each message published (an ack names only
/// the message), for the last [`KEYS_KEPT`] messages.
#[derive(Default)]
pub struct Keys(std::collections::VecDeque<(u64, String)>);

/// How many messages' routing keys [`Keys`] keeps.
pub const KEYS_KEPT: usize = 4096;

impl Keys {
    fn note(&mut self, id: u64, key: &str) {
        if self.0.len() == KEYS_KEPT {
            self.0.pop_front();
        }
        self.0.push_back((id, key.to_owned()));
    }

    fn of(&self, id: u64) -> Value {
        self.0
            .iter()
            .rev()
            .find(|(m, _)| *m == id)
            .map_or(Value::Null, |(_, k)| json!(k))
    }
}

/// The host event for a log entry, if it is one hosts hear about:
/// `delivered`, `acked`, `dead-lettered`, `dropped` (also a message no
/// queue took, `reason: "unroutable"`), each with `queue`, `consumer`
/// (null where none), `routing_key`, `message` (its number) and `at`
/// (virtual ms).
pub fn host_event(e: &LogEntry, keys: &mut Keys) -> Option<Value> {
    let consumer = e
        .entities()
        .iter()
        .find_map(|k| k.strip_prefix("consumer:"))
        .map_or(Value::Null, |c| json!(c));
    let (kind, queue, id, key, extra) = match &e.event().kind {
        EventKind::Published {
            message,
            routing_key,
            ..
        } => {
            keys.note(message.0, routing_key);
            return None;
        }
        EventKind::Delivered { queue, message, .. } => (
            "delivered",
            json!(queue),
            message.id().0,
            json!(message.routing_key()),
            None,
        ),
        EventKind::Acked { queue, message, .. } => {
            ("acked", json!(queue), message.0, keys.of(message.0), None)
        }
        EventKind::DeadLettered {
            queue,
            message,
            exchange,
            ..
        } => (
            "dead-lettered",
            json!(queue),
            message.0,
            keys.of(message.0),
            Some(("to_exchange", json!(exchange))),
        ),
        EventKind::Dropped { queue, message, .. } => {
            ("dropped", json!(queue), message.0, keys.of(message.0), None)
        }
        EventKind::Unroutable { message } => (
            "dropped",
            Value::Null,
            message.0,
            keys.of(message.0),
            Some(("reason", json!("unroutable"))),
        ),
        _ => return None,
    };
    let mut fields = vec![
        ("queue", queue),
        ("consumer", consumer),
        ("routing_key", key),
        ("message", json!(id)),
        ("at", json!(e.at.ms())),
    ];
    fields.extend(extra);
    Some(message(kind, fields))
}

#[cfg(target_arch = "wasm32")]
pub use browser::use_host_api;

/// The stand-in off the browser (the build-time snapshot renders no embed).
#[cfg(not(target_arch = "wasm32"))]
#[yew::hook]
pub fn use_host_api(
    _on: yew::Callback<crate::state::Action>,
    _latest: crate::hooks::Latest<crate::state::AppState>,
    _opts: crate::embed::EmbedOptions,
) {
}

#[cfg(target_arch = "wasm32")]
mod browser;

#[cfg(test)]
mod tests {
    use super::*;

    fn err(v: Value) -> String {
        parse_command(&v).unwrap_err().1
    }

    #[test]
    fn commands_parse_with_their_ids() {
        let (id, c) = parse_command(&json!({"warren": 1, "type": "play", "id": 7})).unwrap();
        assert_eq!((id, c), (Some(json!(7)), HostCommand::Play));
        let (_, c) =
            parse_command(&json!({"warren": 1, "type": "publish", "producer": "web shop"}))
                .unwrap();
        assert_eq!(c, HostCommand::PublishFrom("web shop".into()));
        let (_, c) = parse_command(&json!({"warren": 1, "type": "publish", "exchange": "order",
            "routing_key": "order.notify", "body": "<img src=x onerror=alert(1)>", "headers": {"a": "b"}}))
        .unwrap();
        let HostCommand::Publish(p) = c else { panic!() };
        assert_eq!(p.body, "<img src=x onerror=alert(1)>");
        assert!(p.properties.headers.is_some());
        let (_, c) =
            parse_command(&json!({"warren": 1, "type": "load", "scene": {"name": "x"}})).unwrap();
        assert_eq!(c, HostCommand::Load(r#"{"name":"x"}"#.into()));
        let (_, c) = parse_command(&json!({"warren": 1, "type": "goto-step", "step": 2})).unwrap();
        assert_eq!(c, HostCommand::GotoStep(2));
    }

    #[test]
    fn malformed_commands_say_what_is_wrong() {
        assert!(err(json!("play")).contains("object"));
        assert!(err(json!({"type": "play"})).contains("\"warren\""));
        assert!(err(json!({"warren": 2, "type": "play"})).contains("\"warren\""));
        assert!(err(json!({"warren": 1})).contains("no \"type\""));
        assert!(err(json!({"warren": 1, "type": "explode"})).contains("unknown type"));
        assert!(err(json!({"warren": 1, "type": "load"})).contains("\"scene\""));
        assert!(
            err(json!({"warren": 1, "type": "publish", "exchange": 5})).contains("\"exchange\"")
        );
        assert!(err(json!({"warren": 1, "type": "goto-step", "step": 0})).contains("\"step\""));
        let big = "x".repeat(limits::MAX_BODY_BYTES + 1);
        assert!(err(json!({"warren": 1, "type": "publish", "body": big})).contains("at most"));
        // The id comes back with the error.
        let e = parse_command(&json!({"warren": 1, "id": "a", "type": "?"})).unwrap_err();
        assert_eq!(e.0, Some(json!("a")));
        assert_eq!(reply(e.0, Err(e.1)).get("type"), Some(&json!("error")));
    }
}
