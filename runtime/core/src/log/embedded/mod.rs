//! The embedded log: topics with partitions in segment files under
//! `log.dir`, consumer groups with committed offsets, retention. One
//! process runs a whole pipeline with no Kafka.
//!
//! Durability: a record is acknowledged once written to its segment file
//! (so it survives kill -9 of the process); files are fsynced every
//! `log.flush.interval.ms`, or before each acknowledgement when it is 0
//! (so they also survive a power loss).

mod groups;
mod partition;
mod record;
#[cfg(test)]
mod tests;

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use async_trait::async_trait;
use ferry_api::config::Props;
use ferry_api::{ConnectError, PartitionOffsets, Result, TopicPartition};
use tokio::sync::watch;

use self::groups::{parse_tp_key, tp_key, Groups};
use self::partition::{Partition, Reader};
use super::{Ack, Assignment, Full, Log, LogConsumer, LogKind, LogProducer, LogRecord, ProduceRecord, Subscription};

/// Settings of the embedded log (worker keys `log.*`).
#[derive(Debug, Clone)]
pub struct EmbeddedConfig {
    pub dir: PathBuf,
    /// fsync period; zero fsyncs before every acknowledgement.
    pub flush_interval: Duration,
    pub segment_bytes: u64,
    /// Per partition; `None` keeps everything.
    pub retention_bytes: Option<u64>,
    pub retention: Option<Duration>,
    pub retention_check: Duration,
    /// Partitions of a topic created on first use.
    pub partitions: i32,
}

type PartitionRef = Arc<Mutex<Partition>>;

struct Inner {
    config: EmbeddedConfig,
    topics: Mutex<BTreeMap<String, Vec<PartitionRef>>>,
    groups: Mutex<Groups>,
    /// Bumped on every append and topic creation; consumers wait on it.
    appended: watch::Sender<u64>,
    topics_version: AtomicU64,
    next_member: AtomicU64,
    cluster_id: String,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

fn io(what: &str, e: std::io::Error) -> ConnectError {
    ConnectError::retriable(format!("{what}: {e}")).with_source(e)
}

/// The embedded log; cheap to clone.
#[derive(Clone)]
pub struct EmbeddedLog {
    inner: Arc<Inner>,
}

impl EmbeddedLog {
    /// Opens the log, repairing torn tails, and starts its fsync and
    /// retention tasks (call from within a Tokio runtime).
    pub fn open(config: EmbeddedConfig) -> Result<Self> {
        let topics_dir = config.dir.join("topics");
        std::fs::create_dir_all(&topics_dir).map_err(|e| io("Cannot create the log directory", e))?;
        let mut topics = BTreeMap::new();
        for t in std::fs::read_dir(&topics_dir).map_err(|e| io("Cannot read the log directory", e))?.flatten() {
            let Ok(name) = t.file_name().into_string() else { continue };
            let mut ids: Vec<i32> = std::fs::read_dir(t.path())
                .map_err(|e| io("Cannot read a topic directory", e))?
                .flatten()
                .filter_map(|p| p.file_name().into_string().ok()?.parse().ok())
                .collect();
            ids.sort_unstable();
            let parts = ids
                .into_iter()
                .map(|id| Partition::open(t.path().join(id.to_string()), &name, id).map(|p| Arc::new(Mutex::new(p))))
                .collect::<std::io::Result<Vec<_>>>()
                .map_err(|e| io("Cannot open a partition", e))?;
            topics.insert(name, parts);
        }
        let groups = Groups::open(config.dir.join("groups")).map_err(|e| io("Cannot read consumer groups", e))?;
        // A torn tail may have taken records a group already committed past:
        // never hand their offsets out again, or the group would skip new records.
        for parts in topics.values() {
            for p in parts {
                let mut p = lock(p);
                let key = tp_key(&TopicPartition::new(p.topic.clone(), p.id));
                let committed = groups.groups.values().filter_map(|g| g.committed.get(&key)).max().copied();
                if let Some(c) = committed.filter(|c| *c > p.next_offset) {
                    tracing::warn!(topic = %p.topic, partition = p.id, from = p.next_offset, to = c,
                        "records lost from the log's tail were already consumed; new records continue after them");
                    p.next_offset = c;
                }
            }
        }
        let id_file = config.dir.join("cluster.id");
        let cluster_id = match std::fs::read_to_string(&id_file) {
            Ok(id) => id.trim().to_owned(),
            Err(_) => {
                let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
                let id = format!("ferry-{:016x}", crc32fast::hash(format!("{now:?}{}", std::process::id()).as_bytes()) as u64 ^ now.as_nanos() as u64);
                std::fs::write(&id_file, &id).map_err(|e| io("Cannot write the cluster id", e))?;
                id
            }
        };
        let inner = Arc::new(Inner {
            topics: Mutex::new(topics),
            groups: Mutex::new(groups),
            appended: watch::channel(0).0,
            topics_version: AtomicU64::new(0),
            next_member: AtomicU64::new(1),
            cluster_id,
            config,
        });
        tokio::spawn(housekeeping(Arc::downgrade(&inner)));
        Ok(Self { inner })
    }

