//! The exporter: what finished since the last flush, and shutdown.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;

use crate::exports::wrr::telemetry::exporter::{Batch, Guest, GuestExporter};
use crate::wrr::telemetry::types::{LogData, SpanData};
use crate::Component;

struct Pending {
    spans: Vec<SpanData>,
    logs: Vec<LogData>,
}

static PENDING: Mutex<Pending> = Mutex::new(Pending {
    spans: Vec::new(),
    logs: Vec::new(),
});

static SHUT_DOWN: AtomicBool = AtomicBool::new(false);

pub(crate) fn is_shut_down() -> bool {
    SHUT_DOWN.load(Ordering::Relaxed)
}

fn pending() -> std::sync::MutexGuard<'static, Pending> {
    crate::lock(&PENDING)
}

pub(crate) fn finished_span(data: SpanData) {
    if !is_shut_down() {
        pending().spans.push(data);
    }
}

pub(crate) fn emitted_log(data: LogData) {
    if !is_shut_down() {
        pending().logs.push(data);
    }
}

fn take_batch() -> Batch {
    let (spans, logs) = {
        let mut p = pending();
        (std::mem::take(&mut p.spans), std::mem::take(&mut p.logs))
    };
    Batch {
        spans,
        logs,
        metrics: crate::metrics::collect_all(),
    }
}

pub(crate) struct MyExporter;

impl GuestExporter for MyExporter {
    fn new() -> Self {
        MyExporter
    }

    fn force_flush(&self) -> Batch {
        take_batch()
    }

    fn shutdown(&self) -> Batch {
        // Drained before the flag flips, and outside the PENDING lock: the
        // registries hand each entry to us exactly once.
        let ended = crate::spans::drain_open();
        let unemitted = crate::logs::drain_unemitted();
        {
            let mut p = pending();
            p.spans.extend(ended);
            p.logs.extend(unemitted);
        }
        let batch = take_batch();
        SHUT_DOWN.store(true, Ordering::Relaxed);
        batch
    }
}

impl Guest for Component {
    type Exporter = MyExporter;
}
