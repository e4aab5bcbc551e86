//! ElasticsearchSinkConnector against a real Elasticsearch-compatible server
//! (noida-db, started by the harness; `FERRY_TEST_ELASTICSEARCH_URL` names
//! another cluster), fed by records produced as an application would or by
//! the JDBC source from PostgreSQL, configured as Confluent's users do.

use std::time::{Duration, Instant};

use ferry_tests::db::Database;
use ferry_tests::ferry::Ferry;
use ferry_tests::search::{self, count, documents, get};
use ferry_tests::{consume_records, create_topic, poll_until, produce, unique, wait_until, Pipeline, SearchServer};
use serde_json::{json, Value};

const BIN: &str = env!("CARGO_BIN_EXE_ferry-e2e");
const WAIT: Duration = Duration::from_secs(90);

/// A record to produce: key and value bytes.
type Record = (Option<Vec<u8>>, Option<Vec<u8>>);
/// The same, borrowed.
type RecordRef<'a> = (Option<&'a [u8]>, Option<&'a [u8]>);

fn post(ferry: &Ferry, config: Value) {
    let (code, body) = ferry.call("POST", "/connectors", Some(&config.to_string()));
    assert_eq!(code, 201, "{body}");
}

fn tail(logs: &str) -> String {
    let lines: Vec<&str> = logs.lines().collect();
    lines[lines.len().saturating_sub(40)..].join("\n")
}

/// Waits until the index holds `n` documents.
fn wait_for_count(ferry: &Ferry, search: &SearchServer, index: &str, n: u64) {
    let mut last = None;
    let found = poll_until(WAIT, || {
        last = count(&search.url(), index);
        (last == Some(n)).then_some(())
    });
    assert!(found.is_some(), "waited for {n} documents in {index}, last saw {last:?}; logs:\n{}", tail(&ferry.logs()));
}

fn produce_values(bootstrap: &str, topic: &str, records: &[Record]) {
    let borrowed: Vec<RecordRef<'_>> = records.iter().map(|(k, v)| (k.as_deref(), v.as_deref())).collect();
    produce(bootstrap, topic, &borrowed);
}

fn schemaless(values: &[Value]) -> Vec<Record> {
    values.iter().map(|v| (None, Some(v.to_string().into_bytes()))).collect()
}

fn task_state(ferry: &Ferry, connector: &str) -> (String, String) {
    let (_, st) = ferry.get(&format!("/connectors/{connector}/status"));
    let t = &st["tasks"][0];
    (t["state"].as_str().unwrap_or_default().to_owned(), t["trace"].as_str().unwrap_or_default().to_owned())
}

/// Issue #6's seed config, verbatim but for the server's URL and a topic
/// name no other test shares (with capitals: the index is its lowercase):
/// every JSON message of the topic is a document of the index, its ID the
/// record's topic+partition+offset.
#[test]
fn the_seed_config_works_verbatim() {
    let s = Pipeline::start(BIN);
    let search = SearchServer::start();
    let topic = unique("Coupang");
    let index = topic.to_lowercase();
    create_topic(&s.kafka.bootstrap(), &topic, 1);
    let messages: Vec<Value> = (0..1000)
        .map(|i| json!({"product_id": i, "name": format!("상품 {i}"), "price": i as f64 * 1.5, "tags": ["a", format!("t{}", i % 7)],
                        "seller": {"id": i % 13, "rating": null}, "in_stock": i % 2 == 0}))
        .collect();
    produce_values(&s.kafka.bootstrap(), &topic, &schemaless(&messages[..600]));
    post(&s.ferry, json!({"name": "elasticsearch-sink", "config": {
        "connector.class": "io.confluent.connect.elasticsearch.ElasticsearchSinkConnector", "tasks.max": "1",
        "topics": topic, "key.ignore": "true", "schema.ignore": "true", "connection.url": search.url(),
        "type.name": "kafka-connect",
        "value.converter": "org.apache.kafka.connect.json.JsonConverter", "value.converter.schemas.enable": "false",
        "key.converter": "org.apache.kafka.connect.json.JsonConverter", "key.converter.schemas.enable": "false"}}));
    wait_for_count(&s.ferry, &search, &index, 600);
    produce_values(&s.kafka.bootstrap(), &topic, &schemaless(&messages[600..]));
    wait_for_count(&s.ferry, &search, &index, 1000);
    let docs = documents(&search.url(), &index);
    for (offset, message) in messages.iter().enumerate() {
        let id = format!("{topic}+0+{offset}");
        assert_eq!(docs.get(&id), Some(message), "document {id}");
    }
    s.ferry.wait_for_state("elasticsearch-sink", "RUNNING");
}

