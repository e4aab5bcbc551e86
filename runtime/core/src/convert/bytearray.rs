//! `org.apache.kafka.connect.converters.ByteArrayConverter`: bytes as they are.

use ferry_api::config::{ConfigDef, Props};
use ferry_api::data::SchemaBuilder;
use ferry_api::{ConnectError, Converter, Result, SchemaAndValue, SchemaType, Value};

pub struct ByteArrayConverter;

impl ByteArrayConverter {
    pub fn new(_props: &Props, _is_key: bool) -> Result<Self> {
        Ok(Self)
    }
    pub fn config_def() -> ConfigDef {
        ConfigDef::new()
    }
}

impl Converter for ByteArrayConverter {
    fn from_connect_data(&self, topic: &str, data: &SchemaAndValue) -> Result<Option<Vec<u8>>> {
        match &data.value {
            Value::Null => Ok(None),
            Value::Bytes(b) => Ok(Some(b.clone())),
            other => Err(ConnectError::data(format!(
                "Invalid schema type for ByteArrayConverter: expected bytes, got {} (topic {topic})",
                other.type_name()
            ))),
        }
    }

    fn to_connect_data(&self, _topic: &str, bytes: Option<&[u8]>) -> Result<SchemaAndValue> {
        let schema = SchemaBuilder::new(SchemaType::Bytes).optional().build();
        Ok(SchemaAndValue::new(schema, bytes.map_or(Value::Null, |b| Value::Bytes(b.to_vec()))))
    }
}
