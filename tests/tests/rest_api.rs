//! The REST walk-through and the bad requests, replayed against Ferry in
//! the order the reference Kafka Connect 3.9 answered them
//! (tests/fixtures/connect-3.9/rest.json). Status codes and bodies must
//! match, except where Ferry deliberately answers better (listed below).

use std::time::Duration;

use ferry_tests::ferry::Ferry;
use ferry_tests::{create_topic, KafkaServer};
use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_ferry-e2e");

/// Exchanges where Ferry differs on purpose, and why.
const DIVERGES: &[(&str, &str)] = &[
    ("root", "Ferry reports its own version and commit, and which log it runs on"),
    ("unknown_class", "400 naming Ferry's connector classes, not a 500 listing Java plugin descriptors"),
    ("missing_config", "400 'Connector config is missing', not a 500 NullPointerException"),
    ("malformed_json", "400 for a malformed body, not a 500 with Jackson's parser message"),
    ("json_array", "400 for a body that is not an object, not a 500"),
    ("tasks_max_abc", "one error for an unparsable tasks.max; Connect adds a spurious 'must be non-null'"),
    ("plugins", "Ferry's built-in plugins, not the reference's classpath"),
    ("plugin_config_sink", "same keys and shape; documentation strings are Ferry's"),
    ("plugin_config_source", "same keys and shape; documentation strings are Ferry's"),
    ("validate_ok", "same keys, groups, values and errors; documentation strings are Ferry's"),
    ("validate_missing_topics", "same keys, groups, values and errors; documentation strings are Ferry's"),
    ("validate_tasks_max_abc", "one error for an unparsable tasks.max (see tasks_max_abc)"),
    ("validate_source_batch", "same keys, groups, values and errors; documentation strings are Ferry's"),
    ("loggers", "logger names are Rust module paths"),
    ("logger_set_bad", "same status; the message names Ferry's levels"),
];

/// Replaces what differs between any two runs (worker ids, hosts).
fn normalize(v: &Value) -> Value {
    match v {
        Value::Object(o) => Value::Object(
            o.iter()
                .map(|(k, v)| match k.as_str() {
                    "worker_id" => (k.clone(), Value::String("<worker>".into())),
                    _ => (k.clone(), normalize(v)),
                })
                .collect(),
        ),
        Value::Array(a) => Value::Array(a.iter().map(normalize).collect()),
        other => other.clone(),
    }
}

/// The parts of a validate answer that must match exactly.
fn validate_summary(v: &Value) -> Value {
    let configs: Vec<Value> = v["configs"]
        .as_array()
        .map(|cs| {
            cs.iter()
                .map(|c| {
                    let d = &c["definition"];
                    serde_json::json!([d["name"], d["type"], d["required"], d["default_value"], d["group"], d["order"], c["value"]["value"], c["value"]["errors"]])
                })
                .collect()
        })
        .unwrap_or_default();
    serde_json::json!({ "name": v["name"], "groups": v["groups"], "configs": configs })
}

