static SPANS: ResourceRegistry<SpanInner> = ResourceRegistry::with_limit(1024);

/// What the exported `span` resource holds. A WIT constructor cannot return
/// an error, so a span refused at the limit keeps its value and lives on
/// unregistered: no trap, nothing lost.
pub struct MySpan {
    entry: Result<Registration<'static, SpanInner>, Rejected<Arc<Mutex<SpanInner>>>>,
}

impl GuestSpan for MySpan {
    fn new(name: String) -> Self {
        let inner = Arc::new(Mutex::new(SpanInner::new(name)));
        MySpan {
            entry: SPANS.register_guarded(inner),
        }
    }

    fn end(this: Span) {
        // `this.handle()` is NOT an identity; the guard inside the struct is.
        let span: MySpan = this.into_inner::<MySpan>();
        match span.entry {
            // Ends the entry whatever clones of it exist (a child holding its
            // parent, a flush on another thread): owned or shared, never lost.
            Ok(entry) => match entry.take() {
                Ok(mut taken) => taken.with(|inner| export(inner.finish())),
                // Only when something really ended it first: the shutdown
                // drain below, which exported it then.
                Err(_already_ended) => {}
            },
            Err(refused) => Taken::from(refused.into_value()).with(|inner| export(inner.finish())),
        }
    }
}

/// At shutdown: end what the caller never ended, exactly once.
pub fn shutdown() {
    SPANS.drain_with(|_key, mut span| span.with(|inner| export(inner.finish_unended())));
}
