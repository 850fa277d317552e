//! RabbitMQ's `definitions.json`: read, written, loaded into a [`Broker`]
//! and exported from one. The format and Warren's rules are documented on
//! [`Definitions`] (this module is private; its items are re-exported).

use std::collections::BTreeSet;
use std::fmt;

use serde::ser::SerializeMap;
use serde::{Serialize, Serializer};
use serde_json::{Map, Value};

use warren_core::methods::{ExchangeDeclare, QueueDeclare};
use warren_core::names::{is_builtin, is_reserved};
use warren_core::{
    ApplyTo, BindingInfo, Broker, ChannelId, Error, ExchangeKind, FieldTable, FieldValue,
    InvalidArgument, Op, Policy, PolicyError, QueueConfig, MODELLED_KEYS,
};

/// The RabbitMQ version [`Definitions::export`] writes into
/// `rabbit_version`, `rabbitmq_version` and `product_version`: the version
/// Warren behaves like.
pub const RABBIT_VERSION: &str = "3.10.8";

/// Version keys that open a management export, in its order.
const VERSION_KEYS: [&str; 4] = [
    "rabbit_version",
    "rabbitmq_version",
    "product_name",
    "product_version",
];

/// Top-level keys RabbitMQ writes that Warren accepts but does not model,
/// in export order, with the reason given when they are ignored.
const NOT_MODELLED: [(&str, &str); 6] = [
    (
        "users",
        "users are not modelled: Warren has no authentication",
    ),
    (
        "vhosts",
        "Warren models one virtual host; only the first one named is loaded",
    ),
    (
        "permissions",
        "permissions are not modelled: Warren has no access control",
    ),
    (
        "topic_permissions",
        "topic permissions are not modelled: Warren has no access control",
    ),
    (
        "parameters",
        "runtime parameters (federation, shovels, limits) are not modelled",
    ),
    (
        "global_parameters",
        "global parameters (cluster name and id) are not modelled",
    ),
];

/// The four sections Warren models, in export (and file) order.
const SECTIONS: [&str; 4] = ["policies", "queues", "exchanges", "bindings"];

/// AMQP short strings (exchange and queue names, routing keys) hold at most
/// 255 bytes. RabbitMQ's HTTP import would accept longer names, but no AMQP
/// client could then use them, and Warren's broker models the wire.
const MAX_SHORT_STR: usize = 255;

// ---------------------------------------------------------------------------
// Objects

/// An exchange (`exchanges[]`).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ExchangeDef {
    /// Name.
    pub name: String,
    /// Virtual host; absent in a single-vhost export.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vhost: Option<String>,
    /// `direct`, `fanout`, `topic` or `headers` (plugin types are refused on
    /// [`Definitions::apply`], as a broker without the plugin refuses them).
    #[serde(rename = "type")]
    pub exchange_type: String,
    /// Durable flag.
    pub durable: bool,
    /// Auto-delete flag.
    pub auto_delete: bool,
    /// Internal flag; `rabbitmqctl` omits it, and absent means `false`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub internal: Option<bool>,
    /// Arguments (`alternate-exchange`).
    pub arguments: FieldTable,
}

/// A queue (`queues[]`). Exclusive queues are never exported, so there is
/// no `exclusive` field.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct QueueDef {
    /// Name.
    pub name: String,
    /// Virtual host; absent in a single-vhost export.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vhost: Option<String>,
    /// Durable flag.
    pub durable: bool,
    /// Auto-delete flag.
    pub auto_delete: bool,
    /// Arguments (`x-message-ttl`, `x-dead-letter-exchange`, ...).
    pub arguments: FieldTable,
    /// `classic`, `quorum` or `stream`, as `rabbitmqctl` writes it (the
    /// management export leaves it out and relies on `x-queue-type`).
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub queue_type: Option<String>,
}

impl ExchangeDef {
    /// The `exchange.declare` that loads it.
    pub fn declare_op(&self) -> Op {
        Op::ExchangeDeclare(ExchangeDeclare {
            exchange: self.name.clone(),
            exchange_type: Some(self.exchange_type.clone()),
            passive: false,
            durable: self.durable,
            auto_delete: self.auto_delete,
            internal: self.internal.unwrap_or(false),
            arguments: self.arguments.clone(),
        })
    }
}

impl QueueDef {
    /// The `queue.declare` that loads it. A type given only by the `type`
    /// field becomes the `x-queue-type` argument, as RabbitMQ's import
    /// does.
    pub fn declare_op(&self) -> Op {
        Op::QueueDeclare(QueueDeclare {
            queue: self.name.clone(),
            passive: false,
            durable: self.durable,
            exclusive: false,
            auto_delete: self.auto_delete,
            arguments: self.declared_arguments(),
        })
    }

    /// The arguments the queue is declared with: its `arguments`, plus
    /// `x-queue-type` when only the `type` field gives the type (so a
    /// stream typed by its field is judged as a stream, not as a classic
    /// queue with stream arguments).
    pub fn declared_arguments(&self) -> FieldTable {
        let mut arguments = self.arguments.clone();
        if let Some(t) = self.queue_type.as_deref() {
            if t != "classic" && arguments.get("x-queue-type").is_none() {
                arguments.insert("x-queue-type", FieldValue::str(t));
            }
        }
        arguments
    }

    /// Checks the type a queue at `path` asks for: classic, quorum or
    /// stream. Both places a type can be given must be valid: the `type`
    /// field does not excuse a bad `x-queue-type` (RabbitMQ checks the
    /// argument on declare), or the export would not load back.
    fn checked_type(&self, path: &str) -> Result<(), DefinitionsError> {
        if let Some(arg) = self.arguments.get("x-queue-type") {
            if !matches!(arg.as_str(), Some("classic" | "quorum" | "stream")) {
                return Err(DefinitionsError::invalid(
                    &key_path(&key_path(path, "arguments"), "x-queue-type"),
                    format!("\"classic\", \"quorum\" or \"stream\", found {}", arg),
                ));
            }
        }
        match self.requested_type() {
            None | Some("classic" | "quorum" | "stream") => Ok(()),
            Some(other) => {
                let at = if self.queue_type.is_some() {
                    key_path(path, "type")
                } else {
                    key_path(&key_path(path, "arguments"), "x-queue-type")
                };
                Err(DefinitionsError::invalid(
                    &at,
                    format!("\"classic\", \"quorum\" or \"stream\", found {other:?}"),
                ))
            }
        }
    }

    /// The queue type asked for: the `type` field, else the `x-queue-type`
    /// argument, else `None` (classic).
    pub fn requested_type(&self) -> Option<&str> {
        self.queue_type.as_deref().or_else(|| {
            self.arguments
                .get("x-queue-type")
                .and_then(FieldValue::as_str)
        })
    }
}

/// What a binding leads to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum DestinationType {
    /// A queue (`queue.bind`).
    Queue,
    /// An exchange (`exchange.bind`).
    Exchange,
}

impl DestinationType {
    /// The name the file uses.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Queue => "queue",
            Self::Exchange => "exchange",
        }
    }
}

/// A binding (`bindings[]`).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct BindingDef {
    /// Source exchange.
    pub source: String,
    /// Virtual host; absent in a single-vhost export.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vhost: Option<String>,
    /// Destination queue or exchange.
    pub destination: String,
    /// Whether the destination is a queue or an exchange.
    pub destination_type: DestinationType,
    /// Binding key.
    pub routing_key: String,
    /// Binding arguments (headers exchanges match on them).
    pub arguments: FieldTable,
}

impl BindingDef {
    /// The binding as the broker names it ([`BindingInfo::bind_op`] makes it).
    pub fn info(&self) -> BindingInfo {
        BindingInfo {
            source: self.source.clone(),
            destination: self.destination.clone(),
            to_exchange: self.destination_type == DestinationType::Exchange,
            routing_key: self.routing_key.clone(),
            arguments: self.arguments.clone(),
        }
    }

