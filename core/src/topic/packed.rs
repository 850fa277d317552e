//! A packed copy of the trie for the walk to read once the trie has
//! stopped changing: the same nodes and the same walk, laid out for the
//! CPU's caches.
//!
//! # Why
//!
//! The walk executes about as many instructions per key at 100,000
//! bindings as at 1,000, yet took about twice as long there: each node it
//! enters, each literal table it reads and each child whose summary it
//! checks is a cache miss once the trie outgrows the CPU's caches. The
//! trie's own arena is laid out in insertion order, its nodes are 64 bytes
//! (most straddle two cache lines, as nothing aligns them) and a node's
//! literal children sit in a table boxed apart: cachegrind counted 22
//! first-level cache misses a key at 100,000 bindings of the bench family,
//! against 6 at 1,000.
//!
//! # How
//!
//! Nodes of 16 bytes (the summary, the word on the edge into the node,
//! where its children start, how many literal children, and six flags),
//! each node's children in one block (its `*` child, its `#` child, then
//! its literal children), blocks in depth-first order: a group of bindings
//! under one first word lies together, and a node's children share cache
//! lines, so checking their summaries costs one or two misses rather than
//! one each. A literal child is found by scanning the block's words or,
//! past [`SCAN`] children, by probing them as an open-addressed table (the
//! block then holds twice as many slots or more, the empty ones never
//! entered); since each node carries its own word, finding a child reads
//! the lines that entering it reads next. Ids are stored apart, in node
//! order, since only the last set's nodes read them: a node without
//! children (most of the last set's) holds where its ids start and how
//! many there are in place of its children's, others find theirs through
//! an offset per node. Cachegrind counts 8.4 first-level misses a key at
//! 100,000 bindings of the `wild` spread mix (the bench's), against 11.3
//! when the words and every node's ids offset sat in arrays of their own
//! beside the nodes.
//!
//! The walk over it is the trie's walk, step for step ([`Layout`]): the
//! same sets in the same order, since a step visits a node's `#` self, `*`
//! child and literal child in a fixed order, not in block order. So it
//! reports what the trie's walk reports, in the same order, as the
//! proptests in `topic` check against every routing path.
//!
//! # When
//!
//! Building reads every node of the trie once, in an order its arena does
//! not follow, so most reads miss the cache once the trie is large: about
//! 120 ns a node at 100,000 bindings, where a walk takes about 350 ns
//! before packing (docs/performance.md). The trie builds it lazily, once
//! the walks since the last insert or remove reach its number of nodes
//! (plus 256), so routing that alternates with binding changes pays at
//! most about a third more for it; any change drops it, and clones start
//! without one. It takes 20 bytes a node or empty slot of a table (the
//! node and its ids offset) and one `T` per stored id: a third to a half
//! of the trie's own size again. Tries past [`MAX_NODES`] nodes are not
//! packed, so its 32-bit offsets and counts cannot overflow.

use super::need::{Need, Rest};
use super::{Frontier, Layout, Literals, Node, NodeId, TopicTrie, WordId, NONE, ROOT};

/// Literal blocks up to this size are scanned; larger ones (a root of many
/// first words) are open-addressed tables, at most half full.
const SCAN: usize = 16;

/// Tries of more nodes are walked in place; see the module documentation.
pub(super) const MAX_NODES: usize = 1 << 25;

/// The word of an empty slot in a table; no real word gets this id.
const VACANT: WordId = NONE - 1;

/// Flags in [`PNode::flags`].
const IS_HASH: u8 = 1;
const DUP: u8 = 1 << 1;
const HAS_STAR: u8 = 1 << 2;
const HAS_HASH: u8 = 1 << 3;
const TABLE: u8 = 1 << 4;
/// A node without children whose ids are `ids[first..first + count]`.
const LEAF: u8 = 1 << 5;

/// A node of the packed trie: 16 bytes, four to a cache line. It carries
/// the word on the edge into it, so looking a word up in a block reads the
/// same lines as entering the child found.
#[derive(Clone, Copy, Debug)]
struct PNode {
    /// The summary ([`Need::parts`]).
    last: u32,
    /// The first node of its children's block; for a [`LEAF`], its first
    /// id.
    first: u32,
    /// The word on the edge into it: `NONE` for `*`, `#` and the root,
    /// `VACANT` for an empty slot of a table.
    word: WordId,
    min: u8,
    max: u8,
    /// The flags above.
    flags: u8,
    /// The number of literal children, or for a table the log2 of its
    /// slots; for a [`LEAF`], its number of ids.
    count: u8,
}

