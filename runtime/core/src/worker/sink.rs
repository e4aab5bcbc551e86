//! The sink task loop: consumer group `connect-<name>` → converters →
//! `put` in batches; every `offset.flush.interval.ms` and on stop:
//! `pre_commit`, then the consumer offsets it allowed.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::{Duration, Instant};

use ferry_api::config::Props;
use ferry_api::{PartitionOffsets, Result, SinkRecord, SinkTask, SinkTaskContext, TopicPartition};
use tokio::sync::watch;

use super::convert_record::deserialize;
use super::errors::{ErrorHandler, ErrorPolicy, Stage, TaskReporter};
use super::{report, target_during_poll, wait_while_paused, DuringPoll, TaskTarget, TopicsSeen, Worker};
use crate::config::connector::ConnectorConfig;
use crate::convert::Converters;
use crate::herder::{State, TaskId};
use crate::log::{Assignment, LogConsumer, LogRecord, Subscription};
use crate::transforms::{self, Chain};

/// Most records handed to one `put`.
const MAX_BATCH: usize = 2000;
/// How long one wait for records lasts before the loop looks at its controls.
const POLL_WAIT: Duration = Duration::from_millis(500);

pub fn subscription(connector: &ConnectorConfig) -> Subscription {
    match &connector.topics_regex {
        Some(re) => Subscription::Regex(re.clone()),
        None => Subscription::Topics(connector.topics.clone()),
    }
}

pub struct SinkTaskRunner {
    worker: Arc<Worker>,
    id: TaskId,
    task: Box<dyn SinkTask>,
    props: Props,
    converters: Converters,
    consumer: Box<dyn LogConsumer>,
    control: watch::Receiver<TaskTarget>,
    assigned: HashSet<TopicPartition>,
    /// Next offset to read, per partition, for records `put` so far.
    consumed: PartitionOffsets,
    committed: PartitionOffsets,
    topics_seen: TopicsSeen,
    last_commit: Instant,
    /// Whether the status says the consumer is stuck.
    stalled: bool,
    errors: Arc<ErrorHandler>,
    chain: Chain,
    /// Converter class names, for the dead-letter queue's headers.
    converter_classes: [String; 3],
}

impl SinkTaskRunner {
    pub fn new(
        worker: Arc<Worker>,
        id: TaskId,
        connector: &ConnectorConfig,
        task: Box<dyn SinkTask>,
        props: Props,
        converters: Converters,
        control: watch::Receiver<TaskTarget>,
    ) -> Result<Self> {
        let overrides = ferry_api::config::with_prefix(&connector.props, "consumer.override.");
        let group = format!("connect-{}", connector.name);
        let consumer = worker.log.consumer(&group, &format!("connector-consumer-{id}"), subscription(connector), &overrides)?;
        let policy = ErrorPolicy::from_props(&connector.props);
        let dlq = match (&policy.dlq_topic, policy.tolerate_all) {
            (Some(_), true) => {
                let producer_overrides = ferry_api::config::with_prefix(&connector.props, "producer.override.");
                Some(worker.log.producer(&format!("connector-dlq-producer-{id}"), &producer_overrides)?)
            }
            _ => None,
        };
        let class = worker.registry.find_connector(&connector.class).map_or(connector.class.as_str(), |p| p.class);
        let task_class = class.strip_suffix("Connector").map_or_else(|| class.to_owned(), |c| format!("{c}Task"));
        let errors = Arc::new(ErrorHandler::new(policy, id.clone(), task_class, dlq));
        let converter = |own: &Option<String>, key: &str, default: &str| {
            let name = own.clone().or_else(|| worker.config.props.get(key).cloned()).unwrap_or_else(|| default.to_owned());
            worker.registry.find_converter(&name).map_or(name, |p| p.class.to_owned())
        };
        let converter_classes = [
            converter(&connector.key_converter, "key.converter", "org.apache.kafka.connect.json.JsonConverter"),
            converter(&connector.value_converter, "value.converter", "org.apache.kafka.connect.json.JsonConverter"),
            connector.header_converter.clone().or_else(|| worker.config.props.get("header.converter").cloned())
                .unwrap_or_else(|| "org.apache.kafka.connect.storage.SimpleHeaderConverter".to_owned()),
        ];
        Ok(Self {
            worker,
            id,
            task,
            props,
            converters,
            consumer,
            control,
            assigned: HashSet::new(),
            consumed: HashMap::new(),
            committed: HashMap::new(),
            topics_seen: TopicsSeen::default(),
            last_commit: Instant::now(),
            stalled: false,
            errors,
            chain: Chain::parse(&connector.props)?,
            converter_classes,
        })
    }

