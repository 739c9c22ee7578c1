//! Sends the guest's metric export requests (see [`metrics`](super::metrics)
//! for why they do not go through the SDK's `MetricExporter`) over the same
//! stacks `opentelemetry-otlp` uses: `reqwest` for OTLP/HTTP (protobuf or
//! JSON bodies), `tonic` for OTLP/gRPC. The retry rules are the exporters':
//! HTTP 429, 502, 503, 504 and failed connections, gRPC `UNAVAILABLE` and
//! `RESOURCE_EXHAUSTED` are retried with exponential backoff and jitter,
//! `Retry-After` is honoured, and the whole export, retries included, ends at
//! the configured timeout.

use std::time::{Duration, Instant};

use opentelemetry_proto::tonic::collector::metrics::v1::metrics_service_client::MetricsServiceClient;
use opentelemetry_proto::tonic::collector::metrics::v1::ExportMetricsServiceRequest;
use prost::Message;

use super::config::{Protocol, SignalConfig};

/// Where the pipeline sends metric export requests.
pub trait MetricsExporter: Send + 'static {
    /// Sends one request; the error says why it was not delivered.
    fn export(&mut self, request: &ExportMetricsServiceRequest) -> Result<(), String>;
}

/// Retries after the first attempt, and the backoff (as the exporters'
/// recommended policy).
const RETRIES: u32 = 3;
const FIRST_DELAY: Duration = Duration::from_millis(100);
const MAX_DELAY: Duration = Duration::from_millis(1600);
const MAX_JITTER_MS: u64 = 100;

/// OTLP metrics over HTTP or gRPC, as `config` says.
pub struct MetricsClient {
    config: SignalConfig,
    transport: Transport,
}

enum Transport {
    Http(reqwest::blocking::Client),
    Grpc {
        runtime: tokio::runtime::Handle,
        client: MetricsServiceClient<tonic::transport::Channel>,
    },
}

/// One attempt's failure: retry it (after at least the delay given), or not.
enum Failure {
    Retry(String, Option<Duration>),
    Final(String),
}

impl MetricsClient {
    /// A client for `config`; gRPC connects lazily on `runtime` (which must
    /// outlive the client).
    pub fn new(
        config: &SignalConfig,
        runtime: Option<&tokio::runtime::Runtime>,
    ) -> Result<MetricsClient, String> {
        let transport = match config.protocol {
            Protocol::Grpc => {
                let runtime = runtime.ok_or("gRPC needs a Tokio runtime")?;
                let _entered = runtime.enter();
                let channel = tonic::transport::Endpoint::from_shared(config.endpoint.clone())
                    .map_err(|e| format!("endpoint {}: {}", config.endpoint, e))?
                    .timeout(config.timeout)
                    .connect_lazy();
                Transport::Grpc {
                    runtime: runtime.handle().clone(),
                    client: MetricsServiceClient::new(channel),
                }
            }
            _ => Transport::Http(
                reqwest::blocking::Client::builder()
                    .timeout(config.timeout)
                    .build()
                    .map_err(|e| e.to_string())?,
            ),
        };
        Ok(MetricsClient {
            config: config.clone(),
            transport,
        })
    }

    fn attempt(
        &mut self,
        request: &ExportMetricsServiceRequest,
        left: Duration,
    ) -> Result<(), Failure> {
        match &mut self.transport {
            Transport::Http(client) => {
                let (content_type, body) = match self.config.protocol {
                    Protocol::HttpJson => (
                        "application/json",
                        serde_json::to_vec(request).map_err(|e| Failure::Final(e.to_string()))?,
                    ),
                    _ => ("application/x-protobuf", request.encode_to_vec()),
                };
                let mut post = client
                    .post(&self.config.endpoint)
                    .timeout(left)
                    .header("content-type", content_type)
                    .body(body);
                for (k, v) in &self.config.headers {
                    post = post.header(k.as_str(), v.as_str());
                }
                let response = post
                    .send()
                    .map_err(|e| Failure::Retry(error_chain(&e), None))?;
                let status = response.status().as_u16();
                if response.status().is_success() {
                    return Ok(());
                }
                let retry_after = response
                    .headers()
                    .get("retry-after")
                    .and_then(|v| v.to_str().ok())
                    .and_then(|v| v.trim().parse::<u64>().ok())
                    .map(Duration::from_secs);
                let text = format!("the receiver answered HTTP {}", status);
                Err(match status {
                    429 | 502 | 503 | 504 => Failure::Retry(text, retry_after),
                    _ => Failure::Final(text),
                })
            }
            Transport::Grpc { runtime, client } => {
                let mut call = tonic::Request::new(request.clone());
                call.set_timeout(left);
                *call.metadata_mut() = super::exporters::metadata(&self.config.headers);
                match runtime.block_on(client.export(call)) {
                    Ok(_) => Ok(()),
                    Err(status) => {
                        let text = format!("gRPC {:?}: {}", status.code(), status.message());
                        Err(match status.code() {
                            tonic::Code::Unavailable | tonic::Code::ResourceExhausted => {
                                Failure::Retry(text, None)
                            }
                            _ => Failure::Final(text),
                        })
                    }
                }
            }
        }
    }
}

fn error_chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

impl MetricsExporter for MetricsClient {
    fn export(&mut self, request: &ExportMetricsServiceRequest) -> Result<(), String> {
        let deadline = Instant::now() + self.config.timeout;
        let mut delay = FIRST_DELAY;
        let mut attempt = 0;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let (why, after) = match self.attempt(request, left.max(Duration::from_millis(1))) {
                Ok(()) => return Ok(()),
                Err(Failure::Final(why)) => return Err(why),
                Err(Failure::Retry(why, after)) => (why, after),
            };
            let jitter = Duration::from_millis(getrandom::u64().unwrap_or(0) % MAX_JITTER_MS);
            let wait = after.unwrap_or(delay + jitter);
            let left = deadline.saturating_duration_since(Instant::now());
            if attempt == RETRIES || wait >= left {
                return Err(format!("{} (after {} attempts)", why, attempt + 1));
            }
            std::thread::sleep(wait);
            delay = (delay * 2).min(MAX_DELAY);
            attempt += 1;
        }
    }
}
