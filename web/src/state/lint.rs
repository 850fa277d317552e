//! What is wrong with the scene, as `warren check` says it: the lint of
//! `warren-scenario`, run on the broker's topology as exported to
//! `definitions.json` with the scene's actors as its clients, exactly what
//! `warren check` does with the saved scene file. One lint, two front ends.
//!
//! It runs again only when the topology or the actors change, not on a
//! tick (the memo is the view it last judged: a tick changes counts, and
//! counts are not compared). A finding never blocks an edit; a person can
//! dismiss one, which hides it for as long as it stands in this session
//! (dismissals are not saved with the scene: a finding about a scene is
//! worth seeing again when the scene is opened afresh).

use std::rc::Rc;

use warren_core::{ConsumerSpec, FieldTable, ProducerSpec, QueueInfo};
use warren_scenario::lint::{self, Clients, Severity, Subject};
use warren_scenario::Definitions;

use super::spec::{node_key, ActorSpec, BindingSpec, NodeKind};
use super::view::WorldView;
use super::world::World;

/// What a finding is about, as the canvas names it.
#[derive(Clone, Debug, PartialEq)]
pub enum Target {
    /// A node, by key (`queue:orders`).
    Node(String),
    /// A binding.
    Binding(BindingSpec),
    /// Nothing on the canvas (a policy).
    Scene,
}

/// One finding, with what the page needs to show it.
#[derive(Clone, Debug, PartialEq)]
pub struct Shown {
    /// `warning`, `error` or `info`.
    pub severity: &'static str,
    /// The lint's code (`unconsumed-queue`).
    pub code: &'static str,
    /// What is wrong, in words.
    pub message: String,
    /// How to fix it.
    pub fix: &'static str,
    /// Where it shows.
    pub target: Target,
}

impl Shown {
    /// The finding's identity for dismissal: its code and words (which
    /// name the objects), stable while the finding stands.
    pub fn id(&self) -> String {
        format!("{}: {}", self.code, self.message)
    }
}

/// The findings of the current scene, and which were dismissed.
#[derive(Clone, Debug, Default)]
pub struct Lint {
    /// The view last judged (its topology and actors are the memo's key).
    judged: Option<Rc<WorldView>>,
    /// Every finding of that view.
    all: Rc<Vec<Shown>>,
    /// Ids of dismissed findings that still stand.
    dismissed: Rc<Vec<String>>,
    /// How many times the lint ran (the memo's test counts them).
    pub runs: u64,
}

impl Lint {
    /// Lints the world again if its topology or actors changed since the
    /// last time; forgets dismissals of findings that went away.
    pub fn refresh(&mut self, world: &World) {
        let view = world.view();
        if let Some(old) = &self.judged {
            if Rc::ptr_eq(old, view) || same_topology(old, view) {
                self.judged = Some(view.clone());
                return;
            }
        }
        self.judged = Some(view.clone());
        self.runs += 1;
        let all = run(world);
        if self
            .dismissed
            .iter()
            .any(|d| !all.iter().any(|f| f.id() == *d))
        {
            let kept = self
                .dismissed
                .iter()
                .filter(|d| all.iter().any(|f| f.id() == **d));
            self.dismissed = Rc::new(kept.cloned().collect());
        }
        if *self.all != all {
            self.all = Rc::new(all);
        }
    }

    /// Hides a finding while it stands.
    pub fn dismiss(&mut self, id: &str) {
        if self.all.iter().any(|f| f.id() == id) && !self.dismissed.iter().any(|d| d == id) {
            Rc::make_mut(&mut self.dismissed).push(id.to_owned());
        }
    }

    /// The findings not dismissed, in the lint's order.
    pub fn shown(&self) -> Vec<Shown> {
        self.all
            .iter()
            .filter(|f| !self.dismissed.iter().any(|d| *d == f.id()))
            .cloned()
            .collect()
    }

    /// How many findings were dismissed and still stand.
    pub fn dismissed(&self) -> usize {
        self.dismissed.len()
    }
}

/// Whether two views hold the same topology and actors (what the lint
/// reads), whatever their counts.
fn same_topology(a: &WorldView, b: &WorldView) -> bool {
    fn decl(q: &QueueInfo) -> (&str, bool, bool, bool, &FieldTable) {
        (&q.name, q.durable, q.exclusive, q.auto_delete, &q.arguments)
    }
    a.exchanges == b.exchanges
        && a.bindings == b.bindings
        && a.specs == b.specs
        && a.queues.len() == b.queues.len()
        && a.queues
            .iter()
            .zip(&b.queues)
            .all(|(x, y)| decl(x) == decl(y))
}

/// The lint of the world: its broker exported as definitions, its actors
/// as the clients (when there is any, as `warren check` decides).
fn run(world: &World) -> Vec<Shown> {
    let defs = Definitions::export(world.broker());
    let (mut producers, mut consumers): (Vec<ProducerSpec>, Vec<ConsumerSpec>) = (vec![], vec![]);
    for s in world.specs() {
        match s {
            ActorSpec::Producer(p) => producers.push(p.clone()),
            ActorSpec::Consumer(c) => consumers.push(c.clone()),
        }
    }
    let clients = Clients {
        producers: &producers,
        consumers: &consumers,
    };
    let known = !producers.is_empty() || !consumers.is_empty();
    lint::check_with(&defs, known.then_some(&clients))
        .into_iter()
        .map(|f| Shown {
            severity: f.severity.as_str(),
            code: f.code,
            fix: f.fix(),
            target: match lint::subject(&defs, &f.path) {
                Some(Subject::Exchange(n)) => Target::Node(node_key(NodeKind::Exchange, n)),
                Some(Subject::Queue(n)) => Target::Node(node_key(NodeKind::Queue, n)),
                Some(Subject::Binding(b)) => Target::Binding(b.info()),
                Some(Subject::Policy(_)) | None => Target::Scene,
            },
            message: f.message,
        })
        .collect()
}

/// The most serious of some findings' severities (`error` before
/// `warning` before `info`), for a badge's colour.
pub fn worst<'a>(findings: impl IntoIterator<Item = &'a Shown>) -> Option<&'static str> {
    let rank = |s: &str| match s {
        "error" => Severity::Error,
        "warning" => Severity::Warning,
        _ => Severity::Info,
    };
    findings
        .into_iter()
        .map(|f| f.severity)
        .min_by_key(|s| rank(s))
}
