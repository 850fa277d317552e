//! Topology commands: exchanges, queues, bindings, policies.

use crate::error::{AmqpError, Error, Method, ReplyCode};
use crate::event::{EventKind, QueueDeleteReason};
use crate::exchange::{canonical_args, Binding, Dest, ExchangeId, ExchangeKind};
use crate::headers::validate_binding_args;
use crate::methods::{
    ExchangeBind, ExchangeDeclare, ExchangeDelete, QueueBind, QueueDeclare, QueueDelete, QueuePurge,
};
use crate::names::{is_builtin, is_reserved, GENERATED_QUEUE_PREFIX, RESERVED_PREFIX};
use crate::policy::{Policy, PolicyError};
use crate::queue::{
    arg_equivalence, effective_config, validate_args, Queue, QueueConfig, QueueId, EQUIVALENCE_ARGS,
};
use crate::queue_type::{replicated_property_refusal, QueueType};
use crate::value::{FieldTable, FieldValue};
use crate::{ChannelId, ConnectionId, DeclareOk};

use super::Broker;

/// The arguments of `queue.bind`/`unbind` and `exchange.bind`/`unbind`,
/// seen the same way: a source exchange, a destination, a key, arguments.
#[derive(Clone, Copy)]
struct BindRequest<'a> {
    method: Method,
    source: &'a str,
    dest: &'a str,
    to_exchange: bool,
    key: &'a str,
    args: &'a FieldTable,
}

impl<'a> BindRequest<'a> {
    fn exchange(method: Method, m: &'a ExchangeBind) -> Self {
        Self {
            method,
            source: &m.source,
            dest: &m.destination,
            to_exchange: true,
            key: &m.routing_key,
            args: &m.arguments,
        }
    }

    fn queue(method: Method, m: &'a QueueBind) -> Self {
        Self {
            method,
            source: &m.exchange,
            dest: &m.queue,
            to_exchange: false,
            key: &m.routing_key,
            args: &m.arguments,
        }
    }
}

/// CR and LF are stripped from names on declare, as RabbitMQ does.
fn strip_cr_lf(name: &str) -> String {
    name.chars().filter(|c| *c != '\r' && *c != '\n').collect()
}

fn default_exchange_refused(method: Method) -> AmqpError {
    AmqpError::new(
        ReplyCode::AccessRefused,
        method,
        "operation not permitted on the default exchange",
    )
}

fn reserved(method: Method, kind: &str, name: &str) -> AmqpError {
    AmqpError::new(
        ReplyCode::AccessRefused,
        method,
        format!("{kind} name '{name}' contains reserved prefix '{RESERVED_PREFIX}*'"),
    )
}

fn field_equivalence(
    resource: &str,
    key: &str,
    current: impl ToString,
    received: impl ToString,
) -> Option<String> {
    let (c, r) = (current.to_string(), received.to_string());
    (c != r).then(|| {
        format!("inequivalent arg '{key}' for {resource}: received '{r}' but current is '{c}'")
    })
}

/// A redeclaration's first inequivalent field or argument, if any, as the
/// 406 RabbitMQ answers it with.
fn inequivalent(method: Method, mismatch: Option<String>) -> Result<(), AmqpError> {
    match mismatch {
        Some(detail) => Err(AmqpError::new(
            ReplyCode::PreconditionFailed,
            method,
            detail,
        )),
        None => Ok(()),
    }
}

impl Broker {
    /// `exchange.declare`.
    ///
    /// # Errors
    /// 403 for the default exchange or a new `amq.*` name, 404 for a passive
    /// declare of a missing exchange, 406 for an inequivalent redeclare, 503
    /// (connection) for an unknown type.
    pub fn exchange_declare(&mut self, ch: ChannelId, m: &ExchangeDeclare) -> Result<(), Error> {
        self.check_channel(ch)?;
        Self::check_shortstr(&[&m.exchange])?;
        let r = self.try_exchange_declare(m);
        r.map_err(|e| self.fail(ch, e))
    }

