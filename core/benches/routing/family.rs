//! The routing bench family of issue 19: topic routing with controlled
//! parameters, the cached path and the walk timed in the same run, printed
//! as a table. Shared by the native bench (`routing.rs`) and the wasm32
//! harness (`core/examples/routing_wasm.rs`), so both run the same code on
//! the same data.
//!
//! Parameters of a cell:
//! - `bindings`: 100 / 1k / 10k / 100k;
//! - matches per key, about 1 / 10 / 100: bindings are split into groups by
//!   a literal first word, and the number of groups is chosen so that a key
//!   meets about that many bindings of its group;
//! - distinct keys in the stream (100 / 1k / 10k / 100k), drawn uniformly
//!   or Zipf-like (exponent 1);
//! - the share of `*` and `#` per binding word (`light`: 10% and 3%;
//!   `wild`: 25% and 10%).
//!
//! Words after the first come from a seven-word vocabulary; binding and key
//! tails have the fewest words that give twice the distinct keys the cell
//! streams. The matches per key are measured and printed,
//! not assumed. Two more rows: the "plausible mix" (10,000
//! bindings over the seven words alone, 1,000 Zipf keys, about 80 matches a
//! key) and a hostile stream where every key is new.
//!
//! Then what packing the trie for the walk costs, per row, and a scaling
//! table: the walk at 100 to 100,000 bindings with matches per key held
//! about constant (the spread mixes, [`Spread`], which the criterion
//! groups of `routing.rs` also use), the sizes timed in turn, round after
//! round.

use std::collections::HashSet;
use std::fmt::Write;

use warren_core::{topic_matches, TopicTrie};

/// splitmix64: deterministic data without a `rand` dependency.
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    /// Uniform in `[0, 1)`.
    pub fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1_u64 << 53) as f64
    }
}

/// The seven words keys and bindings are made of (after the group word).
pub const VOCAB: [&str; 7] = ["red", "green", "blue", "eu", "us", "info", "error"];

/// The share of `*` and `#` among binding words.
#[derive(Clone, Copy, Debug)]
pub struct Mix {
    pub name: &'static str,
    pub star: f64,
    pub hash: f64,
}

pub const LIGHT: Mix = Mix {
    name: "light",
    star: 0.10,
    hash: 0.03,
};
pub const WILD: Mix = Mix {
    name: "wild",
    star: 0.25,
    hash: 0.10,
};

fn binding_word(rng: &mut Rng, mix: Mix) -> &'static str {
    let r = rng.unit();
    if r < mix.star {
        "*"
    } else if r < mix.star + mix.hash {
        "#"
    } else {
        VOCAB[rng.below(7) as usize]
    }
}

fn tail(rng: &mut Rng, words: usize, mix: Option<Mix>) -> String {
    let mut out = String::new();
    for i in 0..words {
        if i > 0 {
            out.push('.');
        }
        out.push_str(match mix {
            Some(mix) => binding_word(rng, mix),
            None => VOCAB[rng.below(7) as usize],
        });
    }
    out
}

/// Share of (binding tail, key tail) pairs that match, sampled.
fn match_rate(rng: &mut Rng, words: usize, mix: Mix) -> f64 {
    const SAMPLES: usize = 40_000;
    let hits = (0..SAMPLES)
        .filter(|_| topic_matches(&tail(rng, words, Some(mix)), &tail(rng, words, None)))
        .count();
    hits.max(1) as f64 / SAMPLES as f64
}

/// Distinct keys drawn uniformly or Zipf-like.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dist {
    Uniform,
    Zipf,
}

/// One cell of the grid.
#[derive(Clone, Copy, Debug)]
pub struct Cell {
    pub bindings: usize,
    pub matches: usize,
    pub keys: usize,
    pub dist: Dist,
    pub mix: Mix,
}

/// A built cell: the trie, the distinct keys and the stream over them.
pub struct Setup {
    pub label: String,
    pub bindings: Vec<(String, u32)>,
    pub trie: TopicTrie<u32>,
    pub keys: Vec<String>,
    pub stream: Vec<u32>,
}

impl Setup {
    /// Matches per key, averaged over the stream.
    pub fn matches_per_key(&self) -> f64 {
        let per_key: Vec<usize> = self
            .keys
            .iter()
            .map(|k| {
                let mut n = 0;
                self.trie.for_each_match_uncached(k, |_| n += 1);
                n
            })
            .collect();
        let total: usize = self.stream.iter().map(|&i| per_key[i as usize]).sum();
        total as f64 / self.stream.len() as f64
    }

