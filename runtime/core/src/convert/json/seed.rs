//! The fast path of `convertToConnect`: the payload parsed straight into
//! Connect values, guided by the schema, without a JSON tree in between.
//!
//! It accepts exactly what [`super::decode::to_connect`] accepts and builds
//! the same values. Anything it does not accept fails without a message;
//! the caller then runs the tree-based decoder, which gives the error its
//! exact wording (poison records are rare, so they may cost twice).

use std::borrow::Cow;
use std::fmt;
use std::str::FromStr;

use base64::Engine;
use bigdecimal::BigDecimal;
use ferry_api::data::{logical, Struct};
use ferry_api::{Schema, SchemaRef, SchemaType, Value};
use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::Value as Json;

use super::config::JsonConverterConfig;
use super::decode;

/// The key serde_json (with `arbitrary_precision`) gives a number it hands
/// over as text: floats, and integers beyond 64 bits.
const NUMBER_TOKEN: &str = "$serde_json::private::Number";

/// Parses `payload` as a value of `schema`; `None` when the fast path
/// does not accept it.
pub fn decode(schema: &SchemaRef, payload: &[u8], config: &JsonConverterConfig) -> Option<Value> {
    let mut de = serde_json::Deserializer::from_slice(payload);
    let value = Seed { schema, config }.deserialize(&mut de).ok()?;
    de.end().ok()?;
    Some(value)
}

/// The reason is never shown: the tree-based decoder reports it.
fn refuse<E: de::Error>() -> E {
    E::custom("")
}

#[derive(Clone, Copy)]
struct Seed<'a> {
    schema: &'a SchemaRef,
    config: &'a JsonConverterConfig,
}

/// A scalar JSON token.
enum Scalar<'s> {
    Null,
    Bool(bool),
    U64(u64),
    I64(i64),
    /// A number serde_json keeps as text.
    Number(&'s str),
    Str(&'s str),
}

impl Scalar<'_> {
    /// As `serde_json::Number::as_i64` (with `arbitrary_precision`).
    fn as_i64(&self) -> Option<i64> {
        match *self {
            Scalar::U64(v) => i64::try_from(v).ok(),
            Scalar::I64(v) => Some(v),
            Scalar::Number(s) => s.parse().ok(),
            _ => None,
        }
    }

    /// As `serde_json::Number::as_f64`: finite numbers only.
    fn as_f64(&self) -> Option<f64> {
        match *self {
            Scalar::U64(v) => Some(v as f64),
            Scalar::I64(v) => Some(v as f64),
            Scalar::Number(s) => s.parse::<f64>().ok().filter(|f| f.is_finite()),
            _ => None,
        }
    }

    fn number_text(&self) -> Option<Cow<'_, str>> {
        match *self {
            Scalar::U64(v) => Some(v.to_string().into()),
            Scalar::I64(v) => Some(v.to_string().into()),
            Scalar::Number(s) => Some(s.into()),
            _ => None,
        }
    }
}

impl Seed<'_> {
    fn scalar(&self, token: Scalar<'_>) -> Option<Value> {
        let schema: &Schema = self.schema;
        if let Scalar::Null = token {
            return null_value(schema, self.config);
        }
        if let Some(name) = schema.name.as_deref() {
            if let Some(v) = logical_value(schema, name, &token) {
                return v;
            }
        }
        let int = |min: i64, max: i64| token.as_i64().filter(|n| (min..=max).contains(n));
        Some(match schema.kind {
            SchemaType::Boolean => match token {
                Scalar::Bool(b) => Value::Boolean(b),
                _ => return None,
            },
            SchemaType::Int8 => Value::Int8(int(i8::MIN.into(), i8::MAX.into())? as i8),
            SchemaType::Int16 => Value::Int16(int(i16::MIN.into(), i16::MAX.into())? as i16),
            SchemaType::Int32 => Value::Int32(int(i32::MIN.into(), i32::MAX.into())? as i32),
            SchemaType::Int64 => Value::Int64(int(i64::MIN, i64::MAX)?),
            SchemaType::Float32 => Value::Float32(float(&token)? as f32),
            SchemaType::Float64 => Value::Float64(float(&token)?),
            SchemaType::String => match token {
                Scalar::Str(s) => Value::String(s.to_owned()),
                _ => return None,
            },
            SchemaType::Bytes => match token {
                Scalar::Str(s) => Value::Bytes(base64::engine::general_purpose::STANDARD.decode(s).ok()?),
                _ => return None,
            },
            SchemaType::Array | SchemaType::Map | SchemaType::Struct => return None,
        })
    }
}

