//! The exported `provider` interface: a provider is the root of a registry
//! tree (its spans and meters are its children); `force-flush` exports the
//! metrics, `shutdown` takes the whole tree, ending each forgotten span
//! exactly once.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use crate::aggregation::MeterState;
use crate::clock;
use crate::convert;
use crate::exports::wrr::otel::provider::{
    Guest, GuestProvider, InstrumentationScope, KeyValue, Logger, Meter, OtelError, ProviderConfig,
    Tracer,
};
use crate::exports::wrr::otel::types::Value;
use crate::logs::LoggerImpl;
use crate::metrics::MeterImpl;
use crate::spans;
use crate::store::{self, Entry, Node, ProviderRef, ProviderShared};
use crate::tracing::TracerImpl;
use crate::wasi::otel::metrics::{export, ResourceMetrics};
use crate::wasi::otel::types::Resource;
use crate::Component;

static NEXT_ID: AtomicU64 = AtomicU64::new(1);

/// The implementation of the `provider` resource. The constructor cannot
/// fail: a provider the registry refused still works, unregistered, its
/// node kept in the guard.
pub(crate) struct ProviderImpl {
    provider: ProviderRef,
    /// Holds the tree's root; `Drop` below shuts the provider down before
    /// this guard lets go of it (or of the node it kept, when the registry
    /// refused it).
    _entry: Entry,
}

impl ProviderImpl {
    /// A provider; `silent` ones report nothing (the SDK's own benchmarks).
    pub(crate) fn create(config: ProviderConfig, silent: bool) -> Self {
        let mut attributes = config.resource;
        if !attributes.iter().any(|kv| kv.key == "service.name") {
            attributes.push(KeyValue {
                key: "service.name".into(),
                value: Value::String("unknown_service:wasm".into()),
            });
        }
        let now = clock::now();
        let shared = Arc::new(ProviderShared {
            id: NEXT_ID.fetch_add(1, Ordering::Relaxed),
            resource: Resource {
                attributes: convert::key_values(&attributes),
                schema_url: config.schema_url,
            },
            temporality: config.temporality,
            start: now,
            last_collect: Mutex::new(now),
            shut_down: Default::default(),
            silent,
        });
        // Refused at the registry's limit: the provider still works, its
        // spans and meters are then registered as roots (and counted in the
        // registry's `rejected`); its shutdown finds them by provider id.
        let entry = store::NODES.register(Arc::new(Mutex::new(Node::Provider)));
        let provider = ProviderRef {
            key: entry.key(),
            shared,
        };
        ProviderImpl {
            provider,
            _entry: entry,
        }
    }

    #[cfg(feature = "test-hooks")]
    pub(crate) fn provider(&self) -> &ProviderRef {
        &self.provider
    }

    fn refuse_after_shutdown(&self) -> Result<(), OtelError> {
        if self.provider.shared.is_shut_down() {
            Err(OtelError::ShutDown)
        } else {
            Ok(())
        }
    }

    /// Collects every meter in `meters` and exports one resource-metrics.
    fn export_metrics<'a>(&self, meters: impl Iterator<Item = &'a mut MeterState>) {
        let shared = &self.provider.shared;
        let now = clock::now();
        let start = match shared.temporality {
            crate::exports::wrr::otel::metrics::Temporality::Cumulative => shared.start,
            crate::exports::wrr::otel::metrics::Temporality::Delta => {
                std::mem::replace(&mut *crate::lock::lock(&shared.last_collect), now)
            }
        };
        let scope_metrics: Vec<_> = meters
            .filter_map(|m| m.collect(shared.temporality, start, now))
            .collect();
        if !scope_metrics.is_empty() && !shared.silent {
            // A host refusing the export is its own business: the data was
            // handed over, and OpenTelemetry exporters do not retry here.
            let _ = export(&ResourceMetrics {
                resource: shared.resource.clone(),
                scope_metrics,
            });
        }
    }
}

impl GuestProvider for ProviderImpl {
    fn new(config: ProviderConfig) -> Self {
        ProviderImpl::create(config, false)
    }

    fn tracer(&self, scope: InstrumentationScope) -> Tracer {
        Tracer::new(TracerImpl::new(
            self.provider.clone(),
            convert::scope(&scope),
        ))
    }

    fn logger(&self, scope: InstrumentationScope) -> Logger {
        Logger::new(LoggerImpl::new(
            self.provider.clone(),
            convert::scope(&scope),
        ))
    }

    fn meter(&self, scope: InstrumentationScope) -> Result<Meter, OtelError> {
        self.refuse_after_shutdown()?;
        // The meter lives by its key until the provider's shutdown, whatever
        // becomes of its handle, so that no measurement is lost. Refused: the
        // caller is told, and the meter handed back, which holds no
        // measurement yet, is dropped.
        let key = store::register(
            &self.provider,
            Node::Meter(MeterState::new(
                self.provider.shared.id,
                convert::scope(&scope),
            )),
        )
        .and_then(store::Entry::into_key)
        .map_err(|refused| OtelError::LimitReached(store::limit_reached(refused)))?;
        Ok(Meter::new(MeterImpl::new(key)))
    }

    fn force_flush(&self) -> Result<(), OtelError> {
        self.refuse_after_shutdown()?;
        let keys = match self.provider.key {
            Some(root) => store::children(root),
            None => store::roots_of(self.provider.shared.id),
        };
        let meters: Vec<_> = keys
            .into_iter()
            .filter_map(|key| store::NODES.get(key))
            .collect();
        let mut locked: Vec<_> = meters.iter().map(|m| crate::lock::lock(m)).collect();
        self.export_metrics(locked.iter_mut().filter_map(|node| match &mut **node {
            Node::Meter(meter) => Some(meter),
            _ => None,
        }));
        Ok(())
    }

    fn shutdown(&self) -> Result<(), OtelError> {
        if self.provider.shared.shut_down.swap(true, Ordering::AcqRel) {
            return Err(OtelError::ShutDown);
        }
        let shared = &self.provider.shared;
        let mut nodes = match self.provider.key {
            Some(root) => store::take_tree(root),
            None => store::take_orphans(shared.id),
        };
        let mut meters = Vec::new();
        for node in nodes.drain(..) {
            match node {
                Node::Span(span) => span.end_forgotten(),
                Node::Meter(meter) => meters.push(meter),
                Node::Provider => {}
            }
        }
        for span in spans::take_unregistered(shared.id) {
            span.end_forgotten();
        }
        self.export_metrics(meters.iter_mut());
        Ok(())
    }
}

/// A provider whose handle is dropped is shut down, as opentelemetry-rust's
/// provider is on drop: otherwise the spans the app forgot and the meters'
/// last values would stay registered as roots and never be exported.
impl Drop for ProviderImpl {
    fn drop(&mut self) {
        // Already shut down: nothing left to end.
        let _ = GuestProvider::shutdown(self);
    }
}

impl Guest for Component {
    type Provider = ProviderImpl;
}
