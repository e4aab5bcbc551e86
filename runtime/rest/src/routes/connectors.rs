//! `/connectors` and everything under it but offsets.

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use ferry_runtime::herder::{RestartRequest, TargetState, TaskId};
use serde_json::{Map, Value};

use super::{query_flag, query_values, ApiResult};
use crate::error::ApiError;
use crate::{body, shapes, AppState};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/connectors", get(list).post(create))
        .route("/connectors/{name}", get(info).delete(delete))
        .route("/connectors/{name}/config", get(config).put(put_config).patch(patch_config))
        .route("/connectors/{name}/status", get(status))
        .route("/connectors/{name}/restart", post(restart))
        .route("/connectors/{name}/pause", put(pause))
        .route("/connectors/{name}/resume", put(resume))
        .route("/connectors/{name}/stop", put(stop))
        .route("/connectors/{name}/tasks", get(tasks))
        .route("/connectors/{name}/tasks-config", get(tasks_config))
        .route("/connectors/{name}/tasks/{task}/status", get(task_status))
        .route("/connectors/{name}/tasks/{task}/restart", post(restart_task))
        .route("/connectors/{name}/topics", get(topics))
        .route("/connectors/{name}/topics/reset", put(reset_topics))
}

async fn list(State(s): State<AppState>, RawQuery(q): RawQuery) -> ApiResult<Json<Value>> {
    let names = s.herder.connectors().await;
    let expand = query_values(q.as_deref(), "expand");
    if expand.is_empty() {
        return Ok(Json(Value::from(names)));
    }
    let mut out = Map::new();
    for name in names {
        let mut entry = Map::new();
        for what in &expand {
            // A connector deleted meanwhile is left out, as Connect does.
            match what.as_str() {
                "status" => {
                    if let Ok(st) = s.herder.connector_status(&name).await {
                        entry.insert("status".into(), shapes::connector_status(&st));
                    }
                }
                "info" => {
                    if let Ok(i) = s.herder.connector_info(&name).await {
                        entry.insert("info".into(), shapes::connector_info(&i));
                    }
                }
                _ => {}
            }
        }
        out.insert(name, Value::Object(entry));
    }
    Ok(Json(Value::Object(out)))
}

fn location(headers: &HeaderMap, name: &str) -> String {
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok()).unwrap_or("localhost");
    let encoded: String = form_urlencoded::byte_serialize(name.as_bytes()).collect();
    format!("http://{host}/connectors/{}", encoded.replace('+', "%20"))
}

async fn create(State(s): State<AppState>, headers: HeaderMap, bytes: Bytes) -> ApiResult<Response> {
    let req = body::json(&headers, &bytes)?;
    let obj = req.as_object().ok_or_else(|| ApiError::bad_request("The request body must be a JSON object with name and config"))?;
    for key in obj.keys() {
        if !["name", "config", "initial_state"].contains(&key.as_str()) {
            return Err(ApiError::bad_request(format!("Unrecognized field \"{key}\": expected name, config and initial_state")));
        }
    }
    let config = match obj.get("config") {
        Some(c) if !c.is_null() => body::props(c)?,
        _ => return Err(ApiError::bad_request("Connector config is missing")),
    };
    let name = match obj.get("name") {
        Some(Value::String(n)) => n.trim().to_owned(),
        Some(Value::Null) | None => config.get("name").map(|n| n.trim().to_owned()).unwrap_or_default(),
        Some(_) => return Err(ApiError::bad_request("The connector name must be a string")),
    };
    check_name(&name)?;
    if let Some(in_config) = config.get("name") {
        if in_config != &name {
            return Err(name_mismatch(in_config, &name));
        }
    }
    let initial_state = match obj.get("initial_state") {
        None | Some(Value::Null) => None,
        Some(Value::String(st)) => Some(TargetState::from_initial_state(st).ok_or_else(|| {
            ApiError::bad_request(format!("Invalid initial state {st}: expected one of RUNNING, PAUSED, STOPPED"))
        })?),
        Some(_) => return Err(ApiError::bad_request("initial_state must be a string")),
    };
    let created = s.herder.put_connector_config(&name, config, false, initial_state).await?;
    let loc = location(&headers, &name);
    Ok((StatusCode::CREATED, [(header::LOCATION, loc)], Json(shapes::connector_info(&created.value))).into_response())
}

/// An empty name is left to validation, which words it as Connect does.
fn check_name(name: &str) -> ApiResult<()> {
    if name.contains('/') {
        return Err(ApiError::bad_request("connector name should not contain '/'"));
    }
    if name.chars().any(char::is_control) {
        return Err(ApiError::bad_request("Connector name should not contain ISO control characters"));
    }
    Ok(())
}

fn name_mismatch(in_config: &str, in_url: &str) -> ApiError {
    ApiError::bad_request(format!(
        "Connector name configuration ({in_config}) doesn't match connector name in the URL ({in_url})"
    ))
}

async fn info(State(s): State<AppState>, Path(name): Path<String>) -> ApiResult<Json<Value>> {
    Ok(Json(shapes::connector_info(&s.herder.connector_info(&name).await?)))
}