    fn try_exchange_declare(&mut self, m: &ExchangeDeclare) -> Result<(), AmqpError> {
        let method = Method::ExchangeDeclare;
        let name = strip_cr_lf(&m.exchange);
        let type_name = m.exchange_type.as_deref().unwrap_or("direct");
        if m.passive {
            if name.is_empty() {
                return Err(default_exchange_refused(method));
            }
            return match self.exchange_named(&name) {
                Some(_) => Ok(()),
                None => Err(self.not_found(method, "exchange", &name)),
            };
        }
        let kind = ExchangeKind::parse(type_name).ok_or_else(|| {
            AmqpError::new(
                ReplyCode::CommandInvalid,
                method,
                format!("unknown exchange type '{type_name}'"),
            )
        })?;
        if name.is_empty() {
            return Err(default_exchange_refused(method));
        }
        let resource = self.rs("exchange", &name);
        let Some(x) = self.exchange_named(&name) else {
            if is_reserved(&name) {
                return Err(reserved(method, "exchange", &name));
            }
            if let Some(ae) = m.arguments.get("alternate-exchange") {
                if !matches!(ae, FieldValue::LongStr(_)) {
                    return Err(AmqpError::new(
                        ReplyCode::PreconditionFailed,
                        method,
                        format!(
                            "invalid type '{}' for arg 'alternate-exchange' in {resource}",
                            ae.type_name()
                        ),
                    ));
                }
            }
            self.insert_exchange(
                name.clone(),
                kind,
                m.durable,
                m.auto_delete,
                m.internal,
                m.arguments.clone(),
            );
            self.emit(EventKind::ExchangeDeclared {
                exchange: name,
                exchange_type: kind.as_str().into(),
            });
            return Ok(());
        };
        let mismatch = field_equivalence(&resource, "type", x.kind.as_str(), kind.as_str())
            .or_else(|| field_equivalence(&resource, "durable", x.durable, m.durable))
            .or_else(|| field_equivalence(&resource, "auto_delete", x.auto_delete, m.auto_delete))
            .or_else(|| field_equivalence(&resource, "internal", x.internal, m.internal))
            .or_else(|| {
                arg_equivalence(
                    "alternate-exchange",
                    x.arguments.get("alternate-exchange"),
                    m.arguments.get("alternate-exchange"),
                    &resource,
                )
                .err()
            });
        inequivalent(method, mismatch)
    }

    /// `exchange.delete`. Deleting a missing exchange succeeds.
    ///
    /// # Errors
    /// 403 for the default or an `amq.*` exchange, 406 with `if_unused` when it is a binding source.
    pub fn exchange_delete(&mut self, ch: ChannelId, m: &ExchangeDelete) -> Result<(), Error> {
        self.check_channel(ch)?;
        Self::check_shortstr(&[&m.exchange])?;
        let method = Method::ExchangeDelete;
        let name = strip_cr_lf(&m.exchange);
        let r = if name.is_empty() {
            Err(default_exchange_refused(method))
        } else if is_reserved(&name) {
            Err(AmqpError::new(
                ReplyCode::AccessRefused,
                method,
                format!(
                    "deletion of system {} not allowed",
                    self.rs("exchange", &name)
                ),
            ))
        } else {
            match self.exchange_lookup.get(&name).copied() {
                None => Ok(()),
                Some(id) if m.if_unused && !self.exchanges[&id].bindings.is_empty() => {
                    Err(AmqpError::new(
                        ReplyCode::PreconditionFailed,
                        method,
                        format!("{} in use", self.rs("exchange", &name)),
                    ))
                }
                Some(id) => {
                    self.delete_exchange(id);
                    Ok(())
                }
            }
        };
        let r = r.map_err(|e| self.fail(ch, e));
        self.run_dispatch();
        r
    }

    /// `exchange.bind`: routes what `source` routes to `destination` too.
    ///
    /// # Errors
    /// 403 if either is the default exchange, 404 if either is missing, 406
    /// for invalid headers-binding arguments.
    pub fn exchange_bind(&mut self, ch: ChannelId, m: &ExchangeBind) -> Result<(), Error> {
        let req = BindRequest::exchange(Method::ExchangeBind, m);
        self.binding_command(ch, &req, false)
    }

