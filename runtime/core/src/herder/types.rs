use std::fmt;

use ferry_api::config::{ConfigKey, ConfigValue, Props};
use ferry_api::{ConnectError, ConnectorKind, SourceMap};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerInfo {
    pub version: String,
    pub commit: String,
    pub kafka_cluster_id: Option<String>,
    /// `kafka` or `embedded`: the log records travel through.
    pub log: &'static str,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TaskId {
    pub connector: String,
    pub task: u32,
}

impl TaskId {
    pub fn new(connector: impl Into<String>, task: u32) -> Self {
        Self { connector: connector.into(), task }
    }
}

impl fmt::Display for TaskId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", self.connector, self.task)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct ConnectorInfo {
    pub name: String,
    pub config: Props,
    pub tasks: Vec<TaskId>,
    pub kind: Option<ConnectorKind>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct TaskInfo {
    pub id: TaskId,
    pub config: Props,
}

/// A connector's or task's state, as Connect reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum State {
    Unassigned,
    Running,
    Paused,
    Failed,
    Restarting,
    Stopped,
}

impl State {
    pub fn name(self) -> &'static str {
        match self {
            State::Unassigned => "UNASSIGNED",
            State::Running => "RUNNING",
            State::Paused => "PAUSED",
            State::Failed => "FAILED",
            State::Restarting => "RESTARTING",
            State::Stopped => "STOPPED",
        }
    }
}

/// What the user asked a connector to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TargetState {
    Started,
    Paused,
    Stopped,
}

impl TargetState {
    /// Parses `initial_state` of `POST /connectors` (`RUNNING`, `PAUSED`, `STOPPED`).
    pub fn from_initial_state(s: &str) -> Option<Self> {
        match s.to_ascii_uppercase().as_str() {
            "RUNNING" => Some(TargetState::Started),
            "PAUSED" => Some(TargetState::Paused),
            "STOPPED" => Some(TargetState::Stopped),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StateInfo {
    pub state: State,
    pub worker_id: String,
    pub trace: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskStatus {
    pub id: u32,
    pub status: StateInfo,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectorStatus {
    pub name: String,
    pub connector: StateInfo,
    pub tasks: Vec<TaskStatus>,
    pub kind: Option<ConnectorKind>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RestartRequest {
    pub include_tasks: bool,
    pub only_failed: bool,
}

/// A result that says whether it created something (201) or updated it (200).
#[derive(Debug, Clone, PartialEq)]
pub struct Created<T> {
    pub created: bool,
    pub value: T,
}

/// Offsets of a connector: source partitions and offsets as Connect stores
/// them, or for sinks `{kafka_topic,kafka_partition}` → `{kafka_offset}`.
/// An offset of `None` (in a request) resets that partition.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ConnectorOffsets {
    pub offsets: Vec<(SourceMap, Option<SourceMap>)>,
}

/// The `config/validate` answer.
#[derive(Debug, Clone)]
pub struct ConfigInfos {
    /// The connector class.
    pub name: String,
    pub error_count: usize,
    pub groups: Vec<String>,
    pub configs: Vec<(ConfigKey, ConfigValue)>,
}

/// Why a herder operation failed; decides the HTTP status.
#[derive(Debug, thiserror::Error)]
pub enum HerderError {
    /// 404
    #[error("{0}")]
    NotFound(String),
    /// 409
    #[error("{0}")]
    Conflict(String),
    /// 400
    #[error("{0}")]
    BadRequest(String),
    /// 400 with the validation answer's errors listed in the message.
    #[error("{message}")]
    InvalidConfig { message: String, infos: Box<ConfigInfos> },
    /// 403
    #[error("{0}")]
    Forbidden(String),
    /// Another worker must answer: the group's leader for a config write,
    /// the worker running a task for its restart. The REST API forwards the
    /// request to `url`; with no such worker known (a rebalance), 409.
    #[error("Cannot complete request because of a conflicting operation (e.g. worker rebalance)")]
    Elsewhere { url: Option<String> },
    /// 500
    #[error(transparent)]
    Internal(#[from] ConnectError),
}

impl HerderError {
    pub fn connector_not_found(name: &str) -> Self {
        HerderError::NotFound(format!("Connector {name} not found"))
    }
}
