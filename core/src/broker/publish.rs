//! Publishing: validation, the routing walk, enqueueing with length limits
//! and TTL, publisher confirms, returns, and dead-lettering.

use std::sync::Arc;

use crate::dead_letter::{is_cycle, update_x_death};
use crate::error::{AmqpError, Error, Method, ReplyCode, UsageError};
use crate::event::{DeathReason, DropReason, EventKind};
use crate::exchange::{Dest, ExchangeId};
use crate::message::{cc_keys, Entry, Message, MAX_MESSAGE_SIZE};
use crate::methods::BasicPublish;
use crate::queue::{Overflow, QueueId, MAX_TTL};
use crate::value::{FieldTable, FieldValue};
use crate::{ChannelId, MessageId, Properties, SimTime};

use super::Broker;

/// Parses `expiration` as RabbitMQ 3.10 does (`rabbit_basic:parse_expiration/1`,
/// built on Erlang's `string:to_integer/1`), returning the error term it
/// reports on failure.
pub(crate) fn parse_expiration(s: &str) -> Result<u64, String> {
    let bytes = s.as_bytes();
    let (sign, digits_start) = match bytes.first() {
        Some(b'-') => (-1i128, 1),
        Some(b'+') => (1, 1),
        _ => (1, 0),
    };
    let digits_end = bytes[digits_start..]
        .iter()
        .position(|b| !b.is_ascii_digit())
        .map_or(bytes.len(), |p| p + digits_start);
    if digits_end == digits_start {
        return Err("no_integer".into());
    }
    if digits_end < bytes.len() {
        return Err(format!("{{leftover_string,{:?}}}", &s[digits_end..]));
    }
    // Saturate: anything this long is far beyond the maximum anyway.
    let n = s[digits_start..digits_end]
        .parse::<i128>()
        .unwrap_or(i128::MAX)
        .saturating_mul(sign);
    if n < 0 {
        Err(format!("{{value_negative,{n}}}"))
    } else if n > MAX_TTL.into() {
        Err(format!("{{value_too_large,{n},{MAX_TTL}}}"))
    } else {
        Ok(n as u64)
    }
}

impl Broker {
    /// `basic.publish`.
    ///
    /// # Errors
    /// 404 for a missing exchange, 403 for an internal one, 406 for an
    /// invalid `expiration`, a non-array `CC`/`BCC` header or an oversized
    /// body (channel errors); 540 for `immediate` (connection error). A
    /// routing key or exchange name over 255 bytes is a usage error: a
    /// client cannot put it on the wire.
    pub fn basic_publish(&mut self, ch: ChannelId, m: &BasicPublish) -> Result<(), Error> {
        self.check_channel(ch)?;
        if m.exchange.len() > 255 || m.routing_key.len() > 255 {
            return Err(UsageError::ShortStrTooLong.into());
        }
        let r = self.try_publish(ch, m);
        let r = r.map_err(|e| self.fail(ch, e));
        self.run_dispatch();
        r
    }

    fn try_publish(&mut self, ch: ChannelId, m: &BasicPublish) -> Result<(), AmqpError> {
        let xid = self.check_publish(m)?;
        let msg = self.published_message(ch, m);
        // One look at the channel: its confirm number, and whether a
        // transaction holds the publish.
        let (seq, in_tx) = self.channels.get_mut(&ch).map_or((None, false), |c| {
            let seq = c.next_publish_seq;
            if let Some(n) = seq {
                c.next_publish_seq = Some(n + 1);
            }
            (seq, c.tx.is_some())
        });
        let targets = self.route_message(xid, &msg);
        let to_stream = || targets.iter().any(|q| self.queues[q].is_stream());
        if crate::stream::cannot_store(&msg) && to_stream() {
            self.ledger.discarded += 1;
            return Err(AmqpError::internal());
        }
        self.emit_routed(&msg, &targets);
        if in_tx {
            self.hold_publish(ch, msg, targets, m.mandatory);
        } else {
            self.deliver_published(ch, &msg, targets, m.mandatory, seq);
        }
        Ok(())
    }

