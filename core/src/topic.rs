//! Topic exchange matching, RabbitMQ 3.10 semantics (AMQP 0-9-1).
//!
//! # Rules
//!
//! Both keys are split on **every** `.` byte: `""` is zero words, any other
//! key is one word more than it has dots, so empty words exist (`"a..b"` is
//! `a`, `""`, `b`). Words compare as raw bytes. In the **binding key** a word
//! that is exactly `*` matches exactly one word (which may be empty) and a
//! word that is exactly `#` matches zero or more words, anywhere; `*` or `#`
//! inside a longer word, and any wildcard in the routing key, is literal.
//!
//! # How it works
//!
//! [`topic_matches`] is the executable specification: a dynamic programme
//! over (binding word, key word), `O(binding words × key words)`.
//!
//! [`TopicTrie`] is the index an exchange routes with. Every binding key is a
//! path of edges from the root, one per word; `*` and `#` edges sit in their
//! own slots, literal edges are keyed by an interned word id. Routing looks
//! each key word up once in the intern table (a word no edge carries can
//! only meet wildcards) and follows edges by integer, so the cost does not
//! grow with the number of bindings.
//!
//! The walk reads the key word by word, keeping the set of nodes whose
//! binding-key prefix matches the words read so far (an NFA simulation, where
//! RabbitMQ 3.10 backtracks). For each word a node passes on its literal
//! edge for that word and its `*` edge; a `#` node also stays in the set,
//! swallowing the word; and a node's `#` edge joins the current set at once,
//! matching zero words. When the words run out, the bindings of the nodes
//! in the set (and of their trailing `#` children) are the matches.
//!
//! Without `#` a node can enter a set only one way, since its depth fixes
//! its position; one `#` on the path still leaves a single way. From two
//! `#`s on, a node can arrive along many paths (RabbitMQ 3.10 follows all
//! of them and takes seconds for `#.#.#.#.#.z`), so only those nodes are
//! checked for duplicates. The work is therefore bounded by
//! `nodes × (key words + 1)`, and each `(binding key, id)` pair is reported
//! at most once.
//!
//! Each node also keeps a summary of what the bindings below it still need
//! of a key (the `need` module), so the walk skips nodes the rest of the
//! key cannot match. And once a trie stops changing, the walk reads a
//! packed copy of it (the `packed` module): the same nodes and the same
//! steps in a layout that costs a third of the cache misses per key or
//! less, built lazily and dropped by the next change.

use std::cell::RefCell;
use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};

mod dfa;
mod keys;
mod need;
mod packed;

use dfa::Dfa;
use keys::KeyCache;
use need::{Need, Rest};
use packed::Pack;

/// Whether `binding_key` matches `routing_key` under the topic rules.
///
/// This is the reference the trie is checked against: simple enough to be
/// read as the specification, yet polynomial, so property tests may throw
/// anything at it.
///
/// # Example
/// ```
/// use warren_core::topic_matches;
/// assert!(topic_matches("a.#.b", "a.x.y.b"));
/// assert!(topic_matches("*.*", "."));
/// assert!(!topic_matches("*", ""));
/// assert!(!topic_matches("a*", "ab"));
/// ```
pub fn topic_matches(binding_key: &str, routing_key: &str) -> bool {
    let binding = split(binding_key);
    let key = split(routing_key);
    let n = key.len();
    // `next[j]`: the binding words after the current one match `key[j..]`.
    let mut next = vec![false; n + 1];
    let mut cur = vec![false; n + 1];
    next[n] = true;
    for &word in binding.iter().rev() {
        match word {
            "#" => {
                // Zero words (`next[j]`) or one more word and stay (`cur[j + 1]`).
                cur[n] = next[n];
                for j in (0..n).rev() {
                    cur[j] = next[j] || cur[j + 1];
                }
            }
            "*" => {
                cur[n] = false;
                cur[..n].copy_from_slice(&next[1..]);
            }
            literal => {
                cur[n] = false;
                for j in 0..n {
                    cur[j] = key[j] == literal && next[j + 1];
                }
            }
        }
        std::mem::swap(&mut cur, &mut next);
    }
    next[0]
}

/// The words of a key; `""` has none (`str::split` would give one).
fn split(key: &str) -> Vec<&str> {
    if key.is_empty() {
        Vec::new()
    } else {
        key.split('.').collect()
    }
}

/// Index of a node in [`TopicTrie::nodes`].
type NodeId = u32;

/// Index of an interned literal word in [`Words`].
type WordId = u32;

/// "None" in `NodeId`/`WordId` slots; no real node or word gets this index
/// (it would take 4 billion of them).
const NONE: u32 = u32::MAX;

const ROOT: NodeId = 0;

/// Above this many literal children a node switches from a scanned `Vec` to
/// a hash map: most nodes have one to three children, where a scan beats
/// hashing, while a root with 100,000 first words must not be scanned.
const FEW_CHILDREN: usize = 8;

/// The walk keeps this many frontier nodes (over all key positions) on the
/// stack before it spills to the heap: a typical routing decision visits a
/// dozen, so it does not allocate.
const INLINE: usize = 64;

/// Segments up to this size are checked for duplicates by scanning.
const SCAN: usize = 32;

/// A topic-exchange binding index: binding keys to ids (for example binding
/// or queue ids), answering "which ids does this routing key reach?".
///
/// The same id may be stored under several keys, and the same
/// `(key, id)` pair several times (two bindings that differ only in their
/// arguments): each insertion is a binding, and the pair routes until every
/// copy is removed.
///
/// Routing cost depends on the routing key and on the part of the trie it
/// reaches, not on the number of bindings; see the module documentation.
/// Lookups never iterate a hash map, so results do not depend on hashing.
///
/// # Example
/// ```
/// use warren_core::TopicTrie;
/// let mut trie = TopicTrie::new();
/// trie.insert("stock.*.nyse", 1_u32);
/// trie.insert("stock.#", 2);
/// trie.insert("#.nyse", 2);
/// assert_eq!(trie.matches("stock.ibm.nyse"), vec![1, 2]);
/// assert!(trie.remove("stock.#", 2));
/// assert_eq!(trie.matches("stock.ibm"), Vec::<u32>::new());
/// ```
#[derive(Clone, Debug)]
pub struct TopicTrie<T> {
    // Arena; `nodes[0]` is the root and is never freed.
    nodes: Vec<Node<T>>,
    // Slots of pruned nodes, reused before the arena grows.
    free: Vec<NodeId>,
    // Literal words on edges, interned: routing looks each key word up once
    // and then follows edges by integer.
    words: Words,
    // Stored bindings, counting repeated `(key, id)` pairs.
    len: usize,
    // The routing caches, filled while routing through `&self` and cleared
    // by every insert and remove: whole keys to their answers (`keys`),
    // asked first, and the DFA over the trie (`dfa`) for keys it misses.
    keys: RefCell<KeyCache<T>>,
    dfa: RefCell<Dfa<T>>,
    // The walk's packed copy of the trie, built once enough walks have
    // happened since the last change, dropped by the next (`packed`).
    pack: RefCell<Pack<T>>,
}

#[derive(Clone, Debug)]
struct Node<T> {
    literals: Literals,
    star: NodeId,
    hash: NodeId,
    // Reached through a `#` edge: it stays in the walk's set, swallowing a word.
    is_hash: bool,
    // `#` edges from the root to here, saturating. From 2 on, the walk can
    // reach this node at one position along several paths, so it checks for
    // duplicates.
    hashes_above: u8,
    // What the bindings at and below still need of a key: the walk enters
    // the node only if the rest of the key may meet it (the `need` module).
    need: Need,
    // Ids whose binding key ends here, sorted, with their insertion counts.
    ids: Box<[(T, u32)]>,
}

#[derive(Clone, Debug)]
enum Literals {
    // Most nodes below the first levels have a single literal child; keeping
    // it inline saves the walk a cache miss per state.
    One(WordId, NodeId),
    // Boxed slices and a boxed map keep `Node` small, so more of a large
    // trie stays in cache; they are only reallocated when bindings change.
    Few(Box<[(WordId, NodeId)]>),
    #[allow(clippy::box_collection)] // 8 bytes in the node instead of 32
    Many(Box<HashMap<WordId, NodeId, FxBuildHasher>>),
}

