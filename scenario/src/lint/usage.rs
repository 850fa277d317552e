//! What a topology's clients make of it: bindings that can never match,
//! queues nobody consumes, and consumers a stream (or another queue, for
//! a stream's offset) refuses.
//!
//! A definitions file does not say who publishes what or who consumes
//! where; a scene does (its simulated producers and consumers). So one
//! check needs nothing but the topology (a headers binding that tests no
//! header under `x-match: any` matches no message at all), and the others
//! run only when the caller passes [`Clients`]: the messages the producers
//! publish are routed through the topology as the broker routes them
//! (exchange-to-exchange bindings, alternate exchanges, dead-lettering),
//! and what none of them reaches or matches is reported.

use std::collections::BTreeSet;

use warren_core::{
    headers_match, topic_matches, ConsumerPolicy, ConsumerSpec, ExchangeKind, FieldTable,
    ProducerSpec, QueueType,
};

use super::{finding, Bind, Finding, Model, Severity};

/// Who uses a topology: a scene's simulated producers and consumers. Their
/// routing keys and headers are fixed, so what they publish is known.
#[derive(Clone, Copy, Debug, Default)]
pub struct Clients<'a> {
    /// The producers: exchange, routing keys, headers.
    pub producers: &'a [ProducerSpec],
    /// The consumers: the queue each reads.
    pub consumers: &'a [ConsumerSpec],
}

pub(super) fn check(model: &Model<'_>, clients: Option<&Clients<'_>>, out: &mut Vec<Finding>) {
    check_headers_any(model, out);
    if let Some(c) = clients {
        check_unmatched(model, c, out);
        check_unconsumed(model, c, out);
        check_stream_consumers(model, c, out);
    }
}

/// A headers binding with `x-match` `any` (or `any-with-x`) and no
/// argument it tests matches nothing: `any` needs one argument to hold.
/// Tested against its own arguments as headers, a binding that could match
/// anything matches.
fn check_headers_any(model: &Model<'_>, out: &mut Vec<Finding>) {
    for (source, binds) in &model.bindings {
        let headers =
            model.exchanges.get(source).and_then(|x| x.kind) == Some(ExchangeKind::Headers);
        for b in binds
            .iter()
            .filter(|b| headers && !headers_match(b.arguments, b.arguments))
        {
            finding(
                out,
                Severity::Warning,
                "binding-never-matches",
                b.path.clone(),
                format!(
                    "binding {}: x-match is any but the binding names no header to test, so no \
                    message matches it",
                    describe(b)
                ),
            );
        }
    }
}

/// `source -> destination (key)`.
fn describe(b: &Bind<'_>) -> String {
    let kind = if b.to_exchange { "exchange" } else { "queue" };
    format!("{} -> {kind} {} ({:?})", b.source, b.destination, b.key)
}

/// A message as it enters an exchange.
#[derive(Clone, PartialEq)]
struct Msg {
    exchange: String,
    key: String,
    headers: FieldTable,
}

/// Where the clients' messages go.
#[derive(Default)]
struct Reach<'m> {
    /// Every message that enters the topology: the producers' and their
    /// dead-lettered copies.
    msgs: Vec<Msg>,
    /// Exchanges some message enters, with the routing keys it enters
    /// with, sorted (a sorted `Vec` rather than a set: one B-tree type less
    /// in the page's wasm).
    exchanges: Vec<(&'m str, Vec<String>)>,
    /// Bindings that matched some message, by path.
    matched: BTreeSet<&'m str>,
}

impl<'m> Reach<'m> {
    fn enter(&mut self, exchange: &'m str, key: &str) {
        let i = match self.exchanges.iter().position(|(x, _)| *x == exchange) {
            Some(i) => i,
            None => {
                self.exchanges.push((exchange, Vec::new()));
                self.exchanges.len() - 1
            }
        };
        let keys = &mut self.exchanges[i].1;
        if let Err(i) = keys.binary_search_by(|k| k.as_str().cmp(key)) {
            keys.insert(i, key.to_owned());
        }
    }

    fn push(&mut self, msg: Msg) {
        if !self.msgs.contains(&msg) {
            self.msgs.push(msg);
        }
    }
}

/// Routes every producer's messages, and what they dead-letter, through
/// the topology.
fn reach<'m>(model: &'m Model<'_>, clients: &Clients<'_>) -> Reach<'m> {
    let mut r = Reach::default();
    for p in clients.producers {
        let headers = p.message_properties().headers.unwrap_or_default();
        for key in std::iter::once(&p.routing_key).chain(&p.more_routing_keys) {
            r.push(Msg {
                exchange: p.exchange.clone(),
                key: key.clone(),
                headers: headers.clone(),
            });
        }
    }
    // Dead-lettering adds messages; each distinct one is routed once, so
    // this ends (finitely many exchanges and keys).
    let mut i = 0;
    while i < r.msgs.len() {
        let m = r.msgs[i].clone();
        for q in route(model, &m, &mut r) {
            let c = &model.queues[q].config;
            if let Some(dlx) = &c.dead_letter_exchange {
                let key = c.dead_letter_routing_key.as_ref().unwrap_or(&m.key);
                let msg = Msg {
                    exchange: dlx.clone(),
                    key: key.clone(),
                    headers: m.headers.clone(),
                };
                r.push(msg);
            }
        }
        i += 1;
    }
    r
}