async fn delete(State(s): State<AppState>, Path(name): Path<String>) -> ApiResult<StatusCode> {
    s.herder.delete_connector(&name).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn config(State(s): State<AppState>, Path(name): Path<String>) -> ApiResult<Json<Value>> {
    Ok(Json(shapes::config(&s.herder.connector_config(&name).await?)))
}

async fn put_config(State(s): State<AppState>, Path(name): Path<String>, headers: HeaderMap, bytes: Bytes) -> ApiResult<Response> {
    let config = body::props(&body::json(&headers, &bytes)?)?;
    check_name(&name)?;
    if let Some(in_config) = config.get("name") {
        if in_config != &name {
            return Err(name_mismatch(in_config, &name));
        }
    }
    let r = s.herder.put_connector_config(&name, config, true, None).await?;
    let info = Json(shapes::connector_info(&r.value));
    Ok(if r.created {
        (StatusCode::CREATED, [(header::LOCATION, location(&headers, &name))], info).into_response()
    } else {
        (StatusCode::OK, info).into_response()
    })
}

async fn patch_config(State(s): State<AppState>, Path(name): Path<String>, headers: HeaderMap, bytes: Bytes) -> ApiResult<Json<Value>> {
    let patch = body::json(&headers, &bytes)?;
    let obj = patch.as_object().ok_or_else(|| ApiError::bad_request("The patch must be a JSON object"))?;
    let mut changes = Vec::new();
    for (k, v) in obj {
        if k == "name" && v.as_str().is_some_and(|n| n != name) {
            return Err(name_mismatch(v.as_str().unwrap_or_default(), &name));
        }
        changes.push((k.clone(), if v.is_null() { None } else { Some(body::text(k, v)?) }));
    }
    Ok(Json(shapes::connector_info(&s.herder.patch_connector_config(&name, changes).await?)))
}

async fn status(State(s): State<AppState>, Path(name): Path<String>) -> ApiResult<Json<Value>> {
    Ok(Json(shapes::connector_status(&s.herder.connector_status(&name).await?)))
}

async fn restart(State(s): State<AppState>, Path(name): Path<String>, RawQuery(q): RawQuery) -> ApiResult<Response> {
    let request = RestartRequest {
        include_tasks: query_flag(q.as_deref(), "includeTasks", false),
        only_failed: query_flag(q.as_deref(), "onlyFailed", false),
    };
    Ok(match s.herder.restart_connector(&name, request).await? {
        Some(status) => (StatusCode::ACCEPTED, Json(shapes::connector_status(&status))).into_response(),
        None => StatusCode::NO_CONTENT.into_response(),
    })
}

async fn set_state(s: &AppState, name: &str, state: TargetState) -> ApiResult<()> {
    Ok(s.herder.set_target_state(name, state).await?)
}

async fn pause(State(s): State<AppState>, Path(name): Path<String>) -> ApiResult<StatusCode> {
    set_state(&s, &name, TargetState::Paused).await.map(|_| StatusCode::ACCEPTED)
}

async fn resume(State(s): State<AppState>, Path(name): Path<String>) -> ApiResult<StatusCode> {
    set_state(&s, &name, TargetState::Started).await.map(|_| StatusCode::ACCEPTED)
}

async fn stop(State(s): State<AppState>, Path(name): Path<String>) -> ApiResult<StatusCode> {
    set_state(&s, &name, TargetState::Stopped).await.map(|_| StatusCode::NO_CONTENT)
}

async fn tasks(State(s): State<AppState>, Path(name): Path<String>) -> ApiResult<Json<Value>> {
    Ok(Json(shapes::task_infos(&s.herder.task_configs(&name).await?)))
}

async fn tasks_config(State(s): State<AppState>, Path(name): Path<String>) -> ApiResult<Json<Value>> {
    Ok(Json(shapes::tasks_config(&s.herder.task_configs(&name).await?)))
}

fn task(name: String, task: &str) -> ApiResult<TaskId> {
    task.parse().map(|t| TaskId::new(name, t)).map_err(|_| crate::error::status_error(StatusCode::NOT_FOUND))
}

async fn task_status(State(s): State<AppState>, Path((name, t)): Path<(String, String)>) -> ApiResult<Json<Value>> {
    let id = task(name, &t)?;
    Ok(Json(shapes::task_status(&s.herder.task_status(&id).await?)))
}

async fn restart_task(State(s): State<AppState>, Path((name, t)): Path<(String, String)>) -> ApiResult<StatusCode> {
    let id = task(name, &t)?;
    s.herder.restart_task(&id).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn topics(State(s): State<AppState>, Path(name): Path<String>) -> ApiResult<Json<Value>> {
    let topics = s.herder.connector_topics(&name).await?;
    let mut out = Map::new();
    out.insert(name, serde_json::json!({ "topics": topics }));
    Ok(Json(Value::Object(out)))
}

async fn reset_topics(State(s): State<AppState>, Path(name): Path<String>) -> ApiResult<StatusCode> {
    s.herder.reset_connector_topics(&name).await?;
    Ok(StatusCode::ACCEPTED)
}
