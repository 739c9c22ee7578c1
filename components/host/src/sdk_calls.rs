//! Typed shortcuts for the calls tests and benchmarks make on the SDK's API
//! (the generated bindings take the store and a resource handle each time).

use wasmtime::component::ResourceAny;

use crate::bindings::sdk::exports::wrr::otel::metrics::{
    InstrumentOptions, NumberType, Temporality,
};
use crate::bindings::sdk::exports::wrr::otel::provider::ProviderConfig;
use crate::bindings::sdk::exports::wrr::otel::tracing::{OtelError, Parent, SpanKind, SpanOptions};
use crate::bindings::sdk::exports::wrr::otel::types::{InstrumentationScope, KeyValue, Value};
use crate::demo::SdkSession;

/// A scope with just a name.
pub fn scope(name: &str) -> InstrumentationScope {
    InstrumentationScope {
        name: name.to_string(),
        version: None,
        schema_url: None,
        attributes: Vec::new(),
    }
}

/// Options of an instrument of `number_type`, with no description or unit.
pub fn options(number_type: NumberType) -> InstrumentOptions {
    InstrumentOptions {
        description: String::new(),
        unit: String::new(),
        number_type,
    }
}

/// A string attribute.
pub fn text(key: &str, value: &str) -> KeyValue {
    KeyValue {
        key: key.to_string(),
        value: Value::String(value.to_string()),
    }
}

impl SdkSession {
    /// A provider for service `service`.
    pub fn provider(
        &mut self,
        service: &str,
        temporality: Temporality,
    ) -> wasmtime::Result<ResourceAny> {
        let config = ProviderConfig {
            resource: vec![text("service.name", service)],
            schema_url: None,
            temporality,
        };
        self.api
            .wrr_otel_provider()
            .provider()
            .call_constructor(&mut self.store, &config)
    }

    /// A tracer of `provider` for scope `name`.
    pub fn tracer(&mut self, provider: ResourceAny, name: &str) -> wasmtime::Result<ResourceAny> {
        self.api
            .wrr_otel_provider()
            .provider()
            .call_tracer(&mut self.store, provider, &scope(name))
    }

    /// A meter of `provider` for scope `name`.
    pub fn meter(
        &mut self,
        provider: ResourceAny,
        name: &str,
    ) -> wasmtime::Result<Result<ResourceAny, OtelError>> {
        self.api
            .wrr_otel_provider()
            .provider()
            .call_meter(&mut self.store, provider, &scope(name))
    }

    /// A logger of `provider` for scope `name`.
    pub fn logger(&mut self, provider: ResourceAny, name: &str) -> wasmtime::Result<ResourceAny> {
        self.api
            .wrr_otel_provider()
            .provider()
            .call_logger(&mut self.store, provider, &scope(name))
    }

    /// Starts an internal span with no attributes.
    pub fn start_span(
        &mut self,
        tracer: ResourceAny,
        name: &str,
        parent: Parent,
    ) -> wasmtime::Result<Result<ResourceAny, OtelError>> {
        let options = SpanOptions {
            kind: SpanKind::Internal,
            attributes: Vec::new(),
            links: Vec::new(),
            start_time: None,
        };
        self.api.wrr_otel_tracing().tracer().call_start_span(
            &mut self.store,
            tracer,
            name,
            &parent,
            &options,
        )
    }

    /// Sets an attribute on a span.
    pub fn set_attribute(
        &mut self,
        span: ResourceAny,
        key: &str,
        value: &Value,
    ) -> wasmtime::Result<()> {
        self.api
            .wrr_otel_tracing()
            .span()
            .call_set_attribute(&mut self.store, span, key, value)
    }

    /// `end: static func(this: span, ...)`: the handle is consumed.
    pub fn end_span(&mut self, span: ResourceAny) -> wasmtime::Result<()> {
        self.api
            .wrr_otel_tracing()
            .span()
            .call_end(&mut self.store, span, None)
    }

    /// `shutdown` of a provider.
    pub fn shutdown(&mut self, provider: ResourceAny) -> wasmtime::Result<Result<(), OtelError>> {
        self.api
            .wrr_otel_provider()
            .provider()
            .call_shutdown(&mut self.store, provider)
    }
}
