//! The databases Ferry speaks to. `mysql` serves MySQL and MariaDB (one
//! wire protocol; MariaDB differs only in name); `postgres` serves
//! PostgreSQL. Everything above this module is dialect-neutral: it builds
//! SQL with [`DialectKind`]'s quoting and placeholders and reads rows as
//! Connect values.

pub mod mysql;
pub mod postgres;

use std::sync::Arc;

use chrono::{DateTime, NaiveDateTime, Utc};
use chrono_tz::Tz;
use ferry_api::{ConnectError, Result, Value};
use tokio::sync::mpsc;

use crate::column::{Column, ColumnKind, Target};
use crate::url::JdbcUrl;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DialectKind {
    MySql,
    MariaDb,
    Postgres,
}

impl DialectKind {
    pub fn from_subprotocol(p: &str) -> Option<Self> {
        match p {
            "mysql" => Some(Self::MySql),
            "mariadb" => Some(Self::MariaDb),
            "postgresql" | "postgres" => Some(Self::Postgres),
            _ => None,
        }
    }

    /// `dialect.name` values, as Confluent names its dialects.
    pub fn from_dialect_name(name: &str) -> Option<Self> {
        match name {
            "MySqlDatabaseDialect" => Some(Self::MySql),
            "MariaDbDatabaseDialect" => Some(Self::MariaDb),
            "PostgreSqlDatabaseDialect" => Some(Self::Postgres),
            _ => None,
        }
    }

    pub const DIALECT_NAMES: [&'static str; 3] = ["MySqlDatabaseDialect", "MariaDbDatabaseDialect", "PostgreSqlDatabaseDialect"];

    pub fn default_port(self) -> u16 {
        match self {
            Self::MySql | Self::MariaDb => 3306,
            Self::Postgres => 5432,
        }
    }

    pub fn is_mysql_family(self) -> bool {
        matches!(self, Self::MySql | Self::MariaDb)
    }

    pub fn quote(self, ident: &str) -> String {
        match self {
            Self::MySql | Self::MariaDb => format!("`{}`", ident.replace('`', "``")),
            Self::Postgres => format!("\"{}\"", ident.replace('"', "\"\"")),
        }
    }

    /// The `n`-th (1-based) bind placeholder.
    pub fn placeholder(self, n: usize) -> String {
        match self {
            Self::MySql | Self::MariaDb => "?".to_owned(),
            Self::Postgres => format!("${n}"),
        }
    }
}

/// A table, as `catalog.schema.table` with the parts the database has:
/// MySQL tables live in a catalog (the database), PostgreSQL ones in a schema.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TableId {
    pub catalog: Option<String>,
    pub schema: Option<String>,
    pub name: String,
}

impl TableId {
    /// The unquoted dotted name, as Confluent writes it in offsets.
    pub fn fqn(&self) -> String {
        [&self.catalog, &self.schema].into_iter().flatten().map(String::as_str).chain([self.name.as_str()]).collect::<Vec<_>>().join(".")
    }

    pub fn quoted(&self, dialect: DialectKind, quote: bool) -> String {
        [&self.catalog, &self.schema]
            .into_iter()
            .flatten()
            .chain([&self.name])
            .map(|p| if quote { dialect.quote(p) } else { p.clone() })
            .collect::<Vec<_>>()
            .join(".")
    }

    /// Parses `a.b.c`, `b.c` or `c` the way the dialect places its parts.
    pub fn parse(dialect: DialectKind, text: &str) -> Self {
        let parts: Vec<&str> = text.split('.').collect();
        let owned = |s: &str| Some(s.to_owned());
        match (dialect.is_mysql_family(), parts.as_slice()) {
            (_, [c, s, t]) => Self { catalog: owned(c), schema: owned(s), name: (*t).to_owned() },
            (true, [c, t]) => Self { catalog: owned(c), schema: None, name: (*t).to_owned() },
            (false, [s, t]) => Self { catalog: None, schema: owned(s), name: (*t).to_owned() },
            _ => Self { catalog: None, schema: None, name: text.to_owned() },
        }
    }
}

/// A column as the catalog describes it.
#[derive(Debug, Clone, PartialEq)]
pub struct TableColumn {
    pub name: String,
    pub nullable: bool,
    pub auto_increment: bool,
    /// Position in the primary key, from 1.
    pub primary_key: Option<u32>,
    /// The type's name, lowercase (`datetime`, `timestamp`, `timestamptz`, …).
    pub data_type: String,
}

