#!/usr/bin/env bash
# Model-checks the registry's synchronisation with loom (src/model_checks.rs):
# every interleaving of its locks and atomics, up to LOOM_MAX_PREEMPTIONS.
set -euo pipefail
cd "$(dirname "$0")/.."
export RUSTFLAGS="--cfg loom ${RUSTFLAGS:-}"
export LOOM_MAX_PREEMPTIONS="${LOOM_MAX_PREEMPTIONS:-3}"
# Its own target dir: --cfg loom changes every crate's build.
cargo test --release --target-dir target/loom --lib model_checks -- --test-threads=1 --nocapture
