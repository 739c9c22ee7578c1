//! The checkout app in Rust, Python and JavaScript, each composed with the
//! same SDK component and run by the same host: their telemetry agrees span
//! for span, and each survives its own crash.
//!
//! The Python and JavaScript apps are built on demand by
//! `scripts/build-lang-apps.sh`, which says how to install their
//! toolchains when they are missing (`bash scripts/test.sh` installs them).

mod common;

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;
use std::sync::Mutex;

use common::{logs, metrics, spans, text, REQUESTS};
use opentelemetry_proto::tonic::metrics::v1::metric::Data;
use opentelemetry_proto::tonic::trace::v1::Span;
use telemetry_host::demo::App;
use telemetry_host::Service;
use wasi_otel_host::otlp::Export;

type R<T = ()> = wasmtime::Result<T>;

/// The newest modification time of the files `app` is built from.
fn newest_source(root: &Path, app: App) -> std::time::SystemTime {
    let folder = match app {
        App::Python => "components/app-python",
        _ => "components/app-js",
    };
    [root.join(folder), root.join("components/sdk/wit")]
        .iter()
        .flat_map(|dir| std::fs::read_dir(dir).into_iter().flatten().flatten())
        .filter(|e| e.path().is_file())
        .filter_map(|e| e.metadata().ok()?.modified().ok())
        .max()
        .unwrap_or(std::time::UNIX_EPOCH)
}