/// A value bound to a query.
#[derive(Debug, Clone, PartialEq)]
pub enum Param {
    Int(i64),
    /// An instant, and the same instant on the wall clock of `db.timezone`
    /// for columns without a zone; `zoned` says which the column holds.
    Timestamp { instant: DateTime<Utc>, local: NaiveDateTime, zoned: bool },
}

/// Session settings applied on connect.
#[derive(Debug, Clone)]
pub struct Session {
    pub timezone: Tz,
    /// `SET … TRANSACTION ISOLATION LEVEL <this>`, when not the default.
    pub isolation: Option<&'static str>,
}

/// One column of a row plan: where it is in the result, what it holds,
/// what it becomes.
#[derive(Debug, Clone)]
pub struct FieldPlan {
    pub index: usize,
    pub kind: ColumnKind,
    pub target: Target,
}

/// Rows sent from a running query, mapped to Connect values by the plan.
pub type RowSender = mpsc::Sender<Result<Vec<Value>>>;

/// A prepared query: its result columns.
pub struct Prepared {
    pub sql: String,
    pub columns: Vec<Column>,
    handle: PreparedHandle,
}

enum PreparedHandle {
    MySql(mysql_async::Statement),
    Postgres(tokio_postgres::Statement),
}

/// An open connection.
pub enum Db {
    MySql(mysql::MySqlDb),
    Postgres(postgres::PgDb),
}

/// Connection settings, from `connection.*` and the URL.
#[derive(Debug, Clone)]
pub struct ConnectOptions {
    pub url: JdbcUrl,
    pub dialect: DialectKind,
    pub user: Option<String>,
    pub password: Option<String>,
    pub session: Session,
}

impl Db {
    pub async fn connect(opts: &ConnectOptions) -> Result<Db> {
        match opts.dialect {
            DialectKind::MySql | DialectKind::MariaDb => Ok(Db::MySql(mysql::MySqlDb::connect(opts).await?)),
            DialectKind::Postgres => Ok(Db::Postgres(postgres::PgDb::connect(opts).await?)),
        }
    }

    /// Connects, trying `attempts` times `backoff` apart (`connection.attempts`, `connection.backoff.ms`).
    pub async fn connect_with_retries(opts: &ConnectOptions, attempts: u32, backoff: std::time::Duration) -> Result<Db> {
        let mut tried = 0;
        loop {
            tried += 1;
            match Self::connect(opts).await {
                Ok(db) => return Ok(db),
                Err(e) if tried < attempts.max(1) => {
                    tracing::warn!(attempt = tried, error = %e, "cannot connect to the database, retrying in {backoff:?}");
                    tokio::time::sleep(backoff).await;
                }
                Err(e) => return Err(e),
            }
        }
    }

    pub fn dialect(&self) -> DialectKind {
        match self {
            Db::MySql(m) => m.dialect,
            Db::Postgres(_) => DialectKind::Postgres,
        }
    }

    /// Tables (of `types`, e.g. TABLE, VIEW) matching the SQL LIKE patterns.
    pub async fn tables(&mut self, catalog: Option<&str>, schema: Option<&str>, types: &[String]) -> Result<Vec<TableId>> {
        match self {
            Db::MySql(m) => m.tables(catalog, types).await,
            Db::Postgres(p) => p.tables(schema, types).await,
        }
    }

    /// The table's columns, in order; empty when the table does not exist.
    pub async fn describe(&mut self, table: &TableId) -> Result<Vec<TableColumn>> {
        match self {
            Db::MySql(m) => m.describe(table).await,
            Db::Postgres(p) => p.describe(table).await,
        }
    }

    /// The database's clock.
    pub async fn now(&mut self) -> Result<DateTime<Utc>> {
        match self {
            Db::MySql(m) => m.now().await,
            Db::Postgres(p) => p.now().await,
        }
    }

    pub async fn prepare(&mut self, sql: &str) -> Result<Prepared> {
        let (columns, handle) = match self {
            Db::MySql(m) => {
                let (c, h) = m.prepare(sql).await?;
                (c, PreparedHandle::MySql(h))
            }
            Db::Postgres(p) => {
                let (c, h) = p.prepare(sql).await?;
                (c, PreparedHandle::Postgres(h))
            }
        };
        Ok(Prepared { sql: sql.to_owned(), columns, handle })
    }

