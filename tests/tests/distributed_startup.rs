//! A cluster that is still forming, used the way setup scripts and compose
//! health checks use one: they wait until a worker answers, then post
//! their connectors once, with no retry. Requests that arrive before a
//! worker's first assignment wait for it (Connect's requests do too), and a
//! write during a rebalance waits for its end instead of answering 409.

use std::collections::BTreeSet;
use std::time::Duration;

use ferry_tests::cluster::group_settings;
use ferry_tests::ferry::Ferry;
use ferry_tests::{create_topic, unique, wait_until, KafkaServer};
use serde_json::{json, Value};

const BIN: &str = env!("CARGO_BIN_EXE_ferry-e2e");

fn source_config(name: &str, dir: &std::path::Path, topic: &str) -> String {
    let file = dir.join(format!("{name}.txt"));
    std::fs::write(&file, "").expect("input file");
    json!({"name": name, "config": {"connector.class": "FileStreamSource", "tasks.max": "1", "file": file.display().to_string(), "topic": topic}}).to_string()
}

/// POSTs each body to its worker, all at once; the answers in order.
fn post_at_once(posts: Vec<(&Ferry, String)>) -> Vec<(u16, Value)> {
    std::thread::scope(|s| {
        let handles: Vec<_> = posts.into_iter().map(|(w, body)| s.spawn(move || w.call("POST", "/connectors", Some(&body)))).collect();
        handles.into_iter().map(|h| h.join().expect("a POST thread")).collect()
    })
}

fn listed(w: &Ferry) -> BTreeSet<String> {
    let (code, list) = w.get("/connectors");
    assert_eq!(code, 200, "{list}");
    list.as_array().into_iter().flatten().filter_map(|v| v.as_str().map(str::to_owned)).collect()
}

#[test]
fn connectors_posted_once_to_each_starting_worker_are_all_created() {
    let kafka = KafkaServer::noida();
    let bootstrap = kafka.bootstrap();
    let group = unique("ferry-startup");
    let data = tempfile::tempdir().expect("tempdir");
    let topic = unique("startup-topic");
    create_topic(&bootstrap, &topic, 1);
    let settings = group_settings();
    let dirs: Vec<tempfile::TempDir> = (0..4).map(|_| tempfile::tempdir().expect("tempdir")).collect();

    // Three workers start; as soon as each answers, one connector is posted to each, at once.
    let mut workers: Vec<Ferry> = dirs[..3].iter().map(|d| Ferry::distributed(BIN, d.path(), &bootstrap, &group, &settings)).collect();
    let names: Vec<String> = (0..3).map(|i| unique(&format!("startup-{i}"))).collect();
    let answers = post_at_once(workers.iter().zip(&names).map(|(w, n)| (w, source_config(n, data.path(), &topic))).collect());
    for (i, (code, body)) in answers.iter().enumerate() {
        assert_eq!(*code, 201, "the POST to worker {i}, made once: {body}");
        assert_eq!(body["name"], names[i].as_str());
    }
    let mut expected: BTreeSet<String> = names.iter().cloned().collect();
    for w in &workers {
        wait_until(Duration::from_secs(30), "every worker to list the three connectors", || (listed(w) == expected).then_some(()));
    }

    // A restarted worker's first answer already lists what the cluster has.
    workers[2].terminate();
    workers[2].spawn();
    assert_eq!(listed(&workers[2]), expected, "the first GET /connectors of a restarted worker");

    // A fourth worker joins: posts to it and to the first worker during that rebalance are taken.
    let newcomer = Ferry::distributed(BIN, dirs[3].path(), &bootstrap, &group, &settings);
    let more: Vec<String> = (3..5).map(|i| unique(&format!("startup-{i}"))).collect();
    let answers = post_at_once(vec![(&newcomer, source_config(&more[0], data.path(), &topic)), (&workers[0], source_config(&more[1], data.path(), &topic))]);
    for (i, (code, body)) in answers.iter().enumerate() {
        assert_eq!(*code, 201, "POST {i} during the fourth worker's join: {body}");
    }
    expected.extend(more);
    workers.push(newcomer);
    for w in &workers {
        wait_until(Duration::from_secs(30), "every worker to list the five connectors", || (listed(w) == expected).then_some(()));
    }
    // And every connector runs.
    for name in &expected {
        workers[0].wait_for_state(name, "RUNNING");
    }
}
