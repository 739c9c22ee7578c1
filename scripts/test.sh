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

echo "== components: the registry-backed and naive guests under wasmtime"
cargo test -p telemetry-host
cargo run --quiet -p telemetry-host --example request >/dev/null

echo "== the main example"
cargo run --quiet --example span_lifecycle >/dev/null
