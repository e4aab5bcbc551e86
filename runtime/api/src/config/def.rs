use super::parsed::{ConfigValue, Parsed, ParsedConfig};
use super::Props;
use crate::error::{ConnectError, Result};

/// Connect's `ConfigDef.Type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConfigType {
    Boolean,
    String,
    Int,
    Short,
    Long,
    Double,
    List,
    Class,
    Password,
}

impl ConfigType {
    pub fn name(self) -> &'static str {
        match self {
            ConfigType::Boolean => "BOOLEAN",
            ConfigType::String => "STRING",
            ConfigType::Int => "INT",
            ConfigType::Short => "SHORT",
            ConfigType::Long => "LONG",
            ConfigType::Double => "DOUBLE",
            ConfigType::List => "LIST",
            ConfigType::Class => "CLASS",
            ConfigType::Password => "PASSWORD",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Importance {
    High,
    Medium,
    Low,
}

impl Importance {
    pub fn name(self) -> &'static str {
        match self {
            Importance::High => "HIGH",
            Importance::Medium => "MEDIUM",
            Importance::Low => "LOW",
        }
    }
}

/// Display width hint, part of Connect's plugin config answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Width {
    None,
    Short,
    Medium,
    Long,
}

impl Width {
    pub fn name(self) -> &'static str {
        match self {
            Width::None => "NONE",
            Width::Short => "SHORT",
            Width::Medium => "MEDIUM",
            Width::Long => "LONG",
        }
    }
}

/// A key's default: none (the key is required), null, or a value as text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DefaultValue {
    Required,
    Null,
    Value(String),
}

