//! JdbcSinkConnector against the real MariaDB and PostgreSQL of this
//! machine, fed by the JDBC source or by records produced as a user's
//! application would, configured as Confluent's users configure it.

use std::time::Duration;

use ferry_tests::db::{Database, SessionKiller};
use ferry_tests::ferry::Ferry;
use ferry_tests::{create_topic, poll_until, produce, unique, wait_until, KafkaServer, Pipeline};
use serde_json::{json, Value};

const BIN: &str = env!("CARGO_BIN_EXE_ferry-e2e");
const WAIT: Duration = Duration::from_secs(90);

fn setup() -> Pipeline {
    Pipeline::start(BIN)
}

fn post(ferry: &Ferry, config: Value) {
    let (code, body) = ferry.call("POST", "/connectors", Some(&config.to_string()));
    assert_eq!(code, 201, "{body}");
}

fn name(prefix: &str) -> String {
    unique(prefix).replace('-', "_")
}

/// Waits until `sql` returns `expected` (tab-separated rows).
fn wait_for_rows(ferry: &Ferry, db: Database, sql: &str, expected: &str) {
    let mut last = String::new();
    let found = poll_until(WAIT, || {
        last = db.try_query(sql).unwrap_or_else(|e| e);
        (last.trim() == expected.trim()).then_some(())
    });
    assert!(found.is_some(), "{db:?}: waited for\n{expected}\nfrom {sql}\nlast saw\n{last}\nlogs:\n{}", tail(&ferry.logs()));
}

fn tail(logs: &str) -> String {
    let lines: Vec<&str> = logs.lines().collect();
    lines[lines.len().saturating_sub(30)..].join("\n")
}

#[test]
fn the_seed_pair_works_verbatim_on_mariadb() {
    let s = setup();
    let db = Database::MySqlUrl;
    let table = name("users");
    let prefix = format!("{}_", name("my_topic"));
    let topic = format!("{prefix}{table}");
    create_topic(&s.kafka.bootstrap(), &topic, 1);
    db.exec(&format!("CREATE TABLE {table} (id INT AUTO_INCREMENT PRIMARY KEY, name VARCHAR(50)); INSERT INTO {table} (name) VALUES ('ada'), ('grace'), ('linus')"));
    post(&s.ferry, json!({"name": "ojava-kafka-connect", "config": {
        "connector.class": "io.confluent.connect.jdbc.JdbcSourceConnector",
        "connection.url": "jdbc:mysql://localhost:3306/test", "connection.user": "root", "connection.password": "",
        "mode": "incrementing", "incrementing.column.name": "id", "table.whitelist": table,
        "topic.prefix": prefix, "tasks.max": "1", "poll.interval.ms": "500"}}));
    post(&s.ferry, json!({"name": "ojava-sink-connect", "config": {
        "connector.class": "io.confluent.connect.jdbc.JdbcSinkConnector",
        "connection.url": "jdbc:mysql://localhost:3306/test", "connection.user": "root", "connection.password": "",
        "auto.create": "true", "auto.evolve": "true", "delete.enabled": "false", "tasks.max": "1", "topics": topic}}));
    wait_for_rows(&s.ferry, db, &format!("SELECT id, name FROM `{topic}` ORDER BY id"), "1\tada\n2\tgrace\n3\tlinus");
    db.exec(&format!("INSERT INTO {table} (name) VALUES ('margaret')"));
    wait_for_rows(&s.ferry, db, &format!("SELECT id, name FROM `{topic}` ORDER BY id"), "1\tada\n2\tgrace\n3\tlinus\n4\tmargaret");
    s.ferry.wait_for_state("ojava-sink-connect", "RUNNING");
}

