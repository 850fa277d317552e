//! Streams (`x-queue-type: stream`): an append-only log that consuming
//! does not shrink. Each consumer reads it from an offset of its own and
//! moves forward as its prefetch allows; acknowledgements only give credit
//! back. As RabbitMQ 3.10.8 runs them on one node (recorded in the
//! conformance fixtures `stream-*`).
//!
//! Not modelled: retention (`x-max-age`, `x-max-length-bytes`), which
//! RabbitMQ applies a whole segment at a time when a segment fills (500 MB
//! by default), so a playground's stream never loses a message to it; and
//! the grouping of messages into chunks: RabbitMQ writes messages that
//! arrive together as one chunk, and `last` starts at the last chunk's
//! first message. Warren writes one chunk per message (what the recorded
//! scenarios, which publish one message at a time, show).

use std::sync::Arc;

use crate::value::FieldValue;
use crate::{Message, SimTime};

/// The header every delivery from a stream carries: the message's offset
/// in the log, a `long`.
pub const OFFSET_HEADER: &str = "x-stream-offset";

/// How often 3.10.8 emits queue statistics (`collect_statistics_interval`).
const STATS_TICK_MS: u64 = 5_000;

/// A stream's log: offset `n` is `records[n]` (retention is not modelled,
/// so the first offset is always 0).
#[derive(Clone, Debug, Default)]
pub(crate) struct Log {
    records: Vec<Record>,
    bytes: u64,
}

/// One message in the log, with the time it was written (what a
/// timestamp offset compares with).
#[derive(Clone, Debug)]
struct Record {
    msg: Arc<Message>,
    at: SimTime,
}

impl Log {
    /// Appends a message written at `at`; its offset.
    pub(crate) fn append(&mut self, msg: Arc<Message>, at: SimTime) -> u64 {
        self.bytes += msg.body().len() as u64;
        self.records.push(Record { msg, at });
        self.len() - 1
    }

    /// How many messages the log holds (also the next offset).
    pub(crate) fn len(&self) -> u64 {
        self.records.len() as u64
    }

    /// Body bytes in the log.
    pub(crate) fn bytes(&self) -> u64 {
        self.bytes
    }

    /// The length `queue.declare-ok` reports at `now`: the log's length as
    /// of the broker's last statistics tick. 3.10.8 reads it from the
    /// statistics a stream emits every 5 s (`collect_statistics_interval`),
    /// at a phase of the broker's own; Warren ticks at every multiple of
    /// 5 s of virtual time (recorded: stream-message-count-tick,
    /// stream-message-count-lag).
    pub(crate) fn reported_len(&self, now: SimTime) -> u64 {
        let tick = SimTime(now.0 / STATS_TICK_MS * STATS_TICK_MS);
        self.records.partition_point(|r| r.at < tick) as u64
    }

    /// The message at `offset`, as a delivery shows it (with its
    /// `x-stream-offset` header).
    pub(crate) fn delivery(&self, offset: u64) -> Option<Arc<Message>> {
        let r = self.records.get(usize::try_from(offset).ok()?)?;
        let value = FieldValue::I64(i64::try_from(offset).unwrap_or(i64::MAX));
        Some(r.msg.with_header(OFFSET_HEADER, value))
    }

    /// Empties the log (the stream is deleted); the messages it held.
    pub(crate) fn take(&mut self) -> Vec<Arc<Message>> {
        self.bytes = 0;
        std::mem::take(&mut self.records)
            .into_iter()
            .map(|r| r.msg)
            .collect()
    }

    /// Where a consumer starting at `start` reads first, at time `now`.
    pub(crate) fn start_offset(&self, start: Start, now: SimTime) -> u64 {
        match start {
            Start::First => 0,
            // One chunk per message: the last chunk is the last message.
            Start::Last => self.len().saturating_sub(1),
            Start::Next => self.len(),
            Start::Offset(n) => n,
            Start::Since(t) => self.records.partition_point(|r| r.at < t) as u64,
            Start::Within(ms) => {
                let t = SimTime(now.0.saturating_sub(ms));
                self.records.partition_point(|r| r.at < t) as u64
            }
        }
    }
}

