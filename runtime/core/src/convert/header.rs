//! `org.apache.kafka.connect.storage.SimpleHeaderConverter`: header values
//! as text; strings read back as strings.

use ferry_api::config::{ConfigDef, Props};
use ferry_api::converter::HeaderConverter;
use ferry_api::{ConnectError, Result, Schema, SchemaAndValue, Value};



pub struct SimpleHeaderConverter;

impl SimpleHeaderConverter {
    pub fn new(_props: &Props) -> Result<Self> {
        Ok(Self)
    }
    pub fn config_def() -> ConfigDef {
        ConfigDef::new()
    }
}

impl HeaderConverter for SimpleHeaderConverter {
    fn from_connect_header(&self, _topic: &str, _key: &str, data: &SchemaAndValue) -> Result<Option<Vec<u8>>> {
        Ok(match &data.value {
            Value::Null => None,
            Value::String(s) => Some(s.as_bytes().to_vec()),
            Value::Bytes(b) => Some(b.clone()),
            other => Some(other.to_java_string().into_bytes()),
        })
    }

    fn to_connect_header(&self, _topic: &str, key: &str, bytes: Option<&[u8]>) -> Result<SchemaAndValue> {
        match bytes {
            None => Ok(SchemaAndValue::NULL),
            Some(b) => {
                let s = String::from_utf8(b.to_vec()).map_err(|e| {
                    ConnectError::data(format!("Header {key} is not valid UTF-8")).with_source(e)
                })?;
                Ok(SchemaAndValue::new(Schema::string(), Value::String(s)))
            }
        }
    }
}
