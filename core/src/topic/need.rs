//! What the bindings at and below a trie node still need of a routing key,
//! so the walk can drop a node none of them can match before following any
//! of its edges.
//!
//! # Why
//!
//! The walk keeps every node whose binding-key prefix matches the words
//! read so far. Where a group's upper levels are dense (a few words plus
//! `*` and `#` at every node), each key word about triples those prefixes
//! and most of them die at the key's last words: the walk's work followed
//! the prefixes, not the matches. But the walk knows two things about the
//! rest of the key before it starts: how many words are left, and which
//! word is the last. Each node keeps a [`Need`], a summary of the bindings
//! at and below it: the fewest and the most words they still take, and the
//! words they can end on. A node whose summary rules the rest of the key
//! out is not entered, so neither it nor anything below it is visited.
//!
//! # Exactness
//!
//! A summary may claim more than the bindings below need (then it prunes
//! less), never less; and a node's summary covers what each child's summary
//! claims through the edge to it (see [`Need::through`]). So a node the
//! pruned walk keeps was reached through nodes it also keeps, and its sets
//! are the unpruned walk's minus nodes that lead to no match, each in the
//! same order: the same matches, in the same order. Inserts only widen
//! summaries; removals recompute them along the binding's path, except at
//! nodes with many literal children, which keep their wider summary rather
//! than read every child (a root of 100,000 first words).
//!
//! The DFA cache (`dfa`) does not prune: its states stand for keys of any
//! length and last word.

use super::{Edge, WordId, NONE};

/// "Unbounded" for [`Need::max`] and "this many or more" for
/// [`Need::min`]; saturating there only makes a summary claim more.
const INF: u8 = u8::MAX;

/// The bit of [`Need::last`] for a binding that ends on `*` or `#`, which
/// any last word meets.
const WILD: u32 = 1 << 31;

/// The bit of [`Need::last`] for a literal last word: its id modulo 31,
/// since words sharing a bit only weaken the pruning. A word no edge
/// carries (`NONE`) has none: only `*` and `#` can meet it.
#[inline]
fn word_bit(word: WordId) -> u32 {
    if word == NONE {
        0
    } else {
        1 << (word % 31)
    }
}

/// A summary of the bindings at and below a trie node, counted from the
/// node's place in the walk: 8 bytes, so `Node` stays at 64.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Need {
    /// Bit per word a binding below can end on (the last word of its key,
    /// when it takes at least one more key word), `WILD` for `*` and `#`.
    last: u32,
    /// The fewest key words a binding below still takes (`#` as none).
    min: u8,
    /// The most, `INF` if a `#` lies below (or led to the node).
    max: u8,
}

impl Need {
    /// No binding: what an empty root needs, and the unit of [`join`](Self::join).
    pub(super) const NOTHING: Self = Self {
        last: 0,
        min: INF,
        max: 0,
    };

    /// A node's own bindings (if `ends`), before its children are joined:
    /// nothing more to take, except below a `#` (`is_hash`), which may take
    /// any further words, ending on any of them. A `#` node's summary
    /// starts from `own(false, true)`, so it keeps `max` unbounded.
    pub(super) fn own(ends: bool, is_hash: bool) -> Self {
        let mut need = if ends {
            Self {
                last: 0,
                min: 0,
                max: 0,
            }
        } else {
            Self::NOTHING
        };
        if is_hash {
            need.max = INF;
            if ends {
                need.last = WILD;
            }
        }
        need
    }

    /// What a child's summary (`self`, with `ends` if bindings end at the
    /// child itself) asks of its parent, through the parent's `edge`: a
    /// literal or `*` takes one more word, and is the last word of the
    /// bindings ending at the child; a `#` takes any number.
    pub(super) fn through(self, edge: Edge, ends: bool) -> Self {
        let bit = match edge {
            Edge::Literal(word) => word_bit(word),
            Edge::Star | Edge::Hash => WILD,
        };
        match edge {
            Edge::Literal(_) | Edge::Star => Self {
                last: self.last | if ends { bit } else { 0 },
                min: self.min.saturating_add(1),
                max: if self.max == INF {
                    INF
                } else {
                    self.max.saturating_add(1)
                },
            },
            Edge::Hash => Self {
                last: self.last | if ends { bit } else { 0 },
                min: self.min,
                max: INF,
            },
        }
    }