    /// `exchange.unbind`. Unbinding what does not exist succeeds.
    ///
    /// # Errors
    /// 403 if either is the default exchange.
    pub fn exchange_unbind(&mut self, ch: ChannelId, m: &ExchangeBind) -> Result<(), Error> {
        let req = BindRequest::exchange(Method::ExchangeUnbind, m);
        self.binding_command(ch, &req, true)
    }

    /// `queue.bind`.
    ///
    /// # Errors
    /// 403 for the default exchange, 404 for a missing exchange or queue,
    /// 405 for another connection's exclusive queue, 406 for invalid
    /// headers-binding arguments.
    pub fn queue_bind(&mut self, ch: ChannelId, m: &QueueBind) -> Result<(), Error> {
        if m.queue.is_empty() {
            let m = self.expand_binding(ch, m, Method::QueueBind)?;
            return self.queue_bind(ch, &m);
        }
        let req = BindRequest::queue(Method::QueueBind, m);
        self.binding_command(ch, &req, false)
    }

    /// A binding method with an empty queue name: the most recently
    /// declared queue, and, if the routing key is empty too, that queue's
    /// name as the key (RabbitMQ's `expand_routing_key_shortcut`).
    fn expand_binding(
        &mut self,
        ch: ChannelId,
        m: &QueueBind,
        method: Method,
    ) -> Result<QueueBind, Error> {
        let queue = self.recent_queue(ch, method)?;
        let routing_key = if m.routing_key.is_empty() {
            queue.clone()
        } else {
            m.routing_key.clone()
        };
        Ok(QueueBind {
            queue,
            routing_key,
            ..m.clone()
        })
    }

    /// `queue.unbind`. Unbinding what does not exist succeeds.
    ///
    /// # Errors
    /// 403 for the default exchange, 405 for another connection's exclusive queue.
    pub fn queue_unbind(&mut self, ch: ChannelId, m: &QueueBind) -> Result<(), Error> {
        if m.queue.is_empty() {
            let m = self.expand_binding(ch, m, Method::QueueUnbind)?;
            return self.queue_unbind(ch, &m);
        }
        let req = BindRequest::queue(Method::QueueUnbind, m);
        self.binding_command(ch, &req, true)
    }

    /// The four binding methods share everything but the direction.
    fn binding_command(
        &mut self,
        ch: ChannelId,
        req: &BindRequest<'_>,
        unbind: bool,
    ) -> Result<(), Error> {
        self.check_channel(ch)?;
        Self::check_shortstr(&[req.source, req.dest, req.key])?;
        let r = if unbind {
            self.try_unbind(req, ch)
        } else {
            self.try_bind(req, ch)
        };
        let r = r.map_err(|e| self.fail(ch, e));
        if unbind {
            // Unbinding can auto-delete exchanges and so change routing.
            self.run_dispatch();
        }
        r
    }

    fn resolve_dest(
        &self,
        method: Method,
        dest: &str,
        to_exchange: bool,
        ch: ChannelId,
    ) -> Result<Option<Dest>, AmqpError> {
        if to_exchange {
            return Ok(self.exchange_lookup.get(dest).map(|id| Dest::Exchange(*id)));
        }
        match self.queue_named(dest) {
            None => Ok(None),
            Some(q) if q.locked_for(ch.connection) => Err(self.locked(method, &q.name)),
            Some(q) => Ok(Some(Dest::Queue(q.id))),
        }
    }

