//! JdbcSourceConnector against the real MariaDB and PostgreSQL of this
//! machine, into a Kafka-protocol broker, configured as Confluent's users
//! configure it.

use std::collections::BTreeMap;
use std::time::Duration;

use ferry_tests::db::{Database, SessionKiller};
use ferry_tests::ferry::Ferry;
use ferry_tests::{consume, create_topic, unique, KafkaServer, Pipeline};
use serde_json::{json, Value};

const BIN: &str = env!("CARGO_BIN_EXE_ferry-e2e");
const WAIT: Duration = Duration::from_secs(60);

fn setup() -> Pipeline {
    Pipeline::start(BIN)
}

/// The payloads of the first `count` records of a topic.
fn payloads(kafka: &KafkaServer, topic: &str, count: usize, wait: Duration) -> Vec<Value> {
    consume(&kafka.bootstrap(), topic, count, wait)
        .into_iter()
        .map(|(_, v)| {
            let v: Value = serde_json::from_slice(&v.expect("a value")).expect("JSON value");
            v["payload"].clone()
        })
        .collect()
}

fn names(records: &[Value]) -> Vec<String> {
    records.iter().map(|p| p["name"].as_str().unwrap_or_default().to_owned()).collect()
}

fn post(ferry: &Ferry, config: Value) -> (u16, Value) {
    ferry.call("POST", "/connectors", Some(&config.to_string()))
}

#[test]
fn the_seed_config_works_verbatim_on_mariadb() {
    let s = setup();
    let db = Database::MySqlUrl;
    let table = unique("users").replace('-', "_");
    let prefix = format!("{}_", unique("my_topic"));
    let topic = format!("{prefix}{table}");
    create_topic(&s.kafka.bootstrap(), &topic, 1);
    db.exec(&format!("CREATE TABLE {table} (id INT AUTO_INCREMENT PRIMARY KEY, name VARCHAR(50)); INSERT INTO {table} (name) VALUES ('ada'), ('grace'), ('linus')"));
    let config = json!({"name": "ojava-kafka-connect", "config": {
        "connector.class": "io.confluent.connect.jdbc.JdbcSourceConnector",
        "connection.url": "jdbc:mysql://localhost:3306/test", "connection.user": "root", "connection.password": "",
        "mode": "incrementing", "incrementing.column.name": "id", "table.whitelist": table,
        "topic.prefix": prefix, "tasks.max": "1", "poll.interval.ms": "500"}});
    let (code, body) = post(&s.ferry, config);
    assert_eq!(code, 201, "{body}");
    s.ferry.wait_for_state("ojava-kafka-connect", "RUNNING");
    assert_eq!(names(&payloads(&s.kafka, &topic, 3, WAIT)), ["ada", "grace", "linus"]);
    db.exec(&format!("INSERT INTO {table} (name) VALUES ('margaret')"));
    let all = payloads(&s.kafka, &topic, 4, WAIT);
    assert_eq!(names(&all), ["ada", "grace", "linus", "margaret"]);
    assert_eq!(all[3]["id"], 4);
    // Offsets in Confluent's format.
    let offsets = ferry_tests::wait_until(WAIT, "the offset to reach id 4", || {
        let (_, o) = s.ferry.get("/connectors/ojava-kafka-connect/offsets");
        (o["offsets"][0]["offset"]["incrementing"] == 4).then_some(o)
    });
    assert_eq!(offsets["offsets"][0]["partition"], json!({"protocol": "1", "table": db.fqn(&table)}));
}

