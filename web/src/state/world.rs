//! The live world: a core [`Simulation`] plus what the playground keeps
//! around it (its own control connection, the actors' specs by name, the
//! event log), and how a [`Command`] is carried out.
//!
//! Every routing and queueing decision is the core's: a command here is a
//! translation into AMQP methods or `Simulation` calls, never a rule of
//! its own.

use std::rc::Rc;

use warren_core::methods::{ExchangeDeclare, QueueDeclare};
use warren_core::stats::Stats;
use warren_core::{
    ActorId, ActorView, Broker, ChannelId, ConnectionId, ConsumerSpec, Event, Op, ProducerSpec,
    Reply, SimTime, Simulation,
};

use super::command::{Command, CommandError};
use super::log::{EventLog, Owners};
use super::scene::{self, Scene};
use super::spec::{node_key, ActorSpec, BindingSpec, NodeKind};
use super::view::WorldView;

/// The seed of every simulation the playground runs: fixed, so that the
/// same actions always give the same run (replay and scrubbing rely on it).
pub const SEED: u64 = 1;

/// Most events kept for [`World::take_fresh`] between two calls.
const FRESH_LIMIT: usize = 10_000;

#[derive(Clone, Debug)]
struct Actor {
    id: ActorId,
    spec: ActorSpec,
}

/// The simulation and its companions. Cheap enough to clone: messages are
/// shared, and the log holds shared entries.
#[derive(Clone, Debug)]
pub struct World {
    sim: Simulation,
    /// The playground's own connection and channel (what the management
    /// UI or `rabbitmqadmin` would use), opened on first use and reopened
    /// after the broker closed them.
    control: Option<ChannelId>,
    /// Actors in the order they were added (display order).
    actors: Vec<Actor>,
    log: EventLog,
    /// Events since the last [`World::take_fresh`], for the animation.
    fresh: Vec<Rc<Event>>,
    /// Who owned each connection seen so far: a closed connection's
    /// events still name their actor. Shared with the log's entries (it
    /// only grows, so each entry's copy names what it named when logged).
    owners: Owners,
    view: Rc<WorldView>,
    /// Server-named queues' aliases (`$reply` → `amq.gen-...`), from
    /// [`Command::DeclareQueueAs`].
    aliases: Rc<Vec<(String, String)>>,
    /// Figures over time for the charts, sampled as the world runs (shared
    /// with copies until one of them runs on).
    stats: Rc<Stats>,
}

impl World {
    /// Loads a scene: its topology (declared through the broker), then its
    /// actors.
    ///
    /// # Errors
    /// What the broker or the simulation refused, with the JSON path.
    pub fn load(scene: &Scene) -> Result<Self, String> {
        let config = scene.broker.as_ref().map(|(c, _)| c.clone());
        let mut broker = Broker::with_config(config.unwrap_or_default());
        // The loading itself is not part of the story the log tells.
        broker.set_record_events(false);
        scene::apply(scene, &mut broker)?;
        let sim = Simulation::new(broker, SEED);
        let stats = Rc::new(Stats::new(sim.now()));
        let mut world = Self {
            sim,
            control: None,
            actors: Vec::new(),
            log: EventLog::default(),
            fresh: Vec::new(),
            owners: Rc::default(),
            view: Rc::default(),
            aliases: Rc::default(),
            stats,
        };
        for (i, p) in scene.producers.iter().enumerate() {
            let mut p = p.clone();
            p.name = world.unique_name(&p.name);
            world
                .add_producer(p)
                .map_err(|e| format!("$.actors.producers[{i}]: {e}"))?;
        }
        for (i, c) in scene.consumers.iter().enumerate() {
            let mut c = c.clone();
            c.name = world.unique_name(&c.name);
            world
                .add_consumer(c)
                .map_err(|e| format!("$.actors.consumers[{i}]: {e}"))?;
        }
        // What the scene makes due at once (a rate producer's first
        // message) happens before anyone acts, as it does in a replay.
        world.sim.run_until(world.sim.now());
        world.drain();
        world.fresh.clear();
        world.refresh();
        Ok(world)
    }

