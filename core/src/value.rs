//! AMQP 0-9-1 field values and tables: message headers, queue, exchange,
//! binding and consumer arguments.
//!
//! The type tag of a value is kept because RabbitMQ's behaviour depends on it
//! (a headers binding on `{a: signedint 1}` inside a table does not match
//! `{a: long 1}`), while top-level comparisons in 3.10 ignore it
//! (see [`FieldValue::loose_eq`]).
//!
//! # JSON form
//!
//! Scenario and definitions files write values as plain JSON where the
//! mapping is unambiguous, as `rabbitmqctl export_definitions` does:
//! string → `longstr`, integer → `long` (`signedint` when pika would choose
//! it, see [`FieldValue::from_json`]), fraction → `double`, bool → `bool`,
//! array → `array`, object → `table`, `null` → `void`. Any other type is
//! written as a one-key-pair object `{"$type": "timestamp", "value": 5}`.

use std::fmt;

use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Number, Value as Json};

/// One AMQP field value, with its wire type.
#[derive(Clone, Debug, PartialEq)]
pub enum FieldValue {
    /// `t`: boolean.
    Bool(bool),
    /// `b`: signed 8-bit.
    I8(i8),
    /// `B`: unsigned 8-bit.
    U8(u8),
    /// `s`: signed 16-bit.
    I16(i16),
    /// `u`: unsigned 16-bit.
    U16(u16),
    /// `I`: signed 32-bit (`signedint`).
    I32(i32),
    /// `i`: unsigned 32-bit.
    U32(u32),
    /// `l`: signed 64-bit (`long`).
    I64(i64),
    /// `f`: 32-bit float.
    F32(f32),
    /// `d`: 64-bit float (`double`).
    F64(f64),
    /// `D`: decimal, `value × 10^-scale`.
    Decimal {
        /// Number of decimal digits after the point.
        scale: u8,
        /// Unscaled value.
        value: u32,
    },
    /// `S`: long string. Kept as text; Warren does not model non-UTF-8 strings.
    LongStr(String),
    /// `x`: byte array.
    Bytes(Vec<u8>),
    /// `T`: timestamp, seconds since the epoch.
    Timestamp(u64),
    /// `F`: nested table.
    Table(FieldTable),
    /// `A`: array.
    Array(Vec<Self>),
    /// `V`: void (no value).
    Void,
}

/// An ordered AMQP field table.
///
/// The wire format is a list, so order and even duplicate keys are
/// representable; lookups return the first entry with a key, as RabbitMQ
/// 3.10's `rabbit_misc:table_lookup/2` does.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct FieldTable(pub Vec<(String, FieldValue)>);

impl FieldTable {
    /// An empty table.
    pub fn new() -> Self {
        Self(Vec::new())
    }

    /// The first value stored under `key`.
    pub fn get(&self, key: &str) -> Option<&FieldValue> {
        self.0.iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }

    /// Sets `key`, replacing the first existing entry or appending.
    pub fn insert(&mut self, key: impl Into<String>, value: FieldValue) {
        let key = key.into();
        match self.0.iter_mut().find(|(k, _)| *k == key) {
            Some(slot) => slot.1 = value,
            None => self.0.push((key, value)),
        }
    }

    /// Removes every entry under `key`, returning the first removed value.
    pub fn remove(&mut self, key: &str) -> Option<FieldValue> {
        let first = self.get(key).cloned();
        self.0.retain(|(k, _)| k != key);
        first
    }

    /// Removes the first entry under `key` (RabbitMQ strips only the first
    /// `BCC` header: a second one is an ordinary header).
    pub fn remove_first(&mut self, key: &str) -> Option<FieldValue> {
        let i = self.0.iter().position(|(k, _)| k == key)?;
        Some(self.0.remove(i).1)
    }