/// The same rows, as text both databases print alike. MariaDB's BOOLEAN
/// is TINYINT(1), which Connect carries as an int8, as Confluent does.
fn canonical(db: Database, table: &str) -> String {
    let sql = match db {
        Database::Postgres => format!(
            "SELECT id, name, qty, price, amount, to_char(created, 'YYYY-MM-DD HH24:MI:SS.MS'), COALESCE(note, 'NULL'), \
             active::int, born, encode(raw, 'hex') FROM \"{table}\" ORDER BY id"
        ),
        _ => format!(
            "SELECT id, name, qty, price, amount, DATE_FORMAT(created, '%Y-%m-%d %H:%i:%s.%f'), note, active + 0, born, \
             LOWER(HEX(raw)) FROM `{table}` ORDER BY id"
        ),
    };
    let text = db.query(&sql);
    // MariaDB prints microseconds; Connect carries milliseconds.
    text.lines().map(|l| l.replace(".000000\t", ".000\t")).collect::<Vec<_>>().join("\n")
}

/// Source and sink on any pair of databases, in one worker on its embedded
/// log: inserts, then updates caught
/// by timestamp+incrementing and applied by upsert, keyed by the source's
/// primary key (`record.key.mode=primary_key`, `pk.mode=record_key`).
fn replicate(from: Database, to: Database, rows: i64, updates: i64) {
    // On the embedded log: a sink 100,000 records behind asks for more than
    // the test broker (noida-db) can send in one answer.
    let dir = tempfile::tempdir().expect("tempdir");
    let ferry = Ferry::standalone(BIN, dir.path(), "embedded", &[("offset.flush.interval.ms", "500".into())], &[]);
    let table = name("repl");
    let prefix = format!("{}_", name("repl"));
    let topic = format!("{prefix}{table}");
    let (serial, datetime, double, blob, now, fill) = match from {
        Database::Postgres => ("BIGINT PRIMARY KEY", "TIMESTAMP(3)", "DOUBLE PRECISION", "BYTEA", "now()",
            format!("SELECT i, 'name ' || i, i % 1000, i * 1.25, (i % 100000) / 100.0, TIMESTAMP '2024-01-01' + i * INTERVAL '1 second', \
                     repeat('é', (i % 7)::int) || ' note ' || i, i % 2 = 0, DATE '2000-01-01' + (i % 9000)::int, decode(lpad(to_hex(i), 8, '0'), 'hex'), \
                     TIMESTAMP '2024-01-01' FROM generate_series(1, {rows}) i")),
        _ => ("BIGINT PRIMARY KEY", "DATETIME(3)", "DOUBLE", "VARBINARY(16)", "UTC_TIMESTAMP(3)",
            format!("SELECT seq, CONCAT('name ', seq), seq % 1000, seq * 1.25, (seq % 100000) / 100, '2024-01-01' + INTERVAL seq SECOND, \
                     CONCAT(REPEAT('é', seq % 7), ' note ', seq), seq % 2 = 0, '2000-01-01' + INTERVAL (seq % 9000) DAY, UNHEX(LPAD(HEX(seq), 8, '0')), \
                     '2024-01-01' FROM seq_1_to_{rows}")),
    };
    from.exec(&format!(
        "CREATE TABLE {table} (id {serial}, name VARCHAR(64) NOT NULL, qty INT NOT NULL, price {double} NOT NULL, \
         amount DECIMAL(12,2) NOT NULL, created {datetime} NOT NULL, note TEXT, active BOOLEAN NOT NULL, born DATE, raw {blob}, \
         updated_at {datetime} NOT NULL); INSERT INTO {table} {fill}"
    ));
    post(&ferry, json!({"name": name("src"), "config": {
        "connector.class": "JdbcSource", "connection.url": from.jdbc_url(), "connection.user": from.user(),
        "mode": "timestamp+incrementing", "incrementing.column.name": "id", "timestamp.column.name": "updated_at",
        "table.whitelist": table, "topic.prefix": prefix, "poll.interval.ms": "300", "batch.max.rows": "1000",
        "record.key.mode": "primary_key"}}));
    let sink = name("sink");
    post(&ferry, json!({"name": sink, "config": {
        "connector.class": "JdbcSink", "connection.url": to.jdbc_url(), "connection.user": to.user(), "topics": topic,
        "insert.mode": "upsert", "pk.mode": "record_key", "auto.create": "true", "auto.evolve": "true",
        "fields.whitelist": "name,qty,price,amount,created,note,active,born,raw"}}));
    let count = |n: i64| format!("SELECT COUNT(*) FROM {} ", quoted(to, &topic)) + &format!("HAVING COUNT(*) = {n}");
    wait_for_rows(&ferry, to, &count(rows), &rows.to_string());
    from.exec(&format!("UPDATE {table} SET name = CONCAT('updated ', id), qty = qty + 1, note = NULL, updated_at = {now} WHERE id <= {updates}"));
    wait_for_rows(&ferry, to, &format!("SELECT COUNT(*) FROM {} WHERE name LIKE 'updated %'", quoted(to, &topic)), &updates.to_string());
    let source = canonical(from, &table);
    let target = canonical(to, &topic);
    assert_eq!(source.lines().count(), rows as usize, "{from:?}");
    if source != target {
        let diff = source.lines().zip(target.lines()).find(|(a, b)| a != b);
        panic!("{from:?} -> {to:?}: tables differ; first difference {diff:?}");
    }
    ferry.wait_for_state(&sink, "RUNNING");
}

