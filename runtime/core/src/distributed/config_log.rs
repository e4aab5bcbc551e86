//! The config topic in Kafka Connect's record format
//! (`KafkaConfigBackingStore`): string keys, schemaless JSON values.
//!
//! | key | value |
//! |---|---|
//! | `connector-<n>` | `{"properties":{…}}`; a tombstone deletes the connector |
//! | `task-<n>-<i>` | `{"properties":{…}}`, in force once `commit-<n>` follows |
//! | `commit-<n>` | `{"tasks":N}` |
//! | `target-state-<n>` | `{"state":"STARTED"\|"PAUSED","state.v2":"STARTED"\|"PAUSED"\|"STOPPED"}` |
//! | `restart-connector-<n>` | `{"include-tasks":bool,"only-failed":bool}`: each worker restarts what it runs of `<n>` |
//!
//! [`ConfigState`] is what a worker knows after reading the topic in order;
//! records it cannot read are logged and skipped, as Connect does.

use std::collections::BTreeMap;

use ferry_api::config::Props;
use serde_json::{json, Map, Value as Json};

use crate::herder::{RestartRequest, TargetState};

pub fn connector_key(name: &str) -> String {
    format!("connector-{name}")
}

pub fn task_key(name: &str, task: u32) -> String {
    format!("task-{name}-{task}")
}

pub fn commit_key(name: &str) -> String {
    format!("commit-{name}")
}

pub fn target_state_key(name: &str) -> String {
    format!("target-state-{name}")
}

pub fn restart_key(name: &str) -> String {
    format!("restart-connector-{name}")
}

pub fn restart_value(r: RestartRequest) -> Vec<u8> {
    json!({ "include-tasks": r.include_tasks, "only-failed": r.only_failed }).to_string().into_bytes()
}

pub fn properties_value(props: &Props) -> Vec<u8> {
    let properties: Map<String, Json> = props.iter().map(|(k, v)| (k.clone(), Json::String(v.clone()))).collect();
    json!({ "properties": properties }).to_string().into_bytes()
}

pub fn commit_value(tasks: usize) -> Vec<u8> {
    json!({ "tasks": tasks }).to_string().into_bytes()
}

/// Connect writes `PAUSED` as the v1 state of a stopped connector, so
/// workers that predate STOPPED at least keep it from running.
pub fn target_state_value(state: TargetState) -> Vec<u8> {
    let (v1, v2) = match state {
        TargetState::Started => ("STARTED", "STARTED"),
        TargetState::Paused => ("PAUSED", "PAUSED"),
        TargetState::Stopped => ("PAUSED", "STOPPED"),
    };
    json!({ "state": v1, "state.v2": v2 }).to_string().into_bytes()
}

/// One connector as the config topic describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectorConfig {
    pub config: Props,
    pub target: TargetState,
    /// The committed task configs.
    pub tasks: Vec<Props>,
}

/// What the config topic says, read up to `offset`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ConfigState {
    /// The offset of the last record applied (-1: none).
    pub offset: i64,
    pub connectors: BTreeMap<String, ConnectorConfig>,
    /// Task configs written but not yet committed, per connector.
    pending: BTreeMap<String, BTreeMap<u32, Props>>,
    /// Target states written before their connector (Connect allows it).
    early_targets: BTreeMap<String, TargetState>,
    /// Restart requests read and not yet taken by [`ConfigState::take_restarts`].
    restarts: Vec<(String, RestartRequest)>,
}

fn properties(value: &Json) -> Option<Props> {
    value.get("properties")?.as_object().map(|o| o.iter().filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_owned()))).collect())
}

impl ConfigState {
    pub fn new() -> Self {
        Self { offset: -1, ..Default::default() }
    }

    /// The restart requests read since the last call, oldest first.
    pub fn take_restarts(&mut self) -> Vec<(String, RestartRequest)> {
        std::mem::take(&mut self.restarts)
    }