    pub async fn run(mut self) {
        let status = self.worker.status.clone();
        let id = self.id.clone();
        let outcome = self.run_inner().await;
        let finished = self.finish(outcome.is_ok()).await;
        report(&status, &id, "sink", outcome.and(finished));
    }

    async fn run_inner(&mut self) -> Result<()> {
        // Tasks may report refused records only where errors are tolerated.
        let reporter: Option<Arc<dyn ferry_api::ErrantRecordReporter>> =
            self.errors.tolerates().then(|| Arc::new(TaskReporter(self.errors.clone())) as Arc<dyn ferry_api::ErrantRecordReporter>);
        self.task.start(self.props.clone(), SinkTaskContext { errant_record_reporter: reporter }).await?;
        let status = self.worker.status.clone();
        let mut running = false;
        loop {
            self.handle_rebalances().await?;
            match *self.control.borrow() {
                TaskTarget::Stop => return Ok(()),
                TaskTarget::Run if !running => {
                    status.set_task(&self.id, State::Running, None);
                    running = true;
                }
                TaskTarget::Run | TaskTarget::Pause => {}
            }
            if *self.control.borrow() == TaskTarget::Pause {
                self.commit().await?;
                status.set_task(&self.id, State::Paused, None);
                running = false;
                if wait_while_paused(&mut self.control).await == TaskTarget::Stop {
                    return Ok(());
                }
                continue;
            }
            if self.last_commit.elapsed() >= self.worker.config.offset_flush_interval {
                self.commit().await?;
            }
            // A pause during the poll takes effect at once: the task reads
            // PAUSED, and the records the poll returns wait for the resume.
            let mut paused = false;
            let mut records = {
                let poll = self.consumer.poll(MAX_BATCH, POLL_WAIT);
                tokio::pin!(poll);
                loop {
                    tokio::select! {
                        polled = &mut poll => break polled?,
                        changed = self.control.changed() => {
                            if target_during_poll(changed, &mut self.control, &mut paused, &status, &self.id) == DuringPoll::Stop {
                                return Ok(());
                            }
                        }
                    }
                }
            };
            if paused {
                self.commit().await?;
                if wait_while_paused(&mut self.control).await == TaskTarget::Stop {
                    return Ok(());
                }
                status.set_task(&self.id, State::Running, None);
                // Partitions revoked meanwhile are another member's now; it reads them again.
                self.handle_rebalances().await?;
                records.retain(|r| self.assigned.is_empty() || self.assigned.contains(&TopicPartition { topic: r.topic.clone(), partition: r.partition }));
            }
            self.report_stall(&status);
            if records.is_empty() {
                continue;
            }
            let mut batch = Vec::with_capacity(records.len());
            let retry = self.errors.retry();
            for (i, r) in records.iter().enumerate() {
                // Converting is the loop's own CPU work: give way now and then
                // to the tasks of this thread (e.g. the task's own write).
                if i % 256 == 255 {
                    tokio::task::yield_now().await;
                }
                match retry.run(|| deserialize(&self.converters, r), |(_, e)| e).await {
                    Ok(record) if self.chain.is_empty() => batch.push(record),
                    Ok(record) => match retry.run_owned(record, |r| transform(&self.chain, r), |(_, e)| e).await {
                        Ok(Some(record)) => batch.push(record),
                        Ok(None) => {} // filtered out
                        Err((class, e)) => self.errors.failed(r, Stage::Transformation, &class, e).await?,
                    },
                    Err((stage, e)) => {
                        let class = match stage {
                            Stage::KeyConverter => &self.converter_classes[0],
                            Stage::ValueConverter => &self.converter_classes[1],
                            Stage::HeaderConverter | Stage::Transformation | Stage::TaskPut => &self.converter_classes[2],
                        };
                        self.errors.failed(r, stage, class, e).await?;
                    }
                }
            }
            self.errors.remember(&records);
            self.put(batch, &records).await?;
        }
    }

