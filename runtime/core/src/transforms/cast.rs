//! `Cast$Key` / `$Value`: `spec` is one type for the whole part
//! (`int64`) or `field:type` pairs for struct fields and map entries.
//! Numbers narrow as Java's casts do (wrapping), strings parse strictly.

use std::sync::Arc;

use bigdecimal::ToPrimitive;
use ferry_api::config::Props;
use ferry_api::data::SchemaBuilder;
use ferry_api::{ConnectError, Result, Schema, SchemaAndValue, SchemaType, Struct, Value};

use super::cache::SchemaCache;
use super::fields::struct_schema;
use super::{required, Part, Record, Transform};

const TYPES: [&str; 8] = ["int8", "int16", "int32", "int64", "float32", "float64", "boolean", "string"];

pub struct Cast {
    part: Part,
    /// The whole part's type, or per-field types.
    whole: Option<SchemaType>,
    fields: Vec<(String, SchemaType)>,
    /// Output schemas by input schema.
    schemas: SchemaCache,
}

fn parse_type(t: &str) -> Result<SchemaType> {
    let t = t.trim();
    if !TYPES.contains(&t) {
        return Err(ConnectError::config(format!("Invalid type found in casting spec: {t} (one of {})", TYPES.join(", "))));
    }
    SchemaType::from_name(t).ok_or_else(|| ConnectError::config(format!("Invalid type found in casting spec: {t}")))
}

impl Cast {
    pub fn new(part: Part, props: &Props) -> Result<Self> {
        let spec = required(props, "spec")?;
        let items: Vec<&str> = spec.split(',').map(str::trim).collect();
        if items.len() == 1 && !items[0].contains(':') {
            return Ok(Self { schemas: SchemaCache::default(), part, whole: Some(parse_type(items[0])?), fields: Vec::new() });
        }
        let mut fields = Vec::new();
        for item in items {
            let (f, t) = item.split_once(':').ok_or_else(|| {
                ConnectError::config(format!("Invalid value {spec} for configuration spec: a single type, or field:type pairs"))
            })?;
            fields.push((f.trim().to_owned(), parse_type(t)?));
        }
        Ok(Self { schemas: SchemaCache::default(), part, whole: None, fields })
    }

    fn target(&self, field: &str) -> Option<SchemaType> {
        self.fields.iter().find(|(f, _)| f == field).map(|(_, t)| *t)
    }
}

/// Casts one value to `to`.
fn cast(v: &Value, to: SchemaType) -> Result<Value> {
    if v.is_null() {
        return Ok(Value::Null);
    }
    let fail = || ConnectError::data(format!("Cast transformation does not support casting a {} to {}", v.type_name(), to.name()));
    if to == SchemaType::String {
        return Ok(Value::String(match v {
            Value::String(s) => s.clone(),
            other => other.to_java_string(),
        }));
    }
    // Integers travel as i64, floats as f64, as Java's Number does.
    enum N {
        I(i64),
        F(f64),
    }
    let n = match v {
        Value::Int8(i) => N::I(i64::from(*i)),
        Value::Int16(i) => N::I(i64::from(*i)),
        Value::Int32(i) => N::I(i64::from(*i)),
        Value::Int64(i) => N::I(*i),
        Value::Float32(f) => N::F(f64::from(*f)),
        Value::Float64(f) => N::F(*f),
        Value::Decimal(d) => d.to_i64().filter(|_| d.is_integer()).map_or_else(|| N::F(d.to_f64().unwrap_or(f64::NAN)), N::I),
        Value::Boolean(b) => N::I(i64::from(*b)),
        Value::String(s) => {
            let s = s.trim();
            return Ok(match to {
                SchemaType::Int8 => Value::Int8(s.parse().map_err(|_| fail())?),
                SchemaType::Int16 => Value::Int16(s.parse().map_err(|_| fail())?),
                SchemaType::Int32 => Value::Int32(s.parse().map_err(|_| fail())?),
                SchemaType::Int64 => Value::Int64(s.parse().map_err(|_| fail())?),
                SchemaType::Float32 => Value::Float32(s.parse().map_err(|_| fail())?),
                SchemaType::Float64 => Value::Float64(s.parse().map_err(|_| fail())?),
                SchemaType::Boolean => Value::Boolean(s.eq_ignore_ascii_case("true")),
                _ => return Err(fail()),
            });
        }
        _ => return Err(fail()),
    };
    // Java: a floating value goes through int (or long) first, saturating; integers wrap.
    let as_long = |n: &N| match n {
        N::I(i) => *i,
        N::F(f) => *f as i64,
    };
    let as_int = |n: &N| match n {
        N::I(i) => *i as i32,
        N::F(f) => *f as i32,
    };
    Ok(match to {
        SchemaType::Int8 => Value::Int8(as_int(&n) as i8),
        SchemaType::Int16 => Value::Int16(as_int(&n) as i16),
        SchemaType::Int32 => Value::Int32(as_int(&n)),
        SchemaType::Int64 => Value::Int64(as_long(&n)),
        SchemaType::Float32 => Value::Float32(match n {
            N::I(i) => i as f32,
            N::F(f) => f as f32,
        }),
        SchemaType::Float64 => Value::Float64(match n {
            N::I(i) => i as f64,
            N::F(f) => f,
        }),
        SchemaType::Boolean => Value::Boolean(match n {
            N::I(i) => i != 0,
            N::F(f) => f != 0.0,
        }),
        _ => return Err(fail()),
    })
}

