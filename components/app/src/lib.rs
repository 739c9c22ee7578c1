//! A demo app instrumented with the `wrr:otel` API: it handles a checkout
//! request with nested spans (checkout → price → price-item, three levels),
//! ends one span before its child, logs inside spans, counts orders and
//! records item prices in a histogram, and forgets one span on purpose (its
//! handle is leaked, never ended nor dropped) so that the SDK's shutdown has
//! something to end. Composed with the SDK component, every span handle here
//! is a handle to a resource of another component.

wit_bindgen::generate!({ world: "app", path: "../sdk/wit", generate_all });

mod checkout;
mod telemetry;

use exports::wrr::otel::handler::{Guest, Request, Response};

struct App;

export!(App);

impl Guest for App {
    fn handle(request: Request) -> Response {
        telemetry::with(|t| checkout::handle(t, request))
    }

    fn shutdown() {
        telemetry::shutdown();
    }
}
