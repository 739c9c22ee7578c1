#!/usr/bin/env bash
# Makes sure a toolchain that builds for wasm32-unknown-unknown is present,
# installing Debian's rustc-web route when neither it nor rustup's target is.
# Also installs Debian's wasi-libc for the wasm32-wasip1 guest when missing.
# Idempotent: does nothing when a route already works.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)

# The wasm32-wasip1 command guest (components/otel-wasi-guest) also links
# against Debian's wasi-libc (libc.a, crt1-command.o under /usr/lib/wasm32-wasi).
# Installed when missing and possible; nothing else needs it, so no failure.
if [ ! -f /usr/lib/wasm32-wasi/crt1-command.o ] && command -v apt-get >/dev/null 2>&1 \
    && [ "$(id -u)" = 0 ]; then
    echo "wasm toolchain: installing Debian's wasi-libc"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends wasi-libc >/dev/null
fi

if bash "$here/wasm-cargo.sh" --detect >/dev/null 2>&1; then
    echo "wasm toolchain: $(bash "$here/wasm-cargo.sh" --detect)"
    exit 0
fi

if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
    echo "wasm toolchain: installing Debian's rustc-web, cargo-web and rust-web-src (about 20 s)"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
        rustc-web cargo-web rust-web-src >/dev/null
    echo "wasm toolchain: $(bash "$here/wasm-cargo.sh" --detect)"
    exit 0
fi

cat >&2 <<'MSG'
error: no toolchain that builds for wasm32-unknown-unknown, and no way to install one here.
Get one of:
  * rustup target add wasm32-unknown-unknown
  * on Debian 12, as root: apt-get install rustc-web cargo-web rust-web-src
MSG
exit 1
