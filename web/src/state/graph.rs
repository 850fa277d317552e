//! The canvas model: nodes (producers, exchanges, queues, consumers) and
//! edges (publishes, bindings, dead-letter and alternate-exchange links,
//! consumption) read from the broker's lists and the actors ([`Sources`],
//! the parts of a `WorldView`), and where each node sits.
//!
//! Drawing is geometry only; which binding routes where is the core's
//! business.

use std::collections::VecDeque;

use warren_core::{
    ActorView, BindingInfo, ConsumerInfo, ConsumerPolicy, ConsumerState, ExchangeInfo, QueueInfo,
};

use super::fields::{human_ms, inline_table};
use super::spec::{node_key, parse_node_key, ActorSpec, BindingSpec, Layout, NodeKind};

/// Node width on the canvas.
pub const NODE_W: f64 = 176.0;
/// Horizontal distance between layout columns.
pub const COLUMN_W: f64 = 272.0;
/// Vertical gap between stacked nodes.
const GAP_Y: f64 = 26.0;
/// Top-left corner of the first column.
const ORIGIN: (f64, f64) = (40.0, 40.0);

// The canvas's geometry of a kind, next to the rest of the geometry.
impl NodeKind {
    /// Height on the canvas.
    pub fn height(self) -> f64 {
        match self {
            Self::Producer => 92.0,
            Self::Exchange => 70.0,
            Self::Queue => 96.0,
            Self::Consumer => 112.0,
        }
    }
}

/// A short badge on a node (`TTL 5 s`), with its longer meaning.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Badge {
    /// The text shown.
    pub text: String,
    /// What it means (tooltip and accessible name).
    pub title: String,
    /// A CSS class for its colour.
    pub class: &'static str,
}

fn badge(text: impl Into<String>, title: impl Into<String>, class: &'static str) -> Badge {
    Badge {
        text: text.into(),
        title: title.into(),
        class,
    }
}

/// What a node shows, by kind.
#[derive(Clone, Debug, PartialEq)]
pub enum NodeDetail {
    /// A producer.
    Producer {
        /// The label of its publish-once button (empty: "Publish").
        button: String,
        /// Exchange it publishes to.
        exchange: String,
        /// Routing keys, one message each per publish.
        keys: Vec<String>,
        /// Messages per second; `None` = one-off.
        rate: Option<f64>,
        /// Publishes so far.
        sent: u64,
        /// Messages refused or returned.
        trouble: u64,
        /// The last error, if any.
        error: Option<String>,
    },
    /// An exchange.
    Exchange {
        /// `direct`, `fanout`, `topic`, `headers`.
        kind: String,
        /// Badges (internal, auto-delete, AE).
        badges: Vec<Badge>,
    },
    /// A queue.
    Queue {
        /// Ready messages.
        ready: u64,
        /// Unacknowledged deliveries.
        unacked: u64,
        /// Consumers registered.
        consumers: usize,
        /// Fill level for the depth bar, 0..=1.
        fill: f64,
        /// Badges (TTL, DLX, max-length, priority, ...).
        badges: Vec<Badge>,
        /// A stream: its log and where each consumer reads.
        log: Option<StreamLog>,
    },
    /// A consumer.
    Consumer {
        /// Queue it reads.
        queue: String,
        /// State, as a word (`running`, `stopped`, ...).
        state: &'static str,
        /// Prefetch count (0 = unlimited).
        prefetch: u16,
        /// Deliveries in hand.
        in_flight: usize,
        /// Acks sent.
        acked: u64,
        /// Nacks and rejects sent.
        nacked: u64,
        /// What it does with a message, in words.
        policy: String,
        /// The last error, if any.
        error: Option<String>,
    },
}

/// A stream's log as its node draws it: how long it is, and the offset
/// each consumer reads next (consuming does not shorten a log, so the
/// readers' positions are the story).
#[derive(Clone, Debug, PartialEq)]
pub struct StreamLog {
    /// Messages in the log (offsets `0..length`).
    pub length: u64,
    /// (consumer tag, next offset), in registration order.
    pub readers: Vec<(String, u64)>,
}