    /// `source -> destination (key)`, for reports.
    pub fn describe(&self) -> String {
        format!(
            "{} -> {} {} ({:?})",
            self.source,
            self.destination_type.as_str(),
            self.destination,
            self.routing_key
        )
    }
}

/// A policy (`policies[]`).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PolicyDef {
    /// Virtual host; absent in a single-vhost export.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vhost: Option<String>,
    /// Name.
    pub name: String,
    /// Regular expression matched against queue and exchange names. Kept as
    /// text: an invalid pattern is refused by [`Definitions::apply`] and
    /// reported by the lint, not by the parser.
    pub pattern: String,
    /// What it applies to (absent means `all`, as in `rabbitmqctl set_policy`).
    #[serde(rename = "apply-to")]
    pub apply_to: ApplyTo,
    /// Keys such as `message-ttl` or `dead-letter-exchange`; keys Warren does
    /// not model ([`MODELLED_KEYS`]) are kept and listed as ignored.
    pub definition: FieldTable,
    /// Among matching policies the highest priority wins (absent means 0).
    pub priority: i64,
}

// ---------------------------------------------------------------------------
// Ignored

/// Something in a definitions file that Warren keeps but does not load.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Ignored {
    /// JSON path (`$.users`, `$.queues[4]`, `$.policies[0].definition.ha-mode`).
    pub path: String,
    /// Why.
    pub reason: IgnoredReason,
}

/// Why something was ignored.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
#[non_exhaustive]
pub enum IgnoredReason {
    /// A part of RabbitMQ Warren does not model (users, permissions, ...).
    NotModelled {
        /// What is missing from Warren, in words.
        why: &'static str,
    },
    /// A key that is not part of RabbitMQ's format (a typo, or a newer
    /// version's field).
    UnknownKey,
    /// An object of another virtual host: Warren loads only one.
    OtherVhost {
        /// The object's virtual host.
        vhost: String,
        /// The virtual host that is loaded.
        loaded: String,
    },
    /// A policy key Warren does not model (`ha-mode`, `queue-mode`,
    /// `max-age`, ...): the policy applies, without that key's effect.
    PolicyKeyNotModelled,
}

impl fmt::Display for Ignored {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.reason {
            IgnoredReason::NotModelled { why } => write!(f, "{}: {why}", self.path),
            IgnoredReason::UnknownKey => write!(
                f,
                "{}: not a field of RabbitMQ 3.10's definitions format",
                self.path
            ),
            IgnoredReason::OtherVhost { vhost, loaded } => write!(
                f,
                "{}: belongs to virtual host {vhost:?}; only {loaded:?} is loaded",
                self.path
            ),
            IgnoredReason::PolicyKeyNotModelled => write!(
                f,
                "{}: policy key not modelled by Warren (the rest of the policy applies)",
                self.path
            ),
        }
    }
}

// ---------------------------------------------------------------------------
// Errors

/// Why a definitions file could not be read or loaded, and where.
///
/// `path` is the JSON path of the offending value, relative to the
/// definitions document (`$.queues[3].arguments.x-message-ttl`); use
/// [`DefinitionsError::nested_under`] when the document is embedded in
/// another one (a scenario's `definitions`). Malformed JSON has no path
/// (`$`) but a line and a column.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct DefinitionsError {
    /// JSON path of the offending value (`$` for the whole document).
    pub path: String,
    /// Line of a syntax error (1-based).
    pub line: Option<usize>,
    /// Column of a syntax error (1-based).
    pub column: Option<usize>,
    /// What went wrong.
    pub kind: DefinitionsErrorKind,
}

/// The kinds of [`DefinitionsError`].
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum DefinitionsErrorKind {
    /// The text is not JSON (serde_json's description).
    Syntax(String),
    /// A value of the wrong JSON type.
    WrongType {
        /// What the format expects there (`"a string"`, `"an array of queues"`).
        expected: &'static str,
        /// What the file holds (`"a number"`, `"null"`).
        found: &'static str,
    },
    /// A required key is absent.
    Missing {
        /// What the format expects there.
        expected: &'static str,
    },
    /// A value of the right type that is not allowed; says what is.
    Invalid(String),
    /// `null` as an argument or policy value: RabbitMQ rejects it on import.
    Null,
    /// The broker refused the object while loading it.
    Refused {
        /// AMQP reply code (406, 404, 503, ...).
        reply_code: u16,
        /// The broker's reply text (`"PRECONDITION_FAILED - invalid arg ..."`).
        reply_text: String,
    },
}

impl DefinitionsError {
    fn at(path: impl Into<String>, kind: DefinitionsErrorKind) -> Self {
        Self {
            path: path.into(),
            line: None,
            column: None,
            kind,
        }
    }

    fn wrong_type(path: &str, expected: &'static str, found: &Value) -> Self {
        Self::at(
            path,
            DefinitionsErrorKind::WrongType {
                expected,
                found: json_kind(found),
            },
        )
    }

    fn invalid(path: &str, expected: impl Into<String>) -> Self {
        Self::at(path, DefinitionsErrorKind::Invalid(expected.into()))
    }

    /// The same error with its path moved under `prefix`, for a
    /// definitions document embedded in another one:
    /// `$.queues[0]` under `$.definitions` is `$.definitions.queues[0]`.
    #[must_use]
    pub fn nested_under(mut self, prefix: &str) -> Self {
        if let Some(rest) = self.path.strip_prefix('$') {
            self.path = format!("{prefix}{rest}");
        }
        self
    }

    /// What was expected (or refused), in words, without the position.
    pub fn message(&self) -> String {
        match &self.kind {
            DefinitionsErrorKind::Syntax(m) => format!("expected valid JSON: {m}"),
            DefinitionsErrorKind::WrongType { expected, found } => {
                format!("expected {expected}, found {found}")
            }
            DefinitionsErrorKind::Missing { expected } => format!("missing: expected {expected}"),
            DefinitionsErrorKind::Invalid(expected) => format!("expected {expected}"),
            DefinitionsErrorKind::Null => "expected a value, found null (RabbitMQ rejects null \
                 argument and policy values: remove the key or give it a value)"
                .into(),
            DefinitionsErrorKind::Refused {
                reply_code,
                reply_text,
            } => format!("the broker refused it ({reply_code}): {reply_text}"),
        }
    }
}

impl fmt::Display for DefinitionsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.line, self.column) {
            (Some(l), Some(c)) => write!(f, "line {l}, column {c}: {}", self.message()),
            _ => write!(f, "{}: {}", self.path, self.message()),
        }
    }
}

impl std::error::Error for DefinitionsError {}

fn json_kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// `base.key`, or `base["key"]` when the key is not a plain word (so the
/// path stays unambiguous for keys holding dots, spaces or quotes).
pub(crate) fn key_path(base: &str, key: &str) -> String {
    let plain = !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if plain {
        format!("{base}.{key}")
    } else {
        format!("{base}[{}]", Value::String(key.to_owned()))
    }
}

// ---------------------------------------------------------------------------
// Reading

/// A JSON object being read, with its path, for errors that say where.
struct Fields<'a> {
    map: &'a Map<String, Value>,
    path: &'a str,
}

impl<'a> Fields<'a> {
    fn of(v: &'a Value, path: &'a str, expected: &'static str) -> Result<Self, DefinitionsError> {
        match v {
            Value::Object(map) => Ok(Self { map, path }),
            other => Err(DefinitionsError::wrong_type(path, expected, other)),
        }
    }

    fn at(&self, key: &str) -> String {
        key_path(self.path, key)
    }

    fn string(&self, key: &str, expected: &'static str) -> Result<String, DefinitionsError> {
        match self.map.get(key) {
            None => Err(DefinitionsError::at(
                self.at(key),
                DefinitionsErrorKind::Missing { expected },
            )),
            Some(Value::String(s)) => Ok(s.clone()),
            Some(other) => Err(DefinitionsError::wrong_type(&self.at(key), expected, other)),
        }
    }