    fn unique_name(&self, name: &str) -> String {
        let mut candidate = name.to_owned();
        let mut n = 2;
        while self.actors.iter().any(|a| a.spec.name() == candidate) {
            candidate = format!("{name} ({n})");
            n += 1;
        }
        candidate
    }

    /// The current virtual time.
    pub fn now(&self) -> SimTime {
        self.sim.now()
    }

    /// The broker, to inspect.
    pub fn broker(&self) -> &Broker {
        self.sim.broker()
    }

    /// The views components draw from, refreshed after every change.
    pub fn view(&self) -> &Rc<WorldView> {
        &self.view
    }

    /// The event log.
    pub fn log(&self) -> &EventLog {
        &self.log
    }

    /// Empties the event log.
    pub fn clear_log(&mut self) {
        self.log.clear();
    }

    /// When the next actor wakeup or broker timer is due.
    pub fn next_wakeup(&self) -> Option<SimTime> {
        self.sim.next_wakeup()
    }

    /// Every actor's spec, in display order.
    pub fn specs(&self) -> impl Iterator<Item = &ActorSpec> {
        self.actors.iter().map(|a| &a.spec)
    }

    /// One actor's spec, by name.
    pub fn spec(&self, name: &str) -> Option<&ActorSpec> {
        self.actors
            .iter()
            .find(|a| a.spec.name() == name)
            .map(|a| &a.spec)
    }

    /// One actor's live view, by name.
    pub fn actor_view(&self, name: &str) -> Option<ActorView> {
        let a = self.actors.iter().find(|a| a.spec.name() == name)?;
        self.sim.actor(a.id)
    }

    /// Figures over time, up to now.
    pub fn stats(&self) -> &Rc<Stats> {
        &self.stats
    }

    /// Runs the simulation to `t`, logging what happened and sampling it
    /// for the charts (at fixed times, so a replay samples the same).
    pub fn run_until(&mut self, t: SimTime) {
        let events = Rc::make_mut(&mut self.stats).run_until(&mut self.sim, t);
        self.log_events(events);
        self.refresh();
    }

    /// The events since the last call (logged already), for the animation.
    pub fn take_fresh(&mut self) -> Vec<Rc<Event>> {
        std::mem::take(&mut self.fresh)
    }

    /// Hands the simulation's new events to the log and the fresh list.
    fn drain(&mut self) {
        let events = self.sim.drain_events();
        if !events.is_empty() {
            Rc::make_mut(&mut self.stats).record_events(&self.sim, &events);
        }
        self.log_events(events);
    }

    /// Logs events already counted in the stats.
    fn log_events(&mut self, events: Vec<Event>) {
        if events.is_empty() {
            return;
        }
        for (conn, name) in self.connection_names() {
            if !self.owners.iter().any(|(c, _)| *c == conn) {
                Rc::make_mut(&mut self.owners).push((conn, name));
            }
        }
        // Bounded: a driver that never takes them loses the oldest.
        if self.fresh.len() > FRESH_LIMIT {
            self.fresh.clear();
        }
        for e in events {
            let e = Rc::new(e);
            self.log.push(e.clone(), &self.owners);
            self.fresh.push(e);
        }
    }

    /// Who owns each open connection, for the log: actors by name, the
    /// playground's control connection as "you".
    fn connection_names(&self) -> Vec<(ConnectionId, String)> {
        let mut out: Vec<(ConnectionId, String)> = self
            .actors
            .iter()
            .filter_map(|a| {
                let view = self.sim.actor(a.id)?;
                let conn = match &view {
                    ActorView::Producer(p) => p.connection,
                    ActorView::Consumer(c) => c.connection,
                }?;
                let kind = match a.spec {
                    ActorSpec::Producer(_) => NodeKind::Producer,
                    ActorSpec::Consumer(_) => NodeKind::Consumer,
                };
                Some((conn, node_key(kind, a.spec.name())))
            })
            .collect();
        if let Some(ch) = self.control {
            out.push((ch.connection, "you".to_owned()));
        }
        out
    }

