//! Queues: declared arguments, the effective configuration (arguments
//! merged with a policy), ready messages in delivery order, and the order
//! in which consumers are offered messages.

use std::collections::VecDeque;

use serde::Serialize;

use std::sync::Arc;

use crate::message::{Entry, Message};
pub use crate::queue_type::QueueType;
use crate::value::{FieldTable, FieldValue};
use crate::{ConnectionId, SimTime};

/// Upper bound RabbitMQ puts on TTLs and expiry timers (10 years in ms).
pub(crate) const MAX_TTL: i64 = 315_360_000_000;

/// `x-overflow`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Overflow {
    /// Drop (or dead-letter) the oldest message.
    #[default]
    DropHead,
    /// Refuse new publishes (publisher gets a nack in confirm mode).
    RejectPublish,
    /// Refuse new publishes and dead-letter them.
    RejectPublishDlx,
}

impl Overflow {
    /// Every mode, in the order forms offer them.
    pub const ALL: [Self; 3] = [Self::DropHead, Self::RejectPublish, Self::RejectPublishDlx];

    /// The mode's name as `x-overflow` and the `overflow` policy key carry
    /// it (and as it serialises).
    pub const fn name(self) -> &'static str {
        match self {
            Self::DropHead => "drop-head",
            Self::RejectPublish => "reject-publish",
            Self::RejectPublishDlx => "reject-publish-dlx",
        }
    }

    /// The mode a name stands for; `None` for anything RabbitMQ refuses.
    pub fn from_name(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|o| o.name() == s)
    }
}

/// A queue's effective configuration: its arguments merged with the policy
/// that applies to it, as RabbitMQ 3.10 merges them.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct QueueConfig {
    /// Message TTL in ms.
    pub message_ttl: Option<u64>,
    /// Queue lease in ms (`x-expires`).
    pub expires: Option<u64>,
    /// Ready-message limit.
    pub max_length: Option<u64>,
    /// Ready-body-bytes limit.
    pub max_length_bytes: Option<u64>,
    /// What happens at the limit.
    pub overflow: Overflow,
    /// Dead-letter exchange.
    pub dead_letter_exchange: Option<String>,
    /// Dead-letter routing key.
    pub dead_letter_routing_key: Option<String>,
    /// Highest priority (priority queues only; arguments only).
    pub max_priority: Option<u8>,
    /// Single active consumer (arguments only).
    pub single_active_consumer: bool,
    /// The queue's type (arguments only).
    pub queue_type: QueueType,
    /// Quorum queues: returns past this many dead-letter or drop the
    /// message (`x-delivery-limit`; with a policy's `delivery-limit` the
    /// smaller wins). RabbitMQ checks neither its sign nor its type; a
    /// non-integer is no limit.
    pub delivery_limit: Option<i64>,
    /// The policy applied, if any.
    pub policy: Option<String>,
}

/// A `queue.declare` argument RabbitMQ refuses.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct InvalidArgument {
    /// The argument (`x-message-ttl`).
    pub key: String,
    /// What is wrong, as the Erlang term RabbitMQ reports
    /// (`{value_negative,-1}`).
    pub detail: String,
}

impl QueueConfig {
    /// Checks `queue.declare` arguments as RabbitMQ 3.10 does, without
    /// declaring anything (what lint and definitions import need to point
    /// at the argument at fault).
    ///
    /// # Errors
    /// The first argument RabbitMQ refuses: one the queue's type does not
    /// take, then one whose value is wrong.
    pub fn check_arguments(args: &FieldTable) -> Result<(), InvalidArgument> {
        let queue_type = QueueType::of(args);
        if let Some(key) = queue_type.refused_argument(args) {
            return Err(InvalidArgument {
                key: key.to_owned(),
                detail: format!("a {} queue does not take it", queue_type.name()),
            });
        }
        validate_args(args).map_err(|(key, detail)| InvalidArgument { key, detail })
    }

    /// Whether `args` crash RabbitMQ 3.10's `queue.declare` (541
    /// INTERNAL_ERROR, the connection closes) rather than being refused: an
    /// `x-max-age` without a leading number (recorded:
    /// stream-declare-rules, stream-interval-forms).
    pub fn crashes_declare(args: &FieldTable) -> bool {
        args.get("x-max-age").and_then(crate::stream::check_max_age)
            == Some(crate::stream::Unreadable::Crash)
    }

