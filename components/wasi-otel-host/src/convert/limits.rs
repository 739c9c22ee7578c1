//! What one span, log record or metric point may hold: OpenTelemetry's
//! attribute limits, read from its standard variables, and a bound on each
//! item's size of the host's own.
//!
//! The specification leaves attribute values unlimited by default. A host
//! serving guests it does not trust cannot: a 10 MB value would make the
//! batch that carries it too large for any receiver, legitimate telemetry
//! included. So the value length has a default here
//! ([`DEFAULT_VALUE_LENGTH`]), and what one item holds is bounded in bytes
//! ([`Limits::item_bytes`]): past it, the item's further attributes (and a
//! span's events and links) are dropped, into the item's own dropped counts.
//! Each cut is counted in [`Drops`](super::Drops): `truncated` for text cut
//! to its length, `over_limits` for what was left out.

use crate::otlp::config::ConfigError;

/// Characters an attribute value, name or message keeps when no variable
/// says otherwise.
pub const DEFAULT_VALUE_LENGTH: usize = 16_384;

/// Attributes (and events, links) an item keeps when no variable says
/// otherwise: the specification's default.
pub const DEFAULT_COUNT: usize = 128;

/// Bytes of attributes, events and links one item keeps at most.
pub const DEFAULT_ITEM_BYTES: usize = 256 * 1024;

/// The limits a pipeline applies to what guests send.
///
/// ```
/// use wasi_otel_host::convert::limits::Limits;
/// let limits = Limits::from_lookup(|v| match v {
///     "OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT" => Some("100".into()),
///     "OTEL_SPAN_EVENT_COUNT_LIMIT" => Some("10".into()),
///     _ => None,
/// })?;
/// assert_eq!(limits.span_attribute_value_length, 100);
/// assert_eq!(limits.log_attribute_value_length, 100);
/// assert_eq!(limits.span_event_count, 10);
/// assert_eq!(limits.span_attribute_count, 128);
/// assert!(Limits::from_lookup(|_| Some("-1".into())).is_err());
/// # Ok::<(), wasi_otel_host::otlp::config::ConfigError>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Limits {
    /// `OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT`, else `OTEL_ATTRIBUTE_COUNT_LIMIT`.
    pub span_attribute_count: usize,
    /// `OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT`, else
    /// `OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT`: also a span's name, its events'
    /// names and its status message.
    pub span_attribute_value_length: usize,
    /// `OTEL_SPAN_EVENT_COUNT_LIMIT`.
    pub span_event_count: usize,
    /// `OTEL_SPAN_LINK_COUNT_LIMIT`.
    pub span_link_count: usize,
    /// `OTEL_EVENT_ATTRIBUTE_COUNT_LIMIT`.
    pub event_attribute_count: usize,
    /// `OTEL_LINK_ATTRIBUTE_COUNT_LIMIT`.
    pub link_attribute_count: usize,
    /// `OTEL_LOGRECORD_ATTRIBUTE_COUNT_LIMIT`, else `OTEL_ATTRIBUTE_COUNT_LIMIT`.
    pub log_attribute_count: usize,
    /// `OTEL_LOGRECORD_ATTRIBUTE_VALUE_LENGTH_LIMIT`, else
    /// `OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT`: also each text in a log body.
    pub log_attribute_value_length: usize,
    /// `OTEL_ATTRIBUTE_COUNT_LIMIT`: metric points', scopes' and resources'
    /// attributes.
    pub attribute_count: usize,
    /// `OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT`: metric attributes, metric
    /// names, descriptions and units.
    pub attribute_value_length: usize,
    /// Bytes of attributes, events and links one span, log record or metric
    /// point keeps ([`DEFAULT_ITEM_BYTES`]; the host's own bound).
    pub item_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            span_attribute_count: DEFAULT_COUNT,
            span_attribute_value_length: DEFAULT_VALUE_LENGTH,
            span_event_count: DEFAULT_COUNT,
            span_link_count: DEFAULT_COUNT,
            event_attribute_count: DEFAULT_COUNT,
            link_attribute_count: DEFAULT_COUNT,
            log_attribute_count: DEFAULT_COUNT,
            log_attribute_value_length: DEFAULT_VALUE_LENGTH,
            attribute_count: DEFAULT_COUNT,
            attribute_value_length: DEFAULT_VALUE_LENGTH,
            item_bytes: DEFAULT_ITEM_BYTES,
        }
    }
}

