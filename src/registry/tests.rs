//! The registry as a whole: statics, limits, exhaustion, order.

use super::*;
use crate::key::MAX_ISSUED;

fn val<V>(v: V) -> Value<V> {
    Arc::new(std::sync::Mutex::new(v))
}

#[test]
fn registry_is_send_sync_and_static() {
    fn assert_send_sync<X: Send + Sync>() {}
    assert_send_sync::<ResourceRegistry<String>>();
    static R: ResourceRegistry<String> = ResourceRegistry::new();
    let id = R.register(val("x".to_string()));
    assert!(R.remove(id).is_some());
}

#[test]
fn full_registry_refuses_without_losing_values() {
    let reg = ResourceRegistry::with_limit(2);
    let a = reg.register(val(1));
    let b = reg.try_register(val(2)).unwrap();
    let refused = reg.try_register(val(3)).unwrap_err();
    assert_eq!(*refused.into_value().lock().unwrap(), 3);
    let back = reg.insert(99, val(4)).unwrap();
    assert_eq!(*back.lock().unwrap(), 4);
    assert_eq!(reg.register(val(5)), 0);
    assert_eq!(reg.stats().rejected, 3);
    assert!(reg.remove(a).is_some());
    assert!(reg.try_register(val(6)).is_ok());
    assert!(reg.get(b).is_some());
    assert_eq!(reg.stats().high_water, 2);
}

#[test]
fn running_out_of_slots_refuses_hands_back_and_leaves_no_trace() {
    let reg = ResourceRegistry::new();
    for _ in 0..MAX_ISSUED {
        assert_ne!(reg.register(val(())), 0);
    }
    let before = reg.stats();
    let refused = reg.try_register(val(())).unwrap_err();
    assert_eq!(refused.error(), Error::Exhausted);
    let after = reg.stats();
    assert_eq!(
        after.rejected,
        before.rejected + 1,
        "one refusal, counted once"
    );
    assert_eq!(
        (after.live, after.high_water, after.clock, reg.len()),
        (before.live, before.high_water, before.clock, MAX_ISSUED)
    );
    // Caller-chosen ids do not use slots and still fit.
    assert!(reg.try_insert(1, val(())).is_ok());
}

#[test]
fn registrations_spread_but_every_key_resolves_in_order() {
    let reg = ResourceRegistry::new();
    let keys: Vec<u32> = (0..1000).map(|n| reg.register(val(n))).collect();
    for (n, &k) in keys.iter().enumerate() {
        assert_eq!(*reg.get(k).unwrap().lock().unwrap(), n);
    }
    let report: Vec<u32> = reg
        .leak_report()
        .entries
        .iter()
        .map(|l| l.key.into_raw())
        .collect();
    assert_eq!(
        report, keys,
        "one thread's entries are reported oldest first"
    );
    let mut values: Vec<usize> = reg
        .drain()
        .iter()
        .map(|(_, v)| *v.lock().unwrap())
        .collect();
    values.sort_unstable();
    assert_eq!(values, (0..1000).collect::<Vec<_>>(), "each once");
}