    /// Panics unless the trie agrees with the reference matcher on a few
    /// keys: speeds are only compared between correct answers.
    pub fn check(&self, count: usize) {
        for key in self.keys.iter().take(count) {
            assert_eq!(
                self.trie.matches(key),
                reference(&self.bindings, key),
                "{key}"
            );
        }
    }
}

/// `count` distinct keys from `make`, then a stream of indexes over them.
fn keys_and_stream(
    rng: &mut Rng,
    count: usize,
    dist: Dist,
    mut make: impl FnMut(&mut Rng) -> String,
) -> (Vec<String>, Vec<u32>) {
    let mut seen = HashSet::new();
    let mut keys = Vec::new();
    while keys.len() < count {
        let k = make(rng);
        if seen.insert(k.clone()) {
            keys.push(k);
        }
    }
    let len = (count * 4).clamp(16_384, 400_000);
    let stream = match dist {
        Dist::Uniform => (0..len).map(|_| rng.below(count as u64) as u32).collect(),
        Dist::Zipf => {
            let mut cdf = Vec::with_capacity(count);
            let mut sum = 0.0;
            for i in 0..count {
                sum += 1.0 / (i + 1) as f64;
                cdf.push(sum);
            }
            (0..len)
                .map(|_| {
                    let x = rng.unit() * sum;
                    cdf.partition_point(|&c| c < x).min(count - 1) as u32
                })
                .collect()
        }
    };
    (keys, stream)
}

/// The ids of the bindings `key` matches, by the reference matcher,
/// sorted and without repeats (as the trie answers).
pub fn reference(bindings: &[(String, u32)], key: &str) -> Vec<u32> {
    let mut want: Vec<u32> = bindings
        .iter()
        .filter(|(b, _)| topic_matches(b, key))
        .map(|&(_, id)| id)
        .collect();
    want.sort_unstable();
    want.dedup();
    want
}

fn build(bindings: &[(String, u32)]) -> TopicTrie<u32> {
    let mut trie = TopicTrie::new();
    for (k, id) in bindings {
        trie.insert(k, *id);
    }
    trie
}

pub fn setup(cell: Cell) -> Setup {
    let mut rng = Rng(cell.bindings as u64 * 31 + cell.keys as u64);
    // The fewest tail words giving twice the key shapes the stream needs.
    let mut words = 4;
    let groups = loop {
        let q = match_rate(&mut rng, words, cell.mix);
        let groups = ((cell.bindings as f64 * q / cell.matches as f64).round() as usize).max(1);
        if groups as f64 * 7_f64.powi(words as i32) >= 2.0 * cell.keys as f64 || words >= 9 {
            break groups;
        }
        words += 1;
    };
    let bindings: Vec<(String, u32)> = (0..cell.bindings as u32)
        .map(|id| {
            let g = rng.below(groups as u64);
            (
                format!("g{g}.{}", tail(&mut rng, words, Some(cell.mix))),
                id,
            )
        })
        .collect();
    let (keys, stream) = keys_and_stream(&mut rng, cell.keys, cell.dist, |rng| {
        let g = rng.below(groups as u64);
        format!("g{g}.{}", tail(rng, words, None))
    });
    Setup {
        label: format!(
            "{} | {} ({groups} groups × {words} words) | {} | {} {:?}",
            cell.mix.name, cell.bindings, cell.matches, cell.keys, cell.dist
        ),
        trie: build(&bindings),
        bindings,
        keys,
        stream,
    }
}

/// The plausible mix: 10,000 bindings of 3 to 6 words over the
/// seven words with `*` and `#` in them, keys of 5 words, 1,000 distinct
/// keys drawn Zipf-like.
pub fn plausible() -> Setup {
    let mut rng = Rng(19);
    let mix = Mix {
        name: "plausible",
        star: 0.15,
        hash: 0.07,
    };
    let bindings: Vec<(String, u32)> = (0..10_000)
        .map(|id| {
            let words = 3 + rng.below(4) as usize;
            (tail(&mut rng, words, Some(mix)), id)
        })
        .collect();
    let (keys, stream) = keys_and_stream(&mut rng, 1_000, Dist::Zipf, |rng| tail(rng, 5, None));
    Setup {
        label: "plausible | 10000 | ~80 | 1000 Zipf".into(),
        trie: build(&bindings),
        bindings,
        keys,
        stream,
    }
}

