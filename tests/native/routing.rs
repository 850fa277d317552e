//! The routing corpus (289 cases, each verified on RabbitMQ 3.10.8) through
//! the whole broker: declare, bind, unbind, publish, count copies.

#[test]
fn every_routing_case_routes_as_rabbitmq_does() {
    let (run, failures) = warren_tests::run_routing_corpus();
    assert!(run >= 280, "only {run} cases");
    assert!(
        failures.is_empty(),
        "{} of {run} cases fail:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