    /// Applies the record at `offset`; `value` `None` is a tombstone.
    pub fn apply(&mut self, offset: i64, key: &str, value: Option<&[u8]>) {
        self.offset = offset;
        let json = match value.map(serde_json::from_slice::<Json>) {
            None => None,
            Some(Ok(j)) => Some(j),
            Some(Err(e)) => {
                tracing::error!(key, offset, "skipping an unreadable config record: {e}");
                return;
            }
        };
        if let Some(name) = key.strip_prefix("connector-") {
            match json.as_ref().and_then(properties) {
                None => {
                    self.connectors.remove(name);
                    self.pending.remove(name);
                }
                Some(config) => {
                    let target = self.early_targets.remove(name).unwrap_or(TargetState::Started);
                    let entry = self.connectors.entry(name.to_owned()).or_insert(ConnectorConfig { config: Props::new(), target, tasks: Vec::new() });
                    entry.config = config;
                }
            }
        } else if let Some(name) = key.strip_prefix("target-state-") {
            let state = json.as_ref().and_then(|j| j.get("state.v2").or_else(|| j.get("state"))).and_then(Json::as_str);
            let target = match state {
                Some("STARTED") => TargetState::Started,
                Some("PAUSED") => TargetState::Paused,
                Some("STOPPED") => TargetState::Stopped,
                other => {
                    tracing::error!(key, offset, "skipping a target state Ferry does not know: {other:?}");
                    return;
                }
            };
            match self.connectors.get_mut(name) {
                Some(c) => c.target = target,
                None => {
                    self.early_targets.insert(name.to_owned(), target);
                }
            }
        } else if let Some(rest) = key.strip_prefix("task-") {
            // `task-<connector>-<n>`: the connector's name may hold dashes, the number follows the last.
            let parsed = rest.rsplit_once('-').and_then(|(name, n)| Some((name, n.parse::<u32>().ok()?)));
            let (Some((name, task)), Some(config)) = (parsed, json.as_ref().and_then(properties)) else {
                tracing::error!(key, offset, "skipping an unreadable task config record");
                return;
            };
            self.pending.entry(name.to_owned()).or_default().insert(task, config);
        } else if let Some(name) = key.strip_prefix("commit-") {
            let Some(count) = json.as_ref().and_then(|j| j.get("tasks")).and_then(Json::as_u64) else {
                tracing::error!(key, offset, "skipping an unreadable task commit record");
                return;
            };
            let pending = self.pending.remove(name).unwrap_or_default();
            let tasks: Option<Vec<Props>> = (0..count as u32).map(|i| pending.get(&i).cloned()).collect();
            match (tasks, self.connectors.get_mut(name)) {
                (Some(tasks), Some(c)) => c.tasks = tasks,
                (None, _) => tracing::error!(key, offset, "a task commit names tasks whose configs were not written; ignored"),
                (_, None) => {}
            }
        } else if let Some(name) = key.strip_prefix("restart-connector-") {
            let flag = |k: &str| json.as_ref().and_then(|j| j.get(k)).and_then(Json::as_bool).unwrap_or(false);
            if json.is_some() && self.connectors.contains_key(name) {
                self.restarts.push((name.to_owned(), RestartRequest { include_tasks: flag("include-tasks"), only_failed: flag("only-failed") }));
            }
        }
        // Other keys (session-key, logger levels) are not config state.
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn props(pairs: &[(&str, &str)]) -> Props {
        pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
    }

    #[test]
    fn records_are_written_as_connect_writes_them() {
        assert_eq!(String::from_utf8(properties_value(&props(&[("name", "s"), ("tasks.max", "1")]))).expect("utf8"), r#"{"properties":{"name":"s","tasks.max":"1"}}"#);
        assert_eq!(commit_value(2), br#"{"tasks":2}"#);
        assert_eq!(target_state_value(TargetState::Stopped), br#"{"state":"PAUSED","state.v2":"STOPPED"}"#);
        assert_eq!(task_key("my-conn", 3), "task-my-conn-3");
    }

    #[test]
    fn the_topic_read_in_order_gives_the_config_state() {
        let mut s = ConfigState::new();
        let conf = props(&[("connector.class", "FileStreamSink"), ("name", "my-sink")]);
        s.apply(0, "target-state-my-sink", Some(&target_state_value(TargetState::Paused)));
        s.apply(1, &connector_key("my-sink"), Some(&properties_value(&conf)));
        s.apply(2, &task_key("my-sink", 0), Some(&properties_value(&props(&[("task", "0")]))));
        s.apply(3, &task_key("my-sink", 1), Some(&properties_value(&props(&[("task", "1")]))));
        assert!(s.connectors["my-sink"].tasks.is_empty(), "task configs wait for their commit");
        s.apply(4, &commit_key("my-sink"), Some(&commit_value(2)));
        s.apply(5, "session-key", Some(br#"{"key":"x","algorithm":"HmacSHA256","creation-timestamp":1}"#));
        s.apply(6, "connector-broken", Some(b"{not json"));
        let c = &s.connectors["my-sink"];
        assert_eq!((c.config.clone(), c.target, c.tasks.len()), (conf, TargetState::Paused, 2));
        assert_eq!(c.tasks[1]["task"], "1");
        assert_eq!(s.offset, 6);
        assert_eq!(s.connectors.len(), 1, "the unreadable record is skipped");
        // A v1-only writer's state, then a tombstone.
        s.apply(7, &target_state_key("my-sink"), Some(br#"{"state":"STARTED"}"#));
        assert_eq!(s.connectors["my-sink"].target, TargetState::Started);
        s.apply(8, &connector_key("my-sink"), None);
        assert!(s.connectors.is_empty());
    }

    #[test]
    fn restart_requests_are_taken_once_in_order() {
        let mut s = ConfigState::new();
        s.apply(0, &connector_key("c"), Some(&properties_value(&props(&[("name", "c")]))));
        s.apply(1, &restart_key("c"), Some(&restart_value(RestartRequest { include_tasks: true, only_failed: false })));
        s.apply(2, &restart_key("gone"), Some(&restart_value(RestartRequest::default())));
        s.apply(3, &restart_key("c"), Some(br#"{"only-failed":true}"#));
        assert_eq!(restart_value(RestartRequest { include_tasks: true, only_failed: false }), br#"{"include-tasks":true,"only-failed":false}"#);
        let want = vec![("c".to_owned(), RestartRequest { include_tasks: true, only_failed: false }), ("c".to_owned(), RestartRequest { include_tasks: false, only_failed: true })];
        assert_eq!(s.take_restarts(), want, "a restart of an unknown connector is dropped");
        assert!(s.take_restarts().is_empty());
    }

    #[test]
    fn a_commit_without_its_task_configs_is_ignored() {
        let mut s = ConfigState::new();
        s.apply(0, &connector_key("c"), Some(&properties_value(&props(&[("name", "c")]))));
        s.apply(1, &commit_key("c"), Some(&commit_value(1)));
        assert!(s.connectors["c"].tasks.is_empty());
    }
}
