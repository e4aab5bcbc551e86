//! `JdbcSourceConnector`'s keys, named and defaulted as Confluent's.

use std::time::Duration;

use ferry_api::config::{ConfigDef, ConfigType as T, DefaultValue as D, Importance as I, Props, Validator};
use ferry_api::{ConnectError, Result};

use super::sql::Mode;
use crate::column::{Mapping, NumericMapping, TimeMapping, UnsignedBigint};
use crate::connection::{self, key, ms, val, Connection};
pub use crate::connection::{CONNECTION_URL, DB_TIMEZONE};
use crate::dialect::{transaction_isolation, ConnectOptions};

pub const MODE: &str = "mode";
pub const INCREMENTING_COLUMN: &str = "incrementing.column.name";
pub const TIMESTAMP_COLUMN: &str = "timestamp.column.name";
pub const TABLE_WHITELIST: &str = "table.whitelist";
pub const TABLE_BLACKLIST: &str = "table.blacklist";
pub const TABLE_INCLUDE: &str = "table.include.list";
pub const TABLE_EXCLUDE: &str = "table.exclude.list";
pub const QUERY: &str = "query";
pub const TOPIC_PREFIX: &str = "topic.prefix";
pub const TRANSACTION_ISOLATION: &str = "transaction.isolation.mode";
pub const RECORD_KEY_MODE: &str = "record.key.mode";
/// Task config: the tables a task reads, comma-separated full names.
pub const TASK_TABLES: &str = "tables";

