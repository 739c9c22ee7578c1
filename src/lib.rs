//! The resource table a WebAssembly component needs and wit-bindgen does not
//! ship.
//!
//! A WIT interface can declare resources whose static functions consume the
//! handle, such as `end: static func(this: span) -> span-data`. A component
//! implementing spans, log records or metric instruments must also enumerate
//! what is alive (flush, shutdown), end each resource exactly once, clean up
//! what the caller dropped, and stay bounded when a caller misbehaves.
//! [`ResourceRegistry`] does all of that.
//!
//! # A handle number is not an identity
//!
//! The obvious registry, a `HashMap<u32, Arc<Mutex<T>>>` keyed by the
//! wit-bindgen `handle()`, is wrong. The number is an index into the guest's
//! own handle table *at that moment*: returning an `own<span>` frees the slot,
//! so three spans alive at once were all created with handle `1`, and a span
//! passed back into `end(this)` gets a fresh slot (seen: `3 -> 2`, `2 -> 4`).
//! Keyed by that number, entries overwrite each other and `end` finds the wrong
//! span or none. **Keep a registry-issued [`Key`] inside the resource's own
//! implementation struct instead**: it survives every crossing.
//!
//! # Quick start
//!
//! ```
//! use std::sync::{Arc, Mutex};
//! use wit_resource_registry::ResourceRegistry;
//!
//! pub struct SpanInner { pub name: String, pub events: Vec<String> }
//!
//! // A `static`, no `Mutex<Option<..>>`, no lazy initialisation; bounded.
//! static SPANS: ResourceRegistry<SpanInner> = ResourceRegistry::with_limit(10_000);
//!
//! let key = SPANS
//!     .try_register(Arc::new(Mutex::new(SpanInner { name: "GET /".into(), events: vec![] })))
//!     .expect("room for one more span");
//! SPANS.get(key).unwrap().lock().unwrap().events.push("cache miss".into());
//! let span = SPANS.take(key).unwrap();          // ends it: exactly once
//! assert_eq!(span.events, ["cache miss"]);
//! assert!(SPANS.take(key).is_err());             // a second end finds nothing
//! assert_eq!(SPANS.stats().live, 0);
//! ```
//!
//! # The wit-bindgen pattern
//!
//! For an exported `resource span { constructor(name: string); end: static
//! func(this: span) -> span-data; }`, wit-bindgen (0.63) generates a `Span`
//! handle type with `Span::new(impl)`, `get::<Impl>()` and
//! `into_inner::<Impl>()`. Put a [`Registration`] in the implementation:
//!
//! ```text
//! static SPANS: ResourceRegistry<SpanInner> = ResourceRegistry::with_limit(1024);
//!
//! struct MySpan { entry: Registration<'static, SpanInner> }
//!
//! impl GuestSpan for MySpan {
//!     fn new(name: String) -> Self {
//!         let inner = Arc::new(Mutex::new(SpanInner::new(name)));
//!         MySpan { entry: SPANS.register_guarded(inner).expect("limit") }
//!     }
//!     fn end(this: Span) -> SpanData {
//!         // `this.handle()` is NOT an identity; the key inside the struct is.
//!         let span: MySpan = this.into_inner();
//!         match span.entry.take() {
//!             Ok(inner) => inner.finish(),
//!             Err(_) => SpanData::already_ended(),
//!         }
//!     }
//! }
//! // The caller dropped the handle without ending it? wit-bindgen drops `MySpan`,
//! // whose `Registration` removes the entry. The caller forgot it entirely?
//! // `SPANS.drain_with(..)` at shutdown ends it, exactly once.
//! ```
//!
//! The same flow, runnable, with a stand-in for the generated handle type:
//!
//! ```
//! use std::sync::{Arc, Mutex};
//! use wit_resource_registry::{Registration, ResourceRegistry};
//!
//! struct SpanInner { name: String }
//! static SPANS: ResourceRegistry<SpanInner> = ResourceRegistry::with_limit(1024);
//! struct MySpan { entry: Registration<'static, SpanInner> }
//!
//! // Stand-in for wit-bindgen's `Span` handle: it owns the boxed implementation.
//! struct Span(Box<MySpan>);
//! impl Span { fn into_inner(self) -> MySpan { *self.0 } }
//!
//! fn new_span(name: &str) -> Span {
//!     let inner = Arc::new(Mutex::new(SpanInner { name: name.into() }));
//!     Span(Box::new(MySpan { entry: SPANS.register_guarded(inner).unwrap() }))
//! }
//! fn end(this: Span) -> Option<String> {
//!     this.into_inner().entry.take().ok().map(|inner| inner.name)
//! }
//!
//! let (a, b, c) = (new_span("a"), new_span("b"), new_span("c"));
//! assert_eq!(end(b).as_deref(), Some("b"));   // any order
//! drop(c);                                    // caller dropped it: cleaned up
//! assert_eq!(SPANS.len(), 1);
//! std::mem::forget(a);                        // caller forgot it: shutdown drains it
//! let ended: Vec<String> = SPANS.drain().into_iter()
//!     .map(|(_, span)| span.lock().unwrap().name.clone()).collect();
//! assert_eq!(ended, ["a"]);
//! ```
//!
//! # What else it gives
//!
//! * The compatible API of the simple registry, so old code compiles
//!   unchanged: `new`, `insert(u32, Arc<Mutex<T>>)`, `get`, `remove`,
//!   `register`, `len`, `is_empty`, `contains`, `Default`.
//! * Typed [`Key`]s (a span key does not compile on an exporter registry),
//!   convertible to and from `u32`; stale keys are detected until a slot has
//!   been reused [`GENERATION_WRAP`] times.
//! * Exactly-once [`take`](ResourceRegistry::take), RAII [`Registration`],
//!   [`snapshot`](ResourceRegistry::snapshot), [`for_each`](ResourceRegistry::for_each),
//!   [`drain`](ResourceRegistry::drain), [`drain_with`](ResourceRegistry::drain_with),
//!   [`retain`](ResourceRegistry::retain), [`clear`](ResourceRegistry::clear).
//! * An optional limit with typed refusals that hand the value back
//!   ([`Rejected`]), [`Stats`] and a [`LeakReport`] ordered by a logical clock.
//! * No user code ever runs under a registry lock, so `Drop` and closures may
//!   call back in; poisoning is recovered; no `unsafe`, no dependencies;
//!   builds for `wasm32-unknown-unknown`.
#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![warn(rust_2018_idioms)]

mod counts;
mod error;
mod key;
mod registration;
mod registry;
mod shard;
mod stats;
mod sync;

pub use error::{Error, Rejected};
pub use key::{AsKey, Key, GENERATION_BITS, GENERATION_WRAP, MAX_ISSUED};
pub use registration::Registration;
pub use registry::ResourceRegistry;
pub use stats::{Leak, LeakReport, Stats};
