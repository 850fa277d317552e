//! Headers exchange matching, RabbitMQ 3.10 semantics (AMQP 0-9-1).
//!
//! # Rules
//!
//! The routing key is ignored; a binding's arguments are the pattern and
//! `x-match` (a `longstr`) picks how its tested arguments combine: `all`
//! (the default when absent), `any`, `all-with-x`, `any-with-x`.
//!
//! - `x-match` itself is never tested. Under `all`/`any` every argument whose
//!   name starts with `x-` is skipped; the `-with-x` modes test them.
//!   Message headers are data and are never skipped.
//! - An argument whose value is `void` tests that the header is present
//!   (with any value). Any other value must equal the header under 3.10's
//!   Erlang `==` ([`FieldValue::loose_eq`]): `1 == 1.0`, integer widths and
//!   string/byte-array tags are ignored at the top level, not inside tables
//!   and arrays; an empty table equals an empty array (both are `[]`).
//! - `all` needs every tested argument to hold, so a binding with none
//!   matches every message; `any` needs one, so it matches none.
//!
//! # Duplicate keys
//!
//! 3.10 sorts pattern and headers by key (a stable sort) and merges them,
//! each comparison consuming one entry of each side. So the n-th argument
//! named `k` is compared with the n-th header named `k`: a lone argument sees
//! the first header of that name, and a second argument of the same name
//! needs a second header. This module gets the same answer without sorting
//! by pairing entries by rank; the result of `all`/`any` does not depend on
//! the order in which arguments are checked.
//!
//! [S310 `deps/rabbit/src/rabbit_exchange_type_headers.erl` headers_match/5,
//! validate_binding/2]

use std::fmt::{self, Write as _};

use serde::Serialize;

use crate::value::{FieldTable, FieldValue};

/// How a headers binding combines its tested arguments: the value of its
/// `x-match` argument.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum MatchMode {
    /// Every tested argument must hold; `x-` arguments are not tested.
    All,
    /// At least one tested argument must hold; `x-` arguments are not tested.
    Any,
    /// Like `All`, but `x-` arguments (other than `x-match`) are tested.
    AllWithX,
    /// Like `Any`, but `x-` arguments (other than `x-match`) are tested.
    AnyWithX,
}

impl MatchMode {
    /// The mode a binding's arguments select.
    ///
    /// A missing `x-match` means `all`. So does an invalid one: bind-time
    /// validation ([`validate_binding_args`]) rejects those, and 3.10 falls
    /// back to `all` for bindings that predate validation.
    pub fn of(args: &FieldTable) -> Self {
        match args.get("x-match") {
            Some(FieldValue::LongStr(s)) => Self::parse(s).unwrap_or(Self::All),
            _ => Self::All,
        }
    }

    fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "all" => Self::All,
            "any" => Self::Any,
            "all-with-x" => Self::AllWithX,
            "any-with-x" => Self::AnyWithX,
            _ => return None,
        })
    }

    /// The `x-match` value naming this mode.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::All => "all",
            Self::Any => "any",
            Self::AllWithX => "all-with-x",
            Self::AnyWithX => "any-with-x",
        }
    }

    fn is_any(self) -> bool {
        matches!(self, Self::Any | Self::AnyWithX)
    }

    fn skips(self, key: &str) -> Option<ArgOutcome> {
        if key == "x-match" {
            Some(ArgOutcome::ModeSelector)
        } else if key.starts_with("x-") && matches!(self, Self::All | Self::Any) {
            Some(ArgOutcome::SkippedXArgument)
        } else {
            None
        }
    }
}

