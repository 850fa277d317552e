//! Consumers, dispatch, `basic.get`, acknowledgements and prefetch.

use std::sync::Arc;

use crate::error::{AmqpError, Error, Method, ReplyCode};
use crate::event::{DeathReason, DropReason, EventKind, QueueDeleteReason};
use crate::message::{Entry, Message};
use crate::methods::{
    BasicAck, BasicCancel, BasicConsume, BasicGet, BasicNack, BasicQos, BasicRecover, BasicReject,
};
use crate::names::GENERATED_TAG_PREFIX;
use crate::queue::{ConsumerUid, Queue, QueueId};
use crate::queue_type::DELIVERY_COUNT_HEADER;
use crate::stream::{Start, OFFSET_HEADER};
use crate::value::FieldValue;
use crate::ChannelId;

use super::{Broker, Consumer, GetResult, Unacked};

impl Broker {
    /// `basic.qos`. With `global_qos=false` the count applies to consumers
    /// created afterwards on the channel; with `global_qos=true` (RabbitMQ
    /// 3.x) it limits the channel's unacked deliveries as a whole.
    ///
    /// # Errors
    /// 540 (connection) for `prefetch_size != 0`.
    pub fn basic_qos(&mut self, ch: ChannelId, m: &BasicQos) -> Result<(), Error> {
        self.check_channel(ch)?;
        if m.prefetch_size != 0 {
            let e = AmqpError::new(
                ReplyCode::NotImplemented,
                Method::BasicQos,
                format!("prefetch_size!=0 ({})", m.prefetch_size),
            );
            return Err(self.fail(ch, e));
        }
        let chan = self.channel_mut(ch)?;
        if m.global_qos {
            chan.global_prefetch = m.prefetch_count;
            self.wake_channel(ch);
        } else {
            chan.consumer_prefetch = m.prefetch_count;
        }
        self.run_dispatch();
        Ok(())
    }

    /// `confirm.select`: from now on every publish on the channel is
    /// numbered and confirmed (or nacked).
    ///
    /// # Errors
    /// 406 on a transactional channel.
    pub fn confirm_select(&mut self, ch: ChannelId) -> Result<(), Error> {
        let chan = self.channel_mut(ch)?;
        if chan.tx.is_some() {
            let e = AmqpError::new(
                ReplyCode::PreconditionFailed,
                Method::ConfirmSelect,
                "cannot switch from tx to confirm mode",
            );
            return Err(self.fail(ch, e));
        }
        if chan.next_publish_seq.is_none() {
            chan.next_publish_seq = Some(1);
        }
        Ok(())
    }

    /// `basic.consume`: returns the consumer tag (generated when empty).
    ///
    /// # Errors
    /// 404 for a missing queue, 405 for another connection's exclusive
    /// queue, 403 when exclusivity is violated, 406 for an invalid
    /// `x-priority`, 530 (connection) for a tag already used on the channel.
    pub fn basic_consume(&mut self, ch: ChannelId, m: &BasicConsume) -> Result<String, Error> {
        self.check_channel(ch)?;
        if m.queue.is_empty() {
            let queue = self.recent_queue(ch, Method::BasicConsume)?;
            return self.basic_consume(ch, &BasicConsume { queue, ..m.clone() });
        }
        Self::check_shortstr(&[&m.queue, &m.consumer_tag])?;
        let r = self.try_consume(ch, m);
        let r = r.map_err(|e| self.fail(ch, e));
        self.run_dispatch();
        r
    }

