//! Database values into Connect values, checked: a value that does not
//! fit its target is an error, never a wrapped or rounded number.

use std::str::FromStr;

use bigdecimal::BigDecimal;
use chrono::{DateTime, LocalResult, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Tz;
use ferry_api::{Result, Value};

use crate::column::Target;
use crate::dialect::out_of_range;

pub fn int_to(n: i128, target: Target, column: &str) -> Result<Value> {
    let fit = |ok: bool, what: &str| if ok { Ok(()) } else { Err(out_of_range(column, n, what)) };
    Ok(match target {
        Target::Boolean => Value::Boolean(n != 0),
        Target::Int8 => Value::Int8(i8::try_from(n).map_err(|_| out_of_range(column, n, "int8"))?),
        Target::Int16 => Value::Int16(i16::try_from(n).map_err(|_| out_of_range(column, n, "int16"))?),
        Target::Int32 => Value::Int32(i32::try_from(n).map_err(|_| out_of_range(column, n, "int32"))?),
        Target::Int64 => Value::Int64(i64::try_from(n).map_err(|_| out_of_range(column, n, "int64"))?),
        Target::Float32 => Value::Float32(n as f32),
        Target::Float64 => Value::Float64(n as f64),
        Target::Decimal(scale) => Value::Decimal(BigDecimal::from(n).with_scale(i64::from(scale))),
        Target::String => Value::String(n.to_string()),
        other => {
            fit(false, &format!("{other:?}"))?;
            Value::Null
        }
    })
}

pub fn float_to(x: f64, target: Target, column: &str) -> Result<Value> {
    Ok(match target {
        Target::Float32 => Value::Float32(x as f32),
        Target::Float64 => Value::Float64(x),
        Target::Decimal(scale) => Value::Decimal(
            BigDecimal::try_from(x).map_err(|_| out_of_range(column, x, "a decimal"))?.with_scale(i64::from(scale)),
        ),
        other => return Err(out_of_range(column, x, &format!("{other:?}"))),
    })
}

/// Text the database sent for a value (decimals, strings, JSON, blobs).
pub fn text_to(bytes: Vec<u8>, target: Target, column: &str) -> Result<Value> {
    Ok(match target {
        Target::Bytes => Value::Bytes(bytes),
        Target::String => Value::String(
            String::from_utf8(bytes).map_err(|e| out_of_range(column, "bytes that are not UTF-8", &format!("a string ({e})")))?,
        ),
        _ => {
            let text = std::str::from_utf8(&bytes).map_err(|_| out_of_range(column, "bytes that are not UTF-8", "a number"))?;
            decimal_text_to(text, target, column)?
        }
    })
}

/// A decimal written in text (`-12.50`) into its target.
pub fn decimal_text_to(text: &str, target: Target, column: &str) -> Result<Value> {
    let d = BigDecimal::from_str(text).map_err(|_| out_of_range(column, text, "a decimal"))?;
    decimal_to(d, target, column)
}

pub fn decimal_to(d: BigDecimal, target: Target, column: &str) -> Result<Value> {
    use bigdecimal::ToPrimitive;
    Ok(match target {
        Target::Decimal(scale) => {
            let scaled = d.with_scale(i64::from(scale));
            if scaled != d {
                return Err(out_of_range(column, &d, &format!("a decimal of scale {scale}")));
            }
            Value::Decimal(scaled)
        }
        Target::Float64 => Value::Float64(d.to_f64().ok_or_else(|| out_of_range(column, &d, "float64"))?),
        Target::Float32 => Value::Float32(d.to_f32().ok_or_else(|| out_of_range(column, &d, "float32"))?),
        Target::Int8 | Target::Int16 | Target::Int32 | Target::Int64 => {
            if !d.is_integer() {
                return Err(out_of_range(column, &d, "an integer"));
            }
            let n = d.to_i128().ok_or_else(|| out_of_range(column, &d, "an integer"))?;
            int_to(n, target, column)?
        }
        Target::String => Value::String(d.to_string()),
        other => return Err(out_of_range(column, &d, &format!("{other:?}"))),
    })
}

/// A wall-clock time in `tz` as an instant. In a DST gap the clock is
/// read as standard time; in an overlap, the earlier instant.
pub fn local_to_utc(at: NaiveDateTime, tz: Tz) -> DateTime<Utc> {
    match tz.from_local_datetime(&at) {
        LocalResult::Single(t) | LocalResult::Ambiguous(t, _) => t.with_timezone(&Utc),
        // In a gap (clocks jump forward), shift later by the gap, as java.time does.
        LocalResult::None => tz
            .from_local_datetime(&(at + chrono::Duration::hours(1)))
            .earliest()
            .map_or_else(|| at.and_utc(), |t| t.with_timezone(&Utc)),
    }
}

pub fn utc_to_local(at: DateTime<Utc>, tz: Tz) -> NaiveDateTime {
    at.with_timezone(&tz).naive_local()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_never_wrap() {
        assert_eq!(int_to(127, Target::Int8, "c").ok(), Some(Value::Int8(127)));
        assert!(int_to(128, Target::Int8, "c").is_err());
        let big = i128::from(u64::MAX);
        assert_eq!(int_to(big, Target::Decimal(0), "c").ok(), Some(Value::Decimal(BigDecimal::from(u64::MAX))));
        assert!(int_to(big, Target::Int64, "c").is_err());
        assert!(decimal_text_to("1.25", Target::Decimal(1), "c").is_err(), "rounding would lose a digit");
        assert_eq!(decimal_text_to("1.5", Target::Decimal(3), "c").ok(), Some(Value::Decimal(BigDecimal::from_str("1.500").expect("d"))));
        assert!(decimal_text_to("1.5", Target::Int32, "c").is_err());
    }

    #[test]
    fn wall_clocks_in_a_zone() {
        let tz: Tz = "Europe/Paris".parse().expect("tz");
        let at = NaiveDateTime::parse_from_str("2024-07-01 12:00:00", "%Y-%m-%d %H:%M:%S").expect("dt");
        assert_eq!(local_to_utc(at, tz).to_rfc3339(), "2024-07-01T10:00:00+00:00");
        assert_eq!(utc_to_local(local_to_utc(at, tz), tz), at);
    }
}
