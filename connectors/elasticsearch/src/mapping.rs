//! An index mapping from a Connect schema (`schema.ignore=false`), as
//! Confluent's `Mapping` builds it: strings are `text` with a `keyword`
//! sub-field, Decimals `double`, Date/Time/Timestamp `date`, structs nested
//! `properties`, arrays the mapping of their elements, defaults `null_value`.
//!
//! One difference: a map written compactly (`"key": value`) maps to a
//! dynamic `object`, since its keys are field names; Confluent maps it as
//! `{key, value}` entries, which its documents then contradict.

use ferry_api::data::logical;
use ferry_api::{Schema, SchemaType, Value};
use serde_json::{json, Map, Value as Json};

/// The `mappings` body for a record value schema; `None` when the schema
/// is not a struct (there are no fields to map).
pub fn index_mapping(schema: &Schema, compact_maps: bool) -> Option<Json> {
    (schema.kind == SchemaType::Struct && schema.name.as_deref() != Some(logical::DECIMAL)).then(|| field_mapping(schema, compact_maps))
}

fn field_mapping(schema: &Schema, compact_maps: bool) -> Json {
    match schema.name.as_deref() {
        Some(logical::DATE | logical::TIME | logical::TIMESTAMP) => return primitive("date", schema.default.as_ref()),
        Some(logical::DECIMAL) => return primitive("double", schema.default.as_ref()),
        _ => {}
    }
    match schema.kind {
        SchemaType::Struct => {
            let properties: Map<String, Json> =
                schema.fields.iter().map(|f| (f.name.clone(), field_mapping(&f.schema, compact_maps))).collect();
            json!({ "properties": properties })
        }
        SchemaType::Array => match &schema.value_schema {
            Some(items) => field_mapping(items, compact_maps),
            None => json!({ "type": "object" }),
        },
        SchemaType::Map => {
            let key = schema.key_schema.as_deref();
            if compact_maps && key.is_none_or(|k| k.kind == SchemaType::String) {
                return json!({ "type": "object" });
            }
            let part = |s: Option<&std::sync::Arc<Schema>>| s.map_or_else(|| json!({ "type": "object" }), |s| field_mapping(s, compact_maps));
            json!({ "properties": { "key": part(schema.key_schema.as_ref()), "value": part(schema.value_schema.as_ref()) } })
        }
        kind => primitive(primitive_type(kind), schema.default.as_ref()),
    }
}

fn primitive_type(kind: SchemaType) -> &'static str {
    match kind {
        SchemaType::Boolean => "boolean",
        SchemaType::Int8 => "byte",
        SchemaType::Int16 => "short",
        SchemaType::Int32 => "integer",
        SchemaType::Int64 => "long",
        SchemaType::Float32 => "float",
        SchemaType::Float64 => "double",
        SchemaType::Bytes => "binary",
        SchemaType::String | SchemaType::Array | SchemaType::Map | SchemaType::Struct => "text",
    }
}

fn primitive(ty: &str, default: Option<&Value>) -> Json {
    let mut m = Map::new();
    m.insert("type".into(), ty.into());
    if ty == "text" {
        m.insert("fields".into(), json!({ "keyword": { "type": "keyword", "ignore_above": 256 } }));
    }
    // Elasticsearch takes no null_value for text and binary fields.
    if let Some(d) = default.and_then(null_value).filter(|_| ty != "text" && ty != "binary") {
        m.insert("null_value".into(), d);
    }
    Json::Object(m)
}

fn null_value(v: &Value) -> Option<Json> {
    Some(match v {
        Value::Boolean(b) => (*b).into(),
        Value::Int8(_) | Value::Int16(_) | Value::Int32(_) | Value::Int64(_) => v.as_i64()?.into(),
        Value::Float32(f) => serde_json::Number::from_f64(f64::from(*f))?.into(),
        Value::Float64(f) => serde_json::Number::from_f64(*f)?.into(),
        Value::Decimal(d) => d.normalized().to_plain_string().parse::<serde_json::Number>().ok()?.into(),
        Value::Date(d) => (i64::from(logical::date_to_days(*d)) * 86_400_000).into(),
        Value::Time(t) => logical::time_to_millis(*t).into(),
        Value::Timestamp(t) => logical::timestamp_to_millis(*t).into(),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use ferry_api::data::SchemaBuilder;

    use super::*;

    #[test]
    fn struct_schema_to_mapping() {
        let schema = SchemaBuilder::structure()
            .field("id", Schema::int64())
            .field("small", Schema::int8())
            .field("name", Schema::string())
            .field("score", SchemaBuilder::new(SchemaType::Float64).optional().default_value(Value::Float64(1.5)).build())
            .field("price", logical::decimal(2))
            .field("born", logical::date_builder().optional().build())
            .field("at", logical::timestamp_builder().build())
            .field("raw", Schema::bytes())
            .field("tags", SchemaBuilder::array(Schema::string()).build())
            .field("attrs", SchemaBuilder::map(Schema::string(), Schema::int32()).build())
            .field("address", SchemaBuilder::structure().field("city", Schema::string()).build())
            .build();
        let text = json!({"type": "text", "fields": {"keyword": {"type": "keyword", "ignore_above": 256}}});
        assert_eq!(
            index_mapping(&schema, true),
            Some(json!({"properties": {
                "id": {"type": "long"}, "small": {"type": "byte"}, "name": text,
                "score": {"type": "double", "null_value": 1.5}, "price": {"type": "double"},
                "born": {"type": "date"}, "at": {"type": "date"}, "raw": {"type": "binary"},
                "tags": text, "attrs": {"type": "object"}, "address": {"properties": {"city": text}}}}))
        );
        let entries = index_mapping(&schema, false).expect("mapping");
        assert_eq!(entries["properties"]["attrs"], json!({"properties": {"key": text, "value": {"type": "integer"}}}));
    }

    #[test]
    fn only_structs_get_a_mapping() {
        assert_eq!(index_mapping(&Schema::string(), true), None);
    }
}
