//! The routing-key cache: whole routing keys to the ids they reach, the
//! first thing a topic exchange's routing decision looks at.
//!
//! # Why
//!
//! The DFA of `dfa` shares transitions between keys, but its states are
//! sets of trie nodes: when keys match dozens of bindings through `*` and
//! `#`, states hold hundreds of nodes, a thousand distinct keys overflow
//! any reasonable bound, and the DFA keeps starting over (issue 19). What
//! repeats in a real stream is the key itself, and what a decision has to
//! produce is its answer: so this cache stores exactly that, the key's
//! bytes and its matches, and a hit costs one hash of the key, one probe
//! and the copy-out of the answer, whatever the trie looks like.
//!
//! # Bounds and eviction
//!
//! At most [`MAX_ENTRIES`] keys, and at most [`MAX_BYTES`] bytes of keys
//! and answers together (an answer larger than a sixteenth of that is not
//! kept: copying it out costs as much as finding it). Beside them: 48
//! bytes of entry per key plus its two allocations' headers, a slot index
//! of 2 × [`MAX_ENTRIES`] 8-byte slots (256 KiB) and a doorkeeper of
//! [`DOOR`] 4-byte tags (64 KiB), both allocated when first needed. So one
//! exchange's key cache never holds more than about 9.6 MiB, whatever the
//! stream, and holds only what its stream put in: 1,000 keys of 10
//! matches take about 400 KiB, most of it the index.
//!
//! When full, CLOCK picks what to evict: a hit marks its entry, the hand
//! spares a marked entry once (clearing the mark) and evicts the first
//! unmarked one, so keys in use stay and the rest rotate out, one at a
//! time; nothing ever starts over.
//!
//! A stream of ever-new keys would make every miss evict a key that might
//! have been asked again, for an entry that never will. So once full, a
//! missed key is admitted only when the doorkeeper saw it recently: a
//! direct-mapped table of hash tags of missed keys. A key asked twice gets
//! in; a key asked once costs its hash, one probe and one store next to
//! the walk.
//!
//! Even so, a hostile stream measured 5–9% over the walk (the probes push
//! trie nodes out of the CPU's caches). So the cache watches its hit rate
//! over windows of [`WINDOW`] lookups: when full and hitting less than one
//! lookup in [`POOR`], it is skipped for a window's worth of decisions,
//! twice as many after each further poor window (up to [`MAX_SKIP`]), and
//! looked at again. A stream that turns repetitive gets the cache back
//! within one skip.

use std::hash::Hasher;

use super::{head_u64, FxHasher, NONE};

/// Most keys kept.
pub(super) const MAX_ENTRIES: usize = 1 << 14;
/// Most bytes of keys and answers kept.
pub(super) const MAX_BYTES: usize = 8 << 20;
/// Doorkeeper slots.
pub(super) const DOOR: usize = 1 << 14;
/// Lookups per hit-rate window.
pub(super) const WINDOW: u32 = 1 << 12;
/// A window with fewer than one hit per this many lookups was poor.
pub(super) const POOR: u32 = 32;
/// The longest skip, in decisions.
pub(super) const MAX_SKIP: u32 = 1 << 18;

struct Entry<T> {
    hash: u64,
    key: Box<[u8]>,
    answer: Box<[T]>,
    // Asked since the hand last passed.
    used: bool,
    // Evicted, waiting in `vacant` to be reused.
    vacant: bool,
}

impl<T> Entry<T> {
    fn bytes(&self) -> usize {
        self.key.len() + size_of_val(&*self.answer)
    }
}

