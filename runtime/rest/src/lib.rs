//! Ferry's REST API, shaped exactly like Kafka Connect's so existing curl
//! commands, scripts and UIs work unchanged. It only talks to a
//! [`Herder`]; every answer is built from the herder's types.

mod body;
mod cors;
mod error;
mod forward;
mod routes;
mod shapes;
mod ui;

use std::future::Future;
use std::sync::Arc;

use axum::Router;
use ferry_runtime::herder::Herder;

pub use error::ApiError;

/// Logger levels, for `/admin/loggers`.
pub trait Loggers: Send + Sync {
    /// Every logger with an explicit level: name, level, last modified (ms).
    fn list(&self) -> Vec<(String, String, Option<i64>)>;
    /// Sets a level; the loggers affected, or why the level is invalid.
    fn set(&self, name: &str, level: &str) -> Result<Vec<String>, String>;
}

/// Connect's `access.control.allow.origin` / `access.control.allow.methods`.
#[derive(Debug, Clone, Default)]
pub struct CorsSettings {
    pub allow_origin: String,
    pub allow_methods: String,
}

#[derive(Clone)]
pub(crate) struct AppState {
    pub herder: Arc<dyn Herder>,
    pub loggers: Arc<dyn Loggers>,
}

/// The whole API.
pub fn router(herder: Arc<dyn Herder>, loggers: Arc<dyn Loggers>, cors: CorsSettings) -> Router {
    let router = routes::routes().layer(axum::middleware::from_fn(forward::layer)).with_state(AppState { herder, loggers });
    match cors::layer(&cors) {
        Some(layer) => router.layer(layer),
        None => router,
    }
}

/// Serves `router` until `shutdown` resolves.
pub async fn serve(listener: tokio::net::TcpListener, router: Router, shutdown: impl Future<Output = ()> + Send + 'static) {
    if let Err(e) = axum::serve(listener, router).with_graceful_shutdown(shutdown).await {
        tracing::error!(error = %e, "the REST server stopped");
    }
}