    fn try_bind(&mut self, req: &BindRequest<'_>, ch: ChannelId) -> Result<(), AmqpError> {
        let BindRequest {
            method,
            source,
            dest,
            to_exchange,
            key,
            args,
        } = *req;
        if source.is_empty() || (to_exchange && dest.is_empty()) {
            return Err(default_exchange_refused(method));
        }
        // RabbitMQ looks up the source, then the destination, and only then
        // checks exclusivity: the order decides which error a client sees.
        let Some(&src) = self.exchange_lookup.get(source) else {
            return Err(self.not_found(method, "exchange", source));
        };
        let exists = if to_exchange {
            self.exchange_ids.contains_key(dest)
        } else {
            self.queue_ids.contains_key(dest)
        };
        if !exists {
            let kind = if to_exchange { "exchange" } else { "queue" };
            return Err(self.not_found(method, kind, dest));
        }
        let Some(d) = self.resolve_dest(method, dest, to_exchange, ch)? else {
            return Err(self.not_found(method, "queue", dest));
        };
        if self.exchanges[&src].kind == ExchangeKind::Headers {
            validate_binding_args(args)
                .map_err(|detail| AmqpError::new(ReplyCode::PreconditionFailed, method, detail))?;
        }
        let identity = (src, d, key.to_owned(), canonical_args(args));
        if self.binding_ids.contains_key(&identity) {
            return Ok(());
        }
        let id = self.new_binding_slot(Binding {
            source: src,
            dest: d,
            routing_key: key.to_owned(),
            arguments: args.clone(),
        });
        self.binding_ids.insert(identity, id);
        if let Some(x) = self.exchanges.get_mut(&src) {
            x.add(id, key);
        }
        self.emit(EventKind::Bound {
            source: source.to_owned(),
            destination: dest.to_owned(),
            to_exchange,
            routing_key: key.to_owned(),
        });
        Ok(())
    }

    fn try_unbind(&mut self, req: &BindRequest<'_>, ch: ChannelId) -> Result<(), AmqpError> {
        let BindRequest {
            method,
            source,
            dest,
            to_exchange,
            key,
            args,
        } = *req;
        if source.is_empty() || (to_exchange && dest.is_empty()) {
            return Err(default_exchange_refused(method));
        }
        let d = self.resolve_dest(method, dest, to_exchange, ch)?;
        let (Some(&src), Some(d)) = (self.exchange_lookup.get(source), d) else {
            return Ok(());
        };
        let identity = (src, d, key.to_owned(), canonical_args(args));
        if let Some(id) = self.binding_ids.get(&identity).copied() {
            self.remove_binding(id);
        }
        Ok(())
    }

    pub(crate) fn locked(&self, method: Method, queue: &str) -> AmqpError {
        AmqpError::new(
            ReplyCode::ResourceLocked,
            method,
            format!(
                "cannot obtain exclusive access to locked {}. It could be originally declared on another connection or the exclusive property value does not match that of the original declaration.",
                self.rs("queue", queue)
            ),
        )
    }

    /// `queue.declare`.
    ///
    /// # Errors
    /// 403 for a new `amq.*` name, 404 for a passive declare of a missing
    /// queue, 405 for another connection's exclusive queue (or an
    /// exclusive-flag mismatch), 406 for invalid or inequivalent arguments.
    pub fn queue_declare(&mut self, ch: ChannelId, m: &QueueDeclare) -> Result<DeclareOk, Error> {
        self.check_channel(ch)?;
        Self::check_shortstr(&[&m.queue])?;
        let r = self.try_queue_declare(ch, m);
        if let (Ok(ok), Ok(c)) = (&r, self.channel_mut(ch)) {
            c.recent_queue = Some(ok.queue.clone());
        }
        let r = r.map_err(|e| self.fail(ch, e));
        self.run_dispatch();
        r
    }

