//! The standalone herder: one worker, connectors kept in memory (created
//! from properties files at boot or over REST), offsets in a file.

use std::collections::BTreeMap;
use std::sync::{Arc, Weak};

use async_trait::async_trait;
use ferry_api::config::Props;
use ferry_api::ConnectorKind;
use tokio::sync::{mpsc, Mutex};

use super::context::{patched, Context, Event};
use super::offsets;
use super::validate::{invalid_config, unknown_class, validate};
use super::*;
use crate::config::connector::ConnectorConfig;
use crate::plugins::Registry;
use crate::worker::{ConnectorInstance, TaskHandle, TaskTarget, Worker};

struct Entry {
    config: ConnectorConfig,
    kind: ConnectorKind,
    target: TargetState,
    /// The connector instance, while it is started or paused.
    instance: Option<ConnectorInstance>,
    task_configs: Vec<Props>,
    tasks: BTreeMap<u32, TaskHandle>,
}

pub struct StandaloneHerder {
    worker: Arc<Worker>,
    connectors: Mutex<BTreeMap<String, Entry>>,
    events: mpsc::UnboundedSender<Event>,
    info: ServerInfo,
    /// Learnt from the broker after start, so REST is ready before Kafka answers.
    cluster_id: std::sync::OnceLock<String>,
}

impl StandaloneHerder {
    pub fn new(worker: Arc<Worker>, info: ServerInfo) -> Arc<Self> {
        let (events, rx) = mpsc::unbounded_channel();
        let herder = Arc::new(Self {
            worker,
            connectors: Mutex::new(BTreeMap::new()),
            events,
            info,
            cluster_id: std::sync::OnceLock::new(),
        });
        tokio::spawn(Self::handle_events(Arc::downgrade(&herder), rx));
        if let Some((initial, max)) = herder.worker.config.task_restart {
            tokio::spawn(super::restarts::restart_failed_tasks(Arc::downgrade(&herder), initial, max));
        }
        herder
    }

    /// The tasks of every connector, for the automatic restarts.
    pub(super) async fn task_ids(&self) -> Vec<TaskId> {
        let map = self.connectors.lock().await;
        map.iter().flat_map(|(name, e)| (0..e.task_configs.len() as u32).map(move |i| TaskId::new(name, i))).collect()
    }

    pub(super) fn status(&self) -> &crate::stores::StatusStore {
        &self.worker.status
    }


    async fn handle_events(herder: Weak<Self>, mut rx: mpsc::UnboundedReceiver<Event>) {
        while let Some(event) = rx.recv().await {
            let Some(h) = herder.upgrade() else { return };
            match event {
                Event::Reconfigure(name) => h.reconfigure(&name).await,
                Event::Failed(name, e) => {
                    tracing::error!(connector = %name, error = %e.trace(), "connector failed");
                    h.worker.status.set_connector(&name, State::Failed, Some(e.trace()));
                }
            }
        }
    }

    pub fn set_kafka_cluster_id(&self, id: String) {
        let _ = self.cluster_id.set(id);
    }

    /// Stops every connector: tasks flush their offsets.
    pub async fn shutdown(&self) {
        let mut map = self.connectors.lock().await;
        for (name, entry) in map.iter_mut() {
            self.stop_entry(name, entry).await;
        }
    }

    fn not_found(name: &str) -> HerderError {
        HerderError::connector_not_found(name)
    }

    /// Starts the connector and its tasks, per the entry's target state.
    async fn start_entry(&self, name: &str, entry: &mut Entry) {
        let status = &self.worker.status;
        if entry.target == TargetState::Stopped {
            status.set_connector(name, State::Stopped, None);
            return;
        }
        let Some(instance) = self.start_instance(name, entry).await else { return };
        entry.instance = Some(instance);
        // As in Connect, a connector paused before it ever ran has no tasks yet.
        if entry.target == TargetState::Started {
            self.start_tasks(name, entry);
        }
    }

    /// Asks the connector for task configs and starts a task for each.
    fn start_tasks(&self, name: &str, entry: &mut Entry) {
        let Some(instance) = &entry.instance else { return };
        match instance.task_configs(entry.config.tasks_max) {
            Ok(configs) => entry.task_configs = with_task_class(configs, &entry.config.class, entry.config.tasks_max),
            Err(e) => {
                self.worker.status.set_connector(name, State::Failed, Some(e.trace()));
                return;
            }
        }
        for i in 0..entry.task_configs.len() as u32 {
            self.start_task(name, entry, i);
        }
    }

