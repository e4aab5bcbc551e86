//! Worker and connector configuration: the keys Kafka Connect defines,
//! each with its type, default and doc in one place.

pub mod connector;
pub mod worker;

use ferry_api::config::{ConfigKey, ConfigType, DefaultValue, Importance};

/// Shorthand for a key with a default value given as text.
pub(crate) fn key(name: &str, ty: ConfigType, default: Option<&str>, importance: Importance, doc: &str) -> ConfigKey {
    let default = match default {
        Some(d) => DefaultValue::Value(d.to_owned()),
        None => DefaultValue::Null,
    };
    ConfigKey::new(name, ty, default, importance, doc)
}

pub(crate) fn required(name: &str, ty: ConfigType, importance: Importance, doc: &str) -> ConfigKey {
    ConfigKey::new(name, ty, DefaultValue::Required, importance, doc)
}
