//! Kafka helpers for tests: topics, producing and consuming.

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use ferry_runtime::distributed::membership::{Membership, MembershipConfig};
use ferry_runtime::distributed::protocol::Protocol;
use rdkafka::admin::{AdminClient, AdminOptions, NewTopic, TopicReplication};
use rdkafka::client::DefaultClientContext;
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::producer::{BaseRecord, DefaultProducerContext, Producer, ThreadedProducer};
use rdkafka::{ClientConfig, Message};

fn config(bootstrap: &str) -> ClientConfig {
    let mut c = ClientConfig::new();
    c.set("bootstrap.servers", bootstrap);
    c
}

/// Whether the broker answers a metadata request.
pub fn metadata_ok(bootstrap: &str) -> bool {
    let Ok(c) = config(bootstrap).create::<BaseConsumer>() else { return false };
    c.fetch_metadata(None, Duration::from_secs(2)).is_ok()
}

/// Creates a topic and waits until its metadata shows every partition.
pub fn create_topic(bootstrap: &str, topic: &str, partitions: i32) {
    let admin: AdminClient<DefaultClientContext> = config(bootstrap).create().expect("admin client");
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    let new = NewTopic::new(topic, partitions, TopicReplication::Fixed(1));
    let results = rt.block_on(admin.create_topics(&[new], &AdminOptions::new())).expect("create topic");
    for r in results {
        if let Err((t, e)) = r {
            assert!(e == rdkafka::types::RDKafkaErrorCode::TopicAlreadyExists, "cannot create topic {t}: {e}");
        }
    }
    let consumer: BaseConsumer = config(bootstrap).create().expect("consumer");
    crate::wait_until(Duration::from_secs(30), &format!("topic {topic} in the metadata"), || {
        let md = consumer.fetch_metadata(Some(topic), Duration::from_secs(5)).ok()?;
        md.topics().iter().any(|t| t.name() == topic && t.partitions().len() == partitions as usize).then_some(())
    });
}

/// Produces `(key, value)` pairs and waits until every one is acknowledged.
pub fn produce(bootstrap: &str, topic: &str, records: &[(Option<&[u8]>, Option<&[u8]>)]) {
    let producer: ThreadedProducer<DefaultProducerContext> =
        config(bootstrap).set("linger.ms", "5").create().expect("producer");
    for (k, v) in records {
        let mut r: BaseRecord<'_, [u8], [u8]> = BaseRecord::to(topic);
        if let Some(k) = k {
            r = r.key(k);
        }
        if let Some(v) = v {
            r = r.payload(v);
        }
        let mut r = r;
        loop {
            match producer.send(r) {
                Ok(()) => break,
                Err((_, back)) => {
                    producer.poll(Duration::from_millis(10));
                    r = back;
                }
            }
        }
    }
    producer.flush(Duration::from_secs(30)).expect("every record acknowledged");
}

/// A consumed record: key, value and headers.
pub struct Consumed {
    pub key: Option<Vec<u8>>,
    pub value: Option<Vec<u8>>,
    pub headers: Vec<(String, Option<Vec<u8>>)>,
}

impl Consumed {
    /// A header's value as text.
    pub fn header(&self, name: &str) -> Option<String> {
        self.headers.iter().find(|(k, _)| k == name).and_then(|(_, v)| v.as_deref()).map(|v| String::from_utf8_lossy(v).into_owned())
    }
}

/// As [`consume`], with each record's headers.
pub fn consume_records(bootstrap: &str, topic: &str, count: usize, deadline: Duration) -> Vec<Consumed> {
    use rdkafka::message::Headers;
    let group = crate::unique("ferry-test-reader");
    let consumer: BaseConsumer = config(bootstrap)
        .set("group.id", &group)
        .set("auto.offset.reset", "earliest")
        .set("enable.auto.commit", "false")
        .create()
        .expect("consumer");
    consumer.subscribe(&[topic]).expect("subscribe");
    let end = Instant::now() + deadline;
    let mut out = Vec::new();
    while out.len() < count && Instant::now() < end {
        if let Some(Ok(m)) = consumer.poll(Duration::from_millis(200)) {
            let headers = m
                .headers()
                .map(|h| h.iter().map(|h| (h.key.to_owned(), h.value.map(<[u8]>::to_vec))).collect())
                .unwrap_or_default();
            out.push(Consumed { key: m.key().map(<[u8]>::to_vec), value: m.payload().map(<[u8]>::to_vec), headers });
        }
    }
    out
}

/// Reads a topic from the start until `count` records arrived (or the deadline).
pub fn consume(bootstrap: &str, topic: &str, count: usize, deadline: Duration) -> Vec<(Option<Vec<u8>>, Option<Vec<u8>>)> {
    consume_records(bootstrap, topic, count, deadline).into_iter().map(|r| (r.key, r.value)).collect()
}

/// The ids of a group's members as its coordinator describes them now
/// (empty while it does not know the group). Through DescribeGroups, which
/// every test broker answers.
pub fn group_members(bootstrap: &str, group: &str) -> BTreeSet<String> {
    let config = member_config(bootstrap, group, "ferry-tests");
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    rt.block_on(async { Membership::new(config).watch().members().await }).unwrap_or_default()
}

/// Group settings for a test's own member of `group`, in Connect's protocol.
pub fn member_config(bootstrap: &str, group: &str, client_id: &str) -> MembershipConfig {
    MembershipConfig {
        bootstrap: vec![bootstrap.to_owned()],
        group_id: group.to_owned(),
        session_timeout: Duration::from_secs(10),
        rebalance_timeout: Duration::from_secs(20),
        protocol: Protocol::Sessioned,
        client_id: client_id.to_owned(),
    }
}
