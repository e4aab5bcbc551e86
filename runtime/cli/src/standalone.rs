//! `ferry standalone worker.properties [connector …]`.

use std::sync::Arc;
use std::time::Instant;

use ferry_api::config::Props;
use ferry_runtime::config::worker::WorkerConfig;
use ferry_runtime::herder::StandaloneHerder;
use ferry_runtime::log::{embedded::EmbeddedLog, kafka::KafkaLog, Log};
use ferry_runtime::stores::{FileOffsetStore, StatusStore};
use ferry_runtime::worker::Worker;

use crate::connector_files::{self, ConnectorFile};
use crate::logging::LogLevels;
use crate::registry::registry;
use crate::serve::{listen, local_url, server_info, shutdown_signal, Listening, Rest};

pub async fn run(props: Props, connectors: Vec<ConnectorFile>, loggers: Arc<LogLevels>) -> Result<(), String> {
    let started = Instant::now();
    let config = WorkerConfig::parse(props).map_err(|e| e.to_string())?;

    let Listening { listener, local, worker_id, scheme } = listen(&config).await?;

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

    if let Err(e) = connector_files::apply(&local_url(local, &scheme), connectors).await {
        herder.shutdown().await;
        rest.stop().await;
        return Err(e);
    }

    shutdown_signal().await;
    tracing::info!("stopping: tasks flush their offsets");
    herder.shutdown().await;
    rest.stop().await;
    tracing::info!("stopped");
    Ok(())
}