const _: () = assert!(size_of::<PNode>() == 16);

impl PNode {
    fn new(word: WordId) -> Self {
        let (last, min, max) = Need::NOTHING.parts();
        Self {
            last,
            first: 0,
            word,
            min,
            max,
            flags: 0,
            count: 0,
        }
    }

    #[inline]
    fn need(self) -> Need {
        Need::from_parts(self.last, self.min, self.max)
    }

    #[inline]
    fn has(self, flag: u8) -> bool {
        self.flags & flag != 0
    }

    /// The `*` child, the `#` child and the literal children's range.
    #[inline]
    fn star(self) -> u32 {
        if self.has(HAS_STAR) {
            self.first
        } else {
            NONE
        }
    }

    #[inline]
    fn hash(self) -> u32 {
        if self.has(HAS_HASH) {
            self.first + u32::from(self.has(HAS_STAR))
        } else {
            NONE
        }
    }

    #[inline]
    fn literals(self) -> (usize, usize) {
        let from = self.first + u32::from(self.has(HAS_STAR)) + u32::from(self.has(HAS_HASH));
        let count = if self.has(TABLE) {
            1 << self.count
        } else {
            u32::from(self.count)
        };
        (from as usize, (from + count) as usize)
    }
}

/// The packed trie; see the module documentation.
#[derive(Debug)]
pub(super) struct Packed<T> {
    nodes: Vec<PNode>,
    /// Node `i`'s ids are `ids[ids_at[i]..ids_at[i + 1]]`: apart from the
    /// nodes, which the walk reads far more often.
    ids_at: Vec<u32>,
    ids: Vec<T>,
}

impl<T: Copy + Ord> Packed<T> {
    /// Packs `trie`.
    pub(super) fn build(trie: &TopicTrie<T>) -> Self {
        let mut packed = Self {
            nodes: Vec::with_capacity(trie.nodes.len()),
            ids_at: Vec::new(),
            ids: Vec::new(),
        };
        // The trie node of each packed one.
        let mut origin = vec![ROOT];
        packed.place(NONE);
        // (trie node, its packed index), to lay out their children.
        let mut todo = vec![(ROOT, 0_u32)];
        let (mut block, mut literals) = (Vec::new(), Vec::new());
        while let Some((id, at)) = todo.pop() {
            let node = &trie.nodes[id as usize];
            let first = packed.nodes.len() as u32;
            let (flags, count) = children_block(node, &mut block, &mut literals);
            let (last, min, max) = node.need.parts();
            packed.nodes[at as usize] = PNode {
                last,
                first,
                min,
                max,
                flags,
                count,
                ..packed.nodes[at as usize]
            };
            for &(w, c) in &block {
                packed.place(w);
                origin.push(c);
            }
            // Depth first: the first child's block comes next.
            for (k, &(_, c)) in block.iter().enumerate().rev() {
                if c != NONE {
                    todo.push((c, first + k as u32));
                }
            }
        }
        packed.place_ids(trie, &origin);
        packed
    }

    /// Stores the ids of each packed node, whose trie node is in `origin`
    /// (`NONE` for a table's empty slot), and marks the [`LEAF`]s.
    fn place_ids(&mut self, trie: &TopicTrie<T>, origin: &[NodeId]) {
        self.ids_at.reserve(origin.len() + 1);
        for (node, &id) in self.nodes.iter_mut().zip(origin) {
            let at = self.ids.len() as u32;
            self.ids_at.push(at);
            if id == NONE {
                continue;
            }
            let ids = &trie.nodes[id as usize].ids;
            self.ids.extend(ids.iter().map(|&(t, _)| t));
            // A leaf's ids are found through the node the walk has just
            // read, not through `ids_at`, which would be one more miss.
            let childless = node.flags & (HAS_STAR | HAS_HASH | TABLE) == 0 && node.count == 0;
            if let (true, Ok(count)) = (childless, u8::try_from(ids.len())) {
                node.flags |= LEAF;
                node.first = at;
                node.count = count;
            }
        }
        self.ids_at.push(self.ids.len() as u32);
    }

    fn place(&mut self, word: WordId) {
        self.nodes.push(PNode::new(word));
    }

