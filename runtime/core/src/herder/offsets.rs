//! A connector's offsets over REST (KIP-875), the same for either herder:
//! a source's are in the worker's offset store, a sink's are its consumer
//! group's (`connect-<name>`) commits. Altering or resetting them requires
//! the connector to be STOPPED, as in Connect.

use ferry_api::{ConnectorKind, SourceMap};
use serde_json::{json, Value as Json};

use super::{ConnectorOffsets, HerderError, HerderResult, TargetState};
use crate::config::connector::ConnectorConfig;
use crate::worker::{subscription, Worker};

fn group(config: &ConnectorConfig) -> String {
    format!("connect-{}", config.name)
}

fn as_map(v: Json) -> SourceMap {
    match v {
        Json::Object(m) => m,
        _ => SourceMap::new(),
    }
}

fn sink_partition(partition: &SourceMap) -> HerderResult<(String, i32)> {
    let topic = partition.get("kafka_topic").and_then(Json::as_str);
    let part = partition.get("kafka_partition").and_then(Json::as_i64).and_then(|p| i32::try_from(p).ok());
    match (topic, part) {
        (Some(t), Some(p)) => Ok((t.to_owned(), p)),
        _ => Err(HerderError::BadRequest("Sink connector offsets partitions must contain the keys kafka_topic and kafka_partition".to_owned())),
    }
}

pub fn require_stopped(name: &str, target: TargetState) -> HerderResult<()> {
    if target == TargetState::Stopped {
        Ok(())
    } else {
        Err(HerderError::BadRequest(format!(
            "Connectors must be in the STOPPED state before their offsets can be modified. This can be done \
             for the specified connector by issuing a 'PUT' request to the '/connectors/{name}/stop' endpoint"
        )))
    }
}

pub async fn read(worker: &Worker, kind: ConnectorKind, config: &ConnectorConfig) -> HerderResult<ConnectorOffsets> {
    let offsets = match kind {
        ConnectorKind::Source => worker.offsets.all(&config.name).await?.into_iter().map(|(p, o)| (p, Some(o))).collect(),
        ConnectorKind::Sink => {
            let rows = worker.log.committed(&group(config), &subscription(config)).await?;
            rows.into_iter()
                .map(|(t, p, o)| (as_map(json!({"kafka_topic": t, "kafka_partition": p})), Some(as_map(json!({"kafka_offset": o})))))
                .collect()
        }
    };
    Ok(ConnectorOffsets { offsets })
}

pub async fn alter(worker: &Worker, kind: ConnectorKind, config: &ConnectorConfig, offsets: ConnectorOffsets) -> HerderResult<String> {
    match kind {
        ConnectorKind::Source => {
            worker.offsets.put(&config.name, offsets.offsets).await?;
            Ok("The Connect framework-managed offsets for this connector have been altered successfully. However, if this \
                connector manages offsets externally, they will need to be manually altered in the system that the connector uses."
                .to_owned())
        }
        ConnectorKind::Sink => {
            let mut commits = Vec::new();
            for (partition, offset) in &offsets.offsets {
                let (topic, part) = sink_partition(partition)?;
                match offset.as_ref().and_then(|o| o.get("kafka_offset")).and_then(Json::as_i64) {
                    Some(o) => commits.push((topic, part, o)),
                    None => return Err(HerderError::BadRequest("Resetting a single sink partition is not supported: use DELETE …/offsets".to_owned())),
                }
            }
            worker.log.alter_committed(&group(config), commits).await?;
            Ok("The offsets for this connector have been altered successfully".to_owned())
        }
    }
}

pub async fn reset(worker: &Worker, kind: ConnectorKind, config: &ConnectorConfig) -> HerderResult<String> {
    match kind {
        ConnectorKind::Source => {
            let all = worker.offsets.all(&config.name).await?;
            worker.offsets.put(&config.name, all.into_iter().map(|(p, _)| (p, None)).collect()).await?;
            Ok("The Connect framework-managed offsets for this connector have been reset successfully. However, if this \
                connector manages offsets externally, they will need to be manually reset in the system that the connector uses."
                .to_owned())
        }
        ConnectorKind::Sink => {
            worker.log.reset_committed(&group(config)).await?;
            Ok("The offsets for this connector have been reset successfully".to_owned())
        }
    }
}