impl Literals {
    #[inline]
    fn get(&self, word: WordId) -> Option<NodeId> {
        match self {
            Self::One(w, id) => (*w == word).then_some(*id),
            Self::Few(v) => v.iter().find(|&&(w, _)| w == word).map(|&(_, id)| id),
            Self::Many(m) => m.get(&word).copied(),
        }
    }

    fn insert(&mut self, word: WordId, id: NodeId) {
        match self {
            Self::One(NONE, _) => *self = Self::One(word, id),
            Self::One(w, i) => *self = Self::Few(Box::new([(*w, *i), (word, id)])),
            Self::Few(v) if v.len() < FEW_CHILDREN => {
                let mut grown = std::mem::take(v).into_vec();
                grown.push((word, id));
                *v = grown.into_boxed_slice();
            }
            Self::Few(v) => {
                let mut m: HashMap<_, _, _> = v.iter().copied().collect();
                m.insert(word, id);
                *self = Self::Many(Box::new(m));
            }
            Self::Many(m) => {
                m.insert(word, id);
            }
        }
    }

    fn remove(&mut self, word: WordId) {
        match self {
            Self::One(w, _) if *w == word => *self = Self::EMPTY,
            Self::One(..) => {}
            Self::Few(v) => {
                let kept: Box<[_]> = v.iter().copied().filter(|&(w, _)| w != word).collect();
                *self = match *kept {
                    [] => Self::EMPTY,
                    [(w, id)] => Self::One(w, id),
                    _ => Self::Few(kept),
                };
            }
            Self::Many(m) => {
                m.remove(&word);
                if m.len() == 1 {
                    *self = m
                        .iter()
                        .map(|(&w, &id)| Self::One(w, id))
                        .next()
                        .unwrap_or(Self::EMPTY);
                }
            }
        }
    }

    /// No children: a `One` whose word is `NONE`, which no key word maps to.
    const EMPTY: Self = Self::One(NONE, NONE);

    fn is_empty(&self) -> bool {
        match self {
            Self::One(w, _) => *w == NONE,
            Self::Few(v) => v.is_empty(),
            Self::Many(m) => m.is_empty(),
        }
    }

    #[cfg(test)]
    fn children(&self) -> Vec<(WordId, NodeId)> {
        match self {
            Self::One(NONE, _) => Vec::new(),
            Self::One(w, id) => vec![(*w, *id)],
            Self::Few(v) => v.to_vec(),
            Self::Many(m) => m.iter().map(|(&w, &n)| (w, n)).collect(),
        }
    }
}

/// The interned literal words, each counted once per edge that carries it,
/// so a word is forgotten with its last edge.
///
/// An open-addressing table of its own rather than a `HashMap<Box<str>, _>`:
/// routing splits the key and hashes each word in one pass, then probes
/// with that hash; the std map would hash every word again and compare the
/// strings of every probe through a pointer.
#[derive(Clone, Debug)]
struct Words {
    // By hash position, linear probing, at most half full; the length is a
    // power of two.
    slots: Vec<Slot>,
    // `64 - log2(slots.len())`: the top bits of a hash pick its home slot.
    shift: u32,
    // By word id; `refs == 0` marks a free id.
    entries: Vec<WordEntry>,
    free: Vec<WordId>,
    live: usize,
}

/// A slot of the intern table. For words of up to 8 bytes (most are) the
/// head and length settle equality, so a lookup touches one cache line;
/// longer words also compare their text.
#[derive(Clone, Copy, Debug)]
struct Slot {
    head: u64,
    id: WordId,
    // Saturating; lengths beyond 8 are confirmed against the text anyway.
    len: u32,
}

const EMPTY_SLOT: Slot = Slot {
    head: 0,
    id: NONE,
    len: 0,
};

#[derive(Clone, Debug)]
struct WordEntry {
    hash: u64,
    text: Box<[u8]>,
    // Edges carrying this word.
    refs: u32,
}

/// A word's first 8 bytes as an integer that, together with the length,
/// identifies words of up to 8 bytes. Shorter words are read as two
/// overlapping loads instead of byte by byte.
#[inline]
fn head_u64(b: &[u8]) -> u64 {
    let n = b.len();
    let u32_at = |i: usize| {
        b.get(i..i + 4)
            .and_then(|s| s.first_chunk::<4>())
            .map_or(0, |c| u32::from_le_bytes(*c))
    };
    match n {
        0 => 0,
        1..=3 => u64::from(b[0]) | u64::from(b[n / 2]) << 8 | u64::from(b[n - 1]) << 16,
        4..=7 => u64::from(u32_at(0)) | u64::from(u32_at(n - 4)) << 32,
        _ => b.first_chunk::<8>().map_or(0, |c| u64::from_le_bytes(*c)),
    }
}

impl Default for Words {
    fn default() -> Self {
        Self {
            slots: vec![EMPTY_SLOT; 8],
            shift: 64 - 3,
            entries: Vec::new(),
            free: Vec::new(),
            live: 0,
        }
    }
}

impl Words {
    #[inline]
    fn home(&self, hash: u64) -> usize {
        (hash >> self.shift) as usize
    }

    /// The slot holding `word`, or the empty slot where it would go.
    #[inline]
    fn find(&self, (hash, head): (u64, u64), word: &[u8]) -> (usize, WordId) {
        let mask = self.slots.len() - 1;
        let len = u32::try_from(word.len()).unwrap_or(u32::MAX);
        let mut i = self.home(hash);
        loop {
            let s = self.slots[i];
            if s.id == NONE {
                return (i, NONE);
            }
            if s.head == head
                && s.len == len
                && (len <= 8 || *self.entries[s.id as usize].text == *word)
            {
                return (i, s.id);
            }
            i = (i + 1) & mask;
        }
    }

    #[inline]
    fn get(&self, word: &[u8]) -> WordId {
        self.find(hash_word(word), word).1
    }

    fn acquire(&mut self, word: &str) -> WordId {
        let (hash, head) = hash_word(word.as_bytes());
        let (mut slot, id) = self.find((hash, head), word.as_bytes());
        if id != NONE {
            self.entries[id as usize].refs += 1;
            return id;
        }
        if (self.live + 1) * 2 > self.slots.len() {
            self.grow();
            slot = self.find((hash, head), word.as_bytes()).0;
        }
        let entry = WordEntry {
            hash,
            text: word.as_bytes().into(),
            refs: 1,
        };
        let id = match self.free.pop() {
            Some(id) => {
                self.entries[id as usize] = entry;
                id
            }
            None => {
                self.entries.push(entry);
                index(self.entries.len() - 1)
            }
        };
        self.slots[slot] = Slot {
            head,
            id,
            len: u32::try_from(word.len()).unwrap_or(u32::MAX),
        };
        self.live += 1;
        id
    }

    fn release(&mut self, id: WordId) {
        let e = &mut self.entries[id as usize];
        e.refs -= 1;
        if e.refs > 0 {
            return;
        }
        e.text = Box::default();
        let hash = e.hash;
        self.free.push(id);
        self.live -= 1;
        let mask = self.slots.len() - 1;
        let mut hole = self.home(hash);
        while self.slots[hole].id != id {
            hole = (hole + 1) & mask;
        }
        // Backward-shift deletion: pull later entries of the probe run into
        // the hole unless that would put them before their home slot.
        let mut j = hole;
        loop {
            j = (j + 1) & mask;
            let next = self.slots[j];
            if next.id == NONE {
                break;
            }
            let home = self.home(self.entries[next.id as usize].hash);
            let stays = if hole <= j {
                hole < home && home <= j
            } else {
                hole < home || home <= j
            };
            if !stays {
                self.slots[hole] = next;
                hole = j;
            }
        }
        self.slots[hole] = EMPTY_SLOT;
    }

    fn grow(&mut self) {
        let len = self.slots.len() * 2;
        self.shift -= 1;
        let old = std::mem::replace(&mut self.slots, vec![EMPTY_SLOT; len]);
        for s in old.into_iter().filter(|s| s.id != NONE) {
            let mut i = self.home(self.entries[s.id as usize].hash);
            while self.slots[i].id != NONE {
                i = (i + 1) & (len - 1);
            }
            self.slots[i] = s;
        }
    }
}

