//! The log on a Kafka cluster, through librdkafka.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use ferry_api::config::Props;
use ferry_api::{ConnectError, PartitionOffsets, Result, TopicPartition};
use futures::FutureExt;
use rdkafka::consumer::{BaseConsumer, CommitMode, Consumer, ConsumerContext, Rebalance, StreamConsumer};
use rdkafka::error::{KafkaError, RDKafkaErrorCode};
use rdkafka::message::{Header, Headers as _, OwnedHeaders};
use rdkafka::producer::{FutureProducer, FutureRecord, Producer};
use rdkafka::{ClientContext, Message, Offset, TopicPartitionList};
use tokio::sync::{mpsc, Notify};

use crate::config::worker::WorkerConfig;
use super::{Ack, Assignment, Full, Log, LogConsumer, LogKind, LogProducer, LogRecord, ProduceRecord, Subscription};
use crate::kafka::{create_client, create_with_context, groups, kafka_error, CONSUMER_DEFAULTS, PRODUCER_DEFAULTS};

/// A Kafka cluster, reached with the worker's client properties.
pub struct KafkaLog {
    /// Client keys per role: `bootstrap.servers`, security keys and the
    /// worker's `producer.*` / `consumer.*` / `admin.*` keys.
    producer: Props,
    consumer: Props,
    admin: Props,
    leaving: Arc<Leaving>,
}

impl KafkaLog {
    pub fn new(worker: &WorkerConfig) -> Self {
        Self {
            producer: worker.client_props("producer."),
            consumer: worker.client_props("consumer."),
            admin: worker.client_props("admin."),
            leaving: Arc::default(),
        }
    }

    fn merged(&self, own: &Props, overrides: &Props) -> Props {
        let mut p = own.clone();
        p.extend(overrides.clone());
        p
    }
}

fn regex_for(subscription: &Subscription) -> (Vec<String>, Option<regex::Regex>) {
    match subscription {
        Subscription::Topics(t) => (t.clone(), None),
        Subscription::Regex(r) => (Vec::new(), regex::Regex::new(&format!("^(?:{r})$")).ok()),
    }
}

#[async_trait]
impl Log for KafkaLog {
    fn kind(&self) -> LogKind {
        LogKind::Kafka
    }

    fn producer(&self, client_id: &str, overrides: &Props) -> Result<Box<dyn LogProducer>> {
        let mut props = self.merged(&self.producer, overrides);
        props.entry("client.id".into()).or_insert_with(|| client_id.to_owned());
        Ok(Box::new(KafkaProducer { producer: create_client(PRODUCER_DEFAULTS, &props)? }))
    }

    fn consumer(&self, group: &str, client_id: &str, subscription: Subscription, overrides: &Props) -> Result<Box<dyn LogConsumer>> {
        let mut props = self.merged(&self.consumer, overrides);
        props.insert("group.id".into(), group.to_owned());
        props.entry("client.id".into()).or_insert_with(|| client_id.to_owned());
        let (tx, rx) = mpsc::unbounded_channel();
        let consumer: StreamConsumer<RebalanceEvents> =
            create_with_context(CONSUMER_DEFAULTS, &props, || RebalanceEvents { events: tx.clone(), joining: AtomicBool::new(true), trouble: Default::default() })?;
        match &subscription {
            Subscription::Topics(t) => consumer.subscribe(&t.iter().map(String::as_str).collect::<Vec<_>>()),
            // librdkafka reads a subscription starting with ^ as a regex (POSIX
            // extended, which has no `(?:`); Connect's is a full match.
            Subscription::Regex(re) => consumer.subscribe(&[format!("^({re})$").as_str()]),
        }
        .map_err(|e| kafka_error("Cannot subscribe", e))?;
        Ok(Box::new(KafkaConsumer { consumer: Arc::new(consumer), group: group.to_owned(), leaving: self.leaving.clone(), events: rx, assigned: HashSet::new(), last_warning: None }))
    }

    async fn cluster_id(&self) -> String {
        crate::kafka::cluster_id(self.merged(&self.admin, &Props::new())).await
    }

