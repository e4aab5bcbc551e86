//! Transforms that route or drop records: RegexRouter, Filter.

use ferry_api::config::Props;
use ferry_api::{ConnectError, Result};
use regex::Regex;

use super::date_format::chrono_format;
use super::{missing, Record, Transform};

/// `RegexRouter`: a topic that matches `regex` in full becomes `replacement`
/// (`$1` for groups).
pub struct RegexRouter {
    regex: Regex,
    replacement: String,
}

impl RegexRouter {
    pub fn new(props: &Props) -> Result<Self> {
        let pattern = props.get("regex").ok_or_else(|| missing("regex"))?;
        let regex = Regex::new(&format!("^(?:{pattern})$")).map_err(|e| ConnectError::config(format!("Invalid regex {pattern}: {e}")))?;
        let replacement =
            props.get("replacement").cloned().ok_or_else(|| missing("replacement"))?;
        Ok(Self { regex, replacement })
    }
}

impl Transform for RegexRouter {
    fn apply(&self, mut r: Record) -> Result<Option<Record>> {
        if self.regex.is_match(&r.topic) {
            r.topic = self.regex.replace(&r.topic, self.replacement.as_str()).into_owned();
        }
        Ok(Some(r))
    }
}

/// `TimestampRouter`: the topic becomes `topic.format` (default
/// `${topic}-${timestamp}`), the record's timestamp written with
/// `timestamp.format` (Java's SimpleDateFormat letters; default `yyyyMMdd`), in UTC.
pub struct TimestampRouter {
    topic_format: String,
    timestamp_format: String,
}

impl TimestampRouter {
    pub fn new(props: &Props) -> Result<Self> {
        Ok(Self {
            topic_format: props.get("topic.format").cloned().unwrap_or_else(|| "${topic}-${timestamp}".into()),
            timestamp_format: chrono_format(props.get("timestamp.format").map_or("yyyyMMdd", String::as_str))?,
        })
    }
}

impl Transform for TimestampRouter {
    fn apply(&self, mut r: Record) -> Result<Option<Record>> {
        let ms = r.timestamp.ok_or_else(|| ConnectError::data(format!("Timestamp missing on record: topic {}", r.topic)))?;
        let at = chrono::DateTime::from_timestamp_millis(ms).ok_or_else(|| ConnectError::data(format!("Timestamp {ms} is out of range")))?;
        let stamp = at.format(&self.timestamp_format).to_string();
        r.topic = self.topic_format.replace("${topic}", &r.topic).replace("${timestamp}", &stamp);
        Ok(Some(r))
    }
}

/// `Filter`: drops every record it is applied to (with a predicate, those it matches).
pub struct Filter;

impl Transform for Filter {
    fn apply(&self, _: Record) -> Result<Option<Record>> {
        Ok(None)
    }
}

#[cfg(test)]
mod tests {
    use ferry_api::{Headers, SchemaAndValue};

    use super::*;

    #[test]
    fn routes_by_full_match_with_groups() {
        let props: Props = [("regex".to_owned(), "db1\\.(.*)".to_owned()), ("replacement".to_owned(), "mirror-$1".to_owned())].into_iter().collect();
        let router = RegexRouter::new(&props).expect("config");
        let rec = |t: &str| Record { topic: t.into(), partition: None, offset: None, key: SchemaAndValue::NULL, value: SchemaAndValue::NULL, timestamp: None, headers: Headers::new() };
        assert_eq!(router.apply(rec("db1.users")).expect("ok").expect("kept").topic, "mirror-users");
        assert_eq!(router.apply(rec("xdb1.users")).expect("ok").expect("kept").topic, "xdb1.users");
    }

    #[test]
    fn timestamp_router_formats_like_simpledateformat() {
        let props: Props = [("timestamp.format".to_owned(), "yyyy.MM.dd-HH".to_owned())].into_iter().collect();
        let mut r = Record { topic: "logs".into(), partition: None, offset: None, key: SchemaAndValue::NULL, value: SchemaAndValue::NULL, timestamp: Some(1_719_849_600_000), headers: Headers::new() };
        assert_eq!(TimestampRouter::new(&props).expect("config").apply(r.clone()).expect("ok").expect("kept").topic, "logs-2024.07.01-16");
        r.timestamp = None;
        assert!(TimestampRouter::new(&Props::new()).expect("config").apply(r).is_err());
    }
}
