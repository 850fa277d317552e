//! A lazily built DFA over the trie: a topic exchange's second routing
//! cache, asked for the keys the routing-key cache (`keys`) does not hold.
//! It pays off when keys repeat in shape but not in text (ids in a word);
//! when they repeat in text, the key cache answers first.
//!
//! # Why
//!
//! The walk of [`TopicTrie::walk`] visits a few trie nodes per key word, and
//! in a trie of 10,000 bindings nearly every visit is a cache miss; that, not
//! instruction count, bounds it near 5 million decisions a second. But an
//! exchange routes the same shapes of key over and over, so the walk's
//! work repeats: from the same set of nodes, the same word always leads to
//! the same next set.
//!
//! # How
//!
//! A *state* is one of the walk's sets (a segment of its frontier), kept in
//! the exact order the walk builds it. The alphabet is the interned words
//! plus `NONE`, the letter of every word no binding key carries: keys full
//! of ids (`order.84213.created`) share their transitions. Routing a key
//! follows one cached transition per word; a missing transition is computed
//! by one step of the walk from the state's nodes and stored. A state's
//! matches are listed once, on first use, in the walk's order.
//!
//! Because a state is the walk's own set in the walk's own order, a cached
//! decision reports exactly what the walk reports, in the same order:
//! nothing observable depends on whether the cache was warm.
//!
//! # Bounds
//!
//! Any insert or remove clears the cache (binding changes are rare next to
//! publishes). It also stops growing at [`MAX_STATES`] states,
//! [`MAX_TRANSITIONS`] transitions or [`MAX_SLOTS`] stored node ids and
//! match ids, about a megabyte: then it starts over, and that decision
//! walks. Clones start with an empty cache, keeping snapshots (the
//! playground's timeline) cheap.
//!
//! A miss costs about three walks (the step, plus storing the state and
//! the transition), so a stream of ever new shapes would make the cache a
//! loss. When it fills up having missed more than one lookup in
//! [`POOR_HIT_RATE`], routing bypasses it for as many decisions as the
//! filling took, then twice as many after each further poor filling (up to
//! [`MAX_BYPASS`]): such a stream costs little more than walking, and a
//! workload that turns repetitive wins the cache back.

use std::collections::HashMap;
use std::hash::Hasher;

use super::{Frontier, FxBuildHasher, FxHasher, NodeId, TopicTrie, WordId, NONE, ROOT};

/// Index of a state in [`Dfa::states`]; `NONE` is the dead state (no node
/// left, nothing can match).
type StateId = u32;

/// At most this many states...
pub(super) const MAX_STATES: usize = 1 << 13;
/// ...this many cached transitions...
pub(super) const MAX_TRANSITIONS: usize = 1 << 14;
/// ...and this many stored node ids plus match ids, before the cache starts
/// over. About 1 MiB in all at the limits, half of it the transition
/// table.
pub(super) const MAX_SLOTS: usize = 1 << 16;

/// A filling with more than one miss per this many transition lookups
/// was poor.
pub(super) const POOR_HIT_RATE: u32 = 10;
/// The longest bypass, in decisions.
pub(super) const MAX_BYPASS: u32 = 1 << 20;

/// The cache. `states[0]` is the start state (the root and its `#` chain)
/// whenever `states` is not empty.
pub(super) struct Dfa<T> {
    states: Vec<State>,
    // The states' nodes, each state's a contiguous run.
    nodes: Vec<NodeId>,
    // The states' matches, each listed state's a contiguous run.
    matches: Vec<T>,
    // (state, word) packed as `state << 32 | word`.
    next: Transitions,
    // Hash of a state's node list to the first state with that hash; the
    // rest chain through `State::same_hash`.
    by_hash: HashMap<u64, StateId, FxBuildHasher>,
    // Since the last start: decisions routed, transitions looked up, and
    // transitions missed.
    decisions: u32,
    lookups: u32,
    misses: u32,
    // Decisions left to walk without the cache, and how long the next
    // bypass lasts if the next filling is poor too (0 after a good one).
    bypass: u32,
    backoff: u32,
    // The set being built by a step, kept to reuse its allocation.
    scratch: Vec<NodeId>,
}

#[derive(Clone, Copy)]
struct State {
    nodes: (u32, u32),
    // `(NONE, 0)` until the state's matches are first listed.
    matches: (u32, u32),
    same_hash: StateId,
}

impl<T> Dfa<T> {
    pub(super) fn new() -> Self {
        Self {
            states: Vec::new(),
            nodes: Vec::new(),
            matches: Vec::new(),
            next: Transitions::new(),
            by_hash: HashMap::default(),
            decisions: 0,
            lookups: 0,
            misses: 0,
            bypass: 0,
            backoff: 0,
            scratch: Vec::new(),
        }
    }