    fn try_consume(&mut self, ch: ChannelId, m: &BasicConsume) -> Result<String, AmqpError> {
        let (qid, priority, start) = self.check_consume(ch, m)?;
        let q = &self.queues[&qid];
        let sac = q.config.single_active_consumer;
        let offset = start.map_or(0, |s| q.log.start_offset(s, self.now));
        let tag = if m.consumer_tag.is_empty() {
            format!("{GENERATED_TAG_PREFIX}{}", self.rng.name_suffix())
        } else {
            m.consumer_tag.clone()
        };
        let uid = self.new_consumer_uid();
        let chan = self.channels.get_mut(&ch).expect("checked above");
        chan.consumers.insert(tag.clone(), uid);
        let prefetch = chan.consumer_prefetch;
        self.consumers.insert(
            uid,
            Consumer {
                uid,
                channel: ch,
                tag: tag.clone(),
                queue: qid,
                auto_ack: m.auto_ack,
                exclusive: m.exclusive,
                priority,
                prefetch,
                unacked: 0,
                arguments: m.arguments.clone(),
                offset,
            },
        );
        let q = self.queues.get_mut(&qid).expect("looked up above");
        q.add_consumer(priority, uid);
        let activated = sac && q.active.is_none();
        if activated {
            q.active = Some(uid);
        }
        let queue = q.name.clone();
        self.emit(EventKind::ConsumerAdded {
            channel: ch,
            consumer_tag: tag.clone(),
            queue: queue.clone(),
        });
        if activated {
            self.emit(EventKind::ConsumerActivated {
                channel: ch,
                consumer_tag: tag.clone(),
                queue,
            });
        }
        self.arm(qid);
        self.wake(qid);
        Ok(tag)
    }

    /// The queue a consume attaches to, the consumer's priority and (on a
    /// stream) where it starts reading, or the error RabbitMQ raises instead.
    fn check_consume(
        &self,
        ch: ChannelId,
        m: &BasicConsume,
    ) -> Result<(QueueId, i32, Option<Start>), AmqpError> {
        let method = Method::BasicConsume;
        if self.channels[&ch].consumers.contains_key(&m.consumer_tag) {
            return Err(AmqpError::new(
                ReplyCode::NotAllowed,
                method,
                format!("attempt to reuse consumer tag '{}'", m.consumer_tag),
            ));
        }
        let Some(q) = self.queue_named(&m.queue) else {
            return Err(self.not_found(method, "queue", &m.queue));
        };
        if q.locked_for(ch.connection) {
            return Err(self.locked(method, &m.queue));
        }
        let qid = q.id;
        // Consumer arguments are checked by queue type: `x-stream-offset`
        // only on a stream, `x-priority` never on one (recorded:
        // stream-consume-arguments).
        let refused = if q.is_stream() {
            "x-priority"
        } else {
            OFFSET_HEADER
        };
        if m.arguments.get(refused).is_some() {
            return Err(AmqpError::new(
                ReplyCode::PreconditionFailed,
                method,
                format!(
                    "invalid arg '{refused}' for {} of queue type {}",
                    self.rs("queue", &m.queue),
                    q.config.queue_type.module()
                ),
            ));
        }
        let exclusive_held = q
            .consumers
            .iter()
            .any(|(_, u)| self.consumers.get(u).is_some_and(|c| c.exclusive));
        let sac = q.config.single_active_consumer;
        // A stream ignores consumer exclusivity: every reader has its own
        // offset (recorded: stream-consume-arguments).
        if !q.is_stream() && (exclusive_held || (m.exclusive && (!q.consumers.is_empty() || sac))) {
            return Err(AmqpError::new(
                ReplyCode::AccessRefused,
                method,
                format!("{} in exclusive use", self.rs("queue", &m.queue)),
            ));
        }
        let start = if q.is_stream() {
            Some(self.check_stream_consume(ch, m)?)
        } else {
            None
        };
        if q.is_quorum() && self.channels[&ch].global_prefetch > 0 {
            return Err(self.no_global_qos(&m.queue));
        }
        let priority = match m.arguments.get("x-priority") {
            None => 0,
            Some(v) => match v.as_int() {
                Some(p) => i32::try_from(p).unwrap_or(if p < 0 { i32::MIN } else { i32::MAX }),
                None => {
                    return Err(AmqpError::new(
                        ReplyCode::PreconditionFailed,
                        method,
                        format!(
                            "invalid arg 'x-priority' for {}: {{unacceptable_type,{}}}",
                            self.rs("queue", &m.queue),
                            v.type_name()
                        ),
                    ))
                }
            },
        };
        Ok((qid, priority, start))
    }

    /// The 540 of a consume on a channel with a global prefetch, which
    /// quorum queues and streams refuse.
    pub(super) fn no_global_qos(&self, queue: &str) -> AmqpError {
        AmqpError::new(
            ReplyCode::NotImplemented,
            Method::BasicConsume,
            format!("{} does not support global qos", self.rs("queue", queue)),
        )
    }