fn quoted(db: Database, table: &str) -> String {
    match db {
        Database::Postgres => format!("\"{table}\""),
        _ => format!("`{table}`"),
    }
}

#[test]
fn replication_mariadb_to_mariadb() {
    replicate(Database::MariaDbUrl, Database::MySqlUrl, 100_000, 10_000);
}

#[test]
fn replication_mariadb_to_postgres() {
    replicate(Database::MariaDbUrl, Database::Postgres, 100_000, 10_000);
}

#[test]
fn replication_postgres_to_mariadb() {
    replicate(Database::Postgres, Database::MariaDbUrl, 100_000, 10_000);
}

/// A JSON-with-schema record of `(id, name)`, as JsonConverter writes it.
fn user_record(id: i64, name: Option<&str>) -> (Vec<u8>, Vec<u8>) {
    let key = json!({"schema": {"type": "struct", "fields": [{"field": "id", "type": "int64", "optional": false}], "optional": false},
        "payload": {"id": id}});
    let value = json!({"schema": {"type": "struct", "fields": [{"field": "id", "type": "int64", "optional": false},
        {"field": "name", "type": "string", "optional": true}], "optional": false}, "payload": {"id": id, "name": name}});
    (key.to_string().into_bytes(), value.to_string().into_bytes())
}

fn produce_all(kafka: &KafkaServer, topic: &str, records: &[(Vec<u8>, Option<Vec<u8>>)]) {
    let borrowed: Vec<(Option<&[u8]>, Option<&[u8]>)> = records.iter().map(|(k, v)| (Some(k.as_slice()), v.as_deref())).collect();
    for chunk in borrowed.chunks(20_000) {
        produce(&kafka.bootstrap(), topic, chunk);
    }
}