/// The message as a stream stores it. 3.10 converts a message to AMQP 1.0
/// to write it, and headers become application properties, which hold
/// only simple values: arrays and tables (`CC` and `BCC` among them) are
/// lost (recorded: stream-header-types).
pub(crate) fn stored(msg: &Arc<Message>) -> Arc<Message> {
    msg.with_headers_kept(|v| !matches!(v, FieldValue::Array(_) | FieldValue::Table(_)))
}

/// Whether a stream cannot store the message at all: a `decimal` header
/// crashes 3.10's conversion, and the connection closes with 541
/// (recorded: stream-header-types, stream-message-properties).
pub(crate) fn cannot_store(msg: &Message) -> bool {
    msg.properties().headers.as_ref().is_some_and(|h| {
        h.iter()
            .any(|(_, v)| matches!(v, FieldValue::Decimal { .. }))
    })
}

/// Where a consumer starts reading: its `x-stream-offset` argument.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Start {
    /// `"first"`: the whole log.
    First,
    /// `"last"`: the last chunk.
    Last,
    /// `"next"` (and no argument): only what is written from now on.
    Next,
    /// A number: that offset (a negative one means 0; past the end, the
    /// consumer waits there).
    Offset(u64),
    /// A timestamp: the first message written at or after it.
    Since(SimTime),
    /// An interval such as `"1h"`: what was written within it.
    Within(u64),
}

/// Why RabbitMQ 3.10.8 refuses an `x-stream-offset` or `x-max-age`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Unreadable {
    /// The value crashes the channel process (a string without a leading
    /// number, or a type it does not expect): the connection closes with
    /// 541 INTERNAL_ERROR (recorded: stream-bad-offset,
    /// stream-offset-kinds, stream-interval-forms).
    Crash,
    /// A 406 naming the argument, with this Erlang term as its detail.
    Invalid(String),
}

/// Reads a consumer's `x-stream-offset` argument.
pub(crate) fn parse_start(arg: Option<&FieldValue>) -> Result<Start, Unreadable> {
    let Some(v) = arg else {
        return Ok(Start::Next);
    };
    if let Some(n) = v.as_int() {
        return Ok(Start::Offset(u64::try_from(n).unwrap_or(0)));
    }
    match v {
        FieldValue::Timestamp(secs) => Ok(Start::Since(SimTime(secs.saturating_mul(1000)))),
        FieldValue::LongStr(s) => match s.as_str() {
            "first" => Ok(Start::First),
            "last" => Ok(Start::Last),
            "next" => Ok(Start::Next),
            other => interval_ms(other).map(Start::Within).map_err(|e| match e {
                Unreadable::Crash => Unreadable::Crash,
                Unreadable::Invalid(_) => Unreadable::Invalid(format!(
                    "{{invalid_stream_offset_arg,{{longstr,<<\"{other}\">>}}}}"
                )),
            }),
        },
        _ => Err(Unreadable::Crash),
    }
}

/// An interval as `x-max-age` and interval offsets write it: a positive
/// number and one unit of `Y` (365 days), `M` (30 days), `D`, `h`, `m`,
/// `s` (3.10's `rabbit_amqqueue:check_max_age/1`). Without a leading
/// number it crashes; a zero or another unit is `invalid_max_age`.
pub(crate) fn interval_ms(s: &str) -> Result<u64, Unreadable> {
    let digits = s.bytes().take_while(u8::is_ascii_digit).count();
    let (number, unit) = s.split_at(digits);
    if number.is_empty() {
        return Err(Unreadable::Crash);
    }
    let invalid = || Unreadable::Invalid("invalid_max_age".into());
    // Erlang integers do not overflow: a huge number is simply a long age.
    let n: u64 = number.parse().unwrap_or(u64::MAX);
    if n == 0 {
        return Err(invalid());
    }
    let day = 24 * 3_600_000;
    let unit_ms = match unit {
        "Y" => 365 * day,
        "M" => 30 * day,
        "D" => day,
        "h" => 3_600_000,
        "m" => 60_000,
        "s" => 1_000,
        _ => return Err(invalid()),
    };
    Ok(n.saturating_mul(unit_ms))
}

