//! Transforms that move, pick, rename and wrap fields: ValueToKey,
//! ExtractField, ReplaceField, HoistField. Each works on structs with a
//! schema and on schemaless maps, as Connect's do.

use std::sync::Arc;

use ferry_api::config::Props;
use ferry_api::data::SchemaBuilder;
use ferry_api::{ConnectError, Result, Schema, SchemaAndValue, SchemaRef, Struct, Value};

use super::cache::SchemaCache;
use super::{list, required, required_list, Part, Record, Transform};

/// A struct schema with `fields`, keeping the basics (name, version, doc,
/// parameters, optionality) of `base`, as Connect's SchemaUtil does.
pub(super) fn struct_schema(base: Option<&Schema>, fields: Vec<(String, SchemaRef)>) -> SchemaRef {
    let mut b = SchemaBuilder::structure();
    for (name, schema) in fields {
        b = b.field(name, schema);
    }
    let built = b.build();
    let Some(base) = base else { return built };
    let mut s = (*built).clone();
    s.name = base.name.clone();
    s.version = base.version;
    s.doc = base.doc.clone();
    s.parameters = base.parameters.clone();
    s.optional = base.optional;
    Arc::new(s)
}

fn map_get<'a>(entries: &'a [(Value, Value)], name: &str) -> Option<&'a Value> {
    entries.iter().find(|(k, _)| k.as_str() == Some(name)).map(|(_, v)| v)
}

fn unsupported(purpose: &str, kind: &str, v: &Value) -> ConnectError {
    ConnectError::data(format!("Only {kind} objects supported for [{purpose}], found: {}", v.type_name()))
}

/// `ValueToKey`: the key becomes a struct (or map) of the value's `fields`.
pub struct ValueToKey {
    fields: Vec<String>,
    /// Output schemas by input schema.
    schemas: SchemaCache,
}

impl ValueToKey {
    pub fn new(props: &Props) -> Result<Self> {
        Ok(Self { schemas: SchemaCache::default(), fields: required_list(props, "fields")? })
    }
}

impl Transform for ValueToKey {
    fn apply(&self, mut r: Record) -> Result<Option<Record>> {
        const PURPOSE: &str = "copying fields from value to key";
        r.key = match (&r.value.schema, &r.value.value) {
            (Some(_), Value::Struct(s)) => {
                let schema = self.schemas.get(s.schema(), || {
                    let mut fields = Vec::new();
                    for f in &self.fields {
                        let field = s.schema().field(f).ok_or_else(|| ConnectError::data(format!("Field does not exist: {f}")))?;
                        fields.push((f.clone(), field.schema.clone()));
                    }
                    Ok(struct_schema(None, fields))
                })?;
                let mut key = Struct::new(schema.clone());
                for f in &self.fields {
                    key.put(f, s.get(f).cloned().unwrap_or(Value::Null))?;
                }
                SchemaAndValue::new(schema, Value::Struct(key))
            }
            (None, Value::Map(entries)) => SchemaAndValue::schemaless(Value::Map(
                self.fields.iter().map(|f| (Value::String(f.clone()), map_get(entries, f).cloned().unwrap_or(Value::Null))).collect(),
            )),
            (Some(_), v) => return Err(unsupported(PURPOSE, "Struct", v)),
            (None, v) => return Err(unsupported(PURPOSE, "Map", v)),
        };
        Ok(Some(r))
    }
}

/// `ExtractField$Key` / `$Value`: the part becomes one of its fields;
/// with `field.syntax.version=V2`, a nested one (`a.b.c`, backticks quote
/// a name with dots: `` `a.b`.c ``).
pub struct ExtractField {
    part: Part,
    path: Vec<String>,
}

/// Splits a V2 field path on dots outside backticks.
fn split_path(path: &str) -> Vec<String> {
    let mut parts = vec![String::new()];
    let mut quoted = false;
    for c in path.chars() {
        match c {
            '`' => quoted = !quoted,
            '.' if !quoted => parts.push(String::new()),
            c => parts.last_mut().map_or((), |p| p.push(c)),
        }
    }
    parts
}

impl ExtractField {
    pub fn new(part: Part, props: &Props) -> Result<Self> {
        let field = required(props, "field")?;
        let path = match props.get("field.syntax.version").map(|v| v.trim().to_ascii_uppercase()) {
            None => vec![field],
            Some(v) if v == "V1" => vec![field],
            Some(v) if v == "V2" => split_path(&field),
            Some(v) => return Err(ConnectError::config(format!("Invalid value {v} for configuration field.syntax.version: String must be one of: V1, V2"))),
        };
        Ok(Self { part, path })
    }
}

