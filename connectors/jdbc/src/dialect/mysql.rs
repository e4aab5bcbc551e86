//! MySQL and MariaDB, through mysql_async (binary protocol for queries).
//! The session runs in UTC, so TIMESTAMP columns arrive as UTC instants;
//! DATETIME columns carry no zone and are read in `db.timezone`.

use std::sync::Arc;

use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, Utc};
use chrono_tz::Tz;
use ferry_api::{Result, Value};
use mysql_async::consts::{ColumnFlags, ColumnType};
use mysql_async::prelude::Queryable;
use mysql_async::{Conn, OptsBuilder, Params, Row, Statement, Value as My};

use super::{db_error, out_of_range, out_of_range_because, ConnectOptions, DialectKind, FieldPlan, Param, RowSender, TableColumn, TableId};
use crate::column::{Column, ColumnKind, Target, TimeMapping, UnsignedBigint};
use crate::convert;

mod write;

/// The charset number MySQL gives binary strings and blobs.
const BINARY_CHARSET: u16 = 63;

pub struct MySqlDb {
    conn: Conn,
    pub dialect: DialectKind,
    database: String,
    pub timezone: Tz,
}

impl MySqlDb {
    pub async fn connect(o: &ConnectOptions) -> Result<Self> {
        let mut init = vec!["SET time_zone = '+00:00'".to_owned()];
        if let Some(level) = o.session.isolation {
            init.push(format!("SET SESSION TRANSACTION ISOLATION LEVEL {level}"));
        }
        let opts = OptsBuilder::default()
            .ip_or_hostname(o.url.host.clone())
            .tcp_port(o.url.port)
            .db_name(Some(o.url.database.clone()).filter(|d| !d.is_empty()))
            .user(o.user.clone())
            .pass(o.password.clone())
            .prefer_socket(false)
            .init(init);
        let conn = Conn::new(opts)
            .await
            .map_err(|e| db_error(&format!("Cannot connect to {}:{}", o.url.host, o.url.port), e))?;
        Ok(Self { conn, dialect: o.dialect, database: o.url.database.clone(), timezone: o.session.timezone })
    }

    pub async fn ping(&mut self) -> bool {
        self.conn.ping().await.is_ok()
    }

    pub async fn tables(&mut self, catalog: Option<&str>, types: &[String]) -> Result<Vec<TableId>> {
        let types: Vec<String> = types
            .iter()
            .map(|t| if t.eq_ignore_ascii_case("TABLE") { "BASE TABLE".to_owned() } else { t.to_ascii_uppercase() })
            .collect();
        let placeholders = vec!["?"; types.len()].join(",");
        let sql = format!(
            "SELECT TABLE_SCHEMA, TABLE_NAME FROM information_schema.TABLES \
             WHERE TABLE_SCHEMA LIKE ? AND TABLE_TYPE IN ({placeholders}) ORDER BY TABLE_SCHEMA, TABLE_NAME"
        );
        let mut params: Vec<My> = vec![catalog.unwrap_or(&self.database).into()];
        params.extend(types.into_iter().map(My::from));
        let rows: Vec<(String, String)> =
            self.conn.exec(sql, params).await.map_err(|e| db_error("Cannot list tables", e))?;
        Ok(rows.into_iter().map(|(c, t)| TableId { catalog: Some(c), schema: None, name: t }).collect())
    }

    pub async fn describe(&mut self, table: &TableId) -> Result<Vec<TableColumn>> {
        let sql = "SELECT c.COLUMN_NAME, c.IS_NULLABLE, c.EXTRA, k.ORDINAL_POSITION, LOWER(c.DATA_TYPE) \
                   FROM information_schema.COLUMNS c LEFT JOIN information_schema.KEY_COLUMN_USAGE k \
                   ON k.TABLE_SCHEMA = c.TABLE_SCHEMA AND k.TABLE_NAME = c.TABLE_NAME \
                   AND k.COLUMN_NAME = c.COLUMN_NAME AND k.CONSTRAINT_NAME = 'PRIMARY' \
                   WHERE c.TABLE_SCHEMA = ? AND c.TABLE_NAME = ? ORDER BY c.ORDINAL_POSITION";
        let catalog = table.catalog.clone().unwrap_or_else(|| self.database.clone());
        let rows: Vec<(String, String, String, Option<u32>, String)> = self
            .conn
            .exec(sql, (catalog, table.name.clone()))
            .await
            .map_err(|e| db_error(&format!("Cannot describe table {}", table.fqn()), e))?;
        Ok(rows
            .into_iter()
            .map(|(name, nullable, extra, pk, data_type)| TableColumn {
                name,
                nullable: nullable == "YES",
                auto_increment: extra.to_ascii_lowercase().contains("auto_increment"),
                primary_key: pk,
                data_type,
            })
            .collect())
    }

