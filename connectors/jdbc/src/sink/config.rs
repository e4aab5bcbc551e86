//! `JdbcSinkConnector`'s keys, named and defaulted as Confluent's.

use std::time::Duration;

use ferry_api::config::{ConfigDef, ConfigType as T, Importance as I, Props, Validator};
use ferry_api::{ConnectError, Result};

use crate::connection::{self, key, ms, val, Connection};

pub const INSERT_MODE: &str = "insert.mode";
pub const PK_MODE: &str = "pk.mode";
pub const PK_FIELDS: &str = "pk.fields";
pub const DELETE_ENABLED: &str = "delete.enabled";
pub const TABLE_NAME_FORMAT: &str = "table.name.format";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InsertMode {
    Insert,
    Upsert,
    Update,
}

/// Where the primary-key columns come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PkMode {
    None,
    /// `__connect_topic`, `__connect_partition`, `__connect_offset`.
    Kafka,
    RecordKey,
    RecordValue,
}

pub fn config_def() -> ConfigDef {
    connection::define(ConfigDef::new())
        .define(key(INSERT_MODE, T::String, val("insert"), I::High, "The insertion mode: insert, upsert (insert or update on the primary key), update.").validator(Validator::OneOfIgnoreCase(vec!["insert", "upsert", "update"])))
        .define(key("batch.size", T::Int, val("3000"), I::Medium, "How many records to write to a table in one statement batch, when possible.").validator(Validator::at_least(0.0)))
        .define(key(DELETE_ENABLED, T::Boolean, val("false"), I::Medium, "Whether to treat null record values as deletes. Requires pk.mode to be record_key."))
        .define(key(TABLE_NAME_FORMAT, T::String, val("${topic}"), I::Medium, "A format string for the destination table name, which may contain '${topic}' for the originating topic name."))
        .define(key(PK_MODE, T::String, val("none"), I::High, "The primary key mode: none, kafka, record_key, record_value.").validator(Validator::OneOfIgnoreCase(vec!["none", "kafka", "record_key", "record_value"])))
        .define(key(PK_FIELDS, T::List, val(""), I::Medium, "Primary-key field names; their meaning depends on pk.mode (empty: all fields of the key or value struct; kafka: the three coordinate columns)."))
        .define(key("fields.whitelist", T::List, val(""), I::Medium, "Record value fields to write; empty: all of them."))
        .define(key("auto.create", T::Boolean, val("false"), I::Medium, "Whether to create a missing destination table (CREATE TABLE) from the record schema."))
        .define(key("auto.evolve", T::Boolean, val("false"), I::Medium, "Whether to add missing columns (ALTER TABLE … ADD) when a record has new optional or defaulted fields."))
        .define(key("quote.sql.identifiers", T::String, val("always"), I::Medium, "When to quote table names, column names, and other identifiers.").validator(Validator::OneOfIgnoreCase(vec!["always", "never"])))
        .define(key("max.retries", T::Int, val("10"), I::Medium, "How many times to retry on errors before failing the task.").validator(Validator::at_least(0.0)))
        .define(key("retry.backoff.ms", T::Int, val("3000"), I::Medium, "The time in milliseconds to wait following an error before a retry attempt.").validator(Validator::at_least(0.0)))
        .define(key("table.types", T::List, val("TABLE"), I::Low, "Table types the sink may write: TABLE, VIEW, PARTITIONED TABLE."))
}

/// The parsed configuration.
#[derive(Debug, Clone)]
pub struct SinkConfig {
    pub connection: Connection,
    pub insert_mode: InsertMode,
    pub batch_size: usize,
    pub delete_enabled: bool,
    pub table_name_format: String,
    pub pk_mode: PkMode,
    pub pk_fields: Vec<String>,
    pub fields_whitelist: Vec<String>,
    pub auto_create: bool,
    pub auto_evolve: bool,
    pub quote: bool,
    pub max_retries: u32,
    pub retry_backoff: Duration,
}

impl SinkConfig {
    pub fn parse(props: &Props) -> Result<Self> {
        Self::parse_blaming(props).map_err(|(_, e)| e)
    }

