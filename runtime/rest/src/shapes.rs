//! The JSON shapes of Connect's REST entities, field for field and in
//! Connect's order.

use ferry_api::config::{ConfigKey, ConfigValue, Props};
use ferry_runtime::herder::{ConfigInfos, ConnectorInfo, ConnectorOffsets, ConnectorStatus, ServerInfo, StateInfo, TaskId, TaskInfo, TaskStatus};
use ferry_runtime::plugins::PluginInfo;
use serde_json::{json, Map, Value};

pub fn server_info(i: &ServerInfo) -> Value {
    json!({ "version": i.version, "commit": i.commit, "kafka_cluster_id": i.kafka_cluster_id, "log": i.log })
}

pub fn config(c: &Props) -> Value {
    Value::Object(c.iter().map(|(k, v)| (k.clone(), Value::String(v.clone()))).collect())
}

pub fn task_id(id: &TaskId) -> Value {
    json!({ "connector": id.connector, "task": id.task })
}

pub fn connector_info(i: &ConnectorInfo) -> Value {
    json!({
        "name": i.name,
        "config": config(&i.config),
        "tasks": i.tasks.iter().map(task_id).collect::<Vec<_>>(),
        "type": i.kind.map(|k| k.name()),
    })
}

fn state(s: &StateInfo, mut obj: Map<String, Value>) -> Value {
    obj.insert("state".into(), json!(s.state.name()));
    if let Some(t) = &s.trace {
        obj.insert("trace".into(), json!(t));
    }
    obj.insert("worker_id".into(), json!(s.worker_id));
    Value::Object(obj)
}

pub fn task_status(t: &TaskStatus) -> Value {
    let mut obj = Map::new();
    obj.insert("id".into(), json!(t.id));
    state(&t.status, obj)
}

pub fn connector_status(s: &ConnectorStatus) -> Value {
    json!({
        "name": s.name,
        "connector": state(&s.connector, Map::new()),
        "tasks": s.tasks.iter().map(task_status).collect::<Vec<_>>(),
        "type": s.kind.map(|k| k.name()),
    })
}

pub fn task_infos(tasks: &[TaskInfo]) -> Value {
    Value::Array(tasks.iter().map(|t| json!({ "id": task_id(&t.id), "config": config(&t.config) })).collect())
}

/// The deprecated `tasks-config` map: `"<connector>-<task>"` → config.
pub fn tasks_config(tasks: &[TaskInfo]) -> Value {
    Value::Object(tasks.iter().map(|t| (t.id.to_string(), config(&t.config))).collect())
}

pub fn offsets(o: &ConnectorOffsets) -> Value {
    json!({ "offsets": o.offsets.iter().map(|(p, off)| json!({ "partition": p, "offset": off })).collect::<Vec<_>>() })
}

pub fn plugin(p: &PluginInfo) -> Value {
    json!({ "class": p.class, "type": p.kind.name(), "version": p.version })
}

pub fn config_key(k: &ConfigKey) -> Value {
    json!({
        "name": k.name,
        "type": k.ty.name(),
        "required": k.is_required(),
        "default_value": k.default_text(),
        "importance": k.importance.name(),
        "documentation": k.documentation,
        "group": k.group,
        "width": k.width.name(),
        "display_name": k.display_name,
        "dependents": k.dependents,
        "order": k.order_in_group,
    })
}

pub fn config_value(v: &ConfigValue) -> Value {
    json!({
        "name": v.name,
        "value": v.value,
        "recommended_values": v.recommended_values,
        "errors": v.errors,
        "visible": v.visible,
    })
}

pub fn config_infos(i: &ConfigInfos) -> Value {
    json!({
        "name": i.name,
        "error_count": i.error_count,
        "groups": i.groups,
        "configs": i.configs.iter().map(|(k, v)| json!({ "definition": config_key(k), "value": config_value(v) })).collect::<Vec<_>>(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use ferry_api::ConnectorKind;
    use ferry_runtime::herder::State;

    #[test]
    fn status_shape_matches_connect() {
        let s = ConnectorStatus {
            name: "c".into(),
            connector: StateInfo { state: State::Running, worker_id: "w:8083".into(), trace: None },
            tasks: vec![TaskStatus { id: 0, status: StateInfo { state: State::Failed, worker_id: "w:8083".into(), trace: Some("boom".into()) } }],
            kind: Some(ConnectorKind::Sink),
        };
        assert_eq!(
            connector_status(&s).to_string(),
            r#"{"name":"c","connector":{"state":"RUNNING","worker_id":"w:8083"},"tasks":[{"id":0,"state":"FAILED","trace":"boom","worker_id":"w:8083"}],"type":"sink"}"#
        );
    }
}
