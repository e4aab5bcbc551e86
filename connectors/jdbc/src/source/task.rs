//! The source task: reads its tables in turn, each once per
//! `poll.interval.ms`. A query runs in the background and streams rows
//! through a bounded channel, so the database read, the row mapping and
//! the worker's conversion overlap while memory stays bounded.

use std::sync::Arc;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use ferry_api::config::Props;
use ferry_api::{ConnectError, OffsetReader, Result, SourceRecord, SourceTask, Struct, Value};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use super::config::{SourceConfig, TASK_TABLES};
use super::offset::{legacy_table_partition, query_partition, table_partition, Offset};
use super::querier::Querier;
use super::sql::Mode;
use super::tables::{check_mode_columns, resolve_incrementing};
use crate::dialect::{Db, TableId};

/// Longest a poll waits before handing control back to the worker.
const MAX_WAIT: Duration = Duration::from_secs(1);

/// A query in flight for one querier.
struct Scan {
    querier: usize,
    rows: mpsc::Receiver<Result<Vec<Value>>>,
    handle: JoinHandle<(Db, Result<()>)>,
    /// Timestamp mode: the last row read, held until the next row shows
    /// whether its timestamp is complete.
    held: Option<(Struct, Offset)>,
}

#[derive(Default)]
pub struct JdbcSourceTask {
    config: Option<SourceConfig>,
    queriers: Vec<Querier>,
    db: Option<Db>,
    scan: Option<Scan>,
    /// When to try the database again after a failure.
    retry_at: Option<Instant>,
}

impl JdbcSourceTask {
    fn config(&self) -> Result<&SourceConfig> {
        self.config.as_ref().ok_or_else(|| ConnectError::fatal("the task was not started"))
    }

    async fn connected(&mut self) -> Result<&mut Db> {
        if self.db.is_none() {
            let config = self.config()?;
            let db = Db::connect_with_retries(&config.connect, config.attempts, config.backoff).await?;
            self.db = Some(db);
            // Statements belong to the connection that prepared them.
            self.queriers.iter_mut().for_each(|q| q.plan = None);
        }
        self.db.as_mut().ok_or_else(|| ConnectError::fatal("no connection"))
    }

    /// Starts the query of the querier due first, if it is due.
    async fn start_scan(&mut self) -> Result<bool> {
        let Some((index, due)) = self.queriers.iter().enumerate().map(|(i, q)| (i, q.next_due)).min_by_key(|(_, d)| *d) else {
            tokio::time::sleep(MAX_WAIT).await;
            return Ok(false);
        };
        let now = Instant::now();
        if due > now {
            tokio::time::sleep((due - now).min(MAX_WAIT)).await;
            return Ok(false);
        }
        let config = self.config()?.clone();
        self.connected().await?;
        let mut db = self.db.take().ok_or_else(|| ConnectError::fatal("no connection"))?;
        let q = &mut self.queriers[index];
        let prepared = async {
            if q.plan.is_none() {
                q.prepare(&mut db, &config).await?;
            }
            q.params(&mut db, &config).await
        }
        .await;
        let params = match prepared {
            Ok(p) => p,
            Err(e) => {
                self.db = Some(db);
                return Err(e);
            }
        };
        let plan = q.plan.as_ref().ok_or_else(|| ConnectError::fatal("query not prepared"))?;
        let (tx, rx) = mpsc::channel(config.batch_max_rows.max(64) * 2);
        let (prepared, fields) = (plan.prepared.clone(), plan.fields.clone());
        let fetch = config.batch_max_rows.max(1000);
        let handle = tokio::spawn(db.stream(prepared, params, fields, fetch, tx));
        self.scan = Some(Scan { querier: index, rows: rx, handle, held: None });
        Ok(true)
    }

    /// Up to `batch.max.rows` records from the running scan.
    async fn read_scan(&mut self) -> Result<Vec<SourceRecord>> {
        let config = self.config()?.clone();
        let Some(scan) = self.scan.as_mut() else { return Ok(Vec::new()) };
        let mut records = Vec::new();
        let mut ended = false;
        let mut rows = Vec::with_capacity(config.batch_max_rows);
        match tokio::time::timeout(MAX_WAIT, scan.rows.recv_many(&mut rows, config.batch_max_rows)).await {
            Ok(0) => ended = true,
            Ok(_) => {}
            Err(_) => return Ok(records), // nothing yet
        }
        let q = &mut self.queriers[scan.querier];
        for row in rows {
            let (st, offset) = match row.and_then(|values| q.row(values)) {
                Ok(r) => r,
                Err(e) => {
                    // Data the records cannot carry: stop the scan, keep the offset.
                    scan.rows.close();
                    return Err(e);
                }
            };
            if config.mode == Mode::Timestamp {
                // The held row's timestamp is complete once a later one shows up.
                if let Some((held, held_offset)) = scan.held.take() {
                    let at = if Querier::same_timestamp(&held_offset, &offset) { q.offset } else { held_offset };
                    records.push(q.record(held, at, config.mode)?);
                    q.offset = at;
                }
                scan.held = Some((st, offset));
            } else {
                records.push(q.record(st, offset, config.mode)?);
                q.offset = offset;
            }
        }
        if ended {
            records.extend(self.finish_scan().await?);
        }
        Ok(records)
    }

