//! An internal topic read whole and written to, as Kafka Connect's
//! `KafkaBasedLog`: the config, offsets and status topics. The topic is
//! created on open when missing (compacted, with the configured partitions
//! and replication). Reading goes from the start to the end offsets taken
//! when the read begins, so a worker knows everything written before.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use ferry_api::config::Props;
use ferry_api::{ConnectError, Result};
use rdkafka::admin::{AdminClient, AdminOptions, NewTopic, TopicReplication};
use rdkafka::client::DefaultClientContext;
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::message::Message;
use rdkafka::producer::{FutureProducer, FutureRecord};
use rdkafka::types::RDKafkaErrorCode;
use rdkafka::{Offset, TopicPartitionList};
use std::time::Instant;

use crate::kafka::{create_client, kafka_error, METADATA_TIMEOUT};

/// How an internal topic is created when missing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TopicSpec {
    pub name: String,
    pub partitions: i32,
    /// -1: the broker's default.
    pub replication_factor: i32,
}

/// One record read back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub partition: i32,
    pub offset: i64,
    pub key: Option<Vec<u8>>,
    pub value: Option<Vec<u8>>,
}

pub struct TopicLog {
    topic: String,
    producer: FutureProducer,
    consumer: Arc<BaseConsumer>,
    partitions: Vec<i32>,
    /// The next offset to read, per partition.
    positions: HashMap<i32, i64>,
}

/// Runs a blocking client call off the async threads.
async fn blocking<T: Send + 'static>(f: impl FnOnce() -> Result<T> + Send + 'static) -> Result<T> {
    tokio::task::spawn_blocking(f).await.map_err(|e| ConnectError::fatal(format!("a Kafka client call panicked: {e}")))?
}

impl TopicLog {
    /// Opens (and if needed creates) the topic; `client` holds the worker's Kafka client keys.
    pub async fn open(client: &Props, spec: &TopicSpec) -> Result<Self> {
        create_if_missing(client, spec).await?;
        // Java's partitioner (murmur2), so a key lands where a Connect worker puts it.
        let producer: FutureProducer = create_client(&[("acks", "all"), ("linger.ms", "0"), ("partitioner", "murmur2_random")], client)?;
        let consumer: BaseConsumer = create_client(&[("enable.auto.commit", "false"), ("group.id", "ferry-internal-reader")], client)?;
        let topic = spec.name.clone();
        let (consumer, partitions) = blocking(move || {
            let deadline = Instant::now() + Duration::from_secs(30);
            loop {
                let md = consumer.fetch_metadata(Some(&topic), METADATA_TIMEOUT).map_err(|e| kafka_error("Cannot read an internal topic's metadata", e))?;
                let partitions: Vec<i32> = md.topics().iter().flat_map(|t| t.partitions().iter().map(|p| p.id())).collect();
                if !partitions.is_empty() {
                    let mut tpl = TopicPartitionList::new();
                    for p in &partitions {
                        tpl.add_partition_offset(&topic, *p, Offset::Beginning).map_err(|e| kafka_error("Cannot assign an internal topic", e))?;
                    }
                    consumer.assign(&tpl).map_err(|e| kafka_error("Cannot assign an internal topic", e))?;
                    return Ok((consumer, partitions));
                }
                if Instant::now() > deadline {
                    return Err(ConnectError::retriable(format!("The internal topic {topic} has no partitions")));
                }
                std::thread::sleep(Duration::from_millis(100));
            }
        })
        .await?;
        Ok(Self { topic: spec.name.clone(), producer, consumer: Arc::new(consumer), positions: partitions.iter().map(|p| (*p, 0)).collect(), partitions })
    }

    pub fn topic(&self) -> &str {
        &self.topic
    }

    /// Writes a record and waits for the broker's acknowledgement (`value` `None`: a tombstone).
    pub async fn send(&self, key: &str, value: Option<&[u8]>, partition: Option<i32>) -> Result<()> {
        let mut record: FutureRecord<'_, str, [u8]> = FutureRecord::to(&self.topic).key(key);
        if let Some(v) = value {
            record = record.payload(v);
        }
        if let Some(p) = partition {
            record = record.partition(p);
        }
        self.producer.send(record, Duration::from_secs(30)).await.map(|_| ()).map_err(|(e, _)| kafka_error(&format!("Cannot write to {}", self.topic), e))
    }

