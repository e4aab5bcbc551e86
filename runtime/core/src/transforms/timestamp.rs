//! `TimestampConverter$Key` / `$Value`: a timestamp between a string
//! (`format`, Java's SimpleDateFormat letters, in UTC), a unix number
//! (`unix.precision`), and Connect's Date, Time and Timestamp.

use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, Utc};
use ferry_api::config::Props;
use ferry_api::data::{logical, SchemaBuilder};
use ferry_api::{ConnectError, Result, SchemaAndValue, SchemaRef, SchemaType, Struct, Value};

use super::cache::SchemaCache;
use super::fields::struct_schema;
use super::date_format::chrono_format;
use super::{Part, Record, Transform};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Target {
    String,
    Unix,
    Date,
    Time,
    Timestamp,
}

pub struct TimestampConverter {
    part: Part,
    target: Target,
    field: Option<String>,
    format: Option<String>,
    /// Units per second of unix numbers.
    per_second: i64,
    /// Output schemas by input schema.
    schemas: SchemaCache,
}

impl TimestampConverter {
    pub fn new(part: Part, props: &Props) -> Result<Self> {
        let target = match props.get("target.type").map(|t| t.trim()) {
            Some("string") => Target::String,
            Some("unix") => Target::Unix,
            Some("Date") => Target::Date,
            Some("Time") => Target::Time,
            Some("Timestamp") => Target::Timestamp,
            other => {
                return Err(ConnectError::config(format!(
                    "Invalid value {} for configuration target.type: String must be one of: string, unix, Date, Time, Timestamp",
                    other.unwrap_or("null")
                )))
            }
        };
        let format = props.get("format").map(|f| f.trim().to_owned()).filter(|f| !f.is_empty());
        if target == Target::String && format.is_none() {
            return Err(ConnectError::config("TimestampConverter requires format option to be specified when using string timestamps"));
        }
        let per_second = match props.get("unix.precision").map(|p| p.trim()).unwrap_or("milliseconds") {
            "seconds" => 1,
            "milliseconds" => 1_000,
            "microseconds" => 1_000_000,
            "nanoseconds" => 1_000_000_000,
            other => return Err(ConnectError::config(format!("Invalid value {other} for configuration unix.precision"))),
        };
        let field = props.get("field").map(|f| f.trim().to_owned()).filter(|f| !f.is_empty());
        Ok(Self { schemas: SchemaCache::default(), part, target, field, format: format.map(|f| chrono_format(&f)).transpose()?, per_second })
    }

    /// The instant a value stands for.
    fn instant(&self, v: &Value) -> Result<DateTime<Utc>> {
        let bad = || ConnectError::data(format!("TimestampConverter cannot read a {} as a timestamp", v.type_name()));
        Ok(match v {
            Value::Timestamp(t) => *t,
            Value::Date(d) => d.and_time(NaiveTime::MIN).and_utc(),
            Value::Time(t) => NaiveDate::from_ymd_opt(1970, 1, 1).ok_or_else(bad)?.and_time(*t).and_utc(),
            // Connect keeps milliseconds: finer units are truncated, as Java's division does.
            Value::Int64(n) => {
                let ms = i128::from(*n) * 1_000 / i128::from(self.per_second);
                DateTime::from_timestamp_millis(i64::try_from(ms).map_err(|_| bad())?).ok_or_else(bad)?
            }
            Value::String(s) => {
                let format = self.format.as_deref().ok_or_else(|| ConnectError::data("TimestampConverter needs format to read strings"))?;
                NaiveDateTime::parse_from_str(s, format)
                    .or_else(|_| NaiveDate::parse_from_str(s, format).map(|d| d.and_time(NaiveTime::MIN)))
                    .map_err(|e| ConnectError::data(format!("Could not parse timestamp: value ({s}) does not match pattern: {e}")))?
                    .and_utc()
            }
            _ => return Err(bad()),
        })
    }

    fn convert(&self, v: &Value) -> Result<Value> {
        if v.is_null() {
            return Ok(Value::Null);
        }
        let at = self.instant(v)?;
        Ok(match self.target {
            Target::String => Value::String(at.format(self.format.as_deref().unwrap_or("%Y-%m-%d")).to_string()),
            Target::Unix => {
                let units = i128::from(at.timestamp_millis()) * i128::from(self.per_second) / 1_000;
                Value::Int64(i64::try_from(units).map_err(|_| ConnectError::data(format!("{at} does not fit a unix number")))?)
            }
            Target::Date => Value::Date(at.date_naive()),
            Target::Time => Value::Time(at.time()),
            Target::Timestamp => Value::Timestamp(at),
        })
    }