/// A JSON null (or a missing struct field) as a value of `schema`.
fn null_value(schema: &Schema, config: &JsonConverterConfig) -> Option<Value> {
    match (&schema.default, config.replace_null_with_default) {
        (Some(d), true) => Some(d.clone()),
        _ if schema.optional => Some(Value::Null),
        _ => None,
    }
}

fn float(token: &Scalar<'_>) -> Option<f64> {
    match *token {
        Scalar::Str("NaN") => Some(f64::NAN),
        Scalar::Str("Infinity") => Some(f64::INFINITY),
        Scalar::Str("-Infinity") => Some(f64::NEG_INFINITY),
        _ => token.as_f64(),
    }
}

/// The logical types: `None` when `name` is not one, `Some(None)` when the
/// token does not fit it.
fn logical_value(schema: &Schema, name: &str, token: &Scalar<'_>) -> Option<Option<Value>> {
    let days_or_millis = || token.as_i64().and_then(|d| i32::try_from(d).ok());
    Some(match name {
        logical::DECIMAL => (|| {
            let scale = logical::decimal_scale(schema).ok()?;
            match token {
                Scalar::Str(s) => {
                    let bytes = base64::engine::general_purpose::STANDARD.decode(s).ok()?;
                    Some(Value::Decimal(logical::decimal_from_bytes(&bytes, scale)))
                }
                _ => Some(Value::Decimal(BigDecimal::from_str(&token.number_text()?).ok()?.with_scale(scale))),
            }
        })(),
        logical::DATE => days_or_millis().and_then(|d| logical::date_from_days(d).ok()).map(Value::Date),
        logical::TIME => days_or_millis().and_then(|ms| logical::time_from_millis(ms).ok()).map(Value::Time),
        logical::TIMESTAMP => token.as_i64().and_then(|ms| logical::timestamp_from_millis(ms).ok()).map(Value::Timestamp),
        _ => return None,
    })
}

impl<'de> DeserializeSeed<'de> for Seed<'_> {
    type Value = Value;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(self)
    }
}

/// A value with no schema (an array's or map's elements may have none).
struct Schemaless;

impl<'de> DeserializeSeed<'de> for Schemaless {
    type Value = Value;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        let json = <Json as serde::Deserialize>::deserialize(d)?;
        decode::schemaless(&json).map_err(|_| refuse())
    }
}

/// The seed for an element of `schema`, which may have none.
fn element<'de, A: SeqAccess<'de>>(
    seq: &mut A,
    schema: Option<&SchemaRef>,
    config: &JsonConverterConfig,
) -> Result<Option<Value>, A::Error> {
    match schema {
        Some(schema) => seq.next_element_seed(Seed { schema, config }),
        None => seq.next_element_seed(Schemaless),
    }
}

/// A `[key, value]` pair of a map whose keys are not strings.
struct Pair<'a> {
    key: Option<&'a SchemaRef>,
    value: Option<&'a SchemaRef>,
    config: &'a JsonConverterConfig,
}

impl<'de> DeserializeSeed<'de> for Pair<'_> {
    type Value = (Value, Value);

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(Value, Value), D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for Pair<'_> {
    type Value = (Value, Value);

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a [key, value] pair")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let k = element(&mut seq, self.key, self.config)?.ok_or_else(refuse)?;
        let v = element(&mut seq, self.value, self.config)?.ok_or_else(refuse)?;
        match seq.next_element::<IgnoredAny>()? {
            None => Ok((k, v)),
            Some(_) => Err(refuse()),
        }
    }
}