/// One mode on one database: the initial rows, a change the mode catches,
/// and a restart that neither loses nor repeats a row.
fn mode_case(db: Database, mode: &str) {
    let s = setup();
    let t = db.types();
    let table = unique(&format!("m_{}", mode.replace('+', "_"))).replace('-', "_");
    let prefix = format!("{}_", unique("jdbc"));
    let topic = format!("{prefix}{table}");
    create_topic(&s.kafka.bootstrap(), &topic, 1);
    // Three rows share a timestamp, across batches of two.
    db.exec(&format!(
        "CREATE TABLE {table} (id {}, name VARCHAR(64) NOT NULL, updated_at {} NOT NULL); \
         INSERT INTO {table} (name, updated_at) VALUES ('r1', '2024-01-01 00:00:00'), ('r2', '2024-01-01 00:00:00'), \
         ('r3', '2024-01-01 00:00:00'), ('r4', '2024-01-02 00:00:00'), ('r5', '2024-01-03 00:00:00.5')",
        t.serial_pk, t.datetime
    ));
    let name = unique("jdbc-source");
    let config = json!({"name": name, "config": {
        "connector.class": "JdbcSource", "connection.url": db.jdbc_url(), "connection.user": db.user(),
        "mode": mode, "incrementing.column.name": if mode == "incrementing" { "" } else { "id" },
        "timestamp.column.name": "updated_at", "table.whitelist": table, "topic.prefix": prefix,
        "poll.interval.ms": "300", "batch.max.rows": "2"}});
    let (code, body) = post(&s.ferry, config.clone());
    assert_eq!(code, 201, "{body}");
    let first = payloads(&s.kafka, &topic, 5, WAIT);
    assert_eq!(names(&first), ["r1", "r2", "r3", "r4", "r5"], "{db:?} {mode}");
    let mut expected = names(&first);
    match mode {
        "bulk" => {
            // Every poll reads the whole table again.
            let again = payloads(&s.kafka, &topic, 10, WAIT);
            assert_eq!(names(&again[5..]), ["r1", "r2", "r3", "r4", "r5"]);
            return;
        }
        "incrementing" => {
            db.exec(&format!("INSERT INTO {table} (name, updated_at) VALUES ('r6', {})", t.now));
            expected.push("r6".into());
        }
        _ => {
            db.exec(&format!("UPDATE {table} SET name = 'r2-updated', updated_at = {} WHERE name = 'r2'", t.now));
            expected.push("r2-updated".into());
        }
    }
    assert_eq!(names(&payloads(&s.kafka, &topic, expected.len(), WAIT)), expected, "{db:?} {mode}");
    // Restart: a clean stop stores the offsets; the next start resumes after them.
    let mut ferry = s.ferry;
    ferry.wait_for_state(&name, "RUNNING");
    ferry.terminate(); // a clean stop stores what the broker acknowledged
    db.exec(&format!("INSERT INTO {table} (name, updated_at) VALUES ('r7', {})", t.now));
    ferry.spawn();
    // Standalone keeps REST-created connectors in memory: create it again, as a user would.
    let (code, body) = post(&ferry, config);
    assert_eq!(code, 201, "{body}");
    expected.push("r7".into());
    assert_eq!(names(&payloads(&s.kafka, &topic, expected.len(), WAIT)), expected, "{db:?} {mode} after restart");
    let more = payloads(&s.kafka, &topic, expected.len() + 1, Duration::from_secs(4));
    assert_eq!(more.len(), expected.len(), "{db:?} {mode}: a row was read twice: {:?}", names(&more));
}

#[test]
fn every_mode_on_every_database() {
    for db in Database::ALL {
        for mode in ["incrementing", "timestamp", "timestamp+incrementing", "bulk"] {
            mode_case(db, mode);
        }
    }
}

