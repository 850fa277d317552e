//! Arbitrary bytes as a definitions.json: parse, lint, write back, apply,
//! apply again, and export -> import -> export.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| warren_fuzz::checks::definitions(data));