/// PostgreSQL → broker → Elasticsearch: the JDBC source in
/// timestamp+incrementing mode with the primary key as record key, reduced
/// to the `id` field by ExtractField$Key, schemas on (the index mapping is
/// made from the Connect schema). Inserts and updates reach the index by
/// themselves. The JDBC source reads rows and cannot see deletes, so the
/// test produces a tombstone for each deleted key, as a user (or a CDC
/// tool) would; with behavior.on.null.values=delete they delete the
/// documents. In the end the documents are the table's rows.
#[test]
fn postgres_to_elasticsearch_inserts_updates_and_deletes() {
    let s = Pipeline::start(BIN);
    let search = SearchServer::start();
    let db = Database::Postgres;
    let table = unique("products").replace('-', "_");
    let prefix = format!("{}_", unique("pg").replace('-', "_"));
    let topic = format!("{prefix}{table}");
    create_topic(&s.kafka.bootstrap(), &topic, 1);
    db.exec(&format!(
        "CREATE TABLE {table} (id BIGINT PRIMARY KEY, name VARCHAR(64) NOT NULL, price NUMERIC(10,2) NOT NULL, qty INT, \
         born DATE, updated_at TIMESTAMP(3) NOT NULL); \
         INSERT INTO {table} SELECT i, 'product ' || i, i * 1.25, CASE WHEN i % 10 = 0 THEN NULL ELSE i % 100 END, \
         DATE '2000-01-01' + i, TIMESTAMP '2024-01-01 00:00:00' + i * INTERVAL '1 second' FROM generate_series(1, 500) i"
    ));
    post(&s.ferry, json!({"name": unique("pg-source"), "config": {
        "connector.class": "io.confluent.connect.jdbc.JdbcSourceConnector", "connection.url": db.jdbc_url(), "connection.user": db.user(),
        "mode": "timestamp+incrementing", "incrementing.column.name": "id", "timestamp.column.name": "updated_at",
        "table.whitelist": table, "topic.prefix": prefix, "poll.interval.ms": "300", "record.key.mode": "primary_key"}}));
    let sink = unique("es-sink");
    post(&s.ferry, json!({"name": sink, "config": {
        "connector.class": "ElasticsearchSinkConnector", "topics": topic, "connection.url": search.url(),
        "key.ignore": "false", "schema.ignore": "false", "behavior.on.null.values": "delete",
        "transforms": "extractId", "transforms.extractId.type": "org.apache.kafka.connect.transforms.ExtractField$Key",
        "transforms.extractId.field": "id"}}));
    let index = topic.to_lowercase();
    wait_for_count(&s.ferry, &search, &index, 500);

    let props = search::properties(&search.url(), &index);
    assert_eq!(props["id"]["type"], "long", "{props}");
    assert_eq!(props["price"]["type"], "double", "Decimal, as Confluent maps it");
    assert_eq!(props["born"]["type"], "date");
    assert_eq!(props["updated_at"]["type"], "date");
    assert_eq!(props["name"]["type"], "text");

    db.exec(&format!("UPDATE {table} SET name = 'renamed ' || id, price = price + 1000, updated_at = now() WHERE id % 10 = 1"));
    let renamed = poll_until(WAIT, || {
        let docs = documents(&search.url(), &index);
        let n = docs.values().filter(|d| d["name"].as_str().is_some_and(|n| n.starts_with("renamed"))).count();
        (n == 50).then_some(())
    });
    assert!(renamed.is_some(), "updates reached the index; logs:\n{}", tail(&s.ferry.logs()));

    let deleted: Vec<i64> = (1..=500).filter(|i| i % 25 == 0).collect();
    db.exec(&format!("DELETE FROM {table} WHERE id % 25 = 0"));
    let key_schema = json!({"type": "struct", "fields": [{"field": "id", "type": "int64", "optional": false}], "optional": false});
    let tombstones: Vec<Record> =
        deleted.iter().map(|id| (Some(json!({"schema": key_schema, "payload": {"id": id}}).to_string().into_bytes()), None)).collect();
    produce_values(&s.kafka.bootstrap(), &topic, &tombstones);
    wait_for_count(&s.ferry, &search, &index, 500 - deleted.len() as u64);

    let rows = db.query(&format!(
        "SELECT id, name, price, COALESCE(qty::text, 'null'), (born - DATE '1970-01-01')::bigint * 86400000, \
         (extract(epoch from updated_at) * 1000)::bigint FROM {table} ORDER BY id"
    ));
    let docs = documents(&search.url(), &index);
    assert_eq!(docs.len(), rows.lines().count(), "as many documents as rows");
    for row in rows.lines() {
        let f: Vec<&str> = row.split('\t').collect();
        let doc = docs.get(f[0]).unwrap_or_else(|| panic!("no document for row {row}"));
        let price: f64 = f[2].parse().expect("price");
        let qty: Value = serde_json::from_str(f[3]).expect("qty");
        assert_eq!(doc["id"].as_i64().map(|v| v.to_string()).as_deref(), Some(f[0]), "{doc}");
        assert_eq!(doc["name"], f[1], "{doc}");
        assert_eq!(doc["price"].as_f64(), Some(price), "{doc}");
        assert_eq!(doc["qty"], qty, "{doc}");
        assert_eq!(doc["born"].as_i64().map(|v| v.to_string()).as_deref(), Some(f[4]), "Date as epoch milliseconds: {doc}");
        assert_eq!(doc["updated_at"].as_i64().map(|v| v.to_string()).as_deref(), Some(f[5]), "{doc}");
    }
    s.ferry.wait_for_state(&sink, "RUNNING");
}