    fn try_queue_declare(
        &mut self,
        ch: ChannelId,
        m: &QueueDeclare,
    ) -> Result<DeclareOk, AmqpError> {
        let method = Method::QueueDeclare;
        let requested = strip_cr_lf(&m.queue);
        if m.passive {
            let Some(q) = self.queue_named(&requested) else {
                return Err(self.not_found(method, "queue", &requested));
            };
            if q.locked_for(ch.connection) {
                return Err(self.locked(method, &requested));
            }
            let id = q.id;
            return Ok(self.touch_and_report(id));
        }
        let queue_type = QueueType::of(&m.arguments);
        if requested.is_empty() && queue_type != QueueType::Classic {
            return Err(AmqpError::new(
                ReplyCode::PreconditionFailed,
                method,
                format!(
                    "Cannot declare a server-named queue for type {}",
                    queue_type.module()
                ),
            ));
        }
        let name = if requested.is_empty() {
            loop {
                let candidate = format!("{GENERATED_QUEUE_PREFIX}{}", self.rng.name_suffix());
                if !self.queue_ids.contains_key(&candidate) {
                    break candidate;
                }
            }
        } else if is_reserved(&requested) {
            return Err(reserved(method, "queue", &requested));
        } else {
            requested
        };
        let owner = m.exclusive.then_some(ch.connection);
        if let Some(q) = self.queue_named(&name) {
            self.check_redeclare(q, owner, m)?;
            let id = q.id;
            return Ok(self.touch_and_report(id));
        }
        self.check_new_queue(&name, queue_type, m)?;
        let id = self.new_queue_id();
        let policy = self.policy_for(&name, true);
        let config = effective_config(&m.arguments, policy.map(|(n, d)| (n.as_str(), d)));
        let q = Queue::new(
            id,
            name.clone(),
            m.durable,
            m.auto_delete,
            owner,
            m.arguments.clone(),
            config,
            self.now,
        );
        self.queues.insert(id, q);
        self.queue_ids.insert(name.clone(), id);
        self.emit(EventKind::QueueDeclared {
            queue: name.clone(),
        });
        self.arm(id);
        Ok(DeclareOk {
            queue: name,
            message_count: 0,
            consumer_count: 0,
        })
    }

    /// What 3.10 checks before creating a queue, in its order: arguments
    /// another queue type takes, argument values, then a quorum queue's or
    /// a stream's properties (durable only, never exclusive or
    /// auto-delete).
    fn check_new_queue(
        &self,
        name: &str,
        queue_type: QueueType,
        m: &QueueDeclare,
    ) -> Result<(), AmqpError> {
        let refuse = |text: String| {
            Err(AmqpError::new(
                ReplyCode::PreconditionFailed,
                Method::QueueDeclare,
                text,
            ))
        };
        let resource = self.rs("queue", name);
        if let Some(key) = queue_type.refused_argument(&m.arguments) {
            let module = queue_type.module();
            return refuse(format!(
                "invalid arg '{key}' for {resource} of queue type {module}"
            ));
        }
        if let Err((key, detail)) = validate_args(&m.arguments) {
            return refuse(format!("invalid arg '{key}' for {resource}: {detail}"));
        }
        if QueueConfig::crashes_declare(&m.arguments) {
            return Err(AmqpError::internal());
        }
        if queue_type != QueueType::Classic {
            if let Some(p) = replicated_property_refusal(m.durable, m.exclusive, m.auto_delete) {
                return refuse(format!("invalid property '{p}' for {resource}"));
            }
        }
        Ok(())
    }

    /// Refuses a redeclare by another connection of an exclusive queue, or
    /// with other properties or arguments than the queue has.
    fn check_redeclare(
        &self,
        q: &Queue,
        owner: Option<ConnectionId>,
        m: &QueueDeclare,
    ) -> Result<(), AmqpError> {
        let method = Method::QueueDeclare;
        let resource = self.rs("queue", &q.name);
        if q.exclusive_owner != owner {
            return Err(self.locked(method, &q.name));
        }
        let mismatch = field_equivalence(&resource, "durable", q.durable, m.durable)
            .or_else(|| field_equivalence(&resource, "auto_delete", q.auto_delete, m.auto_delete))
            .or_else(|| {
                let keys = q.config.queue_type.equivalence_args(EQUIVALENCE_ARGS);
                keys.iter().find_map(|key| {
                    arg_equivalence(key, q.arguments.get(key), m.arguments.get(key), &resource)
                        .err()
                })
            });
        inequivalent(method, mismatch)
    }

