//! `ElasticsearchSinkConnector`'s keys, named and defaulted as Confluent's.

use std::collections::HashSet;
use std::time::Duration;

use ferry_api::config::{ConfigDef, ConfigKey, ConfigType as T, DefaultValue as D, Importance as I, Props, Validator};
use ferry_api::{ConnectError, Result};

pub const CONNECTION_URL: &str = "connection.url";
pub const CONNECTION_USERNAME: &str = "connection.username";
pub const CONNECTION_PASSWORD: &str = "connection.password";
pub const KEY_IGNORE: &str = "key.ignore";
pub const SCHEMA_IGNORE: &str = "schema.ignore";
pub const TOPIC_KEY_IGNORE: &str = "topic.key.ignore";
pub const TOPIC_SCHEMA_IGNORE: &str = "topic.schema.ignore";
pub const WRITE_METHOD: &str = "write.method";
pub const BEHAVIOR_ON_NULL_VALUES: &str = "behavior.on.null.values";
pub const BEHAVIOR_ON_MALFORMED_DOCUMENTS: &str = "behavior.on.malformed.documents";
pub const BATCH_SIZE: &str = "batch.size";
pub const BULK_SIZE_BYTES: &str = "bulk.size.bytes";
pub const LINGER_MS: &str = "linger.ms";
pub const MAX_IN_FLIGHT_REQUESTS: &str = "max.in.flight.requests";
pub const MAX_BUFFERED_RECORDS: &str = "max.buffered.records";
pub const FLUSH_TIMEOUT_MS: &str = "flush.timeout.ms";
pub const MAX_RETRIES: &str = "max.retries";
pub const RETRY_BACKOFF_MS: &str = "retry.backoff.ms";
pub const DATA_STREAM_TYPE: &str = "data.stream.type";

/// How a document is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WriteMethod {
    /// Index the whole document, replacing any with the same id.
    Insert,
    /// Update the fields present in the record, creating the document if missing.
    Upsert,
}

/// What a record with a null value (a tombstone) does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OnNull {
    Ignore,
    Delete,
    Fail,
}

/// What a document the cluster refuses as malformed does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OnMalformed {
    Ignore,
    Warn,
    Fail,
}

fn key(name: &str, ty: T, default: D, importance: I, doc: &str) -> ConfigKey {
    ConfigKey::new(name, ty, default, importance, doc)
}

fn val(s: &str) -> D {
    D::Value(s.into())
}