impl Transform for ExtractField {
    fn apply(&self, mut r: Record) -> Result<Option<Record>> {
        const PURPOSE: &str = "field extraction";
        let mut current = self.part.take(&mut r);
        for name in &self.path {
            current = match (&current.schema, &current.value) {
                (_, Value::Null) => current,
                (Some(schema), Value::Struct(s)) => {
                    let field = schema.field(name).ok_or_else(|| ConnectError::data(format!("Unknown field: {name}")))?;
                    SchemaAndValue::new(field.schema.clone(), s.get(name).cloned().unwrap_or(Value::Null))
                }
                (None, Value::Map(entries)) => SchemaAndValue::schemaless(map_get(entries, name).cloned().unwrap_or(Value::Null)),
                (Some(_), v) => return Err(unsupported(PURPOSE, "Struct", v)),
                (None, v) => return Err(unsupported(PURPOSE, "Map", v)),
            };
        }
        self.part.set(&mut r, current);
        Ok(Some(r))
    }
}

/// `ReplaceField$Key` / `$Value`: `include` (or `whitelist`), `exclude`
/// (or `blacklist`) and `renames` (`old:new,…`).
pub struct ReplaceField {
    part: Part,
    include: Vec<String>,
    exclude: Vec<String>,
    renames: Vec<(String, String)>,
    /// Output schemas by input schema.
    schemas: SchemaCache,
}

impl ReplaceField {
    pub fn new(part: Part, props: &Props) -> Result<Self> {
        let either = |a: &str, b: &str| if props.contains_key(a) { list(props, a) } else { list(props, b) };
        let mut renames = Vec::new();
        for pair in list(props, "renames") {
            let (from, to) = pair
                .split_once(':')
                .filter(|(f, t)| !f.is_empty() && !t.is_empty())
                .ok_or_else(|| ConnectError::config(format!("Invalid rename mapping: {pair} (expected old:new) in renames")))?;
            renames.push((from.to_owned(), to.to_owned()));
        }
        Ok(Self { schemas: SchemaCache::default(), part, include: either("include", "whitelist"), exclude: either("exclude", "blacklist"), renames })
    }

    fn kept(&self, name: &str) -> bool {
        !self.exclude.iter().any(|e| e == name) && (self.include.is_empty() || self.include.iter().any(|i| i == name))
    }

    fn renamed(&self, name: &str) -> String {
        self.renames.iter().find(|(f, _)| f == name).map_or_else(|| name.to_owned(), |(_, t)| t.clone())
    }
}

impl Transform for ReplaceField {
    fn apply(&self, mut r: Record) -> Result<Option<Record>> {
        const PURPOSE: &str = "field replacement";
        let current = self.part.take(&mut r);
        let replaced = match (&current.schema, current.value) {
            (schema, Value::Null) => SchemaAndValue { schema: schema.clone(), value: Value::Null },
            (Some(schema), Value::Struct(s)) => {
                let kept = || schema.fields.iter().filter(|f| self.kept(&f.name));
                let new_schema = self.schemas.get(schema, || Ok(struct_schema(Some(schema), kept().map(|f| (self.renamed(&f.name), f.schema.clone())).collect())))?;
                // The kept values move, in the order of the fields they keep.
                let values = s.into_values().into_iter().zip(&schema.fields).filter(|(_, f)| self.kept(&f.name)).map(|(v, _)| v).collect();
                SchemaAndValue::new(new_schema.clone(), Value::Struct(Struct::from_values(new_schema, values)?))
            }
            (None, Value::Map(entries)) => SchemaAndValue::schemaless(Value::Map(
                entries
                    .into_iter()
                    .filter(|(k, _)| k.as_str().is_none_or(|k| self.kept(k)))
                    .map(|(k, v)| (k.as_str().map_or_else(|| k.clone(), |k| Value::String(self.renamed(k))), v))
                    .collect(),
            )),
            (Some(_), v) => return Err(unsupported(PURPOSE, "Struct", &v)),
            (None, v) => return Err(unsupported(PURPOSE, "Map", &v)),
        };
        self.part.set(&mut r, replaced);
        Ok(Some(r))
    }
}

/// `HoistField$Key` / `$Value`: wraps the part in a struct (or map) of one `field`.
pub struct HoistField {
    part: Part,
    field: String,
    /// Output schemas by input schema.
    schemas: SchemaCache,
}

impl HoistField {
    pub fn new(part: Part, props: &Props) -> Result<Self> {
        Ok(Self { schemas: SchemaCache::default(), part, field: required(props, "field")? })
    }
}

