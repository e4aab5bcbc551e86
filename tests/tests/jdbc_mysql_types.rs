//! MySQL/MariaDB column types through the JDBC source, checked against the
//! schemas Confluent's JDBC connector 10.8 writes for them
//! (`tests/fixtures/confluent-jdbc/mysql-schema.json`), byte for byte as
//! JsonConverter writes them, and the keys that carry the values Confluent
//! cannot: `bigint.unsigned.handling.mode` and `time.handling.mode`.

use std::time::Duration;

use ferry_tests::db::Database;
use ferry_tests::{consume, create_topic, unique, wait_until, Pipeline};
use serde_json::{json, Value};

const BIN: &str = env!("CARGO_BIN_EXE_ferry-e2e");
const WAIT: Duration = Duration::from_secs(60);

/// One column of every type, each with a value at its edge, in the
/// fixture's order.
const COLUMNS: &[(&str, &str, &str)] = &[
    ("id", "INT PRIMARY KEY", "1"),
    ("ti", "TINYINT", "-128"),
    ("tu", "TINYINT UNSIGNED", "255"),
    ("si", "SMALLINT", "-32768"),
    ("su", "SMALLINT UNSIGNED", "65535"),
    ("mi", "MEDIUMINT", "-8388608"),
    ("mu", "MEDIUMINT UNSIGNED", "16777215"),
    ("i", "INT", "-2147483648"),
    ("iu", "INT UNSIGNED", "4294967295"),
    ("bi", "BIGINT", "-9223372036854775808"),
    ("bu", "BIGINT UNSIGNED", "9223372036854775807"),
    ("d", "DECIMAL(12,2)", "-1234567890.12"),
    ("f", "FLOAT", "1.5"),
    ("db", "DOUBLE", "2.25"),
    ("b1", "BIT(1)", "b'1'"),
    ("b8", "BIT(8)", "b'10000001'"),
    ("ch", "CHAR(3)", "'ab'"),
    ("vc", "VARCHAR(20) CHARACTER SET utf8mb4", "'héllo ✓ 😀'"),
    ("tx", "TEXT", "'long text'"),
    ("bn", "BINARY(2)", "x'00ff'"),
    ("vb", "VARBINARY(4)", "x'00ff'"),
    ("bl", "BLOB", "x'00ff'"),
    ("j", "JSON", "'{\"a\": 1}'"),
    ("e", "ENUM('a','b')", "'b'"),
    ("st", "SET('x','y')", "'x,y'"),
    ("y", "YEAR", "2024"),
    ("dt", "DATE", "'2024-02-29'"),
    ("tm", "TIME(3)", "'13:14:15.678'"),
    ("dtm", "DATETIME(6)", "'2024-02-29 23:59:59.123456'"),
    ("ts", "TIMESTAMP(6) NULL", "'2024-02-29 23:59:59.123456'"),
    ("n", "INT NULL", "NULL"),
];

/// Creates a table, inserts one row and reads it back as JsonConverter
/// wrote it (schema and payload), through a bulk JDBC source with `extra` keys.
fn read_one(s: &Pipeline, columns: &str, row: &str, extra: Value) -> Result<Value, String> {
    read_one_via(s, Database::MariaDbUrl, columns, row, extra)
}

fn read_one_via(s: &Pipeline, db: Database, columns: &str, row: &str, extra: Value) -> Result<Value, String> {
    let table = unique("mytypes").replace('-', "_");
    let prefix = format!("{}_", unique("mytypes"));
    let topic = format!("{prefix}{table}");
    create_topic(&s.kafka.bootstrap(), &topic, 1);
    db.exec(&format!("CREATE TABLE {table} ({columns})"));
    db.exec(&format!("SET time_zone = '+00:00'; INSERT INTO {table} VALUES ({row})"));
    let name = unique("mytypes");
    let mut config = json!({
        "connector.class": "io.confluent.connect.jdbc.JdbcSourceConnector", "connection.url": db.jdbc_url(), "connection.user": db.user(),
        "mode": "bulk", "table.whitelist": table, "topic.prefix": prefix, "poll.interval.ms": "60000",
        "value.converter": "org.apache.kafka.connect.json.JsonConverter"});
    config.as_object_mut().expect("object").extend(extra.as_object().cloned().unwrap_or_default());
    let (code, body) = s.ferry.call("POST", "/connectors", Some(&json!({"name": name, "config": config}).to_string()));
    assert_eq!(code, 201, "{body}");
    // Either a record arrives, or the task fails and says why.
    wait_until(WAIT, "a record or a failed task", || {
        let (_, status) = s.ferry.get(&format!("/connectors/{name}/status"));
        if status["tasks"][0]["state"] == "FAILED" {
            return Some(Err(status["tasks"][0]["trace"].as_str().unwrap_or_default().to_owned()));
        }
        let got = consume(&s.kafka.bootstrap(), &topic, 1, Duration::from_millis(500));
        got.first().and_then(|(_, v)| v.as_ref()).map(|v| Ok(serde_json::from_slice(v).expect("a JSON record")))
    })
}

fn table_of(columns: &[(&str, &str, &str)]) -> (String, String) {
    let ddl = columns.iter().map(|(n, t, _)| format!("{n} {t}")).collect::<Vec<_>>().join(", ");
    let row = columns.iter().map(|(_, _, v)| *v).collect::<Vec<_>>().join(", ");
    (ddl, row)
}

