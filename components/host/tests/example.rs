//! The `request` example, run as a user runs it: configured by the
//! standard variables, against a receiver that refuses its first request,
//! and against a dead endpoint.

mod receiver;

use std::path::PathBuf;
use std::process::{Command, Output};

use receiver::Refusal;

/// The example's binary, which `cargo test` builds beside the tests.
fn example() -> PathBuf {
    let exe = std::env::current_exe().expect("the test's path");
    let bin = exe
        .parent()
        .and_then(|deps| deps.parent())
        .map(|profile| profile.join("examples").join("request"))
        .expect("target/<profile>/examples");
    assert!(
        bin.exists(),
        "{} is missing: run the tests with `cargo test -p telemetry-host`, which builds the examples",
        bin.display()
    );
    bin
}

fn run(vars: &[(&str, &str)]) -> Output {
    let mut command = Command::new(example());
    for (k, v) in vars {
        command.env(k, v);
    }
    command.output().expect("the example runs")
}

#[test]
fn the_example_exports_to_the_endpoint_the_variables_name_retrying_a_refusal() {
    let receiver = receiver::http(&[Refusal {
        signal: "traces",
        status: 503,
        retry_after: Some(1),
        times: 1,
    }]);
    let out = run(&[
        ("OTEL_EXPORTER_OTLP_ENDPOINT", &receiver.endpoint),
        ("OTEL_SERVICE_NAME", "from-the-env"),
    ]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{}", stderr);
    assert!(
        stderr.contains("exported everything over OTLP"),
        "{}",
        stderr
    );
    let got = receiver.received();
    assert_eq!(got.undecodable, 0);
    assert_eq!((got.trace_count(), got.spans().len()), (2, 20));
    assert_eq!((got.log_records(), got.metric_points()), (7, 6));
    assert_eq!(got.orphan(), None);
    assert_eq!(
        got.answers.iter().filter(|(_, refused)| *refused).count(),
        1
    );
}

#[test]
fn against_a_dead_endpoint_the_example_answers_its_requests_and_says_what_failed() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let endpoint = format!("http://127.0.0.1:{}", port);
    let out = run(&[
        ("OTEL_EXPORTER_OTLP_ENDPOINT", &endpoint),
        ("OTEL_EXPORTER_OTLP_TIMEOUT", "1000"),
    ]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{}", stderr);
    assert!(
        stderr.contains("ada -> 200") && stderr.contains("grace -> 200"),
        "{}",
        stderr
    );
    for signal in ["traces", "logs", "metrics"] {
        let line = format!(
            "{} were not exported (http/protobuf to {}/v1/{})",
            signal, endpoint, signal
        );
        assert!(stderr.contains(&line), "no `{}` in:\n{}", line, stderr);
    }
    assert!(stderr.contains("no OTLP receiver answered"), "{}", stderr);
    // The tree is still printed: nothing the guest reported is lost locally.
    assert!(String::from_utf8_lossy(&out.stdout).contains("POST /checkout"));
}