/// FxHash of a word, length included, and its [`head_u64`]; the same
/// function serves insertion and routing.
#[inline]
fn hash_word(word: &[u8]) -> (u64, u64) {
    let head = head_u64(word);
    let mut h = FxHasher::default();
    if word.len() <= 8 {
        h.add(head);
    } else {
        h.write(word);
    }
    h.add(word.len() as u64);
    (h.hash, head)
}

/// An arena index as `u32`. Reaching 4 billion nodes or words would take
/// hundreds of gigabytes, so saturating instead of panicking is moot.
fn index(i: usize) -> u32 {
    u32::try_from(i).unwrap_or(NONE - 1)
}

/// The node layouts the walk steps through: the trie's own arena and its
/// packed copy (the `packed` module). Both take the same steps and build
/// the same sets in the same order, their nodes numbered alike where it
/// shows (the root is `ROOT` in both), so a walk reports the same over
/// either.
trait Layout {
    /// Adds node `id` to the segment being built, with the `#` children
    /// below it, if the `rest` of the key may meet their bindings (what
    /// [`TopicTrie::enter`] does).
    fn admit(&self, frontier: &mut Frontier, id: NodeId, rest: Rest);

    /// Adds the nodes that node `id` leads to on `word` (what
    /// [`TopicTrie::advance`] does).
    fn step(&self, frontier: &mut Frontier, id: NodeId, word: WordId, rest: Rest);
}

impl<T: Copy + Ord> Layout for TopicTrie<T> {
    #[inline]
    fn admit(&self, frontier: &mut Frontier, id: NodeId, rest: Rest) {
        self.enter(frontier, id, Some(rest));
    }

    #[inline]
    fn step(&self, frontier: &mut Frontier, id: NodeId, word: WordId, rest: Rest) {
        self.advance(frontier, id, word, Some(rest));
    }
}

/// One edge of a binding key.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Edge {
    Literal(WordId),
    Star,
    Hash,
}

impl<T> Node<T> {
    fn new(is_hash: bool, hashes_above: u8) -> Self {
        Self {
            literals: Literals::EMPTY,
            star: NONE,
            hash: NONE,
            is_hash,
            hashes_above,
            need: Need::own(false, is_hash),
            ids: Box::default(),
        }
    }

    fn is_unused(&self) -> bool {
        self.ids.is_empty() && self.star == NONE && self.hash == NONE && self.literals.is_empty()
    }

    fn child(&self, edge: Edge) -> Option<NodeId> {
        let id = match edge {
            Edge::Star => self.star,
            Edge::Hash => self.hash,
            // Unknown words are not in any table (and `EMPTY` holds `NONE`).
            Edge::Literal(NONE) => return None,
            Edge::Literal(w) => return self.literals.get(w),
        };
        (id != NONE).then_some(id)
    }
}

impl<T: Copy + Ord> Default for TopicTrie<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T: Copy + Ord> TopicTrie<T> {
    /// An empty index.
    pub fn new() -> Self {
        Self {
            nodes: vec![Node::new(false, 0)],
            free: Vec::new(),
            words: Words::default(),
            len: 0,
            keys: RefCell::new(KeyCache::new()),
            dfa: RefCell::new(Dfa::new()),
            pack: RefCell::default(),
        }
    }

    /// Number of stored bindings; a `(key, id)` pair inserted twice counts twice.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether no binding is stored.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Stores a binding of `binding_key` to `id`.
    ///
    /// Any string is accepted, as RabbitMQ 3.x does; wildcards are only
    /// whole words. Inserting a pair that is already present adds a second
    /// copy, which [`remove`](Self::remove) takes away one at a time.
    pub fn insert(&mut self, binding_key: &str, id: T) {
        self.clear_caches();
        // (parent, edge) for each edge, to widen the summaries bottom-up.
        let mut path: Vec<(NodeId, Edge)> = Vec::new();
        let mut node = ROOT;
        for word in split_words(binding_key) {
            let mut edge = match word {
                "*" => Edge::Star,
                "#" => Edge::Hash,
                _ => Edge::Literal(self.words.get(word.as_bytes())),
            };
            let child = match self.nodes[node as usize].child(edge) {
                Some(child) => child,
                None => {
                    let (child, added) = self.add_child(node, word);
                    edge = added;
                    child
                }
            };
            path.push((node, edge));
            node = child;
        }
        // The new binding's summary, from its last node up to the root.
        let end = &mut self.nodes[node as usize];
        let mut need = Need::own(true, end.is_hash);
        end.need = end.need.join(need);
        for (i, &(parent, edge)) in path.iter().rev().enumerate() {
            need = need.through(edge, i == 0);
            let p = &mut self.nodes[parent as usize];
            p.need = p.need.join(need);
        }
        let ids = &mut self.nodes[node as usize].ids;
        match ids.binary_search_by(|(t, _)| t.cmp(&id)) {
            Ok(i) => ids[i].1 = ids[i].1.saturating_add(1),
            Err(i) => {
                let mut grown = std::mem::take(ids).into_vec();
                grown.insert(i, (id, 1));
                *ids = grown.into_boxed_slice();
            }
        }
        self.len += 1;
    }

    /// Removes one copy of the binding of `binding_key` to `id`; returns
    /// whether there was one. Nodes left without bindings or children are
    /// freed, and words no edge uses are forgotten, so a trie that had every
    /// binding removed is as small as a new one.
    pub fn remove(&mut self, binding_key: &str, id: T) -> bool {
        // (parent, edge) for each edge, to prune bottom-up afterwards.
        let mut path: Vec<(NodeId, Edge)> = Vec::new();
        let mut node = ROOT;
        for word in split_words(binding_key) {
            let edge = match word {
                "*" => Edge::Star,
                "#" => Edge::Hash,
                _ => Edge::Literal(self.words.get(word.as_bytes())),
            };
            match self.nodes[node as usize].child(edge) {
                Some(child) => {
                    path.push((node, edge));
                    node = child;
                }
                None => return false,
            }
        }
        let Ok(i) = self.nodes[node as usize]
            .ids
            .binary_search_by(|(t, _)| t.cmp(&id))
        else {
            return false;
        };
        self.clear_caches();
        let ids = &mut self.nodes[node as usize].ids;
        if ids[i].1 > 1 {
            ids[i].1 -= 1;
        } else {
            let mut shrunk = std::mem::take(ids).into_vec();
            shrunk.remove(i);
            *ids = shrunk.into_boxed_slice();
        }
        self.len -= 1;
        while let Some(&(parent, edge)) = path.last() {
            if !self.nodes[node as usize].is_unused() {
                break;
            }
            path.pop();
            let p = &mut self.nodes[parent as usize];
            match edge {
                Edge::Star => p.star = NONE,
                Edge::Hash => p.hash = NONE,
                Edge::Literal(w) => {
                    p.literals.remove(w);
                    self.words.release(w);
                }
            }
            self.nodes[node as usize] = Node::new(false, 0);
            self.free.push(node);
            node = parent;
        }
        // The path left, bottom-up: summaries may narrow.
        self.renew_need(node);
        while let Some((parent, _)) = path.pop() {
            self.renew_need(parent);
        }
        true
    }

    /// Recomputes a node's summary from its own bindings and its children's
    /// summaries, after a removal. A node with many literal children keeps
    /// its summary, which still covers them (only wider than needed),
    /// rather than read every child on every removal.
    fn renew_need(&mut self, id: NodeId) {
        let node = &self.nodes[id as usize];
        let one;
        let literals: &[(WordId, NodeId)] = match &node.literals {
            &Literals::One(w, c) => {
                one = [(w, c)];
                &one[..usize::from(w != NONE)]
            }
            Literals::Few(v) => v,
            Literals::Many(_) => return,
        };
        self.nodes[id as usize].need = self.need_of(node, literals);
    }

