//! rc.2 attribute values (JSON text) as the OpenTelemetry SDK's values.
//!
//! Span attributes take OpenTelemetry's primitive values and homogeneous
//! arrays ([`opentelemetry::Value`]); log bodies and attributes take any
//! value, maps and bytes included ([`AnyValue`]). Text that is not JSON, or
//! JSON a span attribute cannot hold (`null`, maps, mixed arrays), is kept
//! as a string of the text itself and counted in [`Drops`](super::Drops).

use opentelemetry::logs::AnyValue;
use opentelemetry::{Array, Key, KeyValue, StringValue, Value};
use serde_json::Value as J;

use super::limits::{self, Budget};
use super::Drops;
use crate::types;

/// The prefix rc.2 gives byte strings.
const BYTES_PREFIX: &str = "data:application/octet-stream;base64,";

/// How a value's text was read.
pub(crate) enum Read<T> {
    /// As rc.2 promises.
    Typed(T),
    /// Not what rc.2 promises: kept as the text.
    AsText(T),
}

/// A span attribute's value.
pub(crate) fn value(json: &str) -> Read<Value> {
    let text = || Read::AsText(Value::String(json.to_string().into()));
    match serde_json::from_str::<J>(json) {
        Ok(J::Bool(b)) => Read::Typed(Value::Bool(b)),
        Ok(J::Number(n)) => match n.as_i64() {
            Some(i) => Read::Typed(Value::I64(i)),
            None => n.as_f64().map_or_else(text, |f| Read::Typed(Value::F64(f))),
        },
        Ok(J::String(s)) => Read::Typed(Value::String(s.into())),
        Ok(J::Array(items)) => array(&items).map_or_else(text, Read::Typed),
        _ => text(),
    }
}

fn array(items: &[J]) -> Option<Value> {
    let all = |f: fn(&J) -> bool| items.iter().all(f);
    Some(Value::Array(if all(J::is_boolean) {
        Array::Bool(items.iter().filter_map(J::as_bool).collect())
    } else if all(J::is_i64) {
        Array::I64(items.iter().filter_map(J::as_i64).collect())
    } else if all(J::is_number) {
        Array::F64(items.iter().filter_map(J::as_f64).collect())
    } else if all(J::is_string) {
        Array::String(
            items
                .iter()
                .filter_map(J::as_str)
                .map(|s| StringValue::from(s.to_string()))
                .collect(),
        )
    } else {
        return None;
    }))
}

/// A log body's or log attribute's value.
pub(crate) fn any_value(json: &str) -> Read<AnyValue> {
    match serde_json::from_str::<J>(json) {
        Ok(J::Null) | Err(_) => Read::AsText(AnyValue::String(json.to_string().into())),
        Ok(value) => Read::Typed(from_json(value)),
    }
}

fn from_json(value: J) -> AnyValue {
    match value {
        // Only inside a list or map: an explicit empty value.
        J::Null => AnyValue::String("".into()),
        J::Bool(b) => AnyValue::Boolean(b),
        J::Number(n) => match n.as_i64() {
            Some(i) => AnyValue::Int(i),
            None => AnyValue::Double(n.as_f64().unwrap_or_default()),
        },
        J::String(s) => match s.strip_prefix(BYTES_PREFIX).and_then(base64_decode) {
            Some(bytes) => AnyValue::Bytes(Box::new(bytes)),
            None => AnyValue::String(s.into()),
        },
        J::Array(items) => AnyValue::ListAny(Box::new(items.into_iter().map(from_json).collect())),
        J::Object(map) => AnyValue::Map(Box::new(
            map.into_iter()
                .map(|(k, v)| (Key::from(k), from_json(v)))
                .collect(),
        )),
    }
}

fn base64_decode(text: &str) -> Option<Vec<u8>> {
    let digit = |c: u8| -> Option<u32> {
        Some(match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        } as u32)
    };
    let text = text.trim_end_matches('=').as_bytes();
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    for chunk in text.chunks(4) {
        let mut n = 0;
        for (i, &c) in chunk.iter().enumerate() {
            n |= digit(c)? << (18 - 6 * i);
        }
        let bytes = [(n >> 16) as u8, (n >> 8) as u8, n as u8];
        out.extend_from_slice(&bytes[..chunk.len().saturating_sub(1)]);
    }
    Some(out)
}

