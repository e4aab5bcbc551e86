//! The sink task loop: consumer group `connect-<name>` → converters →
//! `put` in batches; every `offset.flush.interval.ms` and on stop:
//! `pre_commit`, then the consumer offsets it allowed.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::{Duration, Instant};

use ferry_api::config::Props;
use ferry_api::{PartitionOffsets, Result, SinkRecord, SinkTask, SinkTaskContext, TopicPartition};
use futures::FutureExt;
use rdkafka::consumer::{CommitMode, Consumer, ConsumerContext, Rebalance, StreamConsumer};
use rdkafka::{ClientContext, Offset, TopicPartitionList};
use tokio::sync::{mpsc, watch};

use super::convert_record::deserialize;
use super::{stop_requested, wait_while_paused, TaskTarget, Worker};
use crate::config::connector::ConnectorConfig;
use crate::convert::Converters;
use crate::herder::{State, TaskId};
use crate::kafka::{create_client, kafka_error, CONSUMER_DEFAULTS};

/// Most records handed to one `put`.
const MAX_BATCH: usize = 2000;

/// Partition assignment changes, passed from librdkafka's callback to the loop.
enum Assignment {
    Assigned(Vec<TopicPartition>),
    Revoked(Vec<TopicPartition>),
}

struct RebalanceEvents(mpsc::UnboundedSender<Assignment>);

impl ClientContext for RebalanceEvents {}

impl ConsumerContext for RebalanceEvents {
    fn pre_rebalance(&self, _: &rdkafka::consumer::BaseConsumer<Self>, rebalance: &Rebalance<'_>) {
        if let Rebalance::Revoke(tpl) = rebalance {
            let _ = self.0.send(Assignment::Revoked(to_partitions(tpl)));
        }
    }
    fn post_rebalance(&self, _: &rdkafka::consumer::BaseConsumer<Self>, rebalance: &Rebalance<'_>) {
        if let Rebalance::Assign(tpl) = rebalance {
            let _ = self.0.send(Assignment::Assigned(to_partitions(tpl)));
        }
    }
}

fn to_partitions(tpl: &TopicPartitionList) -> Vec<TopicPartition> {
    tpl.elements().iter().map(|e| TopicPartition::new(e.topic(), e.partition())).collect()
}

pub struct SinkTaskRunner {
    worker: Arc<Worker>,
    id: TaskId,
    task: Box<dyn SinkTask>,
    props: Props,
    converters: Converters,
    consumer: StreamConsumer<RebalanceEvents>,
    rebalances: mpsc::UnboundedReceiver<Assignment>,
    control: watch::Receiver<TaskTarget>,
    subscription: Subscription,
    assigned: HashSet<TopicPartition>,
    /// Next offset to read, per partition, for records `put` so far.
    consumed: PartitionOffsets,
    committed: PartitionOffsets,
    topics_seen: HashSet<String>,
    last_commit: Instant,
}