impl<'de> Visitor<'de> for Seed<'_> {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a value of the record's schema")
    }

    fn visit_unit<E: de::Error>(self) -> Result<Value, E> {
        self.scalar(Scalar::Null).ok_or_else(refuse)
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Value, E> {
        self.scalar(Scalar::Bool(v)).ok_or_else(refuse)
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Value, E> {
        self.scalar(Scalar::U64(v)).ok_or_else(refuse)
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Value, E> {
        self.scalar(Scalar::I64(v)).ok_or_else(refuse)
    }

    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Value, E> {
        Err(refuse()) // serde_json with arbitrary_precision hands floats over as text
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Value, E> {
        self.scalar(Scalar::Str(v)).ok_or_else(refuse)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let schema = self.schema;
        match schema.kind {
            SchemaType::Array => {
                let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0));
                while let Some(v) = element(&mut seq, schema.value_schema.as_ref(), self.config)? {
                    items.push(v);
                }
                Ok(Value::Array(items))
            }
            SchemaType::Map if !string_keys(schema) => {
                let mut entries = Vec::with_capacity(seq.size_hint().unwrap_or(0));
                let pair = || Pair { key: schema.key_schema.as_ref(), value: schema.value_schema.as_ref(), config: self.config };
                while let Some(entry) = seq.next_element_seed(pair())? {
                    entries.push(entry);
                }
                Ok(Value::Map(entries))
            }
            _ => Err(refuse()),
        }
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let schema = self.schema;
        let Some(first) = map.next_key::<Cow<'de, str>>()? else {
            return self.empty_object().ok_or_else(refuse);
        };
        if first == NUMBER_TOKEN {
            let text: Cow<'de, str> = map.next_value()?;
            return self.scalar(Scalar::Number(&text)).ok_or_else(refuse);
        }
        match schema.kind {
            SchemaType::Struct => {
                let mut st = Struct::new(schema.clone());
                let mut seen = vec![false; schema.fields.len()];
                let mut key = Some(first);
                while let Some(name) = key {
                    match schema.fields.iter().position(|f| f.name == *name) {
                        Some(i) => {
                            let v = map.next_value_seed(Seed { schema: &schema.fields[i].schema, config: self.config })?;
                            st.put_at(schema.fields[i].index, v);
                            seen[i] = true;
                        }
                        None => {
                            map.next_value::<IgnoredAny>()?;
                        }
                    }
                    key = map.next_key::<Cow<'de, str>>()?;
                }
                for (f, seen) in schema.fields.iter().zip(seen) {
                    if !seen {
                        st.put_at(f.index, null_value(&f.schema, self.config).ok_or_else(refuse)?);
                    }
                }
                Ok(Value::Struct(st))
            }
            SchemaType::Map if string_keys(schema) => {
                let mut entries: Vec<(Value, Value)> = Vec::new();
                let mut key = Some(first);
                while let Some(name) = key {
                    let v = match schema.value_schema.as_ref() {
                        Some(vs) => map.next_value_seed(Seed { schema: vs, config: self.config })?,
                        None => map.next_value_seed(Schemaless)?,
                    };
                    entries.push((Value::String(name.into_owned()), v));
                    key = map.next_key::<Cow<'de, str>>()?;
                }
                // A repeated key keeps its first place with the last value in
                // the tree-based decoder; leave that case to it.
                let mut keys = std::collections::HashSet::with_capacity(entries.len());
                if !entries.iter().all(|(k, _)| keys.insert(k.as_str())) {
                    return Err(refuse());
                }
                Ok(Value::Map(entries))
            }
            _ => Err(refuse()),
        }
    }
}