/// The record's schema with the struct's name (the table's, unique per run) left out.
fn schema_without_name(record: &Value) -> Value {
    let mut schema = record["schema"].clone();
    schema.as_object_mut().expect("a struct schema").remove("name");
    schema
}

#[test]
fn every_mysql_type_has_confluents_schema() {
    let s = Pipeline::start(BIN);
    let (ddl, row) = table_of(COLUMNS);
    let record = read_one(&s, &ddl, &row, json!({})).unwrap_or_else(|trace| panic!("the task failed: {trace}"));
    let want: Value = serde_json::from_str(include_str!("../fixtures/confluent-jdbc/mysql-schema.json")).expect("fixture");
    let got = schema_without_name(&record);
    // Field by field first, so a mismatch names its column.
    let fields = |v: &Value| v["fields"].as_array().cloned().unwrap_or_default();
    for (g, w) in fields(&got).iter().zip(fields(&want).iter()) {
        assert_eq!(g.to_string(), w.to_string(), "column {}", w["field"]);
    }
    assert_eq!(got.to_string(), want.to_string(), "the whole schema, as JsonConverter writes it");
    let p = &record["payload"];
    assert_eq!((p["mu"].clone(), p["iu"].clone(), p["bu"].clone()), (json!(16777215), json!(4294967295u32), json!(i64::MAX)));
    assert_eq!((p["tm"].clone(), p["b1"].clone(), p["n"].clone()), (json!(47655678), json!(true), Value::Null));
}

#[test]
fn bigint_unsigned_above_long_fails_the_task_naming_the_fix_and_precise_carries_it() {
    let s = Pipeline::start(BIN);
    let cols = [("id", "INT PRIMARY KEY", "7"), ("bu", "BIGINT UNSIGNED", "18446744073709551615")];
    let (ddl, row) = table_of(&cols);
    let trace = read_one(&s, &ddl, &row, json!({})).expect_err("a value above 2^63-1 does not fit int64");
    for part in ["'bu'", "18446744073709551615", "int64", "bigint.unsigned.handling.mode=precise"] {
        assert!(trace.contains(part), "the trace names {part}: {trace}");
    }

    let record = read_one(&s, &ddl, &row, json!({"bigint.unsigned.handling.mode": "precise"})).expect("precise carries every value");
    assert_eq!(
        schema_without_name(&record)["fields"][1].to_string(),
        r#"{"type":"bytes","optional":true,"name":"org.apache.kafka.connect.data.Decimal","version":1,"parameters":{"scale":"0","connect.decimal.precision":"20"},"field":"bu"}"#
    );
    // 18446744073709551615 as a big-endian two's-complement integer: 00 FF×8.
    assert_eq!(record["payload"]["bu"], "AP//////////");
}

#[test]
fn time_outside_one_day_fails_naming_the_fix_and_microseconds_carry_it() {
    let s = Pipeline::start(BIN);
    let cols = [("id", "INT PRIMARY KEY", "1"), ("lo", "TIME", "'-838:59:59'"), ("hi", "TIME(6)", "'100:00:00.000001'"), ("day", "TIME(3)", "'13:14:15.678'")];
    let (ddl, row) = table_of(&cols);
    let trace = read_one(&s, &ddl, &row, json!({})).expect_err("-838:59:59 is no time of day");
    for part in ["'lo'", "-838:59:59", "time.handling.mode=microseconds"] {
        assert!(trace.contains(part), "the trace names {part}: {trace}");
    }

    let record = read_one(&s, &ddl, &row, json!({"time.handling.mode": "microseconds"})).expect("microseconds carry any TIME");
    let micro_time = |field: &str| format!(r#"{{"type":"int64","optional":true,"name":"io.debezium.time.MicroTime","version":1,"field":"{field}"}}"#);
    let fields = schema_without_name(&record)["fields"].clone();
    assert_eq!((fields[1].to_string(), fields[2].to_string(), fields[3].to_string()), (micro_time("lo"), micro_time("hi"), micro_time("day")));
    let p = &record["payload"];
    assert_eq!(p["lo"], json!(-3_020_399_000_000i64), "-(838 h 59 min 59 s) in microseconds");
    assert_eq!(p["hi"], json!(360_000_000_001i64));
    assert_eq!(p["day"], json!(47_655_678_000i64));
}

/// TINYINT(1) and BIT(1) are what the URL's driver makes of them under
/// Confluent's connector: MariaDB Connector/J reads booleans, Connector/J
/// (`jdbc:mysql:`) numbers.
#[test]
fn one_bit_columns_follow_the_driver_the_url_names() {
    let s = Pipeline::start(BIN);
    let cols = [("id", "INT PRIMARY KEY", "1"), ("flag", "TINYINT(1)", "1"), ("bit", "BIT(1)", "b'1'")];
    let (ddl, row) = table_of(&cols);
    for (db, kind, value) in [(Database::MariaDbUrl, "boolean", json!(true)), (Database::MySqlUrl, "int8", json!(1))] {
        let record = read_one_via(&s, db, &ddl, &row, json!({})).unwrap_or_else(|trace| panic!("{db:?}: {trace}"));
        let fields = schema_without_name(&record)["fields"].clone();
        for (i, name) in [(1, "flag"), (2, "bit")] {
            assert_eq!(fields[i].to_string(), format!(r#"{{"type":"{kind}","optional":true,"field":"{name}"}}"#), "{db:?}");
            assert_eq!(record["payload"][name], value, "{db:?} {name}");
        }
    }
}
