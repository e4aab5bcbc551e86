//! The sink task: each `put` is one transaction. A lost database is retried
//! (`max.retries`, `retry.backoff.ms`) and never blamed on a record; a
//! record the database refuses goes to the dead-letter queue when there is
//! one, found by halving the batch so the good records are still written.

use std::sync::Arc;

use async_trait::async_trait;
use ferry_api::config::Props;
use ferry_api::{ConnectError, ErrantRecordReporter, ErrorKind, Result, SinkRecord, SinkTask, SinkTaskContext};

use super::config::SinkConfig;
use super::writer::Writer;

#[derive(Default)]
pub struct JdbcSinkTask {
    writer: Option<Writer>,
    config: Option<SinkConfig>,
    reporter: Option<Arc<dyn ErrantRecordReporter>>,
}

impl JdbcSinkTask {
    /// Writes the records, retrying while the database is unreachable.
    async fn write_retrying(&mut self, records: &[SinkRecord]) -> Result<()> {
        let config = self.config.as_ref().ok_or_else(|| ConnectError::fatal("the task was not started"))?;
        let (max_retries, backoff) = (config.max_retries, config.retry_backoff);
        let writer = self.writer.as_mut().ok_or_else(|| ConnectError::fatal("the task was not started"))?;
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

#[async_trait]
impl SinkTask for JdbcSinkTask {
    async fn start(&mut self, props: Props, context: SinkTaskContext) -> Result<()> {
        let config = SinkConfig::parse(&props)?;
        self.writer = Some(Writer::new(config.clone()));
        self.config = Some(config);
        self.reporter = context.errant_record_reporter;
        Ok(())
    }

    async fn put(&mut self, records: Vec<SinkRecord>) -> Result<()> {
        if records.is_empty() {
            return Ok(());
        }
        match self.write_retrying(&records).await {
            Err(e) if e.kind() == ErrorKind::DataConversion => match self.reporter.clone() {
                Some(reporter) => self.isolate(&records, reporter.as_ref()).await,
                None => Err(e),
            },
            other => other,
        }
    }

    async fn stop(&mut self) -> Result<()> {
        if let Some(w) = self.writer.as_mut() {
            w.reset();
        }
        Ok(())
    }
}