/// The search server is stopped for 30 s while records keep coming: the
/// sink retries with backoff, the task stays RUNNING, and once the server
/// is back every record is a document, none lost, none twice.
#[test]
fn the_search_server_stopped_for_30_seconds_loses_nothing() {
    let s = Pipeline::start(BIN);
    let mut search = SearchServer::start();
    if !search.can_stop() {
        eprintln!("skipped: FERRY_TEST_ELASTICSEARCH_URL names a cluster this test cannot stop");
        return;
    }
    let topic = unique("outage");
    create_topic(&s.kafka.bootstrap(), &topic, 1);
    let batch = |from: i64| schemaless(&(from..from + 2500).map(|i| json!({"n": i, "text": format!("record {i}")})).collect::<Vec<_>>());
    produce_values(&s.kafka.bootstrap(), &topic, &batch(0));
    let sink = unique("outage");
    post(&s.ferry, json!({"name": sink, "config": {
        "connector.class": "ElasticsearchSink", "topics": topic, "connection.url": search.url(), "key.ignore": "true",
        "schema.ignore": "true", "value.converter": "org.apache.kafka.connect.json.JsonConverter",
        "value.converter.schemas.enable": "false", "max.retries": "12", "retry.backoff.ms": "200", "batch.size": "500"}}));
    wait_for_count(&s.ferry, &search, &topic, 2500);

    search.stop();
    let down = Instant::now();
    produce_values(&s.kafka.bootstrap(), &topic, &batch(2500));
    produce_values(&s.kafka.bootstrap(), &topic, &batch(5000));
    // Down for 30 s; all the while the task must stay RUNNING.
    while down.elapsed() < Duration::from_secs(30) {
        let (state, trace) = task_state(&s.ferry, &sink);
        assert_eq!(state, "RUNNING", "{trace}");
        std::thread::sleep(Duration::from_millis(500));
    }
    assert!(s.ferry.logs().contains("Retrying attempt"), "the sink retried: {}", tail(&s.ferry.logs()));
    search.resume();

    wait_for_count(&s.ferry, &search, &topic, 7500);
    let docs = documents(&search.url(), &topic);
    for offset in 0..7500 {
        let doc = docs.get(&format!("{topic}+0+{offset}")).unwrap_or_else(|| panic!("offset {offset} lost"));
        assert_eq!(doc["n"], offset, "{doc}");
    }
    s.ferry.wait_for_state(&sink, "RUNNING");
}