    /// The consumer count `queue.declare-ok` reports. A quorum queue also
    /// counts each `basic.get` delivery not yet settled, and a cancelled
    /// consumer until its deliveries are settled (3.10's `rabbit_fifo`
    /// keeps both as consumers; recorded: quorum-get-consumer-count,
    /// quorum-cancel-keeps-unacked).
    /// A stream reports none, whoever reads it (recorded: stream-offsets).
    fn consumer_count(&self, id: QueueId) -> u64 {
        let q = &self.queues[&id];
        if q.is_stream() {
            return 0;
        }
        let mut count = q.consumers.len() as u64;
        if !q.is_quorum() {
            return count;
        }
        let mut cancelled: Vec<crate::queue::ConsumerUid> = Vec::new();
        for chan in self.channels.values() {
            for (_, u) in chan.unacked.iter().filter(|(_, u)| u.queue == id) {
                match u.consumer {
                    None => count += 1,
                    Some(uid)
                        if !self.consumers.contains_key(&uid) && !cancelled.contains(&uid) =>
                    {
                        cancelled.push(uid);
                    }
                    Some(_) => {}
                }
            }
        }
        count + cancelled.len() as u64
    }

    /// A declare counts as use for a classic queue's `x-expires`.
    fn touch_and_report(&mut self, id: QueueId) -> DeclareOk {
        let now = self.now;
        let consumer_count = self.consumer_count(id);
        let q = self.queues.get_mut(&id).expect("queue id from lookup");
        // A quorum queue's lease counts consumers and gets, not declares
        // (recorded: quorum-expires-tick).
        if !q.is_quorum() {
            q.last_used = now;
        }
        let message_count = if q.is_stream() {
            q.log.reported_len(now)
        } else {
            q.len()
        };
        let ok = DeclareOk {
            queue: q.name.clone(),
            message_count,
            consumer_count,
        };
        self.arm(id);
        ok
    }

    /// `queue.purge`: removes ready messages (not unacked ones) and returns how many.
    ///
    /// # Errors
    /// 404 for a missing queue, 405 for another connection's exclusive queue.
    pub fn queue_purge(&mut self, ch: ChannelId, m: &QueuePurge) -> Result<u64, Error> {
        self.check_channel(ch)?;
        if m.queue.is_empty() {
            let queue = self.recent_queue(ch, Method::QueuePurge)?;
            return self.queue_purge(ch, &QueuePurge { queue });
        }
        Self::check_shortstr(&[&m.queue])?;
        let method = Method::QueuePurge;
        let r = match self.queue_named(&m.queue) {
            None => Err(self.not_found(method, "queue", &m.queue)),
            Some(q) if q.locked_for(ch.connection) => Err(self.locked(method, &m.queue)),
            Some(q) if q.is_stream() => Err(AmqpError::new(
                ReplyCode::NotImplemented,
                method,
                format!(
                    "queue.purge not supported by stream queues {}",
                    self.rs("queue", &m.queue)
                ),
            )),
            Some(q) => {
                let id = q.id;
                let entries = self
                    .queues
                    .get_mut(&id)
                    .map(Queue::drain_all)
                    .unwrap_or_default();
                let n = entries.len() as u64;
                for e in entries {
                    self.drop_entry(id, &e, crate::DropReason::Purged);
                }
                self.emit(EventKind::Purged {
                    queue: m.queue.clone(),
                    message_count: n,
                });
                self.arm(id);
                Ok(n)
            }
        };
        r.map_err(|e| self.fail(ch, e))
    }