    /// Forgets everything, the bypass included: the trie changed.
    pub(super) fn clear(&mut self) {
        self.forget();
        self.bypass = 0;
        self.backoff = 0;
    }

    /// Drops every state and transition, keeping the allocations.
    fn forget(&mut self) {
        self.states.clear();
        self.nodes.clear();
        self.matches.clear();
        self.next.clear();
        self.by_hash.clear();
        self.decisions = 0;
        self.lookups = 0;
        self.misses = 0;
    }

    /// At a bound: starts over, first deciding whether to bypass the
    /// cache for a while (see the module documentation).
    fn start_over(&mut self) {
        let poor = u64::from(self.misses) * u64::from(POOR_HIT_RATE) > u64::from(self.lookups);
        self.backoff = if poor {
            self.backoff
                .saturating_mul(2)
                .max(self.decisions)
                .min(MAX_BYPASS)
        } else {
            0
        };
        self.bypass = self.backoff;
        self.forget();
    }

    /// Whether the cache is being bypassed, for tests.
    #[cfg(test)]
    pub(super) fn bypassing(&self) -> bool {
        self.bypass > 0
    }

    /// States cached, for tests.
    #[cfg(test)]
    pub(super) fn state_count(&self) -> usize {
        self.states.len()
    }

    fn full(&self) -> bool {
        self.states.len() >= MAX_STATES
            || self.next.len() >= MAX_TRANSITIONS
            || self.nodes.len() + self.matches.len() >= MAX_SLOTS
    }

    fn nodes_of(&self, state: StateId) -> &[NodeId] {
        let (start, len) = self.states[state as usize].nodes;
        &self.nodes[start as usize..(start + len) as usize]
    }

    /// The state whose node list is `set`, added if new.
    fn intern(&mut self, set: &[NodeId]) -> StateId {
        let mut h = FxHasher::default();
        for &id in set {
            h.write_u32(id);
        }
        let hash = h.finish();
        let first = self.by_hash.get(&hash).copied().unwrap_or(NONE);
        let mut s = first;
        while s != NONE {
            if self.nodes_of(s) == set {
                return s;
            }
            s = self.states[s as usize].same_hash;
        }
        let id = super::index(self.states.len());
        self.states.push(State {
            nodes: (super::index(self.nodes.len()), super::index(set.len())),
            matches: (NONE, 0),
            same_hash: first,
        });
        self.nodes.extend_from_slice(set);
        self.by_hash.insert(hash, id);
        id
    }
}

/// The transition table: packed `(state, word)` keys to states, open
/// addressing with linear probing, at most half full. Its own rather than a
/// `HashMap` because a lookup here is the whole cost of a cached word: one
/// multiply and, nearly always, one 16-byte slot in one cache line, where
/// the std map reads a control group and then a bucket elsewhere.
struct Transitions {
    // `(EMPTY, _)` marks a free slot; the length is a power of two.
    slots: Vec<(u64, StateId)>,
    // `64 - log2(slots.len())`: the top bits of the product pick the slot.
    shift: u32,
    len: usize,
}

/// No key: a packed key's state is never `NONE` (the dead state has no
/// transitions).
const EMPTY: u64 = u64::MAX;

impl Transitions {
    const MIN_SLOTS: usize = 64;

    fn new() -> Self {
        Self {
            slots: Vec::new(),
            shift: 64,
            len: 0,
        }
    }

    fn len(&self) -> usize {
        self.len
    }

    #[inline]
    fn home(&self, key: u64) -> usize {
        // Fibonacci hashing: the product's top bits depend on every key bit.
        (key.wrapping_mul(0x9e37_79b9_7f4a_7c15) >> self.shift) as usize
    }

    #[inline]
    fn get(&self, key: u64) -> Option<StateId> {
        if self.slots.is_empty() {
            return None;
        }
        let mask = self.slots.len() - 1;
        let mut i = self.home(key);
        loop {
            let (k, v) = self.slots[i];
            if k == key {
                return Some(v);
            }
            if k == EMPTY {
                return None;
            }
            i = (i + 1) & mask;
        }
    }

    /// Adds a key that is not in the table.
    fn insert(&mut self, key: u64, value: StateId) {
        if (self.len + 1) * 2 > self.slots.len() {
            self.grow();
        }
        let mask = self.slots.len() - 1;
        let mut i = self.home(key);
        while self.slots[i].0 != EMPTY {
            i = (i + 1) & mask;
        }
        self.slots[i] = (key, value);
        self.len += 1;
    }

    fn grow(&mut self) {
        let size = (self.slots.len() * 2).max(Self::MIN_SLOTS);
        let old = std::mem::replace(&mut self.slots, vec![(EMPTY, NONE); size]);
        self.shift = 64 - size.trailing_zeros();
        self.len = 0;
        for (k, v) in old.into_iter().filter(|&(k, _)| k != EMPTY) {
            self.insert(k, v);
        }
    }