pub fn config_def() -> ConfigDef {
    connection::define(ConfigDef::new())
        .define(key("catalog.pattern", T::String, D::Null, I::Medium, "Catalog pattern (SQL LIKE) to fetch table metadata from the database. MySQL and MariaDB default to the URL's database."))
        .define(key("schema.pattern", T::String, D::Null, I::Medium, "Schema pattern (SQL LIKE) to fetch table metadata from the database (PostgreSQL)."))
        .define(key(TABLE_WHITELIST, T::List, val(""), I::Medium, "List of tables to include in copying. Use either this or table.blacklist, not both."))
        .define(key(TABLE_BLACKLIST, T::List, val(""), I::Medium, "List of tables to exclude from copying."))
        .define(key(TABLE_INCLUDE, T::List, val(""), I::Medium, "Regular expressions matching the full names of tables to copy."))
        .define(key(TABLE_EXCLUDE, T::List, val(""), I::Medium, "Regular expressions matching the full names of tables not to copy."))
        .define(key("table.types", T::List, val("TABLE"), I::Low, "Types of tables to copy: TABLE, VIEW."))
        .define(key("numeric.mapping", T::String, D::Null, I::Low, "Map NUMERIC values by precision and optionally scale: none, best_fit, best_fit_eager_double, precision_only.").validator(Validator::OneOfIgnoreCase(NumericMapping::NAMES.to_vec())))
        .define(key("numeric.precision.mapping", T::Boolean, val("false"), I::Low, "Deprecated: numeric.mapping=precision_only."))
        .define(key(UnsignedBigint::KEY, T::String, val("long"), I::Low, "MySQL/MariaDB BIGINT UNSIGNED columns: 'long' writes int64, as Confluent's connector does (a value above 9223372036854775807 fails the task); 'precise' writes a Decimal of scale 0 that holds every value.").validator(Validator::OneOfIgnoreCase(UnsignedBigint::NAMES.to_vec())))
        .define(key(TimeMapping::KEY, T::String, val("connect"), I::Low, "TIME columns: 'connect' writes Connect's Time, a time of day, as Confluent's connector does (a MySQL/MariaDB TIME outside 00:00-24:00 fails the task); 'microseconds' writes an int64 of microseconds named io.debezium.time.MicroTime, which holds any MySQL TIME from -838:59:59 to 838:59:59.").validator(Validator::OneOfIgnoreCase(TimeMapping::NAMES.to_vec())))
        .define(key(MODE, T::String, val(""), I::High, "The mode for updating a table each time it is polled: bulk, incrementing, timestamp, timestamp+incrementing.").validator(Validator::OneOf(vec!["", "bulk", "timestamp", "incrementing", "timestamp+incrementing"])))
        .define(key(INCREMENTING_COLUMN, T::String, val(""), I::Medium, "The name of the strictly incrementing column to detect new rows. Empty: the table's auto-increment column."))
        .define(key(TIMESTAMP_COLUMN, T::List, val(""), I::Medium, "Timestamp columns detecting new or modified rows; several: the first non-null (COALESCE)."))
        .define(key("timestamp.initial", T::Long, D::Null, I::Low, "Epoch milliseconds to start timestamp modes from; -1: the database's current time."))
        .define(key("timestamp.delay.interval.ms", T::Long, val("0"), I::High, "How long to wait after a row with a certain timestamp appears before including it, for transactions to finish."))
        .define(key("validate.non.null", T::Boolean, val("true"), I::Low, "Refuse timestamp and incrementing columns that are nullable."))
        .define(key(QUERY, T::String, val(""), I::Medium, "A query to run instead of copying tables; the mode's WHERE clause is appended."))
        .define(key("query.suffix", T::String, val(""), I::Low, "Appended to the generated query."))
        .define(key("quote.sql.identifiers", T::String, val("always"), I::Medium, "When to quote table names, column names, and other identifiers.").validator(Validator::OneOfIgnoreCase(vec!["always", "never"])))
        .define(key("poll.interval.ms", T::Int, val("5000"), I::High, "Frequency in ms to poll for new data in each table."))
        .define(key("batch.max.rows", T::Int, val("100"), I::Low, "Maximum number of rows to include in a single batch when polling for new data.").validator(Validator::at_least(1.0)))
        .define(key("table.poll.interval.ms", T::Long, val("60000"), I::Low, "Frequency in ms to poll for new or removed tables."))
        .define(key(TOPIC_PREFIX, T::String, D::Required, I::High, "Prefix to prepend to table names to generate the topic names (query mode: the topic)."))
        .define(key(TRANSACTION_ISOLATION, T::String, val("DEFAULT"), I::Low, "Isolation level of the queries: DEFAULT, READ_UNCOMMITTED, READ_COMMITTED, REPEATABLE_READ, SERIALIZABLE.").validator(Validator::Custom(|v| v.as_str().map_or(Ok(()), |m| transaction_isolation(&isolation_name(m)).map(|_| ())))))
        .define(key(RECORD_KEY_MODE, T::String, val("none"), I::Medium, "Ferry: 'primary_key' sets each record's key to a struct of the table's primary-key columns (as ValueToKey would), so downstream upserts and compaction work without transforms.").validator(Validator::OneOf(vec!["none", "primary_key"])))
}

/// Confluent spells two levels with one T.
fn isolation_name(m: &str) -> String {
    m.replace("UNCOMMITED", "UNCOMMITTED").replace("READ_COMMITED", "READ_COMMITTED")
}

/// The parsed configuration.
#[derive(Debug, Clone)]
pub struct SourceConfig {
    pub connect: ConnectOptions,
    pub attempts: u32,
    pub backoff: Duration,
    pub catalog_pattern: Option<String>,
    pub schema_pattern: Option<String>,
    pub whitelist: Vec<String>,
    pub blacklist: Vec<String>,
    pub include: Vec<regex::Regex>,
    pub exclude: Vec<regex::Regex>,
    pub table_types: Vec<String>,
    pub mapping: Mapping,
    pub mode: Mode,
    pub incrementing_column: String,
    pub timestamp_columns: Vec<String>,
    pub timestamp_initial: Option<i64>,
    pub timestamp_delay: Duration,
    pub validate_non_null: bool,
    pub query: Option<String>,
    pub query_suffix: String,
    pub quote: bool,
    pub poll_interval: Duration,
    pub batch_max_rows: usize,
    pub table_poll_interval: Duration,
    pub topic_prefix: String,
    pub key_from_primary_key: bool,
}

fn regexes(list: Vec<String>, key: &str) -> Result<Vec<regex::Regex>> {
    list.iter()
        .map(|r| regex::Regex::new(&format!("^(?:{r})$")).map_err(|e| ConnectError::config(format!("Invalid regex '{r}' in {key}: {e}"))))
        .collect()
}