    /// Takes the records the consumer has fetched so far, without waiting:
    /// for logs read often, where the last moment's records can wait for the next read.
    pub async fn read_available(&mut self) -> Result<Vec<Entry>> {
        let (consumer, topic, mut positions) = (self.consumer.clone(), self.topic.clone(), self.positions.clone());
        let (entries, positions) = blocking(move || {
            let mut out = Vec::new();
            loop {
                match consumer.poll(Duration::ZERO) {
                    None => return Ok((out, positions)),
                    Some(Err(e)) => return Err(kafka_error(&format!("Cannot read {topic}"), e)),
                    Some(Ok(m)) => {
                        positions.insert(m.partition(), m.offset() + 1);
                        out.push(Entry { partition: m.partition(), offset: m.offset(), key: m.key().map(<[u8]>::to_vec), value: m.payload().map(<[u8]>::to_vec) });
                    }
                }
            }
        })
        .await?;
        self.positions = positions;
        Ok(entries)
    }

    /// Reads every record written before this call, in order per partition.
    pub async fn read_to_end(&mut self) -> Result<Vec<Entry>> {
        let (consumer, topic, partitions, mut positions) = (self.consumer.clone(), self.topic.clone(), self.partitions.clone(), self.positions.clone());
        let (entries, positions) = blocking(move || {
            let ends = end_offsets(&consumer, &topic, &partitions)?;
            let behind = |positions: &HashMap<i32, i64>| partitions.iter().any(|p| positions.get(p).copied().unwrap_or(0) < ends.get(p).copied().unwrap_or(0));
            let deadline = Instant::now() + Duration::from_secs(60);
            let mut out = Vec::new();
            while behind(&positions) {
                if Instant::now() > deadline {
                    return Err(ConnectError::retriable(format!("Reading {topic} to its end took over a minute")));
                }
                match consumer.poll(Duration::from_millis(100)) {
                    None => {}
                    Some(Err(e)) => return Err(kafka_error(&format!("Cannot read {topic}"), e)),
                    Some(Ok(m)) => {
                        positions.insert(m.partition(), m.offset() + 1);
                        out.push(Entry { partition: m.partition(), offset: m.offset(), key: m.key().map(<[u8]>::to_vec), value: m.payload().map(<[u8]>::to_vec) });
                    }
                }
            }
            Ok((out, positions))
        })
        .await?;
        self.positions = positions;
        Ok(entries)
    }
}

/// Every partition's end offset, asked for at once: one round trip per
/// partition, in parallel, as the offsets topic has 25 by default.
fn end_offsets(consumer: &BaseConsumer, topic: &str, partitions: &[i32]) -> Result<HashMap<i32, i64>> {
    std::thread::scope(|scope| {
        let asks: Vec<_> = partitions.iter().map(|p| (*p, scope.spawn(move || consumer.fetch_watermarks(topic, *p, METADATA_TIMEOUT)))).collect();
        asks.into_iter()
            .map(|(p, ask)| match ask.join() {
                Ok(Ok((_, high))) => Ok((p, high)),
                Ok(Err(e)) => Err(kafka_error(&format!("Cannot read the end of {topic}"), e)),
                Err(_) => Err(ConnectError::fatal(format!("Reading the end of {topic} panicked"))),
            })
            .collect()
    })
}

async fn create_if_missing(client: &Props, spec: &TopicSpec) -> Result<()> {
    let admin: AdminClient<DefaultClientContext> = create_client(&[], client)?;
    let replication = if spec.replication_factor < 1 { TopicReplication::Fixed(-1) } else { TopicReplication::Fixed(spec.replication_factor) };
    let topic = NewTopic::new(&spec.name, spec.partitions, replication).set("cleanup.policy", "compact");
    let results = admin.create_topics([&topic], &AdminOptions::new().operation_timeout(Some(METADATA_TIMEOUT))).await.map_err(|e| kafka_error("Cannot create an internal topic", e))?;
    for r in results {
        match r {
            Ok(_) => tracing::info!(topic = %spec.name, partitions = spec.partitions, "created internal topic"),
            Err((_, RDKafkaErrorCode::TopicAlreadyExists)) => {}
            Err((t, code)) => return Err(ConnectError::fatal(format!("Cannot create the internal topic {t}: {code}"))),
        }
    }
    Ok(())
}