/// The cache (see the module documentation).
pub(super) struct KeyCache<T> {
    // By hash position, linear probing: `(hash tag, entry)`; entry `NONE`
    // is a free slot. Empty until the first entry.
    slots: Vec<(u32, u32)>,
    entries: Vec<Entry<T>>,
    // Entries evicted for bytes and not yet reused (their key is empty).
    vacant: Vec<u32>,
    live: usize,
    bytes: usize,
    hand: usize,
    door: Vec<u32>,
    // The bounds: `MAX_ENTRIES` and `MAX_BYTES` but in tests. The index
    // has twice as many slots as entries (a power of two), so probes stay
    // short; `shift` is 64 minus its log2.
    max_entries: usize,
    max_bytes: usize,
    shift: u32,
    // A miss's answer is gathered here, keeping the allocation.
    scratch: Vec<T>,
    // The hit-rate watch: lookups and hits in this window, decisions left
    // to skip the cache, and the next skip's length if the next window is
    // poor too (0 after a good one).
    lookups: u32,
    hits: u32,
    skip: u32,
    backoff: u32,
}

/// The hash of a routing key.
#[inline]
pub(super) fn hash_key(key: &[u8]) -> u64 {
    let mut h = FxHasher::default();
    h.write(key);
    h.write_usize(key.len());
    // Fx leaves the low bits weak; the slot uses the top ones, the tag and
    // the doorkeeper the middle ones.
    h.finish()
}

/// `a == b`, eight bytes at a time: in wasm32 `==` on slices calls a
/// `memcmp` that goes byte by byte, which made a hit twice as slow as
/// natively.
#[inline]
fn same_bytes(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let (mut x, mut y) = (a.chunks_exact(8), b.chunks_exact(8));
    for (p, q) in (&mut x).zip(&mut y) {
        if p.first_chunk::<8>() != q.first_chunk::<8>() {
            return false;
        }
    }
    // Same length under 8 bytes: the heads settle it (see `head_u64`).
    head_u64(x.remainder()) == head_u64(y.remainder())
}

#[inline]
fn tag(hash: u64) -> u32 {
    (hash >> 16) as u32
}

impl<T> KeyCache<T> {
    pub(super) fn new() -> Self {
        Self::with_bounds(MAX_ENTRIES, MAX_BYTES)
    }

    /// A cache with other bounds (tests reach them with few keys);
    /// `max_entries` is a power of two.
    pub(super) fn with_bounds(max_entries: usize, max_bytes: usize) -> Self {
        Self {
            max_entries,
            max_bytes,
            shift: 64 - (2 * max_entries).trailing_zeros(),
            slots: Vec::new(),
            entries: Vec::new(),
            vacant: Vec::new(),
            live: 0,
            bytes: 0,
            hand: 0,
            door: Vec::new(),
            scratch: Vec::new(),
            lookups: 0,
            hits: 0,
            skip: 0,
            backoff: 0,
        }
    }

    /// Whether this decision should route around the cache (see the module
    /// documentation); counts it if so.
    #[inline]
    pub(super) fn skips(&mut self) -> bool {
        if self.skip == 0 {
            return false;
        }
        self.skip -= 1;
        true
    }

    /// Counts a lookup; at the end of a window, starts a skip if it was
    /// poor and the cache is full.
    #[inline]
    pub(super) fn count(&mut self, hit: bool) {
        self.lookups += 1;
        self.hits += u32::from(hit);
        if self.lookups < WINDOW {
            return;
        }
        let full = self.live >= self.max_entries || self.bytes * 2 >= self.max_bytes;
        if full && self.hits * POOR < self.lookups {
            self.backoff = self.backoff.saturating_mul(2).clamp(WINDOW, MAX_SKIP);
            self.skip = self.backoff;
        } else {
            self.backoff = 0;
        }
        self.lookups = 0;
        self.hits = 0;
    }

    /// Whether the cache is being skipped, for tests.
    #[cfg(test)]
    pub(super) fn skipping(&self) -> bool {
        self.skip > 0
    }

    /// The scratch vector, empty; give it back with `put_scratch`.
    pub(super) fn take_scratch(&mut self) -> Vec<T> {
        let mut v = std::mem::take(&mut self.scratch);
        v.clear();
        v
    }

    pub(super) fn put_scratch(&mut self, v: Vec<T>) {
        self.scratch = v;
    }
}

impl<T: Copy> KeyCache<T> {
    #[inline]
    fn home(&self, hash: u64) -> usize {
        (hash >> self.shift) as usize
    }

