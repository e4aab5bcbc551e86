//! `task.restart.on.failure=true`: FAILED tasks come back on their own.

use std::time::Duration;

use ferry_tests::ferry::Ferry;
use ferry_tests::{unique, wait_until};
use serde_json::json;

const BIN: &str = env!("CARGO_BIN_EXE_ferry-e2e");

/// A sink whose file cannot be opened fails; the status says when it will
/// be restarted; once the directory exists, a restart succeeds.
#[test]
fn a_failed_task_is_restarted_with_backoff_until_it_runs() {
    let dir = tempfile::tempdir().expect("tempdir");
    let extra = [
        ("task.restart.on.failure", "true".to_owned()),
        ("task.restart.backoff.initial.ms", "200".to_owned()),
        ("task.restart.backoff.max.ms", "1000".to_owned()),
    ];
    let ferry = Ferry::standalone(BIN, dir.path(), "embedded", &extra, &[]);
    let missing = dir.path().join("not-yet");
    let name = unique("restarts");
    let config = json!({"name": name, "config": {"connector.class": "FileStreamSink", "topics": unique("t"),
        "file": missing.join("out.txt").display().to_string()}});
    let (code, body) = ferry.call("POST", "/connectors", Some(&config.to_string()));
    assert_eq!(code, 201, "{body}");
    let trace = wait_until(Duration::from_secs(30), "a restart to be announced", || {
        let (_, st) = ferry.get(&format!("/connectors/{name}/status"));
        let trace = st["tasks"][0]["trace"].as_str().unwrap_or_default().to_owned();
        (st["tasks"][0]["state"] == "FAILED" && trace.contains("restarts this task automatically")).then_some(trace)
    });
    assert!(trace.contains("failure 1 in a row") || trace.contains("in a row"), "{trace}");
    // It keeps failing, with a growing count, until the directory exists.
    wait_until(Duration::from_secs(30), "a later failure in a row", || {
        let (_, st) = ferry.get(&format!("/connectors/{name}/status"));
        st["tasks"][0]["trace"].as_str().unwrap_or_default().contains("failure 3 in a row").then_some(())
    });
    std::fs::create_dir_all(&missing).expect("mkdir");
    ferry.wait_for_state(&name, "RUNNING");
}
