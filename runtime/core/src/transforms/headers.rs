//! Transforms between fields and headers: InsertHeader, HeaderFrom.

use std::sync::Arc;

use ferry_api::config::Props;
use ferry_api::{ConnectError, Result, Schema, SchemaAndValue, Struct, Value};

use super::fields::struct_schema;
use super::{list, missing, Part, Record, Transform};

/// A literal typed as Connect's `Values.parseString` types simple ones:
/// booleans, the smallest integer type that holds it, doubles, else text.
fn parse_literal(text: &str) -> SchemaAndValue {
    let t = text.trim();
    let typed = |schema: Arc<Schema>, v: Value| SchemaAndValue::new(schema, v);
    if t.eq_ignore_ascii_case("true") || t.eq_ignore_ascii_case("false") {
        return typed(Schema::boolean(), Value::Boolean(t.eq_ignore_ascii_case("true")));
    }
    if let Ok(i) = t.parse::<i64>() {
        return match i {
            i if i8::try_from(i).is_ok() => typed(Schema::int8(), Value::Int8(i as i8)),
            i if i16::try_from(i).is_ok() => typed(Schema::int16(), Value::Int16(i as i16)),
            i if i32::try_from(i).is_ok() => typed(Schema::int32(), Value::Int32(i as i32)),
            i => typed(Schema::int64(), Value::Int64(i)),
        };
    }
    if t.contains('.') {
        if let Ok(f) = t.parse::<f64>() {
            return typed(Schema::float64(), Value::Float64(f));
        }
    }
    typed(Schema::string(), Value::String(text.to_owned()))
}

/// `InsertHeader`: adds `header` with the value `value.literal`.
pub struct InsertHeader {
    header: String,
    value: SchemaAndValue,
}

impl InsertHeader {
    pub fn new(props: &Props) -> Result<Self> {
        let header = props.get("header").cloned().ok_or_else(|| missing("header"))?;
        let literal = props.get("value.literal").ok_or_else(|| missing("value.literal"))?;
        Ok(Self { header, value: parse_literal(literal) })
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
        Ok(Self { part, fields, headers, moving })
    }
}

impl Transform for HeaderFrom {
    fn apply(&self, mut r: Record) -> Result<Option<Record>> {
        let current = self.part.of(&r).clone();
        match (current.schema, current.value) {
            (Some(schema), Value::Struct(s)) => {
                for (f, h) in self.fields.iter().zip(&self.headers) {
                    let field = schema.field(f).ok_or_else(|| ConnectError::data(format!("Field does not exist: {f}")))?;
                    r.headers.add(h.clone(), SchemaAndValue::new(field.schema.clone(), s.get(f).cloned().unwrap_or(Value::Null)));
                }
                if self.moving {
                    let fields = schema.fields.iter().filter(|f| !self.fields.contains(&f.name)).map(|f| (f.name.clone(), f.schema.clone())).collect();
                    let kept = struct_schema(Some(&schema), fields);
                    let mut out = Struct::new(kept.clone());
                    for f in &kept.fields {
                        out.put(&f.name, s.get(&f.name).cloned().unwrap_or(Value::Null))?;
                    }
                    self.part.set(&mut r, SchemaAndValue::new(kept, Value::Struct(out)));
                }
            }
            (None, Value::Map(entries)) => {
                for (f, h) in self.fields.iter().zip(&self.headers) {
                    let v = entries.iter().find(|(k, _)| k.as_str() == Some(f)).map(|(_, v)| v.clone()).unwrap_or(Value::Null);
                    r.headers.add(h.clone(), SchemaAndValue::schemaless(v));
                }
                if self.moving {
                    let kept = entries.into_iter().filter(|(k, _)| k.as_str().is_none_or(|k| !self.fields.iter().any(|f| f == k))).collect();
                    self.part.set(&mut r, SchemaAndValue::schemaless(Value::Map(kept)));
                }
            }
            (_, Value::Null) => {}
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
    fn literals_are_typed_and_fields_move_to_headers() {
        assert_eq!(parse_literal("42").value, Value::Int8(42));
        assert_eq!(parse_literal("40000").value, Value::Int32(40000));
        assert_eq!(parse_literal("hello").value, Value::String("hello".into()));
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
