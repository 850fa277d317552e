//! Arbitrary bytes as a scenario file: parse, write back, run (twice) with
//! the broker's invariants checked after every step.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| warren_fuzz::checks::scenario(data));
