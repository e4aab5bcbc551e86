//! The converter's own keys.

use ferry_api::config::{ConfigDef, ConfigKey, ConfigType, DefaultValue, Importance, Props, Validator, Width};
use ferry_api::Result;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DecimalFormat {
    /// Unscaled two's-complement bytes, base64 in JSON.
    Base64,
    /// A JSON number.
    Numeric,
}

#[derive(Debug, Clone)]
pub struct JsonConverterConfig {
    pub schemas_enable: bool,
    pub schemas_cache_size: usize,
    pub decimal_format: DecimalFormat,
    pub replace_null_with_default: bool,
}

impl Default for JsonConverterConfig {
    fn default() -> Self {
        Self { schemas_enable: true, schemas_cache_size: 1000, decimal_format: DecimalFormat::Base64, replace_null_with_default: true }
    }
}

pub fn config_def() -> ConfigDef {
    let key = |name: &str, ty, default: &str, doc: &str, order, display: &str| {
        ConfigKey::new(name, ty, DefaultValue::Value(default.into()), Importance::Low, doc).group("Schemas", order, Width::Medium, display)
    };
    ConfigDef::new()
        .define(key("schemas.enable", ConfigType::Boolean, "true",
            "Include schemas within each of the serialized values and keys.", 1, "Enable Schemas"))
        .define(key("schemas.cache.size", ConfigType::Int, "1000",
            "The maximum number of schemas that can be cached in this converter instance.", 2, "Schema Cache Size")
            .validator(Validator::at_least(0.0)))
        .define(key("decimal.format", ConfigType::String, "BASE64",
            "Controls which format this converter will serialize decimals in. This value is case insensitive and can be either \
             'BASE64' (default) or 'NUMERIC'", 3, "Decimal Format")
            .validator(Validator::OneOfIgnoreCase(vec!["BASE64", "NUMERIC"])))
        .define(key("replace.null.with.default", ConfigType::Boolean, "true",
            "Whether to replace fields that have a default value and that are null to the default value. When set to true, \
             the default value is used, otherwise null is used.", 4, "Replace null with default"))
}

impl JsonConverterConfig {
    pub fn parse(props: &Props) -> Result<Self> {
        let c = config_def().parse(props)?;
        Ok(Self {
            schemas_enable: c.boolean("schemas.enable"),
            schemas_cache_size: usize::try_from(c.int("schemas.cache.size")).unwrap_or(1000).max(1),
            decimal_format: match c.string("decimal.format").unwrap_or_default().to_ascii_uppercase().as_str() {
                "NUMERIC" => DecimalFormat::Numeric,
                _ => DecimalFormat::Base64,
            },
            replace_null_with_default: c.boolean("replace.null.with.default"),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_rejects_like_connect() {
        let mut p = Props::new();
        p.insert("decimal.format".into(), "numeric".into());
        p.insert("schemas.enable".into(), "false".into());
        let c = JsonConverterConfig::parse(&p).expect("valid");
        assert_eq!(c.decimal_format, DecimalFormat::Numeric);
        assert!(!c.schemas_enable);
        p.insert("decimal.format".into(), "HEX".into());
        let e = JsonConverterConfig::parse(&p).err().map(|e| e.to_string());
        assert_eq!(
            e.as_deref(),
            Some("Invalid value HEX for configuration decimal.format: String must be one of (case insensitive): BASE64, NUMERIC")
        );
    }
}
