//! The playground's state and its reducer: the only place the world
//! changes. [`AppState`] wraps the core's simulation ([`World`]), the
//! timeline of the person's commands, the layout and what the interface
//! shows; [`Action`] is every intent, from the wall clock's
//! [`Action::Tick`] to a form's [`Action::Submit`].
//!
//! No clock and no storage here: time arrives as `Tick(elapsed_ms)` from
//! `App`'s effect, and persistence is `App`'s effect reading
//! [`AppState::scene_text`] whenever [`AppState::scene_rev`] changes.
//!
//! The state modules form a one-way chain; each uses only modules before
//! it, and `tests/module_chain.rs` fails on a cycle:
//!
//! 1. `fields` (value formatting), `spec` (what the person names: actors,
//!    bindings, node keys, the layout), `command` (what the person can do);
//! 2. `scene` (the scenario format), `drafts` (forms' text to commands);
//! 3. `graph` (the canvas model), `view` (the snapshot that holds it);
//! 4. `log` (below `world`, which owns the log and fills it as the
//!    simulation runs);
//! 5. `world` (the simulation and its companions);
//! 6. `timeline`, `anim`, `inspect` (each reads or drives the world),
//!    `player` (where a lesson's learner is), `lint` (what `warren check`
//!    says of the world);
//! 7. this module, the reducer.

mod anim;
mod command;
pub mod drafts;
pub mod fields;
pub mod graph;
mod inspect;
pub mod lint;
mod log;
pub mod player;
pub mod scene;
mod spec;
mod timeline;
mod view;
mod world;

use std::rc::Rc;

use warren_core::stats::Stats;
use warren_core::{FieldTable, MessageId, Op, RouteExplanation, SimTime};
use yew::Reducible;

pub use anim::{Anim, Flash, Flight, FlightKind, FLIGHT_MS, MAX_FLIGHTS};
pub use command::{Command, CommandError};
pub use graph::{Edge, EdgeKind, Node, NodeDetail, StreamLog, Topology};
pub use inspect::{inspect, Inspection, MessageSummary, Selection, MESSAGE_LIMIT};
pub use lint::{Lint, Shown, Target};
pub use log::{EventLog, LogEntry, LogFilter, LogView, KINDS, LOG_CAPACITY, LOG_ROWS};
pub use player::{caption_spans, Mark, Player};
pub use spec::{node_key, node_name, parse_node_key, ActorSpec, BindingSpec, Layout, NodeKind};
pub use timeline::{Recorded, Timeline};
pub use view::WorldView;
pub use world::{World, SEED};

/// Speeds the speed control offers (virtual ms per wall ms).
pub const SPEEDS: &[f64] = &[0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 25.0, 50.0, 100.0];

/// Longest wall-clock step a tick may stand for: a tab in the background
/// for minutes resumes where it was rather than racing ahead.
const MAX_TICK_MS: f64 = 1000.0;

/// Most virtual time one [`Action::FrameTick`] runs, in wall ms at the
/// current speed (frames tick about every 48 ms). Time owed beyond it
/// carries over to the next ticks, so a late frame is caught up over a few
/// frames: at 5,000 msg/s a 100 ms stall no longer makes the next frame
/// run 500 messages and render them at once, which made that frame late
/// too.
pub const MAX_STEP_MS: f64 = 64.0;

/// Where a form's error is shown.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum FormId {
    /// "New exchange".
    NewExchange,
    /// "New queue".
    NewQueue,
    /// "New binding".
    NewBinding,
    /// "New producer".
    NewProducer,
    /// "New consumer".
    NewConsumer,
    /// The inspector's edit form.
    Edit,
    /// The inspector's buttons (publish, stop, kill, delete, purge).
    Controls,
    /// The publish panel.
    Publish,
    /// The scene dialog (import).
    Scene,
}

/// One value per form (a handful of forms: a list keeps the wasm small).
#[derive(Clone, Debug, PartialEq)]
pub struct PerForm<T>(Vec<(FormId, T)>);

impl<T> Default for PerForm<T> {
    fn default() -> Self {
        Self(Vec::new())
    }
}

impl<T: Clone> PerForm<T> {
    /// The form's value.
    pub fn get(&self, form: &FormId) -> Option<&T> {
        self.0.iter().find(|(f, _)| f == form).map(|(_, v)| v)
    }

    /// Sets the form's value.
    pub fn insert(&mut self, form: FormId, value: T) {
        self.remove(&form);
        self.0.push((form, value));
    }

    /// Clears the form's value.
    pub fn remove(&mut self, form: &FormId) {
        self.0.retain(|(f, _)| f != form);
    }

    /// Whether the form has a value.
    pub fn contains_key(&self, form: &FormId) -> bool {
        self.get(form).is_some()
    }

    /// Whether no form has a value.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// The side panel's tabs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Panel {
    /// The selection's state and settings.
    Inspect,
    /// Forms that add exchanges, queues, bindings and actors.
    Add,
    /// Publish a message by hand.
    Publish,
    /// "Why did it go there": the routing tester.
    Route,
}

/// Pan and zoom of the canvas: world point `p` shows at `p * k + (x, y)`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Viewport {
    /// Horizontal offset, screen px.
    pub x: f64,
    /// Vertical offset, screen px.
    pub y: f64,
    /// Zoom factor.
    pub k: f64,
}

impl Default for Viewport {
    fn default() -> Self {
        Self {
            x: 0.0,
            y: 0.0,
            k: 1.0,
        }
    }
}

/// Zoom limits.
pub const ZOOM: (f64, f64) = (0.25, 3.0);

/// What the routing tester explains.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RouteQuery {
    /// Exchange published to.
    pub exchange: String,
    /// Routing key.
    pub routing_key: String,
    /// Headers.
    pub headers: FieldTable,
    /// The message it comes from, if one was selected.
    pub message: Option<u64>,
}

/// How serious a notice is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Level {
    /// For information.
    Info,
    /// Something worth knowing went differently than asked.
    Warn,
    /// Something failed.
    Error,
}

/// A line in the status bar.
#[derive(Clone, Debug, PartialEq)]
pub struct Notice {
    /// How serious.
    pub level: Level,
    /// What to say.
    pub text: String,
    /// Wall time it went up (it goes away on its own after a while).
    pub since: f64,
}

/// Shortest wall time between two redraws of the event log while time
/// runs, ms. At thousands of events a second every row would change on
/// every tick, faster than anyone reads and costly to lay out; four
/// snapshots a second keep it readable and cheap. Anything a person does
/// (a step, a publish, a filter) redraws it at once.
pub const LOG_REFRESH_MS: f64 = 250.0;

/// How long a notice stays up, wall ms (errors stay until dismissed).
const NOTICE_MS: f64 = 8000.0;

/// The notice where the browser keeps nothing for the page.
pub const NO_STORAGE: &str = "This browser keeps no site data for this page, so the scene will be gone after a reload: Scenes ▸ Export this scene keeps a copy.";

