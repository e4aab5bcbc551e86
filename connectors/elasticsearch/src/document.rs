//! A sink record as an Elasticsearch document: its ID and its JSON source.
//!
//! Values are written as Confluent's connector writes them, except where
//! Elasticsearch could not use them: Decimals are JSON numbers with every
//! digit (never base64), Dates are epoch milliseconds of their midnight UTC
//! (Elasticsearch reads a bare day count as milliseconds). Timestamps and
//! Times stay epoch milliseconds, bytes are base64.

use base64::Engine as _;
use ferry_api::data::logical;
use ferry_api::{ConnectError, Result, Schema, SchemaType, SinkRecord, Value};
use serde::ser::{Error as _, SerializeMap, SerializeSeq};
use serde::{Serialize, Serializer};

const MILLIS_PER_DAY: i64 = 86_400_000;

/// "record from topic=… partition=… offset=…", as Confluent names a record.
pub fn describe(record: &SinkRecord) -> String {
    format!("record from topic={} partition={} offset={}", record.topic, record.partition, record.offset)
}

/// The ID of a record's document: `topic+partition+offset` when the key is
/// ignored, else the key, which must be a non-empty integer or string.
pub fn document_id(record: &SinkRecord, ignore_key: bool) -> Result<String> {
    if ignore_key {
        return Ok(format!("{}+{}+{}", record.topic, record.partition, record.offset));
    }
    let key = &record.key.value;
    let id = match key {
        Value::Null => return Err(ConnectError::data(format!("Key is used as document id and can not be null ({}).", describe(record)))),
        Value::String(s) => s.clone(),
        Value::Int8(_) | Value::Int16(_) | Value::Int32(_) | Value::Int64(_) => key.as_i64().unwrap_or_default().to_string(),
        other => {
            let kind = record.key.schema.as_ref().map_or_else(|| other.type_name().to_uppercase(), |s| s.kind.name().to_uppercase());
            let hint = if matches!(other, Value::Struct(_) | Value::Map(_)) {
                " A struct key (such as the JDBC source's primary key) can be reduced to one field with \
                 transforms=extractId, transforms.extractId.type=org.apache.kafka.connect.transforms.ExtractField$Key, \
                 transforms.extractId.field=<key field>; or set key.ignore=true."
            } else {
                ""
            };
            return Err(ConnectError::data(format!("{kind} is not supported as the document id ({}).{hint}", describe(record))));
        }
    };
    if id.is_empty() {
        return Err(ConnectError::data(format!("Key is used as document id and can not be empty ({}).", describe(record))));
    }
    Ok(id)
}

/// Why a value cannot be a document: Elasticsearch documents are objects.
pub fn not_an_object(record: &SinkRecord) -> Option<String> {
    match &record.value.value {
        Value::Struct(_) => None,
        Value::Map(entries) if entries.iter().all(|(k, _)| matches!(k, Value::String(_))) || record.value.schema.is_some() => None,
        Value::Null => None,
        other => Some(format!("the value is a {}, not an object: an Elasticsearch document must be a JSON object ({})", other.type_name(), describe(record))),
    }
}

/// Appends the JSON of a record value to `out`.
pub fn write_source(out: &mut Vec<u8>, value: &Value, schema: Option<&Schema>, compact_maps: bool) -> Result<()> {
    serde_json::to_writer(&mut *out, &Json { value, schema, compact_maps })
        .map_err(|e| ConnectError::data(format!("Cannot write the record value as JSON: {e}")))
}

/// A value with its schema, serialized the way documents are written.
struct Json<'a> {
    value: &'a Value,
    schema: Option<&'a Schema>,
    compact_maps: bool,
}

impl<'a> Json<'a> {
    fn child(&self, value: &'a Value, schema: Option<&'a Schema>) -> Json<'a> {
        Json { value, schema, compact_maps: self.compact_maps }
    }
}

fn number<S: Serializer>(s: S, text: &str) -> std::result::Result<S::Ok, S::Error> {
    let n: serde_json::Number = text.parse().map_err(|_| S::Error::custom(format!("{text} is not a JSON number")))?;
    n.serialize(s)
}

fn float<S: Serializer>(s: S, v: f64) -> std::result::Result<S::Ok, S::Error> {
    if v.is_finite() {
        s.serialize_f64(v)
    } else {
        Err(S::Error::custom(format!("{v} cannot be written in JSON")))
    }
}