    /// Recomputes the views.
    pub fn refresh(&mut self) {
        let specs: Vec<ActorSpec> = self.actors.iter().map(|a| a.spec.clone()).collect();
        let actors: Vec<ActorView> = self
            .actors
            .iter()
            .filter_map(|a| self.sim.actor(a.id))
            .collect();
        let view = WorldView::build(self.sim.broker(), actors, specs);
        if *self.view != view {
            self.view = Rc::new(view);
        }
    }

    /// Applies a command at the current time, and runs what it made due
    /// at this same instant (a rate producer's first message, a delivery to
    /// a consumer just started), as a broker would at once. A replay runs
    /// the world to each command's time before the next, so the live world
    /// and the replayed one agree at every moment, paused or not. On error
    /// the world may be half-changed: callers apply commands to a copy and
    /// keep it only on success (see `AppState`), so that a refusal loses
    /// nothing.
    ///
    /// # Errors
    /// What the broker or the simulation refused.
    pub fn apply(&mut self, cmd: &Command) -> Result<(), CommandError> {
        let r = self.apply_inner(cmd);
        if r.is_ok() {
            self.sim.run_until(self.sim.now());
        }
        self.drain();
        self.refresh();
        r
    }

    /// The control channel, (re)opening it as a client library would.
    fn control(&mut self) -> ChannelId {
        if let Some(ch) = self.control {
            if self.sim.broker().is_channel_open(ch) {
                return ch;
            }
            if self.sim.broker().is_connection_open(ch.connection) {
                let reopened = self
                    .sim
                    .with_broker(|b| b.open_channel(ch.connection, ch.number));
                if let Ok(ch) = reopened {
                    return ch;
                }
            }
        }
        let ch = self.sim.with_broker(Broker::connect);
        self.control = Some(ch);
        ch
    }

    /// Performs one AMQP method on the control channel, through the core's
    /// one dispatcher: every command that reaches the broker comes here.
    fn perform(&mut self, op: &Op) -> Result<Reply, CommandError> {
        let ch = self.control();
        self.sim
            .with_broker(|b| b.apply(ch, op))
            .map_err(CommandError::from)
    }

    fn index(&self, name: &str) -> Result<usize, CommandError> {
        self.actors
            .iter()
            .position(|a| a.spec.name() == name)
            .ok_or_else(|| {
                CommandError::other(format!("no producer or consumer is named {name:?}"))
            })
    }

    fn check_free_name(&self, name: &str, except: Option<&str>) -> Result<(), CommandError> {
        if name.trim().is_empty() {
            return Err(CommandError::other("give it a name"));
        }
        if Some(name) != except && self.actors.iter().any(|a| a.spec.name() == name) {
            return Err(CommandError::other(format!(
                "a producer or consumer is already named {name:?}"
            )));
        }
        Ok(())
    }

    fn add_producer(&mut self, spec: ProducerSpec) -> Result<ActorId, CommandError> {
        let id = self.sim.add_producer(spec.clone())?;
        self.actors.push(Actor {
            id,
            spec: ActorSpec::Producer(spec),
        });
        Ok(id)
    }

    fn add_consumer(&mut self, spec: ConsumerSpec) -> Result<ActorId, CommandError> {
        let id = self.sim.add_consumer(spec.clone())?;
        self.actors.push(Actor {
            id,
            spec: ActorSpec::Consumer(spec),
        });
        Ok(id)
    }

    /// Replaces actor `i` with a new process running `spec`, in place.
    fn replace(&mut self, i: usize, spec: ActorSpec) -> Result<(), CommandError> {
        self.sim.remove_actor(self.actors[i].id)?;
        let id = match &spec {
            ActorSpec::Producer(p) => self.sim.add_producer(p.clone())?,
            ActorSpec::Consumer(c) => self.sim.add_consumer(c.clone())?,
        };
        self.actors[i] = Actor { id, spec };
        Ok(())
    }