    /// The query ended: take the connection back, release the held row.
    async fn finish_scan(&mut self) -> Result<Vec<SourceRecord>> {
        let Some(scan) = self.scan.take() else { return Ok(Vec::new()) };
        let config = self.config()?.clone();
        let q = &mut self.queriers[scan.querier];
        q.next_due = Instant::now() + config.poll_interval;
        let (db, outcome) = scan.handle.await.map_err(|e| ConnectError::fatal(format!("The query task ended abnormally: {e}")))?;
        let mut records = Vec::new();
        if let Some((held, offset)) = scan.held {
            // Complete only if the query read every row.
            let at = if outcome.is_ok() { offset } else { q.offset };
            records.push(q.record(held, at, config.mode)?);
            q.offset = at;
        }
        match outcome {
            Ok(()) => self.db = Some(db),
            Err(e) => {
                // Keep what was read; the connection is suspect.
                tracing::warn!(error = %e, "query failed; reconnecting and resuming from the last offset");
                self.retry_at = Some(Instant::now() + config.backoff.min(Duration::from_secs(10)));
            }
        }
        Ok(records)
    }
}

/// Builds the queriers of a task from its config.
async fn queriers(config: &SourceConfig, tables: &[TableId], db: &mut Db, offsets: &dyn OffsetReader) -> Result<Vec<Querier>> {
    let now = Instant::now();
    let mut out = Vec::new();
    if config.query.is_some() {
        let partition = query_partition();
        let offset = offsets.offset(&partition).await?.map(|m| Offset::from_map(&m)).unwrap_or_default();
        let inc = Some(config.incrementing_column.clone()).filter(|c| !c.is_empty());
        out.push(Querier { table: None, partition, topic: config.topic_prefix.clone(), offset, incrementing_column: inc, key_columns: Vec::new(), plan: None, next_due: now });
        return Ok(out);
    }
    for table in tables {
        let columns = db.describe(table).await?;
        if columns.is_empty() {
            return Err(ConnectError::config(format!("Table {} does not exist or has no columns", table.fqn())));
        }
        let inc = resolve_incrementing(config, table, &columns)?;
        check_mode_columns(config, table, &columns, inc.as_deref())?;
        let partition = table_partition(&table.fqn());
        let stored = match offsets.offset(&partition).await? {
            Some(m) => Some(m),
            None => offsets.offset(&legacy_table_partition(&table.name)).await?,
        };
        let mut offset = stored.map(|m| Offset::from_map(&m)).unwrap_or_default();
        if offset.timestamp.is_none() && config.mode.uses_timestamp() {
            offset.timestamp = match config.timestamp_initial {
                Some(-1) => Some(db.now().await?),
                Some(ms) => chrono::DateTime::from_timestamp_millis(ms),
                None => None,
            };
        }
        let mut key_columns: Vec<(u32, String)> = if config.key_from_primary_key {
            columns.iter().filter_map(|c| c.primary_key.map(|p| (p, c.name.clone()))).collect()
        } else {
            Vec::new()
        };
        key_columns.sort();
        out.push(Querier {
            table: Some(table.clone()),
            partition,
            topic: format!("{}{}", config.topic_prefix, table.name),
            offset,
            incrementing_column: inc,
            key_columns: key_columns.into_iter().map(|(_, n)| n).collect(),
            plan: None,
            next_due: now,
        });
    }
    Ok(out)
}

#[async_trait]
impl SourceTask for JdbcSourceTask {
    async fn start(&mut self, props: Props, offsets: Arc<dyn OffsetReader>) -> Result<()> {
        let config = SourceConfig::parse(&props)?;
        let dialect = config.connect.dialect;
        let tables: Vec<TableId> = props
            .get(TASK_TABLES)
            .map(|t| t.split(',').filter(|s| !s.is_empty()).map(|s| TableId::parse(dialect, s)).collect())
            .unwrap_or_default();
        let mut db = Db::connect_with_retries(&config.connect, config.attempts, config.backoff).await?;
        self.queriers = queriers(&config, &tables, &mut db, offsets.as_ref()).await?;
        self.db = Some(db);
        self.config = Some(config);
        Ok(())
    }

    async fn poll(&mut self) -> Result<Vec<SourceRecord>> {
        if let Some(at) = self.retry_at {
            let now = Instant::now();
            if at > now {
                tokio::time::sleep((at - now).min(MAX_WAIT)).await;
                return Ok(Vec::new());
            }
            self.retry_at = None;
        }
        if self.scan.is_none() {
            match self.start_scan().await {
                Ok(true) => {}
                Ok(false) => return Ok(Vec::new()),
                Err(e) if e.kind() == ferry_api::ErrorKind::Retriable => {
                    tracing::warn!(error = %e, "database unavailable; retrying");
                    self.db = None;
                    self.retry_at = Some(Instant::now() + self.config()?.backoff.min(Duration::from_secs(10)));
                    return Ok(Vec::new());
                }
                Err(e) => return Err(e),
            }
        }
        self.read_scan().await
    }

    async fn stop(&mut self) -> Result<()> {
        if let Some(scan) = self.scan.take() {
            scan.handle.abort();
        }
        self.db = None;
        Ok(())
    }
}
