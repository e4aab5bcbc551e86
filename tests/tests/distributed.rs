//! `ferry distributed`: three workers of one group on one broker (tansu,
//! which evicts dead members), driven over REST like a user. Connectors
//! created through one worker are listed by all with the same statuses,
//! their tasks spread over the workers, and when a worker is killed with
//! -9 its tasks run on the others, no line is lost and none whose offsets
//! were stored comes again. The time taken is measured by
//! `bench/distributed.py`; here the deadline is 60 s, the time is printed,
//! and a run over 20 s prints the survivors' logs.

use std::collections::BTreeSet;
use std::path::Path;
use std::time::{Duration, Instant};

use ferry_tests::cluster::{group_settings, line_counts, lines_of, placement, worker_id, FilePipeline};
use ferry_tests::ferry::Ferry;
use ferry_tests::{poll_until, unique, wait_until, KafkaServer};
use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_ferry-e2e");

fn append_lines(path: &Path, from: usize, to: usize) -> Vec<String> {
    use std::io::Write;
    let lines: Vec<String> = (from..to).map(|i| format!("{}-line-{i:06}", path.file_stem().and_then(|s| s.to_str()).unwrap_or("in"))).collect();
    let mut f = std::fs::OpenOptions::new().create(true).append(true).open(path).expect("input file");
    f.write_all(format!("{}\n", lines.join("\n")).as_bytes()).expect("write input");
    lines
}

/// `in0-line-000042` → 42.
fn line_number(line: &str) -> Option<usize> {
    line.rsplit_once("-line-").and_then(|(_, n)| n.parse().ok())
}

