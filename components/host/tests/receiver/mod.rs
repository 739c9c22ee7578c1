//! OTLP receivers on 127.0.0.1 for the export tests: OTLP/HTTP (tiny_http,
//! bodies decoded with prost, or serde for JSON) and OTLP/gRPC
//! (opentelemetry-proto's generated tonic services). Each keeps what it
//! decoded, and refuses the requests it was told to refuse.

#![allow(dead_code)] // each test uses its own part

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use opentelemetry_proto::tonic::collector::logs::v1::logs_service_server::{
    LogsService, LogsServiceServer,
};
use opentelemetry_proto::tonic::collector::logs::v1::{
    ExportLogsServiceRequest, ExportLogsServiceResponse,
};
use opentelemetry_proto::tonic::collector::metrics::v1::metrics_service_server::{
    MetricsService, MetricsServiceServer,
};
use opentelemetry_proto::tonic::collector::metrics::v1::{
    ExportMetricsServiceRequest, ExportMetricsServiceResponse,
};
use opentelemetry_proto::tonic::collector::trace::v1::trace_service_server::{
    TraceService, TraceServiceServer,
};
use opentelemetry_proto::tonic::collector::trace::v1::{
    ExportTraceServiceRequest, ExportTraceServiceResponse,
};
use opentelemetry_proto::tonic::metrics::v1::metric::Data;
use opentelemetry_proto::tonic::trace::v1::Span;
use prost::Message;

/// What a receiver decoded, and every answer it gave.
#[derive(Default, Debug)]
pub struct Received {
    /// Trace requests accepted.
    pub traces: Vec<ExportTraceServiceRequest>,
    /// Log requests accepted.
    pub logs: Vec<ExportLogsServiceRequest>,
    /// Metric requests accepted.
    pub metrics: Vec<ExportMetricsServiceRequest>,
    /// (signal, refused?) of every request, in arrival order.
    pub answers: Vec<(&'static str, bool)>,
    /// Request bodies that did not decode.
    pub undecodable: usize,
    /// The value of header `x-test` of the last request.
    pub header: Option<String>,
}

impl Received {
    /// Every span received.
    pub fn spans(&self) -> Vec<&Span> {
        self.traces
            .iter()
            .flat_map(|t| &t.resource_spans)
            .flat_map(|r| &r.scope_spans)
            .flat_map(|s| &s.spans)
            .collect()
    }

    /// How many log records arrived.
    pub fn log_records(&self) -> usize {
        self.logs
            .iter()
            .flat_map(|l| &l.resource_logs)
            .flat_map(|r| &r.scope_logs)
            .map(|s| s.log_records.len())
            .sum()
    }

    /// How many metric points arrived (number and histogram points).
    pub fn metric_points(&self) -> usize {
        self.metrics
            .iter()
            .flat_map(|m| &m.resource_metrics)
            .flat_map(|r| &r.scope_metrics)
            .flat_map(|s| &s.metrics)
            .map(|m| match &m.data {
                Some(Data::Sum(s)) => s.data_points.len(),
                Some(Data::Gauge(g)) => g.data_points.len(),
                Some(Data::Histogram(h)) => h.data_points.len(),
                Some(Data::ExponentialHistogram(h)) => h.data_points.len(),
                _ => 0,
            })
            .sum()
    }

    /// How many distinct traces the spans belong to.
    pub fn trace_count(&self) -> usize {
        let mut ids: Vec<&[u8]> = self.spans().iter().map(|s| s.trace_id.as_slice()).collect();
        ids.sort();
        ids.dedup();
        ids.len()
    }

