//! What a simulated actor is: the specs scenario files and the playground
//! write, their validation, and the body template.

use serde::{Deserialize, Serialize};

use crate::{FieldTable, FieldValue, Properties, SimTime};

use super::SimError;

/// A simulated producer: a client process with its own connection and
/// channel that publishes to one exchange.
///
/// Written in scenario files as JSON; every field is optional and unknown
/// fields are refused (a typo should not silently mean "default").
///
/// Default values:
/// - `name`, `exchange`, `routing_key`, `body`: `""` (the default exchange
///   routes by queue name, so `exchange: ""` with `routing_key: "q"`
///   publishes straight to queue `q`);
/// - `more_routing_keys`: none;
/// - `headers`, `properties`: empty;
/// - `mandatory`, `confirm`: false;
/// - `rate_per_sec`: `None` (one-off: publishes only when asked);
/// - `count`: `None` (no limit);
/// - `start_ms`: 0.
///
/// # Body template
///
/// `body` is a template, rendered at each publish:
/// - `{n}`: this producer's publish number, from 1 (every attempt counts,
///   refused ones included, as a client's loop counter would);
/// - `{name}`: the producer's name;
/// - `{time}`: the virtual time of the publish, in ms.
///
/// Anything else, braces included, is copied as is: there is no escaping,
/// so JSON bodies such as `{"order": {n}}` need none. Only the body is a
/// template; routing keys are fixed, so they are checked once, when the
/// producer is added.
///
/// # Example
/// ```
/// use warren_core::ProducerSpec;
/// let spec: ProducerSpec = serde_json::from_str(
///     r#"{"name": "shop", "button": "Place order", "exchange": "order",
///         "routing_key": "order.notify", "more_routing_keys": ["order.report"],
///         "body": "{\"order\": {n}}", "rate_per_sec": 2}"#,
/// )?;
/// assert_eq!(spec.rate_per_sec, Some(2.0));
/// assert_eq!(spec.button, "Place order");
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ProducerSpec {
    /// Display name (the playground's label; `{name}` in the body).
    pub name: String,
    /// The playground's label for publishing once, the verb of the scene
    /// ("Place order"); empty means "Publish". The simulation ignores it.
    pub button: String,
    /// Exchange to publish to (`""` is the default exchange).
    pub exchange: String,
    /// Routing key of each message.
    pub routing_key: String,
    /// Further routing keys: each publish sends one message to
    /// `routing_key`, then one to each of these, with the same body and the
    /// same `{n}`. This models a client that emits several messages per
    /// business event (the tutorial's order: a notification and a report).
    pub more_routing_keys: Vec<String>,
    /// Application headers, added to `properties.headers` (they win on a
    /// clash, being the more specific setting).
    pub headers: FieldTable,
    /// Message properties.
    pub properties: Properties,
    /// Body template (see the type doc).
    pub body: String,
    /// Ask for a `basic.return` (312) when a message reaches no queue.
    pub mandatory: bool,
    /// Messages per second of virtual time; `None` or 0 = one-off.
    pub rate_per_sec: Option<f64>,
    /// Stop publishing on its own once this many publishes were made
    /// (manual ones included).
    pub count: Option<u64>,
    /// Virtual time (ms) of the first scheduled publish.
    pub start_ms: u64,
    /// Put the channel in confirm mode (`confirm.select`) and count confirms.
    pub confirm: bool,
}

impl ProducerSpec {
    /// A one-off producer publishing to `exchange` with `routing_key`.
    pub fn new(
        name: impl Into<String>,
        exchange: impl Into<String>,
        routing_key: impl Into<String>,
    ) -> Self {
        Self {
            name: name.into(),
            exchange: exchange.into(),
            routing_key: routing_key.into(),
            ..Self::default()
        }
    }

    /// The properties every message carries: `properties` with `headers`
    /// merged in (theirs win on a clash).
    pub fn message_properties(&self) -> Properties {
        let mut props = self.properties.clone();
        if !self.headers.is_empty() {
            let table = props.headers.get_or_insert_with(FieldTable::new);
            for (k, v) in self.headers.iter() {
                table.insert(k, v.clone());
            }
        }
        props
    }

