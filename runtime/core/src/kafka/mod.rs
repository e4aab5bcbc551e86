//! Kafka clients (librdkafka through rdkafka), configured from Connect's
//! property names. Java-only client keys that librdkafka does not know
//! (`key.serializer`, `buffer.memory`, …) are dropped with one log line
//! instead of failing the worker.

pub mod groups;

use std::time::Duration;

use ferry_api::config::Props;
use ferry_api::{ConnectError, Result};
use rdkafka::config::{ClientConfig, FromClientConfig, FromClientConfigAndContext};
use rdkafka::ClientContext;
use rdkafka::error::KafkaError;
use rdkafka::types::RDKafkaErrorCode;

/// Creates a client from `props` over `defaults`. Unknown keys are removed
/// one by one, so a Java client setting never stops the worker.
pub fn create_client<T: FromClientConfig>(defaults: &[(&str, &str)], props: &Props) -> Result<T> {
    create_client_with(defaults, props, |cfg| cfg.create::<T>())
}

/// As [`create_client`], for clients built with a context.
pub fn create_with_context<C: ClientContext, T: FromClientConfigAndContext<C>>(
    defaults: &[(&str, &str)],
    props: &Props,
    context: impl Fn() -> C,
) -> Result<T> {
    create_client_with(defaults, props, |cfg| cfg.create_with_context::<C, T>(context()))
}

fn create_client_with<T>(
    defaults: &[(&str, &str)],
    props: &Props,
    create: impl Fn(&ClientConfig) -> Result<T, KafkaError>,
) -> Result<T> {
    let mut cfg = ClientConfig::new();
    for (k, v) in defaults {
        cfg.set(*k, *v);
    }
    for (k, v) in props {
        cfg.set(k, v);
    }
    for _ in 0..=props.len() {
        match create(&cfg) {
            Ok(client) => return Ok(client),
            Err(KafkaError::ClientConfig(_, ref desc, ref key, _)) if desc.contains("No such configuration property") => {
                tracing::warn!(key = %key, "ignoring a Kafka client property librdkafka does not know");
                cfg.remove(key);
            }
            Err(e) => return Err(ConnectError::config(format!("Invalid Kafka client configuration: {e}")).with_source(e)),
        }
    }
    Err(ConnectError::config("Invalid Kafka client configuration"))
}

/// Producer settings Connect uses for source tasks: every record acked by
/// all replicas, no reordering on retry, retries without end.
pub const PRODUCER_DEFAULTS: &[(&str, &str)] = &[
    ("acks", "all"),
    ("max.in.flight.requests.per.connection", "1"),
    ("linger.ms", "5"),
    ("message.timeout.ms", "0"),
    // Connect's producer buffer.memory (32 MiB).
    ("queue.buffering.max.kbytes", "32768"),
    ("queue.buffering.max.messages", "10000"),
];

/// Consumer settings Connect uses for sink tasks: offsets committed by the
/// worker after the task flushed, reading from the start of new groups.
pub const CONSUMER_DEFAULTS: &[(&str, &str)] = &[
    ("enable.auto.commit", "false"),
    ("enable.auto.offset.store", "false"),
    ("auto.offset.reset", "earliest"),
    // The Java consumer Connect uses creates subscribed topics on brokers that allow it.
    ("allow.auto.create.topics", "true"),
    ("session.timeout.ms", "45000"),
    ("topic.metadata.refresh.interval.ms", "10000"),
    // librdkafka prefetches up to 64 MiB per partition by default; a sink
    // task takes at most a few batches ahead.
    ("queued.max.messages.kbytes", "16384"),
    // The Java consumer reads a fetch answer of any size; librdkafka refuses
    // one over 100 MB by default, and brokers that ignore fetch.max.bytes
    // (some emulations, for a consumer far behind) then stall it for good.
    ("receive.message.max.bytes", "2147483647"),
];

/// Whether a Kafka error is worth retrying.
pub fn is_retriable(e: &KafkaError) -> bool {
    match e.rdkafka_error_code() {
        Some(code) => matches!(
            code,
            RDKafkaErrorCode::QueueFull
                | RDKafkaErrorCode::BrokerTransportFailure
                | RDKafkaErrorCode::AllBrokersDown
                | RDKafkaErrorCode::RequestTimedOut
                | RDKafkaErrorCode::OperationTimedOut
                | RDKafkaErrorCode::NotCoordinator
                | RDKafkaErrorCode::CoordinatorLoadInProgress
                | RDKafkaErrorCode::NetworkException
                | RDKafkaErrorCode::LeaderNotAvailable
                | RDKafkaErrorCode::NotLeaderForPartition
                | RDKafkaErrorCode::UnknownTopicOrPartition
                | RDKafkaErrorCode::RebalanceInProgress
        ),
        None => false,
    }
}

pub fn kafka_error(context: &str, e: KafkaError) -> ConnectError {
    let err = if is_retriable(&e) { ConnectError::retriable(format!("{context}: {e}")) } else { ConnectError::fatal(format!("{context}: {e}")) };
    err.with_source(e)
}

/// How long metadata calls wait for the broker.
pub const METADATA_TIMEOUT: Duration = Duration::from_secs(10);

/// The Kafka cluster id, retried until the broker answers.
pub async fn cluster_id(client: Props) -> String {
    let mut delay = Duration::from_millis(200);
    loop {
        let attempt = client.clone();
        let found = tokio::task::spawn_blocking(move || {
            let c: rdkafka::consumer::BaseConsumer = create_client(&[], &attempt).ok()?;
            rdkafka::consumer::Consumer::client(&c).fetch_cluster_id(METADATA_TIMEOUT)
        })
        .await
        .ok()
        .flatten();
        if let Some(id) = found {
            return id;
        }
        tracing::warn!("cannot reach the Kafka cluster yet; retrying");
        tokio::time::sleep(delay).await;
        delay = (delay * 2).min(Duration::from_secs(30));
    }
}
