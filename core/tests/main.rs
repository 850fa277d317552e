//! warren-core's behaviour, one module per behaviour, in one test binary
//! (one link instead of four). Suites that need recorded data or the
//! scenario crate live in the workspace's `tests/` crate.

mod invariants;
mod routing_corpus;
mod sim;
mod stats;
mod usage;
