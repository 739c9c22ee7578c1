//! Metric export requests cut to a size every receiver takes.
//!
//! A guest decides how many points one `metrics.export` carries. OTLP
//! receivers refuse large messages whole (gRPC's usual limit is 4 MiB, and
//! OTLP/JSON is two to three times the size of protobuf), legitimate
//! points included. So a request over [`MAX_REQUEST_BYTES`] of protobuf is
//! sent as several, each carrying part of its metrics, a metric's points
//! spread over as many as it needs, with the same resource and scopes.

use opentelemetry_proto::tonic::collector::metrics::v1::ExportMetricsServiceRequest;
use opentelemetry_proto::tonic::metrics::v1::{
    metric::Data, ExponentialHistogram, Gauge, Histogram, Metric, ResourceMetrics, Sum, Summary,
};
use prost::Message;

/// The most protobuf bytes one metric export request carries.
pub const MAX_REQUEST_BYTES: usize = 1 << 20;

/// Data points in `request`.
pub(crate) fn points(request: &ExportMetricsServiceRequest) -> usize {
    metrics(request).map(point_count).sum()
}

fn metrics(request: &ExportMetricsServiceRequest) -> impl Iterator<Item = &Metric> {
    request
        .resource_metrics
        .iter()
        .flat_map(|r| &r.scope_metrics)
        .flat_map(|s| &s.metrics)
}

fn point_count(m: &Metric) -> usize {
    match &m.data {
        Some(Data::Gauge(g)) => g.data_points.len(),
        Some(Data::Sum(s)) => s.data_points.len(),
        Some(Data::Histogram(h)) => h.data_points.len(),
        Some(Data::ExponentialHistogram(h)) => h.data_points.len(),
        Some(Data::Summary(s)) => s.data_points.len(),
        None => 0,
    }
}

/// A field's tag and length prefix, at most, for messages under 2 MiB.
const PREFIX: usize = 6;

/// `request`, as requests of at most `max` bytes each (but for a single
/// point larger than that, which goes alone). Sizes are added up as the
/// parts are placed, so the cut costs one encoding of each part.
pub(crate) fn split(
    request: ExportMetricsServiceRequest,
    max: usize,
) -> Vec<ExportMetricsServiceRequest> {
    if request.encoded_len() <= max {
        return vec![request];
    }
    let budget = max.saturating_sub(4 * PREFIX);
    let mut out = Vec::new();
    for mut resource in request.resource_metrics {
        let scopes = std::mem::take(&mut resource.scope_metrics);
        let empty_resource = resource;
        let base = empty_resource.encoded_len();
        let (mut current, mut len) = (empty_resource.clone(), base);
        for mut scope in scopes {
            let metrics = std::mem::take(&mut scope.metrics);
            let empty_scope = scope;
            let scope_len = empty_scope.encoded_len() + PREFIX;
            let mut open = false;
            let room = budget.saturating_sub(base + scope_len);
            for part in metrics.into_iter().flat_map(|m| halves(m, room)) {
                let part_len = part.encoded_len() + PREFIX;
                let needed = part_len + if open { 0 } else { scope_len };
                if !current.scope_metrics.is_empty() && len + needed > budget {
                    out.push(request_of(std::mem::replace(
                        &mut current,
                        empty_resource.clone(),
                    )));
                    (len, open) = (base, false);
                }
                if !open {
                    current.scope_metrics.push(empty_scope.clone());
                    (len, open) = (len + scope_len, true);
                }
                if let Some(s) = current.scope_metrics.last_mut() {
                    s.metrics.push(part);
                }
                len += part_len;
            }
        }
        if !current.scope_metrics.is_empty() {
            out.push(request_of(current));
        }
    }
    out
}

fn request_of(resource: ResourceMetrics) -> ExportMetricsServiceRequest {
    ExportMetricsServiceRequest {
        resource_metrics: vec![resource],
    }
}