impl Transform for HoistField {
    fn apply(&self, mut r: Record) -> Result<Option<Record>> {
        let current = self.part.take(&mut r);
        let hoisted = match current.schema {
            Some(schema) => {
                let wrapper = self.schemas.get(&schema, || Ok(struct_schema(None, vec![(self.field.clone(), schema.clone())])))?;
                let mut s = Struct::new(wrapper.clone());
                s.put(&self.field, current.value)?;
                SchemaAndValue::new(wrapper, Value::Struct(s))
            }
            None => SchemaAndValue::schemaless(Value::Map(vec![(Value::String(self.field.clone()), current.value)])),
        };
        self.part.set(&mut r, hoisted);
        Ok(Some(r))
    }
}

#[cfg(test)]
mod tests {
    use ferry_api::{Headers, SchemaType};

    use super::*;

    fn record(value: SchemaAndValue) -> Record {
        Record { topic: "t".into(), partition: None, offset: None, key: SchemaAndValue::NULL, value, timestamp: None, headers: Headers::new() }
    }

    fn map(pairs: &[(&str, Value)]) -> Value {
        Value::Map(pairs.iter().map(|(k, v)| (Value::String((*k).into()), v.clone())).collect())
    }

    #[test]
    fn schemaless_maps_work_like_structs() {
        let value = SchemaAndValue::schemaless(map(&[("id", Value::Int64(1)), ("secret", Value::String("x".into())), ("n", Value::Int64(2))]));
        let p = |pairs: &[(&str, &str)]| -> Props { pairs.iter().map(|(k, v)| ((*k).into(), (*v).into())).collect() };
        let out = ValueToKey::new(&p(&[("fields", "id")])).expect("config").apply(record(value.clone())).expect("ok").expect("kept");
        assert_eq!(out.key.value, map(&[("id", Value::Int64(1))]));
        let out = ReplaceField::new(Part::Value, &p(&[("exclude", "secret"), ("renames", "n:count")]))
            .expect("config")
            .apply(record(value.clone()))
            .expect("ok")
            .expect("kept");
        assert_eq!(out.value.value, map(&[("id", Value::Int64(1)), ("count", Value::Int64(2))]));
        let out = HoistField::new(Part::Value, &p(&[("field", "wrapped")])).expect("config").apply(record(value.clone())).expect("ok").expect("kept");
        assert_eq!(out.value.value, map(&[("wrapped", value.value.clone())]));
        let e = ValueToKey::new(&p(&[("fields", "id")])).expect("config").apply(record(SchemaAndValue::schemaless(Value::Int64(3)))).expect_err("refused");
        assert!(e.message().contains("Only Map objects supported"), "{e}");
    }

    #[test]
    fn nested_extraction_with_v2_paths() {
        let inner = map(&[("a.b", Value::Int64(1)), ("c", map(&[("d", Value::Int64(2))]))]);
        let value = SchemaAndValue::schemaless(map(&[("x", inner)]));
        let p = |field: &str| -> Props { [("field".to_owned(), field.to_owned()), ("field.syntax.version".to_owned(), "V2".to_owned())].into_iter().collect() };
        let get = |field: &str| ExtractField::new(Part::Value, &p(field)).expect("config").apply(record(value.clone())).expect("ok").expect("kept").value.value;
        assert_eq!(get("x.c.d"), Value::Int64(2));
        assert_eq!(get("x.`a.b`"), Value::Int64(1));
        assert_eq!(get("x.missing"), Value::Null);
    }

    #[test]
    fn replace_field_keeps_the_schema_name_and_renames() {
        let schema = SchemaBuilder::structure().name("com.example.User").field("id", Schema::int32()).field("pw", Schema::string()).build();
        let mut s = Struct::new(schema.clone());
        s.put("id", Value::Int32(1)).expect("id");
        s.put("pw", Value::String("x".into())).expect("pw");
        let props: Props = [("include".to_owned(), "id".to_owned()), ("renames".to_owned(), "id:user_id".to_owned())].into_iter().collect();
        let out = ReplaceField::new(Part::Value, &props).expect("config").apply(record(SchemaAndValue::new(schema, Value::Struct(s)))).expect("ok").expect("kept");
        let schema = out.value.schema.expect("schema");
        assert_eq!(schema.name.as_deref(), Some("com.example.User"));
        assert_eq!(schema.fields.iter().map(|f| f.name.as_str()).collect::<Vec<_>>(), ["user_id"]);
        assert_eq!(schema.kind, SchemaType::Struct);
    }
}
