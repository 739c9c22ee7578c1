//! The seed snippet from the issue, verbatim: code written for the simple
//! `HashMap<u32, Arc<Mutex<T>>>` registry compiles and behaves the same.
#![allow(dead_code)]

// ---- verbatim from the issue (kept unformatted on purpose) ----
#[rustfmt::skip]
mod seed {
use std::sync::{Arc, Mutex};
use wit_resource_registry::ResourceRegistry;
pub struct SpanInner { name: String }
static SPAN_REGISTRY: Mutex<Option<ResourceRegistry<SpanInner>>> = Mutex::new(None);
pub fn register_span(handle: u32, span_data: Arc<Mutex<SpanInner>>) {
    let mut registry = SPAN_REGISTRY.lock().unwrap();
    if registry.is_none() { *registry = Some(ResourceRegistry::new()); }
    registry.as_mut().unwrap().insert(handle, span_data);
}
pub fn get_span(handle: u32) -> Option<Arc<Mutex<SpanInner>>> {
    let registry = SPAN_REGISTRY.lock().unwrap();
    registry.as_ref().and_then(|r| r.get(handle))
}
// ---- end verbatim ----

    // Test helpers, inside the module because the snippet's field and static are private.
    pub fn span(name: &str) -> Arc<Mutex<SpanInner>> {
        Arc::new(Mutex::new(SpanInner { name: name.to_string() }))
    }
    pub fn name_of(span: &Arc<Mutex<SpanInner>>) -> String {
        span.lock().unwrap().name.clone()
    }
    pub fn inner_name(span: SpanInner) -> String {
        span.name
    }
    pub fn with_registry<R>(f: impl FnOnce(&ResourceRegistry<SpanInner>) -> R) -> R {
        f(SPAN_REGISTRY.lock().unwrap().as_ref().unwrap())
    }
}
use seed::*;
use std::sync::{Arc, Mutex};
use wit_resource_registry::{Error, Key, ResourceRegistry};

#[test]
fn seed_snippet_behaves_like_the_hashmap_registry() {
    assert!(get_span(1).is_none());
    register_span(1, span("a"));
    register_span(2, span("b"));
    assert_eq!(name_of(&get_span(1).unwrap()), "a");
    assert_eq!(name_of(&get_span(2).unwrap()), "b");
    // Same id again replaces, as HashMap::insert does.
    register_span(1, span("c"));
    assert_eq!(name_of(&get_span(1).unwrap()), "c");
    assert!(get_span(3).is_none());
    with_registry(|registry| {
        assert_eq!(registry.len(), 2);
        assert!(!registry.is_empty());
        assert!(registry.contains(2));
        assert_eq!(name_of(&registry.remove(2).unwrap()), "b");
        assert!(registry.remove(2).is_none());
        assert_eq!(registry.len(), 1);
    });
}

#[test]
fn compatible_methods_have_the_hashmap_shapes() {
    let reg: ResourceRegistry<u32> = Default::default();
    let displaced: Option<Arc<Mutex<u32>>> = reg.insert(5, Arc::new(Mutex::new(1)));
    assert!(displaced.is_none());
    let displaced = reg
        .insert(5, Arc::new(Mutex::new(2)))
        .expect("old value handed back");
    assert_eq!(*displaced.lock().unwrap(), 1);
    // An issued key, in the `u32` form the compatibility layer takes.
    let id: u32 = reg
        .try_register(Arc::new(Mutex::new(3)))
        .unwrap()
        .into_raw();
    assert_ne!(id, 0);
    assert_ne!(id, 5);
    let got: Option<Arc<Mutex<u32>>> = reg.get(id);
    assert_eq!(*got.unwrap().lock().unwrap(), 3);
    let removed: Option<Arc<Mutex<u32>>> = reg.remove(5);
    assert_eq!(*removed.unwrap().lock().unwrap(), 2);
    let (len, empty): (usize, bool) = (reg.len(), reg.is_empty());
    assert_eq!((len, empty), (1, false));
    // A literal id works too, as with the HashMap.
    assert!(reg.get(12345).is_none());
    let _: ResourceRegistry<u32> = ResourceRegistry::new();
}

#[test]
fn a_static_registry_needs_no_wrapper() {
    static SPANS: ResourceRegistry<SpanInner> = ResourceRegistry::new();
    let id = SPANS.try_register(span("static")).unwrap();
    assert_eq!(name_of(&SPANS.get(id).unwrap()), "static");
    assert!(SPANS.remove(id).is_some());
    assert!(SPANS.is_empty());
}

#[test]
fn handle_numbers_reused_by_the_component_model_do_not_confuse_issued_keys() {
    // What the naive registry gets wrong: three spans all created with
    // handle 1. With issued keys they stay three distinct entries.
    let reg: ResourceRegistry<SpanInner> = ResourceRegistry::new();
    let keys: Vec<Key<SpanInner>> = ["a0", "a1", "a2"]
        .iter()
        .map(|n| reg.try_register(span(n)).unwrap())
        .collect();
    let mut names: Vec<String> = keys
        .iter()
        .rev()
        .map(|&k| inner_name(reg.take(k).ok().unwrap().into_inner().ok().unwrap()))
        .collect();
    names.reverse();
    assert_eq!(names, ["a0", "a1", "a2"]);
    // While the naive pattern, keyed by the reused handle, loses two of them.
    let naive: ResourceRegistry<SpanInner> = ResourceRegistry::new();
    for n in ["a0", "a1", "a2"] {
        naive.insert(1, span(n));
    }
    assert_eq!(naive.len(), 1);
}

#[test]
fn insert_under_an_issued_key_is_refused_and_leaves_its_value_alone() {
    // `insert` and `try_insert` store under caller-chosen ids only: the raw
    // number of an issued key is refused, and the entry registered under it
    // (whose guard and holders keep what they registered) is untouched.
    let reg: ResourceRegistry<SpanInner> = ResourceRegistry::new();
    let key = reg.try_register(span("registered")).unwrap();
    let held = reg.get(key).unwrap();
    let before = reg.stats();

    let refused = reg
        .try_insert(key.into_raw(), span("intruder"))
        .err()
        .expect("an issued key is no caller id");
    assert_eq!(refused.error(), Error::InvalidId);
    assert_eq!(name_of(&refused.into_value()), "intruder", "handed back");
    // `insert` hands the refused value back where a displaced one would be.
    let back = reg.insert(key.into_raw(), span("intruder 2")).unwrap();
    assert_eq!(name_of(&back), "intruder 2");

    let now = reg.get(key).unwrap();
    assert!(
        Arc::ptr_eq(&now, &held),
        "the registered value was replaced"
    );
    assert_eq!(name_of(&now), "registered");
    assert_eq!(reg.len(), 1);
    let after = reg.stats();
    assert_eq!(
        (after.registered, after.removed, after.rejected, after.clock),
        (
            before.registered,
            before.removed,
            before.rejected,
            before.clock
        ),
        "a refused id is no refusal for room and adds nothing"
    );
    drop((held, now));
    let ended = reg.take(key).unwrap().into_inner().ok().unwrap();
    assert_eq!(inner_name(ended), "registered");
}
