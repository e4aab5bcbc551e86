//! PostgreSQL, through tokio-postgres. Queries run in a transaction with a
//! portal, fetched `batch.max.rows` at a time, so a large table streams
//! with bounded memory.

use std::collections::HashMap;
use std::error::Error;
use std::str::FromStr;
use std::sync::Arc;

use bigdecimal::BigDecimal;
use bytes::BytesMut;
use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, Utc};
use chrono_tz::Tz;
use ferry_api::{Result, Value};
use num_bigint::BigInt;
use tokio_postgres::types::{to_sql_checked, FromSql, IsNull, Kind, ToSql, Type};
use tokio_postgres::{Client, NoTls, Row, Statement};

use super::{db_error, out_of_range, ConnectOptions, FieldPlan, Param, RowSender, TableColumn, TableId};
use crate::column::{Column, ColumnKind, Target};
use crate::convert;

mod write;

pub struct PgDb {
    client: Client,
    pub timezone: Tz,
    /// Write statements prepared on this connection, by their SQL.
    statements: HashMap<String, Statement>,
    /// Column types for binary COPY, by the query that found them.
    copy_types: HashMap<String, Vec<Type>>,
}

impl PgDb {
    pub async fn connect(o: &ConnectOptions) -> Result<Self> {
        let mut config = tokio_postgres::Config::new();
        config.host(&o.url.host).port(o.url.port).application_name("ferry");
        if !o.url.database.is_empty() {
            config.dbname(&o.url.database);
        }
        if let Some(u) = &o.user {
            config.user(u);
        }
        if let Some(p) = &o.password {
            config.password(p);
        }
        let where_ = format!("Cannot connect to {}:{}", o.url.host, o.url.port);
        let (client, connection) = config.connect(NoTls).await.map_err(|e| db_error(&where_, e))?;
        tokio::spawn(async move {
            if let Err(e) = connection.await {
                tracing::debug!(error = %e, "PostgreSQL connection closed");
            }
        });
        let mut init = "SET TIME ZONE 'UTC'".to_owned();
        if let Some(level) = o.session.isolation {
            init.push_str(&format!("; SET SESSION CHARACTERISTICS AS TRANSACTION ISOLATION LEVEL {level}"));
        }
        client.batch_execute(&init).await.map_err(|e| db_error(&where_, e))?;
        Ok(Self { client, timezone: o.session.timezone, statements: HashMap::new(), copy_types: HashMap::new() })
    }

    pub async fn ping(&mut self) -> bool {
        self.client.simple_query("").await.is_ok()
    }

    pub async fn tables(&mut self, schema: Option<&str>, types: &[String]) -> Result<Vec<TableId>> {
        let types: Vec<String> = types
            .iter()
            .map(|t| if t.eq_ignore_ascii_case("TABLE") { "BASE TABLE".to_owned() } else { t.to_ascii_uppercase() })
            .collect();
        let rows = self
            .client
            .query(
                "SELECT table_schema::text, table_name::text FROM information_schema.tables \
                 WHERE table_schema LIKE $1 AND table_type = ANY($2) \
                 AND table_schema NOT IN ('pg_catalog', 'information_schema') ORDER BY 1, 2",
                &[&schema.unwrap_or("%"), &types],
            )
            .await
            .map_err(|e| db_error("Cannot list tables", e))?;
        Ok(rows.iter().map(|r| TableId { catalog: None, schema: Some(r.get(0)), name: r.get(1) }).collect())
    }

    pub async fn describe(&mut self, table: &TableId) -> Result<Vec<TableColumn>> {
        let sql = "SELECT a.attname::text, NOT a.attnotnull, \
                   (a.attidentity <> '' OR COALESCE(pg_get_expr(d.adbin, d.adrelid) LIKE 'nextval(%', false)), \
                   array_position(i.indkey::int2[], a.attnum), format_type(a.atttypid, NULL) \
                   FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid \
                   JOIN pg_namespace n ON n.oid = c.relnamespace \
                   LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum \
                   LEFT JOIN pg_index i ON i.indrelid = c.oid AND i.indisprimary \
                   WHERE c.relname = $1 AND n.nspname = COALESCE($2, current_schema()) \
                   AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum";
        let rows = self
            .client
            .query(sql, &[&table.name, &table.schema])
            .await
            .map_err(|e| db_error(&format!("Cannot describe table {}", table.fqn()), e))?;
        Ok(rows
            .iter()
            .map(|r| TableColumn {
                name: r.get(0),
                nullable: r.get(1),
                auto_increment: r.get(2),
                primary_key: r.get::<_, Option<i32>>(3).and_then(|p| u32::try_from(p).ok()),
                data_type: r.get(4),
            })
            .collect())
    }