    /// `basic.cancel`. Unacked deliveries of the consumer stay unacked on
    /// the channel (they are requeued only when the channel closes).
    /// Cancelling an unknown tag does nothing.
    pub fn basic_cancel(&mut self, ch: ChannelId, m: &BasicCancel) -> Result<(), Error> {
        let chan = self.channel_mut(ch)?;
        let Some(uid) = chan.consumers.get(&m.consumer_tag) else {
            return Ok(());
        };
        let qid = self.consumers[&uid].queue;
        self.remove_consumer(uid, false);
        self.maybe_auto_delete(qid);
        self.run_dispatch();
        Ok(())
    }

    /// Unregisters a consumer (its unacked deliveries stay on the channel).
    pub(crate) fn remove_consumer(&mut self, uid: ConsumerUid, by_broker: bool) {
        let Some(c) = self.consumers.remove(&uid) else {
            return;
        };
        if let Some(chan) = self.channels.get_mut(&c.channel) {
            chan.consumers.remove(&c.tag);
        }
        let now = self.now;
        let mut activated = None;
        let mut queue = String::new();
        if let Some(q) = self.queues.get_mut(&c.queue) {
            q.remove_consumer(uid);
            q.last_used = now;
            if q.active == Some(uid) {
                // The next active consumer: highest priority, then earliest registered.
                q.active = q
                    .consumers
                    .iter()
                    .map(|(p, u)| (*p, std::cmp::Reverse(*u)))
                    .max()
                    .map(|(_, std::cmp::Reverse(u))| u);
                activated = q.active;
            }
            queue = q.name.clone();
        }
        self.emit(EventKind::ConsumerCancelled {
            channel: c.channel,
            consumer_tag: c.tag,
            queue: queue.clone(),
            by_broker,
        });
        if let Some(next) = activated.and_then(|u| self.consumers.get(&u)) {
            let (channel, consumer_tag) = (next.channel, next.tag.clone());
            self.emit(EventKind::ConsumerActivated {
                channel,
                consumer_tag,
                queue,
            });
        }
        self.arm(c.queue);
        self.wake(c.queue);
    }

    /// Deletes an auto-delete queue whose last consumer just went.
    pub(crate) fn maybe_auto_delete(&mut self, qid: QueueId) {
        let gone = self
            .queues
            .get(&qid)
            .is_some_and(|q| q.auto_delete && q.ever_had_consumer && q.consumers.is_empty());
        if gone {
            self.delete_queue(qid, QueueDeleteReason::AutoDelete);
        }
    }

    /// The queue a `basic.get` on `ch` takes from, or the channel error
    /// RabbitMQ raises instead: 404 missing, 405 another connection's
    /// exclusive queue or a quorum queue with single active consumer.
    fn check_get(&self, ch: ChannelId, queue: &str) -> Result<QueueId, AmqpError> {
        let method = Method::BasicGet;
        let Some(q) = self.queue_named(queue) else {
            return Err(self.not_found(method, "queue", queue));
        };
        if q.locked_for(ch.connection) {
            return Err(self.locked(method, queue));
        }
        if q.is_stream() {
            return Err(AmqpError::new(
                ReplyCode::NotImplemented,
                method,
                format!(
                    "basic.get not supported by stream queues {}",
                    self.rs("queue", queue)
                ),
            ));
        }
        if q.is_quorum() && q.config.single_active_consumer {
            return Err(AmqpError::new(
                ReplyCode::ResourceLocked,
                method,
                format!(
                    "cannot obtain access to locked {}. basic.get operations are not supported by quorum queues with single active consumer",
                    self.rs("queue", queue)
                ),
            ));
        }
        Ok(q.id)
    }