    /// The configuration a queue declared with `args` gets when the policy
    /// `policy` (its name and definition) applies: for TTL, expiry and
    /// length limits the smaller of the two wins; for dead-lettering and
    /// overflow the argument wins (3.10).
    pub fn effective(args: &FieldTable, policy: Option<(&str, &FieldTable)>) -> Self {
        effective_config(args, policy)
    }
}

/// Why a declare argument is invalid, formatted as RabbitMQ formats the
/// Erlang term it reports (`{value_negative,-1}`).
pub(crate) fn validate_args(args: &FieldTable) -> Result<(), (String, String)> {
    for (key, value) in args.iter() {
        let err = |detail: String| Err((key.to_owned(), detail));
        let int = value.as_int();
        let unacceptable = || format!("{{unacceptable_type,{}}}", value.type_name());
        // `check_int_arg` reports a string term, which `~p` prints quoted.
        let not_int = || format!("\"expected integer, got {}\"", value.type_name());
        match key {
            "x-expires" => match int {
                None => return err(not_int()),
                Some(v) if v < 0 => return err(format!("{{value_negative,{v}}}")),
                Some(0) => return err("{value_zero,0}".into()),
                Some(v) if v > MAX_TTL => return err(format!("{{value_too_large,{v},{MAX_TTL}}}")),
                _ => {}
            },
            "x-message-ttl" => match int {
                None => return err(not_int()),
                Some(v) if v < 0 => return err(format!("{{value_negative,{v}}}")),
                Some(v) if v > MAX_TTL => return err(format!("{{value_too_large,{v},{MAX_TTL}}}")),
                _ => {}
            },
            "x-max-length" | "x-max-length-bytes" => match int {
                None => return err(not_int()),
                Some(v) if v < 0 => return err(format!("{{value_negative,{v}}}")),
                _ => {}
            },
            "x-max-priority" => match int {
                None => return err(not_int()),
                Some(v) if v < 0 => return err(format!("{{value_negative,{v}}}")),
                Some(v) if v > 255 => return err(format!("{{max_value_exceeded,{v}}}")),
                _ => {}
            },
            "x-dead-letter-exchange" if !matches!(value, FieldValue::LongStr(_)) => {
                return err(unacceptable());
            }
            "x-dead-letter-routing-key" => {
                if !matches!(value, FieldValue::LongStr(_)) {
                    return err(unacceptable());
                }
                if args.get("x-dead-letter-exchange").is_none() {
                    return err("routing_key_but_no_dlx_defined".into());
                }
            }
            "x-overflow" => match value {
                FieldValue::LongStr(s) if Overflow::from_name(s).is_some() => {}
                FieldValue::LongStr(_) => return err("invalid_overflow".into()),
                _ => return err(unacceptable()),
            },
            // 3.10 `check_queue_type/2`.
            "x-queue-type" => match value {
                FieldValue::LongStr(s) if matches!(s.as_str(), "classic" | "quorum" | "stream") => {
                }
                FieldValue::LongStr(s) => return err(format!("\"unsupported queue type '{s}'\"")),
                _ => return err(unacceptable()),
            },
            "x-dead-letter-strategy" => {
                if let Err(detail) = crate::queue_type::check_dead_letter_strategy(value) {
                    return err(detail);
                }
            }
            "x-single-active-consumer" if !matches!(value, FieldValue::Bool(_)) => {
                return err(unacceptable());
            }
            // An age that crashes the declare is the declare's to report.
            "x-max-age" => {
                if let Some(crate::stream::Unreadable::Invalid(detail)) =
                    crate::stream::check_max_age(value)
                {
                    return err(detail);
                }
            }
            _ => {}
        }
    }
    Ok(())
}

/// The arguments RabbitMQ 3.10 compares when a queue is redeclared.
pub(crate) const EQUIVALENCE_ARGS: &[&str] = &[
    "x-dead-letter-exchange",
    "x-dead-letter-routing-key",
    "x-expires",
    "x-max-length",
    "x-max-length-bytes",
    "x-max-priority",
    "x-message-ttl",
    "x-overflow",
    "x-queue-master-locator",
    "x-queue-mode",
    "x-queue-type",
    "x-queue-version",
    "x-single-active-consumer",
];

