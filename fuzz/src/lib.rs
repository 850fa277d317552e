//! Fuzz targets for warren-core: see `docs/fuzzing.md`.
//!
//! The targets in `fuzz_targets/` are thin: each turns libFuzzer's input
//! into a plain value and calls one function of [`checks`], which holds
//! every property checked. warren-tests' `native/fuzz_regressions.rs`
//! compiles the same file to replay saved crash inputs without a fuzzer.

pub mod checks;