/// 1,000 records the database refuses (NULL into NOT NULL, too long)
/// among 100,000 good ones, plus records no converter can read: the good
/// ones are all written, the others are in the dead-letter queue with
/// Connect's error headers and their original bytes.
#[test]
fn refused_records_go_to_the_dead_letter_queue_and_the_rest_is_written() {
    for db in [Database::MariaDbUrl, Database::Postgres] {
        let s = setup();
        let table = name("poison");
        let dlq = name("dlq");
        create_topic(&s.kafka.bootstrap(), &table, 1);
        db.exec(&format!("CREATE TABLE {table} (id BIGINT PRIMARY KEY, name VARCHAR(20) NOT NULL)"));
        let mut records = Vec::new();
        let mut bad = Vec::new();
        for id in 1..=101_000i64 {
            let (k, v) = match id % 101 {
                0 if id % 2 == 0 => user_record(id, None),
                0 => user_record(id, Some("a name far too long for twenty characters")),
                _ => user_record(id, Some(&format!("user {id}"))),
            };
            if id % 101 == 0 {
                bad.push(id);
            }
            records.push((k, Some(v)));
        }
        records.insert(500, (b"{\"schema\":null,\"payload\":1}".to_vec(), Some(b"not json at all".to_vec())));
        produce_all(&s.kafka, &table, &records);
        let sink = name("poison");
        post(&s.ferry, json!({"name": sink, "config": {
            "connector.class": "JdbcSink", "connection.url": db.jdbc_url(), "connection.user": db.user(), "topics": table,
            "pk.mode": "record_key", "errors.tolerance": "all", "errors.deadletterqueue.topic.name": dlq,
            "errors.deadletterqueue.context.headers.enable": "true", "errors.deadletterqueue.topic.replication.factor": "1"}}));
        let good = 101_000 - bad.len();
        wait_for_rows(&s.ferry, db, &format!("SELECT COUNT(*) FROM {table} HAVING COUNT(*) >= {good}"), &good.to_string());
        let written = db.query(&format!("SELECT COUNT(*), SUM(id) FROM {table}"));
        let expected_sum: i64 = (1..=101_000i64).sum::<i64>() - bad.iter().sum::<i64>();
        assert_eq!(written.trim(), format!("{good}\t{expected_sum}"), "{db:?}: exactly the good records");

        let dead = ferry_tests::consume_records(&s.kafka.bootstrap(), &dlq, bad.len() + 1, WAIT);
        assert_eq!(dead.len(), bad.len() + 1, "{db:?}: every refused record in the dead-letter queue");
        let unreadable = dead.iter().find(|r| r.header("__connect.errors.stage").as_deref() == Some("VALUE_CONVERTER")).expect("converter failure");
        assert_eq!(unreadable.value.as_deref(), Some(&b"not json at all"[..]), "original bytes");
        assert_eq!(unreadable.header("__connect.errors.class.name").as_deref(), Some("org.apache.kafka.connect.json.JsonConverter"));
        let mut refused: Vec<i64> = Vec::new();
        for r in dead.iter().filter(|r| r.header("__connect.errors.stage").as_deref() == Some("TASK_PUT")) {
            let v: Value = serde_json::from_slice(r.value.as_deref().unwrap_or_default()).expect("original JSON");
            refused.push(v["payload"]["id"].as_i64().unwrap_or(-1));
            assert_eq!(r.header("__connect.errors.topic").as_deref(), Some(table.as_str()));
            assert_eq!(r.header("__connect.errors.connector.name").as_deref(), Some(sink.as_str()));
            assert_eq!(r.header("__connect.errors.class.name").as_deref(), Some("io.confluent.connect.jdbc.JdbcSinkTask"));
            assert_eq!(r.header("__connect.errors.exception.class.name").as_deref(), Some("org.apache.kafka.connect.errors.DataException"));
            let message = r.header("__connect.errors.exception.message").unwrap_or_default();
            assert!(message.contains("name"), "{db:?}: the database's reason: {message}");
            assert!(r.header("__connect.errors.offset").is_some() && r.header("__connect.errors.partition").as_deref() == Some("0"));
        }
        refused.sort_unstable();
        assert_eq!(refused, bad, "{db:?}");
        s.ferry.wait_for_state(&sink, "RUNNING");
    }
}

/// Without a dead-letter queue a refused record fails the task, with the
/// database's message in the status trace, and nothing after it is lost.
#[test]
fn a_refused_record_without_a_queue_fails_the_task_readably() {
    let s = setup();
    let db = Database::Postgres;
    let table = name("strict");
    create_topic(&s.kafka.bootstrap(), &table, 1);
    db.exec(&format!("CREATE TABLE {table} (id BIGINT PRIMARY KEY, name VARCHAR(20) NOT NULL)"));
    let records: Vec<(Vec<u8>, Option<Vec<u8>>)> = [user_record(1, Some("ada")), user_record(2, None), user_record(3, Some("linus"))]
        .into_iter()
        .map(|(k, v)| (k, Some(v)))
        .collect();
    produce_all(&s.kafka, &table, &records);
    let sink = name("strict");
    post(&s.ferry, json!({"name": sink, "config": {
        "connector.class": "JdbcSink", "connection.url": db.jdbc_url(), "connection.user": db.user(), "topics": table,
        "pk.mode": "record_key"}}));
    let status = wait_until(WAIT, "the task to fail", || {
        let (_, st) = s.ferry.get(&format!("/connectors/{sink}/status"));
        (st["tasks"][0]["state"] == "FAILED").then_some(st)
    });
    let trace = status["tasks"][0]["trace"].as_str().unwrap_or_default();
    assert!(trace.contains("null value in column \"name\""), "{trace}");
    // One transaction per put: the batch around the refused record is not half-written.
    assert_eq!(db.query(&format!("SELECT COUNT(*) FROM {table}")).trim(), "0");
}