/// Compares one argument of a redeclare with the original, as
/// `rabbit_misc:assert_args_equivalence/4` does: integers of any width are
/// one type class, anything else must have the same type and value.
/// Returns the detail of the 406 on mismatch.
pub(crate) fn arg_equivalence(
    key: &str,
    current: Option<&FieldValue>,
    received: Option<&FieldValue>,
    resource: &str,
) -> Result<(), String> {
    let same = match (current, received) {
        (None, None) => true,
        (Some(a), Some(b)) => match (a.as_int(), b.as_int()) {
            (Some(x), Some(y)) => x == y,
            _ => a == b,
        },
        _ => false,
    };
    if same {
        return Ok(());
    }
    // `rabbit_misc:assert_args_equivalence/4`: when both sides are set the
    // bare values are shown, else `none` and "the value '…' of type '…'".
    let typed = |v: Option<&FieldValue>| match v {
        None => "none".to_owned(),
        Some(v) => format!("the value '{}' of type '{}'", erlang_term(v), v.type_name()),
    };
    let (r, c) = match (received, current) {
        (Some(r), Some(c)) => (
            format!("'{}'", erlang_term(r)),
            format!("'{}'", erlang_term(c)),
        ),
        _ => (typed(received), typed(current)),
    };
    Err(format!(
        "inequivalent arg '{key}' for {resource}: received {r} but current is {c}"
    ))
}

/// A value as Erlang's `~s`/`~p` prints it in reply texts: strings bare,
/// floats in Erlang's shortest form (`1.0e4`).
pub(crate) fn erlang_term(v: &FieldValue) -> String {
    match v {
        FieldValue::LongStr(s) => s.clone(),
        FieldValue::Bytes(b) => String::from_utf8_lossy(b).into_owned(),
        FieldValue::F64(f) => erlang_float(*f),
        FieldValue::F32(f) => erlang_float(f64::from(*f)),
        FieldValue::Bool(b) => b.to_string(),
        other => other
            .as_int()
            .map_or_else(|| other.to_json().to_string(), |i| i.to_string()),
    }
}

/// Erlang's shortest round-trip float text: the shorter of the plain
/// (`100.0`) and scientific (`1.0e4`) forms, plain on a tie.
pub(crate) fn erlang_float(f: f64) -> String {
    let plain = {
        let s = format!("{f}");
        if s.contains('.') || s.contains("inf") || s.contains("NaN") {
            s
        } else {
            format!("{s}.0")
        }
    };
    let sci = {
        let s = format!("{f:e}");
        let (mantissa, exp) = s.split_once('e').unwrap_or((&s, "0"));
        let mantissa = if mantissa.contains('.') {
            mantissa.to_owned()
        } else {
            format!("{mantissa}.0")
        };
        format!("{mantissa}e{exp}")
    };
    if sci.len() < plain.len() {
        sci
    } else {
        plain
    }
}

/// Reads the effective configuration from arguments and an optional
/// policy definition. For TTL, expiry and length limits the smaller of the
/// two wins; for DLX, DLRK and overflow the argument wins
/// (3.10 `rabbit_amqqueue_process:process_args_policy/1`).
pub(crate) fn effective_config(
    args: &FieldTable,
    policy: Option<(&str, &FieldTable)>,
) -> QueueConfig {
    let arg_int = |k: &str| {
        args.get(k)
            .and_then(FieldValue::as_int)
            .and_then(|v| u64::try_from(v).ok())
    };
    let pol = |k: &str| policy.and_then(|(_, d)| d.get(k));
    let pol_int = |k: &str| {
        pol(k)
            .and_then(FieldValue::as_int)
            .and_then(|v| u64::try_from(v).ok())
    };
    let min = |a: Option<u64>, b: Option<u64>| match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    };
    let arg_str = |k: &str| args.get(k).and_then(FieldValue::as_str).map(str::to_owned);
    let pol_str = |k: &str| pol(k).and_then(FieldValue::as_str).map(str::to_owned);
    let queue_type = QueueType::of(args);
    let quorum = queue_type == QueueType::Quorum;
    let delivery_limit = match (
        args.get("x-delivery-limit").and_then(FieldValue::as_int),
        pol("delivery-limit").and_then(FieldValue::as_int),
    ) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    };
    // A quorum queue has no `reject-publish-dlx`: 3.10 falls back to
    // drop-head (recorded: quorum-reject-publish-dlx).
    let overflow = arg_str("x-overflow")
        .or_else(|| pol_str("overflow"))
        .and_then(|s| Overflow::from_name(&s))
        .unwrap_or_default();
    let overflow = match overflow {
        Overflow::RejectPublishDlx if quorum => Overflow::DropHead,
        o => o,
    };
    let config = QueueConfig {
        message_ttl: min(arg_int("x-message-ttl"), pol_int("message-ttl")),
        expires: min(arg_int("x-expires"), pol_int("expires")).filter(|&e| e > 0),
        max_length: min(arg_int("x-max-length"), pol_int("max-length")),
        max_length_bytes: min(arg_int("x-max-length-bytes"), pol_int("max-length-bytes")),
        overflow,
        dead_letter_exchange: arg_str("x-dead-letter-exchange")
            .or_else(|| pol_str("dead-letter-exchange")),
        dead_letter_routing_key: arg_str("x-dead-letter-routing-key")
            .or_else(|| pol_str("dead-letter-routing-key")),
        max_priority: arg_int("x-max-priority").map(|p| p.min(255) as u8),
        single_active_consumer: matches!(
            args.get("x-single-active-consumer"),
            Some(FieldValue::Bool(true))
        ),
        queue_type,
        delivery_limit: delivery_limit.filter(|_| quorum),
        policy: policy.map(|(name, _)| name.to_owned()),
    };
    if queue_type == QueueType::Stream {
        without_queue_rules(config)
    } else {
        config
    }
}

