//! Runs the demo app composed with the OpenTelemetry SDK component: two
//! checkout requests (each inside a server span of the host), then the
//! app's shutdown (which ends the span it forgot), and exports everything
//! through the OpenTelemetry pipeline.
//!
//! ```text
//! cargo run -p telemetry-host --example request                  # a readable tree
//! cargo run -p telemetry-host --example request -- --otlp out.jsonl
//! OTEL_EXPORTER_OTLP_ENDPOINT=http://localhost:4318 cargo run -p telemetry-host --example request
//! cargo run -p telemetry-host --example request -- --endpoint http://localhost:4318
//! cargo run -p telemetry-host --example request -- --components DIR
//! cargo run -p telemetry-host --example request -- --app python   # or js; rust is the default
//! ```
//!
//! OTLP export is on when `--endpoint URL` is given or an
//! `OTEL_EXPORTER_OTLP_ENDPOINT` (or per-signal `..._TRACES_ENDPOINT` etc.)
//! variable is set; protocol, headers and timeout come from the standard
//! `OTEL_EXPORTER_OTLP_*` variables, the resource from `OTEL_SERVICE_NAME`
//! and `OTEL_RESOURCE_ATTRIBUTES`. `--otlp FILE` writes the same requests as
//! OTLP/JSON, one per line (what a collector's file receiver reads); without
//! it a tree is printed. `--naive` runs the negative control (the app
//! composed with the handle-keyed SDK); `--components DIR` also writes the
//! components (`sdk.wasm`, `app.wasm`, `service.wasm`) to DIR. `--app python`
//! and `--app js` run the same app written in Python or JavaScript (built by
//! `scripts/build-lang-apps.sh`), composed with the same SDK component.
//!
//! A signal that could not be exported is reported on stderr, with where it
//! was going and why, and the example exits with status 1.

use std::process::ExitCode;

use telemetry_host::demo::App;
use telemetry_host::{tree, Build, Service};
use wasi_otel_host::otlp::config::OtlpConfig;
use wasi_otel_host::otlp::memory::MemoryExporter;
use wasi_otel_host::{otlp, resource, ExportReport, Pipeline};

/// The requests the example sends: (user, items).
const REQUESTS: [(&str, &[&str]); 2] = [
    ("ada", &["book", "lamp", "chair"]),
    ("grace", &["desk", "pen", "teapot"]),
];

struct Args {
    otlp: Option<String>,
    endpoint: Option<String>,
    components: Option<String>,
    build: Build,
    app: App,
}

fn args() -> Result<Args, String> {
    let mut args = Args {
        otlp: None,
        endpoint: None,
        components: None,
        build: Build::Registry,
        app: App::Rust,
    };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--otlp" => args.otlp = Some(it.next().ok_or("--otlp needs a file")?),
            "--endpoint" => args.endpoint = Some(it.next().ok_or("--endpoint needs a URL")?),
            "--components" => {
                args.components = Some(it.next().ok_or("--components needs a folder")?)
            }
            "--naive" => args.build = Build::Naive,
            "--app" => {
                let name = it.next().ok_or("--app needs rust, python or js")?;
                args.app = App::parse(&name)
                    .ok_or_else(|| format!("--app {}: not rust, python or js", name))?;
            }
            other => return Err(format!("unknown argument `{}`", other)),
        }
    }
    Ok(args)
}

/// Prints what did not reach the collector; true when everything did.
fn reported(when: &str, report: ExportReport) -> bool {
    match report.into_result() {
        Ok(()) => true,
        Err(failed) => {
            for line in failed.to_string().lines() {
                eprintln!("{}: {}", when, line);
            }
            false
        }
    }
}

fn run(args: &Args) -> Result<bool, Box<dyn std::error::Error>> {
    let mut config = OtlpConfig::from_env()?;
    let export = args.endpoint.is_some() || OtlpConfig::endpoint_set(|v| std::env::var(v).ok());
    if let Some(endpoint) = &args.endpoint {
        config = config.with_endpoint(endpoint);
    }
    let memory = MemoryExporter::default();
    let mut builder = Pipeline::builder(resource(&config, "checkout")).with_memory(&memory);
    if export {
        builder = builder.with_otlp(&config)?;
        for s in otlp::config::Signal::ALL {
            let c = config.signal(s);
            eprintln!("{} -> {} ({})", s, c.endpoint, c.protocol.name());
        }
    }
    let pipeline = builder.build();
    let mut service = match (args.app, args.build) {
        (App::Rust, build) => Service::new(build, &pipeline)?,
        (_, Build::Naive) => return Err("--naive is the Rust app's negative control".into()),
        (app, Build::Registry) => {
            let (component, prepared) = app.component()?;
            let started = std::time::Instant::now();
            let service = Service::from_component(component.clone(), &pipeline)?;
            eprintln!(
                "{} app + SDK: {:.1} MB, composed in {:.2} s, compiled in {:.2} s, instantiated in {:.0} ms",
                app.name(),
                prepared.bytes as f64 / 1e6,
                prepared.compose.as_secs_f64(),
                prepared.compile.as_secs_f64(),
                started.elapsed().as_secs_f64() * 1e3
            );
            service
        }
    };
    let mut ok = true;
    for (user, items) in REQUESTS {
        // A failed export does not fail the request: it is answered, and
        // what could not be sent is reported.
        let response = service.request(user, items)?;
        eprintln!("{} -> {} {}", user, response.status, response.body);
        ok &= reported("flush", pipeline.force_flush());
    }
    service.shutdown()?;
    ok &= reported("shutdown", pipeline.shutdown());
    let drops = pipeline.drops();
    if !drops.is_empty() {
        eprintln!("input from the guest: {}", drops);
    }
    let requests = memory.take();
    if let Some(path) = &args.otlp {
        let mut file = std::io::BufWriter::new(std::fs::File::create(path)?);
        otlp::write_lines(&mut file, &requests)?;
        eprintln!("wrote {} export requests to {}", requests.len(), path);
    } else {
        print!("{}", tree::render(&requests));
    }
    if export && ok {
        eprintln!("exported everything over OTLP");
    }
    Ok(ok)
}

fn main() -> Result<ExitCode, Box<dyn std::error::Error>> {
    let args = args()?;
    if let Some(dir) = &args.components {
        std::fs::create_dir_all(dir)?;
        for (name, bytes) in [
            ("sdk.wasm", telemetry_host::SDK_COMPONENT),
            ("app.wasm", telemetry_host::APP_COMPONENT),
            ("service.wasm", telemetry_host::SERVICE_COMPONENT),
        ] {
            std::fs::write(std::path::Path::new(dir).join(name), bytes)?;
            eprintln!("{}/{}: {} bytes", dir, name, bytes.len());
        }
    }
    Ok(if run(&args)? {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}
