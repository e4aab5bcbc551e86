//! The routes, by resource, as Connect's `*Resource` classes group them.

mod connectors;
mod loggers;
mod offsets;
mod plugins;

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use serde_json::Value;

use crate::error::{status_error, ApiError};
use crate::{shapes, AppState};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(root))
        .route("/health", get(health))
        .merge(connectors::routes())
        .merge(offsets::routes())
        .merge(plugins::routes())
        .merge(loggers::routes())
        .merge(crate::ui::routes())
        .fallback(|| async { status_error(StatusCode::NOT_FOUND) })
        .method_not_allowed_fallback(|| async { status_error(StatusCode::METHOD_NOT_ALLOWED) })
}

async fn root(State(s): State<AppState>) -> Json<Value> {
    Json(shapes::server_info(&s.herder.server_info()))
}

/// `GET /health` as Kafka Connect 3.9's (KIP-1017): 200 once the worker
/// can serve requests, 503 while a distributed worker has not yet joined.
async fn health(State(s): State<AppState>) -> (StatusCode, Json<Value>) {
    if s.herder.ready() {
        let body = serde_json::json!({"status": "healthy", "message": "Worker has completed startup and is ready to handle requests."});
        (StatusCode::OK, Json(body))
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, Json(serde_json::json!({"status": "starting", "message": "Worker is still starting up."})))
    }
}

pub type ApiResult<T> = Result<T, ApiError>;

/// The values of one query key, which may repeat (`?expand=status&expand=info`).
pub fn query_values(query: Option<&str>, key: &str) -> Vec<String> {
    form_urlencoded::parse(query.unwrap_or("").as_bytes()).filter(|(k, _)| k == key).map(|(_, v)| v.into_owned()).collect()
}

/// A boolean query flag; absent is `default`, anything but `true` is false.
pub fn query_flag(query: Option<&str>, key: &str, default: bool) -> bool {
    query_values(query, key).last().map_or(default, |v| v.eq_ignore_ascii_case("true"))
}