    /// Creates and starts the connector instance; a failure marks it FAILED.
    async fn start_instance(&self, name: &str, entry: &Entry) -> Option<ConnectorInstance> {
        let status = &self.worker.status;
        let Some(plugin) = self.worker.registry.find_connector(&entry.config.class) else {
            let e = unknown_class(&self.worker.registry, &entry.config.class);
            status.set_connector(name, State::Failed, Some(e.to_string()));
            return None;
        };
        let mut instance = ConnectorInstance::new(plugin.factory);
        let ctx = Arc::new(Context { name: name.to_owned(), events: self.events.clone() });
        match instance.start(entry.config.props.clone(), ctx).await {
            Ok(()) => {
                let state = if entry.target == TargetState::Paused { State::Paused } else { State::Running };
                status.set_connector(name, state, None);
                Some(instance)
            }
            Err(e) => {
                tracing::error!(connector = %name, error = %e.trace(), "connector failed to start");
                status.set_connector(name, State::Failed, Some(e.trace()));
                None
            }
        }
    }

    fn start_task(&self, name: &str, entry: &mut Entry, index: u32) {
        let Some(instance) = &entry.instance else { return };
        let Some(props) = entry.task_configs.get(index as usize) else { return };
        let id = TaskId::new(name, index);
        let target = if entry.target == TargetState::Started { TaskTarget::Run } else { TaskTarget::Pause };
        match self.worker.start_task(id.clone(), instance, &entry.config, props.clone(), target) {
            Ok(handle) => {
                entry.tasks.insert(index, handle);
            }
            Err(e) => self.worker.status.set_task(&id, State::Failed, Some(e.trace())),
        }
    }

    async fn stop_tasks(&self, name: &str, entry: &mut Entry) {
        let timeout = self.worker.config.task_shutdown_timeout;
        let handles = std::mem::take(&mut entry.tasks);
        futures::future::join_all(handles.into_values().map(|h| h.stop(timeout))).await;
        for i in 0..entry.task_configs.len() as u32 {
            self.worker.status.remove_task(&TaskId::new(name, i));
        }
    }

    async fn stop_entry(&self, name: &str, entry: &mut Entry) {
        self.stop_tasks(name, entry).await;
        if let Some(mut instance) = entry.instance.take() {
            if let Err(e) = instance.stop().await {
                tracing::warn!(connector = %name, error = %e.trace(), "connector did not stop cleanly");
            }
        }
    }

    /// The connector asked for new task configs: restart the tasks if they changed.
    async fn reconfigure(&self, name: &str) {
        let mut map = self.connectors.lock().await;
        let Some(entry) = map.get_mut(name) else { return };
        let Some(instance) = &entry.instance else { return };
        let configs = match instance.task_configs(entry.config.tasks_max) {
            Ok(c) => with_task_class(c, &entry.config.class, entry.config.tasks_max),
            Err(e) => {
                self.worker.status.set_connector(name, State::Failed, Some(e.trace()));
                return;
            }
        };
        if configs == entry.task_configs {
            return;
        }
        self.stop_tasks(name, entry).await;
        entry.task_configs = configs;
        for i in 0..entry.task_configs.len() as u32 {
            self.start_task(name, entry, i);
        }
    }

    fn info_of(name: &str, entry: &Entry) -> ConnectorInfo {
        ConnectorInfo {
            name: name.to_owned(),
            config: entry.config.props.clone(),
            tasks: (0..entry.task_configs.len() as u32).map(|i| TaskId::new(name, i)).collect(),
            kind: Some(entry.kind),
        }
    }

    fn status_of(&self, name: &str, entry: &Entry) -> ConnectorStatus {
        let status = &self.worker.status;
        let unassigned = || StateInfo { state: State::Unassigned, worker_id: self.worker.worker_id.clone(), trace: None };
        ConnectorStatus {
            name: name.to_owned(),
            connector: status.connector(name).unwrap_or_else(unassigned),
            tasks: (0..entry.task_configs.len() as u32)
                .map(|i| TaskStatus { id: i, status: status.task(&TaskId::new(name, i)).unwrap_or_else(unassigned) })
                .collect(),
            kind: Some(entry.kind),
        }
    }
}

/// Keys no ConfigDef declares are passed on to the connector, as Connect
/// does; they are named once, in case one is a typo.
fn log_unknown_keys(name: &str, config: &Props, infos: &ConfigInfos) {
    let known = |k: &str| {
        infos.configs.iter().any(|(key, _)| key.name == k)
            || ["producer.override.", "consumer.override.", "admin.override.", "key.converter.", "value.converter.",
                "header.converter.", "transforms.", "predicates.", "topic.creation."]
                .iter()
                .any(|p| k.starts_with(p))
    };
    let unknown: Vec<&str> = config.keys().map(String::as_str).filter(|k| !known(k)).collect();
    if !unknown.is_empty() {
        tracing::info!(connector = %name, keys = ?unknown, "passing on configuration keys the connector does not declare");
    }
}

