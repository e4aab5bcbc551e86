//! `MaskField` and `Flatten`: field values replaced, nested structs flattened.

use std::sync::Arc;

use bigdecimal::BigDecimal;
use ferry_api::config::Props;
use ferry_api::{ConnectError, Result, Schema, SchemaAndValue, SchemaRef, SchemaType, Struct, Value};

use super::cache::SchemaCache;
use super::fields::struct_schema;
use super::{required_list, Part, Record, Transform};

/// `MaskField$Key` / `$Value`: `fields` get their type's empty value, or `replacement`.
pub struct MaskField {
    part: Part,
    fields: Vec<String>,
    replacement: Option<String>,
}

impl MaskField {
    pub fn new(part: Part, props: &Props) -> Result<Self> {
        let fields = required_list(props, "fields")?;
        let replacement = props.get("replacement").cloned().filter(|r| !r.is_empty());
        Ok(Self { part, fields, replacement })
    }

    fn mask(&self, v: &Value) -> Result<Value> {
        let bad = |r: &str| ConnectError::data(format!("Unable to convert {r} to {}", v.type_name()));
        Ok(match (&self.replacement, v) {
            (_, Value::Null) => Value::Null,
            (None, Value::Boolean(_)) => Value::Boolean(false),
            (None, Value::Int8(_)) => Value::Int8(0),
            (None, Value::Int16(_)) => Value::Int16(0),
            (None, Value::Int32(_)) => Value::Int32(0),
            (None, Value::Int64(_)) => Value::Int64(0),
            (None, Value::Float32(_)) => Value::Float32(0.0),
            (None, Value::Float64(_)) => Value::Float64(0.0),
            (None, Value::String(_)) => Value::String(String::new()),
            (None, Value::Bytes(_)) => Value::Bytes(Vec::new()),
            (None, Value::Decimal(_)) => Value::Decimal(BigDecimal::from(0)),
            (None, Value::Array(_)) => Value::Array(Vec::new()),
            (None, Value::Map(_)) => Value::Map(Vec::new()),
            (Some(r), Value::String(_)) => Value::String(r.clone()),
            (Some(r), Value::Int8(_)) => Value::Int8(r.parse().map_err(|_| bad(r))?),
            (Some(r), Value::Int16(_)) => Value::Int16(r.parse().map_err(|_| bad(r))?),
            (Some(r), Value::Int32(_)) => Value::Int32(r.parse().map_err(|_| bad(r))?),
            (Some(r), Value::Int64(_)) => Value::Int64(r.parse().map_err(|_| bad(r))?),
            (Some(r), Value::Float32(_)) => Value::Float32(r.parse().map_err(|_| bad(r))?),
            (Some(r), Value::Float64(_)) => Value::Float64(r.parse().map_err(|_| bad(r))?),
            (Some(r), Value::Decimal(_)) => Value::Decimal(r.parse().map_err(|_| bad(r))?),
            (_, other) => return Err(ConnectError::data(format!("Cannot mask value of type {}", other.type_name()))),
        })
    }
}

impl Transform for MaskField {
    fn apply(&self, mut r: Record) -> Result<Option<Record>> {
        let current = self.part.take(&mut r);
        let masked = match (current.schema, current.value) {
            (schema, Value::Null) => SchemaAndValue { schema, value: Value::Null },
            (Some(schema), Value::Struct(mut s)) => {
                // Fields the schema lacks are no error, as in Connect.
                for f in &self.fields {
                    if let Some(v) = s.get(f).cloned() {
                        s.put(f, self.mask(&v)?)?;
                    }
                }
                SchemaAndValue::new(schema, Value::Struct(s))
            }
            (None, Value::Map(mut entries)) => {
                for (k, v) in entries.iter_mut() {
                    if k.as_str().is_some_and(|k| self.fields.iter().any(|f| f == k)) {
                        *v = self.mask(v)?;
                    }
                }
                // As Connect's, a field the map lacks is added, masked: null.
                for f in &self.fields {
                    if !entries.iter().any(|(k, _)| k.as_str() == Some(f)) {
                        entries.push((Value::String(f.clone()), Value::Null));
                    }
                }
                SchemaAndValue::schemaless(Value::Map(entries))
            }
            (Some(_), v) => return Err(ConnectError::data(format!("Only Struct objects supported for [masking fields], found: {}", v.type_name()))),
            (None, v) => return Err(ConnectError::data(format!("Only Map objects supported for [masking fields], found: {}", v.type_name()))),
        };
        self.part.set(&mut r, masked);
        Ok(Some(r))
    }
}

/// `Flatten$Key` / `$Value`: nested structs (or maps) become top-level
/// fields named by their path joined with `delimiter` (default `.`).
pub struct Flatten {
    part: Part,
    delimiter: String,
    /// Output schemas by input schema.
    schemas: SchemaCache,
}

impl Flatten {
    pub fn new(part: Part, props: &Props) -> Result<Self> {
        Ok(Self { schemas: SchemaCache::default(), part, delimiter: props.get("delimiter").cloned().unwrap_or_else(|| ".".into()) })
    }

