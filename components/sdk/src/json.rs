//! The JSON text `wasi:otel` rc.2 uses for attribute values (WIT has no
//! recursive types). Hand-written: a JSON library would double the size of
//! the component for these few cases.

use crate::exports::wrr::otel::types::Value;

/// The prefix rc.2 gives byte strings (a data URI).
const BYTES_PREFIX: &str = "data:application/octet-stream;base64,";

/// `value` as JSON text.
pub(crate) fn encode(value: &Value) -> String {
    let mut out = String::new();
    match value {
        Value::String(s) => string(&mut out, s),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::S64(n) => out.push_str(&n.to_string()),
        Value::F64(x) => float(&mut out, *x),
        Value::Bytes(bytes) => string(&mut out, &format!("{}{}", BYTES_PREFIX, base64(bytes))),
        Value::StringArray(items) => array(&mut out, items, |o, s| string(o, s)),
        Value::BoolArray(items) => array(&mut out, items, |o, b| {
            o.push_str(if *b { "true" } else { "false" })
        }),
        Value::S64Array(items) => array(&mut out, items, |o, n| o.push_str(&n.to_string())),
        Value::F64Array(items) => array(&mut out, items, |o, x| float(o, *x)),
    }
    out
}

fn array<T>(out: &mut String, items: &[T], mut each: impl FnMut(&mut String, &T)) {
    out.push('[');
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        each(out, item);
    }
    out.push(']');
}

/// JSON has no NaN or infinities: those become strings, as OTLP/JSON does.
fn float(out: &mut String, x: f64) {
    if x.is_finite() {
        let text = x.to_string();
        out.push_str(&text);
        // Keep it a double for the decoder: `2` would read back as an int.
        if !text.contains(['.', 'e', 'E']) {
            out.push_str(".0");
        }
    } else {
        string(out, &x.to_string());
    }
}

fn string(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
}

fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (b[0] as u32) << 16 | (b[1] as u32) << 8 | b[2] as u32;
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}
