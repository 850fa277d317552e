//! Python source text: string literals, AMQP values as the Python values
//! pika encodes to the same wire type, comments and file names.
//!
//! Everything a scene holds (names, keys, bodies, header values) goes into
//! the scripts through [`str_lit`] or [`comment`], never pasted raw: a name
//! with a quote, a backslash or a newline must stay a name.

use std::fmt::Write as _;

use warren_core::{FieldTable, FieldValue};

/// A Python 3 string literal (double-quoted) whose value is exactly `s`.
///
/// Printable text, non-ASCII included, is kept as it is (Python 3 source
/// is UTF-8) so that `"café"` reads as `"café"`. Escaped: the backslash,
/// the double quote, every control character (C0, DEL, C1), the characters
/// some tools treat as line breaks (U+2028, U+2029), and the invisible
/// formatting characters that can make code read differently from what it
/// does (bidirectional overrides and isolates, zero-width characters, the
/// byte-order mark).
pub fn str_lit(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if needs_escape(c) => {
                let n = u32::from(c);
                let _ = if n <= 0xff {
                    write!(out, "\\x{n:02x}")
                } else {
                    write!(out, "\\u{n:04x}")
                };
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Characters a literal (or a comment) spells as an escape.
fn needs_escape(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{2028}'
                | '\u{2029}'
                | '\u{200b}'..='\u{200f}'
                | '\u{202a}'..='\u{202e}'
                | '\u{2066}'..='\u{2069}'
                | '\u{feff}'
        )
}

/// Text for a `#` comment: one line, whatever `s` holds (a newline in a
/// name must not end the comment and start code).
pub fn comment_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c if needs_escape(c) => {
                let _ = write!(out, "\\u{:04x}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out
}

/// A `#` comment line, indented by `indent`, of any text.
pub fn comment(indent: &str, s: &str) -> String {
    format!("{indent}# {}\n", comment_text(s))
}

/// A Python expression for a field table (a dict, keys in order), and
/// the notes on values pika cannot send with the same AMQP type.
pub fn table(t: &FieldTable, notes: &mut Vec<String>) -> String {
    if t.is_empty() {
        return "{}".into();
    }
    let items: Vec<String> =
        t.0.iter()
            .map(|(k, v)| format!("{}: {}", str_lit(k), value(k, v, notes)))
            .collect();
    format!("{{{}}}", items.join(", "))
}

/// A Python expression pika encodes as `v` (`path` names it in notes).
///
/// pika picks the wire type from the Python type: `bool` → `t`, `int` →
/// `I` (signed 32-bit) or `l` (64-bit) by size, `float` → `d`, `str` →
/// `S`, `bytes` → `x`, `Decimal` → `D`, `datetime` → `T`, `dict` → `F`,
/// `list` → `A`, `None` → `V`. The other AMQP types (8- and 16-bit,
/// unsigned 32-bit, 32-bit float) have no Python spelling: their value is
/// kept and a note says which type it becomes.
pub fn value(path: &str, v: &FieldValue, notes: &mut Vec<String>) -> String {
    const INT: &str = "a signed 32-bit int (I)";
    // The wire type pika would not choose, and the one it sends instead.
    let (text, narrowed): (String, Option<(&str, &str)>) = match v {
        FieldValue::Bool(b) => (if *b { "True" } else { "False" }.into(), None),
        FieldValue::I8(n) => (n.to_string(), Some(("signed 8-bit (b)", INT))),
        FieldValue::U8(n) => (n.to_string(), Some(("unsigned 8-bit (B)", INT))),
        FieldValue::I16(n) => (n.to_string(), Some(("signed 16-bit (s)", INT))),
        FieldValue::U16(n) => (n.to_string(), Some(("unsigned 16-bit (u)", INT))),
        FieldValue::I32(n) => (n.to_string(), None),
        FieldValue::U32(n) => {
            let to = if i32::try_from(*n).is_ok() {
                INT
            } else {
                "a 64-bit long (l)"
            };
            (n.to_string(), Some(("unsigned 32-bit (i)", to)))
        }
        FieldValue::I64(n) => {
            let fits = i32::try_from(*n).is_ok();
            (n.to_string(), fits.then_some(("64-bit long (l)", INT)))
        }
        FieldValue::F32(x) => (
            float(f64::from(*x)),
            Some(("32-bit float (f)", "a 64-bit double (d)")),
        ),
        FieldValue::F64(x) => (float(*x), None),
        FieldValue::Decimal { scale, value } => {
            let digits = format!("{value:0>width$}", width = usize::from(*scale) + 1);
            let (int, frac) = digits.split_at(digits.len() - usize::from(*scale));
            let text = if frac.is_empty() {
                int.to_owned()
            } else {
                format!("{int}.{frac}")
            };
            (format!("decimal.Decimal({})", str_lit(&text)), None)
        }
        FieldValue::LongStr(s) => (str_lit(s), None),
        FieldValue::Bytes(b) => (bytes_lit(b), None),
        FieldValue::Timestamp(t) => (
            format!("datetime.datetime.fromtimestamp({t}, datetime.timezone.utc)"),
            None,
        ),
        FieldValue::Table(t) => (table(t, notes), None),
        FieldValue::Array(items) => {
            let items: Vec<String> = items
                .iter()
                .enumerate()
                .map(|(i, x)| value(&format!("{path}[{i}]"), x, notes))
                .collect();
            (format!("[{}]", items.join(", ")), None)
        }
        FieldValue::Void => ("None".into(), None),
    };
    if let Some((wire, to)) = narrowed {
        notes.push(format!(
            "{}: the scene has a {wire} value; pika sends it as {to}",
            comment_text(path)
        ));
    }
    text
}

/// A Python float literal (`inf` and `nan` have none: spelled as calls).
fn float(x: f64) -> String {
    if x.is_nan() {
        "float(\"nan\")".into()
    } else if x.is_infinite() {
        if x > 0.0 {
            "float(\"inf\")"
        } else {
            "float(\"-inf\")"
        }
        .into()
    } else {
        // Display never writes an exponent; a whole number gets its `.0`
        // so that Python reads a float (and pika sends a double).
        let s = x.to_string();
        if s.contains('.') {
            s
        } else {
            s + ".0"
        }
    }
}

/// A Python bytes literal.
pub fn bytes_lit(b: &[u8]) -> String {
    let mut out = String::from("b\"");
    for &c in b {
        match c {
            b'\\' => out.push_str("\\\\"),
            b'"' => out.push_str("\\\""),
            0x20..=0x7e => out.push(char::from(c)),
            _ => {
                let _ = write!(out, "\\x{c:02x}");
            }
        }
    }
    out.push('"');
    out
}

/// A file-name stem from a display name: ASCII letters and digits,
/// lowercased, everything else one `_`; `fallback` when nothing is left.
pub fn slug(name: &str, fallback: &str) -> String {
    let mut out = String::new();
    for c in name.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('_') {
            out.push('_');
        }
    }
    let trimmed = out.trim_matches('_');
    if trimmed.is_empty() {
        fallback.to_owned()
    } else {
        trimmed.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literals_escape_what_would_break_or_hide() {
        assert_eq!(str_lit("a\"b\\c"), r#""a\"b\\c""#);
        assert_eq!(str_lit("x\ny\r\t"), r#""x\ny\r\t""#);
        assert_eq!(str_lit("café ☕"), "\"café ☕\"");
        assert_eq!(str_lit("\u{0}\u{7f}\u{85}"), r#""\x00\x7f\x85""#);
        assert_eq!(str_lit("a\u{202e}b\u{2028}"), r#""a\u202eb\u2028""#);
        assert_eq!(str_lit("\"\"\"'''"), r#""\"\"\"'''""#);
    }

    #[test]
    fn comments_stay_on_one_line() {
        assert_eq!(comment("  ", "a\nimport os"), "  # a\\nimport os\n");
    }

    #[test]
    fn values_keep_their_wire_type_or_say_why_not() {
        let mut notes = Vec::new();
        assert_eq!(value("k", &FieldValue::I32(-5), &mut notes), "-5");
        assert_eq!(value("k", &FieldValue::F64(1.0), &mut notes), "1.0");
        assert_eq!(value("k", &FieldValue::F64(-2.5), &mut notes), "-2.5");
        assert_eq!(
            value("k", &FieldValue::F64(1e21), &mut notes),
            "1000000000000000000000.0"
        );
        assert_eq!(value("k", &FieldValue::Bool(true), &mut notes), "True");
        assert_eq!(value("k", &FieldValue::Void, &mut notes), "None");
        assert!(notes.is_empty());
        assert_eq!(value("k", &FieldValue::U8(7), &mut notes), "7");
        assert_eq!(notes.len(), 1);
        assert!(notes[0].contains("unsigned 8-bit"), "{notes:?}");
        let d = FieldValue::Decimal { scale: 2, value: 5 };
        assert_eq!(value("k", &d, &mut notes), "decimal.Decimal(\"0.05\")");
        assert_eq!(bytes_lit(b"a\"\\\x00"), r#"b"a\"\\\x00""#);
    }

    #[test]
    fn slugs_are_file_names() {
        assert_eq!(slug("mailer 2", "c"), "mailer_2");
        assert_eq!(slug("Ünïcode—!", "c"), "n_code");
        assert_eq!(slug("☕", "consumer1"), "consumer1");
    }
}
