//! The generated `wasi:otel@0.2.0-rc.2` bindings, from this crate's own
//! declaration in `wit/` (item for item upstream's rc.2). The crate root
//! re-exports the four interfaces ([`crate::tracing`], [`crate::logs`],
//! [`crate::metrics`], [`crate::types`]) and the clock type they use
//! ([`crate::Datetime`]): name them there.
//!
//! An embedder that generates bindings of its own for a world that imports
//! `wasi:otel` maps the interfaces to these, so that its types and this
//! crate's are the same:
//!
//! ```text
//! wasmtime::component::bindgen!({
//!     world: "my:app/app",
//!     path: "wit",
//!     with: {
//!         "wasi:otel": wasi_otel_host::bindings::wasi::otel,
//!         "wasi:clocks/wall-clock": wasi_otel_host::bindings::wasi::clocks::wall_clock,
//!     },
//! });
//! ```

#![allow(missing_docs)] // generated from the WIT, whose comments it carries

wasmtime::component::bindgen!({
    world: "wasi:otel/imports",
    path: "wit",
    additional_derives: [PartialEq],
});