    /// A node's summary from its own bindings and what its children's
    /// summaries ask through its edges (`literals` and its `*` and `#`).
    fn need_of(&self, node: &Node<T>, literals: &[(WordId, NodeId)]) -> Need {
        let through = |edge: Edge, c: NodeId| {
            let child = &self.nodes[c as usize];
            child.need.through(edge, !child.ids.is_empty())
        };
        let mut need = Need::own(!node.ids.is_empty(), node.is_hash);
        for &(w, c) in literals {
            need = need.join(through(Edge::Literal(w), c));
        }
        if node.star != NONE {
            need = need.join(through(Edge::Star, node.star));
        }
        if node.hash != NONE {
            need = need.join(through(Edge::Hash, node.hash));
        }
        need
    }

    /// Calls `f` with the id of every binding whose key matches
    /// `routing_key`: once per distinct matching `(binding key, id)` pair,
    /// so an id bound under several matching keys is reported several
    /// times (an exchange delivers one copy per queue, so callers dedup, as
    /// [`matches`](Self::matches) does). The order is deterministic but
    /// unspecified.
    ///
    /// Decisions go through two routing caches: whole routing keys to their
    /// answers (the `keys` module), and for keys it does not hold a lazily
    /// built DFA (the `dfa` module) that makes a key shape seen before cost
    /// one table lookup per word. Neither changes what is reported, nor in
    /// which order.
    pub fn for_each_match(&self, routing_key: &str, mut f: impl FnMut(T)) {
        // A re-entrant call (from `f`) finds the cache busy and walks.
        let Ok(mut cache) = self.keys.try_borrow_mut() else {
            return self.walk(routing_key, f);
        };
        if cache.skips() {
            drop(cache);
            return self.for_each_match_below(routing_key, f);
        }
        let key = routing_key.as_bytes();
        let hash = keys::hash_key(key);
        let hit = cache.get(hash, key);
        cache.count(hit.is_some());
        if let Some(entry) = hit {
            cache.answer(entry).iter().copied().for_each(f);
            return;
        }
        let mut answer = cache.take_scratch();
        self.for_each_match_below(routing_key, |t| answer.push(t));
        if cache.admits(hash, answer.len(), key.len()) {
            cache.insert(hash, key, &answer);
        }
        answer.iter().copied().for_each(&mut f);
        cache.put_scratch(answer);
    }

    /// What the key cache asks on a miss: the DFA, or the walk when the DFA
    /// is busy (a re-entrant call) or declines (at a bound, or bypassed).
    fn for_each_match_below(&self, routing_key: &str, f: impl FnMut(T)) {
        if let Ok(mut dfa) = self.dfa.try_borrow_mut() {
            if let Some(matches) = self.route_cached(&mut dfa, routing_key) {
                matches.iter().copied().for_each(f);
                return;
            }
        }
        self.walk(routing_key, f);
    }

    fn clear_caches(&mut self) {
        self.keys.get_mut().clear();
        self.dfa.get_mut().clear();
        *self.pack.get_mut() = Pack::default();
    }

    /// [`for_each_match`](Self::for_each_match) without the routing cache:
    /// the walk of the module documentation, every time. Reports the same
    /// ids in the same order; here so benchmarks can measure what a key
    /// shape costs the first time it is seen. Like routing, it counts
    /// towards packing the trie (see [`is_packed`](Self::is_packed)).
    pub fn for_each_match_uncached(&self, routing_key: &str, f: impl FnMut(T)) {
        self.walk(routing_key, f);
    }

    /// Whether the walk reads the packed copy of the trie: a layout for the
    /// CPU's caches that the trie builds for itself once as many walks as
    /// it has nodes (plus 256) have happened since the last insert or
    /// remove, and drops at the next. It changes no answer, only speed;
    /// here for benchmarks and tests.
    pub fn is_packed(&self) -> bool {
        self.pack
            .try_borrow()
            .is_ok_and(|pack| pack.packed().is_some())
    }

    /// The walk of the module documentation, entering only nodes whose
    /// bindings the rest of the key may meet (the `need` module): over the
    /// packed copy of the trie once there is one (the `packed` module),
    /// which walks the same way and reports the same.
    fn walk(&self, routing_key: &str, f: impl FnMut(T)) {
        // A re-entrant call (from `f`) finds the copy borrowed: it may still
        // read it, but neither counts nor builds.
        if let Ok(mut pack) = self.pack.try_borrow_mut() {
            pack.count_walk(self);
        }
        if let Ok(pack) = self.pack.try_borrow() {
            if let Some(packed) = pack.packed() {
                return packed.walk(self, routing_key, f);
            }
        }
        self.walk_nodes(routing_key, f);
    }

    /// The walk over the trie's own nodes.
    fn walk_nodes(&self, routing_key: &str, mut f: impl FnMut(T)) {
        let mut frontier = Frontier::new();
        let (from, to) = self.walk_sets(self, routing_key, &mut frontier);
        for i in from..to {
            for &(t, _) in &self.nodes[frontier.get(i) as usize].ids {
                f(t);
            }
        }
    }

    /// The walk's sets over the nodes of `layout`, word by word, into
    /// `frontier`; returns where the last one lies in it (empty when the
    /// walk died early). Apart from [`walk`](Self::walk), which is compiled
    /// once per caller's closure, so that this is compiled once per trie
    /// type and layout.
    fn walk_sets(
        &self,
        layout: &impl Layout,
        routing_key: &str,
        frontier: &mut Frontier,
    ) -> (usize, usize) {
        let bytes = routing_key.as_bytes();
        let (mut rest, last) = self.rest_of(bytes);
        // Word by word: each segment of the frontier holds the nodes whose
        // binding-key prefix matches the words read so far.
        layout.admit(frontier, ROOT, rest);
        let mut start = 0;
        // Words are looked up as they are reached, so a walk that dies
        // early skips the rest.
        while !bytes.is_empty() {
            if frontier.segment_is_empty() {
                return (0, 0);
            }
            let end = find_dot(bytes, start);
            // NONE when no edge carries the word: only wildcards can match it.
            let word = if end == bytes.len() {
                last
            } else {
                self.words.get(&bytes[start..end])
            };
            rest = rest.next();
            let (from, to) = frontier.begin_segment();
            for i in from..to {
                let id = frontier.get(i);
                layout.step(frontier, id, word, rest);
            }
            if end == bytes.len() {
                break;
            }
            start = end + 1;
        }
        frontier.begin_segment()
    }

    /// The whole key as the walk's pruning sees it, and the id of its last
    /// word.
    fn rest_of(&self, key: &[u8]) -> (Rest, WordId) {
        // `""` has no words; otherwise every `.` ends one.
        if key.is_empty() {
            return (Rest::new(0, NONE), NONE);
        }
        let dots = key.iter().filter(|&&b| b == b'.').count();
        let from = key.iter().rposition(|&b| b == b'.').map_or(0, |p| p + 1);
        let last = self.words.get(&key[from..]);
        (Rest::new(dots + 1, last), last)
    }

    /// Adds to the segment being built the nodes that node `id` leads to on
    /// `word`: itself if a `#` led to it, its `*` child, and its literal
    /// child for `word`; those the `rest` of the key after `word` may
    /// meet, if given.
    #[inline]
    fn advance(&self, frontier: &mut Frontier, id: NodeId, word: WordId, rest: Option<Rest>) {
        let node = &self.nodes[id as usize];
        if node.is_hash {
            // The `#` that led here swallows this word too.
            self.enter(frontier, id, rest);
        }
        if node.star != NONE {
            self.enter(frontier, node.star, rest);
        }
        if word != NONE {
            if let Some(child) = node.literals.get(word) {
                self.enter(frontier, child, rest);
            }
        }
    }

    /// Adds a node to the segment being built, with the `#` children below
    /// it, which match zero words; if `rest` is given, only while their
    /// bindings may meet it (a `#` child's summary is within its
    /// parent's, so the chain stops at the first node that fails). Only
    /// nodes below two or more `#` edges can arrive twice (see the module
    /// documentation), so only they pay for a duplicate check.
    #[inline]
    fn enter(&self, frontier: &mut Frontier, mut id: NodeId, rest: Option<Rest>) {
        loop {
            let node = &self.nodes[id as usize];
            if rest.is_some_and(|rest| !node.need.admits(rest)) {
                return;
            }
            if node.hashes_above >= 2 && frontier.segment_contains(id) {
                return;
            }
            frontier.push(id);
            if node.hash == NONE {
                return;
            }
            id = node.hash;
        }
    }

