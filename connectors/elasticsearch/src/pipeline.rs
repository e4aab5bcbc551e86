//! The bulk pipeline, a background tokio task per sink task: operations are
//! batched up to `batch.size` / `bulk.size.bytes` or for `linger.ms`, sent
//! as up to `max.in.flight.requests` concurrent bulk requests, retried on
//! 429, 5xx and unreachable nodes, and acknowledged one by one, so offsets
//! advance only past documents the cluster has.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use ferry_api::{ConnectError, ErrantRecordReporter, SinkRecord, TopicPartition};
use tokio::sync::{mpsc, OwnedSemaphorePermit, Semaphore};
use tokio::task::{JoinError, JoinSet};
use tokio::time::Instant;

use crate::bulk::{parse_response, Action, ItemOutcome};
use crate::client::Client;
use crate::config::{OnMalformed, SinkConfig};
use crate::offsets::Offsets;
use crate::retry::Backoff;

/// One record's operation, ready to send.
pub struct Op {
    pub tp: TopicPartition,
    pub offset: i64,
    pub action: Action,
    pub versioned: bool,
    /// `index/id` of a keyed write: two writes of one document are never
    /// in flight at once, so they land in offset order.
    pub doc: Option<String>,
    /// The NDJSON lines.
    pub bytes: Vec<u8>,
    /// The record, when refused documents go to a dead-letter queue.
    pub record: Option<SinkRecord>,
    /// A place in `max.buffered.records`, released with the op.
    pub permit: OwnedSemaphorePermit,
}

// Flush is rare; boxing every op would cost an allocation per record.
#[allow(clippy::large_enum_variant)]
pub enum Command {
    Op(Op),
    /// Send what is batched now.
    Flush,
}

/// What the task and the pipeline share.
#[derive(Default)]
pub struct Progress {
    pub offsets: Offsets,
    /// The first failure; the task fails with it.
    pub error: Option<(ferry_api::ErrorKind, String)>,
}

pub struct Context {
    pub client: Arc<Client>,
    pub config: Arc<SinkConfig>,
    pub reporter: Option<Arc<dyn ErrantRecordReporter>>,
    pub progress: Arc<Mutex<Progress>>,
    pub permits: Arc<Semaphore>,
}

impl Context {
    pub fn progress(&self) -> std::sync::MutexGuard<'_, Progress> {
        self.progress.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Records the first failure and wakes whoever waits for buffer space.
    pub fn fail(&self, kind: ferry_api::ErrorKind, message: String) {
        let mut p = self.progress();
        if p.error.is_none() {
            tracing::error!("{message}");
            p.error = Some((kind, message));
        }
        self.permits.close();
    }

    pub fn error(&self) -> Option<ConnectError> {
        self.progress().error.as_ref().map(|(kind, m)| ConnectError::new(*kind, m.clone()))
    }
}

type Sent = Vec<(Op, ItemOutcome)>;

pub struct Pipeline {
    ctx: Arc<Context>,
    batch: Vec<Op>,
    batch_bytes: usize,
    /// When the first op of the batch arrived, for `linger.ms`.
    batch_started: Option<Instant>,
    in_flight: JoinSet<Sent>,
    docs_in_flight: HashMap<String, usize>,
}

impl Pipeline {
    pub fn new(ctx: Arc<Context>) -> Self {
        Self { ctx, batch: Vec::new(), batch_bytes: 0, batch_started: None, in_flight: JoinSet::new(), docs_in_flight: HashMap::new() }
    }

