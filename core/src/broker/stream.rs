//! The broker's side of streams: what a consume on one needs, reading the
//! log to each consumer as its prefetch allows, and the settlements a
//! stream refuses. The log itself is `crate::stream`.

use crate::error::{AmqpError, Method, ReplyCode};
use crate::message::Entry;
use crate::methods::BasicConsume;
use crate::queue::{ConsumerUid, QueueId};
use crate::stream::{parse_start, Start, Unreadable, OFFSET_HEADER};
use crate::{ChannelId, SimTime};

use super::{Broker, Unacked};

impl Broker {
    /// What a consume on a stream needs, in 3.10's order: a per-consumer
    /// prefetch (406), manual acknowledgement (540), no global prefetch
    /// (540), an `x-stream-offset` it can read (recorded:
    /// stream-consume-rules, stream-consume-more, stream-bad-offset).
    pub(super) fn check_stream_consume(
        &self,
        ch: ChannelId,
        m: &BasicConsume,
    ) -> Result<Start, AmqpError> {
        let method = Method::BasicConsume;
        let chan = &self.channels[&ch];
        let rs = self.rs("queue", &m.queue);
        if chan.consumer_prefetch == 0 {
            return Err(AmqpError::new(
                ReplyCode::PreconditionFailed,
                method,
                format!("consumer prefetch count is not set for '{rs}'"),
            ));
        }
        if m.auto_ack {
            return Err(AmqpError::new(
                ReplyCode::NotImplemented,
                method,
                format!("automatic acknowledgement not supported by stream queues {rs}"),
            ));
        }
        if chan.global_prefetch > 0 {
            return Err(self.no_global_qos(&m.queue));
        }
        parse_start(m.arguments.get(OFFSET_HEADER)).map_err(|e| match e {
            Unreadable::Crash => AmqpError::internal(),
            Unreadable::Invalid(term) => AmqpError::new(
                ReplyCode::PreconditionFailed,
                method,
                format!("invalid arg '{OFFSET_HEADER}' for {rs}: {term}"),
            ),
        })
    }

    /// A stream cannot take a delivery back: 3.10 refuses `basic.nack` and
    /// `basic.reject` of one with 540 (recorded: stream-prefetch-credit).
    pub(super) fn stream_refusal(
        &self,
        settled: &[(u64, Unacked)],
        method: Method,
    ) -> Option<AmqpError> {
        let (_, u) = settled.iter().find(|(_, u)| u.from_stream)?;
        Some(AmqpError::new(
            ReplyCode::NotImplemented,
            method,
            format!(
                "basic.nack and basic.reject not supported by stream queues {}",
                self.rs("queue", self.queue_name(u.queue))
            ),
        ))
    }

    /// Puts collected deliveries back on their channel, unsettled (the
    /// connection error that follows requeues them as a close does).
    pub(super) fn give_back_collected(&mut self, ch: ChannelId, settled: Vec<(u64, Unacked)>) {
        if let Some(chan) = self.channels.get_mut(&ch) {
            for (tag, u) in settled {
                chan.unacked.restore(tag, u);
            }
        }
    }

    /// A stream's consumers, each in turn, read the log from their offset
    /// as far as their prefetch lets them.
    pub(super) fn dispatch_log(&mut self, qid: QueueId) {
        let readers: Vec<ConsumerUid> = self.queues[&qid]
            .consumers
            .iter()
            .map(|(_, u)| *u)
            .collect();
        for uid in readers {
            while self.can_take(uid) && self.deliver_from_log(qid, uid) {}
        }
    }

    /// Hands a consumer the message at its offset, if the log has it yet.
    fn deliver_from_log(&mut self, qid: QueueId, uid: ConsumerUid) -> bool {
        let Some(c) = self.consumers.get_mut(&uid) else {
            return false;
        };
        let offset = c.offset;
        let Some(message) = self.queues[&qid].log.delivery(offset) else {
            return false;
        };
        c.offset += 1;
        let entry = Entry::new(message.clone(), offset, SimTime::NEVER);
        self.hand_over(qid, uid, entry, message, true);
        true
    }
}