    /// The ids reached by `routing_key`, sorted and without duplicates.
    pub fn matches(&self, routing_key: &str) -> Vec<T> {
        let mut out = Vec::new();
        self.for_each_match(routing_key, |t| out.push(t));
        out.sort_unstable();
        out.dedup();
        out
    }

    /// Adds a child on `word` under `parent`; returns it and the edge to it.
    fn add_child(&mut self, parent: NodeId, word: &str) -> (NodeId, Edge) {
        let is_hash = word == "#";
        let above = self.nodes[parent as usize].hashes_above;
        let node = Node::new(is_hash, above.saturating_add(u8::from(is_hash)));
        let id = match self.free.pop() {
            Some(id) => {
                self.nodes[id as usize] = node;
                id
            }
            None => {
                self.nodes.push(node);
                index(self.nodes.len() - 1)
            }
        };
        let edge = match word {
            "*" => {
                self.nodes[parent as usize].star = id;
                Edge::Star
            }
            "#" => {
                self.nodes[parent as usize].hash = id;
                Edge::Hash
            }
            _ => {
                let w = self.words.acquire(word);
                self.nodes[parent as usize].literals.insert(w, id);
                Edge::Literal(w)
            }
        };
        (id, edge)
    }

    /// Nodes in use, root included (for tests of pruning).
    #[cfg(test)]
    pub(crate) fn node_count(&self) -> usize {
        self.nodes.len() - self.free.len()
    }

    /// Panics if the structure is inconsistent: every node in use is
    /// reachable exactly once, free slots are unused, counts add up, and
    /// every interned word is used by exactly as many edges as it counts.
    #[cfg(test)]
    pub(crate) fn check_invariants(&self) {
        let mut reached = vec![0_u32; self.nodes.len()];
        let mut word_refs = vec![0_u32; self.words.entries.len()];
        let mut todo = vec![ROOT];
        let mut total = 0_usize;
        while let Some(id) = todo.pop() {
            reached[id as usize] += 1;
            let node = &self.nodes[id as usize];
            assert!(node.ids.windows(2).all(|w| w[0].0 < w[1].0), "ids unsorted");
            assert!(node.ids.iter().all(|&(_, n)| n > 0), "zero count");
            total += node.ids.iter().map(|&(_, n)| n as usize).sum::<usize>();
            assert!(id == ROOT || !node.is_unused(), "unpruned node {id}");
            let mut children = Vec::new();
            for (w, c) in node.literals.children() {
                word_refs[w as usize] += 1;
                children.push(c);
            }
            children.extend([node.star, node.hash].into_iter().filter(|&c| c != NONE));
            // Summaries cover what the children's ask; exactly, but where
            // removals left a node with many children its wider one.
            let need = self.need_of(node, &node.literals.children());
            match node.literals {
                Literals::Many(_) => assert!(node.need.covers(need), "summary of {id}"),
                _ => assert_eq!(node.need, need, "summary of {id}"),
            }
            for c in children {
                let child = &self.nodes[c as usize];
                assert_eq!(child.is_hash, node.hash == c, "is_hash of {c}");
                let expect = node.hashes_above.saturating_add(u8::from(child.is_hash));
                assert_eq!(child.hashes_above, expect, "hashes_above of {c}");
                todo.push(c);
            }
        }
        assert_eq!(total, self.len, "len");
        for &f in &self.free {
            assert_eq!(reached[f as usize], 0, "free node {f} reachable");
        }
        let live = reached.iter().filter(|&&r| r > 0).count();
        assert!(reached.iter().all(|&r| r <= 1), "node reached twice");
        assert_eq!(live + self.free.len(), self.nodes.len(), "leaked node");
        let refs: Vec<u32> = self.words.entries.iter().map(|e| e.refs).collect();
        assert_eq!(word_refs, refs, "word reference counts");
        let live = refs.iter().filter(|&&r| r > 0).count();
        assert_eq!(live, self.words.live, "live words");
        assert_eq!(live + self.words.free.len(), refs.len(), "leaked word");
        let slotted: Vec<Slot> = self
            .words
            .slots
            .iter()
            .copied()
            .filter(|s| s.id != NONE)
            .collect();
        assert_eq!(slotted.len(), live, "slots");
        for s in slotted {
            let e = &self.words.entries[s.id as usize];
            assert!(e.refs > 0, "freed word in a slot");
            assert_eq!(
                (s.head, s.len as usize),
                (head_u64(&e.text), e.text.len()),
                "slot of {:?}",
                e.text
            );
            assert_eq!(self.words.get(&e.text), s.id, "word unreachable by probing");
        }
    }
}

/// The index of the first `.` in `bytes` from `from` on, or `bytes.len()`.
/// Eight bytes at a time: a routing decision spends about a tenth of its
/// time finding word ends when it goes byte by byte.
#[inline]
pub(crate) fn find_dot(bytes: &[u8], from: usize) -> usize {
    const DOTS: u64 = 0x2e2e_2e2e_2e2e_2e2e;
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    let mut i = from;
    while let Some(chunk) = bytes.get(i..i + 8).and_then(|c| c.first_chunk::<8>()) {
        // A zero byte of `x` is a dot. The lowest flagged byte is always a
        // true zero (false flags only sit above a true one).
        let x = u64::from_le_bytes(*chunk) ^ DOTS;
        let zeros = x.wrapping_sub(ONES) & !x & HIGHS;
        if zeros != 0 {
            return i + (zeros.trailing_zeros() / 8) as usize;
        }
        i += 8;
    }
    bytes[i.min(bytes.len())..]
        .iter()
        .position(|&b| b == b'.')
        .map_or(bytes.len(), |p| i + p)
}

/// The words of a key without allocating; `""` has none.
fn split_words(key: &str) -> impl Iterator<Item = &str> {
    let mut it = key.split('.');
    if key.is_empty() {
        it.next();
    }
    it
}

/// The walk's sets of nodes, one segment per key position, appended one
/// after the other: inline while few, so routing does not allocate, then on
/// the heap. Duplicate checks scan a segment while it is short and use a
/// hash set beyond, so `#.#.#…` patterns stay linear.
struct Frontier {
    inline: [NodeId; INLINE],
    len: usize,
    spill: Vec<NodeId>,
    // Start of the segment being built.
    segment: usize,
    // The members of that segment, once it outgrows scanning; else empty.
    index: HashSet<NodeId, FxBuildHasher>,
}

impl Frontier {
    fn new() -> Self {
        Self {
            inline: [NONE; INLINE],
            len: 0,
            spill: Vec::new(),
            segment: 0,
            index: HashSet::default(),
        }
    }

    /// Closes the segment being built and starts the next; returns the
    /// closed segment's range.
    fn begin_segment(&mut self) -> (usize, usize) {
        let closed = (self.segment, self.len);
        self.segment = self.len;
        if !self.index.is_empty() {
            self.index.clear();
        }
        closed
    }

    fn segment_is_empty(&self) -> bool {
        self.segment == self.len
    }

    /// The `i`-th node; `i < len`.
    #[inline]
    fn get(&self, i: usize) -> NodeId {
        match i.checked_sub(self.inline.len()) {
            None => self.inline[i],
            Some(j) => self.spill.get(j).copied().unwrap_or(NONE),
        }
    }

    #[inline]
    fn push(&mut self, id: NodeId) {
        match self.inline.get_mut(self.len) {
            Some(slot) => *slot = id,
            None => self.spill.push(id),
        }
        self.len += 1;
        if !self.index.is_empty() {
            self.index.insert(id);
        }
    }

    fn segment_contains(&mut self, id: NodeId) -> bool {
        if self.len - self.segment <= SCAN {
            return (self.segment..self.len).any(|i| self.get(i) == id);
        }
        if self.index.is_empty() {
            let members: Vec<NodeId> = (self.segment..self.len).map(|i| self.get(i)).collect();
            self.index.extend(members);
        }
        self.index.contains(&id)
    }
}