    /// A consumer stuck for `task.stall.report.ms` makes its task say so
    /// (still RUNNING, with a trace), and clears it once records flow.
    fn report_stall(&mut self, status: &crate::stores::StatusStore) {
        let stall = self.consumer.trouble().filter(|(stuck, _)| *stuck >= self.worker.config.task_stall_report);
        let trace = stall.map(|(stuck, error)| {
            format!("The task's consumer has fetched nothing for {} s while its Kafka client reports: {error}", stuck.as_secs())
        });
        if trace.is_some() != self.stalled {
            self.stalled = trace.is_some();
            match &trace {
                Some(t) => tracing::warn!(task = %self.id, "{t}"),
                None => tracing::info!(task = %self.id, "the task's consumer fetches again"),
            }
            status.set_task(&self.id, State::Running, trace);
        }
    }

    /// Puts the batch; then every polled record counts as consumed, the
    /// ones filtered out or sent to the dead-letter queue too. Offsets and
    /// active topics are the consumed ones, whatever transforms renamed.
    async fn put(&mut self, batch: Vec<SinkRecord>, polled: &[LogRecord]) -> Result<()> {
        // Per run of one partition, not per record.
        let runs = || polled.chunk_by(|a, b| a.topic == b.topic && a.partition == b.partition);
        for run in runs() {
            self.topics_seen.note(&self.worker.status, &self.id.connector, &run[0].topic);
        }
        self.task.put(batch).await?;
        for run in runs() {
            let next = run.iter().map(|r| r.offset).max().unwrap_or(run[0].offset) + 1;
            advance(&mut self.consumed, TopicPartition { topic: run[0].topic.clone(), partition: run[0].partition }, next);
        }
        Ok(())
    }

    async fn handle_rebalances(&mut self) -> Result<()> {
        for change in self.consumer.assignment_changes() {
            match change {
                Assignment::Assigned(tps) => {
                    self.assigned.extend(tps.iter().cloned());
                    self.task.open(&tps).await?;
                }
                Assignment::Revoked(tps) => {
                    for tp in &tps {
                        self.assigned.remove(tp);
                        self.consumed.remove(tp);
                        self.committed.remove(tp);
                    }
                    self.task.close(&tps).await?;
                }
            }
        }
        Ok(())
    }

    /// `pre_commit`, then commits the offsets it allowed that moved.
    async fn commit(&mut self) -> Result<()> {
        self.last_commit = Instant::now();
        if self.consumed.is_empty() {
            return Ok(());
        }
        let allowed = self.task.pre_commit(&self.consumed).await?;
        let changed: PartitionOffsets =
            allowed.into_iter().filter(|(tp, o)| self.committed.get(tp) != Some(o)).collect();
        if changed.is_empty() {
            return Ok(());
        }
        self.consumer.commit(&changed).await?;
        self.committed.extend(changed);
        Ok(())
    }

    async fn finish(&mut self, clean: bool) -> Result<()> {
        // After a failure the task's buffered data is suspect: commit nothing.
        let committed = if clean { self.commit().await } else { Ok(()) };
        let assigned: Vec<TopicPartition> = self.assigned.iter().cloned().collect();
        let closed = self.task.close(&assigned).await;
        let stopped = self.task.stop().await;
        self.consumer.close().await;
        committed.and(closed).and(stopped)
    }
}

/// Moves a partition's next offset forward, never back.
fn advance(offsets: &mut PartitionOffsets, tp: TopicPartition, next: i64) {
    let o = offsets.entry(tp).or_insert(next);
    *o = (*o).max(next);
}

/// A sink record through the transforms; its coordinates stay.
fn transform(chain: &Chain, r: SinkRecord) -> std::result::Result<Option<SinkRecord>, (String, ferry_api::ConnectError)> {
    let (partition, offset) = (r.partition, r.offset);
    let record = transforms::Record {
        topic: r.topic,
        partition: Some(partition),
        offset: Some(offset),
        key: r.key,
        value: r.value,
        timestamp: r.timestamp,
        headers: r.headers,
    };
    Ok(chain.apply(record)?.map(|t| SinkRecord {
        topic: t.topic,
        partition: t.partition.unwrap_or(partition),
        offset,
        key: t.key,
        value: t.value,
        timestamp: t.timestamp,
        headers: t.headers,
    }))
}