    /// Refuses what no client could send or what has no meaning.
    pub(crate) fn validate(&self) -> Result<(), SimError> {
        check_short("exchange", &self.exchange)?;
        check_short("routing_key", &self.routing_key)?;
        for key in &self.more_routing_keys {
            check_short("more_routing_keys", key)?;
        }
        check_rate(self.rate_per_sec)?;
        Ok(())
    }
}

/// What a consumer does with a message once it has processed it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ConsumerPolicy {
    /// `basic.ack`.
    #[default]
    Ack,
    /// `basic.nack` with `requeue=true`: the message goes back, redelivered.
    NackRequeue,
    /// `basic.nack` with `requeue=false`: dead-lettered or dropped.
    NackDrop,
    /// `basic.reject` with `requeue=true`.
    RejectRequeue,
    /// `basic.reject` with `requeue=false`.
    RejectDrop,
    /// Close the connection upon receiving a message, as a process dying on
    /// a poison message does: its unacked messages go back, redelivered.
    Crash,
}

/// How a processed delivery is settled.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Settle {
    Ack,
    Nack { requeue: bool },
    Reject { requeue: bool },
}

impl ConsumerPolicy {
    /// Every policy, in the order forms offer them.
    pub const ALL: [Self; 6] = [
        Self::Ack,
        Self::NackRequeue,
        Self::NackDrop,
        Self::RejectRequeue,
        Self::RejectDrop,
        Self::Crash,
    ];

    /// The policy's name in scenario files (and as it serialises).
    pub const fn name(self) -> &'static str {
        match self {
            Self::Ack => "ack",
            Self::NackRequeue => "nack-requeue",
            Self::NackDrop => "nack-drop",
            Self::RejectRequeue => "reject-requeue",
            Self::RejectDrop => "reject-drop",
            Self::Crash => "crash",
        }
    }

    /// The policy a scenario-file name stands for.
    pub fn from_name(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.name() == s)
    }

    /// The settlement after processing; `None` for [`ConsumerPolicy::Crash`],
    /// which never gets that far.
    pub(crate) fn settle(self) -> Option<Settle> {
        Some(match self {
            Self::Ack => Settle::Ack,
            Self::NackRequeue => Settle::Nack { requeue: true },
            Self::NackDrop => Settle::Nack { requeue: false },
            Self::RejectRequeue => Settle::Reject { requeue: true },
            Self::RejectDrop => Settle::Reject { requeue: false },
            Self::Crash => return None,
        })
    }
}

fn yes() -> bool {
    true
}

/// A simulated consumer: a client process with its own connection and
/// channel that consumes from one queue, works on each delivery for a
/// while, then settles it.
///
/// Default values:
/// - `name`, `queue`: `""`;
/// - `consumer_tag`: `None`, meaning the name (`Some("")` asks the broker
///   for an `amq.ctag-…` tag);
/// - `prefetch`: 0 (unlimited; no `basic.qos` is sent);
/// - `auto_ack`, `exclusive`: false;
/// - `priority`: `None` (no `x-priority` argument);
/// - `stream_offset`: `None` (no `x-stream-offset` argument: a stream's
///   consumer reads what is written from now on);
/// - `processing_ms`, `jitter_ms`: 0;
/// - `policy`: `ack`;
/// - `crash_after`, `fail_every`: `None`;
/// - `start`: true.
///
/// # Counting
///
/// `crash_after` counts deliveries since the consumer's connection was
/// opened, so a restarted consumer crashes again after as many messages (a
/// buggy process stays buggy). `fail_every` counts every delivery the
/// actor ever received, so "every 3rd message fails" holds across
/// restarts. Both count redeliveries: a client cannot tell them apart
/// beyond the `redelivered` flag.
///
/// With `auto_ack` the broker settles on delivery: the consumer still
/// spends `processing_ms` on each message (the playground animates it),
/// but sends nothing afterwards, so `policy` and `fail_every` do not
/// apply; a crash loses the messages in hand for good.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ConsumerSpec {
    /// Display name, and the default consumer tag.
    pub name: String,
    /// Queue to consume from.
    pub queue: String,
    /// Consumer tag; `None` = the name.
    pub consumer_tag: Option<String>,
    /// `basic.qos` prefetch count sent before consuming; 0 = unlimited.
    pub prefetch: u16,
    /// Consume with `no_ack`: the broker settles on delivery.
    pub auto_ack: bool,
    /// `x-priority` consumer argument.
    pub priority: Option<i32>,
    /// `x-stream-offset` consumer argument, for a stream's consumer: where
    /// it starts reading (`"first"`, `"last"`, `"next"`, an offset, a
    /// timestamp or an interval such as `"1h"`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stream_offset: Option<FieldValue>,
    /// Exclusive consumer.
    pub exclusive: bool,
    /// Virtual ms spent on each message before settling it.
    pub processing_ms: u64,
    /// Extra processing time, uniform in `0..=jitter_ms`, drawn from the
    /// actor's own seeded generator.
    pub jitter_ms: u64,
    /// What to do with a processed message.
    pub policy: ConsumerPolicy,
    /// Crash upon receiving the Nth delivery (see Counting); works with any
    /// policy.
    pub crash_after: Option<u32>,
    /// Every Nth delivery (see Counting) is nacked with requeue instead of
    /// following the policy.
    pub fail_every: Option<u32>,
    /// Start consuming when added (else it waits for
    /// [`Simulation::start_consumer`](crate::Simulation::start_consumer)).
    #[serde(default = "yes")]
    pub start: bool,
}