/// The queues one message reaches, marking the exchanges it enters and the
/// bindings it matches (each exchange visited once, as the broker does).
fn route<'m>(model: &'m Model<'_>, msg: &Msg, r: &mut Reach<'m>) -> BTreeSet<&'m str> {
    let mut queues = BTreeSet::new();
    let mut seen: BTreeSet<&str> = BTreeSet::new();
    let mut work: Vec<&str> = Vec::new();
    if let Some((name, _)) = model.exchanges.get_key_value(msg.exchange.as_str()) {
        seen.insert(name);
        work.push(name);
    }
    while let Some(x) = work.pop() {
        r.enter(x, &msg.key);
        let exch = &model.exchanges[x];
        let mut matched = false;
        if x.is_empty() {
            if let Some((q, _)) = model.queues.get_key_value(msg.key.as_str()) {
                matched = true;
                queues.insert(*q);
            }
        }
        for b in model.bindings.get(x).map(Vec::as_slice).unwrap_or_default() {
            let hit = match exch.kind {
                Some(ExchangeKind::Fanout) => true,
                Some(ExchangeKind::Direct) => b.key == msg.key,
                Some(ExchangeKind::Topic) => topic_matches(b.key, &msg.key),
                Some(ExchangeKind::Headers) => headers_match(b.arguments, &msg.headers),
                None => false,
            };
            if !hit {
                continue;
            }
            matched = true;
            r.matched.insert(b.path.as_str());
            if !b.to_exchange {
                queues.insert(b.destination);
            } else if seen.insert(b.destination) {
                work.push(b.destination);
            }
        }
        let ae = exch.alternate.as_ref().filter(|_| !matched);
        if let Some((ae, _)) = ae.and_then(|(ae, _)| model.exchanges.get_key_value(ae.as_str())) {
            if seen.insert(ae) {
                work.push(ae);
            }
        }
    }
    queues
}

/// Bindings of an exchange the producers' messages enter that none of
/// those messages matches. (An exchange no message enters is left alone:
/// nothing is published there yet.)
fn check_unmatched(model: &Model<'_>, clients: &Clients<'_>, out: &mut Vec<Finding>) {
    let r = reach(model, clients);
    for (source, binds) in &model.bindings {
        let Some((_, keys)) = r.exchanges.iter().find(|(x, _)| x == source) else {
            continue;
        };
        let kind = model.exchanges[source].kind;
        for b in binds
            .iter()
            .filter(|b| !r.matched.contains(b.path.as_str()))
        {
            if kind == Some(ExchangeKind::Headers) && !headers_match(b.arguments, b.arguments) {
                continue; // Reported by check_headers_any.
            }
            let what = if kind == Some(ExchangeKind::Headers) {
                "with headers".to_owned()
            } else {
                let keys: Vec<String> = keys.iter().map(|k| format!("{k:?}")).collect();
                format!("with routing keys {}", keys.join(", "))
            };
            finding(
                out,
                Severity::Warning,
                "binding-never-matches",
                b.path.clone(),
                format!(
                    "binding {}: the producers' messages reach exchange {source:?} {what}, and \
                    none of them matches this binding",
                    describe(b)
                ),
            );
        }
    }
}

/// Queues no consumer reads that keep what they get for ever: no length
/// limit and no message TTL.
fn check_unconsumed(model: &Model<'_>, clients: &Clients<'_>, out: &mut Vec<Finding>) {
    for (name, q) in &model.queues {
        let c = &q.config;
        if clients.consumers.iter().any(|s| s.queue == *name)
            || c.message_ttl.is_some()
            || c.max_length.is_some()
            || c.max_length_bytes.is_some()
        {
            continue;
        }
        finding(
            out,
            Severity::Warning,
            "unconsumed-queue",
            q.path.clone(),
            format!(
                "queue {name:?} has no consumer, no length limit and no message TTL: every \
                message routed to it stays there, and the queue grows without bound"
            ),
        );
    }
}

/// Consumers RabbitMQ 3.10.8 refuses, or whose settling it refuses, for
/// the type of the queue they read (recorded: stream-consume-rules,
/// stream-consume-more, stream-consume-arguments,
/// stream-prefetch-credit). Reported at the queue, naming the consumer,
/// each rule once per consumer, in the consumers' order.
fn check_stream_consumers(model: &Model<'_>, clients: &Clients<'_>, out: &mut Vec<Finding>) {
    for c in clients.consumers {
        let Some(q) = model.queues.get(c.queue.as_str()) else {
            continue;
        };
        let stream = q.config.queue_type == QueueType::Stream;
        let rejects = c.fail_every.is_some()
            || !matches!(c.policy, ConsumerPolicy::Ack | ConsumerPolicy::Crash);
        // (code, whether it applies, what RabbitMQ does)
        let rules: [(&'static str, bool, &str); 5] = [
            (
                "stream-offset-not-a-stream",
                !stream && c.stream_offset.is_some(),
                "x-stream-offset is for streams; RabbitMQ refuses the consume (406, the channel closes)",
            ),
            (
                "stream-consumer-without-prefetch",
                stream && c.prefetch == 0,
                "a stream's consumer needs a prefetch (basic.qos); RabbitMQ refuses the consume (406, the channel closes)",
            ),
            (
                "stream-consumer-auto-ack",
                stream && c.auto_ack,
                "a stream refuses auto-ack (540, the connection closes); acks only give credit back",
            ),
            (
                "stream-consumer-priority",
                stream && c.priority.is_some(),
                "a stream refuses x-priority (406, the channel closes)",
            ),
            (
                "stream-consumer-rejects",
                stream && rejects && !c.auto_ack,
                "a stream refuses basic.nack and basic.reject (540, the connection closes): nothing goes back to a log",
            ),
        ];
        for (code, _, what) in rules.into_iter().filter(|r| r.1) {
            let words = format!("consumer {:?} of {:?}: {what}", c.name, c.queue);
            finding(out, Severity::Warning, code, q.path.clone(), words);
        }
    }
}

#[cfg(test)]
mod tests;
