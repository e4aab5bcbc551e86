//! `/connector-plugins`: what can be configured, and validation.

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::HeaderMap;
use axum::routing::{get, put};
use axum::{Json, Router};
use ferry_runtime::plugins::PluginKind;
use serde_json::Value;

use super::{query_flag, ApiResult};
use crate::{body, shapes, AppState};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/connector-plugins", get(list))
        .route("/connector-plugins/{plugin}/config", get(config))
        .route("/connector-plugins/{plugin}/config/validate", put(validate))
}

async fn list(State(s): State<AppState>, RawQuery(q): RawQuery) -> Json<Value> {
    let connectors_only = query_flag(q.as_deref(), "connectorsOnly", true);
    let plugins = s
        .herder
        .plugins()
        .into_iter()
        .filter(|p| !connectors_only || matches!(p.kind, PluginKind::Source | PluginKind::Sink))
        .map(|p| shapes::plugin(&p))
        .collect();
    Json(Value::Array(plugins))
}

async fn config(State(s): State<AppState>, Path(plugin): Path<String>) -> ApiResult<Json<Value>> {
    let keys = s.herder.plugin_config(&plugin)?;
    Ok(Json(Value::Array(keys.iter().map(shapes::config_key).collect())))
}

async fn validate(State(s): State<AppState>, Path(plugin): Path<String>, headers: HeaderMap, bytes: Bytes) -> ApiResult<Json<Value>> {
    let config = body::props(&body::json(&headers, &bytes)?)?;
    Ok(Json(shapes::config_infos(&s.herder.validate_config(&plugin, config).await?)))
}
