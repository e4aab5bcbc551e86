//! The source task loop: poll → converters → producer; a record's source
//! offset becomes committable once the broker acknowledged it and every
//! record before it; offsets are stored every `offset.flush.interval.ms`
//! and when the task stops.

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::Arc;
use std::time::Instant;

use ferry_api::config::Props;
use ferry_api::{ConnectError, Result, SourceMap, SourceRecord, SourceTask};
use futures::FutureExt;
use rdkafka::error::{KafkaError, RDKafkaErrorCode};
use rdkafka::producer::{DeliveryFuture, FutureProducer, FutureRecord, Producer};
use tokio::sync::watch;

use super::convert_record::serialize;
use super::{stop_requested, wait_while_paused, TaskTarget, Worker};
use crate::config::connector::ConnectorConfig;
use crate::convert::Converters;
use crate::herder::{State, TaskId};
use crate::kafka::{create_client, kafka_error, PRODUCER_DEFAULTS};
use crate::stores::TaskOffsetReader;

/// A record handed to the producer, waiting for the broker's ack.
struct InFlight {
    partition: Arc<str>,
    offset: SourceMap,
    ack: DeliveryFuture,
}

pub struct SourceTaskRunner {
    worker: Arc<Worker>,
    id: TaskId,
    task: Box<dyn SourceTask>,
    props: Props,
    converters: Converters,
    producer: FutureProducer,
    control: watch::Receiver<TaskTarget>,
    in_flight: VecDeque<InFlight>,
    /// Source partitions by their JSON text, so equal maps share a key.
    partitions: HashMap<Arc<str>, SourceMap>,
    /// Acked offsets not yet stored.
    committable: HashMap<Arc<str>, SourceMap>,
    topics_seen: HashSet<String>,
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
        let mut client = worker.config.client_props("producer.");
        client.extend(ferry_api::config::with_prefix(&connector.props, "producer.override."));
        client.entry("client.id".into()).or_insert_with(|| format!("connector-producer-{id}"));
        let producer = create_client(PRODUCER_DEFAULTS, &client)?;
        Ok(Self {
            worker,
            id,
            task,
            props,
            converters,
            producer,
            control,
            in_flight: VecDeque::new(),
            partitions: HashMap::new(),
            committable: HashMap::new(),
            topics_seen: HashSet::new(),
            last_flush: Instant::now(),
        })
    }

    pub async fn run(mut self) {
        let status = self.worker.status.clone();
        let id = self.id.clone();
        let outcome = self.run_inner().await;
        // Whatever happened, store what the broker acknowledged.
        let flushed = self.finish().await;
        if let Err(e) = outcome.and(flushed) {
            {
                tracing::error!(task = %id, error = %e.trace(), "source task failed");
                status.set_task(&id, State::Failed, Some(e.trace()));
            }
        }
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
            let records = tokio::select! {
                _ = stop_requested(&mut self.control) => return Ok(()),
                polled = self.task.poll() => polled?,
            };
            if records.is_empty() {
                tokio::task::yield_now().await;
            }
            for record in records {
                self.send(record).await?;
            }
            self.collect_acks(false).await?;
        }
    }

    async fn send(&mut self, record: SourceRecord) -> Result<()> {
        let bytes = serialize(&self.converters, &record)?;
        if !self.topics_seen.contains(&record.topic) {
            self.worker.status.add_topic(&self.id.connector, &record.topic);
            self.topics_seen.insert(record.topic.clone());
        }
        let partition = self.partition_key(record.source_partition);
        let mut future_record = FutureRecord::<Vec<u8>, Vec<u8>>::to(&record.topic);
        if let Some(k) = &bytes.key {
            future_record = future_record.key(k);
        }
        if let Some(v) = &bytes.value {
            future_record = future_record.payload(v);
        }
        if let Some(p) = record.partition {
            future_record = future_record.partition(p);
        }
        if let Some(ts) = record.timestamp {
            future_record = future_record.timestamp(ts);
        }
        if let Some(h) = bytes.headers {
            future_record = future_record.headers(h);
        }
        loop {
            match self.producer.send_result(future_record) {
                Ok(ack) => {
                    self.in_flight.push_back(InFlight { partition, offset: record.source_offset, ack });
                    return Ok(());
                }
                Err((KafkaError::MessageProduction(RDKafkaErrorCode::QueueFull), back)) => {
                    // The producer's queue is full: wait for the oldest record's ack.
                    future_record = back;
                    self.collect_acks(true).await?;
                }
                Err((e, _)) => return Err(kafka_error("Failed to send a record", e)),
            }
        }
    }

    /// Interns the partition map so the many records of one partition
    /// share one key.
    fn partition_key(&mut self, partition: SourceMap) -> Arc<str> {
        let text = serde_json::Value::Object(partition).to_string();
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
        if wait_one {
            if let Some(front) = self.in_flight.front_mut() {
                let _ = (&mut front.ack).await;
            }
        }
        while let Some(front) = self.in_flight.front_mut() {
            let Some(result) = (&mut front.ack).now_or_never() else { break };
            let done = self.in_flight.pop_front().ok_or_else(|| ConnectError::fatal("in-flight queue emptied"))?;
            match result {
                Ok(Ok(_)) => {
                    self.committable.insert(done.partition, done.offset);
                }
                Ok(Err((e, _))) => return Err(kafka_error("The broker did not accept a record", e)),
                Err(_) => return Err(ConnectError::fatal("The producer was closed before acknowledging a record")),
            }
        }
        Ok(())
    }

    /// Stores acknowledged offsets and tells the task.
    async fn commit_offsets(&mut self) -> Result<()> {
        self.last_flush = Instant::now();
        self.collect_acks(false).await?;
        if self.committable.is_empty() {
            return Ok(());
        }
        let batch: Vec<(SourceMap, Option<SourceMap>)> = self
            .committable
            .drain()
            .map(|(k, offset)| (self.partitions.get(&k).cloned().unwrap_or_default(), Some(offset)))
            .collect();
        self.worker.offsets.put(&self.id.connector, batch).await?;
        self.task.commit().await
    }

    /// Waits (up to `offset.flush.timeout.ms`) for records still in flight,
    /// stores the offsets, and stops the task.
    async fn finish(&mut self) -> Result<()> {
        let deadline = Instant::now() + self.worker.config.offset_flush_timeout;
        while !self.in_flight.is_empty() && Instant::now() < deadline {
            let remaining = deadline.saturating_duration_since(Instant::now());
            if tokio::time::timeout(remaining, self.collect_acks(true)).await.is_err() {
                break;
            }
        }
        if !self.in_flight.is_empty() {
            tracing::warn!(task = %self.id, pending = self.in_flight.len(),
                "records still unacknowledged at stop; their offsets are not stored and they will be sent again");
        }
        let committed = self.commit_offsets().await;
        let stopped = self.task.stop().await;
        // Drop pending deliveries without blocking the runtime on librdkafka's flush.
        let producer = self.producer.clone();
        tokio::task::spawn_blocking(move || producer.flush(std::time::Duration::from_millis(100)));
        committed.and(stopped)
    }
}
