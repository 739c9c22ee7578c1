#!/usr/bin/env bash
# Regenerates BENCHMARKS.md's tables: every native workload against every
# peer, and the in-wasm benchmark, under criterion, in one run.
#   bash scripts/bench.sh           full run (about 15 minutes on 2 cores)
#   bash scripts/bench.sh --quick   fixed iteration counts, best of 5, one
#                                   QUICK line of ratios each (under a minute
#                                   once built)
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "${1:-}" = "--quick" ]; then
    WRR_BENCH_QUICK=1 cargo bench --quiet --bench lifecycle
    cargo bench --quiet --bench memory
    WRR_BENCH_QUICK=1 cargo bench --quiet -p telemetry-host --bench wasm
    exit 0
fi
bash scripts/install-wasm-toolchain.sh
# In-wasm first: it is the crate's home, and its rows lead the tables.
cargo bench -p telemetry-host --bench wasm
cargo bench --bench lifecycle
cargo bench --bench memory
# Instruction counts natively (the wasm bench above counted fuel).
bash scripts/instructions.sh
python3 scripts/bench_table.py
# The checkout app in Rust, Python and JavaScript: start-up and per request.
bash scripts/install-lang-toolchains.sh
cargo build -p telemetry-host
bash scripts/build-lang-apps.sh all
cargo bench -p telemetry-host --bench apps
python3 scripts/apps_table.py