enum Subscription {
    Topics(Vec<String>),
    Regex(String),
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
        let mut client = worker.config.client_props("consumer.");
        client.extend(ferry_api::config::with_prefix(&connector.props, "consumer.override."));
        client.insert("group.id".into(), format!("connect-{}", connector.name));
        client.entry("client.id".into()).or_insert_with(|| format!("connector-consumer-{id}"));
        let (tx, rebalances) = mpsc::unbounded_channel();
        let consumer: StreamConsumer<RebalanceEvents> = {
            let mut cfg = rdkafka::ClientConfig::new();
            for (k, v) in CONSUMER_DEFAULTS {
                cfg.set(*k, *v);
            }
            // Validate the merged settings once with the plain client, then
            // build the one with our context from the same keys.
            let _: rdkafka::consumer::BaseConsumer = create_client(CONSUMER_DEFAULTS, &client)?;
            for (k, v) in &client {
                cfg.set(k, v);
            }
            cfg.create_with_context(RebalanceEvents(tx))
                .map_err(|e| kafka_error("Cannot create the sink consumer", e))?
        };
        let subscription = match &connector.topics_regex {
            // librdkafka treats a subscription starting with ^ as a regex; Connect's is a full match.
            Some(re) => Subscription::Regex(format!("^(?:{re})$")),
            None => Subscription::Topics(connector.topics.clone()),
        };
        Ok(Self {
            worker,
            id,
            task,
            props,
            converters,
            consumer,
            rebalances,
            control,
            subscription,
            assigned: HashSet::new(),
            consumed: HashMap::new(),
            committed: HashMap::new(),
            topics_seen: HashSet::new(),
            last_commit: Instant::now(),
        })
    }

    pub async fn run(mut self) {
        let status = self.worker.status.clone();
        let id = self.id.clone();
        let outcome = self.run_inner().await;
        let finished = self.finish(outcome.is_ok()).await;
        if let Err(e) = outcome.and(finished) {
            tracing::error!(task = %id, error = %e.trace(), "sink task failed");
            status.set_task(&id, State::Failed, Some(e.trace()));
        }
    }

    async fn run_inner(&mut self) -> Result<()> {
        let context = SinkTaskContext::default();
        self.task.start(self.props.clone(), context).await?;
        match &self.subscription {
            Subscription::Topics(t) => {
                let topics: Vec<&str> = t.iter().map(String::as_str).collect();
                self.consumer.subscribe(&topics)
            }
            Subscription::Regex(re) => self.consumer.subscribe(&[re.as_str()]),
        }
        .map_err(|e| kafka_error("Cannot subscribe", e))?;

        let status = self.worker.status.clone();
        let mut running = false;
        loop {
            self.handle_rebalances().await?;
            match *self.control.borrow() {
                TaskTarget::Stop => return Ok(()),
                TaskTarget::Pause => {}
                TaskTarget::Run if !running => {
                    status.set_task(&self.id, State::Running, None);
                    running = true;
                }
                TaskTarget::Run => {}
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
            let batch = tokio::select! {
                _ = stop_requested(&mut self.control) => return Ok(()),
                batch = next_batch(&self.consumer, &self.converters) => batch?,
            };
            if !batch.is_empty() {
                self.put(batch).await?;
            }
        }
    }

    async fn put(&mut self, batch: Vec<SinkRecord>) -> Result<()> {
        let mut next: PartitionOffsets = HashMap::new();
        for r in &batch {
            if !self.topics_seen.contains(&r.topic) {
                self.worker.status.add_topic(&self.id.connector, &r.topic);
                self.topics_seen.insert(r.topic.clone());
            }
            next.insert(r.topic_partition(), r.offset + 1);
        }
        self.task.put(batch).await?;
        self.consumed.extend(next);
        Ok(())
    }

    async fn handle_rebalances(&mut self) -> Result<()> {
        while let Ok(event) = self.rebalances.try_recv() {
            match event {
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

    /// `pre_commit`, then commits the offsets it allowed for partitions
    /// this task still owns.
    async fn commit(&mut self) -> Result<()> {
        self.last_commit = Instant::now();
        if self.consumed.is_empty() {
            return Ok(());
        }
        let allowed = self.task.pre_commit(&self.consumed).await?;
        let mut tpl = TopicPartitionList::new();
        for (tp, offset) in &allowed {
            let owned = self.assigned.is_empty() || self.assigned.contains(tp);
            if owned && self.committed.get(tp) != Some(offset) {
                tpl.add_partition_offset(&tp.topic, tp.partition, Offset::Offset(*offset))
                    .map_err(|e| kafka_error("Invalid offset", e))?;
            }
        }
        if tpl.count() == 0 {
            return Ok(());
        }
        let consumer = &self.consumer;
        tokio::task::block_in_place(|| consumer.commit(&tpl, CommitMode::Sync))
            .map_err(|e| kafka_error("Failed to commit consumer offsets", e))?;
        self.committed.extend(allowed);
        Ok(())
    }

    async fn finish(&mut self, clean: bool) -> Result<()> {
        // After a failure the task's buffered data is suspect: commit nothing.
        let committed = if clean { self.commit().await } else { Ok(()) };
        let assigned: Vec<TopicPartition> = self.assigned.iter().cloned().collect();
        let closed = self.task.close(&assigned).await;
        let stopped = self.task.stop().await;
        let consumer = &self.consumer;
        tokio::task::block_in_place(|| consumer.unsubscribe());
        committed.and(closed).and(stopped)
    }
}

/// Waits up to a second for a first record, then takes what is ready.
async fn next_batch(consumer: &StreamConsumer<RebalanceEvents>, converters: &Converters) -> Result<Vec<SinkRecord>> {
    let mut batch = Vec::new();
    let first = match tokio::time::timeout(Duration::from_secs(1), consumer.recv()).await {
        Err(_) => return Ok(batch),
        Ok(msg) => msg,
    };
    let mut next = Some(first);
    while let Some(msg) = next.take() {
        let msg = msg.map_err(|e| kafka_error("Failed to consume", e))?;
        batch.push(deserialize(converters, &msg)?);
        if batch.len() >= MAX_BATCH {
            break;
        }
        next = consumer.recv().now_or_never();
    }
    Ok(batch)
}