    /// A name or routing key: a string of at most 255 bytes.
    fn short_str(&self, key: &str, expected: &'static str) -> Result<String, DefinitionsError> {
        let s = self.string(key, expected)?;
        if s.len() > MAX_SHORT_STR {
            return Err(DefinitionsError::invalid(
                &self.at(key),
                format!(
                    "at most {MAX_SHORT_STR} bytes (an AMQP short string), found {} bytes",
                    s.len()
                ),
            ));
        }
        Ok(s)
    }

    fn opt_string(&self, key: &str) -> Result<Option<String>, DefinitionsError> {
        match self.map.get(key) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(other) => Err(DefinitionsError::wrong_type(
                &self.at(key),
                "a string",
                other,
            )),
        }
    }

    fn opt_bool(&self, key: &str) -> Result<Option<bool>, DefinitionsError> {
        match self.map.get(key) {
            None => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(other) => Err(DefinitionsError::wrong_type(
                &self.at(key),
                "true or false",
                other,
            )),
        }
    }

    /// `durable` and `auto_delete`: RabbitMQ 3.10's import has no default
    /// for them (later versions default to true and false), so a file that
    /// omits them is refused rather than read differently from 3.10.
    fn required_bool(&self, key: &str) -> Result<bool, DefinitionsError> {
        self.opt_bool(key)?.ok_or_else(|| {
            DefinitionsError::at(
                self.at(key),
                DefinitionsErrorKind::Missing {
                    expected: "true or false (RabbitMQ 3.10 has no default for it)",
                },
            )
        })
    }

    /// An argument table; absent means empty, as in RabbitMQ's import.
    fn table(&self, key: &str) -> Result<FieldTable, DefinitionsError> {
        match self.map.get(key) {
            None => Ok(FieldTable::new()),
            Some(v) => table_from_json(v, &self.at(key)),
        }
    }

    /// Keys outside `known`, as ignored entries.
    fn unknown(&self, known: &[&str], out: &mut Vec<Ignored>) {
        for k in self.map.keys().filter(|k| !known.contains(&k.as_str())) {
            out.push(Ignored {
                path: self.at(k),
                reason: IgnoredReason::UnknownKey,
            });
        }
    }
}

/// Reads an argument table or policy definition, refusing `null` anywhere
/// in it with the path of the null.
fn table_from_json(v: &Value, path: &str) -> Result<FieldTable, DefinitionsError> {
    let Value::Object(map) = v else {
        return Err(DefinitionsError::wrong_type(path, "an object", v));
    };
    let mut table = FieldTable::new();
    for (k, item) in map {
        table
            .0
            .push((k.clone(), value_from_json(item, &key_path(path, k))?));
    }
    Ok(table)
}

fn value_from_json(v: &Value, path: &str) -> Result<FieldValue, DefinitionsError> {
    match v {
        Value::Null => Err(DefinitionsError::at(path, DefinitionsErrorKind::Null)),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .map(|(i, item)| value_from_json(item, &format!("{path}[{i}]")))
            .collect::<Result<_, _>>()
            .map(FieldValue::Array),
        Value::Object(m) if !m.contains_key("$type") => {
            table_from_json(v, path).map(FieldValue::Table)
        }
        // Scalars and Warren's `{"$type": ..., "value": ...}` form.
        _ => FieldValue::from_json(v).map_err(|e| DefinitionsError::invalid(path, e)),
    }
}

fn section<'a>(
    root: &'a Map<String, Value>,
    key: &str,
    expected: &'static str,
) -> Result<&'a [Value], DefinitionsError> {
    match root.get(key) {
        None => Ok(&[]),
        Some(Value::Array(items)) => Ok(items),
        Some(other) => Err(DefinitionsError::wrong_type(
            &key_path("$", key),
            expected,
            other,
        )),
    }
}

fn parse_exchange(
    v: &Value,
    path: &str,
    ignored: &mut Vec<Ignored>,
) -> Result<ExchangeDef, DefinitionsError> {
    let f = Fields::of(v, path, "an exchange object")?;
    f.unknown(
        &[
            "name",
            "vhost",
            "type",
            "durable",
            "auto_delete",
            "internal",
            "arguments",
        ],
        ignored,
    );
    Ok(ExchangeDef {
        name: f.short_str("name", "the exchange's name, a string")?,
        vhost: f.opt_string("vhost")?,
        exchange_type: f.string("type", "the exchange type, a string")?,
        durable: f.required_bool("durable")?,
        auto_delete: f.required_bool("auto_delete")?,
        internal: f.opt_bool("internal")?,
        arguments: f.table("arguments")?,
    })
}

fn parse_queue(
    v: &Value,
    path: &str,
    ignored: &mut Vec<Ignored>,
) -> Result<QueueDef, DefinitionsError> {
    let f = Fields::of(v, path, "a queue object")?;
    f.unknown(
        &[
            "name",
            "vhost",
            "durable",
            "auto_delete",
            "arguments",
            "type",
        ],
        ignored,
    );
    let name = f.short_str("name", "the queue's name, a string")?;
    if name.is_empty() {
        // Only `queue.declare` over AMQP asks the broker to generate a name.
        return Err(DefinitionsError::invalid(
            &f.at("name"),
            "a queue name (an empty name asks for a server-generated one, which only queue.declare \
                does)",
        ));
    }
    Ok(QueueDef {
        name,
        vhost: f.opt_string("vhost")?,
        durable: f.required_bool("durable")?,
        auto_delete: f.required_bool("auto_delete")?,
        arguments: f.table("arguments")?,
        queue_type: f.opt_string("type")?,
    })
}

fn parse_binding(
    v: &Value,
    path: &str,
    ignored: &mut Vec<Ignored>,
) -> Result<BindingDef, DefinitionsError> {
    let f = Fields::of(v, path, "a binding object")?;
    f.unknown(
        &[
            "source",
            "vhost",
            "destination",
            "destination_type",
            "routing_key",
            "arguments",
        ],
        ignored,
    );
    let source = f.short_str("source", "the source exchange's name, a string")?;
    let vhost = f.opt_string("vhost")?;
    let destination = f.short_str("destination", "the destination's name, a string")?;
    let dt = f.string("destination_type", "\"queue\" or \"exchange\"")?;
    let destination_type = match dt.as_str() {
        "queue" => DestinationType::Queue,
        "exchange" => DestinationType::Exchange,
        other => {
            return Err(DefinitionsError::invalid(
                &f.at("destination_type"),
                format!("\"queue\" or \"exchange\", found {other:?}"),
            ))
        }
    };
    Ok(BindingDef {
        source,
        vhost,
        destination,
        destination_type,
        routing_key: f.short_str("routing_key", "the binding key, a string")?,
        arguments: f.table("arguments")?,
    })
}

fn parse_policy(
    v: &Value,
    path: &str,
    ignored: &mut Vec<Ignored>,
) -> Result<PolicyDef, DefinitionsError> {
    let f = Fields::of(v, path, "a policy object")?;
    f.unknown(
        &[
            "vhost",
            "name",
            "pattern",
            "apply-to",
            "definition",
            "priority",
        ],
        ignored,
    );
    let apply_to = match f.opt_string("apply-to")? {
        None => ApplyTo::All,
        Some(s) => ApplyTo::parse(&s).ok_or_else(|| {
            DefinitionsError::invalid(
                &f.at("apply-to"),
                format!("\"queues\", \"exchanges\" or \"all\", found {s:?}"),
            )
        })?,
    };
    let priority = match f.map.get("priority") {
        None => 0,
        Some(p) => p.as_i64().ok_or_else(|| match p {
            Value::Number(_) => DefinitionsError::invalid(
                &f.at("priority"),
                format!("an integer that fits in 64 bits, found {p}"),
            ),
            other => DefinitionsError::wrong_type(&f.at("priority"), "an integer", other),
        })?,
    };
    let definition = match f.map.get("definition") {
        None => {
            return Err(DefinitionsError::at(
                f.at("definition"),
                DefinitionsErrorKind::Missing {
                    expected: "the policy's definition, an object",
                },
            ))
        }
        Some(d) => table_from_json(d, &f.at("definition"))?,
    };
    Ok(PolicyDef {
        vhost: f.opt_string("vhost")?,
        name: f.string("name", "the policy's name, a string")?,
        pattern: f.string("pattern", "a regular expression, as a string")?,
        apply_to,
        definition,
        priority,
    })
}

