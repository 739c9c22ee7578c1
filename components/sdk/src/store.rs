//! The registry everything a provider owns lives in: the provider itself, its
//! open spans and its meters, one `static` `ResourceRegistry`.
//!
//! Spans and meters are registered as children of their provider, so that
//! the provider's shutdown takes the whole tree, each entry exactly once,
//! whatever the caller forgot. A span's parent span is data (its span
//! context), never a registry parent: OpenTelemetry lets a parent end before
//! its children.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use wit_resource_registry::{Error, Key, Registration, Rejected, ResourceRegistry, Taken};

use crate::aggregation::MeterState;
use crate::exports::wrr::otel::metrics::Temporality;
use crate::span_state::SpanState;
use crate::wasi::clocks::wall_clock::Datetime;
use crate::wasi::otel::types::Resource;

/// The default bound on live entries (spans, providers, meters); admin's
/// `set-limit` changes it.
pub(crate) const DEFAULT_LIMIT: usize = 10_000;

/// Every provider, span and meter alive.
pub(crate) static NODES: ResourceRegistry<Node> = ResourceRegistry::with_limit(DEFAULT_LIMIT);

/// One registry entry.
pub(crate) enum Node {
    /// A provider: the root its spans and meters hang from.
    Provider,
    /// An open span (never constructed by the naive span store).
    #[cfg_attr(feature = "naive", allow(dead_code))]
    Span(SpanState),
    /// A meter and its instruments' data.
    Meter(MeterState),
}

/// What every handle made by a provider shares with it.
pub(crate) struct ProviderShared {
    /// A number for this provider (unique in the instance).
    pub(crate) id: u64,
    pub(crate) resource: Resource,
    pub(crate) temporality: Temporality,
    /// When its metrics started (cumulative start time).
    pub(crate) start: Datetime,
    /// The last collection (delta start time).
    pub(crate) last_collect: Mutex<Datetime>,
    pub(crate) shut_down: AtomicBool,
    /// True for the SDK's own benchmark provider: nothing reported.
    pub(crate) silent: bool,
}

impl ProviderShared {
    pub(crate) fn is_shut_down(&self) -> bool {
        self.shut_down.load(Ordering::Acquire)
    }
}

/// A provider as its tracers, loggers and meters see it.
#[derive(Clone)]
pub(crate) struct ProviderRef {
    /// Its registry key; `None` if the registry refused it (it still works,
    /// its spans are then registered as roots).
    pub(crate) key: Option<Key<Node>>,
    pub(crate) shared: Arc<ProviderShared>,
}

/// A registration held by a resource's implementation struct.
pub(crate) type Entry = Registration<'static, Node>;

/// A node the registry refused, handed back with the reason: nothing is
/// dropped on the way, the caller decides what becomes of it.
pub(crate) type Refused = Rejected<Arc<Mutex<Node>>>;

/// Registers `node` under `parent` (or as a root); a node the registry
/// refuses (full, or out of keys) comes back in `Err` with the reason.
pub(crate) fn register(parent: &ProviderRef, node: Node) -> Result<Entry, Refused> {
    let value = Arc::new(Mutex::new(node));
    let entry = match parent.key {
        Some(key) => NODES.register_child(key, value),
        None => NODES.register(value),
    };
    match entry.into_result() {
        // The provider's handle was dropped (its entry with it): the node
        // still works, as a root; the same `Arc` is registered again.
        Err(refused) if refused.error() == Error::NotFound => {
            NODES.register(refused.into_value()).into_result()
        }
        result => result,
    }
}

/// What `limit-reached` carries for a refusal: the limit the registry
/// refused at (the one in force for a refusal that names none); `u32::MAX`
/// for no limit. The refused node, which nothing has seen (a span not
/// started, a meter with no measurement), is dropped here.
pub(crate) fn limit_reached(refused: Refused) -> u32 {
    let limit = match refused.error() {
        Error::Full { limit } => Some(limit),
        // Read from the stats, which lock every shard: only on a refusal.
        _ => NODES.stats().limit,
    };
    drop(refused.into_value());
    limit.map_or(u32::MAX, |l| l.min(u32::MAX as usize) as u32)
}

/// Runs `f` on the entry of `key`, if it is still there.
pub(crate) fn with<R>(key: Key<Node>, f: impl FnOnce(&mut Node) -> R) -> Option<R> {
    let node = NODES.get(key)?;
    let mut node = crate::lock::lock(&node);
    Some(f(&mut node))
}

/// Takes `entry`'s node out of the registry; `None` if something (a
/// shutdown) took it first. Works whatever clones of the value exist.
#[cfg_attr(feature = "naive", allow(dead_code))]
pub(crate) fn take(entry: Entry) -> Option<Node> {
    entry.take().ok().map(into_node)
}

/// Takes a provider and everything registered under it, each exactly once,
/// its descendants first.
pub(crate) fn take_tree(root: Key<Node>) -> Vec<Node> {
    NODES
        .take_tree(root)
        .unwrap_or_default()
        .into_iter()
        .map(|(_, taken)| into_node(taken))
        .collect()
}

/// The root entries (spans and meters) of `provider`: those of a provider
/// the registry refused, which could not be registered under it.
pub(crate) fn roots_of(provider: u64) -> Vec<Key<Node>> {
    let mut keys = Vec::new();
    // No registry lock is held while the nodes are looked at.
    for (key, node) in NODES.snapshot() {
        let owner = match &*crate::lock::lock(&node) {
            Node::Span(span) => Some(span.origin.provider),
            Node::Meter(meter) => Some(meter.provider),
            Node::Provider => None,
        };
        if owner == Some(provider) && NODES.parent(key).is_none() {
            keys.push(key);
        }
    }
    keys
}

/// Takes every root entry of `provider` (see [`roots_of`]), each exactly
/// once.
pub(crate) fn take_orphans(provider: u64) -> Vec<Node> {
    roots_of(provider)
        .into_iter()
        .filter_map(|key| NODES.take(key).ok())
        .map(into_node)
        .collect()
}

/// The entries under a provider: its meters and its open spans.
pub(crate) fn children(parent: Key<Node>) -> Vec<Key<Node>> {
    NODES.children(parent)
}

/// The node out of what `take` handed over: moved out directly when owned,
/// from under its lock when some clone still shares it (a provider
/// placeholder is left in the shared cell, which is gone from the registry).
fn into_node(taken: Taken<Node>) -> Node {
    match taken {
        Taken::Owned(node) => node,
        Taken::Shared(shared) => {
            std::mem::replace(&mut *crate::lock::lock(&shared), Node::Provider)
        }
    }
}
