//! A lint for topologies: what in a definitions file will fail to import,
//! lose messages, or never be used.
//!
//! [`check`] looks at the loaded virtual host of a [`Definitions`] (see
//! [`Definitions::vhost`]) plus the exchanges every virtual host has (the
//! default exchange and the `amq.*` ones), and returns [`Finding`]s. To lint
//! a running broker, lint its export: `check(&Definitions::export(&broker))`.
//!
//! # Findings
//!
//! | code | severity | what |
//! |---|---|---|
//! | `invalid-policy-pattern` | error | the pattern is not a regular expression Warren can compile |
//! | `invalid-policy-definition` | error | a modelled policy key has a value RabbitMQ refuses |
//! | `policy-matches-nothing` | info | no queue or exchange in the file matches it |
//! | `policy-shadowed` | info | it matches, but a higher-priority policy always wins |
//! | `duplicate-policy` | warning | defined twice; the later one replaces the earlier |
//! | `unknown-exchange-type` | error | not direct, fanout, topic or headers |
//! | `invalid-exchange-argument` | error | `alternate-exchange` is not a string |
//! | `skipped-on-import` | warning / info | a default or `amq.*` object the import skips |
//! | `duplicate-exchange`, `duplicate-queue` | warning | defined twice; the first one is loaded |
//! | `invalid-queue-argument` | error | the broker refuses the queue (406) |
//! | `unknown-queue-type` | error | not classic, quorum or stream |
//! | `invalid-quorum-queue` | error | a quorum queue that is not durable, or auto-delete (406) |
//! | `invalid-stream` | error | a stream that is not durable, or auto-delete, or has an argument a stream refuses (406), or an `x-max-age` that crashes the declare (541) |
//! | `quorum-overflow-not-supported` | warning | `reject-publish-dlx` on a quorum queue runs as `drop-head` |
//! | `at-least-once-without-reject-publish` | info | `at-least-once` dead-lettering falls back to `at-most-once` |
//! | `dlrk-without-dlx` | error / warning | a dead-letter routing key without a dead-letter exchange |
//! | `missing-dead-letter-exchange` | warning | dead-lettered messages would be dropped |
//! | `dead-letter-cycle` | warning / info | a queue dead-letters back into itself |
//! | `missing-alternate-exchange` | warning | unroutable messages are dropped instead |
//! | `default-exchange-binding` | warning | bindings from `""` are implicit; the import skips it |
//! | `binding-source-missing`, `binding-destination-missing` | warning | RabbitMQ 3.10's import skips the binding without a word (recorded on 3.10.8) |
//! | `invalid-binding-arguments` | error | a headers binding RabbitMQ refuses (406) |
//! | `exchange-cycle` | warning | exchange-to-exchange routing loop (legal, usually a mistake) |
//! | `unreachable-exchange` | warning | internal, and nothing routes into it |
//! | `unreachable-queue` | info | reachable only through the default exchange |
//! | `binding-never-matches` | warning | a headers binding with `x-match` `any` and no header to test; with [`Clients`], one that no producer's message matches |
//! | `unconsumed-queue` | warning | with [`Clients`]: no consumer, and no length limit or message TTL, so messages pile up |
//! | `stream-consumer-without-prefetch` | warning | with [`Clients`]: a stream's consumer without a prefetch (406 on consume) |
//! | `stream-consumer-auto-ack` | warning | with [`Clients`]: a stream's consumer with auto-ack (540, the connection closes) |
//! | `stream-consumer-priority` | warning | with [`Clients`]: a stream's consumer with `x-priority` (406) |
//! | `stream-consumer-rejects` | warning | with [`Clients`]: a stream's consumer that nacks or rejects (540, the connection closes) |
//! | `stream-offset-not-a-stream` | warning | with [`Clients`]: `x-stream-offset` on a consumer of a classic or quorum queue (406) |
//!
//! Findings come grouped by check, each group in file order. The rows
//! "with [`Clients`]" need to know who publishes and consumes, which a definitions file
//! does not say: [`check_with`] takes a scene's simulated producers and
//! consumers ([`Clients`]); [`check`] judges the topology alone. Every
//! finding says how to fix it ([`Finding::fix`]) and names what it is about
//! ([`subject`]).

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use serde::Serialize;

use warren_core::names::{is_builtin, is_reserved, PREDECLARED_EXCHANGES, RESERVED_PREFIX};
use warren_core::{
    topic_matches, validate_binding_args, ExchangeKind, FieldTable, FieldValue, InvalidArgument,
    Overflow, Policy, PolicyError, QueueConfig,
};

use crate::definitions::{
    key_path, BindingDef, Definitions, DestinationType, ExchangeDef, QueueDef,
};

mod fix;
mod usage;

pub use fix::{subject, Subject};
pub use usage::Clients;

/// Whether the checks of what only a file can hold are built (feature
/// `file-checks`, on by default): policies, duplicates, reserved names,
/// types, arguments and bindings a broker refuses or an import skips. A
/// broker's own export holds none of these (the broker refused them when
/// they were declared), so the playground, which lints its broker's
/// export, leaves them out, and with them the regular expressions policies
/// need (about 20 KB of its compressed wasm; docs/performance.md). The
/// findings a topology can have are the same either way.
const FILE_CHECKS: bool = cfg!(feature = "file-checks");

/// How bad a finding is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// The import fails (RabbitMQ refuses the file).
    Error,
    /// It imports, but messages can be lost or something cannot work as
    /// written.
    Warning,
    /// Worth knowing; often intended.
    Info,
}

impl Severity {
    /// `error`, `warning` or `info`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Error => "error",
            Self::Warning => "warning",
            Self::Info => "info",
        }
    }
}

