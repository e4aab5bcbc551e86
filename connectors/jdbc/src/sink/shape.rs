//! The columns a record writes, from its key and value schemas and the
//! `pk.mode`, and its row of values in that order. Schemaless values (maps
//! from JSON without schemas) get a shape inferred from their entries.

use ferry_api::data::{Schema, SchemaBuilder, SchemaType};
use ferry_api::{ConnectError, Result, SchemaRef, SinkRecord, Value};

use super::config::{PkMode, SinkConfig};

/// A destination column: its name, the Connect schema of what it holds,
/// and whether it is part of the primary key.
#[derive(Debug, Clone, PartialEq)]
pub struct SinkColumn {
    pub name: String,
    pub schema: SchemaRef,
    pub key: bool,
}

/// Where a column's value comes from in a record.
#[derive(Debug, Clone, PartialEq)]
enum Source {
    Topic,
    Partition,
    Offset,
    /// The whole (primitive) key.
    Key,
    KeyField(String),
    ValueField(String),
}

/// The columns of records written alike: key columns first. Records with
/// equal shapes share one statement.
#[derive(Debug, Clone, PartialEq)]
pub struct Shape {
    pub columns: Vec<SinkColumn>,
    sources: Vec<Source>,
}

const KAFKA_COLUMNS: [&str; 3] = ["__connect_topic", "__connect_partition", "__connect_offset"];

impl Shape {
    /// The shape of a record; `tombstone` shapes carry the key columns only.
    pub fn of(record: &SinkRecord, config: &SinkConfig) -> Result<Shape> {
        let mut shape = Shape { columns: Vec::new(), sources: Vec::new() };
        let value_schema = match &record.value.schema {
            Some(s) => Some(s.clone()),
            None if record.value.value.is_null() => None,
            None => Some(infer(&record.value.value)?),
        };
        if let Some(s) = &value_schema {
            if s.kind != SchemaType::Struct {
                return Err(ConnectError::data(format!(
                    "The JDBC sink writes struct (or JSON object) values; record {}-{}@{} has a {} value",
                    record.topic,
                    record.partition,
                    record.offset,
                    s.kind.name()
                )));
            }
        }
        match config.pk_mode {
            PkMode::None => {}
            PkMode::Kafka => {
                let names: Vec<String> =
                    if config.pk_fields.is_empty() { KAFKA_COLUMNS.map(String::from).to_vec() } else { config.pk_fields.clone() };
                let schemas = [Schema::string(), Schema::int32(), Schema::int64()];
                for ((name, schema), source) in names.into_iter().zip(schemas).zip([Source::Topic, Source::Partition, Source::Offset]) {
                    shape.push(name, schema, true, source);
                }
            }
            PkMode::RecordKey => {
                let key_schema = match &record.key.schema {
                    Some(s) => s.clone(),
                    None if record.key.value.is_null() => {
                        return Err(ConnectError::data(format!(
                            "pk.mode record_key needs a key, and record {}-{}@{} has none",
                            record.topic, record.partition, record.offset
                        )))
                    }
                    None => infer(&record.key.value)?,
                };
                if key_schema.kind == SchemaType::Struct {
                    for f in &key_schema.fields {
                        if config.pk_fields.is_empty() || config.pk_fields.contains(&f.name) {
                            shape.push(f.name.clone(), f.schema.clone(), true, Source::KeyField(f.name.clone()));
                        }
                    }
                } else if key_schema.kind.is_primitive() {
                    let [name] = config.pk_fields.as_slice() else {
                        return Err(ConnectError::config(
                            "The record key is a primitive: set pk.fields to the one column name it goes to",
                        ));
                    };
                    shape.push(name.clone(), key_schema.clone(), true, Source::Key);
                } else {
                    return Err(ConnectError::data(format!("A {} key cannot be a primary key", key_schema.kind.name())));
                }
            }
            PkMode::RecordValue => {
                let Some(s) = &value_schema else {
                    return Err(ConnectError::data("pk.mode record_value needs a value, and a tombstone has none"));
                };
                for f in &s.fields {
                    if config.pk_fields.is_empty() || config.pk_fields.contains(&f.name) {
                        shape.push(f.name.clone(), f.schema.clone(), true, Source::ValueField(f.name.clone()));
                    }
                }
            }
        }
        if !config.pk_fields.is_empty() && config.pk_mode != PkMode::Kafka {
            for wanted in &config.pk_fields {
                if !shape.columns.iter().any(|c| &c.name == wanted) {
                    return Err(ConnectError::config(format!("pk.fields names '{wanted}', which the record's {} does not have",
                        if config.pk_mode == PkMode::RecordKey { "key" } else { "value" })));
                }
            }
        }
        if let Some(s) = &value_schema {
            for f in &s.fields {
                let listed = config.fields_whitelist.is_empty() || config.fields_whitelist.contains(&f.name);
                if listed && !shape.columns.iter().any(|c| c.name == f.name) {
                    shape.push(f.name.clone(), f.schema.clone(), false, Source::ValueField(f.name.clone()));
                }
            }
        }
        Ok(shape)
    }

