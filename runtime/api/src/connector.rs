//! The connector SPI. A connector validates its configuration and splits
//! the work into task configs; tasks move the data.
//!
//! Futures returned by `poll` and `put` must be cancel-safe: the worker
//! drops them when a task is stopped, paused or the process shuts down.

use std::collections::HashMap;
use std::sync::Arc;

use async_trait::async_trait;

use crate::config::{ConfigDef, ConfigValue, Props};
use crate::error::{ConnectError, Result};
use crate::record::{SinkRecord, SourceMap, SourceRecord, TopicPartition};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ConnectorKind {
    Source,
    Sink,
}

impl ConnectorKind {
    /// As Connect's REST API writes it.
    pub fn name(self) -> &'static str {
        match self {
            ConnectorKind::Source => "source",
            ConnectorKind::Sink => "sink",
        }
    }
}

/// What a running connector may ask of the worker.
pub trait ConnectorContext: Send + Sync {
    /// The inputs changed (e.g. new tables): ask for `task_configs` again.
    fn request_task_reconfiguration(&self);
    /// The connector cannot go on: mark it FAILED with this error.
    fn raise_error(&self, error: ConnectError);
}

/// What every connector does, source or sink.
#[async_trait]
pub trait Connector: Send + Sync {
    fn version(&self) -> String;
    /// The connector's own keys (the worker adds the common ones).
    fn config_def(&self) -> ConfigDef;
    /// Validation beyond what the ConfigDef checks (cross-key rules,
    /// reaching the external system). Returns one result per key it checks;
    /// the default checks the ConfigDef alone.
    async fn validate(&self, props: &Props) -> Vec<ConfigValue> {
        self.config_def().validate(props)
    }
    async fn start(&mut self, props: Props, context: Arc<dyn ConnectorContext>) -> Result<()>;
    /// At most `max_tasks` task configurations.
    fn task_configs(&self, max_tasks: usize) -> Result<Vec<Props>>;
    async fn stop(&mut self) -> Result<()>;
}

#[async_trait]
pub trait SourceConnector: Connector {
    fn create_task(&self) -> Box<dyn SourceTask>;
}

#[async_trait]
pub trait SinkConnector: Connector {
    fn create_task(&self) -> Box<dyn SinkTask>;
}

/// Reads the last committed source offsets.
#[async_trait]
pub trait OffsetReader: Send + Sync {
    async fn offset(&self, partition: &SourceMap) -> Result<Option<SourceMap>>;
}

#[async_trait]
pub trait SourceTask: Send {
    async fn start(&mut self, props: Props, offsets: Arc<dyn OffsetReader>) -> Result<()>;
    /// The next records; an empty batch is fine. May wait for data, but
    /// should return within about a second so the worker stays responsive.
    async fn poll(&mut self) -> Result<Vec<SourceRecord>>;
    /// Offsets up to here were durably stored.
    async fn commit(&mut self) -> Result<()> {
        Ok(())
    }
    async fn stop(&mut self) -> Result<()>;
}

/// Reports one record a sink could not write, so it reaches the
/// dead-letter queue instead of failing the task (Connect's KIP-610).
#[async_trait]
pub trait ErrantRecordReporter: Send + Sync {
    async fn report(&self, record: &SinkRecord, error: &ConnectError) -> Result<()>;
}

/// What a sink task may use of the worker.
#[derive(Clone, Default)]
pub struct SinkTaskContext {
    /// Present when the connector has a dead-letter queue configured.
    pub errant_record_reporter: Option<Arc<dyn ErrantRecordReporter>>,
}

/// Offsets per partition: the next offset to read, as Kafka commits them.
pub type PartitionOffsets = HashMap<TopicPartition, i64>;

#[async_trait]
pub trait SinkTask: Send {
    async fn start(&mut self, props: Props, context: SinkTaskContext) -> Result<()>;
    async fn open(&mut self, _partitions: &[TopicPartition]) -> Result<()> {
        Ok(())
    }
    async fn put(&mut self, records: Vec<SinkRecord>) -> Result<()>;
    /// Makes everything `put` so far durable.
    async fn flush(&mut self, _offsets: &PartitionOffsets) -> Result<()> {
        Ok(())
    }
    /// Before the worker commits consumer offsets: returns the offsets that
    /// are safe to commit. The default flushes and allows all of them.
    async fn pre_commit(&mut self, offsets: &PartitionOffsets) -> Result<PartitionOffsets> {
        self.flush(offsets).await?;
        Ok(offsets.clone())
    }
    async fn close(&mut self, _partitions: &[TopicPartition]) -> Result<()> {
        Ok(())
    }
    async fn stop(&mut self) -> Result<()>;
}