fn one_of(options: &[&'static str]) -> Validator {
    Validator::OneOfIgnoreCase(options.to_vec())
}

pub fn config_def() -> ConfigDef {
    ConfigDef::new()
        .define(key(CONNECTION_URL, T::List, D::Required, I::High, "The comma-separated list of one or more Elasticsearch URLs, such as http://eshost1:9200,http://eshost2:9200. Requests go to the first that answers; a URL without a protocol is treated as http."))
        .define(key(CONNECTION_USERNAME, T::String, D::Null, I::Medium, "The username used to authenticate with Elasticsearch (HTTP basic authentication). Authentication is performed only if both the username and password are set."))
        .define(key(CONNECTION_PASSWORD, T::Password, D::Null, I::Medium, "The password used to authenticate with Elasticsearch. Authentication is performed only if both the username and password are set."))
        .define(key("connection.timeout.ms", T::Int, val("1000"), I::Low, "How long to wait in milliseconds when establishing a connection to an Elasticsearch server; a server that does not answer in time counts as down and the next URL is tried.").validator(Validator::at_least(0.0)))
        .define(key("read.timeout.ms", T::Int, val("3000"), I::Low, "How long to wait in milliseconds for an Elasticsearch server to answer a request; a request that times out is retried.").validator(Validator::at_least(0.0)))
        .define(key(KEY_IGNORE, T::Boolean, val("false"), I::High, "Whether to ignore the record key for the purpose of forming the Elasticsearch document ID. When true, document IDs are the record's topic+partition+offset. Use topic.key.ignore to set it for some topics only."))
        .define(key(SCHEMA_IGNORE, T::Boolean, val("false"), I::Low, "Whether to ignore schemas during indexing. When true, no mapping is created from the record schema and Elasticsearch infers the mapping from the data. Use topic.schema.ignore to set it for some topics only."))
        .define(key(TOPIC_KEY_IGNORE, T::List, val(""), I::Low, "List of topics for which key.ignore should be true."))
        .define(key(TOPIC_SCHEMA_IGNORE, T::List, val(""), I::Low, "List of topics for which schema.ignore should be true."))
        .define(key("type.name", T::String, val(""), I::Low, "The Elasticsearch type name, for configurations written for Elasticsearch 6 and earlier. Accepted and ignored: Elasticsearch 7 and later have no mapping types."))
        .define(key(WRITE_METHOD, T::String, val("insert"), I::Low, "How documents are written: insert (the document from the record value replaces any with the same ID) or upsert (creates the document if missing, else adds or replaces only the fields present in the record value).").validator(one_of(&["insert", "upsert"])))
        .define(key(BEHAVIOR_ON_NULL_VALUES, T::String, val("fail"), I::Low, "How to handle records with a non-null key and a null value (Kafka tombstones): ignore, delete (the document with the key as ID), or fail.").validator(one_of(&["ignore", "delete", "fail"])))
        .define(key(BEHAVIOR_ON_MALFORMED_DOCUMENTS, T::String, val("fail"), I::Low, "How to handle records that Elasticsearch rejects because of the document itself (a mapping conflict, a field name with illegal characters, a value that is not an object): ignore, warn (log and skip), or fail.").validator(one_of(&["ignore", "warn", "fail"])))
        .define(key(BATCH_SIZE, T::Int, val("2000"), I::Medium, "The number of records to send to Elasticsearch in one bulk request.").validator(Validator::between(1.0, 1_000_000.0)))
        .define(key(BULK_SIZE_BYTES, T::Long, val("5242880"), I::Low, "The largest bulk request body, in bytes; -1 disables the limit. Whichever of batch.size and this is reached first ends a request.").validator(Validator::at_least(-1.0)))
        .define(key(LINGER_MS, T::Long, val("1"), I::Low, "How long in milliseconds a bulk request that is not full waits for more records before it is sent.").validator(Validator::between(0.0, 604_800_000.0)))
        .define(key(MAX_IN_FLIGHT_REQUESTS, T::Int, val("5"), I::Medium, "The most bulk requests sent to Elasticsearch and not yet answered, per task.").validator(Validator::between(1.0, 1000.0)))
        .define(key(MAX_BUFFERED_RECORDS, T::Int, val("20000"), I::Low, "The most records a task holds (batched or in flight) before put waits for answers. Bounds the memory of each task.").validator(Validator::at_least(1.0)))
        .define(key(FLUSH_TIMEOUT_MS, T::Long, val("180000"), I::Low, "How long in milliseconds to wait for buffer space, or for every buffered record to be acknowledged on a flush, before the task fails.").validator(Validator::at_least(1.0)))
        .define(key(MAX_RETRIES, T::Int, val("5"), I::Low, "How many times a bulk request is retried when Elasticsearch is unreachable, overloaded (429) or failing (5xx) before the task fails.").validator(Validator::at_least(0.0)))
        .define(key(RETRY_BACKOFF_MS, T::Long, val("100"), I::Low, "How long in milliseconds to wait before the first retry; each further retry waits up to twice as long as the previous one, randomized (exponential backoff with jitter).").validator(Validator::at_least(0.0)))
        .define(key("drop.invalid.message", T::Boolean, val("false"), I::Low, "Whether to drop (log and skip) a record that cannot be converted to a document, such as a key that cannot be a document ID, instead of failing the task."))
        .define(key("compact.map.entries", T::Boolean, val("true"), I::Low, "How map entries with string keys are written: true writes \"key\": value; false writes them as nested documents {\"key\": key, \"value\": value}. Maps with other keys are always nested documents."))
        .define(key(DATA_STREAM_TYPE, T::String, val("none"), I::Low, "Data streams are not supported: only none (regular indices) is accepted.").validator(one_of(&["none", "logs", "metrics"])))
        .define(key("data.stream.dataset", T::String, val(""), I::Low, "Data streams are not supported; must be empty."))
}

/// The parsed configuration.
#[derive(Debug, Clone)]
pub struct SinkConfig {
    /// Base URLs, without a trailing slash, tried in order.
    pub urls: Vec<String>,
    pub credentials: Option<(String, String)>,
    pub connect_timeout: Duration,
    pub read_timeout: Duration,
    key_ignore: bool,
    schema_ignore: bool,
    topic_key_ignore: HashSet<String>,
    topic_schema_ignore: HashSet<String>,
    pub write_method: WriteMethod,
    pub on_null: OnNull,
    pub on_malformed: OnMalformed,
    pub batch_size: usize,
    /// `None`: no limit.
    pub bulk_size_bytes: Option<usize>,
    pub linger: Duration,
    pub max_in_flight: usize,
    pub max_buffered: usize,
    pub flush_timeout: Duration,
    pub max_retries: u32,
    pub retry_backoff: Duration,
    pub drop_invalid: bool,
    pub compact_map_entries: bool,
}

fn ms(v: i64) -> Duration {
    Duration::from_millis(u64::try_from(v).unwrap_or(0))
}

/// `host:9200` → `http://host:9200`; no trailing slash.
fn normalize_url(url: &str) -> std::result::Result<String, String> {
    let url = url.trim().trim_end_matches('/');
    let full = if url.contains("://") { url.to_owned() } else { format!("http://{url}") };
    let parsed = reqwest::Url::parse(&full).map_err(|e| format!("Malformed Elasticsearch connection URL {url}: {e}"))?;
    match parsed.scheme() {
        "http" => {}
        "https" => return Err(format!("{url}: https is not supported yet; reach the cluster over http (for example through a local TLS proxy)")),
        other => return Err(format!("{url}: unsupported protocol {other}; use http")),
    }
    if parsed.host_str().is_none() {
        return Err(format!("Malformed Elasticsearch connection URL {url}: no host"));
    }
    Ok(full)
}

impl SinkConfig {
    pub fn parse(props: &Props) -> Result<Self> {
        Self::parse_blaming(props).map_err(|(_, e)| e)
    }

    /// As [`SinkConfig::parse`], with the key an error is about, for `config/validate`.
    pub fn parse_blaming(props: &Props) -> std::result::Result<Self, (&'static str, ConnectError)> {
        let c = config_def().parse(props).map_err(|e| (CONNECTION_URL, e))?;
        let refuse = |key: &'static str, message: String| Err((key, ConnectError::config(message)));
        let lower = |k: &str| c.string(k).unwrap_or_default().to_ascii_lowercase();

        let mut urls = Vec::new();
        for u in c.list(CONNECTION_URL).iter().filter(|u| !u.is_empty()) {
            match normalize_url(u) {
                Ok(u) => urls.push(u),
                Err(e) => return refuse(CONNECTION_URL, e),
            }
        }
        if urls.is_empty() {
            return refuse(CONNECTION_URL, format!("{CONNECTION_URL} must name at least one Elasticsearch URL"));
        }
        let credentials = match (c.string(CONNECTION_USERNAME), c.string(CONNECTION_PASSWORD)) {
            (Some(u), Some(p)) => Some((u, p)),
            (None, None) => None,
            (Some(_), None) => return refuse(CONNECTION_PASSWORD, format!("Both '{CONNECTION_USERNAME}' and '{CONNECTION_PASSWORD}' must be set.")),
            (None, Some(_)) => return refuse(CONNECTION_USERNAME, format!("Both '{CONNECTION_USERNAME}' and '{CONNECTION_PASSWORD}' must be set.")),
        };
        let key_ignore = c.boolean(KEY_IGNORE);
        let schema_ignore = c.boolean(SCHEMA_IGNORE);
        let topic_key_ignore: HashSet<String> = c.list(TOPIC_KEY_IGNORE).into_iter().filter(|t| !t.is_empty()).collect();
        let topic_schema_ignore: HashSet<String> = c.list(TOPIC_SCHEMA_IGNORE).into_iter().filter(|t| !t.is_empty()).collect();
        if key_ignore && !topic_key_ignore.is_empty() {
            return refuse(TOPIC_KEY_IGNORE, format!("'{TOPIC_KEY_IGNORE}' can not be set if '{KEY_IGNORE}' is true."));
        }
        if schema_ignore && !topic_schema_ignore.is_empty() {
            return refuse(TOPIC_SCHEMA_IGNORE, format!("'{TOPIC_SCHEMA_IGNORE}' can not be set if '{SCHEMA_IGNORE}' is true."));
        }
        if lower(DATA_STREAM_TYPE) != "none" || !c.string("data.stream.dataset").unwrap_or_default().is_empty() {
            return refuse(DATA_STREAM_TYPE, "Data streams are not supported: remove data.stream.type and data.stream.dataset to write to regular indices".into());
        }
        let batch_size = usize::try_from(c.int(BATCH_SIZE)).unwrap_or(2000).max(1);
        let max_in_flight = usize::try_from(c.int(MAX_IN_FLIGHT_REQUESTS)).unwrap_or(5).max(1);
        let max_buffered = usize::try_from(c.int(MAX_BUFFERED_RECORDS)).unwrap_or(20_000).max(1);
        if max_buffered < batch_size.saturating_mul(max_in_flight) {
            return refuse(MAX_BUFFERED_RECORDS, format!(
                "'{MAX_BUFFERED_RECORDS}' ({max_buffered}) must be larger than or equal to '{BATCH_SIZE}' ({batch_size}) x {MAX_IN_FLIGHT_REQUESTS} ({max_in_flight})."
            ));
        }
        let (linger, flush_timeout) = (c.long(LINGER_MS), c.long(FLUSH_TIMEOUT_MS));
        if linger > flush_timeout {
            return refuse(LINGER_MS, format!("'{LINGER_MS}' ({linger}) can not be larger than '{FLUSH_TIMEOUT_MS}' ({flush_timeout})."));
        }
        Ok(Self {
            urls,
            credentials,
            connect_timeout: ms(c.int("connection.timeout.ms").into()),
            read_timeout: ms(c.int("read.timeout.ms").into()),
            key_ignore,
            schema_ignore,
            topic_key_ignore,
            topic_schema_ignore,
            write_method: if lower(WRITE_METHOD) == "upsert" { WriteMethod::Upsert } else { WriteMethod::Insert },
            on_null: match lower(BEHAVIOR_ON_NULL_VALUES).as_str() {
                "ignore" => OnNull::Ignore,
                "delete" => OnNull::Delete,
                _ => OnNull::Fail,
            },
            on_malformed: match lower(BEHAVIOR_ON_MALFORMED_DOCUMENTS).as_str() {
                "ignore" => OnMalformed::Ignore,
                "warn" => OnMalformed::Warn,
                _ => OnMalformed::Fail,
            },
            batch_size,
            bulk_size_bytes: usize::try_from(c.long(BULK_SIZE_BYTES)).ok().filter(|b| *b > 0),
            linger: ms(linger),
            max_in_flight,
            max_buffered,
            flush_timeout: ms(flush_timeout),
            max_retries: u32::try_from(c.int(MAX_RETRIES)).unwrap_or(0),
            retry_backoff: ms(c.long(RETRY_BACKOFF_MS)),
            drop_invalid: c.boolean("drop.invalid.message"),
            compact_map_entries: c.boolean("compact.map.entries"),
        })
    }

    /// Whether documents of this topic take their ID from topic+partition+offset.
    pub fn ignores_key(&self, topic: &str) -> bool {
        self.key_ignore || self.topic_key_ignore.contains(topic)
    }

    /// Whether this topic's index gets no mapping from the record schema.
    pub fn ignores_schema(&self, topic: &str) -> bool {
        self.schema_ignore || self.topic_schema_ignore.contains(topic)
    }
}

/// The index of a topic, as Confluent's connector names it: lowercased, at
/// most 255 bytes, no leading `-` or `_`, and never `.` or `..`.
pub fn index_name(topic: &str) -> String {
    let mut index = topic.to_lowercase();
    if index.len() > 255 {
        let mut end = 255;
        while !index.is_char_boundary(end) {
            end -= 1;
        }
        index.truncate(end);
    }
    if index.starts_with('-') || index.starts_with('_') {
        index.remove(0);
    }
    if index == "." || index == ".." {
        index = index.replace('.', "dot");
    }
    index
}

#[cfg(test)]
mod tests {
    use super::*;

    fn props(extra: &[(&str, &str)]) -> Props {
        let mut p: Props = [(CONNECTION_URL, "http://localhost:9200")].iter().map(|(k, v)| ((*k).into(), (*v).into())).collect();
        p.extend(extra.iter().map(|(k, v)| ((*k).into(), (*v).into())));
        p
    }

    #[test]
    fn confluent_defaults() {
        let c = SinkConfig::parse(&props(&[])).expect("parses");
        assert_eq!(c.urls, ["http://localhost:9200"]);
        assert_eq!((c.batch_size, c.max_in_flight, c.max_buffered, c.max_retries), (2000, 5, 20_000, 5));
        assert_eq!((c.bulk_size_bytes, c.linger, c.retry_backoff), (Some(5 * 1024 * 1024), Duration::from_millis(1), Duration::from_millis(100)));
        assert_eq!((c.write_method, c.on_null, c.on_malformed), (WriteMethod::Insert, OnNull::Fail, OnMalformed::Fail));
        assert_eq!(c.flush_timeout, Duration::from_secs(180));
        assert!(!c.ignores_key("t") && !c.ignores_schema("t") && c.compact_map_entries && !c.drop_invalid);
    }

    #[test]
    fn urls_are_a_list_and_get_a_protocol() {
        let c = SinkConfig::parse(&props(&[(CONNECTION_URL, "es1:9200/, http://es2:9200")])).expect("parses");
        assert_eq!(c.urls, ["http://es1:9200", "http://es2:9200"]);
        let e = SinkConfig::parse_blaming(&props(&[(CONNECTION_URL, "ftp://es1")])).expect_err("refused");
        assert_eq!(e.0, CONNECTION_URL);
        assert!(e.1.message().contains("ftp"), "{}", e.1);
    }

    #[test]
    fn per_topic_overrides() {
        let c = SinkConfig::parse(&props(&[(TOPIC_KEY_IGNORE, "logs, clicks"), (TOPIC_SCHEMA_IGNORE, "logs")])).expect("parses");
        assert!(c.ignores_key("logs") && c.ignores_key("clicks") && !c.ignores_key("users"));
        assert!(c.ignores_schema("logs") && !c.ignores_schema("clicks"));
        let e = SinkConfig::parse_blaming(&props(&[(KEY_IGNORE, "true"), (TOPIC_KEY_IGNORE, "logs")])).expect_err("refused");
        assert_eq!(e.0, TOPIC_KEY_IGNORE);
    }

    #[test]
    fn inconsistent_settings_are_refused_with_confluents_words() {
        let e = SinkConfig::parse_blaming(&props(&[(MAX_BUFFERED_RECORDS, "100")])).expect_err("refused");
        assert_eq!(e.1.message(), "'max.buffered.records' (100) must be larger than or equal to 'batch.size' (2000) x max.in.flight.requests (5).");
        let e = SinkConfig::parse_blaming(&props(&[(CONNECTION_USERNAME, "elastic")])).expect_err("refused");
        assert_eq!(e.1.message(), "Both 'connection.username' and 'connection.password' must be set.");
        let e = SinkConfig::parse_blaming(&props(&[(LINGER_MS, "5000"), (FLUSH_TIMEOUT_MS, "1000")])).expect_err("refused");
        assert_eq!(e.0, LINGER_MS);
        let e = SinkConfig::parse_blaming(&props(&[(DATA_STREAM_TYPE, "logs")])).expect_err("refused");
        assert_eq!(e.0, DATA_STREAM_TYPE);
        let c = SinkConfig::parse(&props(&[("type.name", "kafka-connect"), (BULK_SIZE_BYTES, "-1"), (WRITE_METHOD, "UPSERT")])).expect("parses");
        assert_eq!((c.bulk_size_bytes, c.write_method), (None, WriteMethod::Upsert));
    }

    #[test]
    fn index_names_follow_elasticsearch_rules() {
        assert_eq!(index_name("Coupang"), "coupang");
        assert_eq!(index_name("_internal"), "internal");
        assert_eq!(index_name(".."), "dotdot");
        assert_eq!(index_name(&"A".repeat(300)).len(), 255);
    }
}
