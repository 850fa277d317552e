//! What each fuzz target checks, on plain inputs.
//!
//! This file is compiled twice: as `warren_fuzz::checks`, which the fuzz
//! targets in `fuzz/fuzz_targets/` call, and as a module of warren-core's
//! `tests/fuzz_regressions.rs`, which replays the crash inputs saved under
//! `tests/data/fuzz/` as plain tests (no fuzzer, stable Rust). So it uses
//! only what warren-core's tests have (warren-core, serde, serde_json), and
//! the structured inputs derive `arbitrary::Arbitrary` only in the fuzz
//! crate, where the `derive-arbitrary` feature is on.
//!
//! Every check panics on a violated property; a panic is what the fuzzer
//! reports as a crash. Inputs that would run for long (many seconds of
//! virtual time with busy actors) are skipped rather than run, so that one
//! input runs in milliseconds and a slow input means a slow broker, not a
//! long script.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use warren_core::methods::{
    BasicAck, BasicCancel, BasicConsume, BasicGet, BasicNack, BasicPublish, BasicQos, BasicRecover,
    BasicReject, ExchangeBind, ExchangeDeclare, ExchangeDelete, QueueBind, QueueDeclare,
    QueueDelete, QueuePurge,
};
use warren_core::{
    topic_matches, Broker, ChannelId, ConnectionId, ConsumerPolicy, EventKind, FieldTable,
    FieldValue, Properties, SimTime, TopicTrie,
};
use warren_scenario::scenario::Action;
use warren_scenario::{Definitions, Runner, Scenario, TraceEvent, TraceMessage};

/// Longest input the text targets read. libFuzzer's default `-max_len` is
/// 4096; seeds may be larger, and nothing larger is needed to reach any path.
pub const MAX_INPUT: usize = 64 * 1024;

/// Most virtual time (sum of `wait` steps) a scenario may span to be run.
pub const MAX_WAIT_MS: u64 = 60_000;

/// Most estimated actor wakeups (publishes, deliveries, requeue loops) a
/// scenario may cost to be run; a few hundred thousand take well under a
/// second.
pub const MAX_WORK: f64 = 200_000.0;

/// Most operations a structured input runs.
pub const MAX_OPS: usize = 256;

fn invariants(broker: &Broker, when: &str) {
    if let Err(e) = broker.check_invariants() {
        panic!("invariant violated {when}: {e}");
    }
}

// ---------------------------------------------------------------------------
// scenario_parse

/// `scenario_parse`: bytes → [`Scenario::from_json_str`]; a scenario that
/// parses writes back to itself ([`Scenario::to_value`]), and, if it fits
/// the budget, runs twice (definitions loaded, actors added, every step,
/// queues drained) with `check_invariants` after every step, both runs
/// giving the same trace.
pub fn scenario(data: &[u8]) {
    if data.len() > MAX_INPUT {
        return;
    }
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(scenario) = Scenario::from_json_str(text) else {
        return;
    };
    let again = Scenario::from_value(&scenario.to_value())
        .unwrap_or_else(|e| panic!("Scenario::to_value does not parse back: {e}"));
    assert_eq!(again, scenario, "Scenario::to_value does not round-trip");
    if !within_budget(&scenario) {
        return;
    }
    let first = run_scenario(&scenario);
    let second = run_scenario(&scenario);
    assert_eq!(first, second, "two runs of the same scenario differ");
}

type Outcome = (Vec<TraceEvent>, BTreeMap<String, Vec<TraceMessage>>);

/// What `Runner::run` does, with the invariants checked after every step.
fn run_scenario(scenario: &Scenario) -> Option<Outcome> {
    let (broker, _) = scenario.broker().ok()?;
    invariants(&broker, "after loading the definitions");
    let mut runner = Runner::new(broker);
    runner.add_actors(scenario).ok()?;
    invariants(runner.broker(), "after adding the actors");
    for (i, step) in scenario.steps.iter().enumerate() {
        runner.step(i, step);
        invariants(
            runner.broker(),
            &format!("after step {i} ({})", step.action.name()),
        );
    }
    let queues = runner.drain_queues();
    invariants(runner.broker(), "after draining the queues");
    Some((runner.events().to_vec(), queues))
}

