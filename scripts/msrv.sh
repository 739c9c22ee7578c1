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