impl StreamLog {
    /// A stream's log and its readers; `None` for other queues.
    fn of(q: &QueueInfo, consumers: &[ConsumerInfo]) -> Option<Self> {
        (q.config.queue_type == warren_core::QueueType::Stream).then(|| Self {
            length: q.log_length,
            readers: consumers
                .iter()
                .filter(|c| c.queue == q.name)
                .filter_map(|c| Some((c.tag.clone(), c.offset?)))
                .collect(),
        })
    }

    /// The offsets the node draws as cells: the log's last `cells`.
    /// A reader behind them is drawn at the left edge, one that has read
    /// everything (it waits for the next offset) just after the last.
    pub fn window(&self, cells: u64) -> std::ops::Range<u64> {
        self.length.saturating_sub(cells)..self.length
    }
}

/// One node.
#[derive(Clone, Debug, PartialEq)]
pub struct Node {
    /// Layout key (`queue:orders`).
    pub key: String,
    /// Kind.
    pub kind: NodeKind,
    /// Name (`""` is the default exchange).
    pub name: String,
    /// What it shows.
    pub detail: NodeDetail,
}

impl Node {
    /// The name as shown (the default exchange has none).
    pub fn label(&self) -> String {
        if self.kind == NodeKind::Exchange && self.name.is_empty() {
            "(AMQP default)".to_owned()
        } else {
            self.name.clone()
        }
    }
}

/// What an edge stands for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EdgeKind {
    /// A producer publishes to an exchange.
    Publish,
    /// A binding (exchange to queue, or exchange to exchange).
    Binding,
    /// The default exchange's implicit binding to a queue a producer names.
    Implicit,
    /// A queue dead-letters to an exchange.
    DeadLetter,
    /// An exchange's alternate exchange.
    Alternate,
    /// A consumer reads a queue.
    Consume,
}

impl EdgeKind {
    /// CSS class.
    pub fn class(self) -> &'static str {
        match self {
            Self::Publish => "edge-publish",
            Self::Binding => "edge-binding",
            Self::Implicit => "edge-implicit",
            Self::DeadLetter => "edge-dlx",
            Self::Alternate => "edge-ae",
            Self::Consume => "edge-consume",
        }
    }
}

/// One edge.
#[derive(Clone, Debug, PartialEq)]
pub struct Edge {
    /// Unique key.
    pub key: String,
    /// Source node key.
    pub from: String,
    /// Destination node key.
    pub to: String,
    /// What it stands for.
    pub kind: EdgeKind,
    /// Label (binding key, header arguments, ...).
    pub label: String,
    /// The binding, for binding edges (selection, routing highlight).
    pub binding: Option<BindingSpec>,
    /// Index among edges joining the same two nodes, and their number.
    pub lane: (usize, usize),
}

/// Nodes and edges.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Topology {
    /// Every node, producers first, then exchanges, queues, consumers.
    pub nodes: Vec<Node>,
    /// Every edge.
    pub edges: Vec<Edge>,
}

fn policy_words(c: &warren_core::ConsumerSpec) -> String {
    let what = match c.policy {
        ConsumerPolicy::Ack => "ack",
        ConsumerPolicy::NackRequeue => "nack, requeue",
        ConsumerPolicy::NackDrop => "nack, no requeue",
        ConsumerPolicy::RejectRequeue => "reject, requeue",
        ConsumerPolicy::RejectDrop => "reject, no requeue",
        ConsumerPolicy::Crash => "crash on receipt",
    };
    if c.auto_ack {
        format!("auto-ack · {}", human_ms(c.processing_ms))
    } else {
        format!("{what} · {}", human_ms(c.processing_ms))
    }
}

/// A consumer state as a word.
pub fn state_word(s: ConsumerState) -> &'static str {
    match s {
        ConsumerState::Running => "running",
        ConsumerState::Stopped => "stopped",
        ConsumerState::Cancelled => "cancelled",
        ConsumerState::Crashed => "crashed",
        ConsumerState::Failed => "failed",
    }
}

