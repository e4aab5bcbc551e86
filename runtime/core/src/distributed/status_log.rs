//! The status topic in Kafka Connect's record format
//! (`KafkaStatusBackingStore`):
//!
//! | key | value |
//! |---|---|
//! | `status-connector-<n>` | `{"state":…,"trace":…,"worker_id":…,"generation":G}` |
//! | `status-task-<n>-<i>` | the same |
//! | `status-topic-<t>:connector-<n>` | `{"topic":{"name":t,"connector":n,"task":null,"discoverTimestamp":ms}}` |
//!
//! A status from an older group generation than the one recorded is
//! ignored (a worker that lost its work may still be writing), as Connect does.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{json, Value as Json};

use crate::herder::{State, StateInfo, TaskId};

pub fn connector_key(name: &str) -> String {
    format!("status-connector-{name}")
}

pub fn task_key(id: &TaskId) -> String {
    format!("status-task-{}-{}", id.connector, id.task)
}

pub fn topic_key(topic: &str, connector: &str) -> String {
    format!("status-topic-{topic}:connector-{connector}")
}

/// `status-topic-<t>:connector-<n>` → (`t`, `n`).
pub fn parse_topic_key(key: &str) -> Option<(&str, &str)> {
    key.strip_prefix("status-topic-")?.split_once(":connector-")
}

pub fn status_value(info: &StateInfo, generation: i32) -> Vec<u8> {
    json!({ "state": info.state.name(), "trace": info.trace, "worker_id": info.worker_id, "generation": generation }).to_string().into_bytes()
}

pub fn topic_value(topic: &str, connector: &str, discovered_ms: i64) -> Vec<u8> {
    json!({ "topic": { "name": topic, "connector": connector, "task": null, "discoverTimestamp": discovered_ms } }).to_string().into_bytes()
}

fn state_named(name: &str) -> Option<State> {
    [State::Unassigned, State::Running, State::Paused, State::Failed, State::Restarting, State::Stopped].into_iter().find(|s| s.name() == name)
}

fn parse_status(value: &[u8]) -> Option<(StateInfo, i32)> {
    let j: Json = serde_json::from_slice(value).ok()?;
    let state = state_named(j.get("state")?.as_str()?)?;
    let info = StateInfo { state, worker_id: j.get("worker_id")?.as_str()?.to_owned(), trace: j.get("trace").and_then(Json::as_str).map(str::to_owned) };
    Some((info, j.get("generation").and_then(Json::as_i64).unwrap_or(0) as i32))
}

/// The statuses the topic holds, read in order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StatusState {
    pub connectors: BTreeMap<String, (StateInfo, i32)>,
    pub tasks: BTreeMap<TaskId, (StateInfo, i32)>,
    pub topics: BTreeMap<String, BTreeSet<String>>,
}

impl StatusState {
    pub fn apply(&mut self, key: &str, value: Option<&[u8]>) {
        if key.starts_with("status-topic-") {
            let Some((topic, connector)) = parse_topic_key(key) else { return };
            match value {
                Some(_) => self.topics.entry(connector.to_owned()).or_default().insert(topic.to_owned()),
                None => self.topics.get_mut(connector).is_some_and(|t| t.remove(topic)),
            };
            return;
        }
        if let Some(name) = key.strip_prefix("status-connector-") {
            match value.map(parse_status) {
                None => {
                    self.connectors.remove(name);
                }
                Some(Some(s)) => keep_newer(self.connectors.entry(name.to_owned()), s),
                Some(None) => tracing::warn!(key, "skipping an unreadable status record"),
            }
        } else if let Some(rest) = key.strip_prefix("status-task-") {
            let Some(id) = rest.rsplit_once('-').and_then(|(c, n)| Some(TaskId { connector: c.to_owned(), task: n.parse().ok()? })) else { return };
            match value.map(parse_status) {
                None => {
                    self.tasks.remove(&id);
                }
                Some(Some(s)) => keep_newer(self.tasks.entry(id), s),
                Some(None) => tracing::warn!(key, "skipping an unreadable status record"),
            }
        }
    }
}

fn keep_newer<K: Ord>(entry: std::collections::btree_map::Entry<'_, K, (StateInfo, i32)>, status: (StateInfo, i32)) {
    use std::collections::btree_map::Entry;
    match entry {
        Entry::Vacant(v) => {
            v.insert(status);
        }
        // A status of another worker from an older generation is stale.
        Entry::Occupied(mut o) if status.1 >= o.get().1 || status.0.worker_id == o.get().0.worker_id => {
            o.insert(status);
        }
        Entry::Occupied(_) => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info(state: State, worker: &str) -> StateInfo {
        StateInfo { state, worker_id: worker.into(), trace: None }
    }

    #[test]
    fn statuses_are_written_and_read_as_connect_does() {
        let failed = StateInfo { state: State::Failed, worker_id: "10.0.0.1:8083".into(), trace: Some("boom".into()) };
        assert_eq!(
            String::from_utf8(status_value(&failed, 7)).expect("utf8"),
            r#"{"state":"FAILED","trace":"boom","worker_id":"10.0.0.1:8083","generation":7}"#
        );
        let id = TaskId { connector: "my-sink".into(), task: 2 };
        assert_eq!(task_key(&id), "status-task-my-sink-2");
        let mut s = StatusState::default();
        s.apply(&task_key(&id), Some(&status_value(&failed, 7)));
        s.apply(&connector_key("my-sink"), Some(&status_value(&info(State::Running, "a:1"), 7)));
        s.apply(&topic_key("orders", "my-sink"), Some(&topic_value("orders", "my-sink", 1)));
        assert_eq!(s.tasks[&id], (failed, 7));
        assert_eq!(s.topics["my-sink"], BTreeSet::from(["orders".to_owned()]));
    }

    #[test]
    fn a_stale_generation_from_another_worker_is_ignored() {
        let mut s = StatusState::default();
        s.apply(&connector_key("c"), Some(&status_value(&info(State::Running, "new:1"), 9)));
        s.apply(&connector_key("c"), Some(&status_value(&info(State::Unassigned, "old:1"), 8)));
        assert_eq!(s.connectors["c"].0.worker_id, "new:1");
        s.apply(&connector_key("c"), Some(&status_value(&info(State::Failed, "new:1"), 9)));
        assert_eq!(s.connectors["c"].0.state, State::Failed);
        s.apply(&connector_key("c"), None);
        assert!(s.connectors.is_empty());
    }
}
