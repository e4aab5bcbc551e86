//! Error handling for records, as Connect's `errors.*` keys ask: fail the
//! task (`errors.tolerance=none`), or skip the record, log it
//! (`errors.log.enable`) and send its original bytes to the dead-letter
//! queue (`errors.deadletterqueue.topic.name`), with the `__connect.errors.*`
//! headers when `errors.deadletterqueue.context.headers.enable` is set.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use ferry_api::config::Props;
use ferry_api::{ConnectError, ErrantRecordReporter, ErrorKind, Result, SinkRecord};
use tokio::sync::Mutex as AsyncMutex;
use tokio::time::Instant;

use crate::herder::TaskId;
use crate::log::{LogProducer, LogRecord, ProduceRecord};

/// Where in the record path an error happened (Connect's `Stage` names).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    KeyConverter,
    ValueConverter,
    HeaderConverter,
    Transformation,
    TaskPut,
}

impl Stage {
    pub fn name(self) -> &'static str {
        match self {
            Stage::KeyConverter => "KEY_CONVERTER",
            Stage::ValueConverter => "VALUE_CONVERTER",
            Stage::HeaderConverter => "HEADER_CONVERTER",
            Stage::Transformation => "TRANSFORMATION",
            Stage::TaskPut => "TASK_PUT",
        }
    }
}

/// `errors.retry.timeout` and `errors.retry.delay.max.ms`: a converter or
/// transform that fails with a retriable error is tried again, waiting
/// 300 ms, then twice as long each time (at most the max delay), until the
/// timeout has passed since the first try. Connect's defaults: no retries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// `None`: retry forever (`errors.retry.timeout=-1`).
    pub timeout: Option<Duration>,
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self { timeout: Some(Duration::ZERO), max_delay: Duration::from_secs(60) }
    }
}

/// Connect's first wait between tries.
const FIRST_RETRY_DELAY: Duration = Duration::from_millis(300);

impl RetryPolicy {
    fn from_props(props: &Props) -> Self {
        let ms = |k: &str| props.get(k).and_then(|v| v.trim().parse::<i64>().ok());
        let default = Self::default();
        Self {
            timeout: match ms("errors.retry.timeout") {
                Some(-1) => None,
                Some(t) => Some(Duration::from_millis(t.max(0) as u64)),
                None => default.timeout,
            },
            max_delay: ms("errors.retry.delay.max.ms").map_or(default.max_delay, |d| Duration::from_millis(d.max(0) as u64)),
        }
    }

    /// As [`Self::run`], for an operation that consumes its input: the
    /// input is cloned for each try only when retries are configured.
    pub async fn run_owned<I: Clone, T, E>(&self, input: I, mut op: impl FnMut(I) -> std::result::Result<T, E>, error: impl Fn(&E) -> &ConnectError) -> std::result::Result<T, E> {
        if self.timeout == Some(Duration::ZERO) {
            return op(input);
        }
        self.run(|| op(input.clone()), error).await
    }

    /// Runs `op` until it succeeds, fails with an error that is not
    /// retriable, or the time for retries is up; `error` finds the
    /// ConnectError in what `op` returns.
    pub async fn run<T, E>(&self, mut op: impl FnMut() -> std::result::Result<T, E>, error: impl Fn(&E) -> &ConnectError) -> std::result::Result<T, E> {
        let start = Instant::now();
        let mut delay = FIRST_RETRY_DELAY;
        loop {
            let e = match op() {
                Ok(v) => return Ok(v),
                Err(e) if error(&e).kind() != ErrorKind::Retriable => return Err(e),
                Err(e) => e,
            };
            let left = match self.timeout {
                None => delay,
                Some(t) => t.saturating_sub(start.elapsed()),
            };
            if left.is_zero() {
                return Err(e);
            }
            tracing::debug!("retrying after a retriable error: {}", error(&e));
            tokio::time::sleep(delay.min(self.max_delay).min(left)).await;
            delay = delay.saturating_mul(2);
        }
    }
}

/// The connector's `errors.*` settings.
#[derive(Debug, Clone, Default)]
pub struct ErrorPolicy {
    pub retry: RetryPolicy,
    pub tolerate_all: bool,
    pub log: bool,
    pub log_messages: bool,
    pub dlq_topic: Option<String>,
    pub dlq_headers: bool,
}