    /// Whether the table holds no entries.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Iterates over entries in wire order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &FieldValue)> {
        self.0.iter().map(|(k, v)| (k.as_str(), v))
    }

    /// Approximate heap bytes held, for memory accounting.
    pub fn heap_size(&self) -> usize {
        self.0
            .iter()
            .map(|(k, v)| k.len() + v.heap_size() + size_of::<(String, FieldValue)>())
            .sum()
    }

    /// Builds a table from JSON object entries (see the module doc).
    ///
    /// # Errors
    /// A message naming the offending key when a value cannot be mapped.
    pub fn from_json(value: &Json) -> Result<Self, String> {
        match value {
            Json::Object(map) => {
                let mut table = Self::new();
                for (k, v) in map {
                    let v = FieldValue::from_json(v).map_err(|e| format!("{k}: {e}"))?;
                    table.0.push((k.clone(), v));
                }
                Ok(table)
            }
            Json::Null => Ok(Self::new()),
            other => Err(format!("expected an object, found {}", json_kind(other))),
        }
    }

    /// The JSON form of the table (see the module doc).
    pub fn to_json(&self) -> Json {
        let mut map = Map::new();
        for (k, v) in &self.0 {
            map.entry(k.clone()).or_insert_with(|| v.to_json());
        }
        Json::Object(map)
    }
}

impl FromIterator<(String, FieldValue)> for FieldTable {
    fn from_iter<T: IntoIterator<Item = (String, FieldValue)>>(iter: T) -> Self {
        Self(iter.into_iter().collect())
    }
}

/// A comparable number, used by [`FieldValue::loose_eq`].
#[derive(Clone, Copy, PartialEq, PartialOrd)]
enum Num {
    Int(i128),
    Float(f64),
}

impl Num {
    fn eq_erlang(self, other: Self) -> bool {
        match (self, other) {
            (Self::Int(a), Self::Int(b)) => a == b,
            (Self::Float(a), Self::Float(b)) => a == b,
            // Erlang compares an integer with a float exactly (2^53 + 1 is
            // not 2^53.0), not by converting the integer to a float.
            (Self::Int(i), Self::Float(f)) | (Self::Float(f), Self::Int(i)) => {
                f.is_finite() && f.fract() == 0.0 && f.abs() < 1e38 && (f as i128) == i
            }
        }
    }
}

impl FieldValue {
    /// A long string value.
    pub fn str(s: impl Into<String>) -> Self {
        Self::LongStr(s.into())
    }

    /// The value as an integer, for any integer type (not timestamps or floats).
    pub fn as_int(&self) -> Option<i64> {
        Some(match *self {
            Self::I8(v) => v.into(),
            Self::U8(v) => v.into(),
            Self::I16(v) => v.into(),
            Self::U16(v) => v.into(),
            Self::I32(v) => v.into(),
            Self::U32(v) => v.into(),
            Self::I64(v) => v,
            _ => return None,
        })
    }

