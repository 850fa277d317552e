//! Helpers shared by the reducer's test suites.

use warren_web::state::AppState;

/// Everything observable about a moment: the time, what the broker holds
/// (exchanges, queues, bindings, consumers, the ledger), the actors, and
/// the log.
pub fn fingerprint(s: &AppState) -> String {
    let v = s.world.view();
    let log: Vec<String> = s
        .world
        .log()
        .entries()
        .map(|e| format!("{} {} {}", e.at, e.kind, e.text()))
        .collect();
    format!(
        "{:?}\n{:?}\n{:?}\n{:?}\n{:?}\n{:?}\n{:?}\n{}",
        s.now(),
        v.exchanges,
        v.queues,
        v.bindings,
        v.consumers,
        v.actors,
        v.ledger,
        log.join("\n")
    )
}