#[test]
fn bad_configs_are_refused_with_the_key_named() {
    let s = setup();
    let table = unique("v").replace('-', "_");
    let db = Database::MySqlUrl;
    db.exec(&format!("CREATE TABLE {table} (id INT, ts DATETIME NULL, name TEXT)"));
    let base = |extra: Value| {
        let mut c = json!({"connector.class": "io.confluent.connect.jdbc.JdbcSourceConnector",
            "connection.url": db.jdbc_url(), "connection.user": "root", "mode": "incrementing",
            "incrementing.column.name": "id", "table.whitelist": table, "topic.prefix": "p_"});
        for (k, v) in extra.as_object().into_iter().flatten() {
            c[k] = v.clone();
        }
        json!({"name": unique("bad"), "config": c})
    };
    let cases = [
        (json!({"connection.password": "wrong", "connection.user": "nobody"}), "connection.url"),
        (json!({"table.whitelist": "no_such_table"}), "table.whitelist"),
        (json!({}), "incrementing.column.name"), // id is nullable
        (json!({"mode": "timestamp", "timestamp.column.name": "ts"}), "timestamp.column.name"), // nullable
        (json!({"incrementing.column.name": "missing"}), "incrementing.column.name"),
        (json!({"connection.url": "jdbc:oracle:thin:@x:1521/db"}), "connection.url"),
        (json!({"mode": "sometimes"}), "mode"),
    ];
    for (extra, key) in cases {
        let config = base(extra.clone());
        let (code, body) = post(&s.ferry, config.clone());
        assert_eq!(code, 400, "{extra}: {body}");
        let (_, v) = s.ferry.call("PUT", "/connector-plugins/JdbcSourceConnector/config/validate", Some(&config["config"].to_string()));
        let errors: BTreeMap<String, Value> = v["configs"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|c| !c["value"]["errors"].as_array().is_none_or(Vec::is_empty))
            .map(|c| (c["value"]["name"].as_str().unwrap_or_default().to_owned(), c["value"]["errors"].clone()))
            .collect();
        assert!(errors.contains_key(key), "{extra}: expected an error on {key}, got {errors:?}");
    }
    let (code, _) = s.ferry.get("/");
    assert_eq!(code, 200);
}

/// One column of each supported type, at its edges, as Connect values.
#[test]
fn type_coverage_mariadb() {
    let db = Database::MariaDbUrl;
    let cols = "id INT PRIMARY KEY, ti TINYINT, su SMALLINT UNSIGNED, i INT, bu BIGINT UNSIGNED, d DECIMAL(12,2), \
                f FLOAT, db DOUBLE, s VARCHAR(20) CHARACTER SET utf8mb4, tx TEXT, b BLOB, j JSON, e ENUM('a','b'), st SET('x','y'), \
                b1 BIT(1), b8 BIT(8), y YEAR, dt DATE, tm TIME(3), dtm DATETIME(6), ts TIMESTAMP(6) NULL, n INT NULL";
    let row = "1, -128, 65535, 2147483647, 9223372036854775807, -1234567890.12, 1.5, 2.25, 'héllo ✓ 😀', 'long text', \
               x'00ff', '{\"a\": 1}', 'b', 'x,y', b'1', b'10000001', 2024, '2024-02-29', '13:14:15.678', \
               '2024-02-29 23:59:59.123456', '2024-02-29 23:59:59.123456', NULL";
    let expected = json!({"id": 1, "ti": -128, "su": 65535, "i": 2147483647, "bu": i64::MAX, "d": -1234567890.12,
        "f": 1.5, "db": 2.25, "s": "héllo ✓ 😀", "tx": "long text", "b": "AP8=", "j": "{\"a\": 1}", "e": "b", "st": "x,y",
        "b1": true, "b8": -127, "y": 19723, "dt": 19782, "tm": 47655678, "dtm": 1709251199123i64, "ts": 1709251199123i64, "n": null});
    coverage(db, cols, &format!("SET time_zone = '+00:00'; INSERT INTO {{t}} VALUES ({row})"), expected);
}