impl Default for ConsumerSpec {
    fn default() -> Self {
        Self {
            name: String::new(),
            queue: String::new(),
            consumer_tag: None,
            prefetch: 0,
            auto_ack: false,
            priority: None,
            stream_offset: None,
            exclusive: false,
            processing_ms: 0,
            jitter_ms: 0,
            policy: ConsumerPolicy::Ack,
            crash_after: None,
            fail_every: None,
            start: true,
        }
    }
}

impl ConsumerSpec {
    /// A consumer of `queue` that acks every message at once.
    pub fn new(name: impl Into<String>, queue: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            queue: queue.into(),
            ..Self::default()
        }
    }

    /// The consumer tag to ask for.
    pub(crate) fn tag(&self) -> &str {
        self.consumer_tag.as_deref().unwrap_or(&self.name)
    }

    /// `basic.consume` arguments.
    pub(crate) fn arguments(&self) -> FieldTable {
        let mut args = FieldTable::new();
        if let Some(p) = self.priority {
            args.insert("x-priority", FieldValue::I32(p));
        }
        if let Some(offset) = &self.stream_offset {
            args.insert(crate::STREAM_OFFSET_HEADER, offset.clone());
        }
        args
    }

    /// Refuses what no client could send or what has no meaning.
    pub(crate) fn validate(&self) -> Result<(), SimError> {
        check_short("queue", &self.queue)?;
        check_short("consumer_tag", self.tag())?;
        if self.crash_after == Some(0) {
            return Err(SimError::ZeroCount {
                field: "crash_after",
            });
        }
        if self.fail_every == Some(0) {
            return Err(SimError::ZeroCount {
                field: "fail_every",
            });
        }
        Ok(())
    }
}

/// AMQP short strings (names, keys, tags) are at most 255 bytes.
fn check_short(field: &'static str, s: &str) -> Result<(), SimError> {
    if s.len() > 255 {
        Err(SimError::TooLong {
            field,
            len: s.len(),
        })
    } else {
        Ok(())
    }
}

/// A rate must be a finite, non-negative number of messages per second.
pub(crate) fn check_rate(rate: Option<f64>) -> Result<(), SimError> {
    match rate {
        Some(r) if !r.is_finite() || r < 0.0 => Err(SimError::InvalidRate(r)),
        _ => Ok(()),
    }
}

