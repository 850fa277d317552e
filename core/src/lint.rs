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
//! | `queue-type-not-modelled` | info | quorum or stream, loaded as classic |
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
//!
//! Findings come grouped by check, each group in file order.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use serde::Serialize;

use crate::definitions::{key_path, validate_policy_definition, Definitions, DestinationType};
use crate::headers::validate_binding_args;
use crate::names::{is_builtin, is_reserved, PREDECLARED_EXCHANGES, RESERVED_PREFIX};
use crate::policy::{self, Policy};
use crate::queue::{effective_config, validate_args, Overflow, QueueConfig};
use crate::topic::topic_matches;
use crate::value::FieldValue;
use crate::ExchangeKind;

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
/// use warren_core::{lint, Definitions, Severity};
/// let defs = Definitions::from_json_str(r#"{"queues": [
///   {"name": "q", "durable": true, "auto_delete": false,
///    "arguments": {"x-dead-letter-exchange": "dlx"}}
/// ]}"#)?;
/// let findings = lint::check(&defs);
/// assert!(findings.iter().any(|f| f.code == "missing-dead-letter-exchange"
///     && f.severity == Severity::Warning));
/// # Ok::<(), warren_core::DefinitionsError>(())
/// ```
pub fn check(defs: &Definitions) -> Vec<Finding> {
    let mut out = Vec::new();
    let policies = check_policies(defs, &mut out);
    let model = build(defs, &policies, &mut out);
    check_policy_use(defs, &policies, &model, &mut out);
    check_dead_lettering(&model, &mut out);
    check_alternates(&model, &mut out);
    check_cycles(&model, &mut out);
    check_reachability(&model, &mut out);
    out
}

/// Compiles the policies that will be in force, as the broker keeps them:
/// by name, a later definition of a name replacing an earlier one.
fn check_policies(
    defs: &Definitions,
    out: &mut Vec<Finding>,
) -> BTreeMap<String, (String, Policy)> {
    let mut compiled = BTreeMap::new();
    for (path, p) in defs.loaded_policies() {
        if let Err((key, expected)) = validate_policy_definition(&p.definition) {
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
    policies: &'p BTreeMap<String, (String, Policy)>,
    name: &str,
    is_queue: bool,
) -> Option<(&'p str, &'p Policy)> {
    // The broker never applies policies to the default or amq.* objects.
    if is_builtin(name) {
        return None;
    }
    let chosen = policy::select(policies.values().map(|(_, p)| p), name, is_queue)?;
    let (path, p) = &policies[&chosen.name];
    Some((path.as_str(), p))
}

fn build<'a>(
    defs: &'a Definitions,
    policies: &BTreeMap<String, (String, Policy)>,
    out: &mut Vec<Finding>,
) -> Model<'a> {
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
        let name = x.name.as_str();
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
            continue;
        }
        if model.exchanges.contains_key(name) {
            finding(
                out,
                Severity::Warning,
                "duplicate-exchange",
                path,
                format!(
                    "exchange {name:?} is defined twice; the import keeps the first definition"
                ),
            );
            continue;
        }
        let kind = ExchangeKind::parse(&x.exchange_type);
        if kind.is_none() {
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
            Some(other) => {
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
            None => None,
        };
        let alternate = arg_ae.or_else(|| {
            let (ppath, p) = policy_for(policies, name, false)?;
            let ae = p.definition.get("alternate-exchange")?.as_str()?;
            Some((
                ae.to_owned(),
                key_path(&key_path(ppath, "definition"), "alternate-exchange"),
            ))
        });
        model.exchanges.insert(
            name,
            Exch {
                path: Some(path),
                kind,
                internal: x.internal.unwrap_or(false),
                alternate,
            },
        );
    }

    for (path, q) in defs.loaded_queues() {
        let name = q.name.as_str();
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
            continue;
        }
        if model.queues.contains_key(name) {
            finding(
                out,
                Severity::Warning,
                "duplicate-queue",
                path,
                format!("queue {name:?} is defined twice; the import keeps the first definition"),
            );
            continue;
        }
        match q.requested_type() {
            None | Some("classic") => {}
            Some(t @ ("quorum" | "stream")) => finding(
                out,
                Severity::Info,
                "queue-type-not-modelled",
                path.clone(),
                format!("queue {name:?} is a {t} queue; Warren loads it as a classic queue"),
            ),
            Some(t) => finding(
                out,
                Severity::Error,
                "unknown-queue-type",
                path.clone(),
                format!(
                    "queue {name:?}: type {t:?} is not classic, quorum or stream; the import fails"
                ),
            ),
        }
        let args_at = key_path(&path, "arguments");
        if let Err((key, detail)) = validate_args(&q.arguments) {
            // Decided from the arguments, not from the detail's wording.
            let dlrk_alone = key == "x-dead-letter-routing-key"
                && q.arguments.get("x-dead-letter-exchange").is_none();
            if key == "x-queue-type" {
                // Reported above as unknown-queue-type.
            } else if dlrk_alone {
                finding(
                    out,
                    Severity::Error,
                    "dlrk-without-dlx",
                    key_path(&args_at, &key),
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
                    key_path(&args_at, &key),
                    format!(
                        "queue {name:?}: invalid argument {key:?} ({detail}); RabbitMQ refuses \
                        the queue (406)"
                    ),
                );
            }
        }
        let pol = policy_for(policies, name, true);
        let config = effective_config(
            &q.arguments,
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
        model.queues.insert(
            name,
            Que {
                dlx_at: source_of("x-dead-letter-exchange", "dead-letter-exchange"),
                dlrk_at: source_of("x-dead-letter-routing-key", "dead-letter-routing-key"),
                path,
                config,
            },
        );
    }

    for (path, b) in defs.loaded_bindings() {
        if b.source.is_empty() {
            finding(
                out,
                Severity::Warning,
                "default-exchange-binding",
                key_path(&path, "source"),
                "bindings of the default exchange are implicit (every queue is bound by its name) \
                    and cannot be declared; the import skips this one",
            );
            continue;
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
            continue;
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
            continue;
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
                continue;
            }
        }
        model
            .bindings
            .entry(b.source.as_str())
            .or_default()
            .push(Bind {
                path,
                source: b.source.as_str(),
                destination: b.destination.as_str(),
                to_exchange,
                key: b.routing_key.as_str(),
            });
    }
    model
}

