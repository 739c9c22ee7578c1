#!/usr/bin/env bash
# Builds the checkout app in Python and in JavaScript into components of world
# `app` of the SDK's WIT (components/sdk/wit), next to the Rust one:
#
#   target/lang-apps/app-python.wasm   components/app-python/app.py, componentize-py
#   target/lang-apps/app-js.wasm       components/app-js/app.js, componentize-js
#
# Usage: scripts/build-lang-apps.sh [python|js|all]   (default all)
#
# Needs the toolchains (scripts/install-lang-toolchains.sh) and the WIT of
# wasi:clocks, wasi:io and wasi:random 0.2.0 in components/sdk/wit/deps, which
# the host's build script copies there (`cargo build -p telemetry-host`).
# Prints each build's time and size.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)

WIT="$repo/components/sdk/wit"
OUT="$repo/target/lang-apps"
VENV="$repo/target/lang-tools/venv"
APP_JS="$repo/components/app-js"

which=${1:-all}
case "$which" in
    python|js|all) ;;
    *) echo "usage: $0 [python|js|all]" >&2; exit 2 ;;
esac

missing=()
for package in clocks io random; do
    [ -d "$WIT/deps/wasi-$package-0.2.0" ] || missing+=("wasi-$package-0.2.0")
done
if [ ${#missing[@]} -gt 0 ]; then
    cat >&2 <<MSG
error: components/sdk/wit/deps lacks ${missing[*]}.
The host's build script copies them out of the \`wasi\` crate: run
  bash scripts/install-wasm-toolchain.sh && cargo build -p telemetry-host
MSG
    exit 1
fi

mkdir -p "$OUT"

# Seconds since $1 (a `date +%s.%N`), to a tenth.
since() { awk -v a="$1" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }'; }
report() { echo "$1: $2 ($(stat -c %s "$2") bytes) in $3 s"; }

build_python() {
    if [ ! -x "$VENV/bin/componentize-py" ]; then
        echo "error: componentize-py is not installed; run: bash scripts/install-lang-toolchains.sh python" >&2
        exit 1
    fi
    local start; start=$(date +%s.%N)
    # componentize-py imports app.py at build time (it snapshots the
    # initialised interpreter), leaving a __pycache__ that git ignores.
    (cd "$repo/components/app-python" &&
        "$VENV/bin/componentize-py" -d "$WIT" -w app \
            componentize app -o "$OUT/app-python.wasm" >/dev/null)
    report python "$OUT/app-python.wasm" "$(since "$start")"
}

build_js() {
    if [ ! -d "$APP_JS/node_modules/@bytecodealliance/componentize-js" ]; then
        echo "error: componentize-js is not installed; run: bash scripts/install-lang-toolchains.sh js" >&2
        exit 1
    fi
    local start; start=$(date +%s.%N)
    node "$APP_JS/build.mjs" "$OUT/app-js.wasm" "$WIT"
    report js "$OUT/app-js.wasm" "$(since "$start")"
}

case "$which" in
    python) build_python ;;
    js) build_js ;;
    all) build_python; build_js ;;
esac
