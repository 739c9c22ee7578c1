//! Builds the components the host runs, from `components/sdk` and
//! `components/app`, for wasm32-unknown-unknown:
//!
//! 1. copies the WIT of `wasi:clocks`, `wasi:io` and `wasi:random` 0.2.0 out
//!    of the `wasi` crate (0.13.0+wasi-0.2.0, a build-dependency, so cargo has
//!    downloaded it) into `components/sdk/wit/deps/` (the layout of
//!    `wkg wit fetch`; git ignores those folders);
//! 2. builds the SDK three times (release; with `test-hooks`; the naive,
//!    handle-keyed negative control) and the demo app, and turns each core
//!    module into a component with wit-component;
//! 3. composes the app with the SDK, and with the naive SDK, with wac-graph:
//!    the SDK's exports satisfy the app's imports, so every span handle the
//!    app holds crosses a component-to-component boundary;
//! 4. builds `components/bench-guest`, the native benchmarks' single-thread
//!    workloads and peers as a core module (`src/bench_guest.rs` runs it).
//!
//! The wasm build goes through `scripts/wasm-cargo.sh` (rustup's wasm32
//! target, or Debian's rustc-web); it fails with instructions when neither is
//! there (`scripts/install-wasm-toolchain.sh` installs one).

#[path = "src/compose.rs"]
mod compose;

use std::path::{Path, PathBuf};
use std::process::Command;

/// The `wasi` crate release whose WIT we use, and the packages taken from it.
const WASI_CRATE: &str = "wasi-0.13.0+wasi-0.2.0";
const WASI_PACKAGES: [&str; 3] = ["clocks", "io", "random"];

fn main() {
    let host = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").expect("set by cargo"));
    let repo = host.join("../..").canonicalize().expect("repository root");
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("set by cargo"));
    // One target dir for every guest build and host profile, so that the
    // standard library (built from source on the Debian route) is built once.
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo.join("target"))
        .join("guest");

    for path in [
        "components/sdk/src",
        "components/sdk/Cargo.toml",
        "components/sdk/wit",
        "components/app/src",
        "components/app/Cargo.toml",
        "components/bench-guest/src",
        "components/bench-guest/Cargo.toml",
        "benches/support",
        "src",
        "Cargo.toml",
        "scripts/wasm-cargo.sh",
    ] {
        println!("cargo:rerun-if-changed={}", repo.join(path).display());
    }

    copy_wasi_wit(&repo.join("components/sdk/wit/deps"));

    let sdk = repo.join("components/sdk");
    let builds: [(&str, &Path, &str, &str); 4] = [
        ("sdk", &sdk, "", "telemetry_sdk"),
        ("sdk-testing", &sdk, "test-hooks", "telemetry_sdk"),
        ("sdk-naive", &sdk, "naive", "telemetry_sdk"),
        ("app", &repo.join("components/app"), "", "telemetry_app"),
    ];
    let mut components = std::collections::HashMap::new();
    for (name, dir, features, artifact) in builds {
        let module = build_guest(&repo, dir, &target, features, artifact);
        let component = componentize(&module)
            .unwrap_or_else(|e| panic!("making a component of the {} module: {:#}", name, e));
        std::fs::write(out.join(format!("{}.component.wasm", name)), &component)
            .expect("write component");
        components.insert(name, component);
    }
    let bench = build_guest(
        &repo,
        &repo.join("components/bench-guest"),
        &target,
        "",
        "registry_bench_guest",
    );
    std::fs::write(out.join("bench_guest.wasm"), bench).expect("write the bench guest");
    for (name, sdk) in [("service", "sdk"), ("service-naive", "sdk-naive")] {
        let composed = compose::compose(&components["app"], &components[sdk])
            .unwrap_or_else(|e| panic!("composing the app with {}: {:#}", sdk, e));
        std::fs::write(out.join(format!("{}.component.wasm", name)), composed)
            .expect("write composed component");
    }
}

/// Copies `wit/deps/{clocks,io,random}` of the `wasi` crate to
/// `deps/wasi-<name>-0.2.0`, from cargo's registry sources.
fn copy_wasi_wit(deps: &Path) {
    let source = find_wasi_wit().unwrap_or_else(|| {
        panic!(
            "the WIT of the `{}` crate was not found under $CARGO_HOME/registry/src; \
             it is a build-dependency of telemetry-host, so `cargo fetch` downloads it",
            WASI_CRATE
        )
    });
    for package in WASI_PACKAGES {
        let from = source.join(package);
        let to = deps.join(format!("wasi-{}-0.2.0", package));
        std::fs::create_dir_all(&to).expect("create wit/deps folder");
        for entry in std::fs::read_dir(&from).expect("read the wasi crate's WIT") {
            let path = entry.expect("directory entry").path();
            if path.extension().is_some_and(|e| e == "wit") {
                let name = path.file_name().expect("a file name");
                let text = std::fs::read(&path).expect("read WIT");
                // Rewrite only when different, so the guest is not rebuilt.
                if std::fs::read(to.join(name)).ok().as_ref() != Some(&text) {
                    std::fs::write(to.join(name), text).expect("write WIT");
                }
            }
        }
    }
}

fn find_wasi_wit() -> Option<PathBuf> {
    let cargo_home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")))?;
    let registry = cargo_home.join("registry/src");
    std::fs::read_dir(registry)
        .ok()?
        .filter_map(|index| index.ok())
        .map(|index| index.path().join(WASI_CRATE).join("wit/deps"))
        .find(|deps| deps.join("random").is_dir())
}

fn build_guest(repo: &Path, dir: &Path, target: &Path, features: &str, artifact: &str) -> Vec<u8> {
    let mut cmd = Command::new("bash");
    cmd.arg(repo.join("scripts/wasm-cargo.sh"))
        .arg("build")
        .arg("--release")
        .arg("--quiet")
        .arg("--manifest-path")
        .arg(dir.join("Cargo.toml"))
        .arg("--target-dir")
        .arg(target);
    if !features.is_empty() {
        cmd.arg("--features").arg(features);
    }
    let output = cmd.output().expect("run bash scripts/wasm-cargo.sh");
    if !output.status.success() {
        panic!(
            "building {} (features `{}`) for wasm32-unknown-unknown failed.\n\
             If no wasm toolchain is installed, run `bash scripts/install-wasm-toolchain.sh` \
             (or `rustup target add wasm32-unknown-unknown`).\n--- stderr ---\n{}",
            dir.display(),
            features,
            String::from_utf8_lossy(&output.stderr)
        );
    }
    let wasm = target.join(format!("wasm32-unknown-unknown/release/{}.wasm", artifact));
    std::fs::read(&wasm).unwrap_or_else(|e| panic!("reading {}: {}", wasm.display(), e))
}

fn componentize(module: &[u8]) -> Result<Vec<u8>, Box<dyn std::error::Error>> {
    // wit-bindgen embedded the world in a custom section; the encoder reads it.
    let mut encoder = wit_component::ComponentEncoder::default()
        .module(module)?
        .validate(true);
    Ok(encoder.encode()?)
}