    /// Runs until the task drops its sender; then abandons what is in
    /// flight (unacknowledged records are read again after a restart).
    ///
    /// A batch goes out when it is full, when `linger.ms` passed since its
    /// first op, or on a flush; and only when a request slot is free. While
    /// every slot is taken the batch keeps filling, so a busy cluster gets
    /// fewer, fuller requests.
    pub async fn run(mut self, mut commands: mpsc::Receiver<Command>) {
        let mut due = false;
        loop {
            let full = self.batch.len() >= self.ctx.config.batch_size
                || self.ctx.config.bulk_size_bytes.is_some_and(|l| self.batch_bytes >= l);
            if !self.batch.is_empty() && (full || due) && self.may_send() {
                self.send_batch();
                due = false;
                continue;
            }
            let linger_until = self.batch_started.map(|t| t + self.ctx.config.linger);
            tokio::select! {
                Some(done) = self.in_flight.join_next(), if !self.in_flight.is_empty() => self.finished(done).await,
                command = commands.recv(), if !full => match command {
                    None => break,
                    Some(Command::Op(op)) => {
                        self.batch_bytes += op.bytes.len();
                        self.batch.push(op);
                        self.batch_started.get_or_insert_with(Instant::now);
                    }
                    Some(Command::Flush) => due = !self.batch.is_empty(),
                },
                _ = tokio::time::sleep_until(linger_until.unwrap_or_else(Instant::now)), if linger_until.is_some() && !due => due = true,
            }
        }
        self.in_flight.abort_all();
    }

    /// Whether a request slot is free and no earlier write of the batch's
    /// documents is in flight.
    fn may_send(&self) -> bool {
        self.in_flight.len() < self.ctx.config.max_in_flight
            && !self.batch.iter().any(|op| op.doc.as_ref().is_some_and(|d| self.docs_in_flight.contains_key(d)))
    }

    fn send_batch(&mut self) {
        let ops = std::mem::take(&mut self.batch);
        self.batch_bytes = 0;
        self.batch_started = None;
        if self.ctx.error().is_some() {
            return; // the task is failing: nothing more is sent
        }
        for d in ops.iter().filter_map(|op| op.doc.clone()) {
            *self.docs_in_flight.entry(d).or_default() += 1;
        }
        let (client, backoff) = (self.ctx.client.clone(), backoff(&self.ctx.config));
        self.in_flight.spawn(send(client, backoff, ops));
    }

    /// Acknowledges, reports or fails the operations of a finished request.
    async fn finished(&mut self, done: Result<Sent, JoinError>) {
        let sent = match done {
            Ok(sent) => sent,
            Err(e) => {
                self.ctx.fail(ferry_api::ErrorKind::Fatal, format!("A bulk request ended abnormally: {e}"));
                return;
            }
        };
        let mut acknowledged = Vec::with_capacity(sent.len());
        for (op, outcome) in sent {
            if let Some(d) = &op.doc {
                if let Some(n) = self.docs_in_flight.get_mut(d) {
                    *n -= 1;
                    if *n == 0 {
                        self.docs_in_flight.remove(d);
                    }
                }
            }
            match outcome {
                ItemOutcome::Done => acknowledged.push(op),
                ItemOutcome::Malformed(reason) => {
                    if self.malformed(&op, reason).await {
                        acknowledged.push(op);
                    }
                }
                ItemOutcome::Failed(reason) | ItemOutcome::Retry(reason) => self.ctx.fail(
                    ferry_api::ErrorKind::Fatal,
                    format!("Indexing the record from {} offset {} failed: {reason}", op.tp, op.offset),
                ),
            }
        }
        let mut progress = self.ctx.progress();
        for op in &acknowledged {
            progress.offsets.acknowledged(&op.tp, op.offset);
        }
    }

    /// A document the cluster refused: to the dead-letter queue if there is
    /// one, else as `behavior.on.malformed.documents` says. Whether the
    /// record is done with.
    async fn malformed(&self, op: &Op, reason: String) -> bool {
        let message = format!("Elasticsearch refused the document of the record from {} offset {}: {reason}", op.tp, op.offset);
        if let (Some(reporter), Some(record)) = (&self.ctx.reporter, &op.record) {
            tracing::warn!("{message}; sent to the dead-letter queue");
            return match reporter.report(record, &ConnectError::data(message)).await {
                Ok(()) => true,
                Err(e) => {
                    self.ctx.fail(e.kind(), format!("Cannot report a refused document to the dead-letter queue: {e}"));
                    false
                }
            };
        }
        match self.ctx.config.on_malformed {
            OnMalformed::Ignore => {
                tracing::debug!("{message}; ignored (behavior.on.malformed.documents=ignore)");
                true
            }
            OnMalformed::Warn => {
                tracing::warn!("{message}; skipped (behavior.on.malformed.documents=warn)");
                true
            }
            OnMalformed::Fail => {
                self.ctx.fail(ferry_api::ErrorKind::DataConversion, format!(
                    "{message}. To skip such records, set behavior.on.malformed.documents to warn or ignore, or errors.tolerance=all with a dead-letter queue."
                ));
                false
            }
        }
    }
}