/// Whether the scenario is cheap enough to run: at most [`MAX_WAIT_MS`] of
/// waits and [`MAX_WORK`] estimated actor wakeups. The simulation caps
/// work per virtual millisecond (100 publishes per producer, 1000 wakeups
/// in all), so a consumer that requeues at once can spin 1000 times a
/// millisecond: legitimate, but a minute of it is a minute of CPU.
pub fn within_budget(scenario: &Scenario) -> bool {
    let wait = scenario
        .steps
        .iter()
        .map(|s| match s.action {
            Action::Wait { ms } => ms,
            _ => 0,
        })
        .fold(0_u64, u64::saturating_add);
    if wait > MAX_WAIT_MS {
        return false;
    }
    let Ok((producers, consumers)) = scenario.actor_specs() else {
        return false;
    };
    let wait = wait as f64;
    let mut messages = 1.0 + scenario.steps.len() as f64;
    for p in &producers {
        let per_ms = p.rate_per_sec.unwrap_or(0.0).clamp(0.0, 100_000.0) / 1000.0;
        let mut publishes = per_ms * (wait + 1.0) + 1.0;
        if let Some(count) = p.count {
            publishes = publishes.min(count as f64);
        }
        messages += publishes * (1 + p.more_routing_keys.len()) as f64;
    }
    let mut work = messages;
    for c in &consumers {
        let settles_for_good = matches!(c.policy, ConsumerPolicy::Ack | ConsumerPolicy::Crash);
        work += messages;
        if !c.auto_ack && (!settles_for_good || c.fail_every.is_some()) {
            // A requeued (or dead-lettered back) message comes round again.
            let per_ms = if c.processing_ms == 0 {
                1000.0
            } else {
                (messages / c.processing_ms as f64).min(1000.0)
            };
            work += per_ms * (wait + 1.0);
        }
    }
    work <= MAX_WORK
}

// ---------------------------------------------------------------------------
// definitions_parse

/// `definitions_parse`: bytes → [`Definitions::from_json_str`]; then the
/// lint runs, the document writes back to itself, and it is applied to a
/// fresh broker. A refused apply leaves the broker as it was; an accepted
/// one is idempotent (applying again changes nothing), and its export
/// loads into a fresh broker whose export is the same document.
pub fn definitions(data: &[u8]) {
    if data.len() > MAX_INPUT {
        return;
    }
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(defs) = Definitions::from_json_str(text) else {
        return;
    };
    let _ = warren_scenario::lint::check(&defs);
    reread(&defs, "the input");

    let mut broker = Broker::new();
    let pristine = Definitions::export(&broker).to_value();
    if defs.apply(&mut broker).is_err() {
        assert_eq!(
            Definitions::export(&broker).to_value(),
            pristine,
            "a refused apply changed the broker"
        );
        invariants(&broker, "after a refused apply");
        return;
    }
    invariants(&broker, "after apply");
    let exported = Definitions::export(&broker);
    reread(&exported, "the export");
    let _ = warren_scenario::lint::check(&exported);

    if let Err(e) = defs.apply(&mut broker) {
        panic!("applying the same definitions twice fails: {e}");
    }
    invariants(&broker, "after applying twice");
    assert_eq!(
        Definitions::export(&broker).to_value(),
        exported.to_value(),
        "applying the same definitions twice changed the export"
    );

    let mut fresh = Broker::new();
    if let Err(e) = exported.apply(&mut fresh) {
        panic!(
            "the export does not load into a fresh broker: {e}\n{}",
            exported.to_json_string()
        );
    }
    invariants(&fresh, "after applying the export");
    assert_eq!(
        Definitions::export(&fresh).to_value(),
        exported.to_value(),
        "export -> import -> export is not stable"
    );
}

/// What Warren writes, it reads back as the same document.
fn reread(defs: &Definitions, what: &str) {
    let text = defs.to_json_string();
    let back = Definitions::from_json_str(&text)
        .unwrap_or_else(|e| panic!("{what}, written by Warren, does not parse: {e}\n{text}"));
    assert_eq!(
        back.to_value(),
        defs.to_value(),
        "{what} does not survive writing and reading"
    );
}

// ---------------------------------------------------------------------------
// topic_match

/// A word of a topic key. A small alphabet makes keys collide.
#[cfg_attr(feature = "derive-arbitrary", derive(arbitrary::Arbitrary))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Word {
    /// `""`: an empty word.
    Empty,
    /// `*`.
    Star,
    /// `#`.
    Hash,
    /// `a`.
    A,
    /// `b`.
    B,
    /// `.`: two empty words where one word was.
    Dot,
    /// `a*`: a literal, not a wildcard.
    StarA,
    /// `ä`: multi-byte.
    Umlaut,
    /// `w0` … `w15`: enough distinct words to fill a node's child table.
    Numbered(u8),
    /// Anything.
    Raw(String),
}

