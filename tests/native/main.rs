//! Native integration suites of warren-core and warren-scenario together,
//! one module per behaviour.
#![cfg(not(target_arch = "wasm32"))]
// `fuzz_regressions` compiles the fuzz crate's `checks.rs`, which derives
// `Arbitrary` under `cfg_attr(feature = "derive-arbitrary")`, a feature of
// the fuzz crate that this crate does not declare; rustc reports such a cfg
// at the crate root only.
#![allow(unexpected_cfgs)]

mod conformance;
mod fuzz_regressions;
mod layering;
mod routing;