#[test]
fn type_coverage_postgres() {
    let db = Database::Postgres;
    let mood = unique("mood").replace('-', "_");
    db.exec(&format!("CREATE TYPE {mood} AS ENUM ('happy', 'sad')"));
    let cols = format!("id INT PRIMARY KEY, sm SMALLINT, i INT, bi BIGINT, r REAL, dp DOUBLE PRECISION, nu NUMERIC(12,2), \
                tx TEXT, vc VARCHAR(20), ch CHAR(3), by BYTEA, bo BOOLEAN, u UUID, j JSON, jb JSONB, dt DATE, tm TIME(3), \
                tsl TIMESTAMP(6), tsz TIMESTAMPTZ(6), b1 BIT(1), e {mood}, n INT NULL");
    let row = "1, -32768, 2147483647, -9223372036854775808, 1.5, 2.25, -1234567890.12, 'héllo ✓ 😀', 'v', 'ab', '\\x00ff', true, \
               'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '{\"a\": 1}', '{\"a\": 1}', '2024-02-29', '13:14:15.678', \
               '2024-02-29 23:59:59.123456', '2024-02-29 23:59:59.123456+00', B'1', 'sad', NULL";
    let expected = json!({"id": 1, "sm": -32768, "i": 2147483647, "bi": i64::MIN, "r": 1.5, "dp": 2.25, "nu": -1234567890.12,
        "tx": "héllo ✓ 😀", "vc": "v", "ch": "ab ", "by": "AP8=", "bo": true, "u": "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11",
        "j": "{\"a\": 1}", "jb": "{\"a\": 1}", "dt": 19782, "tm": 47655678, "tsl": 1709251199123i64, "tsz": 1709251199123i64,
        "b1": true, "e": "sad", "n": null});
    coverage(db, &cols, &format!("INSERT INTO {{t}} VALUES ({row})"), expected);
}

fn coverage(db: Database, columns: &str, insert: &str, expected: Value) {
    let s = setup();
    let table = unique("types").replace('-', "_");
    let prefix = format!("{}_", unique("types"));
    let topic = format!("{prefix}{table}");
    create_topic(&s.kafka.bootstrap(), &topic, 1);
    db.exec(&format!("CREATE TABLE {table} ({columns})"));
    db.exec(&insert.replace("{t}", &table));
    let (code, body) = post(&s.ferry, json!({"name": unique("types"), "config": {
        "connector.class": "JdbcSourceConnector", "connection.url": db.jdbc_url(), "connection.user": db.user(),
        "mode": "bulk", "table.whitelist": table, "topic.prefix": prefix, "poll.interval.ms": "60000",
        "value.converter": "org.apache.kafka.connect.json.JsonConverter", "value.converter.decimal.format": "NUMERIC"}}));
    assert_eq!(code, 201, "{body}");
    let got = payloads(&s.kafka, &topic, 1, WAIT);
    assert_eq!(got.len(), 1, "{db:?}: no record; logs:\n{}", s.ferry.logs());
    for (k, v) in expected.as_object().into_iter().flatten() {
        assert_eq!(got[0][k].to_string(), v.to_string(), "{db:?} column {k}");
    }
    assert_eq!(got[0].as_object().map(|o| o.len()), expected.as_object().map(|o| o.len()), "{db:?}: {}", got[0]);
}

