//! A stand-in for a search cluster that acknowledges every bulk operation
//! at once and keeps nothing, so the Elasticsearch sink benchmark
//! (`bench/elasticsearch.py`) can tell the sink's own limit from the
//! server's. It answers just what the sink asks: `GET /`, `HEAD`/`PUT` of an
//! index, `POST /_bulk`, and `_count` (all operations so far, any index).
//!
//!     ferry-bulk-ack <port>

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use axum::Router;

#[tokio::main(flavor = "multi_thread", worker_threads = 1)]
async fn main() -> std::io::Result<()> {
    let port: u16 = std::env::args().nth(1).and_then(|p| p.parse().ok()).unwrap_or(9200);
    let written = Arc::new(AtomicU64::new(0));
    let app = Router::new()
        .route("/", get(|| async { json(r#"{"version":{"number":"8.15.3"},"tagline":"You Know, for Search"}"#.to_owned()) }))
        .route("/_bulk", post(bulk))
        .route("/{index}/_count", get(count))
        .route("/{index}/_refresh", post(|| async { json("{}".to_owned()) }))
        .route("/{index}", get(|| async { json("{}".to_owned()) }).put(|| async { json(r#"{"acknowledged":true}"#.to_owned()) }))
        .with_state(written);
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
    axum::serve(listener, app).await
}

fn json(body: String) -> impl IntoResponse {
    (StatusCode::OK, [(header::CONTENT_TYPE, "application/json")], body)
}

async fn count(State(written): State<Arc<AtomicU64>>) -> impl IntoResponse {
    json(format!(r#"{{"count":{}}}"#, written.load(Ordering::Relaxed)))
}

/// One `{"index":{"status":201}}` per operation; a delete has no source line.
async fn bulk(State(written): State<Arc<AtomicU64>>, body: Bytes) -> impl IntoResponse {
    let mut items = String::with_capacity(body.len() / 8);
    let mut lines = body.split(|b| *b == b'\n').filter(|l| !l.is_empty());
    let mut n = 0u64;
    while let Some(action) = lines.next() {
        let name = if action.starts_with(b"{\"delete\"") { "delete" } else if action.starts_with(b"{\"update\"") { "update" } else { "index" };
        if name != "delete" {
            lines.next();
        }
        if n > 0 {
            items.push(',');
        }
        items.push_str(&format!(r#"{{"{name}":{{"status":201,"result":"created"}}}}"#));
        n += 1;
    }
    written.fetch_add(n, Ordering::Relaxed);
    json(format!(r#"{{"took":0,"errors":false,"items":[{items}]}}"#))
}