    /// Every binding touching an exchange or queue, as specs.
    fn bindings_of(&self, name: &str, exchange: bool) -> Vec<BindingSpec> {
        self.sim
            .broker()
            .bindings()
            .into_iter()
            .filter(|b| {
                if exchange {
                    b.source == name || (b.to_exchange && b.destination == name)
                } else {
                    !b.to_exchange && b.destination == name
                }
            })
            .collect()
    }

    /// The generated name `alias` stands for, if a
    /// [`Command::DeclareQueueAs`] defined it.
    pub fn alias(&self, alias: &str) -> Option<&str> {
        self.aliases
            .iter()
            .find(|(a, _)| a == alias)
            .map(|(_, name)| name.as_str())
    }

    fn apply_inner(&mut self, cmd: &Command) -> Result<(), CommandError> {
        match cmd {
            Command::Amqp(op) => self.perform(op).map(drop),
            Command::DeclareQueueAs { decl, alias } => {
                let op = Op::QueueDeclare(QueueDeclare {
                    passive: false,
                    ..decl.clone()
                });
                if let Reply::QueueDeclareOk(ok) = self.perform(&op)? {
                    let aliases = Rc::make_mut(&mut self.aliases);
                    aliases.retain(|(a, _)| a != alias);
                    aliases.push((alias.clone(), ok.queue));
                }
                Ok(())
            }
            Command::RedeclareExchange { name, decl } => self.redeclare_exchange(name, decl),
            Command::RedeclareQueue { name, decl } => self.redeclare_queue(name, decl),
            Command::Rebind { old, new } => {
                if old == new {
                    return Ok(());
                }
                self.perform(&new.bind_op())?;
                self.perform(&old.unbind_op()).map(drop)
            }
            actor => self.apply_to_actor(actor),
        }
    }

    /// The commands that act on a simulated producer or consumer.
    fn apply_to_actor(&mut self, cmd: &Command) -> Result<(), CommandError> {
        match cmd {
            Command::AddProducer(spec) => {
                self.check_free_name(&spec.name, None)?;
                self.add_producer(spec.clone()).map(|_| ())
            }
            Command::AddConsumer(spec) => {
                self.check_free_name(&spec.name, None)?;
                self.add_consumer(spec.clone()).map(|_| ())
            }
            Command::UpdateProducer { name, spec } => self.update_producer(name, spec),
            Command::UpdateConsumer { name, spec } => {
                let i = self.index(name)?;
                self.check_free_name(&spec.name, Some(name))?;
                if !matches!(self.actors[i].spec, ActorSpec::Consumer(_)) {
                    return Err(CommandError::other(format!("{name} is not a consumer")));
                }
                self.replace(i, ActorSpec::Consumer(spec.clone()))
            }
            Command::RemoveActor(name) => {
                let i = self.index(name)?;
                self.sim.remove_actor(self.actors[i].id)?;
                self.actors.remove(i);
                Ok(())
            }
            Command::PublishFrom(name) => {
                let i = self.index(name)?;
                Ok(self.sim.publish(self.actors[i].id)?)
            }
            Command::SetRate(name, rate) => {
                let i = self.index(name)?;
                let id = self.actors[i].id;
                self.sim.set_rate(id, *rate)?;
                if let ActorSpec::Producer(p) = &mut self.actors[i].spec {
                    p.rate_per_sec = *rate;
                }
                Ok(())
            }
            Command::StopConsumer(name) => {
                let i = self.index(name)?;
                self.sim.stop_consumer(self.actors[i].id)?;
                if let ActorSpec::Consumer(c) = &mut self.actors[i].spec {
                    c.start = false;
                }
                Ok(())
            }
            Command::StartConsumer(name) => {
                let i = self.index(name)?;
                self.sim.start_consumer(self.actors[i].id)?;
                if let ActorSpec::Consumer(c) = &mut self.actors[i].spec {
                    c.start = true;
                }
                Ok(())
            }
            Command::KillConsumer(name) => {
                let i = self.index(name)?;
                Ok(self.sim.kill_consumer(self.actors[i].id)?)
            }
            _ => Err(CommandError::other(format!(
                "{} is not an actor's command",
                cmd.describe()
            ))),
        }
    }