    /// Runs a prepared query and sends its rows, mapped by `plan`, until
    /// the result ends or the receiver goes away. Returns the connection.
    pub async fn stream(self, prepared: Arc<Prepared>, params: Vec<Param>, plan: Arc<[FieldPlan]>, fetch: usize, tx: RowSender) -> (Db, Result<()>) {
        match (self, &prepared.handle) {
            (Db::MySql(m), PreparedHandle::MySql(stmt)) => {
                let (m, r) = m.stream(stmt.clone(), params, plan, tx).await;
                (Db::MySql(m), r)
            }
            (Db::Postgres(mut p), PreparedHandle::Postgres(stmt)) => {
                let r = p.stream(stmt, params, plan, fetch, tx).await;
                (Db::Postgres(p), r)
            }
            (db, _) => (db, Err(ConnectError::fatal("A statement was prepared on another kind of connection"))),
        }
    }

    /// Runs one statement with its values bound; the rows it affected.
    /// A data error is the values' fault; a retriable one the connection's.
    pub async fn execute(&mut self, sql: &str, params: &[Value]) -> Result<u64> {
        match self {
            Db::MySql(m) => m.execute(sql, params).await,
            Db::Postgres(p) => p.execute(sql, params).await,
        }
    }

    /// Runs statements without values: DDL, BEGIN, COMMIT.
    pub async fn batch(&mut self, sql: &str) -> Result<()> {
        match self {
            Db::MySql(m) => m.batch(sql).await,
            Db::Postgres(p) => p.batch(sql).await,
        }
    }

    /// Forgets what was prepared against tables whose shape DDL changed.
    pub fn forget_statements(&mut self) {
        if let Db::Postgres(p) = self {
            p.forget_statements();
        }
    }

    /// PostgreSQL's binary COPY of rows into `table` (quoted) `columns`
    /// (quoted, comma-separated); other databases have no such path.
    pub async fn copy_in(&mut self, table: &str, columns: &str, rows: &[Vec<Value>]) -> Result<u64> {
        match self {
            Db::Postgres(p) => p.copy_in(table, columns, rows).await,
            Db::MySql(_) => Err(ConnectError::fatal("COPY is PostgreSQL's")),
        }
    }

    pub fn timezone(&self) -> Tz {
        match self {
            Db::MySql(m) => m.timezone,
            Db::Postgres(p) => p.timezone,
        }
    }

    /// Whether the connection still answers.
    pub async fn is_alive(&mut self) -> bool {
        match self {
            Db::MySql(m) => m.ping().await,
            Db::Postgres(p) => p.ping().await,
        }
    }
}

/// The error for a failed database call, retriable: a connection that
/// went away comes back.
pub fn db_error(what: &str, e: impl std::fmt::Display) -> ConnectError {
    ConnectError::retriable(format!("{what}: {e}"))
}

/// A value that does not fit its Connect type: the data is refused, never bent.
pub fn out_of_range(column: &str, value: impl std::fmt::Display, target: &str) -> ConnectError {
    ConnectError::data(format!("Column '{column}' holds {value}, which does not fit {target}"))
}

/// As [`out_of_range`], with the setting that would carry the value.
pub fn out_of_range_because(column: &str, value: impl std::fmt::Display, target: &str, fix: &str) -> ConnectError {
    ConnectError::data(format!("Column '{column}' holds {value}, which does not fit {target}: {fix}"))
}

pub fn transaction_isolation(mode: &str) -> std::result::Result<Option<&'static str>, String> {
    Ok(match mode {
        "DEFAULT" => None,
        "READ_UNCOMMITTED" => Some("READ UNCOMMITTED"),
        "READ_COMMITTED" => Some("READ COMMITTED"),
        "REPEATABLE_READ" => Some("REPEATABLE READ"),
        "SERIALIZABLE" => Some("SERIALIZABLE"),
        other => return Err(format!("Transaction isolation mode {other} is not supported by MySQL, MariaDB or PostgreSQL")),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_ids_by_dialect() {
        let t = TableId::parse(DialectKind::MySql, "test.users");
        assert_eq!((t.catalog.as_deref(), t.schema.as_deref(), t.name.as_str()), (Some("test"), None, "users"));
        assert_eq!(t.quoted(DialectKind::MySql, true), "`test`.`users`");
        let t = TableId::parse(DialectKind::Postgres, "public.users");
        assert_eq!(t.schema.as_deref(), Some("public"));
        assert_eq!(t.quoted(DialectKind::Postgres, true), "\"public\".\"users\"");
        assert_eq!(t.fqn(), "public.users");
        assert_eq!(DialectKind::Postgres.quote("we\"ird"), "\"we\"\"ird\"");
        assert_eq!(DialectKind::MySql.quote("we`ird"), "`we``ird`");
    }
}