    /// The first span whose parent id names no span that arrived in its
    /// trace, if any.
    pub fn orphan(&self) -> Option<String> {
        let spans = self.spans();
        spans
            .iter()
            .filter(|s| !s.parent_span_id.is_empty())
            .find(|s| {
                !spans
                    .iter()
                    .any(|p| p.span_id == s.parent_span_id && p.trace_id == s.trace_id)
            })
            .map(|s| s.name.clone())
    }
}

/// A refusal: answer the next `times` requests of `signal` with `status`
/// (an HTTP status; over gRPC 503 is UNAVAILABLE, 429 RESOURCE_EXHAUSTED
/// and anything else INVALID_ARGUMENT).
#[derive(Clone, Debug)]
pub struct Refusal {
    /// `traces`, `logs` or `metrics`.
    pub signal: &'static str,
    /// The status.
    pub status: u16,
    /// `Retry-After`, in seconds.
    pub retry_after: Option<u64>,
    /// How many requests.
    pub times: usize,
}

#[derive(Default)]
struct State {
    received: Received,
    refusals: HashMap<&'static str, Refusal>,
}

impl State {
    /// The refusal for this request of `signal`, if one is due.
    fn refuse(&mut self, signal: &'static str) -> Option<Refusal> {
        let due = match self.refusals.get_mut(signal) {
            Some(r) if r.times > 0 => {
                r.times -= 1;
                Some(r.clone())
            }
            _ => None,
        };
        self.received.answers.push((signal, due.is_some()));
        due
    }
}

/// A running receiver; it stops when dropped.
pub struct Receiver {
    /// `http://127.0.0.1:PORT`.
    pub endpoint: String,
    state: Arc<Mutex<State>>,
    stop: Arc<AtomicBool>,
    _runtime: Option<tokio::runtime::Runtime>,
}

impl Receiver {
    /// What arrived so far (taken: the receiver starts empty again).
    pub fn received(&self) -> Received {
        std::mem::take(&mut self.state.lock().unwrap().received)
    }

    fn new(endpoint: String, refusals: &[Refusal], state: Arc<Mutex<State>>) -> Self {
        state.lock().unwrap().refusals = refusals.iter().map(|r| (r.signal, r.clone())).collect();
        Receiver {
            endpoint,
            state,
            stop: Arc::new(AtomicBool::new(false)),
            _runtime: None,
        }
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
    }
}

/// An OTLP/HTTP receiver (protobuf or JSON bodies, by content type).
pub fn http(refusals: &[Refusal]) -> Receiver {
    let server = tiny_http::Server::http("127.0.0.1:0").expect("a port on 127.0.0.1");
    let port = server.server_addr().to_ip().expect("an IP address").port();
    let state = Arc::new(Mutex::new(State::default()));
    let receiver = Receiver::new(
        format!("http://127.0.0.1:{}", port),
        refusals,
        state.clone(),
    );
    let stop = receiver.stop.clone();
    std::thread::spawn(move || {
        while !stop.load(Ordering::SeqCst) {
            let Ok(Some(mut request)) = server.recv_timeout(Duration::from_millis(50)) else {
                continue;
            };
            let signal = match request.url() {
                "/v1/traces" => "traces",
                "/v1/logs" => "logs",
                "/v1/metrics" => "metrics",
                _ => {
                    let _ = request.respond(tiny_http::Response::empty(404));
                    continue;
                }
            };
            let header = |name: &'static str| {
                request
                    .headers()
                    .iter()
                    .find(|h| h.field.equiv(name))
                    .map(|h| h.value.to_string())
            };
            let json = header("content-type").is_some_and(|c| c.contains("json"));
            let test_header = header("x-test");
            let mut body = Vec::new();
            let _ = std::io::Read::read_to_end(request.as_reader(), &mut body);
            let mut state = state.lock().unwrap();
            state.received.header = test_header;
            if let Some(refusal) = state.refuse(signal) {
                let mut response = tiny_http::Response::empty(refusal.status);
                if let Some(s) = refusal.retry_after {
                    let h = tiny_http::Header::from_bytes("Retry-After", s.to_string()).unwrap();
                    response.add_header(h);
                }
                drop(state);
                let _ = request.respond(response);
                continue;
            }
            let ok = decode(&mut state.received, signal, &body, json);
            drop(state);
            let _ = request.respond(if ok {
                let (ty, body) = if json {
                    ("application/json", b"{}".to_vec())
                } else {
                    ("application/x-protobuf", Vec::new())
                };
                let h = tiny_http::Header::from_bytes("Content-Type", ty).unwrap();
                tiny_http::Response::from_data(body).with_header(h).boxed()
            } else {
                tiny_http::Response::empty(400).boxed()
            });
        }
    });
    receiver
}

