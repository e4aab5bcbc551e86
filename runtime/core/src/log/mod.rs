//! The log records travel through: Kafka (through librdkafka), or the
//! embedded log for a standalone worker without Kafka. The task loops,
//! converters and REST API do not know which one they run on.

pub mod embedded;
pub mod kafka;

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use async_trait::async_trait;
use ferry_api::config::Props;
use ferry_api::{PartitionOffsets, Result, TopicPartition};

/// A record as the log stores it: bytes, after the converters.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct LogRecord {
    pub topic: String,
    pub partition: i32,
    pub offset: i64,
    pub key: Option<Vec<u8>>,
    pub value: Option<Vec<u8>>,
    pub timestamp: Option<i64>,
    pub headers: Vec<(String, Option<Vec<u8>>)>,
}

/// A record to append; the log assigns partition (when `None`) and offset.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ProduceRecord {
    pub topic: String,
    pub partition: Option<i32>,
    pub key: Option<Vec<u8>>,
    pub value: Option<Vec<u8>>,
    pub timestamp: Option<i64>,
    pub headers: Vec<(String, Option<Vec<u8>>)>,
}

/// Resolves once the log has durably accepted the record.
pub type Ack = Pin<Box<dyn Future<Output = Result<()>> + Send>>;

/// What a sink consumer reads: named topics, or a regex (full match).
#[derive(Debug, Clone)]
pub enum Subscription {
    Topics(Vec<String>),
    Regex(String),
}

/// A change of the partitions a consumer owns.
#[derive(Debug, Clone, PartialEq)]
pub enum Assignment {
    Assigned(Vec<TopicPartition>),
    Revoked(Vec<TopicPartition>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogKind {
    Kafka,
    Embedded,
}

impl LogKind {
    pub fn name(self) -> &'static str {
        match self {
            LogKind::Kafka => "kafka",
            LogKind::Embedded => "embedded",
        }
    }
}

#[async_trait]
pub trait Log: Send + Sync {
    fn kind(&self) -> LogKind;
    /// A producer for one source task; `overrides` are its client keys.
    fn producer(&self, client_id: &str, overrides: &Props) -> Result<Box<dyn LogProducer>>;
    /// A member of consumer group `group`, for one sink task.
    fn consumer(&self, group: &str, client_id: &str, subscription: Subscription, overrides: &Props) -> Result<Box<dyn LogConsumer>>;
    /// Identifies the cluster (Kafka's cluster id, or the embedded log's own).
    async fn cluster_id(&self) -> String;
    /// `(topic, partition, next offset)` committed by a group, for the topics it reads.
    async fn committed(&self, group: &str, subscription: &Subscription) -> Result<Vec<(String, i32, i64)>>;
    /// Sets a group's committed offsets (the group must have no members).
    async fn alter_committed(&self, group: &str, offsets: Vec<(String, i32, i64)>) -> Result<()>;
    /// Forgets a group's committed offsets.
    async fn reset_committed(&self, group: &str) -> Result<()>;
}

#[async_trait]
pub trait LogProducer: Send {
    /// Queues a record. When the log cannot take more right now it hands
    /// the record back: wait for an earlier ack, then send it again.
    fn send(&mut self, record: ProduceRecord) -> std::result::Result<Ack, (Full, ProduceRecord)>;
    /// Ends a batch of sends: the log may now write what it queued.
    async fn end_batch(&mut self) -> Result<()>;
    /// Waits up to `timeout` for queued records to be acknowledged.
    async fn flush(&mut self, timeout: Duration);
}

/// The producer's queue is full.
#[derive(Debug, Clone, Copy)]
pub struct Full;

#[async_trait]
pub trait LogConsumer: Send {
    /// Up to `max` records, waiting at most `timeout` for the first.
    /// Must be cancel-safe: no record is lost when the future is dropped.
    async fn poll(&mut self, max: usize, timeout: Duration) -> Result<Vec<LogRecord>>;
    /// Assignment changes since the last call, in order.
    fn assignment_changes(&mut self) -> Vec<Assignment>;
    /// Commits next-offsets for partitions this consumer owns.
    async fn commit(&mut self, offsets: &PartitionOffsets) -> Result<()>;
    /// Leaves the group.
    async fn close(&mut self);
    /// When the client has reported errors and no record has arrived since
    /// the first of them: for how long, and the last error.
    fn trouble(&self) -> Option<(Duration, String)> {
        None
    }
}
