//! A wasm32-wasip1 command that reports telemetry over `wasi:otel@0.2.0-rc.2`
//! the way an app on the `opentelemetry-wasi` crate does (see
//! `wasi/`), so the host can be tested against that behaviour.
//! Set up like upstream's `rust/examples/spin-basic`: an `SdkTracerProvider`
//! with the WASI span processor and the default sampler
//! (`ParentBased(AlwaysOn)`), the host's outer context attached, spans, a
//! log record, a counter and a histogram, one or more metric exports.
//!
//! Arguments (WASI args; `argv[0]`, the program name, is skipped when it is
//! not a keyword), each keyword followed by a number:
//!
//! - `spans N` (default 3): N spans, all ended before `main` returns: a
//!   "request" span (parent: the host's outer context), then children
//!   "work-0", "work-1", ... of it, each holding one grandchild "step-I",
//!   until N are made (N=5: request, work-0, step-0, work-1, step-1);
//! - `logs M` (default 1): M log records emitted inside "request" (outside
//!   any span of ours when N is 0: then they carry the outer context's ids);
//! - `exports K` (default 1): K calls of `metrics.export` after the spans;
//! - `attack KIND [N]` (for the host's tests; see `attacks`): before the
//!   scenario, hostile input through the raw `wasi:otel` imports (`forge`,
//!   `scopes N`, `points N`, `bad-metrics`, `big N`, `flood N`, `loop`,
//!   `trap`); the scenario follows unless the attack never returns (`loop`,
//!   `trap`).
//!
//! Per span it adds 1 to the u64 counter `guest.spans` and records its depth
//! (0, 1, 2) in the u64 histogram `guest.span.depth`. Then it shuts the
//! three providers down. It exits with status 1 (message on stderr) on bad
//! arguments or if a metrics export failed; through `wasi:cli/run` 0.2 a
//! host sees only "failed" (`Exited with i32 exit status 1`).

mod attacks;
mod wasi;

mod bindings {
    wit_bindgen::generate!({
        world: "wasi:otel/imports@0.2.0-rc.2",
        path: "../wasi-otel-host/wit",
        generate_all,
    });
}

use opentelemetry::logs::{LogRecord as _, Logger as _, LoggerProvider as _, Severity};
use opentelemetry::metrics::{Counter, Histogram, MeterProvider as _};
use opentelemetry::trace::{TraceContextExt as _, Tracer as _, TracerProvider as _};
use opentelemetry::{Context, KeyValue};
use opentelemetry_sdk::logs::{SdkLogger, SdkLoggerProvider};
use opentelemetry_sdk::metrics::SdkMeterProvider;
use opentelemetry_sdk::trace::{SdkTracer, SdkTracerProvider};
use opentelemetry_sdk::Resource;

use attacks::Attack;
use wasi::{extract_outer_context, WasiLogProcessor, WasiMetricExporter, WasiSpanProcessor};

const NAME: &str = "otel-wasi-guest";

/// What to do, from the arguments.
struct Plan {
    spans: u64,
    logs: u64,
    exports: u64,
    attack: Option<Attack>,
}

fn parse(args: impl IntoIterator<Item = String>) -> Result<Plan, String> {
    let mut plan = Plan {
        spans: 3,
        logs: 1,
        exports: 1,
        attack: None,
    };
    let mut args = args.into_iter().peekable();
    if args
        .peek()
        .is_some_and(|a| !matches!(a.as_str(), "spans" | "logs" | "exports" | "attack"))
    {
        args.next(); // argv[0]
    }
    fn number(key: &str, value: Option<String>) -> Result<u64, String> {
        let value = value.ok_or(format!("`{key}` needs a number"))?;
        value
            .parse()
            .map_err(|_| format!("`{key} {value}`: not a number"))
    }
    while let Some(key) = args.next() {
        match key.as_str() {
            "spans" => plan.spans = number(&key, args.next())?,
            "logs" => plan.logs = number(&key, args.next())?,
            "exports" => plan.exports = number(&key, args.next())?,
            "attack" => {
                let kind = args
                    .next()
                    .ok_or(format!("`attack` needs a kind ({})", attacks::KINDS))?;
                let attack = Attack::parse(&kind, || number(&kind, args.next()))?;
                plan.attack = Some(attack);
            }
            _ => {
                return Err(format!(
                    "unknown argument `{key}` (spans N, logs M, exports K, attack KIND [N])"
                ))
            }
        }
    }
    Ok(plan)
}

