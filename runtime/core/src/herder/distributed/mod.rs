//! The distributed herder: workers sharing a `group.id` share connectors
//! and tasks. Configs, statuses and source offsets live in Kafka topics in
//! Kafka Connect's formats, so every worker answers every read from what it
//! has read; writes go to the config topic, and the group's leader assigns
//! the work (`group.rs`) that each worker runs (`work.rs`).
//!
//! As in Connect, config writes are the leader's: other workers answer
//! [`HerderError::Elsewhere`] and the REST layer forwards the request; a
//! task restart goes to the worker running the task. Pause and resume are
//! written by any worker. Requests that arrive before the worker's first
//! assignment wait for it, as Connect's do; a write during a rebalance waits
//! for its end (Connect refuses it with 409), both up to the request timeout.

mod group;
mod settings;
mod work;

pub use settings::DistributedConfig;

use std::sync::{Arc, OnceLock};

use async_trait::async_trait;
use ferry_api::config::Props;
use ferry_api::{ConnectorKind, Result as ConnectResult};
use tokio::sync::{mpsc, watch, Mutex};
use tokio::task::JoinHandle;

use super::context::patched;
use super::offsets;
use super::validate::{invalid_config, validate};
use super::*;
use crate::config::connector::ConnectorConfig as Parsed;
use crate::distributed::config_log::{self, ConfigState};
use crate::distributed::protocol::TaskRef;
use crate::distributed::status_log::StatusState;
use crate::distributed::topic_log::TopicLog;
use crate::plugins::Registry;
use crate::worker::Worker;

/// What this worker has read from the internal topics.
struct Shared {
    config: ConfigState,
    statuses: StatusState,
    generation: i32,
    leader: Leader,
}

/// The group's leader, as the last assignment named it.
#[derive(Debug, Clone, Default)]
pub(super) struct Leader {
    pub is_self: bool,
    /// Its REST URL; `None` until an assignment names it.
    pub url: Option<String>,
}

pub struct DistributedHerder {
    worker: Arc<Worker>,
    settings: DistributedConfig,
    /// This worker's advertised REST URL.
    url: String,
    info: ServerInfo,
    cluster_id: OnceLock<String>,
    config_log: Mutex<TopicLog>,
    status_log: Mutex<TopicLog>,
    shared: std::sync::Mutex<Shared>,
    /// True from a rebalance's start until its assignment runs.
    rebalancing: watch::Sender<bool>,
    /// True once the first assignment ran: reads wait for it.
    joined: watch::Sender<bool>,
    events: mpsc::UnboundedSender<super::context::Event>,
    commands: mpsc::UnboundedSender<work::Command>,
    stop: watch::Sender<bool>,
    group: Mutex<Option<JoinHandle<()>>>,
}

const REBALANCING: &str = "Cannot complete request because of a conflicting operation (e.g. worker rebalance)";
/// How long a request waits for the group, as Connect's REST requests do.
const REQUEST_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(90);

impl DistributedHerder {
    /// Opens the config and status topics (creating them when missing) and
    /// joins the group. `client` holds the worker's Kafka client keys.
    pub async fn start(worker: Arc<Worker>, info: ServerInfo, settings: DistributedConfig, url: String, client: &Props) -> ConnectResult<Arc<Self>> {
        let config_log = TopicLog::open(client, &settings.config_topic).await?;
        let status_log = TopicLog::open(client, &settings.status_topic).await?;
        let (events, events_rx) = mpsc::unbounded_channel();
        let (commands, commands_rx) = mpsc::unbounded_channel();
        let (stop, stop_rx) = watch::channel(false);
        let herder = Arc::new(Self {
            worker,
            settings,
            url,
            info,
            cluster_id: OnceLock::new(),
            config_log: Mutex::new(config_log),
            status_log: Mutex::new(status_log),
            shared: std::sync::Mutex::new(Shared { config: ConfigState::new(), statuses: StatusState::default(), generation: -1, leader: Leader::default() }),
            rebalancing: watch::Sender::new(true),
            joined: watch::Sender::new(false),
            events,
            commands,
            stop,
            group: Mutex::new(None),
        });
        let handle = tokio::spawn(herder.clone().run_group(events_rx, commands_rx, stop_rx));
        *herder.group.lock().await = Some(handle);
        Ok(herder)
    }

    pub fn set_kafka_cluster_id(&self, id: String) {
        let _ = self.cluster_id.set(id);
    }

    /// Stops this worker's work (tasks flush their offsets) and leaves the group.
    pub async fn shutdown(&self) {
        let _ = self.stop.send(true);
        if let Some(handle) = self.group.lock().await.take() {
            let _ = handle.await;
        }
    }

