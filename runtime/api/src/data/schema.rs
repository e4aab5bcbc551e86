use std::fmt;
use std::sync::Arc;

use indexmap::IndexMap;

use super::Value;
use crate::error::{ConnectError, Result};

pub type SchemaRef = Arc<Schema>;

/// Connect's physical schema types.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SchemaType {
    Int8,
    Int16,
    Int32,
    Int64,
    Float32,
    Float64,
    Boolean,
    String,
    Bytes,
    Array,
    Map,
    Struct,
}

impl SchemaType {
    /// The name used in Connect's JSON schemas and error messages.
    pub fn name(self) -> &'static str {
        match self {
            SchemaType::Int8 => "int8",
            SchemaType::Int16 => "int16",
            SchemaType::Int32 => "int32",
            SchemaType::Int64 => "int64",
            SchemaType::Float32 => "float",
            SchemaType::Float64 => "double",
            SchemaType::Boolean => "boolean",
            SchemaType::String => "string",
            SchemaType::Bytes => "bytes",
            SchemaType::Array => "array",
            SchemaType::Map => "map",
            SchemaType::Struct => "struct",
        }
    }

    pub fn from_name(name: &str) -> Option<Self> {
        Some(match name {
            "int8" => SchemaType::Int8,
            "int16" => SchemaType::Int16,
            "int32" => SchemaType::Int32,
            "int64" => SchemaType::Int64,
            "float" => SchemaType::Float32,
            "double" => SchemaType::Float64,
            "boolean" => SchemaType::Boolean,
            "string" => SchemaType::String,
            "bytes" => SchemaType::Bytes,
            "array" => SchemaType::Array,
            "map" => SchemaType::Map,
            "struct" => SchemaType::Struct,
            _ => return None,
        })
    }

    pub fn is_primitive(self) -> bool {
        !matches!(self, SchemaType::Array | SchemaType::Map | SchemaType::Struct)
    }
}

impl fmt::Display for SchemaType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A field of a struct schema.
#[derive(Debug, Clone, PartialEq)]
pub struct Field {
    pub name: String,
    pub index: usize,
    pub schema: SchemaRef,
}

/// A Connect schema. Built with [`SchemaBuilder`]; shared as [`SchemaRef`].
#[derive(Debug, Clone, PartialEq)]
pub struct Schema {
    pub kind: SchemaType,
    pub optional: bool,
    pub default: Option<Value>,
    /// Logical type or record name, e.g. `org.apache.kafka.connect.data.Decimal`.
    pub name: Option<String>,
    pub version: Option<i32>,
    pub doc: Option<String>,
    /// Insertion-ordered, as Connect writes them.
    pub parameters: IndexMap<String, String>,
    /// Struct fields, in order.
    pub fields: Vec<Field>,
    /// Map key schema.
    pub key_schema: Option<SchemaRef>,
    /// Map value schema or array element schema.
    pub value_schema: Option<SchemaRef>,
}

impl Schema {
    pub fn field(&self, name: &str) -> Option<&Field> {
        self.fields.iter().find(|f| f.name == name)
    }
    pub fn is_logical(&self, logical_name: &str) -> bool {
        self.name.as_deref() == Some(logical_name)
    }

    pub fn int8() -> SchemaRef {
        SchemaBuilder::new(SchemaType::Int8).build()
    }
    pub fn int16() -> SchemaRef {
        SchemaBuilder::new(SchemaType::Int16).build()
    }
    pub fn int32() -> SchemaRef {
        SchemaBuilder::new(SchemaType::Int32).build()
    }
    pub fn int64() -> SchemaRef {
        SchemaBuilder::new(SchemaType::Int64).build()
    }
    pub fn float32() -> SchemaRef {
        SchemaBuilder::new(SchemaType::Float32).build()
    }
    pub fn float64() -> SchemaRef {
        SchemaBuilder::new(SchemaType::Float64).build()
    }
    pub fn boolean() -> SchemaRef {
        SchemaBuilder::new(SchemaType::Boolean).build()
    }
    pub fn string() -> SchemaRef {
        SchemaBuilder::new(SchemaType::String).build()
    }
    pub fn bytes() -> SchemaRef {
        SchemaBuilder::new(SchemaType::Bytes).build()
    }
    pub fn optional_string() -> SchemaRef {
        SchemaBuilder::new(SchemaType::String).optional().build()
    }