// ---------------------------------------------------------------------------
// Definitions

/// A `definitions.json` document: the topology export of a RabbitMQ 3.x
/// broker (`rabbitmqctl export_definitions`, or the management UI's "Export
/// definitions").
///
/// # Shape
///
/// The top level holds `rabbit_version`, `rabbitmq_version`,
/// `product_name`, `product_version`, `users`, `vhosts`, `permissions`,
/// `topic_permissions`, `parameters`, `global_parameters`, `policies`,
/// `queues`, `exchanges` and `bindings` (the management shape;
/// `rabbitmqctl` writes the same without the product keys). Warren models
/// the last four. Every other top-level key is kept verbatim in
/// [`Definitions::other`] and written back, so a file survives a
/// read/write round trip.
///
/// Warren models one virtual host: the first one the file names (see
/// [`Definitions::vhost`]). Objects of other virtual hosts are kept (for
/// the round trip) but not loaded, and are listed in
/// [`Definitions::ignored`].
///
/// # Loading
///
/// [`Definitions::apply`] follows RabbitMQ's import: policies first, then
/// exchanges, queues and bindings; the default exchange, `amq.*` exchanges
/// and `amq.*` queues are skipped; objects that already exist are left as
/// they are (no equivalence check). It differs in one way, on purpose: a
/// failed import leaves the broker untouched instead of half-loaded, so the
/// playground can show the error next to an intact topology.
///
/// [`Definitions::export`] writes a broker's topology in the management
/// shape, and [`lint::check`](crate::lint::check) reviews a document.
///
/// # Example
/// ```
/// use warren_core::Broker;
/// use warren_scenario::Definitions;
/// let defs = Definitions::from_json_str(r#"{
///   "exchanges": [{"name": "order", "vhost": "/", "type": "direct", "durable": true,
///                  "auto_delete": false, "internal": false, "arguments": {}}],
///   "queues": [{"name": "order_notify", "vhost": "/", "durable": true,
///               "auto_delete": false, "arguments": {}}],
///   "bindings": [{"source": "order", "vhost": "/", "destination": "order_notify",
///                 "destination_type": "queue", "routing_key": "order.notify", "arguments": {}}],
///   "policies": []
/// }"#)?;
/// let mut broker = Broker::new();
/// let report = defs.apply(&mut broker)?;
/// assert_eq!(report.applied.len(), 3);
/// assert!(broker.queue("order_notify").is_some());
/// # Ok::<(), warren_scenario::DefinitionsError>(())
/// ```
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Definitions {
    /// `exchanges[]`, in file order (all virtual hosts).
    pub exchanges: Vec<ExchangeDef>,
    /// `queues[]`, in file order (all virtual hosts).
    pub queues: Vec<QueueDef>,
    /// `bindings[]`, in file order (all virtual hosts).
    pub bindings: Vec<BindingDef>,
    /// `policies[]`, in file order (all virtual hosts).
    pub policies: Vec<PolicyDef>,
    /// What the file holds that will not be loaded, found when it was read:
    /// unmodelled top-level keys, unknown keys, objects of other virtual
    /// hosts, unmodelled policy keys. Not written back.
    pub ignored: Vec<Ignored>,
    /// Every other top-level key (`rabbit_version`, `users`, `vhosts`, ...),
    /// verbatim, written back by [`Definitions::to_value`].
    pub other: Map<String, Value>,
}

impl Definitions {
    /// Reads a definitions file.
    ///
    /// # Errors
    /// A [`DefinitionsError`] with the line and column of malformed JSON, or
    /// the JSON path of a value that is not what the format expects.
    pub fn from_json_str(text: &str) -> Result<Self, DefinitionsError> {
        let v: Value = serde_json::from_str(text).map_err(|e| {
            // serde_json appends " at line L column C"; the position has
            // its own fields.
            let full = e.to_string();
            let message = match full.rfind(" at line ") {
                Some(i) => full[..i].to_owned(),
                None => full,
            };
            DefinitionsError {
                path: "$".into(),
                line: Some(e.line()),
                column: Some(e.column()),
                kind: DefinitionsErrorKind::Syntax(message),
            }
        })?;
        Self::from_value(&v)
    }

    /// Reads a definitions document already parsed as JSON.
    ///
    /// # Errors
    /// As [`Definitions::from_json_str`], without positions.
    pub fn from_value(v: &Value) -> Result<Self, DefinitionsError> {
        let Value::Object(root) = v else {
            return Err(DefinitionsError::wrong_type("$", "a definitions object", v));
        };
        let mut defs = Self::default();
        let mut notes = Vec::new();
        for (key, value) in root {
            if SECTIONS.contains(&key.as_str()) {
                continue;
            }
            defs.other.insert(key.clone(), value.clone());
        }
        check_vhosts(root.get("vhosts"))?;
        for (i, v) in section(root, "policies", "an array of policies")?
            .iter()
            .enumerate()
        {
            defs.policies
                .push(parse_policy(v, &format!("$.policies[{i}]"), &mut notes)?);
        }
        for (i, v) in section(root, "queues", "an array of queues")?
            .iter()
            .enumerate()
        {
            defs.queues
                .push(parse_queue(v, &format!("$.queues[{i}]"), &mut notes)?);
        }
        for (i, v) in section(root, "exchanges", "an array of exchanges")?
            .iter()
            .enumerate()
        {
            defs.exchanges
                .push(parse_exchange(v, &format!("$.exchanges[{i}]"), &mut notes)?);
        }
        for (i, v) in section(root, "bindings", "an array of bindings")?
            .iter()
            .enumerate()
        {
            defs.bindings
                .push(parse_binding(v, &format!("$.bindings[{i}]"), &mut notes)?);
        }
        let mut ignored = defs.top_level_ignored();
        // Unknown keys of objects that are skipped anyway (other vhosts)
        // would only be noise.
        let skipped: Vec<String> = defs
            .objects_of_other_vhosts()
            .map(|(path, _)| path)
            .collect();
        ignored.extend(notes.into_iter().filter(|n| {
            !skipped.iter().any(|p| {
                n.path
                    .strip_prefix(p.as_str())
                    .is_some_and(|rest| rest.starts_with(['.', '[']))
            })
        }));
        ignored.extend(defs.object_ignored());
        sort_ignored(&mut ignored);
        defs.ignored = ignored;
        Ok(defs)
    }

    /// The document as JSON. Round-trip stable: `from_value(v).to_value()`
    /// equals `v` for RabbitMQ's own exports (both shapes) and for
    /// [`Definitions::export`]'s output. Defaults the reader filled in
    /// (`internal` aside) are written out, and the four sections are
    /// always present.
    pub fn to_value(&self) -> Value {
        // Serializing into a `Value` cannot fail: every map key is a string
        // and every number came from JSON.
        serde_json::to_value(self).unwrap_or(Value::Null)
    }

    /// The document as pretty-printed JSON text, keys in the order RabbitMQ
    /// 3.10's management export writes them.
    pub fn to_json_string(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }

    /// The virtual host Warren loads: the first entry of `vhosts`, else the
    /// first `vhost` an object names (policies, queues, exchanges, bindings,
    /// in that order), else `"/"`. Objects without a `vhost` field (a
    /// single-vhost export) belong to it.
    pub fn vhost(&self) -> &str {
        let listed = self
            .other
            .get("vhosts")
            .and_then(Value::as_array)
            .and_then(|v| v.first())
            .and_then(|v| v.get("name"))
            .and_then(Value::as_str);
        listed
            .or_else(|| {
                self.policies
                    .iter()
                    .filter_map(|p| p.vhost.as_deref())
                    .chain(self.queues.iter().filter_map(|q| q.vhost.as_deref()))
                    .chain(self.exchanges.iter().filter_map(|x| x.vhost.as_deref()))
                    .chain(self.bindings.iter().filter_map(|b| b.vhost.as_deref()))
                    .next()
            })
            .unwrap_or("/")
    }

    fn loaded(&self, vhost: Option<&str>) -> bool {
        vhost.is_none_or(|v| v == self.vhost())
    }

    /// Policies of the loaded virtual host, with their paths.
    pub(crate) fn loaded_policies(&self) -> impl Iterator<Item = (String, &PolicyDef)> {
        self.policies
            .iter()
            .enumerate()
            .filter(|(_, p)| self.loaded(p.vhost.as_deref()))
            .map(|(i, p)| (format!("$.policies[{i}]"), p))
    }

    /// Queues of the loaded virtual host, with their paths.
    pub(crate) fn loaded_queues(&self) -> impl Iterator<Item = (String, &QueueDef)> {
        self.queues
            .iter()
            .enumerate()
            .filter(|(_, q)| self.loaded(q.vhost.as_deref()))
            .map(|(i, q)| (format!("$.queues[{i}]"), q))
    }

    /// Exchanges of the loaded virtual host, with their paths.
    pub(crate) fn loaded_exchanges(&self) -> impl Iterator<Item = (String, &ExchangeDef)> {
        self.exchanges
            .iter()
            .enumerate()
            .filter(|(_, x)| self.loaded(x.vhost.as_deref()))
            .map(|(i, x)| (format!("$.exchanges[{i}]"), x))
    }

    /// Bindings of the loaded virtual host, with their paths.
    pub(crate) fn loaded_bindings(&self) -> impl Iterator<Item = (String, &BindingDef)> {
        self.bindings
            .iter()
            .enumerate()
            .filter(|(_, b)| self.loaded(b.vhost.as_deref()))
            .map(|(i, b)| (format!("$.bindings[{i}]"), b))
    }

