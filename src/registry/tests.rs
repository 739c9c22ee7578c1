//! The registry as a whole: statics, limits, exhaustion, order.

use super::*;
use crate::key::MAX_ISSUED;

#[test]
fn a_limit_above_what_fits_means_what_fits_everywhere() {
    let reg: ResourceRegistry<u8> = ResourceRegistry::with_limit(MAX_ISSUED + 1);
    assert_eq!(reg.stats().limit, Some(MAX_ISSUED));
    reg.set_limit(Some(usize::MAX));
    assert_eq!(reg.stats().limit, Some(MAX_ISSUED));
    reg.set_limit(None);
    assert_eq!(reg.stats().limit, None);
}

fn val<V>(v: V) -> Value<V> {
    Arc::new(std::sync::Mutex::new(v))
}

#[test]
fn registry_is_send_sync_and_static() {
    fn assert_send_sync<X: Send + Sync>() {}
    assert_send_sync::<ResourceRegistry<String>>();
    static R: ResourceRegistry<String> = ResourceRegistry::new();
    let span = R.register(val("x".to_string()));
    assert!(span.take().is_ok());
}

#[test]
fn full_registry_refuses_without_losing_values() {
    let reg = ResourceRegistry::with_limit(2);
    let a = reg.try_register(val(1)).unwrap();
    let b = reg.try_register(val(2)).unwrap();
    let refused = reg.try_register(val(3)).unwrap_err();
    assert_eq!(*refused.into_value().lock().unwrap(), 3);
    let back = reg.insert(99, val(4)).unwrap();
    assert_eq!(*back.lock().unwrap(), 4);
    let kept = reg.register(val(5));
    assert_eq!(kept.refusal(), Some(Error::Full { limit: 2 }));
    assert_eq!(kept.take().unwrap().into_inner().ok(), Some(5));
    assert_eq!(reg.stats().rejected, 3);
    assert!(reg.take(a).is_ok());
    assert!(reg.try_register(val(6)).is_ok());
    assert!(reg.get(b).is_some());
    assert_eq!(reg.stats().high_water, 2);
}

#[test]
fn running_out_of_slots_refuses_hands_back_and_leaves_no_trace() {
    let reg = ResourceRegistry::new();
    for _ in 0..MAX_ISSUED {
        assert!(reg.try_register(val(())).is_ok());
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
    let keys: Vec<u32> = (0..1000)
        .map(|n| reg.try_register(val(n)).unwrap().into_raw())
        .collect();
    for (n, &k) in keys.iter().enumerate() {
        assert_eq!(*reg.get(Key::from_raw(k)).unwrap().lock().unwrap(), n);
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
    let mut values: Vec<usize> = reg.drain().map(|(_, mut v)| v.with(|v| *v)).collect();
    values.sort_unstable();
    assert_eq!(values, (0..1000).collect::<Vec<_>>(), "each once");
}

/// The figure "Costs and limits" gives, where it was measured.
#[cfg(all(target_arch = "x86_64", target_os = "linux"))]
#[test]
fn a_registry_is_the_size_the_docs_say() {
    assert_eq!(std::mem::size_of::<ResourceRegistry<u8>>(), 4_480);
}
