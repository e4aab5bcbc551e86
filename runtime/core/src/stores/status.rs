//! Connector and task states, as `GET …/status` reports them.

use std::collections::{BTreeSet, HashMap};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

use crate::herder::{State, StateInfo, TaskId};

pub struct StatusStore {
    worker_id: String,
    inner: Mutex<Inner>,
    /// Changes whenever topics are forgotten, so tasks note them again.
    topic_epoch: AtomicU64,
    /// Bumped by every task state change, for [`StatusStore::wait_for_tasks`].
    task_changes: tokio::sync::watch::Sender<u64>,
}

#[derive(Default)]
struct Inner {
    connectors: HashMap<String, StateInfo>,
    tasks: HashMap<TaskId, StateInfo>,
    /// Topics each connector has used, for `GET …/topics`.
    topics: HashMap<String, BTreeSet<String>>,
}

impl StatusStore {
    pub fn new(worker_id: String) -> Self {
        Self { worker_id, inner: Mutex::default(), topic_epoch: AtomicU64::new(0), task_changes: tokio::sync::watch::Sender::new(0) }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn info(&self, state: State, trace: Option<String>) -> StateInfo {
        StateInfo { state, worker_id: self.worker_id.clone(), trace }
    }

    pub fn set_connector(&self, name: &str, state: State, trace: Option<String>) {
        let info = self.info(state, trace);
        self.lock().connectors.insert(name.to_owned(), info);
    }

    pub fn set_task(&self, id: &TaskId, state: State, trace: Option<String>) {
        let info = self.info(state, trace);
        self.lock().tasks.insert(id.clone(), info);
        self.task_changes.send_modify(|n| *n = n.wrapping_add(1));
    }

    /// Waits until no task of `ids` is in state `leaving` (or `timeout` passes):
    /// a herder reports a connector PAUSED once its tasks are.
    pub async fn wait_for_tasks(&self, ids: &[TaskId], leaving: State, timeout: std::time::Duration) {
        let mut changes = self.task_changes.subscribe();
        let settled = |s: &Self| ids.iter().all(|id| s.task(id).is_none_or(|t| t.state != leaving));
        let _ = tokio::time::timeout(timeout, async {
            while !settled(self) {
                if changes.changed().await.is_err() {
                    return;
                }
            }
        })
        .await;
    }

    pub fn connector(&self, name: &str) -> Option<StateInfo> {
        self.lock().connectors.get(name).cloned()
    }

    pub fn task(&self, id: &TaskId) -> Option<StateInfo> {
        self.lock().tasks.get(id).cloned()
    }

    /// Forgets a connector and all its tasks.
    pub fn remove(&self, name: &str) {
        let mut inner = self.lock();
        inner.connectors.remove(name);
        inner.tasks.retain(|id, _| id.connector != name);
    }

    pub fn add_topic(&self, connector: &str, topic: &str) {
        self.lock().topics.entry(connector.to_owned()).or_default().insert(topic.to_owned());
    }

    pub fn topics(&self, connector: &str) -> Vec<String> {
        self.lock().topics.get(connector).map(|t| t.iter().cloned().collect()).unwrap_or_default()
    }

    pub fn reset_topics(&self, connector: &str) {
        self.lock().topics.remove(connector);
        self.topic_epoch.fetch_add(1, Ordering::Relaxed);
    }

    /// Forgets one topic of a connector (another worker reset them).
    pub fn remove_topic(&self, connector: &str, topic: &str) {
        if let Some(t) = self.lock().topics.get_mut(connector) {
            t.remove(topic);
        }
        self.topic_epoch.fetch_add(1, Ordering::Relaxed);
    }

    /// How many times topics were forgotten; a task's own memory of the
    /// topics it noted is good only while this stays the same.
    pub fn topic_epoch(&self) -> u64 {
        self.topic_epoch.load(Ordering::Relaxed)
    }

    pub fn remove_task(&self, id: &TaskId) {
        self.lock().tasks.remove(id);
    }
}
