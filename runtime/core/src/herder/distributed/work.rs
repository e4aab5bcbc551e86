//! The work this worker runs: the connectors and tasks its assignments
//! gave it, started and stopped as assignments and the config topic change.

use std::collections::BTreeMap;
use std::sync::Arc;

use ferry_api::config::Props;
use ferry_api::ConnectError;

use super::DistributedHerder;
use crate::herder::context::{Context, Event};
use crate::config::connector::ConnectorConfig as Parsed;
use crate::distributed::config_log::{self, ConnectorConfig};
use crate::distributed::protocol::{Assignment, TaskRef};
use crate::distributed::status_log;
use crate::herder::standalone::with_task_class;
use crate::herder::{RestartPlan, RestartRequest, State, StateInfo, TargetState, TaskId};
use crate::worker::{ConnectorInstance, TaskHandle, TaskTarget};


struct RunningConnector {
    /// The config it was started with.
    config: ConnectorConfig,
    /// `None` when stopped or failed to start.
    instance: Option<ConnectorInstance>,
}

struct RunningTask {
    config: Props,
    target: TargetState,
    /// `None` when it failed to start (its status says why).
    handle: Option<TaskHandle>,
}

/// What the REST side asks of the group loop, which owns [`Local`].
pub(super) enum Command {
    /// Restart the task if it runs here; the answer says whether it did.
    RestartTask(TaskRef, tokio::sync::oneshot::Sender<bool>),
}

#[derive(Default)]
pub(super) struct Local {
    connectors: BTreeMap<String, RunningConnector>,
    tasks: BTreeMap<TaskRef, RunningTask>,
    /// The last status written per status key, so only changes are written.
    published: BTreeMap<String, StateInfo>,
    /// The topic records written, by their keys.
    published_topics: std::collections::BTreeSet<String>,
}

fn task_id(t: &TaskRef) -> TaskId {
    TaskId::new(&t.connector, t.task as u32)
}

fn task_target(target: TargetState) -> TaskTarget {
    if target == TargetState::Started { TaskTarget::Run } else { TaskTarget::Pause }
}

impl Local {
    /// The connectors some of whose tasks run here.
    fn connectors_with_tasks(&self) -> std::collections::BTreeSet<String> {
        self.tasks.keys().map(|t| t.connector.clone()).collect()
    }

    /// The status keys of everything this worker runs.
    pub(super) fn status_keys(&self) -> Vec<String> {
        let connectors = self.connectors.keys().map(|c| status_log::connector_key(c));
        connectors.chain(self.tasks.keys().map(|t| status_log::task_key(&task_id(t)))).collect()
    }

    /// What this worker tells the group when it joins, as Connect's
    /// assignment snapshot: everything it runs, at the config offset of its
    /// last assignment. The rest of the last assignment (leader, delay) is
    /// left out, so the metadata changes only when the work does: brokers
    /// that start a generation on every changed join (tansu) would
    /// otherwise need a round per member after each assignment.
    pub(super) fn snapshot(&self, last: &Assignment) -> Assignment {
        Assignment {
            connectors: self.connectors.keys().cloned().collect(),
            tasks: self.tasks.keys().cloned().collect(),
            config_offset: last.config_offset,
            ..Assignment::default()
        }
    }
}

impl DistributedHerder {
    /// Stops what the assignment revokes and starts what it assigns.
    pub(super) async fn apply(&self, local: &mut Local, a: &Assignment) {
        for t in &a.revoked_tasks {
            self.stop_task(local, t).await;
        }
        for c in &a.revoked_connectors {
            self.stop_connector(local, c).await;
        }
        // The same assignment may come twice (a rejoin the broker answered
        // with the current generation): what runs already is left alone.
        for c in a.connectors.iter().filter(|c| !local.connectors.contains_key(*c)).collect::<Vec<_>>() {
            self.start_connector(local, c).await;
        }
        for t in a.tasks.iter().filter(|t| !local.tasks.contains_key(*t)).collect::<Vec<_>>() {
            self.start_task(local, t);
        }
    }

    /// Eager rebalancing: everything that runs here stops before the group rebalances.
    pub(super) async fn revoke_all(&self, local: &mut Local) {
        let tasks: Vec<TaskRef> = local.tasks.keys().cloned().collect();
        for t in &tasks {
            self.stop_task(local, t).await;
        }
        let connectors: Vec<String> = local.connectors.keys().cloned().collect();
        for c in &connectors {
            self.stop_connector(local, c).await;
        }
    }

