//! Runs the telemetry components under wasmtime: the guest built on
//! `wit-resource-registry` and the naive, handle-keyed one, both compiled from
//! `components/guest` by this crate's build script.

wasmtime::component::bindgen!({ world: "telemetry", path: "../wit", additional_derives: [PartialEq] });

/// The registry-backed component.
pub const TELEMETRY_COMPONENT: &[u8] =
    include_bytes!(concat!(env!("OUT_DIR"), "/telemetry.component.wasm"));
/// The negative control: spans keyed by `handle()`.
pub const NAIVE_COMPONENT: &[u8] =
    include_bytes!(concat!(env!("OUT_DIR"), "/naive.component.wasm"));

use std::sync::OnceLock;

use wasmtime::component::{Component, Linker, ResourceAny};
use wasmtime::{Config, Engine, ResourceLimiter, Store};

pub use exports::wrr::telemetry::admin::KindStats;
pub use wrr::telemetry::types::{
    Attribute, Batch, LogData, MetricKind, MetricPoint, Severity, SpanData, StatusCode,
    TelemetryError,
};

/// Which build of the guest to run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Guest {
    /// Spans in a `wit-resource-registry` registry, keys in the span structs.
    Registry,
    /// Spans in a `HashMap` keyed by `handle()` (the seed README's pattern).
    Naive,
}

/// What the store knows: the guest memory's size, seen as it grows.
#[derive(Default)]
pub struct HostState {
    memory_bytes: usize,
}

impl ResourceLimiter for HostState {
    fn memory_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _max: Option<usize>,
    ) -> wasmtime::Result<bool> {
        self.memory_bytes = desired;
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

fn engine() -> &'static Engine {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    ENGINE.get_or_init(|| Engine::new(&Config::new()).expect("default engine config"))
}

/// The compiled component for `guest`, compiled once per process.
pub fn component(guest: Guest) -> &'static Component {
    static REGISTRY: OnceLock<Component> = OnceLock::new();
    static NAIVE: OnceLock<Component> = OnceLock::new();
    let (cell, bytes) = match guest {
        Guest::Registry => (&REGISTRY, TELEMETRY_COMPONENT),
        Guest::Naive => (&NAIVE, NAIVE_COMPONENT),
    };
    cell.get_or_init(|| Component::new(engine(), bytes).expect("the guest component compiles"))
}

/// One instance of a telemetry component in its own store, with typed
/// wrappers for each WIT function. Handles are `ResourceAny`: wasmtime does
/// not drop them for us, which is how a host "forgets" one.
pub struct Session {
    store: Store<HostState>,
    api: Telemetry,
}

impl Session {
    /// A fresh instance of `guest`.
    pub fn new(guest: Guest) -> wasmtime::Result<Self> {
        let mut store = Store::new(engine(), HostState::default());
        store.limiter(|state| state as &mut dyn ResourceLimiter);
        let linker = Linker::new(engine());
        let api = Telemetry::instantiate(&mut store, component(guest), &linker)?;
        Ok(Session { store, api })
    }

    /// Bytes of linear memory the guest has grown to.
    pub fn memory_bytes(&self) -> usize {
        self.store.data().memory_bytes
    }

    pub fn tracer(&mut self, name: &str, version: &str) -> wasmtime::Result<ResourceAny> {
        self.api
            .wrr_telemetry_trace()
            .tracer()
            .call_constructor(&mut self.store, name, version)
    }

    pub fn start_span(
        &mut self,
        tracer: ResourceAny,
        name: &str,
        parent: Option<ResourceAny>,
    ) -> wasmtime::Result<Result<ResourceAny, TelemetryError>> {
        self.api.wrr_telemetry_trace().tracer().call_start_span(
            &mut self.store,
            tracer,
            name,
            parent,
        )
    }

    pub fn span_id(&mut self, span: ResourceAny) -> wasmtime::Result<u32> {
        self.api
            .wrr_telemetry_trace()
            .span()
            .call_id(&mut self.store, span)
    }

    pub fn set_attribute(
        &mut self,
        span: ResourceAny,
        key: &str,
        value: &str,
    ) -> wasmtime::Result<()> {
        self.api
            .wrr_telemetry_trace()
            .span()
            .call_set_attribute(&mut self.store, span, key, value)
    }

    pub fn add_event(&mut self, span: ResourceAny, name: &str) -> wasmtime::Result<()> {
        self.api
            .wrr_telemetry_trace()
            .span()
            .call_add_event(&mut self.store, span, name)
    }

    pub fn set_status(
        &mut self,
        span: ResourceAny,
        code: StatusCode,
        message: &str,
    ) -> wasmtime::Result<()> {
        self.api
            .wrr_telemetry_trace()
            .span()
            .call_set_status(&mut self.store, span, code, message)
    }

    /// `end: static func(this: span)`: the handle is consumed.
    pub fn end_span(&mut self, span: ResourceAny) -> wasmtime::Result<SpanData> {
        self.api
            .wrr_telemetry_trace()
            .span()
            .call_end(&mut self.store, span)
    }

    /// Drops a handle the host owns (`resource-drop`).
    pub fn drop_handle(&mut self, handle: ResourceAny) -> wasmtime::Result<()> {
        handle.resource_drop(&mut self.store)
    }

