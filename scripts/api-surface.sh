#!/usr/bin/env bash
# Counts the crate's public API from rustdoc's JSON output and fails past the
# bounds the 1.0 API keeps (scripts/api_surface.py). The JSON format is still
# unstable in rustdoc, so this asks the stable toolchain for it with
# RUSTC_BOOTSTRAP, for this one documentation build, in its own target dir.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
RUSTC_BOOTSTRAP=1 RUSTDOCFLAGS="-Z unstable-options --output-format json" \
    cargo doc --quiet --no-deps -p wit-resource-registry --target-dir target/api-surface
python3 scripts/api_surface.py target/api-surface/doc/wit_resource_registry.json