/// Offsets are committed only for documents the cluster acknowledged: a
/// worker stopped while the server is down (it commits what it may on the
/// way out), and started again once the server is back, writes every record.
#[test]
fn offsets_wait_for_acknowledged_documents() {
    let mut s = Pipeline::start(BIN);
    let mut search = SearchServer::start();
    if !search.can_stop() {
        eprintln!("skipped: FERRY_TEST_ELASTICSEARCH_URL names a cluster this test cannot stop");
        return;
    }
    let topic = unique("acked");
    create_topic(&s.kafka.bootstrap(), &topic, 1);
    let records = |from: i64, n: i64| schemaless(&(from..from + n).map(|i| json!({"n": i})).collect::<Vec<_>>());
    produce_values(&s.kafka.bootstrap(), &topic, &records(0, 100));
    let sink = json!({"name": unique("acked"), "config": {
        "connector.class": "ElasticsearchSink", "topics": topic, "connection.url": search.url(), "key.ignore": "true",
        "schema.ignore": "true", "value.converter": "org.apache.kafka.connect.json.JsonConverter",
        "value.converter.schemas.enable": "false", "max.retries": "1000", "retry.backoff.ms": "100"}});
    post(&s.ferry, sink.clone());
    let name = sink["name"].as_str().unwrap_or_default().to_owned();
    wait_for_count(&s.ferry, &search, &topic, 100);
    search.stop();
    produce_values(&s.kafka.bootstrap(), &topic, &records(100, 900));
    // The sink has the records and retries; commits (every 500 ms) go by.
    wait_until(WAIT, "the sink to retry", || s.ferry.logs().contains("Retrying attempt").then_some(()));
    let commits_passed = Instant::now() + Duration::from_secs(3);
    while Instant::now() < commits_passed {
        assert_eq!(task_state(&s.ferry, &name).0, "RUNNING");
        std::thread::sleep(Duration::from_millis(250));
    }
    let (_, committed) = s.ferry.get(&format!("/connectors/{name}/offsets"));
    assert_eq!(committed["offsets"][0]["offset"]["kafka_offset"], 100, "committed while the server is down: {committed}");
    assert!(s.ferry.terminate().success());
    search.resume();
    // A standalone worker keeps no connectors made over REST: make it again;
    // it resumes from the consumer group's committed offsets.
    s.ferry.spawn();
    post(&s.ferry, sink);
    wait_for_count(&s.ferry, &search, &topic, 1000);
    let docs = documents(&search.url(), &topic);
    assert!((0..1000).all(|o| docs.contains_key(&format!("{topic}+0+{o}"))), "every offset written");
}

