//! `ferry distributed worker.properties`, as connect-distributed.sh.

use std::sync::Arc;
use std::time::Instant;

use ferry_api::config::Props;
use ferry_runtime::config::worker::WorkerConfig;
use ferry_runtime::distributed::kafka_offsets::KafkaOffsetStore;
use ferry_runtime::herder::{DistributedConfig, DistributedHerder};
use ferry_runtime::log::{kafka::KafkaLog, Log};
use ferry_runtime::stores::StatusStore;
use ferry_runtime::worker::Worker;

use crate::connector_files::{self, ConnectorFile};
use crate::logging::LogLevels;
use crate::registry::registry;
use crate::serve::{listen, local_url, server_info, shutdown_signal, Listening, Rest};

/// The worker keys the internal topics' clients take: the brokers and how to reach them securely.
fn client_props(props: &Props) -> Props {
    props
        .iter()
        .filter(|(k, _)| *k == "bootstrap.servers" || ["security.", "sasl.", "ssl."].iter().any(|p| k.starts_with(p)))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

pub async fn run(props: Props, connectors: Vec<ConnectorFile>, loggers: Arc<LogLevels>) -> Result<(), String> {
    let started = Instant::now();
    let settings = DistributedConfig::parse(&props)?;
    let config = WorkerConfig::parse(props.clone()).map_err(|e| e.to_string())?;
    if config.embedded_log.is_some() {
        return Err("distributed mode keeps its state in Kafka: set bootstrap.servers".to_owned());
    }

    let Listening { listener, local, worker_id, scheme } = listen(&config).await?;

    let client = client_props(&props);
    let offsets = KafkaOffsetStore::open(&client, &settings.offsets_topic).await.map_err(|e| format!("Cannot open the offsets topic: {e}"))?;
    let log: Arc<dyn Log> = Arc::new(KafkaLog::new(&config));
    let worker = Arc::new(Worker {
        log: log.clone(),
        registry: Arc::new(registry()),
        offsets: Arc::new(offsets),
        status: Arc::new(StatusStore::new(worker_id.clone())),
        worker_id: worker_id.clone(),
        config: config.clone(),
    });
    let info = server_info(log.as_ref());
    let url = format!("{scheme}://{worker_id}/");
    let group = settings.group_id.clone();
    let herder = DistributedHerder::start(worker, info, settings, url, &client).await.map_err(|e| format!("Cannot start the distributed herder: {e}"))?;
    let for_id = herder.clone();
    tokio::spawn(async move { for_id.set_kafka_cluster_id(log.cluster_id().await) });

    let rest = Rest::serve(listener, herder.clone(), loggers, &config);
    tracing::info!(worker_id = %worker_id, group = %group, listen = %local, elapsed_ms = started.elapsed().as_millis() as u64, "REST API ready");

    if let Err(e) = connector_files::apply(&local_url(local, &scheme), connectors).await {
        herder.shutdown().await;
        rest.stop().await;
        return Err(e);
    }

    shutdown_signal().await;
    tracing::info!("stopping: tasks flush their offsets, then the worker leaves its group");
    herder.shutdown().await;
    rest.stop().await;
    tracing::info!("stopped");
    Ok(())
}
