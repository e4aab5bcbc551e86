//! The source task loop: poll → converters → producer; a record's source
//! offset becomes committable once the broker acknowledged it and every
//! record before it; offsets are stored every `offset.flush.interval.ms`
//! and when the task stops.

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;
use std::time::Instant;

use ferry_api::config::Props;
use ferry_api::{ConnectError, Result, SourceMap, SourceRecord, SourceTask};
use futures::FutureExt;
use tokio::sync::watch;

use super::convert_record::serialize;
use super::{report, target_during_poll, wait_while_paused, DuringPoll, TaskTarget, TopicsSeen, Worker};
use crate::config::connector::ConnectorConfig;
use crate::convert::Converters;
use crate::herder::{State, TaskId};
use crate::log::{Ack, LogProducer};
use crate::stores::TaskOffsetReader;
use crate::transforms::{self, Chain};
use super::errors::ErrorPolicy;

/// A record handed to the producer, waiting for the broker's ack.
struct InFlight {
    partition: Arc<str>,
    offset: SourceMap,
    ack: Ack,
}

pub struct SourceTaskRunner {
    worker: Arc<Worker>,
    id: TaskId,
    task: Box<dyn SourceTask>,
    props: Props,
    converters: Converters,
    producer: Box<dyn LogProducer>,
    control: watch::Receiver<TaskTarget>,
    pending: Pending,
    chain: Chain,
    policy: ErrorPolicy,
    topics_seen: TopicsSeen,
    last_flush: Instant,
}

impl SourceTaskRunner {
    pub fn new(
        worker: Arc<Worker>,
        id: TaskId,
        connector: &ConnectorConfig,
        task: Box<dyn SourceTask>,
        props: Props,
        converters: Converters,
        control: watch::Receiver<TaskTarget>,
    ) -> Result<Self> {
        let overrides = ferry_api::config::with_prefix(&connector.props, "producer.override.");
        let producer = worker.log.producer(&format!("connector-producer-{id}"), &overrides)?;
        Ok(Self {
            worker,
            id,
            task,
            props,
            converters,
            producer,
            control,
            pending: Pending::default(),
            chain: Chain::parse(&connector.props)?,
            policy: ErrorPolicy::from_props(&connector.props),
            topics_seen: TopicsSeen::default(),
            last_flush: Instant::now(),
        })
    }

    pub async fn run(mut self) {
        let status = self.worker.status.clone();
        let id = self.id.clone();
        let outcome = self.run_inner().await;
        // Whatever happened, store what the broker acknowledged.
        let flushed = self.finish().await;
        report(&status, &id, "source", outcome.and(flushed));
    }

    async fn run_inner(&mut self) -> Result<()> {
        let reader = Arc::new(TaskOffsetReader {
            connector: self.id.connector.clone(),
            store: self.worker.offsets.clone(),
        });
        self.task.start(self.props.clone(), reader).await?;
        let status = self.worker.status.clone();
        let mut running = false;
        loop {
            let target = *self.control.borrow();
            match target {
                TaskTarget::Stop => return Ok(()),
                TaskTarget::Pause => {
                    self.commit_offsets().await?;
                    status.set_task(&self.id, State::Paused, None);
                    running = false;
                    if wait_while_paused(&mut self.control).await == TaskTarget::Stop {
                        return Ok(());
                    }
                    continue;
                }
                TaskTarget::Run if !running => {
                    status.set_task(&self.id, State::Running, None);
                    running = true;
                }
                TaskTarget::Run => {}
            }
            if self.last_flush.elapsed() >= self.worker.config.offset_flush_interval {
                self.commit_offsets().await?;
            }
            // Offsets are stored on schedule even while a poll waits for
            // data, so what the broker acknowledged is never held back by
            // a quiet source.
            let mut stored = false;
            // A pause during a poll takes effect at once: the task reads
            // PAUSED, and what the poll returns waits for the resume. The
            // poll itself runs on, so a connector never loses what it read.
            let mut paused = false;
            let records = {
                let poll = self.task.poll();
                tokio::pin!(poll);
                loop {
                    let due = self.last_flush + self.worker.config.offset_flush_interval;
                    tokio::select! {
                        polled = &mut poll => break polled?,
                        changed = self.control.changed() => {
                            match target_during_poll(changed, &mut self.control, &mut paused, &status, &self.id) {
                                DuringPoll::Stop => return Ok(()),
                                DuringPoll::Paused => {
                                    self.last_flush = Instant::now();
                                    stored |= store_offsets(&self.worker, &self.id, &mut self.pending).await?;
                                }
                                DuringPoll::Carry => {}
                            }
                        }
                        _ = tokio::time::sleep_until(due.into()) => {
                            self.last_flush = Instant::now();
                            stored |= store_offsets(&self.worker, &self.id, &mut self.pending).await?;
                        }
                    }
                }
            };
            if paused {
                if wait_while_paused(&mut self.control).await == TaskTarget::Stop {
                    return Ok(());
                }
                status.set_task(&self.id, State::Running, None);
            }
            if stored {
                self.task.commit().await?;
            }
            if records.is_empty() {
                tokio::task::yield_now().await;
            }
            for record in records {
                self.send(record).await?;
            }
            self.producer.end_batch().await?;
            self.pending.collect_acks(false).await?;
        }
    }