/// `m`, as metrics of at most `max` bytes each, its points halved until
/// they fit (a single point stays whole). Points are moved, never copied,
/// and each half gives back the room of the other: a large export costs
/// its own size once, not once per halving.
fn halves(mut m: Metric, max: usize) -> Vec<Metric> {
    let count = point_count(&m);
    if count <= 1 || m.encoded_len() <= max {
        return vec![m];
    }
    let half = count / 2;
    let data = match &mut m.data {
        Some(Data::Gauge(a)) => Data::Gauge(Gauge {
            data_points: rest(&mut a.data_points, half),
        }),
        Some(Data::Sum(a)) => Data::Sum(Sum {
            data_points: rest(&mut a.data_points, half),
            ..*a
        }),
        Some(Data::Histogram(a)) => Data::Histogram(Histogram {
            data_points: rest(&mut a.data_points, half),
            ..*a
        }),
        Some(Data::ExponentialHistogram(a)) => Data::ExponentialHistogram(ExponentialHistogram {
            data_points: rest(&mut a.data_points, half),
            ..*a
        }),
        Some(Data::Summary(a)) => Data::Summary(Summary {
            data_points: rest(&mut a.data_points, half),
        }),
        None => return vec![m],
    };
    let second = Metric {
        name: m.name.clone(),
        description: m.description.clone(),
        unit: m.unit.clone(),
        metadata: m.metadata.clone(),
        data: Some(data),
    };
    let mut out = halves(m, max);
    out.extend(halves(second, max));
    out
}

/// The points from `half` on, moved out of `points`, which keeps the first
/// `half` and gives back the room of the rest.
fn rest<P>(points: &mut Vec<P>, half: usize) -> Vec<P> {
    let rest = points.split_off(half);
    points.shrink_to_fit();
    rest
}

#[cfg(test)]
mod tests {
    use super::*;
    use opentelemetry_proto::tonic::metrics::v1::{NumberDataPoint, ScopeMetrics};

    fn gauge(name: &str, points: usize) -> Metric {
        Metric {
            name: name.into(),
            data: Some(Data::Gauge(Gauge {
                data_points: (0..points)
                    .map(|i| NumberDataPoint {
                        time_unix_nano: i as u64,
                        ..Default::default()
                    })
                    .collect(),
            })),
            ..Default::default()
        }
    }

    fn request(metrics: Vec<Metric>) -> ExportMetricsServiceRequest {
        request_of(ResourceMetrics {
            scope_metrics: vec![ScopeMetrics {
                metrics,
                ..Default::default()
            }],
            ..Default::default()
        })
    }

    #[test]
    fn a_large_request_is_cut_with_every_point_kept_once() {
        let whole = request(vec![gauge("a", 1000), gauge("b", 10), gauge("c", 3000)]);
        let max = whole.encoded_len() / 7;
        let parts = split(whole.clone(), max);
        assert!(parts.len() >= 7, "{} parts", parts.len());
        assert!(parts.iter().all(|p| p.encoded_len() <= max));
        let mut seen: Vec<(String, u64)> = parts
            .iter()
            .flat_map(|p| metrics(p).cloned().collect::<Vec<_>>())
            .flat_map(|m| match m.data {
                Some(Data::Gauge(g)) => g
                    .data_points
                    .iter()
                    .map(|p| (m.name.clone(), p.time_unix_nano))
                    .collect::<Vec<_>>(),
                _ => Vec::new(),
            })
            .collect();
        seen.sort();
        let mut expected: Vec<(String, u64)> = [("a", 1000), ("b", 10), ("c", 3000)]
            .iter()
            .flat_map(|(n, k)| (0..*k as u64).map(move |i| (n.to_string(), i)))
            .collect();
        expected.sort();
        assert_eq!(seen, expected);
        assert_eq!(parts.iter().map(points).sum::<usize>(), 4010);
    }

    #[test]
    fn a_small_request_goes_as_it_is() {
        let whole = request(vec![gauge("a", 3)]);
        assert_eq!(split(whole.clone(), MAX_REQUEST_BYTES), vec![whole]);
    }
}
