//! Replays every fixture recorded on a real RabbitMQ 3.10.8 broker
//! (`tests/fixtures/conformance/`, made by `conformance/record.sh`) through
//! warren-core and requires the same trace, up to the documented
//! normalisations (`docs/scenario.md`, "Comparing traces").

use warren_tests::fixtures;

#[test]
fn every_fixture_replays_identically() {
    let all = fixtures();
    assert!(
        all.len() >= 60,
        "expected at least 60 fixtures, found {}",
        all.len()
    );
    let only = std::env::var("WARREN_FIXTURE").ok();
    let mut failures = Vec::new();
    let mut checked = 0;
    for f in all
        .iter()
        .filter(|f| only.as_deref().is_none_or(|o| f.name.contains(o)))
    {
        checked += 1;
        if let Err(diff) = f.check() {
            failures.push(format!("=== {} ===\n{diff}", f.name));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {checked} fixtures diverge from RabbitMQ:\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}