/// Badges for a queue's effective configuration and flags.
pub fn queue_badges(q: &QueueInfo, dlx_exists: bool) -> Vec<Badge> {
    let c = &q.config;
    let mut out = Vec::new();
    if let Some(ttl) = c.message_ttl {
        out.push(badge(
            format!("TTL {}", human_ms(ttl)),
            format!("message TTL: messages expire after {}", human_ms(ttl)),
            "b-ttl",
        ));
    }
    if let Some(x) = &c.dead_letter_exchange {
        let shown = if x.is_empty() { "default" } else { x };
        let rk = c
            .dead_letter_routing_key
            .as_ref()
            .map(|k| format!(" with key {k:?}"))
            .unwrap_or_default();
        out.push(badge(
            format!("DLX {shown}"),
            if dlx_exists {
                format!("dead letters go to exchange {shown:?}{rk}")
            } else {
                format!("dead letters would go to exchange {shown:?}{rk}, which does not exist: they are dropped")
            },
            if dlx_exists { "b-dlx" } else { "b-warn" },
        ));
    }
    if let Some(n) = c.max_length {
        let ov = c.overflow.name();
        out.push(badge(
            format!("max {n}"),
            format!("at most {n} ready messages ({ov})"),
            "b-max",
        ));
    }
    if let Some(n) = c.max_length_bytes {
        let title = if c.queue_type == warren_core::QueueType::Stream {
            format!("retention: RabbitMQ keeps about {n} bytes of log, dropping whole old segments (not simulated)")
        } else {
            format!("at most {n} bytes of ready bodies")
        };
        out.push(badge(format!("max {n} B"), title, "b-max"));
    }
    if c.queue_type == warren_core::QueueType::Quorum {
        let limit = c.delivery_limit.map_or(String::new(), |n| {
            format!("; after {n} returns a message is dead-lettered")
        });
        out.push(badge(
            c.delivery_limit
                .map_or_else(|| "quorum".to_owned(), |n| format!("quorum ≤{n}")),
            format!("quorum queue: counts returns (x-delivery-count), returns go first{limit}"),
            "b-flag",
        ));
    }
    if c.queue_type == warren_core::QueueType::Stream {
        out.push(badge(
            "stream".to_owned(),
            "stream: an append-only log; each consumer reads from its own offset, and reading removes nothing".to_owned(),
            "b-flag",
        ));
    }
    if let Some(p) = c.max_priority {
        out.push(badge(
            format!("prio ≤{p}"),
            format!("priority queue, priorities 0 to {p}"),
            "b-prio",
        ));
    }
    if let Some(ms) = c.expires {
        out.push(badge(
            format!("expires {}", human_ms(ms)),
            format!("the queue is deleted after {} unused", human_ms(ms)),
            "b-ttl",
        ));
    }
    flag_badges(q, &mut out);
    out
}

/// The queue's flags and policy, after its limits in `queue_badges`.
fn flag_badges(q: &QueueInfo, out: &mut Vec<Badge>) {
    let c = &q.config;
    if c.single_active_consumer {
        out.push(badge(
            "SAC",
            "single active consumer: one consumer at a time",
            "b-flag",
        ));
    }
    if q.exclusive {
        out.push(badge(
            "excl",
            "exclusive to the connection that declared it",
            "b-flag",
        ));
    }
    if q.auto_delete {
        out.push(badge(
            "auto-del",
            "deleted when its last consumer goes",
            "b-flag",
        ));
    }
    if let Some(p) = &c.policy {
        out.push(badge(
            format!("policy {p}"),
            format!("policy {p:?} applies"),
            "b-flag",
        ));
    }
}

/// What the canvas is drawn from: the parts of a `WorldView`. The view
/// holds the topology built from them, so the canvas model reads the
/// parts, not the view (the view sits above it in the module chain).
#[derive(Clone, Copy, Debug)]
pub struct Sources<'a> {
    /// Every exchange.
    pub exchanges: &'a [ExchangeInfo],
    /// Every queue.
    pub queues: &'a [QueueInfo],
    /// Every consumer registered at the broker (a stream's readers).
    pub consumers: &'a [ConsumerInfo],
    /// Every binding.
    pub bindings: &'a [BindingInfo],
    /// The actors' live state, in display order.
    pub actors: &'a [ActorView],
    /// The actors' settings, in the same order.
    pub specs: &'a [ActorSpec],
}