/// A column added to the source table while the pipeline runs appears in
/// the target (auto.evolve), with the rows that fill it.
#[test]
fn a_column_added_at_the_source_appears_in_the_target() {
    for (from, to) in [(Database::MariaDbUrl, Database::Postgres), (Database::Postgres, Database::MariaDbUrl)] {
        let s = setup();
        let table = name("evolve");
        let prefix = format!("{}_", name("evolve"));
        let topic = format!("{prefix}{table}");
        create_topic(&s.kafka.bootstrap(), &topic, 1);
        from.exec(&format!("CREATE TABLE {table} (id INT PRIMARY KEY, name VARCHAR(20) NOT NULL); INSERT INTO {table} VALUES (1, 'ada')"));
        post(&s.ferry, json!({"name": name("src"), "config": {
            "connector.class": "JdbcSource", "connection.url": from.jdbc_url(), "connection.user": from.user(),
            "mode": "incrementing", "incrementing.column.name": "id", "table.whitelist": table, "topic.prefix": prefix,
            "poll.interval.ms": "200", "connection.backoff.ms": "200"}}));
        post(&s.ferry, json!({"name": name("sink"), "config": {
            "connector.class": "JdbcSink", "connection.url": to.jdbc_url(), "connection.user": to.user(), "topics": topic,
            "insert.mode": "upsert", "pk.mode": "record_value", "pk.fields": "id", "auto.create": "true", "auto.evolve": "true"}}));
        wait_for_rows(&s.ferry, to, &format!("SELECT id, name FROM {}", quoted(to, &topic)), "1\tada");
        from.exec(&format!("ALTER TABLE {table} ADD COLUMN city VARCHAR(20) NULL"));
        from.exec(&format!("INSERT INTO {table} VALUES (2, 'grace', 'Arlington')"));
        wait_for_rows(&s.ferry, to, &format!("SELECT id, name, COALESCE(city, '-') FROM {} ORDER BY id", quoted(to, &topic)), "1\tada\t-\n2\tgrace\tArlington");
    }
}

/// Tombstones delete the row of their key (`delete.enabled`,
/// `pk.mode=record_key`), in order with the writes around them.
#[test]
fn tombstones_delete_by_key() {
    let s = setup();
    let db = Database::Postgres;
    let table = name("deletes");
    create_topic(&s.kafka.bootstrap(), &table, 1);
    let write = |id: i64, n: &str| {
        let (k, v) = user_record(id, Some(n));
        (k, Some(v))
    };
    let tombstone = |id: i64| (user_record(id, None).0, None);
    // 2 is written, deleted and written again; 3 is deleted for good.
    let records = vec![write(1, "ada"), write(2, "grace"), write(3, "linus"), tombstone(2), tombstone(3), write(2, "grace again"), tombstone(99)];
    produce_all(&s.kafka, &table, &records);
    post(&s.ferry, json!({"name": name("deletes"), "config": {
        "connector.class": "JdbcSink", "connection.url": db.jdbc_url(), "connection.user": db.user(), "topics": table,
        "pk.mode": "record_key", "insert.mode": "upsert", "delete.enabled": "true", "auto.create": "true"}}));
    wait_for_rows(&s.ferry, db, &format!("SELECT id, name FROM {table} ORDER BY id"), "1\tada\n2\tgrace again");
}