/// An open dialog.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Dialog {
    /// None.
    #[default]
    None,
    /// Keyboard shortcuts and concepts.
    Help,
    /// Scenes: built-in ones, import, export.
    Scene,
    /// The scene as pika code, one tab per script.
    Code,
    /// The gallery of lessons.
    Gallery,
    /// Share: the link and the `<iframe>` line (src/components/share.rs).
    Share,
}

/// Interface state.
#[derive(Clone, Debug, PartialEq)]
pub struct Ui {
    /// What is selected.
    pub selection: Selection,
    /// The side panel's tab.
    pub panel: Panel,
    /// Pan and zoom.
    pub viewport: Viewport,
    /// Bumped when the canvas should fit the scene into view.
    pub fit_request: u64,
    /// The event log's filter.
    pub log_filter: LogFilter,
    /// What the event log shows (refreshed at most every
    /// [`LOG_REFRESH_MS`] while time runs).
    pub log: LogView,
    /// Wall time of the last refresh of [`Ui::log`].
    pub log_at: f64,
    /// The routing question being explained, recomputed as the world
    /// changes.
    pub route_query: Option<RouteQuery>,
    /// The core's answer to it.
    pub route: Option<Rc<RouteExplanation>>,
    /// Refusals, next to the form that caused them.
    pub errors: PerForm<CommandError>,
    /// Successful submits per form (forms reset their draft when it
    /// changes).
    pub ok: PerForm<u64>,
    /// The status bar.
    pub notice: Option<Notice>,
    /// The open dialog.
    pub dialog: Dialog,
    /// The Share dialog's "run so far": the start scene with the run, taken
    /// when its box was ticked (the link then stays still while time runs).
    pub share_run: Option<Rc<str>>,
    /// Fit the whole scene at any width (an embed, src/embed.rs), rather
    /// than keep a phone's zoom legible and pan.
    pub fit_whole: bool,
}

impl Default for Ui {
    fn default() -> Self {
        Self {
            selection: Selection::None,
            panel: Panel::Inspect,
            viewport: Viewport::default(),
            fit_request: 0,
            log_filter: LogFilter::default(),
            log: LogView::default(),
            log_at: 0.0,
            route_query: None,
            route: None,
            errors: PerForm::default(),
            ok: PerForm::default(),
            notice: None,
            dialog: Dialog::None,
            share_run: None,
            fit_whole: false,
        }
    }
}

/// Virtual time against the wall clock.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Clock {
    /// Whether virtual time runs.
    pub playing: bool,
    /// Virtual ms per wall ms.
    pub speed: f64,
    /// Virtual ms owed but not yet run: fractions of a ms, and what a
    /// tick left for the next ones (see [`MAX_STEP_MS`]).
    carry: f64,
    /// Wall ms since the page started (for animations only).
    pub wall: f64,
}

impl Default for Clock {
    fn default() -> Self {
        Self {
            playing: true,
            speed: 1.0,
            carry: 0.0,
            wall: 0.0,
        }
    }
}

/// Every intent the interface can have.
// `Submit` carries a whole command (a producer's spec is a few hundred
// bytes); actions live for one dispatch, so boxing would only add an
// allocation to every click.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug, PartialEq)]
pub enum Action {
    /// The wall clock moved on by this many ms.
    Tick(f64),
    /// Like [`Action::Tick`], from an animation frame: runs at most
    /// [`MAX_STEP_MS`] of wall time's worth of virtual time and owes the
    /// rest to the next ticks.
    FrameTick(f64),
    /// Start virtual time.
    Play,
    /// Stop virtual time.
    Pause,
    /// Play or pause.
    TogglePlay,
    /// Pause and jump to the next thing scheduled (`Simulation::step`).
    Step,
    /// Set the speed.
    SetSpeed(f64),
    /// Next speed up.
    Faster,
    /// Next speed down.
    Slower,
    /// Go to this virtual time (ms), replaying the recorded commands.
    Scrub(u64),
    /// Scrub by this many virtual ms (negative: back).
    ScrubBy(i64),
    /// Start again from the current topology and actors: queues empty,
    /// clock at zero, timeline cleared.
    Restart,
    /// Load a built-in scene by id.
    LoadBuiltIn(String),
    /// Load a scene from scenario JSON (import, or restoring a saved one).
    LoadSceneText(String),
    /// Give a command; a refusal shows next to the form.
    Submit(FormId, Command),
    /// Select something (and show it in the inspector).
    Select(Selection),
    /// Show a side-panel tab.
    ShowPanel(Panel),
    /// Place a node (drag and drop).
    MoveNode(String, f64, f64),
    /// Move a node by an offset (keyboard).
    NudgeNode(String, f64, f64),
    /// Lay every node out afresh in columns.
    AutoLayout,
    /// Set pan and zoom.
    SetViewport(Viewport),
    /// Zoom by a factor around the centre of a canvas of this size.
    ZoomBy(f64, (f64, f64)),
    /// Fit the scene into a canvas of this size.
    FitView(f64, f64),
    /// Explain where a message would go.
    Explain(RouteQuery),
    /// Explain where a selected message went (its exchange, key, headers).
    ExplainMessage(u64),
    /// Forget the explanation.
    ClearRoute,
    /// Filter the event log.
    SetLogFilter(LogFilter),
    /// A lesson's file, fetched (or why it could not be): load it.
    LoadLesson {
        /// The gallery's id.
        id: String,
        /// The file's text.
        text: Result<String, String>,
    },
    /// Perform the lesson's next step.
    LessonNext,
    /// Go to lesson step N (1-based; 0 is the start): the steps before it
    /// performed at once, the way Next would have, the clock paused there
    /// (an embed's `step=N`, the host page's `goto-step`).
    LessonGoto(usize),
    /// Back to the moment before the lesson's current step.
    LessonBack,
    /// Back to the lesson's start.
    LessonRestart,
    /// Leave free play: back to the lesson's script at the current step.
    LessonReturn,
    /// Why did the current step's last message go where it went?
    LessonWhy,
    /// `N`: the lesson's next step if a lesson is open, else the next event.
    NextKey,
    /// `P`: the lesson's previous step if a lesson is open, else publish.
    PrevKey,
    /// Empty the event log.
    ClearLog,
    /// Open a dialog.
    OpenDialog(Dialog),
    /// Close dialogs (and the notice).
    CloseDialog,
    /// The Share dialog's box: take the run so far for the link (true),
    /// or share the scene alone.
    ShareRun(bool),
    /// Hide the status bar's notice.
    DismissNotice,
    /// Hide a lint finding (by [`Shown::id`]) while it stands.
    DismissFinding(String),
    /// Publish from the selected producer (or the first one).
    PublishSelected,
    /// Stop the selected consumer if running, else start it.
    ToggleSelectedConsumer,
    /// Kill the selected consumer.
    KillSelected,
    /// Delete the selected entity.
    DeleteSelected,
    /// Escape: close a dialog, else clear the selection.
    Escape,
    /// Put up a notice (what happened outside the reducer: a link that
    /// did not open, a file, the host page).
    Notify(Level, String),
    /// Load a scene read and checked elsewhere (a share link, a file, the
    /// host page), saying this when it loads; a refusal is a notice, and
    /// changes nothing.
    OpenScene(Rc<scene::Scene>, String),
}

