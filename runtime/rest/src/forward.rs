//! Requests another worker must answer, as Connect's `HerderRequestHandler`
//! forwards them: a config write goes to the group's leader, a task restart
//! to the worker running the task. A handler whose herder answers
//! [`HerderError::Elsewhere`](ferry_runtime::herder::HerderError) marks its
//! response with [`Forward`]; this layer then sends the same request there
//! with `?forward=`, and answers with that worker's answer.
//!
//! A request from a user carries no `forward`, and may be forwarded twice
//! (the leader may pass a restart on to the task's worker): it is sent on
//! with `forward=true`, which allows one more hop, and that hop with
//! `forward=false`, which allows none. A request that cannot be forwarded
//! keeps its 409: the cluster is rebalancing.

use std::sync::OnceLock;
use std::time::Duration;

use axum::body::{to_bytes, Body, Bytes};
use axum::extract::Request;
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::error::ApiError;
use crate::routes::query_values;

/// Marks a response whose request the worker at this URL must answer.
#[derive(Debug, Clone)]
pub struct Forward(pub String);

/// The largest request body buffered for a possible forward.
const MAX_BODY: usize = 16 * 1024 * 1024;
/// Connect's `RestClient` waits this long for the other worker.
const TIMEOUT: Duration = Duration::from_secs(90);

fn client() -> &'static reqwest::Client {
    static CLIENT: OnceLock<reqwest::Client> = OnceLock::new();
    CLIENT.get_or_init(|| reqwest::Client::builder().timeout(TIMEOUT).build().unwrap_or_default())
}

pub async fn layer(request: Request, next: Next) -> Response {
    let (parts, body) = request.into_parts();
    let bytes = match to_bytes(body, MAX_BODY).await {
        Ok(b) => b,
        Err(e) => return ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, format!("Cannot read the request body: {e}")).into_response(),
    };
    let response = next.run(Request::from_parts(parts.clone(), Body::from(bytes.clone()))).await;
    let Some(Forward(target)) = response.extensions().get::<Forward>().cloned() else {
        return response;
    };
    let query = parts.uri.query();
    let hops_left = match query_values(query, "forward").last() {
        None => true,
        Some(v) if v.eq_ignore_ascii_case("true") => false,
        Some(_) => return response,
    };
    let url = forward_url(&target, parts.uri.path(), query, hops_left);
    tracing::debug!(%url, method = %parts.method, "forwarding a request");
    send(parts.method, &url, parts.headers.get(header::CONTENT_TYPE).cloned(), bytes).await
}

/// `target` + `path`, with the request's query but its `forward` replaced.
fn forward_url(target: &str, path: &str, query: Option<&str>, hops_left: bool) -> String {
    let mut q = form_urlencoded::Serializer::new(String::new());
    for (k, v) in form_urlencoded::parse(query.unwrap_or("").as_bytes()).filter(|(k, _)| k != "forward") {
        q.append_pair(&k, &v);
    }
    q.append_pair("forward", if hops_left { "true" } else { "false" });
    format!("{}{}?{}", target.trim_end_matches('/'), path, q.finish())
}

async fn send(method: axum::http::Method, url: &str, content_type: Option<HeaderValue>, body: Bytes) -> Response {
    let mut request = client().request(method, url).body(body);
    if let Some(ct) = content_type {
        request = request.header(header::CONTENT_TYPE, ct);
    }
    let answer = match request.send().await {
        Ok(a) => a,
        // Connect's wording when the other worker cannot be reached.
        Err(e) => return ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, format!("IO Error trying to forward REST request: {e}")).into_response(),
    };
    let status = answer.status();
    let headers: Vec<(header::HeaderName, HeaderValue)> =
        [header::CONTENT_TYPE, header::LOCATION].into_iter().filter_map(|h| answer.headers().get(&h).cloned().map(|v| (h, v))).collect();
    match answer.bytes().await {
        Ok(body) => {
            let mut response = (status, body).into_response();
            response.headers_mut().extend(headers);
            response
        }
        Err(e) => ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, format!("IO Error trying to forward REST request: {e}")).into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_forward_flag_replaces_the_callers_and_other_parameters_stay() {
        assert_eq!(forward_url("http://w2:8083/", "/connectors", None, true), "http://w2:8083/connectors?forward=true");
        assert_eq!(
            forward_url("http://w2:8083", "/connectors/a%20b/restart", Some("includeTasks=true&forward=true&onlyFailed=false"), false),
            "http://w2:8083/connectors/a%20b/restart?includeTasks=true&onlyFailed=false&forward=false"
        );
    }
}