    /// fsyncs every partition.
    pub fn sync_all(&self) {
        self.inner.sync_all();
    }

    /// Runs retention once (also done periodically); segments removed.
    pub fn apply_retention(&self) -> usize {
        self.inner.apply_retention()
    }
}

impl Inner {
    fn partitions(&self, topic: &str, create: bool) -> Result<Vec<PartitionRef>> {
        let mut topics = lock(&self.topics);
        if let Some(p) = topics.get(topic) {
            return Ok(p.clone());
        }
        if !create {
            return Ok(Vec::new());
        }
        let dir = self.config.dir.join("topics").join(topic);
        let parts = (0..self.config.partitions.max(1))
            .map(|id| Partition::open(dir.join(id.to_string()), topic, id).map(|p| Arc::new(Mutex::new(p))))
            .collect::<std::io::Result<Vec<_>>>()
            .map_err(|e| io(&format!("Cannot create topic {topic}"), e))?;
        topics.insert(topic.to_owned(), parts.clone());
        self.topics_version.fetch_add(1, Ordering::SeqCst);
        self.appended.send_modify(|n| *n += 1);
        Ok(parts)
    }

    fn matching(&self, subscription: &Subscription) -> Vec<TopicPartition> {
        let topics = lock(&self.topics);
        let regex = match subscription {
            Subscription::Regex(r) => regex::Regex::new(&format!("^(?:{r})$")).ok(),
            Subscription::Topics(_) => None,
        };
        topics
            .iter()
            .filter(|(name, _)| match subscription {
                Subscription::Topics(t) => t.iter().any(|x| x == *name),
                Subscription::Regex(_) => regex.as_ref().is_some_and(|r| r.is_match(name)),
            })
            .flat_map(|(name, parts)| (0..parts.len() as i32).map(move |p| TopicPartition::new(name.clone(), p)))
            .collect()
    }

    fn partition(&self, tp: &TopicPartition) -> Option<PartitionRef> {
        lock(&self.topics).get(&tp.topic)?.get(usize::try_from(tp.partition).ok()?).cloned()
    }

    fn all_partitions(&self) -> Vec<PartitionRef> {
        lock(&self.topics).values().flatten().cloned().collect()
    }

    fn sync_all(&self) {
        for p in self.all_partitions() {
            if let Err(e) = lock(&p).sync() {
                tracing::error!(error = %e, "cannot fsync the embedded log");
            }
        }
    }

    /// Deletes sealed segments past retention that every group has read.
    fn apply_retention(&self) -> usize {
        let (bytes, age) = (self.config.retention_bytes, self.config.retention);
        if bytes.is_none() && age.is_none() {
            return 0;
        }
        let mut removed = 0;
        for p in self.all_partitions() {
            // Lock order is groups before partitions: read the floor first.
            let tp = {
                let part = lock(&p);
                TopicPartition::new(part.topic.clone(), part.id)
            };
            let floor = self.committed_floor(&tp);
            let r = lock(&p).delete_old(|seg, next_base, total| {
                let consumed = floor.is_none_or(|f| next_base <= f);
                let too_big = bytes.is_some_and(|b| total > b);
                let too_old = age.is_some_and(|a| partition::age(seg) > a);
                consumed && (too_big || too_old)
            });
            match r {
                Ok(n) => removed += n,
                Err(e) => tracing::warn!(error = %e, "cannot delete an old segment"),
            }
        }
        removed
    }

    /// The lowest offset some group still needs on this partition: its
    /// committed offset, or 0 for a member that owns it without one.
    fn committed_floor(&self, tp: &TopicPartition) -> Option<i64> {
        let groups = lock(&self.groups);
        let key = tp_key(tp);
        groups
            .groups
            .values()
            .filter_map(|g| match g.committed.get(&key) {
                Some(o) => Some(*o),
                None => g.members.values().any(|owned| owned.contains(tp)).then_some(0),
            })
            .min()
    }
}

impl Drop for Inner {
    fn drop(&mut self) {
        self.sync_all();
    }
}

async fn housekeeping(inner: std::sync::Weak<Inner>) {
    let (flush, check) = match inner.upgrade() {
        Some(i) => (i.config.flush_interval, i.config.retention_check),
        None => return,
    };
    let tick = if flush.is_zero() { check } else { flush.min(check) };
    let mut last_check = std::time::Instant::now();
    loop {
        tokio::time::sleep(tick).await;
        let Some(inner) = inner.upgrade() else { return };
        let work = inner.clone();
        let run_retention = last_check.elapsed() >= check;
        if run_retention {
            last_check = std::time::Instant::now();
        }
        let _ = tokio::task::spawn_blocking(move || {
            if !flush.is_zero() {
                work.sync_all();
            }
            if run_retention {
                work.apply_retention();
            }
        })
        .await;
    }
}

#[async_trait]
impl Log for EmbeddedLog {
    fn kind(&self) -> LogKind {
        LogKind::Embedded
    }

