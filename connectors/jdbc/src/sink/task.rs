//! The sink task: each batch is one transaction. A lost database is retried
//! (`max.retries`, `retry.backoff.ms`) and never blamed on a record; a
//! record the database refuses goes to the dead-letter queue when there is
//! one, found by halving the batch so the good records are still written.

use std::sync::Arc;

use async_trait::async_trait;
use ferry_api::config::Props;
use ferry_api::{ConnectError, ErrantRecordReporter, ErrorKind, PartitionOffsets, Result, SinkRecord, SinkTask, SinkTaskContext, TopicPartition};
use tokio::task::JoinHandle;

use super::config::SinkConfig;
use super::writer::Writer;

/// The sink task. A `put` hands its batch to a background write and
/// returns, so the worker converts the next batch while the database
/// takes this one; the next `put`, and every flush, close and stop, first
/// waits for that write. Offsets are committed only after it succeeded,
/// so delivery stays at-least-once, as with a write inside `put`.
#[derive(Default)]
pub struct JdbcSinkTask {
    /// The writer, while no write is in flight.
    idle: Option<Batches>,
    in_flight: Option<JoinHandle<(Batches, Result<()>)>>,
}

/// Writes one batch at a time, with retries and the dead-letter queue.
struct Batches {
    writer: Writer,
    config: SinkConfig,
    reporter: Option<Arc<dyn ErrantRecordReporter>>,
}

impl Batches {
    async fn put(&mut self, records: &[SinkRecord]) -> Result<()> {
        match self.write_retrying(records).await {
            Err(e) if e.kind() == ErrorKind::DataConversion => match self.reporter.clone() {
                Some(reporter) => self.isolate(records, reporter.as_ref()).await,
                None => Err(e),
            },
            other => other,
        }
    }

    /// Writes the records, retrying while the database is unreachable.
    async fn write_retrying(&mut self, records: &[SinkRecord]) -> Result<()> {
        let (max_retries, backoff) = (self.config.max_retries, self.config.retry_backoff);
        let writer = &mut self.writer;
        let mut retries = 0;
        loop {
            match writer.write(records).await {
                Err(e) if e.is_retriable() && retries < max_retries => {
                    retries += 1;
                    tracing::warn!(error = %e, retry = retries, of = max_retries, "database write failed; retrying in {backoff:?}");
                    writer.reset();
                    tokio::time::sleep(backoff).await;
                }
                Err(e) if e.is_retriable() => {
                    return Err(ConnectError::fatal(format!("Giving up after {max_retries} retries (max.retries): {}", e.message())))
                }
                other => return other,
            }
        }
    }

    /// Writes what the database accepts and reports each record it refuses,
    /// in order: a refused batch is split in halves until the refused
    /// records stand alone.
    async fn isolate(&mut self, records: &[SinkRecord], reporter: &dyn ErrantRecordReporter) -> Result<()> {
        let mut pending = vec![(0, records.len())];
        while let Some((start, end)) = pending.pop() {
            let slice = &records[start..end];
            match self.write_retrying(slice).await {
                Ok(()) => {}
                Err(e) if e.kind() == ErrorKind::DataConversion => {
                    if slice.len() == 1 {
                        tracing::warn!(topic = %slice[0].topic, partition = slice[0].partition, offset = slice[0].offset, error = %e,
                            "record refused by the database; sent to the dead-letter queue");
                        reporter.report(&slice[0], &e).await?;
                    } else {
                        let mid = start + slice.len() / 2;
                        pending.push((mid, end));
                        pending.push((start, mid));
                    }
                }
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }
}

impl JdbcSinkTask {
    /// Waits for the write in flight; its outcome.
    async fn settle(&mut self) -> Result<()> {
        let Some(write) = self.in_flight.take() else { return Ok(()) };
        let (batches, outcome) = write.await.map_err(|e| ConnectError::fatal(format!("The database write stopped: {e}")))?;
        self.idle = Some(batches);
        outcome
    }
}

#[async_trait]
impl SinkTask for JdbcSinkTask {
    async fn start(&mut self, props: Props, context: SinkTaskContext) -> Result<()> {
        let config = SinkConfig::parse(&props)?;
        self.idle = Some(Batches { writer: Writer::new(config.clone()), config, reporter: context.errant_record_reporter });
        Ok(())
    }

    async fn put(&mut self, records: Vec<SinkRecord>) -> Result<()> {
        self.settle().await?;
        if records.is_empty() {
            return Ok(());
        }
        let mut batches = self.idle.take().ok_or_else(|| ConnectError::fatal("the task was not started"))?;
        self.in_flight = Some(tokio::spawn(async move {
            let outcome = batches.put(&records).await;
            (batches, outcome)
        }));
        // Let the write start now (a task spawned sits where no other
        // thread takes it from until this one yields), so the database
        // works while the worker converts the next batch.
        tokio::task::yield_now().await;
        Ok(())
    }

    async fn flush(&mut self, _offsets: &PartitionOffsets) -> Result<()> {
        self.settle().await
    }

    async fn close(&mut self, _partitions: &[TopicPartition]) -> Result<()> {
        self.settle().await
    }

    async fn stop(&mut self) -> Result<()> {
        let settled = self.settle().await;
        if let Some(b) = self.idle.as_mut() {
            b.writer.reset();
        }
        settled
    }
}