    pub async fn now(&mut self) -> Result<DateTime<Utc>> {
        let row = self.client.query_one("SELECT now()", &[]).await.map_err(|e| db_error("Cannot read the database clock", e))?;
        Ok(row.get(0))
    }

    pub async fn prepare(&mut self, sql: &str) -> Result<(Vec<Column>, Statement)> {
        let stmt = self.client.prepare(sql).await.map_err(|e| db_error(&format!("Cannot prepare `{sql}`"), e))?;
        // Nullability lives in the catalog, per table column.
        let tables: Vec<u32> = stmt.columns().iter().filter_map(|c| c.table_oid()).collect();
        let mut not_null = HashMap::new();
        if !tables.is_empty() {
            let rows = self
                .client
                .query("SELECT attrelid, attnum, attnotnull FROM pg_attribute WHERE attrelid = ANY($1) AND attnum > 0", &[&tables])
                .await
                .map_err(|e| db_error("Cannot read column nullability", e))?;
            for r in rows {
                not_null.insert((r.get::<_, u32>(0), r.get::<_, i16>(1)), r.get::<_, bool>(2));
            }
        }
        let columns = stmt
            .columns()
            .iter()
            .map(|c| {
                let nn = c.table_oid().zip(c.column_id()).and_then(|k| not_null.get(&k).copied()).unwrap_or(false);
                Column { name: c.name().to_owned(), kind: kind(c.type_(), c.type_modifier()), nullable: !nn }
            })
            .collect();
        Ok((columns, stmt))
    }

    pub async fn stream(&mut self, stmt: &Statement, params: Vec<Param>, plan: Arc<[FieldPlan]>, fetch: usize, tx: RowSender) -> Result<()> {
        let tz = self.timezone;
        let fetch = i32::try_from(fetch.max(1)).unwrap_or(i32::MAX);
        let txn = self.client.transaction().await.map_err(|e| db_error("Cannot begin a transaction", e))?;
        let refs: Vec<&(dyn ToSql + Sync)> = params.iter().map(|p| p as &(dyn ToSql + Sync)).collect();
        let portal = txn.bind(stmt, &refs).await.map_err(|e| db_error("Query failed", e))?;
        'fetch: loop {
            let rows = txn.query_portal(&portal, fetch).await.map_err(|e| db_error("Reading rows failed", e))?;
            let last = rows.len() < fetch as usize;
            for row in rows {
                if tx.send(decode_row(&row, &plan, tz)).await.is_err() {
                    break 'fetch;
                }
            }
            if last {
                break;
            }
        }
        txn.commit().await.map_err(|e| db_error("Cannot end the read transaction", e))
    }
}

fn kind(ty: &Type, typmod: i32) -> ColumnKind {
    match *ty {
        Type::BOOL => ColumnKind::Boolean,
        Type::INT2 => ColumnKind::Int16,
        Type::INT4 => ColumnKind::Int32,
        Type::INT8 | Type::OID => ColumnKind::Int64,
        Type::FLOAT4 => ColumnKind::Float32,
        Type::FLOAT8 => ColumnKind::Float64,
        Type::NUMERIC if typmod < 4 => ColumnKind::Numeric { precision: 0, scale: 0 },
        Type::NUMERIC => {
            let m = typmod - 4;
            ColumnKind::Numeric { precision: ((m >> 16) & 0xffff) as u32, scale: m & 0xffff }
        }
        Type::TEXT | Type::VARCHAR | Type::BPCHAR | Type::NAME | Type::CHAR | Type::JSON | Type::JSONB | Type::UUID | Type::XML => {
            ColumnKind::String
        }
        Type::BYTEA => ColumnKind::Bytes,
        Type::DATE => ColumnKind::Date,
        Type::TIME => ColumnKind::Time,
        Type::TIMESTAMP => ColumnKind::LocalTimestamp,
        Type::TIMESTAMPTZ => ColumnKind::Timestamp,
        Type::BIT if typmod == 1 => ColumnKind::Boolean,
        Type::BIT | Type::VARBIT if (1..=63).contains(&typmod) => ColumnKind::Bits(typmod as u32),
        _ if matches!(ty.kind(), Kind::Enum(_)) => ColumnKind::String,
        _ if ty.name() == "citext" => ColumnKind::String,
        _ => ColumnKind::Unsupported(ty.name().to_owned()),
    }
}