    fn clear(&mut self) {
        self.slots.fill((EMPTY, NONE));
        self.len = 0;
    }
}

impl<T> Clone for Dfa<T> {
    /// An empty cache: a clone routes the same, and warms up on its own.
    fn clone(&self) -> Self {
        Self::new()
    }
}

impl<T> std::fmt::Debug for Dfa<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Dfa")
            .field("states", &self.states.len())
            .field("transitions", &self.next.len())
            .finish_non_exhaustive()
    }
}

impl<T: Copy + Ord> TopicTrie<T> {
    /// Routes `routing_key` through the cache and returns the matches of
    /// the state it ends in; `None` when the cache hit a bound on the way
    /// (it has been cleared: the caller walks instead).
    pub(super) fn route_cached<'d>(
        &self,
        dfa: &'d mut Dfa<T>,
        routing_key: &str,
    ) -> Option<&'d [T]> {
        if dfa.bypass > 0 {
            dfa.bypass -= 1;
            return None;
        }
        dfa.decisions = dfa.decisions.saturating_add(1);
        if dfa.states.is_empty() {
            let mut frontier = Frontier::new();
            self.enter(&mut frontier, ROOT, None);
            let start: Vec<NodeId> = (0..frontier.len).map(|i| frontier.get(i)).collect();
            dfa.intern(&start);
        }
        let mut state: StateId = 0;
        let bytes = routing_key.as_bytes();
        let mut start = 0;
        // Words as in the walk: `""` has none, every `.` ends one.
        while !bytes.is_empty() {
            let end = super::find_dot(bytes, start);
            let word = self.words.get(&bytes[start..end]);
            let key = u64::from(state) << 32 | u64::from(word);
            dfa.lookups = dfa.lookups.saturating_add(1);
            state = match dfa.next.get(key) {
                Some(next) => next,
                None => {
                    dfa.misses = dfa.misses.saturating_add(1);
                    if dfa.full() {
                        dfa.start_over();
                        return None;
                    }
                    let next = self.step(dfa, state, word);
                    dfa.next.insert(key, next);
                    next
                }
            };
            if state == NONE {
                return Some(&[]);
            }
            if end == bytes.len() {
                break;
            }
            start = end + 1;
        }
        if dfa.states[state as usize].matches.0 == NONE {
            if dfa.full() {
                dfa.start_over();
                return None;
            }
            let from = super::index(dfa.matches.len());
            let (first, len) = dfa.states[state as usize].nodes;
            for i in first..first + len {
                let node = &self.nodes[dfa.nodes[i as usize] as usize];
                dfa.matches.extend(node.ids.iter().map(|&(t, _)| t));
            }
            let count = super::index(dfa.matches.len()) - from;
            dfa.states[state as usize].matches = (from, count);
        }
        let (from, len) = dfa.states[state as usize].matches;
        Some(&dfa.matches[from as usize..(from + len) as usize])
    }

    /// One step of the walk from `state` on `word`: the next state, or
    /// `NONE` when no node survives.
    fn step(&self, dfa: &mut Dfa<T>, state: StateId, word: WordId) -> StateId {
        let mut frontier = Frontier::new();
        for &id in dfa.nodes_of(state) {
            self.advance(&mut frontier, id, word, None);
        }
        if frontier.segment_is_empty() {
            return NONE;
        }
        let mut set = std::mem::take(&mut dfa.scratch);
        set.clear();
        set.extend((0..frontier.len).map(|i| frontier.get(i)));
        let next = dfa.intern(&set);
        dfa.scratch = set;
        next
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transitions_find_what_was_inserted_across_growth_and_clearing() {
        let mut t = Transitions::new();
        assert_eq!(t.get(5), None);
        // Keys that differ only in the state half, and only in the word half.
        let keys: Vec<u64> = (0..3_000_u64)
            .map(|i| if i % 2 == 0 { i << 32 } else { i })
            .collect();
        for (v, &k) in keys.iter().enumerate() {
            t.insert(k, u32::try_from(v).unwrap());
        }
        assert_eq!(t.len(), keys.len());
        assert!(t.slots.len() >= 2 * keys.len());
        for (v, &k) in keys.iter().enumerate() {
            assert_eq!(t.get(k), Some(u32::try_from(v).unwrap()));
        }
        assert_eq!(t.get(1 << 40 | 1), None);
        t.clear();
        assert_eq!(t.len(), 0);
        assert!(keys.iter().all(|&k| t.get(k).is_none()));
        t.insert(keys[1], 7);
        assert_eq!(t.get(keys[1]), Some(7));
    }
}