/// The plausible bindings under a stream where every key is new: 4 to 9
/// words over the vocabulary, 65,536 distinct keys, each routed once per
/// pass, in the same order: four times what the key cache holds, so a pass
/// meets none of the keys it kept.
pub fn hostile() -> Setup {
    let base = plausible();
    let mut rng = Rng(1919);
    let (keys, _) = keys_and_stream(&mut rng, 1 << 16, Dist::Uniform, |rng| {
        let words = 4 + rng.below(6) as usize;
        tail(rng, words, None)
    });
    let stream = (0..keys.len() as u32).collect();
    Setup {
        label: "plausible | 10000 | - | every key new".into(),
        keys,
        stream,
        ..base
    }
}

/// Nanoseconds per decision: the cached path and the walk, interleaved
/// over `rounds` rounds of at least `min_ns` each (so load on the machine
/// hits both alike); the median of each. A round goes on through the
/// stream where the last one stopped, reading the clock every 256
/// decisions, so a round of slow decisions stays short.
pub fn measure(s: &Setup, now: &dyn Fn() -> f64, rounds: usize, min_ns: f64) -> (f64, f64) {
    let keys: Vec<&str> = s
        .stream
        .iter()
        .map(|&i| s.keys[i as usize].as_str())
        .collect();
    let route = |cached: bool, key: &str, acc: &mut u32| {
        let key = std::hint::black_box(key);
        if cached {
            s.trie.for_each_match(key, |id| *acc = acc.wrapping_add(id));
        } else {
            s.trie
                .for_each_match_uncached(key, |id| *acc = acc.wrapping_add(id));
        }
    };
    // Warm up: the cache fills from the first keys of the stream (at most
    // 65,536 of them); the cached rounds go on from there.
    let mut acc = 0_u32;
    for key in keys.iter().take(1 << 16) {
        route(true, key, &mut acc);
    }
    // The walk packs the trie for itself after enough walks
    // (`TopicTrie::is_packed`): the rounds time the packed walk, steady.
    walk_until_packed(&s.trie, |i| keys[i % keys.len()]);
    std::hint::black_box(acc);
    // Where each path's next round starts: [walk, cached].
    let mut at = [0, (1 << 16) % keys.len()];
    let mut time = |cached: bool| -> f64 {
        let at = &mut at[usize::from(cached)];
        let mut acc = 0_u32;
        let start = now();
        let mut done = 0_usize;
        loop {
            for _ in 0..256 {
                route(cached, keys[*at], &mut acc);
                *at = (*at + 1) % keys.len();
            }
            done += 256;
            let spent = now() - start;
            if spent >= min_ns {
                std::hint::black_box(acc);
                return spent / done as f64;
            }
        }
    };
    let (mut c, mut w) = (Vec::new(), Vec::new());
    for _ in 0..rounds {
        c.push(time(true));
        w.push(time(false));
    }
    (median(&mut c), median(&mut w))
}

/// What packing costs: the walks of a fresh copy of the trie until it
/// packs itself, and the time of the walk that packed it less the mean
/// walk before it (the build), in milliseconds.
pub fn pack_cost(s: &Setup, now: &dyn Fn() -> f64) -> (usize, f64) {
    // Clones start unpacked.
    let trie = s.trie.clone();
    let (mut walks, mut before) = (0, 0.0);
    while walks < MAX_WALKS {
        let key = &s.keys[s.stream[walks % s.stream.len()] as usize];
        let start = now();
        trie.for_each_match_uncached(std::hint::black_box(key), |id| {
            std::hint::black_box(id);
        });
        let spent = now() - start;
        walks += 1;
        if trie.is_packed() {
            let mean = before / (walks - 1).max(1) as f64;
            return (walks, (spent - mean) / 1e6);
        }
        before += spent;
    }
    (walks, f64::NAN)
}

/// More walks than any trie here needs to pack itself (a trie too large to
/// pack never does).
const MAX_WALKS: usize = 1 << 24;

/// Walks `trie` with the keys `key(0)`, `key(1)`... until it has packed
/// itself (`TopicTrie::is_packed`), or [`MAX_WALKS`].
fn walk_until_packed<'a>(trie: &TopicTrie<u32>, key: impl Fn(usize) -> &'a str) {
    for i in 0..MAX_WALKS {
        if trie.is_packed() {
            return;
        }
        trie.for_each_match_uncached(key(i), |id| {
            std::hint::black_box(id);
        });
    }
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

// The spread mixes: constant matches per key at every binding count.

/// The two mixes of `routing.rs`'s criterion groups (`topic-mixed`,
/// `topic-wild`) and of the scaling table: bindings are 5-word keys whose
/// first word is one of `bindings / 10` (as when each service binds its
/// own prefix), the other words from four, so a key meets about the same
/// part of the trie, and about as many bindings, whatever the total.
/// `Mixed`: literal 85%, `*` 15%, one binding in ten ending early in `#`
/// (`svc1.eu.#`); `Wild`: literal 60%, `*` 30%, `#` 10% per word.
#[derive(Clone, Copy, Debug)]
pub enum Spread {
    Mixed,
    Wild,
}

impl Spread {
    pub fn name(self) -> &'static str {
        match self {
            Self::Mixed => "mixed",
            Self::Wild => "wild",
        }
    }
}