impl Word {
    fn push_to(&self, out: &mut String) {
        match self {
            Self::Empty => {}
            Self::Star => out.push('*'),
            Self::Hash => out.push('#'),
            Self::A => out.push('a'),
            Self::B => out.push('b'),
            Self::Dot => out.push('.'),
            Self::StarA => out.push_str("a*"),
            Self::Umlaut => out.push('ä'),
            Self::Numbered(n) => out.push_str(&format!("w{}", n % 16)),
            Self::Raw(s) => out.push_str(s),
        }
    }
}

/// The words joined with `.`.
pub fn key(words: &[Word]) -> String {
    let mut out = String::new();
    for (i, w) in words.iter().enumerate() {
        if i > 0 {
            out.push('.');
        }
        w.push_to(&mut out);
    }
    out
}

/// One operation on a [`TopicTrie`].
#[cfg_attr(feature = "derive-arbitrary", derive(arbitrary::Arbitrary))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum TopicOp {
    /// Adds a binding key for an id (ids are taken modulo 8).
    Insert {
        /// Binding key words.
        key: Vec<Word>,
        /// Id.
        id: u8,
    },
    /// Removes one copy of a binding.
    Remove {
        /// Binding key words.
        key: Vec<Word>,
        /// Id.
        id: u8,
    },
    /// Routes a key.
    Route {
        /// Routing key words.
        key: Vec<Word>,
    },
}

/// `topic_match`: a [`TopicTrie`] under inserts and removals agrees with a
/// list of bindings matched one by one with [`topic_matches`]: same
/// length, same `remove` results, and for every routing key the same ids
/// (`matches`) and one `for_each_match` call per matching distinct
/// `(binding key, id)` pair; then the same once the trie has packed itself
/// for the walk.
pub fn topic(ops: &[TopicOp]) {
    let mut trie = TopicTrie::new();
    let mut live: Vec<(String, u8)> = Vec::new();
    let mut keys: Vec<String> = Vec::new();
    // At least as many as the trie's nodes, counting freed ones.
    let mut nodes = 1;
    for op in ops.iter().take(MAX_OPS) {
        match op {
            TopicOp::Insert { key: k, id } => {
                let (k, id) = (key(k), id % 8);
                nodes += k.split('.').count();
                trie.insert(&k, id);
                keys.push(k.clone());
                live.push((k, id));
            }
            TopicOp::Remove { key: k, id } => {
                let (k, id) = (key(k), id % 8);
                let at = live.iter().position(|(b, i)| *b == k && *i == id);
                assert_eq!(
                    trie.remove(&k, id),
                    at.is_some(),
                    "remove({k:?}, {id}) with bindings {live:?}"
                );
                if let Some(at) = at {
                    live.remove(at);
                }
            }
            TopicOp::Route { key: k } => {
                let k = key(k);
                route(&trie, &live, &k);
                keys.push(k);
            }
        }
        assert_eq!(trie.len(), live.len(), "len with bindings {live:?}");
        assert_eq!(trie.is_empty(), live.is_empty(), "is_empty");
    }
    keys.sort_unstable();
    keys.dedup();
    for k in &keys {
        route(&trie, &live, k);
    }
    // Enough walks for the trie to pack itself (`topic/packed.rs`: as
    // many as its nodes plus 256), then every key again over the copy.
    for _ in 0..nodes + 256 {
        trie.for_each_match_uncached("", |_| {});
    }
    for k in &keys {
        route(&trie, &live, k);
    }
}

fn route(trie: &TopicTrie<u8>, live: &[(String, u8)], routing_key: &str) {
    let mut pairs: Vec<(&str, u8)> = live
        .iter()
        .filter(|(b, _)| topic_matches(b, routing_key))
        .map(|(b, id)| (b.as_str(), *id))
        .collect();
    pairs.sort_unstable();
    pairs.dedup();
    let mut calls: Vec<u8> = pairs.iter().map(|&(_, id)| id).collect();
    calls.sort_unstable();
    let mut ids = calls.clone();
    ids.dedup();
    assert_eq!(
        trie.matches(routing_key),
        ids,
        "matches({routing_key:?}) with bindings {live:?}"
    );
    let mut got = Vec::new();
    trie.for_each_match(routing_key, |id| got.push(id));
    // The routing cache reports what the walk reports, in its order.
    let mut walked = Vec::new();
    trie.for_each_match_uncached(routing_key, |id| walked.push(id));
    assert_eq!(
        got, walked,
        "cached vs uncached ({routing_key:?}) with bindings {live:?}"
    );
    got.sort_unstable();
    assert_eq!(
        got, calls,
        "for_each_match({routing_key:?}) with bindings {live:?}"
    );
}

// ---------------------------------------------------------------------------
// broker_ops