    /// The trie's walk (`TopicTrie::walk`) over the packed nodes: `f` with
    /// the same ids in the same order.
    pub(super) fn walk(&self, trie: &TopicTrie<T>, routing_key: &str, mut f: impl FnMut(T)) {
        let mut frontier = Frontier::new();
        let (from, to) = trie.walk_sets(self, routing_key, &mut frontier);
        for i in from..to {
            for &t in self.ids_of(frontier.get(i)) {
                f(t);
            }
        }
    }

    /// The ids of bindings that end at node `id`.
    #[inline]
    fn ids_of(&self, id: NodeId) -> &[T] {
        let node = self.nodes[id as usize];
        let (from, to) = if node.has(LEAF) {
            (node.first, node.first + u32::from(node.count))
        } else {
            (self.ids_at[id as usize], self.ids_at[id as usize + 1])
        };
        &self.ids[from as usize..to as usize]
    }

    /// The literal child of `node` on `word`, or `NONE`.
    #[inline]
    fn literal(&self, node: PNode, word: WordId) -> u32 {
        let (from, to) = node.literals();
        let block = &self.nodes[from..to];
        if !node.has(TABLE) {
            return block
                .iter()
                .position(|n| n.word == word)
                .map_or(NONE, |k| (from + k) as u32);
        }
        let mask = block.len() - 1;
        let mut k = slot(word, mask);
        loop {
            match block[k].word {
                w if w == word => return (from + k) as u32,
                VACANT => return NONE,
                _ => k = (k + 1) & mask,
            }
        }
    }
}

/// The trie's walk over packed nodes: [`TopicTrie::advance`] and
/// [`TopicTrie::enter`] step for step.
impl<T: Copy + Ord> Layout for Packed<T> {
    // Always: left to itself, the compiler stopped inlining it into the
    // walk once the walk grew, which cost 7% more instructions a key.
    #[inline(always)]
    fn admit(&self, frontier: &mut Frontier, mut id: NodeId, rest: Rest) {
        loop {
            let node = self.nodes[id as usize];
            if !node.need().admits(rest) {
                return;
            }
            if node.has(DUP) && frontier.segment_contains(id) {
                return;
            }
            frontier.push(id);
            id = node.hash();
            if id == NONE {
                return;
            }
        }
    }

    #[inline]
    fn step(&self, frontier: &mut Frontier, id: NodeId, word: WordId, rest: Rest) {
        let node = self.nodes[id as usize];
        if node.has(IS_HASH) {
            self.admit(frontier, id, rest);
        }
        let star = node.star();
        if star != NONE {
            self.admit(frontier, star, rest);
        }
        if word != NONE && !node.has(LEAF) {
            let child = self.literal(node, word);
            if child != NONE {
                self.admit(frontier, child, rest);
            }
        }
    }
}

/// Fills `block` with the children of `node` in block order, as (word on
/// the edge, trie node): its `*` child, its `#` child, its literal children
/// (through `literals`, reused); returns [`PNode::flags`] and
/// [`PNode::count`].
fn children_block<T>(
    node: &Node<T>,
    block: &mut Vec<(WordId, NodeId)>,
    literals: &mut Vec<(WordId, NodeId)>,
) -> (u8, u8) {
    block.clear();
    let mut flags = 0;
    if node.star != NONE {
        flags |= HAS_STAR;
        block.push((NONE, node.star));
    }
    if node.hash != NONE {
        flags |= HAS_HASH;
        block.push((NONE, node.hash));
    }
    literals.clear();
    match &node.literals {
        Literals::One(NONE, _) => {}
        &Literals::One(w, c) => literals.push((w, c)),
        Literals::Few(v) => literals.extend_from_slice(v),
        Literals::Many(m) => literals.extend(m.iter().map(|(&w, &c)| (w, c))),
    }
    // Sorted, so the layout does not depend on the map's order.
    literals.sort_unstable();
    let (table, count) = literal_block(literals, block);
    if table {
        flags |= TABLE;
    }
    if node.is_hash {
        flags |= IS_HASH;
    }
    if node.hashes_above >= 2 {
        flags |= DUP;
    }
    (flags, count)
}

/// Appends a node's literal `children` (sorted) to its `block`: as they
/// are, or past [`SCAN`] as an open-addressed table of twice as many slots
/// or more; returns whether it is a table, and [`PNode::count`].
fn literal_block(children: &[(WordId, NodeId)], block: &mut Vec<(WordId, NodeId)>) -> (bool, u8) {
    if children.len() <= SCAN {
        block.extend_from_slice(children);
        return (false, children.len() as u8);
    }
    let slots = (children.len() * 2).next_power_of_two();
    let from = block.len();
    block.resize(from + slots, (VACANT, NONE));
    let table = &mut block[from..];
    for &(w, c) in children {
        let mut k = slot(w, slots - 1);
        while table[k].0 != VACANT {
            k = (k + 1) & (slots - 1);
        }
        table[k] = (w, c);
    }
    (true, slots.trailing_zeros() as u8)
}