    /// `basic.get`.
    ///
    /// # Errors
    /// 404 for a missing queue, 405 for another connection's exclusive queue.
    pub fn basic_get(&mut self, ch: ChannelId, m: &BasicGet) -> Result<GetResult, Error> {
        self.check_channel(ch)?;
        if m.queue.is_empty() {
            let queue = self.recent_queue(ch, Method::BasicGet)?;
            return self.basic_get(ch, &BasicGet { queue, ..m.clone() });
        }
        Self::check_shortstr(&[&m.queue])?;
        let qid = match self.check_get(ch, &m.queue) {
            Ok(qid) => qid,
            Err(e) => return Err(self.fail(ch, e)),
        };
        let now = self.now;
        if let Some(q) = self.queues.get_mut(&qid) {
            q.last_used = now;
        }
        self.drop_expired(qid);
        let popped = self.queues.get_mut(&qid).and_then(|q| q.pop());
        // RabbitMQ drops the expired messages the fetch uncovered before
        // it reports how many are left.
        self.drop_expired(qid);
        let left = self.queues.get(&qid).map_or(0, |q| q.len());
        let result = match popped {
            None => {
                self.emit(EventKind::GetEmpty {
                    channel: ch,
                    queue: m.queue.clone(),
                });
                GetResult::Empty
            }
            Some(entry) => {
                let message_count = left;
                let redelivered = entry.redelivered();
                let message = self.delivered_message(qid, &entry, true);
                let chan = self.channels.get_mut(&ch).expect("checked above");
                let delivery_tag = chan.next_delivery_tag;
                chan.next_delivery_tag += 1;
                if m.auto_ack {
                    self.ledger.acked += 1;
                } else {
                    chan.unacked.insert(
                        delivery_tag,
                        Unacked {
                            queue: qid,
                            entry,
                            consumer: None,
                            delivered_at: now,
                            from_stream: false,
                        },
                    );
                    self.arm_tick(ch);
                }
                self.emit(EventKind::GetOk {
                    channel: ch,
                    delivery_tag,
                    redelivered,
                    queue: m.queue.clone(),
                    message_count,
                    auto_ack: m.auto_ack,
                    message: message.clone(),
                });
                GetResult::Ok {
                    delivery_tag,
                    redelivered,
                    message_count,
                    message,
                }
            }
        };
        self.drop_expired(qid);
        self.arm(qid);
        self.run_dispatch();
        Ok(result)
    }

    /// The outstanding deliveries a `basic.ack`/`nack`/`reject` settles, as
    /// 3.10's `collect_acks/3` finds them.
    fn collect(
        &mut self,
        ch: ChannelId,
        tag: u64,
        multiple: bool,
        method: Method,
    ) -> Result<Vec<(u64, Unacked)>, AmqpError> {
        let chan = self
            .channels
            .get_mut(&ch)
            .expect("caller checked the channel");
        if multiple && tag == 0 {
            return Ok(std::mem::take(&mut chan.unacked).into_iter().collect());
        }
        if !chan.unacked.contains_key(&tag) {
            return Err(AmqpError::new(
                ReplyCode::PreconditionFailed,
                method,
                format!("unknown delivery tag {tag}"),
            ));
        }
        if multiple {
            Ok(chan.unacked.take_through(tag))
        } else {
            let u = chan.unacked.remove(&tag).expect("checked above");
            Ok(vec![(tag, u)])
        }
    }

    /// Frees the consumer slot a settled delivery held.
    fn release(&mut self, ch: ChannelId, u: &Unacked) {
        let freed = u
            .consumer
            .and_then(|uid| self.consumers.get_mut(&uid))
            .map(|c| {
                c.unacked = c.unacked.saturating_sub(1);
                c.queue
            });
        if let Some(q) = freed {
            self.wake(q);
        }
        if self
            .channels
            .get(&ch)
            .is_some_and(|c| c.global_prefetch > 0)
        {
            self.wake_channel(ch);
        }
    }

    /// Marks every queue the channel consumes from for dispatch.
    fn wake_channel(&mut self, ch: ChannelId) {
        let Some(chan) = self.channels.get(&ch) else {
            return;
        };
        let queues: Vec<QueueId> = chan
            .consumers
            .values()
            .filter_map(|u| self.consumers.get(&u).map(|c| c.queue))
            .collect();
        for q in queues {
            self.wake(q);
        }
    }

    /// `basic.ack`.
    ///
    /// # Errors
    /// 406 for a delivery tag that is not outstanding on the channel (the
    /// channel closes and its other unacked messages are requeued).
    pub fn basic_ack(&mut self, ch: ChannelId, m: &BasicAck) -> Result<(), Error> {
        self.check_channel(ch)?;
        let settled = match self.collect(ch, m.delivery_tag, m.multiple, Method::BasicAck) {
            Ok(s) => s,
            Err(e) => return Err(self.fail(ch, e)),
        };
        if self.taken_off(ch) {
            self.hold_settle(ch, None, settled);
        } else {
            self.settle_acks(ch, settled);
        }
        self.run_dispatch();
        Ok(())
    }

