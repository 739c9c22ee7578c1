#!/usr/bin/env bash
# Builds the library for wasm32-unknown-unknown (where `Instant::now` and a
# second lock of a `Mutex` panic, and there are no threads).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bash "$root/scripts/install-wasm-toolchain.sh"
cd "$root"
bash scripts/wasm-cargo.sh build --release --lib --target-dir "$root/target/wasm32"
echo "wasm32-unknown-unknown build of the library: ok"