    async fn committed(&self, group: &str, subscription: &Subscription) -> Result<Vec<(String, i32, i64)>> {
        let client = self.merged(&self.consumer, &Props::new());
        let group = group.to_owned();
        let (topics, regex) = regex_for(subscription);
        blocking(move || groups::committed(&client, &group, &topics, regex.as_ref())).await
    }

    async fn alter_committed(&self, group: &str, offsets: Vec<(String, i32, i64)>) -> Result<()> {
        // Only an empty group takes offsets from outside.
        self.leaving.wait(group).await;
        let client = self.merged(&self.consumer, &Props::new());
        let group = group.to_owned();
        blocking(move || groups::alter(&client, &group, &offsets)).await
    }

    async fn reset_committed(&self, group: &str) -> Result<()> {
        self.leaving.wait(group).await;
        groups::reset(&self.merged(&self.admin, &Props::new()), group).await
    }
}

async fn blocking<T: Send + 'static>(f: impl FnOnce() -> Result<T> + Send + 'static) -> Result<T> {
    tokio::task::spawn_blocking(f).await.map_err(|e| ConnectError::fatal("a Kafka call stopped").with_source(e))?
}

struct KafkaProducer {
    producer: FutureProducer,
}

#[async_trait]
impl LogProducer for KafkaProducer {
    fn send(&mut self, record: ProduceRecord) -> std::result::Result<Ack, (Full, ProduceRecord)> {
        let mut r = FutureRecord::<Vec<u8>, Vec<u8>>::to(&record.topic);
        if let Some(k) = &record.key {
            r = r.key(k);
        }
        if let Some(v) = &record.value {
            r = r.payload(v);
        }
        if let Some(p) = record.partition {
            r = r.partition(p);
        }
        if let Some(ts) = record.timestamp {
            r = r.timestamp(ts);
        }
        if !record.headers.is_empty() {
            let mut h = OwnedHeaders::new_with_capacity(record.headers.len());
            for (key, value) in &record.headers {
                h = h.insert(Header { key, value: value.as_deref() });
            }
            r = r.headers(h);
        }
        match self.producer.send_result(r) {
            Ok(delivery) => Ok(Box::pin(delivery.map(|outcome| match outcome {
                Ok(Ok(_)) => Ok(()),
                Ok(Err((e, _))) => Err(kafka_error("The broker did not accept a record", e)),
                Err(_) => Err(ConnectError::fatal("The producer was closed before acknowledging a record")),
            }))),
            Err((KafkaError::MessageProduction(RDKafkaErrorCode::QueueFull), _)) => Err((Full, record)),
            Err((e, _)) => Ok(Box::pin(futures::future::ready(Err(kafka_error("Failed to send a record", e))))),
        }
    }

    async fn end_batch(&mut self) -> Result<()> {
        Ok(())
    }

    async fn flush(&mut self, timeout: Duration) {
        let producer = self.producer.clone();
        let _ = tokio::task::spawn_blocking(move || producer.flush(timeout)).await;
    }
}

/// A consumer's group events, and whether it is joining its group: from
/// its start, and from a revocation (a rebalance begins) to the next assignment.
struct RebalanceEvents {
    events: mpsc::UnboundedSender<Assignment>,
    joining: AtomicBool,
    /// Errors the client reported since the last record arrived.
    trouble: std::sync::Mutex<Option<Trouble>>,
}

/// Errors a consumer's client keeps reporting while no record arrives:
/// the last report of each kind, so the cause ("Invalid response size")
/// stays beside its effect ("all brokers are down").
struct Trouble {
    since: std::time::Instant,
    reports: Vec<(String, String)>,
}

impl RebalanceEvents {
    fn joining(&self) -> bool {
        self.joining.load(Ordering::SeqCst)
    }
}

