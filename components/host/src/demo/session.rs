//! Instances: the SDK alone ([`SdkSession`], driven through its exported API
//! by the host, its reports kept as they arrived) and the composed service
//! ([`Service`], driven through the app's handler, one server span per
//! request, its reports going into a [`Pipeline`]).

use std::sync::OnceLock;

use wasmtime::component::Component;

use super::server::ServerSpan;
use super::state::{engine, linker, store, Store};
use crate::bindings::sdk::wasi::otel::tracing::Status;
use crate::bindings::sdk::SdkTesting;
use crate::bindings::service::exports::wrr::otel::handler::{Request, Response};
use crate::pipeline::Pipeline;
use crate::sink::{Collected, Collector};
use crate::wasi_otel::WasiOtelView;

/// Which SDK build.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Build {
    /// Spans in a `wit-resource-registry` registry.
    Registry,
    /// Spans in a `HashMap` keyed by `handle()`: the negative control.
    Naive,
}

fn compiled(cell: &'static OnceLock<Component>, bytes: &[u8]) -> &'static Component {
    cell.get_or_init(|| Component::new(engine(), bytes).expect("the component compiles"))
}

/// One instance of the SDK component alone, with its test hooks; what it
/// reports is kept as it arrived.
pub struct SdkSession {
    /// The store (pass `&mut session.store` to the generated calls).
    pub store: Store,
    /// The SDK's exports.
    pub api: SdkTesting,
    collector: Collector,
}

impl SdkSession {
    /// A fresh instance of `build`.
    pub fn new(build: Build) -> wasmtime::Result<Self> {
        static REGISTRY: OnceLock<Component> = OnceLock::new();
        static NAIVE: OnceLock<Component> = OnceLock::new();
        let component = match build {
            Build::Registry => compiled(&REGISTRY, crate::SDK_TESTING_COMPONENT),
            Build::Naive => compiled(&NAIVE, crate::SDK_NAIVE_COMPONENT),
        };
        let collector = Collector::default();
        let mut store = store(collector.clone());
        let api = SdkTesting::instantiate(&mut store, component, linker()?)?;
        Ok(SdkSession {
            store,
            api,
            collector,
        })
    }

    /// What the SDK reported so far (then forgotten by the host).
    pub fn take_telemetry(&mut self) -> Collected {
        self.collector.take()
    }

    /// Bytes of linear memory the guest has grown to.
    pub fn memory_bytes(&self) -> usize {
        self.store.data().memory_bytes()
    }

    /// Sets (or clears) what `outer-span-context` returns.
    pub fn set_outer(&mut self, server: Option<&ServerSpan>) {
        let context = server.map(|s| s.context().clone());
        self.store.data_mut().otel().set_outer_span_context(context);
    }
}

/// One instance of the demo app composed with an SDK, reporting into a
/// pipeline.
pub struct Service {
    store: Store,
    api: crate::bindings::service::Service,
    pipeline: Pipeline,
}

impl Service {
    /// A fresh instance, composed with the `build` SDK, reporting into
    /// `pipeline`.
    pub fn new(build: Build, pipeline: &Pipeline) -> wasmtime::Result<Self> {
        static REGISTRY: OnceLock<Component> = OnceLock::new();
        static NAIVE: OnceLock<Component> = OnceLock::new();
        let component = match build {
            Build::Registry => compiled(&REGISTRY, crate::SERVICE_COMPONENT),
            Build::Naive => compiled(&NAIVE, crate::SERVICE_NAIVE_COMPONENT),
        };
        let mut store = store(pipeline.clone());
        let api = crate::bindings::service::Service::instantiate(&mut store, component, linker()?)?;
        Ok(Service {
            store,
            api,
            pipeline: pipeline.clone(),
        })
    }

    /// Handles one request inside a server span of the host: the guest sees
    /// that span as `outer-span-context`, and the span is exported with the
    /// guest's.
    pub fn request(&mut self, user: &str, items: &[&str]) -> wasmtime::Result<Response> {
        let mut server = ServerSpan::start("POST /checkout");
        server.set_attribute("http.request.method", "\"POST\"".into());
        server.set_attribute("enduser.id", serde_json::Value::from(user).to_string());
        let otel = self.store.data_mut().otel();
        otel.set_outer_span_context(Some(server.context().clone()));
        let request = Request {
            user: user.to_string(),
            items: items.iter().map(|s| s.to_string()).collect(),
        };
        let result = self
            .api
            .wrr_otel_handler()
            .call_handle(&mut self.store, &request);
        let otel = self.store.data_mut().otel();
        otel.set_outer_span_context(None);
        let status = match &result {
            Ok(response) if response.status < 500 => Status::Unset,
            Ok(response) => Status::Error(format!("status {}", response.status)),
            Err(trap) => Status::Error(format!("the guest trapped: {}", trap)),
        };
        if let Ok(response) = &result {
            server.set_attribute("http.response.status_code", response.status.to_string());
        }
        otel.sink().span_ended(server.end(status));
        result
    }

    /// Shuts the app's telemetry down: the SDK ends forgotten spans and
    /// exports its metrics.
    pub fn shutdown(&mut self) -> wasmtime::Result<()> {
        self.api.wrr_otel_handler().call_shutdown(&mut self.store)
    }

    /// The pipeline this instance reports into.
    pub fn pipeline(&self) -> &Pipeline {
        &self.pipeline
    }

    /// Bytes of linear memory the largest guest memory has grown to.
    pub fn memory_bytes(&self) -> usize {
        self.store.data().memory_bytes()
    }
}
