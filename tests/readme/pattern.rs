static SPANS: ResourceRegistry<SpanInner> = ResourceRegistry::with_limit(1024);

/// What the exported `span` resource holds: its registration. A WIT
/// constructor cannot return an error, so at the limit the guard keeps the
/// value instead of registering it: no trap, nothing lost, the same end.
pub struct MySpan {
    entry: Registration<'static, SpanInner>,
}

impl GuestSpan for MySpan {
    fn new(name: String) -> Self {
        MySpan {
            entry: SPANS.register(Arc::new(Mutex::new(SpanInner::new(name)))),
        }
    }

    fn end(this: Span) {
        // `this.handle()` is NOT an identity; the guard inside the struct is.
        // `take` ends the entry whatever clones of it exist (a child holding
        // its parent, a flush on another thread), and hands a kept value back
        // the same way. `Err` only when something really ended it first: the
        // shutdown drain below, which exported it then.
        if let Ok(mut span) = this.into_inner::<MySpan>().entry.take() {
            span.with(|inner| export(inner.finish()));
        }
    }
}

/// At shutdown: end what the caller never ended, exactly once.
pub fn shutdown() {
    for (_key, mut span) in SPANS.drain() {
        span.with(|inner| export(inner.finish_unended()));
    }
}