    pub async fn now(&mut self) -> Result<DateTime<Utc>> {
        let now: Option<My> =
            self.conn.query_first("SELECT UTC_TIMESTAMP(6)").await.map_err(|e| db_error("Cannot read the database clock", e))?;
        match now {
            Some(My::Bytes(text)) => NaiveDateTime::parse_from_str(&String::from_utf8_lossy(&text), "%Y-%m-%d %H:%M:%S%.f")
                .map(|n| n.and_utc())
                .map_err(|e| db_error("Cannot read the database clock", e)),
            other => Err(db_error("Cannot read the database clock", format!("{other:?}"))),
        }
    }

    pub async fn prepare(&mut self, sql: &str) -> Result<(Vec<Column>, Statement)> {
        let stmt = self.conn.prep(sql).await.map_err(|e| db_error(&format!("Cannot prepare `{sql}`"), e))?;
        let columns = stmt.columns().iter().map(|c| column(c, self.dialect)).collect();
        Ok((columns, stmt))
    }

    pub async fn stream(mut self, stmt: Statement, params: Vec<Param>, plan: Arc<[FieldPlan]>, tx: RowSender) -> (Self, Result<()>) {
        let columns = stmt.columns();
        let params: Vec<My> = params.iter().map(bind).collect();
        let params = if params.is_empty() { Params::Empty } else { Params::Positional(params) };
        let tz = self.timezone;
        let result = async {
            let mut rows = self.conn.exec_iter(&stmt, params).await.map_err(|e| db_error("Query failed", e))?;
            // A table altered since the prepare answers with other columns:
            // fail retriably, so the query is prepared (and planned) again.
            let now: Vec<&[u8]> = rows.columns_ref().iter().map(|c| c.name_ref()).collect();
            let planned: Vec<&[u8]> = columns.iter().map(|c| c.name_ref()).collect();
            if now != planned {
                return Err(db_error("Query failed", "the table's columns changed since the query was prepared"));
            }
            while let Some(row) = rows.next().await.map_err(|e| db_error("Reading rows failed", e))? {
                let values = decode_row(row, &plan, &columns, tz);
                if tx.send(values).await.is_err() {
                    break; // the reader went away (task stopping)
                }
            }
            Ok(())
        }
        .await;
        (self, result)
    }
}

/// Binds a timestamp as the column it is compared with expects: a
/// TIMESTAMP (read in the UTC session) gets the instant, a DATETIME the
/// wall clock of `db.timezone`.
fn bind(p: &Param) -> My {
    match p {
        Param::Int(i) => My::Int(*i),
        Param::Timestamp { instant, zoned: true, .. } => datetime(instant.naive_utc()),
        Param::Timestamp { local, zoned: false, .. } => datetime(*local),
    }
}

fn datetime(at: NaiveDateTime) -> My {
    use chrono::{Datelike, Timelike};
    // Years and parts of a valid chrono date fit MySQL's fields.
    My::Date(
        at.year().clamp(0, 9999) as u16,
        at.month() as u8,
        at.day() as u8,
        at.hour() as u8,
        at.minute() as u8,
        at.second() as u8,
        at.nanosecond().min(999_999_999) / 1000,
    )
}