impl Serialize for Json<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        let schema = self.schema;
        match self.value {
            // A null takes the schema's default, as Connect's JsonConverter does.
            Value::Null => match schema.and_then(|sc| sc.default.as_ref()) {
                Some(d) if !d.is_null() => self.child(d, schema).serialize(s),
                _ => s.serialize_unit(),
            },
            Value::Boolean(b) => s.serialize_bool(*b),
            Value::Int8(v) => s.serialize_i8(*v),
            Value::Int16(v) => s.serialize_i16(*v),
            Value::Int32(v) => s.serialize_i32(*v),
            Value::Int64(v) => s.serialize_i64(*v),
            Value::Float32(v) => float(s, f64::from(*v)),
            Value::Float64(v) => float(s, *v),
            Value::String(v) => s.serialize_str(v),
            Value::Bytes(b) => s.serialize_str(&base64::engine::general_purpose::STANDARD.encode(b)),
            Value::Decimal(d) => number(s, &d.normalized().to_plain_string()),
            Value::Date(d) => s.serialize_i64(i64::from(logical::date_to_days(*d)) * MILLIS_PER_DAY),
            Value::Time(t) => s.serialize_i32(logical::time_to_millis(*t)),
            Value::Timestamp(t) => s.serialize_i64(logical::timestamp_to_millis(*t)),
            Value::Array(items) => {
                let elem = schema.and_then(|sc| sc.value_schema.as_deref());
                let mut seq = s.serialize_seq(Some(items.len()))?;
                for item in items {
                    seq.serialize_element(&self.child(item, elem))?;
                }
                seq.end()
            }
            Value::Map(entries) => {
                let key_schema = schema.and_then(|sc| sc.key_schema.as_deref());
                let value_schema = schema.and_then(|sc| sc.value_schema.as_deref());
                let string_keys = match key_schema {
                    Some(ks) => ks.kind == SchemaType::String,
                    None => entries.iter().all(|(k, _)| matches!(k, Value::String(_))),
                };
                // Schemaless maps are JSON objects already; Connect maps are
                // objects only when compact and keyed by strings.
                if string_keys && (self.compact_maps || schema.is_none()) {
                    let mut map = s.serialize_map(Some(entries.len()))?;
                    for (k, v) in entries {
                        map.serialize_entry(k.as_str().unwrap_or_default(), &self.child(v, value_schema))?;
                    }
                    map.end()
                } else {
                    let mut seq = s.serialize_seq(Some(entries.len()))?;
                    for (k, v) in entries {
                        seq.serialize_element(&Entry { key: self.child(k, key_schema), value: self.child(v, value_schema) })?;
                    }
                    seq.end()
                }
            }
            Value::Struct(st) => {
                let fields = &st.schema().fields;
                let mut map = s.serialize_map(Some(fields.len()))?;
                for (field, v) in fields.iter().zip(st.values()) {
                    map.serialize_entry(&field.name, &self.child(v, Some(&field.schema)))?;
                }
                map.end()
            }
        }
    }
}

/// A map entry as a nested document `{"key": …, "value": …}`.
struct Entry<'a> {
    key: Json<'a>,
    value: Json<'a>,
}

impl Serialize for Entry<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(2))?;
        map.serialize_entry("key", &self.key)?;
        map.serialize_entry("value", &self.value)?;
        map.end()
    }
}

#[cfg(test)]
mod tests {
    use std::str::FromStr;

    use ferry_api::data::SchemaBuilder;
    use ferry_api::{SchemaAndValue, Struct};

    use super::*;

    fn record(key: SchemaAndValue, value: SchemaAndValue) -> SinkRecord {
        SinkRecord { topic: "Orders".into(), partition: 2, offset: 41, key, value, timestamp: None, headers: Default::default() }
    }

    fn json(value: &Value, schema: Option<&Schema>, compact: bool) -> String {
        let mut out = Vec::new();
        write_source(&mut out, value, schema, compact).expect("writes");
        String::from_utf8(out).expect("utf-8")
    }

