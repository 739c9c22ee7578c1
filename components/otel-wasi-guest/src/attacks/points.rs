//! `points N`: one `metrics.export` carrying a gauge (`attack.points`) of N
//! points, each with an attribute set of its own (`point` = I, value I).

use crate::bindings::wasi::otel::metrics;

pub fn run(n: u64) {
    let points = (0..n)
        .map(|i| metrics::GaugeDataPoint {
            attributes: vec![super::key_value("point", &i.to_string())],
            value: metrics::MetricNumber::S64(i as i64),
            exemplars: Vec::new(),
        })
        .collect();
    let export = metrics::ResourceMetrics {
        resource: super::resource(),
        scope_metrics: vec![metrics::ScopeMetrics {
            scope: super::scope("attack-points"),
            metrics: vec![metrics::Metric {
                name: "attack.points".to_string(),
                description: "one point per attribute set".to_string(),
                unit: "1".to_string(),
                data: metrics::MetricData::S64Gauge(metrics::Gauge {
                    data_points: points,
                    start_time: None,
                    time: super::now(),
                }),
            }],
        }],
    };
    if let Err(e) = metrics::export(&export) {
        eprintln!("otel-wasi-guest: attack points: the host refused the export: {e}");
    }
}