    fn shared(&self) -> std::sync::MutexGuard<'_, Shared> {
        self.shared.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Reads the config topic to its end: before a rebalance and around writes.
    async fn read_config(&self) -> ConnectResult<()> {
        let entries = self.config_log.lock().await.read_to_end().await?;
        self.apply_config(entries);
        Ok(())
    }

    /// Applies what has arrived from the config topic, without asking the
    /// broker for its end: the group loop's regular look.
    async fn poll_config(&self) -> ConnectResult<()> {
        let entries = self.config_log.lock().await.read_available().await?;
        self.apply_config(entries);
        Ok(())
    }

    fn apply_config(&self, entries: Vec<crate::distributed::topic_log::Entry>) {
        let mut shared = self.shared();
        for e in entries {
            match e.key.as_deref().map(std::str::from_utf8) {
                Some(Ok(key)) => shared.config.apply(e.offset, key, e.value.as_deref()),
                _ => tracing::warn!(offset = e.offset, "skipping a config record without a UTF-8 key"),
            }
        }
    }

    /// Waits until no rebalance is under way (up to the request timeout;
    /// a stopping worker takes no more writes): 409 only after that.
    async fn settled(&self) -> HerderResult<()> {
        let mut rebalancing = self.rebalancing.subscribe();
        let mut stop = self.stop.subscribe();
        let settled = tokio::time::timeout(REQUEST_TIMEOUT, async {
            tokio::select! {
                r = rebalancing.wait_for(|r| !*r) => r.is_ok(),
                _ = stop.wait_for(|s| *s) => false,
            }
        });
        match settled.await {
            Ok(true) => Ok(()),
            _ => Err(HerderError::Conflict(REBALANCING.to_owned())),
        }
    }

    /// Waits for the worker's first assignment, so that reads answer from
    /// the config topic as the group has it; after the request timeout,
    /// from what has been read.
    async fn joined(&self) {
        let mut joined = self.joined.subscribe();
        let _ = tokio::time::timeout(REQUEST_TIMEOUT, joined.wait_for(|j| *j)).await;
    }

    /// Config writes are the leader's; another worker has them forwarded there.
    async fn check_leader(&self) -> HerderResult<()> {
        self.settled().await?;
        let leader = self.shared().leader.clone();
        if leader.is_self {
            Ok(())
        } else {
            Err(HerderError::Elsewhere { url: leader.url })
        }
    }

    /// Writes config records, then reads them back, so this worker's next read sees them.
    async fn write_config(&self, records: Vec<(String, Option<Vec<u8>>)>) -> HerderResult<()> {
        self.settled().await?;
        {
            let log = self.config_log.lock().await;
            for (key, value) in records {
                log.send(&key, value.as_deref(), None).await?;
            }
        }
        self.read_config().await?;
        Ok(())
    }

    fn kind_of(&self, config: &Props) -> Option<ConnectorKind> {
        let class = config.get("connector.class")?;
        self.worker.registry.find_connector(class).map(|p| p.factory.kind())
    }

    /// A connector as this worker has read it; reads are served from it, as in Connect.
    fn known_now(&self, name: &str) -> HerderResult<config_log::ConnectorConfig> {
        self.shared().config.connectors.get(name).cloned().ok_or_else(|| HerderError::connector_not_found(name))
    }

    /// A connector as the config topic has it, after catching up with it: for writes.
    async fn connector(&self, name: &str) -> HerderResult<config_log::ConnectorConfig> {
        self.joined().await;
        self.read_config().await?;
        self.known_now(name)
    }

    /// As [`Self::known_now`], once the worker has joined its group.
    async fn known(&self, name: &str) -> HerderResult<config_log::ConnectorConfig> {
        self.joined().await;
        self.known_now(name)
    }

    fn info_of(&self, name: &str, c: &config_log::ConnectorConfig) -> ConnectorInfo {
        ConnectorInfo {
            name: name.to_owned(),
            config: c.config.clone(),
            tasks: (0..c.tasks.len() as u32).map(|i| TaskId::new(name, i)).collect(),
            kind: self.kind_of(&c.config),
        }
    }

    pub(super) fn unassigned(&self) -> StateInfo {
        StateInfo { state: State::Unassigned, worker_id: self.worker.worker_id.clone(), trace: None }
    }

