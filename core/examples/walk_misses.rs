//! The walk over the bench's `wild` spread mix (`benches/routing/family.rs`),
//! for counting cache misses per key with cachegrind, where the benches'
//! timing loops would be in the way. Builds `BINDINGS` bindings and their
//! 1,024 keys (the trie packed, as `spread` leaves it), then walks every key
//! `PASSES` times. Run it with 1 and with 5 passes; the difference of the
//! two counts over 4 × 1,024 is per key (docs/performance.md, "The walk,
//! packed tighter"):
//!
//! ```text
//! cargo build -p warren-core --profile bench --example walk_misses
//! valgrind --tool=cachegrind --cache-sim=yes target/release/examples/walk_misses 100000 1
//! valgrind --tool=cachegrind --cache-sim=yes target/release/examples/walk_misses 100000 5
//! ```

#[path = "../benches/routing/family.rs"]
#[allow(dead_code)]
mod family;

fn main() {
    let arg = |i: usize, default: usize| {
        std::env::args()
            .nth(i)
            .map_or(Ok(default), |a| a.parse())
            .unwrap_or_else(|e| panic!("argument {i}: {e}"))
    };
    let (bindings, passes) = (arg(1, 100_000), arg(2, 1));
    let s = family::spread(bindings, family::Spread::Wild);
    let mut acc = 0_u32;
    for _ in 0..passes {
        for key in &s.keys {
            s.trie
                .for_each_match_uncached(std::hint::black_box(key), |id| {
                    acc = acc.wrapping_add(id);
                });
        }
    }
    println!(
        "{bindings} bindings, {passes} passes, packed: {}, {acc}",
        s.trie.is_packed()
    );
}