/// Checks a parsed value, with Connect's wording for the failure.
#[derive(Debug, Clone)]
pub enum Validator {
    /// Numbers within bounds: "Value must be at least …" / "no more than …".
    Range { min: Option<f64>, max: Option<f64> },
    /// One of these strings, exactly.
    OneOf(Vec<&'static str>),
    /// One of these strings, ignoring case.
    OneOfIgnoreCase(Vec<&'static str>),
    NonEmptyString,
    /// Anything else: returns the reason a value is invalid.
    Custom(fn(&Parsed) -> std::result::Result<(), String>),
}

impl Validator {
    pub fn at_least(min: f64) -> Self {
        Validator::Range { min: Some(min), max: None }
    }
    pub fn between(min: f64, max: f64) -> Self {
        Validator::Range { min: Some(min), max: Some(max) }
    }

    fn check(&self, value: &Parsed) -> std::result::Result<(), String> {
        match self {
            Validator::Range { min, max } => {
                let Some(n) = value.as_f64() else { return Ok(()) };
                if let Some(min) = min.filter(|m| n < *m) {
                    return Err(format!("Value must be at least {}", fmt_bound(min)));
                }
                if let Some(max) = max.filter(|m| n > *m) {
                    return Err(format!("Value must be no more than {}", fmt_bound(max)));
                }
                Ok(())
            }
            Validator::OneOf(options) => match value.as_str() {
                Some(s) if !options.contains(&s) => {
                    Err(format!("String must be one of: {}", options.join(", ")))
                }
                _ => Ok(()),
            },
            Validator::OneOfIgnoreCase(options) => match value.as_str() {
                Some(s) if !options.iter().any(|o| o.eq_ignore_ascii_case(s)) => Err(format!(
                    "String must be one of (case insensitive): {}",
                    options.join(", ")
                )),
                _ => Ok(()),
            },
            Validator::NonEmptyString => match value.as_str() {
                Some("") => Err("String may not be empty".to_owned()),
                _ => Ok(()),
            },
            Validator::Custom(f) => f(value),
        }
    }

    /// The values a UI may offer, for `recommended_values`.
    pub fn recommended(&self) -> Vec<String> {
        match self {
            Validator::OneOf(o) | Validator::OneOfIgnoreCase(o) => {
                o.iter().map(|s| (*s).to_owned()).collect()
            }
            _ => Vec::new(),
        }
    }
}

fn fmt_bound(b: f64) -> String {
    if b.fract() == 0.0 && b.abs() < 1e15 {
        format!("{}", b as i64)
    } else {
        b.to_string()
    }
}

/// One configuration key of a plugin.
#[derive(Debug, Clone)]
pub struct ConfigKey {
    pub name: String,
    pub ty: ConfigType,
    pub default: DefaultValue,
    pub importance: Importance,
    pub documentation: String,
    pub group: Option<String>,
    pub order_in_group: i32,
    pub width: Width,
    pub display_name: String,
    pub dependents: Vec<String>,
    pub validator: Option<Validator>,
}

impl ConfigKey {
    pub fn new(name: &str, ty: ConfigType, default: DefaultValue, importance: Importance, doc: &str) -> Self {
        Self {
            name: name.to_owned(),
            ty,
            default,
            importance,
            documentation: doc.to_owned(),
            group: None,
            order_in_group: -1,
            width: Width::None,
            display_name: name.to_owned(),
            dependents: Vec::new(),
            validator: None,
        }
    }
    pub fn validator(mut self, v: Validator) -> Self {
        self.validator = Some(v);
        self
    }
    /// Places the key in a UI group, at a position, with a display name.
    pub fn group(mut self, group: &str, order: i32, width: Width, display_name: &str) -> Self {
        self.group = Some(group.to_owned());
        self.order_in_group = order;
        self.width = width;
        self.display_name = display_name.to_owned();
        self
    }
    pub fn dependents(mut self, keys: &[&str]) -> Self {
        self.dependents = keys.iter().map(|k| (*k).to_owned()).collect();
        self
    }
    pub fn is_required(&self) -> bool {
        self.default == DefaultValue::Required
    }
    /// The default as Connect shows it in `default_value`.
    pub fn default_text(&self) -> Option<&str> {
        match &self.default {
            DefaultValue::Value(v) => Some(v),
            _ => None,
        }
    }

    /// Parses and validates this key's raw value (or its default).
    fn parse(&self, raw: Option<&str>) -> std::result::Result<Parsed, String> {
        let text = match (raw, &self.default) {
            (Some(v), _) => v,
            (None, DefaultValue::Value(d)) => d.as_str(),
            (None, DefaultValue::Null) => return Ok(Parsed::Null),
            (None, DefaultValue::Required) => {
                return Err(format!(
                    "Missing required configuration \"{}\" which has no default value.",
                    self.name
                ))
            }
        };
        let parsed = Parsed::parse(self.ty, text)
            .map_err(|why| format!("Invalid value {text} for configuration {}: {why}", self.name))?;
        if let Some(v) = &self.validator {
            v.check(&parsed).map_err(|why| {
                let shown = if self.ty == ConfigType::Password { "[hidden]" } else { text };
                format!("Invalid value {shown} for configuration {}: {why}", self.name)
            })?;
        }
        Ok(parsed)
    }
}

/// The ordered set of keys a plugin understands.
#[derive(Debug, Clone, Default)]
pub struct ConfigDef {
    keys: Vec<ConfigKey>,
}

impl ConfigDef {
    pub fn new() -> Self {
        Self::default()
    }
    /// Adds a key; a later definition of the same name replaces the earlier.
    pub fn define(mut self, key: ConfigKey) -> Self {
        self.keys.retain(|k| k.name != key.name);
        self.keys.push(key);
        self
    }
    /// Appends every key of `other` (used to stack the common connector
    /// keys, the sink or source keys, and the plugin's own).
    pub fn merge(mut self, other: ConfigDef) -> Self {
        for k in other.keys {
            self = self.define(k);
        }
        self
    }
    pub fn keys(&self) -> &[ConfigKey] {
        &self.keys
    }
    pub fn key(&self, name: &str) -> Option<&ConfigKey> {
        self.keys.iter().find(|k| k.name == name)
    }

    /// Validates every key without failing fast: one result per key, as
    /// the REST `config/validate` answer lists them.
    pub fn validate(&self, props: &Props) -> Vec<ConfigValue> {
        self.keys
            .iter()
            .map(|key| {
                let raw = props.get(&key.name).map(String::as_str);
                let parsed = key.parse(raw);
                // As Connect: a value that does not parse is shown as null.
                let unparsable = raw.is_some_and(|r| Parsed::parse(key.ty, r).is_err());
                let errors = parsed.err().into_iter().collect();
                let value = if unparsable {
                    None
                } else {
                    raw.map(str::to_owned).or_else(|| key.default_text().map(str::to_owned))
                };
                ConfigValue {
                    name: key.name.clone(),
                    value: if key.ty == ConfigType::Password && value.is_some() {
                        Some("[hidden]".to_owned())
                    } else {
                        value
                    },
                    recommended_values: key.validator.as_ref().map(Validator::recommended).unwrap_or_default(),
                    errors,
                    visible: true,
                }
            })
            .collect()
    }

    /// Parses `props` into typed values; the first invalid key is an error.
    /// Keys the definition does not know are kept as originals.
    pub fn parse(&self, props: &Props) -> Result<ParsedConfig> {
        let mut values = std::collections::HashMap::with_capacity(self.keys.len());
        for key in &self.keys {
            let parsed = key
                .parse(props.get(&key.name).map(String::as_str))
                .map_err(ConnectError::config)?;
            values.insert(key.name.clone(), parsed);
        }
        Ok(ParsedConfig::new(values, props.clone()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn def() -> ConfigDef {
        ConfigDef::new()
            .define(
                ConfigKey::new("tasks.max", ConfigType::Int, DefaultValue::Value("1".into()), Importance::High, "Tasks")
                    .validator(Validator::at_least(1.0)),
            )
            .define(ConfigKey::new("topics", ConfigType::List, DefaultValue::Required, Importance::High, "Topics"))
            .define(
                ConfigKey::new("mode", ConfigType::String, DefaultValue::Value("a".into()), Importance::Low, "Mode")
                    .validator(Validator::OneOf(vec!["a", "b"])),
            )
    }

    fn props(pairs: &[(&str, &str)]) -> Props {
        pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
    }

    #[test]
    fn connect_error_wording() {
        let errs: Vec<_> = def()
            .validate(&props(&[("tasks.max", "abc"), ("mode", "c")]))
            .into_iter()
            .flat_map(|v| v.errors)
            .collect();
        assert_eq!(
            errs,
            vec![
                "Invalid value abc for configuration tasks.max: Not a number of type INT",
                "Missing required configuration \"topics\" which has no default value.",
                "Invalid value c for configuration mode: String must be one of: a, b",
            ]
        );
        let e = def().parse(&props(&[("tasks.max", "0"), ("topics", "t")]));
        assert_eq!(
            e.err().map(|e| e.to_string()),
            Some("Invalid value 0 for configuration tasks.max: Value must be at least 1".to_owned())
        );
    }

    #[test]
    fn parses_typed_values() {
        let c = def().parse(&props(&[("topics", "a, b ,c"), ("extra", "kept")])).expect("valid");
        assert_eq!(c.int("tasks.max"), 1);
        assert_eq!(c.list("topics"), vec!["a", "b", "c"]);
        assert_eq!(c.originals().get("extra").map(String::as_str), Some("kept"));
    }
}