/// How one list of attributes is cut: at most `count` of them, each text
/// at most `length` characters, all of them within the item's budget.
pub(crate) struct Cut<'a> {
    pub(crate) count: usize,
    pub(crate) length: usize,
    pub(crate) budget: &'a mut Budget,
}

impl<'a> Cut<'a> {
    pub(crate) fn new(count: usize, length: usize, budget: &'a mut Budget) -> Self {
        Cut {
            count,
            length,
            budget,
        }
    }
}

/// Span, event, link, scope and metric attributes, cut as `cut` says;
/// returns them with how many were left out, counting text that was not
/// rc.2's (`not_json`), cut text (`truncated`) and what was left out
/// (`over_limits`).
pub(crate) fn key_values(
    kvs: &[types::KeyValue],
    cut: Cut<'_>,
    drops: &mut Drops,
) -> (Vec<KeyValue>, u32) {
    let mut kept = Vec::new();
    for kv in kvs.iter().take(cut.count) {
        let (value, not_json) = match value(&kv.value) {
            Read::Typed(v) => (v, 0),
            Read::AsText(v) => (v, 1),
        };
        let mut truncated = 0;
        let value = cut_value(value, cut.length, &mut truncated);
        if !cut.budget.take(kv.key.len() + value_size(&value)) {
            break;
        }
        // Counted only for what is kept: what is left out is counted once.
        drops.not_json += not_json;
        drops.truncated += truncated;
        kept.push(KeyValue::new(kv.key.clone(), value));
    }
    let left_out = kvs.len() - kept.len();
    drops.over_limits += left_out as u64;
    (kept, u32::try_from(left_out).unwrap_or(u32::MAX))
}

/// A value with each of its texts cut to `length` characters.
fn cut_value(value: Value, length: usize, truncated: &mut u64) -> Value {
    let text = |s: StringValue, truncated: &mut u64| -> StringValue {
        if s.as_str().chars().nth(length).is_none() {
            return s;
        }
        limits::cut(s.as_str().to_string(), length, truncated).into()
    };
    match value {
        Value::String(s) => Value::String(text(s, truncated)),
        Value::Array(Array::String(items)) => Value::Array(Array::String(
            items.into_iter().map(|s| text(s, truncated)).collect(),
        )),
        other => other,
    }
}

/// About the bytes `value` takes in OTLP (over, never under, by a few).
fn value_size(value: &Value) -> usize {
    const SCALAR: usize = 10;
    match value {
        Value::String(s) => s.as_str().len() + SCALAR,
        Value::Array(Array::String(items)) => items.iter().map(|s| s.as_str().len() + SCALAR).sum(),
        Value::Array(Array::Bool(items)) => items.len() * 2 + SCALAR,
        Value::Array(Array::I64(items)) => items.len() * SCALAR + SCALAR,
        Value::Array(Array::F64(items)) => items.len() * SCALAR + SCALAR,
        _ => SCALAR,
    }
}

