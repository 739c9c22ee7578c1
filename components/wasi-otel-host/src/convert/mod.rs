//! What a guest reports, checked and turned into the OpenTelemetry SDK's
//! own types. A guest is not trusted: each kind of bad input has one
//! defined outcome, counted in [`Drops`], and never a host panic.
//!
//! | input | outcome |
//! |---|---|
//! | trace or span id with fewer than 32/16 hex digits (`opentelemetry-wasi` writes them so) | left-padded with zeros (`padded_ids`) |
//! | upper-case hex digits in an id | read as lower-case (`uppercase_ids`) |
//! | trace or span id that is not 1 to 32/16 hex digits, or all zero ([`ids`]) | span dropped (`invalid_ids`) |
//! | parent id empty or all zeros (W3C's invalid id) | a root span, as meant |
//! | parent id malformed | span kept as a root (`bad_parents`) |
//! | log record whose trace or span id is malformed | record kept without them (`bad_log_ids`) |
//! | end before start | end clamped to start (`clamped_ends`) |
//! | a span id that already ended (among the last [`RECENT_ENDS`]) | dropped (`ended_twice`) |
//! | `on-start` or `on-end` of a span of the host's (its context from `outer-span-context`) | refused: the host's end is the one exported (`host_spans_refused`) |
//! | more attributes, events or links than their count limit ([`limits`], 128 by default), or past the item's byte bound | the rest dropped, in the item's own dropped counts (and `over_limits`) |
//! | an attribute value, name, status message or log body text longer than its length limit ([`limits`]) | cut to the limit (`truncated`) |
//! | attribute text that is not rc.2's JSON (`NaN`, bare words, maps on spans) | kept as a string of the text (`not_json`) |
//! | invalid tracestate | span kept without it (`bad_trace_states`) |
//! | log severity number outside 1..=24 | left unset (`bad_severities`) |
//! | non-finite double in a metric point | point dropped (`non_finite_points`) |
//! | histogram point whose bucket counts do not match its bounds (one more count than bounds), whose bounds do not strictly increase, or whose bucket counts do not add up to its count | point dropped (`invalid_histograms`) |
//! | unsigned metric value above the signed 64-bit maximum | sent as a double (`large_unsigned`) |

pub mod ids;
pub mod limits;
pub(crate) mod logs;
pub(crate) mod spans;
pub(crate) mod values;

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::Datetime;

pub use spans::{MAX_ATTRIBUTES, RECENT_ENDS};

/// How many of each kind of bad input a pipeline met (see the module docs
/// for what each one got). Its `Display` says, for each count that is not
/// zero, what it counts.
///
/// ```
/// let mut drops = wasi_otel_host::Drops::default();
/// assert!(drops.is_empty());
/// drops.padded_ids = 2;
/// drops.bad_log_ids = 1;
/// assert_eq!(
///     drops.to_string(),
///     "2 ids with fewer hex digits left-padded, 1 malformed log record ids dropped (records kept)"
/// );
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Drops {
    /// Spans dropped for ids that name no span.
    pub invalid_ids: u64,
    /// Trace, span and parent ids (of spans, links and log records) written
    /// with fewer than 32/16 hex digits, read left-padded with zeros.
    pub padded_ids: u64,
    /// Ids written with upper-case hex digits, read as lower-case.
    pub uppercase_ids: u64,
    /// Spans whose malformed parent id was dropped.
    pub bad_parents: u64,
    /// Log records whose malformed trace or span id was dropped (the record
    /// itself kept).
    pub bad_log_ids: u64,
    /// Spans whose end came before their start.
    pub clamped_ends: u64,
    /// Second ends of one span, dropped.
    pub ended_twice: u64,
    /// A guest's `on-start` or `on-end` of a span of the host's, refused.
    pub host_spans_refused: u64,
    /// Attributes, events and links left out: past their count limit, or
    /// past the item's byte bound ([`limits`]).
    pub over_limits: u64,
    /// Attribute values, names, messages and log bodies cut to their length
    /// limit ([`limits`]).
    pub truncated: u64,
    /// Attribute values that were not JSON, kept as text.
    pub not_json: u64,
    /// Tracestates that were not valid W3C tracestate.
    pub bad_trace_states: u64,
    /// Log severity numbers outside 1..=24.
    pub bad_severities: u64,
    /// Metric points with a NaN or infinite value, dropped.
    pub non_finite_points: u64,
    /// Histogram points that contradict themselves (bucket counts that do
    /// not match the bounds, bounds that do not increase, bucket counts
    /// that do not add up to the count), dropped.
    pub invalid_histograms: u64,
    /// Unsigned metric values above the signed 64-bit maximum, which OTLP's
    /// integers cannot hold, sent as doubles.
    pub large_unsigned: u64,
}

impl Drops {
    /// True when nothing was dropped or changed.
    pub fn is_empty(&self) -> bool {
        *self == Drops::default()
    }
}

impl std::fmt::Display for Drops {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let all = [
            ("spans with invalid ids dropped", self.invalid_ids),
            ("ids with fewer hex digits left-padded", self.padded_ids),
            ("upper-case ids read as lower-case", self.uppercase_ids),
            ("malformed parent ids dropped", self.bad_parents),
            (
                "malformed log record ids dropped (records kept)",
                self.bad_log_ids,
            ),
            ("ends before starts clamped", self.clamped_ends),
            ("second ends dropped", self.ended_twice),
            (
                "guest starts or ends of the host's spans refused",
                self.host_spans_refused,
            ),
            (
                "attributes/events/links over the limits dropped",
                self.over_limits,
            ),
            ("texts cut to the length limit", self.truncated),
            ("values that were not JSON kept as text", self.not_json),
            ("invalid tracestates dropped", self.bad_trace_states),
            ("invalid severities dropped", self.bad_severities),
            ("non-finite metric points dropped", self.non_finite_points),
            (
                "self-contradicting histogram points dropped",
                self.invalid_histograms,
            ),
            (
                "unsigned values over the signed 64-bit maximum sent as doubles",
                self.large_unsigned,
            ),
        ];
        let said: Vec<String> = all
            .iter()
            .filter(|(_, n)| *n > 0)
            .map(|(what, n)| format!("{} {}", n, what))
            .collect();
        f.write_str(&said.join(", "))
    }
}

/// A `wasi:clocks` time as a `SystemTime` (saturating far in the future).
pub(crate) fn system_time(t: Datetime) -> SystemTime {
    UNIX_EPOCH
        .checked_add(Duration::new(t.seconds, t.nanoseconds.min(999_999_999)))
        .unwrap_or(UNIX_EPOCH + Duration::from_secs(u32::MAX as u64))
}