/// A word's home slot in a table of `mask + 1` slots.
#[inline]
fn slot(word: WordId, mask: usize) -> usize {
    (u64::from(word).wrapping_mul(0x9e37_79b9_7f4a_7c15) >> 32) as usize & mask
}

/// The walks after which a trie of `nodes` nodes is packed.
fn walks_to_pack(nodes: usize) -> usize {
    nodes + 256
}

/// The trie's packed copy, if built, and the walks since the last change.
#[derive(Debug)]
pub(super) struct Pack<T> {
    walks: usize,
    packed: Option<Packed<T>>,
}

impl<T> Default for Pack<T> {
    fn default() -> Self {
        Self {
            walks: 0,
            packed: None,
        }
    }
}

impl<T> Clone for Pack<T> {
    /// None: a clone routes the same and packs on its own.
    fn clone(&self) -> Self {
        Self::default()
    }
}

impl<T: Copy + Ord> Pack<T> {
    /// Counts a walk of `trie`, and packs it once the walks since the last
    /// change reach its number of nodes plus 256 (see the module
    /// documentation).
    pub(super) fn count_walk(&mut self, trie: &TopicTrie<T>) {
        if self.packed.is_some() {
            return;
        }
        self.walks += 1;
        if self.walks >= walks_to_pack(trie.nodes.len()) && trie.nodes.len() <= MAX_NODES {
            self.packed = Some(Packed::build(trie));
        }
    }

