//! Connect's logical types: their schema names, builders and the
//! conversions between the logical value and its physical encoding.

use bigdecimal::BigDecimal;
use chrono::{DateTime, NaiveDate, NaiveTime, Timelike, Utc};
use num_bigint::BigInt;

use super::{Schema, SchemaBuilder, SchemaRef, SchemaType};
use crate::error::{ConnectError, Result};

pub const DECIMAL: &str = "org.apache.kafka.connect.data.Decimal";
pub const DATE: &str = "org.apache.kafka.connect.data.Date";
pub const TIME: &str = "org.apache.kafka.connect.data.Time";
pub const TIMESTAMP: &str = "org.apache.kafka.connect.data.Timestamp";
pub const DECIMAL_SCALE: &str = "scale";

const MILLIS_PER_DAY: i64 = 86_400_000;

pub fn decimal_builder(scale: i32) -> SchemaBuilder {
    SchemaBuilder::new(SchemaType::Bytes)
        .name(DECIMAL)
        .version(1)
        .parameter(DECIMAL_SCALE, scale.to_string())
}
pub fn decimal(scale: i32) -> SchemaRef {
    decimal_builder(scale).build()
}
pub fn date_builder() -> SchemaBuilder {
    SchemaBuilder::new(SchemaType::Int32).name(DATE).version(1)
}
pub fn time_builder() -> SchemaBuilder {
    SchemaBuilder::new(SchemaType::Int32).name(TIME).version(1)
}
pub fn timestamp_builder() -> SchemaBuilder {
    SchemaBuilder::new(SchemaType::Int64).name(TIMESTAMP).version(1)
}

/// The `scale` parameter of a Decimal schema.
pub fn decimal_scale(schema: &Schema) -> Result<i64> {
    schema
        .parameters
        .get(DECIMAL_SCALE)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| ConnectError::data("Invalid Decimal schema: scale parameter not found."))
}

/// A decimal as Connect encodes it: big-endian two's-complement unscaled bytes.
pub fn decimal_to_bytes(value: &BigDecimal, scale: i64) -> Vec<u8> {
    let (unscaled, _) = value.with_scale(scale).into_bigint_and_exponent();
    unscaled.to_signed_bytes_be()
}

pub fn decimal_from_bytes(bytes: &[u8], scale: i64) -> BigDecimal {
    BigDecimal::new(BigInt::from_signed_bytes_be(bytes), scale)
}

pub fn date_to_days(date: NaiveDate) -> i32 {
    let days = date.signed_duration_since(epoch_date()).num_days();
    i32::try_from(days).unwrap_or(if days < 0 { i32::MIN } else { i32::MAX })
}

pub fn date_from_days(days: i32) -> Result<NaiveDate> {
    epoch_date()
        .checked_add_signed(chrono::Duration::days(days.into()))
        .ok_or_else(|| ConnectError::data(format!("Date out of range: {days} days")))
}

/// Milliseconds since midnight; sub-millisecond precision is dropped, as in Connect.
pub fn time_to_millis(time: NaiveTime) -> i32 {
    let ms = time.num_seconds_from_midnight() as i64 * 1000 + (time.nanosecond() as i64 / 1_000_000);
    // Leap-second nanos can exceed a day; clamp inside it.
    ms.min(MILLIS_PER_DAY - 1) as i32
}

pub fn time_from_millis(ms: i32) -> Result<NaiveTime> {
    if !(0..MILLIS_PER_DAY as i32).contains(&ms) {
        return Err(ConnectError::data(
            "Kafka Connect Time type should not have any date fields set to non-zero values.",
        ));
    }
    let secs = (ms / 1000) as u32;
    let nanos = (ms % 1000) as u32 * 1_000_000;
    NaiveTime::from_num_seconds_from_midnight_opt(secs, nanos)
        .ok_or_else(|| ConnectError::data(format!("Time out of range: {ms} ms")))
}

pub fn timestamp_to_millis(ts: DateTime<Utc>) -> i64 {
    ts.timestamp_millis()
}

pub fn timestamp_from_millis(ms: i64) -> Result<DateTime<Utc>> {
    DateTime::from_timestamp_millis(ms)
        .ok_or_else(|| ConnectError::data(format!("Timestamp out of range: {ms} ms")))
}

fn epoch_date() -> NaiveDate {
    DateTime::UNIX_EPOCH.date_naive()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    #[test]
    fn decimal_bytes_match_connect() {
        // Connect's own docs example: 10.2345 with scale 4 is 0x018F2D... check a simple one.
        let v = BigDecimal::from_str("1.56").unwrap_or_default();
        assert_eq!(decimal_to_bytes(&v, 2), vec![0x00, 0x9c]);
        let neg = BigDecimal::from_str("-1").unwrap_or_default();
        assert_eq!(decimal_to_bytes(&neg, 0), vec![0xff]);
        assert_eq!(decimal_from_bytes(&[0x00, 0x9c], 2), BigDecimal::from_str("1.56").unwrap_or_default());
    }

    #[test]
    fn time_round_trip() {
        let t = time_from_millis(45_296_789).unwrap_or_default();
        assert_eq!(time_to_millis(t), 45_296_789);
        assert!(time_from_millis(-1).is_err());
    }

    #[test]
    fn date_round_trip() {
        for d in [-719_162, -1, 0, 1, 19_000, 2_932_896] {
            let date = date_from_days(d).unwrap_or_default();
            assert_eq!(date_to_days(date), d);
        }
    }
}