    /// Checks that `value` is valid for this schema, as Connect's
    /// `ConnectSchema.validateValue` does.
    pub fn validate_value(&self, value: &Value) -> Result<()> {
        if value.is_null() {
            return if self.optional || self.default.is_some() {
                Ok(())
            } else {
                Err(ConnectError::data(format!(
                    "Invalid value: null used for required field: \"{}\", schema type: {}",
                    self.name.as_deref().unwrap_or("null"),
                    self.kind
                )))
            };
        }
        let ok = match (self.kind, value) {
            (SchemaType::Int8, Value::Int8(_))
            | (SchemaType::Int16, Value::Int16(_))
            | (SchemaType::Int32, Value::Int32(_) | Value::Date(_) | Value::Time(_))
            | (SchemaType::Int64, Value::Int64(_) | Value::Timestamp(_))
            | (SchemaType::Float32, Value::Float32(_))
            | (SchemaType::Float64, Value::Float64(_))
            | (SchemaType::Boolean, Value::Boolean(_))
            | (SchemaType::String, Value::String(_))
            | (SchemaType::Bytes, Value::Bytes(_) | Value::Decimal(_)) => true,
            (SchemaType::Array, Value::Array(items)) => {
                if let Some(elem) = &self.value_schema {
                    for item in items {
                        elem.validate_value(item)?;
                    }
                }
                true
            }
            (SchemaType::Map, Value::Map(entries)) => {
                for (k, v) in entries {
                    if let Some(ks) = &self.key_schema {
                        ks.validate_value(k)?;
                    }
                    if let Some(vs) = &self.value_schema {
                        vs.validate_value(v)?;
                    }
                }
                true
            }
            (SchemaType::Struct, Value::Struct(s)) => s.schema().as_ref() == self,
            _ => false,
        };
        if ok {
            Ok(())
        } else {
            Err(ConnectError::data(format!(
                "Invalid Java object for schema with type {}: {}",
                self.kind.name().to_uppercase(),
                value.type_name()
            )))
        }
    }
}

/// Builds a [`Schema`], in the style of Connect's `SchemaBuilder`.
#[derive(Debug, Clone)]
pub struct SchemaBuilder {
    schema: Schema,
}

impl SchemaBuilder {
    pub fn new(kind: SchemaType) -> Self {
        Self {
            schema: Schema {
                kind,
                optional: false,
                default: None,
                name: None,
                version: None,
                doc: None,
                parameters: IndexMap::new(),
                fields: Vec::new(),
                key_schema: None,
                value_schema: None,
            },
        }
    }
    pub fn structure() -> Self {
        Self::new(SchemaType::Struct)
    }
    pub fn array(items: SchemaRef) -> Self {
        let mut b = Self::new(SchemaType::Array);
        b.schema.value_schema = Some(items);
        b
    }
    pub fn map(keys: SchemaRef, values: SchemaRef) -> Self {
        let mut b = Self::new(SchemaType::Map);
        b.schema.key_schema = Some(keys);
        b.schema.value_schema = Some(values);
        b
    }
    pub fn optional(mut self) -> Self {
        self.schema.optional = true;
        self
    }
    pub fn required(mut self) -> Self {
        self.schema.optional = false;
        self
    }
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.schema.name = Some(name.into());
        self
    }
    pub fn version(mut self, version: i32) -> Self {
        self.schema.version = Some(version);
        self
    }
    pub fn doc(mut self, doc: impl Into<String>) -> Self {
        self.schema.doc = Some(doc.into());
        self
    }
    pub fn parameter(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.schema.parameters.insert(key.into(), value.into());
        self
    }
    pub fn default_value(mut self, value: Value) -> Self {
        self.schema.default = Some(value);
        self
    }
    /// Appends a struct field.
    pub fn field(mut self, name: impl Into<String>, schema: SchemaRef) -> Self {
        let index = self.schema.fields.len();
        self.schema.fields.push(Field { name: name.into(), index, schema });
        self
    }
    pub fn build(self) -> SchemaRef {
        Arc::new(self.schema)
    }
}
