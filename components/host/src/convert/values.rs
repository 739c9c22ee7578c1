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

use crate::bindings::sdk::wasi::otel::types;

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

/// Span, event, link and scope attributes, at most `limit` of them; returns
/// them with how many were left out, and counts text that was not rc.2's.
pub(crate) fn key_values(
    kvs: &[types::KeyValue],
    limit: usize,
    not_json: &mut u64,
) -> (Vec<KeyValue>, u32) {
    let kept = kvs
        .iter()
        .take(limit)
        .map(|kv| {
            let value = match value(&kv.value) {
                Read::Typed(v) => v,
                Read::AsText(v) => {
                    *not_json += 1;
                    v
                }
            };
            KeyValue::new(kv.key.clone(), value)
        })
        .collect();
    (kept, kvs.len().saturating_sub(limit) as u32)
}

#[cfg(test)]
mod tests {
    use super::*;

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
        let mut not_json = 0;
        let (kept, dropped) = key_values(&kvs, 3, &mut not_json);
        assert_eq!((kept.len(), dropped, not_json), (3, 2, 1));
    }
}
