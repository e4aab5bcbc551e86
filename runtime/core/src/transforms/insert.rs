//! Transforms that add or change record metadata: InsertField,
//! SetSchemaMetadata, DropHeaders.

use std::sync::Arc;

use ferry_api::config::Props;
use ferry_api::data::{logical, SchemaBuilder};
use ferry_api::{ConnectError, Result, Schema, SchemaAndValue, SchemaType, Struct, Value};

use super::cache::SchemaCache;
use super::{required_list, Part, Record, Transform};

/// A field name as InsertField takes it: `name!` required, `name?` or `name` optional.
fn field_spec(props: &Props, key: &str) -> Option<(String, bool)> {
    let v = props.get(key)?.trim();
    if v.is_empty() {
        return None;
    }
    Some(match (v.strip_suffix('!'), v.strip_suffix('?')) {
        (Some(n), _) => (n.to_owned(), false),
        (_, Some(n)) => (n.to_owned(), true),
        _ => (v.to_owned(), true),
    })
}

/// A field InsertField adds: name, optional, type (and logical name), value.
type Addition = (String, bool, SchemaType, Option<&'static str>, Value);

/// `InsertField$Key` / `$Value`: adds the topic, partition, offset,
/// timestamp or a static string as fields.
pub struct InsertField {
    part: Part,
    topic: Option<(String, bool)>,
    partition: Option<(String, bool)>,
    offset: Option<(String, bool)>,
    timestamp: Option<(String, bool)>,
    static_field: Option<(String, bool)>,
    static_value: Option<String>,
    /// Output schemas by input schema.
    schemas: SchemaCache,
}

impl InsertField {
    pub fn new(part: Part, props: &Props) -> Result<Self> {
        Ok(Self {
            schemas: SchemaCache::default(),
            part,
            topic: field_spec(props, "topic.field"),
            partition: field_spec(props, "partition.field"),
            offset: field_spec(props, "offset.field"),
            timestamp: field_spec(props, "timestamp.field"),
            static_field: field_spec(props, "static.field"),
            static_value: props.get("static.value").cloned(),
        })
    }

    /// The fields to add: name, optional, schema, value.
    fn additions(&self, r: &Record) -> Result<Vec<Addition>> {
        let mut out = Vec::new();
        if let Some((n, opt)) = &self.topic {
            out.push((n.clone(), *opt, SchemaType::String, None, Value::String(r.topic.clone())));
        }
        if let Some((n, opt)) = &self.partition {
            out.push((n.clone(), *opt, SchemaType::Int32, None, r.partition.map_or(Value::Null, Value::Int32)));
        }
        if let Some((n, opt)) = &self.offset {
            let offset = r.offset.ok_or_else(|| ConnectError::data("offset.field is for sink connectors: a source record has no offset yet"))?;
            out.push((n.clone(), *opt, SchemaType::Int64, None, Value::Int64(offset)));
        }
        if let Some((n, opt)) = &self.timestamp {
            let v = match r.timestamp {
                Some(ms) => Value::Timestamp(logical::timestamp_from_millis(ms)?),
                None => Value::Null,
            };
            out.push((n.clone(), *opt, SchemaType::Int64, Some(logical::TIMESTAMP), v));
        }
        if let (Some((n, opt)), Some(v)) = (&self.static_field, &self.static_value) {
            out.push((n.clone(), *opt, SchemaType::String, None, Value::String(v.clone())));
        }
        Ok(out)
    }
}

impl Transform for InsertField {
    fn apply(&self, mut r: Record) -> Result<Option<Record>> {
        let additions = self.additions(&r)?;
        let current = self.part.take(&mut r);
        let updated = match (&current.schema, current.value) {
            (schema, Value::Null) => SchemaAndValue { schema: schema.clone(), value: Value::Null },
            (Some(schema), Value::Struct(s)) => {
                let new_schema = self.schemas.get(schema, || {
                    let mut b = SchemaBuilder::structure();
                    for f in &schema.fields {
                        b = b.field(f.name.clone(), f.schema.clone());
                    }
                    for (name, optional, kind, logical_name, _) in &additions {
                        let mut fb = if *logical_name == Some(logical::TIMESTAMP) { logical::timestamp_builder() } else { SchemaBuilder::new(*kind) };
                        if *optional {
                            fb = fb.optional();
                        }
                        b = b.field(name.clone(), fb.build());
                    }
                    let mut new_schema = (*b.build()).clone();
                    new_schema.name = schema.name.clone();
                    new_schema.version = schema.version;
                    new_schema.doc = schema.doc.clone();
                    new_schema.optional = schema.optional;
                    Ok(Arc::new(new_schema))
                })?;
                let mut values = s.into_values();
                values.extend(additions.into_iter().map(|(_, _, _, _, v)| v));
                SchemaAndValue::new(new_schema.clone(), Value::Struct(Struct::from_values(new_schema, values)?))
            }
            (None, Value::Map(mut entries)) => {
                for (name, _, _, logical_name, v) in additions {
                    // Without a schema a timestamp travels as its epoch milliseconds.
                    let v = match (v, logical_name) {
                        (Value::Timestamp(t), Some(_)) => Value::Int64(logical::timestamp_to_millis(t)),
                        (v, _) => v,
                    };
                    entries.push((Value::String(name), v));
                }
                SchemaAndValue::schemaless(Value::Map(entries))
            }
            (Some(_), v) => return Err(ConnectError::data(format!("Only Struct objects supported for [field insertion], found: {}", v.type_name()))),
            (None, v) => return Err(ConnectError::data(format!("Only Map objects supported for [field insertion], found: {}", v.type_name()))),
        };
        self.part.set(&mut r, updated);
        Ok(Some(r))
    }
}

/// `SetSchemaMetadata$Key` / `$Value`: sets the schema's `schema.name` and `schema.version`.
pub struct SetSchemaMetadata {
    part: Part,
    name: Option<String>,
    version: Option<i32>,
}

impl SetSchemaMetadata {
    pub fn new(part: Part, props: &Props) -> Result<Self> {
        let name = props.get("schema.name").map(|n| n.trim().to_owned()).filter(|n| !n.is_empty());
        let version = match props.get("schema.version").map(|v| v.trim()).filter(|v| !v.is_empty()) {
            Some(v) => Some(v.parse().map_err(|_| ConnectError::config(format!("Invalid value {v} for configuration schema.version: Not a number of type INT")))?),
            None => None,
        };
        if name.is_none() && version.is_none() {
            return Err(ConnectError::config("Neither schema name nor version configured"));
        }
        Ok(Self { part, name, version })
    }
}

impl Transform for SetSchemaMetadata {
    fn apply(&self, mut r: Record) -> Result<Option<Record>> {
        let current = self.part.take(&mut r);
        let Some(schema) = current.schema else {
            return Err(ConnectError::data("Schema required for [updating schema metadata]"));
        };
        let mut s: Schema = (*schema).clone();
        if let Some(n) = &self.name {
            s.name = Some(n.clone());
        }
        if let Some(v) = self.version {
            s.version = Some(v);
        }
        let s = Arc::new(s);
        // A struct carries its schema: rebuild it under the new one.
        let value = match current.value {
            Value::Struct(old) => {
                let mut new = Struct::new(s.clone());
                for f in &s.fields {
                    new.put(&f.name, old.get(&f.name).cloned().unwrap_or(Value::Null))?;
                }
                Value::Struct(new)
            }
            other => other,
        };
        self.part.set(&mut r, SchemaAndValue::new(s, value));
        Ok(Some(r))
    }
}

/// `DropHeaders`: removes the headers named in `headers`.
pub struct DropHeaders(Vec<String>);

impl DropHeaders {
    pub fn new(props: &Props) -> Result<Self> {
        Ok(Self(required_list(props, "headers")?))
    }
}

impl Transform for DropHeaders {
    fn apply(&self, mut r: Record) -> Result<Option<Record>> {
        for h in &self.0 {
            r.headers.remove(h);
        }
        Ok(Some(r))
    }
}

#[cfg(test)]
mod tests {
    use ferry_api::Headers;

    use super::*;

    fn props(pairs: &[(&str, &str)]) -> Props {
        pairs.iter().map(|(k, v)| ((*k).into(), (*v).into())).collect()
    }

    #[test]
    fn insert_field_adds_coordinates_to_structs_and_maps() {
        let schema = SchemaBuilder::structure().name("u").field("id", Schema::int32()).build();
        let mut s = Struct::new(schema.clone());
        s.put("id", Value::Int32(1)).expect("id");
        let r = Record {
            topic: "orders".into(), partition: Some(2), offset: Some(42), key: SchemaAndValue::NULL,
            value: SchemaAndValue::new(schema, Value::Struct(s)), timestamp: Some(1000), headers: Headers::new(),
        };
        let t = InsertField::new(Part::Value, &props(&[("topic.field", "t!"), ("offset.field", "o"), ("static.field", "src"), ("static.value", "ferry"), ("timestamp.field", "ts")])).expect("config");
        let out = t.apply(r.clone()).expect("ok").expect("kept");
        let schema = out.value.schema.clone().expect("schema");
        assert_eq!(schema.fields.iter().map(|f| f.name.as_str()).collect::<Vec<_>>(), ["id", "t", "o", "ts", "src"]);
        assert!(!schema.field("t").expect("t").schema.optional && schema.field("o").expect("o").schema.optional);
        let Value::Struct(v) = &out.value.value else { panic!("struct") };
        assert_eq!(v.get("o"), Some(&Value::Int64(42)));
        assert_eq!(v.get("src"), Some(&Value::String("ferry".into())));
        assert_eq!(schema.name.as_deref(), Some("u"));

        let mut m = r;
        m.value = SchemaAndValue::schemaless(Value::Map(vec![(Value::String("id".into()), Value::Int64(1))]));
        let out = t.apply(m).expect("ok").expect("kept");
        let Value::Map(entries) = out.value.value else { panic!("map") };
        assert_eq!(entries.len(), 5);
        assert_eq!(entries[3], (Value::String("ts".into()), Value::Int64(1000)));
    }

    #[test]
    fn schema_metadata_and_headers() {
        let schema = SchemaBuilder::structure().field("id", Schema::int32()).build();
        let mut r = Record {
            topic: "t".into(), partition: None, offset: None, key: SchemaAndValue::NULL,
            value: SchemaAndValue::new(schema.clone(), Value::Struct(Struct::new(schema))), timestamp: None, headers: Headers::new(),
        };
        r.headers.add("trace", SchemaAndValue::schemaless(Value::String("x".into())));
        r.headers.add("keep", SchemaAndValue::schemaless(Value::String("y".into())));
        let out = SetSchemaMetadata::new(Part::Value, &props(&[("schema.name", "com.example.User"), ("schema.version", "3")])).expect("config").apply(r).expect("ok").expect("kept");
        let s = out.value.schema.clone().expect("schema");
        assert_eq!((s.name.as_deref(), s.version), (Some("com.example.User"), Some(3)));
        let out = DropHeaders::new(&props(&[("headers", "trace")])).expect("config").apply(out).expect("ok").expect("kept");
        assert_eq!(out.headers.iter().map(|h| h.key.as_str()).collect::<Vec<_>>(), ["keep"]);
    }
}
