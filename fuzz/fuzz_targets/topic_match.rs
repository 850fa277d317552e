//! Inserts, removals and lookups on a TopicTrie, checked against the
//! reference matcher `topic_matches`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use warren_fuzz::checks::TopicOp;

fuzz_target!(|ops: Vec<TopicOp>| warren_fuzz::checks::topic(&ops));
