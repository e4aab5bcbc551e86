//! FileStreamSource → broker → FileStreamSink, end to end, as a user runs
//! it: `ferry standalone worker.properties source.properties sink.properties`.

use std::path::{Path, PathBuf};
use std::time::Duration;

use ferry_tests::ferry::{write_properties, Ferry};
use ferry_tests::{create_topic, unique, wait_until, KafkaServer};

/// Where records travel: a Kafka-protocol broker, or Ferry's embedded log.
enum Backend {
    Kafka(KafkaServer),
    Embedded,
}

impl Backend {
    fn bootstrap(&self) -> String {
        match self {
            Backend::Kafka(k) => k.bootstrap(),
            Backend::Embedded => "embedded".to_owned(),
        }
    }
}

const BIN: &str = env!("CARGO_BIN_EXE_ferry-e2e");

/// Unique lines, some of them non-ASCII so byte offsets are exercised.
fn write_input(path: &Path, from: usize, to: usize) -> Vec<String> {
    let lines: Vec<String> = (from..to)
        .map(|i| if i % 7 == 0 { format!("línea-{i:07}-ünïcødé-✓") } else { format!("line-{i:07}") })
        .collect();
    let mut text = lines.join("\n");
    text.push('\n');
    use std::io::Write;
    let mut f = std::fs::OpenOptions::new().create(true).append(true).open(path).expect("input file");
    f.write_all(text.as_bytes()).expect("write input");
    lines
}

fn read_lines(path: &Path) -> Vec<String> {
    std::fs::read_to_string(path).unwrap_or_default().lines().map(str::to_owned).collect()
}

struct Pipeline {
    dir: tempfile::TempDir,
    input: PathBuf,
    output: PathBuf,
    ferry: Ferry,
}

fn start_pipeline(backend: &Backend, flush_ms: u64, extra: &[(&str, String)]) -> Pipeline {
    let dir = tempfile::tempdir().expect("tempdir");
    let topic = unique("file-pipeline");
    if let Backend::Kafka(k) = backend {
        create_topic(&k.bootstrap(), &topic, 1);
    }
    let input = dir.path().join("input.txt");
    let output = dir.path().join("output.txt");
    let source = dir.path().join("source.properties");
    let sink = dir.path().join("sink.properties");
    write_properties(&source, &[
        ("name", unique("local-file-source")),
        ("connector.class", "FileStreamSource".into()),
        ("tasks.max", "1".into()),
        ("file", input.display().to_string()),
        ("topic", topic.clone()),
    ]);
    write_properties(&sink, &[
        ("name", unique("local-file-sink")),
        ("connector.class", "org.apache.kafka.connect.file.FileStreamSinkConnector".into()),
        ("tasks.max", "1".into()),
        ("file", output.display().to_string()),
        ("topics", topic),
    ]);
    let ferry = Ferry::standalone(
        BIN,
        dir.path(),
        &backend.bootstrap(),
        &[&[("offset.flush.interval.ms", flush_ms.to_string())], extra].concat(),
        &[source, sink],
    );
    Pipeline { dir, input, output, ferry }
}

fn hundred_thousand_lines_in_order(backend: Backend) {
    let mut p = start_pipeline(&backend, 1000, &[]);
    let expected = write_input(&p.input, 0, 100_000);
    wait_until(Duration::from_secs(180), "all 100,000 lines in the output file", || {
        (read_lines(&p.output).len() >= expected.len()).then_some(())
    });
    let status = p.ferry.terminate();
    assert!(status.success(), "ferry exits 0 on SIGTERM: {status:?}\n{}", p.ferry.logs());
    assert_eq!(read_lines(&p.output), expected, "the output is the input, complete and in order");
    drop(p.dir);
}

#[test]
fn file_pipeline_on_noida() {
    hundred_thousand_lines_in_order(Backend::Kafka(KafkaServer::noida()));
}

#[test]
fn file_pipeline_on_tansu() {
    hundred_thousand_lines_in_order(Backend::Kafka(KafkaServer::tansu()));
}

#[test]
fn file_pipeline_on_the_embedded_log() {
    hundred_thousand_lines_in_order(Backend::Embedded);
}