impl Sources<'_> {
    fn exchange(&self, name: &str) -> Option<&ExchangeInfo> {
        self.exchanges.iter().find(|x| x.name == name)
    }
}

impl Topology {
    // Kept whole: moving only its first section (which exchanges to draw) into a
    // function cost 93 bytes of gzipped wasm, 94 with #[inline(always)], and an
    // earlier split of it with log.rs's describe cost 507 (measured 2026-12-06).
    // The sections run in drawing order, each under a comment naming its kind.
    /// Reads the nodes and edges off the broker's lists and the actors.
    pub fn build(v: &Sources) -> Self {
        let mut nodes = Vec::new();
        let mut edges = Vec::new();
        let queue_names: Vec<&str> = v.queues.iter().map(|q| q.name.as_str()).collect();
        let exchange_names: Vec<&str> = v.exchanges.iter().map(|x| x.name.as_str()).collect();

        // Which exchanges to draw: the person's, and the predeclared ones
        // something refers to.
        let mut shown: Vec<String> = v
            .exchanges
            .iter()
            .filter(|x| !x.predeclared)
            .map(|x| x.name.clone())
            .collect();
        {
            let mut refer = |name: &str| {
                if exchange_names.contains(&name) && !shown.iter().any(|s| s == name) {
                    shown.push(name.to_owned());
                }
            };
            for b in v.bindings {
                refer(&b.source);
                if b.to_exchange {
                    refer(&b.destination);
                }
            }
            for s in v.specs {
                if let ActorSpec::Producer(p) = s {
                    refer(&p.exchange);
                }
            }
            for q in v.queues {
                if let Some(x) = &q.config.dead_letter_exchange {
                    refer(x);
                }
            }
        }
        // Alternate exchanges of what is shown, transitively.
        loop {
            let more: Vec<String> = v
                .exchanges
                .iter()
                .filter(|x| shown.contains(&x.name))
                .filter_map(|x| x.alternate_exchange.clone())
                .filter(|ae| exchange_names.contains(&ae.as_str()) && !shown.contains(ae))
                .collect();
            if more.is_empty() {
                break;
            }
            for m in more {
                if !shown.contains(&m) {
                    shown.push(m);
                }
            }
        }

        // Producers.
        for (view, spec) in v.actors.iter().zip(v.specs) {
            let (ActorView::Producer(p), ActorSpec::Producer(s)) = (view, spec) else {
                continue;
            };
            let key = node_key(NodeKind::Producer, &p.name);
            nodes.push(Node {
                key: key.clone(),
                kind: NodeKind::Producer,
                name: p.name.clone(),
                detail: NodeDetail::Producer {
                    button: s.button.clone(),
                    exchange: s.exchange.clone(),
                    keys: p.routing_keys.clone(),
                    rate: p.rate_per_sec,
                    sent: p.sent,
                    trouble: p.failed + p.returned,
                    error: p.last_error.as_ref().map(|e| e.reply_text.clone()),
                },
            });
            if shown.contains(&s.exchange) {
                edges.push(Edge {
                    key: format!("pub:{}", p.name),
                    from: key.clone(),
                    to: node_key(NodeKind::Exchange, &s.exchange),
                    kind: EdgeKind::Publish,
                    // The producer node shows its keys; a label here
                    // would sit on top of the nodes.
                    label: String::new(),
                    binding: None,
                    lane: (0, 1),
                });
                if s.exchange.is_empty() {
                    for k in &p.routing_keys {
                        if queue_names.contains(&k.as_str()) {
                            edges.push(Edge {
                                key: format!("implicit:{}:{k}", p.name),
                                from: node_key(NodeKind::Exchange, ""),
                                to: node_key(NodeKind::Queue, k),
                                kind: EdgeKind::Implicit,
                                label: format!("= {k}"),
                                binding: None,
                                lane: (0, 1),
                            });
                        }
                    }
                }
            }
        }

        // Exchanges.
        for x in v.exchanges.iter().filter(|x| shown.contains(&x.name)) {
            let mut badges = Vec::new();
            if x.internal {
                badges.push(badge("internal", "clients cannot publish to it", "b-flag"));
            }
            if x.auto_delete {
                badges.push(badge(
                    "auto-del",
                    "deleted when its last binding goes",
                    "b-flag",
                ));
            }
            if let Some(ae) = &x.alternate_exchange {
                let exists = exchange_names.contains(&ae.as_str());
                badges.push(badge(
                    format!("AE {ae}"),
                    if exists {
                        format!("messages no binding matches go to {ae:?}")
                    } else {
                        format!("alternate exchange {ae:?} does not exist: ignored")
                    },
                    if exists { "b-ae" } else { "b-warn" },
                ));
                if exists && shown.contains(ae) {
                    edges.push(Edge {
                        key: format!("ae:{}", x.name),
                        from: node_key(NodeKind::Exchange, &x.name),
                        to: node_key(NodeKind::Exchange, ae),
                        kind: EdgeKind::Alternate,
                        label: "unroutable".to_owned(),
                        binding: None,
                        lane: (0, 1),
                    });
                }
            }
            nodes.push(Node {
                key: node_key(NodeKind::Exchange, &x.name),
                kind: NodeKind::Exchange,
                name: x.name.clone(),
                detail: NodeDetail::Exchange {
                    kind: x.exchange_type.clone(),
                    badges,
                },
            });
        }

        // Bindings.
        for (i, b) in v.bindings.iter().enumerate() {
            if !shown.contains(&b.source) {
                continue;
            }
            let source_kind = v
                .exchange(&b.source)
                .map(|x| x.exchange_type.as_str())
                .unwrap_or("direct");
            let label = match source_kind {
                "headers" => {
                    let args = inline_table(&b.arguments);
                    if args.is_empty() {
                        "(no arguments: matches all)".to_owned()
                    } else {
                        args
                    }
                }
                "fanout" => "(fanout)".to_owned(),
                _ => {
                    if b.routing_key.is_empty() {
                        "\"\"".to_owned()
                    } else {
                        b.routing_key.clone()
                    }
                }
            };
            let to = node_key(NodeKind::destination(b.to_exchange), &b.destination);
            edges.push(Edge {
                key: format!("bind:{i}:{}:{}:{}", b.source, b.destination, b.routing_key),
                from: node_key(NodeKind::Exchange, &b.source),
                to,
                kind: EdgeKind::Binding,
                label,
                binding: Some(BindingSpec {
                    source: b.source.clone(),
                    destination: b.destination.clone(),
                    to_exchange: b.to_exchange,
                    routing_key: b.routing_key.clone(),
                    arguments: b.arguments.clone(),
                }),
                lane: (0, 1),
            });
        }

        // Queues.
        for q in v.queues {
            let dlx_exists = q
                .config
                .dead_letter_exchange
                .as_deref()
                .is_some_and(|x| exchange_names.contains(&x));
            let fill = match q.config.max_length {
                Some(0) => 1.0,
                Some(max) => (q.ready as f64 / max as f64).min(1.0),
                // Without a limit, a gentle log scale: 10 messages fill a
                // quarter, 1000 three quarters.
                None if q.ready == 0 => 0.0,
                None => ((q.ready as f64 + 1.0).log10() / 4.0).min(1.0),
            };
            nodes.push(Node {
                key: node_key(NodeKind::Queue, &q.name),
                kind: NodeKind::Queue,
                name: q.name.clone(),
                detail: NodeDetail::Queue {
                    ready: q.ready,
                    unacked: q.unacked,
                    consumers: q.consumers.len(),
                    fill,
                    badges: queue_badges(q, dlx_exists),
                    log: StreamLog::of(q, v.consumers),
                },
            });
            if let Some(x) = &q.config.dead_letter_exchange {
                if dlx_exists {
                    let label = match &q.config.dead_letter_routing_key {
                        Some(k) => format!("dead letters, key {k}"),
                        None => "dead letters".to_owned(),
                    };
                    edges.push(Edge {
                        key: format!("dlx:{}", q.name),
                        from: node_key(NodeKind::Queue, &q.name),
                        to: node_key(NodeKind::Exchange, x),
                        kind: EdgeKind::DeadLetter,
                        label,
                        binding: None,
                        lane: (0, 1),
                    });
                }
            }
        }

        // Consumers.
        for (view, spec) in v.actors.iter().zip(v.specs) {
            let (ActorView::Consumer(c), ActorSpec::Consumer(s)) = (view, spec) else {
                continue;
            };
            let key = node_key(NodeKind::Consumer, &c.name);
            nodes.push(Node {
                key: key.clone(),
                kind: NodeKind::Consumer,
                name: c.name.clone(),
                detail: NodeDetail::Consumer {
                    queue: c.queue.clone(),
                    state: state_word(c.state),
                    prefetch: c.prefetch,
                    in_flight: c.in_flight.len(),
                    acked: c.acked,
                    nacked: c.nacked,
                    policy: policy_words(s),
                    error: c.last_error.as_ref().map(|e| e.reply_text.clone()),
                },
            });
            if queue_names.contains(&c.queue.as_str()) {
                edges.push(Edge {
                    key: format!("consume:{}", c.name),
                    from: node_key(NodeKind::Queue, &c.queue),
                    to: key,
                    kind: EdgeKind::Consume,
                    label: String::new(),
                    binding: None,
                    lane: (0, 1),
                });
            }
        }

        // Lanes: parallel edges between the same two nodes fan out.
        let mut groups: Vec<((&str, &str), Vec<usize>)> = Vec::new();
        for (i, e) in edges.iter().enumerate() {
            let pair = if e.from <= e.to {
                (e.from.as_str(), e.to.as_str())
            } else {
                (e.to.as_str(), e.from.as_str())
            };
            match groups.iter_mut().find(|(p, _)| *p == pair) {
                Some((_, members)) => members.push(i),
                None => groups.push((pair, vec![i])),
            }
        }
        let groups: Vec<Vec<usize>> = groups.into_iter().map(|(_, m)| m).collect();
        for members in &groups {
            for (lane, &i) in members.iter().enumerate() {
                edges[i].lane = (lane, members.len());
            }
        }
        Self { nodes, edges }
    }

