//! The REST API of a two-worker cluster, used as a user would: every write
//! works through either worker, because a worker that is not the leader
//! forwards config writes to it (`?forward=`), a task restart goes to
//! the worker that runs the task, and the topics connectors use are known
//! to every worker.

use std::time::Duration;

use ferry_tests::ferry::Ferry;
use ferry_tests::{create_topic, unique, wait_until, KafkaServer};
use serde_json::{json, Value};

const BIN: &str = env!("CARGO_BIN_EXE_ferry-e2e");
const REBALANCING: &str = "Cannot complete request because of a conflicting operation (e.g. worker rebalance)";

/// A call retried while the group rebalances (409), as a script would.
fn call(via: &Ferry, method: &str, path: &str, body: Option<&Value>) -> (u16, Value) {
    let body = body.map(Value::to_string);
    wait_until(Duration::from_secs(40), &format!("{method} {path} to be taken"), || match via.call(method, path, body.as_deref()) {
        (409, _) => None,
        answer => Some(answer),
    })
}

fn status(via: &Ferry, name: &str) -> Value {
    via.get(&format!("/connectors/{name}/status")).1
}

/// Waits until every worker reports the connector's task in `state`; the task's status.
fn task_state_everywhere(workers: &[Ferry], name: &str, state: &str) -> Value {
    wait_until(Duration::from_secs(40), &format!("{name}'s task to be {state} on every worker"), || {
        let seen: Vec<Value> = workers.iter().map(|w| status(w, name)["tasks"][0].clone()).collect();
        seen.iter().all(|t| t["state"] == state && *t == seen[0]).then(|| seen[0].clone())
    })
}