impl RebalanceEvents {
    fn trouble(&self) -> std::sync::MutexGuard<'_, Option<Trouble>> {
        self.trouble.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

impl ClientContext for RebalanceEvents {
    fn error(&self, error: KafkaError, reason: &str) {
        tracing::error!(%error, "Kafka consumer: {reason}");
        let mut trouble = self.trouble();
        let t = trouble.get_or_insert_with(|| Trouble { since: std::time::Instant::now(), reports: Vec::new() });
        let kind = error.to_string();
        t.reports.retain(|(k, _)| *k != kind);
        t.reports.push((kind, reason.to_owned()));
        if t.reports.len() > 4 {
            t.reports.remove(0);
        }
    }
}

impl ConsumerContext for RebalanceEvents {
    fn pre_rebalance(&self, _: &BaseConsumer<Self>, rebalance: &Rebalance<'_>) {
        if let Rebalance::Revoke(tpl) = rebalance {
            self.joining.store(true, Ordering::SeqCst);
            let _ = self.events.send(Assignment::Revoked(to_partitions(tpl)));
        }
    }
    fn post_rebalance(&self, _: &BaseConsumer<Self>, rebalance: &Rebalance<'_>) {
        if let Rebalance::Assign(tpl) = rebalance {
            self.joining.store(false, Ordering::SeqCst);
            // A completed join answers what came before it (a topic not yet
            // created, a coordinator not yet found); a member given no
            // partitions fetches nothing and is not stuck.
            *self.trouble() = None;
            let _ = self.events.send(Assignment::Assigned(to_partitions(tpl)));
        }
    }
}

/// The consumers still leaving their groups after a join, by group.
#[derive(Default)]
struct Leaving {
    groups: std::sync::Mutex<HashMap<String, usize>>,
    changed: Notify,
}

impl Leaving {
    fn count(&self) -> std::sync::MutexGuard<'_, HashMap<String, usize>> {
        self.groups.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn add(self: &Arc<Self>, group: &str) -> LeavingGuard {
        *self.count().entry(group.to_owned()).or_default() += 1;
        LeavingGuard { leaving: self.clone(), group: group.to_owned() }
    }

    /// Waits until no consumer of `group` is still in it after its close
    /// (at most `JOIN_WAIT`).
    async fn wait(&self, group: &str) {
        let deadline = tokio::time::Instant::now() + JOIN_WAIT;
        loop {
            // Created before the look, so no change between the two is missed.
            let changed = self.changed.notified();
            if !self.count().contains_key(group) || tokio::time::timeout_at(deadline, changed).await.is_err() {
                return;
            }
        }
    }
}

/// One consumer leaving its group; its drop says it is gone.
struct LeavingGuard {
    leaving: Arc<Leaving>,
    group: String,
}

impl Drop for LeavingGuard {
    fn drop(&mut self) {
        let mut count = self.leaving.count();
        if let Some(n) = count.get_mut(&self.group) {
            *n -= 1;
            if *n == 0 {
                count.remove(&self.group);
            }
        }
        drop(count);
        self.leaving.changed.notify_waiters();
    }
}

/// How long a closed consumer may stay to finish a join under way.
const JOIN_WAIT: Duration = Duration::from_secs(60);

/// Leaves the group once the consumer's join under way is done.
///
/// A member that leaves while its group forms around it can stall the
/// group for good: tansu keeps naming it the leader, so no later member is
/// ever assigned anything. Left after the join, the group rebalances as
/// usual. What the consumer reads meanwhile is dropped uncommitted, so the
/// group's next member reads it.
async fn leave_after_join(consumer: Arc<StreamConsumer<RebalanceEvents>>, _leaving: LeavingGuard) {
    let deadline = tokio::time::Instant::now() + JOIN_WAIT;
    while consumer.context().joining() && tokio::time::Instant::now() < deadline {
        // Polling serves the rebalance callbacks.
        let _ = tokio::time::timeout(Duration::from_millis(200), consumer.recv()).await;
    }
    tokio::task::block_in_place(|| consumer.unsubscribe());
    // Gone before the guard says so.
    drop(consumer);
}

fn to_partitions(tpl: &TopicPartitionList) -> Vec<TopicPartition> {
    tpl.elements().iter().map(|e| TopicPartition::new(e.topic(), e.partition())).collect()
}

struct KafkaConsumer {
    /// Shared only with `leave_after_join`, once closed.
    consumer: Arc<StreamConsumer<RebalanceEvents>>,
    group: String,
    leaving: Arc<Leaving>,
    events: mpsc::UnboundedReceiver<Assignment>,
    assigned: HashSet<TopicPartition>,
    /// The last consumer condition logged, so a repeating one is logged once.
    last_warning: Option<RDKafkaErrorCode>,
}

impl KafkaConsumer {
    fn warn(&mut self, code: RDKafkaErrorCode) {
        if self.last_warning != Some(code) {
            tracing::warn!(error = %code, "consumer reported a condition; still consuming");
            self.last_warning = Some(code);
        }
    }
}

fn owned(msg: &rdkafka::message::BorrowedMessage<'_>) -> LogRecord {
    LogRecord {
        topic: msg.topic().to_owned(),
        partition: msg.partition(),
        offset: msg.offset(),
        key: msg.key().map(<[u8]>::to_vec),
        value: msg.payload().map(<[u8]>::to_vec),
        timestamp: msg.timestamp().to_millis(),
        headers: msg
            .headers()
            .map(|hs| hs.iter().map(|h| (h.key.to_owned(), h.value.map(<[u8]>::to_vec))).collect())
            .unwrap_or_default(),
    }
}

#[async_trait]
impl LogConsumer for KafkaConsumer {
    async fn poll(&mut self, max: usize, timeout: Duration) -> Result<Vec<LogRecord>> {
        let mut batch = Vec::new();
        let first = match tokio::time::timeout(timeout, self.consumer.recv()).await {
            Err(_) => return Ok(batch),
            Ok(msg) => msg,
        };
        let mut next = Some(first);
        while let Some(msg) = next.take() {
            let msg = match msg {
                Ok(m) => m,
                // Per-partition conditions (a topic not created yet, …) are
                // reported, not fatal, as the Java consumer treats them.
                Err(KafkaError::MessageConsumption(code)) => {
                    self.warn(code);
                    break;
                }
                Err(e) => return Err(kafka_error("Failed to consume", e)),
            };
            batch.push(owned(&msg));
            if batch.len() == 1 {
                *self.consumer.context().trouble() = None;
            }
            if batch.len() >= max {
                break;
            }
            next = self.consumer.recv().now_or_never();
        }
        Ok(batch)
    }

