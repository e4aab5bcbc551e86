//! Predicates: TopicNameMatches, HasHeaderKey, RecordIsTombstone.

use ferry_api::config::Props;
use ferry_api::{ConnectError, Result};
use regex::Regex;

use super::{missing, Predicate, Record};

/// The topic matches `pattern` in full.
pub struct TopicNameMatches(Regex);

impl TopicNameMatches {
    pub fn new(props: &Props) -> Result<Self> {
        let pattern = props.get("pattern").ok_or_else(|| missing("pattern"))?;
        Regex::new(&format!("^(?:{pattern})$")).map(Self).map_err(|e| ConnectError::config(format!("Invalid regex {pattern} for pattern: {e}")))
    }
}

impl Predicate for TopicNameMatches {
    fn test(&self, r: &Record) -> bool {
        self.0.is_match(&r.topic)
    }
}

/// The record has a header named `name`.
pub struct HasHeaderKey(String);

impl HasHeaderKey {
    pub fn new(props: &Props) -> Result<Self> {
        props.get("name").map(|n| Self(n.clone())).ok_or_else(|| missing("name"))
    }
}

impl Predicate for HasHeaderKey {
    fn test(&self, r: &Record) -> bool {
        r.headers.iter().any(|h| h.key == self.0)
    }
}

/// The record's value is null.
pub struct RecordIsTombstone;

impl Predicate for RecordIsTombstone {
    fn test(&self, r: &Record) -> bool {
        r.value.value.is_null()
    }
}