/// The instruments and the logger the scenario reports with.
struct Telemetry {
    tracer: SdkTracer,
    logger: SdkLogger,
    spans: Counter<u64>,
    depth: Histogram<u64>,
}

impl Telemetry {
    /// Counts a span at `depth` (0 for "request").
    fn measure(&self, depth: u64) {
        let attrs = [KeyValue::new("guest.name", NAME)];
        self.spans.add(1, &attrs);
        self.depth.record(depth, &attrs);
    }

    fn log(&self, i: u64) {
        let mut record = self.logger.create_log_record();
        record.set_body(format!("log {i} from {NAME}").into());
        record.set_severity_number(Severity::Info);
        record.set_severity_text("info");
        record.add_attribute("guest.log.index", i as i64);
        self.logger.emit(record);
    }
}

/// The spans and logs of one run (see the crate documentation).
fn run(t: &Telemetry, plan: &Plan) {
    if plan.spans == 0 {
        (0..plan.logs).for_each(|i| t.log(i));
        return;
    }
    t.tracer.in_span("request", |cx| {
        t.measure(0);
        let span = cx.span();
        span.set_attribute(KeyValue::new("guest.spans", plan.spans as i64));
        span.add_event("request started", vec![KeyValue::new("foo", "1")]);
        (0..plan.logs).for_each(|i| t.log(i));
        let mut made = 1;
        let mut i = 0;
        while made < plan.spans {
            t.tracer.in_span(format!("work-{i}"), |_| {
                t.measure(1);
                made += 1;
                if made < plan.spans {
                    t.tracer.in_span(format!("step-{i}"), |_| t.measure(2));
                    made += 1;
                }
            });
            i += 1;
        }
    });
}

fn main() {
    let plan = match parse(std::env::args()) {
        Ok(plan) => plan,
        Err(e) => {
            eprintln!("{NAME}: {e}");
            std::process::exit(1);
        }
    };

    // Tracing, as upstream's example: the WASI span processor, defaults
    // otherwise (sampler ParentBased(AlwaysOn), random ids).
    let tracer_provider = SdkTracerProvider::builder()
        .with_span_processor(WasiSpanProcessor::default())
        .build();

    // Logs: the processor gets its own copy of the resource, as upstream's
    // example does (the provider's is not sent).
    let log_resource = Resource::builder().with_service_name(NAME).build();
    let logger_provider = SdkLoggerProvider::builder()
        .with_resource(log_resource.clone())
        .with_log_processor(WasiLogProcessor::new(Some(log_resource)))
        .build();

    // Metrics: a clone of the exporter is the provider's reader.
    let exporter = WasiMetricExporter::new();
    let meter_provider = SdkMeterProvider::builder()
        .with_reader(exporter.clone())
        .with_resource(Resource::builder().with_service_name(NAME).build())
        .build();
    let meter = meter_provider.meter(NAME);

    let telemetry = Telemetry {
        tracer: tracer_provider.tracer(NAME),
        logger: logger_provider.logger(NAME),
        spans: meter.u64_counter("guest.spans").build(),
        depth: meter.u64_histogram("guest.span.depth").build(),
    };

    {
        // Upstream: `TraceContextPropagator::new().extract(&Context::current()).attach()`.
        let _outer = extract_outer_context(&Context::current()).attach();
        if let Some(attack) = plan.attack {
            attack.run(&telemetry.tracer);
        }
        run(&telemetry, &plan);
    }

    let mut failed = false;
    for _ in 0..plan.exports {
        if let Err(e) = exporter.export() {
            eprintln!("{NAME}: metrics export failed: {e}");
            failed = true;
        }
    }

    // Everything has been handed over already (nothing is batched); this
    // only marks the processors shut down, as an app's exit would.
    let _ = tracer_provider.shutdown();
    let _ = logger_provider.shutdown();
    let _ = meter_provider.shutdown();
    if failed {
        std::process::exit(1);
    }
}
