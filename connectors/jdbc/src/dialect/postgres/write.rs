//! Writing to PostgreSQL: statements prepared once per connection, values
//! encoded as the server typed each placeholder, and the errors told apart
//! (a lost connection is retried, a refused row is not).

use std::error::Error;

use bigdecimal::BigDecimal;
use bytes::{BufMut, BytesMut};
use chrono::NaiveTime;
use chrono_tz::Tz;
use ferry_api::{ConnectError, Result, Value};
use tokio_postgres::binary_copy::BinaryCopyInWriter;
use tokio_postgres::error::SqlState;
use tokio_postgres::types::{to_sql_checked, IsNull, Kind, ToSql, Type};

use super::PgDb;
use crate::convert::utc_to_local;

/// A value bound to a placeholder of whatever type the server chose.
#[derive(Debug)]
struct Bind<'a> {
    value: &'a Value,
    timezone: Tz,
}

impl PgDb {
    /// Runs one statement with its values bound; the rows it affected.
    pub async fn execute(&mut self, sql: &str, params: &[Value]) -> Result<u64> {
        let statement = match self.statements.get(sql) {
            Some(s) => s.clone(),
            None => {
                let s = self.client.prepare(sql).await.map_err(|e| write_error(sql, e))?;
                self.statements.insert(sql.to_owned(), s.clone());
                s
            }
        };
        let binds: Vec<Bind<'_>> = params.iter().map(|value| Bind { value, timezone: self.timezone }).collect();
        let refs: Vec<&(dyn ToSql + Sync)> = binds.iter().map(|b| b as &(dyn ToSql + Sync)).collect();
        self.client.execute(&statement, &refs).await.map_err(|e| write_error(sql, e))
    }

    /// Runs statements without values (DDL, transaction control).
    pub async fn batch(&mut self, sql: &str) -> Result<()> {
        self.client.batch_execute(sql).await.map_err(|e| write_error(sql, e))
    }

    /// Forgets prepared statements and column types, after DDL changed a table.
    pub fn forget_statements(&mut self) {
        self.statements.clear();
        self.copy_types.clear();
    }

    /// Writes rows with binary COPY into `table` (quoted) `columns` (quoted,
    /// comma-separated); the rows written.
    pub async fn copy_in(&mut self, table: &str, columns: &str, rows: &[Vec<Value>]) -> Result<u64> {
        let probe = format!("SELECT {columns} FROM {table} LIMIT 0");
        let types = match self.copy_types.get(&probe) {
            Some(t) => t.clone(),
            None => {
                let s = self.client.prepare(&probe).await.map_err(|e| write_error(&probe, e))?;
                let t: Vec<Type> = s.columns().iter().map(|c| c.type_().clone()).collect();
                self.copy_types.insert(probe, t.clone());
                t
            }
        };
        let copy = format!("COPY {table} ({columns}) FROM STDIN BINARY");
        let sink = self.client.copy_in(&copy).await.map_err(|e| write_error(&copy, e))?;
        let mut writer = std::pin::pin!(BinaryCopyInWriter::new(sink, &types));
        for row in rows {
            let binds: Vec<Bind<'_>> = row.iter().map(|value| Bind { value, timezone: self.timezone }).collect();
            let refs: Vec<&(dyn ToSql + Sync)> = binds.iter().map(|b| b as &(dyn ToSql + Sync)).collect();
            writer.as_mut().write(&refs).await.map_err(|e| write_error(&copy, e))?;
        }
        writer.finish().await.map_err(|e| write_error(&copy, e))
    }
}

/// Data and integrity errors (SQLSTATE classes 22, 23, 44, and a type
/// mismatch) are the record's fault; a missing table or column is the
/// setup's (fatal); the rest (connection, serialization, deadlock) pass.
fn write_error(sql: &str, e: tokio_postgres::Error) -> ConnectError {
    let statement: String = sql.chars().take(200).collect();
    let Some(db) = e.as_db_error() else {
        return ConnectError::retriable(format!("Database write failed: {e} (in: {statement})"));
    };
    let code = db.code().code();
    let detail = db.detail().map(|d| format!(" ({d})")).unwrap_or_default();
    let message = format!("{}{detail} (SQLSTATE {code}) in: {statement}", db.message());
    match &code[..2] {
        "22" | "23" | "44" => ConnectError::data(message),
        _ if db.code() == &SqlState::DATATYPE_MISMATCH => ConnectError::data(message),
        "42" => ConnectError::fatal(message),
        _ => ConnectError::retriable(format!("Database write failed: {message}")),
    }
}

type Encoded = std::result::Result<IsNull, Box<dyn Error + Sync + Send>>;

