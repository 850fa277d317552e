//! The consumer timeout (`consumer_timeout`, 30 minutes by default in
//! RabbitMQ 3.10): a channel that has held a delivery unacknowledged for
//! longer is closed with a 406, and what it held is requeued.
//!
//! RabbitMQ checks on the channel's tick, every `channel_tick_interval`
//! (60 s by default), looking at the oldest unacked delivery only; its
//! channel arms the tick when it starts and cancels it when it hibernates
//! with nothing unacked. Warren's channel ticks from its first unacked
//! delivery, every interval while it holds any: so a late delivery closes
//! its channel at the first tick after the timeout, between `timeout` and
//! `timeout + interval` after it was delivered, as on the real broker.
//! Recorded: `conformance/scenarios/timeout-*.json`
//! (`conformance/record-timeout.sh`).

use super::{Broker, Timer};
use crate::error::{AmqpError, Method, ReplyCode};
use crate::ChannelId;

impl Broker {
    /// Starts `ch`'s tick if it has none and holds unacked deliveries (one
    /// was just made, or a rollback gave some back).
    pub(crate) fn arm_tick(&mut self, ch: ChannelId) {
        if self.consumer_timeout.is_none() {
            return;
        }
        let at = self.now.plus(self.tick_interval);
        if let Some(chan) = self.channels.get_mut(&ch) {
            if chan.tick_at.is_none() && chan.unacked.len() > 0 {
                chan.tick_at = Some(at);
                self.timers.insert((at, Timer::ChannelTick(ch)));
            }
        }
    }

    /// After deliveries left `ch`'s unacked list (an ack, nack, reject or
    /// recover): stops its tick once it holds nothing unacked (RabbitMQ's
    /// channel cancels it when it hibernates idle), so that an idle broker
    /// has no timer due; and says whether an open transaction is to hold
    /// their settlement. One look at the channel, on the ack path.
    pub(crate) fn taken_off(&mut self, ch: ChannelId) -> bool {
        let Some(chan) = self.channels.get_mut(&ch) else {
            return false;
        };
        if chan.unacked.len() == 0 {
            if let Some(at) = chan.tick_at.take() {
                self.timers.remove(&(at, Timer::ChannelTick(ch)));
            }
        }
        chan.tx.is_some()
    }

    /// A tick of `ch`: closes it if its oldest unacked delivery is older
    /// than the timeout; else ticks again later while it holds any. A tick
    /// of a channel that closed (or was opened again since) does nothing.
    pub(crate) fn channel_tick(&mut self, ch: ChannelId) {
        let now = self.now;
        let Some(chan) = self.channels.get_mut(&ch) else {
            return;
        };
        if chan.tick_at != Some(now) {
            return;
        }
        chan.tick_at = None;
        let Some(timeout) = self.consumer_timeout else {
            return;
        };
        let oldest = chan.unacked.values().next().map(|u| u.delivered_at);
        match oldest {
            None => {}
            Some(at) if now.ms().saturating_sub(at.ms()) > timeout => {
                let e = AmqpError::new(
                    ReplyCode::PreconditionFailed,
                    Method::None,
                    format!(
                        "delivery acknowledgement on channel {} timed out. Timeout value used: {timeout} ms. This timeout value can be configured, see consumers doc guide to learn more",
                        ch.number
                    ),
                );
                let _ = self.fail(ch, e);
            }
            Some(_) => {
                let next = now.plus(self.tick_interval);
                chan.tick_at = Some(next);
                self.timers.insert((next, Timer::ChannelTick(ch)));
            }
        }
    }
}