/// Documents the cluster refuses (a string where the mapping has an
/// integer) are handled per behavior.on.malformed.documents: fail stops
/// the task and names the reason; warn and ignore skip them and write the
/// rest; with errors.tolerance=all they go to the dead-letter queue with
/// their original bytes.
#[test]
fn malformed_documents_follow_the_configured_behavior() {
    let s = Pipeline::start(BIN);
    let search = SearchServer::start();
    let values: Vec<Value> = (0..300).map(|i| if i % 50 == 7 { json!({"n": format!("not a number {i}")}) } else { json!({"n": i}) }).collect();
    let bad: Vec<i64> = (0..300).filter(|i| i % 50 == 7).collect();
    let good = (values.len() - bad.len()) as u64;
    let run = |behavior: &str, extra: Value| {
        let topic = unique(&format!("malformed-{behavior}"));
        create_topic(&s.kafka.bootstrap(), &topic, 1);
        search::create_index(&search.url(), &topic, json!({"properties": {"n": {"type": "integer"}}}));
        produce_values(&s.kafka.bootstrap(), &topic, &schemaless(&values));
        let name = unique(&format!("malformed-{behavior}"));
        let mut config = json!({"connector.class": "ElasticsearchSink", "topics": topic, "connection.url": search.url(),
            "key.ignore": "true", "schema.ignore": "true", "behavior.on.malformed.documents": behavior,
            "value.converter": "org.apache.kafka.connect.json.JsonConverter", "value.converter.schemas.enable": "false", "batch.size": "40"});
        for (k, v) in extra.as_object().into_iter().flatten() {
            config[k] = v.clone();
        }
        post(&s.ferry, json!({"name": name, "config": config}));
        (topic, name)
    };

    let (topic, name) = run("fail", json!({}));
    let trace = wait_until(WAIT, "the task to fail", || {
        let (state, trace) = task_state(&s.ferry, &name);
        (state == "FAILED").then_some(trace)
    });
    // Requests run concurrently: the trace names whichever refused record was answered first.
    let names_one = bad.iter().any(|o| trace.contains(&format!("{topic}-0 offset {o}:")));
    assert!(trace.contains("refused the document") && names_one, "{trace}");
    let written = count(&search.url(), &topic).unwrap_or(0);
    assert!(written < good, "the failed task stopped writing: {written} documents");
    assert!(trace.contains("behavior.on.malformed.documents"), "says what to do: {trace}");

    for behavior in ["warn", "ignore"] {
        let (topic, name) = run(behavior, json!({}));
        wait_for_count(&s.ferry, &search, &topic, good);
        let docs = documents(&search.url(), &topic);
        assert!(bad.iter().all(|o| !docs.contains_key(&format!("{topic}+0+{o}"))), "{behavior}: refused documents skipped");
        s.ferry.wait_for_state(&name, "RUNNING");
    }
    assert!(s.ferry.logs().contains("skipped (behavior.on.malformed.documents=warn)"), "warn logs each one");

    let dlq = unique("malformed-dlq");
    let (topic, name) = run("fail", json!({"errors.tolerance": "all", "errors.deadletterqueue.topic.name": dlq,
        "errors.deadletterqueue.context.headers.enable": "true", "errors.deadletterqueue.topic.replication.factor": "1"}));
    wait_for_count(&s.ferry, &search, &topic, good);
    let dead = consume_records(&s.kafka.bootstrap(), &dlq, bad.len(), WAIT);
    assert_eq!(dead.len(), bad.len(), "every refused record in the dead-letter queue");
    let mut offsets: Vec<i64> = dead.iter().filter_map(|r| r.header("__connect.errors.offset")?.parse().ok()).collect();
    offsets.sort_unstable();
    assert_eq!(offsets, bad);
    for r in &dead {
        let original: Value = serde_json::from_slice(r.value.as_deref().unwrap_or_default()).expect("original bytes");
        assert!(original["n"].as_str().is_some_and(|n| n.starts_with("not a number")), "{original}");
        assert_eq!(r.header("__connect.errors.stage").as_deref(), Some("TASK_PUT"));
        assert_eq!(r.header("__connect.errors.class.name").as_deref(), Some("io.confluent.connect.elasticsearch.ElasticsearchSinkTask"));
    }
    s.ferry.wait_for_state(&name, "RUNNING");
}