/// Renders a body template (see [`ProducerSpec`]).
pub(crate) fn render(template: &str, n: u64, name: &str, time: SimTime) -> String {
    let mut out = String::with_capacity(template.len() + 8);
    let mut rest = template;
    while let Some(i) = rest.find('{') {
        out.push_str(&rest[..i]);
        rest = &rest[i..];
        if let Some(r) = rest.strip_prefix("{n}") {
            out.push_str(&n.to_string());
            rest = r;
        } else if let Some(r) = rest.strip_prefix("{name}") {
            out.push_str(name);
            rest = r;
        } else if let Some(r) = rest.strip_prefix("{time}") {
            out.push_str(&time.ms().to_string());
            rest = r;
        } else {
            out.push('{');
            rest = &rest[1..];
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn template_fills_placeholders_and_keeps_other_braces() {
        assert_eq!(
            render(
                r#"{"order": {n}, "by": "{name}", "at": {time}}"#,
                7,
                "shop",
                SimTime(42)
            ),
            r#"{"order": 7, "by": "shop", "at": 42}"#
        );
        assert_eq!(render("{{n}}{x}{", 1, "p", SimTime(0)), "{1}{x}{");
        assert_eq!(render("plain", 1, "p", SimTime(0)), "plain");
        assert_eq!(render("héllo {n}", 3, "p", SimTime(0)), "héllo 3");
    }

    #[test]
    fn specs_default_and_refuse_unknown_fields() {
        let c: ConsumerSpec = serde_json::from_str(r#"{"name": "w", "queue": "q"}"#).unwrap();
        assert!(c.start);
        assert_eq!(c.tag(), "w");
        assert_eq!(c.policy, ConsumerPolicy::Ack);
        let c: ConsumerSpec =
            serde_json::from_str(r#"{"policy": "nack-requeue", "start": false}"#).unwrap();
        assert_eq!(c.policy, ConsumerPolicy::NackRequeue);
        assert!(!c.start);
        for p in ["ack", "nack-drop", "reject-requeue", "reject-drop", "crash"] {
            let json = format!(r#"{{"policy": "{p}"}}"#);
            assert!(serde_json::from_str::<ConsumerSpec>(&json).is_ok(), "{p}");
        }
        assert!(serde_json::from_str::<ConsumerSpec>(r#"{"prefech": 1}"#).is_err());
        assert!(serde_json::from_str::<ProducerSpec>(r#"{"rate": 1}"#).is_err());
        let p: ProducerSpec = serde_json::from_str("{}").unwrap();
        assert_eq!(p, ProducerSpec::default());
        let back: ProducerSpec = serde_json::from_str(&serde_json::to_string(&p).unwrap()).unwrap();
        assert_eq!(back, p);
    }

    #[test]
    fn policy_names_are_the_serde_names() {
        for p in ConsumerPolicy::ALL {
            let json = serde_json::to_string(&p).unwrap();
            assert_eq!(json, format!("{:?}", p.name()));
            assert_eq!(serde_json::from_str::<ConsumerPolicy>(&json).unwrap(), p);
            assert_eq!(ConsumerPolicy::from_name(p.name()), Some(p));
        }
        assert_eq!(ConsumerPolicy::from_name("nack"), None);
    }

    #[test]
    fn validation_names_the_field() {
        let mut p = ProducerSpec::new("p", "x", "k".repeat(256));
        assert_eq!(
            p.validate(),
            Err(SimError::TooLong {
                field: "routing_key",
                len: 256
            })
        );
        p.routing_key = "k".into();
        p.rate_per_sec = Some(-1.0);
        assert_eq!(p.validate(), Err(SimError::InvalidRate(-1.0)));
        p.rate_per_sec = Some(f64::NAN);
        assert!(matches!(p.validate(), Err(SimError::InvalidRate(r)) if r.is_nan()));
        p.rate_per_sec = Some(f64::INFINITY);
        assert!(p.validate().is_err());
        p.rate_per_sec = Some(0.0);
        assert_eq!(p.validate(), Ok(()));
        let mut c = ConsumerSpec::new("c", "q");
        c.fail_every = Some(0);
        assert_eq!(
            c.validate(),
            Err(SimError::ZeroCount {
                field: "fail_every"
            })
        );
    }

    #[test]
    fn headers_merge_into_properties() {
        let mut p = ProducerSpec::new("p", "", "q");
        p.properties.headers = Some(
            [
                ("a".to_owned(), FieldValue::I32(1)),
                ("b".to_owned(), FieldValue::I32(2)),
            ]
            .into_iter()
            .collect(),
        );
        p.headers.insert("b", FieldValue::I32(3));
        let props = p.message_properties();
        assert_eq!(props.header("a"), Some(&FieldValue::I32(1)));
        assert_eq!(props.header("b"), Some(&FieldValue::I32(3)));
    }
}