/// The whole state.
#[derive(Clone, Debug)]
pub struct AppState {
    /// The simulation and its log.
    pub world: World,
    /// Commands over time, from the start scene.
    pub timeline: Timeline,
    /// Node positions.
    pub layout: Rc<Layout>,
    /// Virtual time against the wall clock.
    pub clock: Clock,
    /// Messages in the air.
    pub anim: Anim,
    /// Interface state.
    pub ui: Ui,
    /// Bumped whenever what is persisted changes (topology, actors,
    /// layout, a loaded scene).
    pub scene_rev: u64,
    /// The lesson being walked, if the scene has one.
    pub player: Option<Player>,
    /// What `warren check` says of the scene (session-only dismissals).
    pub lint: Lint,
    /// What the charts draw: the figures up to the latest moment reached,
    /// kept while scrubbing back (the cursor then shows the moment).
    pub chart: Rc<Stats>,
}

impl Default for AppState {
    fn default() -> Self {
        Self::with_scene(scene::default_scene()).unwrap_or_else(|e| {
            // The built-in scene always loads; if it ever did not, an empty
            // playground beats no playground.
            let mut s = Self::with_scene(scene::Scene::default()).expect("an empty scene loads");
            s.notify(Level::Error, format!("the default scene did not load: {e}"));
            s
        })
    }
}

impl AppState {
    /// A playground starting from `scene`.
    ///
    /// # Errors
    /// What the core refused in the scene.
    pub fn with_scene(scene: scene::Scene) -> Result<Self, String> {
        let world = World::load(&scene)?;
        let mut layout = scene.layout.clone();
        let ignored = scene.ignored.join("; ");
        graph::place_new(&world.view().topology, &mut layout);
        let player = scene.lesson.clone().map(Player::new);
        let run = scene.run.clone();
        let timeline = Timeline::new(scene, &world);
        let chart = world.stats().clone();
        let mut s = Self {
            chart,
            world,
            timeline,
            layout: Rc::new(layout),
            clock: Clock::default(),
            anim: Anim::default(),
            ui: Ui::default(),
            scene_rev: 0,
            player,
            lint: Lint::default(),
        };
        s.lint.refresh(&s.world);
        s.ui.fit_request = 1;
        // Checked when the scene was read: it reads again.
        if let Some(Ok(run)) = run.map(|r| scene::run::parse((*r).clone())) {
            if !run.commands.is_empty() || run.until > 0 {
                s.replay_run(&run);
            }
        }
        s.refresh_log();
        if !ignored.is_empty() {
            s.notify(
                Level::Warn,
                format!("Not everything in the scene was loaded: {ignored}."),
            );
        }
        Ok(s)
    }

    /// The playground with a notice that this browser keeps nothing for
    /// the page (storage off), so that no reader loses a scene by surprise.
    #[must_use]
    pub fn without_storage(mut self) -> Self {
        self.notify(Level::Warn, NO_STORAGE);
        self
    }

    /// The playground a page opens with: the saved scene if there is one
    /// and it loads, else the default scene (with a notice saying why).
    pub fn restore(saved: Option<&str>) -> Self {
        let Some(text) = saved else {
            return Self::default();
        };
        match scene::parse(text).and_then(Self::with_scene) {
            Ok(mut s) => {
                s.notify(
                    Level::Info,
                    "Restored your scene from this browser. Scenes ▸ default scene starts over.",
                );
                s
            }
            Err(e) => {
                let mut s = Self::default();
                s.notify(
                    Level::Warn,
                    format!(
                        "Your saved scene could not be restored ({e}); showing the default scene."
                    ),
                );
                s
            }
        }
    }

    /// The commands on the timeline, as the time bar marks them: when
    /// each was given and what it did.
    pub fn timeline_marks(&self) -> Vec<(u64, String)> {
        self.timeline
            .entries()
            .iter()
            .map(|r| (r.at.ms(), r.cmd.describe()))
            .collect()
    }

    /// Current virtual time.
    pub fn now(&self) -> SimTime {
        self.world.now()
    }

    /// The current scene as scenario JSON (what is persisted).
    pub fn scene_text(&self) -> String {
        let start = self.timeline.start();
        let nodes = &self.world.view().topology.nodes;
        scene::to_text(&scene::export(
            start,
            self.world.broker(),
            self.world.specs(),
            &self.layout,
            |k| nodes.iter().any(|n| n.key == k),
        ))
    }

    /// Whether anything happened since the scene started (a run to share).
    pub fn has_run(&self) -> bool {
        self.timeline.cursor() > 0 || self.world.now() > self.timeline.origin()
    }

    /// The scene the timeline started from, with the run so far (every
    /// command given since, up to now) as its `"run"`: what a share link
    /// with the run carries. `None` when nothing was done yet.
    pub fn scene_with_run_text(&self) -> Option<String> {
        let origin = self.timeline.origin();
        let now = self.world.now();
        let done = &self.timeline.entries()[..self.timeline.cursor()];
        if done.is_empty() && now <= origin {
            return None;
        }
        let start = self.timeline.start();
        let world = World::load(start).ok()?;
        // Positions of the nodes drawn now or at the start.
        let (now_nodes, start_nodes) = (
            &self.world.view().topology.nodes,
            &world.view().topology.nodes,
        );
        let mut v = scene::export(start, world.broker(), world.specs(), &self.layout, |k| {
            now_nodes.iter().chain(start_nodes).any(|n| n.key == k)
        });
        let run = scene::run::Run {
            commands: done
                .iter()
                .map(|r| (r.at.ms() - origin.ms(), r.cmd.clone()))
                .collect(),
            until: now.ms() - origin.ms(),
        };
        if let serde_json::Value::Object(m) = &mut v {
            m.insert("run".into(), run.to_value()?);
        }
        Some(scene::to_text(&v))
    }

    /// Puts a scene's run on the timeline and plays it to its end, paused
    /// there: the reader sees the moment it was shared and can scrub back.
    fn replay_run(&mut self, run: &scene::run::Run) {
        let origin = self.timeline.origin();
        for (at, cmd) in &run.commands {
            self.timeline.schedule(origin.plus(*at), cmd.clone());
        }
        self.timeline
            .advance(&mut self.world, origin.plus(run.until), false);
        self.clock.playing = false;
        self.notify(
            Level::Info,
            format!(
                "The scene opens where its run was shared: {} action(s) over {:.1} s replayed, paused. Scrub the timeline back to watch them.",
                run.commands.len(),
                run.until as f64 / 1000.0
            ),
        );
    }

