//! What a guest reports, checked and turned into the OpenTelemetry SDK's
//! own types. A guest is not trusted: each kind of bad input has one
//! defined outcome, counted in [`Drops`], and never a host panic.
//!
//! | input | outcome |
//! |---|---|
//! | trace or span id not 32/16 hex digits, or all zero | span dropped (`invalid_ids`) |
//! | parent id malformed | span kept as a root (`bad_parents`) |
//! | end before start | end clamped to start (`clamped_ends`) |
//! | a span id that already ended (among the last [`RECENT_ENDS`]) | dropped (`ended_twice`) |
//! | more than [`MAX_ATTRIBUTES`] attributes, events or links | the rest dropped, in the span's own dropped counts (and `over_limits`) |
//! | attribute text that is not rc.2's JSON (`NaN`, bare words, maps on spans) | kept as a string of the text (`not_json`) |
//! | invalid tracestate | span kept without it (`bad_trace_states`) |
//! | log severity number outside 1..=24 | left unset (`bad_severities`) |
//! | non-finite double in a metric point | point dropped (`non_finite_points`) |

pub(crate) mod logs;
pub(crate) mod spans;
pub(crate) mod values;

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::bindings::sdk::wasi::clocks::wall_clock::Datetime;

pub use spans::{MAX_ATTRIBUTES, RECENT_ENDS};

/// How many of each kind of bad input a pipeline met (see the module docs
/// for what each one got).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Drops {
    /// Spans dropped for ids that name no span.
    pub invalid_ids: u64,
    /// Spans whose malformed parent id was dropped.
    pub bad_parents: u64,
    /// Spans whose end came before their start.
    pub clamped_ends: u64,
    /// Second ends of one span, dropped.
    pub ended_twice: u64,
    /// Attributes, events and links dropped over the limits.
    pub over_limits: u64,
    /// Attribute values that were not JSON, kept as text.
    pub not_json: u64,
    /// Tracestates that were not valid W3C tracestate.
    pub bad_trace_states: u64,
    /// Log severity numbers outside 1..=24.
    pub bad_severities: u64,
    /// Metric points with a NaN or infinite value, dropped.
    pub non_finite_points: u64,
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
            ("malformed parent ids dropped", self.bad_parents),
            ("ends before starts clamped", self.clamped_ends),
            ("second ends dropped", self.ended_twice),
            (
                "attributes/events/links over the limits dropped",
                self.over_limits,
            ),
            ("values that were not JSON kept as text", self.not_json),
            ("invalid tracestates dropped", self.bad_trace_states),
            ("invalid severities dropped", self.bad_severities),
            ("non-finite metric points dropped", self.non_finite_points),
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
