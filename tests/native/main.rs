//! Native integration suites of warren-core, one module per behaviour.
#![cfg(not(target_arch = "wasm32"))]

mod conformance;
mod invariants;
mod routing;
mod usage;
