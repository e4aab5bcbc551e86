//! Configuration: Java `.properties` files, and `ConfigDef`, the single
//! place a plugin declares its keys (type, default, doc, validator). The
//! REST `config/validate` answer, the plugin config listing and the docs
//! all come from it.

mod def;
mod parsed;
mod properties;

use std::collections::BTreeMap;

pub use def::{ConfigDef, ConfigKey, ConfigType, DefaultValue, Importance, Validator, Width};
pub use parsed::{ConfigValue, ParsedConfig, Parsed};
pub use properties::{parse_properties, read_properties_file};

/// A flat string-to-string configuration, as Connect passes configs around.
pub type Props = BTreeMap<String, String>;

/// The keys of `props` that start with `prefix`, with the prefix removed
/// (`value.converter.schemas.enable` → `schemas.enable`).
pub fn with_prefix(props: &Props, prefix: &str) -> Props {
    props
        .iter()
        .filter_map(|(k, v)| k.strip_prefix(prefix).map(|rest| (rest.to_owned(), v.clone())))
        .collect()
}
