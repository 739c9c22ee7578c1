//! The benchmark floor: a span resource whose data lives inline in the
//! implementation struct, with no registry. What wit-bindgen alone costs.

use std::cell::RefCell;

use crate::exports::wrr::otel::admin::{GuestPlainSpan, PlainSpan};

/// The implementation of `plain-span`.
pub(crate) struct PlainSpanImpl {
    attributes: RefCell<Vec<(String, String)>>,
}

impl GuestPlainSpan for PlainSpanImpl {
    fn new(_name: String) -> Self {
        PlainSpanImpl {
            attributes: RefCell::new(Vec::new()),
        }
    }

    fn set_attribute(&self, key: String, value: String) {
        self.attributes.borrow_mut().push((key, value));
    }

    fn finish(this: PlainSpan) -> u64 {
        let span: PlainSpanImpl = this.into_inner();
        span.attributes.into_inner().len() as u64
    }
}

/// `n` lifecycles like `admin.churn`, minus the registry.
pub(crate) fn churn(n: u32) -> u64 {
    let mut ended = 0;
    for i in 0..n {
        let span = PlainSpan::new(PlainSpanImpl::new(String::new()));
        span.get::<PlainSpanImpl>()
            .set_attribute("i".into(), i.to_string());
        std::hint::black_box(PlainSpanImpl::finish(span));
        ended += 1;
    }
    ended
}
