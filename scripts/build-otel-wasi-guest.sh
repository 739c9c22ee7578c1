#!/usr/bin/env bash
# Builds components/otel-wasi-guest (a wasm32-wasip1 command) and makes a
# component of it, written to <repo>/target/otel-wasi-guest/otel-wasi-guest.wasm
# (printed on stdout). Build output goes under <repo>/target/otel-wasi-guest/.
# Quick when nothing changed (two cargo no-op builds, no rewrite).
#
# Toolchain (the project's notes on wasm toolchains, "A wasm32-wasip1
# command guest"):
#   1. rustup's cargo, when `rustup target add wasm32-wasip1` was done;
#   2. otherwise Debian's rustc-web 1.96 with -Zbuild-std, rustup's rust-lld
#      and Debian's wasi-libc (`bash scripts/install-wasm-toolchain.sh`
#      installs all three on Debian, as root).
# The component is made by the native tool in componentize/ (wit-component
# 0.254 with wasmtime 48.0.8's preview1 command adapter), built with the
# first cargo on PATH (rustup's).
# Safe to call from a build script: the caller's CARGO*/RUST* settings are
# cleared first.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
guest=$repo/components/otel-wasi-guest
out=$repo/target/otel-wasi-guest
target=wasm32-wasip1
wasi_libc=/usr/lib/wasm32-wasi

for var in $(env | cut -d= -f1); do
    case "$var" in
        CARGO_HOME | RUSTUP_HOME) ;;
        CARGO* | RUST* | TARGET | HOST | OUT_DIR | OPT_LEVEL | PROFILE | DEBUG | NUM_JOBS | MAKEFLAGS | MFLAGS | DEP_*)
            unset "$var" ;;
    esac
done
mkdir -p "$out"

# The componentize tool builds (natively) alongside the guest.
cargo build --release --locked --quiet --manifest-path "$guest/componentize/Cargo.toml" \
    --target-dir "$out/componentize" &
tool_build=$!

# 1. The core module.
wasm_build=(build --release --locked --quiet --manifest-path "$guest/Cargo.toml"
    --target "$target" --target-dir "$out/wasm")
if command -v rustup >/dev/null 2>&1 && rustup target list --installed 2>/dev/null | grep -qx "$target"; then
    cargo "${wasm_build[@]}"
else
    lld="$(rustc --print sysroot 2>/dev/null)/lib/rustlib/x86_64-unknown-linux-gnu/bin/rust-lld"
    if [ ! -x /usr/bin/cargo ] || [ ! -d /usr/lib/rustlib/src/rust/library ] || [ ! -x "$lld" ] \
        || [ ! -f "$wasi_libc/crt1-command.o" ]; then
        cat >&2 <<MSG
error: no toolchain here builds for $target. Either
  * rustup target add $target, or
  * on Debian 12, as root: bash scripts/install-wasm-toolchain.sh
    (Debian's rustc-web, cargo-web, rust-web-src and wasi-libc; the linker is
    rustup's rust-lld)
MSG
        exit 1
    fi
    # Debian's std source and wasi-libc, rustup's linker. Without
    # crt1-command.o the link fails ("entry symbol not defined: _start").
    env PATH="/usr/bin:/bin:$PATH" RUSTC=/usr/bin/rustc RUSTC_BOOTSTRAP=1 \
        CARGO_TARGET_WASM32_WASIP1_LINKER="$lld" \
        CARGO_TARGET_WASM32_WASIP1_RUSTFLAGS="-C link-self-contained=no -L native=$wasi_libc -C link-arg=$wasi_libc/crt1-command.o" \
        /usr/bin/cargo "${wasm_build[@]}" -Zbuild-std=std,panic_abort
fi
module=$out/wasm/$target/release/otel-wasi-guest.wasm

# 2. The component.
wait "$tool_build"
tool=$out/componentize/release/otel-wasi-guest-componentize
component=$out/otel-wasi-guest.wasm
if [ ! -f "$component" ] || [ "$module" -nt "$component" ] || [ "$tool" -nt "$component" ]; then
    "$tool" "$module" "$component"
    touch "$component"
fi
echo "$component"
