//! "Why did this message go there": the routing walk, hop by hop, with a
//! verdict for every binding it looked at.

use std::collections::{BTreeSet, VecDeque};

use serde::Serialize;

use crate::broker::Broker;
use crate::exchange::{Binding, Dest, ExchangeId, ExchangeKind};
use crate::headers::explain_headers;
use crate::message::string_array;
use crate::topic::topic_matches;
use crate::value::FieldTable;

/// How the walk reached an exchange.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum HopVia {
    /// The message was published to it.
    Published,
    /// An exchange-to-exchange binding of `from` matched.
    Binding {
        /// The source exchange.
        from: String,
    },
    /// `from` matched nothing and names it as its alternate exchange.
    Alternate {
        /// The exchange whose alternate this is.
        from: String,
    },
}

/// One binding's verdict.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct BindingVerdict {
    /// Destination queue or exchange.
    pub destination: String,
    /// Whether the destination is an exchange.
    pub to_exchange: bool,
    /// Binding key (for the default exchange: the queue's name).
    pub routing_key: String,
    /// Binding arguments.
    pub arguments: FieldTable,
    /// Whether it matched.
    pub matched: bool,
    /// Why, in words.
    pub reason: String,
}

/// One exchange the walk visited.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Hop {
    /// Exchange name.
    pub exchange: String,
    /// Its type.
    pub exchange_type: String,
    /// How the walk got here.
    pub via: HopVia,
    /// Every binding of the exchange, matched or not.
    pub bindings: Vec<BindingVerdict>,
    /// What happened with the alternate exchange, if the exchange has one.
    pub alternate: Option<String>,
}

/// The full explanation of routing one message.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RouteExplanation {
    /// Exchange published to.
    pub exchange: String,
    /// Every routing key considered (publish key, then `CC`, then `BCC`).
    pub routing_keys: Vec<String>,
    /// Exchanges visited, in visiting order.
    pub hops: Vec<Hop>,
    /// Queues that get a copy, sorted.
    pub queues: Vec<String>,
    /// Why nothing was routed at all (missing or internal exchange), as the broker's error text.
    pub error: Option<String>,
}

fn key_verdict(kind: ExchangeKind, binding_key: &str, keys: &[String]) -> (bool, String) {
    let hit = keys.iter().find(|k| match kind {
        ExchangeKind::Direct => k.as_str() == binding_key,
        ExchangeKind::Topic => topic_matches(binding_key, k),
        _ => true,
    });
    let verb = match kind {
        ExchangeKind::Direct => ("equals", "does not equal"),
        _ => ("matches", "does not match"),
    };
    match hit {
        Some(k) => (
            true,
            format!("binding key {binding_key:?} {} routing key {k:?}", verb.0),
        ),
        None => {
            let shown: Vec<String> = keys.iter().map(|k| format!("{k:?}")).collect();
            (
                false,
                format!(
                    "binding key {binding_key:?} {} routing key {}",
                    verb.1,
                    shown.join(" or ")
                ),
            )
        }
    }
}

impl Broker {
    /// Explains where a message published to `exchange` with `routing_key`
    /// and `headers` would go, without publishing it: every exchange the
    /// walk visits, every binding's verdict, alternate exchanges, and the
    /// resulting queues. Agrees with what `basic.publish` does.
    ///
    /// # Example
    /// ```
    /// use warren_core::{Broker, FieldTable, methods::*};
    /// let mut b = Broker::new();
    /// let ch = b.connect();
    /// b.exchange_declare(ch, &ExchangeDeclare { exchange: "logs".into(), exchange_type: Some("topic".into()), ..Default::default() })?;
    /// b.queue_declare(ch, &QueueDeclare { queue: "errors".into(), ..Default::default() })?;
    /// b.queue_bind(ch, &QueueBind { queue: "errors".into(), exchange: "logs".into(), routing_key: "*.error".into(), ..Default::default() })?;
    /// let why = b.explain_route("logs", "app.error", &FieldTable::new());
    /// assert_eq!(why.queues, vec!["errors".to_string()]);
    /// assert!(why.hops[0].bindings[0].matched);
    /// # Ok::<(), warren_core::Error>(())
    /// ```
    pub fn explain_route(
        &self,
        exchange: &str,
        routing_key: &str,
        headers: &FieldTable,
    ) -> RouteExplanation {
        let mut keys = vec![routing_key.to_owned()];
        keys.extend(string_array(headers.get("CC")));
        keys.extend(string_array(headers.get("BCC")));
        // The broker strips the first BCC header before routing: headers
        // bindings never see it.
        let mut stripped = headers.clone();
        stripped.remove_first("BCC");
        let headers = &stripped;
        let mut out = RouteExplanation {
            exchange: exchange.to_owned(),
            routing_keys: keys.clone(),
            hops: Vec::new(),
            queues: Vec::new(),
            error: None,
        };
        let Some(start) = self.exchange_named(exchange) else {
            out.error = Some(format!("NOT_FOUND - no {}", self.rs("exchange", exchange)));
            return out;
        };
        if start.internal {
            out.error = Some(format!(
                "ACCESS_REFUSED - cannot publish to internal {}",
                self.rs("exchange", exchange)
            ));
            return out;
        }
        let (hops, queues) = self.explain_walk(start.id, &keys, headers);
        out.hops = hops;
        out.queues = queues;
        out
    }

