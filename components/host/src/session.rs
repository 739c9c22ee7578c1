//! Instances: the SDK alone ([`SdkSession`], driven through its exported API
//! by the host) and the composed service ([`Service`], driven through the
//! app's handler, one server span per request).

use std::sync::OnceLock;

use wasmtime::component::{Component, Linker};
use wasmtime::{Config, Engine, ResourceLimiter};

use crate::bindings::sdk::wasi::otel::tracing::Status;
use crate::bindings::sdk::SdkTesting;
use crate::bindings::service::exports::wrr::otel::handler::{Request, Response};
use crate::collector::Collector;
use crate::server::ServerSpan;

/// Which SDK build.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Build {
    /// Spans in a `wit-resource-registry` registry.
    Registry,
    /// Spans in a `HashMap` keyed by `handle()`: the negative control.
    Naive,
}

/// What a store holds: the telemetry received, the host's current span
/// context, and the guest memory's size.
#[derive(Default)]
pub struct HostState {
    pub(crate) collector: Collector,
    pub(crate) outer: Option<crate::bindings::sdk::wasi::otel::tracing::SpanContext>,
    memory_bytes: usize,
}

impl ResourceLimiter for HostState {
    fn memory_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _max: Option<usize>,
    ) -> wasmtime::Result<bool> {
        // Several memories (app and SDK) in a composed store: the largest.
        self.memory_bytes = self.memory_bytes.max(desired);
        Ok(true)
    }

    fn table_growing(
        &mut self,
        _current: usize,
        _desired: usize,
        _max: Option<usize>,
    ) -> wasmtime::Result<bool> {
        Ok(true)
    }
}

/// A store of this host.
pub type Store = wasmtime::Store<HostState>;

/// The process's engine.
pub fn engine() -> &'static Engine {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    ENGINE.get_or_init(|| Engine::new(&Config::new()).expect("default engine config"))
}

fn compiled(cell: &'static OnceLock<Component>, bytes: &[u8]) -> &'static Component {
    cell.get_or_init(|| Component::new(engine(), bytes).expect("the component compiles"))
}

fn new_store() -> wasmtime::Result<(Store, Linker<HostState>)> {
    let mut store = Store::new(engine(), HostState::default());
    store.limiter(|state| state as &mut dyn ResourceLimiter);
    let mut linker = Linker::new(engine());
    crate::imports::add_to_linker(&mut linker)?;
    Ok((store, linker))
}

/// One instance of the SDK component alone, with its test hooks.
pub struct SdkSession {
    /// The store (pass `&mut session.store` to the generated calls).
    pub store: Store,
    /// The SDK's exports.
    pub api: SdkTesting,
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
        let (mut store, linker) = new_store()?;
        let api = SdkTesting::instantiate(&mut store, component, &linker)?;
        Ok(SdkSession { store, api })
    }

    /// What the SDK reported so far (then forgotten by the host).
    pub fn take_telemetry(&mut self) -> Collector {
        self.store.data_mut().collector.take()
    }

    /// Bytes of linear memory the guest has grown to.
    pub fn memory_bytes(&self) -> usize {
        self.store.data().memory_bytes
    }

    /// Sets (or clears) what `outer-span-context` returns.
    pub fn set_outer(&mut self, server: Option<&ServerSpan>) {
        self.store.data_mut().outer = server.map(|s| s.context().clone());
    }
}

/// One instance of the demo app composed with an SDK.
pub struct Service {
    store: Store,
    api: crate::bindings::service::Service,
}

impl Service {
    /// A fresh instance, composed with the `build` SDK.
    pub fn new(build: Build) -> wasmtime::Result<Self> {
        static REGISTRY: OnceLock<Component> = OnceLock::new();
        static NAIVE: OnceLock<Component> = OnceLock::new();
        let component = match build {
            Build::Registry => compiled(&REGISTRY, crate::SERVICE_COMPONENT),
            Build::Naive => compiled(&NAIVE, crate::SERVICE_NAIVE_COMPONENT),
        };
        let (mut store, linker) = new_store()?;
        let api = crate::bindings::service::Service::instantiate(&mut store, component, &linker)?;
        Ok(Service { store, api })
    }

    /// Handles one request inside a server span of the host: the guest sees
    /// that span as `outer-span-context`, and the span is exported with the
    /// guest's.
    pub fn request(&mut self, user: &str, items: &[&str]) -> wasmtime::Result<Response> {
        let mut server = ServerSpan::start("POST /checkout");
        server.set_attribute("http.request.method", "\"POST\"".into());
        server.set_attribute("enduser.id", serde_json::Value::from(user).to_string());
        self.store.data_mut().outer = Some(server.context().clone());
        let request = Request {
            user: user.to_string(),
            items: items.iter().map(|s| s.to_string()).collect(),
        };
        let result = self
            .api
            .wrr_otel_handler()
            .call_handle(&mut self.store, &request);
        self.store.data_mut().outer = None;
        let status = match &result {
            Ok(response) if response.status < 500 => Status::Unset,
            Ok(response) => Status::Error(format!("status {}", response.status)),
            Err(trap) => Status::Error(format!("the guest trapped: {}", trap)),
        };
        if let Ok(response) = &result {
            server.set_attribute("http.response.status_code", response.status.to_string());
        }
        let span = server.end(status);
        self.store.data_mut().collector.spans.push(span);
        result
    }

    /// Shuts the app's telemetry down: the SDK ends forgotten spans and
    /// exports its metrics.
    pub fn shutdown(&mut self) -> wasmtime::Result<()> {
        self.api.wrr_otel_handler().call_shutdown(&mut self.store)
    }

    /// What arrived so far (then forgotten by the host).
    pub fn take_telemetry(&mut self) -> Collector {
        self.store.data_mut().collector.take()
    }

    /// Bytes of linear memory the largest guest memory has grown to.
    pub fn memory_bytes(&self) -> usize {
        self.store.data().memory_bytes
    }
}
