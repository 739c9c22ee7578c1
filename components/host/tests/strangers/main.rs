//! The host as strangers use it: `components/embedder` (a program outside
//! the workspace, on the library's public API alone) runs
//! `components/otel-wasi-guest` (a guest on the ecosystem's OpenTelemetry
//! crates): as the ecosystem's SDK reports ([`ecosystem`]), and with one
//! attack before its normal scenario ([`hostile`]). One test binary, so
//! that it links wasmtime once.

mod ecosystem;
mod embedder;
mod hostile;
