//! Shared harness for Warren's integration suites: fixture loading and trace
//! comparison, usable from native tests and (through `include_str!`d data)
//! from the browser suites.
#![deny(missing_docs)]

use serde_json::Value;
use warren_scenario::{normalise, Runner, Scenario};

include!(concat!(env!("OUT_DIR"), "/fixtures.rs"));

/// Parses every compiled-in fixture.
///
/// # Panics
/// If a fixture does not parse: they are recorded, known-good files.
pub fn fixtures() -> Vec<Fixture> {
    FIXTURES
        .iter()
        .map(|(name, text)| Fixture::parse(name, text).unwrap_or_else(|e| panic!("{e}")))
        .collect()
}

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
pub fn run_scenario(scenario: &Scenario) -> warren_scenario::Trace {
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

/// The routing corpus (`tests/data/routing/*.json`, format in its README),
/// compiled in so that native and browser suites read the same cases.
pub const ROUTING_CORPUS: [(&str, &str); 4] = [
    ("direct", include_str!("../data/routing/direct.json")),
    ("fanout", include_str!("../data/routing/fanout.json")),
    ("topic", include_str!("../data/routing/topic.json")),
    ("headers", include_str!("../data/routing/headers.json")),
];

/// A table written as an object or as an array of `[key, value]` pairs
/// (the corpus uses pairs where order or duplicates matter).
fn table(v: Option<&Value>) -> Result<warren_core::FieldTable, String> {
    match v {
        None | Some(Value::Null) => Ok(warren_core::FieldTable::new()),
        Some(Value::Array(pairs)) => pairs
            .iter()
            .map(|p| match p.as_array().map(Vec::as_slice) {
                Some([Value::String(k), v]) => {
                    Ok((k.clone(), warren_core::FieldValue::from_json(v)?))
                }
                _ => Err(format!("expected a [key, value] pair, found {p}")),
            })
            .collect(),
        Some(v) => warren_core::FieldTable::from_json(v),
    }
}

/// Runs one routing case through a whole broker: declare, bind (expecting
/// the recorded error where there is one), unbind, publish, then check
/// which queues hold a copy, one each, and that `explain_route` agrees.
///
/// # Errors
/// What differed, naming the case.
pub fn run_routing_case(case: &Value) -> Result<(), String> {
    use warren_core::methods::*;
    let name = case["name"].as_str().unwrap_or("?");
    let fail = |m: String| format!("{name}: {m}");
    let kind = case["exchange_type"].as_str().unwrap_or("direct");
    let mut b = warren_core::Broker::new();
    let mut ch = b.connect();
    b.exchange_declare(
        ch,
        &ExchangeDeclare {
            exchange: "x".into(),
            exchange_type: Some(kind.into()),
            ..Default::default()
        },
    )
    .map_err(|e| fail(e.to_string()))?;
    let binds = case["bindings"].as_array().cloned().unwrap_or_default();
    let unbinds = case["unbind"].as_array().cloned().unwrap_or_default();
    let expect: Vec<String> = case["expect"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|q| q.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    let mut queues: Vec<String> = binds
        .iter()
        .chain(&unbinds)
        .filter_map(|b| b["queue"].as_str().map(str::to_owned))
        .chain(expect.iter().cloned())
        .collect();
    queues.sort();
    queues.dedup();
    for q in &queues {
        b.queue_declare(
            ch,
            &QueueDeclare {
                queue: q.clone(),
                ..Default::default()
            },
        )
        .map_err(|e| fail(e.to_string()))?;
    }
    let bind_of = |v: &Value| -> Result<QueueBind, String> {
        Ok(QueueBind {
            queue: v["queue"].as_str().unwrap_or_default().into(),
            exchange: "x".into(),
            routing_key: v["routing_key"].as_str().unwrap_or_default().into(),
            arguments: table(v.get("arguments")).map_err(&fail)?,
        })
    };
    for v in &binds {
        let r = b.queue_bind(ch, &bind_of(v)?);
        match (r, v.get("error")) {
            (Ok(()), None) => {}
            (Err(e), Some(want)) => {
                let got = e.amqp().map(|a| (a.code.code(), a.text.clone()));
                let wanted = (
                    want["code"].as_u64().unwrap_or(0) as u16,
                    want["text"].as_str().unwrap_or("").to_owned(),
                );
                if got != Some(wanted.clone()) {
                    return Err(fail(format!("bind error {got:?}, expected {wanted:?}")));
                }
                ch = b.connect();
            }
            (r, want) => return Err(fail(format!("bind gave {r:?}, expected error {want:?}"))),
        }
    }
    for v in &unbinds {
        b.queue_unbind(ch, &bind_of(v)?)
            .map_err(|e| fail(e.to_string()))?;
    }
    let headers = table(case["publish"].get("headers")).map_err(&fail)?;
    let routing_key = case["publish"]["routing_key"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let why = b.explain_route("x", &routing_key, &headers);
    let props = warren_core::Properties {
        headers: (!headers.is_empty()).then(|| headers.clone()),
        ..Default::default()
    };
    b.basic_publish(
        ch,
        &BasicPublish {
            exchange: "x".into(),
            routing_key,
            properties: props,
            body: "m".into(),
            ..Default::default()
        },
    )
    .map_err(|e| fail(e.to_string()))?;
    let got: Vec<String> = queues
        .iter()
        .filter(|q| b.queue(q).is_some_and(|i| i.ready > 0))
        .cloned()
        .collect();
    if got != expect {
        return Err(fail(format!("reached {got:?}, expected {expect:?}")));
    }
    if let Some(q) = queues
        .iter()
        .find(|q| b.queue(q).is_some_and(|i| i.ready > 1))
    {
        return Err(fail(format!("queue {q} got more than one copy")));
    }
    if why.queues != expect {
        return Err(fail(format!(
            "explain_route says {:?}, expected {expect:?}",
            why.queues
        )));
    }
    b.check_invariants().map_err(fail)
}

/// Runs every case of the corpus; returns (cases run, failures).
pub fn run_routing_corpus() -> (usize, Vec<String>) {
    let mut run = 0;
    let mut failures = Vec::new();
    for (file, text) in ROUTING_CORPUS {
        let doc: Value = match serde_json::from_str(text) {
            Ok(d) => d,
            Err(e) => {
                failures.push(format!("{file}.json: {e}"));
                continue;
            }
        };
        for case in doc["cases"].as_array().into_iter().flatten() {
            run += 1;
            if let Err(e) = run_routing_case(case) {
                failures.push(e);
            }
        }
    }
    (run, failures)
}