    fn objects_of_other_vhosts<'s>(&'s self) -> impl Iterator<Item = (String, &'s str)> {
        let other = |vhost: &'s Option<String>| -> Option<&'s str> {
            vhost.as_deref().filter(|v| !self.loaded(Some(v)))
        };
        let policies = self
            .policies
            .iter()
            .enumerate()
            .filter_map(move |(i, p)| other(&p.vhost).map(|v| (format!("$.policies[{i}]"), v)));
        let queues = self
            .queues
            .iter()
            .enumerate()
            .filter_map(move |(i, q)| other(&q.vhost).map(|v| (format!("$.queues[{i}]"), v)));
        let exchanges =
            self.exchanges.iter().enumerate().filter_map(move |(i, x)| {
                other(&x.vhost).map(|v| (format!("$.exchanges[{i}]"), v))
            });
        let bindings = self
            .bindings
            .iter()
            .enumerate()
            .filter_map(move |(i, b)| other(&b.vhost).map(|v| (format!("$.bindings[{i}]"), v)));
        policies.chain(queues).chain(exchanges).chain(bindings)
    }

    /// Ignored top-level keys: the unmodelled ones that hold something, and
    /// unknown ones.
    fn top_level_ignored(&self) -> Vec<Ignored> {
        let mut out = Vec::new();
        for (key, value) in &self.other {
            let path = key_path("$", key);
            if VERSION_KEYS.contains(&key.as_str()) {
                continue;
            }
            if let Some((_, why)) = NOT_MODELLED.iter().find(|(k, _)| k == key) {
                if *key == "vhosts" {
                    // The loaded vhost is modelled; list only the others.
                    let loaded = self.vhost();
                    let items = value.as_array().map(Vec::as_slice).unwrap_or_default();
                    for (i, item) in items.iter().enumerate() {
                        let name = item.get("name").and_then(Value::as_str).unwrap_or("");
                        if name != loaded {
                            out.push(Ignored {
                                path: format!("$.vhosts[{i}]"),
                                reason: IgnoredReason::NotModelled { why },
                            });
                        }
                    }
                    continue;
                }
                let empty = match value {
                    Value::Array(a) => a.is_empty(),
                    Value::Object(o) => o.is_empty(),
                    Value::Null => true,
                    _ => false,
                };
                if !empty {
                    out.push(Ignored {
                        path,
                        reason: IgnoredReason::NotModelled { why },
                    });
                }
                continue;
            }
            out.push(Ignored {
                path,
                reason: IgnoredReason::UnknownKey,
            });
        }
        out
    }

    /// Per-object ignored entries derived from the content: objects of
    /// other virtual hosts and unmodelled policy keys.
    fn object_ignored(&self) -> Vec<Ignored> {
        let loaded = self.vhost().to_owned();
        let mut out: Vec<Ignored> = self
            .objects_of_other_vhosts()
            .map(|(path, vhost)| Ignored {
                path,
                reason: IgnoredReason::OtherVhost {
                    vhost: vhost.to_owned(),
                    loaded: loaded.clone(),
                },
            })
            .collect();
        for (path, p) in self.loaded_policies() {
            for (key, _) in p.definition.iter() {
                if !MODELLED_KEYS.contains(&key) {
                    out.push(Ignored {
                        path: key_path(&key_path(&path, "definition"), key),
                        reason: IgnoredReason::PolicyKeyNotModelled,
                    });
                }
            }
        }
        out
    }

    /// Loads the definitions into `broker`, as `rabbitmqctl
    /// import_definitions` would: policies, then exchanges, queues and
    /// bindings of the loaded virtual host ([`Definitions::vhost`]),
    /// declared on a private connection that is closed afterwards.
    ///
    /// - The default exchange, `amq.*` exchanges and `amq.*` queues are
    ///   skipped, as RabbitMQ's import skips them; so are bindings from the
    ///   default exchange (they are implicit).
    /// - Exchanges and queues that already exist are left as they are (no
    ///   equivalence check, as in RabbitMQ).
    /// - Classic queues, quorum queues and streams load as what they are
    ///   (a stream typed only by its `type` field gets the `x-queue-type`
    ///   argument, as RabbitMQ's import gives it).
    ///
    /// Everything is reported in the [`ApplyReport`].
    ///
    /// # Errors
    /// The first object RabbitMQ would refuse: an invalid policy (pattern or
    /// value), an unknown queue type, or anything the broker refuses (an
    /// invalid queue argument, an unknown exchange type, a binding to a
    /// missing queue), with the object's path and the broker's reply text.
    /// On error the broker is left exactly as it was.
    pub fn apply(&self, broker: &mut Broker) -> Result<ApplyReport, DefinitionsError> {
        // Work on a copy so that a refused object leaves no half-loaded
        // topology behind (RabbitMQ's import is not atomic; the playground
        // is better served by all-or-nothing).
        let mut work = broker.clone();
        let report = self.apply_to(&mut work)?;
        *broker = work;
        Ok(report)
    }

    /// Loads every object in RabbitMQ's import order (policies, exchanges,
    /// queues, bindings) through [`Broker::apply`], on a private connection
    /// closed afterwards, noting what was skipped and why.
    fn apply_to(&self, broker: &mut Broker) -> Result<ApplyReport, DefinitionsError> {
        let mut report = ApplyReport {
            vhost: self.vhost().to_owned(),
            ignored: self.ignored.clone(),
            ..ApplyReport::default()
        };
        // Content-derived notes for documents built by hand rather than read.
        for note in self.object_ignored() {
            if !report.ignored.iter().any(|i| i.path == note.path) {
                report.ignored.push(note);
            }
        }
        sort_ignored(&mut report.ignored);
        self.apply_policies(broker, &mut report)?;
        let mut load = Loading {
            ch: broker.connect(),
            exchanges: broker.exchanges().into_iter().map(|x| x.name).collect(),
            queues: broker.queues().into_iter().map(|q| q.name).collect(),
            report,
        };
        self.apply_exchanges(broker, &mut load)?;
        self.apply_queues(broker, &mut load)?;
        self.apply_bindings(broker, &mut load)?;
        // Only fails if the connection is already gone, which it is not:
        // every error above returned early.
        let _ = broker.close_connection(load.ch.connection);
        Ok(load.report)
    }

    fn apply_policies(
        &self,
        broker: &mut Broker,
        report: &mut ApplyReport,
    ) -> Result<(), DefinitionsError> {
        for (path, p) in self.loaded_policies() {
            let refused = |e: PolicyError| match e {
                PolicyError::Definition { key, expected } => DefinitionsError::invalid(
                    &key_path(&key_path(&path, "definition"), &key),
                    expected,
                ),
                pattern => DefinitionsError::invalid(
                    &key_path(&path, "pattern"),
                    format!("a valid regular expression: {pattern}"),
                ),
            };
            let policy = Policy::new(
                p.name.clone(),
                p.pattern.clone(),
                p.apply_to,
                p.priority,
                p.definition.clone(),
            )
            .map_err(refused)?;
            broker.set_policy(policy).map_err(refused)?;
            report.applied(path, ObjectKind::Policy, &p.name);
        }
        Ok(())
    }

    fn apply_exchanges(
        &self,
        broker: &mut Broker,
        load: &mut Loading,
    ) -> Result<(), DefinitionsError> {
        for (path, x) in self.loaded_exchanges() {
            let skip = if is_builtin(&x.name) {
                Some(if load.exchanges.contains(&x.name) {
                    SkipReason::Predeclared
                } else {
                    SkipReason::ReservedName
                })
            } else if load.exchanges.contains(&x.name) {
                Some(SkipReason::AlreadyExists)
            } else {
                None
            };
            if let Some(reason) = skip {
                load.report
                    .skip(path, ObjectKind::Exchange, &x.name, reason);
                continue;
            }
            broker.apply(load.ch, &x.declare_op()).map_err(|e| {
                let at = if ExchangeKind::parse(&x.exchange_type).is_none() {
                    key_path(&path, "type")
                } else if x.arguments.get("alternate-exchange").is_some() {
                    key_path(&key_path(&path, "arguments"), "alternate-exchange")
                } else {
                    path.clone()
                };
                refused(at, e)
            })?;
            load.exchanges.insert(x.name.clone());
            load.report.applied(path, ObjectKind::Exchange, &x.name);
        }
        Ok(())
    }

    fn apply_queues(
        &self,
        broker: &mut Broker,
        load: &mut Loading,
    ) -> Result<(), DefinitionsError> {
        for (path, q) in self.loaded_queues() {
            if is_reserved(&q.name) {
                load.report
                    .skip(path, ObjectKind::Queue, &q.name, SkipReason::ReservedName);
                continue;
            }
            q.checked_type(&path)?;
            if load.queues.contains(&q.name) {
                load.report
                    .skip(path, ObjectKind::Queue, &q.name, SkipReason::AlreadyExists);
                continue;
            }
            if let Err(e) = broker.apply(load.ch, &q.declare_op()) {
                let at = match QueueConfig::check_arguments(&q.declared_arguments()) {
                    Err(InvalidArgument { key, .. }) => {
                        key_path(&key_path(&path, "arguments"), &key)
                    }
                    Ok(()) => path,
                };
                return Err(refused(at, e));
            }
            load.queues.insert(q.name.clone());
            load.report.applied(path, ObjectKind::Queue, &q.name);
        }
        Ok(())
    }

    fn apply_bindings(
        &self,
        broker: &mut Broker,
        load: &mut Loading,
    ) -> Result<(), DefinitionsError> {
        for (path, b) in self.loaded_bindings() {
            let binding = b.info();
            let dest_known = if binding.to_exchange {
                load.exchanges.contains(&b.destination)
            } else {
                load.queues.contains(&b.destination)
            };
            let skip = if b.source.is_empty() {
                Some(SkipReason::DefaultExchangeBinding)
            } else if !load.exchanges.contains(&b.source) {
                Some(SkipReason::MissingSource)
            } else if !dest_known {
                Some(SkipReason::MissingDestination)
            } else {
                None
            };
            if let Some(reason) = skip {
                load.report
                    .skip(path, ObjectKind::Binding, &b.describe(), reason);
                continue;
            }
            if let Err(e) = broker.apply(load.ch, &binding.bind_op()) {
                // Source and destination exist (checked above): the
                // broker refused the arguments, or an empty destination.
                let at = if b.destination.is_empty() {
                    key_path(&path, "destination")
                } else {
                    key_path(&path, "arguments")
                };
                return Err(refused(at, e));
            }
            load.report
                .applied(path, ObjectKind::Binding, &b.describe());
        }
        Ok(())
    }

    /// The broker's topology in the shape of RabbitMQ 3.10's management
    /// export: `rabbit_version` [`RABBIT_VERSION`], the broker's virtual
    /// host, its policies, queues (not exclusive or server-named `amq.*`
    /// ones, which the import would skip), exchanges (not the default or
    /// `amq.*` ones) and bindings (not those of unexported queues),
    /// each sorted by name (bindings by source, destination, key,
    /// arguments). Users, permissions and parameters are written empty.
    ///
    /// Exporting, loading the result into a fresh broker and exporting again
    /// gives the identical document.
    pub fn export(broker: &Broker) -> Self {
        let vhost = broker.vhost().to_owned();
        let mut other = Map::new();
        for key in ["rabbit_version", "rabbitmq_version", "product_version"] {
            other.insert(key.into(), Value::String(RABBIT_VERSION.into()));
        }
        other.insert("product_name".into(), Value::String("RabbitMQ".into()));
        for (key, _) in NOT_MODELLED {
            other.insert(key.into(), Value::Array(Vec::new()));
        }
        let mut vh = Map::new();
        vh.insert("name".into(), Value::String(vhost.clone()));
        other.insert("vhosts".into(), Value::Array(vec![Value::Object(vh)]));

        let queues: Vec<QueueDef> = broker
            .queues()
            .into_iter()
            // Server-named (`amq.gen-…`) queues would be skipped on
            // import, so exporting them would make the export unstable.
            .filter(|q| !q.exclusive && !is_reserved(&q.name))
            .map(|q| QueueDef {
                name: q.name,
                vhost: Some(vhost.clone()),
                durable: q.durable,
                auto_delete: q.auto_delete,
                arguments: q.arguments,
                queue_type: None,
            })
            .collect();
        // A sorted Vec rather than a set: the playground links this (its
        // lint), and the set's collect would add a stable sort to its wasm.
        let mut exported: Vec<&str> = queues.iter().map(|q| q.name.as_str()).collect();
        exported.sort_unstable();
        let bindings = broker
            .bindings()
            .into_iter()
            .filter(|b| !b.source.is_empty())
            .filter(|b| b.to_exchange || exported.binary_search(&b.destination.as_str()).is_ok())
            .map(|b| BindingDef {
                source: b.source,
                vhost: Some(vhost.clone()),
                destination: b.destination,
                destination_type: if b.to_exchange {
                    DestinationType::Exchange
                } else {
                    DestinationType::Queue
                },
                routing_key: b.routing_key,
                arguments: b.arguments,
            })
            .collect();
        Self {
            policies: broker
                .policies()
                .map(|p| PolicyDef {
                    vhost: Some(vhost.clone()),
                    name: p.name.clone(),
                    pattern: p.pattern.clone(),
                    apply_to: p.apply_to,
                    definition: p.definition.clone(),
                    priority: p.priority,
                })
                .collect(),
            exchanges: broker
                .exchanges()
                .into_iter()
                .filter(|x| !x.predeclared)
                .map(|x| ExchangeDef {
                    name: x.name,
                    vhost: Some(vhost.clone()),
                    exchange_type: x.exchange_type,
                    durable: x.durable,
                    auto_delete: x.auto_delete,
                    internal: Some(x.internal),
                    arguments: x.arguments,
                })
                .collect(),
            queues,
            bindings,
            ignored: Vec::new(),
            other,
        }
    }
}

