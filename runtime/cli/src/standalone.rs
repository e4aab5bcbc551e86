//! `ferry standalone worker.properties [connector …]`.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use ferry_api::config::{read_properties_file, Props};
use ferry_runtime::config::worker::WorkerConfig;
use ferry_runtime::herder::{Herder, ServerInfo, StandaloneHerder};
use ferry_runtime::log::{embedded::EmbeddedLog, kafka::KafkaLog, Log};
use ferry_runtime::stores::{FileOffsetStore, StatusStore};
use ferry_runtime::worker::Worker;

use crate::logging::LogLevels;
use crate::registry::registry;

pub async fn run(worker_file: &Path, connector_files: &[PathBuf], loggers: Arc<LogLevels>) -> Result<(), String> {
    let started = Instant::now();
    let props = read_properties_file(worker_file).map_err(|e| e.to_string())?;
    let config = WorkerConfig::parse(props).map_err(|e| e.to_string())?;
    let connectors = connector_files.iter().map(|f| read_connector_file(f)).collect::<Result<Vec<_>, _>>()?;

    let listener_url = config.listeners.first().cloned().unwrap_or_else(|| "http://:8083".to_owned());
    let bind = bind_address(&listener_url)?;
    let listener = tokio::net::TcpListener::bind(&bind).await.map_err(|e| format!("Cannot listen on {bind}: {e}"))?;
    let local = listener.local_addr().map_err(|e| e.to_string())?;
    let host = config.advertised_host.clone().unwrap_or_else(|| {
        if local.ip().is_unspecified() { hostname() } else { local.ip().to_string() }
    });
    let worker_id = format!("{host}:{}", config.advertised_port.unwrap_or(local.port()));

    let offsets = FileOffsetStore::open(config.offset_file.clone()).map_err(|e| e.to_string())?;
    let log: Arc<dyn Log> = match &config.embedded_log {
        Some(embedded) => {
            tracing::info!(dir = %embedded.dir.display(), "no bootstrap.servers: running on the embedded log");
            Arc::new(EmbeddedLog::open(embedded.clone()).map_err(|e| e.to_string())?)
        }
        None => Arc::new(KafkaLog::new(&config)),
    };
    let worker = Arc::new(Worker {
        log: log.clone(),
        registry: Arc::new(registry()),
        offsets: Arc::new(offsets),
        status: Arc::new(StatusStore::new(worker_id.clone())),
        worker_id: worker_id.clone(),
        config: config.clone(),
    });
    let info = ServerInfo {
        version: ferry_runtime::VERSION.to_owned(),
        commit: env!("CARGO_PKG_VERSION").to_owned(),
        kafka_cluster_id: None,
        log: log.kind().name(),
    };
    let herder = StandaloneHerder::new(worker, info);
    let for_id = herder.clone();
    tokio::spawn(async move { for_id.set_kafka_cluster_id(log.cluster_id().await) });

    let cors = ferry_rest::CorsSettings { allow_origin: config.cors_origin.clone(), allow_methods: config.cors_methods.clone() };
    let router = ferry_rest::router(herder.clone(), loggers, cors);
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(ferry_rest::serve(listener, router, async {
        let _ = stop_rx.await;
    }));
    tracing::info!(worker_id = %worker_id, listen = %local, elapsed_ms = started.elapsed().as_millis() as u64, "REST API ready");

    for (name, props) in connectors {
        herder
            .put_connector_config(&name, props, false, None)
            .await
            .map_err(|e| format!("Failed to create connector {name}: {e}"))?;
    }

    shutdown_signal().await;
    tracing::info!("stopping: tasks flush their offsets");
    herder.shutdown().await;
    let _ = stop_tx.send(());
    let _ = server.await;
    tracing::info!("stopped");
    Ok(())
}

/// `http://host:port` → `host:port`, with an empty host meaning every interface.
pub(crate) fn bind_address(url: &str) -> Result<String, String> {
    let rest = url.split_once("://").map_or(url, |(_, r)| r).trim_end_matches('/');
    let (host, port) = rest.rsplit_once(':').ok_or_else(|| format!("Invalid listener {url}: no port"))?;
    let host = if host.is_empty() { "0.0.0.0" } else { host.trim_start_matches('[').trim_end_matches(']') };
    port.parse::<u16>().map_err(|_| format!("Invalid listener {url}: bad port"))?;
    Ok(format!("{host}:{port}"))
}

pub(crate) fn hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname").map(|h| h.trim().to_owned()).unwrap_or_else(|_| "localhost".to_owned())
}

/// A connector file: Java properties, or JSON (`{"name","config"}` or flat).
fn read_connector_file(path: &Path) -> Result<(String, Props), String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("Cannot read {}: {e}", path.display()))?;
    let props = if text.trim_start().starts_with('{') {
        let json: serde_json::Value =
            serde_json::from_str(&text).map_err(|e| format!("{} is not valid JSON: {e}", path.display()))?;
        let (name, config) = match (json.get("name"), json.get("config")) {
            (Some(n), Some(c)) => (n.as_str().map(str::to_owned), c.clone()),
            _ => (None, json),
        };
        let mut props = Props::new();
        for (k, v) in config.as_object().ok_or_else(|| format!("{}: the config must be a JSON object", path.display()))? {
            let v = match v {
                serde_json::Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            props.insert(k.clone(), v);
        }
        if let Some(n) = name {
            props.insert("name".into(), n);
        }
        props
    } else {
        read_properties_file(path).map_err(|e| e.to_string())?
    };
    let name = props.get("name").cloned().ok_or_else(|| format!("{}: the connector has no name", path.display()))?;
    Ok((name, props))
}

pub(crate) async fn shutdown_signal() {
    use tokio::signal::unix::{signal, SignalKind};
    let mut term = match signal(SignalKind::terminate()) {
        Ok(s) => s,
        Err(_) => return std::future::pending().await,
    };
    tokio::select! {
        _ = term.recv() => {}
        _ = tokio::signal::ctrl_c() => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn listener_urls() {
        assert_eq!(bind_address("http://:8083").ok(), Some("0.0.0.0:8083".to_owned()));
        assert_eq!(bind_address("http://127.0.0.1:18083/").ok(), Some("127.0.0.1:18083".to_owned()));
        assert!(bind_address("http://host").is_err());
    }
}
