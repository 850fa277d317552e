//! Read-only snapshots of the world, taken after every change: what the
//! components draw. Everything here is read from the core's views.

use warren_core::{
    ActorView, BindingInfo, Broker, ConsumerInfo, ExchangeInfo, Ledger, QueueInfo, SimTime,
};

use super::graph::{Sources, Topology};
use super::spec::ActorSpec;

/// The world as the components see it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct WorldView {
    /// Virtual time of the snapshot.
    pub now: SimTime,
    /// Every exchange (predeclared ones included), by name.
    pub exchanges: Vec<ExchangeInfo>,
    /// Every queue, by name.
    pub queues: Vec<QueueInfo>,
    /// Every stored binding.
    pub bindings: Vec<BindingInfo>,
    /// Broker-side consumers (actors' and scripted ones).
    pub consumers: Vec<ConsumerInfo>,
    /// The simulated actors' live state, in display order.
    pub actors: Vec<ActorView>,
    /// The actors' settings, in the same order.
    pub specs: Vec<ActorSpec>,
    /// Where every message went so far.
    pub ledger: Ledger,
    /// Nodes and edges for the canvas.
    pub topology: Topology,
}

impl WorldView {
    /// Every exchange's (name, type), for forms that offer a choice of
    /// exchange with its type shown.
    pub fn exchange_types(&self) -> Vec<(String, String)> {
        self.exchanges
            .iter()
            .map(|x| (x.name.clone(), x.exchange_type.clone()))
            .collect()
    }

    /// The first exchange the person declared (not a predeclared one), or
    /// `""`: what forms offer before anything is chosen.
    pub fn first_own_exchange(&self) -> String {
        self.exchanges
            .iter()
            .find(|x| !x.predeclared)
            .map(|x| x.name.clone())
            .unwrap_or_default()
    }

    /// Reads the broker and the actors.
    pub fn build(broker: &Broker, actors: Vec<ActorView>, specs: Vec<ActorSpec>) -> Self {
        let exchanges = broker.exchanges();
        let queues = broker.queues();
        let bindings = broker.bindings();
        let consumers = broker.consumers();
        let topology = Topology::build(&Sources {
            exchanges: &exchanges,
            queues: &queues,
            consumers: &consumers,
            bindings: &bindings,
            actors: &actors,
            specs: &specs,
        });
        Self {
            now: broker.now(),
            exchanges,
            queues,
            bindings,
            consumers,
            actors,
            specs,
            ledger: broker.ledger().clone(),
            topology,
        }
    }

    /// An exchange by name.
    pub fn exchange(&self, name: &str) -> Option<&ExchangeInfo> {
        self.exchanges.iter().find(|x| x.name == name)
    }

    /// A queue by name.
    pub fn queue(&self, name: &str) -> Option<&QueueInfo> {
        self.queues.iter().find(|q| q.name == name)
    }

    /// An actor's live view and spec, by name.
    pub fn actor(&self, name: &str) -> Option<(&ActorView, &ActorSpec)> {
        let i = self.specs.iter().position(|s| s.name() == name)?;
        Some((self.actors.get(i)?, &self.specs[i]))
    }

    /// Names of exchanges people can publish to or bind from (the default
    /// exchange as `""`), in name order.
    pub fn exchange_names(&self) -> Vec<String> {
        self.exchanges.iter().map(|x| x.name.clone()).collect()
    }

    /// Names of every queue.
    pub fn queue_names(&self) -> Vec<String> {
        self.queues.iter().map(|q| q.name.clone()).collect()
    }
}