    /// The current scene as runnable pika scripts (`docs/export.md`):
    /// the broker's topology and the actors as they are now.
    pub fn code_files(&self) -> Vec<warren_export::File> {
        let (mut producers, mut consumers) = (Vec::new(), Vec::new());
        for spec in self.world.specs() {
            match spec {
                ActorSpec::Producer(p) => producers.push(p.clone()),
                ActorSpec::Consumer(c) => consumers.push(c.clone()),
            }
        }
        let name = &self.timeline.start().name;
        let model =
            warren_export::Model::from_broker(name, self.world.broker(), producers, consumers);
        warren_export::pika(&model)
    }

    /// The current topology as a RabbitMQ `definitions.json`.
    pub fn definitions_text(&self) -> String {
        scene::definitions_text(self.world.broker())
    }

    /// The current scene: topology, actors, layout. Written and read
    /// back: exactly what a reload would restore.
    ///
    /// # Errors
    /// Why the written scene does not read back (a bug in the writer or
    /// the reader: a reload would refuse it too).
    pub fn current_scene(&self) -> Result<scene::Scene, String> {
        scene::parse(&self.scene_text())
    }

    /// A name no actor has yet: `base`, else `base 2`, `base 3`, ...
    pub fn free_actor_name(&self, base: &str) -> String {
        let taken = |n: &str| self.world.specs().any(|s| s.name() == n);
        if !taken(base) {
            return base.to_owned();
        }
        let mut i = 2;
        loop {
            let name = format!("{base} {i}");
            if !taken(&name) {
                return name;
            }
            i += 1;
        }
    }

    /// What the inspector shows.
    pub fn inspection(&self) -> Inspection {
        inspect(&self.world, &self.ui.selection)
    }

    fn notify(&mut self, level: Level, text: impl Into<String>) {
        self.ui.notice = Some(Notice {
            level,
            text: text.into(),
            since: self.clock.wall,
        });
    }

    fn load(&mut self, scene: scene::Scene, what: &str) {
        match Self::with_scene(scene) {
            Ok(mut fresh) => {
                // A scene that came with its run stays at the run's end.
                let replayed = fresh.has_run();
                fresh.clock = Clock {
                    carry: 0.0,
                    // A lesson waits for its first Next.
                    playing: self.clock.playing && fresh.player.is_none() && !replayed,
                    ..self.clock
                };
                fresh.ui.viewport = self.ui.viewport;
                fresh.ui.fit_request = self.ui.fit_request + 1;
                fresh.ui.panel = self.ui.panel;
                fresh.ui.fit_whole = self.ui.fit_whole;
                fresh.scene_rev = self.scene_rev + 1;
                if fresh.ui.notice.is_none() {
                    fresh.notify(Level::Info, what.to_owned());
                }
                *self = fresh;
            }
            Err(e) => {
                self.ui.errors.insert(
                    FormId::Scene,
                    CommandError {
                        code: None,
                        text: e,
                    },
                );
            }
        }
    }

    /// After anything changed the world: place new nodes, re-explain.
    fn after_change(&mut self) {
        if self.now() >= self.timeline.horizon() {
            self.chart = self.world.stats().clone();
        }
        let topo = &self.world.view().topology;
        if topo.nodes.iter().any(|n| !self.layout.contains_key(&n.key)) {
            graph::place_new(topo, Rc::make_mut(&mut self.layout));
        }
        self.refresh_route();
    }

    /// Takes a new snapshot of the event log if it changed.
    fn refresh_log(&mut self) {
        let log = self.world.log();
        if self.ui.log.is_stale(log, &self.ui.log_filter) {
            self.ui.log = LogView::of(log, &self.ui.log_filter);
            self.ui.log_at = self.clock.wall;
        }
    }

    fn refresh_route(&mut self) {
        let Some(q) = &self.ui.route_query else {
            self.ui.route = None;
            return;
        };
        let why = self
            .world
            .broker()
            .explain_route(&q.exchange, &q.routing_key, &q.headers);
        if self.ui.route.as_deref() != Some(&why) {
            self.ui.route = Some(Rc::new(why));
        }
    }

    /// Moves time to `t`, replaying recorded commands on the way.
    fn advance(&mut self, t: SimTime, live: bool) {
        let events = self.timeline.advance(&mut self.world, t, live);
        if live {
            self.anim
                .on_events(&events, self.world.view(), self.clock.wall);
        }
        self.after_change();
    }

    fn scrub(&mut self, t: u64) {
        let t = SimTime(t)
            .max(self.timeline.origin())
            .min(self.timeline.horizon());
        self.clock.playing = false;
        self.clock.carry = 0.0;
        if let Some(p) = &mut self.player {
            p.hold = None;
        }
        if t == self.now() {
            return;
        }
        if t > self.now() {
            self.advance(t, false);
        } else {
            self.timeline.rewind(&mut self.world, t);
            self.after_change();
        }
        self.anim.clear();
    }

    fn step(&mut self) {
        self.clock.playing = false;
        self.clock.carry = 0.0;
        let next = match (self.world.next_wakeup(), self.timeline.next_at()) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        match next {
            Some(t) => self.advance(t.max(self.now()), true),
            None => self.notify(
                Level::Info,
                "Nothing is scheduled: publish something, or press play to let time run.",
            ),
        }
    }

    /// Applies a command to a copy of the world and keeps the copy only if
    /// the broker accepted: a refusal changes nothing but the form's error.
    fn submit(&mut self, form: FormId, cmd: Command) {
        let mut trial = self.world.clone();
        match trial.apply(&cmd) {
            Ok(()) => {
                self.world = trial;
                if let Some(p) = &mut self.player {
                    p.off_script = true;
                    p.hold = None;
                }
                let events = self.world.take_fresh();
                self.anim
                    .on_events(&events, self.world.view(), self.clock.wall);
                let dropped = self.timeline.record(self.now(), cmd.clone());
                self.ui.errors.remove(&form);
                if form != FormId::Controls {
                    self.ui.errors.remove(&FormId::Controls);
                }
                let n = self.ui.ok.get(&form).copied().unwrap_or(0);
                self.ui.ok.insert(form, n + 1);
                if matches!(
                    form,
                    FormId::NewExchange
                        | FormId::NewQueue
                        | FormId::NewBinding
                        | FormId::NewProducer
                        | FormId::NewConsumer
                        | FormId::Edit
                ) {
                    let what = cmd.describe();
                    self.notify(Level::Info, format!("Done: {what}."));
                }
                if dropped > 0 {
                    self.notify(
                        Level::Warn,
                        format!(
                            "You acted in the past: {dropped} later action(s) on the timeline were discarded."
                        ),
                    );
                }
                if cmd.changes_scene() {
                    self.scene_rev += 1;
                }
                self.follow(&cmd);
                self.after_change();
            }
            Err(e) => {
                self.ui.errors.insert(form, e);
            }
        }
    }

