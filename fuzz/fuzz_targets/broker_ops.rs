//! Arbitrary sequences of AMQP commands and ticks on a Broker, with
//! `check_invariants` after each.
#![no_main]

use libfuzzer_sys::fuzz_target;
use warren_fuzz::checks::BrokerOp;

fuzz_target!(|ops: Vec<BrokerOp>| warren_fuzz::checks::broker_ops(&ops));
