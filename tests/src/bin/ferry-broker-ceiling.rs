//! The broker's own ceilings for a benchmark: reads every record of
//! `--from` into memory (timed: the consume ceiling), then produces them to
//! `--to` with the producer settings Ferry's source tasks use (the ingest
//! ceiling), and prints both rates as JSON. The
//! records are the pipeline's own bytes, so the figure is the most the
//! broker takes for exactly that workload.
//!
//!     ferry-broker-ceiling <bootstrap> <from-topic> <to-topic> <count>

use std::process::ExitCode;
use std::time::{Duration, Instant};

use ferry_runtime::kafka::{CONSUMER_DEFAULTS, PRODUCER_DEFAULTS};
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::producer::{BaseRecord, DefaultProducerContext, Producer, ThreadedProducer};
use rdkafka::{ClientConfig, Message};

type Record = (Option<Vec<u8>>, Option<Vec<u8>>);

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [bootstrap, from, to, count] = args.as_slice() else {
        eprintln!("usage: ferry-broker-ceiling <bootstrap> <from-topic> <to-topic> <count>");
        return ExitCode::FAILURE;
    };
    let Ok(count) = count.parse::<usize>() else {
        eprintln!("count must be a number, not {count}");
        return ExitCode::FAILURE;
    };
    match run(bootstrap, from, to, count) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("{e}");
            ExitCode::FAILURE
        }
    }
}

fn run(bootstrap: &str, from: &str, to: &str, count: usize) -> Result<(), String> {
    let read_start = Instant::now();
    let records = read_all(bootstrap, from, count)?;
    let read_secs = read_start.elapsed().as_secs_f64();
    let bytes: usize = records.iter().map(|(k, v)| k.as_ref().map_or(0, Vec::len) + v.as_ref().map_or(0, Vec::len)).sum();
    let mut cfg = ClientConfig::new();
    cfg.set("bootstrap.servers", bootstrap);
    for (k, v) in PRODUCER_DEFAULTS {
        cfg.set(*k, *v);
    }
    let producer: ThreadedProducer<DefaultProducerContext> = cfg.create().map_err(|e| format!("producer: {e}"))?;
    let start = Instant::now();
    for (k, v) in &records {
        let mut record: BaseRecord<'_, [u8], [u8]> = BaseRecord::to(to);
        if let Some(k) = k {
            record = record.key(k.as_slice());
        }
        if let Some(v) = v {
            record = record.payload(v.as_slice());
        }
        // A full queue hands the record back: wait for deliveries and retry.
        while let Err((_, back)) = producer.send(record) {
            producer.poll(Duration::from_millis(1));
            record = back;
        }
    }
    producer.flush(Duration::from_secs(600)).map_err(|e| format!("flush: {e}"))?;
    let secs = start.elapsed().as_secs_f64();
    println!(
        "{{\"records\":{},\"seconds\":{:.3},\"records_per_s\":{:.0},\"mb_per_s\":{:.1},\"consume_records_per_s\":{:.0}}}",
        records.len(),
        secs,
        records.len() as f64 / secs,
        bytes as f64 / secs / 1e6,
        records.len() as f64 / read_secs
    );
    Ok(())
}

fn read_all(bootstrap: &str, topic: &str, count: usize) -> Result<Vec<Record>, String> {
    let mut cfg = ClientConfig::new();
    for (k, v) in CONSUMER_DEFAULTS {
        cfg.set(*k, *v);
    }
    // noida-db answers a fetch with everything up to the end of the
    // partition, whatever the limits asked: accept frames of any size, and
    // a first batch larger than the per-partition limit.
    cfg.set("max.partition.fetch.bytes", "52428800").set("receive.message.max.bytes", "2147483647");
    let consumer: BaseConsumer = cfg
        .set("bootstrap.servers", bootstrap)
        .set("group.id", format!("ferry-broker-ceiling-{}", std::process::id()))
        .set("auto.offset.reset", "earliest")
        .set("enable.auto.commit", "false")
        .create()
        .map_err(|e| format!("consumer: {e}"))?;
    consumer.subscribe(&[topic]).map_err(|e| format!("subscribe: {e}"))?;
    let deadline = Instant::now() + Duration::from_secs(600);
    let mut out = Vec::with_capacity(count);
    while out.len() < count {
        if Instant::now() > deadline {
            return Err(format!("read {} of {count} records from {topic} before the deadline", out.len()));
        }
        match consumer.poll(Duration::from_millis(200)) {
            Some(Ok(m)) => out.push((m.key().map(<[u8]>::to_vec), m.payload().map(<[u8]>::to_vec))),
            Some(Err(e)) => return Err(format!("consume after {} records: {e}", out.len())),
            None => {}
        }
    }
    Ok(out)
}