    /// Moves the selection along with what a command did (a rename, a new
    /// entity, a deletion).
    fn follow(&mut self, cmd: &Command) {
        let sel = &mut self.ui.selection;
        match cmd {
            Command::Amqp(op) => self.follow_method(op),
            Command::RedeclareExchange { name, decl } => {
                if decl.exchange != *name {
                    self.rename_node(NodeKind::Exchange, name, &decl.exchange);
                }
                self.ui.selection = Selection::Exchange(decl.exchange.clone());
            }
            Command::RedeclareQueue { name, decl }
                if decl.queue != *name && !decl.queue.is_empty() =>
            {
                self.rename_node(NodeKind::Queue, name, &decl.queue);
                self.ui.selection = Selection::Queue(decl.queue.clone());
            }
            Command::Rebind { new, .. } => *sel = Selection::Binding(new.clone()),
            Command::AddProducer(p) => *sel = Selection::Producer(p.name.clone()),
            Command::AddConsumer(c) => *sel = Selection::Consumer(c.name.clone()),
            Command::UpdateProducer { name, spec } => {
                if spec.name != *name {
                    self.rename_node(NodeKind::Producer, name, &spec.name);
                }
                self.ui.selection = Selection::Producer(spec.name.clone());
            }
            Command::UpdateConsumer { name, spec } => {
                if spec.name != *name {
                    self.rename_node(NodeKind::Consumer, name, &spec.name);
                }
                self.ui.selection = Selection::Consumer(spec.name.clone());
            }
            Command::RemoveActor(_) => *sel = Selection::None,
            _ => {}
        }
    }

    /// Moves the selection to what a method made, or off what it removed.
    fn follow_method(&mut self, op: &Op) {
        let sel = &mut self.ui.selection;
        match op {
            Op::ExchangeDeclare(d) => *sel = Selection::Exchange(d.exchange.clone()),
            Op::QueueDeclare(d) if !d.queue.is_empty() => {
                *sel = Selection::Queue(d.queue.clone());
            }
            Op::QueueBind(_) | Op::ExchangeBind(_) => {
                if let Some(b) = op.binding() {
                    *sel = Selection::Binding(b);
                }
            }
            Op::ExchangeDelete(_)
            | Op::QueueDelete(_)
            | Op::QueueUnbind(_)
            | Op::ExchangeUnbind(_) => *sel = Selection::None,
            _ => {}
        }
    }

    /// A renamed node keeps its place.
    fn rename_node(&mut self, kind: NodeKind, old: &str, new: &str) {
        let layout = Rc::make_mut(&mut self.layout);
        if let Some(p) = layout.get(&node_key(kind, old)).copied() {
            layout.insert(node_key(kind, new), p);
        }
    }

    /// Wall time passed: `dt` ms, of which at most `max_step` ms' worth of
    /// virtual time runs now (the rest is owed).
    fn tick(self: Rc<Self>, dt: f64, max_step: f64) -> Rc<Self> {
        let dt = if dt.is_finite() {
            dt.clamp(0.0, MAX_TICK_MS)
        } else {
            0.0
        };
        let fading = self
            .ui
            .notice
            .as_ref()
            .is_some_and(|n| n.level != Level::Error);
        if !self.clock.playing && self.anim.is_idle() && !fading {
            return self;
        }
        let mut this = self;
        let s = Rc::make_mut(&mut this);
        s.clock.wall += dt;
        s.anim.prune(s.clock.wall);
        if fading
            && s.ui
                .notice
                .as_ref()
                .is_some_and(|n| s.clock.wall - n.since > NOTICE_MS)
        {
            s.ui.notice = None;
        }
        if s.clock.playing {
            let speed = s.clock.speed;
            s.clock.carry = (s.clock.carry + dt * speed).min(MAX_TICK_MS * speed);
            let whole = s.clock.carry.min(max_step * speed).floor();
            if whole >= 1.0 {
                s.clock.carry -= whole;
                let t = s.now().plus(whole as u64);
                // A lesson step plays until its last action, then holds.
                match s
                    .player
                    .as_mut()
                    .and_then(|p| p.hold.filter(|h| t >= *h).map(|h| (p, h)))
                {
                    Some((p, h)) => {
                        p.hold = None;
                        s.clock.playing = false;
                        s.clock.carry = 0.0;
                        s.advance(h, true);
                    }
                    None => s.advance(t, true),
                }
            }
        }
        if s.clock.wall - s.ui.log_at >= LOG_REFRESH_MS {
            s.refresh_log();
        }
        // A lesson step or a queue's expiry can change the topology.
        s.lint.refresh(&s.world);
        this
    }

    fn fit(&mut self, w: f64, h: f64) {
        let topo = &self.world.view().topology;
        let Some((bx, by, bw, bh)) = graph::fit_box(topo, &self.layout) else {
            self.ui.viewport = Viewport::default();
            return;
        };
        if w <= 0.0 || h <= 0.0 {
            return;
        }
        let fit = (w / bw).min(h / bh);
        // On a phone, fitting a wide scene would make it unreadable: keep
        // it legible and start from the producers (pan for the rest).
        let k = fit
            .max(if w < 560.0 && !self.ui.fit_whole {
                0.55
            } else {
                ZOOM.0
            })
            .min(graph::FIT_MAX_ZOOM);
        // Centred; left-aligned when zoomed in past the fit. (style.css's
        // `.fitted` does the same for the build-time snapshot.)
        let x = if fit < k {
            graph::FIT_PAD - (bx + graph::FIT_PAD) * k
        } else {
            (w - bw * k) / 2.0 - bx * k
        };
        self.ui.viewport = Viewport {
            x,
            y: ((h - bh * k) / 2.0).max(0.0) - by * k,
            k,
        };
    }
}

fn next_speed(cur: f64, up: bool) -> f64 {
    if up {
        SPEEDS
            .iter()
            .copied()
            .find(|s| *s > cur + 1e-9)
            .unwrap_or(SPEEDS[SPEEDS.len() - 1])
    } else {
        SPEEDS
            .iter()
            .rev()
            .copied()
            .find(|s| *s < cur - 1e-9)
            .unwrap_or(SPEEDS[0])
    }
}

impl Reducible for AppState {
    type Action = Action;

