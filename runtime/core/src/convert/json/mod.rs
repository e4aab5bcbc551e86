//! `org.apache.kafka.connect.json.JsonConverter` (being written).
use ferry_api::config::{ConfigDef, Props};
use ferry_api::{ConnectError, Converter, Result, SchemaAndValue};

pub struct JsonConverter;

impl JsonConverter {
    pub fn new(_props: &Props, _is_key: bool) -> Result<Self> {
        Ok(Self)
    }
    pub fn config_def() -> ConfigDef {
        ConfigDef::new()
    }
}

impl Converter for JsonConverter {
    fn from_connect_data(&self, _topic: &str, _data: &SchemaAndValue) -> Result<Option<Vec<u8>>> {
        Err(ConnectError::fatal("JsonConverter is not written yet"))
    }
    fn to_connect_data(&self, _topic: &str, _bytes: Option<&[u8]>) -> Result<SchemaAndValue> {
        Err(ConnectError::fatal("JsonConverter is not written yet"))
    }
}