/// `record.key.mode=primary_key` keys records by the primary key; query
/// mode reads the user's query into the prefix topic.
#[test]
fn primary_key_as_record_key_and_query_mode() {
    let s = setup();
    let db = Database::Postgres;
    let table = unique("keyed").replace('-', "_");
    let prefix = format!("{}_", unique("keyed"));
    let topic = format!("{prefix}{table}");
    create_topic(&s.kafka.bootstrap(), &topic, 1);
    db.exec(&format!(
        "CREATE TABLE {table} (region TEXT, id INT, name TEXT NOT NULL, PRIMARY KEY (region, id)); \
         INSERT INTO {table} VALUES ('eu', 1, 'ada'), ('us', 2, 'grace')"
    ));
    let (code, body) = post(&s.ferry, json!({"name": unique("keyed"), "config": {
        "connector.class": "JdbcSource", "connection.url": db.jdbc_url(), "connection.user": db.user(),
        "mode": "bulk", "table.whitelist": table, "topic.prefix": prefix, "poll.interval.ms": "60000",
        "record.key.mode": "primary_key"}}));
    assert_eq!(code, 201, "{body}");
    let keys: Vec<Value> = consume(&s.kafka.bootstrap(), &topic, 2, WAIT)
        .into_iter()
        .map(|(k, _)| serde_json::from_slice::<Value>(&k.expect("a key")).expect("JSON key")["payload"].clone())
        .collect();
    assert_eq!(keys, [json!({"region": "eu", "id": 1}), json!({"region": "us", "id": 2})]);

    let query_topic = unique("query");
    create_topic(&s.kafka.bootstrap(), &query_topic, 1);
    let (code, body) = post(&s.ferry, json!({"name": unique("query"), "config": {
        "connector.class": "JdbcSource", "connection.url": db.jdbc_url(), "connection.user": db.user(),
        "mode": "incrementing", "incrementing.column.name": "id", "topic.prefix": query_topic, "poll.interval.ms": "300",
        "query": format!("SELECT id, upper(name) AS name FROM {table}")}}));
    assert_eq!(code, 201, "{body}");
    assert_eq!(names(&payloads(&s.kafka, &query_topic, 2, WAIT)), ["ADA", "GRACE"]);
    db.exec(&format!("INSERT INTO {table} VALUES ('eu', 3, 'linus')"));
    assert_eq!(names(&payloads(&s.kafka, &query_topic, 3, WAIT)), ["ADA", "GRACE", "LINUS"]);
}

/// The ids of the records on a topic, in order, waiting for `count`.
fn ids(kafka: &KafkaServer, topic: &str, count: usize, wait: Duration) -> Vec<i64> {
    payloads(kafka, topic, count, wait).iter().map(|p| p["id"].as_i64().unwrap_or(-1)).collect()
}

/// The database drops the connector's sessions again and again, mid-query
/// and between queries: the task reconnects and resumes from its offset,
/// with every row delivered once, in order.
#[test]
fn a_database_that_goes_away_loses_and_repeats_nothing() {
    for db in [Database::MariaDbUrl, Database::Postgres] {
        let s = setup();
        let user = unique("ferry_outage").replace('-', "_");
        db.create_user(&user);
        let table = unique("outage").replace('-', "_");
        let prefix = format!("{}_", unique("outage"));
        let topic = format!("{prefix}{table}");
        create_topic(&s.kafka.bootstrap(), &topic, 1);
        let fill = |from: i64, to: i64| match db {
            Database::Postgres => format!("INSERT INTO {table} SELECT i, 'row ' || i FROM generate_series({from}, {to}) i"),
            _ => format!("INSERT INTO {table} SELECT seq, CONCAT('row ', seq) FROM seq_{from}_to_{to}"),
        };
        db.exec(&format!("CREATE TABLE {table} (id BIGINT PRIMARY KEY, name TEXT NOT NULL)"));
        db.exec(&fill(1, 5000));
        let name = unique("outage");
        let (code, body) = post(&s.ferry, json!({"name": name, "config": {
            "connector.class": "JdbcSource", "connection.url": db.jdbc_url(), "connection.user": user,
            "mode": "incrementing", "incrementing.column.name": "id", "table.whitelist": table, "topic.prefix": prefix,
            "poll.interval.ms": "100", "batch.max.rows": "10", "connection.backoff.ms": "100", "table.poll.interval.ms": "200"}}));
        assert_eq!(code, 201, "{body}");
        assert_eq!(ids(&s.kafka, &topic, 1, WAIT), [1], "{db:?}");

        // Sessions end every 50 ms while rows keep coming.
        let killer = SessionKiller::start(db, &user);
        for chunk in 0..10 {
            let from = 5001 + chunk * 100;
            db.exec(&fill(from, from + 99));
            ferry_tests::wait_until(WAIT, "the offset to pass the new rows", || {
                let (_, o) = s.ferry.get(&format!("/connectors/{name}/offsets"));
                (o["offsets"][0]["offset"]["incrementing"].as_i64() >= Some(from + 99)).then_some(())
            });
        }
        let killed = killer.stop();
        assert!(killed >= 5, "{db:?}: only {killed} sessions were ended; the test did not test");
        let logs = s.ferry.logs();
        assert!(logs.contains("reconnecting") || logs.contains("retrying"), "{db:?}: no retry in the logs:\n{logs}");

        let total = 6000;
        let got = ids(&s.kafka, &topic, total + 1, Duration::from_secs(5));
        assert_eq!(got, (1..=total as i64).collect::<Vec<_>>(), "{db:?}: rows lost, repeated or out of order");
        let status = s.ferry.wait_for_state(&name, "RUNNING");
        assert_eq!(status["tasks"][0]["state"], "RUNNING", "{db:?}");
    }
}