    fn reduce(self: Rc<Self>, action: Action) -> Rc<Self> {
        match action {
            Action::Tick(dt) => return self.tick(dt, f64::INFINITY),
            Action::FrameTick(dt) => return self.tick(dt, MAX_STEP_MS),
            _ => {}
        }
        // One function per family of actions, below.
        let mut this = self;
        let s = Rc::make_mut(&mut this);
        match action {
            Action::Tick(_) | Action::FrameTick(_) => {}
            Action::Play
            | Action::Pause
            | Action::TogglePlay
            | Action::Step
            | Action::SetSpeed(_)
            | Action::Faster
            | Action::Slower
            | Action::Scrub(_)
            | Action::ScrubBy(_) => s.time_action(action),
            Action::Restart
            | Action::LoadBuiltIn(_)
            | Action::LoadSceneText(_)
            | Action::LoadLesson { .. } => {
                s.scene_action(action);
            }
            Action::Submit(form, cmd) => s.submit(form, cmd),
            Action::MoveNode(..)
            | Action::NudgeNode(..)
            | Action::AutoLayout
            | Action::SetViewport(_)
            | Action::ZoomBy(..)
            | Action::FitView(..) => s.canvas_action(action),
            Action::Select(_)
            | Action::ShowPanel(_)
            | Action::Explain(_)
            | Action::ExplainMessage(_)
            | Action::ClearRoute
            | Action::SetLogFilter(_)
            | Action::ClearLog
            | Action::OpenDialog(_)
            | Action::CloseDialog
            | Action::ShareRun(_)
            | Action::DismissNotice
            | Action::DismissFinding(_)
            | Action::Escape => s.panel_action(action),
            Action::PublishSelected
            | Action::ToggleSelectedConsumer
            | Action::KillSelected
            | Action::DeleteSelected => s.shortcut_action(action),
            Action::LessonNext
            | Action::LessonGoto(_)
            | Action::LessonBack
            | Action::LessonRestart
            | Action::LessonReturn
            | Action::LessonWhy
            | Action::NextKey
            | Action::PrevKey => s.lesson_action(action),
            Action::Notify(level, text) => s.notify(level, text),
            Action::OpenScene(scene, what) => {
                s.load((*scene).clone(), &what);
                if let Some(e) = s.ui.errors.get(&FormId::Scene).cloned() {
                    s.ui.errors.remove(&FormId::Scene);
                    s.notify(
                        Level::Error,
                        format!("The scene was not loaded ({e}); nothing changed."),
                    );
                }
            }
        }
        s.refresh_log();
        s.lint.refresh(&s.world);
        this
    }
}

// The reducer's action families, one function each.
impl AppState {
    /// Play, pause, speed, step and scrub: virtual time against the wall clock.
    fn time_action(&mut self, action: Action) {
        match action {
            Action::Play => self.clock.playing = true,
            Action::Pause => self.clock.playing = false,
            Action::TogglePlay => self.clock.playing = !self.clock.playing,
            Action::Step => self.step(),
            Action::SetSpeed(v) if v.is_finite() && v > 0.0 => {
                self.clock.speed = v.clamp(SPEEDS[0], SPEEDS[SPEEDS.len() - 1]);
            }
            Action::Faster => self.clock.speed = next_speed(self.clock.speed, true),
            Action::Slower => self.clock.speed = next_speed(self.clock.speed, false),
            Action::Scrub(t) => self.scrub(t),
            Action::ScrubBy(d) => {
                let t = self.now().ms().saturating_add_signed(d);
                self.scrub(t);
            }
            // Other families' actions (`reduce` sends them elsewhere), and
            // non-finite numbers, which change nothing.
            _ => {}
        }
    }

    /// Loading a scene: built in, imported, or the current one afresh.
    fn scene_action(&mut self, action: Action) {
        match action {
            Action::Restart => match self.current_scene() {
                Ok(scene) => self.load(
                    scene,
                    "Restarted from the current topology: queues empty, clock at 0.",
                ),
                // Restarting from an empty scene instead would lose the
                // person's work: say so and change nothing.
                Err(e) => self.notify(
                    Level::Error,
                    format!("Could not restart: the current scene does not read back ({e})."),
                ),
            },
            Action::LoadBuiltIn(id) => match scene::built_in(&id) {
                Some(scene) => {
                    let label = scene::BUILT_IN
                        .iter()
                        .find(|b| b.id == id)
                        .map_or(id.as_str(), |b| b.label);
                    let what = format!("Loaded the scene “{label}”.");
                    self.load(scene, &what);
                }
                None => self.notify(Level::Error, format!("no built-in scene {id:?}")),
            },
            Action::LoadLesson { id, text } => {
                let label = scene::LESSONS
                    .iter()
                    .find(|l| l.id == id)
                    .map_or(id.as_str(), |l| l.label);
                match text.and_then(|t| scene::parse(&t)) {
                    Ok(scene) => {
                        self.load(scene, &format!("Opened the lesson “{label}”: press Next."));
                        self.ui.dialog = Dialog::None;
                    }
                    Err(e) => self.notify(
                        Level::Error,
                        format!("The lesson “{label}” could not be opened: {e}"),
                    ),
                }
            }
            Action::LoadSceneText(text) => match scene::parse(&text) {
                Ok(scene) => {
                    let what = format!("Imported the scene “{}”.", scene.name);
                    self.load(scene, &what);
                    self.ui.dialog = Dialog::None;
                }
                Err(e) => {
                    self.ui.errors.insert(
                        FormId::Scene,
                        CommandError {
                            code: None,
                            text: e,
                        },
                    );
                }
            },
            // Other families' actions: `reduce` sends them elsewhere.
            _ => {}
        }
    }

    /// Where nodes sit, and pan and zoom.
    fn canvas_action(&mut self, action: Action) {
        match action {
            Action::MoveNode(key, x, y) if x.is_finite() && y.is_finite() => {
                Rc::make_mut(&mut self.layout).insert(key, (x.round(), y.round()));
                self.scene_rev += 1;
            }
            Action::NudgeNode(key, dx, dy) => {
                let layout = Rc::make_mut(&mut self.layout);
                if let Some((x, y)) = layout.get(&key).copied() {
                    layout.insert(key, (x + dx, y + dy));
                    self.scene_rev += 1;
                }
            }
            Action::AutoLayout => {
                let fresh = graph::auto_layout(&self.world.view().topology);
                let layout = Rc::make_mut(&mut self.layout);
                layout.extend(fresh);
                self.scene_rev += 1;
                self.ui.fit_request += 1;
            }
            Action::SetViewport(v) if v.x.is_finite() && v.y.is_finite() && v.k.is_finite() => {
                self.ui.viewport = Viewport {
                    k: v.k.clamp(ZOOM.0, ZOOM.1),
                    ..v
                };
            }
            Action::ZoomBy(f, (w, h)) => {
                let v = self.ui.viewport;
                let k = (v.k * f).clamp(ZOOM.0, ZOOM.1);
                let (cx, cy) = (w / 2.0, h / 2.0);
                self.ui.viewport = Viewport {
                    x: cx - (cx - v.x) * k / v.k,
                    y: cy - (cy - v.y) * k / v.k,
                    k,
                };
            }
            Action::FitView(w, h) => self.fit(w, h),
            // Other families' actions (`reduce` sends them elsewhere), and
            // non-finite numbers, which change nothing.
            _ => {}
        }
    }

