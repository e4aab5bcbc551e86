//! Sink connectors' offsets are their consumer group's (`connect-<name>`)
//! committed offsets; these read, alter and reset them for the REST API.

use std::time::Duration;

use ferry_api::config::Props;
use ferry_api::Result;
use rdkafka::admin::{AdminClient, AdminOptions};
use rdkafka::client::DefaultClientContext;
use rdkafka::consumer::{BaseConsumer, CommitMode, Consumer};
use rdkafka::{Offset, TopicPartitionList};

use super::{create_client, kafka_error, METADATA_TIMEOUT};

fn group_consumer(client: &Props, group: &str) -> Result<BaseConsumer> {
    let mut p = client.clone();
    p.insert("group.id".into(), group.to_owned());
    create_client(&[("enable.auto.commit", "false")], &p)
}

/// The partitions of the topics a sink reads (named, or matching its regex).
fn partitions(consumer: &BaseConsumer, topics: &[String], regex: Option<&regex::Regex>) -> Result<TopicPartitionList> {
    let md = consumer
        .fetch_metadata(None, METADATA_TIMEOUT)
        .map_err(|e| kafka_error("Cannot read topic metadata", e))?;
    let mut tpl = TopicPartitionList::new();
    for t in md.topics() {
        let wanted = topics.iter().any(|n| n == t.name()) || regex.is_some_and(|r| r.is_match(t.name()));
        if wanted {
            for p in t.partitions() {
                tpl.add_partition(t.name(), p.id());
            }
        }
    }
    Ok(tpl)
}

/// `(topic, partition, offset)` for every partition with a committed offset.
pub fn committed(client: &Props, group: &str, topics: &[String], regex: Option<&regex::Regex>) -> Result<Vec<(String, i32, i64)>> {
    let consumer = group_consumer(client, group)?;
    let tpl = partitions(&consumer, topics, regex)?;
    if tpl.count() == 0 {
        return Ok(Vec::new());
    }
    let committed = consumer
        .committed_offsets(tpl, METADATA_TIMEOUT)
        .map_err(|e| kafka_error("Cannot read committed offsets", e))?;
    Ok(committed
        .elements()
        .iter()
        .filter_map(|e| match e.offset() {
            Offset::Offset(o) => Some((e.topic().to_owned(), e.partition(), o)),
            _ => None,
        })
        .collect())
}

/// Commits offsets for an empty group (the connector is stopped).
pub fn alter(client: &Props, group: &str, offsets: &[(String, i32, i64)]) -> Result<()> {
    let consumer = group_consumer(client, group)?;
    let mut tpl = TopicPartitionList::new();
    for (t, p, o) in offsets {
        tpl.add_partition_offset(t, *p, Offset::Offset(*o)).map_err(|e| kafka_error("Invalid offset", e))?;
    }
    consumer.commit(&tpl, CommitMode::Sync).map_err(|e| match e.rdkafka_error_code() {
        Some(rdkafka::types::RDKafkaErrorCode::UnknownTopicOrPartition) => {
            ferry_api::ConnectError::config(format!("Cannot alter offsets of a partition that does not exist: {e}"))
        }
        _ => kafka_error("Cannot commit offsets", e),
    })
}

/// Deletes the group, and with it every committed offset.
pub async fn reset(client: &Props, group: &str) -> Result<()> {
    let admin: AdminClient<DefaultClientContext> = create_client(&[], client)?;
    let opts = AdminOptions::new().operation_timeout(Some(Duration::from_secs(10)));
    let results = admin.delete_groups(&[group], &opts).await.map_err(|e| kafka_error("Cannot delete the consumer group", e))?;
    for r in results {
        if let Err((_, code)) = r {
            // A group that never committed anything does not exist: nothing to reset.
            if code != rdkafka::types::RDKafkaErrorCode::GroupIdNotFound {
                return Err(ferry_api::ConnectError::retriable(format!("Cannot delete the consumer group {group}: {code}")));
            }
        }
    }
    Ok(())
}
