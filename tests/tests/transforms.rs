//! Single message transforms and predicates in running pipelines.

use std::time::Duration;

use ferry_tests::db::Database;
use ferry_tests::ferry::Ferry;
use ferry_tests::{consume, create_topic, unique, KafkaServer};
use serde_json::{json, Value};

const BIN: &str = env!("CARGO_BIN_EXE_ferry-e2e");
const WAIT: Duration = Duration::from_secs(60);

/// The common chain "primary key into the key", on a JDBC source, with a
/// predicate that routes only this table's topic.
#[test]
fn value_to_key_and_extract_field_put_the_id_in_the_key() {
    let kafka = KafkaServer::start();
    let dir = tempfile::tempdir().expect("tempdir");
    let ferry = Ferry::standalone(BIN, dir.path(), &kafka.bootstrap(), &[], &[]);
    let db = Database::Postgres;
    let table = unique("keyed").replace('-', "_");
    let prefix = format!("{}_", unique("smt"));
    let routed = unique("routed");
    create_topic(&kafka.bootstrap(), &routed, 1);
    db.exec(&format!("CREATE TABLE {table} (id INT PRIMARY KEY, name TEXT NOT NULL); INSERT INTO {table} VALUES (7, 'ada'), (9, 'grace')"));
    let config = json!({"name": unique("smt"), "config": {
        "connector.class": "JdbcSource", "connection.url": db.jdbc_url(), "connection.user": db.user(),
        "mode": "incrementing", "incrementing.column.name": "id", "table.whitelist": table, "topic.prefix": prefix,
        "transforms": "createKey,extractInt,route",
        "transforms.createKey.type": "org.apache.kafka.connect.transforms.ValueToKey", "transforms.createKey.fields": "id",
        "transforms.extractInt.type": "org.apache.kafka.connect.transforms.ExtractField$Key", "transforms.extractInt.field": "id",
        "transforms.route.type": "org.apache.kafka.connect.transforms.RegexRouter", "transforms.route.regex": ".*",
        "transforms.route.replacement": routed, "transforms.route.predicate": "mine",
        "predicates": "mine", "predicates.mine.type": "org.apache.kafka.connect.transforms.predicates.TopicNameMatches",
        "predicates.mine.pattern": format!("{prefix}.*")}});
    let (code, body) = ferry.call("POST", "/connectors", Some(&config.to_string()));
    assert_eq!(code, 201, "{body}");
    let records = consume(&kafka.bootstrap(), &routed, 2, WAIT);
    let keys: Vec<Value> = records.iter().map(|(k, _)| serde_json::from_slice(k.as_deref().unwrap_or_default()).expect("JSON key")).collect();
    assert_eq!(keys, [json!({"schema": {"type": "int32", "optional": false}, "payload": 7}), json!({"schema": {"type": "int32", "optional": false}, "payload": 9})]);
}

/// An unknown transform class, a missing key and a bad regex are refused
/// with the key named.
#[test]
fn bad_transform_configs_are_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let ferry = Ferry::standalone(BIN, dir.path(), "embedded", &[], &[]);
    let base = json!({"connector.class": "FileStreamSource", "file": "/dev/null", "topic": "t", "transforms": "a"});
    let cases = [
        (json!({"transforms.a.type": "com.example.Nope"}), "com.example.Nope"),
        (json!({}), "transforms.a.type"),
        (json!({"transforms.a.type": "org.apache.kafka.connect.transforms.RegexRouter", "transforms.a.regex": "(", "transforms.a.replacement": "x"}), "regex"),
        (json!({"transforms.a.type": "org.apache.kafka.connect.transforms.ExtractField$Value"}), "field"),
    ];
    for (extra, named) in cases {
        let mut config = base.clone();
        for (k, v) in extra.as_object().into_iter().flatten() {
            config[k] = v.clone();
        }
        let (code, body) = ferry.call("POST", "/connectors", Some(&json!({"name": unique("bad"), "config": config}).to_string()));
        assert_eq!(code, 400, "{extra}: {body}");
        assert!(body.to_string().contains(named), "{extra}: {body}");
    }
}
