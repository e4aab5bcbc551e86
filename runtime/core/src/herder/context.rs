//! What a running connector tells its herder, standalone or distributed.

use ferry_api::{ConnectError, ConnectorContext};
use tokio::sync::mpsc;

pub(crate) enum Event {
    /// The connector's inputs changed: ask it for task configs again.
    Reconfigure(String),
    Failed(String, ConnectError),
}

/// The context a connector instance gets: its events go to the herder's queue.
pub(crate) struct Context {
    pub name: String,
    pub events: mpsc::UnboundedSender<Event>,
}

impl ConnectorContext for Context {
    fn request_task_reconfiguration(&self) {
        let _ = self.events.send(Event::Reconfigure(self.name.clone()));
    }
    fn raise_error(&self, error: ConnectError) {
        let _ = self.events.send(Event::Failed(self.name.clone(), error));
    }
}

/// A connector config with a PATCH applied (`None` removes the key).
pub(crate) fn patched(mut config: ferry_api::config::Props, patch: Vec<(String, Option<String>)>) -> ferry_api::config::Props {
    for (k, v) in patch {
        match v {
            Some(v) => config.insert(k, v),
            None => config.remove(&k),
        };
    }
    config
}