impl ToSql for Bind<'_> {
    fn to_sql(&self, ty: &Type, out: &mut BytesMut) -> Encoded {
        let v = self.value;
        if v.is_null() {
            return Ok(IsNull::Yes);
        }
        match *ty {
            Type::BOOL => match v {
                Value::Boolean(b) => b.to_sql(ty, out),
                _ => integer(v, ty).map(|i| i != 0).and_then(|b| b.to_sql(ty, out)),
            },
            Type::INT2 => i16::try_from(integer(v, ty)?)?.to_sql(ty, out),
            Type::INT4 => i32::try_from(integer(v, ty)?)?.to_sql(ty, out),
            Type::INT8 => integer(v, ty)?.to_sql(ty, out),
            Type::FLOAT4 => (float(v, ty)? as f32).to_sql(ty, out),
            Type::FLOAT8 => float(v, ty)?.to_sql(ty, out),
            Type::NUMERIC => {
                numeric_of_decimal(&decimal(v, ty)?, out);
                Ok(IsNull::No)
            }
            Type::BYTEA => match v {
                Value::Bytes(b) => b.as_slice().to_sql(ty, out),
                _ => Err(mismatch(v, ty)),
            },
            Type::DATE => match v {
                Value::Date(d) => d.to_sql(ty, out),
                Value::Timestamp(t) => utc_to_local(*t, self.timezone).date().to_sql(ty, out),
                _ => Err(mismatch(v, ty)),
            },
            Type::TIME => match v {
                Value::Time(t) => t.to_sql(ty, out),
                _ => Err(mismatch(v, ty)),
            },
            // A zoneless column holds the wall clock of db.timezone.
            Type::TIMESTAMP => match v {
                Value::Timestamp(t) => utc_to_local(*t, self.timezone).to_sql(ty, out),
                Value::Date(d) => d.and_time(NaiveTime::MIN).to_sql(ty, out),
                _ => Err(mismatch(v, ty)),
            },
            Type::TIMESTAMPTZ => match v {
                Value::Timestamp(t) => t.to_sql(ty, out),
                Value::Date(d) => d.and_time(NaiveTime::MIN).and_utc().to_sql(ty, out),
                _ => Err(mismatch(v, ty)),
            },
            Type::UUID => {
                let text = text(v).ok_or_else(|| mismatch(v, ty))?;
                let hex: String = text.chars().filter(|c| *c != '-').collect();
                let raw = u128::from_str_radix(&hex, 16).map_err(|_| format!("'{text}' is not a UUID"))?;
                if hex.len() != 32 {
                    return Err(format!("'{text}' is not a UUID").into());
                }
                out.put_u128(raw);
                Ok(IsNull::No)
            }
            Type::JSONB => {
                out.put_u8(1); // jsonb's binary format: a version byte, then the text
                out.put_slice(text(v).ok_or_else(|| mismatch(v, ty))?.as_bytes());
                Ok(IsNull::No)
            }
            // Text, varchar, char, json, enums, and types without a binary
            // codec here: their text, which is also their binary form for
            // the text-like ones.
            _ if matches!(ty.kind(), Kind::Enum(_)) || is_text(ty) => {
                out.put_slice(text(v).ok_or_else(|| mismatch(v, ty))?.as_bytes());
                Ok(IsNull::No)
            }
            _ => Err(format!("Ferry cannot write to a column of type {ty}").into()),
        }
    }

    fn accepts(_: &Type) -> bool {
        true
    }

    to_sql_checked!();
}

fn is_text(ty: &Type) -> bool {
    matches!(*ty, Type::TEXT | Type::VARCHAR | Type::BPCHAR | Type::NAME | Type::JSON | Type::UNKNOWN | Type::XML)
        || ty.name() == "citext"
}

fn mismatch(v: &Value, ty: &Type) -> Box<dyn Error + Sync + Send> {
    format!("A {} value cannot be written to a column of type {ty}", v.type_name()).into()
}

fn integer(v: &Value, ty: &Type) -> std::result::Result<i64, Box<dyn Error + Sync + Send>> {
    match v {
        Value::Int8(i) => Ok(i64::from(*i)),
        Value::Int16(i) => Ok(i64::from(*i)),
        Value::Int32(i) => Ok(i64::from(*i)),
        Value::Int64(i) => Ok(*i),
        Value::Boolean(b) => Ok(i64::from(*b)),
        Value::Decimal(d) if d.is_integer() => d.to_string().parse().map_err(|_| mismatch(v, ty)),
        Value::String(s) => s.trim().parse().map_err(|_| mismatch(v, ty)),
        _ => Err(mismatch(v, ty)),
    }
}

fn float(v: &Value, ty: &Type) -> std::result::Result<f64, Box<dyn Error + Sync + Send>> {
    match v {
        Value::Float32(f) => Ok(f64::from(*f)),
        Value::Float64(f) => Ok(*f),
        Value::Decimal(d) => d.to_string().parse().map_err(|_| mismatch(v, ty)),
        Value::String(s) => s.trim().parse().map_err(|_| mismatch(v, ty)),
        _ => integer(v, ty).map(|i| i as f64),
    }
}