/// A stream's configuration: none of a queue's rules for its messages
/// apply to a log (a policy's TTL, length limit, overflow, dead-lettering
/// or lease), so a policy that matches a stream changes nothing in it.
fn without_queue_rules(config: QueueConfig) -> QueueConfig {
    QueueConfig {
        queue_type: QueueType::Stream,
        max_length_bytes: config.max_length_bytes,
        policy: config.policy,
        ..QueueConfig::default()
    }
}

/// A message in a queue: 16 bytes (the expiry lives beside it, in its lane).
#[derive(Clone, Debug)]
struct Slot {
    msg: Arc<Message>,
    seq_flags: u64,
}

impl Slot {
    fn seq(&self) -> u64 {
        self.seq_flags >> crate::message::SEQ_SHIFT
    }
}

/// One priority level's messages in order. Expiries are kept in a
/// parallel deque that exists only once a message with a TTL arrives, so
/// queues without TTL (most) pay nothing for them.
#[derive(Clone, Debug, Default)]
struct Lane {
    slots: VecDeque<Slot>,
    expiries: Option<VecDeque<SimTime>>,
}

impl Lane {
    fn expiry(&self, i: usize) -> SimTime {
        self.expiries
            .as_ref()
            .and_then(|e| e.get(i).copied())
            .unwrap_or(SimTime::NEVER)
    }

    /// Inserts at `at` (`None`: at the back).
    fn insert(&mut self, at: Option<usize>, entry: Entry) {
        let (msg, seq_flags, expires_at) = entry.into_parts();
        if expires_at != SimTime::NEVER && self.expiries.is_none() {
            self.expiries = Some(std::iter::repeat_n(SimTime::NEVER, self.slots.len()).collect());
        }
        let at = at.unwrap_or(self.slots.len());
        self.slots.insert(at, Slot { msg, seq_flags });
        if let Some(e) = &mut self.expiries {
            e.insert(at, expires_at);
        }
    }

    fn pop_front(&mut self) -> Option<Entry> {
        let slot = self.slots.pop_front()?;
        let expires_at = self
            .expiries
            .as_mut()
            .and_then(VecDeque::pop_front)
            .unwrap_or(SimTime::NEVER);
        if self.slots.is_empty() {
            self.expiries = None;
        }
        Some(Entry::from_parts(slot.msg, slot.seq_flags, expires_at))
    }
}

pub(crate) use crate::ids::{ConsumerUid, QueueId};