/// JSON without schemas: written by column name into an existing table,
/// and into a table created from the values' types.
#[test]
fn schemaless_json_is_written_by_column_name() {
    let s = setup();
    let db = Database::MariaDbUrl;
    let existing = name("schemaless");
    let created = name("inferred");
    create_topic(&s.kafka.bootstrap(), &existing, 1);
    create_topic(&s.kafka.bootstrap(), &created, 1);
    db.exec(&format!("CREATE TABLE {existing} (id BIGINT PRIMARY KEY, name TEXT, score DOUBLE, extra TEXT DEFAULT 'none')"));
    let values = [
        json!({"id": 1, "name": "ada", "score": 9.5}),
        json!({"score": 7.25, "id": 2, "name": "grace", "tags": ["navy", "cobol"], "meta": {"born": 1906}}),
    ];
    let records: Vec<(Vec<u8>, Option<Vec<u8>>)> = values.iter().map(|v| (b"k".to_vec(), Some(v.to_string().into_bytes()))).collect();
    produce_all(&s.kafka, &existing, &records[..1]);
    produce_all(&s.kafka, &created, &records);
    let config = |topic: &str, auto: bool| json!({"name": name("schemaless"), "config": {
        "connector.class": "JdbcSink", "connection.url": db.jdbc_url(), "connection.user": db.user(), "topics": topic,
        "value.converter": "org.apache.kafka.connect.json.JsonConverter", "value.converter.schemas.enable": "false",
        "key.converter": "org.apache.kafka.connect.storage.StringConverter",
        "pk.mode": "record_value", "pk.fields": "id", "insert.mode": "upsert", "auto.create": auto.to_string(), "auto.evolve": auto.to_string()}});
    post(&s.ferry, config(&existing, false));
    wait_for_rows(&s.ferry, db, &format!("SELECT id, name, score, extra FROM {existing}"), "1\tada\t9.5\tnone");
    post(&s.ferry, config(&created, true));
    wait_for_rows(&s.ferry, db, &format!("SELECT id, name, score, tags, meta FROM {created} ORDER BY id"),
        "1\tada\t9.5\tNULL\tNULL\n2\tgrace\t7.25\t[\"navy\",\"cobol\"]\t{\"born\":1906}");
}

/// The database drops the sink's sessions again and again while records
/// flow: writes are retried, nothing is lost or written twice.
#[test]
fn a_database_that_goes_away_mid_stream_loses_nothing() {
    let s = setup();
    let db = Database::MariaDbUrl;
    let user = name("ferry_sink_outage");
    db.create_user(&user);
    let table = name("outage");
    create_topic(&s.kafka.bootstrap(), &table, 1);
    db.exec(&format!("CREATE TABLE {table} (id BIGINT PRIMARY KEY, name VARCHAR(40) NOT NULL)"));
    let sink = name("outage");
    post(&s.ferry, json!({"name": sink, "config": {
        "connector.class": "JdbcSink", "connection.url": db.jdbc_url(), "connection.user": user, "topics": table,
        "pk.mode": "record_key", "retry.backoff.ms": "100", "max.retries": "1000", "connection.backoff.ms": "100"}}));
    let killer = SessionKiller::start(db, &user);
    for chunk in 0..20i64 {
        let records: Vec<(Vec<u8>, Option<Vec<u8>>)> = (chunk * 500 + 1..=chunk * 500 + 500)
            .map(|id| {
                let (k, v) = user_record(id, Some(&format!("user {id}")));
                (k, Some(v))
            })
            .collect();
        produce_all(&s.kafka, &table, &records);
        let n = (chunk + 1) * 500;
        wait_for_rows(&s.ferry, db, &format!("SELECT COUNT(*) FROM {table} HAVING COUNT(*) >= {n}"), &n.to_string());
    }
    let killed = killer.stop();
    assert!(killed >= 5, "only {killed} sessions were ended; the test did not test");
    let expected: i64 = (1..=10_000).sum();
    assert_eq!(db.query(&format!("SELECT COUNT(*), SUM(id) FROM {table}")).trim(), format!("10000\t{expected}"));
    let logs = s.ferry.logs();
    assert!(logs.contains("retrying"), "no retry in the logs");
    s.ferry.wait_for_state(&sink, "RUNNING");
}