    pub(super) async fn stop_all(&self, local: &mut Local) {
        let tasks: Vec<TaskRef> = local.tasks.keys().cloned().collect();
        futures::future::join_all(tasks.iter().map(|t| self.stop_task_handle(t, local.tasks.remove(t)))).await;
        let connectors: Vec<String> = local.connectors.keys().cloned().collect();
        for c in connectors {
            self.stop_connector(local, &c).await;
        }
    }

    async fn stop_task_handle(&self, t: &TaskRef, task: Option<RunningTask>) {
        if let Some(handle) = task.and_then(|t| t.handle) {
            handle.stop(self.worker.config.task_shutdown_timeout).await;
            tracing::info!(task = %task_id(t), "task stopped");
        }
    }

    async fn start_connector(&self, local: &mut Local, name: &str) {
        let Some(config) = self.shared().config.connectors.get(name).cloned() else {
            tracing::warn!(connector = %name, "assigned a connector the config topic does not know (yet)");
            return;
        };
        let status = &self.worker.status;
        let mut running = RunningConnector { config: config.clone(), instance: None };
        if config.target == TargetState::Stopped {
            status.set_connector(name, State::Stopped, None);
            local.connectors.insert(name.to_owned(), running);
            return;
        }
        let class = config.config.get("connector.class").cloned().unwrap_or_default();
        match self.worker.registry.find_connector(&class) {
            None => status.set_connector(name, State::Failed, Some(format!("No connector plugin named {class}"))),
            Some(plugin) => {
                let mut instance = ConnectorInstance::new(plugin.factory);
                let ctx = Arc::new(Context { name: name.to_owned(), events: self.events.clone() });
                match instance.start(config.config.clone(), ctx).await {
                    Ok(()) => {
                        let state = if config.target == TargetState::Paused { State::Paused } else { State::Running };
                        status.set_connector(name, state, None);
                        running.instance = Some(instance);
                    }
                    Err(e) => {
                        tracing::error!(connector = %name, error = %e.trace(), "connector failed to start");
                        status.set_connector(name, State::Failed, Some(e.trace()));
                    }
                }
            }
        }
        local.connectors.insert(name.to_owned(), running);
        if config.target == TargetState::Started {
            self.write_task_configs(local, name).await;
        }
    }

    /// Asks the connector for its task configs and, when they differ from
    /// the committed ones, writes them and their commit to the config topic.
    pub(super) async fn write_task_configs(&self, local: &Local, name: &str) {
        let Some(RunningConnector { config, instance: Some(instance) }) = local.connectors.get(name) else { return };
        let Ok(parsed) = Parsed::parse(instance.kind(), &config.config) else { return };
        let configs = match instance.task_configs(parsed.tasks_max) {
            Ok(c) => with_task_class(c, &parsed.class, parsed.tasks_max),
            Err(e) => {
                self.worker.status.set_connector(name, State::Failed, Some(e.trace()));
                return;
            }
        };
        let committed = self.shared().config.connectors.get(name).map(|c| c.tasks.clone());
        if committed.as_ref() == Some(&configs) {
            return;
        }
        let log = self.config_log.lock().await;
        let mut writes = Vec::new();
        for (i, c) in configs.iter().enumerate() {
            writes.push((config_log::task_key(name, i as u32), Some(config_log::properties_value(c))));
        }
        writes.push((config_log::commit_key(name), Some(config_log::commit_value(configs.len()))));
        for (key, value) in writes {
            if let Err(e) = log.send(&key, value.as_deref(), None).await {
                tracing::error!(connector = %name, "cannot write task configs: {}", e.trace());
                return;
            }
        }
        tracing::info!(connector = %name, tasks = configs.len(), "wrote task configs");
    }

    async fn stop_connector(&self, local: &mut Local, name: &str) {
        local.published.remove(&status_log::connector_key(name));
        if let Some(mut instance) = local.connectors.remove(name).and_then(|c| c.instance) {
            if let Err(e) = instance.stop().await {
                tracing::warn!(connector = %name, error = %e.trace(), "connector did not stop cleanly");
            }
        }
    }

    fn start_task(&self, local: &mut Local, t: &TaskRef) {
        let (config, props) = {
            let shared = self.shared();
            let Some(c) = shared.config.connectors.get(&t.connector) else { return };
            let Some(props) = usize::try_from(t.task).ok().and_then(|i| c.tasks.get(i)).cloned() else {
                tracing::warn!(connector = %t.connector, task = t.task, "assigned a task the config topic does not know (yet)");
                return;
            };
            (c.clone(), props)
        };
        let id = task_id(t);
        let class = config.config.get("connector.class").cloned().unwrap_or_default();
        let handle = self.worker.registry.find_connector(&class).ok_or_else(|| ConnectError::fatal(format!("No connector plugin named {class}"))).and_then(|plugin| {
            let instance = ConnectorInstance::new(plugin.factory);
            let parsed = Parsed::parse(instance.kind(), &config.config)?;
            self.worker.start_task(id.clone(), &instance, &parsed, props.clone(), task_target(config.target))
        });
        let handle = match handle {
            Ok(h) => {
                tracing::info!(task = %id, "task started");
                Some(h)
            }
            Err(e) => {
                self.worker.status.set_task(&id, State::Failed, Some(e.trace()));
                None
            }
        };
        local.tasks.insert(t.clone(), RunningTask { config: props, target: config.target, handle });
    }