    async fn send(&mut self, record: SourceRecord) -> Result<()> {
        let retry = self.policy.retry;
        let record = if self.chain.is_empty() {
            record
        } else {
            match retry.run_owned(record, |r| transform(&self.chain, r), |(_, e)| e).await {
                Ok(Some(r)) => r,
                Ok(None) => return Ok(()),
                Err((class, e)) => return self.skip_or_fail("TRANSFORMATION", &class, e),
            }
        };
        let mut out = match retry.run(|| serialize(&self.converters, &record), |(_, e)| e).await {
            Ok(out) => out,
            Err((stage, e)) => return self.skip_or_fail(stage.name(), "converter", e),
        };
        self.topics_seen.note(&self.worker.status, &self.id.connector, &record.topic);
        let partition = self.pending.partition_key(record.source_partition);
        loop {
            match self.producer.send(out) {
                Ok(ack) => {
                    self.pending.in_flight.push_back(InFlight { partition, offset: record.source_offset, ack });
                    return Ok(());
                }
                Err((_full, back)) => {
                    // The log's queue is full: wait for the oldest record's ack.
                    out = back;
                    self.pending.collect_acks(true).await?;
                }
            }
        }
    }

    /// A record that failed at `stage`: skipped (and logged, as asked) under
    /// `errors.tolerance=all`, else the end of the task. A skipped record's
    /// offset is not stored until a later record of its partition is acknowledged.
    fn skip_or_fail(&self, stage: &str, class: &str, e: ConnectError) -> Result<()> {
        if !self.policy.tolerate_all {
            return Err(ConnectError::new(e.kind(), format!("Tolerance exceeded in error handler ({stage} stage): {}", e.message())).with_source(e));
        }
        if self.policy.log {
            tracing::error!(task = %self.id, stage, class, "error processing a record: {e}");
        }
        Ok(())
    }

    /// Stores acknowledged offsets and tells the task.
    async fn commit_offsets(&mut self) -> Result<()> {
        self.last_flush = Instant::now();
        if store_offsets(&self.worker, &self.id, &mut self.pending).await? {
            self.task.commit().await?;
        }
        Ok(())
    }

    /// Waits (up to `offset.flush.timeout.ms`) for records still in flight,
    /// stores the offsets, and stops the task.
    async fn finish(&mut self) -> Result<()> {
        let ended = self.producer.end_batch().await;
        let deadline = Instant::now() + self.worker.config.offset_flush_timeout;
        while !self.pending.in_flight.is_empty() && Instant::now() < deadline {
            let remaining = deadline.saturating_duration_since(Instant::now());
            if tokio::time::timeout(remaining, self.pending.collect_acks(true)).await.is_err() {
                break;
            }
        }
        if !self.pending.in_flight.is_empty() {
            tracing::warn!(task = %self.id, pending = self.pending.in_flight.len(),
                "records still unacknowledged at stop; their offsets are not stored and they will be sent again");
        }
        let committed = self.commit_offsets().await;
        let stopped = self.task.stop().await;
        self.producer.flush(std::time::Duration::from_millis(100)).await;
        ended.and(committed).and(stopped)
    }
}