/// One thing the lint found.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// How bad it is.
    pub severity: Severity,
    /// Stable identifier (`unreachable-queue`); see the module doc's table.
    pub code: &'static str,
    /// JSON path of the object or value at fault (`$.queues[2]`).
    pub path: String,
    /// What is wrong and why, in words.
    pub message: String,
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}[{}] {}: {}",
            self.severity.as_str(),
            self.code,
            self.path,
            self.message
        )
    }
}

/// An exchange as it will exist after the import.
struct Exch {
    /// `None` for a predeclared exchange.
    path: Option<String>,
    /// `None` for an unknown type.
    kind: Option<ExchangeKind>,
    internal: bool,
    /// Alternate exchange in force, and the path of the value that sets it.
    alternate: Option<(String, String)>,
}

/// A queue as it will exist after the import.
struct Que {
    path: String,
    config: QueueConfig,
    /// Path of the value that sets the dead-letter exchange, if any.
    dlx_at: Option<String>,
    /// Path of the value that sets the dead-letter routing key, if any.
    dlrk_at: Option<String>,
}

struct Bind<'a> {
    path: String,
    source: &'a str,
    destination: &'a str,
    to_exchange: bool,
    key: &'a str,
    arguments: &'a FieldTable,
}

/// The topology the import would build, indexed for the checks.
struct Model<'a> {
    exchanges: BTreeMap<&'a str, Exch>,
    queues: BTreeMap<&'a str, Que>,
    /// Bindings whose source and destination exist, by source.
    bindings: BTreeMap<&'a str, Vec<Bind<'a>>>,
}

fn finding(
    out: &mut Vec<Finding>,
    severity: Severity,
    code: &'static str,
    path: impl Into<String>,
    message: impl Into<String>,
) {
    out.push(Finding {
        severity,
        code,
        path: path.into(),
        message: message.into(),
    });
}

/// Lints a topology. See the [module documentation](self) for the findings.
///
/// # Example
/// ```
/// use warren_scenario::{lint, Definitions, Severity};
/// let defs = Definitions::from_json_str(r#"{"queues": [
///   {"name": "q", "durable": true, "auto_delete": false,
///    "arguments": {"x-dead-letter-exchange": "dlx"}}
/// ]}"#)?;
/// let findings = lint::check(&defs);
/// assert!(findings.iter().any(|f| f.code == "missing-dead-letter-exchange"
///     && f.severity == Severity::Warning));
/// # Ok::<(), warren_scenario::DefinitionsError>(())
/// ```
pub fn check(defs: &Definitions) -> Vec<Finding> {
    check_with(defs, None)
}

/// Lints a topology together with what its clients do, when that is known
/// (a scene's simulated producers and consumers): [`check`]'s findings,
/// then bindings no producer's message matches and queues nobody consumes.
/// `None` is [`check`].
///
/// # Example
/// ```
/// use warren_core::{ConsumerSpec, ProducerSpec};
/// use warren_scenario::{lint, Definitions};
/// let defs = Definitions::from_json_str(r#"{
///   "exchanges": [{"name": "order", "type": "direct", "durable": true,
///                  "auto_delete": false, "arguments": {}}],
///   "queues": [{"name": "q", "durable": true, "auto_delete": false, "arguments": {}}],
///   "bindings": [{"source": "order", "destination": "q", "destination_type": "queue",
///                 "routing_key": "order.notfy", "arguments": {}}]}"#)?;
/// let producers = [ProducerSpec::new("shop", "order", "order.notify")];
/// let clients = lint::Clients { producers: &producers, consumers: &[] };
/// let codes: Vec<&str> = lint::check_with(&defs, Some(&clients)).iter().map(|f| f.code).collect();
/// assert_eq!(codes, ["binding-never-matches", "unconsumed-queue"]);
/// # Ok::<(), warren_scenario::DefinitionsError>(())
/// ```
pub fn check_with(defs: &Definitions, clients: Option<&Clients<'_>>) -> Vec<Finding> {
    let mut out = Vec::new();
    let policies = check_policies(defs, &mut out);
    let model = build(defs, &policies, &mut out);
    check_policy_use(defs, &policies, &model, &mut out);
    check_dead_lettering(&model, &mut out);
    check_alternates(&model, &mut out);
    check_cycles(&model, &mut out);
    check_reachability(&model, &mut out);
    usage::check(&model, clients, &mut out);
    out
}

/// The policies in force, by name: the path of each definition and the
/// compiled policy.
type Policies = BTreeMap<String, (String, Policy)>;

/// Compiles the policies that will be in force, as the broker keeps them:
/// by name, a later definition of a name replacing an earlier one.
fn check_policies(defs: &Definitions, out: &mut Vec<Finding>) -> Policies {
    let mut compiled = BTreeMap::new();
    if !FILE_CHECKS {
        return compiled;
    }
    for (path, p) in defs.loaded_policies() {
        if let Err(PolicyError::Definition { key, expected }) =
            Policy::check_definition(&p.definition)
        {
            finding(
                out,
                Severity::Error,
                "invalid-policy-definition",
                key_path(&key_path(&path, "definition"), &key),
                format!(
                    "policy {:?}: expected {expected}; RabbitMQ refuses the policy",
                    p.name
                ),
            );
            continue;
        }
        match Policy::new(
            p.name.clone(),
            p.pattern.clone(),
            p.apply_to,
            p.priority,
            p.definition.clone(),
        ) {
            Ok(policy) => {
                compiled.insert(p.name.clone(), (path, policy));
            }
            Err(e) => finding(
                out,
                Severity::Error,
                "invalid-policy-pattern",
                key_path(&path, "pattern"),
                format!("policy {:?}: {e}; the import fails", p.name),
            ),
        }
    }
    compiled
}