    async fn stop_task(&self, local: &mut Local, t: &TaskRef) {
        self.stop_task_handle(t, local.tasks.remove(t)).await;
        self.worker.status.remove_task(&task_id(t));
        local.published.remove(&status_log::task_key(&task_id(t)));
    }

    /// Brings what runs here in line with a config topic that changed: new
    /// connector configs restart the connector, new task configs the task,
    /// new target states pause or resume; deleted connectors stop.
    pub(super) async fn reconcile(&self, local: &mut Local) {
        let connectors = self.shared().config.connectors.clone();
        let tasks: Vec<TaskRef> = local.tasks.keys().cloned().collect();
        let mut pausing = Vec::new();
        for t in tasks {
            let committed = connectors.get(&t.connector).and_then(|c| Some((usize::try_from(t.task).ok().and_then(|i| c.tasks.get(i))?.clone(), c.target)));
            let Some(running) = local.tasks.get(&t) else { continue };
            match committed {
                Some((config, target)) if config == running.config && target != TargetState::Stopped => {
                    if target != running.target {
                        if let Some(h) = &running.handle {
                            h.set_target(task_target(target));
                            if target == TargetState::Paused {
                                pausing.push(task_id(&t));
                            }
                        }
                        if let Some(r) = local.tasks.get_mut(&t) {
                            r.target = target;
                        }
                    }
                }
                Some((_, target)) if target != TargetState::Stopped => {
                    self.stop_task(local, &t).await;
                    self.start_task(local, &t);
                }
                // Gone or stopped: the next assignment revokes it; stop it now.
                _ => self.stop_task(local, &t).await,
            }
        }
        // Tasks first: a connector reads PAUSED once its tasks here do.
        self.worker.status.wait_for_tasks(&pausing, State::Running, crate::herder::PAUSE_WAIT).await;
        let names: Vec<String> = local.connectors.keys().cloned().collect();
        for name in names {
            let old = local.connectors.get(&name).map(|c| (c.config.config.clone(), c.config.target));
            match connectors.get(&name) {
                None => {
                    self.stop_connector(local, &name).await;
                    self.forget_statuses(&name).await;
                }
                Some(c) if old.as_ref().map(|o| (&o.0, o.1)) == Some((&c.config, c.target)) => {
                    // Same config: only the task configs may need writing.
                    if c.target == TargetState::Started {
                        self.write_task_configs(local, &name).await;
                    }
                }
                Some(_) => {
                    self.stop_connector(local, &name).await;
                    self.start_connector(local, &name).await;
                }
            }
        }
    }

    /// A deleted connector's statuses, and its topics, are removed from the status topic.
    async fn forget_statuses(&self, name: &str) {
        let tasks: Vec<TaskId> = self.shared().statuses.tasks.keys().filter(|t| t.connector == name).cloned().collect();
        let keys = std::iter::once(status_log::connector_key(name)).chain(tasks.iter().map(status_log::task_key));
        self.remove_statuses(name, keys.chain(self.topic_keys(name)).collect()).await;
        self.worker.status.remove(name);
        self.worker.status.reset_topics(name);
    }

    /// The status keys of every topic a connector is known to have used.
    pub(super) fn topic_keys(&self, name: &str) -> Vec<String> {
        let mut topics = self.shared().statuses.topics.get(name).cloned().unwrap_or_default();
        topics.extend(self.worker.status.topics(name));
        topics.iter().map(|t| status_log::topic_key(t, name)).collect()
    }

    /// Writes tombstones for `keys` of connector `name`.
    pub(super) async fn remove_statuses(&self, name: &str, keys: Vec<String>) {
        let log = self.status_log.lock().await;
        for key in keys {
            if let Err(e) = log.send(&key, None, None).await {
                tracing::warn!(connector = %name, "cannot remove a status: {}", e.trace());
            }
        }
    }

