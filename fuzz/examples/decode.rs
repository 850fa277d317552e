//! Prints a structured target's input as the JSON that warren-core's
//! `tests/fuzz_regressions.rs` replays:
//!
//! ```text
//! cargo run --manifest-path fuzz/Cargo.toml --example decode -- broker_ops CRASH_FILE \
//!     > tests/data/fuzz/broker_ops/NAME.json
//! ```
//!
//! Decodes exactly as `fuzz_target!` does (`arbitrary_take_rest`).

use arbitrary::{Arbitrary, Unstructured};
use serde::Serialize;
use warren_fuzz::checks::{BrokerOp, TopicOp};

fn decode<'a, T: Arbitrary<'a> + Serialize>(bytes: &'a [u8]) -> String {
    match T::arbitrary_take_rest(Unstructured::new(bytes)) {
        Ok(v) => serde_json::to_string_pretty(&v).expect("serialisable input"),
        Err(e) => panic!("the target would skip this input: {e}"),
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [target, file] = args.as_slice() else {
        panic!("usage: decode (topic_match|broker_ops) FILE");
    };
    let bytes = std::fs::read(file).expect("readable input file");
    let json = match target.as_str() {
        "topic_match" => decode::<Vec<TopicOp>>(&bytes),
        "broker_ops" => decode::<Vec<BrokerOp>>(&bytes),
        other => panic!("{other} takes raw bytes: save the file as it is"),
    };
    println!("{json}");
}