    /// As [`SinkConfig::parse`], with the key an error is about, for `config/validate`.
    pub fn parse_blaming(props: &Props) -> std::result::Result<Self, (&'static str, ConnectError)> {
        let c = config_def().parse(props).map_err(|e| (PK_MODE, e))?;
        let insert_mode = match c.string(INSERT_MODE).unwrap_or_default().to_ascii_lowercase().as_str() {
            "upsert" => InsertMode::Upsert,
            "update" => InsertMode::Update,
            _ => InsertMode::Insert,
        };
        let pk_mode = match c.string(PK_MODE).unwrap_or_default().to_ascii_lowercase().as_str() {
            "kafka" => PkMode::Kafka,
            "record_key" => PkMode::RecordKey,
            "record_value" => PkMode::RecordValue,
            _ => PkMode::None,
        };
        let delete_enabled = c.boolean(DELETE_ENABLED);
        let refuse = |key: &'static str, message: String| Err((key, ConnectError::config(message)));
        if delete_enabled && pk_mode != PkMode::RecordKey {
            return refuse(DELETE_ENABLED, format!(
                "Deletes are only supported for pk.mode record_key: set {PK_MODE}=record_key or {DELETE_ENABLED}=false"
            ));
        }
        if insert_mode != InsertMode::Insert && pk_mode == PkMode::None {
            return refuse(INSERT_MODE, format!(
                "insert.mode {} needs a primary key: set {PK_MODE} to record_key, record_value or kafka",
                c.string(INSERT_MODE).unwrap_or_default()
            ));
        }
        let pk_fields = c.list(PK_FIELDS);
        if pk_mode == PkMode::Kafka && !pk_fields.is_empty() && pk_fields.len() != 3 {
            return refuse(PK_FIELDS, format!(
                "{PK_FIELDS} for pk.mode kafka names the topic, partition and offset columns: 3 names, or none for the defaults"
            ));
        }
        Ok(Self {
            connection: Connection::parse(&c, None).map_err(|e| (crate::connection::CONNECTION_URL, e))?,
            insert_mode,
            batch_size: usize::try_from(c.int("batch.size")).unwrap_or(3000).max(1),
            delete_enabled,
            table_name_format: c.string(TABLE_NAME_FORMAT).unwrap_or_else(|| "${topic}".into()),
            pk_mode,
            pk_fields,
            fields_whitelist: c.list("fields.whitelist"),
            auto_create: c.boolean("auto.create"),
            auto_evolve: c.boolean("auto.evolve"),
            quote: !c.string("quote.sql.identifiers").is_some_and(|q| q.eq_ignore_ascii_case("never")),
            max_retries: u32::try_from(c.int("max.retries")).unwrap_or(0),
            retry_backoff: ms(i64::from(c.int("retry.backoff.ms"))),
        })
    }

    /// The destination table of a topic.
    pub fn table_name(&self, topic: &str) -> String {
        self.table_name_format.replace("${topic}", topic)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn props(extra: &[(&str, &str)]) -> Props {
        let mut p: Props = [("connection.url", "jdbc:postgresql://localhost/db")].iter().map(|(k, v)| ((*k).into(), (*v).into())).collect();
        p.extend(extra.iter().map(|(k, v)| ((*k).into(), (*v).into())));
        p
    }

    #[test]
    fn confluent_defaults() {
        let c = SinkConfig::parse(&props(&[])).expect("parses");
        assert_eq!((c.insert_mode, c.pk_mode, c.batch_size, c.max_retries), (InsertMode::Insert, PkMode::None, 3000, 10));
        assert_eq!(c.table_name("orders"), "orders");
        assert_eq!(c.retry_backoff, Duration::from_secs(3));
    }

    #[test]
    fn inconsistent_modes_are_refused_with_what_to_do() {
        let e = SinkConfig::parse(&props(&[("delete.enabled", "true")])).expect_err("refused");
        assert!(e.to_string().contains("pk.mode=record_key"), "{e}");
        let e = SinkConfig::parse(&props(&[("insert.mode", "upsert")])).expect_err("refused");
        assert!(e.to_string().contains("needs a primary key"), "{e}");
        let c = SinkConfig::parse(&props(&[("table.name.format", "kafka_${topic}_v1")])).expect("parses");
        assert_eq!(c.table_name("orders"), "kafka_orders_v1");
    }
}