    /// The summary as the packed trie stores it (`packed`), where its
    /// fields share 16 bytes with others: the last-word bits, `min`, `max`.
    #[inline]
    pub(super) fn parts(self) -> (u32, u8, u8) {
        (self.last, self.min, self.max)
    }

    /// The summary [`parts`](Self::parts) gave.
    #[inline]
    pub(super) fn from_parts(last: u32, min: u8, max: u8) -> Self {
        Self { last, min, max }
    }

    /// What either summary allows.
    pub(super) fn join(self, other: Self) -> Self {
        Self {
            last: self.last | other.last,
            min: self.min.min(other.min),
            max: self.max.max(other.max),
        }
    }

    /// Whether this summary allows everything `other` does (tests).
    #[cfg(test)]
    pub(super) fn covers(self, other: Self) -> bool {
        self.join(other) == self
    }

    /// Whether a binding below may match a key with `rest` left.
    #[inline]
    pub(super) fn admits(self, rest: Rest) -> bool {
        usize::from(self.min) <= rest.words
            && (self.max == INF || rest.words <= usize::from(self.max))
            && (rest.words == 0 || self.last & rest.last != 0)
    }
}

/// The rest of a routing key as pruning sees it: the words not read yet,
/// and the bits its last word meets.
#[derive(Clone, Copy, Debug)]
pub(super) struct Rest {
    words: usize,
    last: u32,
}

impl Rest {
    /// A key of `words` words whose last word has the id `last`.
    pub(super) fn new(words: usize, last: WordId) -> Self {
        Self {
            words,
            last: WILD | word_bit(last),
        }
    }

    /// After one more word is read.
    #[inline]
    pub(super) fn next(self) -> Self {
        Self {
            words: self.words.saturating_sub(1),
            ..self
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_path_of_literals_needs_its_length_and_last_word() {
        // `a.b` seen from the root: `b` ends the binding.
        let b = Need::own(true, false);
        let a = b.through(Edge::Literal(2), true);
        let root = a.through(Edge::Literal(1), false);
        assert!(root.admits(Rest::new(2, 2)));
        assert!(!root.admits(Rest::new(2, 3)), "another last word");
        assert!(!root.admits(Rest::new(1, 2)), "too short");
        assert!(!root.admits(Rest::new(3, 2)), "too long");
        assert!(!root.admits(Rest::new(2, NONE)), "a word no edge carries");
        assert!(b.admits(Rest::new(0, 5)), "done");
    }

    #[test]
    fn hash_and_star_take_any_last_word_and_hash_any_length() {
        // `a.#`, from the root and from `a`.
        let hash = Need::own(true, true);
        let a = hash.through(Edge::Hash, true);
        let root = a.through(Edge::Literal(1), false);
        for words in 1..40 {
            assert!(root.admits(Rest::new(words, NONE)), "{words}");
        }
        assert!(!root.admits(Rest::new(0, NONE)));
        assert!(a.admits(Rest::new(0, NONE)), "`#` takes no word");
        // `*`.
        let star = Need::own(true, false).through(Edge::Star, true);
        assert!(star.admits(Rest::new(1, NONE)));
        assert!(!star.admits(Rest::new(2, NONE)));
    }

    #[test]
    fn joins_allow_what_either_does_and_saturate_upwards() {
        let one = Need::own(true, false).through(Edge::Literal(4), true);
        let long = (0..300).fold(Need::own(true, false), |n, _| {
            n.through(Edge::Literal(9), true)
        });
        let both = one.join(long);
        assert!(both.covers(one) && both.covers(long));
        assert!(both.admits(Rest::new(1, 4)));
        assert!(both.admits(Rest::new(300, 9)), "saturated: claims more");
        assert!(both.admits(Rest::new(1_000, 9)));
        assert!(Need::NOTHING.join(one) == one);
        assert!(!Need::NOTHING.admits(Rest::new(0, NONE)));
    }
}
