//! Transforms between fields and headers: InsertHeader, HeaderFrom.

use ferry_api::config::Props;
use ferry_api::{ConnectError, Result, SchemaAndValue, Struct, Value};

use super::cache::SchemaCache;
use super::fields::struct_schema;
use super::{list, missing, Part, Record, Transform};

/// `InsertHeader`: adds `header` with the value `value.literal`.
pub struct InsertHeader {
    header: String,
    value: SchemaAndValue,
}

impl InsertHeader {
    pub fn new(props: &Props) -> Result<Self> {
        let header = props.get("header").cloned().ok_or_else(|| missing("header"))?;
        let literal = props.get("value.literal").ok_or_else(|| missing("value.literal"))?;
        Ok(Self { header, value: super::literal::parse_string(literal) })
    }
}

impl Transform for InsertHeader {
    fn apply(&self, mut r: Record) -> Result<Option<Record>> {
        r.headers.add(self.header.clone(), self.value.clone());
        Ok(Some(r))
    }
}

/// `HeaderFrom$Key` / `$Value`: copies or moves `fields` into `headers`.
pub struct HeaderFrom {
    part: Part,
    fields: Vec<String>,
    headers: Vec<String>,
    moving: bool,
    /// Output schemas by input schema.
    schemas: SchemaCache,
}

impl HeaderFrom {
    pub fn new(part: Part, props: &Props) -> Result<Self> {
        let (fields, headers) = (list(props, "fields"), list(props, "headers"));
        if fields.is_empty() || fields.len() != headers.len() {
            return Err(ConnectError::config("'fields' config must have the same number of elements as 'headers' config."));
        }
        let moving = match props.get("operation").map(|o| o.trim()) {
            Some("move") => true,
            Some("copy") => false,
            other => return Err(ConnectError::config(format!("Invalid value {} for configuration operation: String must be one of: move, copy", other.unwrap_or("null")))),
        };
        Ok(Self { schemas: SchemaCache::default(), part, fields, headers, moving })
    }
}

impl Transform for HeaderFrom {
    fn apply(&self, mut r: Record) -> Result<Option<Record>> {
        let current = self.part.take(&mut r);
        match (current.schema, current.value) {
            (Some(schema), Value::Struct(s)) => {
                for (f, h) in self.fields.iter().zip(&self.headers) {
                    let field = schema.field(f).ok_or_else(|| ConnectError::data(format!("Field does not exist: {f}")))?;
                    r.headers.add(h.clone(), SchemaAndValue::new(field.schema.clone(), s.get(f).cloned().unwrap_or(Value::Null)));
                }
                if self.moving {
                    let kept = self.schemas.get(&schema, || {
                        let fields = schema.fields.iter().filter(|f| !self.fields.contains(&f.name)).map(|f| (f.name.clone(), f.schema.clone())).collect();
                        Ok(struct_schema(Some(&schema), fields))
                    })?;
                    let mut out = Struct::new(kept.clone());
                    for f in &kept.fields {
                        out.put(&f.name, s.get(&f.name).cloned().unwrap_or(Value::Null))?;
                    }
                    self.part.set(&mut r, SchemaAndValue::new(kept, Value::Struct(out)));
                } else {
                    self.part.set(&mut r, SchemaAndValue::new(schema, Value::Struct(s)));
                }
            }
            (None, Value::Map(entries)) => {
                for (f, h) in self.fields.iter().zip(&self.headers) {
                    let v = entries.iter().find(|(k, _)| k.as_str() == Some(f)).map(|(_, v)| v.clone()).unwrap_or(Value::Null);
                    r.headers.add(h.clone(), SchemaAndValue::schemaless(v));
                }
                let kept = if self.moving {
                    entries.into_iter().filter(|(k, _)| k.as_str().is_none_or(|k| !self.fields.iter().any(|f| f == k))).collect()
                } else {
                    entries
                };
                self.part.set(&mut r, SchemaAndValue::schemaless(Value::Map(kept)));
            }
            (schema, Value::Null) => self.part.set(&mut r, SchemaAndValue { schema, value: Value::Null }),
            (_, v) => return Err(ConnectError::data(format!("Only Struct or Map objects supported for [header from], found: {}", v.type_name()))),
        }
        Ok(Some(r))
    }
}

#[cfg(test)]
mod tests {
    use ferry_api::Headers;

    use super::*;

    #[test]
    fn fields_move_to_headers() {
        let r = Record {
            topic: "t".into(), partition: None, offset: None, key: SchemaAndValue::NULL,
            value: SchemaAndValue::schemaless(Value::Map(vec![(Value::String("trace".into()), Value::String("abc".into())), (Value::String("n".into()), Value::Int64(1))])),
            timestamp: None, headers: Headers::new(),
        };
        let props: Props = [("fields", "trace"), ("headers", "trace-id"), ("operation", "move")].iter().map(|(k, v)| ((*k).into(), (*v).into())).collect();
        let out = HeaderFrom::new(Part::Value, &props).expect("config").apply(r).expect("ok").expect("kept");
        assert_eq!(out.headers.iter().map(|h| (h.key.as_str(), h.value.value.clone())).collect::<Vec<_>>(), [("trace-id", Value::String("abc".into()))]);
        assert_eq!(out.value.value, Value::Map(vec![(Value::String("n".into()), Value::Int64(1))]));
    }
}