impl ErrorPolicy {
    pub fn from_props(props: &Props) -> Self {
        let flag = |k: &str| props.get(k).is_some_and(|v| v.trim().eq_ignore_ascii_case("true"));
        Self {
            retry: RetryPolicy::from_props(props),
            tolerate_all: props.get("errors.tolerance").is_some_and(|v| v.trim().eq_ignore_ascii_case("all")),
            log: flag("errors.log.enable"),
            log_messages: flag("errors.log.include.messages"),
            dlq_topic: props.get("errors.deadletterqueue.topic.name").map(|t| t.trim().to_owned()).filter(|t| !t.is_empty()),
            dlq_headers: flag("errors.deadletterqueue.context.headers.enable"),
        }
    }
}

/// The Java exception class Connect would name for an error of this kind.
fn exception_class(e: &ConnectError) -> &'static str {
    match e.kind() {
        ErrorKind::DataConversion => "org.apache.kafka.connect.errors.DataException",
        ErrorKind::Retriable => "org.apache.kafka.connect.errors.RetriableException",
        ErrorKind::Config => "org.apache.kafka.common.config.ConfigException",
        ErrorKind::Fatal => "org.apache.kafka.connect.errors.ConnectException",
    }
}

/// The error and its causes, one per line, as a stack trace would list them.
fn trace(e: &ConnectError) -> String {
    let mut out = format!("{}: {}", exception_class(e), e);
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        out.push_str(&format!("\nCaused by: {s}"));
        source = s.source();
    }
    out
}

/// Handles the failed records of one sink task.
pub struct ErrorHandler {
    policy: ErrorPolicy,
    task: TaskId,
    /// The task's class, named in the `class.name` header for put errors.
    task_class: String,
    dlq: Option<AsyncMutex<Box<dyn LogProducer>>>,
    /// The records of the last two batches put, as consumed, to send their
    /// original bytes: a task may still be writing one batch when it is
    /// handed the next.
    batch: Mutex<[HashMap<(String, i32, i64), LogRecord>; 2]>,
}

impl ErrorHandler {
    pub fn new(policy: ErrorPolicy, task: TaskId, task_class: String, dlq: Option<Box<dyn LogProducer>>) -> Self {
        Self { policy, task, task_class, dlq: dlq.map(AsyncMutex::new), batch: Mutex::new([HashMap::new(), HashMap::new()]) }
    }

    pub fn tolerates(&self) -> bool {
        self.policy.tolerate_all
    }

    pub fn retry(&self) -> RetryPolicy {
        self.policy.retry
    }

    /// Remembers the batch about to be put, for reports about its records
    /// (and the one before it).
    pub fn remember(&self, records: &[LogRecord]) {
        if self.dlq.is_none() {
            return;
        }
        let mut batches = self.batch.lock().unwrap_or_else(|p| p.into_inner());
        batches.swap(0, 1);
        batches[0].clear();
        batches[0].extend(records.iter().map(|r| ((r.topic.clone(), r.partition, r.offset), r.clone())));
    }

    /// A record failed at `stage`: with `errors.tolerance=all` it is logged
    /// as asked, sent to the dead-letter queue if there is one, and
    /// skipped; otherwise the error ends the task.
    pub async fn failed(&self, raw: &LogRecord, stage: Stage, class: &str, error: ConnectError) -> Result<()> {
        if !self.policy.tolerate_all {
            let at = format!("{} stage, topic {}, partition {}, offset {}", stage.name(), raw.topic, raw.partition, raw.offset);
            return Err(ConnectError::new(error.kind(), format!("Tolerance exceeded in error handler ({at}): {error}")).with_source(error));
        }
        if self.policy.log {
            let message = if self.policy.log_messages { format!(" value={:?}", raw.value.as_deref().map(String::from_utf8_lossy)) } else { String::new() };
            tracing::error!(task = %self.task, stage = stage.name(), topic = %raw.topic, partition = raw.partition, offset = raw.offset,
                "error processing a record: {error}{message}");
        }
        let (Some(dlq), Some(topic)) = (&self.dlq, &self.policy.dlq_topic) else { return Ok(()) };
        let mut headers = raw.headers.clone();
        if self.policy.dlq_headers {
            let mut add = |k: &str, v: String| headers.push((format!("__connect.errors.{k}"), Some(v.into_bytes())));
            add("topic", raw.topic.clone());
            add("partition", raw.partition.to_string());
            add("offset", raw.offset.to_string());
            add("connector.name", self.task.connector.clone());
            add("task.id", self.task.task.to_string());
            add("stage", stage.name().to_owned());
            add("class.name", class.to_owned());
            add("exception.class.name", exception_class(&error).to_owned());
            add("exception.message", error.to_string());
            add("exception.stacktrace", trace(&error));
        }
        let record = ProduceRecord { topic: topic.clone(), partition: None, key: raw.key.clone(), value: raw.value.clone(), timestamp: raw.timestamp, headers };
        let ack = {
            let mut producer = dlq.lock().await;
            let mut record = record;
            let ack = loop {
                match producer.send(record) {
                    Ok(ack) => break ack,
                    Err((_full, back)) => {
                        record = back;
                        producer.flush(std::time::Duration::from_millis(100)).await;
                    }
                }
            };
            producer.end_batch().await?;
            ack
        };
        // The record is in the queue before its offset can be committed.
        ack.await.map_err(|e| ConnectError::retriable(format!("Cannot write to the dead-letter queue {topic}: {e}")))
    }
}