    fn producer(&self, _client_id: &str, _overrides: &Props) -> Result<Box<dyn LogProducer>> {
        Ok(Box::new(EmbeddedProducer {
            inner: self.inner.clone(),
            pending: Vec::new(),
            written: watch::channel(0).0,
            seq: 0,
            round_robin: 0,
        }))
    }

    fn consumer(&self, group: &str, _client_id: &str, subscription: Subscription, _overrides: &Props) -> Result<Box<dyn LogConsumer>> {
        let member = self.inner.next_member.fetch_add(1, Ordering::SeqCst);
        let mut c = EmbeddedConsumer {
            inner: self.inner.clone(),
            group: group.to_owned(),
            member,
            subscription,
            readers: HashMap::new(),
            changes: Vec::new(),
            topics_version: u64::MAX,
            appended: self.inner.appended.subscribe(),
        };
        lock(&self.inner.groups).groups.entry(group.to_owned()).or_default().members.insert(member, Vec::new());
        c.refresh();
        Ok(Box::new(c))
    }

    async fn cluster_id(&self) -> String {
        self.inner.cluster_id.clone()
    }

    async fn committed(&self, group: &str, subscription: &Subscription) -> Result<Vec<(String, i32, i64)>> {
        let wanted = self.inner.matching(subscription);
        let groups = lock(&self.inner.groups);
        let Some(g) = groups.groups.get(group) else { return Ok(Vec::new()) };
        Ok(g.committed
            .iter()
            .filter_map(|(k, o)| parse_tp_key(k).map(|tp| (tp, *o)))
            .filter(|(tp, _)| wanted.contains(tp))
            .map(|(tp, o)| (tp.topic, tp.partition, o))
            .collect())
    }

    async fn alter_committed(&self, group: &str, offsets: Vec<(String, i32, i64)>) -> Result<()> {
        let mut groups = lock(&self.inner.groups);
        let g = groups.groups.entry(group.to_owned()).or_default();
        for (t, p, o) in offsets {
            g.committed.insert(tp_key(&TopicPartition::new(t, p)), o);
        }
        groups.persist(group).map_err(|e| io("Cannot store the group's offsets", e))
    }

    async fn reset_committed(&self, group: &str) -> Result<()> {
        let mut groups = lock(&self.inner.groups);
        if let Some(g) = groups.groups.get_mut(group) {
            g.committed.clear();
        }
        groups.persist(group).map_err(|e| io("Cannot reset the group's offsets", e))
    }
}

struct EmbeddedProducer {
    inner: Arc<Inner>,
    pending: Vec<(String, Option<i32>, LogRecord)>,
    /// The sequence number of the last record written.
    written: watch::Sender<u64>,
    seq: u64,
    round_robin: usize,
}

#[async_trait]
impl LogProducer for EmbeddedProducer {
    fn send(&mut self, r: ProduceRecord) -> std::result::Result<Ack, (Full, ProduceRecord)> {
        self.seq += 1;
        let seq = self.seq;
        let mut written = self.written.subscribe();
        let record = LogRecord { topic: String::new(), partition: 0, offset: 0, key: r.key, value: r.value, timestamp: r.timestamp, headers: r.headers };
        self.pending.push((r.topic, r.partition, record));
        Ok(Box::pin(async move {
            written
                .wait_for(|w| *w >= seq)
                .await
                .map(|_| ())
                .map_err(|_| ConnectError::fatal("The embedded log closed before storing a record"))
        }))
    }

