//! `/admin/loggers`: log levels at run time.

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{json, Map, Value};

use super::{query_values, ApiResult};
use crate::error::ApiError;
use crate::{body, AppState};

pub fn routes() -> Router<AppState> {
    Router::new().route("/admin/loggers", get(list)).route("/admin/loggers/{logger}", get(one).put(set))
}

fn level_json(level: &str, modified: Option<i64>) -> Value {
    json!({ "level": level, "last_modified": modified })
}

async fn list(State(s): State<AppState>) -> Json<Value> {
    let out: Map<String, Value> = s.loggers.list().into_iter().map(|(n, l, t)| (n, level_json(&l, t))).collect();
    Json(Value::Object(out))
}

async fn one(State(s): State<AppState>, Path(logger): Path<String>) -> ApiResult<Json<Value>> {
    let all = s.loggers.list();
    // A logger without its own level has its nearest ancestor's.
    let found = all.iter().filter(|(n, _, _)| logger == *n || logger.starts_with(&format!("{n}::")) || logger.starts_with(&format!("{n}.")))
        .max_by_key(|(n, _, _)| n.len())
        .or_else(|| all.iter().find(|(n, _, _)| n == "root"));
    match found {
        Some((_, l, t)) => Ok(Json(level_json(l, *t))),
        None => Err(ApiError::new(StatusCode::NOT_FOUND, format!("Logger {logger} not found."))),
    }
}

async fn set(State(s): State<AppState>, Path(logger): Path<String>, RawQuery(q): RawQuery, headers: HeaderMap, bytes: Bytes) -> ApiResult<Response> {
    let req = body::json(&headers, &bytes)?;
    let level = req.get("level").and_then(Value::as_str).ok_or_else(|| ApiError::bad_request("Desired 'level' parameter was not specified in request."))?;
    let scope = query_values(q.as_deref(), "scope").pop().unwrap_or_else(|| "worker".into());
    // Connect answers an unknown level with 404.
    let affected = s.loggers.set(&logger, level).map_err(|e| ApiError::new(StatusCode::NOT_FOUND, e))?;
    // One worker is the whole cluster in standalone mode: both scopes act here.
    Ok(if scope.eq_ignore_ascii_case("cluster") {
        StatusCode::NO_CONTENT.into_response()
    } else {
        Json(Value::from(affected)).into_response()
    })
}
