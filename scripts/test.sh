#!/usr/bin/env bash
# The whole test suite, from a fresh clone: installs what it needs (the wasm
# toolchain), then runs every test of the crate and of the components.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

bash scripts/install-wasm-toolchain.sh

echo "== crate: unit, integration and doc tests"
cargo test --all-targets
cargo test --doc

echo "== components: the OpenTelemetry SDK component (alone and composed with the app) under wasmtime"
cargo test -p telemetry-host
otlp=$(mktemp)
cargo run --quiet -p telemetry-host --example request -- --otlp "$otlp"
grep -q '"resourceSpans"' "$otlp"
rm -f "$otlp"
cargo run --quiet -p telemetry-host --example request >/dev/null

echo "== the main example"
cargo run --quiet --example span_lifecycle >/dev/null