    async fn end_batch(&mut self) -> Result<()> {
        if self.pending.is_empty() {
            return Ok(());
        }
        let pending = std::mem::take(&mut self.pending);
        // Group consecutive records by partition, keeping their order.
        let mut batches: Vec<(PartitionRef, Vec<LogRecord>)> = Vec::new();
        for (topic, partition, record) in pending {
            let parts = self.inner.partitions(&topic, true)?;
            let n = parts.len();
            let idx = match (partition, &record.key) {
                (Some(p), _) => usize::try_from(p).ok().filter(|p| *p < n).ok_or_else(|| {
                    ConnectError::fatal(format!("Topic {topic} has no partition {p}"))
                })?,
                (None, Some(k)) => crc32fast::hash(k) as usize % n,
                (None, None) => {
                    self.round_robin = self.round_robin.wrapping_add(1);
                    self.round_robin % n
                }
            };
            let part = parts[idx].clone();
            match batches.last_mut() {
                Some((p, recs)) if Arc::ptr_eq(p, &part) => recs.push(record),
                _ => batches.push((part, vec![record])),
            }
        }
        let segment_bytes = self.inner.config.segment_bytes;
        let sync_now = self.inner.config.flush_interval.is_zero();
        for (part, records) in batches {
            let mut p = lock(&part);
            p.append(&records, segment_bytes).map_err(|e| io("Cannot append to the embedded log", e))?;
            if sync_now {
                p.sync().map_err(|e| io("Cannot fsync the embedded log", e))?;
            }
        }
        self.written.send_replace(self.seq);
        self.inner.appended.send_modify(|n| *n += 1);
        Ok(())
    }

    async fn flush(&mut self, _timeout: Duration) {
        if let Err(e) = self.end_batch().await {
            tracing::error!(error = %e.trace(), "cannot write the last records to the embedded log");
        }
    }
}

struct EmbeddedConsumer {
    inner: Arc<Inner>,
    group: String,
    member: u64,
    subscription: Subscription,
    readers: HashMap<TopicPartition, Reader>,
    changes: Vec<Assignment>,
    topics_version: u64,
    appended: watch::Receiver<u64>,
}

impl EmbeddedConsumer {
    /// Rebalances the group when topics appeared, and applies this
    /// member's assignment changes to its readers.
    fn refresh(&mut self) {
        let version = self.inner.topics_version.load(Ordering::SeqCst);
        let mut groups = lock(&self.inner.groups);
        if version != self.topics_version {
            self.topics_version = version;
            let wanted = self.inner.matching(&self.subscription);
            if let Some(g) = groups.groups.get_mut(&self.group) {
                g.rebalance(wanted);
            }
        }
        let Some(g) = groups.groups.get_mut(&self.group) else { return };
        let changes = g.pending.remove(&self.member).unwrap_or_default();
        for change in &changes {
            match change {
                Assignment::Assigned(tps) => {
                    for tp in tps {
                        let start = match g.committed.get(&tp_key(tp)) {
                            Some(o) => *o,
                            None => self.inner.partition(tp).map_or(0, |p| lock(&p).start_offset()),
                        };
                        self.readers.insert(tp.clone(), Reader::new(start));
                    }
                }
                Assignment::Revoked(tps) => tps.iter().for_each(|tp| {
                    self.readers.remove(tp);
                }),
            }
        }
        self.changes.extend(changes);
    }

    fn read_available(&mut self, max: usize) -> Result<Vec<LogRecord>> {
        let mut out = Vec::new();
        let mut tps: Vec<TopicPartition> = self.readers.keys().cloned().collect();
        tps.sort();
        for tp in tps {
            if out.len() >= max {
                break;
            }
            let Some(part) = self.inner.partition(&tp) else { continue };
            let (view, end) = {
                let p = lock(&part);
                (p.view(), p.next_offset)
            };
            if let Some(reader) = self.readers.get_mut(&tp) {
                if reader.next_offset < end {
                    let room = max - out.len();
                    reader.read(&view, end, room, &mut out).map_err(|e| io("Cannot read the embedded log", e))?;
                }
            }
        }
        Ok(out)
    }
}

#[async_trait]
impl LogConsumer for EmbeddedConsumer {
    async fn poll(&mut self, max: usize, timeout: Duration) -> Result<Vec<LogRecord>> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            self.appended.borrow_and_update();
            self.refresh();
            let records = self.read_available(max)?;
            if !records.is_empty() || !self.changes.is_empty() {
                return Ok(records);
            }
            if tokio::time::timeout_at(deadline, self.appended.changed()).await.is_err() {
                return Ok(Vec::new());
            }
        }
    }

    fn assignment_changes(&mut self) -> Vec<Assignment> {
        std::mem::take(&mut self.changes)
    }

    async fn commit(&mut self, offsets: &PartitionOffsets) -> Result<()> {
        let mut groups = lock(&self.inner.groups);
        let g = groups.groups.entry(self.group.clone()).or_default();
        let owned = g.members.get(&self.member).cloned().unwrap_or_default();
        for (tp, o) in offsets {
            if owned.contains(tp) {
                g.committed.insert(tp_key(tp), *o);
            }
        }
        groups.persist(&self.group).map_err(|e| io("Cannot store consumer offsets", e))
    }

    async fn close(&mut self) {
        let mut groups = lock(&self.inner.groups);
        if let Some(g) = groups.groups.get_mut(&self.group) {
            g.members.remove(&self.member);
            g.pending.remove(&self.member);
            let wanted = self.inner.matching(&self.subscription);
            g.rebalance(wanted);
        }
    }
}