    fn slot_mask(&self) -> usize {
        2 * self.max_entries - 1
    }

    /// Keys held, for tests.
    #[cfg(test)]
    pub(super) fn len(&self) -> usize {
        self.live
    }

    /// Bytes of keys and answers held, for tests.
    #[cfg(test)]
    pub(super) fn bytes(&self) -> usize {
        self.bytes
    }

    /// Forgets every key: the bindings changed. Keeps the allocations of
    /// the tables.
    pub(super) fn clear(&mut self) {
        (self.lookups, self.hits, self.skip, self.backoff) = (0, 0, 0, 0);
        if self.live == 0 && self.vacant.is_empty() {
            return;
        }
        self.slots.fill((0, NONE));
        self.entries.clear();
        self.vacant.clear();
        self.live = 0;
        self.bytes = 0;
        self.hand = 0;
    }

    /// The entry holding `key`, marked used; its answer is `answer(entry)`.
    /// (An index, not the answer, so a miss can go on using the cache.)
    #[inline]
    pub(super) fn get(&mut self, hash: u64, key: &[u8]) -> Option<usize> {
        let slot = self.find(hash, key)?;
        let at = self.slots[slot].1 as usize;
        self.entries[at].used = true;
        Some(at)
    }

    /// The answer of an entry `get` returned.
    #[inline]
    pub(super) fn answer(&self, entry: usize) -> &[T] {
        &self.entries[entry].answer
    }

    /// The slot holding `key`, if it is cached.
    #[inline]
    fn find(&self, hash: u64, key: &[u8]) -> Option<usize> {
        if self.slots.is_empty() {
            return None;
        }
        let (t, mut i) = (tag(hash), self.home(hash));
        loop {
            let (st, e) = self.slots[i];
            if e == NONE {
                return None;
            }
            if st == t && same_bytes(&self.entries[e as usize].key, key) {
                return Some(i);
            }
            i = (i + 1) & self.slot_mask();
        }
    }

    /// Whether a missed key should be stored: always while there is room,
    /// then only if the doorkeeper saw it since its slot was last taken.
    pub(super) fn admits(&mut self, hash: u64, answer_len: usize, key_len: usize) -> bool {
        let bytes = key_len + answer_len * size_of::<T>();
        if bytes > self.max_bytes / 16 {
            return false;
        }
        if self.live < self.max_entries && self.bytes + bytes <= self.max_bytes {
            return true;
        }
        if self.door.is_empty() {
            self.door = vec![0; DOOR];
        }
        let at = (hash >> 8) as usize & (DOOR - 1);
        let t = tag(hash) | 1;
        if self.door[at] == t {
            self.door[at] = 0;
            true
        } else {
            self.door[at] = t;
            false
        }
    }

    /// Stores `answer` for a key that is not cached, evicting as needed.
    pub(super) fn insert(&mut self, hash: u64, key: &[u8], answer: &[T]) {
        if self.slots.is_empty() {
            self.slots = vec![(0, NONE); 2 * self.max_entries];
        }
        let entry = Entry {
            hash,
            key: key.into(),
            answer: answer.into(),
            used: false,
            vacant: false,
        };
        let need = entry.bytes();
        while self.live >= self.max_entries || self.bytes + need > self.max_bytes {
            self.evict_one();
        }
        let at = match self.vacant.pop() {
            Some(at) => {
                self.entries[at as usize] = entry;
                at
            }
            None => {
                self.entries.push(entry);
                super::index(self.entries.len() - 1)
            }
        };
        self.bytes += need;
        self.live += 1;
        let mut i = self.home(hash);
        while self.slots[i].1 != NONE {
            i = (i + 1) & self.slot_mask();
        }
        self.slots[i] = (tag(hash), at);
    }

