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

/// 1,000 malformed JSON messages among 10,000 good ones into a sink with
/// `errors.tolerance=all` and a dead-letter queue: every good one written,
/// every bad one in the queue with its headers. With `errors.tolerance=none`
/// the task fails, and its trace names the offset.
#[test]
fn malformed_json_goes_to_the_dead_letter_queue_or_fails_the_task() {
    let p = ferry_tests::Pipeline::start(BIN);
    let topic = unique("mixed");
    let dlq = unique("mixed-dlq");
    create_topic(&p.kafka.bootstrap(), &topic, 1);
    let records: Vec<Vec<u8>> = (0..11_000)
        .map(|i| if i % 11 == 5 { format!("{{\"broken\": {i}").into_bytes() } else { format!("{{\"n\": {i}}}").into_bytes() })
        .collect();
    let pairs: Vec<(Option<&[u8]>, Option<&[u8]>)> = records.iter().map(|v| (None, Some(v.as_slice()))).collect();
    ferry_tests::produce(&p.kafka.bootstrap(), &topic, &pairs);
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("good.txt");
    let sink = |name: &str, file: &std::path::Path, tolerance: &str| json!({"name": name, "config": {
        "connector.class": "FileStreamSink", "file": file.display().to_string(), "topics": topic,
        "value.converter": "org.apache.kafka.connect.json.JsonConverter", "value.converter.schemas.enable": "false",
        "errors.tolerance": tolerance, "errors.deadletterqueue.topic.name": dlq,
        "errors.deadletterqueue.context.headers.enable": "true", "errors.log.enable": "true"}});
    let (code, body) = p.ferry.call("POST", "/connectors", Some(&sink(&unique("tolerant"), &out, "all").to_string()));
    assert_eq!(code, 201, "{body}");
    ferry_tests::wait_until(WAIT, "10,000 good records in the file", || {
        (std::fs::read_to_string(&out).unwrap_or_default().lines().count() >= 10_000).then_some(())
    });
    let written = std::fs::read_to_string(&out).unwrap_or_default();
    assert_eq!(written.lines().count(), 10_000);
    assert!(written.lines().all(|l| l.starts_with("{n=")), "only good records: {}", &written[..200.min(written.len())]);
    let dead = ferry_tests::consume_records(&p.kafka.bootstrap(), &dlq, 1_000, WAIT);
    assert_eq!(dead.len(), 1_000);
    for r in &dead {
        assert!(r.value.as_deref().is_some_and(|v| v.starts_with(b"{\"broken\"")), "original bytes");
        assert_eq!(r.header("__connect.errors.stage").as_deref(), Some("VALUE_CONVERTER"));
        assert_eq!(r.header("__connect.errors.topic").as_deref(), Some(topic.as_str()));
        let offset: i64 = r.header("__connect.errors.offset").and_then(|o| o.parse().ok()).expect("offset header");
        assert_eq!(offset % 11, 5);
    }

    let strict = unique("strict");
    let (code, body) = p.ferry.call("POST", "/connectors", Some(&sink(&strict, &dir.path().join("strict.txt"), "none").to_string()));
    assert_eq!(code, 201, "{body}");
    let status = ferry_tests::wait_until(WAIT, "the strict sink to fail", || {
        let (_, st) = p.ferry.get(&format!("/connectors/{strict}/status"));
        (st["tasks"][0]["state"] == "FAILED").then_some(st)
    });
    let trace = status["tasks"][0]["trace"].as_str().unwrap_or_default();
    assert!(trace.contains("offset 5"), "{trace}");
}