impl SourceConfig {
    pub fn parse(props: &Props) -> Result<Self> {
        let c = config_def().parse(props)?;
        let isolation = transaction_isolation(&isolation_name(&c.string(TRANSACTION_ISOLATION).unwrap_or_default())).map_err(ConnectError::config)?;
        let connection = Connection::parse(&c, isolation)?;
        let query = c.string(QUERY).filter(|q| !q.trim().is_empty());
        let mode_text = c.string(MODE).unwrap_or_default();
        let mode = Mode::parse(&mode_text).ok_or_else(|| {
            ConnectError::config(format!("Invalid value {mode_text:?} for configuration {MODE}: String must be one of: {}", Mode::NAMES.join(", ")))
        })?;
        let numeric_mapping = match c.string("numeric.mapping") {
            Some(m) => NumericMapping::parse(&m).unwrap_or(NumericMapping::None),
            None if c.boolean("numeric.precision.mapping") => NumericMapping::PrecisionOnly,
            None => NumericMapping::None,
        };
        let whitelist = c.list(TABLE_WHITELIST);
        let blacklist = c.list(TABLE_BLACKLIST);
        if !whitelist.is_empty() && !blacklist.is_empty() {
            return Err(ConnectError::config(format!("{TABLE_WHITELIST} and {TABLE_BLACKLIST} are exclusive: set one of them")));
        }
        Ok(Self {
            connect: connection.options,
            attempts: connection.attempts,
            backoff: connection.backoff,
            catalog_pattern: c.string("catalog.pattern"),
            schema_pattern: c.string("schema.pattern"),
            whitelist,
            blacklist,
            include: regexes(c.list(TABLE_INCLUDE), TABLE_INCLUDE)?,
            exclude: regexes(c.list(TABLE_EXCLUDE), TABLE_EXCLUDE)?,
            table_types: c.list("table.types"),
            mapping: Mapping {
                numeric: numeric_mapping,
                unsigned_bigint: c.string(UnsignedBigint::KEY).as_deref().and_then(UnsignedBigint::parse).unwrap_or_default(),
                time: c.string(TimeMapping::KEY).as_deref().and_then(TimeMapping::parse).unwrap_or_default(),
            },
            mode,
            incrementing_column: c.string(INCREMENTING_COLUMN).unwrap_or_default(),
            timestamp_columns: c.list(TIMESTAMP_COLUMN),
            timestamp_initial: c.get("timestamp.initial").and_then(|v| v.as_f64()).map(|v| v as i64),
            timestamp_delay: ms(c.long("timestamp.delay.interval.ms")),
            validate_non_null: c.boolean("validate.non.null"),
            query,
            query_suffix: c.string("query.suffix").unwrap_or_default(),
            quote: !c.string("quote.sql.identifiers").is_some_and(|q| q.eq_ignore_ascii_case("never")),
            poll_interval: ms(i64::from(c.int("poll.interval.ms"))),
            batch_max_rows: usize::try_from(c.int("batch.max.rows")).unwrap_or(100).max(1),
            table_poll_interval: ms(c.long("table.poll.interval.ms")),
            topic_prefix: c.string(TOPIC_PREFIX).unwrap_or_default(),
            key_from_primary_key: c.string(RECORD_KEY_MODE).as_deref() == Some("primary_key"),
        })
    }

    /// Whether a table is selected by the white/black and include/exclude lists.
    pub fn selects(&self, table: &crate::dialect::TableId) -> bool {
        let fqn = table.fqn();
        let named = |list: &[String]| list.iter().any(|t| *t == fqn || *t == table.name || fqn.ends_with(&format!(".{t}")));
        if !self.whitelist.is_empty() && !named(&self.whitelist) {
            return false;
        }
        if named(&self.blacklist) {
            return false;
        }
        if !self.include.is_empty() && !self.include.iter().any(|r| r.is_match(&fqn)) {
            return false;
        }
        !self.exclude.iter().any(|r| r.is_match(&fqn))
    }
}
