//! Runs the routing corpus (`tests/data/routing/*.json`, format in its
//! README) against the matchers alone: direct is byte equality, fanout
//! matches every binding, topic goes through both `TopicTrie` and the
//! reference `topic_matches`, headers through `headers_match` and
//! `explain_headers`. The broker runs the same corpus end to end elsewhere.

use std::collections::BTreeSet;

use serde_json::Value;
use warren_core::{
    explain_headers, headers_match, topic_matches, validate_binding_args, FieldTable, FieldValue,
    TopicTrie,
};

const FILES: [(&str, &str); 4] = [
    (
        "direct",
        include_str!("../../tests/data/routing/direct.json"),
    ),
    (
        "fanout",
        include_str!("../../tests/data/routing/fanout.json"),
    ),
    ("topic", include_str!("../../tests/data/routing/topic.json")),
    (
        "headers",
        include_str!("../../tests/data/routing/headers.json"),
    ),
];

/// A field table: a JSON object, or `[key, value]` pairs when order or
/// duplicate keys matter.
fn table(v: &Value) -> FieldTable {
    match v {
        Value::Array(pairs) => pairs
            .iter()
            .map(|p| {
                let key = p[0].as_str().expect("pair key").to_owned();
                (key, FieldValue::from_json(&p[1]).expect("pair value"))
            })
            .collect(),
        other => FieldTable::from_json(other).expect("table"),
    }
}

#[derive(Debug)]
struct Binding {
    queue: String,
    key: String,
    args: FieldTable,
}

/// A binding's identity: queue, key and arguments, the arguments compared
/// exactly (type tags included) after a stable sort by key, as 3.10 stores
/// them (`rabbit_binding:binding_action/3`).
impl PartialEq for Binding {
    fn eq(&self, other: &Self) -> bool {
        let sorted = |t: &FieldTable| {
            let mut v = t.0.clone();
            v.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
            v
        };
        self.queue == other.queue
            && self.key == other.key
            && sorted(&self.args) == sorted(&other.args)
    }
}

fn binding(v: &Value) -> Binding {
    Binding {
        queue: v["queue"].as_str().expect("queue").to_owned(),
        key: v["routing_key"].as_str().expect("routing_key").to_owned(),
        args: table(&v["arguments"]),
    }
}

/// What one case routes to, per the matchers.
fn route(case: &Value) -> Result<BTreeSet<String>, String> {
    let ty = case["exchange_type"].as_str().expect("exchange_type");
    let mut bindings = Vec::new();
    for b in case["bindings"].as_array().expect("bindings") {
        let parsed = binding(b);
        let verdict = if ty == "headers" {
            validate_binding_args(&parsed.args)
        } else {
            Ok(())
        };
        match (&b["error"], verdict) {
            (Value::Null, Ok(())) => bindings.push(parsed),
            (Value::Null, Err(e)) => return Err(format!("bind failed unexpectedly: {e}")),
            (want, Ok(())) => return Err(format!("bind succeeded, expected {want}")),
            (want, Err(text)) => {
                assert_eq!(want["code"], 406);
                let want = want["text"].as_str().expect("error text");
                let got = format!("PRECONDITION_FAILED - {text}");
                if want != got {
                    return Err(format!("bind error {got:?}, expected {want:?}"));
                }
            }
        }
    }
    // The trie holds bindings by index; removing one copy mirrors unbind.
    let mut trie = TopicTrie::new();
    for (i, b) in bindings.iter().enumerate() {
        trie.insert(&b.key, i);
    }
    for u in case["unbind"].as_array().into_iter().flatten() {
        let u = binding(u);
        // A binding is (queue, key, arguments); unbinding a missing one is fine.
        if let Some(i) = bindings.iter().position(|b| *b == u) {
            assert!(trie.remove(&bindings[i].key, i));
            bindings[i].queue.clear();
        }
    }
    let live = |i: usize| !bindings[i].queue.is_empty();

    let publish = &case["publish"];
    let mut headers = table(&publish["headers"]);
    // Every routing key: the publish key plus the longstr elements of the
    // first CC and BCC headers; BCC is stripped before routing (§2).
    let mut keys = vec![publish["routing_key"]
        .as_str()
        .expect("routing_key")
        .to_owned()];
    for name in ["CC", "BCC"] {
        if let Some(FieldValue::Array(items)) = headers.get(name) {
            keys.extend(items.iter().filter_map(|v| match v {
                FieldValue::LongStr(s) => Some(s.clone()),
                _ => None,
            }));
        }
    }
    if let Some(i) = headers.0.iter().position(|(k, _)| k == "BCC") {
        headers.0.remove(i);
    }

    let mut hit = BTreeSet::new();
    for (i, b) in bindings.iter().enumerate().filter(|&(i, _)| live(i)) {
        let matched = match ty {
            "direct" => keys.contains(&b.key),
            "fanout" => true,
            "topic" => keys.iter().any(|k| topic_matches(&b.key, k)),
            "headers" => {
                let m = headers_match(&b.args, &headers);
                let e = explain_headers(&b.args, &headers);
                if e.matched != m {
                    return Err(format!("explain_headers disagrees for binding {i}: {e}"));
                }
                m
            }
            other => panic!("unknown exchange type {other}"),
        };
        if matched {
            hit.insert(b.queue.clone());
        }
    }
    if ty == "topic" {
        let mut via_trie = BTreeSet::new();
        for k in &keys {
            trie.for_each_match(k, |i| {
                assert!(live(i), "trie returned unbound binding {i}");
                via_trie.insert(bindings[i].queue.clone());
            });
        }
        if via_trie != hit {
            return Err(format!("trie {via_trie:?} != reference {hit:?}"));
        }
    }
    Ok(hit)
}

#[test]
fn routing_corpus() {
    let mut failures = Vec::new();
    let mut names = BTreeSet::new();
    let mut total = 0;
    for (file, text) in FILES {
        let doc: Value = serde_json::from_str(text).unwrap_or_else(|e| panic!("{file}.json: {e}"));
        for case in doc["cases"].as_array().expect("cases") {
            total += 1;
            let name = case["name"].as_str().expect("name");
            assert!(names.insert(name.to_owned()), "duplicate case name {name}");
            assert_eq!(case["exchange_type"], file, "{name} is in {file}.json");
            assert!(
                case["source"].as_str().is_some_and(|s| !s.is_empty()),
                "{name} cites no source"
            );
            let want: Vec<&str> = case["expect"]
                .as_array()
                .expect("expect")
                .iter()
                .map(|q| q.as_str().expect("queue"))
                .collect();
            assert!(
                want.windows(2).all(|w| w[0] < w[1]),
                "{name}: expect must be sorted and unique"
            );
            match route(case) {
                Ok(got) if got.iter().map(String::as_str).eq(want.iter().copied()) => {}
                Ok(got) => failures.push(format!(
                    "{file}/{name}: routed to {got:?}, expected {want:?}"
                )),
                Err(e) => failures.push(format!("{file}/{name}: {e}")),
            }
        }
    }
    assert!(total >= 150, "only {total} cases");
    assert!(
        failures.is_empty(),
        "{} of {total} cases failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