/// Caps the task configs at `tasks.max` and names the task class in each,
/// as Connect shows it in `GET …/tasks` (`…FileStreamSinkConnector` →
/// `…FileStreamSinkTask`).
pub(super) fn with_task_class(configs: Vec<Props>, connector_class: &str, max: usize) -> Vec<Props> {
    let task_class = match connector_class.strip_suffix("Connector") {
        Some(stem) => format!("{stem}Task"),
        None => format!("{connector_class}Task"),
    };
    configs
        .into_iter()
        .take(max)
        .map(|mut c| {
            c.entry("task.class".into()).or_insert_with(|| task_class.clone());
            c
        })
        .collect()
}

#[async_trait]
impl Herder for StandaloneHerder {
    fn server_info(&self) -> ServerInfo {
        let mut info = self.info.clone();
        info.kafka_cluster_id = self.cluster_id.get().cloned().or(info.kafka_cluster_id);
        info
    }

    async fn connectors(&self) -> Vec<String> {
        self.connectors.lock().await.keys().cloned().collect()
    }

    async fn connector_info(&self, name: &str) -> HerderResult<ConnectorInfo> {
        let map = self.connectors.lock().await;
        map.get(name).map(|e| Self::info_of(name, e)).ok_or_else(|| Self::not_found(name))
    }

    async fn connector_config(&self, name: &str) -> HerderResult<Props> {
        let map = self.connectors.lock().await;
        map.get(name).map(|e| e.config.props.clone()).ok_or_else(|| Self::not_found(name))
    }

    async fn put_connector_config(
        &self,
        name: &str,
        mut config: Props,
        allow_replace: bool,
        initial_state: Option<TargetState>,
    ) -> HerderResult<Created<ConnectorInfo>> {
        config.insert("name".into(), name.to_owned());
        let (kind, infos) = validate(&self.worker.registry, &config).await?;
        if infos.error_count > 0 {
            return Err(invalid_config(infos));
        }
        let parsed = ConnectorConfig::parse(kind, &config)?;
        log_unknown_keys(name, &config, &infos);
        let mut map = self.connectors.lock().await;
        if !allow_replace && map.contains_key(name) {
            return Err(HerderError::Conflict(format!("Connector {name} already exists")));
        }
        let previous = match map.remove(name) {
            Some(mut old) => {
                self.stop_entry(name, &mut old).await;
                Some(old.target)
            }
            None => None,
        };
        let created = previous.is_none();
        let target = initial_state.or(previous).unwrap_or(TargetState::Started);
        let mut entry = Entry { config: parsed, kind, target, instance: None, task_configs: Vec::new(), tasks: BTreeMap::new() };
        self.start_entry(name, &mut entry).await;
        let info = Self::info_of(name, &entry);
        map.insert(name.to_owned(), entry);
        tracing::info!(connector = %name, created, "connector configured");
        Ok(Created { created, value: info })
    }

    async fn patch_connector_config(&self, name: &str, patch: Vec<(String, Option<String>)>) -> HerderResult<ConnectorInfo> {
        let config = patched(self.connector_config(name).await?, patch);
        Ok(self.put_connector_config(name, config, true, None).await?.value)
    }

    async fn delete_connector(&self, name: &str) -> HerderResult<()> {
        let mut map = self.connectors.lock().await;
        let mut entry = map.remove(name).ok_or_else(|| Self::not_found(name))?;
        self.stop_entry(name, &mut entry).await;
        self.worker.status.remove(name);
        tracing::info!(connector = %name, "connector deleted");
        Ok(())
    }

    async fn connector_status(&self, name: &str) -> HerderResult<ConnectorStatus> {
        let map = self.connectors.lock().await;
        map.get(name)
            .map(|e| self.status_of(name, e))
            .ok_or_else(|| HerderError::NotFound(format!("No status found for connector {name}")))
    }

    async fn task_status(&self, id: &TaskId) -> HerderResult<TaskStatus> {
        let map = self.connectors.lock().await;
        let missing = || HerderError::NotFound(format!("No status found for task {id}"));
        let entry = map.get(&id.connector).ok_or_else(missing)?;
        if id.task as usize >= entry.task_configs.len() {
            return Err(missing());
        }
        let status = self.worker.status.task(id).unwrap_or(StateInfo {
            state: State::Unassigned,
            worker_id: self.worker.worker_id.clone(),
            trace: None,
        });
        Ok(TaskStatus { id: id.task, status })
    }

    async fn task_configs(&self, name: &str) -> HerderResult<Vec<TaskInfo>> {
        let map = self.connectors.lock().await;
        let entry = map.get(name).ok_or_else(|| Self::not_found(name))?;
        Ok(entry
            .task_configs
            .iter()
            .enumerate()
            .map(|(i, c)| TaskInfo { id: TaskId::new(name, i as u32), config: c.clone() })
            .collect())
    }

