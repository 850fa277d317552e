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

/// `text.parse::<f64>()`, with the same grammar and the same (correctly
/// rounded) result, but read by serde_json's float parser, which the wasm
/// carries anyway. `str::parse::<f64>` alone would add std's decimal
/// parser and its 10 KB table of powers of five to the download.
///
/// Accepted, as std accepts it: an optional sign, then `inf`, `infinity` or
/// `nan` in any case, or digits with an optional `.` (digits on at least one
/// side) and an optional exponent (`e`/`E`, optional sign, digits).
pub fn parse_f64(text: &str) -> Option<f64> {
    let (negative, rest) = match text.as_bytes().first() {
        Some(b'-') => (true, &text[1..]),
        Some(b'+') => (false, &text[1..]),
        _ => (false, text),
    };
    let value = if rest.eq_ignore_ascii_case("inf") || rest.eq_ignore_ascii_case("infinity") {
        f64::INFINITY
    } else if rest.eq_ignore_ascii_case("nan") {
        f64::NAN
    } else {
        let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
        let (mantissa, exponent) = match rest.find(['e', 'E']) {
            Some(at) => (&rest[..at], Some(&rest[at + 1..])),
            None => (rest, None),
        };
        let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
        if !digits(int) || !digits(frac) || int.len() + frac.len() == 0 {
            return None;
        }
        // JSON wants no leading zeros, a digit before the point and one
        // after it: `007.` is written `7`, `.5` is written `0.5`.
        let int = int.trim_start_matches('0');
        let mut json = String::with_capacity(rest.len() + 2);
        json.push_str(if int.is_empty() { "0" } else { int });
        if !frac.is_empty() {
            json.push('.');
            json.push_str(frac);
        }
        if let Some(exp) = exponent {
            let unsigned = exp.strip_prefix(['+', '-']).unwrap_or(exp);
            if unsigned.is_empty() || !digits(unsigned) {
                return None;
            }
            json.push('e');
            json.push_str(exp);
        }
        // The text is now a valid JSON number, so the only error left is
        // "out of range", which std reads as infinity.
        serde_json::from_str::<f64>(&json).unwrap_or(f64::INFINITY)
    };
    Some(if negative { -value } else { value })
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

    /// Edge cases of Rust's float grammar: signs, missing digits, exponents
    /// out of range, subnormals, infinities and NaNs, and near misses.
    const FLOAT_CASES: &[&str] = &[
        "0",
        "-0",
        "+0",
        "1",
        "+1",
        "-1",
        "007",
        "007.50",
        ".5",
        "5.",
        "-.5",
        "+5.",
        "1e5",
        "1E5",
        "1e+5",
        "1e-5",
        "1.e3",
        ".5e-3",
        "2.5E+02",
        "0.1",
        "0.30000000000000004",
        "123456789012345678901234567890",
        "18446744073709551615",
        "18446744073709551616",
        "9007199254740993",
        "1e308",
        "1.7976931348623157e308",
        "1.8e308",
        "1e400",
        "-1e400",
        "1e-320",
        "5e-324",
        "2e-324",
        "1e-400",
        "0e999999999999",
        "1e99999999999999999999",
        "000000000000000000000000000001",
        "0.000000000000000000000000000001",
        "2.2250738585072011e-308",
        "inf",
        "-inf",
        "+infinity",
        "Infinity",
        "INF",
        "NaN",
        "-nan",
        "nan",
        "",
        ".",
        "-",
        "+",
        "e5",
        ".e5",
        "1e",
        "1e+",
        "1e-",
        "1.2.3",
        "1,5",
        " 1",
        "1 ",
        "1_000",
        "0x10",
        "--1",
        "+-1",
        "infinit",
        "nanx",
        "1e5.5",
        "١",
    ];

    /// Asserts `parse_f64` agrees with `str::parse::<f64>` on `text`. Bits
    /// compare signs too; NaN payloads aside, a NaN's sign counts.
    fn assert_parses_as_std(text: &str) {
        let key = |f: f64| {
            if f.is_nan() {
                (0, true, f.is_sign_negative())
            } else {
                (f.to_bits(), false, false)
            }
        };
        assert_eq!(
            text.parse::<f64>().ok().map(key),
            parse_f64(text).map(key),
            "{text:?}"
        );
    }

    #[test]
    fn floats_parse_as_std_parses_them() {
        for text in FLOAT_CASES {
            assert_parses_as_std(text);
        }
    }

    #[test]
    fn short_floats_parse_as_std_parses_them() {
        // Every string of up to five characters over the grammar's alphabet.
        let alphabet = b"019.eE+-i";
        let mut text = Vec::new();
        for len in 1..=5_u32 {
            for mut n in 0..alphabet.len().pow(len) {
                text.clear();
                for _ in 0..len {
                    text.push(alphabet[n % alphabet.len()]);
                    n /= alphabet.len();
                }
                assert_parses_as_std(std::str::from_utf8(&text).unwrap());
            }
        }
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