/// A queue's state.
#[derive(Clone, Debug)]
pub(crate) struct Queue {
    pub(crate) id: QueueId,
    pub(crate) name: String,
    pub(crate) durable: bool,
    pub(crate) auto_delete: bool,
    pub(crate) exclusive_owner: Option<ConnectionId>,
    pub(crate) arguments: FieldTable,
    pub(crate) config: QueueConfig,
    /// One lane per priority level (index = priority); non-priority queues have one.
    lanes: Vec<Lane>,
    len: u64,
    bytes: u64,
    pub(crate) next_seq: u64,
    /// Consumers in the order they are offered messages: by priority
    /// (highest first), round-robin within a priority.
    pub(crate) consumers: Vec<(i32, ConsumerUid)>,
    /// Single active consumer: the active one (the others wait in `consumers`).
    pub(crate) active: Option<ConsumerUid>,
    pub(crate) ever_had_consumer: bool,
    /// Last `queue.declare`, `basic.get` or consumer departure (for `x-expires`).
    pub(crate) last_used: SimTime,
    /// When it was declared (a quorum queue ticks from then on).
    declared_at: SimTime,
    /// Quorum queues: how many of the first ready messages are returns
    /// (served before the rest, as `rabbit_fifo`'s returns queue).
    returns: u64,
    /// Quorum queues with `reject-publish`: refusing publishes since the
    /// queue went over its limit, until it falls to 80% of it.
    rejecting: bool,
    /// Streams: the log (the lanes stay empty).
    pub(crate) log: crate::stream::Log,
}

impl Queue {
    #[allow(clippy::too_many_arguments)] // one per queue.declare field
    pub(crate) fn new(
        id: QueueId,
        name: String,
        durable: bool,
        auto_delete: bool,
        exclusive_owner: Option<ConnectionId>,
        arguments: FieldTable,
        config: QueueConfig,
        now: SimTime,
    ) -> Self {
        let lanes = usize::from(config.max_priority.unwrap_or(0)) + 1;
        Self {
            id,
            name,
            durable,
            auto_delete,
            exclusive_owner,
            arguments,
            config,
            lanes: (0..lanes).map(|_| Lane::default()).collect(),
            len: 0,
            bytes: 0,
            next_seq: 0,
            consumers: Vec::new(),
            active: None,
            ever_had_consumer: false,
            last_used: now,
            declared_at: now,
            returns: 0,
            rejecting: false,
            log: crate::stream::Log::default(),
        }
    }

    pub(crate) fn is_quorum(&self) -> bool {
        self.config.queue_type == QueueType::Quorum
    }

    pub(crate) fn is_stream(&self) -> bool {
        self.config.queue_type == QueueType::Stream
    }

    /// When an `x-expires` lease of `ms` deletes the queue if nothing uses
    /// it: at the lease's end for a classic queue, at the first tick after
    /// it for a quorum queue.
    pub(crate) fn lease_end(&self, ms: u64) -> SimTime {
        let end = self.last_used.plus(ms);
        if !self.is_quorum() {
            return end;
        }
        let tick = crate::queue_type::QUORUM_TICK_MS;
        let since = end.0.saturating_sub(self.declared_at.0);
        self.declared_at.plus(since.div_ceil(tick) * tick)
    }

    /// Ready messages (expired ones not yet at the head included, as RabbitMQ counts them).
    pub(crate) fn len(&self) -> u64 {
        self.len
    }

    pub(crate) fn bytes(&self) -> u64 {
        self.bytes
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.len == 0
    }

    fn lane_of(&self, entry: &Entry) -> usize {
        match self.config.max_priority {
            Some(max) => usize::from(entry.msg.priority_in(max)),
            None => 0,
        }
    }

    /// Appends a newly published message.
    pub(crate) fn push(&mut self, entry: Entry) {
        let lane = self.lane_of(&entry);
        self.len += 1;
        self.bytes += entry.msg.body().len() as u64;
        self.lanes[lane].insert(None, entry);
    }

    /// Puts a message back at its original position (by sequence number).
    pub(crate) fn requeue(&mut self, entry: Entry) {
        let lane = self.lane_of(&entry);
        self.len += 1;
        self.bytes += entry.msg.body().len() as u64;
        let lane = &mut self.lanes[lane];
        let seq = entry.seq();
        // Requeued messages usually belong at the front: check that first.
        let at = if lane.slots.front().is_none_or(|s| s.seq() > seq) {
            0
        } else {
            lane.slots.partition_point(|s| s.seq() < seq)
        };
        lane.insert(Some(at), entry);
    }

    fn head_lane(&self) -> Option<&Lane> {
        self.lanes.iter().rev().find(|l| !l.slots.is_empty())
    }

    /// When the next message to deliver expires ([`SimTime::NEVER`] if it
    /// has no TTL); `None` if the queue is empty.
    pub(crate) fn head_expiry(&self) -> Option<SimTime> {
        self.head_lane().map(|l| l.expiry(0))
    }

