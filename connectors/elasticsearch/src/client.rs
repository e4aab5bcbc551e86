//! The REST calls the sink makes, over HTTP, to the first of the
//! `connection.url` nodes that answers; a node that cannot be reached is
//! skipped until the others fail too (failover).

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use ferry_api::{ConnectError, Result};
use reqwest::{Method, StatusCode};
use serde_json::Value as Json;

use crate::bulk::describe_error;
use crate::config::SinkConfig;
use crate::retry::Backoff;

/// A failed call: whether trying again may help, and why.
#[derive(Debug, Clone)]
pub struct CallError {
    pub retriable: bool,
    pub message: String,
}

impl CallError {
    fn fatal(message: String) -> Self {
        Self { retriable: false, message }
    }
}

/// A status and body from the cluster.
pub struct Answer {
    pub status: StatusCode,
    pub body: bytes::Bytes,
}

impl Answer {
    pub fn json(&self) -> Option<Json> {
        serde_json::from_slice(&self.body).ok()
    }

    /// The cluster's error, readably.
    pub fn error(&self) -> String {
        describe_error(self.json().as_ref().and_then(|j| j.get("error")), self.status.as_u16())
    }
}

pub struct Client {
    http: reqwest::Client,
    urls: Vec<String>,
    /// The node that answered last, tried first.
    current: AtomicUsize,
    credentials: Option<(String, String)>,
}

impl Client {
    pub fn new(config: &SinkConfig) -> Result<Self> {
        let mut builder = reqwest::Client::builder()
            .connect_timeout(config.connect_timeout.max(Duration::from_millis(1)))
            .tcp_nodelay(true)
            .pool_idle_timeout(Duration::from_secs(60));
        if !config.read_timeout.is_zero() {
            builder = builder.read_timeout(config.read_timeout);
        }
        let http = builder.build().map_err(|e| ConnectError::config(format!("Invalid Elasticsearch client configuration: {e}")))?;
        Ok(Self { http, urls: config.urls.clone(), current: AtomicUsize::new(0), credentials: config.credentials.clone() })
    }

    /// One call, to each node in turn until one answers (any status).
    /// 429 and 5xx answers are retriable errors; others are returned.
    pub async fn call(&self, method: Method, path: &str, content_type: &str, body: Option<bytes::Bytes>) -> std::result::Result<Answer, CallError> {
        let start = self.current.load(Ordering::Relaxed);
        let mut failures = Vec::new();
        for i in 0..self.urls.len() {
            let node = (start + i) % self.urls.len();
            let url = format!("{}{path}", self.urls[node]);
            let mut req = self.http.request(method.clone(), &url).header("Content-Type", content_type);
            if let Some((user, password)) = &self.credentials {
                req = req.basic_auth(user, Some(password));
            }
            if let Some(b) = &body {
                req = req.body(b.clone());
            }
            let answer = match req.send().await {
                Ok(resp) => {
                    let status = resp.status();
                    match resp.bytes().await {
                        Ok(body) => Answer { status, body },
                        Err(e) => {
                            failures.push(format!("{}: {}", self.urls[node], error_chain(&e)));
                            continue;
                        }
                    }
                }
                Err(e) => {
                    failures.push(format!("{}: {}", self.urls[node], error_chain(&e)));
                    continue;
                }
            };
            if node != start {
                tracing::info!(node = %self.urls[node], "Elasticsearch requests now go to {}", self.urls[node]);
                self.current.store(node, Ordering::Relaxed);
            }
            if answer.status == StatusCode::TOO_MANY_REQUESTS || answer.status.is_server_error() {
                return Err(CallError { retriable: true, message: format!("{method} {path}: {}", answer.error()) });
            }
            return Ok(answer);
        }
        Err(CallError { retriable: true, message: format!("no Elasticsearch node answered {method} {path}: {}", failures.join("; ")) })
    }

    /// As [`Client::call`] with JSON, retrying what may pass later.
    pub async fn call_retrying(&self, what: &str, method: Method, path: &str, body: Option<Json>, backoff: &Backoff) -> Result<Answer> {
        let body = body.map(|b| bytes::Bytes::from(b.to_string()));
        let mut attempt = 0;
        loop {
            attempt += 1;
            match self.call(method.clone(), path, "application/json", body.clone()).await {
                Ok(a) => return Ok(a),
                Err(e) if e.retriable && attempt <= backoff.max_retries => {
                    let wait = backoff.wait(attempt);
                    tracing::warn!("Failed to {what} due to {}. Retrying attempt ({attempt}/{}) after backoff of {} ms", e.message, backoff.max_retries, wait.as_millis());
                    tokio::time::sleep(wait).await;
                }
                Err(e) => {
                    return Err(ConnectError::fatal(format!("Failed to {what} due to '{}' after {attempt} attempt(s)", e.message)));
                }
            }
        }
    }

    /// The cluster's version number, e.g. `8.15.3` (OpenSearch says so).
    pub async fn version(&self) -> std::result::Result<String, CallError> {
        let answer = self.call(Method::GET, "/", "application/json", None).await?;
        if !answer.status.is_success() {
            return Err(CallError::fatal(answer.error()));
        }
        let info = answer.json().unwrap_or_default();
        let number = info["version"]["number"].as_str().unwrap_or("unknown");
        Ok(match info["version"]["distribution"].as_str() {
            Some(d) if d != "elasticsearch" => format!("{d} {number}"),
            _ => number.to_owned(),
        })
    }

    /// Sends one bulk body; the answer of a 200, else why not.
    pub async fn bulk(&self, body: bytes::Bytes) -> std::result::Result<bytes::Bytes, CallError> {
        let answer = self.call(Method::POST, "/_bulk", "application/x-ndjson", Some(body)).await?;
        match answer.status {
            s if s.is_success() => Ok(answer.body),
            StatusCode::PAYLOAD_TOO_LARGE => Err(CallError::fatal(format!("the bulk request is larger than the cluster takes (413): lower bulk.size.bytes or batch.size ({})", answer.error()))),
            StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN => Err(CallError::fatal(format!("Elasticsearch refused the credentials ({}): check connection.username and connection.password", answer.error()))),
            _ => Err(CallError::fatal(format!("bulk request refused: {}", answer.error()))),
        }
    }
}

/// An error with its causes, which say what went wrong on the wire.
fn error_chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut out = e.to_string();
    let mut cause = e.source();
    while let Some(c) = cause {
        out.push_str(": ");
        out.push_str(&c.to_string());
        cause = c.source();
    }
    out
}
