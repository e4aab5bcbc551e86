//! Helpers for tests of a distributed cluster: file pipelines created over
//! REST, where each task runs, and the lines a sink wrote.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::json;

use crate::ferry::Ferry;
use crate::{create_topic, unique, wait_until};

/// The group settings of the cluster tests: a dead worker is out of the
/// group after 6 s, its work waits 5 s for it, offsets are flushed every second.
pub fn group_settings() -> Vec<(&'static str, String)> {
    vec![
        ("session.timeout.ms", "6000".to_owned()),
        ("heartbeat.interval.ms", "1000".to_owned()),
        ("rebalance.timeout.ms", "10000".to_owned()),
        ("scheduled.rebalance.max.delay.ms", "5000".to_owned()),
        ("offset.flush.interval.ms", "1000".to_owned()),
        ("consumer.session.timeout.ms", "6000".to_owned()),
    ]
}

/// A FileStreamSource → topic → FileStreamSink pair.
pub struct FilePipeline {
    pub source: String,
    pub sink: String,
    pub input: PathBuf,
    pub output: PathBuf,
}

impl FilePipeline {
    /// Creates pipeline `n` in `dir` through `via`, retrying while the group rebalances (409).
    pub fn create(via: &Ferry, bootstrap: &str, dir: &Path, n: usize) -> Self {
        let topic = unique(&format!("pipeline-{n}"));
        create_topic(bootstrap, &topic, 1);
        let p = Self {
            source: unique(&format!("source-{n}")),
            sink: unique(&format!("sink-{n}")),
            input: dir.join(format!("input{n}.txt")),
            output: dir.join(format!("output{n}.txt")),
        };
        std::fs::write(&p.input, "").expect("input file");
        let bodies = [
            json!({"name": p.source, "config": {"connector.class": "FileStreamSource", "tasks.max": "1", "file": p.input.display().to_string(), "topic": topic}}),
            json!({"name": p.sink, "config": {"connector.class": "FileStreamSink", "tasks.max": "1", "file": p.output.display().to_string(), "topics": topic}}),
        ];
        for body in bodies {
            let body = body.to_string();
            wait_until(Duration::from_secs(40), "the connector to be created", || match via.call("POST", "/connectors", Some(&body)) {
                (201, _) => Some(()),
                (409, _) => None,
                (code, answer) => panic!("creating a connector answered {code}: {answer}"),
            });
        }
        p
    }

    pub fn names(&self) -> [String; 2] {
        [self.source.clone(), self.sink.clone()]
    }

    /// Waits until the stored offsets cover `lines` lines, read through
    /// `via`: the source's position is the end of its input file and the
    /// sink's committed offset is `lines`. Nothing before them can come again.
    pub fn wait_for_offsets(&self, via: &Ferry, lines: i64) {
        let size = std::fs::metadata(&self.input).map(|m| m.len()).unwrap_or_default();
        wait_until(Duration::from_secs(60), "the source's and the sink's offsets to cover every line", || {
            let (_, source) = via.get(&format!("/connectors/{}/offsets", self.source));
            let (_, sink) = via.get(&format!("/connectors/{}/offsets", self.sink));
            (source["offsets"][0]["offset"]["position"] == size && sink["offsets"][0]["offset"]["kafka_offset"] == lines).then_some(())
        });
    }
}

/// The worker id a worker reports in statuses: its advertised host:port.
pub fn worker_id(f: &Ferry) -> String {
    f.url.trim_start_matches("http://").to_owned()
}

/// Each task (`<connector>-<id>`) and the worker running it, read through
/// `via`, once every connector of `names` and all its tasks (at least one) are RUNNING.
pub fn placement(via: &Ferry, names: &[String]) -> Option<BTreeMap<String, String>> {
    let mut out = BTreeMap::new();
    for name in names {
        let (code, s) = via.get(&format!("/connectors/{name}/status"));
        let tasks = s["tasks"].as_array().cloned().unwrap_or_default();
        if code != 200 || s["connector"]["state"] != "RUNNING" || tasks.is_empty() || tasks.iter().any(|t| t["state"] != "RUNNING") {
            return None;
        }
        for t in tasks {
            out.insert(format!("{name}-{}", t["id"]), t["worker_id"].as_str().unwrap_or_default().to_owned());
        }
    }
    Some(out)
}

/// How many times each line appears in a file.
pub fn line_counts(path: &Path) -> BTreeMap<String, usize> {
    let mut counts = BTreeMap::new();
    for line in std::fs::read_to_string(path).unwrap_or_default().lines() {
        *counts.entry(line.to_owned()).or_default() += 1;
    }
    counts
}

/// The distinct lines of a file (none when it does not exist yet).
pub fn lines_of(path: &Path) -> BTreeSet<String> {
    std::fs::read_to_string(path).unwrap_or_default().lines().map(str::to_owned).collect()
}