/// The other modes: `pk.mode=kafka` with `table.name.format`, a string
/// primary key created on MariaDB (Confluent's TEXT key fails there),
/// `insert.mode=update`, and `db.timezone` for DATETIME columns.
#[test]
fn kafka_coordinates_string_keys_updates_and_time_zones() {
    let s = setup();
    let db = Database::MariaDbUrl;
    let topic = name("modes");
    create_topic(&s.kafka.bootstrap(), &topic, 1);
    let schema = json!({"type": "struct", "optional": false, "fields": [
        {"field": "code", "type": "string", "optional": false},
        {"field": "qty", "type": "int32", "optional": false},
        {"field": "at", "type": "int64", "optional": false, "name": "org.apache.kafka.connect.data.Timestamp", "version": 1}]});
    let key_schema = json!({"type": "struct", "optional": false, "fields": [{"field": "code", "type": "string", "optional": false}]});
    let record = |code: &str, qty: i32, at: i64| {
        (json!({"schema": key_schema, "payload": {"code": code}}).to_string().into_bytes(),
         Some(json!({"schema": schema, "payload": {"code": code, "qty": qty, "at": at}}).to_string().into_bytes()))
    };
    // 2024-07-01T16:00:00Z is noon in New York.
    produce_all(&s.kafka, &topic, &[record("A-1", 1, 1_719_849_600_000), record("B-2", 2, 1_719_849_600_000)]);
    let config = |name_: &str, extra: Value| {
        let mut c = json!({"connector.class": "JdbcSink", "connection.url": db.jdbc_url(), "connection.user": db.user(),
            "topics": topic, "auto.create": "true", "db.timezone": "America/New_York"});
        for (k, v) in extra.as_object().into_iter().flatten() {
            c[k] = v.clone();
        }
        json!({"name": name_, "config": c})
    };
    let audit = format!("audit_{topic}");
    post(&s.ferry, config(&name("kafka"), json!({"pk.mode": "kafka", "table.name.format": "audit_${topic}"})));
    wait_for_rows(&s.ferry, db, &format!("SELECT __connect_topic = '{topic}', __connect_partition, __connect_offset, code FROM {audit} ORDER BY __connect_offset"),
        "1\t0\t0\tA-1\n1\t0\t1\tB-2");
    post(&s.ferry, config(&name("keyed"), json!({"pk.mode": "record_key", "insert.mode": "upsert"})));
    wait_for_rows(&s.ferry, db, &format!("SELECT code, qty, at FROM {topic} ORDER BY code"),
        "A-1\t1\t2024-07-01 12:00:00.000\nB-2\t2\t2024-07-01 12:00:00.000");
    let key_type = db.query(&format!("SELECT DATA_TYPE FROM information_schema.COLUMNS WHERE TABLE_NAME = '{topic}' AND COLUMN_NAME = 'code'"));
    assert_eq!(key_type.trim(), "varchar", "a string key MariaDB can index");
    // update mode changes existing rows and adds none.
    let updates = name("updates");
    create_topic(&s.kafka.bootstrap(), &updates, 1);
    produce_all(&s.kafka, &updates, &[record("A-1", 10, 1_719_849_600_000), record("Z-9", 99, 1_719_849_600_000)]);
    let mut c = config(&name("update"), json!({"pk.mode": "record_key", "insert.mode": "update", "topics": updates,
        "table.name.format": topic, "auto.create": "false"}));
    c["config"]["topics"] = json!(updates);
    post(&s.ferry, c);
    wait_for_rows(&s.ferry, db, &format!("SELECT code, qty FROM {topic} ORDER BY code"), "A-1\t10\nB-2\t2");
}
