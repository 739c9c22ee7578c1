//! The tracer resource: a name, and `start-span` through this build's span
//! store (`crate::spans`, registry-backed or naive).

use crate::exports::wrr::telemetry::trace::{GuestTracer, Span, SpanBorrow, TelemetryError};
use crate::spans::{id_of, start};

pub(crate) struct MyTracer {
    name: String,
}

impl GuestTracer for MyTracer {
    fn new(name: String, _version: String) -> Self {
        MyTracer { name }
    }

    fn start_span(
        &self,
        name: String,
        parent: Option<SpanBorrow<'_>>,
    ) -> Result<Span, TelemetryError> {
        start(&self.name, name, parent.map(|p| id_of(&p)))
    }
}
