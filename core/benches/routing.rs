//! Topic routing: the trie index against a naive scan with the reference
//! matcher, at 100, 10,000 and 100,000 bindings, plus the `#` pile-up that
//! takes RabbitMQ 3.10 seconds.
//!
//! Run with `cargo bench -p warren-core --bench routing`. The bench family
//! of `routing/family.rs` (controlled bindings, matches per key, distinct
//! keys and wildcard share; cached path and walk in the same run) comes
//! first, as a table: alone with `-- family` (about a minute), the
//! whole grid of 192 rows with `ROUTING_GRID=full` (some ten minutes);
//! `ROUTING_ONLY=text` keeps the rows whose name (`light 10000 10 1000
//! Zipf`, `plausible`, `hostile`) contains `text`.
//!
//! Bindings are the spread mixes of `routing/family.rs` ([`Spread`]):
//! 5-word keys whose first word is a literal from a vocabulary that grows
//! with the binding count (about 10 bindings per first word, as when each
//! service binds its own prefix), routing keys 5 literal words drawn the
//! same way. So every key meets a similar part of the trie whatever the
//! total, which is what an index should make cheap; a scan pays for every
//! binding. `mixed` is roughly how topic bindings look in practice; `wild`
//! meets several times more wildcard branches.

use std::hint::black_box;

use criterion::{criterion_group, BenchmarkId, Criterion, Throughput};
use warren_core::{topic_matches, TopicTrie};

use family::{spread, spread_key, Rng, Spread};

fn routing(c: &mut Criterion) {
    for mix in [Spread::Mixed, Spread::Wild] {
        let mut group = c.benchmark_group(format!("topic-{}", mix.name()));
        for n in [100, 10_000, 100_000] {
            let s = spread(n, mix);
            // The two must agree before their speeds are compared.
            for key in s.keys.iter().take(64) {
                assert_eq!(
                    s.trie.matches(key),
                    family::reference(&s.bindings, key),
                    "{key}"
                );
            }
            let matched: usize = s.keys.iter().map(|k| s.trie.matches(k).len()).sum();
            eprintln!(
                "{} {n} bindings: {:.2} matches per key",
                mix.name(),
                matched as f64 / s.keys.len() as f64
            );

            // One element = one routing decision (a key routed through the
            // whole exchange).
            group.throughput(Throughput::Elements(s.keys.len() as u64));
            // The exchange's path: the routing cache, warm after the first
            // pass over the keys.
            group.bench_with_input(BenchmarkId::new("trie", n), &s, |b, s| {
                b.iter(|| {
                    let mut hits = 0_u32;
                    for key in &s.keys {
                        s.trie
                            .for_each_match(black_box(key), |id| hits = hits.wrapping_add(id));
                    }
                    hits
                });
            });
            // Every decision as if its key shape were new: the trie walk.
            group.bench_with_input(BenchmarkId::new("trie_uncached", n), &s, |b, s| {
                b.iter(|| {
                    let mut hits = 0_u32;
                    for key in &s.keys {
                        s.trie.for_each_match_uncached(black_box(key), |id| {
                            hits = hits.wrapping_add(id);
                        });
                    }
                    hits
                });
            });
        }
        group.finish();
    }
}

/// The cache's worst case: far more distinct key shapes than it holds
/// (65,536 keys over the 10,000 `mixed` bindings reach some 30,000 trie
/// node sets), so it keeps starting over.
fn many_shapes(c: &mut Criterion) {
    let mut group = c.benchmark_group("topic-shapes");
    let n = 10_000;
    let s = spread(n, Spread::Mixed);
    let mut rng = Rng(7);
    let keys: Vec<String> = (0..65_536).map(|_| spread_key(&mut rng, n)).collect();
    group.throughput(Throughput::Elements(keys.len() as u64));
    group.bench_function("trie 65536 keys", |b| {
        b.iter(|| {
            let mut hits = 0_u32;
            for key in &keys {
                s.trie
                    .for_each_match(black_box(key), |id| hits = hits.wrapping_add(id));
            }
            hits
        });
    });
    group.bench_function("trie_uncached 65536 keys", |b| {
        b.iter(|| {
            let mut hits = 0_u32;
            for key in &keys {
                s.trie
                    .for_each_match_uncached(black_box(key), |id| hits = hits.wrapping_add(id));
            }
            hits
        });
    });
    group.finish();
}

fn naive(c: &mut Criterion) {
    let mut group = c.benchmark_group("topic-mixed");
    group.sample_size(10);
    for n in [100, 10_000, 100_000] {
        let s = spread(n, Spread::Mixed);
        // The scan is O(bindings) per key: route fewer keys per sample.
        let keys = &s.keys[..(100_000 / n).clamp(1, 256)];
        group.throughput(Throughput::Elements(keys.len() as u64));
        group.bench_with_input(BenchmarkId::new("naive_scan", n), &s, |b, s| {
            b.iter(|| {
                let mut hits = 0_u32;
                for key in keys {
                    for (binding, id) in &s.bindings {
                        if topic_matches(binding, black_box(key)) {
                            hits = hits.wrapping_add(*id);
                        }
                    }
                }
                hits
            });
        });
    }
    group.finish();
}

fn many_hashes(c: &mut Criterion) {
    let mut group = c.benchmark_group("hashes");
    let key = vec!["a"; 30].join(".");
    let binding = "#.#.#.#.#.z";
    let mut trie = TopicTrie::new();
    trie.insert(binding, 1_u32);
    assert!(trie.matches(&key).is_empty());
    group.bench_function("trie #.#.#.#.#.z vs 30 words", |b| {
        b.iter(|| trie.matches(black_box(&key)));
    });
    // The first time this key is seen: the walk.
    group.bench_function("trie_uncached #.#.#.#.#.z vs 30 words", |b| {
        b.iter(|| {
            let mut n = 0_u32;
            trie.for_each_match_uncached(black_box(&key), |id| n += id);
            n
        });
    });
    group.bench_function("reference #.#.#.#.#.z vs 30 words", |b| {
        b.iter(|| topic_matches(black_box(binding), black_box(&key)));
    });
    group.finish();
}

criterion_group!(benches, routing, many_shapes, naive, many_hashes);

#[path = "routing/family.rs"]
mod family;

/// The family's table, unless a filter other than `family` was given; then
/// criterion's groups (which a `family` filter matches none of).
fn main() {
    let filters: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .collect();
    if filters.is_empty() || filters.iter().any(|f| f == "family") {
        let full = std::env::var("ROUTING_GRID").is_ok_and(|v| v == "full");
        let start = std::time::Instant::now();
        let now = move || start.elapsed().as_nanos() as f64;
        let only = std::env::var("ROUTING_ONLY").unwrap_or_default();
        family::run(full, &only, &now, &mut |line| println!("{line}"));
    }
    benches();
    Criterion::default().configure_from_args().final_summary();
}
