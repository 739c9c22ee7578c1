//! The benchmark floor: a span resource whose data (made exactly as the
//! tracer makes it: random ids, start time) lives inline in the
//! implementation struct, with no registry. What the SDK costs without it.

use std::cell::RefCell;

use crate::exports::wrr::otel::admin::{GuestPlainSpan, PlainSpan};
use crate::exports::wrr::otel::types::Value;
use crate::span_state::SpanState;

/// The implementation of `plain-span`.
pub(crate) struct PlainSpanImpl {
    state: RefCell<SpanState>,
}

impl GuestPlainSpan for PlainSpanImpl {
    fn new(name: String) -> Self {
        let state = super::new_state(name);
        // Current while open, as a registered span is.
        crate::span_state::started(&state.context, state.origin.silent);
        PlainSpanImpl {
            state: RefCell::new(state),
        }
    }

    fn set_attribute(&self, key: String, value: String) {
        self.state
            .borrow_mut()
            .set_attribute(key, Value::String(value));
    }

    fn finish(this: PlainSpan) -> u64 {
        let span: PlainSpanImpl = this.into_inner();
        let state = span.state.into_inner();
        let id = state.context.span_id;
        // The admin provider is silent: ending reports nothing, as in churn.
        state.end(None);
        id
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
