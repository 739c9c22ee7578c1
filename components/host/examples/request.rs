//! Runs the demo app composed with the OpenTelemetry SDK component: a few
//! checkout requests (each inside a server span of the host), then the
//! app's shutdown (which ends the span it forgot), and exports everything.
//!
//! ```text
//! cargo run -p telemetry-host --example request                  # a readable tree
//! cargo run -p telemetry-host --example request -- --otlp out.jsonl
//! cargo run -p telemetry-host --example request -- --endpoint http://localhost:4318
//! cargo run -p telemetry-host --example request -- --components DIR
//! ```
//!
//! `--otlp FILE` writes OTLP/JSON, one export request per line (what an
//! OpenTelemetry collector's file receiver reads); `--endpoint URL` posts
//! the same requests to an OTLP/HTTP receiver; `--naive` runs the negative
//! control (the app composed with the handle-keyed SDK); `--components DIR`
//! also writes the components (`sdk.wasm`, `app.wasm`, `service.wasm`) to
//! DIR, for other hosts and tools.

use telemetry_host::otlp::{self, Export};
use telemetry_host::{tree, Build, Service};

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
}

fn args() -> Result<Args, String> {
    let mut args = Args {
        otlp: None,
        endpoint: None,
        components: None,
        build: Build::Registry,
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
            other => return Err(format!("unknown argument `{}`", other)),
        }
    }
    Ok(args)
}

fn run(args: &Args) -> Result<Vec<Export>, Box<dyn std::error::Error>> {
    let resource = otlp::service_resource("checkout");
    let mut service = Service::new(args.build)?;
    let mut requests = Vec::new();
    for (user, items) in REQUESTS {
        let response = service.request(user, items)?;
        eprintln!("{} -> {} {}", user, response.status, response.body);
        requests.extend(otlp::export_requests(&service.take_telemetry(), &resource));
    }
    service.shutdown()?;
    requests.extend(otlp::export_requests(&service.take_telemetry(), &resource));
    Ok(requests)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
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
    let requests = run(&args)?;
    if let Some(path) = &args.otlp {
        let mut file = std::io::BufWriter::new(std::fs::File::create(path)?);
        otlp::write_lines(&mut file, &requests)?;
        eprintln!("wrote {} export requests to {}", requests.len(), path);
    } else {
        print!("{}", tree::render(&requests));
    }
    if let Some(endpoint) = &args.endpoint {
        otlp::http::send(endpoint, &requests)?;
        eprintln!("sent {} export requests to {}", requests.len(), endpoint);
    }
    Ok(())
}
