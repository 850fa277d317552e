//! The timeline: the person's commands with the virtual time of each, so
//! that any earlier moment can be rebuilt by replaying them from the start
//! (the core is deterministic: the same commands at the same times give the
//! same run). Checkpoints (copies of the world every few virtual seconds)
//! make scrubbing back cheap; they hold exactly what a replay from the
//! start would rebuild.

use std::rc::Rc;

use warren_core::{Event, SimTime};

use super::command::Command;
use super::scene::Scene;
use super::world::World;

/// A command and when it was given.
#[derive(Clone, Debug, PartialEq)]
pub struct Recorded {
    /// Virtual time.
    pub at: SimTime,
    /// The command.
    pub cmd: Command,
}

#[derive(Clone, Debug)]
struct Checkpoint {
    at: SimTime,
    /// Commands applied before it.
    cursor: usize,
    world: Rc<World>,
}

/// Most checkpoints kept; past it every other one goes and the interval
/// doubles, so a long session costs a bounded number of copies.
const MAX_CHECKPOINTS: usize = 24;
/// First interval between checkpoints, virtual ms.
const CHECKPOINT_MS: u64 = 5_000;
/// Most events a replay hands back for animation (the rest are logged only).
const MAX_LIVE_EVENTS: usize = 4_000;

/// Commands over time, from a starting scene.
#[derive(Clone, Debug)]
pub struct Timeline {
    start: Rc<Scene>,
    origin: SimTime,
    entries: Rc<Vec<Recorded>>,
    /// Entries applied to the current world.
    cursor: usize,
    /// The latest time reached.
    horizon: SimTime,
    checkpoints: Rc<Vec<Checkpoint>>,
    interval: u64,
}

impl Timeline {
    /// A timeline starting from `start`, whose world (just loaded) is
    /// `world`.
    pub fn new(start: Scene, world: &World) -> Self {
        Self {
            start: Rc::new(start),
            origin: world.now(),
            entries: Rc::default(),
            cursor: 0,
            horizon: world.now(),
            checkpoints: Rc::new(vec![Checkpoint {
                at: world.now(),
                cursor: 0,
                world: Rc::new(world.clone()),
            }]),
            interval: CHECKPOINT_MS,
        }
    }

    /// The scene time started from.
    pub fn start(&self) -> &Scene {
        &self.start
    }

    /// The first moment (the loaded scene).
    pub fn origin(&self) -> SimTime {
        self.origin
    }

    /// The latest moment reached.
    pub fn horizon(&self) -> SimTime {
        self.horizon
    }

    /// Every recorded command.
    pub fn entries(&self) -> &[Recorded] {
        &self.entries
    }

    /// How many commands the current world has applied.
    pub fn cursor(&self) -> usize {
        self.cursor
    }

    /// Whether commands recorded later than now are waiting to be replayed.
    pub fn has_future(&self) -> bool {
        self.cursor < self.entries.len()
    }

    /// When the next recorded command is due, if the world is behind.
    pub fn next_at(&self) -> Option<SimTime> {
        self.entries.get(self.cursor).map(|r| r.at)
    }

    /// Moves `world` forward to `t`, applying recorded commands on the way
    /// at their times. Returns the new events if `live` (for animation).
    pub fn advance(&mut self, world: &mut World, t: SimTime, live: bool) -> Vec<Rc<Event>> {
        let mut out = Vec::new();
        let keep = |world: &mut World, out: &mut Vec<Rc<Event>>| {
            let ev = world.take_fresh();
            if live && out.len() < MAX_LIVE_EVENTS {
                out.extend(ev);
            }
        };
        while let Some(r) = self.entries.get(self.cursor).filter(|r| r.at <= t).cloned() {
            world.run_until(r.at);
            keep(world, &mut out);
            // It succeeded when recorded; the same world at the same time
            // accepts it again.
            let _ = world.apply(&r.cmd);
            keep(world, &mut out);
            self.cursor += 1;
        }
        world.run_until(t);
        keep(world, &mut out);
        self.horizon = self.horizon.max(world.now());
        self.maybe_checkpoint(world);
        out
    }

