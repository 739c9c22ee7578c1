//! The demo's store data: WASI 0.2 granting nothing (the SDK uses its wall
//! clock and random numbers; apps in other languages import more), and
//! `wasi:otel`, each through its own view, the way another embedder would
//! combine them.

use std::sync::OnceLock;
use std::time::Duration;

use wasmtime::component::{Linker, ResourceTable};
use wasmtime::{Config, Engine, ResourceLimiter};
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};

use wasi_otel_host::{Deadlines, TelemetrySink, WasiOtelCtx, WasiOtelView};

/// What a demo store holds.
pub struct HostState {
    wasi: WasiCtx,
    table: ResourceTable,
    otel: WasiOtelCtx,
    memory_bytes: usize,
}

impl HostState {
    /// Telemetry goes to `sink`; WASI grants no files, network or
    /// environment, and the guest's stderr is the host's.
    pub fn new(sink: impl TelemetrySink) -> Self {
        HostState {
            // No preopened folders, environment or arguments by default;
            // sockets refused explicitly.
            wasi: WasiCtx::builder()
                .inherit_stderr()
                .allow_tcp(false)
                .allow_udp(false)
                .allow_ip_name_lookup(false)
                .build(),
            table: ResourceTable::new(),
            otel: WasiOtelCtx::new(sink),
            memory_bytes: 0,
        }
    }

    /// Bytes of linear memory the largest guest memory has grown to.
    pub fn memory_bytes(&self) -> usize {
        self.memory_bytes
    }
}

impl WasiView for HostState {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}

impl WasiOtelView for HostState {
    fn otel(&mut self) -> &mut WasiOtelCtx {
        &mut self.otel
    }
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

/// A store of the demo.
pub type Store = wasmtime::Store<HostState>;

/// The process's engine, with epoch interruption so that a guest call can
/// be bounded in time ([`deadlines`]).
pub fn engine() -> &'static Engine {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    ENGINE.get_or_init(|| {
        let mut config = Config::new();
        config.epoch_interruption(true);
        Engine::new(&config).expect("engine config")
    })
}

/// The ticker of [`engine`]'s epoch (every 10 ms), which arms a store with
/// a deadline before each request.
pub fn deadlines() -> &'static Deadlines {
    static DEADLINES: OnceLock<Deadlines> = OnceLock::new();
    DEADLINES.get_or_init(|| Deadlines::start(engine(), Duration::from_millis(10)))
}

/// An engine that counts fuel: one unit per wasm instruction executed
/// (wasmtime's default cost), a figure as stable as callgrind's natively
/// where times on a shared machine are not. Fuel checks slow the code, so
/// this engine is for counting, never timing.
pub fn counting_engine() -> &'static Engine {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    ENGINE.get_or_init(|| {
        let mut config = Config::new();
        config.consume_fuel(true);
        Engine::new(&config).expect("fuel-counting engine config")
    })
}

/// Whether `engine` is the counting one (or a handle to it, such as a
/// store's).
fn is_counting(engine: &Engine) -> bool {
    Engine::same(engine, counting_engine())
}

/// Readies a new store of either engine before anything is instantiated
/// (an instance's start runs too): all the fuel there is for the [counting
/// one](counting_engine), so that the fuel used is `u64::MAX` less what is
/// left; no deadline for the process's, until a request arms one
/// ([`deadlines`]).
pub(crate) fn ready<D>(store: &mut wasmtime::Store<D>) -> wasmtime::Result<()> {
    if is_counting(store.engine()) {
        store.set_fuel(u64::MAX)?;
    }
    Deadlines::unbounded(store);
    Ok(())
}

/// The linker every demo store uses: WASI 0.2 and `wasi:otel`, linked once
/// per engine (the process's, or the [counting one](counting_engine)).
pub(crate) fn linker(engine: &'static Engine) -> wasmtime::Result<&'static Linker<HostState>> {
    static LINKER: OnceLock<Linker<HostState>> = OnceLock::new();
    static COUNTING: OnceLock<Linker<HostState>> = OnceLock::new();
    let cell = if is_counting(engine) {
        &COUNTING
    } else {
        &LINKER
    };
    if let Some(l) = cell.get() {
        return Ok(l);
    }
    let mut linker = Linker::new(engine);
    wasmtime_wasi::p2::add_to_linker_sync(&mut linker)?;
    wasi_otel_host::add_to_linker(&mut linker)?;
    Ok(cell.get_or_init(|| linker))
}

/// A store for `sink`, with the memory limiter that measures the guest.
pub(crate) fn store(engine: &Engine, sink: impl TelemetrySink) -> wasmtime::Result<Store> {
    let mut store = Store::new(engine, HostState::new(sink));
    store.limiter(|state| state as &mut dyn ResourceLimiter);
    ready(&mut store)?;
    Ok(store)
}
