//! Native integration suites of warren-core, one module per behaviour.

mod conformance;
mod invariants;
mod usage;