    /// Selection, the side panel, the routing tester, the event log and
    /// dialogs: what the interface shows.
    fn panel_action(&mut self, action: Action) {
        match action {
            Action::Select(sel) => {
                if let Selection::Message(id) = sel {
                    self.ui.selection = sel;
                    explain_message(self, id);
                } else {
                    self.ui.selection = sel;
                }
                self.ui.errors.remove(&FormId::Edit);
                self.ui.errors.remove(&FormId::Controls);
                if self.ui.selection != Selection::None && self.ui.panel != Panel::Route {
                    self.ui.panel = Panel::Inspect;
                }
            }
            Action::ShowPanel(p) => self.ui.panel = p,
            Action::Explain(q) => {
                self.ui.route_query = Some(q);
                self.refresh_route();
                self.ui.panel = Panel::Route;
            }
            Action::ExplainMessage(id) => {
                explain_message(self, id);
                self.ui.panel = Panel::Route;
            }
            Action::ClearRoute => {
                self.ui.route_query = None;
                self.ui.route = None;
            }
            Action::SetLogFilter(f) => self.ui.log_filter = f,
            Action::ClearLog => self.world.clear_log(),
            Action::OpenDialog(d) => {
                self.ui.dialog = d;
                self.ui.share_run = None;
                self.ui.errors.remove(&FormId::Scene);
            }
            Action::ShareRun(on) => {
                self.ui.share_run = on
                    .then(|| self.scene_with_run_text())
                    .flatten()
                    .map(Rc::from);
            }
            Action::CloseDialog => self.ui.dialog = Dialog::None,
            Action::DismissNotice => self.ui.notice = None,
            Action::DismissFinding(id) => self.lint.dismiss(&id),
            Action::Escape => {
                if self.ui.dialog != Dialog::None {
                    self.ui.dialog = Dialog::None;
                } else if self.ui.selection != Selection::None {
                    self.ui.selection = Selection::None;
                } else {
                    self.ui.route_query = None;
                    self.ui.route = None;
                }
            }
            // Other families' actions: `reduce` sends them elsewhere.
            _ => {}
        }
    }

    /// The keyboard's commands on the selection (publish, stop or start,
    /// kill, delete).
    fn shortcut_action(&mut self, action: Action) {
        match action {
            Action::PublishSelected => {
                let name = match &self.ui.selection {
                    Selection::Producer(n) => Some(n.clone()),
                    _ => self.world.specs().find_map(|sp| match sp {
                        ActorSpec::Producer(p) => Some(p.name.clone()),
                        ActorSpec::Consumer(_) => None,
                    }),
                };
                match name {
                    Some(n) => self.submit(FormId::Controls, Command::PublishFrom(n)),
                    None => self.notify(Level::Info, "There is no producer to publish from."),
                }
            }
            Action::ToggleSelectedConsumer => {
                if let Selection::Consumer(n) = &self.ui.selection {
                    let n = n.clone();
                    let running = self.world.actor_view(&n).and_then(|v| {
                        v.as_consumer()
                            .map(|c| c.state == warren_core::ConsumerState::Running)
                    });
                    let cmd = if running == Some(true) {
                        Command::StopConsumer(n)
                    } else {
                        Command::StartConsumer(n)
                    };
                    self.submit(FormId::Controls, cmd);
                } else {
                    self.notify(
                        Level::Info,
                        "Select a consumer first (click it, or Tab to it).",
                    );
                }
            }
            Action::KillSelected => {
                if let Selection::Consumer(n) = &self.ui.selection {
                    let cmd = Command::KillConsumer(n.clone());
                    self.submit(FormId::Controls, cmd);
                } else {
                    self.notify(
                        Level::Info,
                        "Select a consumer first (click it, or Tab to it).",
                    );
                }
            }
            Action::DeleteSelected => {
                let cmd = match &self.ui.selection {
                    Selection::Exchange(n) => Some(Command::delete_exchange(n.clone())),
                    Selection::Queue(n) => Some(Command::delete_queue(n.clone())),
                    Selection::Binding(b) => Some(Command::unbind(b)),
                    Selection::Producer(n) | Selection::Consumer(n) => {
                        Some(Command::RemoveActor(n.clone()))
                    }
                    _ => None,
                };
                if let Some(cmd) = cmd {
                    let what = cmd.describe();
                    self.submit(FormId::Controls, cmd);
                    if !self.ui.errors.contains_key(&FormId::Controls) {
                        self.notify(
                            Level::Info,
                            format!("Done: {what}. Scrub the timeline back to undo."),
                        );
                    }
                }
            }
            // Other families' actions: `reduce` sends them elsewhere.
            _ => {}
        }
    }
}

/// The lesson player: next, back, restart, the way back to the script,
/// and "why" for a step's last message.
impl AppState {
    fn lesson_action(&mut self, action: Action) {
        let lesson = self.player.is_some();
        match action {
            Action::NextKey if !lesson => self.step(),
            Action::PrevKey if !lesson => self.shortcut_action(Action::PublishSelected),
            _ if !lesson => {}
            Action::LessonNext => self.lesson_next(),
            Action::LessonBack => self.lesson_back(),
            Action::LessonRestart => self.lesson_rewind(0),
            Action::LessonReturn => {
                let done = self.player.as_ref().map_or(0, Player::done);
                self.lesson_rewind(done.saturating_sub(1));
                if done > 0 {
                    self.lesson_next();
                }
            }
            Action::LessonWhy => self.lesson_why(),
            Action::LessonGoto(k) => self.lesson_goto(k),
            Action::NextKey => self.lesson_next(),
            Action::PrevKey => self.lesson_back(),
            _ => {}
        }
    }

    /// Performs the next step: its actions go on the timeline at their
    /// times (a `wait` puts the rest later), those due now are applied, and
    /// virtual time plays until the last one, where it holds.
    fn lesson_next(&mut self) {
        let Some(p) = &self.player else {
            return;
        };
        if p.off_script {
            self.notify(
                Level::Info,
                "You left the lesson's script: use \u{201c}Back to the lesson\u{201d} first.",
            );
            return;
        }
        if p.done() >= p.total() {
            self.notify(
                Level::Info,
                "That was the last step: Restart walks it again.",
            );
            return;
        }
        let step = p.lesson.steps[p.done()].clone();
        if let Some(h) = p.hold {
            // The current step has not finished playing: finish it first.
            self.advance(h.max(self.now()), false);
            self.anim.clear();
        }
        let world = &self.world;
        let acts = match step.acts(&|a| world.alias(a).map(str::to_owned)) {
            Ok(acts) => acts,
            Err(e) => {
                self.notify(Level::Error, format!("This step cannot be performed: {e}"));
                return;
            }
        };
        self.timeline.drop_future();
        let start = self.now();
        let mark = Mark {
            at: start,
            cursor: self.timeline.cursor(),
        };
        let mut t = start;
        for act in acts {
            match act {
                scene::lesson::Act::Wait(ms) => t = t.plus(ms),
                scene::lesson::Act::Do(cmd) => self.timeline.schedule(t, cmd),
            }
        }
        if let Some(p) = &mut self.player {
            p.marks.push(mark);
            p.hold = (t > start).then_some(t);
        }
        self.clock.playing = t > start;
        self.clock.carry = 0.0;
        self.advance(start, true);
    }

    /// Step `k` (1-based; 0 = the start) reached from the start, each
    /// step's actions played to their end without animation.
    fn lesson_goto(&mut self, k: usize) {
        self.lesson_rewind(0);
        let total = self.player.as_ref().map_or(0, Player::total);
        for _ in 0..k.min(total) {
            self.lesson_next();
            if let Some(h) = self.player.as_mut().and_then(|p| p.hold.take()) {
                self.advance(h.max(self.now()), false);
            }
        }
        self.clock.playing = false;
        self.clock.carry = 0.0;
        self.anim.clear();
    }