impl Seed<'_> {
    /// `{}`: a struct of nulls, or an empty map.
    fn empty_object(self) -> Option<Value> {
        let schema = self.schema;
        match schema.kind {
            SchemaType::Struct => {
                let mut st = Struct::new(schema.clone());
                for f in &schema.fields {
                    st.put_at(f.index, null_value(&f.schema, self.config)?);
                }
                Some(Value::Struct(st))
            }
            SchemaType::Map if string_keys(schema) => Some(Value::Map(Vec::new())),
            _ => None,
        }
    }
}

fn string_keys(schema: &Schema) -> bool {
    schema.key_schema.as_ref().is_some_and(|k| k.kind == SchemaType::String)
}

#[cfg(test)]
mod tests {
    use ferry_api::data::{logical, SchemaBuilder};
    use proptest::prelude::*;

    use super::*;

    fn schemas() -> Vec<SchemaRef> {
        let opt = |kind| SchemaBuilder::new(kind).optional().build();
        let row = SchemaBuilder::structure()
            .field("a", Schema::int32())
            .field("b", opt(SchemaType::String))
            .field("c", SchemaBuilder::new(SchemaType::Int64).optional().default_value(Value::Int64(7)).build())
            .field("d", logical::decimal(2))
            .build();
        vec![
            Schema::int8(), Schema::int16(), Schema::int32(), Schema::int64(), Schema::float32(), Schema::float64(),
            Schema::boolean(), Schema::string(), Schema::bytes(), opt(SchemaType::Int32), logical::decimal(3),
            logical::date_builder().build(), logical::time_builder().build(), logical::timestamp_builder().build(),
            SchemaBuilder::array(Schema::int64()).build(),
            SchemaBuilder::array(opt(SchemaType::String)).optional().build(),
            SchemaBuilder::map(Schema::string(), Schema::int32()).build(),
            SchemaBuilder::map(Schema::int32(), Schema::string()).build(),
            row.clone(),
            SchemaBuilder::array(row).build(),
        ]
    }

    fn json() -> impl Strategy<Value = Json> {
        let leaf = prop_oneof![
            Just(Json::Null),
            any::<bool>().prop_map(Json::Bool),
            any::<i64>().prop_map(Json::from),
            any::<u64>().prop_map(Json::from),
            (-1e6f64..1e6).prop_map(Json::from),
            prop_oneof![Just("NaN".to_owned()), Just("AAE=".to_owned()), ".{0,4}".prop_map(String::from)].prop_map(Json::String),
            Just(serde_json::from_str("1e400").expect("a big number")),
            Just(serde_json::from_str("-0").expect("minus zero")),
            Just(serde_json::from_str("123456789012345678901234567890").expect("a long integer")),
        ];
        leaf.prop_recursive(3, 24, 4, |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..4).prop_map(Json::Array),
                proptest::collection::vec((prop_oneof![Just("a"), Just("b"), Just("c"), Just("d"), Just("1")], inner), 0..5)
                    .prop_map(|kv| Json::Object(kv.into_iter().map(|(k, v)| (k.to_owned(), v)).collect())),
            ]
        })
    }

    proptest! {
        /// Whatever the tree-based decoder reads, the fast path reads alike;
        /// what it refuses, the fast path refuses too.
        #[test]
        fn fast_path_agrees_with_the_tree_decoder(json in json(), replace in any::<bool>()) {
            let config = JsonConverterConfig { replace_null_with_default: replace, ..JsonConverterConfig::default() };
            let text = json.to_string();
            for schema in schemas() {
                let tree = decode::to_connect(Some(&schema), &json, &config).ok();
                let fast = decode(&schema, text.as_bytes(), &config);
                // Debug text, so that NaN equals NaN.
                prop_assert_eq!(format!("{fast:?}"), format!("{tree:?}"), "schema {:?}, payload {}", schema, text);
            }
        }
    }

    #[test]
    fn repeated_map_keys_go_to_the_tree_decoder() {
        let schema = SchemaBuilder::map(Schema::string(), Schema::int32()).build();
        assert_eq!(decode(&schema, br#"{"a":1,"b":2,"a":3}"#, &JsonConverterConfig::default()), None);
    }
}
