//! Host bindings, generated from the SDK's WIT (`components/sdk/wit`, with
//! the project's own declaration of `wasi:otel` 0.2.0-rc.2 in `wit/deps`).

/// The SDK alone, with its test hooks: the host drives its API directly.
#[allow(missing_docs)] // generated from the WIT, whose comments it carries
pub mod sdk {
    wasmtime::component::bindgen!({
        world: "wrr:otel/sdk-testing",
        path: "../sdk/wit",
        additional_derives: [PartialEq],
    });
}

/// The demo app composed with the SDK: only the app's handler is exported.
#[allow(missing_docs)] // generated from the WIT, whose comments it carries
pub mod service {
    wasmtime::component::bindgen!({
        world: "wrr:otel/service",
        path: "../sdk/wit",
        with: {
            "wasi:otel": super::sdk::wasi::otel,
            "wasi:clocks": super::sdk::wasi::clocks,
            "wasi:random": super::sdk::wasi::random,
            "wasi:io": super::sdk::wasi::io,
        },
    });
}