    /// A node by key.
    pub fn node(&self, key: &str) -> Option<&Node> {
        self.nodes.iter().find(|n| n.key == key)
    }

    /// The shortest path of edges from one node to another, following
    /// bindings and alternate-exchange links (for animating a message the
    /// core routed from an exchange to a queue). Cosmetic: the core has
    /// already decided that the message got there.
    pub fn path(&self, from: &str, to: &str) -> Option<Vec<(String, String)>> {
        let mut prev: Vec<(&str, &str)> = Vec::new();
        let mut work = VecDeque::from([from]);
        let mut seen = vec![from];
        while let Some(at) = work.pop_front() {
            if at == to {
                let mut hops = Vec::new();
                let mut cur = to;
                while cur != from {
                    let p = prev.iter().find(|(n, _)| *n == cur)?.1;
                    hops.push((p.to_owned(), cur.to_owned()));
                    cur = p;
                }
                hops.reverse();
                return Some(hops);
            }
            for e in self.edges.iter().filter(|e| {
                e.from == at
                    && matches!(
                        e.kind,
                        EdgeKind::Binding | EdgeKind::Alternate | EdgeKind::Implicit
                    )
            }) {
                if !seen.contains(&e.to.as_str()) {
                    seen.push(e.to.as_str());
                    prev.push((e.to.as_str(), at));
                    work.push_back(e.to.as_str());
                }
            }
        }
        None
    }

