//! Declares the `loom` cfg (set by `scripts/loom.sh`) so that rustc's
//! `unexpected_cfgs` check knows it. The single-colon form works with every
//! cargo back to the crate's MSRV; a `[lints]` table would need cargo 1.74.
fn main() {
    println!("cargo:rustc-check-cfg=cfg(loom)");
    println!("cargo:rerun-if-changed=build.rs");
}