    /// The value as text, for long strings (and byte arrays holding UTF-8).
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Self::LongStr(s) => Some(s),
            Self::Bytes(b) => std::str::from_utf8(b).ok(),
            _ => None,
        }
    }

    /// The AMQP type name, as RabbitMQ's Erlang client names it.
    pub fn type_name(&self) -> &'static str {
        match self {
            Self::Bool(_) => "bool",
            Self::I8(_) => "byte",
            Self::U8(_) => "unsignedbyte",
            Self::I16(_) => "short",
            Self::U16(_) => "unsignedshort",
            Self::I32(_) => "signedint",
            Self::U32(_) => "unsignedint",
            Self::I64(_) => "long",
            Self::F32(_) => "float",
            Self::F64(_) => "double",
            Self::Decimal { .. } => "decimal",
            Self::LongStr(_) => "longstr",
            Self::Bytes(_) => "binary",
            Self::Timestamp(_) => "timestamp",
            Self::Table(_) => "table",
            Self::Array(_) => "array",
            Self::Void => "void",
        }
    }

    fn number(&self) -> Option<Num> {
        Some(match *self {
            Self::F32(f) => Num::Float(f.into()),
            Self::F64(f) => Num::Float(f),
            Self::Timestamp(t) => Num::Int(t.into()),
            _ => Num::Int(self.as_int()?.into()),
        })
    }

    fn string_bytes(&self) -> Option<&[u8]> {
        match self {
            Self::LongStr(s) => Some(s.as_bytes()),
            Self::Bytes(b) => Some(b),
            _ => None,
        }
    }

    /// RabbitMQ 3.10's top-level equality for headers-exchange matching:
    /// Erlang `==` on the decoded values, so the type tag is ignored for
    /// numbers (`signedint 1 == long 1 == double 1.0`, timestamps compare as
    /// integers) and strings (`longstr "a" == binary "a"`), while values
    /// nested in tables and arrays keep their tags ([`PartialEq`]).
    pub fn loose_eq(&self, other: &Self) -> bool {
        if let (Some(a), Some(b)) = (self.number(), other.number()) {
            return a.eq_erlang(b);
        }
        if let (Some(a), Some(b)) = (self.string_bytes(), other.string_bytes()) {
            return a == b;
        }
        match (self, other) {
            (Self::Bool(a), Self::Bool(b)) => a == b,
            (Self::Decimal { .. }, Self::Decimal { .. }) => self == other,
            (Self::Table(a), Self::Table(b)) => a == b,
            // Both decode to the Erlang empty list.
            (Self::Table(t), Self::Array(a)) | (Self::Array(a), Self::Table(t)) => {
                t.is_empty() && a.is_empty()
            }
            (Self::Array(a), Self::Array(b)) => a == b,
            (Self::Void, Self::Void) => true,
            _ => false,
        }
    }

    /// Approximate heap bytes held, for memory accounting.
    pub fn heap_size(&self) -> usize {
        match self {
            Self::LongStr(s) => s.len(),
            Self::Bytes(b) => b.len(),
            Self::Table(t) => t.heap_size(),
            Self::Array(a) => a.iter().map(|v| v.heap_size() + size_of::<Self>()).sum(),
            _ => 0,
        }
    }

    /// Reads the JSON form (see the module doc). Integers that fit in 32
    /// bits become `signedint` and larger ones `long`, as pika encodes a
    /// Python `int`, so a scenario means the same thing to the core and to a
    /// real broker driven by pika.
    ///
    /// # Errors
    /// A message saying what was expected.
    pub fn from_json(value: &Json) -> Result<Self, String> {
        Ok(match value {
            Json::Null => Self::Void,
            Json::Bool(b) => Self::Bool(*b),
            Json::Number(n) => {
                if let Some(i) = n.as_i64() {
                    match i32::try_from(i) {
                        Ok(small) => Self::I32(small),
                        Err(_) => Self::I64(i),
                    }
                } else if n.is_u64() {
                    return Err(format!("integer {n} does not fit in a signed 64-bit long"));
                } else {
                    Self::F64(n.as_f64().unwrap_or(0.0))
                }
            }
            Json::String(s) => Self::LongStr(s.clone()),
            Json::Array(items) => Self::Array(
                items
                    .iter()
                    .enumerate()
                    .map(|(i, v)| Self::from_json(v).map_err(|e| format!("[{i}]: {e}")))
                    .collect::<Result<_, _>>()?,
            ),
            Json::Object(map) => match map.get("$type") {
                Some(Json::String(ty)) => Self::typed_from_json(ty, map.get("value"))?,
                Some(_) => return Err("\"$type\" must be a string".into()),
                None => Self::Table(FieldTable::from_json(value)?),
            },
        })
    }

    fn typed_from_json(ty: &str, value: Option<&Json>) -> Result<Self, String> {
        let want_int = |v: Option<&Json>| -> Result<i128, String> {
            v.and_then(|v| v.as_i64().map(i128::from).or(v.as_u64().map(i128::from)))
                .ok_or_else(|| format!("\"value\" of a {ty} must be an integer"))
        };
        let ranged = |lo: i128, hi: i128| -> Result<i128, String> {
            let v = want_int(value)?;
            if (lo..=hi).contains(&v) {
                Ok(v)
            } else {
                Err(format!("{v} is out of range for {ty} ({lo}..={hi})"))
            }
        };
        // The `as` casts below are exact: `ranged` checked the bounds.
        Ok(match ty {
            "bool" => Self::Bool(
                value
                    .and_then(Json::as_bool)
                    .ok_or("\"value\" of a bool must be true or false")?,
            ),
            "byte" => Self::I8(ranged(i8::MIN.into(), i8::MAX.into())? as i8),
            "unsignedbyte" => Self::U8(ranged(0, u8::MAX.into())? as u8),
            "short" => Self::I16(ranged(i16::MIN.into(), i16::MAX.into())? as i16),
            "unsignedshort" => Self::U16(ranged(0, u16::MAX.into())? as u16),
            "signedint" => Self::I32(ranged(i32::MIN.into(), i32::MAX.into())? as i32),
            "unsignedint" => Self::U32(ranged(0, u32::MAX.into())? as u32),
            "long" => Self::I64(ranged(i64::MIN.into(), i64::MAX.into())? as i64),
            "timestamp" => Self::Timestamp(ranged(0, u64::MAX.into())? as u64),
            "float" | "double" => {
                let f = value
                    .and_then(Json::as_f64)
                    .ok_or_else(|| format!("\"value\" of a {ty} must be a number"))?;
                if ty == "float" {
                    Self::F32(f as f32)
                } else {
                    Self::F64(f)
                }
            }
            "decimal" => {
                let obj = value
                    .and_then(Json::as_object)
                    .ok_or("\"value\" of a decimal must be {\"scale\": u8, \"value\": u32}")?;
                let scale = obj.get("scale").and_then(Json::as_u64).unwrap_or(0);
                let v = obj.get("value").and_then(Json::as_u64).unwrap_or(0);
                Self::Decimal {
                    scale: u8::try_from(scale).map_err(|_| "decimal scale out of range")?,
                    value: u32::try_from(v).map_err(|_| "decimal value out of range")?,
                }
            }
            "longstr" => Self::LongStr(
                value
                    .and_then(Json::as_str)
                    .ok_or("\"value\" of a longstr must be a string")?
                    .to_owned(),
            ),
            "binary" | "bytes" => Self::Bytes(
                value
                    .and_then(Json::as_str)
                    .ok_or_else(|| format!("\"value\" of a {ty} must be a string"))?
                    .as_bytes()
                    .to_vec(),
            ),
            "table" => Self::Table(FieldTable::from_json(value.unwrap_or(&Json::Null))?),
            "array" => match value {
                Some(v @ Json::Array(_)) => Self::from_json(v)?,
                _ => return Err("\"value\" of an array must be an array".into()),
            },
            "void" => Self::Void,
            other => return Err(format!("unknown \"$type\" {other:?}")),
        })
    }

    /// The JSON form (see the module doc). Values whose type plain JSON
    /// would not restore are written with `$type`; pika's integer choice
    /// (`signedint` for 32-bit, `long` beyond) reads back unmarked.
    pub fn to_json(&self) -> Json {
        let typed = |ty: &str, value: Json| {
            let mut m = Map::new();
            m.insert("$type".into(), Json::String(ty.into()));
            m.insert("value".into(), value);
            Json::Object(m)
        };
        match self {
            Self::Bool(b) => Json::Bool(*b),
            Self::I32(v) => Json::Number((*v).into()),
            Self::I64(v) if i32::try_from(*v).is_err() => Json::Number((*v).into()),
            Self::I8(_)
            | Self::U8(_)
            | Self::I16(_)
            | Self::U16(_)
            | Self::U32(_)
            | Self::I64(_) => typed(
                self.type_name(),
                Json::Number(self.as_int().unwrap_or(0).into()),
            ),
            Self::F64(f) => Number::from_f64(*f).map(Json::Number).unwrap_or(Json::Null),
            Self::F32(f) => typed(
                "float",
                Number::from_f64(f64::from(*f))
                    .map(Json::Number)
                    .unwrap_or(Json::Null),
            ),
            Self::Decimal { scale, value } => {
                let mut m = Map::new();
                m.insert("scale".into(), Json::Number((*scale).into()));
                m.insert("value".into(), Json::Number((*value).into()));
                typed("decimal", Json::Object(m))
            }
            Self::LongStr(s) => Json::String(s.clone()),
            Self::Bytes(b) => typed("binary", Json::String(String::from_utf8_lossy(b).into())),
            Self::Timestamp(t) => typed("timestamp", Json::Number((*t).into())),
            Self::Table(t) => t.to_json(),
            Self::Array(a) => Json::Array(a.iter().map(Self::to_json).collect()),
            Self::Void => Json::Null,
        }
    }
}