const TAIL_WORDS: [&str; 4] = ["eu", "us", "info", "error"];

fn spread_first_word(rng: &mut Rng, bindings: usize) -> String {
    format!("svc{}", rng.below((bindings as u64 / 10).max(1)))
}

fn spread_binding(rng: &mut Rng, bindings: usize, mix: Spread) -> String {
    let mut words = vec![spread_first_word(rng, bindings)];
    let tail = |rng: &mut Rng| TAIL_WORDS[rng.below(4) as usize].to_owned();
    match mix {
        Spread::Mixed => {
            let hash_at = if rng.below(10) == 0 {
                1 + rng.below(4)
            } else {
                5
            };
            for i in 1..5 {
                if i == hash_at {
                    words.push("#".to_owned());
                    break;
                }
                words.push(if rng.below(20) < 17 {
                    tail(rng)
                } else {
                    "*".to_owned()
                });
            }
        }
        Spread::Wild => {
            for _ in 1..5 {
                words.push(match rng.below(10) {
                    0..=5 => tail(rng),
                    6..=8 => "*".to_owned(),
                    _ => "#".to_owned(),
                });
            }
        }
    }
    words.join(".")
}

/// A routing key of the spread mixes: a first word, four tail words.
pub fn spread_key(rng: &mut Rng, bindings: usize) -> String {
    let mut words = vec![spread_first_word(rng, bindings)];
    for _ in 0..4 {
        words.push(TAIL_WORDS[rng.below(4) as usize].to_owned());
    }
    words.join(".")
}

/// `n` bindings of a spread mix and 1,024 keys, each once in the stream;
/// the trie walked until it has packed itself (`TopicTrie::is_packed`), so
/// what is timed is the steady walk.
pub fn spread(n: usize, mix: Spread) -> Setup {
    let mut rng = Rng(n as u64);
    let bindings: Vec<(String, u32)> = (0..n as u32)
        .map(|id| (spread_binding(&mut rng, n, mix), id))
        .collect();
    let trie = build(&bindings);
    let keys: Vec<String> = (0..1024).map(|_| spread_key(&mut rng, n)).collect();
    walk_until_packed(&trie, |i| &keys[i % keys.len()]);
    Setup {
        label: format!("{} | {n}", mix.name()),
        bindings,
        trie,
        stream: (0..keys.len() as u32).collect(),
        keys,
    }
}

/// Nanoseconds per decision of the walk over `s`'s stream, for at least
/// `min_ns`, reading the clock every 256 decisions.
fn walk_ns(s: &Setup, now: &dyn Fn() -> f64, min_ns: f64) -> f64 {
    let mut acc = 0_u32;
    let start = now();
    let mut done = 0_usize;
    loop {
        for j in done..done + 256 {
            let key = s.keys[s.stream[j % s.stream.len()] as usize].as_str();
            s.trie
                .for_each_match_uncached(std::hint::black_box(key), |id| {
                    acc = acc.wrapping_add(id);
                });
        }
        done += 256;
        let spent = now() - start;
        if spent >= min_ns {
            std::hint::black_box(acc);
            return spent / done as f64;
        }
    }
}

/// The walk against the binding count with matches per key held about
/// constant (the spread mixes at 100, 1,000, 10,000 and 100,000
/// bindings): each of 9 rounds times every size in turn, so drift in the
/// machine's speed hits all sizes alike; the median of the rounds, and
/// each size's time over the 100-binding one's.
pub fn scaling(only: &str, now: &dyn Fn() -> f64, out: &mut dyn FnMut(&str)) {
    const SIZES: [usize; 4] = [100, 1_000, 10_000, 100_000];
    let mixes: Vec<Spread> = [Spread::Mixed, Spread::Wild]
        .into_iter()
        .filter(|m| format!("scaling {}", m.name()).contains(only))
        .collect();
    if mixes.is_empty() {
        return;
    }
    out("");
    out("| mix | bindings | matches/key | walk ns (median of 9 interleaved rounds) | against 100 bindings |");
    out("|---|---:|---:|---:|---:|");
    for mix in mixes {
        let setups: Vec<Setup> = SIZES.iter().map(|&n| spread(n, mix)).collect();
        let mut times = vec![Vec::new(); SIZES.len()];
        for _ in 0..9 {
            for (s, t) in setups.iter().zip(&mut times) {
                t.push(walk_ns(s, now, 20e6));
            }
        }
        let medians: Vec<f64> = times.iter_mut().map(|t| median(t)).collect();
        for (s, m) in setups.iter().zip(&medians) {
            out(&format!(
                "| {} | {:.2} | {m:.0} | {:.2}× |",
                s.label,
                s.matches_per_key(),
                m / medians[0]
            ));
        }
    }
}

