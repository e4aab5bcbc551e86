//! Converters between Connect data and Kafka bytes, and the per-connector
//! set of them (worker defaults, overridden by the connector's keys).

mod bytearray;
mod header;
pub mod json;
mod string;

pub use bytearray::ByteArrayConverter;
pub use header::SimpleHeaderConverter;
pub use json::JsonConverter;
pub use string::StringConverter;

use std::sync::Arc;

use ferry_api::config::{with_prefix, Props};
use ferry_api::converter::HeaderConverter;
use ferry_api::{ConnectError, Converter, Result};

use crate::config::connector::ConnectorConfig;
use crate::config::worker::WorkerConfig;
use crate::plugins::Registry;

/// The converters one connector's tasks use.
#[derive(Clone)]
pub struct Converters {
    pub key: Arc<dyn Converter>,
    pub value: Arc<dyn Converter>,
    pub header: Arc<dyn HeaderConverter>,
}

impl Converters {
    /// A connector's `key.converter=…` and `key.converter.*` keys win over
    /// the worker's, as in Connect.
    pub fn for_connector(registry: &Registry, worker: &WorkerConfig, connector: &ConnectorConfig) -> Result<Self> {
        let pick = |prefix: &str, own: &Option<String>, default: &str| -> (String, Props) {
            match own {
                Some(class) => (class.clone(), with_prefix(&connector.props, &format!("{prefix}."))),
                None => (default.to_owned(), with_prefix(&worker.props, &format!("{prefix}."))),
            }
        };
        let (key_class, key_props) = pick("key.converter", &connector.key_converter, &worker.key_converter);
        let (value_class, value_props) = pick("value.converter", &connector.value_converter, &worker.value_converter);
        let (header_class, header_props) =
            pick("header.converter", &connector.header_converter, &worker.header_converter);
        Ok(Self {
            key: converter(registry, &key_class, &key_props, true)?.into(),
            value: converter(registry, &value_class, &value_props, false)?.into(),
            header: header_converter(registry, &header_class, &header_props)?.into(),
        })
    }
}

fn converter(registry: &Registry, class: &str, props: &Props, is_key: bool) -> Result<Box<dyn Converter>> {
    let plugin = registry
        .find_converter(class)
        .ok_or_else(|| ConnectError::config(format!("Converter class {class} could not be found")))?;
    (plugin.factory)(props, is_key)
}

fn header_converter(registry: &Registry, class: &str, props: &Props) -> Result<Box<dyn HeaderConverter>> {
    let plugin = registry
        .find_header_converter(class)
        .ok_or_else(|| ConnectError::config(format!("HeaderConverter class {class} could not be found")))?;
    (plugin.factory)(props)
}
