//! Runs a `wasi:cli` command component that reports through `wasi:otel`,
//! each run in a fresh instance inside a span of the host's, all instances
//! into one pipeline, and exports what arrives as OTLP.
//!
//! ```text
//! wasi-otel-embedder GUEST.wasm [--instances N] [--no-host-span] [--time-limit MS] [--otlp FILE] [-- GUEST ARGS…]
//! ```
//!
//! Each run may take `--time-limit` milliseconds (10,000 unless said);
//! a guest past it is stopped like a trap.
//!
//! With `--otlp FILE` the export requests are written to FILE as OTLP/JSON
//! lines; without it they go where the `OTEL_EXPORTER_OTLP_*` variables
//! say. What the guests sent that was repaired or dropped is printed to
//! stderr, one `drops: …` line.

use std::process::ExitCode;
use std::time::Duration;

use wasi_otel_host::otlp::config::OtlpConfig;
use wasi_otel_host::otlp::memory::MemoryExporter;
use wasi_otel_host::tracing::SpanKind;
use wasi_otel_host::{
    call_in_span, resource, Deadlines, HostSpan, Pipeline, WasiOtelCtx, WasiOtelView,
};
use wasmtime::component::{Component, Linker, ResourceTable};
use wasmtime::{Config, Engine, Store};
use wasmtime_wasi::p2::bindings::sync::Command;
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};

struct State {
    wasi: WasiCtx,
    table: ResourceTable,
    otel: WasiOtelCtx,
}

impl WasiView for State {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}

impl WasiOtelView for State {
    fn otel(&mut self) -> &mut WasiOtelCtx {
        &mut self.otel
    }
}

struct Options {
    guest: String,
    instances: usize,
    host_span: bool,
    otlp: Option<String>,
    time_limit: Duration,
    guest_args: Vec<String>,
}

fn options() -> Result<Options, String> {
    let mut args = std::env::args().skip(1);
    let mut options = Options {
        guest: String::new(),
        instances: 1,
        host_span: true,
        otlp: None,
        time_limit: Duration::from_secs(10),
        guest_args: vec!["guest".to_string()],
    };
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--instances" => {
                let n = args.next().ok_or("--instances needs a number")?;
                options.instances = n.parse().map_err(|_| format!("not a number: {}", n))?;
            }
            "--no-host-span" => options.host_span = false,
            "--time-limit" => {
                let ms = args.next().ok_or("--time-limit needs milliseconds")?;
                let ms = ms.parse().map_err(|_| format!("not a number: {}", ms))?;
                options.time_limit = Duration::from_millis(ms);
            }
            "--otlp" => options.otlp = Some(args.next().ok_or("--otlp needs a file")?),
            "--" => options.guest_args.extend(args.by_ref()),
            _ if options.guest.is_empty() => options.guest = arg,
            other => return Err(format!("unexpected argument: {}", other)),
        }
    }
    if options.guest.is_empty() {
        return Err(
            "usage: wasi-otel-embedder GUEST.wasm [--instances N] [--no-host-span] \
                    [--time-limit MS] [--otlp FILE] [-- ARGS…]"
                .into(),
        );
    }
    Ok(options)
}

fn run(options: &Options) -> Result<(), Box<dyn std::error::Error>> {
    let mut config = Config::new();
    config.epoch_interruption(true);
    let engine = Engine::new(&config)?;
    let deadlines = Deadlines::start(&engine, Duration::from_millis(10));
    let mut linker = Linker::<State>::new(&engine);
    wasmtime_wasi::p2::add_to_linker_sync(&mut linker)?;
    wasi_otel_host::add_to_linker(&mut linker)?;
    let component = Component::from_file(&engine, &options.guest)?;

    let config = OtlpConfig::from_env()?;
    let memory = MemoryExporter::default();
    let pipeline = match options.otlp {
        Some(_) => Pipeline::memory(&memory, resource(&config, "embedder")),
        None => Pipeline::otlp(&config, resource(&config, "embedder"))?,
    };

    for _ in 0..options.instances {
        let state = State {
            wasi: WasiCtx::builder()
                .inherit_stderr()
                .args(&options.guest_args)
                .build(),
            table: ResourceTable::new(),
            otel: WasiOtelCtx::new(pipeline.clone()),
        };
        let mut store = Store::new(&engine, state);
        deadlines.arm(&mut store, options.time_limit);
        let command = Command::instantiate(&mut store, &component, &linker)?;
        let run = |store: &mut Store<State>| {
            command
                .wasi_cli_run()
                .call_run(store)?
                .map_err(|()| wasmtime::Error::msg("the guest exited with an error"))
        };
        if options.host_span {
            let span = HostSpan::new("run").with_kind(SpanKind::Server);
            call_in_span(&mut store, span, |store, _| run(store))?;
        } else {
            run(&mut store)?;
        }
    }

    let report = pipeline.shutdown();
    eprintln!("drops: {}", pipeline.drops());
    if let Some(path) = &options.otlp {
        let mut file = std::fs::File::create(path)?;
        wasi_otel_host::otlp::write_lines(&mut file, &memory.take())?;
    }
    report.into_result()?;
    Ok(())
}

fn main() -> ExitCode {
    let result = options().map_err(Into::into).and_then(|o| run(&o));
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {}", e);
            ExitCode::FAILURE
        }
    }
}
