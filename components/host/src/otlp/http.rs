//! OTLP/HTTP with JSON bodies, for `http://` endpoints (a collector's
//! `otlphttp` receiver, port 4318 by default): one POST per export request
//! to `/v1/traces`, `/v1/logs` or `/v1/metrics`. Plain HTTP/1.1 over a TCP
//! stream: no TLS, which a local collector does not need.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use super::Export;

/// Sends each request to `endpoint` (e.g. `http://localhost:4318`).
pub fn send(endpoint: &str, requests: &[Export]) -> std::io::Result<()> {
    let authority = endpoint
        .strip_prefix("http://")
        .ok_or_else(|| std::io::Error::other("only http:// endpoints are supported"))?
        .trim_end_matches('/');
    for request in requests {
        let (path, body) = match request {
            Export::Traces(r) => ("/v1/traces", serde_json::to_vec(r)),
            Export::Logs(r) => ("/v1/logs", serde_json::to_vec(r)),
            Export::Metrics(r) => ("/v1/metrics", serde_json::to_vec(r)),
        };
        post(authority, path, &body.map_err(std::io::Error::other)?)?;
    }
    Ok(())
}

fn post(authority: &str, path: &str, body: &[u8]) -> std::io::Result<()> {
    let mut stream = TcpStream::connect(authority)?;
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    write!(
        stream,
        "POST {} HTTP/1.1\r\nHost: {}\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n",
        path,
        authority,
        body.len()
    )?;
    stream.write_all(body)?;
    let mut response = String::new();
    stream.read_to_string(&mut response)?;
    let status = response.split_whitespace().nth(1).unwrap_or("");
    if status.starts_with('2') {
        Ok(())
    } else {
        Err(std::io::Error::other(format!(
            "{} answered {}",
            path,
            response.lines().next().unwrap_or("nothing")
        )))
    }
}