fn schema_of(to: SchemaType, optional: bool) -> Arc<Schema> {
    let b = SchemaBuilder::new(to);
    if optional {
        b.optional().build()
    } else {
        b.build()
    }
}

impl Transform for Cast {
    fn apply(&self, mut r: Record) -> Result<Option<Record>> {
        let current = self.part.take(&mut r);
        let out = match (self.whole, current.schema, current.value) {
            (Some(to), Some(schema), v) => SchemaAndValue::new(schema_of(to, schema.optional), cast(&v, to)?),
            (Some(to), None, v) => SchemaAndValue::schemaless(cast(&v, to)?),
            (None, schema, Value::Null) => SchemaAndValue { schema, value: Value::Null },
            (None, Some(schema), Value::Struct(s)) => {
                let cast_schema = self.schemas.get(&schema, || {
                    let fields = schema
                        .fields
                        .iter()
                        .map(|f| (f.name.clone(), self.target(&f.name).map_or_else(|| f.schema.clone(), |to| schema_of(to, f.schema.optional))))
                        .collect();
                    Ok(struct_schema(Some(&schema), fields))
                })?;
                let values = s
                    .into_values()
                    .into_iter()
                    .zip(&schema.fields)
                    .map(|(v, f)| match self.target(&f.name) {
                        Some(to) => cast(&v, to),
                        None => Ok(v),
                    })
                    .collect::<Result<Vec<_>>>()?;
                SchemaAndValue::new(cast_schema.clone(), Value::Struct(Struct::from_values(cast_schema, values)?))
            }
            (None, None, Value::Map(entries)) => {
                let mut out = Vec::with_capacity(entries.len());
                for (k, v) in entries {
                    let to = k.as_str().and_then(|k| self.target(k));
                    let v = match to {
                        Some(to) => cast(&v, to)?,
                        None => v,
                    };
                    out.push((k, v));
                }
                SchemaAndValue::schemaless(Value::Map(out))
            }
            (None, _, v) => return Err(ConnectError::data(format!("Only Struct or Map objects supported for [cast types], found: {}", v.type_name()))),
        };
        self.part.set(&mut r, out);
        Ok(Some(r))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_narrow_like_java_and_strings_parse() {
        assert_eq!(cast(&Value::Int64(300), SchemaType::Int8).expect("cast"), Value::Int8(44));
        assert_eq!(cast(&Value::Float64(3.9), SchemaType::Int32).expect("cast"), Value::Int32(3));
        assert_eq!(cast(&Value::Float64(1e20), SchemaType::Int32).expect("cast"), Value::Int32(i32::MAX));
        assert_eq!(cast(&Value::Boolean(true), SchemaType::Int16).expect("cast"), Value::Int16(1));
        assert_eq!(cast(&Value::Int32(0), SchemaType::Boolean).expect("cast"), Value::Boolean(false));
        assert_eq!(cast(&Value::String(" 42 ".into()), SchemaType::Int64).expect("cast"), Value::Int64(42));
        assert_eq!(cast(&Value::Float64(1.0), SchemaType::String).expect("cast"), Value::String("1.0".into()));
        assert!(cast(&Value::String("x".into()), SchemaType::Int32).is_err());
    }

    #[test]
    fn field_specs_change_the_schema() {
        let schema = SchemaBuilder::structure().field("id", Schema::string()).field("n", Schema::int32()).build();
        let mut s = Struct::new(schema.clone());
        s.put("id", Value::String("7".into())).expect("id");
        s.put("n", Value::Int32(1)).expect("n");
        let props: Props = [("spec".to_owned(), "id:int64,n:string".to_owned())].into_iter().collect();
        let r = Record { topic: "t".into(), partition: None, offset: None, key: SchemaAndValue::NULL, value: SchemaAndValue::new(schema, Value::Struct(s)), timestamp: None, headers: ferry_api::Headers::new() };
        let out = Cast::new(Part::Value, &props).expect("config").apply(r).expect("ok").expect("kept");
        let schema = out.value.schema.clone().expect("schema");
        assert_eq!(schema.field("id").expect("id").schema.kind, SchemaType::Int64);
        let Value::Struct(v) = &out.value.value else { panic!("struct") };
        assert_eq!((v.get("id"), v.get("n")), (Some(&Value::Int64(7)), Some(&Value::String("1".into()))));
        let bad: Props = [("spec".to_owned(), "id:uuid".to_owned())].into_iter().collect();
        assert!(Cast::new(Part::Value, &bad).is_err());
    }
}