    /// The hops from `start` and the queues reached.
    fn explain_walk(
        &self,
        start: ExchangeId,
        keys: &[String],
        headers: &FieldTable,
    ) -> (Vec<Hop>, Vec<String>) {
        // Same walk as `route`, breadth-first for readability; the set of
        // visited exchanges and queues is the same.
        let mut hops = Vec::new();
        let mut work = VecDeque::from([(start, HopVia::Published)]);
        let mut seen = vec![start];
        let mut queues = BTreeSet::new();
        while let Some((xid, via)) = work.pop_front() {
            let Some(x) = self.exchanges.get(&xid) else {
                continue;
            };
            let mut hop = Hop {
                exchange: x.name.clone(),
                exchange_type: x.kind.as_str().into(),
                via,
                bindings: Vec::new(),
                alternate: None,
            };
            let mut matched_any = false;
            if x.is_default() {
                for k in keys {
                    let v = self.default_verdict(k);
                    if v.matched {
                        matched_any = true;
                        queues.insert(k.clone());
                    }
                    hop.bindings.push(v);
                }
            }
            for bid in &x.bindings {
                let Some(b) = self.binding(*bid) else {
                    continue;
                };
                let v = self.binding_verdict(x.kind, b, keys, headers);
                if v.matched {
                    matched_any = true;
                    match b.dest {
                        Dest::Queue(_) => {
                            queues.insert(v.destination.clone());
                        }
                        Dest::Exchange(e) if !seen.contains(&e) => {
                            seen.push(e);
                            let from = x.name.clone();
                            work.push_back((e, HopVia::Binding { from }));
                        }
                        Dest::Exchange(_) => {}
                    }
                }
                hop.bindings.push(v);
            }
            if let Some(ae) = &x.alternate {
                hop.alternate = Some(match self.exchange_lookup.get(ae) {
                    _ if matched_any => {
                        format!("alternate exchange {ae:?} not used: a binding matched")
                    }
                    None => format!("alternate exchange {ae:?} does not exist: ignored"),
                    Some(id) if seen.contains(id) => {
                        format!("alternate exchange {ae:?} already visited: not visited again")
                    }
                    Some(id) => {
                        seen.push(*id);
                        let from = x.name.clone();
                        work.push_back((*id, HopVia::Alternate { from }));
                        format!("nothing matched: routed on to alternate exchange {ae:?}")
                    }
                });
            }
            hops.push(hop);
        }
        (hops, queues.into_iter().collect())
    }

    /// The default exchange's implicit binding to the queue named `key`.
    fn default_verdict(&self, key: &str) -> BindingVerdict {
        let exists = self.queue_ids.contains_key(key);
        BindingVerdict {
            destination: key.to_owned(),
            to_exchange: false,
            routing_key: key.to_owned(),
            arguments: FieldTable::new(),
            matched: exists,
            reason: if exists {
                format!("the default exchange routes to the queue named {key:?}")
            } else {
                format!("no queue is named {key:?}")
            },
        }
    }

    /// Whether a binding of an exchange of type `kind` matches, and why.
    fn binding_verdict(
        &self,
        kind: ExchangeKind,
        b: &Binding,
        keys: &[String],
        headers: &FieldTable,
    ) -> BindingVerdict {
        let (matched, reason) = match kind {
            ExchangeKind::Fanout => (true, "fanout exchanges ignore the routing key".to_owned()),
            ExchangeKind::Headers => {
                let e = explain_headers(&b.arguments, headers);
                (e.matched, e.to_string())
            }
            kind => key_verdict(kind, &b.routing_key, keys),
        };
        let (destination, to_exchange) = match b.dest {
            Dest::Queue(q) => (self.queue_name(q).to_owned(), false),
            Dest::Exchange(e) => (self.exchange_name(e).to_owned(), true),
        };
        BindingVerdict {
            destination,
            to_exchange,
            routing_key: b.routing_key.clone(),
            arguments: b.arguments.clone(),
            matched,
            reason,
        }
    }
}