/// `vhosts` is the one unmodelled key Warren reads (to choose the virtual
/// host), so its shape is checked: an array of objects with a string name.
/// What an import has loaded so far, on the way through the sections.
struct Loading {
    /// The import's own channel.
    ch: ChannelId,
    /// Exchanges that exist (predeclared, already there, or loaded).
    exchanges: BTreeSet<String>,
    /// Queues that exist.
    queues: BTreeSet<String>,
    report: ApplyReport,
}

fn check_vhosts(v: Option<&Value>) -> Result<(), DefinitionsError> {
    let Some(v) = v else { return Ok(()) };
    let Value::Array(items) = v else {
        return Err(DefinitionsError::wrong_type(
            "$.vhosts",
            "an array of virtual hosts",
            v,
        ));
    };
    for (i, item) in items.iter().enumerate() {
        let path = format!("$.vhosts[{i}]");
        Fields::of(item, &path, "a virtual host object")?
            .string("name", "the virtual host's name, a string")?;
    }
    Ok(())
}

/// Sorts ignored entries into document order (top-level keys, then the
/// sections in file order, by index), keeping the order of equal paths.
fn sort_ignored(items: &mut [Ignored]) {
    fn rank(path: &str) -> (usize, usize) {
        for (n, section) in SECTIONS.iter().enumerate() {
            if let Some(rest) = path
                .strip_prefix("$.")
                .and_then(|p| p.strip_prefix(section))
                .and_then(|p| p.strip_prefix('['))
            {
                let index = rest
                    .split(']')
                    .next()
                    .and_then(|i| i.parse().ok())
                    .unwrap_or(0);
                return (n + 1, index);
            }
        }
        (0, 0)
    }
    items.sort_by_key(|i| rank(&i.path));
}

fn refused(path: String, e: Error) -> DefinitionsError {
    let kind = match &e {
        Error::Amqp(a) => DefinitionsErrorKind::Refused {
            reply_code: a.code.code(),
            reply_text: a.text.clone(),
        },
        Error::Usage(u) => DefinitionsErrorKind::Invalid(format!("something Warren accepts: {u}")),
    };
    DefinitionsError::at(path, kind)
}

impl Serialize for Definitions {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(None)?;
        let leading: Vec<&str> = VERSION_KEYS
            .iter()
            .copied()
            .chain(NOT_MODELLED.iter().map(|(k, _)| *k))
            .collect();
        for key in &leading {
            if let Some(v) = self.other.get(*key) {
                m.serialize_entry(key, v)?;
            }
        }
        m.serialize_entry("policies", &self.policies)?;
        m.serialize_entry("queues", &self.queues)?;
        m.serialize_entry("exchanges", &self.exchanges)?;
        m.serialize_entry("bindings", &self.bindings)?;
        for (k, v) in &self.other {
            let known = leading.contains(&k.as_str()) || SECTIONS.contains(&k.as_str());
            if !known {
                m.serialize_entry(k, v)?;
            }
        }
        m.end()
    }
}

// ---------------------------------------------------------------------------
// Report

/// The kinds of objects a definitions file loads.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ObjectKind {
    /// A policy.
    Policy,
    /// An exchange.
    Exchange,
    /// A queue.
    Queue,
    /// A binding.
    Binding,
}

/// An object [`Definitions::apply`] loaded.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Applied {
    /// JSON path (`$.queues[2]`).
    pub path: String,
    /// What it is.
    pub kind: ObjectKind,
    /// Its name (for a binding, [`BindingDef::describe`]).
    pub name: String,
}

/// Why [`Definitions::apply`] skipped an object.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum SkipReason {
    /// The default exchange or a predeclared `amq.*` exchange: every
    /// virtual host has it already.
    Predeclared,
    /// An `amq.*` name: reserved for the broker, and RabbitMQ's import
    /// skips it (with a warning in its log).
    ReservedName,
    /// An exchange or queue of that name exists: left as it is, without an
    /// equivalence check, as RabbitMQ's import does.
    AlreadyExists,
    /// A binding from the default exchange: those are implicit (every
    /// queue is bound by its name) and cannot be declared.
    DefaultExchangeBinding,
    /// A binding whose source exchange the file does not define (and the
    /// vhost does not have). RabbitMQ 3.10's import skips it without a
    /// word; `rabbitmqctl export_definitions` writes such bindings itself,
    /// since it leaves internal exchanges out (recorded on 3.10.8).
    MissingSource,
    /// A binding whose destination queue or exchange does not exist:
    /// skipped likewise.
    MissingDestination,
}

/// An object [`Definitions::apply`] skipped.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Skipped {
    /// JSON path.
    pub path: String,
    /// What it is.
    pub kind: ObjectKind,
    /// Its name (for a binding, [`BindingDef::describe`]).
    pub name: String,
    /// Why.
    pub reason: SkipReason,
}

impl fmt::Display for Skipped {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let why = match self.reason {
            SkipReason::Predeclared => "predeclared in every virtual host",
            SkipReason::ReservedName => "'amq.' names are reserved; RabbitMQ's import skips them",
            SkipReason::AlreadyExists => "already exists and is left as it is",
            SkipReason::DefaultExchangeBinding => "default-exchange bindings are implicit",
            SkipReason::MissingSource => {
                "its source exchange does not exist (RabbitMQ skips it too)"
            }
            SkipReason::MissingDestination => {
                "its destination does not exist (RabbitMQ skips it too)"
            }
        };
        write!(f, "{}: {:?} skipped: {why}", self.path, self.name)
    }
}

/// Something loaded, but not exactly as written.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ApplyWarning {
    /// JSON path.
    pub path: String,
    /// What.
    pub kind: ApplyWarningKind,
}

/// The kinds of [`ApplyWarning`]. None today: every queue type is
/// modelled (streams were the last to load as classic queues), and
/// everything else a file holds loads as written or is reported as
/// skipped or ignored.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
#[non_exhaustive]
pub enum ApplyWarningKind {}

impl fmt::Display for ApplyWarning {
    fn fmt(&self, _: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.kind {}
    }
}

/// What [`Definitions::apply`] did.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct ApplyReport {
    /// The virtual host whose objects were loaded.
    pub vhost: String,
    /// Objects loaded, in load order (policies, exchanges, queues, bindings).
    pub applied: Vec<Applied>,
    /// Objects skipped, in load order.
    pub skipped: Vec<Skipped>,
    /// Objects loaded differently from what the file asks.
    pub warnings: Vec<ApplyWarning>,
    /// What the file holds that was not loaded (see [`Definitions::ignored`]).
    pub ignored: Vec<Ignored>,
}

impl ApplyReport {
    fn applied(&mut self, path: String, kind: ObjectKind, name: &str) {
        self.applied.push(Applied {
            path,
            kind,
            name: name.to_owned(),
        });
    }

    fn skip(&mut self, path: String, kind: ObjectKind, name: &str, reason: SkipReason) {
        self.skipped.push(Skipped {
            path,
            kind,
            name: name.to_owned(),
            reason,
        });
    }

