//! `org.apache.kafka.connect.json.JsonConverter`: Connect data as JSON,
//! with the `{"schema":…,"payload":…}` envelope when `schemas.enable=true`.
//! The bytes written are Kafka Connect's, byte for byte (Jackson's number
//! and string formatting included), so consumers cannot tell the two apart.

mod config;
mod decode;
mod encode;
mod schema;
mod seed;

pub use config::{DecimalFormat, JsonConverterConfig};
pub use schema::{schema_from_json, schema_to_json};

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use ferry_api::config::{ConfigDef, Props};
use ferry_api::{ConnectError, Converter, Result, SchemaAndValue, SchemaRef};
use serde_json::value::RawValue;
use serde_json::Value as Json;

pub struct JsonConverter {
    config: JsonConverterConfig,
    /// The JSON of the last schema written: records of one task mostly share one.
    last_schema: Mutex<Option<(SchemaRef, Vec<u8>)>>,
    /// The size of the last record written, so the next one's buffer is
    /// allocated once.
    last_size: AtomicUsize,
    /// Schemas read, by their JSON text as received or as re-written
    /// (Connect's `schemas.cache.size`).
    read_cache: Mutex<HashMap<String, SchemaRef>>,
    /// `{"schema":<the last schema read>,"payload":`, and that schema: the
    /// next record of the topic most likely starts with the same bytes.
    last_read: Mutex<Option<(Vec<u8>, SchemaRef)>>,
}

impl JsonConverter {
    pub fn new(props: &Props, _is_key: bool) -> Result<Self> {
        Ok(Self::with_config(JsonConverterConfig::parse(props)?))
    }

    pub fn with_config(config: JsonConverterConfig) -> Self {
        Self { config, last_schema: Mutex::new(None), last_size: AtomicUsize::new(64), read_cache: Mutex::new(HashMap::new()), last_read: Mutex::new(None) }
    }

    pub fn config_def() -> ConfigDef {
        config::config_def()
    }

    fn schema_bytes(&self, schema: &SchemaRef, out: &mut Vec<u8>) -> Result<()> {
        let mut last = self.last_schema.lock().unwrap_or_else(|p| p.into_inner());
        if let Some((s, bytes)) = last.as_ref() {
            if std::sync::Arc::ptr_eq(s, schema) || s == schema {
                out.extend_from_slice(bytes);
                return Ok(());
            }
        }
        let mut bytes = Vec::new();
        encode::write_schema(&mut bytes, schema, &self.config)?;
        out.extend_from_slice(&bytes);
        *last = Some((schema.clone(), bytes));
        Ok(())
    }

    fn read_schema(&self, json: &Json) -> Result<Option<SchemaRef>> {
        if json.is_null() {
            return Ok(None);
        }
        let key = json.to_string();
        if let Some(s) = self.cached(&key) {
            return Ok(Some(s));
        }
        let schema = schema_from_json(json, &self.config)?;
        self.remember(key, &schema);
        Ok(Some(schema))
    }

    fn cached(&self, text: &str) -> Option<SchemaRef> {
        self.read_cache.lock().unwrap_or_else(|p| p.into_inner()).get(text).cloned()
    }

    fn remember(&self, text: String, schema: &SchemaRef) {
        let mut cache = self.read_cache.lock().unwrap_or_else(|p| p.into_inner());
        if cache.len() >= self.config.schemas_cache_size {
            cache.clear();
        }
        cache.insert(text, schema.clone());
    }

    /// The common case, fast: an envelope with a schema, read without a JSON
    /// tree; its schema looked up by its text, so a topic's records parse
    /// their shared schema once. `None` sends the record down the
    /// tree-based path, which also words every error.
    fn read_envelope(&self, bytes: &[u8]) -> Option<SchemaAndValue> {
        #[derive(serde::Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Envelope<'a> {
            #[serde(borrow)]
            schema: &'a RawValue,
            #[serde(borrow)]
            payload: &'a RawValue,
        }
        if let Some(read) = self.read_like_last(bytes) {
            return Some(read);
        }
        let envelope: Envelope<'_> = serde_json::from_slice(bytes).ok()?;
        let text = envelope.schema.get();
        let schema = match self.cached(text) {
            Some(s) => s,
            None => {
                let json: Json = serde_json::from_str(text).ok()?;
                if json.is_null() {
                    return None;
                }
                let schema = schema_from_json(&json, &self.config).ok()?;
                self.remember(text.to_owned(), &schema);
                schema
            }
        };
        let value = seed::decode(&schema, envelope.payload.get().as_bytes(), &self.config)?;
        let prefix = [&b"{\"schema\":"[..], text.as_bytes(), b",\"payload\":"].concat();
        *self.last_read.lock().unwrap_or_else(|p| p.into_inner()) = Some((prefix, schema.clone()));
        Some(SchemaAndValue { schema: Some(schema), value })
    }

    /// A record that starts as the last one read did, with the payload
    /// last: its schema needs no reading at all.
    fn read_like_last(&self, bytes: &[u8]) -> Option<SchemaAndValue> {
        let (schema, start) = {
            let last = self.last_read.lock().unwrap_or_else(|p| p.into_inner());
            let (prefix, schema) = last.as_ref()?;
            if !(bytes.len() > prefix.len() && bytes.starts_with(prefix) && bytes.ends_with(b"}")) {
                return None;
            }
            (schema.clone(), prefix.len())
        };
        // The payload must be all that is left but the closing brace.
        let value = seed::decode(&schema, &bytes[start..bytes.len() - 1], &self.config)?;
        Some(SchemaAndValue { schema: Some(schema), value })
    }
}