    /// A routed message reaches its queues, or comes back (mandatory) or
    /// goes (unroutable); then its confirm, if the channel is in confirm
    /// mode. At publish time, or at `tx.commit`.
    pub(crate) fn deliver_published(
        &mut self,
        ch: ChannelId,
        msg: &Arc<Message>,
        targets: Vec<QueueId>,
        mandatory: bool,
        seq: Option<u64>,
    ) {
        let mut accepted = true;
        if targets.is_empty() {
            if mandatory {
                self.ledger.returned += 1;
                self.emit(EventKind::Returned {
                    channel: ch,
                    reply_code: 312,
                    reply_text: "NO_ROUTE".into(),
                    message: msg.clone(),
                });
            } else {
                self.ledger.unroutable += 1;
                self.emit(EventKind::Unroutable { message: msg.id() });
            }
        } else {
            self.ledger.routed += 1;
            for qid in targets {
                accepted &= self.enqueue(qid, msg);
            }
        }
        if let Some(seq) = seq {
            self.emit(EventKind::Confirmed {
                channel: ch,
                delivery_tag: seq,
                ack: accepted,
            });
        }
    }

    /// The exchange a publish goes to, or the channel error RabbitMQ
    /// raises for it.
    fn check_publish(&self, m: &BasicPublish) -> Result<ExchangeId, AmqpError> {
        let method = Method::BasicPublish;
        if m.immediate {
            return Err(AmqpError::new(
                ReplyCode::NotImplemented,
                method,
                "immediate=true",
            ));
        }
        let Some(x) = self.exchange_named(&m.exchange) else {
            return Err(self.not_found(method, "exchange", &m.exchange));
        };
        if x.internal {
            return Err(AmqpError::new(
                ReplyCode::AccessRefused,
                method,
                format!(
                    "cannot publish to internal {}",
                    self.rs("exchange", &m.exchange)
                ),
            ));
        }
        let xid = x.id;
        if let Some(exp) = &m.properties.expiration {
            if let Err(term) = parse_expiration(exp) {
                return Err(AmqpError::new(
                    ReplyCode::PreconditionFailed,
                    method,
                    format!("invalid expiration '{exp}': {term}"),
                ));
            }
        }
        if m.body.len() > MAX_MESSAGE_SIZE {
            return Err(AmqpError::new(
                ReplyCode::PreconditionFailed,
                method,
                format!(
                    "message size {} is larger than configured max size {MAX_MESSAGE_SIZE}",
                    m.body.len()
                ),
            ));
        }
        for key in ["CC", "BCC"] {
            if let Some(v) = m.properties.header(key) {
                if !matches!(v, FieldValue::Array(_)) {
                    return Err(AmqpError::new(
                        ReplyCode::PreconditionFailed,
                        method,
                        format!(
                            "invalid message: {{unacceptable_type_in_header,\"{key}\",{}}}",
                            v.type_name()
                        ),
                    ));
                }
            }
        }
        Ok(xid)
    }

    /// The message a publish makes, numbered, counted and recorded.
    fn published_message(&mut self, ch: ChannelId, m: &BasicPublish) -> Arc<Message> {
        // Most messages carry no properties: clone them only when there are some.
        let (props, bcc) = if m.properties.is_empty() {
            (Properties::default(), Vec::new())
        } else {
            let mut props = m.properties.clone();
            let bcc: Vec<String> = match props.headers.as_mut().and_then(|h| h.remove_first("BCC"))
            {
                Some(v) => crate::message::string_array(Some(&v)).collect(),
                None => Vec::new(),
            };
            (props, bcc)
        };
        let id = self.next_message_id();
        let msg = Message::new(
            id,
            &m.exchange,
            &m.routing_key,
            props,
            bcc,
            m.body.as_bytes(),
        );
        self.ledger.published += 1;
        if self.record_events {
            self.emit(EventKind::Published {
                channel: ch,
                message: id,
                exchange: m.exchange.clone(),
                routing_key: m.routing_key.clone(),
            });
        }
        msg
    }