    /// Applies a producer's new settings: in place when only the rate or the
    /// button's label changed, else by replacing the actor.
    fn update_producer(&mut self, name: &str, spec: &ProducerSpec) -> Result<(), CommandError> {
        let i = self.index(name)?;
        self.check_free_name(&spec.name, Some(name))?;
        let ActorSpec::Producer(old) = &self.actors[i].spec else {
            return Err(CommandError::other(format!("{name} is not a producer")));
        };
        // Neither the rate nor the button's label needs a new
        // connection.
        let same_but_rate = ProducerSpec {
            rate_per_sec: spec.rate_per_sec,
            button: spec.button.clone(),
            ..old.clone()
        } == *spec;
        if same_but_rate {
            let id = self.actors[i].id;
            self.sim.set_rate(id, spec.rate_per_sec)?;
            self.actors[i].spec = ActorSpec::Producer(spec.clone());
            Ok(())
        } else {
            self.replace(i, ActorSpec::Producer(spec.clone()))
        }
    }

    fn redeclare_exchange(
        &mut self,
        name: &str,
        decl: &ExchangeDeclare,
    ) -> Result<(), CommandError> {
        if self.sim.broker().exchange(name).is_none() {
            return Err(CommandError::other(format!(
                "no exchange is named {name:?}"
            )));
        }
        let new = decl.exchange.clone();
        let bindings = self.bindings_of(name, true);
        self.apply_inner(&Command::delete_exchange(name))?;
        self.apply_inner(&Command::declare_exchange(decl.clone()))?;
        let rename = |s: &str| if s == name { new.clone() } else { s.to_owned() };
        for b in bindings {
            let b = BindingSpec {
                source: rename(&b.source),
                destination: if b.to_exchange {
                    rename(&b.destination)
                } else {
                    b.destination.clone()
                },
                ..b
            };
            self.perform(&b.bind_op())?;
        }
        if new != name {
            for i in 0..self.actors.len() {
                if let ActorSpec::Producer(p) = &self.actors[i].spec {
                    if p.exchange == name {
                        let spec = ProducerSpec {
                            exchange: new.clone(),
                            ..p.clone()
                        };
                        self.replace(i, ActorSpec::Producer(spec))?;
                    }
                }
            }
        }
        Ok(())
    }

    fn redeclare_queue(&mut self, name: &str, decl: &QueueDeclare) -> Result<(), CommandError> {
        if self.sim.broker().queue(name).is_none() {
            return Err(CommandError::other(format!("no queue is named {name:?}")));
        }
        let new = decl.queue.clone();
        let bindings = self.bindings_of(name, false);
        self.apply_inner(&Command::delete_queue(name))?;
        let declare = Op::QueueDeclare(QueueDeclare {
            passive: false,
            ..decl.clone()
        });
        let Reply::QueueDeclareOk(declared) = self.perform(&declare)? else {
            return Err(CommandError::other(
                "queue.declare was not answered by declare-ok",
            ));
        };
        for b in bindings {
            let b = BindingSpec {
                destination: declared.queue.clone(),
                ..b
            };
            self.perform(&b.bind_op())?;
        }
        // Its consumers were cancelled with the old queue: restart them
        // on the new one, as a client reconnecting would.
        for i in 0..self.actors.len() {
            if let ActorSpec::Consumer(c) = &self.actors[i].spec {
                if c.queue == name {
                    let spec = ConsumerSpec {
                        queue: if new.is_empty() {
                            declared.queue.clone()
                        } else {
                            new.clone()
                        },
                        ..c.clone()
                    };
                    self.replace(i, ActorSpec::Consumer(spec))?;
                }
            }
        }
        Ok(())
    }
}