/// A result column as Confluent's connector sees it through the JDBC
/// driver its URL names: Connector/J for `jdbc:mysql:` (TINYINT(1) and
/// BIT(1) read as numbers), MariaDB Connector/J for `jdbc:mariadb:`
/// (both read as booleans).
fn column(c: &mysql_async::Column, dialect: DialectKind) -> Column {
    use ColumnType::*;
    let flags = c.flags();
    let unsigned = flags.contains(ColumnFlags::UNSIGNED_FLAG);
    let binary = c.character_set() == BINARY_CHARSET;
    let mariadb = dialect == DialectKind::MariaDb;
    let kind = match c.column_type() {
        MYSQL_TYPE_TINY if mariadb && c.column_length() == 1 => ColumnKind::Boolean,
        MYSQL_TYPE_TINY if unsigned => ColumnKind::Int16,
        MYSQL_TYPE_TINY => ColumnKind::Int8,
        MYSQL_TYPE_SHORT if unsigned => ColumnKind::Int32,
        MYSQL_TYPE_SHORT => ColumnKind::Int16,
        // Connector/J reports MEDIUMINT as INTEGER, which Confluent widens to int64 when unsigned.
        MYSQL_TYPE_INT24 if unsigned => ColumnKind::Int64,
        MYSQL_TYPE_INT24 => ColumnKind::Int32,
        MYSQL_TYPE_LONG if unsigned => ColumnKind::Int64,
        MYSQL_TYPE_LONG => ColumnKind::Int32,
        MYSQL_TYPE_LONGLONG if unsigned => ColumnKind::UInt64,
        MYSQL_TYPE_LONGLONG => ColumnKind::Int64,
        MYSQL_TYPE_FLOAT => ColumnKind::Float32,
        MYSQL_TYPE_DOUBLE => ColumnKind::Float64,
        MYSQL_TYPE_DECIMAL | MYSQL_TYPE_NEWDECIMAL => {
            let scale = u32::from(c.decimals());
            // The display length counts the sign and the decimal point.
            let precision = c.column_length().saturating_sub(u32::from(scale > 0) + u32::from(!unsigned));
            ColumnKind::Decimal { precision, scale: scale as i32 }
        }
        MYSQL_TYPE_YEAR => ColumnKind::Year,
        MYSQL_TYPE_DATE | MYSQL_TYPE_NEWDATE => ColumnKind::Date,
        MYSQL_TYPE_TIME | MYSQL_TYPE_TIME2 => ColumnKind::Time,
        MYSQL_TYPE_DATETIME | MYSQL_TYPE_DATETIME2 => ColumnKind::LocalTimestamp,
        MYSQL_TYPE_TIMESTAMP | MYSQL_TYPE_TIMESTAMP2 => ColumnKind::Timestamp,
        MYSQL_TYPE_BIT if mariadb && c.column_length() == 1 => ColumnKind::Boolean,
        MYSQL_TYPE_BIT if c.column_length() <= 8 => ColumnKind::BitByte,
        MYSQL_TYPE_BIT => ColumnKind::Bits(c.column_length()),
        MYSQL_TYPE_JSON => ColumnKind::String,
        MYSQL_TYPE_VARCHAR | MYSQL_TYPE_VAR_STRING | MYSQL_TYPE_STRING | MYSQL_TYPE_ENUM | MYSQL_TYPE_SET
        | MYSQL_TYPE_TINY_BLOB | MYSQL_TYPE_MEDIUM_BLOB | MYSQL_TYPE_LONG_BLOB | MYSQL_TYPE_BLOB => {
            if binary && !flags.intersects(ColumnFlags::ENUM_FLAG | ColumnFlags::SET_FLAG) {
                ColumnKind::Bytes
            } else {
                ColumnKind::String
            }
        }
        other => ColumnKind::Unsupported(format!("{other:?}").trim_start_matches("MYSQL_TYPE_").to_ascii_lowercase()),
    };
    Column { name: c.name_str().into_owned(), kind, nullable: !flags.contains(ColumnFlags::NOT_NULL_FLAG) }
}

fn decode_row(mut row: Row, plan: &[FieldPlan], columns: &[mysql_async::Column], tz: Tz) -> Result<Vec<Value>> {
    let mut out = Vec::with_capacity(plan.len());
    for f in plan {
        let raw = row.take::<My, _>(f.index).unwrap_or(My::NULL);
        // Borrowed: the name is only for error messages.
        let name = columns.get(f.index).map(|c| c.name_str()).unwrap_or_default();
        out.push(decode(raw, f, &name, tz)?);
    }
    Ok(out)
}