    /// CLOCK: the first entry from the hand on that was not used since the
    /// hand last passed it is evicted; used ones are spared once.
    fn evict_one(&mut self) {
        loop {
            if self.hand >= self.entries.len() {
                self.hand = 0;
            }
            let at = self.hand;
            self.hand += 1;
            let e = &mut self.entries[at];
            if e.vacant {
                continue;
            }
            if e.used {
                e.used = false;
                continue;
            }
            self.bytes -= e.bytes();
            e.vacant = true;
            e.key = Box::default();
            e.answer = Box::default();
            let mut slot = (e.hash >> self.shift) as usize;
            while self.slots[slot].1 as usize != at {
                slot = (slot + 1) & self.slot_mask();
            }
            self.remove_slot(slot);
            self.live -= 1;
            self.vacant.push(super::index(at));
            return;
        }
    }

    /// Backward-shift deletion: pulls later entries of the probe run into
    /// the hole unless that would put them before their home slot.
    fn remove_slot(&mut self, mut hole: usize) {
        let mut j = hole;
        loop {
            j = (j + 1) & self.slot_mask();
            let next = self.slots[j];
            if next.1 == NONE {
                break;
            }
            let h = self.home(self.entries[next.1 as usize].hash);
            let stays = if hole <= j {
                hole < h && h <= j
            } else {
                hole < h || h <= j
            };
            if !stays {
                self.slots[hole] = next;
                hole = j;
            }
        }
        self.slots[hole] = (0, NONE);
    }
}

impl<T> Clone for KeyCache<T> {
    /// An empty cache: a clone routes the same, and warms up on its own.
    fn clone(&self) -> Self {
        Self::with_bounds(self.max_entries, self.max_bytes)
    }
}

