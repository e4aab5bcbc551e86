//! The worker runs connector instances and task loops. It owns no policy:
//! the herder decides what runs, the worker runs it and reports states.

mod convert_record;
mod errors;
mod sink;
mod source;

use std::sync::Arc;
use std::time::Duration;

use ferry_api::config::Props;
use ferry_api::{ConnectorContext, ConnectorKind, Result, SinkConnector, SourceConnector};
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::config::connector::ConnectorConfig;
use crate::config::worker::WorkerConfig;
use crate::convert::Converters;
use crate::herder::{State, TaskId};
use crate::log::Log;
use crate::plugins::{ConnectorFactory, Registry};
use crate::stores::{OffsetStore, StatusStore};

pub use sink::{subscription, SinkTaskRunner};
pub use source::SourceTaskRunner;

/// What the herder wants a task to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TaskTarget {
    Run,
    Pause,
    Stop,
}

/// The shared services every connector and task uses.
pub struct Worker {
    pub config: WorkerConfig,
    /// Kafka or the embedded log.
    pub log: Arc<dyn Log>,
    pub registry: Arc<Registry>,
    pub offsets: Arc<dyn OffsetStore>,
    pub status: Arc<StatusStore>,
    pub worker_id: String,
}

/// A connector instance, source or sink.
pub enum ConnectorInstance {
    Source(Box<dyn SourceConnector>),
    Sink(Box<dyn SinkConnector>),
}

impl ConnectorInstance {
    pub fn new(factory: ConnectorFactory) -> Self {
        match factory {
            ConnectorFactory::Source(f) => ConnectorInstance::Source(f()),
            ConnectorFactory::Sink(f) => ConnectorInstance::Sink(f()),
        }
    }
    pub fn kind(&self) -> ConnectorKind {
        match self {
            ConnectorInstance::Source(_) => ConnectorKind::Source,
            ConnectorInstance::Sink(_) => ConnectorKind::Sink,
        }
    }
    pub async fn start(&mut self, props: Props, ctx: Arc<dyn ConnectorContext>) -> Result<()> {
        match self {
            ConnectorInstance::Source(c) => c.start(props, ctx).await,
            ConnectorInstance::Sink(c) => c.start(props, ctx).await,
        }
    }
    pub fn task_configs(&self, max_tasks: usize) -> Result<Vec<Props>> {
        match self {
            ConnectorInstance::Source(c) => c.task_configs(max_tasks),
            ConnectorInstance::Sink(c) => c.task_configs(max_tasks),
        }
    }
    pub async fn stop(&mut self) -> Result<()> {
        match self {
            ConnectorInstance::Source(c) => c.stop().await,
            ConnectorInstance::Sink(c) => c.stop().await,
        }
    }
}

/// A running task: its control channel and its loop.
pub struct TaskHandle {
    control: watch::Sender<TaskTarget>,
    join: JoinHandle<()>,
}

impl TaskHandle {
    pub fn set_target(&self, target: TaskTarget) {
        // A closed channel means the loop ended already: nothing to tell it.
        let _ = self.control.send(target);
    }

    /// Asks the task to stop and waits for it up to `timeout`; a task that
    /// does not stop in time is abandoned, as Connect abandons it.
    pub async fn stop(self, timeout: Duration) {
        let _ = self.control.send(TaskTarget::Stop);
        let mut join = self.join;
        if tokio::time::timeout(timeout, &mut join).await.is_err() {
            tracing::warn!("a task did not stop within {timeout:?}; abandoning it");
            join.abort();
        }
    }
}

impl Worker {
    /// Starts the loop of one task, in the given target state.
    pub fn start_task(
        self: &Arc<Self>,
        id: TaskId,
        instance: &ConnectorInstance,
        connector: &ConnectorConfig,
        task_props: Props,
        target: TaskTarget,
    ) -> Result<TaskHandle> {
        let converters = Converters::for_connector(&self.registry, &self.config, connector)?;
        let (control, rx) = watch::channel(target);
        self.status.set_task(&id, State::Unassigned, None);
        let join = match instance {
            ConnectorInstance::Source(c) => {
                let runner = SourceTaskRunner::new(self.clone(), id, connector, c.create_task(), task_props, converters, rx)?;
                tokio::spawn(runner.run())
            }
            ConnectorInstance::Sink(c) => {
                let runner = SinkTaskRunner::new(self.clone(), id, connector, c.create_task(), task_props, converters, rx)?;
                tokio::spawn(runner.run())
            }
        };
        Ok(TaskHandle { control, join })
    }
}

/// The topics a task has used, reported once each for `GET …/topics`.
#[derive(Default)]
struct TopicsSeen {
    seen: std::collections::HashSet<String>,
    epoch: u64,
    /// The topic noted last: most records go where the one before went.
    last: String,
}

impl TopicsSeen {
    /// Records a topic the task used, once, and again after a reset of the connector's topics.
    fn note(&mut self, status: &StatusStore, connector: &str, topic: &str) {
        let epoch = status.topic_epoch();
        if epoch != self.epoch {
            self.seen.clear();
            self.epoch = epoch;
        } else if self.last == topic {
            return;
        }
        topic.clone_into(&mut self.last);
        if !self.seen.contains(topic) {
            status.add_topic(connector, topic);
            self.seen.insert(topic.to_owned());
        }
    }
}

/// Marks a task FAILED with the error's trace, or leaves its state alone.
fn report(status: &StatusStore, id: &TaskId, kind: &str, outcome: Result<()>) {
    if let Err(e) = outcome {
        tracing::error!(task = %id, error = %e.trace(), "{kind} task failed");
        status.set_task(id, State::Failed, Some(e.trace()));
    }
}

/// What a target change during a poll asks of a task loop.
#[derive(Debug, PartialEq, Eq)]
enum DuringPoll {
    Stop,
    /// The task now reads PAUSED; what the poll returns waits for the resume.
    Paused,
    Carry,
}

/// Applies a target change that arrived while a poll runs: the task's state
/// follows at once (PAUSED, or RUNNING again), the poll itself runs on.
fn target_during_poll(
    changed: std::result::Result<(), watch::error::RecvError>,
    control: &mut watch::Receiver<TaskTarget>,
    paused: &mut bool,
    status: &StatusStore,
    id: &TaskId,
) -> DuringPoll {
    let target = if changed.is_ok() { *control.borrow_and_update() } else { TaskTarget::Stop };
    match target {
        TaskTarget::Stop => DuringPoll::Stop,
        TaskTarget::Pause if !*paused => {
            *paused = true;
            status.set_task(id, State::Paused, None);
            DuringPoll::Paused
        }
        TaskTarget::Run if *paused => {
            *paused = false;
            status.set_task(id, State::Running, None);
            DuringPoll::Carry
        }
        TaskTarget::Pause | TaskTarget::Run => DuringPoll::Carry,
    }
}

/// Waits until the target leaves `Pause`; returns the new target.
async fn wait_while_paused(control: &mut watch::Receiver<TaskTarget>) -> TaskTarget {
    match control.wait_for(|t| *t != TaskTarget::Pause).await {
        Ok(t) => *t,
        Err(_) => TaskTarget::Stop,
    }
}

