//! Errors as Connect answers them: `{"error_code": <status>, "message": …}`.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use ferry_runtime::herder::HerderError;
use serde_json::json;

#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub message: String,
    /// The worker that must answer instead (see `forward.rs`).
    pub forward_to: Option<String>,
}

impl ApiError {
    pub fn new(status: StatusCode, message: impl Into<String>) -> Self {
        Self { status, message: message.into(), forward_to: None }
    }
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, message)
    }
}

impl From<HerderError> for ApiError {
    fn from(e: HerderError) -> Self {
        let status = match &e {
            HerderError::NotFound(_) => StatusCode::NOT_FOUND,
            HerderError::Conflict(_) => StatusCode::CONFLICT,
            HerderError::BadRequest(_) | HerderError::InvalidConfig { .. } => StatusCode::BAD_REQUEST,
            HerderError::Forbidden(_) => StatusCode::FORBIDDEN,
            HerderError::Elsewhere { .. } => StatusCode::CONFLICT,
            // The error's kind decides: a configuration problem is the caller's.
            HerderError::Internal(inner) if inner.kind() == ferry_api::ErrorKind::Config => StatusCode::BAD_REQUEST,
            HerderError::Internal(inner) => {
                tracing::error!(error = %inner.trace(), "request failed");
                StatusCode::INTERNAL_SERVER_ERROR
            }
        };
        let forward_to = match &e {
            HerderError::Elsewhere { url } => url.clone(),
            _ => None,
        };
        Self { forward_to, ..Self::new(status, e.to_string()) }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut response = (self.status, Json(json!({ "error_code": self.status.as_u16(), "message": self.message }))).into_response();
        if let Some(url) = self.forward_to {
            response.extensions_mut().insert(crate::forward::Forward(url));
        }
        response
    }
}

/// Connect's (Jersey's) wording for a bare status.
pub fn status_error(status: StatusCode) -> ApiError {
    ApiError::new(status, format!("HTTP {} {}", status.as_u16(), status.canonical_reason().unwrap_or("Error")))
}
