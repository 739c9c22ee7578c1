//! The request: validate, price every item, reserve stock.

use crate::exports::wrr::otel::handler::{Request, Response};
use crate::telemetry::{attr, Telemetry};
use crate::wrr::otel::logs::LogContext;
use crate::wrr::otel::metrics::Number;
use crate::wrr::otel::tracing::{Parent, Span, SpanKind, SpanOptions, Status};
use crate::wrr::otel::types::{KeyValue, Value};

/// Starts a span, or `None` when the SDK refuses (at its limit): the request
/// goes on untraced rather than failing.
fn start(t: &Telemetry, name: &str, parent: Parent<'_>, attributes: Vec<KeyValue>) -> Option<Span> {
    let options = SpanOptions {
        kind: SpanKind::Internal,
        attributes,
        links: Vec::new(),
        start_time: None,
    };
    t.tracer.start_span(name, &parent, &options).ok()
}

/// The parent for a child of `span` (the current span if it was refused).
fn under(span: &Option<Span>) -> Parent<'_> {
    match span {
        Some(span) => Parent::Span(span),
        None => Parent::Current,
    }
}

/// The log context of `span` (the current span if it was refused).
fn inside(span: &Option<Span>) -> LogContext<'_> {
    match span {
        Some(span) => LogContext::Span(span),
        None => LogContext::Current,
    }
}

fn end(span: Option<Span>) {
    if let Some(span) = span {
        Span::end(span, None);
    }
}

/// The price of an item; unknown items cost nothing and are reported.
fn price_of(item: &str) -> Option<f64> {
    match item {
        "book" => Some(12.5),
        "lamp" => Some(49.0),
        "chair" => Some(89.9),
        "desk" => Some(420.0),
        "pen" => Some(2.25),
        _ => None,
    }
}

/// Handles one checkout.
pub fn handle(t: &Telemetry, request: Request) -> Response {
    // The root of the app's work: a child of the host's server span.
    let root = start(
        t,
        "checkout",
        Parent::Current,
        vec![attr("user", &request.user)],
    );
    t.log(
        9,
        "checkout started",
        LogContext::Current,
        vec![attr("user", &request.user)],
    );

    if !validate(t, &root, &request) {
        if let Some(span) = &root {
            span.set_status(&Status::Error("empty order".into()));
        }
        end(root);
        return Response {
            status: 400,
            body: "empty order".into(),
        };
    }
    let total = price(t, &root, &request.items);
    reserve(t, &root, &request.items);

    // Forgotten on purpose: never ended, handle never dropped. The SDK's
    // shutdown ends it, once, with status error.
    if let Some(audit) = start(t, "audit", under(&root), Vec::new()) {
        std::mem::forget(audit);
    }
    // The app's bug, on purpose, the same in every language: an order with
    // this item makes it fail (a panic here, an exception in Python and
    // JavaScript), which traps the instance with `audit` (and here
    // `checkout`) still open. The host answers the request with an error,
    // ends those spans itself, and serves the next request from a fresh
    // instance.
    if request.items.iter().any(|i| i == "crash") {
        panic!("cannot finish an order with `crash` in it");
    }

    // The counter only refuses past its cardinality limit; one series here.
    let _ = t.orders.add(Number::U64(1), &[attr("outcome", "ok")]);
    if let Some(span) = &root {
        span.set_attribute("order.total", &Value::F64(total));
        span.set_status(&Status::Ok);
    }
    t.log(9, "checkout done", inside(&root), Vec::new());
    end(root);
    Response {
        status: 200,
        body: format!("{} items, total {:.2}", request.items.len(), total),
    }
}

fn validate(t: &Telemetry, root: &Option<Span>, request: &Request) -> bool {
    let span = start(t, "validate", under(root), Vec::new());
    let ok = !request.items.is_empty();
    if !ok {
        t.log(13, "order has no items", inside(&span), Vec::new());
    }
    end(span);
    ok
}

/// Prices each item under its own span (the third level), then adds tax in
/// a span that outlives its parent: `price` ends before `tax` does.
fn price(t: &Telemetry, root: &Option<Span>, items: &[String]) -> f64 {
    let span = start(t, "price", under(root), Vec::new());
    let mut total = 0.0;
    for item in items {
        let item_span = start(t, "price-item", under(&span), vec![attr("item", item)]);
        match price_of(item) {
            Some(price) => {
                // One series per item: far below the cardinality limit.
                let _ = t.prices.record(Number::F64(price), &[attr("item", item)]);
                total += price;
            }
            None => {
                if let Some(s) = &item_span {
                    s.set_status(&Status::Error(format!("unknown item {}", item)));
                }
                t.log(
                    13,
                    "unknown item",
                    inside(&item_span),
                    vec![attr("item", item)],
                );
            }
        }
        end(item_span);
    }
    let tax = start(t, "tax", under(&span), Vec::new());
    end(span); // out of order: the parent ends first
    if let Some(s) = &tax {
        s.add_event("rate-looked-up", &[attr("region", "EU")], None);
    }
    end(tax);
    total * 1.2
}

fn reserve(t: &Telemetry, root: &Option<Span>, items: &[String]) {
    let span = start(t, "reserve-stock", under(root), Vec::new());
    let count = KeyValue {
        key: "items".into(),
        value: Value::S64(items.len() as i64),
    };
    t.log(9, "stock reserved", LogContext::Current, vec![count]);
    end(span);
}
