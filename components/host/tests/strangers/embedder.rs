//! Building and running `components/embedder` (the stranger's embedder, on
//! `wasi-otel-host`'s public API alone) against `components/otel-wasi-guest`,
//! for the tests that run that guest ([`ecosystem`](crate::ecosystem),
//! [`hostile`](crate::hostile)).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use wasi_otel_host::otlp::{self, Export};

pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The guest component; a failure that says how to build it when missing.
pub fn guest() -> PathBuf {
    let path = root().join("target/otel-wasi-guest/otel-wasi-guest.wasm");
    assert!(
        path.is_file(),
        "{} is missing: build it with `bash scripts/build-otel-wasi-guest.sh` \
         (it needs the wasm toolchain: `bash scripts/install-wasm-toolchain.sh`)",
        path.display()
    );
    path
}

/// The embedder's binary, built once per test process with the cargo that
/// runs these tests.
pub fn embedder() -> &'static Path {
    static BUILT: OnceLock<PathBuf> = OnceLock::new();
    BUILT.get_or_init(|| {
        let target = root().join("target");
        let status = Command::new(env!("CARGO"))
            .args(["build", "--quiet", "--manifest-path"])
            .arg(root().join("components/embedder/Cargo.toml"))
            .arg("--target-dir")
            .arg(&target)
            .status()
            .expect("run cargo");
        assert!(status.success(), "building components/embedder failed");
        target.join("debug/wasi-otel-embedder")
    })
}

/// What one run of the embedder exported, and what it said on stderr.
pub struct Run {
    /// The OTLP/JSON file, read back.
    pub exports: Vec<Export>,
    /// The `drops: …` line, without its prefix.
    pub drops: String,
    /// Each `shutdown: …` line (what the shutdown did not export).
    pub shutdown: Vec<String>,
    /// Each `run I failed: …` line.
    pub failed: Vec<String>,
    /// `peak memory: N KiB`.
    pub peak_kib: u64,
    /// Exit status 0.
    pub success: bool,
    /// From start to exit (compiling the guest included).
    pub wall: Duration,
    /// All of stderr, for messages.
    pub stderr: String,
}

impl Run {
    /// The items of `what` (`spans`, `log records`, `metric points`) the
    /// shutdown lines say were lost.
    pub fn lost(&self, what: &str) -> u64 {
        let marker = format!(" {} lost", what);
        self.shutdown
            .iter()
            .filter_map(|line| {
                let before = &line[..line.find(&marker)?];
                let number = before.rsplit(' ').next()?.replace(',', "");
                number.parse::<u64>().ok()
            })
            .sum()
    }
}

/// Runs the embedder on the guest with `embedder_args`, exporting to a
/// file (`--otlp`), the guest getting `guest_args`; succeed or fail.
pub fn run_embedder(embedder_args: &[&str], guest_args: &[&str]) -> Run {
    static RUNS: AtomicUsize = AtomicUsize::new(0);
    let file = std::env::temp_dir().join(format!(
        "otel-wasi-guest-{}-{}.jsonl",
        std::process::id(),
        RUNS.fetch_add(1, Ordering::Relaxed)
    ));
    let (embedder, guest) = (embedder(), guest());
    let start = Instant::now();
    let output = Command::new(embedder)
        .arg(guest)
        .args(embedder_args)
        .arg("--otlp")
        .arg(&file)
        .arg("--")
        .args(guest_args)
        .env_remove("OTEL_EXPORTER_OTLP_ENDPOINT")
        // Batch queues a flood does not fill even on a slow machine (the
        // SDK allocates them whole, so not much larger): these
        // tests are about what the host does with a guest's input; what a
        // full queue loses is counted, and tested, in the library's
        // tests/guest_input/losses.rs.
        .env("OTEL_BSP_MAX_QUEUE_SIZE", "32768")
        .env("OTEL_BLRP_MAX_QUEUE_SIZE", "32768")
        .output()
        .expect("run the embedder");
    let wall = start.elapsed();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    let text = std::fs::read_to_string(&file)
        .unwrap_or_else(|e| panic!("the embedder wrote no OTLP file ({}):\n{}", e, stderr));
    std::fs::remove_file(&file).ok();
    let prefixed = |prefix: &str| -> Vec<String> {
        stderr
            .lines()
            .filter_map(|l| l.strip_prefix(prefix))
            .map(str::to_string)
            .collect()
    };
    let drops = prefixed("drops: ")
        .pop()
        .unwrap_or_else(|| panic!("no drops line in:\n{}", stderr));
    let peak_kib = prefixed("peak memory: ")
        .pop()
        .and_then(|p| p.strip_suffix(" KiB")?.parse().ok())
        .unwrap_or_else(|| panic!("no peak memory line in:\n{}", stderr));
    let failed = stderr
        .lines()
        .filter(|l| l.starts_with("run ") && l.contains(" failed: "))
        .map(str::to_string)
        .collect();
    Run {
        exports: otlp::parse_lines(&text).expect("OTLP/JSON"),
        drops,
        shutdown: prefixed("shutdown: "),
        failed,
        peak_kib,
        success: output.status.success(),
        wall,
        stderr,
    }
}

/// Hex text of an id.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{:02x}", b)).collect()
}

/// Every span of `exports` arrived once, and every parent id names a span
/// of the output, in its trace.
pub fn assert_no_orphan(exports: &[Export]) {
    let spans = otlp::spans(exports);
    let ids: std::collections::HashSet<(&[u8], &[u8])> = spans
        .iter()
        .map(|s| (s.trace_id.as_slice(), s.span_id.as_slice()))
        .collect();
    assert_eq!(ids.len(), spans.len(), "a span arrived twice");
    for s in &spans {
        if !s.parent_span_id.is_empty() {
            assert!(
                ids.contains(&(s.trace_id.as_slice(), s.parent_span_id.as_slice())),
                "{} ({}) is an orphan",
                s.name,
                hex(&s.span_id)
            );
        }
    }
}
