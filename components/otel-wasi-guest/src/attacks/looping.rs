//! `loop`: three spans started through the SDK (their `on-start` reaches
//! the host), then a loop that never ends. Only the host's deadline stops
//! it; the spans never end.

use opentelemetry_sdk::trace::SdkTracer;

pub fn run(tracer: &SdkTracer) -> ! {
    super::open_spans(tracer, 3);
    let mut turns: u64 = 0;
    loop {
        turns = std::hint::black_box(turns.wrapping_add(1));
    }
}
