//! Source partitions and offsets in Confluent's format, so offsets its
//! connector stored resume here. Keys are inserted in the order a Java
//! HashMap iterates them, so the stored JSON is byte-identical.

use chrono::{DateTime, Utc};
use ferry_api::SourceMap;
use serde_json::{json, Value as Json};

/// Partition of a table: `{"protocol":"1","table":"<catalog.schema.table>"}`.
pub fn table_partition(fqn: &str) -> SourceMap {
    map([("protocol", json!("1")), ("table", json!(fqn))])
}

/// Before protocol 1, the partition named the bare table.
pub fn legacy_table_partition(table: &str) -> SourceMap {
    map([("table", json!(table))])
}

/// Query mode's single partition.
pub fn query_partition() -> SourceMap {
    map([("query", json!("query"))])
}

fn map<const N: usize>(entries: [(&str, Json); N]) -> SourceMap {
    entries.into_iter().map(|(k, v)| (k.to_owned(), v)).collect()
}

/// Where a table's reading has got to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Offset {
    pub incrementing: Option<i64>,
    pub timestamp: Option<DateTime<Utc>>,
}

impl Offset {
    pub fn to_map(self) -> SourceMap {
        let mut m = SourceMap::new();
        if let Some(ts) = self.timestamp {
            m.insert("timestamp_nanos".into(), Json::from(ts.timestamp_subsec_nanos()));
        }
        if let Some(i) = self.incrementing {
            m.insert("incrementing".into(), Json::from(i));
        }
        if let Some(ts) = self.timestamp {
            m.insert("timestamp".into(), Json::from(ts.timestamp_millis()));
        }
        m
    }

    pub fn from_map(m: &SourceMap) -> Self {
        let incrementing = m.get("incrementing").and_then(Json::as_i64);
        let timestamp = m.get("timestamp").and_then(Json::as_i64).and_then(|ms| {
            let secs = ms.div_euclid(1000);
            // timestamp_nanos, when present, is the whole nanosecond-of-second.
            let nanos = m
                .get("timestamp_nanos")
                .and_then(Json::as_u64)
                .and_then(|n| u32::try_from(n).ok())
                .unwrap_or((ms.rem_euclid(1000) * 1_000_000) as u32);
            DateTime::from_timestamp(secs, nanos)
        });
        Self { incrementing, timestamp }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn confluent_bytes() {
        assert_eq!(Json::Object(table_partition("test.users")).to_string(), r#"{"protocol":"1","table":"test.users"}"#);
        let ts = DateTime::parse_from_rfc3339("2024-05-01T10:00:00.123456789Z").expect("ts").with_timezone(&Utc);
        let o = Offset { incrementing: Some(42), timestamp: Some(ts) };
        assert_eq!(
            Json::Object(o.to_map()).to_string(),
            r#"{"timestamp_nanos":123456789,"incrementing":42,"timestamp":1714557600123}"#
        );
        assert_eq!(Offset::from_map(&o.to_map()), o);
        assert_eq!(Offset::from_map(&map([("incrementing", json!(7))])), Offset { incrementing: Some(7), timestamp: None });
    }
}