/// The policy in force for an object, with its path.
fn policy_for<'p>(
    policies: &'p Policies,
    name: &str,
    is_queue: bool,
) -> Option<(&'p str, &'p Policy)> {
    // The broker never applies policies to the default or amq.* objects.
    if !FILE_CHECKS || is_builtin(name) {
        return None;
    }
    let chosen = Policy::in_force(policies.values().map(|(_, p)| p), name, is_queue)?;
    let (path, p) = &policies[&chosen.name];
    Some((path.as_str(), p))
}

/// The topology the import would build, reporting what it would skip or
/// refuse on the way: the predeclared exchanges, then the file's exchanges,
/// queues and bindings, each in file order.
fn build<'a>(defs: &'a Definitions, policies: &Policies, out: &mut Vec<Finding>) -> Model<'a> {
    let mut model = Model {
        exchanges: BTreeMap::new(),
        queues: BTreeMap::new(),
        bindings: BTreeMap::new(),
    };
    for (name, kind, internal) in PREDECLARED_EXCHANGES {
        model.exchanges.insert(
            name,
            Exch {
                path: None,
                kind: Some(kind),
                internal,
                alternate: None,
            },
        );
    }
    for (path, x) in defs.loaded_exchanges() {
        if !exchange_skipped(&model, &path, &x.name, out) {
            let exch = exchange(policies, path, x, out);
            model.exchanges.insert(x.name.as_str(), exch);
        }
    }
    for (path, q) in defs.loaded_queues() {
        if !queue_skipped(&model, &path, &q.name, out) {
            let que = queue(policies, path, q, out);
            model.queues.insert(q.name.as_str(), que);
        }
    }
    for (path, b) in defs.loaded_bindings() {
        if let Some(bind) = binding(&model, path, b, out) {
            model.bindings.entry(bind.source).or_default().push(bind);
        }
    }
    model
}

/// Whether the import skips an exchange definition (a reserved name or a
/// second definition), reporting why.
fn exchange_skipped(model: &Model<'_>, path: &str, name: &str, out: &mut Vec<Finding>) -> bool {
    if !FILE_CHECKS {
        return false;
    }
    if is_builtin(name) {
        let predeclared = model.exchanges.contains_key(name);
        finding(
            out,
            if predeclared {
                Severity::Info
            } else {
                Severity::Warning
            },
            "skipped-on-import",
            path,
            if predeclared {
                format!(
                    "exchange {name:?} is predeclared in every virtual host; the import \
                    skips this definition"
                )
            } else {
                format!(
                    "exchange {name:?} has a reserved '{RESERVED_PREFIX}' name: the import skips it, so \
                    it will not exist"
                )
            },
        );
        return true;
    }
    if model.exchanges.contains_key(name) {
        finding(
            out,
            Severity::Warning,
            "duplicate-exchange",
            path,
            format!("exchange {name:?} is defined twice; the import keeps the first definition"),
        );
        return true;
    }
    false
}

/// An exchange the import declares, reporting a type or argument it refuses.
fn exchange(policies: &Policies, path: String, x: &ExchangeDef, out: &mut Vec<Finding>) -> Exch {
    let name = x.name.as_str();
    let kind = ExchangeKind::parse(&x.exchange_type);
    if FILE_CHECKS && kind.is_none() {
        finding(
            out,
            Severity::Error,
            "unknown-exchange-type",
            key_path(&path, "type"),
            format!(
                "exchange {name:?}: type {:?} is not direct, fanout, topic or headers (a \
                    plugin type?); the import fails",
                x.exchange_type
            ),
        );
    }
    let arg_ae = match x.arguments.get("alternate-exchange") {
        Some(FieldValue::LongStr(s)) => Some((
            s.clone(),
            key_path(&key_path(&path, "arguments"), "alternate-exchange"),
        )),
        Some(other) if FILE_CHECKS => {
            finding(
                out,
                Severity::Error,
                "invalid-exchange-argument",
                key_path(&key_path(&path, "arguments"), "alternate-exchange"),
                format!(
                    "exchange {name:?}: alternate-exchange must be a string, found {}; the \
                        import fails (406)",
                    other.type_name()
                ),
            );
            None
        }
        _ => None,
    };
    let alternate = arg_ae.or_else(|| {
        let (ppath, p) = policy_for(policies, name, false)?;
        let ae = p.definition.get("alternate-exchange")?.as_str()?;
        Some((
            ae.to_owned(),
            key_path(&key_path(ppath, "definition"), "alternate-exchange"),
        ))
    });
    Exch {
        path: Some(path),
        kind,
        internal: x.internal.unwrap_or(false),
        alternate,
    }
}

/// Whether the import skips a queue definition (a reserved name or a second
/// definition), reporting why.
fn queue_skipped(model: &Model<'_>, path: &str, name: &str, out: &mut Vec<Finding>) -> bool {
    if !FILE_CHECKS {
        return false;
    }
    if is_reserved(name) {
        finding(
            out,
            Severity::Warning,
            "skipped-on-import",
            path,
            format!(
                "queue {name:?} has a reserved '{RESERVED_PREFIX}' name: the import skips it, so it \
                will not exist"
            ),
        );
        return true;
    }
    if model.queues.contains_key(name) {
        finding(
            out,
            Severity::Warning,
            "duplicate-queue",
            path,
            format!("queue {name:?} is defined twice; the import keeps the first definition"),
        );
        return true;
    }
    false
}

/// A queue the import declares, with its effective configuration,
/// reporting a type or argument it refuses.
fn queue(policies: &Policies, path: String, q: &QueueDef, out: &mut Vec<Finding>) -> Que {
    let name = q.name.as_str();
    check_queue_type(&path, q, out);
    let args_at = key_path(&path, "arguments");
    check_queue_args(&args_at, q, out);
    let pol = policy_for(policies, name, true);
    let config = QueueConfig::effective(
        &q.declared_arguments(),
        pol.map(|(_, p)| (p.name.as_str(), &p.definition)),
    );
    let source_of = |arg: &str, key: &str| {
        if q.arguments.get(arg).and_then(FieldValue::as_str).is_some() {
            Some(key_path(&args_at, arg))
        } else {
            pol.filter(|(_, p)| p.definition.get(key).is_some())
                .map(|(ppath, _)| key_path(&key_path(ppath, "definition"), key))
        }
    };
    Que {
        dlx_at: source_of("x-dead-letter-exchange", "dead-letter-exchange"),
        dlrk_at: source_of("x-dead-letter-routing-key", "dead-letter-routing-key"),
        path,
        config,
    }
}