/// Queue names (index modulo the length): `""` asks for a generated name.
pub const QUEUES: &[&str] = &["q0", "q1", "q2", "", "amq.q", "x0"];
/// Exchange names: `""` is the default exchange; `nope` is never declared
/// by name on purpose (but may be).
pub const EXCHANGES: &[&str] = &[
    "x0",
    "x1",
    "x2",
    "",
    "amq.direct",
    "amq.fanout",
    "amq.topic",
    "amq.headers",
    "amq.match",
    "amq.rabbitmq.trace",
    "nope",
];
/// Exchange types, valid and not.
pub const TYPES: &[&str] = &["direct", "fanout", "topic", "headers", "x-custom", ""];
/// Routing and binding keys.
pub const KEYS: &[&str] = &["", "a", "a.b", "#", "*.b", "a.#", "q0", "q1", "#.#", "*"];
/// Argument names: queue, exchange, binding, consumer and policy keys, and
/// one that means nothing.
pub const ARG_KEYS: &[&str] = &[
    "x-message-ttl",
    "x-expires",
    "x-max-length",
    "x-max-length-bytes",
    "x-overflow",
    "x-dead-letter-exchange",
    "x-dead-letter-routing-key",
    "x-max-priority",
    "x-single-active-consumer",
    "x-queue-type",
    "x-queue-mode",
    "alternate-exchange",
    "x-match",
    "x-priority",
    "message-ttl",
    "expires",
    "max-length",
    "max-length-bytes",
    "overflow",
    "dead-letter-exchange",
    "dead-letter-routing-key",
    "ha-mode",
    "k",
    "x-death",
    "CC",
    "BCC",
];
/// String values.
pub const STRINGS: &[&str] = &[
    "drop-head",
    "reject-publish",
    "reject-publish-dlx",
    "all",
    "any",
    "all-with-x",
    "any-with-x",
    "classic",
    "quorum",
    "stream",
    "lazy",
    "x0",
    "x1",
    "q0",
    "",
    "a",
    "a.b",
];
/// Floating-point values.
pub const DOUBLES: &[f64] = &[
    0.0,
    -0.0,
    1.5,
    -1.0,
    100.0,
    1e20,
    f64::MAX,
    f64::NAN,
    f64::INFINITY,
];
/// `expiration` property values, well-formed or not.
pub const EXPIRATIONS: &[&str] = &[
    "0",
    "1",
    "10",
    "1000",
    "-1",
    "abc",
    "",
    "4294967296",
    "99999999999999999999",
    " 5",
    "+5",
];

fn pick<'a>(pool: &[&'a str], i: u8) -> &'a str {
    pool[usize::from(i) % pool.len()]
}

/// A field value.
#[cfg_attr(feature = "derive-arbitrary", derive(arbitrary::Arbitrary))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Val {
    /// `long`.
    Long(i64),
    /// `signedint`.
    SignedInt(i32),
    /// `unsigned byte`.
    Byte(u8),
    /// A long string from [`STRINGS`].
    Str(u8),
    /// `bool`.
    Bool(bool),
    /// A `double` from [`DOUBLES`].
    Double(u8),
    /// `void`.
    Void,
    /// `timestamp`.
    Timestamp(u64),
    /// An array of strings from [`STRINGS`].
    Strings(Vec<u8>),
    /// A nested table.
    Table(Vec<(u8, i64)>),
}

impl Val {
    fn field(&self) -> FieldValue {
        match self {
            Self::Long(v) => FieldValue::I64(*v),
            Self::SignedInt(v) => FieldValue::I32(*v),
            Self::Byte(v) => FieldValue::U8(*v),
            Self::Str(i) => FieldValue::str(pick(STRINGS, *i)),
            Self::Bool(b) => FieldValue::Bool(*b),
            Self::Double(i) => FieldValue::F64(DOUBLES[usize::from(*i) % DOUBLES.len()]),
            Self::Void => FieldValue::Void,
            Self::Timestamp(t) => FieldValue::Timestamp(*t),
            Self::Strings(v) => FieldValue::Array(
                v.iter()
                    .map(|i| FieldValue::str(pick(STRINGS, *i)))
                    .collect(),
            ),
            Self::Table(v) => FieldValue::Table(
                v.iter()
                    .map(|(k, x)| (pick(ARG_KEYS, *k).to_owned(), FieldValue::I64(*x)))
                    .collect(),
            ),
        }
    }