    fn schema(&self, optional: bool) -> SchemaRef {
        let b = match self.target {
            Target::String => SchemaBuilder::new(SchemaType::String),
            Target::Unix => SchemaBuilder::new(SchemaType::Int64),
            Target::Date => logical::date_builder(),
            Target::Time => logical::time_builder(),
            Target::Timestamp => logical::timestamp_builder(),
        };
        if optional {
            b.optional().build()
        } else {
            b.build()
        }
    }
}

impl Transform for TimestampConverter {
    fn apply(&self, mut r: Record) -> Result<Option<Record>> {
        let current = self.part.take(&mut r);
        let out = match (&self.field, current.schema, current.value) {
            (None, Some(schema), v) => SchemaAndValue::new(self.schema(schema.optional), self.convert(&v)?),
            (None, None, v) => SchemaAndValue::schemaless(self.convert(&v)?),
            (Some(_), schema, Value::Null) => SchemaAndValue { schema, value: Value::Null },
            (Some(field), Some(schema), Value::Struct(s)) => {
                let new_schema = self.schemas.get(&schema, || {
                    let fields = schema
                        .fields
                        .iter()
                        .map(|f| (f.name.clone(), if &f.name == field { self.schema(f.schema.optional) } else { f.schema.clone() }))
                        .collect();
                    Ok(struct_schema(Some(&schema), fields))
                })?;
                let mut out = Struct::new(new_schema.clone());
                for f in &schema.fields {
                    let v = s.get(&f.name).cloned().unwrap_or(Value::Null);
                    out.put(&f.name, if &f.name == field { self.convert(&v)? } else { v })?;
                }
                SchemaAndValue::new(new_schema, Value::Struct(out))
            }
            (Some(field), None, Value::Map(entries)) => {
                let mut out = Vec::with_capacity(entries.len());
                for (k, v) in entries {
                    let v = if k.as_str() == Some(field) { self.convert(&v)? } else { v };
                    out.push((k, v));
                }
                SchemaAndValue::schemaless(Value::Map(out))
            }
            (Some(_), _, v) => return Err(ConnectError::data(format!("Only Struct or Map objects supported for [converting timestamp formats], found: {}", v.type_name()))),
        };
        self.part.set(&mut r, out);
        Ok(Some(r))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn conv(pairs: &[(&str, &str)]) -> TimestampConverter {
        let props: Props = pairs.iter().map(|(k, v)| ((*k).into(), (*v).into())).collect();
        TimestampConverter::new(Part::Value, &props).expect("config")
    }

    #[test]
    fn between_strings_unix_and_logical_types() {
        let at = Value::Timestamp(DateTime::from_timestamp_millis(1_719_849_600_123).expect("time"));
        let s = conv(&[("target.type", "string"), ("format", "yyyy-MM-dd HH:mm:ss.SSS")]).convert(&at).expect("string");
        assert_eq!(s, Value::String("2024-07-01 16:00:00.123".into()));
        let back = conv(&[("target.type", "Timestamp"), ("format", "yyyy-MM-dd HH:mm:ss.SSS")]).convert(&s).expect("parsed");
        assert_eq!(back, at);
        assert_eq!(conv(&[("target.type", "unix"), ("unix.precision", "seconds")]).convert(&at).expect("unix"), Value::Int64(1_719_849_600));
        assert_eq!(conv(&[("target.type", "Date")]).convert(&Value::Int64(86_400_000)).expect("date"), Value::Date(NaiveDate::from_ymd_opt(1970, 1, 2).expect("date")));
        let date = conv(&[("target.type", "Timestamp"), ("format", "yyyyMMdd")]).convert(&Value::String("20240701".into())).expect("date only");
        assert_eq!(date, Value::Timestamp(DateTime::from_timestamp_millis(1_719_792_000_000).expect("time")));
        let props: Props = [("target.type".to_owned(), "string".to_owned())].into_iter().collect();
        assert!(TimestampConverter::new(Part::Value, &props).is_err(), "string needs a format");
    }
}