    pub(super) fn packed(&self) -> Option<&Packed<T>> {
        self.packed.as_ref()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What the trie's own walk and the packed one report for `key`.
    fn both(trie: &TopicTrie<u32>, packed: &Packed<u32>, key: &str) -> (Vec<u32>, Vec<u32>) {
        let (mut own, mut from_packed) = (Vec::new(), Vec::new());
        trie.walk_nodes(key, |t| own.push(t));
        packed.walk(trie, key, |t| from_packed.push(t));
        (own, from_packed)
    }

    #[test]
    fn blocks_lie_depth_first_each_nodes_children_together() {
        let mut trie = TopicTrie::new();
        for (key, id) in [("a.b", 1), ("a.*", 2), ("a.c.#", 3), ("d", 4), ("a.c", 5)] {
            trie.insert(key, id);
        }
        let packed = Packed::build(&trie);
        // Root, its block [a, d], a's block [*, b, c], `*`'s and `b`'s
        // (empty), c's [#], then d's (empty).
        let word = |w: &str| trie.words.get(w.as_bytes());
        let words: Vec<WordId> = ["", "a", "d", "*", "b", "c", "#"]
            .iter()
            .map(|w| match *w {
                "" | "*" | "#" => NONE,
                w => word(w),
            })
            .collect();
        let packed_words: Vec<WordId> = packed.nodes.iter().map(|n| n.word).collect();
        assert_eq!(packed_words, words);
        assert_eq!(packed.nodes[0].first, 1);
        assert_eq!(packed.nodes[1].first, 3, "a's children follow the root's");
        assert_eq!(packed.nodes[1].star(), 3);
        assert_eq!(packed.nodes[1].literals(), (4, 6));
        assert_eq!(packed.nodes[5].hash(), 6, "c's `#` child follows");
        assert!(packed.nodes[6].has(IS_HASH));
        for key in ["a.b", "a.c", "a.c.x.y", "d", "a", "a.x", ""] {
            let (own, from_packed) = both(&trie, &packed, key);
            assert_eq!(own, from_packed, "{key}");
        }
        assert_eq!(both(&trie, &packed, "a.c").1, [2, 5, 3]);
    }

    #[test]
    fn leaves_hold_their_ids_and_other_nodes_find_them_through_offsets() {
        let mut trie = TopicTrie::new();
        // `a.b` a leaf of two ids, `a` a node with ids and children, `a.#`
        // a leaf that is its own `#` child, `c` a leaf of more ids than a
        // leaf's count can say.
        for (key, id) in [("a.b", 1), ("a", 2), ("a.b", 3), ("a.#", 4)] {
            trie.insert(key, id);
        }
        for id in 100..400 {
            trie.insert("c", id);
        }
        let packed = Packed::build(&trie);
        let node_of = |key: &str| {
            let mut frontier = Frontier::new();
            let (from, to) = trie.walk_sets(&packed, key, &mut frontier);
            (from..to).map(|i| frontier.get(i)).collect::<Vec<_>>()
        };
        let leaf = |key: &str| -> Vec<bool> {
            node_of(key)
                .into_iter()
                .map(|n| packed.nodes[n as usize].has(LEAF))
                .collect()
        };
        assert_eq!(leaf("a.b"), [true, true], "`a.b`, then `a.#`");
        assert_eq!(leaf("a"), [false, true], "`a` has children, `a.#` none");
        assert_eq!(leaf("c"), [false], "300 ids do not fit a leaf's count");
        assert_eq!(both(&trie, &packed, "a.b"), (vec![1, 3, 4], vec![1, 3, 4]));
        assert_eq!(both(&trie, &packed, "a").1, [2, 4]);
        assert_eq!(both(&trie, &packed, "a.x.y").1, [4]);
        let c = both(&trie, &packed, "c");
        assert_eq!(c.0, c.1);
        assert_eq!(c.1, (100..400).collect::<Vec<_>>());
    }

    #[test]
    fn a_wide_node_is_a_table_that_finds_every_child() {
        let mut trie = TopicTrie::new();
        // Words whose ids are scattered, as after years of binding changes
        // (in sequence, multiplicative hashing would spread them perfectly).
        let kept = |i: u32| i.wrapping_mul(2_654_435_761).is_multiple_of(7);
        for i in 0..2_100_u32 {
            trie.insert(&format!("w{i}.x"), i);
        }
        for i in (0..2_100_u32).filter(|&i| !kept(i)) {
            assert!(trie.remove(&format!("w{i}.x"), i));
        }
        let kept: Vec<u32> = (0..2_100).filter(|&i| kept(i)).collect();
        for &i in &kept {
            trie.insert(&format!("w{i}.*"), 10_000 + i);
        }
        trie.insert("#.x", 50_000);
        let packed = Packed::build(&trie);
        assert!(packed.nodes[0].has(TABLE));
        let (from, to) = packed.nodes[0].literals();
        assert!(to - from >= 2 * kept.len(), "at most half full");
        let word = |k: usize| packed.nodes[k].word;
        let displaced = (from..to)
            .filter(|&k| word(k) != VACANT)
            .filter(|&k| slot(word(k), to - from - 1) != k - from)
            .count();
        assert!(displaced > 0, "some lookups probe past their home slot");
        for i in kept {
            let key = format!("w{i}.x");
            let (own, from_packed) = both(&trie, &packed, &key);
            assert_eq!(own, from_packed, "{key}");
            assert_eq!(from_packed.len(), 3, "{key}");
        }
        // A word no edge carries, one carried only further down, and none.
        for key in ["nope.x", "x.x", "w1", ""] {
            let (own, from_packed) = both(&trie, &packed, key);
            assert_eq!(own, from_packed, "{key}");
        }
        assert_eq!(both(&trie, &packed, "x.x").1, [50_000]);
    }

    #[test]
    fn the_trie_packs_after_enough_walks_and_unpacks_on_a_change() {
        let mut trie = TopicTrie::new();
        trie.insert("a.*", 1_u32);
        trie.insert("#.b", 2);
        let packed = TopicTrie::is_packed;
        for _ in 1..walks_to_pack(trie.nodes.len()) {
            trie.for_each_match_uncached("a.b", |_| {});
        }
        assert!(!packed(&trie), "too few walks yet");
        trie.for_each_match_uncached("a.b", |_| {});
        assert!(packed(&trie));
        assert_eq!(trie.matches("a.b"), [1, 2]);
        // A walk from inside a walk reads the copy it finds borrowed.
        let mut inner = Vec::new();
        trie.for_each_match_uncached("a.b", |t| {
            trie.for_each_match_uncached("x.b", |u| inner.push((t, u)));
        });
        assert_eq!(inner, [(1, 2), (2, 2)]);
        assert!(!packed(&trie.clone()), "a clone packs on its own");
        trie.insert("a.#", 3);
        assert!(!packed(&trie), "a change drops the copy");
        let mut walked = Vec::new();
        trie.for_each_match_uncached("a.b", |t| walked.push(t));
        walked.sort_unstable();
        assert_eq!(walked, [1, 2, 3]);
    }
}