    /// Acknowledged deliveries leave for good (at `basic.ack`, or at
    /// `tx.commit`).
    pub(crate) fn settle_acks(&mut self, ch: ChannelId, settled: Vec<(u64, Unacked)>) {
        for (tag, u) in settled {
            self.release(ch, &u);
            if !u.from_stream {
                self.ledger.acked += 1;
            }
            if self.record_events {
                let queue = self.queue_name(u.queue).to_owned();
                self.emit(EventKind::Acked {
                    channel: ch,
                    delivery_tag: tag,
                    queue,
                    message: u.entry.msg.id(),
                });
            }
        }
    }

    /// `basic.nack`: requeue (to the original position, marked
    /// redelivered) or dead-letter/drop, in delivery-tag order.
    ///
    /// # Errors
    /// 406 for a delivery tag that is not outstanding on the channel.
    pub fn basic_nack(&mut self, ch: ChannelId, m: &BasicNack) -> Result<(), Error> {
        self.check_channel(ch)?;
        self.settle_negative(ch, m.delivery_tag, m.multiple, m.requeue, Method::BasicNack)
    }

    /// `basic.reject`: a single-message `basic.nack`.
    ///
    /// # Errors
    /// 406 for a delivery tag that is not outstanding on the channel.
    pub fn basic_reject(&mut self, ch: ChannelId, m: &BasicReject) -> Result<(), Error> {
        self.check_channel(ch)?;
        self.settle_negative(ch, m.delivery_tag, false, m.requeue, Method::BasicReject)
    }

    fn settle_negative(
        &mut self,
        ch: ChannelId,
        tag: u64,
        multiple: bool,
        requeue: bool,
        method: Method,
    ) -> Result<(), Error> {
        let settled = match self.collect(ch, tag, multiple, method) {
            Ok(s) => s,
            Err(e) => return Err(self.fail(ch, e)),
        };
        if let Some(e) = self.stream_refusal(&settled, method) {
            self.give_back_collected(ch, settled);
            return Err(self.fail(ch, e));
        }
        if self.taken_off(ch) {
            self.hold_settle(ch, Some(requeue), settled);
        } else {
            self.settle_rejects(ch, settled, requeue);
        }
        self.run_dispatch();
        Ok(())
    }

    /// Rejected deliveries go back to their queues (`requeue`) or are
    /// dead-lettered or dropped (at `basic.nack`/`reject`, or at `tx.commit`).
    pub(crate) fn settle_rejects(
        &mut self,
        ch: ChannelId,
        settled: Vec<(u64, Unacked)>,
        requeue: bool,
    ) {
        let mut touched = Vec::new();
        for (tag, u) in settled {
            self.release(ch, &u);
            // Only a transaction's commit gets here with a stream's delivery.
            if u.from_stream {
                continue;
            }
            if self.record_events {
                let queue = self.queue_name(u.queue).to_owned();
                self.emit(EventKind::Nacked {
                    channel: ch,
                    delivery_tag: tag,
                    queue,
                    message: u.entry.msg.id(),
                    requeue,
                });
            }
            if requeue {
                let how = self.giveback_of(&u);
                self.requeue_entry(u.queue, u.entry, how);
                touched.push(u.queue);
            } else if self.queues.contains_key(&u.queue) {
                self.dead_letter_or_drop(u.queue, u.entry, DeathReason::Rejected);
            } else {
                self.drop_entry(u.queue, &u.entry, DropReason::QueueDeleted);
            }
        }
        self.after_requeue(touched);
    }