fn check_queue_type(path: &str, q: &QueueDef, out: &mut Vec<Finding>) {
    let name = q.name.as_str();
    match q.requested_type() {
        None | Some("classic") => {}
        Some("quorum") => check_quorum_queue(path, q, out),
        Some("stream") => check_stream(path, q, out),
        Some(t) => finding(
            out,
            Severity::Error,
            "unknown-queue-type",
            path,
            format!(
                "queue {name:?}: type {t:?} is not classic, quorum or stream; the import fails"
            ),
        ),
    }
}

/// Why RabbitMQ 3.10 refuses a quorum queue or a stream of this file's
/// properties (both are durable, never auto-delete), in its words.
fn replicated_refusal(q: &QueueDef) -> Option<&'static str> {
    if q.auto_delete {
        Some("auto-delete")
    } else if !q.durable {
        Some("transient (not durable)")
    } else {
        None
    }
}

/// What RabbitMQ 3.10 refuses in a quorum queue, or runs otherwise than
/// asked (docs/conformance.md, "Quorum queues").
fn check_quorum_queue(path: &str, q: &QueueDef, out: &mut Vec<Finding>) {
    let name = q.name.as_str();
    if let Some(what) = replicated_refusal(q) {
        finding(
            out,
            Severity::Error,
            "invalid-quorum-queue",
            path.to_owned(),
            format!("quorum queue {name:?} is {what}; RabbitMQ refuses it (406): a quorum queue is durable and never auto-delete"),
        );
    }
    let args_at = key_path(path, "arguments");
    let overflow = q.arguments.get("x-overflow").and_then(FieldValue::as_str);
    if overflow == Some("reject-publish-dlx") {
        finding(
            out,
            Severity::Warning,
            "quorum-overflow-not-supported",
            key_path(&args_at, "x-overflow"),
            format!("quorum queue {name:?}: reject-publish-dlx runs as drop-head (the oldest message is dead-lettered, the new one kept); use reject-publish to refuse publishes"),
        );
    }
    let strategy = q
        .arguments
        .get("x-dead-letter-strategy")
        .and_then(FieldValue::as_str);
    if strategy == Some("at-least-once") && overflow != Some("reject-publish") {
        finding(
            out,
            Severity::Info,
            "at-least-once-without-reject-publish",
            key_path(&args_at, "x-dead-letter-strategy"),
            format!("quorum queue {name:?}: at-least-once dead-lettering needs x-overflow reject-publish; without it RabbitMQ uses at-most-once"),
        );
    }
}

/// The arguments a stream takes (3.10's `rabbit_stream_queue`
/// `queue_arguments`, less the type itself), as a finding names them.
const STREAM_ARGUMENTS: &str = "x-max-length-bytes, x-max-age, x-stream-max-segment-size-bytes, \
    x-queue-leader-locator and x-initial-cluster-size";

/// What RabbitMQ 3.10 refuses in a stream's declaration (docs/conformance.md,
/// "Streams"): a stream is durable, never auto-delete (nor exclusive, which
/// a definitions file cannot say), and an `x-max-age` without a leading
/// number crashes the declare (541). Arguments of other queue types are
/// reported by [`check_queue_args`], with this finding's code. A file
/// check: a broker's export holds only streams the broker took.
fn check_stream(path: &str, q: &QueueDef, out: &mut Vec<Finding>) {
    if !FILE_CHECKS {
        return;
    }
    let name = q.name.as_str();
    if let Some(what) = replicated_refusal(q) {
        finding(
            out,
            Severity::Error,
            "invalid-stream",
            path.to_owned(),
            format!("stream {name:?} is {what}; RabbitMQ refuses it (406): a stream is durable and never auto-delete or exclusive"),
        );
    }
    // `x-max-age` is a number and a unit ("7D"); without the number,
    // 3.10's parser crashes (the checks of the argument's value, which
    // give a 406, are check_queue_args').
    if QueueConfig::crashes_declare(&q.declared_arguments()) {
        let age = q.arguments.get("x-max-age").and_then(FieldValue::as_str);
        finding(
            out,
            Severity::Error,
            "invalid-stream",
            key_path(&key_path(path, "arguments"), "x-max-age"),
            format!("stream {name:?}: x-max-age {:?} does not start with a number; RabbitMQ's declare crashes (541 INTERNAL_ERROR, the connection closes): write a number and one of the units Y, M, D, h, m, s (\"7D\")", age.unwrap_or_default()),
        );
    }
}

