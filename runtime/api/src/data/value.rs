use bigdecimal::BigDecimal;
use chrono::{DateTime, NaiveDate, NaiveTime, Utc};

use super::SchemaRef;
use crate::error::{ConnectError, Result};

/// A Connect value. A record without a schema carries a `Value` alone
/// (schemaless JSON: maps, arrays, strings, int64, float64, booleans).
///
/// The logical types have their own variants so connectors never juggle
/// raw day counts or unscaled bytes; their schema says which logical type
/// they are (see [`super::logical`]).
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Boolean(bool),
    Int8(i8),
    Int16(i16),
    Int32(i32),
    Int64(i64),
    Float32(f32),
    Float64(f64),
    String(String),
    Bytes(Vec<u8>),
    Array(Vec<Value>),
    /// Entries in order. Keys are strings for schemaless JSON objects.
    Map(Vec<(Value, Value)>),
    Struct(Struct),
    /// `org.apache.kafka.connect.data.Decimal` (bytes with a `scale` parameter).
    Decimal(BigDecimal),
    /// `org.apache.kafka.connect.data.Date` (int32 days since the epoch).
    Date(NaiveDate),
    /// `org.apache.kafka.connect.data.Time` (int32 milliseconds of the day).
    Time(NaiveTime),
    /// `org.apache.kafka.connect.data.Timestamp` (int64 milliseconds since the epoch).
    Timestamp(DateTime<Utc>),
}

impl Value {
    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }

    /// The name used in error messages.
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Boolean(_) => "Boolean",
            Value::Int8(_) => "Byte",
            Value::Int16(_) => "Short",
            Value::Int32(_) => "Integer",
            Value::Int64(_) => "Long",
            Value::Float32(_) => "Float",
            Value::Float64(_) => "Double",
            Value::String(_) => "String",
            Value::Bytes(_) => "byte[]",
            Value::Array(_) => "ArrayList",
            Value::Map(_) => "HashMap",
            Value::Struct(_) => "Struct",
            Value::Decimal(_) => "BigDecimal",
            Value::Date(_) | Value::Time(_) | Value::Timestamp(_) => "Date",
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    /// Any integer variant widened to i64.
    pub fn as_i64(&self) -> Option<i64> {
        match *self {
            Value::Int8(v) => Some(v.into()),
            Value::Int16(v) => Some(v.into()),
            Value::Int32(v) => Some(v.into()),
            Value::Int64(v) => Some(v),
            _ => None,
        }
    }

    /// Looks a key up in a map value with string keys.
    pub fn map_get(&self, key: &str) -> Option<&Value> {
        match self {
            Value::Map(entries) => entries
                .iter()
                .find(|(k, _)| k.as_str() == Some(key))
                .map(|(_, v)| v),
            _ => None,
        }
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Self {
        Value::String(s.to_owned())
    }
}
impl From<String> for Value {
    fn from(s: String) -> Self {
        Value::String(s)
    }
}
impl From<i32> for Value {
    fn from(v: i32) -> Self {
        Value::Int32(v)
    }
}
impl From<i64> for Value {
    fn from(v: i64) -> Self {
        Value::Int64(v)
    }
}
impl From<bool> for Value {
    fn from(v: bool) -> Self {
        Value::Boolean(v)
    }
}

/// A struct value: a struct schema and one value per field, in field order.
#[derive(Debug, Clone, PartialEq)]
pub struct Struct {
    schema: SchemaRef,
    values: Vec<Value>,
}

impl Struct {
    /// An empty struct: every field null until `put`.
    pub fn new(schema: SchemaRef) -> Self {
        let values = vec![Value::Null; schema.fields.len()];
        Self { schema, values }
    }

    pub fn schema(&self) -> &SchemaRef {
        &self.schema
    }

    pub fn values(&self) -> &[Value] {
        &self.values
    }

    /// A struct of `values` in the schema's field order: what transforms
    /// build from the values of another struct, without copying them.
    pub fn from_values(schema: SchemaRef, values: Vec<Value>) -> Result<Self> {
        if values.len() != schema.fields.len() {
            return Err(ConnectError::data(format!("A struct of {} fields cannot take {} values", schema.fields.len(), values.len())));
        }
        Ok(Self { schema, values })
    }

    /// The values, in field order.
    pub fn into_values(self) -> Vec<Value> {
        self.values
    }

    pub fn get(&self, field: &str) -> Option<&Value> {
        self.schema.field(field).map(|f| &self.values[f.index])
    }

    /// The field's value or, when null, its schema default.
    pub fn get_or_default(&self, field: &str) -> Option<&Value> {
        let f = self.schema.field(field)?;
        match &self.values[f.index] {
            Value::Null => f.schema.default.as_ref().or(Some(&Value::Null)),
            v => Some(v),
        }
    }

    pub fn put(&mut self, field: &str, value: impl Into<Value>) -> Result<&mut Self> {
        let index = self
            .schema
            .field(field)
            .map(|f| f.index)
            .ok_or_else(|| ConnectError::data(format!("{field} is not a valid field name")))?;
        self.values[index] = value.into();
        Ok(self)
    }

    /// Sets a field by position; used by converters that walk the schema.
    pub fn put_at(&mut self, index: usize, value: Value) {
        if let Some(slot) = self.values.get_mut(index) {
            *slot = value;
        }
    }

    /// Checks every field against its schema, as Connect's `Struct.validate`.
    pub fn validate(&self) -> Result<()> {
        for f in &self.schema.fields {
            f.schema.validate_value(&self.values[f.index]).map_err(|e| {
                ConnectError::data(format!("Invalid value for field \"{}\": {}", f.name, e.message()))
            })?;
        }
        Ok(())
    }
}
