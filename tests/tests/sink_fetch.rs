//! A sink far behind its topic, on a broker (noida-db) that answers such a
//! consumer's fetch with everything it has, past the 100 MB librdkafka
//! reads by default. Ferry reads it as the Java consumer does; a consumer
//! that still cannot read its answers (its limit set back to 100 MB here)
//! says so in the task's status instead of stalling unseen.

use std::time::Duration;

use ferry_tests::ferry::Ferry;
use ferry_tests::{create_topic, produce, unique, wait_until, KafkaServer};
use serde_json::json;

const BIN: &str = env!("CARGO_BIN_EXE_ferry-e2e");
/// 1,300 lines of 100,000 bytes: 130 MB waiting for the sink.
const LINES: usize = 1300;
const LINE: usize = 100_000;

/// A topic holding the lines, and a FileStreamSink created on it.
fn sink_behind(kafka: &KafkaServer, ferry: &Ferry, dir: &std::path::Path) -> (String, std::path::PathBuf) {
    let topic = unique("behind");
    create_topic(&kafka.bootstrap(), &topic, 1);
    let lines: Vec<Vec<u8>> = (0..LINES).map(|i| format!("{i:08}{}", "x".repeat(LINE - 8)).into_bytes()).collect();
    let records: Vec<(Option<&[u8]>, Option<&[u8]>)> = lines.iter().map(|l| (None, Some(l.as_slice()))).collect();
    produce(&kafka.bootstrap(), &topic, &records);
    let name = unique("behind-sink");
    let output = dir.join("out.txt");
    let config = json!({"connector.class": "FileStreamSink", "topics": topic, "file": output.display().to_string(),
        "value.converter": "org.apache.kafka.connect.storage.StringConverter"});
    let (code, body) = ferry.call("POST", "/connectors", Some(&json!({"name": name, "config": config}).to_string()));
    assert_eq!(code, 201, "{body}");
    (name, output)
}

fn worker(kafka: &KafkaServer, dir: &std::path::Path, extra: &[(&str, String)]) -> Ferry {
    Ferry::standalone(BIN, dir, &kafka.bootstrap(), extra, &[])
}

#[test]
fn a_sink_far_behind_reads_fetch_answers_over_100_mb() {
    let kafka = KafkaServer::noida();
    let dir = tempfile::tempdir().expect("tempdir");
    let ferry = worker(&kafka, dir.path(), &[]);
    let (_, output) = sink_behind(&kafka, &ferry, dir.path());
    let count = || std::fs::read_to_string(&output).map(|t| t.lines().count()).unwrap_or_default();
    wait_until(Duration::from_secs(120), "every line to reach the sink", || (count() == LINES).then_some(()));
    assert!(!ferry.logs().contains("Invalid response size"), "no fetch answer was refused");
}

#[test]
fn a_sink_whose_consumer_cannot_read_its_fetches_says_so_in_its_status() {
    let kafka = KafkaServer::noida();
    let dir = tempfile::tempdir().expect("tempdir");
    let limit = [("consumer.receive.message.max.bytes", "104857600".to_owned()), ("task.stall.report.ms", "3000".to_owned())];
    let ferry = worker(&kafka, dir.path(), &limit);
    let (name, _) = sink_behind(&kafka, &ferry, dir.path());
    let task = wait_until(Duration::from_secs(90), "the task's status to report the stalled consumer", || {
        let (_, status) = ferry.get(&format!("/connectors/{name}/status"));
        status["tasks"][0]["trace"].is_string().then(|| status["tasks"][0].clone())
    });
    assert_eq!(task["state"], "RUNNING", "the task still runs, and retries: {task}");
    let trace = task["trace"].as_str().unwrap_or_default();
    assert!(trace.contains("fetched nothing") && trace.contains("receive.message.max.bytes"), "the trace says why: {trace}");
}
