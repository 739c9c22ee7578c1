#!/usr/bin/env bash
# Differential fuzzing of every public operation against the HashMap model
# (fuzz/fuzz_targets/ops.rs) for a fixed time, then a summary line.
#   bash scripts/fuzz.sh [SECONDS]     (default 60)
# Needs the nightly toolchain (installed here) and cargo-fuzz, which this
# script installs when missing. Crashes land in fuzz/artifacts/ops/; copy
# interesting inputs into tests/corpus/ to replay them in `cargo test`.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
command -v cargo-fuzz >/dev/null 2>&1 || cargo install cargo-fuzz --locked
mkdir -p fuzz/corpus/ops
cp tests/corpus/* fuzz/corpus/ops/
log=$(mktemp)
cargo +nightly fuzz run ops fuzz/corpus/ops -- -max_total_time="$seconds" -max_len=4096 2>&1 | tee "$log" | grep -E "^#[0-9]+.*(pulse|DONE)|^Done|ERROR|panicked" || true
status=${PIPESTATUS[0]}
runs=$(sed -n 's/^Done \([0-9]*\) runs.*/\1/p' "$log" | tail -1)
ops=$(sed -n 's/^#ops \([0-9]*\)/\1/p' "$log" | tail -1)
echo "fuzz: ${runs:-?} inputs, about ${ops:-0} operations (last million reported) in ${seconds} s, exit ${status}"
rm -f "$log"
exit "$status"