    pub(crate) fn pop(&mut self) -> Option<Entry> {
        let entry = self.lanes.iter_mut().rev().find_map(Lane::pop_front)?;
        self.len -= 1;
        self.bytes -= entry.msg.body().len() as u64;
        self.returns = self.returns.saturating_sub(1);
        if self.rejecting && self.below_soft_limit() {
            self.rejecting = false;
        }
        Some(entry)
    }

    /// Quorum queues: a message a closed channel or a live consumer gave
    /// back goes ahead of the queue, after earlier returns (3.10's
    /// `rabbit_fifo` serves its returns first; recorded:
    /// quorum-return-on-close, quorum-requeue-limit-consumer).
    pub(crate) fn push_return(&mut self, entry: Entry) {
        self.len += 1;
        self.bytes += entry.msg.body().len() as u64;
        let at = usize::try_from(self.returns).unwrap_or(usize::MAX);
        self.lanes[0].insert(Some(at), entry);
        self.returns += 1;
    }

    /// Quorum queues: a `basic.get` message rejected, nacked or recovered
    /// goes to the back of the queue (recorded: quorum-requeue-position).
    pub(crate) fn push_back(&mut self, mut entry: Entry) {
        entry.set_seq(self.next_seq);
        self.next_seq += 1;
        self.push(entry);
    }

    /// Whether a publish of `size` bytes is refused under `reject-publish`:
    /// a classic queue refuses what would go over a limit; a quorum queue
    /// refuses everything from the moment it went over until it falls back
    /// to 80% of the limit (3.10 `rabbit_fifo`; recorded:
    /// quorum-reject-publish-hysteresis).
    pub(crate) fn refuses(&self, size: u64) -> bool {
        if self.is_quorum() {
            self.rejecting
        } else {
            self.would_overflow(size)
        }
    }

    /// After an enqueue under `reject-publish`: a quorum queue now over a
    /// limit starts refusing.
    pub(crate) fn note_enqueued(&mut self) {
        if self.is_quorum() && self.config.overflow == Overflow::RejectPublish && self.over_limit()
        {
            self.rejecting = true;
        }
    }

    /// `rabbit_fifo:is_below_soft_limit/1`: at most 80% of every limit.
    fn below_soft_limit(&self) -> bool {
        let below = |limit: Option<u64>, n: u64| limit.is_none_or(|m| n <= m * 4 / 5);
        below(self.config.max_length, self.len) && below(self.config.max_length_bytes, self.bytes)
    }