#[test]
fn workers_share_connectors_and_take_over_a_killed_workers_tasks() {
    let kafka = KafkaServer::tansu();
    let bootstrap = kafka.bootstrap();
    let group = unique("ferry-dist");
    let data = tempfile::tempdir().expect("tempdir");
    let settings = group_settings();
    let dirs: Vec<tempfile::TempDir> = (0..3).map(|_| tempfile::tempdir().expect("tempdir")).collect();
    let mut workers: Vec<Ferry> = dirs.iter().map(|d| Ferry::distributed(BIN, d.path(), &bootstrap, &group, &settings)).collect();

    let pipelines: Vec<FilePipeline> = (0..2).map(|n| FilePipeline::create(&workers[0], &bootstrap, data.path(), n)).collect();
    let names: Vec<String> = pipelines.iter().flat_map(FilePipeline::names).collect();
    let expected: BTreeSet<String> = names.iter().cloned().collect();

    // Every worker lists every connector, and reports the same statuses.
    for w in &workers {
        wait_until(Duration::from_secs(60), "every worker to list every connector", || {
            let (code, list) = w.get("/connectors");
            let listed: BTreeSet<String> = list.as_array().cloned().unwrap_or_default().iter().filter_map(|v| v.as_str().map(str::to_owned)).collect();
            (code == 200 && listed == expected).then_some(())
        });
    }
    let placed = poll_until(Duration::from_secs(60), || {
        let seen: Vec<_> = workers.iter().map(|w| placement(w, &names)).collect::<Option<_>>()?;
        seen.iter().all(|s| *s == seen[0]).then(|| seen[0].clone())
    });
    let placed = placed.unwrap_or_else(|| {
        let seen: Vec<Vec<Value>> = workers.iter().map(|w| names.iter().map(|n| w.get(&format!("/connectors/{n}/status")).1).collect()).collect();
        panic!("timed out after 60s waiting for every worker to report the same RUNNING statuses; they report {seen:#?}")
    });
    let ids: Vec<String> = workers.iter().map(worker_id).collect();
    let on: Vec<String> = placed.values().cloned().collect();
    assert!(on.iter().all(|w| ids.contains(w)), "tasks run on the group's workers: {on:?} vs {ids:?}");
    assert!(on.iter().collect::<BTreeSet<_>>().len() >= 2, "four tasks spread over three workers: {on:?}");

    let mut written: Vec<Vec<String>> = pipelines.iter().map(|p| append_lines(&p.input, 0, 300)).collect();
    for (p, lines) in pipelines.iter().zip(&written) {
        wait_until(Duration::from_secs(60), "the lines in the sink file", || lines.iter().all(|l| lines_of(&p.output).contains(l)).then_some(()));
    }

    // Pause through another worker: every worker reports the source PAUSED; resume: RUNNING again.
    let source = pipelines[0].source.as_str();
    let pause = format!("/connectors/{source}/pause");
    wait_until(Duration::from_secs(30), "the pause to be accepted", || (workers[1].call("PUT", &pause, None).0 == 202).then_some(()));
    for w in &workers {
        w.wait_for_state(source, "PAUSED");
    }
    let resume = format!("/connectors/{source}/resume");
    wait_until(Duration::from_secs(30), "the resume to be accepted", || (workers[2].call("PUT", &resume, None).0 == 202).then_some(()));
    for w in &workers {
        w.wait_for_state(source, "RUNNING");
    }

    // Once every line is in the stored offsets, none may come twice.
    for p in &pipelines {
        p.wait_for_offsets(&workers[0], 300);
    }

    // kill -9 the worker with the most tasks: its tasks go to the others.
    let busiest = ids.iter().enumerate().max_by_key(|(_, id)| on.iter().filter(|w| w == id).count()).map(|(i, _)| i).expect("a worker");
    let dead = ids[busiest].clone();
    workers[busiest].kill9();
    let killed_at = Instant::now();
    let unix = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
    eprintln!("kill -9 of {dead} at {}.{:03} s since the epoch (the logs are in UTC)", unix.as_secs(), unix.subsec_millis());
    for (p, lines) in pipelines.iter().zip(written.iter_mut()) {
        lines.extend(append_lines(&p.input, 300, 600));
    }
    let survivor = workers.iter().enumerate().find(|(i, _)| *i != busiest).map(|(_, w)| w).expect("a survivor");
    let after = poll_until(Duration::from_secs(60), || placement(survivor, &names).filter(|p| p.values().all(|w| *w != dead)));
    let took = killed_at.elapsed();
    if after.is_none() || took > Duration::from_secs(20) {
        for w in workers.iter().filter(|w| w.url != format!("http://{dead}")) {
            eprintln!("--- the log of {} ---\n{}", w.url, w.logs());
        }
    }
    let after = after.unwrap_or_else(|| panic!("timed out after 60s waiting for the killed worker's tasks to run elsewhere"));
    assert!(after.values().all(|w| ids.contains(w) && *w != dead), "{after:?}");
    for (p, lines) in pipelines.iter().zip(&written) {
        wait_until(Duration::from_secs(60), "every line, before and after the kill, in the sink file", || {
            let got = lines_of(&p.output);
            lines.iter().all(|l| got.contains(l)).then_some(())
        });
    }
    for p in &pipelines {
        let counts = line_counts(&p.output);
        let twice: Vec<(&String, &usize)> = counts.iter().filter(|(l, n)| **n > 1 && line_number(l).is_some_and(|n| n < 300)).collect();
        assert!(twice.is_empty(), "lines whose offsets were stored before the kill came again: {twice:?}");
    }
    eprintln!("failover after kill -9: {took:?}");

    // Stop the whole cluster cleanly and start it again: the same connectors
    // run, and the sources resume from their stored offsets instead of
    // reading their files again.
    for w in workers.iter_mut().filter(|w| w.url != format!("http://{dead}")) {
        assert!(w.terminate().success(), "a worker stops cleanly on SIGTERM");
    }
    let before: Vec<String> = pipelines.iter().map(|p| std::fs::read_to_string(&p.output).unwrap_or_default()).collect();
    for w in workers.iter_mut() {
        w.spawn();
    }
    wait_until(Duration::from_secs(90), "the restarted cluster to run every connector", || {
        workers.iter().map(|w| placement(w, &names)).collect::<Option<Vec<_>>>()
    });
    for (p, lines) in pipelines.iter().zip(written.iter_mut()) {
        lines.extend(append_lines(&p.input, 600, 700));
    }
    for ((p, lines), old) in pipelines.iter().zip(&written).zip(&before) {
        wait_until(Duration::from_secs(60), "the lines written after the restart in the sink file", || {
            let got = lines_of(&p.output);
            lines.iter().all(|l| got.contains(l)).then_some(())
        });
        let text = std::fs::read_to_string(&p.output).unwrap_or_default();
        let new_part = text.strip_prefix(old.as_str()).unwrap_or_else(|| panic!("the sink file was rewritten"));
        let resent: Vec<&str> = new_part.lines().filter(|l| line_number(l).is_none_or(|n| n < 600)).collect();
        assert!(resent.is_empty(), "after a clean restart only new lines arrive, yet {} old ones came again: {:?}", resent.len(), resent.iter().take(5).collect::<Vec<_>>());
    }

    // A connector deleted through one worker is gone on all.
    let sink = pipelines[1].sink.as_str();
    wait_until(Duration::from_secs(30), "the delete to be accepted", || (workers[1].call("DELETE", &format!("/connectors/{sink}"), None).0 == 204).then_some(()));
    for w in &workers {
        wait_until(Duration::from_secs(30), "the deleted connector to be gone", || {
            let (code, list) = w.get("/connectors");
            (code == 200 && list.as_array().is_some_and(|l| l.len() == 3 && !l.iter().any(|c| c == sink))).then_some(())
        });
        assert_eq!(w.get(&format!("/connectors/{sink}/status")).0, 404);
    }
    for w in workers.iter_mut() {
        assert!(w.terminate().success(), "a worker stops cleanly on SIGTERM");
    }
}