impl fmt::Display for FieldValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::LongStr(s) => write!(f, "{s:?}"),
            other => write!(f, "{}", other.to_json()),
        }
    }
}

fn json_kind(v: &Json) -> &'static str {
    match v {
        Json::Null => "null",
        Json::Bool(_) => "a boolean",
        Json::Number(_) => "a number",
        Json::String(_) => "a string",
        Json::Array(_) => "an array",
        Json::Object(_) => "an object",
    }
}

impl Serialize for FieldValue {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.to_json().serialize(s)
    }
}

impl<'de> Deserialize<'de> for FieldValue {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Self::from_json(&Json::deserialize(d)?).map_err(D::Error::custom)
    }
}

impl Serialize for FieldTable {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.to_json().serialize(s)
    }
}

impl<'de> Deserialize<'de> for FieldTable {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Self::from_json(&Json::deserialize(d)?).map_err(D::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn loose_equality_follows_erlang_double_equals() {
        assert!(FieldValue::I32(1).loose_eq(&FieldValue::I64(1)));
        assert!(FieldValue::I32(1).loose_eq(&FieldValue::F64(1.0)));
        assert!(FieldValue::Timestamp(5).loose_eq(&FieldValue::I64(5)));
        assert!(FieldValue::str("abc").loose_eq(&FieldValue::Bytes(b"abc".to_vec())));
        assert!(!FieldValue::str("1").loose_eq(&FieldValue::I32(1)));
        assert!(!FieldValue::Bool(true).loose_eq(&FieldValue::I32(1)));
        let big = (1i64 << 53) + 1;
        assert!(!FieldValue::I64(big).loose_eq(&FieldValue::F64(big as f64)));
        assert!(FieldValue::Table(FieldTable::new()).loose_eq(&FieldValue::Array(vec![])));
        let t = |v| FieldValue::Table(FieldTable(vec![("a".into(), v)]));
        assert!(!t(FieldValue::I32(1)).loose_eq(&t(FieldValue::I64(1))));
        assert!(t(FieldValue::I32(1)).loose_eq(&t(FieldValue::I32(1))));
    }

    #[test]
    fn json_round_trip_keeps_types() {
        let doc = json!({
            "s": "x", "i": 7, "big": 1_i64 << 40, "d": 1.5, "b": true, "n": null,
            "ts": {"$type": "timestamp", "value": 9}, "short": {"$type": "short", "value": -3},
            "t": {"inner": [1, "two"]}
        });
        let table = FieldTable::from_json(&doc).unwrap();
        assert_eq!(table.get("i"), Some(&FieldValue::I32(7)));
        assert_eq!(table.get("big"), Some(&FieldValue::I64(1 << 40)));
        assert_eq!(table.get("ts"), Some(&FieldValue::Timestamp(9)));
        assert_eq!(table.get("short"), Some(&FieldValue::I16(-3)));
        assert_eq!(FieldTable::from_json(&table.to_json()).unwrap(), table);
    }

    #[test]
    fn bad_json_values_are_explained() {
        let err =
            FieldTable::from_json(&json!({"k": {"$type": "byte", "value": 300}})).unwrap_err();
        assert!(err.contains("k:") && err.contains("out of range"), "{err}");
        let err = FieldTable::from_json(&json!({"k": {"$type": "nope"}})).unwrap_err();
        assert!(err.contains("unknown"), "{err}");
        assert!(FieldTable::from_json(&json!(3)).is_err());
    }
}