#[test]
fn writes_work_through_any_worker_and_restarts_reach_the_task() {
    let kafka = KafkaServer::tansu();
    let bootstrap = kafka.bootstrap();
    let group = unique("ferry-rest");
    let settings = [
        ("session.timeout.ms", "6000".to_owned()),
        ("heartbeat.interval.ms", "1000".to_owned()),
        ("rebalance.timeout.ms", "10000".to_owned()),
        ("offset.flush.interval.ms", "500".to_owned()),
    ];
    let dirs: Vec<tempfile::TempDir> = (0..2).map(|_| tempfile::tempdir().expect("tempdir")).collect();
    let workers: Vec<Ferry> = dirs.iter().map(|d| Ferry::distributed(BIN, d.path(), &bootstrap, &group, &settings)).collect();
    let data = tempfile::tempdir().expect("tempdir");
    let topic = unique("rest-topic");
    create_topic(&bootstrap, &topic, 1);

    // Sinks writing into a folder that does not exist yet: their tasks fail.
    let missing = data.path().join("later");
    let sinks: Vec<String> = (0..2).map(|i| unique(&format!("sink-{i}"))).collect();
    for (i, name) in sinks.iter().enumerate() {
        let file = missing.join(format!("out{i}.txt")).display().to_string();
        let body = json!({"name": name, "config": {"connector.class": "FileStreamSink", "tasks.max": "1", "topics": topic, "file": file}});
        let (code, answer) = call(&workers[i], "POST", "/connectors", Some(&body));
        assert_eq!(code, 201, "a create through worker {i} is taken, whichever worker leads: {answer}");
        assert_eq!(answer["name"], name.as_str());
    }
    for name in &sinks {
        task_state_everywhere(&workers, name, "FAILED");
    }

    // Only the leader takes a write that may not be forwarded; the other
    // worker answers 409 with Connect's message.
    let config = |name: &str, file: &str| json!({"connector.class": "FileStreamSink", "tasks.max": "1", "topics": topic, "file": file, "name": name});
    let probe = unique("probe");
    let probe_config = config(&probe, &data.path().join("probe.txt").display().to_string());
    let answers: Vec<(u16, Value)> = wait_until(Duration::from_secs(40), "one worker to take and one to refuse a write that is not forwarded", || {
        let a: Vec<(u16, Value)> = workers.iter().map(|w| w.call("PUT", &format!("/connectors/{probe}/config?forward=false"), Some(&probe_config.to_string()))).collect();
        let taken = a.iter().filter(|(c, _)| *c == 201 || *c == 200).count();
        (taken == 1).then_some(a)
    });
    let refused = answers.iter().find(|(c, _)| *c == 409).unwrap_or_else(|| panic!("the other worker refuses: {answers:?}"));
    assert_eq!(refused.1["message"], REBALANCING);
    assert_eq!(refused.1["error_code"], 409);

    // The folder appears; each failed task is restarted through the worker that does not run it.
    std::fs::create_dir_all(&missing).expect("mkdir");
    let ids: Vec<String> = workers.iter().map(|w| w.url.trim_start_matches("http://").to_owned()).collect();
    let name = &sinks[0];
    let owner = status(&workers[0], name)["tasks"][0]["worker_id"].as_str().unwrap_or_default().to_owned();
    let other = ids.iter().position(|id| *id != owner).expect("a worker that does not run the task");
    let (code, answer) = call(&workers[other], "POST", &format!("/connectors/{name}/tasks/0/restart"), None);
    assert_eq!(code, 204, "{answer}");
    let task = task_state_everywhere(&workers, name, "RUNNING");
    assert_eq!(task["worker_id"], owner.as_str(), "the task restarted where it runs");

    // A restart of only the failed tasks answers 202 with them RESTARTING.
    let name = &sinks[1];
    let (code, answer) = call(&workers[other], "POST", &format!("/connectors/{name}/restart?includeTasks=true&onlyFailed=true"), None);
    assert_eq!(code, 202, "{answer}");
    assert_eq!(answer["connector"]["state"], "RUNNING", "the connector had not failed: {answer}");
    assert_eq!(answer["tasks"][0]["state"], "RESTARTING", "{answer}");
    task_state_everywhere(&workers, name, "RUNNING");

    // Stop and resume through either worker; every worker sees it.
    let (code, _) = call(&workers[0], "PUT", &format!("/connectors/{name}/stop"), None);
    assert_eq!(code, 204);
    wait_until(Duration::from_secs(40), "every worker to report the connector STOPPED with no tasks", || {
        workers.iter().all(|w| {
            let s = status(w, name);
            s["connector"]["state"] == "STOPPED" && s["tasks"].as_array().is_some_and(Vec::is_empty)
        }).then_some(())
    });
    let (code, _) = call(&workers[1], "PUT", &format!("/connectors/{name}/resume"), None);
    assert_eq!(code, 202);
    task_state_everywhere(&workers, name, "RUNNING");

    // A source's offsets, read, altered and reset through either worker once it is stopped.
    let source = unique("source");
    let input = data.path().join("in.txt");
    std::fs::write(&input, "a\nb\nc\n").expect("input");
    let body = json!({"name": source, "config": {"connector.class": "FileStreamSource", "tasks.max": "1", "file": input.display().to_string(), "topic": topic}});
    assert_eq!(call(&workers[0], "POST", "/connectors", Some(&body)).0, 201);
    let path = format!("/connectors/{source}/offsets");
    let offsets = wait_until(Duration::from_secs(40), "the source's offset to be stored", || {
        let (code, o) = workers[1].get(&path);
        (code == 200 && o["offsets"][0]["offset"]["position"] == 6).then_some(o)
    });
    assert_eq!(offsets["offsets"][0]["partition"]["filename"], input.display().to_string());

    // The topics a connector used, listed by every worker (the status
    // topic carries them), reset through either, and listed again once used again.
    let topics_of = |w: &Ferry, name: &str| w.get(&format!("/connectors/{name}/topics")).1[name]["topics"].clone();
    let sink = &sinks[0];
    for w in &workers {
        for name in [sink, &source] {
            wait_until(Duration::from_secs(40), "every worker to list the topic a connector used", || (topics_of(w, name) == json!([topic])).then_some(()));
        }
    }
    let (code, _) = call(&workers[other], "PUT", &format!("/connectors/{sink}/topics/reset"), None);
    assert_eq!(code, 202);
    for w in &workers {
        wait_until(Duration::from_secs(20), "the reset topics to be gone on every worker", || (topics_of(w, sink) == json!([])).then_some(()));
        assert_eq!(topics_of(w, &source), json!([topic]), "a reset is for one connector");
    }
    std::fs::write(&input, "a\nb\nc\nd\n").expect("input");
    for w in &workers {
        wait_until(Duration::from_secs(40), "the topic listed again once the sink used it again", || (topics_of(w, sink) == json!([topic])).then_some(()));
    }
    let (code, answer) = call(&workers[1], "PATCH", &path, Some(&json!({"offsets": [{"partition": {"filename": input.display().to_string()}, "offset": {"position": 2}}]})));
    assert_eq!(code, 400, "offsets change only while the connector is stopped: {answer}");
    assert!(answer["message"].as_str().is_some_and(|m| m.contains("STOPPED")), "{answer}");
    assert_eq!(call(&workers[1], "PUT", &format!("/connectors/{source}/stop"), None).0, 204);
    wait_until(Duration::from_secs(40), "the source to be STOPPED", || (status(&workers[0], &source)["connector"]["state"] == "STOPPED").then_some(()));
    let (code, answer) = call(&workers[1], "PATCH", &path, Some(&json!({"offsets": [{"partition": {"filename": input.display().to_string()}, "offset": {"position": 2}}]})));
    assert_eq!(code, 200, "{answer}");
    for w in &workers {
        wait_until(Duration::from_secs(20), "the altered offset on every worker", || (w.get(&path).1["offsets"][0]["offset"]["position"] == 2).then_some(()));
    }
    let (code, answer) = call(&workers[0], "DELETE", &path, None);
    assert_eq!(code, 200, "{answer}");
    for w in &workers {
        wait_until(Duration::from_secs(20), "no offsets on every worker after the reset", || (w.get(&path).1["offsets"] == json!([])).then_some(()));
    }

    // Delete through each worker.
    for (i, name) in sinks.iter().enumerate() {
        let (code, answer) = call(&workers[1 - i], "DELETE", &format!("/connectors/{name}"), None);
        assert_eq!(code, 204, "{answer}");
    }
    wait_until(Duration::from_secs(40), "the deleted connectors to be gone from every worker", || {
        workers.iter().all(|w| sinks.iter().all(|n| w.get(&format!("/connectors/{n}")).0 == 404)).then_some(())
    });
}
