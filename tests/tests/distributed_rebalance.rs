//! A three-worker cluster under load (lines appended to the sources' files
//! all along): a rolling restart of every worker, one by one, loses no
//! line; then a fourth worker joins and gets work, and the tasks that stay
//! where they are keep running (their workers never stop them).

use std::collections::BTreeSet;
use std::io::Write;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use ferry_tests::cluster::{group_settings, lines_of, placement, worker_id, FilePipeline};
use ferry_tests::ferry::Ferry;
use ferry_tests::{poll_until, unique, wait_until, KafkaServer};

const BIN: &str = env!("CARGO_BIN_EXE_ferry-e2e");
const PIPELINES: usize = 3;

/// Appends numbered lines to every input, a few every 20 ms, until told to stop.
fn start_load(inputs: Vec<PathBuf>, stop: Arc<AtomicBool>, written: Arc<AtomicUsize>) -> std::thread::JoinHandle<()> {
    std::thread::spawn(move || {
        let mut n = 0;
        while !stop.load(Ordering::SeqCst) {
            for input in &inputs {
                let mut f = std::fs::OpenOptions::new().append(true).open(input).expect("input");
                let lines: String = (n..n + 5).map(|i| format!("line-{i:07}\n")).collect();
                f.write_all(lines.as_bytes()).expect("append");
            }
            n += 5;
            written.store(n, Ordering::SeqCst);
            std::thread::sleep(Duration::from_millis(20));
        }
    })
}

/// Waits until every sink's file holds the first `lines` lines of its input.
///
/// Also what keeps a worker from stopping while a sink's consumer group
/// forms: on tansu, a member leaving then stalls its group for good.
fn wait_for_catch_up(pipelines: &[FilePipeline], lines: usize) {
    for p in pipelines {
        wait_until(Duration::from_secs(60), "the sinks to catch up with the load", || {
            let got = lines_of(&p.output);
            (0..lines).all(|i| got.contains(&format!("line-{i:07}"))).then_some(())
        });
    }
}

#[test]
fn a_rolling_restart_loses_nothing_and_a_new_worker_takes_work_without_stopping_the_rest() {
    let kafka = KafkaServer::tansu();
    let bootstrap = kafka.bootstrap();
    let group = unique("ferry-rolling");
    let settings = group_settings();
    let dirs: Vec<tempfile::TempDir> = (0..4).map(|_| tempfile::tempdir().expect("tempdir")).collect();
    let mut workers: Vec<Ferry> = dirs[..3].iter().map(|d| Ferry::distributed(BIN, d.path(), &bootstrap, &group, &settings)).collect();
    let data = tempfile::tempdir().expect("tempdir");
    let pipelines: Vec<FilePipeline> = (0..PIPELINES).map(|n| FilePipeline::create(&workers[n % 3], &bootstrap, data.path(), n)).collect();
    let names: Vec<String> = pipelines.iter().flat_map(FilePipeline::names).collect();
    wait_until(Duration::from_secs(90), "every pipeline to run", || placement(&workers[0], &names));

    let stop = Arc::new(AtomicBool::new(false));
    let written = Arc::new(AtomicUsize::new(0));
    let load = start_load(pipelines.iter().map(|p| p.input.clone()).collect(), stop.clone(), written.clone());

    // Rolling restart: each worker in turn stops cleanly and comes back,
    // and the cluster runs everything again, and has caught up with the
    // load, before the next one goes.
    for i in 0..3 {
        wait_for_catch_up(&pipelines, written.load(Ordering::SeqCst).max(5));
        assert!(workers[i].terminate().success(), "worker {i} stops cleanly");
        let alive = (i + 1) % 3;
        wait_until(Duration::from_secs(60), "the others to run everything while one worker is down", || {
            placement(&workers[alive], &names).filter(|p| p.values().all(|w| *w != worker_id(&workers[i])))
        });
        workers[i].spawn();
        wait_until(Duration::from_secs(60), "the cluster to run everything after the worker came back", || placement(&workers[i], &names));
    }

    stop.store(true, Ordering::SeqCst);
    load.join().expect("the load thread");
    let total = written.load(Ordering::SeqCst);
    assert!(total > 500, "lines were written during the restarts: {total}");
    let expected: BTreeSet<String> = (0..total).map(|i| format!("line-{i:07}")).collect();
    for p in &pipelines {
        let got = poll_until(Duration::from_secs(60), || {
            let got = lines_of(&p.output);
            expected.is_subset(&got).then_some(got)
        })
        .unwrap_or_else(|| {
            let got = lines_of(&p.output);
            let missing: Vec<&String> = expected.difference(&got).collect();
            panic!(
                "{}: {} of {total} lines missing after 60 s, from {:?} to {:?}; placement now {:?}",
                p.output.display(),
                missing.len(),
                missing.first(),
                missing.last(),
                placement(&workers[0], &names)
            )
        });
        assert_eq!(got.len(), expected.len(), "no line appears that was not written");
    }

    // A fourth worker joins: it gets tasks, and a task that stays where it
    // was is not stopped by its worker.
    let before = wait_until(Duration::from_secs(60), "a settled placement", || placement(&workers[0], &names));
    let log_marks: Vec<usize> = workers.iter().map(|w| w.logs().len()).collect();
    workers.push(Ferry::distributed(BIN, dirs[3].path(), &bootstrap, &group, &settings));
    let newcomer = worker_id(&workers[3]);
    let after = wait_until(Duration::from_secs(90), "the new worker to run tasks", || {
        placement(&workers[3], &names).filter(|p| p.values().any(|w| *w == newcomer))
    });
    let stayed: Vec<(&String, &String)> = after.iter().filter(|(task, w)| before.get(*task) == Some(*w)).collect();
    assert!(!stayed.is_empty(), "some tasks stay where they were: {before:?} → {after:?}");
    for (task, w) in stayed {
        let (i, worker) = workers.iter().enumerate().find(|(_, f)| worker_id(f) == *w).expect("the worker running the task");
        let new_log = worker.logs()[log_marks[i]..].to_owned();
        assert!(!new_log.contains(&format!("task stopped task={task}")), "{task} stayed on {w}, yet was stopped:\n{new_log}");
    }
}