/// Builds the app if it is missing or older than its sources (one build at
/// a time: the tests of this file run in parallel), failing with the build
/// script's words.
fn ensure_built(app: App) {
    static BUILDING: Mutex<()> = Mutex::new(());
    let _one_at_a_time = BUILDING.lock().unwrap_or_else(|e| e.into_inner());
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let built = std::fs::metadata(app.built_path()).and_then(|m| m.modified());
    if app == App::Rust || built.is_ok_and(|t| t >= newest_source(&root, app)) {
        return;
    }
    let out = Command::new("bash")
        .arg("scripts/build-lang-apps.sh")
        .arg(app.name())
        .current_dir(&root)
        .output()
        .expect("bash runs");
    assert!(
        out.status.success(),
        "building the {} app failed:\n{}{}",
        app.name(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

fn service(app: App) -> R<(Service, wasi_otel_host::otlp::memory::MemoryExporter)> {
    ensure_built(app);
    let (component, _) = app.component().map_err(wasmtime::Error::msg)?;
    let (pipeline, memory) = common::memory_pipeline()?;
    Ok((
        Service::from_component(component.clone(), &pipeline)?,
        memory,
    ))
}

/// The example's run for `app`: both requests and the shutdown, and which
/// exports came before the shutdown.
fn run(app: App) -> R<(Vec<Export>, usize)> {
    let (mut service, memory) = service(app)?;
    let mut exports = Vec::new();
    for (user, items) in REQUESTS {
        let response = service.request(user, items)?;
        assert_eq!(response.status, 200, "{}: {}", app.name(), response.body);
        service.pipeline().force_flush().into_result()?;
        exports.extend(memory.take());
    }
    let before = exports.len();
    service.shutdown()?;
    service.pipeline().shutdown().into_result()?;
    exports.extend(memory.take());
    Ok((exports, before))
}

/// What must agree between languages, per trace (in request order): each
/// span as (depth, name, parent's name, status code, attributes but ids and
/// times), sorted; each log as (the span it is in, severity, body,
/// attributes); the metrics' points.
#[derive(Debug, PartialEq)]
struct Shape {
    traces: Vec<Vec<SpanShape>>,
    logs: Vec<(String, i32, String, String)>,
    metrics: BTreeMap<String, Vec<String>>,
}

/// (depth, name, parent's name, status code, attributes).
type SpanShape = (usize, String, String, i32, String);

fn depth(span: &Span, all: &[Span]) -> usize {
    match all.iter().find(|p| p.span_id == span.parent_span_id) {
        Some(parent) => 1 + depth(parent, all),
        None => 0,
    }
}

fn shape(exports: &[Export]) -> Shape {
    let all = spans(exports);
    let servers: Vec<&Span> = all.iter().filter(|s| s.name == "POST /checkout").collect();
    let name_of = |id: &[u8]| {
        all.iter()
            .find(|s| s.span_id == id)
            .map_or(String::new(), |s| s.name.clone())
    };
    let attributes = |kvs: &[opentelemetry_proto::tonic::common::v1::KeyValue]| {
        let mut v: Vec<String> = kvs
            .iter()
            .map(|kv| format!("{}={:?}", kv.key, kv.value))
            .collect();
        v.sort();
        v.join(",")
    };
    let mut traces = Vec::new();
    for server in &servers {
        let mut t: Vec<_> = all
            .iter()
            .filter(|s| s.trace_id == server.trace_id)
            .map(|s| {
                (
                    depth(s, &all),
                    s.name.clone(),
                    name_of(&s.parent_span_id),
                    s.status.as_ref().map_or(0, |st| st.code),
                    attributes(&s.attributes),
                )
            })
            .collect();
        t.sort();
        traces.push(t);
    }
    let mut log_shapes: Vec<_> = logs(exports)
        .iter()
        .map(|l| {
            (
                name_of(&l.span_id),
                l.severity_number,
                format!("{:?}", l.body),
                attributes(&l.attributes),
            )
        })
        .collect();
    log_shapes.sort();
    let mut metric_shapes = BTreeMap::new();
    for m in metrics(exports) {
        let mut points: Vec<String> = match &m.data {
            Some(Data::Sum(s)) => s
                .data_points
                .iter()
                .map(|p| format!("{:?} {}", p.value, attributes(&p.attributes)))
                .collect(),
            Some(Data::Histogram(h)) => h
                .data_points
                .iter()
                .map(|p| {
                    format!(
                        "{} {:?} {:?} {:?} {}",
                        p.count,
                        p.sum,
                        p.bucket_counts,
                        p.explicit_bounds,
                        attributes(&p.attributes)
                    )
                })
                .collect(),
            other => vec![format!("{:?}", other)],
        };
        points.sort();
        let key = format!("{} ({}) {}", m.name, m.unit, m.description);
        metric_shapes
            .entry(key)
            .or_insert_with(Vec::new)
            .extend(points);
    }
    Shape {
        traces,
        logs: log_shapes,
        metrics: metric_shapes,
    }
}

/// Every parent id in `trace` names a span of `trace`.
fn parents_arrived(app: &str, trace: &[&Span]) {
    for s in trace {
        assert!(
            s.parent_span_id.is_empty() || trace.iter().any(|p| p.span_id == s.parent_span_id),
            "{}: the parent of `{}` is missing",
            app,
            s.name
        );
    }
}

/// What every language's run must show on its own.
fn check_alone(app: App, exports: &[Export], before_shutdown: usize) {
    let name = app.name();
    let all = spans(exports);
    let servers: Vec<&Span> = all.iter().filter(|s| s.name == "POST /checkout").collect();
    assert_eq!(servers.len(), 2, "{}: two requests", name);
    assert_ne!(
        servers[0].trace_id, servers[1].trace_id,
        "{}: two traces",
        name
    );
    for server in &servers {
        let trace: Vec<&Span> = all
            .iter()
            .filter(|s| s.trace_id == server.trace_id)
            .collect();
        parents_arrived(name, &trace);
        // The out-of-order end: price ends before its child tax.
        let tax = trace.iter().find(|s| s.name == "tax").expect("tax");
        let price = trace
            .iter()
            .find(|s| s.span_id == tax.parent_span_id)
            .expect("price");
        assert_eq!(price.name, "price", "{}", name);
        assert!(
            price.end_time_unix_nano <= tax.end_time_unix_nano,
            "{}: price ends first",
            name
        );
        // One forgotten span, ended once by the shutdown, with ERROR.
        let audits: Vec<_> = trace.iter().filter(|s| s.name == "audit").collect();
        assert_eq!(audits.len(), 1, "{}: one audit per trace", name);
        assert_eq!(
            audits[0].status.as_ref().map(|s| s.code),
            Some(2),
            "{}",
            name
        );
    }
    let after = spans(&exports[before_shutdown..]);
    assert!(
        after.iter().all(|s| s.name == "audit"),
        "{}: shutdown ended only audits",
        name
    );
    assert_eq!(after.len(), 2, "{}", name);
    // Logs inside their spans, in time.
    for l in logs(exports) {
        let span = all
            .iter()
            .find(|s| s.span_id == l.span_id && s.trace_id == l.trace_id)
            .unwrap_or_else(|| panic!("{}: a log outside any span: {:?}", name, l.body));
        // The apps leave the time to the SDK, which sets the observed time.
        let t = if l.time_unix_nano != 0 {
            l.time_unix_nano
        } else {
            l.observed_time_unix_nano
        };
        assert!(
            span.start_time_unix_nano <= t && t <= span.end_time_unix_nano,
            "{}: a log outside its span's time",
            name
        );
    }
    let kinds: Vec<bool> = metrics(exports)
        .iter()
        .map(|m| matches!(m.data, Some(Data::Sum(_))))
        .collect();
    assert!(
        kinds.contains(&true) && kinds.contains(&false),
        "{}: a counter and a histogram",
        name
    );
}

#[test]
fn rust_python_and_javascript_agree_span_for_span() -> R {
    let mut shapes = Vec::new();
    for app in App::ALL {
        let (exports, before) = run(app)?;
        check_alone(app, &exports, before);
        shapes.push((app, shape(&exports)));
    }
    let (_, rust) = &shapes[0];
    for (app, other) in &shapes[1..] {
        assert_eq!(
            &rust.traces,
            &other.traces,
            "{} spans differ from Rust's",
            app.name()
        );
        assert_eq!(
            &rust.logs,
            &other.logs,
            "{} logs differ from Rust's",
            app.name()
        );
        assert_eq!(
            &rust.metrics,
            &other.metrics,
            "{} metrics differ from Rust's",
            app.name()
        );
    }
    Ok(())
}

fn crash_and_recover(app: App) -> R {
    let (mut service, memory) = service(app)?;
    let trap = service.request("ada", &["book", "crash"]);
    assert!(
        trap.is_err(),
        "{}: the crash was answered {:?}",
        app.name(),
        trap.ok()
    );
    let response = service.request("grace", &["pen"])?;
    assert_eq!(
        response.status,
        200,
        "{}: a fresh instance answers",
        app.name()
    );
    service.shutdown()?;
    service.pipeline().shutdown().into_result()?;
    let exports = memory.take();
    let all = spans(&exports);
    let server = all
        .iter()
        .find(|s| s.name == "POST /checkout" && text(&s.attributes, "enduser.id") == Some("ada"))
        .expect("the crashed request's span");
    let status = server.status.as_ref().unwrap();
    assert_eq!(status.code, 2, "{}", app.name());
    assert!(
        status.message.contains("the guest trapped"),
        "{}",
        status.message
    );
    let crashed: Vec<&Span> = all
        .iter()
        .filter(|s| s.trace_id == server.trace_id)
        .collect();
    // Nothing lost: as many spans as a request that did not crash, `audit`
    // (never ended by any app) ended by the host with the trap's cause.
    assert_eq!(
        crashed.len(),
        common::spans_per_request(2),
        "{}",
        app.name()
    );
    let unended: Vec<&&Span> = crashed
        .iter()
        .filter(|s| s.name == "unended span")
        .collect();
    assert!(
        !unended.is_empty(),
        "{}: the host ended nothing",
        app.name()
    );
    for s in &unended {
        let status = s.status.as_ref().unwrap();
        assert_eq!(status.code, 2, "{}", app.name());
        assert!(
            status.message.contains("the guest trapped"),
            "{}",
            status.message
        );
    }
    // Python and JavaScript end `checkout` on the way out, with ERROR.
    if app != App::Rust {
        let checkout = crashed
            .iter()
            .find(|s| s.name == "checkout")
            .expect("checkout");
        assert_eq!(
            checkout.status.as_ref().map(|s| s.code),
            Some(2),
            "{}",
            app.name()
        );
    }
    parents_arrived(app.name(), &crashed);
    let grace = all.iter().filter(|s| s.trace_id != server.trace_id).count();
    assert_eq!(grace, common::spans_per_request(1), "{}", app.name());
    Ok(())
}

#[test]
fn the_python_app_crashes_and_the_next_request_runs() -> R {
    crash_and_recover(App::Python)
}

#[test]
fn the_javascript_app_crashes_and_the_next_request_runs() -> R {
    crash_and_recover(App::Js)
}

#[test]
fn the_readme_shows_each_language_verbatim() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let readme = std::fs::read_to_string(root.join("components/README.md")).unwrap();
    let section = readme
        .split("## Write the app in Python or JavaScript")
        .nth(1)
        .expect("the components README's section");
    for (fence, source) in [
        ("```python\n", "components/app-python/app.py"),
        ("```js\n", "components/app-js/app.js"),
        ("```rust\n", "components/app/src/checkout.rs"),
    ] {
        let block = section
            .split(fence)
            .nth(1)
            .and_then(|rest| rest.split("```").next())
            .unwrap_or_else(|| panic!("no {} block", fence.trim()));
        let text = std::fs::read_to_string(root.join(source)).unwrap();
        assert!(block.lines().count() > 10, "{} block too short", source);
        assert!(
            text.contains(block),
            "the README's {} block is not in {}",
            fence.trim(),
            source
        );
    }
}