fn check_queue_args(args_at: &str, q: &QueueDef, out: &mut Vec<Finding>) {
    if !FILE_CHECKS {
        return;
    }
    let name = q.name.as_str();
    let Err(InvalidArgument { key, detail, .. }) =
        QueueConfig::check_arguments(&q.declared_arguments())
    else {
        return;
    };
    // Decided from the arguments, not from the detail's wording.
    let dlrk_alone =
        key == "x-dead-letter-routing-key" && q.arguments.get("x-dead-letter-exchange").is_none();
    if key == "x-queue-type" {
        // Reported by check_queue_type as unknown-queue-type.
    } else if q.requested_type() == Some("stream") {
        // A stream argument with a bad value, or another type's argument.
        let why = if STREAM_ARGUMENTS.contains(key.as_str()) {
            String::new()
        } else {
            format!(": a stream takes only {STREAM_ARGUMENTS}")
        };
        finding(
            out,
            Severity::Error,
            "invalid-stream",
            key_path(args_at, &key),
            format!(
                "stream {name:?}: invalid argument {key:?} ({detail}); RabbitMQ refuses the \
                stream (406){why}"
            ),
        );
    } else if dlrk_alone {
        finding(
            out,
            Severity::Error,
            "dlrk-without-dlx",
            key_path(args_at, &key),
            format!(
                "queue {name:?} has x-dead-letter-routing-key without \
                x-dead-letter-exchange; RabbitMQ refuses the queue (406)"
            ),
        );
    } else {
        finding(
            out,
            Severity::Error,
            "invalid-queue-argument",
            key_path(args_at, &key),
            format!(
                "queue {name:?}: invalid argument {key:?} ({detail}); RabbitMQ refuses \
                the queue (406)"
            ),
        );
    }
}

/// A binding the import declares; `None`, reported, for one it skips or
/// refuses.
fn binding<'a>(
    model: &Model<'a>,
    path: String,
    b: &'a BindingDef,
    out: &mut Vec<Finding>,
) -> Option<Bind<'a>> {
    if !FILE_CHECKS {
        return live_binding(model, path, b);
    }
    if b.source.is_empty() {
        finding(
            out,
            Severity::Warning,
            "default-exchange-binding",
            key_path(&path, "source"),
            "bindings of the default exchange are implicit (every queue is bound by its name) \
                and cannot be declared; the import skips this one",
        );
        return None;
    }
    let to_exchange = b.destination_type == DestinationType::Exchange;
    let Some(source) = model.exchanges.get(b.source.as_str()) else {
        finding(
            out,
            Severity::Warning,
            "binding-source-missing",
            key_path(&path, "source"),
            format!(
                "binding {}: exchange {:?} is not defined; RabbitMQ's import skips the binding silently",
                b.describe(),
                b.source
            ),
        );
        return None;
    };
    let dest_exists = if to_exchange {
        !b.destination.is_empty() && model.exchanges.contains_key(b.destination.as_str())
    } else {
        model.queues.contains_key(b.destination.as_str())
    };
    if !dest_exists {
        finding(
            out,
            Severity::Warning,
            "binding-destination-missing",
            key_path(&path, "destination"),
            format!(
                "binding {}: {} {:?} is not defined; RabbitMQ's import skips the binding silently",
                b.describe(),
                b.destination_type.as_str(),
                b.destination
            ),
        );
        return None;
    }
    if source.kind == Some(ExchangeKind::Headers) {
        if let Err(detail) = validate_binding_args(&b.arguments) {
            finding(
                out,
                Severity::Error,
                "invalid-binding-arguments",
                key_path(&path, "arguments"),
                format!("binding {}: {detail}; the import fails (406)", b.describe()),
            );
            return None;
        }
    }
    Some(bind_of(path, b, to_exchange))
}

/// The binding `b` at `path` as the checks see it.
fn bind_of(path: String, b: &BindingDef, to_exchange: bool) -> Bind<'_> {
    Bind {
        path,
        source: b.source.as_str(),
        destination: b.destination.as_str(),
        to_exchange,
        key: b.routing_key.as_str(),
        arguments: &b.arguments,
    }
}

/// A binding of a broker's export: its source and destination exist, its
/// arguments were accepted (what [`binding`] checks in a file).
fn live_binding<'a>(model: &Model<'a>, path: String, b: &'a BindingDef) -> Option<Bind<'a>> {
    let to_exchange = b.destination_type == DestinationType::Exchange;
    let exists = if to_exchange {
        model.exchanges.contains_key(b.destination.as_str())
    } else {
        model.queues.contains_key(b.destination.as_str())
    };
    (exists && model.exchanges.contains_key(b.source.as_str()))
        .then(|| bind_of(path, b, to_exchange))
}

/// The queues (`true`) and exchanges (`false`) a policy's pattern and
/// apply-to match, whether or not it wins on them.
fn matched_by<'a>(policy: &Policy, model: &Model<'a>) -> Vec<(&'a str, bool)> {
    let exchanges = model.exchanges.keys().filter(|n| !is_builtin(n));
    model
        .queues
        .keys()
        .filter(|n| policy.applies(n, true))
        .map(|n| (*n, true))
        .chain(
            exchanges
                .filter(|n| policy.applies(n, false))
                .map(|n| (*n, false)),
        )
        .collect()
}