    /// How deep each exchange sits behind exchange-to-exchange links (0 for
    /// exchanges nothing routes into), for layout columns.
    fn exchange_depths(&self) -> Vec<(&str, usize)> {
        let mut depth: Vec<(&str, usize)> = self
            .nodes
            .iter()
            .filter(|n| n.kind == NodeKind::Exchange)
            .map(|n| (n.key.as_str(), 0))
            .collect();
        let of =
            |depth: &[(&str, usize)], k: &str| depth.iter().find(|(n, _)| *n == k).map(|(_, d)| *d);
        // Longest path by relaxation, bounded so that cycles terminate.
        for _ in 0..depth.len() {
            let mut changed = false;
            for e in &self.edges {
                let into_exchange = matches!(e.kind, EdgeKind::Binding | EdgeKind::Alternate)
                    && parse_node_key(&e.to).is_some_and(|(k, _)| k == NodeKind::Exchange);
                if !into_exchange || e.from == e.to {
                    continue;
                }
                let d = of(&depth, &e.from).unwrap_or(0) + 1;
                if let Some(slot) = depth.iter_mut().find(|(n, _)| *n == e.to) {
                    if d > slot.1 && d < 4 {
                        slot.1 = d;
                        changed = true;
                    }
                }
            }
            if !changed {
                break;
            }
        }
        depth
    }