/// Tables created after the connector started are picked up; `tasks.max`
/// spreads the tables over tasks, each table read by exactly one.
#[test]
fn new_tables_are_picked_up_and_spread_over_tasks() {
    let s = setup();
    let db = Database::MariaDbUrl;
    let stem = unique("spread").replace('-', "_");
    let prefix = format!("{}_", unique("spread"));
    let tables: Vec<String> = ["a", "b", "c"].iter().map(|t| format!("{stem}_{t}")).collect();
    for t in &tables {
        create_topic(&s.kafka.bootstrap(), &format!("{prefix}{t}"), 1);
    }
    for t in &tables[..2] {
        db.exec(&format!("CREATE TABLE {t} (id INT AUTO_INCREMENT PRIMARY KEY, name TEXT NOT NULL); INSERT INTO {t} (name) VALUES ('{t} 1')"));
    }
    let name = unique("spread");
    let (code, body) = post(&s.ferry, json!({"name": name, "config": {
        "connector.class": "JdbcSource", "connection.url": db.jdbc_url(), "connection.user": db.user(),
        "mode": "incrementing", "incrementing.column.name": "id", "table.include.list": format!("test\\.{stem}_.*"),
        "topic.prefix": prefix, "poll.interval.ms": "200", "table.poll.interval.ms": "300", "tasks.max": "2"}}));
    assert_eq!(code, 201, "{body}");
    let task_tables = |count: usize| {
        ferry_tests::wait_until(WAIT, &format!("{count} tables over the tasks"), || {
            let (_, tasks) = s.ferry.get(&format!("/connectors/{name}/tasks"));
            let per_task: Vec<Vec<String>> = tasks
                .as_array()?
                .iter()
                .map(|t| t["config"]["tables"].as_str().unwrap_or_default().split(',').map(str::to_owned).collect())
                .collect();
            (per_task.iter().map(Vec::len).sum::<usize>() == count).then_some(per_task)
        })
    };
    let two = task_tables(2);
    assert_eq!(two.len(), 2, "two tables, two tasks: {two:?}");
    for t in &tables[..2] {
        assert_eq!(names(&payloads(&s.kafka, &format!("{prefix}{t}"), 1, WAIT)), [format!("{t} 1")]);
    }

    db.exec(&format!("CREATE TABLE {} (id INT AUTO_INCREMENT PRIMARY KEY, name TEXT NOT NULL); INSERT INTO {0} (name) VALUES ('{0} 1')", tables[2]));
    let three = task_tables(3);
    assert_eq!(three.len(), 2, "tasks.max caps the tasks: {three:?}");
    let mut all: Vec<String> = three.concat();
    all.sort();
    assert_eq!(all, tables.iter().map(|t| db.fqn(t)).collect::<Vec<_>>(), "each table in exactly one task");
    assert_eq!(names(&payloads(&s.kafka, &format!("{prefix}{}", tables[2]), 1, WAIT)), [format!("{} 1", tables[2])]);
    // The tables read before the reconfiguration are not read again.
    db.exec(&format!("INSERT INTO {} (name) VALUES ('{0} 2')", tables[0]));
    let first = payloads(&s.kafka, &format!("{prefix}{}", tables[0]), 3, Duration::from_secs(5));
    assert_eq!(names(&first), [format!("{} 1", tables[0]), format!("{} 2", tables[0])]);
}

