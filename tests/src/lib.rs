//! Shared harness for Warren's integration suites: fixture loading and trace
//! comparison, usable from native tests and (through `include_str!`d data)
//! from the browser suites.
#![deny(missing_docs)]

use serde_json::Value;
use warren_core::{normalise, Runner, Scenario};

/// A recorded conformance fixture: a scenario and the trace a real
/// RabbitMQ 3.10 broker produced for it.
#[derive(Clone, Debug)]
pub struct Fixture {
    /// File stem.
    pub name: String,
    /// The scenario.
    pub scenario: Scenario,
    /// The broker's trace, as recorded.
    pub recorded: Value,
    /// Whether the recorder saw two runs differ.
    pub nondeterministic: bool,
}

impl Fixture {
    /// Parses a fixture document (`{"scenario": …, "trace": …}`).
    ///
    /// # Errors
    /// A message naming what is missing or malformed.
    pub fn parse(name: &str, text: &str) -> Result<Self, String> {
        let doc: Value = serde_json::from_str(text).map_err(|e| format!("{name}: {e}"))?;
        let scenario = Scenario::from_value(doc.get("scenario").unwrap_or(&Value::Null))
            .map_err(|e| format!("{name}: scenario: {e}"))?;
        let recorded = doc
            .get("trace")
            .cloned()
            .ok_or_else(|| format!("{name}: no trace"))?;
        Ok(Self {
            name: name.to_owned(),
            scenario,
            recorded,
            nondeterministic: doc.get("nondeterministic").and_then(Value::as_bool) == Some(true),
        })
    }

    /// Runs the scenario on Warren's core and returns its trace as JSON.
    pub fn replay(&self) -> Value {
        run_scenario(&self.scenario).to_value()
    }

    /// Replays and compares normal forms; `Err` holds a readable diff.
    ///
    /// # Errors
    /// The first differences between the normal forms.
    pub fn check(&self) -> Result<(), String> {
        let ours = normalise(&self.replay());
        let theirs = normalise(&self.recorded);
        if ours == theirs {
            Ok(())
        } else {
            Err(diff(&theirs, &ours))
        }
    }
}

/// Runs a scenario on a fresh broker (definitions applied first).
///
/// # Panics
/// If the scenario's definitions do not load: fixtures are known-good.
pub fn run_scenario(scenario: &Scenario) -> warren_core::Trace {
    let (broker, _) = scenario
        .broker()
        .unwrap_or_else(|e| panic!("{}: definitions: {e}", scenario.name));
    let mut runner = Runner::new(broker);
    runner
        .add_actors(scenario)
        .unwrap_or_else(|e| panic!("{}: actors: {e}", scenario.name));
    runner.run(scenario)
}

/// A line diff of two JSON values (pretty-printed), at most 60 lines.
pub fn diff(expected: &Value, actual: &Value) -> String {
    let a = serde_json::to_string_pretty(expected).unwrap_or_default();
    let b = serde_json::to_string_pretty(actual).unwrap_or_default();
    let (a, b): (Vec<&str>, Vec<&str>) = (a.lines().collect(), b.lines().collect());
    // Longest common subsequence on lines: fixtures are small.
    let (n, m) = (a.len(), b.len());
    let mut lcs = vec![vec![0u32; m + 1]; n + 1];
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            lcs[i][j] = if a[i] == b[j] {
                lcs[i + 1][j + 1] + 1
            } else {
                lcs[i + 1][j].max(lcs[i][j + 1])
            };
        }
    }
    let (mut i, mut j, mut out) = (0, 0, Vec::new());
    while i < n || j < m {
        if i < n && j < m && a[i] == b[j] {
            i += 1;
            j += 1;
        } else if j < m && (i == n || lcs[i][j + 1] >= lcs[i + 1][j]) {
            out.push(format!("+ (warren) {}", b[j]));
            j += 1;
        } else {
            out.push(format!("- (rabbitmq) {}", a[i]));
            i += 1;
        }
        if out.len() >= 60 {
            out.push("…".into());
            break;
        }
    }
    out.join("\n")
}