    fn push(&mut self, name: String, schema: SchemaRef, key: bool, source: Source) {
        self.columns.push(SinkColumn { name, schema, key });
        self.sources.push(source);
    }

    pub fn key_columns(&self) -> impl Iterator<Item = &SinkColumn> {
        self.columns.iter().filter(|c| c.key)
    }

    pub fn value_columns(&self) -> impl Iterator<Item = &SinkColumn> {
        self.columns.iter().filter(|c| !c.key)
    }

    /// The record's values, one per column, in column order.
    pub fn row(&self, record: &SinkRecord) -> Result<Vec<Value>> {
        self.sources
            .iter()
            .map(|source| {
                Ok(match source {
                    Source::Topic => Value::String(record.topic.clone()),
                    Source::Partition => Value::Int32(record.partition),
                    Source::Offset => Value::Int64(record.offset),
                    Source::Key => column_value(&record.key.value),
                    Source::KeyField(f) => field(&record.key.value, f),
                    Source::ValueField(f) => field(&record.value.value, f),
                })
            })
            .collect()
    }
}

fn field(container: &Value, name: &str) -> Value {
    match container {
        Value::Struct(s) => s.get_or_default(name).map(column_value).unwrap_or(Value::Null),
        Value::Map(entries) => {
            entries.iter().find(|(k, _)| k.as_str() == Some(name)).map(|(_, v)| column_value(v)).unwrap_or(Value::Null)
        }
        _ => Value::Null,
    }
}

/// Nested values of schemaless records go to a column as their JSON text.
fn column_value(v: &Value) -> Value {
    match v {
        Value::Map(_) | Value::Array(_) => Value::String(to_json(v).to_string()),
        other => other.clone(),
    }
}

fn to_json(v: &Value) -> serde_json::Value {
    use serde_json::Value as J;
    match v {
        Value::Null => J::Null,
        Value::Boolean(b) => J::Bool(*b),
        Value::Int8(i) => J::from(*i),
        Value::Int16(i) => J::from(*i),
        Value::Int32(i) => J::from(*i),
        Value::Int64(i) => J::from(*i),
        Value::Float32(f) => J::from(f64::from(*f)),
        Value::Float64(f) => J::from(*f),
        Value::String(s) => J::String(s.clone()),
        Value::Array(items) => J::Array(items.iter().map(to_json).collect()),
        Value::Map(entries) => J::Object(
            entries.iter().map(|(k, v)| (k.as_str().map_or_else(|| format!("{k:?}"), str::to_owned), to_json(v))).collect(),
        ),
        other => J::String(format!("{other:?}")),
    }
}

/// A schema for a schemaless value: a JSON object becomes a struct of
/// optional columns typed by their values (nested objects and arrays as
/// JSON text, nulls as text).
fn infer(v: &Value) -> Result<SchemaRef> {
    Ok(match v {
        Value::Map(entries) => {
            let mut b = SchemaBuilder::structure();
            for (k, v) in entries {
                let name = k.as_str().ok_or_else(|| ConnectError::data("A schemaless value's keys must be strings to name columns"))?;
                b = b.field(name, optional(scalar_kind(v)));
            }
            b.build()
        }
        other => optional(scalar_kind(other)),
    })
}

fn scalar_kind(v: &Value) -> SchemaType {
    match v {
        Value::Boolean(_) => SchemaType::Boolean,
        Value::Int8(_) | Value::Int16(_) | Value::Int32(_) | Value::Int64(_) => SchemaType::Int64,
        Value::Float32(_) | Value::Float64(_) => SchemaType::Float64,
        Value::Bytes(_) => SchemaType::Bytes,
        _ => SchemaType::String,
    }
}

fn optional(kind: SchemaType) -> SchemaRef {
    SchemaBuilder::new(kind).optional().build()
}
