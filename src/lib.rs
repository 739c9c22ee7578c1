//! The resource table a WebAssembly component needs and wit-bindgen does not
//! ship.
//!
//! A WIT interface can declare resources whose static functions consume the
//! handle, such as `end: static func(this: span)`. A component implementing
//! spans, log records or metric instruments must also enumerate what is
//! alive (flush, shutdown), end each resource exactly once, clean up what the
//! caller dropped, and stay bounded when a caller misbehaves.
//! [`ResourceRegistry`] does all of that.
//!
//! # Quick start
//!
//! Keep the guard [`register`](ResourceRegistry::register) returns in the
//! resource's implementation struct, and end it with one `if let`:
//!
//! ```
//! use std::sync::{Arc, Mutex};
//! use wit_resource_registry::{Registration, ResourceRegistry};
//!
//! pub struct SpanInner { pub name: String, pub events: Vec<String> }
//!
//! // A `static`, no `Mutex<Option<..>>`, no lazy initialisation; bounded.
//! static SPANS: ResourceRegistry<SpanInner> = ResourceRegistry::with_limit(10_000);
//!
//! struct MySpan { entry: Registration<'static, SpanInner> }
//!
//! let span = MySpan {
//!     entry: SPANS.register(Arc::new(Mutex::new(SpanInner { name: "GET /".into(), events: vec![] }))),
//! };
//! span.entry.with(|s| s.events.push("cache miss".into()));
//! let key = span.entry.key().unwrap();                 // an id for a WIT record
//! if let Ok(mut ended) = span.entry.take() {          // `end(this)`: exactly once
//!     assert_eq!(ended.with(|s| s.events.clone()), ["cache miss"]);
//! }
//! assert!(SPANS.take(key).is_err());                   // a second end finds nothing
//! assert_eq!(SPANS.stats().live, 0);
//! ```
//!
//! # Costs and limits
//!
//! What a user should know before depending on it:
//!
//! * **Values are `Arc<Mutex<T>>`.** One allocation per entry, shared with
//!   whoever holds a clone; [`get`](ResourceRegistry::get) clones the `Arc`.
//!   Ending an entry hands back the owned `T` when nothing else holds it
//!   ([`Taken`]).
//! * **A registry is 4,480 bytes natively** (16 shards, each on its own cache
//!   line, and per-group counters); on single-threaded wasm32 one shard. It
//!   allocates nothing until the first registration.
//! * **Per entry:** a slot of 24 bytes natively, 16 on wasm32, plus growth
//!   slack: about 25.6 and 16.4 bytes per live entry at 100,000 entries,
//!   beside the value's own allocation. Slots grow 1,024 at a time (4,096 with
//!   one shard) and are never returned to the allocator while the registry
//!   lives.
//! * **Vacant slots are kept.** A removed entry's slot waits in a first-in
//!   first-out quarantine of 1,024 per shard before reuse, so a registry under
//!   churn keeps up to 1,025 vacant slots per shard it uses. That is what
//!   keeps a stale key dead.
//! * **Keys go stale, never alias soon.** A `u32` [`Key`] is not issued again
//!   within [`KEY_REISSUE_BOUND`] (about 4.2 million) later registrations; a
//!   [`WideKey`] within [`WIDE_KEY_REISSUE_BOUND`] (over `10^16` natively, `10^13` on
//!   wasm32). 32 bits carry no secret: a forged key that equals a live one
//!   finds it.
//! * **Capacity:** at most [`MAX_ISSUED`] (1,032,192 natively, 1,047,552 on
//!   wasm32) issued keys alive at once, plus [`MAX_CALLER_ID`] caller-chosen
//!   ids; past that, registrations are refused with [`Error::Exhausted`].
//! * **Locks:** natively 16 shards, each behind a `std::sync::Mutex`; an
//!   operation on one id takes one lock, and a thread registers into its own
//!   group of eight shards. Enumeration ([`snapshot`](ResourceRegistry::snapshot),
//!   [`drain`](ResourceRegistry::drain), [`stats`](ResourceRegistry::stats),
//!   [`leak_report`](ResourceRegistry::leak_report),
//!   [`len`](ResourceRegistry::len)) takes all 16, in order, and so sees one
//!   consistent cut; it is the expensive call.
//! * **Approximate across threads, natively:** without a limit,
//!   [`Stats::high_water`] is the sum of two groups' marks (never below the
//!   true mark), and the leak report orders entries of different threads
//!   only roughly. Exact on wasm32, with a limit, or from one thread.
//! * **No user code under a lock:** closures and `T`'s `Drop` run after the
//!   registry's locks are released, so they may call back in.
//!
//! # A handle number is not an identity
//!
//! The obvious registry, a `HashMap<u32, Arc<Mutex<T>>>` keyed by the
//! wit-bindgen `handle()`, is wrong. The number is an index into the guest's
//! own handle table *at that moment*: returning an `own<span>` frees the slot,
//! so three spans alive at once were all created with handle `1`, and a span
//! passed back into `end(this)` gets a fresh slot (seen: `3 -> 2`, `2 -> 4`).
//! Keyed by that number, entries overwrite each other and `end` finds the wrong
//! span or none. **Keep the registry's guard, or its [`Key`], inside the
//! resource's own implementation struct instead**: it survives every crossing.
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
//! # The wit-bindgen pattern
//!
//! For an exported `resource span { constructor(name: string); end: static
//! func(this: span); }`, wit-bindgen (0.63) generates a `Span` handle type
//! with `Span::new(impl)`, `get::<Impl>()` and `into_inner::<Impl>()`. Put a
//! [`Registration`] in the implementation. Runnable, with a stand-in for the
//! generated handle type:
//!
//! ```
//! use std::sync::{Arc, Mutex};
//! use wit_resource_registry::{Registration, ResourceRegistry};
//!
//! struct SpanInner { name: String }
//! static SPANS: ResourceRegistry<SpanInner> = ResourceRegistry::with_limit(2);
//! static EXPORTED: Mutex<Vec<String>> = Mutex::new(Vec::new());
//! fn export(name: &str) { EXPORTED.lock().unwrap().push(name.to_string()) }
//!
//! struct MySpan { entry: Registration<'static, SpanInner> }
//!
//! // Stand-in for wit-bindgen's `Span` handle: it owns the boxed implementation.
//! struct Span(Box<MySpan>);
//! impl Span { fn into_inner(self) -> MySpan { *self.0 } }
//!
//! // The constructor: never fails, never traps. Over the limit the guard
//! // keeps the value, and the span works and ends like any other.
//! fn new_span(name: &str) -> Span {
//!     let inner = Arc::new(Mutex::new(SpanInner { name: name.into() }));
//!     Span(Box::new(MySpan { entry: SPANS.register(inner) }))
//! }
//! // `end: static func(this: span)`. `Err` only when the shutdown drain
//! // ended it first, and exported it then.
//! fn end(this: Span) {
//!     if let Ok(mut span) = this.into_inner().entry.take() {
//!         span.with(|inner| export(&inner.name));
//!     }
//! }
//! // What the caller forgot: ended at shutdown, exactly once.
//! fn shutdown() {
//!     for (_key, mut span) in SPANS.drain() {
//!         span.with(|inner| export(&format!("{} (never ended)", inner.name)));
//!     }
//! }
//!
//! let (a, b, c) = (new_span("a"), new_span("b"), new_span("c")); // c: over the limit
//! assert!(c.0.entry.refusal().is_some());
//! end(c);                                      // still exported, nothing trapped
//! let kept = SPANS.get(b.0.entry.key().unwrap()); // a clone held elsewhere
//! end(b);                                      // ends all the same
//! drop(kept);
//! std::mem::forget(a);                         // caller forgot it: shutdown ends it
//! shutdown();
//! assert_eq!(*EXPORTED.lock().unwrap(), ["c", "b", "a (never ended)"]);
//! assert!(SPANS.is_empty());
//! ```
//!
//! The caller dropped the handle without ending it? wit-bindgen drops
//! `MySpan`, whose guard removes the entry. [`Guard::take`] ends the entry
//! whatever clones of its `Arc` exist (a child span holding its parent, a
//! flush on another thread): it hands back the owned `T` or the shared value
//! ([`Taken`]).
//!
//! The one `if let` is for entries without registry children, as these
//! spans are. An entry with registry children refuses with
//! [`Error::HasChildren`], and its guard comes back still armed inside the
//! `Err`: there, `match` on the error and end the children first, or the
//! whole tree with [`ResourceRegistry::take_tree`] ([`Guard::take`] shows
//! both), because dropping that guard removes the entry unexported.
//!
//! # What else it gives
//!
//! * Typed [`Key`]s (a span key does not compile on an exporter registry,
//!   and a plain number reaches only the compatibility layer), and
//!   [`WideKey`]s (`u64`)
//!   for ids that travel in WIT records and may outlive their entry.
//! * Guards that act on their own entry only, never another one that reused
//!   its slot: [`Registration`] (borrowing a `static` registry) and
//!   [`OwnedRegistration`] (for a registry in an `Arc`).
//! * Exactly-once ending whatever clones exist:
//!   [`take`](ResourceRegistry::take), [`drain`](ResourceRegistry::drain).
//! * Parent/child relations, as wasmtime's `ResourceTable` has them:
//!   [`register_child`](ResourceRegistry::register_child),
//!   [`children`](ResourceRegistry::children), a typed
//!   [`Error::HasChildren`] refusal and an explicit cascade,
//!   [`take_tree`](ResourceRegistry::take_tree).
//! * An optional limit whose refusals hand the value back ([`Rejected`], or
//!   kept in the guard), [`Stats`] from one consistent cut and a
//!   [`LeakReport`] ordered by a logical clock.
//! * The API of the simple `HashMap<u32, Arc<Mutex<T>>>` registry, so code
//!   written for it compiles unchanged: `new`, `insert(u32, ..)`, `get`,
//!   `remove`, `len`, `is_empty`, `contains`, `Default`. These methods, and
//!   `try_insert`, are the only ones that take a plain `u32`.
//! * No `unsafe`, no dependencies, poisoning recovered; builds for
//!   `wasm32-unknown-unknown`.
//!
//! # Versions
//!
//! The crate follows semantic versioning: within 1.x no public item is
//! removed or changes meaning. The minimum supported Rust version (MSRV) is
//! 1.63 (`rust-version` in the manifest, tested in CI); raising it is a minor
//! release, never a patch, and is named in the changelog.
#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![warn(rust_2018_idioms)]

// rustdoc lists the registry's methods in the order their modules are
// declared, and rustfmt sorts declarations only within a group: construction
// and registration first, the compatibility layer last.
mod registry;

mod children;
mod counts;
mod enumerate;
mod error;
mod home;
mod key;
mod registration;
mod stats;
mod sync;
mod table;
mod taken;
mod tree;

mod compat;

#[cfg(all(test, loom))]
mod model_checks;

pub use error::{Error, Rejected};
pub use key::{
    AsId, AsKey, Key, WideKey, KEY_REISSUE_BOUND, MAX_CALLER_ID, MAX_ISSUED, WIDE_KEY_REISSUE_BOUND,
};
pub use registration::{Guard, OwnedRegistration, Registration};
pub use registry::ResourceRegistry;
pub use stats::{Leak, LeakReport, Stats};
pub use taken::{Drain, Taken};