    /// Rebuilds the moment before the current step.
    fn lesson_back(&mut self) {
        let done = self.player.as_ref().map_or(0, Player::done);
        if done == 0 {
            self.notify(Level::Info, "This is the lesson's start.");
            return;
        }
        self.lesson_rewind(done - 1);
    }

    /// Back to the moment before step `k` (0-based; 0 = the lesson's start),
    /// forgetting everything after it: the lesson's later steps and
    /// whatever the learner did off the script.
    fn lesson_rewind(&mut self, k: usize) {
        let Some(p) = &mut self.player else {
            return;
        };
        let mark = p.marks.get(k).copied().unwrap_or(Mark {
            at: self.timeline.origin(),
            cursor: 0,
        });
        p.marks.truncate(k);
        p.hold = None;
        p.off_script = false;
        self.timeline.cut(&mut self.world, mark.at, mark.cursor);
        self.clock.playing = false;
        self.clock.carry = 0.0;
        self.anim.clear();
        self.after_change();
    }

    /// Explains where the current step's last publish went (the routing
    /// tester, filled in), even if the message is long gone.
    fn lesson_why(&mut self) {
        let Some(p) = &self.player else {
            return;
        };
        let Some(step) = p.done().checked_sub(1).and_then(|i| p.lesson.steps.get(i)) else {
            return;
        };
        let world = &self.world;
        let last = step
            .acts(&|a| world.alias(a).map(str::to_owned))
            .ok()
            .and_then(|acts| step.last_publish(&acts));
        let query = match last {
            Some(scene::lesson::LastPublish::Producer(name)) => match world.spec(&name) {
                Some(ActorSpec::Producer(spec)) => Some(RouteQuery {
                    exchange: spec.exchange.clone(),
                    routing_key: spec
                        .more_routing_keys
                        .last()
                        .unwrap_or(&spec.routing_key)
                        .clone(),
                    headers: spec.message_properties().headers.unwrap_or_default(),
                    message: None,
                }),
                _ => None,
            },
            Some(scene::lesson::LastPublish::Method {
                exchange,
                routing_key,
                headers,
            }) => Some(RouteQuery {
                exchange,
                routing_key,
                headers,
                message: None,
            }),
            None => None,
        };
        match query {
            Some(q) => self.panel_action(Action::Explain(q)),
            None => self.notify(Level::Info, "This step publishes nothing."),
        }
    }
}

fn explain_message(s: &mut AppState, id: u64) {
    match inspect::message(s.world.broker(), MessageId(id)) {
        Some(m) => {
            s.ui.route_query = Some(RouteQuery {
                exchange: m.exchange().to_owned(),
                routing_key: m.routing_key().to_owned(),
                // No headers route as an empty table does.
                headers: m.properties().headers.clone().unwrap_or_default(),
                message: Some(id),
            });
            s.refresh_route();
        }
        None => s.notify(
            Level::Info,
            format!("Message #{id} is no longer in the broker (acknowledged, expired or dropped)."),
        ),
    }
}

/// A keyboard shortcut: keys as shown, and what they do.
pub struct Shortcut {
    /// Keys, as shown in the help dialog.
    pub keys: &'static str,
    /// What they do.
    pub what: &'static str,
}

/// Every global shortcut, in the order the help dialog lists them.
pub const SHORTCUTS: &[Shortcut] = &[
    Shortcut {
        keys: "Space",
        what: "play / pause virtual time",
    },
    Shortcut {
        keys: "N or .",
        what: "step to the next event (pauses); in a lesson, N is its next step",
    },
    Shortcut {
        keys: "→ / ← or N / P",
        what: "lesson: next step / back to the moment before this one",
    },
    Shortcut {
        keys: "[ and ]",
        what: "slower / faster (0.1× to 100×)",
    },
    Shortcut {
        keys: "Shift+← / Shift+→",
        what: "scrub the timeline back / forward one second",
    },
    Shortcut {
        keys: "Shift+R",
        what: "restart from the current topology (queues empty, clock at 0)",
    },
    Shortcut {
        keys: "P",
        what: "publish from the selected producer (or the first one); in a lesson, back",
    },
    Shortcut {
        keys: "S",
        what: "stop / start the selected consumer",
    },
    Shortcut {
        keys: "K",
        what: "kill the selected consumer (its unacked messages are requeued)",
    },
    Shortcut {
        keys: "Delete",
        what: "delete the selected exchange, queue, binding or actor",
    },
    Shortcut {
        keys: "I / A / M / W",
        what: "side panel: inspect / add / publish a message / why (routing tester)",
    },
    Shortcut {
        keys: "L",
        what: "filter the event log",
    },
    Shortcut {
        keys: "+ / − / 0",
        what: "zoom in / out / fit the scene",
    },
    Shortcut {
        keys: "T",
        what: "tidy: lay the nodes out in columns",
    },
    Shortcut {
        keys: "Tab, Enter",
        what: "move between nodes and controls; select the focused node",
    },
    Shortcut {
        keys: "Arrows (on a node)",
        what: "move the focused node (Shift: further)",
    },
    Shortcut {
        keys: "Arrows (on the canvas)",
        what: "pan",
    },
    Shortcut {
        keys: "Esc",
        what: "close the dialog, else clear the selection",
    },
    Shortcut {
        keys: "?",
        what: "this help",
    },
];

/// The action for a key pressed outside text fields (`key` as the
/// browser's `KeyboardEvent.key`), if it is a shortcut. Zoom and fit need
/// the canvas size, which only the page knows: they are not here.
pub fn key_action(key: &str, shift: bool) -> Option<Action> {
    Some(match key {
        " " => Action::TogglePlay,
        "n" | "N" => Action::NextKey,
        "." => Action::Step,
        "ArrowRight" if !shift => Action::LessonNext,
        "ArrowLeft" if !shift => Action::LessonBack,
        "[" => Action::Slower,
        "]" => Action::Faster,
        "ArrowLeft" if shift => Action::ScrubBy(-1000),
        "ArrowRight" if shift => Action::ScrubBy(1000),
        "R" if shift => Action::Restart,
        "p" | "P" => Action::PrevKey,
        "s" | "S" => Action::ToggleSelectedConsumer,
        "k" | "K" => Action::KillSelected,
        "Delete" | "Backspace" => Action::DeleteSelected,
        "i" | "I" => Action::ShowPanel(Panel::Inspect),
        "a" | "A" => Action::ShowPanel(Panel::Add),
        "m" | "M" => Action::ShowPanel(Panel::Publish),
        "w" | "W" => Action::ShowPanel(Panel::Route),
        "t" | "T" => Action::AutoLayout,
        "?" => Action::OpenDialog(Dialog::Help),
        "Escape" => Action::Escape,
        _ => return None,
    })
}
