//! The sink task: `put` turns records into bulk operations and hands them
//! to the pipeline (waiting when `max.buffered.records` are held);
//! `pre_commit` allows only offsets of acknowledged records.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use ferry_api::config::Props;
use ferry_api::{ConnectError, ErrantRecordReporter, PartitionOffsets, Result, SinkRecord, SinkTask, SinkTaskContext, TopicPartition};
use reqwest::{Method, StatusCode};
use tokio::sync::{mpsc, Semaphore};
use tokio::task::JoinHandle;

use crate::bulk::{end_source, write_action, Action, Target};
use crate::client::Client;
use crate::config::{index_name, OnNull, SinkConfig, WriteMethod};
use crate::document::{describe, document_id, not_an_object, write_source};
use crate::mapping::index_mapping;
use crate::pipeline::{backoff, wait_idle, Command, Context, Op, Pipeline, Progress};

#[derive(Default)]
pub struct ElasticsearchSinkTask {
    running: Option<Running>,
}

struct Running {
    ctx: Arc<Context>,
    commands: mpsc::Sender<Command>,
    pipeline: JoinHandle<()>,
    /// Indices known to exist (with their mapping, where one is made).
    indices: HashSet<String>,
}

/// What a record becomes.
enum Prepared {
    Op(Action, String, Option<i64>, Vec<u8>),
    /// Nothing to write (an ignored tombstone, a delete without a key).
    Skip,
}

impl ElasticsearchSinkTask {
    fn running(&mut self) -> Result<&mut Running> {
        self.running.as_mut().ok_or_else(|| ConnectError::fatal("the task was not started"))
    }
}

impl Running {
    fn config(&self) -> &SinkConfig {
        &self.ctx.config
    }

    /// The bulk operation of a record, or why it cannot have one.
    fn prepare(&self, record: &SinkRecord, index: &str) -> Result<Prepared> {
        let config = self.config();
        let ignore_key = config.ignores_key(&record.topic);
        if record.value.is_null() {
            match config.on_null {
                OnNull::Ignore => return Ok(Prepared::Skip),
                OnNull::Delete if record.key.is_null() => return Ok(Prepared::Skip),
                OnNull::Delete => {}
                OnNull::Fail => {
                    return Err(ConnectError::data(format!(
                        "{} has a null value (to ignore future records like this change the configuration property 'behavior.on.null.values' from 'fail' to 'ignore')",
                        describe(record)
                    )))
                }
            }
        } else if let Some(why) = not_an_object(record) {
            return Err(ConnectError::data(why));
        }
        let id = document_id(record, ignore_key)?;
        // External versions keep replays from overwriting newer data; an
        // update cannot carry one, and a delete among upserts (internal
        // versions) must not either.
        let versioned = !ignore_key && config.write_method == WriteMethod::Insert;
        let version = versioned.then_some(record.offset);
        let action = match (record.value.is_null(), config.write_method) {
            (true, _) => Action::Delete,
            (false, WriteMethod::Insert) => Action::Index,
            (false, WriteMethod::Upsert) => Action::Upsert,
        };
        let mut bytes = Vec::with_capacity(256);
        write_action(&mut bytes, action, &Target { index, id: &id, version });
        if action != Action::Delete {
            write_source(&mut bytes, &record.value.value, record.value.schema.as_deref(), config.compact_map_entries)?;
            end_source(&mut bytes, action);
        }
        Ok(Prepared::Op(action, id, version, bytes))
    }

