//! Answers that scripts written for Kafka Connect read: the build's commit
//! in `GET /`, the class named as the request named it in
//! `config/validate`, and tasks that read PAUSED as soon as their
//! connector does.

use std::io::Write;
use std::time::Duration;

use ferry_tests::db::Database;
use ferry_tests::{create_topic, unique, wait_until, Pipeline};
use serde_json::{json, Value};

const BIN: &str = env!("CARGO_BIN_EXE_ferry-e2e");

#[test]
fn root_reports_the_commit_the_binary_was_built_from() {
    let s = Pipeline::start(BIN);
    let git = std::process::Command::new("git").args(["rev-parse", "--short=16", "HEAD"]).current_dir(env!("CARGO_MANIFEST_DIR")).output();
    let want = match git {
        Ok(out) if out.status.success() => String::from_utf8_lossy(&out.stdout).trim().to_owned(),
        _ => "unknown".to_owned(),
    };
    let (code, root) = s.ferry.get("/");
    assert_eq!(code, 200);
    assert_eq!(root["commit"], want.as_str(), "{root}");
    assert_ne!(root["commit"], root["version"], "a commit id, not the version");
}

#[test]
fn validate_answers_with_the_class_as_the_request_named_it() {
    let s = Pipeline::start(BIN);
    let validate = |path_plugin: &str, class: Option<&str>| {
        let mut body = json!({"name": "v", "topics": "t", "file": "/tmp/x.txt"});
        if let Some(c) = class {
            body["connector.class"] = json!(c);
        }
        let (code, answer) = s.ferry.call("PUT", &format!("/connector-plugins/{path_plugin}/config/validate"), Some(&body.to_string()));
        assert_eq!(code, 200, "{answer}");
        assert_eq!(answer["error_count"], 0, "{answer}");
        answer["name"].as_str().unwrap_or_default().to_owned()
    };
    let full = "org.apache.kafka.connect.file.FileStreamSinkConnector";
    assert_eq!(validate("FileStreamSink", Some("FileStreamSink")), "FileStreamSink");
    assert_eq!(validate("FileStreamSinkConnector", Some("FileStreamSinkConnector")), "FileStreamSinkConnector");
    assert_eq!(validate("FileStreamSink", Some(full)), full);
    assert_eq!(validate(full, Some("FileStreamSink")), "FileStreamSink");
    // Without a class in the body, the path's plugin is validated, under its name.
    assert_eq!(validate("FileStreamSink", None), "FileStreamSink");
}

/// Reads a connector's status until the connector reads `state`, and
/// returns that first answer: its tasks must read the same.
fn first_status_in(s: &Pipeline, name: &str, state: &str) -> Value {
    wait_until(Duration::from_secs(30), &format!("{name} to read {state}"), || {
        let (_, status) = s.ferry.get(&format!("/connectors/{name}/status"));
        (status["connector"]["state"] == state).then_some(status)
    })
}

fn assert_tasks_in(status: &Value, state: &str) {
    let tasks = status["tasks"].as_array().cloned().unwrap_or_default();
    assert!(!tasks.is_empty() && tasks.iter().all(|t| t["state"] == state), "the connector reads {state}, so must its tasks: {status}");
}

#[test]
fn tasks_read_paused_together_with_their_connector() {
    let s = Pipeline::start(BIN);
    let dir = tempfile::tempdir().expect("tempdir");
    let topic = unique("pause-topic");
    create_topic(&s.kafka.bootstrap(), &topic, 1);
    let input = dir.path().join("in.txt");
    let output = dir.path().join("out.txt");
    std::fs::write(&input, "").expect("input");
    let db = Database::MariaDbUrl;
    let table = unique("pause").replace('-', "_");
    db.exec(&format!("CREATE TABLE {table} (id INT PRIMARY KEY); INSERT INTO {table} VALUES (1)"));
    let connectors = [
        ("FileStreamSource", json!({"connector.class": "FileStreamSource", "file": input.display().to_string(), "topic": topic})),
        ("FileStreamSink", json!({"connector.class": "FileStreamSink", "file": output.display().to_string(), "topics": topic})),
        // A source whose poll waits a minute for its next query: the pause may not wait for it.
        ("JdbcSource", json!({"connector.class": "JdbcSourceConnector", "connection.url": db.jdbc_url(), "connection.user": db.user(),
            "mode": "bulk", "table.whitelist": table, "topic.prefix": unique("pause-jdbc-"), "poll.interval.ms": "60000"})),
    ];
    let names: Vec<String> = connectors
        .iter()
        .map(|(kind, config)| {
            let name = unique(&format!("pause-{kind}"));
            let (code, body) = s.ferry.call("POST", "/connectors", Some(&json!({"name": name, "config": config}).to_string()));
            assert_eq!(code, 201, "{body}");
            s.ferry.wait_for_state(&name, "RUNNING");
            name
        })
        .collect();

    let mut lines = 0;
    for round in 0..3 {
        let mut f = std::fs::OpenOptions::new().append(true).open(&input).expect("input");
        for i in 0..100 {
            writeln!(f, "round-{round}-line-{i}").expect("write");
        }
        lines += 100;
        for name in &names {
            let (code, _) = s.ferry.call("PUT", &format!("/connectors/{name}/pause"), None);
            assert_eq!(code, 202);
        }
        for name in &names {
            assert_tasks_in(&first_status_in(&s, name, "PAUSED"), "PAUSED");
        }
        for name in &names {
            let (code, _) = s.ferry.call("PUT", &format!("/connectors/{name}/resume"), None);
            assert_eq!(code, 202);
            s.ferry.wait_for_state(name, "RUNNING");
        }
        // Nothing polled around the pause is lost.
        wait_until(Duration::from_secs(30), "every line to reach the sink", || {
            (std::fs::read_to_string(&output).unwrap_or_default().lines().count() >= lines).then_some(())
        });
    }
    let written = std::fs::read_to_string(&output).unwrap_or_default();
    for round in 0..3 {
        for i in 0..100 {
            assert!(written.contains(&format!("round-{round}-line-{i}\n")), "round {round} line {i} reached the sink");
        }
    }
}
