//! The connection keys both JDBC connectors share, named and defaulted as
//! Confluent's: URL, credentials, retries, dialect and time zone.

use std::time::Duration;

use ferry_api::config::{ConfigDef, ConfigKey, ConfigType as T, ConfigValue, DefaultValue as D, Importance as I, Parsed, ParsedConfig, Validator};
use ferry_api::{ConnectError, Result};

use crate::dialect::{ConnectOptions, Db, DialectKind, Session};
use crate::url::JdbcUrl;

pub const CONNECTION_URL: &str = "connection.url";
pub const CONNECTION_USER: &str = "connection.user";
pub const CONNECTION_PASSWORD: &str = "connection.password";
pub const DB_TIMEZONE: &str = "db.timezone";

pub fn key(name: &str, ty: T, default: D, importance: I, doc: &str) -> ConfigKey {
    ConfigKey::new(name, ty, default, importance, doc)
}

pub fn val(s: &str) -> D {
    D::Value(s.into())
}

pub fn ms(v: i64) -> Duration {
    Duration::from_millis(u64::try_from(v).unwrap_or(0))
}

fn valid_timezone(v: &Parsed) -> std::result::Result<(), String> {
    match v.as_str() {
        Some(tz) if tz.parse::<chrono_tz::Tz>().is_err() => Err(format!("Invalid time zone identifier {tz}")),
        _ => Ok(()),
    }
}

fn valid_url(v: &Parsed) -> std::result::Result<(), String> {
    v.as_str().map_or(Ok(()), |u| JdbcUrl::parse(u).map(|_| ()))
}

fn valid_dialect(v: &Parsed) -> std::result::Result<(), String> {
    match v.as_str() {
        Some(n) if !n.is_empty() && DialectKind::from_dialect_name(n).is_none() => {
            Err(format!("Ferry supports the dialects {}", DialectKind::DIALECT_NAMES.join(", ")))
        }
        _ => Ok(()),
    }
}

/// Adds the connection keys to a connector's definition.
pub fn define(def: ConfigDef) -> ConfigDef {
    def.define(key(CONNECTION_URL, T::String, D::Required, I::High, "JDBC connection URL, e.g. jdbc:mysql://localhost:3306/db, jdbc:mariadb://…, jdbc:postgresql://localhost:5432/db.").validator(Validator::Custom(valid_url)))
        .define(key(CONNECTION_USER, T::String, D::Null, I::High, "JDBC connection user."))
        .define(key(CONNECTION_PASSWORD, T::Password, D::Null, I::High, "JDBC connection password."))
        .define(key("connection.attempts", T::Int, val("3"), I::Low, "Maximum number of attempts to retrieve a valid JDBC connection.").validator(Validator::at_least(1.0)))
        .define(key("connection.backoff.ms", T::Long, val("10000"), I::Low, "Backoff time in milliseconds between connection attempts."))
        .define(key("dialect.name", T::String, val(""), I::Low, "The dialect to use; empty chooses it from the URL.").validator(Validator::Custom(valid_dialect)))
        .define(key(DB_TIMEZONE, T::String, val("UTC"), I::Medium, "Time zone of date-times without zone (DATETIME, timestamp) in the database.").validator(Validator::Custom(valid_timezone)))
}

/// How to reach the database, and how hard to try.
#[derive(Debug, Clone)]
pub struct Connection {
    pub options: ConnectOptions,
    pub attempts: u32,
    pub backoff: Duration,
}

impl Connection {
    /// Reads the keys [`define`] added; credentials may also come from the URL.
    pub fn parse(c: &ParsedConfig, isolation: Option<&'static str>) -> Result<Self> {
        let url = JdbcUrl::parse(&c.string(CONNECTION_URL).unwrap_or_default()).map_err(ConnectError::config)?;
        let dialect = c.string("dialect.name").as_deref().and_then(DialectKind::from_dialect_name).unwrap_or(url.dialect);
        let timezone = c
            .string(DB_TIMEZONE)
            .unwrap_or_else(|| "UTC".into())
            .parse()
            .map_err(|e| ConnectError::config(format!("{DB_TIMEZONE}: {e}")))?;
        let user = c.string(CONNECTION_USER).or_else(|| url.params.get("user").cloned());
        let password = c.string(CONNECTION_PASSWORD).or_else(|| url.params.get("password").cloned());
        Ok(Self {
            options: ConnectOptions { url, dialect, user, password, session: Session { timezone, isolation } },
            attempts: u32::try_from(c.int("connection.attempts")).unwrap_or(1),
            backoff: ms(c.long("connection.backoff.ms")),
        })
    }
}

/// How long validation waits for the database.
const VALIDATE_TIMEOUT: Duration = Duration::from_secs(10);

/// Adds an error to the named key of a validation answer.
pub fn push_error(values: &mut [ConfigValue], key: &str, message: String) {
    if let Some(v) = values.iter_mut().find(|v| v.name == key) {
        v.errors.push(message);
    }
}

/// Connects for `config/validate`; a failure is reported on `connection.url`.
pub async fn validate_connection(options: &ConnectOptions, values: &mut [ConfigValue]) -> Option<Db> {
    match tokio::time::timeout(VALIDATE_TIMEOUT, Db::connect(options)).await {
        Ok(Ok(db)) => Some(db),
        Ok(Err(e)) => {
            push_error(values, CONNECTION_URL, e.to_string());
            None
        }
        Err(_) => {
            let message = format!("No answer from {}:{} within {VALIDATE_TIMEOUT:?}", options.url.host, options.url.port);
            push_error(values, CONNECTION_URL, message);
            None
        }
    }
}