    /// Creates the index on first use, with a mapping from the record
    /// schema unless schemas are ignored; an index that has a mapping keeps it.
    async fn ensure_index(&mut self, index: &str, record: &SinkRecord) -> Result<()> {
        if self.indices.contains(index) {
            return Ok(());
        }
        let mapping = match (&record.value.schema, self.config().ignores_schema(&record.topic)) {
            (Some(schema), false) => index_mapping(schema, self.config().compact_map_entries),
            _ => None,
        };
        let client = &self.ctx.client;
        let backoff = backoff(self.config());
        let path = format!("/{}", encode(index));
        let exists = client.call_retrying(&format!("check if index {index} exists"), Method::HEAD, &path, None, &backoff).await?;
        match exists.status {
            StatusCode::OK => {
                if let Some(mapping) = mapping {
                    let current = client.call_retrying(&format!("get mapping for index {index}"), Method::GET, &format!("{path}/_mapping"), None, &backoff).await?;
                    let has = current.json().and_then(|j| j.get(index).and_then(|i| i["mappings"]["properties"].as_object().map(|p| !p.is_empty())));
                    if has != Some(true) {
                        tracing::info!(index, "creating the mapping of index {index} from the record schema");
                        let put = client.call_retrying(&format!("create mapping for index {index}"), Method::PUT, &format!("{path}/_mapping"), Some(mapping), &backoff).await?;
                        if !put.status.is_success() {
                            return Err(ConnectError::fatal(format!("Cannot create the mapping of index {index}: {}", put.error())));
                        }
                    }
                }
            }
            StatusCode::NOT_FOUND => {
                tracing::info!(index, "Creating index {index}");
                let body = mapping.map_or_else(|| serde_json::json!({}), |m| serde_json::json!({ "mappings": m }));
                let created = client.call_retrying(&format!("create index {index}"), Method::PUT, &path, Some(body), &backoff).await?;
                // Another task may have created it meanwhile.
                let raced = created.json().is_some_and(|j| j["error"]["type"] == "resource_already_exists_exception");
                if !created.status.is_success() && !raced {
                    return Err(ConnectError::fatal(format!("Cannot create index {index}: {}", created.error())));
                }
            }
            other => return Err(ConnectError::fatal(format!("Cannot check index {index}: status {other}"))),
        }
        self.indices.insert(index.to_owned());
        Ok(())
    }

    /// A record that cannot be a document: to the dead-letter queue, or
    /// dropped with `drop.invalid.message`, or the task fails.
    async fn invalid(&self, record: &SinkRecord, error: ConnectError) -> Result<()> {
        if let Some(reporter) = &self.ctx.reporter {
            tracing::warn!("{}: {error}; sent to the dead-letter queue", describe(record));
            return reporter.report(record, &error).await;
        }
        if self.config().drop_invalid {
            tracing::error!("Can't convert {}: {error}; dropped (drop.invalid.message=true)", describe(record));
            return Ok(());
        }
        Err(error)
    }

    async fn hand_over(&self, record: &SinkRecord, tp: &TopicPartition, prepared: (Action, String, Option<i64>, Vec<u8>)) -> Result<()> {
        let (action, id, version, bytes) = prepared;
        let permit = match tokio::time::timeout(self.config().flush_timeout, self.ctx.permits.clone().acquire_owned()).await {
            Ok(Ok(p)) => p,
            Ok(Err(_closed)) => return Err(self.ctx.error().unwrap_or_else(|| ConnectError::fatal("the Elasticsearch pipeline stopped"))),
            Err(_) => {
                return Err(ConnectError::fatal(
                    "Could not make space in the internal buffer fast enough. Consider increasing flush.timeout.ms or max.buffered.records.",
                ))
            }
        };
        self.ctx.progress().offsets.sent(tp, record.offset);
        let op = Op {
            tp: tp.clone(),
            offset: record.offset,
            action,
            versioned: version.is_some(),
            // Keyed writes of one document go out one at a time, in offset order: a
            // version check alone would not keep a retried old write from
            // recreating a document deleted meanwhile once the cluster forgot
            // the delete (index.gc_deletes).
            doc: (!self.config().ignores_key(&record.topic)).then(|| format!("{}/{id}", index_name(&record.topic))),
            bytes,
            record: self.ctx.reporter.is_some().then(|| record.clone()),
            permit,
        };
        self.commands.send(Command::Op(op)).await.map_err(|_| ConnectError::fatal("the Elasticsearch pipeline stopped"))
    }
}