fn settled(f: &Ferry, e: &Value) -> (u16, Value) {
    let path = e["path"].as_str().unwrap_or_default();
    let want = normalize(&e["response"]);
    // Steps named status_* waited for a state in the reference run: wait likewise.
    if e["name"].as_str().is_some_and(|n| n.starts_with("status_")) {
        let deadline = std::time::Instant::now() + Duration::from_secs(30);
        loop {
            let (code, body) = f.get(path);
            if normalize(&body) == want || std::time::Instant::now() > deadline {
                return (code, body);
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }
    let content_type = if e["name"] == "text_plain" { "text/plain" } else { "application/json" };
    f.call_as(e["method"].as_str().unwrap_or("GET"), path, e["body"].as_str(), content_type)
}

#[test]
fn rest_walk_through_matches_kafka_connect() {
    let kafka = KafkaServer::noida();
    // The walk-through's topic, as the quickstart's file source would have made it.
    create_topic(&kafka.bootstrap(), "test", 1);
    let dir = tempfile::tempdir().expect("tempdir");
    let ferry = Ferry::standalone(BIN, dir.path(), &kafka.bootstrap(), &[("offset.flush.interval.ms", "1000".into())], &[]);
    let fixture: Vec<Value> = serde_json::from_str(include_str!("../fixtures/connect-3.9/rest.json")).expect("fixture");
    let mut failures = Vec::new();
    for e in &fixture {
        let name = e["name"].as_str().unwrap_or_default();
        let (code, body) = settled(&ferry, e);
        let want_code = e["status"].as_u64().unwrap_or_default() as u16;
        let diverges = DIVERGES.iter().any(|(n, _)| *n == name);
        // Whatever else differs, Ferry never answers a 5xx to these requests.
        if code >= 500 {
            failures.push(format!("{name}: {code} {body}"));
            continue;
        }
        if name.starts_with("validate_") && want_code == 200 && name != "validate_tasks_max_abc" {
            if code != 200 || validate_summary(&body) != validate_summary(&e["response"]) {
                failures.push(format!("{name}: {code}\n  got  {}\n  want {}", validate_summary(&body), validate_summary(&e["response"])));
            }
            continue;
        }
        if name.starts_with("plugin_config_") && want_code == 200 {
            let names = |v: &Value| v.as_array().map(|a| a.iter().map(|k| k["name"].clone()).collect::<Vec<_>>()).unwrap_or_default();
            if code != 200 || names(&body) != names(&e["response"]) {
                failures.push(format!("{name}: {code} keys {:?} want {:?}", names(&body), names(&e["response"])));
            }
            continue;
        }
        if diverges {
            let status_ok = match name {
                "unknown_class" | "missing_config" | "malformed_json" | "json_array" => code == 400,
                _ => code == want_code,
            };
            let shaped = code < 400 || (body["error_code"] == code && body["message"].is_string());
            if !status_ok || !shaped {
                failures.push(format!("{name}: {code} {body}"));
            }
            continue;
        }
        if code != want_code || normalize(&body) != normalize(&e["response"]) {
            failures.push(format!("{name}: {} {}\n  got  {code} {}\n  want {want_code} {}", e["method"], e["path"], normalize(&body), normalize(&e["response"])));
        }
        if let (Some(want_loc), Some(_)) = (e["location"].as_str(), e["location"].as_str()) {
            assert!(want_loc.ends_with(&format!("/connectors/{}", e["response"]["name"].as_str().unwrap_or_default())));
        }
    }
    assert!(failures.is_empty(), "{} of {} exchanges differ from Kafka Connect:\n{}", failures.len(), fixture.len(), failures.join("\n"));
}

#[test]
fn bad_requests_never_crash_the_worker() {
    let kafka = KafkaServer::noida();
    let dir = tempfile::tempdir().expect("tempdir");
    let ferry = Ferry::standalone(BIN, dir.path(), &kafka.bootstrap(), &[], &[]);
    let bodies = ["", "{", "null", "42", "\"s\"", "{\"name\":1,\"config\":{}}", "{\"name\":\"x\",\"config\":[]}",
        "{\"name\":\"x\",\"config\":{\"connector.class\":{}}}", "{\"name\":\"a/b\",\"config\":{}}", "{\"name\":\"x\",\"config\":{\"k\":null}}",
        "{\"name\":\"x\",\"config\":{},\"initial_state\":\"SLEEPING\"}", "{\"name\":\"x\",\"config\":{},\"extra\":1}"];
    for b in bodies {
        for (method, path) in [("POST", "/connectors"), ("PUT", "/connectors/x/config"), ("PATCH", "/connectors/x/config"),
            ("PUT", "/connector-plugins/FileStreamSink/config/validate"), ("PATCH", "/connectors/x/offsets"), ("PUT", "/admin/loggers/x")] {
            let (code, body) = ferry.call(method, path, Some(b));
            assert!((400..500).contains(&code), "{method} {path} {b:?} → {code} {body}");
            assert_eq!(body["error_code"], code, "{method} {path} {b:?} → {body}");
        }
    }
    for path in ["/connectors/x/tasks/abc/status", "/connectors/x/tasks/-1/status", "/connectors/%2e%2e/status", "/connector-plugins/x/config"] {
        let (code, _) = ferry.get(path);
        assert_eq!(code, 404, "{path}");
    }
    // Transforms are refused until they are applied, never silently ignored.
    let with_smt = r#"{"name":"smt","config":{"connector.class":"FileStreamSink","topics":"t","transforms":"k","transforms.k.type":"org.apache.kafka.connect.transforms.ValueToKey"}}"#;
    let (code, body) = ferry.call("POST", "/connectors", Some(with_smt));
    assert_eq!(code, 400, "{body}");
    assert!(body["message"].as_str().is_some_and(|m| m.contains("transforms")), "{body}");
    assert_eq!(ferry.get("/").0, 200, "the worker is still up");
}