    fn maybe_checkpoint(&mut self, world: &World) {
        let last = self.checkpoints.last().map_or(self.origin, |c| c.at);
        if world.now().ms() < last.ms() + self.interval {
            return;
        }
        let cps = Rc::make_mut(&mut self.checkpoints);
        cps.push(Checkpoint {
            at: world.now(),
            cursor: self.cursor,
            world: Rc::new(world.clone()),
        });
        if cps.len() > MAX_CHECKPOINTS {
            let mut i = 0;
            cps.retain(|_| {
                i += 1;
                i % 2 == 1
            });
            self.interval *= 2;
        }
    }

    /// Records a command just applied at `at` (the world's current time):
    /// whatever was recorded after the current position is dropped (a new
    /// branch). Returns how many later commands were dropped.
    pub fn record(&mut self, at: SimTime, cmd: Command) -> usize {
        let entries = Rc::make_mut(&mut self.entries);
        let dropped = entries.len() - self.cursor;
        entries.truncate(self.cursor);
        entries.push(Recorded { at, cmd });
        if dropped > 0 || self.horizon > at {
            let cursor = self.cursor;
            Rc::make_mut(&mut self.checkpoints).retain(|c| c.at <= at && c.cursor <= cursor);
        }
        self.cursor += 1;
        self.horizon = at;
        dropped
    }

    /// Forgets the commands not yet replayed (a new branch starts here).
    pub fn drop_future(&mut self) {
        if self.has_future() {
            Rc::make_mut(&mut self.entries).truncate(self.cursor);
        }
    }

    /// Schedules `cmd` at `at` (now or later), after whatever is already
    /// scheduled: a lesson step's actions, which replaying applies at their
    /// times as if they had been given then.
    pub fn schedule(&mut self, at: SimTime, cmd: Command) {
        Rc::make_mut(&mut self.entries).push(Recorded { at, cmd });
    }

    /// Forgets every command from the `cursor`-th on and rebuilds the world
    /// as it was at `t` with only the ones before: the moment just before a
    /// lesson step whose first actions were given at `t` itself.
    pub fn cut(&mut self, world: &mut World, t: SimTime, cursor: usize) {
        let cursor = cursor.min(self.entries.len());
        Rc::make_mut(&mut self.entries).truncate(cursor);
        Rc::make_mut(&mut self.checkpoints).retain(|c| c.cursor <= cursor && c.at <= t);
        self.horizon = self.horizon.min(t).max(self.origin);
        self.rewind(world, t);
    }

    /// Rebuilds the world as it was at `t` (earlier than now): from the
    /// latest checkpoint at or before `t`, replaying from there.
    pub fn rewind(&mut self, world: &mut World, t: SimTime) {
        let t = t.max(self.origin);
        let cp = self
            .checkpoints
            .iter()
            .rev()
            .find(|c| c.at <= t)
            .or_else(|| self.checkpoints.first())
            .cloned();
        if let Some(cp) = cp {
            *world = (*cp.world).clone();
            self.cursor = cp.cursor;
        }
        self.advance(world, t, false);
    }

    /// Replays everything from the start scene up to `t`, without
    /// checkpoints: what scrubbing must agree with (tests use it).
    ///
    /// # Errors
    /// The start scene no longer loads (it always does: it loaded once).
    pub fn replay_from_start(&self, t: SimTime) -> Result<World, String> {
        let mut world = World::load(&self.start)?;
        let mut copy = Self {
            checkpoints: Rc::default(),
            cursor: 0,
            interval: u64::MAX / 2,
            ..self.clone()
        };
        copy.advance(&mut world, t, false);
        Ok(world)
    }
}
