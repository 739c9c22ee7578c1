//! Instances: the SDK alone ([`SdkSession`], driven through its exported API
//! by the host, its reports kept as they arrived) and the composed service
//! ([`Service`], driven through the app's handler, one server span per
//! request, its reports going into a [`Pipeline`]).

use std::sync::OnceLock;
use std::time::Duration;

use wasmtime::component::Component;
use wasmtime::Engine;

use super::state::{counting_engine, engine, linker, store, Store};
use crate::bindings::sdk::SdkTesting;
use crate::bindings::service::exports::wrr::otel::handler::{Request, Response};
use wasi_otel_host::tracing::{SpanKind, Status};
use wasi_otel_host::{
    call_in_span, Collected, Collector, Deadlines, HostSpan, Pipeline, WasiOtelView,
};

/// How long a request may run before the guest is stopped like a trap
/// (its open spans ended and exported, the next request on a new instance).
pub const REQUEST_TIME_LIMIT: Duration = Duration::from_secs(10);

/// Which SDK build.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Build {
    /// Spans in a `wit-resource-registry` registry.
    Registry,
    /// Spans in a `HashMap` keyed by `handle()`: the negative control.
    Naive,
}

fn compiled(
    cell: &'static OnceLock<Component>,
    engine: &Engine,
    bytes: &[u8],
) -> &'static Component {
    cell.get_or_init(|| Component::new(engine, bytes).expect("the component compiles"))
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
        Self::in_engine(engine(), [&REGISTRY, &NAIVE], build)
    }

    /// A fresh instance of `build` in the [fuel-counting
    /// engine](counting_engine): [`fuel_used`](Self::fuel_used) then counts
    /// the wasm instructions it ran. For counting, never timing.
    pub fn counting(build: Build) -> wasmtime::Result<Self> {
        static REGISTRY: OnceLock<Component> = OnceLock::new();
        static NAIVE: OnceLock<Component> = OnceLock::new();
        Self::in_engine(counting_engine(), [&REGISTRY, &NAIVE], build)
    }

    fn in_engine(
        engine: &'static Engine,
        [registry, naive]: [&'static OnceLock<Component>; 2],
        build: Build,
    ) -> wasmtime::Result<Self> {
        let component = match build {
            Build::Registry => compiled(registry, engine, crate::SDK_TESTING_COMPONENT),
            Build::Naive => compiled(naive, engine, crate::SDK_NAIVE_COMPONENT),
        };
        let collector = Collector::default();
        let mut store = store(engine, collector.clone())?;
        let api = SdkTesting::instantiate(&mut store, component, linker(engine)?)?;
        Ok(SdkSession {
            store,
            api,
            collector,
        })
    }

    /// Wasm instructions run so far by a [counting](Self::counting)
    /// session (fuel used); an error for one that is not.
    pub fn fuel_used(&self) -> wasmtime::Result<u64> {
        Ok(u64::MAX - self.store.get_fuel()?)
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
    pub fn set_outer(&mut self, server: Option<&HostSpan>) {
        let context = server.map(|s| s.context().clone());
        self.store.data_mut().otel().set_outer_span_context(context);
    }
}

/// The demo app composed with an SDK, reporting into a pipeline: one
/// instance at a time, and a fresh one after an instance trapped.
pub struct Service {
    component: Component,
    instance: Option<(Store, crate::bindings::service::Service)>,
    pipeline: Pipeline,
}

impl Service {
    /// The Rust app composed with the `build` SDK, reporting into `pipeline`.
    pub fn new(build: Build, pipeline: &Pipeline) -> wasmtime::Result<Self> {
        static NAIVE: OnceLock<Component> = OnceLock::new();
        let component = match build {
            Build::Registry => {
                super::App::Rust
                    .component()
                    .map_err(wasmtime::Error::msg)?
                    .0
            }
            Build::Naive => compiled(&NAIVE, engine(), crate::SERVICE_NAIVE_COMPONENT),
        };
        Service::from_component(component.clone(), pipeline)
    }

    /// Any component of the `service` world (an app of any language
    /// composed with the SDK), instantiated now.
    pub fn from_component(component: Component, pipeline: &Pipeline) -> wasmtime::Result<Self> {
        let mut service = Service {
            component,
            instance: None,
            pipeline: pipeline.clone(),
        };
        service.instance()?;
        Ok(service)
    }

    fn instance(&mut self) -> wasmtime::Result<&mut (Store, crate::bindings::service::Service)> {
        let instance = match self.instance.take() {
            Some(instance) => instance,
            None => {
                let mut store = store(engine(), self.pipeline.clone())?;
                let api = crate::bindings::service::Service::instantiate(
                    &mut store,
                    &self.component,
                    linker(engine())?,
                )?;
                (store, api)
            }
        };
        Ok(self.instance.insert(instance))
    }

    /// Handles one request inside a server span of the host
    /// ([`call_in_span`]): the guest sees that span as `outer-span-context`,
    /// and the span is exported with the guest's. If the guest traps, the
    /// request's answer is the trap, the spans it started and never ended
    /// are exported ended with status ERROR and the reason, and the next
    /// request gets a fresh instance.
    pub fn request(&mut self, user: &str, items: &[&str]) -> wasmtime::Result<Response> {
        let mut server = HostSpan::new("POST /checkout").with_kind(SpanKind::Server);
        server.set_attribute("http.request.method", "POST");
        server.set_attribute("enduser.id", user.to_string());
        let request = Request {
            user: user.to_string(),
            items: items.iter().map(|s| s.to_string()).collect(),
        };
        let (store, api) = self.instance()?;
        let handler = api.wrr_otel_handler();
        super::state::deadlines().arm(store, REQUEST_TIME_LIMIT);
        let result = call_in_span(store, server, |store, span| {
            let response = handler.call_handle(store, &request)?;
            span.set_attribute("http.response.status_code", i64::from(response.status));
            if response.status >= 500 {
                span.set_status(Status::Error(format!("status {}", response.status)));
            }
            Ok(response)
        });
        if result.is_err() {
            // A trapped instance cannot be entered again.
            self.instance = None;
        } else {
            Deadlines::unbounded(store);
        }
        result
    }

    /// Shuts the app's telemetry down: the SDK ends forgotten spans and
    /// exports its metrics.
    pub fn shutdown(&mut self) -> wasmtime::Result<()> {
        let (store, api) = self.instance()?;
        super::state::deadlines().arm(store, REQUEST_TIME_LIMIT);
        let result = api.wrr_otel_handler().call_shutdown(&mut *store);
        Deadlines::unbounded(store);
        result
    }

    /// The pipeline this service reports into.
    pub fn pipeline(&self) -> &Pipeline {
        &self.pipeline
    }

    /// Bytes of linear memory the largest guest memory of the current
    /// instance has grown to.
    pub fn memory_bytes(&self) -> usize {
        self.instance
            .as_ref()
            .map_or(0, |(store, _)| store.data().memory_bytes())
    }
}