    /// A connector's status as read from the status topic, what runs here
    /// as this worker knows it now; `None` for an unknown connector.
    fn status_now(&self, name: &str) -> Option<ConnectorStatus> {
        let shared = self.shared();
        let c = shared.config.connectors.get(name)?;
        let local = &self.worker.status;
        let connector = local.connector(name).or_else(|| shared.statuses.connectors.get(name).map(|s| s.0.clone())).unwrap_or_else(|| self.unassigned());
        let task = |i: u32| {
            let id = TaskId::new(name, i);
            local.task(&id).or_else(|| shared.statuses.tasks.get(&id).map(|s| s.0.clone())).unwrap_or_else(|| self.unassigned())
        };
        Some(ConnectorStatus {
            name: name.to_owned(),
            connector,
            tasks: (0..c.tasks.len() as u32).map(|i| TaskStatus { id: i, status: task(i) }).collect(),
            kind: self.kind_of(&c.config),
        })
    }

    /// A connector's kind, parsed config and target state, from the config topic.
    fn parsed(&self, c: &config_log::ConnectorConfig, name: &str) -> HerderResult<(ConnectorKind, Parsed, TargetState)> {
        let kind = self.kind_of(&c.config).ok_or_else(|| HerderError::BadRequest(format!("Connector {name} names no known plugin")))?;
        Ok((kind, Parsed::parse(kind, &c.config)?, c.target))
    }
}

#[async_trait]
impl Herder for DistributedHerder {
    fn ready(&self) -> bool {
        *self.joined.borrow()
    }

    fn server_info(&self) -> ServerInfo {
        let mut info = self.info.clone();
        info.kafka_cluster_id = self.cluster_id.get().cloned().or(info.kafka_cluster_id);
        info
    }

    async fn connectors(&self) -> Vec<String> {
        self.joined().await;
        self.shared().config.connectors.keys().cloned().collect()
    }

    async fn connector_info(&self, name: &str) -> HerderResult<ConnectorInfo> {
        let c = self.known(name).await?;
        Ok(self.info_of(name, &c))
    }

    async fn connector_config(&self, name: &str) -> HerderResult<Props> {
        Ok(self.known(name).await?.config)
    }

    async fn put_connector_config(&self, name: &str, mut config: Props, allow_replace: bool, initial_state: Option<TargetState>) -> HerderResult<Created<ConnectorInfo>> {
        self.check_leader().await?;
        config.insert("name".into(), name.to_owned());
        let (kind, infos) = validate(&self.worker.registry, &config).await?;
        if infos.error_count > 0 {
            return Err(invalid_config(infos));
        }
        Parsed::parse(kind, &config)?;
        self.read_config().await?;
        let existing = self.shared().config.connectors.get(name).cloned();
        if !allow_replace && existing.is_some() {
            return Err(HerderError::Conflict(format!("Connector {name} already exists")));
        }
        let mut records = Vec::new();
        if let (Some(state), None) = (initial_state, &existing) {
            records.push((config_log::target_state_key(name), Some(config_log::target_state_value(state))));
        }
        records.push((config_log::connector_key(name), Some(config_log::properties_value(&config))));
        self.write_config(records).await?;
        tracing::info!(connector = %name, created = existing.is_none(), "connector configured");
        let tasks = existing.as_ref().map_or(0, |c| c.tasks.len());
        let info = ConnectorInfo { name: name.to_owned(), config, tasks: (0..tasks as u32).map(|i| TaskId::new(name, i)).collect(), kind: Some(kind) };
        Ok(Created { created: existing.is_none(), value: info })
    }

    async fn patch_connector_config(&self, name: &str, patch: Vec<(String, Option<String>)>) -> HerderResult<ConnectorInfo> {
        let config = patched(self.connector_config(name).await?, patch);
        Ok(self.put_connector_config(name, config, true, None).await?.value)
    }

    async fn delete_connector(&self, name: &str) -> HerderResult<()> {
        self.check_leader().await?;
        self.connector(name).await?;
        self.write_config(vec![(config_log::connector_key(name), None)]).await?;
        tracing::info!(connector = %name, "connector deleted");
        Ok(())
    }

    async fn connector_status(&self, name: &str) -> HerderResult<ConnectorStatus> {
        let c = self.known(name).await.map_err(|_| HerderError::NotFound(format!("No status found for connector {name}")))?;
        let shared = self.shared();
        let of = |s: Option<&(StateInfo, i32)>| s.map(|s| s.0.clone()).unwrap_or_else(|| self.unassigned());
        Ok(ConnectorStatus {
            name: name.to_owned(),
            connector: of(shared.statuses.connectors.get(name)),
            tasks: (0..c.tasks.len() as u32).map(|i| TaskStatus { id: i, status: of(shared.statuses.tasks.get(&TaskId::new(name, i))) }).collect(),
            kind: self.kind_of(&c.config),
        })
    }

