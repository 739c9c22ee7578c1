#!/usr/bin/env bash
# The whole test suite, from a fresh clone: installs what it needs (the wasm
# toolchain; componentize-py and componentize-js for the Python and
# JavaScript apps), then runs every test of the crate and of the components.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

bash scripts/install-wasm-toolchain.sh
bash scripts/install-lang-toolchains.sh

echo "== crate: unit, integration and doc tests"
cargo test --all-targets
cargo test --doc

echo "== components: the OpenTelemetry SDK component (alone and composed with the app in Rust, Python and JavaScript) under wasmtime"
# The host's build script copies the WIT the other languages' builds need.
cargo build -p telemetry-host
bash scripts/build-lang-apps.sh all
# A guest on the ecosystem's OpenTelemetry crates (tests/strangers).
bash scripts/build-otel-wasi-guest.sh
# The host library (wasi-otel-host) and the demo on it, in one build.
cargo test -p wasi-otel-host -p telemetry-host
otlp=$(mktemp)
cargo run --quiet -p telemetry-host --example request -- --otlp "$otlp"
grep -q '"resourceSpans"' "$otlp"
cargo run --quiet -p telemetry-host --example request >/dev/null
for app in python js; do
    cargo run --quiet -p telemetry-host --example request -- --app "$app" --otlp "$otlp"
    grep -q '"resourceSpans"' "$otlp"
done
rm -f "$otlp"

echo "== the main example"
cargo run --quiet --example span_lifecycle >/dev/null