/// A value's bytes in PostgreSQL's binary format, whatever its type.
struct Raw<'a>(&'a [u8]);

impl<'a> FromSql<'a> for Raw<'a> {
    fn from_sql(_: &Type, raw: &'a [u8]) -> std::result::Result<Self, Box<dyn Error + Sync + Send>> {
        Ok(Raw(raw))
    }
    fn accepts(_: &Type) -> bool {
        true
    }
}

fn decode_row(row: &Row, plan: &[FieldPlan], tz: Tz) -> Result<Vec<Value>> {
    let mut out = Vec::with_capacity(plan.len());
    for f in plan {
        let name = row.columns().get(f.index).map(|c| c.name()).unwrap_or_default();
        let ty = row.columns().get(f.index).map(|c| c.type_().clone()).unwrap_or(Type::UNKNOWN);
        let raw: Option<Raw<'_>> = row.try_get(f.index).map_err(|e| db_error(&format!("Cannot read column '{name}'"), e))?;
        out.push(match raw {
            None => Value::Null,
            Some(Raw(b)) => decode(&ty, b, f, name, tz)?,
        });
    }
    Ok(out)
}

fn decode(ty: &Type, b: &[u8], f: &FieldPlan, name: &str, tz: Tz) -> Result<Value> {
    let bad = |e: Box<dyn Error + Sync + Send>| db_error(&format!("Cannot decode column '{name}'"), e);
    Ok(match &f.kind {
        ColumnKind::Boolean if *ty == Type::BOOL => Value::Boolean(bool::from_sql(ty, b).map_err(bad)?),
        ColumnKind::Boolean | ColumnKind::Bits(_) => {
            // BIT(n): bit count, then the bits, most significant first.
            let bits = b.get(4..).unwrap_or_default();
            let n = i32::from_sql(&Type::INT4, b.get(..4).unwrap_or_default()).map_err(bad)?;
            let value = bits.iter().fold(0u128, |acc, byte| (acc << 8) | u128::from(*byte)) >> ((8 - n % 8) % 8);
            if f.target == Target::Boolean {
                Value::Boolean(value != 0)
            } else {
                convert::int_to(value as i128, f.target, name)?
            }
        }
        ColumnKind::Int16 => convert::int_to(i16::from_sql(ty, b).map_err(bad)?.into(), f.target, name)?,
        ColumnKind::Int32 => convert::int_to(i32::from_sql(ty, b).map_err(bad)?.into(), f.target, name)?,
        ColumnKind::Int64 if *ty == Type::OID => convert::int_to(u32::from_sql(ty, b).map_err(bad)?.into(), f.target, name)?,
        ColumnKind::Int64 => convert::int_to(i64::from_sql(ty, b).map_err(bad)?.into(), f.target, name)?,
        ColumnKind::Float32 => convert::float_to(f32::from_sql(ty, b).map_err(bad)?.into(), f.target, name)?,
        ColumnKind::Float64 => convert::float_to(f64::from_sql(ty, b).map_err(bad)?, f.target, name)?,
        ColumnKind::Numeric { .. } => convert::decimal_to(numeric(b).map_err(|e| out_of_range(name, e, "a decimal"))?, f.target, name)?,
        ColumnKind::String => match *ty {
            Type::UUID => Value::String(uuid_text(b)),
            // jsonb: a version byte, then the text.
            Type::JSONB => convert::text_to(b.get(1..).unwrap_or_default().to_vec(), f.target, name)?,
            _ => convert::text_to(b.to_vec(), f.target, name)?,
        },
        ColumnKind::Bytes => Value::Bytes(b.to_vec()),
        ColumnKind::Date => Value::Date(NaiveDate::from_sql(ty, b).map_err(bad)?),
        // PostgreSQL sends TIME as microseconds since midnight (24:00:00 included).
        ColumnKind::Time if f.target == Target::MicroTime => Value::Int64(i64::from_sql(&Type::INT8, b).map_err(bad)?),
        ColumnKind::Time => Value::Time(NaiveTime::from_sql(ty, b).map_err(bad)?),
        ColumnKind::LocalTimestamp => Value::Timestamp(convert::local_to_utc(NaiveDateTime::from_sql(ty, b).map_err(bad)?, tz)),
        ColumnKind::Timestamp => Value::Timestamp(DateTime::<Utc>::from_sql(ty, b).map_err(bad)?),
        other => return Err(out_of_range(name, format!("{other:?}"), "a supported type")),
    })
}

