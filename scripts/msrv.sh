#!/usr/bin/env bash
# Builds the library and runs its unit tests with the declared MSRV (the
# `rust-version` in Cargo.toml, 1.63), which is Debian 12's own rustc.
# rustup cannot download old toolchains here, so the compiler comes from
# Debian's packages, unpacked under target/msrv (no system install). The
# library has no dependencies, so plain `rustc` is enough.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
want=$(sed -n 's/^rust-version = "\(.*\)"/\1/p' "$root/Cargo.toml")
dir="$root/target/msrv"
sys="$dir/root"

if [ ! -x "$sys/usr/bin/rustc" ]; then
    mkdir -p "$dir"
    (
        cd "$dir"
        apt-get download "rustc=${want}.0+dfsg1-2" "libstd-rust-${want}" "libstd-rust-dev=${want}.0+dfsg1-2" >/dev/null 2>&1 || {
            apt-get update -qq && apt-get download "rustc=${want}.0+dfsg1-2" "libstd-rust-${want}" "libstd-rust-dev=${want}.0+dfsg1-2" >/dev/null
        }
        for deb in ./*.deb; do dpkg -x "$deb" root; done
        rm -f ./*.deb
    )
fi

rustc_msrv() {
    LD_LIBRARY_PATH="$sys/usr/lib/x86_64-linux-gnu" "$sys/usr/bin/rustc" --sysroot "$sys/usr" "$@"
}
version=$(rustc_msrv --version)
case "$version" in
    "rustc $want."*) ;;
    *) echo "error: expected rustc $want, got: $version" >&2; exit 1 ;;
esac
echo "MSRV check with $version"
rustc_msrv --edition 2021 --crate-type lib --crate-name wit_resource_registry \
    -D warnings "$root/src/lib.rs" -o "$dir/libwit_resource_registry.rlib"
rustc_msrv --edition 2021 --test --crate-name wit_resource_registry \
    "$root/src/lib.rs" -o "$dir/unit-tests"
"$dir/unit-tests" -q

# The host library (components/wasi-otel-host) declares the newest
# rust-version among its dependencies as locked (wasmtime's), which is the
# one it really needs; it is built and tested with that compiler (rustup's
# stable, the one the test suite runs) and checked to say so here.
declared=$(sed -n 's/^rust-version = "\(.*\)"/\1/p' "$root/components/wasi-otel-host/Cargo.toml")
needed=$(cargo metadata --format-version 1 --locked --manifest-path "$root/Cargo.toml" | python3 -c '
import json, sys
m = json.load(sys.stdin)
packages = {p["id"]: p for p in m["packages"]}
nodes = {n["id"]: n for n in m["resolve"]["nodes"]}
library = next(p["id"] for p in m["packages"] if p["name"] == "wasi-otel-host")
seen, stack = set(), [library]
while stack:
    i = stack.pop()
    if i not in seen:
        seen.add(i)
        stack += [d["pkg"] for d in nodes[i]["deps"]
                  if any(k["kind"] is None for k in d["dep_kinds"])]
versions = [tuple(map(int, packages[i]["rust_version"].split(".")))
            for i in seen - {library} if packages[i].get("rust_version")]
print(".".join(map(str, max(versions)[:2])))
')
if [ "$declared" != "$needed" ]; then
    echo "error: wasi-otel-host declares rust-version $declared, its dependencies need $needed" >&2
    exit 1
fi
compiler=$(rustc --version)
case "$compiler" in
    "rustc $needed."*) echo "wasi-otel-host: rust-version $needed, built and tested with $compiler" ;;
    *) echo "error: the test suite's compiler is $compiler, not wasi-otel-host's rust-version $needed" >&2; exit 1 ;;
esac
