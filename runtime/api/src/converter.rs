//! Converters turn Connect data into the bytes of a Kafka record and back.

use crate::error::Result;
use crate::record::SchemaAndValue;

pub trait Converter: Send + Sync {
    /// `None` is a null Kafka key or value (a tombstone).
    fn from_connect_data(&self, topic: &str, data: &SchemaAndValue) -> Result<Option<Vec<u8>>>;
    fn to_connect_data(&self, topic: &str, bytes: Option<&[u8]>) -> Result<SchemaAndValue>;
}

/// Converts header values (Connect's `HeaderConverter`).
pub trait HeaderConverter: Send + Sync {
    fn from_connect_header(&self, topic: &str, key: &str, data: &SchemaAndValue) -> Result<Option<Vec<u8>>>;
    fn to_connect_header(&self, topic: &str, key: &str, bytes: Option<&[u8]>) -> Result<SchemaAndValue>;
}
