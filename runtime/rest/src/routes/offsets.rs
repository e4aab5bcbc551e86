//! `/connectors/{name}/offsets` (KIP-875): read, alter and reset.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::routing::get;
use axum::{Json, Router};
use ferry_runtime::herder::ConnectorOffsets;
use serde_json::{json, Value};

use super::ApiResult;
use crate::error::ApiError;
use crate::{body, shapes, AppState};

pub fn routes() -> Router<AppState> {
    Router::new().route("/connectors/{name}/offsets", get(read).patch(alter).delete(reset))
}

async fn read(State(s): State<AppState>, Path(name): Path<String>) -> ApiResult<Json<Value>> {
    Ok(Json(shapes::offsets(&s.herder.connector_offsets(&name).await?)))
}

async fn alter(State(s): State<AppState>, Path(name): Path<String>, headers: HeaderMap, bytes: Bytes) -> ApiResult<Json<Value>> {
    let req = body::json(&headers, &bytes)?;
    let entries = req
        .get("offsets")
        .and_then(Value::as_array)
        .filter(|a| !a.is_empty())
        .ok_or_else(|| ApiError::bad_request("The request body must contain a non-empty offsets list"))?;
    let mut offsets = ConnectorOffsets::default();
    for e in entries {
        let partition = e
            .get("partition")
            .and_then(Value::as_object)
            .cloned()
            .ok_or_else(|| ApiError::bad_request("Each offset needs a partition object"))?;
        let offset = match e.get("offset") {
            None | Some(Value::Null) => None,
            Some(Value::Object(o)) => Some(o.clone()),
            Some(_) => return Err(ApiError::bad_request("An offset must be an object or null")),
        };
        offsets.offsets.push((partition, offset));
    }
    let message = s.herder.alter_offsets(&name, offsets).await?;
    Ok(Json(json!({ "message": message })))
}

async fn reset(State(s): State<AppState>, Path(name): Path<String>) -> ApiResult<Json<Value>> {
    let message = s.herder.reset_offsets(&name).await?;
    Ok(Json(json!({ "message": message })))
}
