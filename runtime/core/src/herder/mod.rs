//! The herder manages the connectors of a worker (or a cluster) and is the
//! only thing the REST layer talks to. Its types are the shapes of Kafka
//! Connect's REST entities; `ferry-rest` only serialises them.

mod distributed;
mod context;
mod offsets;
mod restart_plan;
mod restarts;
mod standalone;
mod validate;
mod types;

pub use distributed::{DistributedConfig, DistributedHerder};
pub use standalone::StandaloneHerder;
pub use restart_plan::RestartPlan;
pub use types::*;

use async_trait::async_trait;
use ferry_api::config::Props;

use crate::plugins::{PluginInfo, Registry};

/// How long a pause waits for a connector's tasks to report PAUSED before
/// the connector does; a task busy in a long call reports it when it returns.
pub(crate) const PAUSE_WAIT: std::time::Duration = std::time::Duration::from_secs(5);

pub type HerderResult<T> = Result<T, HerderError>;

/// Operations on connectors, shaped like Kafka Connect's REST resources.
#[async_trait]
pub trait Herder: Send + Sync {
    /// `GET /`: this worker's identity.
    fn server_info(&self) -> ServerInfo;
    /// `GET /health`: whether the worker has finished starting (a
    /// distributed worker, joined its group and read its configs).
    fn ready(&self) -> bool {
        true
    }

    async fn connectors(&self) -> Vec<String>;
    async fn connector_info(&self, name: &str) -> HerderResult<ConnectorInfo>;
    async fn connector_config(&self, name: &str) -> HerderResult<Props>;
    /// Creates or replaces a connector. `allow_replace` is false for
    /// `POST /connectors` (409 when it exists).
    async fn put_connector_config(
        &self,
        name: &str,
        config: Props,
        allow_replace: bool,
        initial_state: Option<TargetState>,
    ) -> HerderResult<Created<ConnectorInfo>>;
    /// Applies a patch; `None` removes the key.
    async fn patch_connector_config(
        &self,
        name: &str,
        patch: Vec<(String, Option<String>)>,
    ) -> HerderResult<ConnectorInfo>;
    async fn delete_connector(&self, name: &str) -> HerderResult<()>;

    async fn connector_status(&self, name: &str) -> HerderResult<ConnectorStatus>;
    async fn task_status(&self, id: &TaskId) -> HerderResult<TaskStatus>;
    async fn task_configs(&self, name: &str) -> HerderResult<Vec<TaskInfo>>;

    /// Restarts the connector (and, per the flags, its tasks). Returns the
    /// status to answer with 202, or `None` for a plain 204.
    async fn restart_connector(&self, name: &str, request: RestartRequest) -> HerderResult<Option<ConnectorStatus>>;
    async fn restart_task(&self, id: &TaskId) -> HerderResult<()>;
    /// Pause, resume or stop.
    async fn set_target_state(&self, name: &str, state: TargetState) -> HerderResult<()>;

    async fn connector_topics(&self, name: &str) -> HerderResult<Vec<String>>;
    async fn reset_connector_topics(&self, name: &str) -> HerderResult<()>;

    async fn connector_offsets(&self, name: &str) -> HerderResult<ConnectorOffsets>;
    /// Alters offsets (a `None` offset resets that partition); the answer's message.
    async fn alter_offsets(&self, name: &str, offsets: ConnectorOffsets) -> HerderResult<String>;
    async fn reset_offsets(&self, name: &str) -> HerderResult<String>;

    /// The plugins this worker has; the same in either mode.
    fn registry(&self) -> &Registry;

    fn plugins(&self) -> Vec<PluginInfo> {
        self.registry().plugins()
    }
    /// The keys of a plugin, by class name or alias.
    fn plugin_config(&self, plugin: &str) -> HerderResult<Vec<ferry_api::ConfigKey>> {
        validate::plugin_keys(self.registry(), plugin)
    }
    /// `PUT /connector-plugins/{plugin}/config/validate`.
    async fn validate_config(&self, plugin: &str, config: Props) -> HerderResult<ConfigInfos> {
        validate::validate_for_plugin(self.registry(), plugin, config).await
    }
}