fn keyed(key: &str, value: Option<Value>) -> Record {
    (Some(key.as_bytes().to_vec()), value.map(|v| v.to_string().into_bytes()))
}

fn keyed_config(name: &str, topic: &str, url: &str, extra: Value) -> Value {
    let mut config = json!({"connector.class": "ElasticsearchSink", "topics": topic, "connection.url": url,
        "schema.ignore": "true", "key.converter": "org.apache.kafka.connect.storage.StringConverter",
        "value.converter": "org.apache.kafka.connect.json.JsonConverter", "value.converter.schemas.enable": "false"});
    for (k, v) in extra.as_object().into_iter().flatten() {
        config[k] = v.clone();
    }
    json!({"name": name, "config": config})
}

/// With keys, documents are versioned by offset: a second connector that
/// replays the topic from the start leaves the newest values (and their
/// versions) in place. Tombstones delete.
#[test]
fn keyed_records_are_versioned_by_offset_and_replays_change_nothing() {
    let s = Pipeline::start(BIN);
    let search = SearchServer::start();
    let topic = unique("versioned");
    create_topic(&s.kafka.bootstrap(), &topic, 1);
    let records = vec![
        keyed("a", Some(json!({"v": "old a"}))),
        keyed("b", Some(json!({"v": "old b"}))),
        keyed("a", Some(json!({"v": "new a"}))),
        keyed("c", Some(json!({"v": "c"}))),
        keyed("c", None),
        keyed("b", Some(json!({"v": "new b"}))),
    ];
    produce_values(&s.kafka.bootstrap(), &topic, &records);
    let first = unique("versioned");
    post(&s.ferry, keyed_config(&first, &topic, &search.url(), json!({"behavior.on.null.values": "delete", "batch.size": "1"})));
    let settled = poll_until(WAIT, || {
        let docs = documents(&search.url(), &topic);
        (docs.len() == 2 && docs.get("a") == Some(&json!({"v": "new a"})) && docs.get("b") == Some(&json!({"v": "new b"}))).then_some(())
    });
    assert!(settled.is_some(), "{:?}\n{}", documents(&search.url(), &topic), tail(&s.ferry.logs()));
    assert_eq!(get(&search.url(), &topic, "a").map(|d| d.1), Some(2), "version = offset");
    assert_eq!(get(&search.url(), &topic, "b").map(|d| d.1), Some(5));

    // A replay of every offset: each write is older than what is there.
    let replay = unique("replay");
    post(&s.ferry, keyed_config(&replay, &topic, &search.url(), json!({"behavior.on.null.values": "delete"})));
    wait_until(WAIT, "the replay to commit its offsets", || {
        let (_, o) = s.ferry.get(&format!("/connectors/{replay}/offsets"));
        (o["offsets"][0]["offset"]["kafka_offset"] == 6).then_some(())
    });
    assert_eq!(get(&search.url(), &topic, "a"), Some((json!({"v": "new a"}), 2)));
    assert_eq!(get(&search.url(), &topic, "b"), Some((json!({"v": "new b"}), 5)));
    assert_eq!(get(&search.url(), &topic, "c"), None);
    s.ferry.wait_for_state(&replay, "RUNNING");
}

