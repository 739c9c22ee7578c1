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
use wit_resource_registry::ResourceRegistry;

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
    let id: u32 = reg.register(Arc::new(Mutex::new(3)));
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
    let id = SPANS.register(span("static"));
    assert_eq!(name_of(&SPANS.get(id).unwrap()), "static");
    assert!(SPANS.remove(id).is_some());
    assert!(SPANS.is_empty());
}

#[test]
fn handle_numbers_reused_by_the_component_model_do_not_confuse_issued_keys() {
    // What the naive registry gets wrong: three spans all created with
    // handle 1. With issued keys they stay three distinct entries.
    let reg: ResourceRegistry<SpanInner> = ResourceRegistry::new();
    let keys: Vec<u32> = ["a0", "a1", "a2"]
        .iter()
        .map(|n| reg.register(span(n)))
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