/// The cells run by default: the rows, bindings and matches per
/// key at 1,000 Zipf keys, and the distinct-key axis at 10,000 bindings.
/// `full` adds the whole grid.
pub fn cells(full: bool) -> Vec<Cell> {
    let mut out = Vec::new();
    let cell = |bindings, matches, keys, dist, mix| Cell {
        bindings,
        matches,
        keys,
        dist,
        mix,
    };
    if full {
        for mix in [LIGHT, WILD] {
            for bindings in [100, 1_000, 10_000, 100_000] {
                for matches in [1, 10, 100] {
                    if matches * 4 > bindings {
                        continue;
                    }
                    for keys in [100, 1_000, 10_000, 100_000] {
                        for dist in [Dist::Zipf, Dist::Uniform] {
                            out.push(cell(bindings, matches, keys, dist, mix));
                        }
                    }
                }
            }
        }
        return out;
    }
    for bindings in [100, 1_000, 10_000, 100_000] {
        for matches in [1, 10, 100] {
            if matches * 4 <= bindings {
                out.push(cell(bindings, matches, 1_000, Dist::Zipf, LIGHT));
            }
        }
    }
    for keys in [100, 10_000, 100_000] {
        out.push(cell(10_000, 10, keys, Dist::Zipf, LIGHT));
    }
    for keys in [1_000, 10_000, 100_000] {
        out.push(cell(10_000, 10, keys, Dist::Uniform, LIGHT));
    }
    out.push(cell(10_000, 10, 1_000, Dist::Zipf, WILD));
    out.push(cell(100_000, 100, 10_000, Dist::Uniform, WILD));
    out
}

/// Runs the cells, the plausible mix and the hostile stream (those whose
/// name, as `light 10000 10 1000 Zipf`, `plausible` or `hostile`, contains
/// `only`), writing a markdown table line by line through
/// `out`.
pub fn run(full: bool, only: &str, now: &dyn Fn() -> f64, out: &mut dyn FnMut(&str)) {
    out("| mix | bindings | matches (target) | distinct keys | matches/key | cached ns | walk ns | walk/cached | 50+2m ns |");
    out("|---|---:|---:|---|---:|---:|---:|---:|---:|");
    // (name to filter on, builder): building is what takes time.
    type Make = Box<dyn Fn() -> Setup>;
    let mut setups: Vec<(String, Make)> = cells(full)
        .into_iter()
        .map(|c| {
            let name = format!(
                "{} {} {} {} {:?}",
                c.mix.name, c.bindings, c.matches, c.keys, c.dist
            );
            (name, Box::new(move || setup(c)) as Make)
        })
        .collect();
    setups.push(("plausible".into(), Box::new(plausible)));
    setups.push(("hostile".into(), Box::new(hostile)));
    let mut packing = Vec::new();
    for (name, make) in setups {
        if !name.contains(only) {
            continue;
        }
        let s = make();
        s.check(4);
        packing.push((s.label.clone(), pack_cost(&s, now)));
        let m = s.matches_per_key();
        let (cached, walk) = measure(&s, now, 7, 20e6);
        let mut line = String::new();
        let _ = write!(
            line,
            "| {} | {m:.1} | {cached:.0} | {walk:.0} | {:.1}× | {:.0} |",
            s.label,
            walk / cached,
            50.0 + 2.0 * m
        );
        out(&line);
    }
    if packing.is_empty() {
        return scaling(only, now, out);
    }
    out("");
    out(
        "| mix | bindings | matches (target) | distinct keys | walks before packing | packing ms |",
    );
    out("|---|---:|---:|---|---:|---:|");
    for (label, (walks, ms)) in packing {
        out(&format!("| {label} | {walks} | {ms:.2} |"));
    }
    scaling(only, now, out);
}