    pub(crate) fn next_message_id(&mut self) -> MessageId {
        let id = MessageId(self.next_message_id);
        self.next_message_id += 1;
        id
    }

    fn emit_routed(&mut self, msg: &Message, targets: &[QueueId]) {
        if self.record_events {
            let queues = targets
                .iter()
                .map(|q| self.queue_name(*q).to_owned())
                .collect();
            self.emit(EventKind::Routed {
                message: msg.id(),
                exchange: msg.exchange().to_owned(),
                queues,
            });
        }
    }

    /// Routes a message by all its routing keys (publish key, `CC`, `BCC`),
    /// without allocating for the common single-key case.
    pub(crate) fn route_message(&self, start: ExchangeId, msg: &Message) -> Vec<QueueId> {
        let headers = msg.properties().headers.as_ref();
        if msg.has_extra_keys() {
            let keys = msg.routing_keys();
            let keys: Vec<&str> = keys.iter().map(String::as_str).collect();
            self.route(start, &keys, headers)
        } else {
            self.route(start, &[msg.routing_key()], headers)
        }
    }

    /// The routing walk of RabbitMQ 3.10 (`rabbit_exchange:route/2`): each
    /// exchange is visited at most once per message, so exchange-to-exchange
    /// cycles terminate; an exchange's alternate exchange is consulted only
    /// when its own bindings matched nothing; every queue appears once.
    pub(crate) fn route(
        &self,
        start: ExchangeId,
        keys: &[&str],
        headers: Option<&FieldTable>,
    ) -> Vec<QueueId> {
        // `seen` and `work` stay empty (no allocation) unless the walk
        // leaves the first exchange.
        let mut out: Vec<QueueId> = Vec::new();
        let mut seen: Vec<ExchangeId> = Vec::new();
        let mut work: Vec<ExchangeId> = Vec::new();
        let mut first = Some(start);
        while let Some(xid) = first.take().or_else(|| work.pop()) {
            let Some(x) = self.exchanges.get(&xid) else {
                continue;
            };
            let mut matched = false;
            if x.is_default() {
                for key in keys {
                    if let Some(q) = self.queue_ids.get(key) {
                        matched = true;
                        out.push(q);
                    }
                }
            } else {
                x.for_each_match(keys, headers, &self.bindings, |bid| {
                    let Some(b) = self.binding(bid) else { return };
                    matched = true;
                    match b.dest {
                        Dest::Queue(q) => out.push(q),
                        Dest::Exchange(e) => {
                            if e != start && !seen.contains(&e) {
                                seen.push(e);
                                work.push(e);
                            }
                        }
                    }
                });
            }
            if !matched {
                if let Some(ae) = x
                    .alternate
                    .as_deref()
                    .and_then(|n| self.exchange_lookup.get(n))
                {
                    if *ae != start && !seen.contains(ae) {
                        seen.push(*ae);
                        work.push(*ae);
                    }
                }
            }
        }
        super::deliver::sorted_ids(out)
    }

