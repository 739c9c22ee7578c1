//! Builds the telemetry guest twice (registry-backed, and `--features naive`)
//! for wasm32-unknown-unknown and turns each core module into a component.
//!
//! The wasm build goes through `scripts/wasm-cargo.sh`, which uses rustup's
//! wasm32 target when installed and Debian's rustc-web route otherwise, and
//! fails with instructions when neither is there
//! (`scripts/install-wasm-toolchain.sh` installs one).

use std::path::{Path, PathBuf};
use std::process::Command;

fn main() {
    let host = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").expect("set by cargo"));
    let repo = host.join("../..").canonicalize().expect("repository root");
    let guest = repo.join("components/guest");
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("set by cargo"));
    // One target dir for both guest builds and every host profile, so the
    // standard library (built from source on the Debian route) is built once.
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo.join("target"))
        .join("guest");

    for path in [
        "components/guest/src",
        "components/guest/Cargo.toml",
        "components/wit",
        "src",
        "Cargo.toml",
        "scripts/wasm-cargo.sh",
    ] {
        println!("cargo:rerun-if-changed={}", repo.join(path).display());
    }

    for (name, features) in [("telemetry", None), ("naive", Some("naive"))] {
        let module = build_guest(&repo, &guest, &target, features);
        let component = componentize(&module)
            .unwrap_or_else(|e| panic!("making a component of the {} guest: {:#}", name, e));
        std::fs::write(out.join(format!("{}.component.wasm", name)), component)
            .expect("write component");
    }
}

fn build_guest(repo: &Path, guest: &Path, target: &Path, features: Option<&str>) -> Vec<u8> {
    let mut cmd = Command::new("bash");
    cmd.arg(repo.join("scripts/wasm-cargo.sh"))
        .arg("build")
        .arg("--release")
        .arg("--quiet")
        .arg("--manifest-path")
        .arg(guest.join("Cargo.toml"))
        .arg("--target-dir")
        .arg(target);
    if let Some(features) = features {
        cmd.arg("--features").arg(features);
    }
    let output = cmd.output().expect("run bash scripts/wasm-cargo.sh");
    if !output.status.success() {
        panic!(
            "building the telemetry guest for wasm32-unknown-unknown failed.\n\
             If no wasm toolchain is installed, run `bash scripts/install-wasm-toolchain.sh` \
             (or `rustup target add wasm32-unknown-unknown`).\n--- stderr ---\n{}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    let wasm = target.join("wasm32-unknown-unknown/release/telemetry_guest.wasm");
    std::fs::read(&wasm).unwrap_or_else(|e| panic!("reading {}: {}", wasm.display(), e))
}

fn componentize(module: &[u8]) -> Result<Vec<u8>, Box<dyn std::error::Error>> {
    // wit-bindgen embedded the world in a custom section; the encoder reads it.
    let mut encoder = wit_component::ComponentEncoder::default()
        .module(module)?
        .validate(true);
    Ok(encoder.encode()?)
}
