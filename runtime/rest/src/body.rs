//! Request bodies: JSON read by hand so every bad body gets Connect's
//! error shape, never a plain-text rejection.

use axum::http::{header, HeaderMap, StatusCode};
use ferry_api::config::Props;
use serde_json::Value;

use crate::error::{status_error, ApiError};

/// Parses a JSON body, requiring a JSON content type as Connect does.
pub fn json(headers: &HeaderMap, bytes: &[u8]) -> Result<Value, ApiError> {
    if let Some(ct) = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()) {
        let mime = ct.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
        if mime != "application/json" && !mime.ends_with("+json") {
            return Err(status_error(StatusCode::UNSUPPORTED_MEDIA_TYPE));
        }
    }
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(ApiError::bad_request("Request body is empty: a JSON object is expected"));
    }
    serde_json::from_slice(bytes).map_err(|e| ApiError::bad_request(format!("Invalid JSON in the request body: {e}")))
}

/// A connector configuration: a JSON object whose values are strings,
/// numbers or booleans (kept as their text, as Connect keeps them).
pub fn props(value: &Value) -> Result<Props, ApiError> {
    let obj = value.as_object().ok_or_else(|| ApiError::bad_request("The connector configuration must be a JSON object"))?;
    let mut props = Props::new();
    for (k, v) in obj {
        props.insert(k.clone(), text(k, v)?);
    }
    Ok(props)
}

/// A config value as text; null is refused.
pub fn text(key: &str, v: &Value) -> Result<String, ApiError> {
    match v {
        Value::String(s) => Ok(s.clone()),
        Value::Number(n) => Ok(n.to_string()),
        Value::Bool(b) => Ok(b.to_string()),
        Value::Null => Err(ApiError::bad_request(format!("The value of configuration {key} must not be null"))),
        _ => Err(ApiError::bad_request(format!("The value of configuration {key} must be a string, number or boolean"))),
    }
}
