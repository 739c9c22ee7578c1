//! What a flush or shutdown of a [`Pipeline`](crate::Pipeline) achieved:
//! each signal that did not reach its destination, what was lost, and why.

use std::fmt;

use crate::otlp::config::Signal;
use crate::otlp::reporting::thousands;

/// Telemetry of one signal that did not reach its destination: how much,
/// and why.
///
/// ```
/// use wasi_otel_host::otlp::config::Signal;
/// let failure = wasi_otel_host::ExportFailure {
///     signal: Signal::Traces,
///     destination: Some("grpc to http://localhost:4317".into()),
///     error: "connection refused".into(),
///     lost: 1234,
/// };
/// assert_eq!(
///     failure.to_string(),
///     "traces were not exported (grpc to http://localhost:4317): 1,234 spans lost: connection refused"
/// );
/// ```
#[derive(Clone, Debug)]
pub struct ExportFailure {
    /// Which signal.
    pub signal: Signal,
    /// Where it was going (protocol and endpoint, or `in memory`), if known.
    pub destination: Option<String>,
    /// Why: what the exporter said, or what dropped the items before export
    /// (a full batch queue, a pipeline already shut down).
    pub error: String,
    /// Spans, log records or metric points lost; 0 when not known (a
    /// processor the embedder added, a flush that timed out).
    pub lost: u64,
}

/// What a flush or shutdown achieved: what was lost, if anything.
///
/// The pipeline's own processors and exporters
/// ([`PipelineBuilder::with_otlp`](crate::PipelineBuilder::with_otlp), [`PipelineBuilder::with_memory`](crate::PipelineBuilder::with_memory)) are
/// counted: every span, log record and metric point they lose is in a
/// failure's [`lost`](ExportFailure::lost), once, in the report of the
/// first flush after the loss. Processors and exporters an embedder adds
/// itself (`with_span_processor`, `with_log_processor`,
/// `with_metrics_exporter`) cannot be: only the errors they return are
/// reported.
#[derive(Clone, Debug, Default)]
pub struct ExportReport {
    /// One entry per signal, destination and reason.
    pub failures: Vec<ExportFailure>,
}

impl ExportReport {
    /// `Ok` when every signal was exported, nothing lost.
    pub fn into_result(self) -> Result<(), ExportReport> {
        if self.failures.is_empty() {
            Ok(())
        } else {
            Err(self)
        }
    }

    /// The items of `signal` this report says were lost.
    pub fn lost(&self, signal: Signal) -> u64 {
        self.failures
            .iter()
            .filter(|f| f.signal == signal)
            .map(|f| f.lost)
            .sum()
    }
}

impl fmt::Display for ExportFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} were not exported", self.signal)?;
        if let Some(d) = &self.destination {
            write!(f, " ({})", d)?;
        }
        if self.lost > 0 {
            let items = match self.signal {
                Signal::Traces => "spans",
                Signal::Logs => "log records",
                Signal::Metrics => "metric points",
            };
            write!(f, ": {} {} lost", thousands(self.lost), items)?;
        }
        write!(f, ": {}", self.error)
    }
}

impl std::error::Error for ExportFailure {}

impl fmt::Display for ExportReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, failure) in self.failures.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{}", failure)?;
        }
        Ok(())
    }
}

impl std::error::Error for ExportReport {}
