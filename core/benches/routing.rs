//! Topic routing: the trie index against a naive scan with the reference
//! matcher, at 100, 10,000 and 100,000 bindings, plus the `#` pile-up that
//! takes RabbitMQ 3.10 seconds.
//!
//! Run with `cargo bench -p warren-core --bench routing`.
//!
//! Bindings are 5-word keys: a literal first word from a vocabulary that
//! grows with the binding count (about 10 bindings per first word, as when
//! each service binds its own prefix), then words that are a literal from a
//! small vocabulary (60%), `*` (30%) or `#` (10%). Routing keys are 5 words
//! drawn the same way. So every key meets a similar amount of trie
//! whatever the total, which is what an index should make cheap; a scan
//! pays for every binding.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use warren_core::{topic_matches, TopicTrie};

/// splitmix64: deterministic bench data without a `rand` dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

const TAIL_WORDS: [&str; 4] = ["eu", "us", "info", "error"];

fn first_word(rng: &mut Rng, bindings: usize) -> String {
    format!("svc{}", rng.below((bindings as u64 / 10).max(1)))
}

fn binding_key(rng: &mut Rng, bindings: usize) -> String {
    let mut words = vec![first_word(rng, bindings)];
    for _ in 0..4 {
        words.push(match rng.below(10) {
            0..=5 => TAIL_WORDS[rng.below(4) as usize].to_owned(),
            6..=8 => "*".to_owned(),
            _ => "#".to_owned(),
        });
    }
    words.join(".")
}

fn routing_key(rng: &mut Rng, bindings: usize) -> String {
    let mut words = vec![first_word(rng, bindings)];
    for _ in 0..4 {
        words.push(TAIL_WORDS[rng.below(4) as usize].to_owned());
    }
    words.join(".")
}

struct Setup {
    bindings: Vec<(String, u32)>,
    trie: TopicTrie<u32>,
    keys: Vec<String>,
}

fn setup(n: usize) -> Setup {
    let mut rng = Rng(n as u64);
    let bindings: Vec<(String, u32)> = (0..n as u32)
        .map(|id| (binding_key(&mut rng, n), id))
        .collect();
    let mut trie = TopicTrie::new();
    for (k, id) in &bindings {
        trie.insert(k, *id);
    }
    let keys = (0..1024).map(|_| routing_key(&mut rng, n)).collect();
    Setup {
        bindings,
        trie,
        keys,
    }
}

fn routing(c: &mut Criterion) {
    let mut group = c.benchmark_group("topic");
    for n in [100, 10_000, 100_000] {
        let s = setup(n);
        // The two must agree before their speeds are compared.
        for key in s.keys.iter().take(64) {
            let mut want: Vec<u32> = s
                .bindings
                .iter()
                .filter(|(b, _)| topic_matches(b, key))
                .map(|&(_, id)| id)
                .collect();
            want.sort_unstable();
            assert_eq!(s.trie.matches(key), want, "{key}");
        }
        let matched: usize = s.keys.iter().map(|k| s.trie.matches(k).len()).sum();
        eprintln!(
            "{n} bindings: {:.2} matches per key",
            matched as f64 / s.keys.len() as f64
        );

        group.throughput(Throughput::Elements(s.keys.len() as u64));
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

        // The scan is O(bindings) per key: route fewer keys so a sample
        // stays short.
        let keys = &s.keys[..if n > 1_000 { 4 } else { 256 }];
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
    group.bench_function("reference #.#.#.#.#.z vs 30 words", |b| {
        b.iter(|| topic_matches(black_box(binding), black_box(&key)));
    });
    group.finish();
}

criterion_group!(benches, routing, many_hashes);
criterion_main!(benches);
