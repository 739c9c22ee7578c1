//! Runs a `wasi:cli` command component that reports through `wasi:otel`,
//! each run in a fresh instance inside a span of the host's, all instances
//! into one pipeline, and exports what arrives as OTLP.
//!
//! ```text
//! wasi-otel-embedder GUEST.wasm [--instances N] [--no-host-span] [--time-limit MS]
//!     [--otlp FILE] [--first-args 'WORDS…'] [-- GUEST ARGS…]
//! ```
//!
//! Each run may take `--time-limit` milliseconds (10,000 unless said);
//! a guest past it is stopped like a trap. Every run gets the GUEST ARGS;
//! the first run gets the words of `--first-args` (split at whitespace)
//! before them, e.g. `--first-args 'attack loop'` for a hostile first run.
//!
//! A run that fails (a trap, the time limit, the guest's exit with an
//! error) does not end the program: it prints `run I failed: CAUSE` (I
//! from 1) on stderr and the next run gets a fresh instance.
//!
//! With `--otlp FILE` the export requests are written to FILE as OTLP/JSON
//! lines; without it they go where the `OTEL_EXPORTER_OTLP_*` variables
//! say. At the end it prints on stderr what the shutdown did not export
//! (one `shutdown: …` line per failure, losses counted), what the guests
//! sent that was repaired or dropped (one `drops: …` line) and the
//! process's peak memory (`peak memory: N KiB`, VmHWM). The exit status is
//! 1 when a run failed or something was not exported (the file is written
//! all the same).

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
    first_args: Vec<String>,
}

const USAGE: &str = "usage: wasi-otel-embedder GUEST.wasm [--instances N] [--no-host-span] \
                     [--time-limit MS] [--otlp FILE] [--first-args 'WORDS…'] [-- ARGS…]\n\
                     (--first-args: words put before the ARGS of the first run only)";

fn options() -> Result<Options, String> {
    let mut args = std::env::args().skip(1);
    let mut options = Options {
        guest: String::new(),
        instances: 1,
        host_span: true,
        otlp: None,
        time_limit: Duration::from_secs(10),
        guest_args: vec!["guest".to_string()],
        first_args: Vec::new(),
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
            "--first-args" => {
                let words = args.next().ok_or("--first-args needs the words")?;
                options.first_args = words.split_whitespace().map(String::from).collect();
            }
            "--" => options.guest_args.extend(args.by_ref()),
            _ if options.guest.is_empty() => options.guest = arg,
            other => return Err(format!("unexpected argument: {}", other)),
        }
    }
    if options.guest.is_empty() {
        return Err(USAGE.into());
    }
    Ok(options)
}

/// The guest's arguments for run `i` (from 0): the first run's get the
/// words of `--first-args` after the program name.
fn guest_args(options: &Options, i: usize) -> Vec<String> {
    let mut args = options.guest_args.clone();
    if i == 0 {
        args.splice(1..1, options.first_args.iter().cloned());
    }
    args
}

/// One run of the guest, in a fresh instance; its error is the cause.
fn run_once(
    options: &Options,
    i: usize,
    engine: &Engine,
    deadlines: &Deadlines,
    linker: &Linker<State>,
    component: &Component,
    pipeline: &Pipeline,
) -> wasmtime::Result<()> {
    let state = State {
        wasi: WasiCtx::builder()
            .inherit_stderr()
            .args(&guest_args(options, i))
            .build(),
        table: ResourceTable::new(),
        otel: WasiOtelCtx::new(pipeline.clone()),
    };
    let mut store = Store::new(engine, state);
    deadlines.arm(&mut store, options.time_limit);
    let command = Command::instantiate(&mut store, component, linker)?;
    let run = |store: &mut Store<State>| {
        command
            .wasi_cli_run()
            .call_run(store)?
            .map_err(|()| wasmtime::Error::msg("the guest exited with an error"))
    };
    if options.host_span {
        let span = HostSpan::new("run").with_kind(SpanKind::Server);
        call_in_span(&mut store, span, |store, _| run(store))
    } else {
        run(&mut store)
    }
}

/// The process's peak resident memory in KiB (`VmHWM`), if Linux says.
fn peak_memory_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// Runs every instance; true when all of them, and the export, succeeded.
fn run(options: &Options) -> Result<bool, Box<dyn std::error::Error>> {
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

    let mut failed = 0;
    for i in 0..options.instances {
        let result = run_once(
            options, i, &engine, &deadlines, &linker, &component, &pipeline,
        );
        if let Err(e) = result {
            eprintln!("run {} failed: {}", i + 1, e.root_cause());
            failed += 1;
        }
    }

    let report = pipeline.shutdown();
    for line in report.to_string().lines() {
        eprintln!("shutdown: {}", line);
    }
    eprintln!("drops: {}", pipeline.drops());
    if let Some(path) = &options.otlp {
        let mut file = std::fs::File::create(path)?;
        wasi_otel_host::otlp::write_lines(&mut file, &memory.take())?;
    }
    if let Some(kib) = peak_memory_kib() {
        eprintln!("peak memory: {} KiB", kib);
    }
    Ok(failed == 0 && report.failures.is_empty())
}

fn main() -> ExitCode {
    let result = options().map_err(Into::into).and_then(|o| run(&o));
    match result {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("error: {}", e);
            ExitCode::FAILURE
        }
    }
}