fn decimal(v: &Value, ty: &Type) -> std::result::Result<BigDecimal, Box<dyn Error + Sync + Send>> {
    match v {
        Value::Decimal(d) => Ok(d.clone()),
        Value::Float32(_) | Value::Float64(_) | Value::String(_) => {
            let f = float(v, ty)?;
            if !f.is_finite() {
                return Err(format!("{f} cannot be written to a NUMERIC column by Ferry").into());
            }
            format!("{f}").parse().map_err(|_| mismatch(v, ty))
        }
        _ => integer(v, ty).map(BigDecimal::from),
    }
}

/// A value's text, for text-like columns.
fn text(v: &Value) -> Option<String> {
    Some(match v {
        Value::String(s) => s.clone(),
        Value::Boolean(b) => b.to_string(),
        Value::Int8(i) => i.to_string(),
        Value::Int16(i) => i.to_string(),
        Value::Int32(i) => i.to_string(),
        Value::Int64(i) => i.to_string(),
        Value::Float32(f) => f.to_string(),
        Value::Float64(f) => f.to_string(),
        Value::Decimal(d) => d.to_plain_string(),
        Value::Date(d) => d.to_string(),
        Value::Time(t) => t.to_string(),
        Value::Timestamp(t) => t.to_rfc3339(),
        _ => return None,
    })
}

/// NUMERIC's binary form of a decimal (see `numeric` for the layout).
pub(super) fn numeric_of_decimal(d: &BigDecimal, out: &mut BytesMut) {
    let (unscaled, scale) = d.as_bigint_and_exponent();
    let negative = unscaled.sign() == num_bigint::Sign::Minus;
    let mut digits = unscaled.magnitude().to_string();
    let dscale = scale.max(0) as usize;
    if scale < 0 {
        digits.push_str(&"0".repeat(scale.unsigned_abs() as usize));
    }
    if digits.len() <= dscale {
        digits = format!("{}{digits}", "0".repeat(dscale - digits.len() + 1));
    }
    let (int_part, frac_part) = digits.split_at(digits.len() - dscale);
    let int_part = format!("{}{int_part}", "0".repeat((4 - int_part.len() % 4) % 4));
    let frac_part = format!("{frac_part}{}", "0".repeat((4 - frac_part.len() % 4) % 4));
    let group = |s: &str| s.as_bytes().chunks(4).map(|c| std::str::from_utf8(c).unwrap_or("0").parse::<u16>().unwrap_or(0)).collect::<Vec<_>>();
    let mut groups = group(&int_part);
    let mut weight = groups.len() as i16 - 1;
    groups.extend(group(&frac_part));
    // Leading zero groups lower the weight; trailing ones say nothing.
    let leading = groups.iter().take_while(|g| **g == 0).count();
    groups.drain(..leading);
    weight -= leading as i16;
    while groups.last() == Some(&0) {
        groups.pop();
    }
    if groups.is_empty() {
        weight = 0;
    }
    out.put_u16(groups.len() as u16);
    out.put_i16(weight);
    out.put_u16(if negative && !groups.is_empty() { 0x4000 } else { 0 });
    out.put_u16(dscale as u16);
    groups.into_iter().for_each(|g| out.put_u16(g));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimals_round_trip_through_numeric() {
        for text in ["0", "12.50", "-1234567890.12", "0.0001", "100000000", "-0.5", "99999999999999999999.999999", "1E+3"] {
            let d: BigDecimal = text.parse().expect("decimal");
            let mut buf = BytesMut::new();
            numeric_of_decimal(&d, &mut buf);
            assert_eq!(super::super::numeric(&buf).expect("decodes"), d, "{text}");
        }
    }

    #[test]
    fn uuid_date_and_zoneless_timestamps_encode_as_postgres_expects() {
        let tz: Tz = "America/New_York".parse().expect("zone");
        let at = chrono::DateTime::parse_from_rfc3339("2024-07-01T16:00:00Z").expect("time").to_utc();
        let value = Value::Timestamp(at);
        let mut local = BytesMut::new();
        Bind { value: &value, timezone: tz }.to_sql(&Type::TIMESTAMP, &mut local).expect("encodes");
        let mut expected = BytesMut::new();
        chrono::NaiveDate::from_ymd_opt(2024, 7, 1).and_then(|d| d.and_hms_opt(12, 0, 0)).expect("time").to_sql(&Type::TIMESTAMP, &mut expected).expect("encodes");
        assert_eq!(local, expected, "a zoneless column gets New York's wall clock");
        let uuid = Value::String("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11".into());
        let mut buf = BytesMut::new();
        Bind { value: &uuid, timezone: tz }.to_sql(&Type::UUID, &mut buf).expect("encodes");
        assert_eq!(buf.len(), 16);
        assert_eq!(buf[0], 0xa0);
        let bad = Value::Int32(7);
        assert!(Bind { value: &bad, timezone: tz }.to_sql(&Type::BYTEA, &mut buf).is_err());
    }
}