/// write.method=upsert adds the fields of each record to the document.
/// A struct key cannot be a document ID: the task fails and says how to
/// extract a field (or ignore the key).
#[test]
fn upserts_merge_fields_and_struct_keys_are_refused_readably() {
    let s = Pipeline::start(BIN);
    let search = SearchServer::start();
    let topic = unique("upsert");
    create_topic(&s.kafka.bootstrap(), &topic, 1);
    let records = vec![
        keyed("1", Some(json!({"name": "ada"}))),
        keyed("1", Some(json!({"born": 1815}))),
        keyed("2", Some(json!({"name": "grace"}))),
        keyed("1", Some(json!({"name": "Ada Lovelace"}))),
    ];
    produce_values(&s.kafka.bootstrap(), &topic, &records);
    post(&s.ferry, keyed_config(&unique("upsert"), &topic, &search.url(), json!({"write.method": "upsert", "batch.size": "1", "max.in.flight.requests": "3", "max.buffered.records": "100"})));
    let merged = poll_until(WAIT, || {
        let docs = documents(&search.url(), &topic);
        (docs.get("1") == Some(&json!({"name": "Ada Lovelace", "born": 1815})) && docs.get("2") == Some(&json!({"name": "grace"}))).then_some(())
    });
    assert!(merged.is_some(), "{:?}\n{}", documents(&search.url(), &topic), tail(&s.ferry.logs()));

    let structs = unique("struct-key");
    create_topic(&s.kafka.bootstrap(), &structs, 1);
    let key = json!({"schema": {"type": "struct", "fields": [{"field": "id", "type": "int64", "optional": false}], "optional": false}, "payload": {"id": 1}});
    let value = json!({"schema": {"type": "struct", "fields": [{"field": "id", "type": "int64", "optional": false}], "optional": false}, "payload": {"id": 1}});
    produce_values(&s.kafka.bootstrap(), &structs, &[(Some(key.to_string().into_bytes()), Some(value.to_string().into_bytes()))]);
    let name = unique("struct-key");
    post(&s.ferry, json!({"name": name, "config": {"connector.class": "ElasticsearchSink", "topics": structs, "connection.url": search.url()}}));
    let trace = wait_until(WAIT, "the task to fail", || {
        let (state, trace) = task_state(&s.ferry, &name);
        (state == "FAILED").then_some(trace)
    });
    assert!(trace.contains("STRUCT is not supported as the document id") && trace.contains("ExtractField$Key"), "{trace}");
}

/// config/validate names a cluster that does not answer, and
/// inconsistent keys, as Confluent's connector does.
#[test]
fn validation_names_the_unreachable_cluster_and_inconsistent_keys() {
    let s = Pipeline::start(BIN);
    let validate = |config: Value| {
        let (code, body) = s.ferry.call("PUT", "/connector-plugins/ElasticsearchSinkConnector/config/validate", Some(&config.to_string()));
        assert_eq!(code, 200, "{body}");
        body
    };
    let errors_of = |body: &Value, key: &str| -> Vec<String> {
        body["configs"].as_array().into_iter().flatten().filter(|c| c["value"]["name"] == key)
            .flat_map(|c| c["value"]["errors"].as_array().cloned().unwrap_or_default())
            .filter_map(|e| e.as_str().map(str::to_owned)).collect()
    };
    let port = ferry_tests::ferry::free_port();
    let body = validate(json!({"name": "es", "connector.class": "ElasticsearchSinkConnector", "topics": "t",
        "connection.url": format!("http://127.0.0.1:{port}")}));
    let url_errors = errors_of(&body, "connection.url");
    assert!(url_errors.iter().any(|e| e.starts_with("Could not connect to Elasticsearch.")), "{url_errors:?}");
    assert_eq!(body["error_count"], 1, "{url_errors:?}");
    let body = validate(json!({"name": "es", "connector.class": "ElasticsearchSinkConnector", "topics": "t",
        "connection.url": "http://127.0.0.1:9", "max.buffered.records": "10"}));
    let buffered = errors_of(&body, "max.buffered.records");
    assert_eq!(body["error_count"], 1, "{buffered:?}");
    assert!(buffered[0].contains("must be larger than or equal to 'batch.size' (2000)"), "{buffered:?}");
}