    /// Puts a copy of `msg` into a queue (or straight to a consumer that can
    /// take it). Returns false if the queue refused it (`reject-publish`).
    pub(crate) fn enqueue(&mut self, qid: QueueId, msg: &Arc<Message>) -> bool {
        let now = self.now;
        let Some(q) = self.queues.get_mut(&qid) else {
            return false;
        };
        if q.is_stream() {
            q.log.append(crate::stream::stored(msg), now);
            self.ledger.copies += 1;
            self.emit_enqueued(qid, msg);
            self.wake(qid);
            return true;
        }
        let per_message = msg
            .properties()
            .expiration
            .as_deref()
            .and_then(|e| parse_expiration(e).ok());
        let ttl = match (q.config.message_ttl, per_message) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        let expires_at = ttl.map_or(SimTime::NEVER, |t| now.plus(t));
        self.ledger.copies += 1;
        let overflow = q.config.overflow;
        if overflow != Overflow::DropHead && q.refuses(msg.body().len() as u64) {
            let entry = Entry::new(msg.clone(), 0, expires_at);
            if overflow == Overflow::RejectPublishDlx && q.config.dead_letter_exchange.is_some() {
                self.dead_letter(qid, entry, DeathReason::Maxlen);
            } else {
                self.drop_entry(qid, &entry, DropReason::RejectPublish);
            }
            return false;
        }
        let seq = q.next_seq;
        q.next_seq += 1;
        let entry = Entry::new(msg.clone(), seq, expires_at);
        if q.is_empty() {
            if let Some(uid) = self.pick_consumer(qid) {
                self.deliver(qid, entry, uid);
                return true;
            }
        }
        if let Some(q) = self.queues.get_mut(&qid) {
            q.push(entry);
            q.note_enqueued();
        }
        self.emit_enqueued(qid, msg);
        self.enforce_limits(qid);
        self.drop_expired(qid);
        self.arm(qid);
        true
    }

    /// The `Enqueued` event for a copy of `msg` in `qid`, if events are
    /// recorded: a stream's log and a queue say it alike.
    fn emit_enqueued(&mut self, qid: QueueId, msg: &Arc<Message>) {
        if self.record_events {
            let queue = self.queue_name(qid).to_owned();
            self.emit(EventKind::Enqueued {
                queue,
                message: msg.id(),
            });
        }
    }

    /// `drop-head`: while over a limit, the head goes (dead-lettered with
    /// reason `maxlen` if the queue has a DLX).
    pub(crate) fn enforce_limits(&mut self, qid: QueueId) {
        loop {
            let Some(q) = self.queues.get_mut(&qid) else {
                return;
            };
            if q.config.overflow != Overflow::DropHead || !q.over_limit() {
                return;
            }
            let Some(entry) = q.pop() else { return };
            self.dead_letter_or_drop(qid, entry, DeathReason::Maxlen);
        }
    }

    /// Classic queues expire messages only at the head: a live head shields
    /// expired messages behind it.
    pub(crate) fn drop_expired(&mut self, qid: QueueId) {
        let now = self.now;
        loop {
            let Some(q) = self.queues.get_mut(&qid) else {
                return;
            };
            if q.head_expiry().is_none_or(|t| t > now) {
                return;
            }
            let Some(entry) = q.pop() else { return };
            let name = q.name.clone();
            self.emit(EventKind::Expired {
                queue: name,
                message: entry.msg.id(),
            });
            self.dead_letter_or_drop(qid, entry, DeathReason::Expired);
        }
    }

    pub(crate) fn dead_letter_or_drop(&mut self, qid: QueueId, entry: Entry, reason: DeathReason) {
        let has_dlx = self
            .queues
            .get(&qid)
            .is_some_and(|q| q.config.dead_letter_exchange.is_some());
        if has_dlx {
            self.dead_letter(qid, entry, reason);
        } else {
            let why = match reason {
                DeathReason::Expired => DropReason::Expired,
                DeathReason::Maxlen => DropReason::MaxLength,
                DeathReason::Rejected => DropReason::Rejected,
                DeathReason::DeliveryLimit => DropReason::DeliveryLimit,
            };
            self.drop_entry(qid, &entry, why);
        }
    }

    /// Records a copy's end without delivery.
    pub(crate) fn drop_entry(&mut self, qid: QueueId, entry: &Entry, reason: DropReason) {
        self.ledger.dropped += 1;
        if self.record_events {
            let queue = self.queue_name(qid).to_owned();
            self.emit(EventKind::Dropped {
                queue,
                message: entry.msg.id(),
                reason,
            });
        }
    }