impl Converter for JsonConverter {
    fn from_connect_data(&self, _topic: &str, data: &SchemaAndValue) -> Result<Option<Vec<u8>>> {
        if data.schema.is_none() && data.value.is_null() {
            return Ok(None);
        }
        let mut out = Vec::with_capacity(self.last_size.load(Ordering::Relaxed) + 64);
        if self.config.schemas_enable {
            out.extend_from_slice(b"{\"schema\":");
            match &data.schema {
                Some(s) => self.schema_bytes(s, &mut out)?,
                None => out.extend_from_slice(b"null"),
            }
            out.extend_from_slice(b",\"payload\":");
            encode::write_value(&mut out, data.schema.as_deref(), &data.value, &self.config)?;
            out.push(b'}');
        } else {
            encode::write_value(&mut out, data.schema.as_deref(), &data.value, &self.config)?;
        }
        self.last_size.store(out.len(), Ordering::Relaxed);
        Ok(Some(out))
    }

    fn to_connect_data(&self, _topic: &str, bytes: Option<&[u8]>) -> Result<SchemaAndValue> {
        let Some(bytes) = bytes else { return Ok(SchemaAndValue::NULL) };
        if self.config.schemas_enable {
            if let Some(read) = self.read_envelope(bytes) {
                return Ok(read);
            }
        }
        let json: Json = serde_json::from_slice(bytes).map_err(|e| {
            ConnectError::data(format!(
                "Converting byte[] to Kafka Connect data failed due to serialization error: {e}"
            ))
            .with_source(e)
        })?;
        let (schema_json, payload) = if self.config.schemas_enable {
            match &json {
                Json::Object(o) if o.len() == 2 && o.contains_key("schema") && o.contains_key("payload") => {
                    (&o["schema"], &o["payload"])
                }
                _ => return Err(ConnectError::data(
                    "JsonConverter with schemas.enable requires \"schema\" and \"payload\" fields and may not contain additional fields. \
                     If you are trying to deserialize plain JSON data, set schemas.enable=false in your converter configuration.",
                )),
            }
        } else {
            (&Json::Null, &json)
        };
        let schema = self.read_schema(schema_json)?;
        let value = decode::to_connect(schema.as_ref(), payload, &self.config)?;
        Ok(SchemaAndValue { schema, value })
    }
}

#[cfg(test)]
mod tests {
    use ferry_api::data::SchemaBuilder;
    use ferry_api::{Schema, Struct, Value};

    use super::*;

    #[test]
    fn a_record_like_the_last_one_must_still_be_a_whole_envelope() {
        let c = JsonConverter::with_config(JsonConverterConfig::default());
        let schema = SchemaBuilder::structure().field("a", Schema::int32()).build();
        let mut st = Struct::new(schema.clone());
        st.put_at(0, Value::Int32(1));
        let bytes = c.from_connect_data("t", &SchemaAndValue::new(schema.clone(), Value::Struct(st.clone()))).ok().flatten();
        let bytes = bytes.expect("bytes");
        let text = String::from_utf8(bytes.clone()).expect("utf-8");
        assert_eq!(c.to_connect_data("t", Some(&bytes)).ok().map(|r| r.value), Some(Value::Struct(st.clone())));
        // Same schema bytes, then something that is not a lone payload.
        let extra = text.replace(r#""payload":{"a":1}}"#, r#""payload":{"a":1},"x":{}}"#);
        assert!(c.to_connect_data("t", Some(extra.as_bytes())).is_err(), "{extra}");
        let spaced = text.replace(r#""payload":{"a":1}}"#, r#""payload":{"a":2} }"#);
        st.put_at(0, Value::Int32(2));
        assert_eq!(c.to_connect_data("t", Some(spaced.as_bytes())).ok().map(|r| r.value), Some(Value::Struct(st)));
    }
}