    /// How many objects of a kind were loaded.
    pub fn count(&self, kind: ObjectKind) -> usize {
        self.applied.iter().filter(|a| a.kind == kind).count()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn exchange(name: &str) -> Value {
        json!({"name": name, "vhost": "/", "type": "direct", "durable": true,
               "auto_delete": false, "internal": false, "arguments": {}})
    }

    fn queue(name: &str, arguments: Value) -> Value {
        json!({"name": name, "vhost": "/", "durable": true, "auto_delete": false,
               "arguments": arguments})
    }

    fn err(v: Value) -> DefinitionsError {
        Definitions::from_value(&v).unwrap_err()
    }

    #[test]
    fn paths_quote_keys_that_are_not_plain_words() {
        assert_eq!(key_path("$", "queues"), "$.queues");
        assert_eq!(key_path("$.a", "x-message-ttl"), "$.a.x-message-ttl");
        assert_eq!(key_path("$.a", "a.b"), "$.a[\"a.b\"]");
        assert_eq!(key_path("$.a", ""), "$.a[\"\"]");
    }

    #[test]
    fn syntax_errors_have_line_and_column() {
        let e = Definitions::from_json_str("{\n  \"queues\": [,]\n}").unwrap_err();
        assert_eq!((e.line, e.column), (Some(2), Some(14)));
        assert_eq!(e.path, "$");
        assert!(matches!(e.kind, DefinitionsErrorKind::Syntax(_)));
        assert!(e
            .to_string()
            .starts_with("line 2, column 14: expected valid JSON"));
        assert!(!e.to_string().contains(" at line "), "{e}");
    }

    #[test]
    fn shape_errors_name_the_path_and_what_was_expected() {
        let e = err(json!([]));
        assert_eq!(e.path, "$");
        let e = err(json!({"queues": {}}));
        assert_eq!(e.path, "$.queues");
        assert_eq!(e.message(), "expected an array of queues, found an object");
        let e = err(json!({"queues": [queue("a", json!({})), 3]}));
        assert_eq!(e.path, "$.queues[1]");
        let mut q = queue("a", json!({}));
        q["durable"] = json!("yes");
        let e = err(json!({"queues": [q]}));
        assert_eq!(e.path, "$.queues[0].durable");
        assert_eq!(e.message(), "expected true or false, found a string");
        let mut x = exchange("x");
        x.as_object_mut().unwrap().remove("type");
        let e = err(json!({"exchanges": [x]}));
        assert_eq!(e.path, "$.exchanges[0].type");
        assert!(matches!(e.kind, DefinitionsErrorKind::Missing { .. }));
    }

    #[test]
    fn null_arguments_are_refused_where_they_are() {
        let e = err(json!({"queues": [queue("a", json!({"x-message-ttl": null}))]}));
        assert_eq!(e.path, "$.queues[0].arguments.x-message-ttl");
        assert_eq!(e.kind, DefinitionsErrorKind::Null);
        let e = err(json!({"queues": [queue("a", json!({"t": {"u": [1, null]}}))]}));
        assert_eq!(e.path, "$.queues[0].arguments.t.u[1]");
    }

    #[test]
    fn long_names_are_refused() {
        let e = err(json!({"queues": [queue(&"q".repeat(256), json!({}))]}));
        assert_eq!(e.path, "$.queues[0].name");
        assert!(e.message().contains("255 bytes"), "{}", e.message());
    }

    #[test]
    fn policy_defaults_and_apply_to() {
        let d = Definitions::from_value(&json!({"policies": [
            {"name": "p", "pattern": "^q", "definition": {"message-ttl": 5}}
        ]}))
        .unwrap();
        assert_eq!(d.policies[0].apply_to, ApplyTo::All);
        assert_eq!(d.policies[0].priority, 0);
        let e = err(json!({"policies": [
            {"name": "p", "pattern": "^q", "apply-to": "streams", "definition": {}}
        ]}));
        assert_eq!(e.path, "$.policies[0].apply-to");
        let e = err(json!({"policies": [
            {"name": "p", "pattern": "^q", "definition": {}, "priority": 1.5}
        ]}));
        assert_eq!(e.path, "$.policies[0].priority");
    }

    #[test]
    fn policy_values_are_validated_like_rabbitmq() {
        let t = |k: &str, v: FieldValue| FieldTable(vec![(k.into(), v)]);
        assert!(Policy::check_definition(&t("message-ttl", FieldValue::I32(0))).is_ok());
        assert!(Policy::check_definition(&t("message-ttl", FieldValue::I32(-1))).is_err());
        assert!(Policy::check_definition(&t("expires", FieldValue::I32(0))).is_err());
        assert!(Policy::check_definition(&t("overflow", FieldValue::str("x"))).is_err());
        assert!(Policy::check_definition(&t("dead-letter-exchange", FieldValue::I32(1))).is_err());
        assert!(Policy::check_definition(&t("ha-mode", FieldValue::str("all"))).is_ok());
    }

    #[test]
    fn unknown_and_unmodelled_things_are_listed() {
        let d = Definitions::from_value(&json!({
            "rabbit_version": "3.10.8",
            "users": [{"name": "guest"}],
            "permissions": [],
            "vhosts": [{"name": "/"}, {"name": "other"}],
            "surprise": 1,
            "queues": [queue("a", json!({})),
                       {"name": "b", "vhost": "other", "durable": true, "auto_delete": false,
                        "arguments": {}, "colour": "red"}],
            "exchanges": [{"name": "x", "vhost": "/", "type": "direct", "durable": true,
                           "auto_delete": false, "arguments": {}, "colour": "red"}],
            "policies": [{"vhost": "/", "name": "p", "pattern": ".*", "apply-to": "queues",
                          "definition": {"ha-mode": "all", "message-ttl": 5}, "priority": 0}]
        }))
        .unwrap();
        let paths: Vec<&str> = d.ignored.iter().map(|i| i.path.as_str()).collect();
        assert_eq!(
            paths,
            [
                "$.surprise",
                "$.users",
                "$.vhosts[1]",
                "$.policies[0].definition.ha-mode",
                "$.queues[1]",
                "$.exchanges[0].colour",
            ]
        );
        assert!(d.ignored[4].to_string().contains("\"other\""));
    }

    #[test]
    fn vhost_is_the_first_named() {
        let d = Definitions::from_value(&json!({"queues": [
            {"name": "a", "vhost": "v1", "durable": true, "auto_delete": false},
            {"name": "b", "vhost": "v2", "durable": true, "auto_delete": false},
            {"name": "c", "durable": true, "auto_delete": false}
        ]}))
        .unwrap();
        assert_eq!(d.vhost(), "v1");
        let names: Vec<&str> = d.loaded_queues().map(|(_, q)| q.name.as_str()).collect();
        assert_eq!(names, ["a", "c"]);
        assert_eq!(Definitions::default().vhost(), "/");
    }

    #[test]
    fn to_value_round_trips_and_keeps_order_in_text() {
        let doc = json!({
            "rabbit_version": "3.10.8",
            "vhosts": [{"name": "/"}],
            "policies": [],
            "queues": [queue("a", json!({"x-message-ttl": 5, "x-queue-type": "classic"}))],
            "exchanges": [exchange("x")],
            "bindings": [{"source": "x", "vhost": "/", "destination": "a",
                          "destination_type": "queue", "routing_key": "k", "arguments": {}}],
            "zzz": {"kept": true}
        });
        let d = Definitions::from_value(&doc).unwrap();
        assert_eq!(d.to_value(), doc);
        let text = d.to_json_string();
        let order: Vec<usize> = ["rabbit_version", "vhosts", "policies", "queues", "zzz"]
            .iter()
            .map(|k| text.find(&format!("\"{k}\"")).unwrap())
            .collect();
        assert!(order.windows(2).all(|w| w[0] < w[1]), "{text}");
    }

    #[test]
    fn nested_under_moves_the_path() {
        let e = err(json!({"queues": 1})).nested_under("$.definitions");
        assert_eq!(e.path, "$.definitions.queues");
    }
}
