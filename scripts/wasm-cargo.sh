#!/usr/bin/env bash
# Runs `cargo ARGS --target wasm32-unknown-unknown` with whichever toolchain
# can build for that target here:
#   1. rustup's cargo, when `rustup target add wasm32-unknown-unknown` was done;
#   2. Debian's rustc-web 1.96 with its std source (rust-web-src), building std
#      with -Zbuild-std and linking with the rust-lld shipped in rustup's
#      toolchain (Debian's rustc has none).
# `--detect` prints the route it would take and exits.
# Safe to call from a build script: the outer build's CARGO*/RUST* settings
# are cleared so they do not leak into this build.
set -euo pipefail
target=wasm32-unknown-unknown

# Forget the calling cargo's settings (keep where cargo and rustup live).
for var in $(env | cut -d= -f1); do
    case "$var" in
        CARGO_HOME | RUSTUP_HOME) ;;
        CARGO* | RUST* | TARGET | HOST | OUT_DIR | OPT_LEVEL | PROFILE | DEBUG | NUM_JOBS | MAKEFLAGS | MFLAGS | DEP_*)
            unset "$var" ;;
    esac
done

route=""
if command -v rustup >/dev/null 2>&1 && rustup target list --installed 2>/dev/null | grep -qx "$target"; then
    route=rustup
elif [ -x /usr/bin/rustc ] && [ -x /usr/bin/cargo ] && [ -d /usr/lib/rustlib/src/rust/library ]; then
    lld=""
    if command -v rustc >/dev/null 2>&1; then
        candidate="$(rustc --print sysroot)/lib/rustlib/x86_64-unknown-linux-gnu/bin/rust-lld"
        [ -x "$candidate" ] && lld=$candidate
    fi
    [ -z "$lld" ] && lld=$(command -v rust-lld || command -v ld.lld || true)
    [ -n "$lld" ] && route=debian
fi

if [ "${1:-}" = "--detect" ]; then
    case "$route" in
        rustup) echo "rustup target $target" ;;
        debian) echo "Debian rustc-web $(/usr/bin/rustc --version | cut -d' ' -f2) with -Zbuild-std, linker $lld" ;;
        *) exit 1 ;;
    esac
    exit 0
fi

case "$route" in
    rustup)
        exec cargo "$@" --target "$target"
        ;;
    debian)
        exec env PATH="/usr/bin:/bin:$PATH" RUSTC=/usr/bin/rustc RUSTC_BOOTSTRAP=1 \
            CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_LINKER="$lld" \
            /usr/bin/cargo "$@" --target "$target" -Zbuild-std=std,panic_abort
        ;;
    *)
        cat >&2 <<'MSG'
error: no toolchain here builds for wasm32-unknown-unknown.
Run scripts/install-wasm-toolchain.sh (as root on Debian it installs rustc-web,
cargo-web and rust-web-src), or: rustup target add wasm32-unknown-unknown
MSG
        exit 1
        ;;
esac
