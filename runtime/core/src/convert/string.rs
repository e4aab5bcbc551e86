//! `org.apache.kafka.connect.storage.StringConverter`: UTF-8 text.

use ferry_api::config::{ConfigDef, ConfigType, Importance, Props};
use ferry_api::{ConnectError, Converter, Result, Schema, SchemaAndValue, Value};


use crate::config::key;

pub struct StringConverter;

impl StringConverter {
    pub fn new(props: &Props, _is_key: bool) -> Result<Self> {
        let encoding = props.get("converter.encoding").map(|s| s.to_ascii_uppercase());
        match encoding.as_deref() {
            None | Some("UTF8") | Some("UTF-8") => Ok(Self),
            Some(other) => Err(ConnectError::config(format!("Unsupported encoding {other}: only UTF-8 is supported"))),
        }
    }
    pub fn config_def() -> ConfigDef {
        ConfigDef::new().define(key("converter.encoding", ConfigType::String, Some("UTF-8"), Importance::High,
            "The name of the character encoding to use for the converter (UTF-8 only)."))
    }
}

impl Converter for StringConverter {
    fn from_connect_data(&self, _topic: &str, data: &SchemaAndValue) -> Result<Option<Vec<u8>>> {
        Ok(match &data.value {
            Value::Null => None,
            Value::String(s) => Some(s.as_bytes().to_vec()),
            other => Some(other.to_java_string().into_bytes()),
        })
    }

    fn to_connect_data(&self, _topic: &str, bytes: Option<&[u8]>) -> Result<SchemaAndValue> {
        match bytes {
            None => Ok(SchemaAndValue::new(Schema::optional_string(), Value::Null)),
            Some(b) => {
                let s = String::from_utf8(b.to_vec()).map_err(|e| {
                    ConnectError::data("Failed to deserialize string: the bytes are not valid UTF-8").with_source(e)
                })?;
                Ok(SchemaAndValue::new(Schema::optional_string(), Value::String(s)))
            }
        }
    }
}
