use std::collections::HashMap;

use super::{ConfigType, Props};

/// A configuration value parsed to its declared type.
#[derive(Debug, Clone, PartialEq)]
pub enum Parsed {
    Null,
    Boolean(bool),
    Int(i32),
    Short(i16),
    Long(i64),
    Double(f64),
    String(String),
    List(Vec<String>),
    Class(String),
    Password(String),
}

impl Parsed {
    /// Parses text as Connect's `ConfigDef.parseType` does; the error is
    /// the reason, worded as Connect words it.
    pub fn parse(ty: ConfigType, text: &str) -> Result<Parsed, String> {
        let t = text.trim();
        Ok(match ty {
            ConfigType::Boolean => match t.to_ascii_lowercase().as_str() {
                "true" => Parsed::Boolean(true),
                "false" => Parsed::Boolean(false),
                _ => return Err("Expected value to be either true or false".to_owned()),
            },
            ConfigType::Int => Parsed::Int(t.parse().map_err(|_| "Not a number of type INT")?),
            ConfigType::Short => Parsed::Short(t.parse().map_err(|_| "Not a number of type SHORT")?),
            ConfigType::Long => Parsed::Long(t.parse().map_err(|_| "Not a number of type LONG")?),
            ConfigType::Double => Parsed::Double(t.parse().map_err(|_| "Not a number of type DOUBLE")?),
            ConfigType::String => Parsed::String(t.to_owned()),
            ConfigType::Password => Parsed::Password(text.to_owned()),
            ConfigType::Class => Parsed::Class(t.to_owned()),
            ConfigType::List => Parsed::List(if t.is_empty() {
                Vec::new()
            } else {
                t.split(',').map(|s| s.trim().to_owned()).collect()
            }),
        })
    }

    pub fn as_f64(&self) -> Option<f64> {
        match *self {
            Parsed::Int(v) => Some(v.into()),
            Parsed::Short(v) => Some(v.into()),
            Parsed::Long(v) => Some(v as f64),
            Parsed::Double(v) => Some(v),
            _ => None,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Parsed::String(s) | Parsed::Class(s) | Parsed::Password(s) => Some(s),
            _ => None,
        }
    }
}

/// The outcome of validating one key: Connect's `ConfigValue`.
#[derive(Debug, Clone, PartialEq)]
pub struct ConfigValue {
    pub name: String,
    pub value: Option<String>,
    pub recommended_values: Vec<String>,
    pub errors: Vec<String>,
    pub visible: bool,
}

/// A valid configuration: typed values for the defined keys, and the
/// original properties (unknown keys included, as Connect passes them on).
///
/// The getters take names the definition declares; asking for an
/// undeclared key or the wrong type is a programming error and answers the
/// type's zero value rather than panicking on user data.
#[derive(Debug, Clone)]
pub struct ParsedConfig {
    values: HashMap<String, Parsed>,
    originals: Props,
}

impl ParsedConfig {
    pub(super) fn new(values: HashMap<String, Parsed>, originals: Props) -> Self {
        Self { values, originals }
    }
    pub fn get(&self, key: &str) -> Option<&Parsed> {
        self.values.get(key)
    }
    pub fn originals(&self) -> &Props {
        &self.originals
    }
    pub fn string(&self, key: &str) -> Option<String> {
        self.get(key).and_then(Parsed::as_str).map(str::to_owned)
    }
    pub fn int(&self, key: &str) -> i32 {
        match self.get(key) {
            Some(Parsed::Int(v)) => *v,
            _ => 0,
        }
    }
    pub fn long(&self, key: &str) -> i64 {
        match self.get(key) {
            Some(Parsed::Long(v)) => *v,
            Some(Parsed::Int(v)) => (*v).into(),
            _ => 0,
        }
    }
    pub fn boolean(&self, key: &str) -> bool {
        matches!(self.get(key), Some(Parsed::Boolean(true)))
    }
    pub fn list(&self, key: &str) -> Vec<String> {
        match self.get(key) {
            Some(Parsed::List(v)) => v.clone(),
            _ => Vec::new(),
        }
    }
}
