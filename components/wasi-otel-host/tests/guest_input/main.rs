//! The library driven as a guest drives it, with no wasm: the host's span
//! around a call, floods, losses and bad metric input. One test binary, so
//! that it links wasmtime once.

mod common;
mod floods;
mod host_span;
mod losses;
mod metric_input;