fn decode(raw: My, f: &FieldPlan, name: &str, tz: Tz) -> Result<Value> {
    Ok(match raw {
        My::NULL => Value::Null,
        My::Int(0) | My::UInt(0) if f.kind == ColumnKind::Year => Value::Null, // YEAR 0000: no date, as zero dates
        My::Int(i) if f.kind == ColumnKind::Year => year(i, name)?,
        My::UInt(u) if f.kind == ColumnKind::Year => year(i64::try_from(u).unwrap_or(i64::MAX), name)?,
        My::Int(i) => convert::int_to(i128::from(i), f.target, name)?,
        My::UInt(u) if f.kind == ColumnKind::UInt64 && f.target == Target::Int64 && i64::try_from(u).is_err() => {
            let hint = format!("set {}=precise to write BIGINT UNSIGNED columns as Decimal, which holds every value", UnsignedBigint::KEY);
            return Err(out_of_range_because(name, u, "int64", &hint));
        }
        My::UInt(u) => convert::int_to(i128::from(u), f.target, name)?,
        My::Float(x) => convert::float_to(f64::from(x), f.target, name)?,
        My::Double(x) => convert::float_to(x, f.target, name)?,
        My::Bytes(b) => match &f.kind {
            ColumnKind::BitByte => Value::Int8(i8::from_be_bytes([b.last().copied().unwrap_or_default()])),
            ColumnKind::Bits(_) | ColumnKind::Boolean => {
                let n = b.iter().fold(0u128, |acc, byte| (acc << 8) | u128::from(*byte));
                if f.target == Target::Boolean {
                    Value::Boolean(n != 0)
                } else {
                    convert::int_to(i128::try_from(n).map_err(|_| out_of_range(name, n, "int64"))?, f.target, name)?
                }
            }
            _ => convert::text_to(b, f.target, name)?,
        },
        My::Date(y, mo, d, h, mi, s, us) => {
            let Some(date) = NaiveDate::from_ymd_opt(i32::from(y), u32::from(mo), u32::from(d)) else {
                // MySQL's zero dates ('0000-00-00') are no dates.
                return Ok(Value::Null);
            };
            let time = NaiveTime::from_hms_micro_opt(u32::from(h), u32::from(mi), u32::from(s), us)
                .ok_or_else(|| out_of_range(name, format!("{h}:{mi}:{s}.{us}"), "a time of day"))?;
            let at = date.and_time(time);
            match f.kind {
                ColumnKind::Date => Value::Date(date),
                ColumnKind::Timestamp => Value::Timestamp(at.and_utc()),
                _ => Value::Timestamp(convert::local_to_utc(at, tz)),
            }
        }
        My::Time(negative, days, h, mi, s, us) => {
            if f.target == Target::MicroTime {
                let seconds = (i64::from(days) * 24 + i64::from(h)) * 3600 + i64::from(mi) * 60 + i64::from(s);
                let micros = seconds * 1_000_000 + i64::from(us);
                return Ok(Value::Int64(if negative { -micros } else { micros }));
            }
            if negative || days > 0 {
                let sign = if negative { "-" } else { "" };
                let text = format!("{sign}{}:{mi:02}:{s:02}", u32::from(h) + days * 24);
                let hint = format!(
                    "set {}=microseconds to write TIME columns as int64 microseconds (io.debezium.time.MicroTime), which holds any MySQL TIME",
                    TimeMapping::KEY
                );
                return Err(out_of_range_because(name, text, "Connect's Time (one day)", &hint));
            }
            let t = NaiveTime::from_hms_micro_opt(u32::from(h), u32::from(mi), u32::from(s), us)
                .ok_or_else(|| out_of_range(name, format!("{h}:{mi}:{s}"), "a time of day"))?;
            Value::Time(t)
        }
    })
}

/// YEAR as Connector/J reads it: the first day of the year.
fn year(y: i64, column: &str) -> Result<Value> {
    i32::try_from(y)
        .ok()
        .and_then(|y| NaiveDate::from_ymd_opt(y, 1, 1))
        .map(Value::Date)
        .ok_or_else(|| out_of_range(column, y, "a year"))
}