    fn assignment_changes(&mut self) -> Vec<Assignment> {
        let mut out = Vec::new();
        while let Ok(e) = self.events.try_recv() {
            match &e {
                Assignment::Assigned(tps) => self.assigned.extend(tps.iter().cloned()),
                Assignment::Revoked(tps) => tps.iter().for_each(|tp| {
                    self.assigned.remove(tp);
                }),
            }
            out.push(e);
        }
        out
    }

    async fn commit(&mut self, offsets: &PartitionOffsets) -> Result<()> {
        let mut tpl = TopicPartitionList::new();
        for (tp, offset) in offsets {
            if self.assigned.is_empty() || self.assigned.contains(tp) {
                tpl.add_partition_offset(&tp.topic, tp.partition, Offset::Offset(*offset))
                    .map_err(|e| kafka_error("Invalid offset", e))?;
            }
        }
        if tpl.count() == 0 {
            return Ok(());
        }
        let consumer = &self.consumer;
        tokio::task::block_in_place(|| consumer.commit(&tpl, CommitMode::Sync))
            .map_err(|e| kafka_error("Failed to commit consumer offsets", e))
    }

    fn trouble(&self) -> Option<(Duration, String)> {
        let trouble = self.consumer.context().trouble();
        trouble.as_ref().map(|t| (t.since.elapsed(), t.reports.iter().map(|(_, reason)| reason.as_str()).collect::<Vec<_>>().join("; ")))
    }

    async fn close(&mut self) {
        if self.consumer.context().joining() {
            // In the background: the task stops now, the consumer leaves later.
            let guard = self.leaving.add(&self.group);
            tokio::spawn(leave_after_join(self.consumer.clone(), guard));
        } else {
            let consumer = &self.consumer;
            tokio::task::block_in_place(|| consumer.unsubscribe());
        }
    }
}