    /// The JSON a definitions file would hold (NaN and infinities become
    /// `null`, which the parser refuses).
    fn json(&self) -> Value {
        match self {
            Self::Long(v) => json!(v),
            Self::SignedInt(v) => json!(v),
            Self::Byte(v) => json!(v),
            Self::Str(i) => json!(pick(STRINGS, *i)),
            Self::Bool(b) => json!(b),
            Self::Double(i) => json!(DOUBLES[usize::from(*i) % DOUBLES.len()]),
            Self::Void => Value::Null,
            Self::Timestamp(t) => json!({"$type": "timestamp", "value": t}),
            Self::Strings(v) => v.iter().map(|i| json!(pick(STRINGS, *i))).collect(),
            Self::Table(v) => Value::Object(
                v.iter()
                    .map(|(k, x)| (pick(ARG_KEYS, *k).to_owned(), json!(x)))
                    .collect(),
            ),
        }
    }
}

/// One argument: a name from [`ARG_KEYS`] and a value.
#[cfg_attr(feature = "derive-arbitrary", derive(arbitrary::Arbitrary))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Arg {
    /// Index into [`ARG_KEYS`].
    pub key: u8,
    /// Value.
    pub value: Val,
}

fn table(args: &[Arg]) -> FieldTable {
    args.iter()
        .map(|a| (pick(ARG_KEYS, a.key).to_owned(), a.value.field()))
        .collect()
}

/// A channel: which connection (index into those opened so far) and which
/// number (`1`, `2`, `3` or `65535`). Unless `raw` is set it is (re)opened
/// first if the broker closed it, as a client library would.
#[cfg_attr(feature = "derive-arbitrary", derive(arbitrary::Arbitrary))]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ch {
    /// Connection index.
    pub conn: u8,
    /// Channel number index.
    pub num: u8,
    /// Use the channel as it is, open or not.
    pub raw: bool,
}

/// Message properties.
#[cfg_attr(feature = "derive-arbitrary", derive(arbitrary::Arbitrary))]
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Props {
    /// Index into [`EXPIRATIONS`].
    pub expiration: Option<u8>,
    /// `priority`.
    pub priority: Option<u8>,
    /// `delivery_mode`.
    pub delivery_mode: Option<u8>,
    /// Application headers.
    pub headers: Option<Vec<Arg>>,
    /// `reply_to`, from [`QUEUES`].
    pub reply_to: Option<u8>,
}

impl Props {
    fn properties(&self) -> Properties {
        Properties {
            expiration: self.expiration.map(|i| pick(EXPIRATIONS, i).to_owned()),
            priority: self.priority,
            delivery_mode: self.delivery_mode,
            headers: self.headers.as_deref().map(table),
            reply_to: self.reply_to.map(|i| pick(QUEUES, i).to_owned()),
            ..Properties::default()
        }
    }
}

/// One client action (or a tick of virtual time) on a [`Broker`]. Names
/// are indexes into the pools above, so that actions collide.
#[cfg_attr(feature = "derive-arbitrary", derive(arbitrary::Arbitrary))]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[allow(missing_docs)]
pub enum BrokerOp {
    OpenConnection,
    CloseConnection {
        conn: u8,
    },
    CloseChannel {
        ch: Ch,
    },
    ExchangeDeclare {
        ch: Ch,
        name: u8,
        kind: u8,
        passive: bool,
        durable: bool,
        auto_delete: bool,
        internal: bool,
        args: Vec<Arg>,
    },
    ExchangeDelete {
        ch: Ch,
        name: u8,
        if_unused: bool,
    },
    ExchangeBind {
        ch: Ch,
        destination: u8,
        source: u8,
        key: u8,
        args: Vec<Arg>,
        unbind: bool,
    },
    QueueDeclare {
        ch: Ch,
        name: u8,
        passive: bool,
        durable: bool,
        exclusive: bool,
        auto_delete: bool,
        args: Vec<Arg>,
    },
    QueueBind {
        ch: Ch,
        queue: u8,
        exchange: u8,
        key: u8,
        args: Vec<Arg>,
        unbind: bool,
    },
    QueuePurge {
        ch: Ch,
        queue: u8,
    },
    QueueDelete {
        ch: Ch,
        queue: u8,
        if_unused: bool,
        if_empty: bool,
    },
    Qos {
        ch: Ch,
        prefetch_size: u8,
        prefetch_count: u16,
        global: bool,
    },
    Consume {
        ch: Ch,
        queue: u8,
        tag: u8,
        auto_ack: bool,
        exclusive: bool,
        args: Vec<Arg>,
    },
    Cancel {
        ch: Ch,
        tag: u8,
    },
    Publish {
        ch: Ch,
        exchange: u8,
        key: u8,
        body: u8,
        props: Props,
        mandatory: bool,
        immediate: bool,
    },
    Get {
        ch: Ch,
        queue: u8,
        auto_ack: bool,
    },
    Ack {
        ch: Ch,
        tag: u8,
        multiple: bool,
    },
    Nack {
        ch: Ch,
        tag: u8,
        multiple: bool,
        requeue: bool,
    },
    Reject {
        ch: Ch,
        tag: u8,
        requeue: bool,
    },
    Recover {
        ch: Ch,
        requeue: bool,
    },
    ConfirmSelect {
        ch: Ch,
    },
    /// A policy, loaded as a one-policy definitions document.
    SetPolicy {
        name: u8,
        pattern: u8,
        apply_to: u8,
        priority: i8,
        definition: Vec<Arg>,
    },
    ClearPolicy {
        name: u8,
    },
    /// Lets `ms` of virtual time pass.
    Advance {
        ms: u16,
    },
    /// Jumps to the next timer.
    NextTimeout,
    /// Every getter, and export → import → export.
    Inspect,
}