/// Policies defined twice, matching nothing, or never in force.
fn check_policy_use(
    defs: &Definitions,
    policies: &Policies,
    model: &Model<'_>,
    out: &mut Vec<Finding>,
) {
    if !FILE_CHECKS {
        return;
    }
    // Only the last definition of a name is in force; report on that one.
    for (path, p) in defs.loaded_policies() {
        let Some((in_force_at, policy)) = policies.get(&p.name) else {
            continue;
        };
        if *in_force_at != path {
            finding(
                out,
                Severity::Warning,
                "duplicate-policy",
                path,
                format!(
                    "policy {:?} is defined again at {in_force_at}; the later definition \
                     replaces this one",
                    p.name
                ),
            );
            continue;
        }
        let matched = matched_by(policy, model);
        if matched.is_empty() {
            finding(
                out,
                Severity::Info,
                "policy-matches-nothing",
                key_path(&path, "pattern"),
                format!(
                    "policy {:?} (pattern {:?}, apply-to {}) matches no queue or exchange in this \
                        file; fine if it is meant for objects declared later",
                    p.name,
                    p.pattern,
                    p.apply_to.as_str()
                ),
            );
            continue;
        }
        let winners: Vec<&str> = matched
            .iter()
            .filter_map(|(n, is_queue)| policy_for(policies, n, *is_queue))
            .map(|(_, w)| w.name.as_str())
            .collect();
        if !winners.contains(&p.name.as_str()) {
            let mut others: Vec<&str> = winners;
            others.sort_unstable();
            others.dedup();
            finding(
                out,
                Severity::Info,
                "policy-shadowed",
                key_path(&path, "priority"),
                format!(
                    "policy {:?} matches {} object(s) but is never in force: {} take(s) precedence \
                        (one policy per object, highest priority wins)",
                    p.name,
                    matched.len(),
                    others
                        .iter()
                        .map(|n| format!("{n:?}"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            );
        }
    }
}

impl Model<'_> {
    /// Queues a message published to `start` with routing key `key` can
    /// reach (`None`: any key; headers exchanges: any headers), following
    /// exchange-to-exchange bindings and alternate exchanges the way the
    /// broker's routing walk does (each exchange once).
    fn route(&self, start: &str, key: Option<&str>) -> BTreeSet<&str> {
        let mut out = BTreeSet::new();
        let mut seen: BTreeSet<&str> = BTreeSet::new();
        let mut work = Vec::new();
        if let Some((name, _)) = self.exchanges.get_key_value(start) {
            seen.insert(*name);
            work.push(*name);
        }
        while let Some(x) = work.pop() {
            let Some(exch) = self.exchanges.get(x) else {
                continue;
            };
            let mut matched = false;
            if x.is_empty() {
                match key {
                    Some(k) => {
                        if let Some((q, _)) = self.queues.get_key_value(k) {
                            matched = true;
                            out.insert(*q);
                        }
                    }
                    None => {
                        matched = !self.queues.is_empty();
                        out.extend(self.queues.keys().copied());
                    }
                }
            }
            for b in self.bindings.get(x).map(Vec::as_slice).unwrap_or_default() {
                let hit = match (exch.kind, key) {
                    (_, None) | (Some(ExchangeKind::Fanout | ExchangeKind::Headers), _) => true,
                    (Some(ExchangeKind::Direct), Some(k)) => b.key == k,
                    (Some(ExchangeKind::Topic), Some(k)) => topic_matches(b.key, k),
                    (None, _) => false,
                };
                if !hit {
                    continue;
                }
                matched = true;
                if b.to_exchange {
                    if seen.insert(b.destination) {
                        work.push(b.destination);
                    }
                } else {
                    out.insert(b.destination);
                }
            }
            // With any key, some key may match nothing and fall through to
            // the alternate exchange.
            if !matched || key.is_none() {
                if let Some((ae, _)) = &exch.alternate {
                    if let Some((ae, _)) = self.exchanges.get_key_value(ae.as_str()) {
                        if seen.insert(*ae) {
                            work.push(*ae);
                        }
                    }
                }
            }
        }
        out
    }
}

/// Dead-letter exchanges that do not exist, routing keys without one, and
/// queues that dead-letter into themselves.
fn check_dead_lettering(model: &Model<'_>, out: &mut Vec<Finding>) {
    // Policy-set dead-letter exchanges are reported once per policy value:
    // the policy's path → (exchange, queues).
    let mut missing_by_policy: BTreeMap<&str, (&str, Vec<&str>)> = BTreeMap::new();
    for (name, q) in &model.queues {
        check_policy_dlrk(name, q, out);
        let Some(dlx) = q.config.dead_letter_exchange.as_deref() else {
            continue;
        };
        let at = q.dlx_at.clone().unwrap_or_else(|| q.path.clone());
        if model.exchanges.contains_key(dlx) {
            check_dead_letter_cycle(model, name, q, dlx, at, out);
        } else if FILE_CHECKS && at.contains(".definition.") {
            missing_by_policy
                .entry(q.dlx_at.as_deref().unwrap_or_default())
                .or_insert((dlx, Vec::new()))
                .1
                .push(name);
        } else {
            finding(
                out,
                Severity::Warning,
                "missing-dead-letter-exchange",
                at,
                format!(
                    "queue {name:?} dead-letters to exchange {dlx:?}, which is not \
                    defined: dead-lettered messages are dropped"
                ),
            );
        }
    }
    for (at, (dlx, queues)) in missing_by_policy {
        finding(
            out,
            Severity::Warning,
            "missing-dead-letter-exchange",
            at,
            format!(
                "dead-letter exchange {dlx:?} is not defined, so messages dead-lettered from {} \
                    are dropped",
                queues
                    .iter()
                    .map(|q| format!("{q:?}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        );
    }
    check_default_exchange_dlx(model, out);
}

/// A policy's dead-letter routing key without a dead-letter exchange has
/// no effect. (As arguments, the pair is an import error, reported with
/// the arguments.)
fn check_policy_dlrk(name: &str, q: &Que, out: &mut Vec<Finding>) {
    if !FILE_CHECKS {
        return;
    }
    let c = &q.config;
    if let (Some(rk), None) = (&c.dead_letter_routing_key, &c.dead_letter_exchange) {
        if q.dlrk_at
            .as_deref()
            .is_some_and(|p| p.contains(".definition."))
        {
            finding(
                out,
                Severity::Warning,
                "dlrk-without-dlx",
                q.dlrk_at.clone().unwrap_or_default(),
                format!(
                    "queue {name:?} gets dead-letter-routing-key {rk:?} but no dead-letter \
                    exchange, so it has no effect"
                ),
            );
        }
    }
}

/// A queue whose dead letters route back into it: a warning when expiry or
/// overflow dead-letters (RabbitMQ's cycle detection drops those), else
/// information (only rejections come back).
fn check_dead_letter_cycle(
    model: &Model<'_>,
    name: &str,
    q: &Que,
    dlx: &str,
    at: String,
    out: &mut Vec<Finding>,
) {
    let c = &q.config;
    let targets = model.route(dlx, c.dead_letter_routing_key.as_deref());
    if !targets.contains(name) {
        return;
    }
    let automatic = c.message_ttl.is_some()
        || ((c.max_length.is_some() || c.max_length_bytes.is_some())
            && c.overflow != Overflow::RejectPublish);
    let how = match &c.dead_letter_routing_key {
        Some(rk) => format!("exchange {dlx:?} with routing key {rk:?}"),
        None => format!("exchange {dlx:?} with the messages' own routing keys"),
    };
    if automatic {
        finding(
            out,
            Severity::Warning,
            "dead-letter-cycle",
            at,
            format!(
                "queue {name:?} dead-letters back into itself (through {how}): messages that \
                    expire or overflow here are dropped by RabbitMQ's cycle detection \
                    instead of being dead-lettered, because no rejection happened in between"
            ),
        );
    } else {
        finding(
            out,
            Severity::Info,
            "dead-letter-cycle",
            at,
            format!(
                "queue {name:?} dead-letters back into itself (through {how}): rejected \
                    messages come back for ever, while messages that expire (per-message \
                    TTL) are dropped by cycle detection"
            ),
        );
    }
}

/// A default-exchange DLX with a DLRK routes to the queue of that name,
/// which must exist.
fn check_default_exchange_dlx(model: &Model<'_>, out: &mut Vec<Finding>) {
    for (name, q) in &model.queues {
        if let (Some(""), Some(rk)) = (
            q.config.dead_letter_exchange.as_deref(),
            q.config.dead_letter_routing_key.as_deref(),
        ) {
            if !model.queues.contains_key(rk) {
                finding(
                    out,
                    Severity::Warning,
                    "missing-dead-letter-exchange",
                    q.dlrk_at.clone().unwrap_or_else(|| q.path.clone()),
                    format!(
                        "queue {name:?} dead-letters through the default exchange to queue \
                        {rk:?}, which is not defined: dead-lettered messages are dropped"
                    ),
                );
            }
        }
    }
}

fn check_alternates(model: &Model<'_>, out: &mut Vec<Finding>) {
    for (name, x) in &model.exchanges {
        if let Some((ae, at)) = &x.alternate {
            if !model.exchanges.contains_key(ae.as_str()) {
                finding(
                    out,
                    Severity::Warning,
                    "missing-alternate-exchange",
                    at.clone(),
                    format!(
                        "exchange {name:?} names alternate exchange {ae:?}, which is not \
                        defined: messages it cannot route are dropped (or returned, if \
                        mandatory)"
                    ),
                );
            }
        }
    }
}

/// Exchange-to-exchange edges (bindings and alternate exchanges), with the
/// path of what creates each.
fn exchange_edges<'a>(model: &'a Model<'_>) -> BTreeMap<&'a str, Vec<(&'a str, String)>> {
    let mut edges: BTreeMap<&str, Vec<(&str, String)>> = BTreeMap::new();
    for (name, x) in &model.exchanges {
        let e = edges.entry(*name).or_default();
        for b in model
            .bindings
            .get(name)
            .map(Vec::as_slice)
            .unwrap_or_default()
        {
            if b.to_exchange {
                e.push((b.destination, b.path.clone()));
            }
        }
        if let Some((ae, at)) = &x.alternate {
            if let Some((ae, _)) = model.exchanges.get_key_value(ae.as_str()) {
                e.push((*ae, at.clone()));
            }
        }
    }
    edges
}

/// Strongly connected components (Tarjan's algorithm, iterative so a long
/// chain of exchanges cannot overflow the stack).
fn components<'a>(edges: &BTreeMap<&'a str, Vec<(&'a str, String)>>) -> Vec<Vec<&'a str>> {
    let mut index: BTreeMap<&str, usize> = BTreeMap::new();
    let mut low: BTreeMap<&str, usize> = BTreeMap::new();
    let mut on_stack: BTreeSet<&str> = BTreeSet::new();
    let mut stack: Vec<&str> = Vec::new();
    let mut out = Vec::new();
    let mut next = 0;
    for &root in edges.keys() {
        if index.contains_key(root) {
            continue;
        }
        // (node, next edge to look at)
        let mut call: Vec<(&str, usize)> = vec![(root, 0)];
        index.insert(root, next);
        low.insert(root, next);
        next += 1;
        stack.push(root);
        on_stack.insert(root);
        while let Some(&mut (v, ref mut i)) = call.last_mut() {
            let succ = edges.get(v).map(Vec::as_slice).unwrap_or_default();
            if let Some((w, _)) = succ.get(*i) {
                *i += 1;
                let w = *w;
                if !index.contains_key(w) {
                    index.insert(w, next);
                    low.insert(w, next);
                    next += 1;
                    stack.push(w);
                    on_stack.insert(w);
                    call.push((w, 0));
                } else if on_stack.contains(w) {
                    let lw = index[w];
                    let lv = low.get_mut(v).expect("visited nodes have a low link");
                    *lv = (*lv).min(lw);
                }
                continue;
            }
            call.pop();
            if let Some(&(parent, _)) = call.last() {
                let lv = low[v];
                let lp = low.get_mut(parent).expect("visited nodes have a low link");
                *lp = (*lp).min(lv);
            }
            if low[v] == index[v] {
                let mut comp = Vec::new();
                while let Some(w) = stack.pop() {
                    on_stack.remove(w);
                    comp.push(w);
                    if w == v {
                        break;
                    }
                }
                comp.sort_unstable();
                out.push(comp);
            }
        }
    }
    // Unstable is enough (equal components are identical), and its code is
    // smaller in the page's wasm than the stable sort's.
    out.sort_unstable();
    out
}

fn check_cycles(model: &Model<'_>, out: &mut Vec<Finding>) {
    let edges = exchange_edges(model);
    for comp in components(&edges) {
        let first = comp[0];
        let self_loop = edges[first].iter().find(|(to, _)| *to == first);
        if comp.len() == 1 && self_loop.is_none() {
            continue;
        }
        // Walk one cycle through the component, from its first exchange.
        let members: BTreeSet<&str> = comp.iter().copied().collect();
        let cycle = cycle_from(first, &edges, &members);
        let at = cycle
            .first()
            .map(|(_, path)| path.clone())
            .unwrap_or_default();
        let mut names: Vec<&str> = vec![first];
        names.extend(cycle.iter().map(|(to, _)| *to));
        let shown = names
            .iter()
            .map(|n| format!("{n:?}"))
            .collect::<Vec<_>>()
            .join(" -> ");
        let more = if comp.len() > cycle.len() {
            format!(" ({} exchanges take part in loops here)", comp.len())
        } else {
            String::new()
        };
        finding(
            out,
            Severity::Warning,
            "exchange-cycle",
            at,
            format!(
                "routing loop {shown}{more}. RabbitMQ allows it: a publish visits each exchange at \
                    most once, so messages are neither duplicated nor routed for ever; it is \
                    usually a mistake"
            ),
        );
    }
}

/// A shortest cycle from `start` back to itself inside `members`: the edges
/// taken, as (destination, path of the binding or argument).
fn cycle_from<'a>(
    start: &'a str,
    edges: &BTreeMap<&'a str, Vec<(&'a str, String)>>,
    members: &BTreeSet<&'a str>,
) -> Vec<(&'a str, String)> {
    // Breadth-first search; `came` maps a node to the edge that reached it.
    let mut came: BTreeMap<&str, (&str, String)> = BTreeMap::new();
    let mut queue = std::collections::VecDeque::from([start]);
    while let Some(v) = queue.pop_front() {
        for (w, path) in edges.get(v).map(Vec::as_slice).unwrap_or_default() {
            if !members.contains(w) {
                continue;
            }
            if *w == start {
                let mut cycle = vec![(start, path.clone())];
                let mut at = v;
                while at != start {
                    let Some((from, p)) = came.get(at) else { break };
                    cycle.push((at, p.clone()));
                    at = from;
                }
                cycle.reverse();
                // `cycle` now lists the edges from `start` in order; the
                // last one returns to `start`.
                return cycle;
            }
            if !came.contains_key(w) {
                came.insert(w, (v, path.clone()));
                queue.push_back(w);
            }
        }
    }
    Vec::new()
}

/// Internal exchanges nothing routes into, and queues reachable only
/// through the default exchange.
fn check_reachability(model: &Model<'_>, out: &mut Vec<Finding>) {
    let reach = reachable_exchanges(model);
    for (name, x) in &model.exchanges {
        if let (Some(path), false) = (&x.path, reach.contains(name)) {
            finding(
                out,
                Severity::Warning,
                "unreachable-exchange",
                path.clone(),
                format!(
                    "exchange {name:?} is internal and nothing routes into it (no \
                    exchange-to-exchange binding from a reachable exchange, not an alternate or \
                    dead-letter exchange): it can never receive a message"
                ),
            );
        }
    }
    check_queue_reachability(model, &reach, out);
}

/// The exchanges a message can reach.
fn reachable_exchanges<'a>(model: &'a Model<'_>) -> BTreeSet<&'a str> {
    // Clients can publish to every exchange that is not internal; dead
    // lettering publishes to a queue's dead-letter exchange even when it is
    // internal.
    let mut reach: BTreeSet<&str> = BTreeSet::new();
    let mut work: Vec<&str> = Vec::new();
    let dlxs = model
        .queues
        .values()
        .filter_map(|q| q.config.dead_letter_exchange.as_deref());
    let roots = model
        .exchanges
        .iter()
        .filter(|(_, x)| !x.internal)
        .map(|(n, _)| *n)
        .chain(dlxs);
    for r in roots {
        if let Some((name, _)) = model.exchanges.get_key_value(r) {
            if reach.insert(*name) {
                work.push(*name);
            }
        }
    }
    let edges = exchange_edges(model);
    while let Some(x) = work.pop() {
        for (to, _) in edges.get(x).map(Vec::as_slice).unwrap_or_default() {
            if reach.insert(*to) {
                work.push(*to);
            }
        }
    }
    reach
}

/// Queues bound from no reachable exchange.
fn check_queue_reachability(model: &Model<'_>, reach: &BTreeSet<&str>, out: &mut Vec<Finding>) {
    // Queues fed through the default exchange on purpose (a dead-letter
    // target named by a DLRK) are not worth a note.
    let dead_letter_targets: BTreeSet<&str> = model
        .queues
        .values()
        .filter(|q| q.config.dead_letter_exchange.as_deref() == Some(""))
        .filter_map(|q| q.config.dead_letter_routing_key.as_deref())
        .collect();
    // Queues with a binding, and those with one from a reachable exchange.
    let mut bound: BTreeSet<&str> = BTreeSet::new();
    let mut live: BTreeSet<&str> = BTreeSet::new();
    for b in model.bindings.values().flatten() {
        if !b.to_exchange {
            bound.insert(b.destination);
            if reach.contains(b.source) {
                live.insert(b.destination);
            }
        }
    }
    for (name, q) in &model.queues {
        if dead_letter_targets.contains(name) || live.contains(name) {
            continue;
        }
        let message = if bound.contains(name) {
            format!(
                "queue {name:?} is bound only from exchanges nothing can publish to: it is \
                    reachable only through the default exchange (routing key {name:?})"
            )
        } else {
            format!(
                "queue {name:?} has no bindings: it is reachable only through the default exchange \
                    (routing key {name:?})"
            )
        };
        finding(
            out,
            Severity::Info,
            "unreachable-queue",
            q.path.clone(),
            message,
        );
    }
}

#[cfg(test)]
mod tests;
