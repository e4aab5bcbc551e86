//! Between a Connect record and a log record: the converters' half of the
//! record path.

use ferry_api::{ConnectError, Headers, SinkRecord, SourceRecord};

use super::errors::Stage;

use crate::convert::Converters;
use crate::log::{LogRecord, ProduceRecord};

pub fn serialize(conv: &Converters, record: &SourceRecord) -> std::result::Result<ProduceRecord, (Stage, ConnectError)> {
    let topic = &record.topic;
    let mut headers = Vec::with_capacity(record.headers.0.len());
    for h in record.headers.iter() {
        headers.push((h.key.clone(), conv.header.from_connect_header(topic, &h.key, &h.value).map_err(|e| (Stage::HeaderConverter, e))?));
    }
    Ok(ProduceRecord {
        topic: topic.clone(),
        partition: record.partition,
        key: conv.key.from_connect_data(topic, &record.key).map_err(|e| (Stage::KeyConverter, e))?,
        value: conv.value.from_connect_data(topic, &record.value).map_err(|e| (Stage::ValueConverter, e))?,
        timestamp: record.timestamp,
        headers,
    })
}

pub fn deserialize(conv: &Converters, rec: &LogRecord) -> std::result::Result<SinkRecord, (Stage, ConnectError)> {
    let topic = &rec.topic;
    let key = conv.key.to_connect_data(topic, rec.key.as_deref()).map_err(|e| (Stage::KeyConverter, e))?;
    let value = conv.value.to_connect_data(topic, rec.value.as_deref()).map_err(|e| (Stage::ValueConverter, e))?;
    let mut headers = Headers::new();
    for (k, v) in &rec.headers {
        let data = conv.header.to_connect_header(topic, k, v.as_deref()).map_err(|e| (Stage::HeaderConverter, e))?;
        headers.add(k.clone(), data);
    }
    Ok(SinkRecord {
        topic: rec.topic.clone(),
        partition: rec.partition,
        offset: rec.offset,
        key,
        value,
        timestamp: rec.timestamp,
        headers,
    })
}