fn check_policy_use(
    defs: &Definitions,
    policies: &BTreeMap<String, (String, Policy)>,
    model: &Model<'_>,
    out: &mut Vec<Finding>,
) {
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
        let exchanges = model.exchanges.keys().filter(|n| !is_builtin(n));
        let matched: Vec<(&str, bool)> = model
            .queues
            .keys()
            .filter(|n| policy.applies(n, true))
            .map(|n| (*n, true))
            .chain(
                exchanges
                    .filter(|n| policy.applies(n, false))
                    .map(|n| (*n, false)),
            )
            .collect();
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

fn check_dead_lettering(model: &Model<'_>, out: &mut Vec<Finding>) {
    // Policy-set dead-letter exchanges are reported once per policy value.
    let mut missing_by_policy: BTreeMap<&str, (&str, Vec<&str>)> = BTreeMap::new();
    for (name, q) in &model.queues {
        let c = &q.config;
        if let (Some(rk), None) = (&c.dead_letter_routing_key, &c.dead_letter_exchange) {
            // A DLRK argument without a DLX argument is an import error,
            // reported with the arguments.
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
        let Some(dlx) = c.dead_letter_exchange.as_deref() else {
            continue;
        };
        let at = q.dlx_at.clone().unwrap_or_else(|| q.path.clone());
        if !model.exchanges.contains_key(dlx) {
            if at.contains(".definition.") {
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
            continue;
        }
        let targets = model.route(dlx, c.dead_letter_routing_key.as_deref());
        if !targets.contains(name) {
            continue;
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
    // A default-exchange DLX with a DLRK routes to the queue of that name.
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
    out.sort();
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

fn check_reachability(model: &Model<'_>, out: &mut Vec<Finding>) {
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
    // Queues fed through the default exchange on purpose (a dead-letter
    // target named by a DLRK) are not worth a note.
    let dead_letter_targets: BTreeSet<&str> = model
        .queues
        .values()
        .filter(|q| q.config.dead_letter_exchange.as_deref() == Some(""))
        .filter_map(|q| q.config.dead_letter_routing_key.as_deref())
        .collect();
    let mut bound: BTreeMap<&str, bool> = BTreeMap::new();
    for b in model.bindings.values().flatten() {
        if !b.to_exchange {
            let live = reach.contains(b.source);
            *bound.entry(b.destination).or_insert(false) |= live;
        }
    }
    for (name, q) in &model.queues {
        if dead_letter_targets.contains(name) {
            continue;
        }
        let message = match bound.get(name) {
            Some(true) => continue,
            Some(false) => format!(
                "queue {name:?} is bound only from exchanges nothing can publish to: it is \
                    reachable only through the default exchange (routing key {name:?})"
            ),
            None => format!(
                "queue {name:?} has no bindings: it is reachable only through the default exchange \
                    (routing key {name:?})"
            ),
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
mod tests {
    use super::*;
    use serde_json::{json, Value};

    fn q(name: &str, arguments: Value) -> Value {
        json!({"name": name, "vhost": "/", "durable": true, "auto_delete": false,
               "arguments": arguments})
    }

    fn x(name: &str, kind: &str) -> Value {
        json!({"name": name, "vhost": "/", "type": kind, "durable": true,
               "auto_delete": false, "internal": false, "arguments": {}})
    }

    fn internal(name: &str) -> Value {
        let mut v = x(name, "topic");
        v["internal"] = json!(true);
        v
    }

    fn b(source: &str, destination: &str, key: &str) -> Value {
        json!({"source": source, "vhost": "/", "destination": destination,
               "destination_type": "queue", "routing_key": key, "arguments": {}})
    }

    fn e2e(source: &str, destination: &str, key: &str) -> Value {
        let mut v = b(source, destination, key);
        v["destination_type"] = json!("exchange");
        v
    }

    fn p(name: &str, pattern: &str, apply_to: &str, definition: Value, priority: i64) -> Value {
        json!({"vhost": "/", "name": name, "pattern": pattern, "apply-to": apply_to,
               "definition": definition, "priority": priority})
    }

    fn lint(doc: Value) -> Vec<Finding> {
        check(&Definitions::from_value(&doc).unwrap())
    }

    /// The findings with `code`, as (severity, path).
    fn with_code(findings: &[Finding], code: &str) -> Vec<(Severity, String)> {
        findings
            .iter()
            .filter(|f| f.code == code)
            .map(|f| (f.severity, f.path.clone()))
            .collect()
    }

    fn only(findings: &[Finding], code: &str) -> (Severity, String, String) {
        let hits: Vec<&Finding> = findings.iter().filter(|f| f.code == code).collect();
        assert_eq!(hits.len(), 1, "{code}: {findings:#?}");
        (
            hits[0].severity,
            hits[0].path.clone(),
            hits[0].message.clone(),
        )
    }

    #[test]
    fn a_bound_queue_is_clean() {
        let f = lint(json!({
            "exchanges": [x("order", "direct")],
            "queues": [q("order_notify", json!({}))],
            "bindings": [b("order", "order_notify", "order.notify")]
        }));
        assert_eq!(f, []);
    }

    #[test]
    fn unbound_queue_is_reachable_only_through_the_default_exchange() {
        let f = lint(json!({"queues": [q("lonely", json!({}))]}));
        let (sev, path, msg) = only(&f, "unreachable-queue");
        assert_eq!((sev, path.as_str()), (Severity::Info, "$.queues[0]"));
        assert!(msg.contains("default exchange"), "{msg}");
    }

    #[test]
    fn queue_bound_only_from_an_unreachable_internal_exchange() {
        let f = lint(json!({
            "exchanges": [internal("hidden")],
            "queues": [q("q", json!({}))],
            "bindings": [b("hidden", "q", "#")]
        }));
        let (sev, _, msg) = only(&f, "unreachable-queue");
        assert_eq!(sev, Severity::Info);
        assert!(
            msg.contains("only from exchanges nothing can publish to"),
            "{msg}"
        );
        let (sev, path, _) = only(&f, "unreachable-exchange");
        assert_eq!((sev, path.as_str()), (Severity::Warning, "$.exchanges[0]"));
    }

    #[test]
    fn internal_exchanges_fed_by_bindings_alternates_or_dead_lettering_are_reachable() {
        let f = lint(json!({
            "exchanges": [x("front", "topic"), internal("inner"), internal("ae"), internal("dlx"),
                          {"name": "withae", "vhost": "/", "type": "direct", "durable": true,
                           "auto_delete": false, "internal": false,
                           "arguments": {"alternate-exchange": "ae"}}],
            "queues": [q("a", json!({})), q("b", json!({})),
                       q("c", json!({"x-dead-letter-exchange": "dlx"}))],
            "bindings": [e2e("front", "inner", "#"), b("inner", "a", "#"), b("ae", "b", "#"),
                         b("dlx", "c", "x"), b("front", "c", "c")]
        }));
        assert_eq!(with_code(&f, "unreachable-exchange"), []);
        assert_eq!(with_code(&f, "unreachable-queue"), []);
    }

    #[test]
    fn a_dead_letter_target_through_the_default_exchange_is_not_flagged() {
        let f = lint(json!({
            "exchanges": [x("work", "direct")],
            "queues": [q("jobs", json!({"x-dead-letter-exchange": "",
                                        "x-dead-letter-routing-key": "parked"})),
                       q("parked", json!({}))],
            "bindings": [b("work", "jobs", "jobs")]
        }));
        assert_eq!(f, []);
    }

    #[test]
    fn bindings_to_or_from_missing_objects_are_skipped_by_the_import() {
        let f = lint(json!({
            "exchanges": [x("order", "direct")],
            "queues": [q("order_notify", json!({}))],
            "bindings": [b("nope", "order_notify", "k"), b("order", "missing", "k"),
                         e2e("order", "gone", "k"), b("order", "order_notify", "k")]
        }));
        assert_eq!(
            with_code(&f, "binding-source-missing"),
            [(Severity::Warning, "$.bindings[0].source".to_owned())]
        );
        assert_eq!(
            with_code(&f, "binding-destination-missing"),
            [
                (Severity::Warning, "$.bindings[1].destination".to_owned()),
                (Severity::Warning, "$.bindings[2].destination".to_owned())
            ]
        );
    }

    #[test]
    fn bindings_from_amq_exchanges_are_fine_but_reserved_names_are_skipped() {
        let f = lint(json!({
            "exchanges": [x("amq.topic", "topic"), x("amq.custom", "topic")],
            "queues": [q("q", json!({})), q("amq.gen-1", json!({}))],
            "bindings": [b("amq.topic", "q", "#"), b("amq.custom", "q", "#")]
        }));
        assert_eq!(
            with_code(&f, "skipped-on-import"),
            [
                (Severity::Info, "$.exchanges[0]".to_owned()),
                (Severity::Warning, "$.exchanges[1]".to_owned()),
                (Severity::Warning, "$.queues[1]".to_owned())
            ]
        );
        // amq.custom will not exist, so the import skips its binding.
        assert_eq!(
            with_code(&f, "binding-source-missing"),
            [(Severity::Warning, "$.bindings[1].source".to_owned())]
        );
    }

    #[test]
    fn default_exchange_bindings_are_skipped() {
        let f = lint(json!({"queues": [q("q", json!({}))], "bindings": [b("", "q", "q")]}));
        let (sev, path, _) = only(&f, "default-exchange-binding");
        assert_eq!(
            (sev, path.as_str()),
            (Severity::Warning, "$.bindings[0].source")
        );
    }

    #[test]
    fn invalid_headers_binding_arguments() {
        let mut bad = b("h", "q", "");
        bad["arguments"] = json!({"x-match": "some"});
        let f = lint(
            json!({"exchanges": [x("h", "headers")], "queues": [q("q", json!({}))],
                            "bindings": [bad]}),
        );
        let (sev, path, _) = only(&f, "invalid-binding-arguments");
        assert_eq!(
            (sev, path.as_str()),
            (Severity::Error, "$.bindings[0].arguments")
        );
    }

    #[test]
    fn missing_dead_letter_exchange_from_an_argument() {
        let f = lint(json!({
            "exchanges": [x("e", "fanout")],
            "queues": [q("q", json!({"x-dead-letter-exchange": "nowhere"}))],
            "bindings": [b("e", "q", "")]
        }));
        let (sev, path, msg) = only(&f, "missing-dead-letter-exchange");
        assert_eq!(
            (sev, path.as_str()),
            (
                Severity::Warning,
                "$.queues[0].arguments.x-dead-letter-exchange"
            )
        );
        assert!(msg.contains("dropped"), "{msg}");
    }

    #[test]
    fn missing_dead_letter_exchange_from_a_policy_is_reported_once() {
        let f = lint(json!({
            "policies": [p("dl", "^q", "queues", json!({"dead-letter-exchange": "nowhere"}), 0)],
            "exchanges": [x("e", "fanout")],
            "queues": [q("q1", json!({})), q("q2", json!({})),
                       q("q3", json!({"x-dead-letter-exchange": "e"}))],
            "bindings": [b("e", "q1", ""), b("e", "q2", "")]
        }));
        let (sev, path, msg) = only(&f, "missing-dead-letter-exchange");
        assert_eq!(
            (sev, path.as_str()),
            (
                Severity::Warning,
                "$.policies[0].definition.dead-letter-exchange"
            )
        );
        // The argument wins over the policy for q3.
        assert!(
            msg.contains("\"q1\", \"q2\"") && !msg.contains("q3"),
            "{msg}"
        );
    }

    #[test]
    fn missing_queue_behind_a_default_exchange_dlx() {
        let f = lint(json!({
            "queues": [q("q", json!({"x-dead-letter-exchange": "",
                                     "x-dead-letter-routing-key": "parked"}))]
        }));
        let (_, path, _) = only(&f, "missing-dead-letter-exchange");
        assert_eq!(path, "$.queues[0].arguments.x-dead-letter-routing-key");
    }

    #[test]
    fn missing_alternate_exchange_from_an_argument_or_a_policy() {
        let mut with_ae = x("a", "direct");
        with_ae["arguments"] = json!({"alternate-exchange": "ghost"});
        let f = lint(json!({
            "policies": [p("ae", "^b$", "exchanges", json!({"alternate-exchange": "ghost2"}), 0)],
            "exchanges": [with_ae, x("b", "direct")]
        }));
        assert_eq!(
            with_code(&f, "missing-alternate-exchange"),
            [
                (
                    Severity::Warning,
                    "$.exchanges[0].arguments.alternate-exchange".to_owned()
                ),
                (
                    Severity::Warning,
                    "$.policies[0].definition.alternate-exchange".to_owned()
                )
            ]
        );
    }

    #[test]
    fn exchange_to_exchange_loops_are_legal_but_worth_a_warning() {
        let f = lint(json!({
            "exchanges": [x("a", "fanout"), x("b", "fanout"), x("c", "fanout")],
            "bindings": [e2e("a", "b", ""), e2e("b", "c", ""), e2e("c", "a", "")]
        }));
        let (sev, path, msg) = only(&f, "exchange-cycle");
        assert_eq!((sev, path.as_str()), (Severity::Warning, "$.bindings[0]"));
        assert!(msg.contains("\"a\" -> \"b\" -> \"c\" -> \"a\""), "{msg}");
        assert!(msg.contains("at most once"), "{msg}");
    }

    #[test]
    fn self_loops_and_alternate_exchange_loops_count_too() {
        let mut a = x("a", "direct");
        a["arguments"] = json!({"alternate-exchange": "b"});
        let mut bx = x("b", "direct");
        bx["arguments"] = json!({"alternate-exchange": "a"});
        let f = lint(json!({
            "exchanges": [a, bx, x("s", "topic")],
            "bindings": [e2e("s", "s", "#")]
        }));
        let cycles = with_code(&f, "exchange-cycle");
        assert_eq!(
            cycles,
            [
                (
                    Severity::Warning,
                    "$.exchanges[0].arguments.alternate-exchange".to_owned()
                ),
                (Severity::Warning, "$.bindings[0]".to_owned())
            ]
        );
    }

    #[test]
    fn a_chain_is_not_a_cycle() {
        let f = lint(json!({
            "exchanges": [x("a", "fanout"), x("b", "fanout")],
            "bindings": [e2e("a", "b", ""), e2e("a", "b", "other")]
        }));
        assert_eq!(with_code(&f, "exchange-cycle"), []);
    }

    #[test]
    fn policies_invalid_or_matching_nothing_or_shadowed() {
        let f = lint(json!({
            "policies": [
                p("broken", "(", "all", json!({}), 0),
                p("bad-ttl", "^q", "queues", json!({"message-ttl": -1}), 0),
                p("nobody", "^zzz", "all", json!({"max-length": 1}), 0),
                p("low", "^q", "queues", json!({"max-length": 1}), 1),
                p("high", "^q", "queues", json!({"max-length": 2}), 5),
                p("exchanges-only", "^q", "exchanges", json!({}), 0)
            ],
            "queues": [q("q", json!({}))]
        }));
        assert_eq!(
            with_code(&f, "invalid-policy-pattern"),
            [(Severity::Error, "$.policies[0].pattern".to_owned())]
        );
        assert_eq!(
            with_code(&f, "invalid-policy-definition"),
            [(
                Severity::Error,
                "$.policies[1].definition.message-ttl".to_owned()
            )]
        );
        assert_eq!(
            with_code(&f, "policy-matches-nothing"),
            [
                (Severity::Info, "$.policies[2].pattern".to_owned()),
                (Severity::Info, "$.policies[5].pattern".to_owned())
            ]
        );
        let (sev, path, msg) = only(&f, "policy-shadowed");
        assert_eq!(
            (sev, path.as_str()),
            (Severity::Info, "$.policies[3].priority")
        );
        assert!(msg.contains("\"high\""), "{msg}");
    }

    #[test]
    fn a_policy_defined_twice_keeps_the_later_one() {
        let f = lint(json!({
            "policies": [p("ttl", "^q$", "queues", json!({"message-ttl": 1}), 0),
                         p("ttl", "^q$", "queues", json!({"message-ttl": 2}), 0)],
            "queues": [q("q", json!({}))]
        }));
        assert_eq!(
            with_code(&f, "duplicate-policy"),
            [(Severity::Warning, "$.policies[0]".to_owned())]
        );
        assert_eq!(with_code(&f, "policy-shadowed"), []);
    }

    #[test]
    fn dlrk_without_dlx_as_an_argument_fails_the_import() {
        let f = lint(json!({"queues": [q("q", json!({"x-dead-letter-routing-key": "k"}))]}));
        let (sev, path, _) = only(&f, "dlrk-without-dlx");
        assert_eq!(
            (sev, path.as_str()),
            (
                Severity::Error,
                "$.queues[0].arguments.x-dead-letter-routing-key"
            )
        );
        assert_eq!(with_code(&f, "invalid-queue-argument"), []);
    }

    #[test]
    fn dlrk_without_dlx_from_a_policy_has_no_effect() {
        let f = lint(json!({
            "policies": [p("rk", "^q$", "queues", json!({"dead-letter-routing-key": "k"}), 0)],
            "queues": [q("q", json!({}))]
        }));
        let (sev, path, _) = only(&f, "dlrk-without-dlx");
        assert_eq!(
            (sev, path.as_str()),
            (
                Severity::Warning,
                "$.policies[0].definition.dead-letter-routing-key"
            )
        );
        // With a DLX argument, the policy's routing key is used: no finding.
        let f = lint(json!({
            "policies": [p("rk", "^q$", "queues", json!({"dead-letter-routing-key": "k"}), 0)],
            "exchanges": [x("dlx", "direct")],
            "queues": [q("q", json!({"x-dead-letter-exchange": "dlx"})), q("k", json!({}))],
            "bindings": [b("dlx", "k", "k")]
        }));
        assert_eq!(with_code(&f, "dlrk-without-dlx"), []);
    }

    #[test]
    fn a_queue_dead_lettering_into_itself_on_expiry_loses_messages() {
        let f = lint(json!({
            "exchanges": [x("work", "direct")],
            "queues": [q("jobs", json!({"x-message-ttl": 1000,
                                        "x-dead-letter-exchange": "work",
                                        "x-dead-letter-routing-key": "jobs"}))],
            "bindings": [b("work", "jobs", "jobs")]
        }));
        let (sev, path, msg) = only(&f, "dead-letter-cycle");
        assert_eq!(
            (sev, path.as_str()),
            (
                Severity::Warning,
                "$.queues[0].arguments.x-dead-letter-exchange"
            )
        );
        assert!(msg.contains("cycle detection"), "{msg}");
    }

    #[test]
    fn a_self_loop_through_the_messages_own_keys_and_a_length_limit() {
        let f = lint(json!({
            "exchanges": [x("events", "topic")],
            "queues": [q("all", json!({"x-max-length": 10, "x-dead-letter-exchange": "events"}))],
            "bindings": [b("events", "all", "#")]
        }));
        let (sev, _, msg) = only(&f, "dead-letter-cycle");
        assert_eq!(sev, Severity::Warning);
        assert!(msg.contains("own routing keys"), "{msg}");
    }

    #[test]
    fn a_self_loop_reached_only_by_rejection_is_info() {
        let f = lint(json!({
            "policies": [p("dl", "^jobs$", "queues", json!({"dead-letter-exchange": "work"}), 0)],
            "exchanges": [x("work", "direct")],
            "queues": [q("jobs", json!({}))],
            "bindings": [b("work", "jobs", "jobs")]
        }));
        let (sev, path, _) = only(&f, "dead-letter-cycle");
        assert_eq!(
            (sev, path.as_str()),
            (
                Severity::Info,
                "$.policies[0].definition.dead-letter-exchange"
            )
        );
    }

    #[test]
    fn dead_lettering_elsewhere_is_not_a_cycle() {
        let f = lint(json!({
            "exchanges": [x("work", "direct"), x("dlx", "direct")],
            "queues": [q("jobs", json!({"x-message-ttl": 5, "x-dead-letter-exchange": "dlx",
                                        "x-dead-letter-routing-key": "parked"})),
                       q("parked", json!({}))],
            "bindings": [b("work", "jobs", "jobs"), b("dlx", "parked", "parked"),
                         b("dlx", "jobs", "jobs")]
        }));
        assert_eq!(with_code(&f, "dead-letter-cycle"), []);
    }

    #[test]
    fn queue_arguments_and_types_the_import_refuses() {
        let f = lint(json!({
            "queues": [q("a", json!({"x-max-priority": 300})),
                       q("b", json!({"x-queue-type": "lazy"})),
                       q("c", json!({"x-queue-type": "quorum"})),
                       q("a", json!({}))]
        }));
        assert_eq!(
            with_code(&f, "invalid-queue-argument"),
            [(
                Severity::Error,
                "$.queues[0].arguments.x-max-priority".to_owned()
            )]
        );
        assert_eq!(
            with_code(&f, "unknown-queue-type"),
            [(Severity::Error, "$.queues[1]".to_owned())]
        );
        assert_eq!(
            with_code(&f, "queue-type-not-modelled"),
            [(Severity::Info, "$.queues[2]".to_owned())]
        );
        assert_eq!(
            with_code(&f, "duplicate-queue"),
            [(Severity::Warning, "$.queues[3]".to_owned())]
        );
    }

    #[test]
    fn exchange_types_and_arguments_the_import_refuses() {
        let mut bad_ae = x("b", "direct");
        bad_ae["arguments"] = json!({"alternate-exchange": 5});
        let f = lint(json!({"exchanges": [x("a", "x-delayed-message"), bad_ae, x("a", "direct")]}));
        assert_eq!(
            with_code(&f, "unknown-exchange-type"),
            [(Severity::Error, "$.exchanges[0].type".to_owned())]
        );
        assert_eq!(
            with_code(&f, "invalid-exchange-argument"),
            [(
                Severity::Error,
                "$.exchanges[1].arguments.alternate-exchange".to_owned()
            )]
        );
        assert_eq!(
            with_code(&f, "duplicate-exchange"),
            [(Severity::Warning, "$.exchanges[2]".to_owned())]
        );
    }

    #[test]
    fn only_the_loaded_vhost_is_linted() {
        let f = lint(json!({
            "vhosts": [{"name": "/"}],
            "queues": [{"name": "elsewhere", "vhost": "other", "durable": true,
                        "auto_delete": false, "arguments": {"x-max-priority": 999}}]
        }));
        assert_eq!(f, []);
    }

    #[test]
    fn findings_display_as_one_line() {
        let f = lint(json!({"queues": [q("lonely", json!({}))]}));
        let shown = f[0].to_string();
        assert!(
            shown.starts_with("info[unreachable-queue] $.queues[0]: "),
            "{shown}"
        );
    }

    #[test]
    fn a_long_exchange_chain_does_not_overflow_the_stack() {
        let n = 20_000;
        let exchanges: Vec<Value> = (0..n).map(|i| x(&format!("x{i}"), "fanout")).collect();
        let bindings: Vec<Value> = (1..n)
            .map(|i| e2e(&format!("x{}", i - 1), &format!("x{i}"), ""))
            .chain([e2e(&format!("x{}", n - 1), "x0", "")])
            .collect();
        let f = lint(json!({"exchanges": exchanges, "bindings": bindings}));
        let (_, _, msg) = only(&f, "exchange-cycle");
        assert!(
            msg.starts_with("routing loop \"x0\" -> \"x1\" -> "),
            "{}",
            &msg[..60]
        );
    }
}
