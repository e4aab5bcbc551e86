//! `ferry standalone worker.properties [connector …]`.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use ferry_api::config::{read_properties_file, Props};
use ferry_runtime::config::worker::WorkerConfig;
use ferry_runtime::herder::{Herder, StandaloneHerder};
use ferry_runtime::log::{embedded::EmbeddedLog, kafka::KafkaLog, Log};
use ferry_runtime::stores::{FileOffsetStore, StatusStore};
use ferry_runtime::worker::Worker;

use crate::logging::LogLevels;
use crate::registry::registry;
use crate::serve::{listen, server_info, shutdown_signal, Listening, Rest};

pub async fn run(worker_file: &Path, connector_files: &[PathBuf], loggers: Arc<LogLevels>) -> Result<(), String> {
    let started = Instant::now();
    let props = read_properties_file(worker_file).map_err(|e| e.to_string())?;
    let config = WorkerConfig::parse(props).map_err(|e| e.to_string())?;
    let connectors = connector_files.iter().map(|f| read_connector_file(f)).collect::<Result<Vec<_>, _>>()?;

    let Listening { listener, local, worker_id, .. } = listen(&config).await?;

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
    let info = server_info(log.as_ref());
    let herder = StandaloneHerder::new(worker, info);
    let for_id = herder.clone();
    tokio::spawn(async move { for_id.set_kafka_cluster_id(log.cluster_id().await) });

    let rest = Rest::serve(listener, herder.clone(), loggers, &config);
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
    rest.stop().await;
    tracing::info!("stopped");
    Ok(())
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