    /// `basic.recover(requeue=true)`: every unacked delivery of the channel
    /// goes back to its queue, marked redelivered.
    ///
    /// # Errors
    /// 540 (connection) for `requeue=false`, which RabbitMQ does not implement.
    pub fn basic_recover(&mut self, ch: ChannelId, m: &BasicRecover) -> Result<(), Error> {
        self.check_channel(ch)?;
        if !m.requeue {
            let e = AmqpError::new(
                ReplyCode::NotImplemented,
                Method::BasicRecover,
                "requeue=false",
            );
            return Err(self.fail(ch, e));
        }
        // 3.10's stream queue crashes on the requeue (recorded:
        // stream-consume-more).
        if self
            .channel_mut(ch)?
            .unacked
            .values()
            .any(|u| u.from_stream)
        {
            return Err(self.fail(ch, AmqpError::internal()));
        }
        let all = std::mem::take(&mut self.channel_mut(ch)?.unacked);
        // A transaction holds acks, not recoveries: what it holds stays.
        let _ = self.taken_off(ch);
        let mut touched = Vec::new();
        for (_, u) in all {
            let how = self.giveback_of(&u);
            self.release(ch, &u);
            touched.push(u.queue);
            self.requeue_entry(u.queue, u.entry, how);
        }
        self.after_requeue(touched);
        self.run_dispatch();
        Ok(())
    }

    /// How a settled delivery comes back: from a consumer still
    /// registered, or from a `basic.get` or a cancelled consumer.
    fn giveback_of(&self, u: &Unacked) -> Giveback {
        let by_consumer = u
            .consumer
            .is_some_and(|uid| self.consumers.contains_key(&uid));
        if by_consumer {
            Giveback::ByConsumer
        } else {
            Giveback::Settled
        }
    }

    /// Puts a delivery back in its queue, marked redelivered: a classic
    /// queue at its original position; a quorum queue counts the return
    /// and, past `x-delivery-limit`, dead-letters (or drops) the message
    /// with reason `delivery_limit`, else puts it ahead of the queue or at
    /// its back (see [`Giveback`]).
    pub(crate) fn requeue_entry(&mut self, qid: QueueId, mut entry: Entry, how: Giveback) {
        let Some(q) = self.queues.get_mut(&qid) else {
            self.drop_entry(qid, &entry, DropReason::RequeueToDeletedQueue);
            return;
        };
        entry.mark_redelivered();
        let id = entry.msg.id();
        if q.is_quorum() {
            let count = entry.count_return();
            let limit = q.config.delivery_limit;
            if limit.is_some_and(|l| i64::try_from(count).unwrap_or(i64::MAX) > l) {
                self.dead_letter_or_drop(qid, entry, DeathReason::DeliveryLimit);
                return;
            }
            match how {
                Giveback::Closed | Giveback::ByConsumer => q.push_return(entry),
                Giveback::Settled => q.push_back(entry),
            }
        } else {
            q.requeue(entry);
        }
        let queue = q.name.clone();
        self.emit(EventKind::Requeued { queue, message: id });
    }

    /// The message as a delivery shows it: from a quorum queue with its
    /// `x-delivery-count`, which `basic.get` always sets and
    /// `basic.deliver` only once the message came back (recorded:
    /// quorum-consume-redelivery, quorum-get-header).
    fn delivered_message(&self, qid: QueueId, entry: &Entry, get: bool) -> Arc<Message> {
        let quorum = self.queues.get(&qid).is_some_and(Queue::is_quorum);
        let count = entry.delivery_count();
        if quorum && (get || count > 0) {
            let count = i64::try_from(count).unwrap_or(i64::MAX);
            entry
                .msg
                .with_header(DELIVERY_COUNT_HEADER, FieldValue::I64(count))
        } else {
            entry.msg.clone()
        }
    }

    /// After a batch of requeues: length limits (requeued messages are at
    /// the head, so they are the ones dropped), head expiry, dispatch; once
    /// per queue, in id order.
    pub(crate) fn after_requeue(&mut self, touched: Vec<QueueId>) {
        for qid in sorted_ids(touched) {
            self.enforce_limits(qid);
            self.drop_expired(qid);
            self.arm(qid);
            self.wake(qid);
        }
    }

    /// Whether a consumer can take one more delivery now.
    pub(crate) fn can_take(&self, uid: ConsumerUid) -> bool {
        let Some(c) = self.consumers.get(&uid) else {
            return false;
        };
        if c.auto_ack {
            return true;
        }
        let Some(chan) = self.channels.get(&c.channel) else {
            return false;
        };
        (c.prefetch == 0 || c.unacked < u32::from(c.prefetch))
            && (chan.global_prefetch == 0 || chan.unacked.len() < usize::from(chan.global_prefetch))
    }