    async fn task_status(&self, id: &TaskId) -> HerderResult<TaskStatus> {
        let missing = || HerderError::NotFound(format!("No status found for task {id}"));
        let c = self.known(&id.connector).await.map_err(|_| missing())?;
        if id.task as usize >= c.tasks.len() {
            return Err(missing());
        }
        let status = self.shared().statuses.tasks.get(id).map(|s| s.0.clone()).unwrap_or_else(|| self.unassigned());
        Ok(TaskStatus { id: id.task, status })
    }

    async fn task_configs(&self, name: &str) -> HerderResult<Vec<TaskInfo>> {
        let c = self.known(name).await?;
        Ok(c.tasks.into_iter().enumerate().map(|(i, config)| TaskInfo { id: TaskId::new(name, i as u32), config }).collect())
    }

    /// As Connect 3.9: the leader writes the request to the config topic,
    /// and each worker restarts what of it runs there.
    async fn restart_connector(&self, name: &str, request: RestartRequest) -> HerderResult<Option<ConnectorStatus>> {
        self.check_leader().await?;
        self.connector(name).await?;
        let status = self.status_now(name).ok_or_else(|| HerderError::connector_not_found(name))?;
        let plan = RestartPlan::new(&status, request);
        self.write_config(vec![(config_log::restart_key(name), Some(config_log::restart_value(request)))]).await?;
        Ok(plan.answer(request, status))
    }

    /// Restarted by the worker running it: this one, or the one its status names.
    async fn restart_task(&self, id: &TaskId) -> HerderResult<()> {
        let c = self.connector(&id.connector).await?;
        if id.task as usize >= c.tasks.len() {
            return Err(HerderError::NotFound(format!("Task {id} not found")));
        }
        self.settled().await?;
        let (answer, here) = tokio::sync::oneshot::channel();
        let task = TaskRef { connector: id.connector.clone(), task: id.task as i32 };
        if self.commands.send(work::Command::RestartTask(task, answer)).is_ok() && here.await.unwrap_or(false) {
            return Ok(());
        }
        let owner = self.shared().statuses.tasks.get(id).map(|s| s.0.worker_id.clone()).filter(|w| *w != self.worker.worker_id);
        Err(HerderError::Elsewhere { url: owner.map(|w| format!("http://{w}")) })
    }

    async fn set_target_state(&self, name: &str, state: TargetState) -> HerderResult<()> {
        self.connector(name).await.map_err(|_| HerderError::NotFound(format!("Unknown connector {name}")))?;
        if state == TargetState::Stopped {
            // Stopping changes the tasks, which only the leader writes.
            self.check_leader().await?;
        }
        let mut records = Vec::new();
        if state == TargetState::Stopped {
            // As Connect: a stopped connector has no tasks.
            records.push((config_log::commit_key(name), Some(config_log::commit_value(0))));
        }
        records.push((config_log::target_state_key(name), Some(config_log::target_state_value(state))));
        self.write_config(records).await
    }

    async fn connector_topics(&self, name: &str) -> HerderResult<Vec<String>> {
        self.known(name).await?;
        let mut topics: std::collections::BTreeSet<String> = self.shared().statuses.topics.get(name).cloned().unwrap_or_default();
        topics.extend(self.worker.status.topics(name));
        Ok(topics.into_iter().collect())
    }

    /// As Connect: any worker writes a tombstone for each topic record;
    /// every worker forgets the topics as it reads them, and its tasks
    /// record them again when they next use them.
    async fn reset_connector_topics(&self, name: &str) -> HerderResult<()> {
        self.known(name).await?;
        let keys = self.topic_keys(name);
        self.remove_statuses(name, keys).await;
        self.worker.status.reset_topics(name);
        self.shared().statuses.topics.remove(name);
        Ok(())
    }

    async fn connector_offsets(&self, name: &str) -> HerderResult<ConnectorOffsets> {
        let (kind, parsed, _) = self.parsed(&self.known(name).await?, name)?;
        offsets::read(&self.worker, kind, &parsed).await
    }

    /// As in Connect, the leader's: the connector must be STOPPED, so no
    /// task writes offsets meanwhile.
    async fn alter_offsets(&self, name: &str, new: ConnectorOffsets) -> HerderResult<String> {
        self.check_leader().await?;
        let (kind, parsed, target) = self.parsed(&self.connector(name).await?, name)?;
        offsets::require_stopped(name, target)?;
        offsets::alter(&self.worker, kind, &parsed, new).await
    }

    async fn reset_offsets(&self, name: &str) -> HerderResult<String> {
        self.check_leader().await?;
        let (kind, parsed, target) = self.parsed(&self.connector(name).await?, name)?;
        offsets::require_stopped(name, target)?;
        offsets::reset(&self.worker, kind, &parsed).await
    }

    fn registry(&self) -> &Registry {
        &self.worker.registry
    }
}