/// What a sink task reports its refused records through (KIP-610).
pub struct TaskReporter(pub Arc<ErrorHandler>);

#[async_trait]
impl ErrantRecordReporter for TaskReporter {
    async fn report(&self, record: &SinkRecord, error: &ConnectError) -> Result<()> {
        let handler = &self.0;
        let raw = {
            let batches = handler.batch.lock().unwrap_or_else(|p| p.into_inner());
            let at = (record.topic.clone(), record.partition, record.offset);
            batches.iter().find_map(|b| b.get(&at)).cloned()
        };
        // A record not from this batch (or no queue to send it to): its coordinates suffice.
        let raw = raw.unwrap_or_else(|| LogRecord {
            topic: record.topic.clone(),
            partition: record.partition,
            offset: record.offset,
            timestamp: record.timestamp,
            ..LogRecord::default()
        });
        let copy = ConnectError::new(error.kind(), error.message().to_owned());
        handler.failed(&raw, Stage::TaskPut, &handler.task_class, copy).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(pairs: &[(&str, &str)]) -> RetryPolicy {
        RetryPolicy::from_props(&pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect())
    }

    /// Fails retriably `n` times, then succeeds; counts the tries.
    fn flaky(n: usize, tries: &mut usize) -> Result<&'static str> {
        *tries += 1;
        if *tries <= n {
            Err(ConnectError::retriable("not yet"))
        } else {
            Ok("done")
        }
    }

    #[tokio::test(start_paused = true)]
    async fn retriable_errors_are_retried_until_the_timeout() {
        let p = policy(&[("errors.retry.timeout", "5000"), ("errors.retry.delay.max.ms", "1000")]);
        let (start, mut tries) = (Instant::now(), 0);
        assert_eq!(p.run(|| flaky(3, &mut tries), |e| e).await.expect("succeeds"), "done");
        assert_eq!(tries, 4);
        // Waits of 300, 600 and 1000 (capped) ms.
        assert_eq!(start.elapsed(), Duration::from_millis(1900));

        let (start, mut tries) = (Instant::now(), 0);
        assert!(p.run(|| flaky(100, &mut tries), |e| e).await.is_err(), "gives up");
        assert_eq!(start.elapsed(), Duration::from_millis(5000), "gives up at the timeout");
    }

    #[tokio::test(start_paused = true)]
    async fn defaults_do_not_retry_and_other_errors_are_not_retried() {
        let mut tries = 0;
        assert!(policy(&[]).run(|| flaky(1, &mut tries), |e| e).await.is_err());
        assert_eq!(tries, 1);
        let forever = policy(&[("errors.retry.timeout", "-1")]);
        assert_eq!(forever.timeout, None);
        let mut tries = 0;
        assert!(forever.run(|| flaky(30, &mut tries), |e| e).await.is_ok(), "retries without end");
        let mut tries = 0;
        let fatal = forever.run(|| { tries += 1; Err::<(), _>(ConnectError::data("bad record")) }, |e| e).await;
        assert!(fatal.is_err() && tries == 1, "a data error is not retried");
    }
}