impl fmt::Display for MatchMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Checks a headers binding's arguments as `queue.bind`/`exchange.bind` do.
///
/// # Errors
/// The explanation RabbitMQ 3.10 sends after `PRECONDITION_FAILED - ` in the
/// 406 `channel.close`, with the offending value printed as Erlang's `~p`
/// prints it, e.g. `Invalid x-match field value <<"ALL">>; expected all,
/// any, all-with-x, or any-with-x`. Two liberties: the reply text is cut to
/// 255 bytes when the close frame is built, which is left to the caller
/// (it applies to every error); and a byte array that is not UTF-8 but
/// would be printed as text is converted lossily.
pub fn validate_binding_args(args: &FieldTable) -> Result<(), String> {
    match args.get("x-match") {
        None => Ok(()),
        Some(FieldValue::LongStr(s)) if MatchMode::parse(s).is_some() => Ok(()),
        Some(FieldValue::LongStr(s)) => {
            let mut out = b"Invalid x-match field value ".to_vec();
            erl_binary(s.as_bytes(), &mut out);
            out.extend_from_slice(b"; expected all, any, all-with-x, or any-with-x");
            Err(String::from_utf8_lossy(&out).into_owned())
        }
        Some(other) => {
            let mut out =
                format!("Invalid x-match field type {} (value ", other.type_name()).into_bytes();
            erl_value(other, &mut out);
            out.extend_from_slice(b"); expected longstr");
            Err(String::from_utf8_lossy(&out).into_owned())
        }
    }
}

/// Whether a message with `headers` matches a headers binding with `args`.
///
/// `headers` is the message's `headers` property (empty when absent) after
/// the broker removed the first `BCC` entry, as 3.10 routes the stored
/// message. See the module documentation for the rules.
pub fn headers_match(args: &FieldTable, headers: &FieldTable) -> bool {
    let mode = MatchMode::of(args);
    let any = mode.is_any();
    for (i, (key, value)) in args.0.iter().enumerate() {
        if mode.skips(key).is_some() {
            continue;
        }
        let holds = match partner(args, i, headers) {
            None => false,
            Some(header) => matches!(value, FieldValue::Void) || value.loose_eq(header),
        };
        if holds == any {
            // `any` found a match, or `all` found a failure.
            return any;
        }
    }
    !any
}

/// The header that binding argument `i` is compared with: the n-th header
/// with its key, where n counts earlier arguments with the same key (see
/// "Duplicate keys" in the module documentation).
fn partner<'h>(args: &FieldTable, i: usize, headers: &'h FieldTable) -> Option<&'h FieldValue> {
    let key = &args.0[i].0;
    let rank = args.0[..i].iter().filter(|(k, _)| k == key).count();
    headers
        .0
        .iter()
        .filter(|(k, _)| k == key)
        .nth(rank)
        .map(|(_, v)| v)
}

/// Why a headers binding did or did not match a message: the answer to "why
/// did this message go there" for a headers exchange.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct HeadersExplanation {
    /// The mode the binding's `x-match` selected.
    pub mode: MatchMode,
    /// One entry per binding argument, in the binding's order.
    pub args: Vec<ArgExplanation>,
    /// The verdict, as [`headers_match`] gives it.
    pub matched: bool,
}

/// What happened to one binding argument.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ArgExplanation {
    /// The argument's name.
    pub key: String,
    /// The argument's value.
    pub value: FieldValue,
    /// Whether it was tested, and how that went.
    pub outcome: ArgOutcome,
}

/// The fate of one binding argument; see [`tested`](Self::tested) and
/// [`holds`](Self::holds).
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum ArgOutcome {
    /// `x-match` itself: it picks the mode and is never compared.
    ModeSelector,
    /// An `x-` argument under `all`/`any`, which skip them.
    SkippedXArgument,
    /// The value is `void`, which asks only that the header be present; it is.
    Present {
        /// The header's value.
        header: FieldValue,
    },
    /// The header is present with an equal value (3.10's loose equality).
    Equal {
        /// The header's value, possibly of another type (`1` vs `1.0`).
        header: FieldValue,
    },
    /// No header has this name (or, for a repeated argument name, there are
    /// fewer headers of that name than arguments).
    MissingHeader,
    /// The header is present with a different value.
    DifferentValue {
        /// The header's value.
        header: FieldValue,
    },
}

impl ArgOutcome {
    /// Whether the argument took part in the decision.
    pub fn tested(&self) -> bool {
        !matches!(self, Self::ModeSelector | Self::SkippedXArgument)
    }

