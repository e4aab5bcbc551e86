//! Distributed mode's state in Kafka: the config topic created on first
//! use, written in Kafka Connect's record format, and read back whole by
//! another worker, which builds the same config state; source offsets one
//! worker stores, which another worker reads. On noida-db and tansu.

use ferry_api::config::Props;
use ferry_api::SourceMap;
use ferry_runtime::distributed::config_log::{self, ConfigState};
use ferry_runtime::distributed::kafka_offsets::KafkaOffsetStore;
use ferry_runtime::stores::OffsetStore;
use ferry_runtime::distributed::topic_log::{TopicLog, TopicSpec};
use ferry_runtime::herder::TargetState;
use ferry_tests::{unique, with_broker, KafkaServer};

fn props(pairs: &[(&str, &str)]) -> Props {
    pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
}

fn state_of(entries: &[ferry_runtime::distributed::topic_log::Entry], state: &mut ConfigState) {
    for e in entries {
        let key = String::from_utf8(e.key.clone().expect("config records have keys")).expect("UTF-8 key");
        state.apply(e.offset, &key, e.value.as_deref());
    }
}

async fn config_topic_round_trip(bootstrap: String) {
    let client = props(&[("bootstrap.servers", &bootstrap)]);
    let spec = TopicSpec { name: unique("connect-configs"), partitions: 1, replication_factor: 1 };
    let writer = TopicLog::open(&client, &spec).await.expect("opens and creates the topic");
    let sink = props(&[("connector.class", "FileStreamSink"), ("name", "file-sink"), ("topics", "t"), ("file", "/tmp/x")]);
    writer.send(&config_log::connector_key("file-sink"), Some(&config_log::properties_value(&sink)), None).await.expect("writes");
    for i in 0..2 {
        let task = props(&[("task.class", "FileStreamSinkTask"), ("file", "/tmp/x"), ("n", &i.to_string())]);
        writer.send(&config_log::task_key("file-sink", i), Some(&config_log::properties_value(&task)), None).await.expect("writes");
    }
    writer.send(&config_log::commit_key("file-sink"), Some(&config_log::commit_value(2)), None).await.expect("writes");
    writer.send(&config_log::target_state_key("file-sink"), Some(&config_log::target_state_value(TargetState::Paused)), None).await.expect("writes");

    // Another worker opens the same topic and reads it whole.
    let mut reader = TopicLog::open(&client, &spec).await.expect("opens the existing topic");
    let mut state = ConfigState::new();
    state_of(&reader.read_to_end().await.expect("reads"), &mut state);
    let c = &state.connectors["file-sink"];
    assert_eq!(c.config, sink);
    assert_eq!(c.target, TargetState::Paused);
    assert_eq!(c.tasks.iter().map(|t| t["n"].clone()).collect::<Vec<_>>(), ["0", "1"]);
    assert_eq!(state.offset, 4);

    // Later writes are read incrementally; a tombstone deletes.
    writer.send(&config_log::connector_key("file-sink"), None, None).await.expect("writes a tombstone");
    let more = reader.read_to_end().await.expect("reads on");
    assert_eq!(more.len(), 1, "only what is new");
    state_of(&more, &mut state);
    assert!(state.connectors.is_empty());
}

fn map(v: serde_json::Value) -> SourceMap {
    v.as_object().expect("object").clone()
}

async fn offsets_move_between_workers(bootstrap: String) {
    let client = props(&[("bootstrap.servers", &bootstrap)]);
    let spec = TopicSpec { name: unique("connect-offsets"), partitions: 5, replication_factor: 1 };
    let first = KafkaOffsetStore::open(&client, &spec).await.expect("opens and creates the topic");
    let table = |t: &str| map(serde_json::json!({"protocol": "1", "table": t}));
    first.put("jdbc", vec![(table("a"), Some(map(serde_json::json!({"incrementing": 10})))), (table("b"), Some(map(serde_json::json!({"incrementing": 3}))))]).await.expect("stores");
    first.put("jdbc", vec![(table("a"), Some(map(serde_json::json!({"incrementing": 42}))))]).await.expect("stores");
    first.put("other", vec![(table("a"), Some(map(serde_json::json!({"incrementing": 7}))))]).await.expect("stores");

    // The task moves: a second worker opens the topic and finds the last offsets.
    let second = KafkaOffsetStore::open(&client, &spec).await.expect("opens the topic");
    assert_eq!(second.get("jdbc", &table("a")).await.expect("reads"), Some(map(serde_json::json!({"incrementing": 42}))));
    let mut all = second.all("jdbc").await.expect("reads");
    all.sort_by_key(|(p, _)| p["table"].as_str().unwrap_or_default().to_owned());
    assert_eq!(all.len(), 2, "offsets of one connector only");
    // A reset on the second worker is a tombstone the first one sees.
    second.put("jdbc", vec![(table("b"), None)]).await.expect("resets");
    assert_eq!(first.get("jdbc", &table("b")).await.expect("reads"), None);
    assert_eq!(first.get("other", &table("a")).await.expect("reads"), Some(map(serde_json::json!({"incrementing": 7}))));
}

#[test]
fn offsets_move_between_workers_on_noida() {
    with_broker(&KafkaServer::noida(), offsets_move_between_workers);
}

#[test]
fn offsets_move_between_workers_on_tansu() {
    with_broker(&KafkaServer::tansu(), offsets_move_between_workers);
}

#[test]
fn config_topic_round_trip_on_noida() {
    with_broker(&KafkaServer::noida(), config_topic_round_trip);
}

#[test]
fn config_topic_round_trip_on_tansu() {
    with_broker(&KafkaServer::tansu(), config_topic_round_trip);
}