/// Records handed to the producer and the offsets they make committable.
#[derive(Default)]
struct Pending {
    in_flight: VecDeque<InFlight>,
    /// Source partitions by their JSON text, so equal maps share a key.
    partitions: HashMap<Arc<str>, SourceMap>,
    /// Acked offsets not yet stored.
    committable: HashMap<Arc<str>, SourceMap>,
    last_partition: Option<(SourceMap, Arc<str>)>,
}

impl Pending {
    /// Interns the partition map so the many records of one partition
    /// share one key.
    fn partition_key(&mut self, partition: SourceMap) -> Arc<str> {
        // Most records are of the partition the record before was of.
        if let Some((last, key)) = &self.last_partition {
            if *last == partition {
                return key.clone();
            }
        }
        let key = self.intern(&partition);
        self.last_partition = Some((partition, key.clone()));
        key
    }

    fn intern(&mut self, partition: &SourceMap) -> Arc<str> {
        let text = serde_json::to_string(partition).unwrap_or_default();
        if let Some((k, _)) = self.partitions.get_key_value(text.as_str()) {
            return k.clone();
        }
        let key: Arc<str> = text.into();
        let map = match serde_json::from_str(&key) {
            Ok(serde_json::Value::Object(m)) => m,
            _ => SourceMap::new(),
        };
        self.partitions.insert(key.clone(), map);
        key
    }

    /// Moves acknowledged records, in order, into the committable offsets.
    /// With `wait_one`, waits for the oldest record first.
    async fn collect_acks(&mut self, wait_one: bool) -> Result<()> {
        let mut wait = wait_one;
        while let Some(front) = self.in_flight.front_mut() {
            let result = if wait {
                wait = false;
                Some((&mut front.ack).await)
            } else {
                // Outside tokio's cooperative budget: with it, a ready ack
                // polls as pending once the task spent its budget, and the
                // queue would grow by a batch at every poll.
                tokio::task::unconstrained(&mut front.ack).now_or_never()
            };
            let Some(result) = result else { break };
            let done = self.in_flight.pop_front().ok_or_else(|| ConnectError::fatal("in-flight queue emptied"))?;
            result?;
            self.committable.insert(done.partition, done.offset);
        }
        Ok(())
    }

    /// The acknowledged offsets to store, by partition.
    fn take_committable(&mut self) -> Vec<(SourceMap, Option<SourceMap>)> {
        let partitions = &self.partitions;
        self.committable.drain().map(|(k, offset)| (partitions.get(&k).cloned().unwrap_or_default(), Some(offset))).collect()
    }
}

/// Stores what the broker acknowledged; whether anything was stored.
async fn store_offsets(worker: &Worker, id: &TaskId, pending: &mut Pending) -> Result<bool> {
    pending.collect_acks(false).await?;
    let batch = pending.take_committable();
    if batch.is_empty() {
        return Ok(false);
    }
    worker.offsets.put(&id.connector, batch).await?;
    Ok(true)
}

/// A source record through the transforms; its source partition and offset stay.
fn transform(chain: &Chain, r: SourceRecord) -> std::result::Result<Option<SourceRecord>, (String, ConnectError)> {
    let (source_partition, source_offset) = (r.source_partition, r.source_offset);
    let record = transforms::Record {
        topic: r.topic,
        partition: r.partition,
        offset: None,
        key: r.key,
        value: r.value,
        timestamp: r.timestamp,
        headers: r.headers,
    };
    Ok(chain.apply(record)?.map(|t| SourceRecord {
        source_partition,
        source_offset,
        topic: t.topic,
        partition: t.partition,
        key: t.key,
        value: t.value,
        timestamp: t.timestamp,
        headers: t.headers,
    }))
}
