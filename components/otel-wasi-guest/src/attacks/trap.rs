//! `trap`: three spans started through the SDK (their `on-start` reaches
//! the host), then a panic, which on wasm32-wasip1 aborts: the guest traps
//! (`unreachable`) with the spans open.

use opentelemetry_sdk::trace::SdkTracer;

pub fn run(tracer: &SdkTracer) -> ! {
    super::open_spans(tracer, 3);
    panic!("attack trap: trapping with 3 spans open");
}
