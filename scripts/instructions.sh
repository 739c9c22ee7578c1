#!/usr/bin/env bash
# Native instruction counts (callgrind's Ir) per step of every single-thread
# workload and contender: the figure to decide by on a shared machine, where
# times move with the load and instruction counts do not. Writes
# target/bench-callgrind.json for scripts/bench_table.py.
#   bash scripts/instructions.sh                 every workload and contender
#   bash scripts/instructions.sh churn this-crate,mutex-slab
#
# Each count is the whole quick-mode process of one workload and contender
# (WRR_BENCH_QUICK=<workload>: 20,000 warm-up steps and 5 x 200,000 timed,
# set-up included) divided by its 1,020,000 steps; for drain only
# `Contender::drain` is counted, divided by the 1,020,000 entries drained.
set -euo pipefail
cd "$(dirname "$0")/.."
workloads=${1:-lifecycle,get_hot,churn,drain}
contenders=${2:-this-crate,naive-hashmap,mutex-slab,mutex-slotmap,sharded-slab,dashmap,floor-vec}
command -v valgrind >/dev/null || {
    echo "error: valgrind is needed (apt-get install valgrind)" >&2
    exit 1
}
bin=$(cargo bench --bench lifecycle --no-run 2>&1 | sed -n 's/.*Executable .*(\(.*\))$/\1/p' | tail -1)
[ -x "$bin" ] || { echo "error: no lifecycle bench binary found" >&2; exit 1; }
steps=1020000
out=target/bench-callgrind.json
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for w in ${workloads//,/ }; do
    for c in ${contenders//,/ }; do
        toggle=()
        [ "$w" = drain ] && toggle=(--toggle-collect='*Contender>::drain')
        WRR_BENCH_QUICK=$w WRR_BENCH_CONTENDERS=$c valgrind --tool=callgrind \
            --callgrind-out-file="$tmp/out" "${toggle[@]}" "$bin" --bench >/dev/null 2>"$tmp/err"
        ir=$(sed -n 's/.*Collected : \([0-9]*\).*/\1/p' "$tmp/err")
        if [ -z "$ir" ] || [ "$ir" = 0 ]; then
            echo "error: callgrind counted nothing for $w/$c (is Contender::drain out of line?)" >&2
            exit 1
        fi
        echo "$w $c $ir" >>"$tmp/counts"
        awk -v w="$w" -v c="$c" -v ir="$ir" -v steps="$steps" \
            'BEGIN { printf "%-10s %-14s %8.1f instructions per step\n", w, c, ir / steps }' 
    done
done
# Merged into what an earlier run wrote, so that a partial run updates it.
python3 - "$tmp/counts" "$out" "$steps" <<'PY'
import json, pathlib, sys
counts, out, steps = sys.argv[1], pathlib.Path(sys.argv[2]), int(sys.argv[3])
data = json.loads(out.read_text()) if out.exists() else {}
for line in open(counts):
    w, c, ir = line.split()
    data.setdefault(w, {})[c] = round(int(ir) / steps, 1)
out.write_text(json.dumps(data, indent=1))
print(f"wrote {out}")
PY
