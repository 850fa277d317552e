//! Connections and channels opening and closing, and the cascades that
//! deleting a queue, an exchange or a binding sets off.

use std::collections::BTreeMap;

use crate::error::{AmqpError, Error, UsageError};
use crate::event::{CloseReason, DropReason, EventKind, QueueDeleteReason};
use crate::exchange::{canonical_args, BindingId, Dest, ExchangeId};
use crate::queue::QueueId;
use crate::{ChannelId, ConnectionId};

use super::{Broker, Channel};

impl Broker {
    /// Opens a connection.
    pub fn open_connection(&mut self) -> ConnectionId {
        let id = ConnectionId(self.next_connection);
        self.next_connection += 1;
        self.connections.insert(id, Vec::new());
        self.emit(EventKind::ConnectionOpened { connection: id });
        id
    }

    /// Opens channel `number` on a connection.
    ///
    /// # Errors
    /// A usage error if the connection is not open or the number is taken.
    pub fn open_channel(
        &mut self,
        connection: ConnectionId,
        number: u16,
    ) -> Result<ChannelId, Error> {
        let ch = ChannelId { connection, number };
        let Some(chans) = self.connections.get_mut(&connection) else {
            return Err(UsageError::ConnectionNotOpen(connection).into());
        };
        match chans.binary_search(&number) {
            Ok(_) => return Err(UsageError::ChannelAlreadyOpen(ch).into()),
            Err(at) => chans.insert(at, number),
        }
        self.channels.insert(ch, Channel::new());
        self.emit(EventKind::ChannelOpened { channel: ch });
        Ok(ch)
    }

    /// Opens a new connection and channel 1 on it: the usual start.
    pub fn connect(&mut self) -> ChannelId {
        let conn = self.open_connection();
        let ch = ChannelId {
            connection: conn,
            number: 1,
        };
        self.connections.insert(conn, vec![1]);
        self.channels.insert(ch, Channel::new());
        self.emit(EventKind::ChannelOpened { channel: ch });
        ch
    }

    /// Whether a channel is open.
    pub fn is_channel_open(&self, ch: ChannelId) -> bool {
        self.channels.contains_key(&ch)
    }

    /// Whether a connection is open.
    pub fn is_connection_open(&self, conn: ConnectionId) -> bool {
        self.connections.contains_key(&conn)
    }

    /// `channel.close` from the client: consumers are cancelled and every
    /// unacked delivery is requeued, marked redelivered.
    ///
    /// # Errors
    /// A usage error if the channel is not open.
    pub fn close_channel(&mut self, ch: ChannelId) -> Result<(), Error> {
        self.check_channel(ch)?;
        self.close_channel_with(ch, None);
        self.run_dispatch();
        Ok(())
    }

    /// `connection.close` from the client (or the client going away): every
    /// channel closes, then the connection's exclusive queues are deleted.
    ///
    /// # Errors
    /// A usage error if the connection is not open.
    pub fn close_connection(&mut self, conn: ConnectionId) -> Result<(), Error> {
        if !self.connections.contains_key(&conn) {
            return Err(UsageError::ConnectionNotOpen(conn).into());
        }
        self.close_connection_with(conn, None);
        self.run_dispatch();
        Ok(())
    }

    pub(crate) fn close_channel_with(&mut self, ch: ChannelId, err: Option<&AmqpError>) {
        let Some(mut chan) = self.channels.remove(&ch) else {
            return;
        };
        if let Some(at) = chan.tick_at.take() {
            self.timers.remove(&(at, super::Timer::ChannelTick(ch)));
        }
        // An open transaction ends as a rollback would: its publishes are
        // forgotten, its acknowledgements undone (and requeued below).
        if let Some(tx) = chan.tx.take() {
            self.ledger.discarded += tx.held_publishes();
            for (tag, u) in tx.into_deliveries() {
                chan.unacked.restore(tag, u);
            }
        }
        if let Some(numbers) = self.connections.get_mut(&ch.connection) {
            numbers.retain(|n| *n != ch.number);
        }
        let mut touched: Vec<QueueId> = Vec::new();
        for uid in chan.consumers.values() {
            if let Some(c) = self.consumers.get(&uid) {
                touched.push(c.queue);
            }
            self.remove_consumer(uid, false);
        }
        // Auto-delete queues whose last consumer was on this channel go
        // first, as in 3.10's queue-side handling: their unacked messages
        // are lost with them rather than requeued.
        for qid in super::deliver::sorted_ids(touched) {
            self.maybe_auto_delete(qid);
        }
        let mut requeued = Vec::new();
        // A stream's deliveries are views of its log: nothing goes back.
        for (_, u) in chan.unacked.into_iter().filter(|(_, u)| !u.from_stream) {
            requeued.push(u.queue);
            self.requeue_entry(u.queue, u.entry, super::deliver::Giveback::Closed);
        }
        self.after_requeue(requeued);
        self.emit(EventKind::ChannelClosed {
            channel: ch,
            error: err.map(CloseReason::from),
        });
    }

