//! Host bindings of the demo's worlds, generated from the SDK's WIT
//! (`components/sdk/wit`); `wasi:otel` and the wall clock's `datetime` are
//! the library's own types, so the demo and the library speak one language.

/// The SDK alone, with its test hooks: the host drives its API directly.
#[allow(missing_docs)] // generated from the WIT, whose comments it carries
pub mod sdk {
    wasmtime::component::bindgen!({
        world: "wrr:otel/sdk-testing",
        path: "../sdk/wit",
        additional_derives: [PartialEq],
        with: {
            "wasi:otel": wasi_otel_host::bindings::wasi::otel,
            "wasi:clocks/wall-clock": wasi_otel_host::bindings::wasi::clocks::wall_clock,
        },
    });
}

/// The demo app composed with the SDK: only the app's handler is exported.
#[allow(missing_docs)] // generated from the WIT, whose comments it carries
pub mod service {
    wasmtime::component::bindgen!({
        world: "wrr:otel/service",
        path: "../sdk/wit",
        with: {
            "wasi:otel": wasi_otel_host::bindings::wasi::otel,
            "wasi:clocks": super::sdk::wasi::clocks,
            "wasi:random": super::sdk::wasi::random,
            "wasi:io": super::sdk::wasi::io,
        },
    });
}