pub fn backoff(config: &SinkConfig) -> Backoff {
    Backoff { initial: config.retry_backoff, max_retries: config.max_retries }
}

/// Sends the operations, retrying the whole request while the cluster is
/// unreachable or failing, and the items it refused for now (429, 5xx).
async fn send(client: Arc<Client>, backoff: Backoff, mut ops: Vec<Op>) -> Sent {
    let mut done = Vec::with_capacity(ops.len());
    let mut attempt = 0u32;
    loop {
        let mut body = Vec::with_capacity(ops.iter().map(|o| o.bytes.len()).sum());
        for op in &ops {
            body.extend_from_slice(&op.bytes);
        }
        let actions: Vec<(Action, bool)> = ops.iter().map(|o| (o.action, o.versioned)).collect();
        let (started, bytes) = (Instant::now(), body.len());
        let answer = client.bulk(body.into()).await;
        tracing::debug!(operations = ops.len(), bytes, ms = started.elapsed().as_millis() as u64, ok = answer.is_ok(), "bulk request");
        let why = match answer {
            Ok(answer) => match parse_response(&answer, &actions) {
                Ok(outcomes) => {
                    let mut again = Vec::new();
                    let mut reason = None;
                    for (op, outcome) in ops.into_iter().zip(outcomes) {
                        match outcome {
                            ItemOutcome::Retry(r) => {
                                reason.get_or_insert(r);
                                again.push(op);
                            }
                            other => done.push((op, other)),
                        }
                    }
                    if again.is_empty() {
                        return done;
                    }
                    ops = again;
                    format!("{} operations refused for now: {}", ops.len(), reason.unwrap_or_default())
                }
                Err(e) => return fail_all(done, ops, e),
            },
            Err(e) if e.retriable => e.message,
            Err(e) => return fail_all(done, ops, e.message),
        };
        attempt += 1;
        if attempt > backoff.max_retries {
            return fail_all(done, ops, format!("Failed to execute bulk request due to '{why}' after {attempt} attempt(s) (max.retries={})", backoff.max_retries));
        }
        let wait = backoff.wait(attempt);
        tracing::warn!("Failed to execute bulk request due to {why}. Retrying attempt ({attempt}/{}) after backoff of {} ms", backoff.max_retries, wait.as_millis());
        tokio::time::sleep(wait).await;
    }
}

fn fail_all(mut done: Sent, ops: Vec<Op>, reason: String) -> Sent {
    done.extend(ops.into_iter().map(|op| (op, ItemOutcome::Failed(reason.clone()))));
    done
}

/// Waits until every op handed to the pipeline was answered, at most `timeout`.
pub async fn wait_idle(ctx: &Context, timeout: Duration) -> ferry_api::Result<()> {
    let all = u32::try_from(ctx.config.max_buffered).unwrap_or(u32::MAX);
    match tokio::time::timeout(timeout, ctx.permits.acquire_many(all)).await {
        Ok(Ok(_all_free)) => ctx.error().map_or(Ok(()), Err),
        Ok(Err(_closed)) => Err(ctx.error().unwrap_or_else(|| ConnectError::fatal("the Elasticsearch pipeline stopped"))),
        Err(_) => Err(ConnectError::retriable(format!(
            "Flush timeout expired with records still unacknowledged after {} ms (flush.timeout.ms)",
            timeout.as_millis()
        ))),
    }
}
