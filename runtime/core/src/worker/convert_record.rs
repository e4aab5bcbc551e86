//! Between a Connect record and a Kafka message: the converters' half of
//! the record path.

use ferry_api::{Headers, Result, SchemaAndValue, SinkRecord, SourceRecord};
use rdkafka::message::{BorrowedMessage, Header, Headers as _, OwnedHeaders};
use rdkafka::Message;

use crate::convert::Converters;

/// A source record serialised for the producer.
pub struct Serialized {
    pub key: Option<Vec<u8>>,
    pub value: Option<Vec<u8>>,
    pub headers: Option<OwnedHeaders>,
}

pub fn serialize(conv: &Converters, record: &SourceRecord) -> Result<Serialized> {
    let topic = &record.topic;
    let key = conv.key.from_connect_data(topic, &record.key)?;
    let value = conv.value.from_connect_data(topic, &record.value)?;
    let headers = if record.headers.is_empty() {
        None
    } else {
        let mut out = OwnedHeaders::new_with_capacity(record.headers.0.len());
        for h in record.headers.iter() {
            let bytes = conv.header.from_connect_header(topic, &h.key, &h.value)?;
            out = out.insert(Header { key: &h.key, value: bytes.as_deref() });
        }
        Some(out)
    };
    Ok(Serialized { key, value, headers })
}

pub fn deserialize(conv: &Converters, msg: &BorrowedMessage<'_>) -> Result<SinkRecord> {
    let topic = msg.topic();
    let key = conv.key.to_connect_data(topic, msg.key())?;
    let value = conv.value.to_connect_data(topic, msg.payload())?;
    let mut headers = Headers::new();
    if let Some(hs) = msg.headers() {
        for h in hs.iter() {
            let v: SchemaAndValue = conv.header.to_connect_header(topic, h.key, h.value)?;
            headers.add(h.key, v);
        }
    }
    Ok(SinkRecord {
        topic: topic.to_owned(),
        partition: msg.partition(),
        offset: msg.offset(),
        key,
        value,
        timestamp: msg.timestamp().to_millis(),
        headers,
    })
}