    pub fn log_record(
        &mut self,
        severity: Severity,
        body: &str,
    ) -> wasmtime::Result<Result<ResourceAny, TelemetryError>> {
        self.api
            .wrr_telemetry_logs()
            .log_record()
            .call_create(&mut self.store, severity, body)
    }

    pub fn log_attribute(
        &mut self,
        record: ResourceAny,
        key: &str,
        value: &str,
    ) -> wasmtime::Result<()> {
        self.api
            .wrr_telemetry_logs()
            .log_record()
            .call_set_attribute(&mut self.store, record, key, value)
    }

    pub fn log_span(&mut self, record: ResourceAny, span: ResourceAny) -> wasmtime::Result<()> {
        self.api
            .wrr_telemetry_logs()
            .log_record()
            .call_set_span(&mut self.store, record, span)
    }

    pub fn emit(&mut self, record: ResourceAny) -> wasmtime::Result<LogData> {
        self.api
            .wrr_telemetry_logs()
            .log_record()
            .call_emit(&mut self.store, record)
    }

    pub fn meter(&mut self, name: &str) -> wasmtime::Result<ResourceAny> {
        self.api
            .wrr_telemetry_metrics()
            .meter()
            .call_constructor(&mut self.store, name)
    }

    pub fn counter(
        &mut self,
        meter: ResourceAny,
        name: &str,
    ) -> wasmtime::Result<Result<ResourceAny, TelemetryError>> {
        self.api
            .wrr_telemetry_metrics()
            .meter()
            .call_counter(&mut self.store, meter, name)
    }

    pub fn histogram(
        &mut self,
        meter: ResourceAny,
        name: &str,
        bounds: &[f64],
    ) -> wasmtime::Result<Result<ResourceAny, TelemetryError>> {
        self.api.wrr_telemetry_metrics().meter().call_histogram(
            &mut self.store,
            meter,
            name,
            bounds,
        )
    }

    pub fn add(&mut self, counter: ResourceAny, value: u64) -> wasmtime::Result<()> {
        self.api
            .wrr_telemetry_metrics()
            .counter()
            .call_add(&mut self.store, counter, value)
    }

    pub fn record(&mut self, histogram: ResourceAny, value: f64) -> wasmtime::Result<()> {
        self.api
            .wrr_telemetry_metrics()
            .histogram()
            .call_record(&mut self.store, histogram, value)
    }

    pub fn collect(&mut self, meter: ResourceAny) -> wasmtime::Result<Vec<MetricPoint>> {
        self.api
            .wrr_telemetry_metrics()
            .meter()
            .call_collect(&mut self.store, meter)
    }

    pub fn exporter(&mut self) -> wasmtime::Result<ResourceAny> {
        self.api
            .wrr_telemetry_exporter()
            .exporter()
            .call_constructor(&mut self.store)
    }

    pub fn force_flush(&mut self, exporter: ResourceAny) -> wasmtime::Result<Batch> {
        self.api
            .wrr_telemetry_exporter()
            .exporter()
            .call_force_flush(&mut self.store, exporter)
    }

    pub fn shutdown(&mut self, exporter: ResourceAny) -> wasmtime::Result<Batch> {
        self.api
            .wrr_telemetry_exporter()
            .exporter()
            .call_shutdown(&mut self.store, exporter)
    }

    pub fn set_max_spans(&mut self, max: u32) -> wasmtime::Result<()> {
        self.api
            .wrr_telemetry_admin()
            .call_set_max_spans(&mut self.store, max)
    }

    pub fn stats(&mut self) -> wasmtime::Result<Vec<KindStats>> {
        self.api.wrr_telemetry_admin().call_stats(&mut self.store)
    }

    /// The stats of one kind of resource (`spans`, `log-records`, `instruments`).
    pub fn kind_stats(&mut self, kind: &str) -> wasmtime::Result<KindStats> {
        self.stats()?
            .into_iter()
            .find(|k| k.kind == kind)
            .ok_or_else(|| wasmtime::format_err!("no stats for {}", kind))
    }

    pub fn hold_spans(&mut self, n: u32) -> wasmtime::Result<()> {
        self.api
            .wrr_telemetry_admin()
            .call_hold_spans(&mut self.store, n)
    }

    pub fn release_held_spans(&mut self) -> wasmtime::Result<()> {
        self.api
            .wrr_telemetry_admin()
            .call_release_held_spans(&mut self.store)
    }

    pub fn churn(&mut self, n: u32) -> wasmtime::Result<u64> {
        self.api
            .wrr_telemetry_admin()
            .call_churn(&mut self.store, n)
    }

    pub fn churn_floor(&mut self, n: u32) -> wasmtime::Result<u64> {
        self.api
            .wrr_telemetry_admin()
            .call_churn_floor(&mut self.store, n)
    }

    pub fn reentrancy_check(&mut self) -> wasmtime::Result<u32> {
        self.api
            .wrr_telemetry_admin()
            .call_reentrancy_check(&mut self.store)
    }

    pub fn trap(&mut self, message: &str) -> wasmtime::Result<()> {
        self.api
            .wrr_telemetry_admin()
            .call_trap(&mut self.store, message)
    }
}