/// `x-max-age` at declare: `None` if RabbitMQ takes it.
pub(crate) fn check_max_age(v: &FieldValue) -> Option<Unreadable> {
    match v {
        FieldValue::LongStr(s) => interval_ms(s).err(),
        other => Some(Unreadable::Invalid(format!(
            "{{unacceptable_type,{}}}",
            other.type_name()
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn log(times: &[u64]) -> Log {
        let mut log = Log::default();
        for (i, &t) in times.iter().enumerate() {
            let msg = Message::new(
                crate::MessageId(i as u64),
                "",
                "s",
                crate::Properties::default(),
                Vec::new(),
                format!("m{i}").as_bytes(),
            );
            log.append(msg, SimTime(t));
        }
        log
    }

    #[test]
    fn offsets_are_read_as_rabbitmq_reads_them() {
        let s = |v: &str| parse_start(Some(&FieldValue::str(v)));
        assert_eq!(parse_start(None), Ok(Start::Next));
        assert_eq!(s("first"), Ok(Start::First));
        assert_eq!(s("1h"), Ok(Start::Within(3_600_000)));
        assert_eq!(s("sideways"), Err(Unreadable::Crash));
        assert_eq!(
            s("0D"),
            Err(Unreadable::Invalid(
                "{invalid_stream_offset_arg,{longstr,<<\"0D\">>}}".into()
            ))
        );
        assert_eq!(
            parse_start(Some(&FieldValue::I32(-5))),
            Ok(Start::Offset(0))
        );
        assert_eq!(
            parse_start(Some(&FieldValue::Timestamp(2))),
            Ok(Start::Since(SimTime(2_000)))
        );
        assert_eq!(
            parse_start(Some(&FieldValue::Bool(true))),
            Err(Unreadable::Crash)
        );
    }

    #[test]
    fn each_start_finds_its_offset() {
        let l = log(&[0, 1_000, 2_000]);
        let now = SimTime(3_000);
        assert_eq!(l.start_offset(Start::First, now), 0);
        assert_eq!(l.start_offset(Start::Last, now), 2);
        assert_eq!(l.start_offset(Start::Next, now), 3);
        assert_eq!(l.start_offset(Start::Offset(100), now), 100);
        assert_eq!(l.start_offset(Start::Since(SimTime(1_000)), now), 1);
        assert_eq!(l.start_offset(Start::Since(SimTime(9_000)), now), 3);
        assert_eq!(l.start_offset(Start::Within(1_500), now), 2);
        assert_eq!(Log::default().start_offset(Start::Last, now), 0);
    }

    #[test]
    fn the_reported_length_waits_for_the_statistics_tick() {
        let l = log(&[0, 4_999, 5_000]);
        assert_eq!(l.reported_len(SimTime(4_999)), 0);
        assert_eq!(l.reported_len(SimTime(5_000)), 2);
        assert_eq!(l.reported_len(SimTime(9_999)), 2);
        assert_eq!(l.reported_len(SimTime(10_000)), 3);
    }

    #[test]
    fn a_delivery_carries_its_offset_and_the_log_keeps_the_original() {
        let l = log(&[0, 0]);
        let m = l.delivery(1).unwrap();
        assert_eq!(
            m.properties().header(OFFSET_HEADER),
            Some(&FieldValue::I64(1))
        );
        assert_eq!(l.records[1].msg.properties().headers, None);
        assert!(l.delivery(2).is_none());
        assert_eq!(interval_ms("2D"), Ok(2 * 86_400_000));
        assert_eq!(interval_ms("D"), Err(Unreadable::Crash));
        assert_eq!(
            check_max_age(&FieldValue::str("5X")),
            Some(Unreadable::Invalid("invalid_max_age".into()))
        );
        assert_eq!(
            check_max_age(&FieldValue::I32(5)),
            Some(Unreadable::Invalid("{unacceptable_type,signedint}".into()))
        );
    }
}
