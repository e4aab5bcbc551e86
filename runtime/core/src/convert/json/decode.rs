//! `convertToConnect`: JSON payloads into Connect values.
//!
//! Where Connect silently turns a wrong JSON type into 0 or null (Jackson's
//! `intValue()` of a string), Ferry reports a data error instead, so a
//! poison record is caught rather than written as garbage.

use std::str::FromStr;

use base64::Engine;
use bigdecimal::BigDecimal;
use ferry_api::data::{logical, Struct};
use ferry_api::{ConnectError, Result, Schema, SchemaRef, SchemaType, Value};
use serde_json::Value as Json;

use super::config::JsonConverterConfig;

fn wrong(kind: SchemaType, json: &Json) -> ConnectError {
    let found = match json {
        Json::Null => "NULL",
        Json::Bool(_) => "BOOLEAN",
        Json::Number(_) => "NUMBER",
        Json::String(_) => "STRING",
        Json::Array(_) => "ARRAY",
        Json::Object(_) => "OBJECT",
    };
    ConnectError::data(format!("Invalid JSON for a {} value: found {found}", kind.name().to_uppercase()))
}

fn int(kind: SchemaType, json: &Json, min: i64, max: i64) -> Result<i64> {
    json.as_i64()
        .filter(|n| (min..=max).contains(n))
        .ok_or_else(|| ConnectError::data(format!("Invalid value for a {} field: {json}", kind.name().to_uppercase())))
}

pub fn to_connect(schema: Option<&SchemaRef>, json: &Json, config: &JsonConverterConfig) -> Result<Value> {
    let Some(schema) = schema else { return schemaless(json) };
    if json.is_null() {
        if let (Some(d), true) = (&schema.default, config.replace_null_with_default) {
            return Ok(d.clone());
        }
        if schema.optional {
            return Ok(Value::Null);
        }
        return Err(ConnectError::data(format!(
            "Invalid null value for required {} field",
            schema.kind.name().to_uppercase()
        )));
    }
    if let Some(name) = schema.name.as_deref() {
        if let Some(v) = logical_value(schema, name, json)? {
            return Ok(v);
        }
    }
    let kind = schema.kind;
    Ok(match kind {
        SchemaType::Boolean => Value::Boolean(json.as_bool().ok_or_else(|| wrong(kind, json))?),
        SchemaType::Int8 => Value::Int8(int(kind, json, i8::MIN.into(), i8::MAX.into())? as i8),
        SchemaType::Int16 => Value::Int16(int(kind, json, i16::MIN.into(), i16::MAX.into())? as i16),
        SchemaType::Int32 => Value::Int32(int(kind, json, i32::MIN.into(), i32::MAX.into())? as i32),
        SchemaType::Int64 => Value::Int64(int(kind, json, i64::MIN, i64::MAX)?),
        SchemaType::Float32 => Value::Float32(float(kind, json)? as f32),
        SchemaType::Float64 => Value::Float64(float(kind, json)?),
        SchemaType::String => Value::String(json.as_str().ok_or_else(|| wrong(kind, json))?.to_owned()),
        SchemaType::Bytes => Value::Bytes(base64_bytes(json).ok_or_else(|| wrong(kind, json))?),
        SchemaType::Array => {
            let items = json.as_array().ok_or_else(|| wrong(kind, json))?;
            let elem = schema.value_schema.as_ref();
            Value::Array(items.iter().map(|i| to_connect(elem, i, config)).collect::<Result<_>>()?)
        }
        SchemaType::Map => {
            let (ks, vs) = (schema.key_schema.as_ref(), schema.value_schema.as_ref());
            if ks.is_some_and(|k| k.kind == SchemaType::String) {
                let obj = json.as_object().ok_or_else(|| wrong(kind, json))?;
                Value::Map(
                    obj.iter()
                        .map(|(k, v)| Ok((Value::String(k.clone()), to_connect(vs, v, config)?)))
                        .collect::<Result<_>>()?,
                )
            } else {
                let pairs = json.as_array().ok_or_else(|| wrong(kind, json))?;
                let mut entries = Vec::with_capacity(pairs.len());
                for pair in pairs {
                    match pair.as_array().map(Vec::as_slice) {
                        Some([k, v]) => entries.push((to_connect(ks, k, config)?, to_connect(vs, v, config)?)),
                        _ => return Err(ConnectError::data(format!("Found invalid map entry instead of array tuple: {pair}"))),
                    }
                }
                Value::Map(entries)
            }
        }
        SchemaType::Struct => {
            let obj = json.as_object().ok_or_else(|| {
                ConnectError::data(format!("Structs should be encoded as JSON objects, but found {}", wrong(kind, json).message()))
            })?;
            let mut st = Struct::new(schema.clone());
            for f in &schema.fields {
                let v = to_connect(Some(&f.schema), obj.get(&f.name).unwrap_or(&Json::Null), config)?;
                st.put_at(f.index, v);
            }
            Value::Struct(st)
        }
    })
}