    /// Whether the argument was tested and held.
    pub fn holds(&self) -> bool {
        matches!(self, Self::Present { .. } | Self::Equal { .. })
    }
}

impl HeadersExplanation {
    /// How many arguments were tested; with none, `all` matches and `any`
    /// does not.
    pub fn tested(&self) -> usize {
        self.args.iter().filter(|a| a.outcome.tested()).count()
    }
}

impl fmt::Display for HeadersExplanation {
    /// One line: the mode, each argument's fate, the verdict.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "x-match {}:", self.mode)?;
        for a in &self.args {
            let (key, value) = (&a.key, &a.value);
            match &a.outcome {
                ArgOutcome::ModeSelector => continue,
                ArgOutcome::SkippedXArgument => write!(f, " {key} skipped (x- argument);")?,
                ArgOutcome::Present { .. } => write!(f, " {key} present;")?,
                ArgOutcome::Equal { header } => write!(f, " {key} = {header};")?,
                ArgOutcome::MissingHeader => write!(f, " {key} missing (wanted {value});")?,
                ArgOutcome::DifferentValue { header } => {
                    write!(f, " {key} = {header}, wanted {value};")?;
                }
            }
        }
        if self.tested() == 0 {
            f.write_str(" no tested arguments;")?;
        }
        f.write_str(if self.matched {
            " matches"
        } else {
            " no match"
        })
    }
}

/// Explains [`headers_match`]`(args, headers)` argument by argument.
///
/// Every argument is examined, even after the verdict is known, so the
/// explanation shows all reasons at once.
pub fn explain_headers(args: &FieldTable, headers: &FieldTable) -> HeadersExplanation {
    let mode = MatchMode::of(args);
    let explained: Vec<ArgExplanation> = args
        .0
        .iter()
        .enumerate()
        .map(|(i, (key, value))| {
            let outcome = mode
                .skips(key)
                .unwrap_or_else(|| match partner(args, i, headers) {
                    None => ArgOutcome::MissingHeader,
                    Some(h) if matches!(value, FieldValue::Void) => {
                        ArgOutcome::Present { header: h.clone() }
                    }
                    Some(h) if value.loose_eq(h) => ArgOutcome::Equal { header: h.clone() },
                    Some(h) => ArgOutcome::DifferentValue { header: h.clone() },
                });
            ArgExplanation {
                key: key.clone(),
                value: value.clone(),
                outcome,
            }
        })
        .collect();
    let mut tested = explained.iter().map(|a| &a.outcome).filter(|o| o.tested());
    let matched = if mode.is_any() {
        tested.any(ArgOutcome::holds)
    } else {
        tested.all(ArgOutcome::holds)
    };
    HeadersExplanation {
        mode,
        args: explained,
        matched,
    }
}

// Erlang's `~p` (io_lib_format, OTP 25), for the values that can appear in
// a decoded AMQP table: the binding error text quotes them. Long nested
// tables and arrays are printed on one line, where `~p` would break them
// at 80 columns.

/// `{Type, Value}` of one field as RabbitMQ decodes it, written as `Value`.
fn erl_value(v: &FieldValue, out: &mut Vec<u8>) {
    match v {
        FieldValue::LongStr(s) => erl_binary(s.as_bytes(), out),
        FieldValue::Bytes(b) => erl_binary(b, out),
        FieldValue::Bool(b) => out.extend_from_slice(if *b { b"true" } else { b"false" }),
        FieldValue::F32(f) => erl_float(f64::from(*f), out),
        FieldValue::F64(f) => erl_float(*f, out),
        FieldValue::Timestamp(t) => out.extend_from_slice(t.to_string().as_bytes()),
        FieldValue::Decimal { scale, value } => {
            out.extend_from_slice(format!("{{{scale},{value}}}").as_bytes());
        }
        FieldValue::Void => out.extend_from_slice(b"undefined"),
        FieldValue::Table(t) => {
            out.push(b'[');
            for (i, (k, v)) in t.0.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                out.push(b'{');
                erl_binary(k.as_bytes(), out);
                out.push(b',');
                out.extend_from_slice(v.type_name().as_bytes());
                out.push(b',');
                erl_value(v, out);
                out.push(b'}');
            }
            out.push(b']');
        }
        FieldValue::Array(a) => {
            out.push(b'[');
            for (i, v) in a.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                out.push(b'{');
                out.extend_from_slice(v.type_name().as_bytes());
                out.push(b',');
                erl_value(v, out);
                out.push(b'}');
            }
            out.push(b']');
        }
        int => out.extend_from_slice(int.as_int().unwrap_or_default().to_string().as_bytes()),
    }
}

