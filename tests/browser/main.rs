//! Warren's core in headless Chromium: the routing corpus, every recorded
//! conformance fixture and a determinism check, compiled to wasm32 and run
//! by wasm-bindgen-test. The same data and runners as the native suites
//! (`warren_tests`), so the browser build is held to the same results.
#![cfg(target_arch = "wasm32")]

use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
fn routing_corpus_routes_as_rabbitmq_does() {
    let (run, failures) = warren_tests::run_routing_corpus();
    assert!(run >= 280, "only {run} cases");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[wasm_bindgen_test]
fn every_fixture_replays_identically() {
    let all = warren_tests::fixtures();
    assert!(all.len() >= 60);
    let failures: Vec<String> = all
        .iter()
        .filter_map(|f| f.check().err().map(|d| format!("{}: {d}", f.name)))
        .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[wasm_bindgen_test]
fn runs_are_deterministic_in_the_browser() {
    let all = warren_tests::fixtures();
    for f in all.iter().take(20) {
        assert_eq!(f.replay(), f.replay(), "{}", f.name);
    }
}
