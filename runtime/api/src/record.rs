//! Records as connectors see them.

use std::fmt;

use serde_json::{Map, Value as Json};

use crate::data::{SchemaRef, Value};

/// A value with its schema, or without one for schemaless data.
#[derive(Debug, Clone, PartialEq)]
pub struct SchemaAndValue {
    pub schema: Option<SchemaRef>,
    pub value: Value,
}

impl SchemaAndValue {
    pub const NULL: SchemaAndValue = SchemaAndValue { schema: None, value: Value::Null };

    pub fn new(schema: SchemaRef, value: Value) -> Self {
        Self { schema: Some(schema), value }
    }
    pub fn schemaless(value: Value) -> Self {
        Self { schema: None, value }
    }
    pub fn is_null(&self) -> bool {
        self.value.is_null()
    }
}

impl Default for SchemaAndValue {
    fn default() -> Self {
        Self::NULL
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Header {
    pub key: String,
    pub value: SchemaAndValue,
}

/// Record headers, in order; a key may repeat, as in Kafka.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Headers(pub Vec<Header>);

impl Headers {
    pub fn new() -> Self {
        Self::default()
    }
    pub fn add(&mut self, key: impl Into<String>, value: SchemaAndValue) -> &mut Self {
        self.0.push(Header { key: key.into(), value });
        self
    }
    /// The last header with this key, as Connect's `lastWithName`.
    pub fn last(&self, key: &str) -> Option<&Header> {
        self.0.iter().rev().find(|h| h.key == key)
    }
    pub fn remove(&mut self, key: &str) {
        self.0.retain(|h| h.key != key);
    }
    pub fn iter(&self) -> impl Iterator<Item = &Header> {
        self.0.iter()
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// A source partition or offset: a JSON object, as Connect stores them
/// (e.g. `{"filename":"/tmp/in.txt"}` → `{"position":42}`).
pub type SourceMap = Map<String, Json>;

/// A record produced by a source task.
#[derive(Debug, Clone, PartialEq)]
pub struct SourceRecord {
    pub source_partition: SourceMap,
    pub source_offset: SourceMap,
    pub topic: String,
    /// Kafka partition; `None` lets the producer's partitioner choose.
    pub partition: Option<i32>,
    pub key: SchemaAndValue,
    pub value: SchemaAndValue,
    /// Milliseconds since the epoch; `None` means the time it is produced.
    pub timestamp: Option<i64>,
    pub headers: Headers,
}

impl SourceRecord {
    /// A record with no key, partition, timestamp or headers.
    pub fn new(
        source_partition: SourceMap,
        source_offset: SourceMap,
        topic: impl Into<String>,
        value: SchemaAndValue,
    ) -> Self {
        Self {
            source_partition,
            source_offset,
            topic: topic.into(),
            partition: None,
            key: SchemaAndValue::NULL,
            value,
            timestamp: None,
            headers: Headers::new(),
        }
    }
}

/// A record delivered to a sink task.
#[derive(Debug, Clone, PartialEq)]
pub struct SinkRecord {
    pub topic: String,
    pub partition: i32,
    pub offset: i64,
    pub key: SchemaAndValue,
    pub value: SchemaAndValue,
    pub timestamp: Option<i64>,
    pub headers: Headers,
}

impl SinkRecord {
    pub fn topic_partition(&self) -> TopicPartition {
        TopicPartition { topic: self.topic.clone(), partition: self.partition }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TopicPartition {
    pub topic: String,
    pub partition: i32,
}

impl TopicPartition {
    pub fn new(topic: impl Into<String>, partition: i32) -> Self {
        Self { topic: topic.into(), partition }
    }
}

impl fmt::Display for TopicPartition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", self.topic, self.partition)
    }
}
