//! The benchmark floor: a span resource whose data lives inline in the
//! implementation struct, with no registry. What wit-bindgen alone costs.

use std::cell::RefCell;

use crate::exports::wrr::telemetry::admin::{GuestPlainSpan, PlainSpan};
use crate::span_inner::SpanInner;

pub(crate) struct MyPlainSpan {
    inner: RefCell<SpanInner>,
}

impl GuestPlainSpan for MyPlainSpan {
    fn new(name: String) -> Self {
        MyPlainSpan {
            inner: RefCell::new(SpanInner::new("plain", name, None)),
        }
    }

    fn set_attribute(&self, key: String, value: String) {
        self.inner.borrow_mut().set_attribute(key, value);
    }

    fn finish(this: PlainSpan) -> u64 {
        let span: MyPlainSpan = this.into_inner();
        span.inner.into_inner().finish(0, false).end
    }
}

/// `n` lifecycles like `spans::churn`, minus the registry.
pub(crate) fn churn(n: u32) -> u64 {
    let mut ended = 0;
    for i in 0..n {
        let span = PlainSpan::new(MyPlainSpan::new(String::new()));
        span.get::<MyPlainSpan>()
            .set_attribute("i".into(), i.to_string());
        let span: MyPlainSpan = span.into_inner();
        std::hint::black_box(span.inner.into_inner().finish(0, false));
        ended += 1;
    }
    ended
}