    pub(crate) fn close_connection_with(&mut self, conn: ConnectionId, err: Option<&AmqpError>) {
        let Some(numbers) = self.connections.get(&conn).cloned() else {
            return;
        };
        for n in numbers {
            self.close_channel_with(
                ChannelId {
                    connection: conn,
                    number: n,
                },
                None,
            );
        }
        self.connections.remove(&conn);
        let owned: Vec<QueueId> = self
            .queues
            .values()
            .filter(|q| q.exclusive_owner == Some(conn))
            .map(|q| q.id)
            .collect();
        for qid in owned {
            self.delete_queue(qid, QueueDeleteReason::OwnerClosed);
        }
        self.emit(EventKind::ConnectionClosed {
            connection: conn,
            error: err.map(CloseReason::from),
        });
    }

    /// Deletes a queue: its consumers are cancelled by the broker, its ready
    /// messages are lost (never dead-lettered), its bindings removed.
    /// Returns the number of ready messages it held.
    pub(crate) fn delete_queue(&mut self, qid: QueueId, reason: QueueDeleteReason) -> u64 {
        let consumers: Vec<_> = match self.queues.get(&qid) {
            Some(q) => q.consumers.iter().map(|(_, u)| *u).collect(),
            None => return 0,
        };
        for uid in consumers {
            self.remove_consumer(uid, true);
        }
        let Some(mut q) = self.queues.remove(&qid) else {
            return 0;
        };
        self.queue_ids.remove(&q.name);
        self.pending_dispatch.retain(|q| *q != qid);
        let entries = q.drain_all();
        let count = entries.len() as u64;
        // A stream's log goes with it, though `delete-ok` counts none of
        // it (recorded: stream-delete-and-close).
        let logged = q.log.take();
        // The queue is gone from the map: name the drops explicitly.
        let ids = entries.iter().map(|e| e.msg.id());
        for message in ids.chain(logged.iter().map(|m| m.id())) {
            self.ledger.dropped += 1;
            self.emit(EventKind::Dropped {
                queue: q.name.clone(),
                message,
                reason: DropReason::QueueDeleted,
            });
        }
        if let Some([head, lease]) = self.armed.remove(&qid) {
            self.timers.remove(&(head, super::Timer::HeadExpiry(qid)));
            self.timers.remove(&(lease, super::Timer::Lease(qid)));
        }
        let bound: Vec<BindingId> = self
            .binding_ids
            .iter()
            .filter(|((_, d, _, _), _)| *d == Dest::Queue(qid))
            .map(|(_, id)| *id)
            .collect();
        for id in bound {
            self.remove_binding(id);
        }
        self.emit(EventKind::QueueDeleted {
            queue: q.name,
            reason,
            message_count: count,
        });
        count
    }

    /// Deletes an exchange and every binding it is the source or destination of.
    pub(crate) fn delete_exchange(&mut self, xid: ExchangeId) {
        let Some(x) = self.exchanges.remove(&xid) else {
            return;
        };
        self.forget_exchange_name(&x.name);
        let bound: Vec<BindingId> = self
            .binding_ids
            .iter()
            .filter(|((s, d, _, _), _)| *s == xid || *d == Dest::Exchange(xid))
            .map(|(_, id)| *id)
            .collect();
        for id in bound {
            self.remove_binding(id);
        }
        self.emit(EventKind::ExchangeDeleted { exchange: x.name });
    }

    /// Removes a binding; an auto-delete source exchange left with no
    /// bindings goes too (and so on, transitively).
    pub(crate) fn remove_binding(&mut self, id: BindingId) {
        let Some(b) = self.free_binding_slot(id) else {
            return;
        };
        self.binding_ids.remove(&(
            b.source,
            b.dest,
            b.routing_key.clone(),
            canonical_args(&b.arguments),
        ));
        let (destination, to_exchange) = match b.dest {
            Dest::Queue(q) => (
                self.queues
                    .get(&q)
                    .map(|q| q.name.clone())
                    .unwrap_or_default(),
                false,
            ),
            Dest::Exchange(x) => (self.exchange_name(x).to_owned(), true),
        };
        let mut now_unused = false;
        let source = match self.exchanges.get_mut(&b.source) {
            Some(x) => {
                x.remove(id, &b.routing_key);
                now_unused = x.auto_delete && x.bindings.is_empty();
                x.name.clone()
            }
            None => String::new(),
        };
        self.emit(EventKind::Unbound {
            source,
            destination,
            to_exchange,
            routing_key: b.routing_key,
        });
        if now_unused {
            self.delete_exchange(b.source);
        }
    }

    /// Snapshot of every open channel per connection (for drivers).
    pub fn open_channels(&self) -> BTreeMap<ConnectionId, Vec<u16>> {
        self.connections
            .iter()
            .map(|(c, numbers)| (c, numbers.clone()))
            .collect()
    }
}