    /// `queue.delete`: returns the number of ready messages deleted with it.
    /// Deleting a missing queue succeeds with 0.
    ///
    /// # Errors
    /// 405 for another connection's exclusive queue, 406 with `if_unused`
    /// (consumers) or `if_empty` (ready messages).
    pub fn queue_delete(&mut self, ch: ChannelId, m: &QueueDelete) -> Result<u64, Error> {
        self.check_channel(ch)?;
        if m.queue.is_empty() {
            let queue = self.recent_queue(ch, Method::QueueDelete)?;
            return self.queue_delete(ch, &QueueDelete { queue, ..m.clone() });
        }
        Self::check_shortstr(&[&m.queue])?;
        let method = Method::QueueDelete;
        let r = match self.queue_named(&m.queue) {
            None => Ok(0),
            Some(q) if q.locked_for(ch.connection) => Err(self.locked(method, &m.queue)),
            // 3.10's quorum queues implement neither flag: a connection
            // error (recorded: quorum-delete-flags).
            Some(q) if q.is_quorum() && (m.if_unused || m.if_empty) => Err(AmqpError::new(
                ReplyCode::NotImplemented,
                method,
                format!(
                    "cannot delete {}. queue.delete operations with {} flag set are not supported by quorum queues",
                    self.rs("queue", &m.queue),
                    if m.if_unused { "if-unused" } else { "if-empty" }
                ),
            )),
            // A stream ignores both flags (recorded: stream-delete-and-close,
            // stream-consume-more).
            Some(q) if q.is_stream() => {
                let id = q.id;
                Ok(self.delete_queue(id, QueueDeleteReason::Deleted))
            }
            Some(q) if m.if_unused && !q.consumers.is_empty() => Err(AmqpError::new(
                ReplyCode::PreconditionFailed,
                method,
                format!("{} in use", self.rs("queue", &m.queue)),
            )),
            Some(q) if m.if_empty && !q.is_empty() => Err(AmqpError::new(
                ReplyCode::PreconditionFailed,
                method,
                format!("{} not empty", self.rs("queue", &m.queue)),
            )),
            Some(q) => {
                let id = q.id;
                Ok(self.delete_queue(id, QueueDeleteReason::Deleted))
            }
        };
        let r = r.map_err(|e| self.fail(ch, e));
        self.run_dispatch();
        r
    }

    /// The policy in force for a queue or exchange of this name.
    pub(crate) fn policy_for(&self, name: &str, is_queue: bool) -> Option<(&String, &FieldTable)> {
        if is_builtin(name) {
            return None;
        }
        Policy::in_force(self.policies.values(), name, is_queue).map(|p| (&p.name, &p.definition))
    }

    /// Adds or replaces a policy and applies it to existing queues and
    /// exchanges at once, as RabbitMQ does.
    ///
    /// # Errors
    /// What [`Policy::new`] refuses: a policy's fields are public, so it is
    /// checked again here, and the broker never holds one RabbitMQ would
    /// refuse. A refused policy changes nothing.
    pub fn set_policy(&mut self, policy: Policy) -> Result<(), PolicyError> {
        let policy = Policy::new(
            policy.name,
            policy.pattern,
            policy.apply_to,
            policy.priority,
            policy.definition,
        )?;
        self.policies.insert(policy.name.clone(), policy);
        self.reapply_policies();
        Ok(())
    }

    /// Removes a policy (if present).
    pub fn clear_policy(&mut self, name: &str) -> bool {
        let removed = self.policies.remove(name).is_some();
        self.reapply_policies();
        removed
    }

    /// The policies, by name.
    pub fn policies(&self) -> impl Iterator<Item = &Policy> {
        self.policies.values()
    }

    fn reapply_policies(&mut self) {
        let qids: Vec<QueueId> = self.queues.keys().collect();
        for id in qids {
            let q = &self.queues[&id];
            let policy = self
                .policy_for(&q.name, true)
                .map(|(n, d)| (n.clone(), d.clone()));
            let config =
                effective_config(&q.arguments, policy.as_ref().map(|(n, d)| (n.as_str(), d)));
            if let Some(q) = self.queues.get_mut(&id) {
                q.config = config;
            }
            self.enforce_limits(id);
            self.drop_expired(id);
            self.arm(id);
        }
        let xids: Vec<ExchangeId> = self.exchanges.keys().collect();
        for id in xids {
            let x = &self.exchanges[&id];
            let policy = self
                .policy_for(&x.name, false)
                .map(|(n, d)| (n.clone(), d.clone()));
            let arg_ae = x
                .arguments
                .get("alternate-exchange")
                .and_then(FieldValue::as_str)
                .map(str::to_owned);
            if let Some(x) = self.exchanges.get_mut(&id) {
                x.alternate = arg_ae.or_else(|| {
                    policy.as_ref().and_then(|(_, d)| {
                        d.get("alternate-exchange")
                            .and_then(FieldValue::as_str)
                            .map(str::to_owned)
                    })
                });
                x.policy = policy.map(|(n, _)| n);
            }
        }
        self.run_dispatch();
    }
}