/// kill -9 in the middle, restart: every input line arrives; duplicates
/// are allowed (at-least-once) and reported. On tansu: noida-db never
/// evicts the killed worker from the consumer group, so its partition would
/// stay with a dead member. A short session timeout lets the broker notice.
#[test]
fn kill_9_loses_nothing() {
    let backend = Backend::Kafka(KafkaServer::tansu());
    let mut p = start_pipeline(&backend, 500, &[("consumer.session.timeout.ms", "10000".into())]);
    let mut expected = write_input(&p.input, 0, 100_000);
    wait_until(Duration::from_secs(120), "a part of the lines in the output", || {
        (read_lines(&p.output).len() >= 20_000).then_some(())
    });
    p.ferry.kill9();
    let before_restart = read_lines(&p.output).len();
    expected.extend(write_input(&p.input, 100_000, 110_000));
    p.ferry.spawn();
    wait_until(Duration::from_secs(180), "every input line in the output after the restart", || {
        let out = read_lines(&p.output);
        let seen: std::collections::HashSet<&String> = out.iter().collect();
        expected.iter().all(|l| seen.contains(l)).then_some(())
    });
    let status = p.ferry.terminate();
    assert!(status.success(), "{}", p.ferry.logs());

    let out = read_lines(&p.output);
    // First occurrences, in order, must be exactly the input.
    let mut seen = std::collections::HashSet::new();
    let firsts: Vec<&String> = out.iter().filter(|l| seen.insert(*l)).collect();
    assert_eq!(firsts, expected.iter().collect::<Vec<_>>(), "no line lost, none reordered");
    let duplicates = out.len() - expected.len();
    eprintln!("kill -9 after {before_restart} lines: {duplicates} duplicate lines out of {}", expected.len());
    // One crash replays at most what was delivered since the last commit:
    // no line before the kill comes out more than twice.
    assert!(duplicates <= before_restart, "{duplicates} duplicates after a crash at {before_restart} lines");
}

/// The embedded log under fire: 1,000,000 lines, the worker killed with
/// kill -9 ten times while they flow, restarted each time: none is lost.
#[test]
fn embedded_log_survives_ten_kill_9() {
    let mut p = start_pipeline(&Backend::Embedded, 1000, &[]);
    let expected = write_input(&p.input, 0, 1_000_000);
    let mut progress = Vec::new();
    for round in 1..=10 {
        let target = round * 80_000;
        wait_until(Duration::from_secs(180), &format!("{target} lines before kill #{round}"), || {
            (count_lines(&p.output) >= target).then_some(())
        });
        p.ferry.kill9();
        progress.push(count_lines(&p.output));
        p.ferry.spawn();
    }
    wait_until(Duration::from_secs(300), "every line after ten kills", || {
        (count_lines(&p.output) >= expected.len()).then_some(())
    });
    wait_until(Duration::from_secs(120), "every distinct line after ten kills", || {
        let out = read_lines(&p.output);
        let seen: std::collections::HashSet<&String> = out.iter().collect();
        (seen.len() >= expected.len()).then_some(())
    });
    let status = p.ferry.terminate();
    assert!(status.success(), "{}", p.ferry.logs());
    let out = read_lines(&p.output);
    let mut seen = std::collections::HashSet::new();
    let firsts: Vec<&String> = out.iter().filter(|l| seen.insert(*l)).collect();
    assert_eq!(firsts.len(), expected.len(), "0 lines lost");
    assert!(firsts.iter().zip(&expected).all(|(a, b)| *a == b), "first occurrences in input order");
    eprintln!("ten kill -9 at {progress:?} lines: {} duplicates over {} lines", out.len() - expected.len(), expected.len());
}

fn count_lines(path: &Path) -> usize {
    std::fs::read(path).map(|b| b.iter().filter(|c| **c == b'\n').count()).unwrap_or(0)
}

/// A torn tail (the last segment cut short while the worker is stopped) is
/// repaired on start and the pipeline goes on.
#[test]
fn embedded_log_repairs_a_torn_tail() {
    let mut p = start_pipeline(&Backend::Embedded, 500, &[]);
    let mut expected = write_input(&p.input, 0, 5_000);
    wait_until(Duration::from_secs(60), "the first lines", || (count_lines(&p.output) >= 5_000).then_some(()));
    assert!(p.ferry.terminate().success());

    let segments: Vec<_> = walk(&p.dir.path().join("ferry-log/topics")).into_iter().filter(|f| f.extension().is_some_and(|e| e == "log")).collect();
    let last = segments.iter().max_by_key(|f| std::fs::metadata(f).map(|m| m.len()).unwrap_or(0)).expect("a segment file");
    let len = std::fs::metadata(last).expect("segment").len();
    std::fs::OpenOptions::new().write(true).open(last).expect("open").set_len(len - 5).expect("truncate");

    p.ferry.spawn();
    expected.extend(write_input(&p.input, 5_000, 6_000));
    wait_until(Duration::from_secs(60), "the lines written after the repair", || {
        let out = read_lines(&p.output);
        let seen: std::collections::HashSet<&String> = out.iter().collect();
        expected.iter().all(|l| seen.contains(l)).then_some(())
    });
    assert!(p.ferry.logs().contains("cutting a torn or corrupted tail"), "the repair is logged");
    assert!(p.ferry.terminate().success());
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}
