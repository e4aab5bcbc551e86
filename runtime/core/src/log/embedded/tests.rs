use std::time::Duration;

use super::*;

fn config(dir: &std::path::Path) -> EmbeddedConfig {
    EmbeddedConfig {
        dir: dir.to_path_buf(),
        flush_interval: Duration::from_millis(50),
        segment_bytes: 1024,
        retention_bytes: Some(1),
        retention: None,
        retention_check: Duration::from_secs(3600),
        partitions: 1,
    }
}

fn record(topic: &str, i: usize) -> ProduceRecord {
    ProduceRecord {
        topic: topic.into(),
        value: Some(format!("value-{i:05}").into_bytes()),
        key: (i % 2 == 0).then(|| b"k".to_vec()),
        timestamp: Some(1000 + i as i64),
        headers: vec![("h".into(), Some(b"x".to_vec()))],
        ..ProduceRecord::default()
    }
}

async fn produce(log: &EmbeddedLog, topic: &str, range: std::ops::Range<usize>) {
    let mut p = log.producer("p", &Props::new()).expect("producer");
    let acks: Vec<Ack> = range.map(|i| p.send(record(topic, i)).map_err(|_| "full").expect("send")).collect();
    p.end_batch().await.expect("write");
    for a in acks {
        a.await.expect("ack");
    }
}

async fn consume_all(c: &mut Box<dyn LogConsumer>, n: usize) -> Vec<LogRecord> {
    let mut out = Vec::new();
    while out.len() < n {
        let got = c.poll(1000, Duration::from_secs(5)).await.expect("poll");
        assert!(!got.is_empty() || !c.assignment_changes().is_empty() || out.len() < n, "stalled");
        out.extend(got);
    }
    out
}

#[tokio::test(flavor = "multi_thread")]
async fn records_round_trip_across_segments_and_restart() {
    let dir = tempfile::tempdir().expect("tempdir");
    let log = EmbeddedLog::open(config(dir.path())).expect("open");
    produce(&log, "t", 0..300).await;
    let mut c = log.consumer("g", "c", Subscription::Topics(vec!["t".into()]), &Props::new()).expect("consumer");
    let got = consume_all(&mut c, 300).await;
    assert_eq!(got.len(), 300);
    for (i, r) in got.iter().enumerate() {
        assert_eq!(r.offset, i as i64);
        assert_eq!(r.value.as_deref(), Some(format!("value-{i:05}").as_bytes()));
        assert_eq!(r.timestamp, Some(1000 + i as i64));
        assert_eq!(r.headers, vec![("h".to_owned(), Some(b"x".to_vec()))]);
    }
    let mut commit = PartitionOffsets::new();
    commit.insert(TopicPartition::new("t", 0), 120);
    c.commit(&commit).await.expect("commit");
    c.close().await;
    drop(c);
    drop(log);

    // Reopen: the group resumes at its committed offset, new records follow.
    let log = EmbeddedLog::open(config(dir.path())).expect("reopen");
    produce(&log, "t", 300..310).await;
    let mut c = log.consumer("g", "c", Subscription::Topics(vec!["t".into()]), &Props::new()).expect("consumer");
    let got = consume_all(&mut c, 190).await;
    assert_eq!(got.first().map(|r| r.offset), Some(120));
    assert_eq!(got.last().map(|r| r.offset), Some(309));
}

#[tokio::test(flavor = "multi_thread")]
async fn torn_tail_is_cut_on_open() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut cfg = config(dir.path());
    cfg.segment_bytes = 1 << 20;
    let log = EmbeddedLog::open(cfg.clone()).expect("open");
    produce(&log, "t", 0..10).await;
    let mut c = log.consumer("done", "c", Subscription::Topics(vec!["t".into()]), &Props::new()).expect("consumer");
    consume_all(&mut c, 10).await;
    let mut all = PartitionOffsets::new();
    all.insert(TopicPartition::new("t", 0), 10);
    c.commit(&all).await.expect("commit");
    drop(c);
    drop(log);
    let seg = dir.path().join("topics/t/0/00000000000000000000.log");
    let len = std::fs::metadata(&seg).expect("segment").len();
    let f = std::fs::OpenOptions::new().write(true).open(&seg).expect("open segment");
    f.set_len(len - 3).expect("truncate");
    drop(f);

    let log = EmbeddedLog::open(cfg).expect("reopen repairs");
    produce(&log, "t", 100..101).await;
    let mut c = log.consumer("g", "c", Subscription::Topics(vec!["t".into()]), &Props::new()).expect("consumer");
    let got = consume_all(&mut c, 10).await;
    let values: Vec<_> = got.iter().map(|r| String::from_utf8_lossy(r.value.as_deref().unwrap_or_default()).into_owned()).collect();
    assert_eq!(values.len(), 10, "9 intact records and the new one");
    assert_eq!(values[8], "value-00008");
    assert_eq!(values[9], "value-00100", "the torn record is gone, the new one follows");
    assert_eq!(got[9].offset, 10, "offset 9 was consumed before it was torn: it is not handed out again");

    // A group that had read everything sees the new record, not a gap.
    let mut done = log.consumer("done", "c", Subscription::Topics(vec!["t".into()]), &Props::new()).expect("consumer");
    let got = consume_all(&mut done, 1).await;
    assert_eq!(got[0].value.as_deref(), Some(b"value-00100".as_slice()));
}

#[tokio::test(flavor = "multi_thread")]
async fn retention_waits_for_every_group() {
    let dir = tempfile::tempdir().expect("tempdir");
    let log = EmbeddedLog::open(config(dir.path())).expect("open");
    produce(&log, "t", 0..200).await;
    let mut a = log.consumer("a", "c", Subscription::Topics(vec!["t".into()]), &Props::new()).expect("consumer");
    let mut b = log.consumer("b", "c", Subscription::Topics(vec!["t".into()]), &Props::new()).expect("consumer");
    consume_all(&mut a, 200).await;
    let segments = || std::fs::read_dir(dir.path().join("topics/t/0")).expect("dir").count();
    let before = segments();
    assert!(before > 3, "several segments: {before}");

    let mut done = PartitionOffsets::new();
    done.insert(TopicPartition::new("t", 0), 200);
    a.commit(&done).await.expect("commit a");
    assert_eq!(log.apply_retention(), 0, "group b has not read anything: nothing goes");
    assert_eq!(segments(), before);

    consume_all(&mut b, 200).await;
    b.commit(&done).await.expect("commit b");
    assert!(log.apply_retention() > 0, "both groups are past the old segments");
    assert_eq!(segments(), 1, "only the active segment is left: {:?}", std::fs::read_dir(dir.path().join("topics/t/0")).expect("dir").map(|e| e.map(|e| e.file_name())).collect::<Vec<_>>());
    produce(&log, "t", 200..201).await;
    let got = consume_all(&mut a, 1).await;
    assert_eq!(got[0].offset, 200);
}