/// An index name as a URL path segment.
fn encode(index: &str) -> String {
    index.bytes().map(|b| if b.is_ascii_alphanumeric() || b"-_.+".contains(&b) { (b as char).to_string() } else { format!("%{b:02X}") }).collect()
}

#[async_trait]
impl SinkTask for ElasticsearchSinkTask {
    async fn start(&mut self, props: Props, context: SinkTaskContext) -> Result<()> {
        let config = Arc::new(SinkConfig::parse(&props)?);
        let client = Arc::new(Client::new(&config)?);
        match client.version().await {
            Ok(v) => tracing::info!("Started the Elasticsearch sink; the cluster is version {v}"),
            Err(e) => tracing::warn!("Failed to get the Elasticsearch version: {}", e.message),
        }
        let reporter: Option<Arc<dyn ErrantRecordReporter>> = context.errant_record_reporter;
        let ctx = Arc::new(Context {
            client,
            permits: Arc::new(Semaphore::new(config.max_buffered)),
            config: config.clone(),
            reporter,
            progress: Arc::new(Mutex::new(Progress::default())),
        });
        let (commands, rx) = mpsc::channel(config.batch_size.min(4096));
        let pipeline = tokio::spawn(Pipeline::new(ctx.clone()).run(rx));
        self.running = Some(Running { ctx, commands, pipeline, indices: HashSet::new() });
        Ok(())
    }

    async fn put(&mut self, records: Vec<SinkRecord>) -> Result<()> {
        let running = self.running()?;
        if let Some(e) = running.ctx.error() {
            return Err(e);
        }
        let mut last_tp: Option<TopicPartition> = None;
        for record in &records {
            let tp = match &last_tp {
                Some(tp) if tp.partition == record.partition && tp.topic == record.topic => tp.clone(),
                _ => record.topic_partition(),
            };
            let index = index_name(&record.topic);
            running.ensure_index(&index, record).await?;
            match running.prepare(record, &index) {
                Ok(Prepared::Op(action, id, version, bytes)) => running.hand_over(record, &tp, (action, id, version, bytes)).await?,
                Ok(Prepared::Skip) => {}
                Err(e) => running.invalid(record, e).await?,
            }
            last_tp = Some(tp);
        }
        if running.ctx.reporter.is_some() && !records.is_empty() {
            // The dead-letter queue takes a refused record's original bytes
            // only while its batch is the current one: wait for the answers.
            let _ = running.commands.send(Command::Flush).await;
            wait_idle(&running.ctx, running.config().flush_timeout).await?;
        }
        Ok(())
    }

    async fn flush(&mut self, _offsets: &PartitionOffsets) -> Result<()> {
        let running = self.running()?;
        let _ = running.commands.send(Command::Flush).await;
        wait_idle(&running.ctx, running.config().flush_timeout).await
    }

    async fn pre_commit(&mut self, offsets: &PartitionOffsets) -> Result<PartitionOffsets> {
        let running = self.running()?;
        if let Some(e) = running.ctx.error() {
            return Err(e);
        }
        // Whatever is batched goes now; its offsets come at a later commit.
        let _ = running.commands.try_send(Command::Flush);
        Ok(running.ctx.progress().offsets.committable(offsets))
    }

    async fn close(&mut self, partitions: &[TopicPartition]) -> Result<()> {
        if let Some(r) = &self.running {
            r.ctx.progress().offsets.close(partitions);
        }
        Ok(())
    }

    async fn stop(&mut self) -> Result<()> {
        if let Some(r) = self.running.take() {
            drop(r.commands);
            r.pipeline.abort();
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn index_names_are_escaped_in_paths() {
        assert_eq!(encode("logs-2024.07"), "logs-2024.07");
        assert_eq!(encode("a b#c"), "a%20b%23c");
    }
}