    async fn restart_connector(&self, name: &str, request: RestartRequest) -> HerderResult<Option<ConnectorStatus>> {
        let mut map = self.connectors.lock().await;
        let entry = map.get_mut(name).ok_or_else(|| Self::not_found(name))?;
        let plan = RestartPlan::new(&self.status_of(name, entry), request);
        let answer = plan.answer(request, self.status_of(name, entry));
        if plan.connector {
            if let Some(mut instance) = entry.instance.take() {
                let _ = instance.stop().await;
            }
            entry.instance = self.start_instance(name, entry).await;
        }
        for t in plan.tasks {
            if let Some(handle) = entry.tasks.remove(&t) {
                handle.stop(self.worker.config.task_shutdown_timeout).await;
            }
            self.start_task(name, entry, t);
        }
        Ok(answer)
    }

    async fn restart_task(&self, id: &TaskId) -> HerderResult<()> {
        let mut map = self.connectors.lock().await;
        let entry = map.get_mut(&id.connector).ok_or_else(|| Self::not_found(&id.connector))?;
        if id.task as usize >= entry.task_configs.len() {
            return Err(HerderError::NotFound(format!("Task {id} not found")));
        }
        if let Some(handle) = entry.tasks.remove(&id.task) {
            handle.stop(self.worker.config.task_shutdown_timeout).await;
        }
        self.start_task(&id.connector, entry, id.task);
        Ok(())
    }

    async fn set_target_state(&self, name: &str, state: TargetState) -> HerderResult<()> {
        let mut map = self.connectors.lock().await;
        let entry = map.get_mut(name).ok_or_else(|| HerderError::NotFound(format!("Unknown connector {name}")))?;
        let before = entry.target;
        entry.target = state;
        let status = &self.worker.status;
        match (before, state) {
            (TargetState::Stopped, TargetState::Stopped) => {}
            (_, TargetState::Stopped) => {
                self.stop_entry(name, entry).await;
                entry.task_configs.clear();
                status.set_connector(name, State::Stopped, None);
            }
            (TargetState::Stopped, _) => self.start_entry(name, entry).await,
            (_, TargetState::Paused) => {
                // The connector reads PAUSED once its tasks do, as Connect reports them together.
                entry.tasks.values().for_each(|t| t.set_target(TaskTarget::Pause));
                let ids: Vec<TaskId> = entry.tasks.keys().map(|i| TaskId::new(name, *i)).collect();
                status.wait_for_tasks(&ids, State::Running, PAUSE_WAIT).await;
                status.set_connector(name, State::Paused, None);
            }
            (_, TargetState::Started) => {
                if entry.instance.is_some() {
                    status.set_connector(name, State::Running, None);
                }
                if entry.tasks.is_empty() && entry.task_configs.is_empty() {
                    self.start_tasks(name, entry);
                }
                entry.tasks.values().for_each(|t| t.set_target(TaskTarget::Run));
            }
        }
        Ok(())
    }

    async fn connector_topics(&self, name: &str) -> HerderResult<Vec<String>> {
        let map = self.connectors.lock().await;
        map.get(name).ok_or_else(|| Self::not_found(name))?;
        Ok(self.worker.status.topics(name))
    }

    async fn reset_connector_topics(&self, name: &str) -> HerderResult<()> {
        let map = self.connectors.lock().await;
        map.get(name).ok_or_else(|| Self::not_found(name))?;
        self.worker.status.reset_topics(name);
        Ok(())
    }

    async fn connector_offsets(&self, name: &str) -> HerderResult<ConnectorOffsets> {
        let map = self.connectors.lock().await;
        let entry = map.get(name).ok_or_else(|| Self::not_found(name))?;
        offsets::read(&self.worker, entry.kind, &entry.config).await
    }

    async fn alter_offsets(&self, name: &str, new: ConnectorOffsets) -> HerderResult<String> {
        let map = self.connectors.lock().await;
        let entry = map.get(name).ok_or_else(|| Self::not_found(name))?;
        offsets::require_stopped(name, entry.target)?;
        offsets::alter(&self.worker, entry.kind, &entry.config, new).await
    }

    async fn reset_offsets(&self, name: &str) -> HerderResult<String> {
        let map = self.connectors.lock().await;
        let entry = map.get(name).ok_or_else(|| Self::not_found(name))?;
        offsets::require_stopped(name, entry.target)?;
        offsets::reset(&self.worker, entry.kind, &entry.config).await
    }

    fn registry(&self) -> &Registry {
        &self.worker.registry
    }
}