    /// The consumer the queue's next message goes to: the first in dispatch
    /// order (priority, then round-robin) that has room; with single active
    /// consumer, only the active one.
    pub(crate) fn pick_consumer(&self, qid: QueueId) -> Option<ConsumerUid> {
        let q = self.queues.get(&qid)?;
        if q.config.single_active_consumer {
            return q.active.filter(|u| self.can_take(*u));
        }
        q.consumers
            .iter()
            .map(|(_, u)| *u)
            .find(|u| self.can_take(*u))
    }

    /// Hands a message to a consumer (`basic.deliver`).
    pub(crate) fn deliver(&mut self, qid: QueueId, entry: Entry, uid: ConsumerUid) {
        let message = if entry.delivery_count() > 0 && self.record_events {
            self.delivered_message(qid, &entry, false)
        } else {
            entry.msg.clone()
        };
        self.hand_over(qid, uid, entry, message, false);
    }

    /// `basic.deliver` of `entry`, shown to the client as `message`: a
    /// delivery tag, the unacked record (or the ack, with auto-ack), the
    /// round-robin turn (a queue's; a stream's readers each read on) and
    /// the event.
    pub(super) fn hand_over(
        &mut self,
        qid: QueueId,
        uid: ConsumerUid,
        entry: Entry,
        message: Arc<Message>,
        from_stream: bool,
    ) {
        let redelivered = entry.redelivered();
        let Some(c) = self.consumers.get_mut(&uid) else {
            return;
        };
        let Some(chan) = self.channels.get_mut(&c.channel) else {
            return;
        };
        let delivery_tag = chan.next_delivery_tag;
        chan.next_delivery_tag += 1;
        let (channel, auto_ack) = (c.channel, c.auto_ack);
        let consumer_tag = if self.record_events {
            c.tag.clone()
        } else {
            String::new()
        };
        if auto_ack {
            self.ledger.acked += 1;
        } else {
            c.unacked += 1;
            chan.unacked.insert(
                delivery_tag,
                Unacked {
                    queue: qid,
                    entry,
                    consumer: Some(uid),
                    delivered_at: self.now,
                    from_stream,
                },
            );
            self.arm_tick(channel);
        }
        if !from_stream {
            if let Some(q) = self.queues.get_mut(&qid) {
                q.rotate(uid);
            }
        }
        if self.record_events {
            let queue = self.queue_name(qid).to_owned();
            self.emit(EventKind::Delivered {
                channel,
                consumer_tag,
                delivery_tag,
                redelivered,
                queue,
                auto_ack,
                message,
            });
        }
    }

    /// Delivers ready messages to consumers with room, queue by queue.
    pub(crate) fn run_dispatch(&mut self) {
        while let Some(qid) = self.next_pending() {
            if self.queues.get(&qid).is_some_and(Queue::is_stream) {
                self.dispatch_log(qid);
                continue;
            }
            loop {
                self.drop_expired(qid);
                let Some(uid) = self.pick_consumer(qid) else {
                    break;
                };
                let Some(entry) = self.queues.get_mut(&qid).and_then(|q| q.pop()) else {
                    break;
                };
                self.deliver(qid, entry, uid);
            }
            self.arm(qid);
        }
    }
}

/// How an unacknowledged delivery goes back to its queue. Classic
/// queues put it back where it was, whichever; quorum queues (3.10's
/// `rabbit_fifo`) put what a closed channel or a registered consumer gives
/// back ahead of the queue, and what a `basic.get` or a cancelled
/// consumer rejects at its back (recorded: quorum-return-on-close,
/// quorum-requeue-position, quorum-cancel-keeps-unacked).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Giveback {
    /// Its channel or connection closed.
    Closed,
    /// Rejected, nacked or recovered, delivered to a consumer still registered.
    ByConsumer,
    /// Rejected, nacked or recovered otherwise.
    Settled,
}

/// Queue ids sorted and deduplicated: what collecting them into a
/// `BTreeSet` gives, without one more copy of the B-tree code in the wasm
/// (the sets are small and only iterated). Sorted as plain `u64`s, which
/// the rest of the program sorts too, so the sort code is shared.
pub(crate) fn sorted_ids(ids: Vec<QueueId>) -> Vec<QueueId> {
    let mut raw: Vec<u64> = ids.into_iter().map(|id| id.0).collect();
    raw.sort_unstable();
    raw.dedup();
    raw.into_iter().map(QueueId).collect()
}