/// Policy names.
pub const POLICIES: &[&str] = &["p0", "p1", "p2"];
/// Policy patterns (one of them invalid).
pub const PATTERNS: &[&str] = &[".*", "^q", "^q0$", "x", "", "[", "^amq\\.", "(q|x)1"];
/// Consumer tags; `""` asks for a generated one.
pub const TAGS: &[&str] = &["c0", "c1", "", "c2"];
const CHANNEL_NUMBERS: [u16; 4] = [1, 2, 3, 65535];
const MAX_CONNECTIONS: usize = 6;

/// A broker and the client connections the ops refer to.
struct Clients {
    broker: Broker,
    conns: Vec<ConnectionId>,
}

impl Clients {
    fn channel(&mut self, ch: Ch) -> ChannelId {
        if self.conns.is_empty() {
            self.conns.push(self.broker.open_connection());
        }
        let slot = usize::from(ch.conn) % self.conns.len();
        let number = CHANNEL_NUMBERS[usize::from(ch.num) % CHANNEL_NUMBERS.len()];
        if !ch.raw {
            if !self.broker.is_connection_open(self.conns[slot]) {
                self.conns[slot] = self.broker.open_connection();
            }
            let id = ChannelId {
                connection: self.conns[slot],
                number,
            };
            if !self.broker.is_channel_open(id) {
                self.broker
                    .open_channel(id.connection, number)
                    .unwrap_or_else(|e| panic!("open_channel({id}) on an open connection: {e}"));
            }
        }
        ChannelId {
            connection: self.conns[slot],
            number,
        }
    }