    /// The layout column of every node, in node order: producers,
    /// exchanges (deeper ones further right), queues, consumers.
    pub fn columns(&self) -> Vec<usize> {
        let depth = self.exchange_depths();
        let max_depth = depth.iter().map(|(_, d)| *d).max().unwrap_or(0);
        self.nodes
            .iter()
            .map(|n| match n.kind {
                NodeKind::Producer => 0,
                NodeKind::Exchange => {
                    1 + depth
                        .iter()
                        .find(|(k, _)| *k == n.key)
                        .map_or(0, |(_, d)| *d)
                }
                NodeKind::Queue => 2 + max_depth,
                NodeKind::Consumer => 3 + max_depth,
            })
            .collect()
    }
}

fn column_x(col: usize) -> f64 {
    ORIGIN.0 + col as f64 * COLUMN_W
}

/// Gives every node without a position one: the next free slot at the
/// bottom of its column. Returns whether anything was placed.
pub fn place_new(topology: &Topology, layout: &mut Layout) -> bool {
    let columns = topology.columns();
    let mut placed = false;
    for (n, col) in topology.nodes.iter().zip(columns) {
        if layout.contains_key(&n.key) {
            continue;
        }
        let x = column_x(col);
        let bottom = topology
            .nodes
            .iter()
            .filter_map(|m| {
                let (mx, my) = layout.get(&m.key)?;
                ((mx - x).abs() < NODE_W).then_some(my + m.kind.height())
            })
            .fold(None, |acc: Option<f64>, b| {
                Some(acc.map_or(b, |a| a.max(b)))
            });
        let y = bottom.map_or(ORIGIN.1, |b| b + GAP_Y);
        layout.insert(n.key.clone(), (x, y));
        placed = true;
    }
    placed
}

/// Lays every node out afresh in columns, each column ordered so that
/// edges cross little: producers as added, exchanges by their producers,
/// queues by their source exchanges, consumers by their queues.
pub fn auto_layout(topology: &Topology) -> Layout {
    let columns = topology.columns();
    let mut rank: Vec<(&str, f64)> = Vec::new();
    let last = columns.iter().copied().max().unwrap_or(0);
    let mut layout = Layout::new();
    for col in 0..=last {
        // Order by the mean rank of the nodes feeding each one (barycentre).
        let mut keyed: Vec<(f64, &Node)> = Vec::new();
        for (n, _) in topology
            .nodes
            .iter()
            .zip(&columns)
            .filter(|(_, c)| **c == col)
        {
            let feeders: Vec<f64> = topology
                .edges
                .iter()
                .filter(|e| e.to == n.key)
                .filter_map(|e| rank.iter().find(|(k, _)| *k == e.from).map(|(_, r)| *r))
                .collect();
            let key = if feeders.is_empty() {
                f64::MAX
            } else {
                feeders.iter().sum::<f64>() / feeders.len() as f64
            };
            // Insertion keeps ties in node order (a stable sort without
            // the sort's code).
            let at = keyed
                .iter()
                .position(|(k, _)| *k > key)
                .unwrap_or(keyed.len());
            keyed.insert(at, (key, n));
        }
        let mut y = ORIGIN.1;
        for (i, (_, n)) in keyed.into_iter().enumerate() {
            layout.insert(n.key.clone(), (column_x(col), y));
            rank.push((n.key.as_str(), i as f64));
            y += n.kind.height() + GAP_Y + 8.0;
        }
    }
    layout
}

