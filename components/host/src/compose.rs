//! Composing an app component with the SDK component (wac-graph): the
//! SDK's exports satisfy the app's `wrr:otel` imports, and the result
//! imports what both still need. The build script composes the Rust app
//! this way (it includes this file); the host composes apps built in other
//! languages at run time.

/// `app` with `sdk` plugged into its imports, encoded as one component.
///
/// ```
/// let composed = telemetry_host::compose::compose(
///     telemetry_host::APP_COMPONENT,
///     telemetry_host::SDK_COMPONENT,
/// )?;
/// wasmtime::component::Component::new(telemetry_host::engine(), &composed)?;
/// # Ok::<(), Box<dyn std::error::Error + Send + Sync>>(())
/// ```
pub fn compose(
    app: &[u8],
    sdk: &[u8],
) -> Result<Vec<u8>, Box<dyn std::error::Error + Send + Sync>> {
    let mut graph = wac_graph::CompositionGraph::new();
    let app = wac_graph::types::Package::from_bytes("wrr:app", None, app, graph.types_mut())?;
    let app = graph.register_package(app)?;
    let sdk = wac_graph::types::Package::from_bytes("wrr:sdk", None, sdk, graph.types_mut())?;
    let sdk = graph.register_package(sdk)?;
    wac_graph::plug(&mut graph, vec![sdk], app)?;
    Ok(graph.encode(wac_graph::EncodeOptions::default())?)
}