    fn name(&self, prefix: &str, field: &str) -> String {
        if prefix.is_empty() {
            field.to_owned()
        } else {
            format!("{prefix}{}{field}", self.delimiter)
        }
    }

    fn flatten_schema(&self, schema: &Schema, prefix: &str, optional: bool, out: &mut Vec<(String, SchemaRef)>) {
        for f in &schema.fields {
            let name = self.name(prefix, &f.name);
            if f.schema.kind == SchemaType::Struct {
                self.flatten_schema(&f.schema, &name, optional || f.schema.optional, out);
            } else if optional && !f.schema.optional {
                let mut s = (*f.schema).clone();
                s.optional = true;
                out.push((name, Arc::new(s)));
            } else {
                out.push((name, f.schema.clone()));
            }
        }
    }

    fn flatten_struct(&self, s: Option<&Struct>, schema: &Schema, prefix: &str, out: &mut Vec<(String, Value)>) {
        for f in &schema.fields {
            let name = self.name(prefix, &f.name);
            let v = s.and_then(|s| s.get(&f.name));
            match (f.schema.kind, v) {
                (SchemaType::Struct, Some(Value::Struct(inner))) => self.flatten_struct(Some(inner), &f.schema, &name, out),
                (SchemaType::Struct, _) => self.flatten_struct(None, &f.schema, &name, out),
                (_, v) => out.push((name, v.cloned().unwrap_or(Value::Null))),
            }
        }
    }

    fn flatten_map(&self, entries: Vec<(Value, Value)>, prefix: &str, out: &mut Vec<(Value, Value)>) {
        for (k, v) in entries {
            let key = k.as_str().map(|k| self.name(prefix, k));
            match (key, v) {
                (Some(key), Value::Map(inner)) => self.flatten_map(inner, &key, out),
                (Some(key), v) => out.push((Value::String(key), v)),
                (None, v) => out.push((k, v)),
            }
        }
    }
}

impl Transform for Flatten {
    fn apply(&self, mut r: Record) -> Result<Option<Record>> {
        let current = self.part.take(&mut r);
        let flat = match (current.schema, current.value) {
            (Some(schema), Value::Struct(s)) => {
                let flat_schema = self.schemas.get(&schema, || {
                    let mut fields = Vec::new();
                    self.flatten_schema(&schema, "", false, &mut fields);
                    Ok(struct_schema(Some(&schema), fields))
                })?;
                let mut values = Vec::new();
                self.flatten_struct(Some(&s), &schema, "", &mut values);
                let mut out = Struct::new(flat_schema.clone());
                for (name, v) in values {
                    out.put(&name, v)?;
                }
                SchemaAndValue::new(flat_schema, Value::Struct(out))
            }
            (None, Value::Map(entries)) => {
                let mut out = Vec::new();
                self.flatten_map(entries, "", &mut out);
                SchemaAndValue::schemaless(Value::Map(out))
            }
            (schema, v) => SchemaAndValue { schema, value: v },
        };
        self.part.set(&mut r, flat);
        Ok(Some(r))
    }
}

#[cfg(test)]
mod tests {
    use ferry_api::data::SchemaBuilder;
    use ferry_api::Headers;

    use super::*;

    #[test]
    fn flatten_and_mask_nested_records() {
        let address = SchemaBuilder::structure().optional().field("city", Schema::string()).build();
        let schema = SchemaBuilder::structure().field("id", Schema::int32()).field("address", address.clone()).build();
        let mut a = Struct::new(address);
        a.put("city", Value::String("Paris".into())).expect("city");
        let mut s = Struct::new(schema.clone());
        s.put("id", Value::Int32(5)).expect("id");
        s.put("address", Value::Struct(a)).expect("address");
        let r = Record { topic: "t".into(), partition: None, offset: None, key: SchemaAndValue::NULL, value: SchemaAndValue::new(schema, Value::Struct(s)), timestamp: None, headers: Headers::new() };
        let props: Props = [("delimiter".to_owned(), "_".to_owned())].into_iter().collect();
        let out = Flatten::new(Part::Value, &props).expect("config").apply(r).expect("ok").expect("kept");
        let schema = out.value.schema.clone().expect("schema");
        assert_eq!(schema.fields.iter().map(|f| f.name.as_str()).collect::<Vec<_>>(), ["id", "address_city"]);
        assert!(schema.field("address_city").expect("field").schema.optional, "inside an optional struct");
        let props: Props = [("fields".to_owned(), "id".to_owned())].into_iter().collect();
        let out = MaskField::new(Part::Value, &props).expect("config").apply(out).expect("ok").expect("kept");
        let Value::Struct(v) = &out.value.value else { panic!("struct") };
        assert_eq!(v.get("id"), Some(&Value::Int32(0)));
        assert_eq!(v.get("address_city"), Some(&Value::String("Paris".into())));
    }
}
