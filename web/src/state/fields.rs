//! Field tables as people type them in forms, one `key = value` per line,
//! and back. Values are read as JSON when they parse as JSON (`5`, `true`,
//! `"5"`, `["a", "b"]`), else as text, then typed as the scenario format
//! types them ([`FieldValue::from_json`]: 32-bit integers are `signedint`).

use serde_json::Value as Json;
use warren_core::{FieldTable, FieldValue};

/// Reads a `key = value` list (also `key: value`). Blank lines and lines
/// starting with `#` are skipped.
///
/// # Errors
/// The first line that is not a `key = value` pair, or a value the core
/// cannot type.
pub fn parse_table(text: &str) -> Result<FieldTable, String> {
    let mut table = FieldTable::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let split = line
            .find('=')
            .or_else(|| line.find(':'))
            .ok_or_else(|| format!("line {}: write it as key = value", i + 1))?;
        let key = line[..split].trim();
        let raw = line[split + 1..].trim();
        if key.is_empty() {
            return Err(format!("line {}: the key is empty", i + 1));
        }
        let value = parse_value(raw).map_err(|e| format!("line {}: {e}", i + 1))?;
        table.insert(key, value);
    }
    Ok(table)
}

/// One value: JSON if it parses, else text.
///
/// # Errors
/// A JSON value the core cannot type (an out-of-range integer, a bad
/// `$type`).
pub fn parse_value(raw: &str) -> Result<FieldValue, String> {
    match serde_json::from_str::<Json>(raw) {
        Ok(json) => FieldValue::from_json(&json),
        Err(_) => Ok(FieldValue::LongStr(raw.to_owned())),
    }
}

/// A value as it is typed back: text bare unless it would read back as
/// something else, anything else as JSON.
pub fn format_value(v: &FieldValue) -> String {
    match v {
        FieldValue::LongStr(s) if serde_json::from_str::<Json>(s).is_err() && !s.is_empty() => {
            s.clone()
        }
        other => other.to_json().to_string(),
    }
}

/// A table as `key = value` lines (what [`parse_table`] reads back).
pub fn format_table(t: &FieldTable) -> String {
    t.iter()
        .map(|(k, v)| format!("{k} = {}", format_value(v)))
        .collect::<Vec<_>>()
        .join("\n")
}

/// A table on one line, for labels: `format=pdf, x-match=all`.
pub fn inline_table(t: &FieldTable) -> String {
    t.iter()
        .map(|(k, v)| format!("{k}={}", format_value(v)))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Milliseconds as people read them: `400 ms`, `1.5 s`, `2 min`.
pub fn human_ms(ms: u64) -> String {
    if ms < 1000 {
        format!("{ms} ms")
    } else if ms < 60_000 {
        let s = ms as f64 / 1000.0;
        if ms.is_multiple_of(1000) {
            format!("{} s", ms / 1000)
        } else {
            format!("{s:.1} s")
        }
    } else if ms.is_multiple_of(60_000) {
        format!("{} min", ms / 60_000)
    } else {
        format!("{:.1} min", ms as f64 / 60_000.0)
    }
}

/// A count with a short suffix: `999`, `1.2k`, `35k`, `1.2M`.
pub fn short_count(n: u64) -> String {
    match n {
        0..=999 => n.to_string(),
        1000..=9_999 => format!("{:.1}k", n as f64 / 1000.0),
        10_000..=999_999 => format!("{}k", n / 1000),
        _ => format!("{:.1}M", n as f64 / 1_000_000.0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_round_trip_through_text() {
        let t = parse_table(
            "x-match = any\nformat: pdf\n\n# note\ncount = 5\nquoted = \"5\"\nlist = [1, \"a\"]",
        )
        .unwrap();
        assert_eq!(t.get("x-match"), Some(&FieldValue::str("any")));
        assert_eq!(t.get("format"), Some(&FieldValue::str("pdf")));
        assert_eq!(t.get("count"), Some(&FieldValue::I32(5)));
        assert_eq!(t.get("quoted"), Some(&FieldValue::str("5")));
        let back = parse_table(&format_table(&t)).unwrap();
        assert_eq!(back, t);
        assert!(parse_table("nonsense").is_err());
        assert!(parse_table(" = 1").is_err());
    }

    #[test]
    fn durations_and_counts_read_well() {
        assert_eq!(human_ms(400), "400 ms");
        assert_eq!(human_ms(1500), "1.5 s");
        assert_eq!(human_ms(2000), "2 s");
        assert_eq!(human_ms(120_000), "2 min");
        assert_eq!(short_count(1234), "1.2k");
        assert_eq!(short_count(12_345), "12k");
    }
}
