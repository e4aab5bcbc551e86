//! `connect.protocol=eager`: Connect's first rebalancing protocol, for
//! clusters that still use it. Every rebalance stops all work on every
//! worker and the leader assigns all of it anew; the pipelines lose nothing.

use std::collections::BTreeSet;
use std::time::Duration;

use ferry_tests::cluster::{group_settings, lines_of, placement, worker_id, FilePipeline};
use ferry_tests::ferry::Ferry;
use ferry_tests::{unique, wait_until, KafkaServer};

const BIN: &str = env!("CARGO_BIN_EXE_ferry-e2e");

fn append(path: &std::path::Path, from: usize, to: usize) -> BTreeSet<String> {
    use std::io::Write;
    let lines: Vec<String> = (from..to).map(|i| format!("eager-{i:05}")).collect();
    let mut f = std::fs::OpenOptions::new().append(true).open(path).expect("input");
    f.write_all(format!("{}\n", lines.join("\n")).as_bytes()).expect("append");
    lines.into_iter().collect()
}

#[test]
fn an_eager_cluster_reassigns_all_work_when_a_worker_joins() {
    let kafka = KafkaServer::noida();
    let bootstrap = kafka.bootstrap();
    let group = unique("ferry-eager");
    let mut settings = group_settings();
    settings.push(("connect.protocol", "eager".to_owned()));
    let dirs: Vec<tempfile::TempDir> = (0..3).map(|_| tempfile::tempdir().expect("tempdir")).collect();
    let mut workers: Vec<Ferry> = dirs[..2].iter().map(|d| Ferry::distributed(BIN, d.path(), &bootstrap, &group, &settings)).collect();
    let data = tempfile::tempdir().expect("tempdir");
    let pipelines: Vec<FilePipeline> = (0..2).map(|n| FilePipeline::create(&workers[n], &bootstrap, data.path(), n)).collect();
    let names: Vec<String> = pipelines.iter().flat_map(FilePipeline::names).collect();
    wait_until(Duration::from_secs(60), "every pipeline to run", || placement(&workers[0], &names));
    let mut expected: Vec<BTreeSet<String>> = pipelines.iter().map(|p| append(&p.input, 0, 200)).collect();
    for (p, lines) in pipelines.iter().zip(&expected) {
        wait_until(Duration::from_secs(60), "the lines in the sink file", || lines.is_subset(&lines_of(&p.output)).then_some(()));
    }
    // Read once the rebalances of the set-up are over: both workers report the same placement.
    let before = wait_until(Duration::from_secs(60), "both workers to report the same placement", || {
        let seen = placement(&workers[0], &names)?;
        (placement(&workers[1], &names)? == seen).then_some(seen)
    });

    // A third worker joins: the leader spreads the work over all three, and
    // every worker first stopped everything it ran, as eager rebalancing does.
    let marks: Vec<usize> = workers.iter().map(|w| w.logs().len()).collect();
    workers.push(Ferry::distributed(BIN, dirs[2].path(), &bootstrap, &group, &settings));
    let newcomer = worker_id(&workers[2]);
    let after = wait_until(Duration::from_secs(60), "the new worker to run tasks", || {
        placement(&workers[2], &names).filter(|p| p.values().any(|w| *w == newcomer))
    });
    let spread: BTreeSet<&String> = after.values().collect();
    assert_eq!(spread.len(), 3, "four tasks over three workers: {after:?}");
    for (task, w) in &before {
        let i = workers.iter().position(|f| worker_id(f) == *w).expect("the worker that ran the task");
        let new_log = workers[i].logs()[marks[i]..].to_owned();
        assert!(new_log.contains(&format!("task stopped task={task}")), "{task} ran on {w} and an eager rebalance stops it:\n{new_log}");
    }

    for (p, lines) in pipelines.iter().zip(expected.iter_mut()) {
        lines.extend(append(&p.input, 200, 400));
    }
    for (p, lines) in pipelines.iter().zip(&expected) {
        wait_until(Duration::from_secs(60), "every line, before and after the rebalance, in the sink file", || lines.is_subset(&lines_of(&p.output)).then_some(()));
    }
    for w in workers.iter_mut() {
        assert!(w.terminate().success(), "a worker stops cleanly on SIGTERM");
    }
}