impl Limits {
    /// The limits the process environment sets.
    pub fn from_env() -> Result<Limits, ConfigError> {
        Self::from_lookup(|v| std::env::var(v).ok())
    }

    /// The limits `lookup` (a variable's value by its name) sets; a value
    /// that is not a whole number is an error naming the variable.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Limits, ConfigError> {
        let number = |name: &str| -> Result<Option<usize>, ConfigError> {
            match lookup(name).filter(|v| !v.trim().is_empty()) {
                None => Ok(None),
                Some(text) => text.trim().parse().map(Some).map_err(|_| ConfigError {
                    variable: name.to_string(),
                    value: text,
                    reason: "not a whole number",
                }),
            }
        };
        let d = Limits::default();
        let count = number("OTEL_ATTRIBUTE_COUNT_LIMIT")?.unwrap_or(d.attribute_count);
        let length =
            number("OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT")?.unwrap_or(d.attribute_value_length);
        let or =
            |name: &str, default: usize| Ok::<_, ConfigError>(number(name)?.unwrap_or(default));
        Ok(Limits {
            span_attribute_count: or("OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT", count)?,
            span_attribute_value_length: or("OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT", length)?,
            span_event_count: or("OTEL_SPAN_EVENT_COUNT_LIMIT", d.span_event_count)?,
            span_link_count: or("OTEL_SPAN_LINK_COUNT_LIMIT", d.span_link_count)?,
            event_attribute_count: or("OTEL_EVENT_ATTRIBUTE_COUNT_LIMIT", d.event_attribute_count)?,
            link_attribute_count: or("OTEL_LINK_ATTRIBUTE_COUNT_LIMIT", d.link_attribute_count)?,
            log_attribute_count: or("OTEL_LOGRECORD_ATTRIBUTE_COUNT_LIMIT", count)?,
            log_attribute_value_length: or("OTEL_LOGRECORD_ATTRIBUTE_VALUE_LENGTH_LIMIT", length)?,
            attribute_count: count,
            attribute_value_length: length,
            item_bytes: d.item_bytes,
        })
    }

    /// The same limits, with `bytes` as the bound on one item's size.
    pub fn with_item_bytes(mut self, bytes: usize) -> Self {
        self.item_bytes = bytes;
        self
    }
}

/// `text` cut to `length` characters, counted in `truncated` when cut.
pub(crate) fn cut(text: String, length: usize, truncated: &mut u64) -> String {
    match text.char_indices().nth(length) {
        Some((end, _)) => {
            *truncated += 1;
            let mut text = text;
            text.truncate(end);
            text
        }
        None => text,
    }
}

/// What is left of one item's byte bound as its attributes are added.
pub(crate) struct Budget(usize);

impl Budget {
    pub(crate) fn new(limits: &Limits) -> Self {
        Budget(limits.item_bytes)
    }

    /// Takes `bytes` from the budget; false (and nothing taken) when they do
    /// not fit.
    pub(crate) fn take(&mut self, bytes: usize) -> bool {
        match self.0.checked_sub(bytes) {
            Some(left) => {
                self.0 = left;
                true
            }
            None => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_cut_at_characters_not_bytes() {
        let mut truncated = 0;
        assert_eq!(cut("héllo".into(), 2, &mut truncated), "hé");
        assert_eq!(cut("hé".into(), 2, &mut truncated), "hé");
        assert_eq!(cut(String::new(), 0, &mut truncated), "");
        assert_eq!(truncated, 1);
    }

    #[test]
    fn a_budget_refuses_what_does_not_fit_and_keeps_the_rest() {
        let mut budget = Budget::new(&Limits::default().with_item_bytes(10));
        assert!(budget.take(6));
        assert!(!budget.take(5));
        assert!(budget.take(4));
        assert!(!budget.take(1));
    }
}
