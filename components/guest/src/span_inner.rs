//! What a span records while it is open, shared by both span stores.

use std::sync::{Arc, Mutex};

#[cfg(not(feature = "naive"))]
use wit_resource_registry::Taken;

use crate::clock::tick;
use crate::wrr::telemetry::types::{Attribute, SpanData, SpanEvent, StatusCode};

/// What a live span records until it ends.
pub(crate) struct SpanInner {
    tracer: String,
    name: String,
    parent: Option<u32>,
    attributes: Vec<Attribute>,
    events: Vec<SpanEvent>,
    status: StatusCode,
    message: String,
    start: u64,
}

impl SpanInner {
    pub(crate) fn new(tracer: &str, name: String, parent: Option<u32>) -> Self {
        SpanInner {
            tracer: tracer.to_string(),
            name,
            parent,
            attributes: Vec::new(),
            events: Vec::new(),
            status: StatusCode::Unset,
            message: String::new(),
            start: tick(),
        }
    }

    /// The span's data out of its shared cell: by value when no one else
    /// holds it, otherwise taken out of the cell (leaving an empty span).
    pub(crate) fn from_shared(shared: Arc<Mutex<SpanInner>>) -> Self {
        match Arc::try_unwrap(shared) {
            Ok(mutex) => mutex.into_inner().unwrap_or_else(|p| p.into_inner()),
            Err(shared) => std::mem::replace(
                &mut *crate::lock(&shared),
                SpanInner::new("", String::new(), None),
            ),
        }
    }

    /// The span's data out of what ending it handed back.
    #[cfg(not(feature = "naive"))]
    pub(crate) fn from_taken(taken: Taken<SpanInner>) -> Self {
        match taken.into_inner() {
            Ok(inner) => inner,
            Err(shared) => SpanInner::from_shared(shared),
        }
    }

    pub(crate) fn set_attribute(&mut self, key: String, value: String) {
        self.attributes.push(Attribute { key, value });
    }

    pub(crate) fn add_event(&mut self, name: String) {
        self.events.push(SpanEvent { name, at: tick() });
    }

    pub(crate) fn set_status(&mut self, code: StatusCode, message: String) {
        self.status = code;
        self.message = message;
    }

    pub(crate) fn finish(self, id: u32, unfinished: bool) -> SpanData {
        SpanData {
            id,
            parent: self.parent,
            tracer: self.tracer,
            name: self.name,
            attributes: self.attributes,
            events: self.events,
            status: if unfinished {
                StatusCode::Unfinished
            } else {
                self.status
            },
            status_message: self.message,
            start: self.start,
            end: tick(),
        }
    }
}

/// What `end` returns for a span `shutdown` already ended (and reported).
pub(crate) fn already_ended(id: u32) -> SpanData {
    SpanData {
        id,
        parent: None,
        tracer: String::new(),
        name: String::new(),
        attributes: Vec::new(),
        events: Vec::new(),
        status: StatusCode::Unfinished,
        status_message: "already ended by shutdown".to_string(),
        start: 0,
        end: 0,
    }
}