    /// Ready messages in delivery order.
    pub(crate) fn iter(&self) -> impl Iterator<Item = Entry> + '_ {
        self.lanes.iter().rev().flat_map(|l| {
            l.slots
                .iter()
                .enumerate()
                .map(move |(i, s)| Entry::from_parts(s.msg.clone(), s.seq_flags, l.expiry(i)))
        })
    }

    /// Removes every ready message.
    pub(crate) fn drain_all(&mut self) -> Vec<Entry> {
        let mut out = Vec::with_capacity(self.len as usize);
        while let Some(e) = self.pop() {
            out.push(e);
        }
        out
    }

    /// Whether the queue is over a length limit.
    pub(crate) fn over_limit(&self) -> bool {
        self.config.max_length.is_some_and(|m| self.len > m)
            || self.config.max_length_bytes.is_some_and(|m| self.bytes > m)
    }

    /// Whether one more message of `size` bytes would exceed a limit.
    pub(crate) fn would_overflow(&self, size: u64) -> bool {
        self.config.max_length.is_some_and(|m| self.len + 1 > m)
            || self
                .config
                .max_length_bytes
                .is_some_and(|m| self.bytes + size > m)
    }

    /// Adds a consumer at the back of its priority level.
    pub(crate) fn add_consumer(&mut self, priority: i32, uid: ConsumerUid) {
        let at = self.consumers.partition_point(|(p, _)| *p >= priority);
        self.consumers.insert(at, (priority, uid));
        self.ever_had_consumer = true;
    }

    pub(crate) fn remove_consumer(&mut self, uid: ConsumerUid) {
        self.consumers.retain(|(_, u)| *u != uid);
    }

    /// Moves a consumer that just received a message to the back of its level.
    pub(crate) fn rotate(&mut self, uid: ConsumerUid) {
        if let Some(i) = self.consumers.iter().position(|(_, u)| *u == uid) {
            let (p, u) = self.consumers.remove(i);
            let at = self.consumers.partition_point(|(q, _)| *q >= p);
            self.consumers.insert(at, (p, u));
        }
    }

    /// Whether the queue is exclusive to a connection other than `conn`.
    pub(crate) fn locked_for(&self, conn: ConnectionId) -> bool {
        self.exclusive_owner.is_some_and(|o| o != conn)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::message::Message;
    use crate::{MessageId, Properties};

    #[test]
    fn overflow_names_are_the_serde_names() {
        for o in Overflow::ALL {
            assert_eq!(
                serde_json::to_string(&o).unwrap(),
                format!("{:?}", o.name())
            );
            assert_eq!(Overflow::from_name(o.name()), Some(o));
        }
        assert_eq!(Overflow::from_name("drop-tail"), None);
    }

    fn entry(seq: u64, prio: Option<u8>) -> Entry {
        let props = Properties {
            priority: prio,
            ..Properties::default()
        };
        Entry::new(
            Message::new(MessageId(seq), "", "k", props, vec![], b"x"),
            seq,
            SimTime::NEVER,
        )
    }

    fn queue_with(config: QueueConfig) -> Queue {
        Queue::new(
            QueueId(1),
            "q".into(),
            true,
            false,
            None,
            FieldTable::new(),
            config,
            SimTime::ZERO,
        )
    }

    fn queue(max_priority: Option<u8>) -> Queue {
        queue_with(QueueConfig {
            max_priority,
            ..QueueConfig::default()
        })
    }

    #[test]
    fn requeue_restores_original_position() {
        let mut q = queue(None);
        for s in 0..4 {
            q.push(entry(s, None));
        }
        let a = q.pop().unwrap();
        let b = q.pop().unwrap();
        q.requeue(b);
        q.requeue(a);
        let order: Vec<u64> = q.iter().map(|e| e.seq()).collect();
        assert_eq!(order, vec![0, 1, 2, 3]);
    }

    fn quorum(config: QueueConfig) -> Queue {
        queue_with(QueueConfig {
            queue_type: QueueType::Quorum,
            ..config
        })
    }

    #[test]
    fn quorum_returns_go_first_in_return_order_and_rejects_to_the_back() {
        let mut q = quorum(QueueConfig::default());
        for s in 0..4 {
            q.push(entry(s, None));
        }
        let (a, b, c) = (q.pop().unwrap(), q.pop().unwrap(), q.pop().unwrap());
        q.push_back(a);
        q.push_return(b);
        q.push_return(c);
        let order: Vec<u64> = std::iter::from_fn(|| q.pop())
            .map(|e| e.msg.id().0)
            .collect();
        assert_eq!(order, vec![1, 2, 3, 0]);
    }

    #[test]
    fn quorum_reject_publish_refuses_from_over_the_limit_down_to_80_percent() {
        let mut q = quorum(QueueConfig {
            max_length: Some(5),
            overflow: Overflow::RejectPublish,
            ..QueueConfig::default()
        });
        let mut accepted = 0;
        for s in 0..7 {
            if !q.refuses(1) {
                q.push(entry(s, None));
                q.note_enqueued();
                accepted += 1;
            }
        }
        assert_eq!(accepted, 6, "one past the limit, then refused");
        q.pop();
        assert!(q.refuses(1), "5 ready: still refusing");
        q.pop();
        assert!(!q.refuses(1), "4 ready, 80% of 5: accepting again");
    }

    #[test]
    fn a_quorum_lease_ends_at_the_next_tick() {
        let mut q = quorum(QueueConfig::default());
        assert_eq!(q.lease_end(1_000), SimTime(5_000));
        assert_eq!(q.lease_end(6_000), SimTime(10_000));
        q.config.queue_type = QueueType::Classic;
        assert_eq!(q.lease_end(1_000), SimTime(1_000));
    }

    #[test]
    fn slots_are_16_bytes_and_expiries_follow_requeues() {
        assert_eq!(size_of::<Slot>(), 16);
        let mut q = queue(None);
        q.push(entry(0, None));
        let mut timed = entry(1, None);
        timed.expires_at = SimTime(50);
        q.push(timed);
        q.push(entry(2, None));
        let first = q.pop().unwrap();
        assert_eq!(q.head_expiry(), Some(SimTime(50)));
        q.requeue(first);
        let expiries: Vec<SimTime> = q.iter().map(|e| e.expires_at).collect();
        assert_eq!(expiries, vec![SimTime::NEVER, SimTime(50), SimTime::NEVER]);
    }

    #[test]
    fn priority_lanes_deliver_highest_first_and_cap_at_max() {
        let mut q = queue(Some(5));
        q.push(entry(0, None));
        q.push(entry(1, Some(9)));
        q.push(entry(2, Some(5)));
        q.push(entry(3, Some(2)));
        let order: Vec<u64> = std::iter::from_fn(|| q.pop()).map(|e| e.seq()).collect();
        assert_eq!(order, vec![1, 2, 3, 0]);
    }

    #[test]
    fn consumers_rotate_within_their_priority_level() {
        let c = ConsumerUid;
        let mut q = queue(None);
        q.add_consumer(0, c(1));
        q.add_consumer(0, c(2));
        q.add_consumer(5, c(3));
        assert_eq!(q.consumers, vec![(5, c(3)), (0, c(1)), (0, c(2))]);
        q.rotate(c(1));
        assert_eq!(q.consumers, vec![(5, c(3)), (0, c(2)), (0, c(1))]);
        q.rotate(c(3));
        assert_eq!(q.consumers, vec![(5, c(3)), (0, c(2)), (0, c(1))]);
    }

    #[test]
    fn argument_validation_reports_erlang_terms() {
        let t = |k: &str, v: FieldValue| validate_args(&FieldTable(vec![(k.into(), v)]));
        assert_eq!(
            t("x-message-ttl", FieldValue::I32(-1)).unwrap_err().1,
            "{value_negative,-1}"
        );
        assert_eq!(
            t("x-expires", FieldValue::I32(0)).unwrap_err().1,
            "{value_zero,0}"
        );
        assert_eq!(
            t("x-single-active-consumer", FieldValue::I32(1))
                .unwrap_err()
                .1,
            "{unacceptable_type,signedint}"
        );
        assert_eq!(
            t("x-max-priority", FieldValue::I32(256)).unwrap_err().1,
            "{max_value_exceeded,256}"
        );
        assert_eq!(
            t("x-message-ttl", FieldValue::str("x")).unwrap_err().1,
            "\"expected integer, got longstr\""
        );
        assert!(t("x-overflow", FieldValue::str("nope")).is_err());
        assert!(t("x-dead-letter-routing-key", FieldValue::str("k")).is_err());
        assert!(t("x-unknown", FieldValue::str("anything")).is_ok());
        assert_eq!(
            t("x-queue-type", FieldValue::str("lazy")).unwrap_err().1,
            "\"unsupported queue type 'lazy'\""
        );
        assert!(t("x-queue-type", FieldValue::str("quorum")).is_ok());
    }

    #[test]
    fn equivalence_texts_match_rabbitmq() {
        let r = "queue 'q' in vhost '/'";
        let e = arg_equivalence(
            "x-message-ttl",
            Some(&FieldValue::I32(10000)),
            Some(&FieldValue::F64(10000.0)),
            r,
        );
        assert_eq!(
            e.unwrap_err(),
            "inequivalent arg 'x-message-ttl' for queue 'q' in vhost '/': received '1.0e4' but current is '10000'"
        );
        let e = arg_equivalence("x-max-length", None, Some(&FieldValue::I32(5)), r);
        assert_eq!(
            e.unwrap_err(),
            "inequivalent arg 'x-max-length' for queue 'q' in vhost '/': received the value '5' of type 'signedint' but current is none"
        );
        assert!(arg_equivalence(
            "x-max-length",
            Some(&FieldValue::I64(5)),
            Some(&FieldValue::I32(5)),
            r
        )
        .is_ok());
        assert_eq!(erlang_float(100.0), "100.0");
        assert_eq!(erlang_float(1.5), "1.5");
    }

    #[test]
    fn policy_and_arguments_merge_as_rabbitmq_does() {
        let args = FieldTable(vec![
            ("x-message-ttl".into(), FieldValue::I32(5000)),
            ("x-dead-letter-exchange".into(), FieldValue::str("arg-dlx")),
        ]);
        let def = FieldTable(vec![
            ("message-ttl".into(), FieldValue::I32(1000)),
            ("dead-letter-exchange".into(), FieldValue::str("pol-dlx")),
            ("max-length".into(), FieldValue::I32(10)),
        ]);
        let c = effective_config(&args, Some(("p", &def)));
        assert_eq!(c.message_ttl, Some(1000));
        assert_eq!(c.dead_letter_exchange.as_deref(), Some("arg-dlx"));
        assert_eq!(c.max_length, Some(10));
    }
}