fn uuid_text(b: &[u8]) -> String {
    let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
    if hex.len() != 32 {
        return hex;
    }
    format!("{}-{}-{}-{}-{}", &hex[0..8], &hex[8..12], &hex[12..16], &hex[16..20], &hex[20..])
}

/// NUMERIC's binary form: digit count, weight, sign, display scale, then
/// base-10000 digits, the first one weighing 10000^weight.
fn numeric(b: &[u8]) -> std::result::Result<BigDecimal, String> {
    let word = |i: usize| b.get(i * 2..i * 2 + 2).map(|w| u16::from_be_bytes([w[0], w[1]])).ok_or("truncated NUMERIC");
    let ndigits = usize::from(word(0)?);
    let weight = i64::from(word(1)? as i16);
    let sign = word(2)?;
    let dscale = i64::from(word(3)?);
    match sign {
        0x0000 | 0x4000 => {}
        0xC000 => return Err("NaN".into()),
        _ => return Err("infinity".into()),
    }
    let mut digits = String::with_capacity(ndigits * 4 + 1);
    if sign == 0x4000 {
        digits.push('-');
    }
    digits.push('0');
    for i in 0..ndigits {
        digits.push_str(&format!("{:04}", word(4 + i)?));
    }
    let unscaled = BigInt::from_str(&digits).map_err(|e| e.to_string())?;
    // The last digit weighs 10000^(weight - ndigits + 1).
    let exponent = (weight - ndigits as i64 + 1) * 4;
    Ok(BigDecimal::new(unscaled, -exponent).with_scale(dscale))
}

/// Binds as the server typed the placeholder.
impl ToSql for Param {
    fn to_sql(&self, ty: &Type, out: &mut BytesMut) -> std::result::Result<IsNull, Box<dyn Error + Sync + Send>> {
        match (self, ty) {
            (Param::Int(i), &Type::INT2) => i16::try_from(*i)?.to_sql(ty, out),
            (Param::Int(i), &Type::INT4) => i32::try_from(*i)?.to_sql(ty, out),
            (Param::Int(i), &Type::NUMERIC) => {
                numeric_of_int(*i, out);
                Ok(IsNull::No)
            }
            (Param::Int(i), _) => i.to_sql(&Type::INT8, out),
            (Param::Timestamp { instant, .. }, &Type::TIMESTAMPTZ) => instant.to_sql(ty, out),
            (Param::Timestamp { local, .. }, &Type::DATE) => local.date().to_sql(ty, out),
            (Param::Timestamp { instant, local, zoned }, _) => {
                let at = if *zoned { instant.naive_utc() } else { *local };
                at.to_sql(&Type::TIMESTAMP, out)
            }
        }
    }
    fn accepts(_: &Type) -> bool {
        true
    }
    to_sql_checked!();
}

fn numeric_of_int(i: i64, out: &mut BytesMut) {
    write::numeric_of_decimal(&BigDecimal::from(i), out);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numeric_binary_round_trip() {
        for i in [0i64, 7, -12_345_678, i64::MAX, i64::MIN + 1] {
            let mut buf = BytesMut::new();
            numeric_of_int(i, &mut buf);
            assert_eq!(numeric(&buf).expect("decodes"), BigDecimal::from(i));
        }
        // 12.50 = weight 0: [12, 5000], dscale 2
        let bytes = [0u8, 2, 0, 0, 0, 0, 0, 2, 0, 12, 0x13, 0x88];
        assert_eq!(numeric(&bytes).expect("decodes").to_string(), "12.50");
        // 0.0001 = weight -1: [1], dscale 4
        let bytes = [0u8, 1, 0xff, 0xff, 0, 0, 0, 4, 0, 1];
        assert_eq!(numeric(&bytes).expect("decodes").to_string(), "0.0001");
    }
}