    fn run(&mut self, op: &BrokerOp) {
        let b = &mut self.broker;
        // Errors are the broker's answer (a closed channel, a usage error);
        // only panics and broken invariants are bugs.
        match op {
            BrokerOp::OpenConnection => {
                if self.conns.len() < MAX_CONNECTIONS {
                    let c = b.open_connection();
                    self.conns.push(c);
                }
            }
            BrokerOp::CloseConnection { conn } => {
                if let Some(c) = self.conns.get(usize::from(*conn) % self.conns.len().max(1)) {
                    let _ = b.close_connection(*c);
                }
            }
            BrokerOp::CloseChannel { ch } => {
                let id = self.channel(*ch);
                let _ = self.broker.close_channel(id);
            }
            BrokerOp::ExchangeDeclare {
                ch,
                name,
                kind,
                passive,
                durable,
                auto_delete,
                internal,
                args,
            } => {
                let id = self.channel(*ch);
                let m = ExchangeDeclare {
                    exchange: pick(EXCHANGES, *name).to_owned(),
                    exchange_type: Some(pick(TYPES, *kind).to_owned()).filter(|t| !t.is_empty()),
                    passive: *passive,
                    durable: *durable,
                    auto_delete: *auto_delete,
                    internal: *internal,
                    arguments: table(args),
                };
                let _ = self.broker.exchange_declare(id, &m);
            }
            BrokerOp::ExchangeDelete {
                ch,
                name,
                if_unused,
            } => {
                let id = self.channel(*ch);
                let m = ExchangeDelete {
                    exchange: pick(EXCHANGES, *name).to_owned(),
                    if_unused: *if_unused,
                };
                let _ = self.broker.exchange_delete(id, &m);
            }
            BrokerOp::ExchangeBind {
                ch,
                destination,
                source,
                key,
                args,
                unbind,
            } => {
                let id = self.channel(*ch);
                let m = ExchangeBind {
                    destination: pick(EXCHANGES, *destination).to_owned(),
                    source: pick(EXCHANGES, *source).to_owned(),
                    routing_key: pick(KEYS, *key).to_owned(),
                    arguments: table(args),
                };
                let _ = if *unbind {
                    self.broker.exchange_unbind(id, &m)
                } else {
                    self.broker.exchange_bind(id, &m)
                };
            }
            BrokerOp::QueueDeclare {
                ch,
                name,
                passive,
                durable,
                exclusive,
                auto_delete,
                args,
            } => {
                let id = self.channel(*ch);
                let m = QueueDeclare {
                    queue: pick(QUEUES, *name).to_owned(),
                    passive: *passive,
                    durable: *durable,
                    exclusive: *exclusive,
                    auto_delete: *auto_delete,
                    arguments: table(args),
                };
                let _ = self.broker.queue_declare(id, &m);
            }
            BrokerOp::QueueBind {
                ch,
                queue,
                exchange,
                key,
                args,
                unbind,
            } => {
                let id = self.channel(*ch);
                let m = QueueBind {
                    queue: pick(QUEUES, *queue).to_owned(),
                    exchange: pick(EXCHANGES, *exchange).to_owned(),
                    routing_key: pick(KEYS, *key).to_owned(),
                    arguments: table(args),
                };
                let _ = if *unbind {
                    self.broker.queue_unbind(id, &m)
                } else {
                    self.broker.queue_bind(id, &m)
                };
            }
            BrokerOp::QueuePurge { ch, queue } => {
                let id = self.channel(*ch);
                let m = QueuePurge {
                    queue: pick(QUEUES, *queue).to_owned(),
                };
                let _ = self.broker.queue_purge(id, &m);
            }
            BrokerOp::QueueDelete {
                ch,
                queue,
                if_unused,
                if_empty,
            } => {
                let id = self.channel(*ch);
                let m = QueueDelete {
                    queue: pick(QUEUES, *queue).to_owned(),
                    if_unused: *if_unused,
                    if_empty: *if_empty,
                };
                let _ = self.broker.queue_delete(id, &m);
            }
            BrokerOp::Qos {
                ch,
                prefetch_size,
                prefetch_count,
                global,
            } => {
                let id = self.channel(*ch);
                let m = BasicQos {
                    // Mostly 0, the only size RabbitMQ accepts.
                    prefetch_size: u32::from(prefetch_size / 200),
                    prefetch_count: *prefetch_count % 8,
                    global_qos: *global,
                };
                let _ = self.broker.basic_qos(id, &m);
            }
            BrokerOp::Consume {
                ch,
                queue,
                tag,
                auto_ack,
                exclusive,
                args,
            } => {
                let id = self.channel(*ch);
                let m = BasicConsume {
                    queue: pick(QUEUES, *queue).to_owned(),
                    consumer_tag: pick(TAGS, *tag).to_owned(),
                    auto_ack: *auto_ack,
                    exclusive: *exclusive,
                    arguments: table(args),
                };
                let _ = self.broker.basic_consume(id, &m);
            }
            BrokerOp::Cancel { ch, tag } => {
                let id = self.channel(*ch);
                let m = BasicCancel {
                    consumer_tag: pick(TAGS, *tag).to_owned(),
                };
                let _ = self.broker.basic_cancel(id, &m);
            }
            BrokerOp::Publish {
                ch,
                exchange,
                key,
                body,
                props,
                mandatory,
                immediate,
            } => {
                let id = self.channel(*ch);
                let m = BasicPublish {
                    exchange: pick(EXCHANGES, *exchange).to_owned(),
                    routing_key: pick(KEYS, *key).to_owned(),
                    body: "b".repeat(usize::from(*body % 16)),
                    properties: props.properties(),
                    mandatory: *mandatory,
                    immediate: *immediate,
                };
                self.publish(id, &m);
            }
            BrokerOp::Get {
                ch,
                queue,
                auto_ack,
            } => {
                let id = self.channel(*ch);
                let m = BasicGet {
                    queue: pick(QUEUES, *queue).to_owned(),
                    auto_ack: *auto_ack,
                };
                let _ = self.broker.basic_get(id, &m);
            }
            BrokerOp::Ack { ch, tag, multiple } => {
                let id = self.channel(*ch);
                let m = BasicAck {
                    delivery_tag: u64::from(*tag % 16),
                    multiple: *multiple,
                };
                let _ = self.broker.basic_ack(id, &m);
            }
            BrokerOp::Nack {
                ch,
                tag,
                multiple,
                requeue,
            } => {
                let id = self.channel(*ch);
                let m = BasicNack {
                    delivery_tag: u64::from(*tag % 16),
                    multiple: *multiple,
                    requeue: *requeue,
                };
                let _ = self.broker.basic_nack(id, &m);
            }
            BrokerOp::Reject { ch, tag, requeue } => {
                let id = self.channel(*ch);
                let m = BasicReject {
                    delivery_tag: u64::from(*tag % 16),
                    requeue: *requeue,
                };
                let _ = self.broker.basic_reject(id, &m);
            }
            BrokerOp::Recover { ch, requeue } => {
                let id = self.channel(*ch);
                let m = BasicRecover { requeue: *requeue };
                let _ = self.broker.basic_recover(id, &m);
            }
            BrokerOp::ConfirmSelect { ch } => {
                let id = self.channel(*ch);
                let _ = self.broker.confirm_select(id);
            }
            BrokerOp::SetPolicy {
                name,
                pattern,
                apply_to,
                priority,
                definition,
            } => {
                let definition: serde_json::Map<String, Value> = definition
                    .iter()
                    .map(|a| (pick(ARG_KEYS, a.key).to_owned(), a.value.json()))
                    .collect();
                let doc = json!({"policies": [{
                    "name": pick(POLICIES, *name),
                    "pattern": pick(PATTERNS, *pattern),
                    "apply-to": pick(&["all", "queues", "exchanges"], *apply_to),
                    "priority": priority,
                    "definition": definition,
                }]});
                if let Ok(defs) = Definitions::from_value(&doc) {
                    let _ = defs.apply(b);
                }
            }
            BrokerOp::ClearPolicy { name } => {
                b.clear_policy(pick(POLICIES, *name));
            }
            BrokerOp::Advance { ms } => {
                let to = b.now().plus(u64::from(*ms));
                b.advance_to(to);
            }
            BrokerOp::NextTimeout => {
                if let Some(at) = b.poll_timeout() {
                    assert!(at >= b.now(), "poll_timeout {at} is before now {}", b.now());
                    b.advance_to(at);
                }
            }
            BrokerOp::Inspect => inspect(b),
        }
    }

