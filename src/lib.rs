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
//! # What `into_inner` already gives, and what this crate is for
//!
//! wit-bindgen (since 0.15) hands a consuming static such as
//! `end: static func(this: span)` the implementation itself through
//! `this.into_inner()`: reaching the implementation needs no registry. This
//! crate is for what `into_inner` cannot do: ids that cross in WIT records and
//! stay valid (parent references, context ids), enumerating live resources to
//! flush or shut them down, ending each exactly once, parent/child relations,
//! a bound on how many are alive, and leak reports.
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
//! let events = SPANS.take(key).unwrap().with(|span| span.events.clone()); // ends it, once
//! assert_eq!(events, ["cache miss"]);
//! assert!(SPANS.take(key).is_err());             // a second end finds nothing
//! assert_eq!(SPANS.stats().live, 0);
//! ```
//!
//! # The wit-bindgen pattern
//!
//! For an exported `resource span { constructor(name: string); end: static
//! func(this: span); }`, wit-bindgen (0.63) generates a `Span` handle type
//! with `Span::new(impl)`, `get::<Impl>()` and `into_inner::<Impl>()`. Put a
//! [`Registration`] in the implementation:
//!
//! ```text
//! static SPANS: ResourceRegistry<SpanInner> = ResourceRegistry::with_limit(1024);
//!
//! struct MySpan { entry: Result<Registration<'static, SpanInner>, Rejected<Arc<Mutex<SpanInner>>>> }
//!
//! impl GuestSpan for MySpan {
//!     fn new(name: String) -> Self {
//!         // A constructor cannot return an error: at the limit the span lives
//!         // on unregistered (the refusal hands the value back) and is still
//!         // exported at its end. Nothing traps, nothing is lost.
//!         MySpan { entry: SPANS.register_guarded(Arc::new(Mutex::new(SpanInner::new(name)))) }
//!     }
//!     fn end(this: Span) {
//!         // `this.handle()` is NOT an identity; the guard inside the struct is.
//!         let span: MySpan = this.into_inner();
//!         match span.entry {
//!             Ok(entry) => match entry.take() {
//!                 Ok(mut taken) => taken.with(|inner| export(inner.finish())),
//!                 Err(_) => {} // a shutdown drain ended it first and exported it then
//!             },
//!             Err(refused) => export(refused.into_value().lock().unwrap().finish()),
//!         }
//!     }
//! }
//! // The caller dropped the handle without ending it? wit-bindgen drops `MySpan`,
//! // whose `Registration` removes the entry. The caller forgot it entirely?
//! // `SPANS.drain_with(..)` at shutdown ends it, exactly once.
//! ```
//!
//! `take` ends the entry whatever clones of its `Arc` exist (a child span
//! holding its parent, a `get` kept somewhere, a flush running on another
//! thread): it hands back the owned `T` or the shared value ([`Taken`]), so
//! `Err` only ever means that something else really ended it first, or, for
//! an entry with registry children, [`Error::HasChildren`]. Either way the
//! guard that comes back is disarmed: dropping it loses nothing, and an entry
//! still registered is ended by the shutdown drain.
//!
//! The same flow, runnable, with a stand-in for the generated handle type:
//!
//! ```
//! use std::sync::{Arc, Mutex};
//! use wit_resource_registry::{Registration, Rejected, ResourceRegistry};
//!
//! struct SpanInner { name: String }
//! static SPANS: ResourceRegistry<SpanInner> = ResourceRegistry::with_limit(2);
//! static EXPORTED: Mutex<Vec<String>> = Mutex::new(Vec::new());
//! fn export(name: &str) { EXPORTED.lock().unwrap().push(name.to_string()) }
//!
//! type Entry = Result<Registration<'static, SpanInner>, Rejected<Arc<Mutex<SpanInner>>>>;
//! struct MySpan { entry: Entry }
//!
//! // Stand-in for wit-bindgen's `Span` handle: it owns the boxed implementation.
//! struct Span(Box<MySpan>);
//! impl Span { fn into_inner(self) -> MySpan { *self.0 } }
//!
//! fn new_span(name: &str) -> Span {
//!     let inner = Arc::new(Mutex::new(SpanInner { name: name.into() }));
//!     Span(Box::new(MySpan { entry: SPANS.register_guarded(inner) }))
//! }
//! fn end(this: Span) {
//!     match this.into_inner().entry {
//!         Ok(entry) => match entry.take() {
//!             Ok(mut taken) => taken.with(|inner| export(&inner.name)),
//!             Err(_) => {} // ended first by the shutdown drain, which exported it
//!         },
//!         Err(refused) => export(&refused.into_value().lock().unwrap().name),
//!     }
//! }
//! fn shutdown() {
//!     SPANS.drain_with(|_, mut span| span.with(|inner| export(&format!("{} (never ended)", inner.name))));
//! }
//!
//! let (a, b, c) = (new_span("a"), new_span("b"), new_span("c")); // c: over the limit
//! end(c);                                      // still exported, nothing trapped
//! let kept = b.0.entry.as_ref().unwrap().get(); // a clone held elsewhere
//! end(b);                                      // ends all the same
//! drop(kept);
//! std::mem::forget(a);                         // caller forgot it: shutdown ends it
//! shutdown();
//! assert_eq!(*EXPORTED.lock().unwrap(), ["c", "b", "a (never ended)"]);
//! assert!(SPANS.is_empty());
//! ```
//!
//! # What else it gives
//!
//! * The compatible API of the simple registry, so old code compiles
//!   unchanged: `new`, `insert(u32, Arc<Mutex<T>>)`, `get`, `remove`,
//!   `register`, `len`, `is_empty`, `contains`, `Default`.
//! * Typed [`Key`]s (a span key does not compile on an exporter registry),
//!   convertible to and from `u32`, that stay dead for over `2^22`
//!   registrations once their entry is gone ([`KEY_REISSUE_BOUND`]), and
//!   [`WideKey`]s (`u64`) that stay dead for over `10^16` registrations
//!   (over `10^13` on 32-bit targets such as wasm32; [`WIDE_KEY_REUSES`]).
//! * Guards that act on their own entry only: [`Registration`] (borrowing a
//!   `static` registry) and [`OwnedRegistration`] (for a registry in an
//!   `Arc`), with [`with`](Guard::with) for access under the value's lock.
//! * Exactly-once [`take`](ResourceRegistry::take) whatever clones exist,
//!   [`snapshot`](ResourceRegistry::snapshot),
//!   [`for_each`](ResourceRegistry::for_each),
//!   [`drain`](ResourceRegistry::drain),
//!   [`drain_taken`](ResourceRegistry::drain_taken),
//!   [`drain_with`](ResourceRegistry::drain_with),
//!   [`retain`](ResourceRegistry::retain), [`clear`](ResourceRegistry::clear).
//! * Parent/child relations:
//!   [`try_register_child`](ResourceRegistry::try_register_child),
//!   [`children`](ResourceRegistry::children), a typed
//!   [`Error::HasChildren`] refusal and an explicit cascade,
//!   [`take_tree`](ResourceRegistry::take_tree).
//! * An optional limit with typed refusals that hand the value back
//!   ([`Rejected`]), [`Stats`] from one consistent cut and a [`LeakReport`]
//!   ordered by a logical clock.
//! * No user code ever runs under a registry lock, so `Drop` and closures may
//!   call back in; poisoning is recovered; no `unsafe`, no dependencies;
//!   builds for `wasm32-unknown-unknown`.
#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![warn(rust_2018_idioms)]

mod children;
mod compat;
mod counts;
mod enumerate;
mod error;
mod home;
mod key;
mod registration;
mod registry;
mod stats;
mod sync;
mod table;
mod taken;
mod tree;

pub use error::{Error, Rejected};
pub use key::{AsKey, Key, WideKey, KEY_REISSUE_BOUND, MAX_CALLER_ID, MAX_ISSUED, WIDE_KEY_REUSES};
pub use registration::{Guard, OwnedRegistration, Registration};
pub use registry::ResourceRegistry;
pub use stats::{Leak, LeakReport, Stats};
pub use taken::Taken;
