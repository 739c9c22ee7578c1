//! `scopes N`: N log records, each under an instrumentation scope of its
//! own name (`attack-scope-I`). A host that keeps a logger per scope grows
//! with every one.

use crate::bindings::wasi::otel::logs;

pub fn run(n: u64) {
    let now = super::now();
    for i in 0..n {
        logs::on_emit(&logs::LogRecord {
            timestamp: Some(now),
            observed_timestamp: Some(now),
            severity_text: Some("INFO".to_string()),
            severity_number: Some(9),
            body: Some(format!("\"scope {i}\"")),
            attributes: None,
            event_name: None,
            resource: None,
            instrumentation_scope: Some(super::scope(&format!("attack-scope-{i}"))),
            trace_id: None,
            span_id: None,
            trace_flags: None,
        });
    }
}