    /// Publishes, and checks that the message went where
    /// [`Broker::explain_route`] said beforehand that it would.
    fn publish(&mut self, ch: ChannelId, m: &BasicPublish) {
        let b = &mut self.broker;
        let headers = m.properties.headers.clone().unwrap_or_default();
        let predicted = b.explain_route(&m.exchange, &m.routing_key, &headers);
        if b.basic_publish(ch, m).is_err() {
            return;
        }
        let events = b.drain_events();
        let Some(message) = events.iter().find_map(|e| match &e.kind {
            EventKind::Published { message, .. } => Some(*message),
            _ => None,
        }) else {
            panic!("an accepted publish emitted no published event: {events:?}");
        };
        let routed = events.iter().find_map(|e| match &e.kind {
            EventKind::Routed {
                message: m, queues, ..
            } if *m == message => Some(queues.clone()),
            _ => None,
        });
        assert_eq!(
            routed.unwrap_or_default(),
            predicted.queues,
            "publish to {:?} with key {:?} did not go where explain_route said: {predicted:?}\n{events:?}",
            m.exchange,
            m.routing_key
        );
    }
}

/// Every getter, and the broker's topology exported, loaded into a fresh
/// broker and exported again: the same document.
fn inspect(b: &Broker) {
    let _ = (b.exchanges(), b.bindings(), b.consumers(), b.channels());
    let _ = (b.open_channels(), b.ledger(), b.poll_timeout(), b.now());
    for q in b.queues() {
        let _ = b.queue_messages(&q.name);
        let _ = b.queue(&q.name);
    }
    let exported = Definitions::export(b);
    let mut fresh = Broker::new();
    if let Err(e) = exported.apply(&mut fresh) {
        panic!(
            "the export of a live broker does not load: {e}\n{}",
            exported.to_json_string()
        );
    }
    invariants(&fresh, "after loading an export");
    assert_eq!(
        Definitions::export(&fresh).to_value(),
        exported.to_value(),
        "export -> import -> export of a live broker is not stable"
    );
}

/// `broker_ops`: a sequence of client actions on a fresh [`Broker`], with
/// `check_invariants` after each; every publish goes where
/// `explain_route` predicted; virtual time never runs backwards.
pub fn broker_ops(ops: &[BrokerOp]) {
    let mut clients = Clients {
        broker: Broker::new(),
        conns: Vec::new(),
    };
    let mut now = SimTime::ZERO;
    for (i, op) in ops.iter().take(MAX_OPS).enumerate() {
        clients.run(op);
        let b = &mut clients.broker;
        let _ = b.drain_events();
        invariants(b, &format!("after op {i} ({op:?})"));
        assert!(b.now() >= now, "time ran backwards");
        now = b.now();
    }
}