    /// Republishes a dead message to its queue's DLX as RabbitMQ 3.10 does
    /// (`rabbit_dead_letter:publish/5`): a new message with an updated
    /// `x-death` header, no `expiration`, routed by the dead-letter routing
    /// key or else every original routing key, minus target queues that
    /// would close a cycle of automatic (non-rejected) deaths.
    pub(crate) fn dead_letter(&mut self, qid: QueueId, entry: Entry, reason: DeathReason) {
        let Some(q) = self.queues.get(&qid) else {
            self.drop_entry(qid, &entry, DropReason::QueueDeleted);
            return;
        };
        let Some(dlx) = q.config.dead_letter_exchange.clone() else {
            self.drop_entry(qid, &entry, DropReason::Rejected);
            return;
        };
        let dlrk = q.config.dead_letter_routing_key.clone();
        let queue_name = q.name.clone();
        let Some(&xid) = self.exchange_lookup.get(&dlx) else {
            self.drop_entry(qid, &entry, DropReason::DeadLetterExchangeMissing);
            return;
        };
        let old = &entry.msg;
        let mut props: Properties = old.properties().clone();
        // x-death lists the publish key and CC keys, never BCC.
        let death_keys: Vec<String> = std::iter::once(old.routing_key().to_owned())
            .chain(cc_keys(old.properties()))
            .collect();
        let mut headers = props.headers.take().unwrap_or_default();
        update_x_death(
            &mut headers,
            reason,
            &queue_name,
            old.exchange(),
            &death_keys,
            props.expiration.as_deref(),
            self.now,
        );
        // A DLRK longer than a short string could never be a routing key.
        if dlrk.as_ref().is_some_and(|k| k.len() > 255) {
            self.drop_entry(qid, &entry, DropReason::DeadLetterUnroutable);
            return;
        }
        let (route_keys, bcc) = match &dlrk {
            Some(k) => {
                headers.remove("CC");
                (vec![k.clone()], Vec::new())
            }
            None => (old.routing_keys(), old.bcc().to_vec()),
        };
        props.headers = Some(headers);
        props.expiration = None;
        let new_id = self.next_message_id();
        let new_msg = Message::new(new_id, &dlx, &route_keys[0], props, bcc, old.body());
        let mut targets = self.route_message(xid, &new_msg);
        if reason != DeathReason::Rejected {
            let deaths = new_msg.properties().header("x-death");
            targets.retain(|t| !is_cycle(self.queue_name(*t), deaths));
        }
        if targets.is_empty() {
            self.drop_entry(qid, &entry, DropReason::DeadLetterUnroutable);
            return;
        }
        self.ledger.dead_lettered += 1;
        self.emit(EventKind::DeadLettered {
            queue: queue_name,
            message: old.id(),
            reason,
            exchange: dlx,
            new_message: new_id,
        });
        self.emit_routed(&new_msg, &targets);
        for t in targets {
            self.enqueue(t, &new_msg);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::parse_expiration;

    #[test]
    fn expiration_parses_like_erlang_string_to_integer() {
        assert_eq!(parse_expiration("1000"), Ok(1000));
        assert_eq!(parse_expiration("0"), Ok(0));
        assert_eq!(parse_expiration("+5"), Ok(5));
        assert_eq!(parse_expiration("abc").unwrap_err(), "no_integer");
        assert_eq!(parse_expiration("").unwrap_err(), "no_integer");
        assert_eq!(parse_expiration(" 5").unwrap_err(), "no_integer");
        assert_eq!(
            parse_expiration("1.5").unwrap_err(),
            "{leftover_string,\".5\"}"
        );
        assert_eq!(parse_expiration("-1").unwrap_err(), "{value_negative,-1}");
        assert!(parse_expiration("315360000001")
            .unwrap_err()
            .starts_with("{value_too_large"));
        assert!(parse_expiration("99999999999999999999999999999999999999999").is_err());
    }
}