/// A binary: `<<"text">>` when every byte is printable Latin-1 (the bytes
/// are copied, so UTF-8 text survives if none of its bytes is a C1 control),
/// otherwise `<<1,2,3>>`.
fn erl_binary(b: &[u8], out: &mut Vec<u8>) {
    let printable = |c: u8| matches!(c, 8..=13 | 27 | 32..=126 | 160..=255);
    if b.is_empty() {
        out.extend_from_slice(b"<<>>");
    } else if b.iter().all(|&c| printable(c)) {
        out.extend_from_slice(b"<<\"");
        for &c in b {
            let escaped: &[u8] = match c {
                b'"' => b"\\\"",
                b'\\' => b"\\\\",
                8 => b"\\b",
                9 => b"\\t",
                10 => b"\\n",
                11 => b"\\v",
                12 => b"\\f",
                13 => b"\\r",
                27 => b"\\e",
                _ => {
                    out.push(c);
                    continue;
                }
            };
            out.extend_from_slice(escaped);
        }
        out.extend_from_slice(b"\">>");
    } else {
        let list: Vec<String> = b.iter().map(u8::to_string).collect();
        out.extend_from_slice(format!("<<{}>>", list.join(",")).as_bytes());
    }
}

/// A float as `~p` writes it on OTP 25: the shortest digits that read
/// back, in plain notation unless scientific is shorter or the magnitude is
/// 2^53 or more (io_lib_format's insert_decimal/3).
fn erl_float(f: f64, out: &mut Vec<u8>) {
    let mut s = String::new();
    if f == 0.0 {
        s.push_str(if f.is_sign_negative() { "-0.0" } else { "0.0" });
    } else if !f.is_finite() {
        // Not representable in Erlang; AMQP decoding rejects such frames.
        let _ = write!(s, "{f}");
    } else {
        if f < 0.0 {
            s.push('-');
        }
        // `{:e}` gives the shortest round-trip digits: "d.ddde±x".
        let sci = format!("{:e}", f.abs());
        let (mantissa, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
        let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
        let len = digits.len() as i64;
        // Value = 0.digits × 10^place.
        let place = exp.parse::<i64>().unwrap_or(0) + 1;
        let exp_str = (place - 1).to_string();
        let exp_cost = exp_str.len() as i64 + if len == 1 { 3 } else { 2 };
        let scientific = |s: &mut String| {
            let (first, rest) = digits.split_at(1);
            let rest = if rest.is_empty() { "0" } else { rest };
            let _ = write!(s, "{first}.{rest}e{exp_str}");
        };
        if place == 0 {
            let _ = write!(s, "0.{digits}");
        } else if place < 0 {
            if 2 - place <= exp_cost {
                s.push_str("0.");
                s.extend(std::iter::repeat_n('0', (-place) as usize));
                s.push_str(&digits);
            } else {
                scientific(&mut s);
            }
        } else if place >= len {
            if place - len + 2 <= exp_cost && f.abs() < 9_007_199_254_740_992.0 {
                s.push_str(&digits);
                s.extend(std::iter::repeat_n('0', (place - len) as usize));
                s.push_str(".0");
            } else {
                scientific(&mut s);
            }
        } else {
            let (int, frac) = digits.split_at(place as usize);
            let _ = write!(s, "{int}.{frac}");
        }
    }
    out.extend_from_slice(s.as_bytes());
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

    fn table(v: serde_json::Value) -> FieldTable {
        FieldTable::from_json(&v).unwrap()
    }

    fn pairs(entries: &[(&str, FieldValue)]) -> FieldTable {
        entries
            .iter()
            .map(|(k, v)| ((*k).to_owned(), v.clone()))
            .collect()
    }

    #[test]
    fn modes_and_x_arguments() {
        let h = table(json!({"a": "1", "x-b": "2"}));
        assert!(headers_match(&table(json!({"a": "1", "x-b": "nope"})), &h));
        assert!(!headers_match(
            &table(json!({"x-match": "all-with-x", "a": "1", "x-b": "nope"})),
            &h
        ));
        assert!(headers_match(
            &table(json!({"x-match": "any-with-x", "a": "0", "x-b": "2"})),
            &h
        ));
        assert!(!headers_match(
            &table(json!({"x-match": "any", "a": "0", "x-b": "2"})),
            &h
        ));
        // A message's `x-` header is data even under plain `all`.
        assert!(headers_match(
            &table(json!({"b": "2"})),
            &table(json!({"b": "2", "x-c": 1}))
        ));
    }

    #[test]
    fn zero_tested_arguments() {
        let none = FieldTable::new();
        assert!(headers_match(&none, &none));
        assert!(headers_match(
            &table(json!({"x-match": "all", "x-y": 1})),
            &none
        ));
        assert!(!headers_match(
            &table(json!({"x-match": "any"})),
            &table(json!({"a": 1}))
        ));
        assert!(!headers_match(
            &table(json!({"x-match": "any", "x-y": 1})),
            &table(json!({"x-y": 1}))
        ));
        assert!(!headers_match(
            &table(json!({"x-match": "any-with-x"})),
            &none
        ));
        assert!(headers_match(
            &table(json!({"x-match": "all-with-x"})),
            &none
        ));
    }

    #[test]
    fn void_means_present_and_values_compare_loosely() {
        let h = pairs(&[("n", FieldValue::I64(1)), ("v", FieldValue::Void)]);
        assert!(headers_match(&pairs(&[("n", FieldValue::Void)]), &h));
        assert!(headers_match(&pairs(&[("v", FieldValue::Void)]), &h));
        assert!(headers_match(&pairs(&[("n", FieldValue::F64(1.0))]), &h));
        assert!(headers_match(&pairs(&[("n", FieldValue::U8(1))]), &h));
        assert!(!headers_match(&pairs(&[("n", FieldValue::str("1"))]), &h));
        assert!(!headers_match(&pairs(&[("v", FieldValue::I32(0))]), &h));
        assert!(!headers_match(&pairs(&[("m", FieldValue::Void)]), &h));
    }

    #[test]
    fn duplicate_keys_pair_by_rank() {
        let one = FieldValue::I32(1);
        let two = FieldValue::I32(2);
        let h = pairs(&[("a", two.clone()), ("a", one.clone())]);
        // The lone argument sees the first header named `a`.
        assert!(!headers_match(&pairs(&[("a", one.clone())]), &h));
        assert!(headers_match(&pairs(&[("a", two.clone())]), &h));
        // Two arguments named `a` see the two headers in order.
        assert!(headers_match(
            &pairs(&[("a", two.clone()), ("a", one.clone())]),
            &h
        ));
        let any = FieldValue::str("any");
        assert!(headers_match(
            &pairs(&[
                ("x-match", any.clone()),
                ("a", one.clone()),
                ("a", one.clone())
            ]),
            &h
        ));
        // A second `a` argument with only one `a` header is missing.
        let single = pairs(&[("a", one.clone())]);
        assert!(!headers_match(
            &pairs(&[("a", one.clone()), ("a", one.clone())]),
            &single
        ));
        // The first `x-match` decides the mode.
        let args = pairs(&[
            ("x-match", any),
            ("x-match", FieldValue::str("all")),
            ("a", one),
            ("b", two),
        ]);
        assert_eq!(MatchMode::of(&args), MatchMode::Any);
        assert!(headers_match(&args, &single));
    }

    #[test]
    fn explanation_agrees_and_gives_reasons() {
        let args = pairs(&[
            ("x-match", FieldValue::str("any")),
            ("x-prio", FieldValue::I32(1)),
            ("fmt", FieldValue::str("pdf")),
            ("n", FieldValue::F64(1.0)),
            ("tag", FieldValue::Void),
            ("gone", FieldValue::Bool(true)),
        ]);
        let h = pairs(&[
            ("fmt", FieldValue::str("doc")),
            ("n", FieldValue::I64(1)),
            ("tag", FieldValue::Void),
        ]);
        let e = explain_headers(&args, &h);
        assert_eq!(e.mode, MatchMode::Any);
        assert!(e.matched);
        assert_eq!(e.tested(), 4);
        let outcomes: Vec<_> = e.args.iter().map(|a| a.outcome.clone()).collect();
        assert_eq!(
            outcomes,
            [
                ArgOutcome::ModeSelector,
                ArgOutcome::SkippedXArgument,
                ArgOutcome::DifferentValue {
                    header: FieldValue::str("doc")
                },
                ArgOutcome::Equal {
                    header: FieldValue::I64(1)
                },
                ArgOutcome::Present {
                    header: FieldValue::Void
                },
                ArgOutcome::MissingHeader,
            ]
        );
        assert_eq!(
            e.to_string(),
            "x-match any: x-prio skipped (x- argument); fmt = \"doc\", wanted \"pdf\"; \
             n = {\"$type\":\"long\",\"value\":1}; tag present; \
             gone missing (wanted true); matches"
        );
        let json = serde_json::to_value(&e).unwrap();
        assert_eq!(json["mode"], "any");
        assert_eq!(json["args"][2]["outcome"]["outcome"], "different_value");
    }

    #[test]
    fn erlang_equality_corrections() {
        let big = (1_i64 << 53) + 1;
        assert!(
            !FieldValue::I64(big).loose_eq(&FieldValue::F64(big as f64)),
            "loose_eq is exact too"
        );
        assert!(!FieldValue::loose_eq(
            &FieldValue::I64(big),
            &FieldValue::F64(big as f64)
        ));
        assert!(!FieldValue::loose_eq(
            &FieldValue::F64(big as f64),
            &FieldValue::I64(big)
        ));
        assert!(FieldValue::loose_eq(
            &FieldValue::I64(1 << 53),
            &FieldValue::F64((1_u64 << 53) as f64)
        ));
        assert!(FieldValue::loose_eq(
            &FieldValue::F32(2.0),
            &FieldValue::Timestamp(2)
        ));
        assert!(!FieldValue::loose_eq(
            &FieldValue::I32(1),
            &FieldValue::F64(1.5)
        ));
        assert!(!FieldValue::loose_eq(
            &FieldValue::Timestamp(u64::MAX),
            &FieldValue::F64(u64::MAX as f64)
        ));
        let empty_table = FieldValue::Table(FieldTable::new());
        let empty_array = FieldValue::Array(Vec::new());
        assert!(
            FieldValue::loose_eq(&empty_table, &empty_array)
                && FieldValue::loose_eq(&empty_array, &empty_table)
        );
        let one = FieldValue::Array(vec![FieldValue::I32(1)]);
        assert!(!FieldValue::loose_eq(&empty_table, &one));
        assert!(FieldValue::loose_eq(
            &FieldValue::str("a"),
            &FieldValue::Bytes(b"a".to_vec())
        ));
    }

    /// 3.10's headers_match/5 transcribed clause by clause: both tables
    /// stably sorted by key, then merged.
    fn erlang_merge(args: &FieldTable, headers: &FieldTable) -> bool {
        let mode = MatchMode::of(args);
        fn sorted(t: &FieldTable) -> Vec<(&str, &FieldValue)> {
            let mut v: Vec<(&str, &FieldValue)> = t.iter().collect();
            v.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
            v
        }
        let (p, d) = (sorted(args), sorted(headers));
        let (mut i, mut j, mut all, mut any) = (0, 0, true, false);
        loop {
            match mode {
                MatchMode::All | MatchMode::AllWithX if !all => return false,
                MatchMode::Any | MatchMode::AnyWithX if any => return true,
                _ => {}
            }
            let Some(&(pk, pv)) = p.get(i) else {
                return if mode.is_any() { any } else { all };
            };
            if pk == "x-match"
                || (pk.starts_with("x-") && matches!(mode, MatchMode::All | MatchMode::Any))
            {
                i += 1;
                continue;
            }
            let Some(&(dk, dv)) = d.get(j) else {
                all = false;
                i = p.len();
                continue;
            };
            match pk.as_bytes().cmp(dk.as_bytes()) {
                std::cmp::Ordering::Greater => j += 1,
                std::cmp::Ordering::Less => {
                    all = false;
                    i += 1;
                }
                std::cmp::Ordering::Equal => {
                    if matches!(pv, FieldValue::Void) || FieldValue::loose_eq(pv, dv) {
                        any = true;
                    } else {
                        all = false;
                    }
                    i += 1;
                    j += 1;
                }
            }
        }
    }

    fn entry() -> impl Strategy<Value = (String, FieldValue)> {
        let key = prop::sample::select(vec!["a", "b", "x-a", "x-match", "A", ""]);
        let value = prop_oneof![
            Just(FieldValue::Void),
            (0_i32..3).prop_map(FieldValue::I32),
            (0_i64..3).prop_map(FieldValue::I64),
            Just(FieldValue::F64(1.0)),
            prop::sample::select(vec!["all", "any", "all-with-x", "any-with-x", "1"])
                .prop_map(FieldValue::str),
        ];
        (key, value).prop_map(|(k, v)| (k.to_owned(), v))
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        /// Pairing by rank, unsorted, decides exactly as 3.10's sorted
        /// merge, duplicates included; the explanation agrees.
        #[test]
        fn matches_the_erlang_merge(
            args in prop::collection::vec(entry(), 0..6),
            headers in prop::collection::vec(entry(), 0..6),
        ) {
            let (args, headers) = (FieldTable(args), FieldTable(headers));
            let want = erlang_merge(&args, &headers);
            prop_assert_eq!(headers_match(&args, &headers), want);
            prop_assert_eq!(explain_headers(&args, &headers).matched, want);
        }
    }

    #[test]
    fn validation_texts_match_rabbitmq() {
        let err = |v: FieldValue| validate_binding_args(&pairs(&[("x-match", v)])).unwrap_err();
        for ok in ["all", "any", "all-with-x", "any-with-x"] {
            assert_eq!(
                validate_binding_args(&pairs(&[("x-match", FieldValue::str(ok))])),
                Ok(())
            );
        }
        assert_eq!(validate_binding_args(&table(json!({"a": 1}))), Ok(()));
        // Texts printed by `io_lib:format` on Erlang/OTP 25 (the 3.10.8 runtime).
        let tail = "; expected all, any, all-with-x, or any-with-x";
        assert_eq!(
            err(FieldValue::str("ALL")),
            format!("Invalid x-match field value <<\"ALL\">>{tail}")
        );
        assert_eq!(
            err(FieldValue::str("")),
            format!("Invalid x-match field value <<>>{tail}")
        );
        assert_eq!(
            err(FieldValue::str("a\"b\\c")),
            format!("Invalid x-match field value <<\"a\\\"b\\\\c\">>{tail}")
        );
        assert_eq!(
            err(FieldValue::str("a\nb\tc")),
            format!("Invalid x-match field value <<\"a\\nb\\tc\">>{tail}")
        );
        assert_eq!(
            err(FieldValue::str("ä")),
            format!("Invalid x-match field value <<\"ä\">>{tail}")
        );
        assert_eq!(
            err(FieldValue::str("€")),
            format!("Invalid x-match field value <<226,130,172>>{tail}")
        );
        assert_eq!(
            err(FieldValue::str("a\u{7}")),
            format!("Invalid x-match field value <<97,7>>{tail}")
        );
        let typed = |t: &str, v: &str| {
            format!("Invalid x-match field type {t} (value {v}); expected longstr")
        };
        assert_eq!(err(FieldValue::I32(1)), typed("signedint", "1"));
        assert_eq!(err(FieldValue::I64(-5)), typed("long", "-5"));
        assert_eq!(err(FieldValue::F64(1.0)), typed("double", "1.0"));
        assert_eq!(err(FieldValue::F32(1.5)), typed("float", "1.5"));
        assert_eq!(err(FieldValue::Void), typed("void", "undefined"));
        assert_eq!(err(FieldValue::Bool(true)), typed("bool", "true"));
        assert_eq!(
            err(FieldValue::Bytes(b"all".to_vec())),
            typed("binary", "<<\"all\">>")
        );
        assert_eq!(err(FieldValue::Timestamp(5)), typed("timestamp", "5"));
        assert_eq!(
            err(FieldValue::Decimal {
                scale: 2,
                value: 314
            }),
            typed("decimal", "{2,314}")
        );
        assert_eq!(
            err(FieldValue::Table(table(
                json!({"a": {"$type": "long", "value": 1}})
            ))),
            typed("table", "[{<<\"a\">>,long,1}]")
        );
        assert_eq!(
            err(FieldValue::Array(vec![
                FieldValue::I64(1),
                FieldValue::str("x")
            ])),
            typed("array", "[{long,1},{longstr,<<\"x\">>}]")
        );
    }

    #[test]
    fn floats_print_like_erlang() {
        // `io_lib:format("~p", [F])` on Erlang/OTP 25.2.3.
        let cases: &[(f64, &str)] = &[
            (0.0, "0.0"),
            (-0.0, "-0.0"),
            (1.0, "1.0"),
            (-1.0, "-1.0"),
            (0.1, "0.1"),
            (0.5, "0.5"),
            (1.5, "1.5"),
            (10.0, "10.0"),
            (100.0, "100.0"),
            (1000.0, "1.0e3"),
            (10000.0, "1.0e4"),
            (123456.0, "123456.0"),
            (1234567.0, "1234567.0"),
            (1.0e7, "1.0e7"),
            (12345678.9, "12345678.9"),
            (0.01, "0.01"),
            (0.001, "0.001"),
            (0.0001, "0.0001"),
            (0.00012, "1.2e-4"),
            (1.0e-5, "1.0e-5"),
            (1.5e-5, "1.5e-5"),
            (123.456, "123.456"),
            (9007199254740992.0, "9.007199254740992e15"),
            (9007199254740991.0, "9007199254740991.0"),
            (4503599627370496.0, "4503599627370496.0"),
            (1.0e21, "1.0e21"),
            (1.0e22, "1.0e22"),
            (f64::MAX, "1.7976931348623157e308"),
            (5.0e-324, "5.0e-324"),
            (2.2250738585072014e-308, "2.2250738585072014e-308"),
            (3.14158, "3.14158"),
            (0.3, "0.3"),
            (2.0 / 3.0, "0.6666666666666666"),
            (1.0e100, "1.0e100"),
            (12.0e3, "1.2e4"),
            (120000.0, "1.2e5"),
            (1200000.0, "1.2e6"),
            (0.000123456, "1.23456e-4"),
            (33.0e-4, "0.0033"),
            (1.0e-3, "0.001"),
            (100.5, "100.5"),
            (1.0e15, "1.0e15"),
            (1.0e16, "1.0e16"),
            (123456789012345680.0, "1.2345678901234568e17"),
            (0.1 + 0.2, "0.30000000000000004"),
        ];
        for &(f, want) in cases {
            let mut out = Vec::new();
            erl_float(f, &mut out);
            assert_eq!(String::from_utf8(out).unwrap(), want, "{f:e}");
        }
    }
}