fn decode(received: &mut Received, signal: &str, body: &[u8], json: bool) -> bool {
    fn one<T: Message + Default + serde::de::DeserializeOwned>(
        body: &[u8],
        json: bool,
    ) -> Option<T> {
        if json {
            serde_json::from_slice(body).ok()
        } else {
            T::decode(body).ok()
        }
    }
    let ok = match signal {
        "traces" => one(body, json).map(|r| received.traces.push(r)).is_some(),
        "logs" => one(body, json).map(|r| received.logs.push(r)).is_some(),
        _ => one(body, json).map(|r| received.metrics.push(r)).is_some(),
    };
    if !ok {
        received.undecodable += 1;
    }
    ok
}

#[derive(Clone)]
struct Grpc(Arc<Mutex<State>>);

impl Grpc {
    fn answer(&self, signal: &'static str) -> Result<(), tonic::Status> {
        match self.0.lock().unwrap().refuse(signal) {
            None => Ok(()),
            Some(r) => Err(match r.status {
                503 => tonic::Status::unavailable("refused by the test"),
                429 => tonic::Status::resource_exhausted("refused by the test"),
                _ => tonic::Status::invalid_argument("refused by the test"),
            }),
        }
    }

    fn header<T>(&self, request: &tonic::Request<T>) {
        let value = request
            .metadata()
            .get("x-test")
            .and_then(|v| v.to_str().ok());
        self.0.lock().unwrap().received.header = value.map(String::from);
    }
}

/// One generated service trait, implemented for `Grpc`: refuse if due,
/// else keep the request in `received.$field`.
macro_rules! service {
    ($trait:ident, $request:ty, $response:ty, $signal:literal, $field:ident) => {
        #[tonic::async_trait]
        impl $trait for Grpc {
            async fn export(
                &self,
                request: tonic::Request<$request>,
            ) -> Result<tonic::Response<$response>, tonic::Status> {
                self.header(&request);
                self.answer($signal)?;
                self.0
                    .lock()
                    .unwrap()
                    .received
                    .$field
                    .push(request.into_inner());
                Ok(tonic::Response::new(Default::default()))
            }
        }
    };
}

service!(
    TraceService,
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
    "traces",
    traces
);
service!(
    LogsService,
    ExportLogsServiceRequest,
    ExportLogsServiceResponse,
    "logs",
    logs
);
service!(
    MetricsService,
    ExportMetricsServiceRequest,
    ExportMetricsServiceResponse,
    "metrics",
    metrics
);

/// An OTLP/gRPC receiver.
pub fn grpc(refusals: &[Refusal]) -> Receiver {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let incoming = {
        let _entered = runtime.enter();
        tonic::transport::server::TcpIncoming::bind("127.0.0.1:0".parse().unwrap()).unwrap()
    };
    let port = incoming.local_addr().unwrap().port();
    let state = Arc::new(Mutex::new(State::default()));
    let mut receiver = Receiver::new(
        format!("http://127.0.0.1:{}", port),
        refusals,
        state.clone(),
    );
    let stop = receiver.stop.clone();
    let service = Grpc(state);
    runtime.spawn(async move {
        let stopped = async move {
            while !stop.load(Ordering::SeqCst) {
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        };
        tonic::transport::Server::builder()
            .add_service(TraceServiceServer::new(service.clone()))
            .add_service(LogsServiceServer::new(service.clone()))
            .add_service(MetricsServiceServer::new(service))
            .serve_with_incoming_shutdown(incoming, stopped)
            .await
            .expect("the gRPC receiver");
    });
    receiver._runtime = Some(runtime);
    receiver
}