/// A log body's or attribute's value with each text in it cut to `length`
/// characters; with the bytes it takes.
pub(crate) fn cut_any_value(
    value: AnyValue,
    length: usize,
    truncated: &mut u64,
) -> (AnyValue, usize) {
    const SCALAR: usize = 10;
    match value {
        AnyValue::String(s) if s.as_str().chars().nth(length).is_some() => {
            let cut = limits::cut(s.as_str().to_string(), length, truncated);
            let size = cut.len() + SCALAR;
            (AnyValue::String(cut.into()), size)
        }
        AnyValue::String(s) => {
            let size = s.as_str().len() + SCALAR;
            (AnyValue::String(s), size)
        }
        AnyValue::Bytes(b) if b.len() > length => {
            *truncated += 1;
            let mut b = b;
            b.truncate(length);
            let size = b.len() + SCALAR;
            (AnyValue::Bytes(b), size)
        }
        AnyValue::Bytes(b) => {
            let size = b.len() + SCALAR;
            (AnyValue::Bytes(b), size)
        }
        AnyValue::ListAny(items) => {
            let mut size = SCALAR;
            let items = items
                .into_iter()
                .map(|v| {
                    let (v, n) = cut_any_value(v, length, truncated);
                    size += n;
                    v
                })
                .collect();
            (AnyValue::ListAny(Box::new(items)), size)
        }
        AnyValue::Map(map) => {
            let mut size = SCALAR;
            let map = map
                .into_iter()
                .map(|(k, v)| {
                    let (v, n) = cut_any_value(v, length, truncated);
                    size += n + k.as_str().len();
                    (k, v)
                })
                .collect();
            (AnyValue::Map(Box::new(map)), size)
        }
        other => (other, SCALAR),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::convert::limits::Limits;

    fn typed(json: &str) -> Value {
        match value(json) {
            Read::Typed(v) => v,
            Read::AsText(v) => panic!("{} read as text: {:?}", json, v),
        }
    }

    #[test]
    fn rc2_text_becomes_typed_values() {
        assert_eq!(typed("true"), Value::Bool(true));
        assert_eq!(typed("-3"), Value::I64(-3));
        assert_eq!(typed("1.5"), Value::F64(1.5));
        assert_eq!(typed("\"a\""), Value::String("a".into()));
        assert_eq!(typed("[1,2]"), Value::Array(Array::I64(vec![1, 2])));
        assert_eq!(typed("[1,2.5]"), Value::Array(Array::F64(vec![1.0, 2.5])));
    }

    #[test]
    fn what_rc2_does_not_promise_is_kept_as_text() {
        for bad in [
            "NaN",
            "Infinity",
            "-Infinity",
            "{\"a\":1}",
            "[1,\"a\"]",
            "null",
            "ab",
        ] {
            match value(bad) {
                Read::AsText(Value::String(s)) => assert_eq!(s.as_str(), bad),
                _ => panic!("{} was read as typed", bad),
            }
        }
    }

    #[test]
    fn log_values_keep_maps_and_bytes() {
        let Read::Typed(AnyValue::Map(map)) =
            any_value("{\"b\":\"data:application/octet-stream;base64,AQI=\"}")
        else {
            panic!("not a map")
        };
        assert_eq!(
            map.get(&Key::from("b")),
            Some(&AnyValue::Bytes(Box::new(vec![1, 2])))
        );
        assert!(matches!(
            any_value("NaN"),
            Read::AsText(AnyValue::String(_))
        ));
    }

    #[test]
    fn attributes_past_the_limit_are_counted_not_kept() {
        let kvs: Vec<types::KeyValue> = (0..5)
            .map(|i| types::KeyValue {
                key: format!("k{}", i),
                value: if i == 0 { "oops".into() } else { i.to_string() },
            })
            .collect();
        let mut drops = Drops::default();
        let mut budget = Budget::new(&Limits::default());
        let cut = Cut {
            count: 3,
            length: 8,
            budget: &mut budget,
        };
        let (kept, dropped) = key_values(&kvs, cut, &mut drops);
        assert_eq!((kept.len(), dropped), (3, 2));
        assert_eq!((drops.not_json, drops.over_limits), (1, 2));
    }

    #[test]
    fn long_text_is_cut_and_what_overflows_the_budget_left_out() {
        let kvs: Vec<types::KeyValue> = (0..4)
            .map(|i| types::KeyValue {
                key: format!("k{}", i),
                value: format!("\"{}\"", "x".repeat(1000)),
            })
            .collect();
        let mut drops = Drops::default();
        // Room for two attributes of 100 characters, not three.
        let mut budget = Budget::new(&Limits::default().with_item_bytes(250));
        let cut = Cut {
            count: 128,
            length: 100,
            budget: &mut budget,
        };
        let (kept, dropped) = key_values(&kvs, cut, &mut drops);
        assert_eq!((kept.len(), dropped), (2, 2));
        assert_eq!(kept[0].value.as_str().len(), 100);
        assert_eq!((drops.truncated, drops.over_limits), (2, 2));
    }
}