/// The bounding box of the laid-out nodes: (min x, min y, max x, max y).
pub fn bounds(topology: &Topology, layout: &Layout) -> Option<(f64, f64, f64, f64)> {
    topology
        .nodes
        .iter()
        .filter_map(|n| {
            let (x, y) = layout.get(&n.key)?;
            Some((*x, *y, x + NODE_W, y + n.kind.height()))
        })
        .reduce(|a, b| (a.0.min(b.0), a.1.min(b.1), a.2.max(b.2), a.3.max(b.3)))
}

/// Margin around the nodes in a fitted view, scene units.
pub const FIT_PAD: f64 = 30.0;

/// Extra room above the nodes in a fitted view, scene units: the canvas's
/// toolbar and legend float over its top edge, and a scene fitted by its
/// height (a short canvas under a lesson bar) would put its top row under
/// them.
pub const FIT_TOP: f64 = 36.0;

/// A fitted view zooms in no further than this (a small scene on a big
/// screen stays at a readable size).
pub const FIT_MAX_ZOOM: f64 = 1.25;

/// The part of the scene a fitted view frames: the nodes' bounds with a
/// margin, and room below them for dead-letter curves and edge labels
/// (x, y, width, height in scene units). `AppState`'s fit scales it into
/// the canvas; the build-time snapshot, which cannot measure the canvas,
/// hands it to CSS (`.fitted` in style.css), which does the same.
pub fn fit_box(topology: &Topology, layout: &Layout) -> Option<(f64, f64, f64, f64)> {
    let (x0, y0, x1, y1) = bounds(topology, layout)?;
    Some((
        x0 - FIT_PAD,
        y0 - FIT_PAD - FIT_TOP,
        x1 - x0 + 2.0 * FIT_PAD,
        y1 - y0 + 2.0 * FIT_PAD + FIT_TOP + 40.0,
    ))
}

/// An edge's curve: SVG path data and the point where its label goes.
pub fn edge_path(
    kind: EdgeKind,
    from: (f64, f64, f64),
    to: (f64, f64, f64),
    lane: (usize, usize),
) -> (String, (f64, f64)) {
    // `from`/`to`: top-left x, y and height of each node.
    let (fx, fy, fh) = from;
    let (tx, ty, th) = to;
    let spread = (lane.0 as f64 - (lane.1 as f64 - 1.0) / 2.0) * 22.0;
    let (p0, p1, p2, p3) = match kind {
        EdgeKind::DeadLetter => {
            // Under both nodes: bottom to bottom, dipping below.
            let a = (fx + NODE_W / 2.0, fy + fh);
            let b = (tx + NODE_W / 2.0 + 20.0, ty + th);
            let low = a.1.max(b.1) + 60.0 + spread.abs();
            (a, (a.0, low), (b.0, low), b)
        }
        EdgeKind::Alternate if (tx - fx).abs() < NODE_W => {
            // Stacked exchanges: out of one's side, into the other's.
            let a = (fx + NODE_W, fy + fh / 2.0);
            let b = (tx + NODE_W, ty + th / 2.0);
            let out = fx.max(tx) + NODE_W + 60.0;
            (a, (out, a.1), (out, b.1), b)
        }
        _ => {
            let a = (fx + NODE_W, fy + fh / 2.0 + spread * 0.3);
            let b = (tx, ty + th / 2.0 + spread * 0.3);
            let dx = ((b.0 - a.0).abs() / 2.0).max(60.0);
            (a, (a.0 + dx, a.1 + spread), (b.0 - dx, b.1 + spread), b)
        }
    };
    let d = format!(
        "M{:.1},{:.1} C{:.1},{:.1} {:.1},{:.1} {:.1},{:.1}",
        p0.0, p0.1, p1.0, p1.1, p2.0, p2.1, p3.0, p3.1
    );
    // The curve's point at t = 1/2.
    let mid = (
        (p0.0 + 3.0 * p1.0 + 3.0 * p2.0 + p3.0) / 8.0,
        (p0.1 + 3.0 * p1.1 + 3.0 * p2.1 + p3.1) / 8.0,
    );
    (d, mid)
}
