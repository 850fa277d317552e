//! Transactions (`tx.select`, `tx.commit`, `tx.rollback`), as RabbitMQ
//! 3.10's `rabbit_channel` keeps them: a transactional channel routes each
//! publish when it arrives but hands it to its queues only at commit, and
//! takes each acknowledgement off the channel's unacked deliveries when it
//! arrives (a second ack of the tag is a 406 at once) but settles it only
//! at commit. Rollback forgets the publishes and gives the acknowledged
//! deliveries back to the channel, unacked; closing the channel does the
//! same before requeueing. Deliveries to the channel's consumers are not
//! held. Recorded: `conformance/scenarios/tx-*.json`.

use std::sync::Arc;

use super::{Broker, Unacked};
use crate::error::{AmqpError, Error, Method, ReplyCode};
use crate::message::Message;
use crate::queue::QueueId;
use crate::ChannelId;

/// What an open transaction holds.
#[derive(Clone, Debug, Default)]
pub(crate) struct Tx {
    /// Publishes, routed, waiting for commit, in order.
    publishes: Vec<HeldPublish>,
    /// Acknowledgements, in order, with the deliveries each settles.
    settles: Vec<HeldSettle>,
}

impl Tx {
    /// Deliveries the transaction has taken off the channel's unacked
    /// list that are copies of their own (a stream's are views of its log).
    pub(crate) fn held_copies(&self) -> u64 {
        self.settles
            .iter()
            .flat_map(|s| &s.deliveries)
            .filter(|(_, u)| !u.from_stream)
            .count() as u64
    }

    /// Publishes waiting for commit.
    pub(crate) fn held_publishes(&self) -> u64 {
        self.publishes.len() as u64
    }

    /// The deliveries the held acknowledgements settle.
    pub(crate) fn deliveries(&self) -> impl Iterator<Item = &Unacked> {
        self.settles
            .iter()
            .flat_map(|s| s.deliveries.iter().map(|(_, u)| u))
    }

    /// The held acknowledgements' deliveries, to give back to the channel.
    pub(crate) fn into_deliveries(self) -> impl Iterator<Item = (u64, Unacked)> {
        self.settles.into_iter().flat_map(|s| s.deliveries)
    }
}

/// A publish routed at `basic.publish` time, delivered at commit.
#[derive(Clone, Debug)]
pub(crate) struct HeldPublish {
    pub(crate) msg: Arc<Message>,
    pub(crate) targets: Vec<QueueId>,
    pub(crate) mandatory: bool,
}

/// `basic.ack` (`requeue: None`) or `basic.nack`/`reject`, held.
#[derive(Clone, Debug)]
pub(crate) struct HeldSettle {
    pub(crate) requeue: Option<bool>,
    pub(crate) deliveries: Vec<(u64, Unacked)>,
}

impl Broker {
    /// `tx.select`: the channel becomes transactional (again: a no-op).
    ///
    /// # Errors
    /// 406 on a channel in confirm mode.
    pub fn tx_select(&mut self, ch: ChannelId) -> Result<(), Error> {
        let chan = self.channel_mut(ch)?;
        if chan.next_publish_seq.is_some() {
            let e = AmqpError::new(
                ReplyCode::PreconditionFailed,
                Method::TxSelect,
                "cannot switch from confirm to tx mode",
            );
            return Err(self.fail(ch, e));
        }
        chan.tx.get_or_insert_with(Tx::default);
        Ok(())
    }

    /// `tx.commit`: the held publishes reach their queues (or come back,
    /// mandatory and unroutable), then the held acknowledgements settle,
    /// in the order they were made.
    ///
    /// # Errors
    /// 406 on a channel that is not transactional.
    pub fn tx_commit(&mut self, ch: ChannelId) -> Result<(), Error> {
        let tx = self.take_tx(ch, Method::TxCommit)?;
        for p in tx.publishes {
            self.deliver_published(ch, &p.msg, p.targets, p.mandatory, None);
        }
        for s in tx.settles {
            match s.requeue {
                None => self.settle_acks(ch, s.deliveries),
                Some(requeue) => self.settle_rejects(ch, s.deliveries, requeue),
            }
        }
        self.run_dispatch();
        Ok(())
    }

    /// `tx.rollback`: the held publishes are forgotten and the held
    /// acknowledgements undone (their deliveries are unacked again).
    ///
    /// # Errors
    /// 406 on a channel that is not transactional.
    pub fn tx_rollback(&mut self, ch: ChannelId) -> Result<(), Error> {
        let tx = self.take_tx(ch, Method::TxRollback)?;
        self.undo_tx(ch, tx);
        Ok(())
    }

    /// The open transaction's contents, leaving it open and empty.
    fn take_tx(&mut self, ch: ChannelId, method: Method) -> Result<Tx, Error> {
        let chan = self.channel_mut(ch)?;
        match chan.tx.as_mut() {
            Some(tx) => Ok(std::mem::take(tx)),
            None => {
                let e = AmqpError::new(
                    ReplyCode::PreconditionFailed,
                    method,
                    "channel is not transactional",
                );
                Err(self.fail(ch, e))
            }
        }
    }

    /// Forgets `tx`'s publishes and gives its deliveries back to the
    /// channel (rollback, or a channel closing mid-transaction).
    pub(crate) fn undo_tx(&mut self, ch: ChannelId, tx: Tx) {
        self.ledger.discarded += tx.held_publishes();
        if let Some(chan) = self.channels.get_mut(&ch) {
            for (tag, u) in tx.into_deliveries() {
                chan.unacked.restore(tag, u);
            }
        }
        self.arm_tick(ch);
    }

    /// Holds a routed publish in the channel's open transaction.
    pub(crate) fn hold_publish(
        &mut self,
        ch: ChannelId,
        msg: Arc<Message>,
        targets: Vec<QueueId>,
        mandatory: bool,
    ) {
        if let Some(tx) = self.channels.get_mut(&ch).and_then(|c| c.tx.as_mut()) {
            tx.publishes.push(HeldPublish {
                msg,
                targets,
                mandatory,
            });
        }
    }

    /// Holds collected deliveries' settlement in the channel's open
    /// transaction.
    pub(crate) fn hold_settle(
        &mut self,
        ch: ChannelId,
        requeue: Option<bool>,
        deliveries: Vec<(u64, Unacked)>,
    ) {
        if let Some(tx) = self.channels.get_mut(&ch).and_then(|c| c.tx.as_mut()) {
            tx.settles.push(HeldSettle {
                requeue,
                deliveries,
            });
        }
    }
}