/// Firefox/rustc's multiplicative hash: a few cycles per 8 bytes, where
/// std's SipHash costs about as much as the rest of a routing decision.
/// It is not DoS-resistant; a playground's binding keys come from its user.
/// Being unseeded, it also keeps the core free of OS entropy.
#[derive(Clone, Copy, Default)]
pub(crate) struct FxHasher {
    hash: u64,
}

pub(crate) type FxBuildHasher = BuildHasherDefault<FxHasher>;

const FX_SEED: u64 = 0x51_7c_c1_b7_27_22_0a_95;

impl FxHasher {
    #[inline]
    fn add(&mut self, word: u64) {
        self.hash = (self.hash.rotate_left(5) ^ word).wrapping_mul(FX_SEED);
    }
}

impl Hasher for FxHasher {
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            self.add(head_u64(chunk));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            self.add(head_u64(rest));
        }
    }

    #[inline]
    fn write_u8(&mut self, i: u8) {
        self.add(i.into());
    }

    #[inline]
    fn write_u32(&mut self, i: u32) {
        self.add(i.into());
    }

    #[inline]
    fn write_u64(&mut self, i: u64) {
        self.add(i);
    }

    #[inline]
    fn write_usize(&mut self, i: usize) {
        self.add(i as u64);
    }

    #[inline]
    fn finish(&self) -> u64 {
        self.hash
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use packed::Packed;
    use proptest::prelude::*;

    /// (binding key, routing key, matches) from semantics §1.1–1.2.
    const CASES: &[(&str, &str, bool)] = &[
        ("", "", true),
        ("", "a", false),
        ("a", "", false),
        ("#", "", true),
        ("#.#", "", true),
        ("#.#.#", "", true),
        ("*", "", false),
        ("*.#", "", false),
        ("#.*", "", false),
        ("*", ".", false),
        ("*.*", ".", true),
        ("*.*", "a.", true),
        ("*.*", ".a", true),
        ("*", "a", true),
        ("a.*", "a.", true),
        ("a.*", "a", false),
        ("a..b", "a..b", true),
        ("a.*.b", "a..b", true),
        ("a.#.b", "a.b", true),
        ("a.#.b", "a.x.y.b", true),
        ("a.#.b", "a.b.b", true),
        ("a.#.b", "a.b.c", false),
        ("#.a.#", "a", true),
        ("#.a.#", "x.a.y", true),
        ("#.a.#", "x.y", false),
        ("#", "#", true),
        ("a.b", "a.*", false),
        ("a*", "ab", false),
        ("a*", "a*", true),
        ("simply#carrots", "simplycarrots", false),
        ("A", "a", false),
        ("Ä.b", "ä.b", false),
        ("ä.*", "ä.ö", true),
        ("#.#.#.#.#.z", "a.a.a.a.a.a.a.z", true),
        ("#.#.#.#.#.z", "a.a.a.a.a.a.a.y", false),
        ("*.#.*", "a", false),
        ("*.#.*", "a.b", true),
        ("#.*.#", "a", true),
    ];

    #[test]
    fn reference_matcher_follows_the_rules() {
        for &(b, k, want) in CASES {
            assert_eq!(topic_matches(b, k), want, "{b:?} vs {k:?}");
        }
    }

    #[test]
    fn trie_agrees_with_the_rules() {
        for &(b, k, want) in CASES {
            let mut trie = TopicTrie::new();
            trie.insert(b, 7_u8);
            trie.check_invariants();
            let got = trie.matches(k);
            assert_eq!(got == [7], want, "{b:?} vs {k:?}: {got:?}");
        }
    }

    #[test]
    fn several_ids_share_a_key_and_copies_count() {
        let mut trie = TopicTrie::new();
        trie.insert("a.*", 2_u32);
        trie.insert("a.*", 1);
        trie.insert("a.*", 1);
        trie.insert("#", 1);
        assert_eq!(trie.len(), 4);
        let mut calls = Vec::new();
        trie.for_each_match("a.b", |t| calls.push(t));
        calls.sort_unstable();
        // One call per distinct (key, id): (a.*, 1), (a.*, 2), (#, 1).
        assert_eq!(calls, [1, 1, 2]);
        assert_eq!(trie.matches("a.b"), [1, 2]);
        assert!(trie.remove("a.*", 1));
        assert_eq!(trie.matches("a.b"), [1, 2]);
        assert!(trie.remove("a.*", 1));
        assert!(!trie.remove("a.*", 1));
        assert!(trie.remove("#", 1));
        assert_eq!(trie.matches("a.b"), [2]);
        trie.check_invariants();
    }

    #[test]
    fn removing_everything_prunes_every_node() {
        let keys = ["a.b.c", "a.#.c", "#", "*.*", "", "a..", "#.#.x", "ä.*"];
        let mut trie = TopicTrie::new();
        for (i, k) in keys.iter().enumerate() {
            trie.insert(k, i);
        }
        assert!(trie.node_count() > 10);
        trie.check_invariants();
        assert!(!trie.remove("a.b", 0), "prefix of a key is not a binding");
        assert!(!trie.remove("a.b.c", 1), "wrong id");
        assert!(!trie.remove("zz.top", 1), "unknown key");
        for (i, k) in keys.iter().enumerate() {
            assert!(trie.remove(k, i), "{k}");
            trie.check_invariants();
        }
        assert!(trie.is_empty());
        assert_eq!(trie.node_count(), 1);
        // Freed slots are reused.
        let arena = trie.nodes.len();
        trie.insert("q.r.s", 1);
        assert_eq!(trie.nodes.len(), arena);
        trie.check_invariants();
    }

    #[test]
    #[cfg(target_pointer_width = "64")]
    fn a_node_fits_a_cache_line() {
        assert!(size_of::<Node<u32>>() <= 64);
    }

    #[test]
    fn summaries_narrow_after_removals_except_under_many_children() {
        let mut trie = TopicTrie::new();
        trie.insert("a.b.c.d", 1_u32);
        trie.insert("a.#", 2);
        assert_eq!(trie.matches("a.b.c.d.e"), [2]);
        assert!(trie.remove("a.#", 2));
        trie.check_invariants();
        // Only `a.b.c.d` is left: 4-word keys ending in `d`.
        let (d, c) = (trie.words.get(b"d"), trie.words.get(b"c"));
        let root = trie.nodes[ROOT as usize].need;
        assert!(root.admits(Rest::new(4, d)));
        assert!(!root.admits(Rest::new(5, d)), "the `#` is gone");
        assert!(!root.admits(Rest::new(4, c)));
        assert_eq!(trie.matches("a.b.c.d"), [1]);
        assert!(trie.matches("a.b.c.d.e").is_empty());
        // A root of many first words keeps the wider summary, and routes
        // the same.
        for i in 0..20_u32 {
            trie.insert(&format!("w{i}.x"), i);
        }
        trie.insert("w0.#", 30);
        assert!(trie.remove("w0.#", 30));
        trie.check_invariants();
        assert!(trie.nodes[ROOT as usize].need.admits(Rest::new(5, d)));
        assert!(trie.matches("w0.x.y").is_empty());
        assert_eq!(trie.matches("w0.x"), [0]);
        assert_eq!(trie.matches("a.b.c.d"), [1]);
    }

    #[test]
    fn many_literal_children_switch_to_a_map_and_back() {
        let mut trie = TopicTrie::new();
        for i in 0..100_u32 {
            trie.insert(&format!("w{i}.x"), i);
        }
        assert!(matches!(trie.nodes[0].literals, Literals::Many(_)));
        for i in 0..100_u32 {
            assert_eq!(trie.matches(&format!("w{i}.x")), [i]);
        }
        for i in 0..100_u32 {
            assert!(trie.remove(&format!("w{i}.x"), i));
        }
        trie.check_invariants();
        assert_eq!(trie.node_count(), 1);
    }

    #[test]
    fn words_of_every_length_are_told_apart() {
        // Words up to 8 bytes are compared through `head_u64` alone.
        let mut trie = TopicTrie::new();
        let mut words = Vec::new();
        for len in 0..20 {
            for pos in 0..len {
                for byte in [b'a', b'b', 0xc3] {
                    let mut w = vec![b'a'; len];
                    w[pos] = byte;
                    if let Ok(w) = String::from_utf8(w) {
                        words.push(w);
                    }
                }
            }
            words.push("a".repeat(len));
        }
        words.push("é".into());
        words.push("\u{0}".into());
        words.sort();
        words.dedup();
        for (i, w) in words.iter().enumerate() {
            trie.insert(&format!("{w}.x"), i);
        }
        trie.check_invariants();
        for (i, w) in words.iter().enumerate() {
            assert_eq!(trie.matches(&format!("{w}.x")), [i], "{w:?}");
        }
        assert!(trie.matches("aaaaaaaaaaaaaaaaaaaaa.x").is_empty());
    }

    #[test]
    fn frontier_segments_deduplicate_past_the_scan_limit() {
        let mut fr = Frontier::new();
        for round in 0..4_u32 {
            fr.begin_segment();
            let mut want = std::collections::BTreeSet::new();
            for i in 0..300_u32 {
                let id = (i * 7919 + round) % 173;
                if !fr.segment_contains(id) {
                    fr.push(id);
                }
                want.insert(id);
            }
            let (from, to) = fr.begin_segment();
            let mut got: Vec<NodeId> = (from..to).map(|i| fr.get(i)).collect();
            got.sort_unstable();
            assert_eq!(got, want.into_iter().collect::<Vec<_>>(), "round {round}");
        }
    }

    #[test]
    fn many_hash_bindings_agree_with_the_reference() {
        // Sets past the scan limit: dozens of nodes below two `#`s are live
        // at every position.
        let mut trie = TopicTrie::new();
        let mut bindings = Vec::new();
        for i in 0..120_u32 {
            let mut k = String::from("#.#");
            for j in 0..(i % 6) {
                k.push_str(if (i + j) % 3 == 0 { ".*" } else { ".#" });
            }
            k.push_str(&format!(".w{}", i % 7));
            trie.insert(&k, i);
            bindings.push((k, i));
        }
        for key in [
            "w1",
            "a.w3",
            "w0.w1.w2.w3.w4.w5.w6",
            &vec!["w2"; 25].join("."),
            "",
        ] {
            let want: Vec<u32> = bindings
                .iter()
                .filter(|(b, _)| topic_matches(b, key))
                .map(|&(_, i)| i)
                .collect();
            assert_eq!(trie.matches(key), want, "{key}");
        }
    }

    #[test]
    fn many_hashes_stay_polynomial() {
        // RabbitMQ 3.10 needs minutes for the larger of these (semantics §1.4).
        let binding = vec!["#"; 15].join(".") + ".z";
        let key = vec!["a"; 40].join(".");
        let mut trie = TopicTrie::new();
        trie.insert(&binding, 1_u8);
        trie.insert("#.#.#.#.#.z", 2);
        assert!(trie.matches(&key).is_empty());
        assert_eq!(trie.matches(&(key.clone() + ".z")), [1, 2]);
        assert!(!topic_matches(&binding, &key));
        assert!(topic_matches(&binding, &(key + ".z")));
    }

    #[test]
    fn odd_inputs_do_not_panic() {
        let long = "x".repeat(10_000);
        let dots = ".".repeat(1_000);
        let mixed = "é.🐇.\u{0}. .\t".repeat(50);
        let keys = [
            long.as_str(),
            dots.as_str(),
            mixed.as_str(),
            "",
            ".",
            "#",
            "*",
        ];
        let mut trie = TopicTrie::new();
        for (i, k) in keys.iter().enumerate() {
            trie.insert(k, i);
        }
        trie.insert(&dots.replace('.', "#."), 99);
        for k in keys {
            let got = trie.matches(k);
            let want: Vec<usize> = keys
                .iter()
                .enumerate()
                .filter(|(_, b)| topic_matches(b, k))
                .map(|(i, _)| i)
                .chain(topic_matches(&dots.replace('.', "#."), k).then_some(99))
                .collect();
            assert_eq!(got, want, "{:?}", &k[..k.len().min(20)]);
        }
    }

    #[test]
    fn find_dot_agrees_with_a_byte_scan() {
        let keys = [
            "",
            ".",
            "a",
            "a.",
            ".a",
            "abcdefgh.i",
            "abcdefghijklmnop",
            "abcdefg.h",
            "..........",
            "é.ü.🐇.x",
            "\u{2e}\u{ae}.\u{2f}\u{ff}",
            "a\u{0}.b",
        ];
        for key in keys {
            let b = key.as_bytes();
            for from in 0..=b.len() {
                let want = b[from..]
                    .iter()
                    .position(|&c| c == b'.')
                    .map_or(b.len(), |p| from + p);
                assert_eq!(find_dot(b, from), want, "{key:?} from {from}");
            }
        }
        // Every byte value next to a dot, at every offset of a chunk.
        for byte in 0..=255_u8 {
            for at in 0..16 {
                let mut b = vec![byte; 24];
                b[at] = b'.';
                let want = b.iter().position(|&c| c == b'.').unwrap_or(b.len());
                assert_eq!(find_dot(&b, 0), want, "byte {byte} dot at {at}");
            }
        }
    }

    #[test]
    fn the_cache_is_cleared_by_changes_and_not_shared_by_clones() {
        let mut trie = TopicTrie::new();
        trie.insert("a.*", 1_u32);
        assert_eq!(trie.matches("a.b"), [1]);
        assert!(trie.dfa.borrow().state_count() > 0);
        let clone = trie.clone();
        assert_eq!(clone.dfa.borrow().state_count(), 0);
        trie.insert("a.b", 2);
        assert_eq!(trie.dfa.borrow().state_count(), 0);
        assert_eq!(trie.matches("a.b"), [1, 2]);
        assert!(trie.remove("a.*", 1));
        assert_eq!(trie.matches("a.b"), [2]);
        assert!(!trie.remove("a.*", 1), "a failed removal changes nothing");
        assert_eq!(trie.matches("a.b"), [2]);
        assert_eq!(clone.matches("a.b"), [1]);
    }

    #[test]
    fn unknown_words_share_one_transition() {
        let mut trie = TopicTrie::new();
        trie.insert("order.*.created", 1_u32);
        for i in 0..1_000 {
            assert_eq!(trie.matches(&format!("order.{i}.created")), [1]);
        }
        // Start, `order`, `order.<any>`, `order.<any>.created`.
        assert_eq!(trie.dfa.borrow().state_count(), 4);
    }

    /// The ids the DFA (or the walk it falls back to) reports, sorted: the
    /// key cache in front of it would answer repeated keys itself.
    fn below(trie: &TopicTrie<u32>, key: &str) -> Vec<u32> {
        let mut out = Vec::new();
        trie.for_each_match_below(key, |t| out.push(t));
        out.sort_unstable();
        out
    }

    #[test]
    fn a_full_cache_starts_over_and_routes_the_same() {
        // The DFA alone. Each key ends in its own state, so the state bound
        // is reached.
        let mut trie = TopicTrie::new();
        let n = u32::try_from(dfa::MAX_STATES).unwrap() + 100;
        for i in 0..n {
            trie.insert(&format!("w{i}"), i);
        }
        trie.insert("#", n);
        let route_all = |trie: &TopicTrie<u32>| {
            for i in 0..n {
                assert_eq!(below(trie, &format!("w{i}")), [i, n], "w{i}");
            }
            assert!(trie.dfa.borrow().state_count() <= dfa::MAX_STATES);
        };
        // Every lookup of the filling missed: routing bypasses the cache
        // for as many decisions as the filling took (all but the last 100
        // of the next round), and routes the same meanwhile.
        route_all(&trie);
        assert!(trie.dfa.borrow().bypassing());
        route_all(&trie);
        assert!(!trie.dfa.borrow().bypassing());
        // A change of bindings ends a bypass.
        route_all(&trie);
        assert!(trie.dfa.borrow().bypassing());
        trie.insert("w0", 0);
        assert!(!trie.dfa.borrow().bypassing());
        assert_eq!(below(&trie, "w0"), [0, n]);
        assert_eq!(trie.dfa.borrow().state_count(), 2);
    }

    #[test]
    fn a_good_filling_does_not_bypass() {
        // The DFA alone.
        // Few shapes, asked many times, then a flood of new ones: the
        // filling's hit rate is high, so the cache starts over at once.
        let mut trie = TopicTrie::new();
        let n = u32::try_from(dfa::MAX_STATES).unwrap();
        for i in 0..n {
            trie.insert(&format!("w{i}"), i);
        }
        for _ in 0..1_000 {
            for i in 0..100 {
                assert_eq!(below(&trie, &format!("w{i}")), [i]);
            }
        }
        for i in 0..n {
            assert_eq!(below(&trie, &format!("w{i}")), [i]);
        }
        assert!(!trie.dfa.borrow().bypassing());
    }

    #[test]
    fn a_skipped_key_cache_routes_the_same() {
        // A small key cache under ever-new keys starts skipping itself;
        // decisions meanwhile (through the DFA or the walk) report what the
        // walk reports, and repeated keys win the cache back.
        let mut trie = TopicTrie::new();
        *trie.keys.get_mut() = KeyCache::with_bounds(16, 1 << 16);
        trie.insert("a.*.c", 1_u32);
        trie.insert("a.#", 2);
        trie.insert("#.c", 3);
        let check = |trie: &TopicTrie<u32>, key: &str| {
            let (mut cached, mut walked) = (Vec::new(), Vec::new());
            trie.for_each_match(key, |t| cached.push(t));
            trie.walk(key, |t| walked.push(t));
            assert_eq!(cached, walked, "{key}");
        };
        let window = keys::WINDOW as usize;
        let mut skipped = false;
        for i in 0..4 * window {
            check(&trie, &format!("a.{i}.c"));
            skipped |= trie.keys.borrow().skipping();
        }
        assert!(skipped);
        for i in 0..(4 + 8) * window {
            check(&trie, &format!("a.{}.c", i % 4));
        }
        assert!(!trie.keys.borrow().skipping());
    }

    #[test]
    fn a_reentrant_call_walks_instead_of_panicking() {
        let mut trie = TopicTrie::new();
        trie.insert("a.#", 1_u32);
        trie.insert("#", 2);
        let mut inner = Vec::new();
        trie.for_each_match("a.b", |t| {
            trie.for_each_match("a", |u| inner.push((t, u)));
        });
        inner.sort_unstable();
        assert_eq!(inner, [(1, 1), (1, 2), (2, 1), (2, 2)]);
    }

    /// Keys in the shape of the routing bench family: an optional group
    /// word, then words of a seven-word vocabulary, in bindings with `*`
    /// and `#` at a share drawn per case (the bench's light, wild and
    /// plausible mixes and beyond).
    fn family_words(
        star: u32,
        hash: u32,
        len: std::ops::Range<usize>,
        groups: u32,
    ) -> impl Strategy<Value = String> {
        const VOCAB: [&str; 7] = ["red", "green", "blue", "eu", "us", "info", "error"];
        let word = (0_u32..100, 0_usize..7).prop_map(move |(r, w)| {
            if r < star {
                "*"
            } else if r < star + hash {
                "#"
            } else {
                VOCAB[w]
            }
        });
        (0..groups.max(1), prop::collection::vec(word, len)).prop_map(move |(g, words)| {
            let tail = words.join(".");
            if groups > 0 {
                format!("g{g}.{tail}")
            } else {
                tail
            }
        })
    }

    fn family_case() -> impl Strategy<Value = (Vec<String>, Vec<String>, Vec<usize>)> {
        (
            prop_oneof![
                Just((10, 3)),
                Just((25, 10)),
                Just((15, 12)),
                Just((40, 30))
            ],
            // No group word, a few, or more than a packed node scans (so
            // the packed root is a table).
            prop_oneof![Just(0), Just(4), Just(40)],
        )
            .prop_flat_map(|((star, hash), groups)| {
                (
                    prop::collection::vec(family_words(star, hash, 1..7, groups), 1..120),
                    prop::collection::vec(family_words(0, 0, 1..7, groups), 1..40),
                    // A skewed stream over the keys: low indexes come often.
                    prop::collection::vec((0.0_f64..1.0).prop_map(|u| u * u * u), 1..200),
                )
            })
            .prop_map(|(bindings, keys, stream)| {
                let n = keys.len() as f64;
                let stream = stream.iter().map(|u| (u * n) as usize).collect();
                (bindings, keys, stream)
            })
    }

    /// What the walk over the trie's own nodes reports, in its order.
    fn walk_nodes<T: Copy + Ord>(trie: &TopicTrie<T>, key: &str) -> Vec<T> {
        let mut out = Vec::new();
        trie.walk_nodes(key, |t| out.push(t));
        out
    }

    fn key_strategy(words: &'static [&'static str]) -> impl Strategy<Value = String> {
        prop::collection::vec(prop::sample::select(words), 0..7).prop_map(|w| w.join("."))
    }

    const BINDING_WORDS: &[&str] = &["a", "b", "", "*", "#", "a*", "ä"];
    const KEY_WORDS: &[&str] = &["a", "b", "", "*", "#", "ä"];

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        /// The trie agrees with the reference matcher after any sequence of
        /// inserts and removals.
        #[test]
        fn trie_matches_reference(
            bindings in prop::collection::vec((key_strategy(BINDING_WORDS), 0_u8..6), 0..40),
            removals in prop::collection::vec(any::<prop::sample::Index>(), 0..20),
            keys in prop::collection::vec(key_strategy(KEY_WORDS), 1..20),
        ) {
            let mut trie = TopicTrie::new();
            let mut live = bindings.clone();
            for (k, id) in &bindings {
                trie.insert(k, *id);
            }
            for r in removals {
                if live.is_empty() {
                    break;
                }
                let (k, id) = live.remove(r.index(live.len()));
                prop_assert!(trie.remove(&k, id));
            }
            trie.check_invariants();
            prop_assert_eq!(trie.len(), live.len());
            let packed = Packed::build(&trie);
            for key in &keys {
                // The cache (asked twice: cold, then warm) and the packed
                // copy report what the walk reports, in the same order.
                let walked = walk_nodes(&trie, key);
                for _ in 0..2 {
                    let mut cached = Vec::new();
                    trie.for_each_match(key, |t| cached.push(t));
                    prop_assert_eq!(&cached, &walked, "key {:?}", key);
                }
                let mut from_packed = Vec::new();
                packed.walk(&trie, key, |t| from_packed.push(t));
                prop_assert_eq!(&from_packed, &walked, "key {:?}", key);
                let mut want: Vec<u8> =
                    live.iter().filter(|(b, _)| topic_matches(b, key)).map(|&(_, id)| id).collect();
                want.sort_unstable();
                want.dedup();
                prop_assert_eq!(trie.matches(key), want, "key {:?}", key);
            }
        }

        /// The bench family's distributions, with a key cache small enough
        /// to evict: every decision, hit or miss, reports what the walk
        /// reports in the same order, and the reference's ids.
        #[test]
        fn cached_walked_and_reference_agree_on_bench_mixes(
            (bindings, keys, stream) in family_case(),
            entries_log2 in 1_u32..5,
        ) {
            let mut trie = TopicTrie::new();
            *trie.keys.get_mut() = KeyCache::with_bounds(1 << entries_log2, 1 << 12);
            for (i, b) in bindings.iter().enumerate() {
                trie.insert(b, u16::try_from(i).unwrap());
            }
            let packed = Packed::build(&trie);
            for &i in &stream {
                let key = &keys[i];
                let walked = walk_nodes(&trie, key);
                let (mut cached, mut from_packed) = (Vec::new(), Vec::new());
                trie.for_each_match(key, |t| cached.push(t));
                prop_assert_eq!(&cached, &walked, "key {:?}", key);
                packed.walk(&trie, key, |t| from_packed.push(t));
                prop_assert_eq!(&from_packed, &walked, "key {:?}", key);
                cached.sort_unstable();
                let want: Vec<u16> = bindings
                    .iter()
                    .enumerate()
                    .filter(|(_, b)| topic_matches(b, key))
                    .map(|(i, _)| u16::try_from(i).unwrap())
                    .collect();
                prop_assert_eq!(cached, want, "key {:?}", key);
            }
        }
    }
}
