//! Writing to MySQL and MariaDB: statements with bound values, and the
//! errors told apart (a lost connection is retried, a refused row is not).

use chrono::{Datelike, Timelike};
use ferry_api::{ConnectError, Result, Value};
use mysql_async::prelude::Queryable;
use mysql_async::{Params, Value as My};

use super::MySqlDb;

impl MySqlDb {
    /// Runs one statement with its values bound; the rows it affected.
    /// Statements are prepared once per connection (mysql_async caches them).
    pub async fn execute(&mut self, sql: &str, params: &[Value]) -> Result<u64> {
        let bound = params.iter().map(bind).collect::<Result<Vec<My>>>()?;
        let params = if bound.is_empty() { Params::Empty } else { Params::Positional(bound) };
        self.conn.exec_drop(sql, params).await.map_err(|e| write_error(sql, e))?;
        Ok(self.conn.affected_rows())
    }

    /// Runs statements without values (DDL, transaction control).
    pub async fn batch(&mut self, sql: &str) -> Result<()> {
        self.conn.query_drop(sql).await.map_err(|e| write_error(sql, e))
    }
}

/// A Connect value as MySQL binds it. Timestamps are bound as their UTC
/// wall clock: the writer has already moved those meant for DATETIME
/// columns to `db.timezone`, and the session's zone is UTC.
fn bind(v: &Value) -> Result<My> {
    Ok(match v {
        Value::Null => My::NULL,
        Value::Boolean(b) => My::Int(i64::from(*b)),
        Value::Int8(i) => My::Int(i64::from(*i)),
        Value::Int16(i) => My::Int(i64::from(*i)),
        Value::Int32(i) => My::Int(i64::from(*i)),
        Value::Int64(i) => My::Int(*i),
        Value::Float32(f) => My::Float(*f),
        Value::Float64(f) => My::Double(*f),
        Value::String(s) => My::Bytes(s.as_bytes().to_vec()),
        Value::Bytes(b) => My::Bytes(b.clone()),
        Value::Decimal(d) => My::Bytes(d.to_plain_string().into_bytes()),
        Value::Date(d) => My::Date(d.year().clamp(0, 9999) as u16, d.month() as u8, d.day() as u8, 0, 0, 0, 0),
        Value::Time(t) => My::Time(false, 0, t.hour() as u8, t.minute() as u8, t.second() as u8, t.nanosecond() / 1000),
        Value::Timestamp(ts) => super::datetime(ts.naive_utc()),
        other => return Err(ConnectError::data(format!("A {} value cannot be written to a column", other.type_name()))),
    })
}

/// Server errors about the data (constraint, type, length) are the record's
/// fault; deadlocks, lock timeouts and lost connections pass.
fn write_error(sql: &str, e: mysql_async::Error) -> ConnectError {
    let statement: String = sql.chars().take(200).collect();
    match &e {
        // 1205 lock wait timeout, 1213 deadlock: the same write succeeds later.
        mysql_async::Error::Server(s) if s.code != 1205 && s.code != 1213 => {
            ConnectError::data(format!("{} (error {}, SQLSTATE {}) in: {statement}", s.message, s.code, s.state))
        }
        _ => ConnectError::retriable(format!("Database write failed: {e} (in: {statement})")),
    }
}