    /// Writes the statuses of what runs here that changed, then reads
    /// every worker's statuses back.
    pub(super) async fn exchange_statuses(&self, local: &mut Local, to_end: bool) {
        let generation = self.shared().generation;
        let status = &self.worker.status;
        let mut changed = Vec::new();
        for name in local.connectors.keys() {
            if let Some(s) = status.connector(name) {
                changed.push((status_log::connector_key(name), s));
            }
        }
        for t in local.tasks.keys() {
            if let Some(s) = status.task(&task_id(t)) {
                changed.push((status_log::task_key(&task_id(t)), s));
            }
        }
        changed.retain(|(k, s)| local.published.get(k) != Some(s));
        // The topics this worker's tasks used, as Connect records them (KIP-558).
        let now_ms = chrono::Utc::now().timestamp_millis();
        let topics: Vec<(String, String, String)> = local
            .connectors_with_tasks()
            .into_iter()
            .flat_map(|c| self.worker.status.topics(&c).into_iter().map(move |t| (status_log::topic_key(&t, &c), t, c.clone())))
            .filter(|(key, _, _)| !local.published_topics.contains(key))
            .collect();
        let mut log = self.status_log.lock().await;
        for (key, s) in changed {
            match log.send(&key, Some(&status_log::status_value(&s, generation)), None).await {
                Ok(()) => {
                    local.published.insert(key, s);
                }
                Err(e) => tracing::warn!("cannot write a status: {}", e.trace()),
            }
        }
        for (key, topic, connector) in topics {
            match log.send(&key, Some(&status_log::topic_value(&topic, &connector, now_ms)), None).await {
                Ok(()) => {
                    local.published_topics.insert(key);
                }
                Err(e) => tracing::warn!("cannot write a topic status: {}", e.trace()),
            }
        }
        // What other workers wrote arrives in the background; asking for the
        // topic's end each time would cost a request per partition.
        let read = if to_end { log.read_to_end().await } else { log.read_available().await };
        match read {
            Ok(entries) => {
                let mut shared = self.shared();
                for e in entries {
                    let Some(key) = e.key.as_deref().and_then(|k| std::str::from_utf8(k).ok()) else { continue };
                    // A reset (here or by another worker): the tasks here note the topic anew when they use it.
                    if e.value.is_none() {
                        if let Some((topic, connector)) = status_log::parse_topic_key(key) {
                            self.worker.status.remove_topic(connector, topic);
                            local.published_topics.remove(key);
                        }
                    }
                    shared.statuses.apply(key, e.value.as_deref());
                }
            }
            Err(e) => tracing::warn!("cannot read the status topic: {}", e.trace()),
        }
    }

    /// On a clean stop, as Connect: what ran here is UNASSIGNED until another worker starts it.
    pub(super) async fn publish_unassigned(&self, keys: Vec<String>) {
        let generation = self.shared().generation;
        let info = self.unassigned();
        let log = self.status_log.lock().await;
        for key in keys {
            if let Err(e) = log.send(&key, Some(&status_log::status_value(&info, generation)), None).await {
                tracing::warn!("cannot write a status: {}", e.trace());
            }
        }
    }

    pub(super) async fn handle_command(&self, local: &mut Local, command: Command) {
        match command {
            Command::RestartTask(t, answer) => {
                let here = local.tasks.contains_key(&t);
                if here {
                    self.restart_task_here(local, &t).await;
                }
                let _ = answer.send(here);
            }
        }
    }

    async fn restart_task_here(&self, local: &mut Local, t: &TaskRef) {
        tracing::info!(connector = %t.connector, task = t.task, "restarting a task");
        self.stop_task_handle(t, local.tasks.remove(t)).await;
        self.start_task(local, t);
    }

    /// A restart request read from the config topic: what of it runs here restarts.
    pub(super) async fn restart_here(&self, local: &mut Local, name: &str, request: RestartRequest) {
        let Some(status) = self.status_now(name) else { return };
        let plan = RestartPlan::new(&status, request);
        if plan.connector && local.connectors.contains_key(name) {
            tracing::info!(connector = %name, "restarting a connector");
            self.stop_connector(local, name).await;
            self.start_connector(local, name).await;
        }
        for task in plan.tasks {
            let t = TaskRef { connector: name.to_owned(), task: task as i32 };
            if local.tasks.contains_key(&t) {
                self.restart_task_here(local, &t).await;
            }
        }
    }

    pub(super) async fn handle_event(&self, local: &mut Local, event: Event) {
        match event {
            Event::Reconfigure(name) => self.write_task_configs(local, &name).await,
            Event::Failed(name, e) => {
                tracing::error!(connector = %name, error = %e.trace(), "connector failed");
                self.worker.status.set_connector(&name, State::Failed, Some(e.trace()));
            }
        }
    }
}