impl<T> std::fmt::Debug for KeyCache<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyCache")
            .field("keys", &self.live)
            .field("bytes", &self.bytes)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(i: u32) -> Vec<u8> {
        format!("k{i}.x").into_bytes()
    }

    /// Asks the cache for key `i`, storing `[i]` on a miss if admitted, as
    /// routing does; returns whether it hit.
    fn ask(c: &mut KeyCache<u32>, i: u32) -> bool {
        let k = key(i);
        let h = hash_key(&k);
        if let Some(e) = c.get(h, &k) {
            assert_eq!(c.answer(e), [i]);
            return true;
        }
        if c.admits(h, 1, k.len()) {
            c.insert(h, &k, &[i]);
        }
        false
    }

    #[test]
    fn the_entry_bound_holds_and_used_keys_stay() {
        let mut c = KeyCache::with_bounds(64, 1 << 20);
        // Fill with 64 keys; 0..8 are asked again, so they are marked.
        for i in 0..64 {
            assert!(!ask(&mut c, i));
        }
        for i in 0..8 {
            assert!(ask(&mut c, i));
        }
        // New keys asked twice get in past the doorkeeper and evict the
        // unmarked ones first.
        for i in 100..140 {
            assert!(!ask(&mut c, i));
            assert!(!ask(&mut c, i));
            assert!(ask(&mut c, i), "{i} admitted on its second miss");
            assert!(c.len() <= 64);
        }
        for i in 0..8 {
            assert!(ask(&mut c, i), "hot key {i} kept");
        }
        assert_eq!(c.len(), 64);
    }

    #[test]
    fn once_full_a_key_asked_once_is_not_stored() {
        let mut c = KeyCache::with_bounds(16, 1 << 20);
        for i in 0..16 {
            ask(&mut c, i);
        }
        for i in 1000..3000 {
            assert!(!ask(&mut c, i));
        }
        // The keys stored before the flood are all still there.
        for i in 0..16 {
            assert!(ask(&mut c, i), "{i}");
        }
    }

    #[test]
    fn the_byte_bound_holds_and_big_answers_are_not_kept() {
        let mut c: KeyCache<u32> = KeyCache::with_bounds(1024, 4096);
        let answer: Vec<u32> = (0..60).collect();
        for i in 0..200_u32 {
            let k = key(i);
            let h = hash_key(&k);
            assert!(c.get(h, &k).is_none());
            // Twice, to pass the doorkeeper once full.
            for _ in 0..2 {
                if c.get(h, &k).is_none() && c.admits(h, answer.len(), k.len()) {
                    c.insert(h, &k, &answer);
                }
            }
            assert!(c.bytes() <= 4096, "{} bytes", c.bytes());
            let e = c.get(h, &k).expect("just stored");
            assert_eq!(c.answer(e), answer);
        }
        // 4096 / 16 bytes at most for one answer.
        assert!(!c.admits(1, 64, 1));
    }

    #[test]
    fn evictions_keep_every_probe_run_reachable() {
        // Few slots, many evictions: backward-shift deletion must leave
        // every stored key findable.
        let mut c = KeyCache::with_bounds(8, 1 << 20);
        for round in 0..50_u32 {
            for i in 0..12 {
                let k = round * 7 + i;
                ask(&mut c, k);
                ask(&mut c, k);
            }
            let mut found = 0;
            for s in 0..c.slots.len() {
                let (t, e) = c.slots[s];
                if e == NONE {
                    continue;
                }
                let entry = &c.entries[e as usize];
                assert!(!entry.vacant);
                assert_eq!(t, tag(entry.hash));
                assert_eq!(c.find(entry.hash, &entry.key), Some(s));
                found += 1;
            }
            assert_eq!(found, c.len());
        }
    }

    #[test]
    fn keys_compare_by_every_byte() {
        for len in 0..20 {
            let a: Vec<u8> = (0..len).map(|i| i as u8 + 1).collect();
            assert!(same_bytes(&a, &a.clone()));
            for at in 0..len {
                let mut b = a.clone();
                b[at] ^= 0x80;
                assert!(!same_bytes(&a, &b), "len {len}, byte {at}");
            }
            assert!(!same_bytes(&a, &a[..len.saturating_sub(1)]) || len == 0);
        }
    }

    /// As routing does: `None` when the cache was skipped, else whether it
    /// hit (storing `[i]` on a miss if admitted).
    fn route(c: &mut KeyCache<u32>, i: u32) -> Option<bool> {
        if c.skips() {
            return None;
        }
        let k = key(i);
        let h = hash_key(&k);
        let hit = c.get(h, &k);
        c.count(hit.is_some());
        if hit.is_none() && c.admits(h, 1, k.len()) {
            c.insert(h, &k, &[i]);
        }
        Some(hit.is_some())
    }

    #[test]
    fn a_poor_hit_rate_skips_the_cache_for_longer_and_longer() {
        let mut c = KeyCache::with_bounds(64, 1 << 20);
        let window = WINDOW as usize;
        // Ever-new keys: the first window fills the cache and is poor.
        let mut next = 0_u32;
        let mut new_key = || {
            next += 1;
            next
        };
        for _ in 0..window {
            assert!(route(&mut c, new_key()).is_some());
        }
        // A window's worth of decisions skip it, then a window looks...
        assert!((0..window).all(|_| route(&mut c, new_key()).is_none()));
        assert!((0..window).all(|_| route(&mut c, new_key()).is_some()));
        // ...and, as poor, starts a skip twice as long.
        assert!((0..2 * window).all(|_| route(&mut c, new_key()).is_none()));
        assert!(route(&mut c, new_key()).is_some());
        // A repetitive stream: after the current skip, its window hits and
        // the cache stays in use.
        while c.skipping() {
            route(&mut c, 0);
        }
        for i in 0..3 * window {
            route(&mut c, i as u32 % 8);
        }
        assert!(!c.skipping());
        assert!((0..window).all(|i| route(&mut c, i as u32 % 8) == Some(true)));
        // A change of bindings ends a skip.
        for _ in 0..window {
            route(&mut c, new_key());
        }
        assert!(c.skipping());
        c.clear();
        assert!(!c.skipping());
    }

    #[test]
    fn clearing_forgets_everything() {
        let mut c = KeyCache::with_bounds(8, 1 << 20);
        for i in 0..20 {
            ask(&mut c, i);
            ask(&mut c, i);
        }
        c.clear();
        assert_eq!((c.len(), c.bytes()), (0, 0));
        for i in 0..8 {
            assert!(!ask(&mut c, i), "{i}");
        }
        assert_eq!(c.len(), 8);
    }
}
