//! Connect schemas as JSON (`asJsonSchema` / `asConnectSchema`).

use ferry_api::data::SchemaBuilder;
use ferry_api::{ConnectError, Result, Schema, SchemaRef, SchemaType};
use serde_json::Value as Json;

use super::config::JsonConverterConfig;
use super::decode::to_connect;
use super::encode::write_schema;

/// A schema as the JSON Connect writes in envelopes.
pub fn schema_to_json(schema: &Schema) -> Result<Json> {
    let mut out = Vec::new();
    write_schema(&mut out, schema, &JsonConverterConfig::default())?;
    serde_json::from_slice(&out).map_err(|e| ConnectError::data("Cannot read back a written schema").with_source(e))
}

/// Reads a schema from its JSON form.
pub fn schema_from_json(json: &Json, config: &JsonConverterConfig) -> Result<SchemaRef> {
    let obj = json.as_object().ok_or_else(|| ConnectError::data("Schema must be a JSON object"))?;
    let type_name = obj
        .get("type")
        .and_then(Json::as_str)
        .ok_or_else(|| ConnectError::data("Schema must contain 'type' field"))?;
    let kind = SchemaType::from_name(type_name)
        .ok_or_else(|| ConnectError::data(format!("Unknown schema type: {type_name}")))?;
    let mut b = match kind {
        SchemaType::Array => {
            let items = obj.get("items").ok_or_else(|| ConnectError::data("Array schema did not specify the element type"))?;
            SchemaBuilder::array(schema_from_json(items, config)?)
        }
        SchemaType::Map => {
            let keys = obj.get("keys").ok_or_else(|| ConnectError::data("Map schema did not specify the key type"))?;
            let values = obj.get("values").ok_or_else(|| ConnectError::data("Map schema did not specify the value type"))?;
            SchemaBuilder::map(schema_from_json(keys, config)?, schema_from_json(values, config)?)
        }
        SchemaType::Struct => {
            let fields = obj
                .get("fields")
                .and_then(Json::as_array)
                .ok_or_else(|| ConnectError::data("Struct schema's \"fields\" argument is not an array."))?;
            let mut b = SchemaBuilder::structure();
            for f in fields {
                let name = f
                    .get("field")
                    .and_then(Json::as_str)
                    .ok_or_else(|| ConnectError::data("Struct schema's field name not specified properly"))?;
                b = b.field(name, schema_from_json(f, config)?);
            }
            b
        }
        _ => SchemaBuilder::new(kind),
    };
    if obj.get("optional").and_then(Json::as_bool) == Some(true) {
        b = b.optional();
    }
    if let Some(n) = obj.get("name").and_then(Json::as_str) {
        b = b.name(n);
    }
    if let Some(v) = obj.get("version").and_then(Json::as_i64) {
        b = b.version(i32::try_from(v).map_err(|_| ConnectError::data("Schema version out of range"))?);
    }
    if let Some(d) = obj.get("doc").and_then(Json::as_str) {
        b = b.doc(d);
    }
    if let Some(params) = obj.get("parameters") {
        let params = params.as_object().ok_or_else(|| ConnectError::data("Schema parameters must be a JSON object"))?;
        for (k, v) in params {
            let v = v.as_str().ok_or_else(|| ConnectError::data("Schema parameters must have string values."))?;
            b = b.parameter(k.clone(), v);
        }
    }
    if let Some(d) = obj.get("default").filter(|d| !d.is_null()) {
        // The default is read under the schema built so far.
        let so_far = b.clone().build();
        let value = to_connect(Some(&so_far), d, config)?;
        b = b.default_value(value);
    }
    Ok(b.build())
}