    #[test]
    fn ids_from_keys_or_coordinates() {
        let v = SchemaAndValue::schemaless(Value::Map(vec![]));
        assert_eq!(document_id(&record(SchemaAndValue::NULL, v.clone()), true).ok().as_deref(), Some("Orders+2+41"));
        assert_eq!(document_id(&record(SchemaAndValue::schemaless(Value::Int64(7)), v.clone()), false).ok().as_deref(), Some("7"));
        assert_eq!(document_id(&record(SchemaAndValue::new(Schema::string(), "a-1".into()), v.clone()), false).ok().as_deref(), Some("a-1"));
        let e = document_id(&record(SchemaAndValue::NULL, v.clone()), false).expect_err("null key");
        assert!(e.message().starts_with("Key is used as document id and can not be null"), "{e}");
        let e = document_id(&record(SchemaAndValue::schemaless("".into()), v.clone()), false).expect_err("empty key");
        assert!(e.message().contains("can not be empty"), "{e}");
        let key_schema = SchemaBuilder::structure().field("id", Schema::int64()).build();
        let mut key = Struct::new(key_schema.clone());
        key.put("id", 5i64).expect("field");
        let e = document_id(&record(SchemaAndValue::new(key_schema, Value::Struct(key)), v), false).expect_err("struct key");
        assert!(e.message().starts_with("STRUCT is not supported as the document id") && e.message().contains("ExtractField$Key"), "{e}");
    }

    #[test]
    fn structs_with_logical_types() {
        let schema = SchemaBuilder::structure()
            .field("id", Schema::int32())
            .field("price", logical::decimal(2))
            .field("born", logical::date_builder().build())
            .field("at", logical::timestamp_builder().build())
            .field("raw", Schema::bytes())
            .field("note", SchemaBuilder::new(SchemaType::String).optional().default_value("none".into()).build())
            .field("address", SchemaBuilder::structure().field("city", Schema::string()).build())
            .build();
        let address_schema = schema.field("address").map(|f| f.schema.clone()).expect("field");
        let mut address = Struct::new(address_schema);
        address.put("city", "Lyon").expect("field");
        let mut s = Struct::new(schema.clone());
        s.put("id", 1).expect("field");
        s.put("price", Value::Decimal(bigdecimal::BigDecimal::from_str("12345678901234567890.10").expect("decimal"))).expect("field");
        s.put("born", Value::Date(logical::date_from_days(19_905).expect("date"))).expect("field");
        s.put("at", Value::Timestamp(logical::timestamp_from_millis(1_719_849_600_123).expect("ts"))).expect("field");
        s.put("raw", Value::Bytes(vec![1, 2, 3])).expect("field");
        s.put("address", Value::Struct(address)).expect("field");
        assert_eq!(
            json(&Value::Struct(s), Some(&schema), true),
            r#"{"id":1,"price":12345678901234567890.1,"born":1719792000000,"at":1719849600123,"raw":"AQID","note":"none","address":{"city":"Lyon"}}"#
        );
    }

    #[test]
    fn maps_compact_or_as_entries() {
        let schema = SchemaBuilder::map(Schema::string(), Schema::int32()).build();
        let map = Value::Map(vec![("a".into(), Value::Int32(1)), ("b".into(), Value::Int32(2))]);
        assert_eq!(json(&map, Some(&schema), true), r#"{"a":1,"b":2}"#);
        assert_eq!(json(&map, Some(&schema), false), r#"[{"key":"a","value":1},{"key":"b","value":2}]"#);
        let by_int = SchemaBuilder::map(Schema::int32(), Schema::string()).build();
        assert_eq!(json(&Value::Map(vec![(Value::Int32(7), "x".into())]), Some(&by_int), true), r#"[{"key":7,"value":"x"}]"#);
        // Schemaless JSON objects stay objects.
        assert_eq!(json(&Value::Map(vec![("k".into(), Value::Array(vec![Value::Int64(1), Value::Null]))]), None, false), r#"{"k":[1,null]}"#);
    }

    #[test]
    fn values_that_json_cannot_hold_are_data_errors() {
        let mut out = Vec::new();
        let e = write_source(&mut out, &Value::Map(vec![("x".into(), Value::Float64(f64::NAN))]), None, true).expect_err("NaN");
        assert!(e.message().contains("NaN"), "{e}");
        let r = record(SchemaAndValue::NULL, SchemaAndValue::schemaless("plain text".into()));
        assert!(not_an_object(&r).is_some_and(|why| why.contains("not an object")));
    }
}