fn float(kind: SchemaType, json: &Json) -> Result<f64> {
    match json {
        Json::Number(n) => n.as_f64().ok_or_else(|| wrong(kind, json)),
        // Jackson writes NaN and infinities as strings, and reads them back.
        Json::String(s) => match s.as_str() {
            "NaN" => Ok(f64::NAN),
            "Infinity" => Ok(f64::INFINITY),
            "-Infinity" => Ok(f64::NEG_INFINITY),
            _ => Err(wrong(kind, json)),
        },
        _ => Err(wrong(kind, json)),
    }
}

fn base64_bytes(json: &Json) -> Option<Vec<u8>> {
    base64::engine::general_purpose::STANDARD.decode(json.as_str()?).ok()
}

/// The logical types, read from either encoding (Decimal: base64 or number).
fn logical_value(schema: &Schema, name: &str, json: &Json) -> Result<Option<Value>> {
    let bad = |what: &str| ConnectError::data(format!("Invalid type for {what}: {json}"));
    Ok(Some(match name {
        logical::DECIMAL => {
            let scale = logical::decimal_scale(schema)?;
            match json {
                Json::Number(n) => {
                    let d = BigDecimal::from_str(&n.to_string()).map_err(|_| bad("Decimal"))?;
                    Value::Decimal(d.with_scale(scale))
                }
                Json::String(_) => Value::Decimal(logical::decimal_from_bytes(&base64_bytes(json).ok_or_else(|| bad("Decimal"))?, scale)),
                _ => return Err(bad("Decimal")),
            }
        }
        logical::DATE => {
            let days = json.as_i64().and_then(|d| i32::try_from(d).ok()).ok_or_else(|| bad("Date"))?;
            Value::Date(logical::date_from_days(days)?)
        }
        logical::TIME => {
            let ms = json.as_i64().and_then(|d| i32::try_from(d).ok()).ok_or_else(|| bad("Time"))?;
            Value::Time(logical::time_from_millis(ms)?)
        }
        logical::TIMESTAMP => Value::Timestamp(logical::timestamp_from_millis(json.as_i64().ok_or_else(|| bad("Timestamp"))?)?),
        _ => return Ok(None),
    }))
}

/// Schemaless JSON: integers are int64, other numbers float64, objects maps.
pub(super) fn schemaless(json: &Json) -> Result<Value> {
    Ok(match json {
        Json::Null => Value::Null,
        Json::Bool(b) => Value::Boolean(*b),
        Json::Number(n) => match n.as_i64() {
            Some(i) if !n.to_string().contains(['.', 'e', 'E']) => Value::Int64(i),
            _ => Value::Float64(n.as_f64().ok_or_else(|| ConnectError::data(format!("Invalid number {n}")))?),
        },
        Json::String(s) => Value::String(s.clone()),
        Json::Array(items) => Value::Array(items.iter().map(schemaless).collect::<Result<_>>()?),
        Json::Object(o) => {
            let entries: Vec<(&String, &Json)> = o.iter().collect();
            let mut map = Vec::with_capacity(entries.len());
            for i in java_hashmap_order(entries.iter().map(|(k, _)| k.as_str())) {
                let (k, v) = entries[i];
                map.push((Value::String(k.clone()), schemaless(v)?));
            }
            Value::Map(map)
        }
    })
}

/// The order a `java.util.HashMap` built from these keys iterates in:
/// Connect reads schemaless objects into one, so it writes them back in
/// this order. Bucket = spread(String.hashCode) & (capacity - 1), with the
/// capacity doubling past 3/4 full; insertion order within a bucket.
fn java_hashmap_order<'a>(keys: impl Iterator<Item = &'a str>) -> Vec<usize> {
    let hashes: Vec<u32> = keys
        .map(|k| {
            let h = k.encode_utf16().fold(0i32, |h, u| h.wrapping_mul(31).wrapping_add(i32::from(u))) as u32;
            h ^ (h >> 16)
        })
        .collect();
    let mut capacity = 16usize;
    while hashes.len() > capacity * 3 / 4 {
        capacity *= 2;
    }
    let mut order: Vec<usize> = (0..hashes.len()).collect();
    order.sort_by_key(|i| (hashes[*i] as usize) & (capacity - 1));
    order
}