/// `db.timezone` names the zone of columns without one (DATETIME,
/// PostgreSQL's TIMESTAMP); zoned columns (MariaDB's TIMESTAMP,
/// timestamptz) are instants whatever it says. Timestamp mode compares in
/// the column's own terms, so later rows are caught exactly once.
#[test]
fn db_timezone_round_trips_local_and_zoned_columns() {
    for db in [Database::MySqlUrl, Database::Postgres] {
        let s = setup();
        let table = unique("tz").replace('-', "_");
        let prefix = format!("{}_", unique("tz"));
        let topic = format!("{prefix}{table}");
        create_topic(&s.kafka.bootstrap(), &topic, 1);
        let (local, zoned, set_utc) = match db {
            Database::Postgres => ("TIMESTAMP(3)", "TIMESTAMPTZ(3)", "SET TIME ZONE 'UTC';"),
            _ => ("DATETIME(3)", "TIMESTAMP(3) NULL", "SET time_zone = '+00:00';"),
        };
        // 12:00 in New York on 1 July is 16:00 UTC (daylight time); on 1 January, 17:00 UTC.
        db.exec(&format!(
            "CREATE TABLE {table} (id INT PRIMARY KEY, name TEXT NOT NULL, local_at {local} NOT NULL, zoned_at {zoned});              {set_utc} INSERT INTO {table} VALUES (1, 'summer', '2024-07-01 12:00:00', '2024-07-01 12:00:00'),              (2, 'winter', '2025-01-01 12:00:00.250', '2025-01-01 12:00:00.250')"
        ));
        let (code, body) = post(&s.ferry, json!({"name": unique("tz"), "config": {
            "connector.class": "JdbcSource", "connection.url": db.jdbc_url(), "connection.user": db.user(),
            "mode": "timestamp", "timestamp.column.name": "local_at", "db.timezone": "America/New_York",
            "table.whitelist": table, "topic.prefix": prefix, "poll.interval.ms": "200"}}));
        assert_eq!(code, 201, "{body}");
        let got = payloads(&s.kafka, &topic, 2, WAIT);
        assert_eq!(names(&got), ["summer", "winter"], "{db:?}");
        assert_eq!(got[0]["local_at"], 1719849600000i64, "{db:?}: 2024-07-01T16:00:00Z");
        assert_eq!(got[1]["local_at"], 1735750800250i64, "{db:?}: 2025-01-01T17:00:00.250Z");
        assert_eq!(got[0]["zoned_at"], 1719835200000i64, "{db:?}: 2024-07-01T12:00:00Z, not shifted");
        assert_eq!(got[1]["zoned_at"], 1735732800250i64, "{db:?}: 2025-01-01T12:00:00.250Z, not shifted");
        // A row a millisecond after the last, in New York time, is next; one before it is not.
        db.exec(&format!(
            "{set_utc} INSERT INTO {table} VALUES (3, 'earlier', '2025-01-01 12:00:00.249', NULL),              (4, 'later', '2025-01-01 12:00:00.251', NULL)"
        ));
        let all = payloads(&s.kafka, &topic, 4, Duration::from_secs(5));
        assert_eq!(names(&all), ["summer", "winter", "later"], "{db:?}");
        assert_eq!(all[2]["local_at"], 1735750800251i64, "{db:?}");
    }
}
