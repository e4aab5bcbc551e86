//! Single message transforms and predicates, configured as Connect's:
//! `transforms=a,b`, `transforms.a.type=<class>`, `transforms.a.<key>=…`,
//! `transforms.a.predicate=p`, `transforms.a.negate=true`, and
//! `predicates=p`, `predicates.p.type=<class>`.

mod cache;
mod cast;
mod date_format;
mod fields;
mod headers;
mod insert;
mod literal;
mod mask;
mod predicates;
mod router;
mod timestamp;

use ferry_api::config::{with_prefix, Props};
use ferry_api::{ConnectError, Headers, Result, SchemaAndValue};

/// A record as transforms see it: what source and sink records share.
#[derive(Debug, Clone, PartialEq)]
pub struct Record {
    pub topic: String,
    pub partition: Option<i32>,
    /// The record's offset in its topic: sink records only.
    pub offset: Option<i64>,
    pub key: SchemaAndValue,
    pub value: SchemaAndValue,
    pub timestamp: Option<i64>,
    pub headers: Headers,
}

pub trait Transform: Send + Sync {
    /// The transformed record, or `None` to drop it.
    fn apply(&self, record: Record) -> Result<Option<Record>>;
}

pub trait Predicate: Send + Sync {
    fn test(&self, record: &Record) -> bool;
}

/// Which part of the record a `$Key` / `$Value` transform works on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    Key,
    Value,
}

impl Part {
    pub fn of(self, r: &Record) -> &SchemaAndValue {
        match self {
            Part::Key => &r.key,
            Part::Value => &r.value,
        }
    }
    /// The part, leaving null in its place (to be set again).
    pub fn take(self, r: &mut Record) -> SchemaAndValue {
        std::mem::replace(
            match self {
                Part::Key => &mut r.key,
                Part::Value => &mut r.value,
            },
            SchemaAndValue::NULL,
        )
    }
    pub fn set(self, r: &mut Record, v: SchemaAndValue) {
        match self {
            Part::Key => r.key = v,
            Part::Value => r.value = v,
        }
    }
}

const PACKAGE: &str = "org.apache.kafka.connect.transforms.";

/// The built-in transforms, by class name (or the simple name Connect's
/// aliases allow).
fn transform(class: &str, props: &Props) -> Result<Box<dyn Transform>> {
    let name = class.strip_prefix(PACKAGE).unwrap_or(class);
    Ok(match name {
        "ValueToKey" => Box::new(fields::ValueToKey::new(props)?),
        "ExtractField$Key" => Box::new(fields::ExtractField::new(Part::Key, props)?),
        "ExtractField$Value" => Box::new(fields::ExtractField::new(Part::Value, props)?),
        "ReplaceField$Key" => Box::new(fields::ReplaceField::new(Part::Key, props)?),
        "ReplaceField$Value" => Box::new(fields::ReplaceField::new(Part::Value, props)?),
        "HoistField$Key" => Box::new(fields::HoistField::new(Part::Key, props)?),
        "HoistField$Value" => Box::new(fields::HoistField::new(Part::Value, props)?),
        "InsertField$Key" => Box::new(insert::InsertField::new(Part::Key, props)?),
        "InsertField$Value" => Box::new(insert::InsertField::new(Part::Value, props)?),
        "SetSchemaMetadata$Key" => Box::new(insert::SetSchemaMetadata::new(Part::Key, props)?),
        "SetSchemaMetadata$Value" => Box::new(insert::SetSchemaMetadata::new(Part::Value, props)?),
        "DropHeaders" => Box::new(insert::DropHeaders::new(props)?),
        "InsertHeader" => Box::new(headers::InsertHeader::new(props)?),
        "HeaderFrom$Key" => Box::new(headers::HeaderFrom::new(Part::Key, props)?),
        "HeaderFrom$Value" => Box::new(headers::HeaderFrom::new(Part::Value, props)?),
        "Cast$Key" => Box::new(cast::Cast::new(Part::Key, props)?),
        "Cast$Value" => Box::new(cast::Cast::new(Part::Value, props)?),
        "MaskField$Key" => Box::new(mask::MaskField::new(Part::Key, props)?),
        "MaskField$Value" => Box::new(mask::MaskField::new(Part::Value, props)?),
        "Flatten$Key" => Box::new(mask::Flatten::new(Part::Key, props)?),
        "Flatten$Value" => Box::new(mask::Flatten::new(Part::Value, props)?),
        "TimestampConverter$Key" => Box::new(timestamp::TimestampConverter::new(Part::Key, props)?),
        "TimestampConverter$Value" => Box::new(timestamp::TimestampConverter::new(Part::Value, props)?),
        "TimestampRouter" => Box::new(router::TimestampRouter::new(props)?),
        "RegexRouter" => Box::new(router::RegexRouter::new(props)?),
        "Filter" => Box::new(router::Filter),
        _ => return Err(ConnectError::config(format!("Ferry has no transform {class}"))),
    })
}

fn predicate(class: &str, props: &Props) -> Result<Box<dyn Predicate>> {
    let name = class.strip_prefix(PACKAGE).and_then(|c| c.strip_prefix("predicates.")).unwrap_or(class);
    Ok(match name {
        "TopicNameMatches" => Box::new(predicates::TopicNameMatches::new(props)?),
        "HasHeaderKey" => Box::new(predicates::HasHeaderKey::new(props)?),
        "RecordIsTombstone" => Box::new(predicates::RecordIsTombstone),
        _ => return Err(ConnectError::config(format!("Ferry has no predicate {class}"))),
    })
}

struct Step {
    alias: String,
    class: String,
    transform: Box<dyn Transform>,
    predicate: Option<Box<dyn Predicate>>,
    negate: bool,
}

/// A connector's transforms, in order.
#[derive(Default)]
pub struct Chain {
    steps: Vec<Step>,
}

/// A comma-separated list key, trimmed, without empty items.
fn list(props: &Props, key: &str) -> Vec<String> {
    props.get(key).map(|v| v.split(',').map(|s| s.trim().to_owned()).filter(|s| !s.is_empty()).collect()).unwrap_or_default()
}

/// A list key that must name at least one item.
fn required_list(props: &Props, key: &str) -> Result<Vec<String>> {
    Some(list(props, key)).filter(|l| !l.is_empty()).ok_or_else(|| missing(key))
}

/// A key that must be set and not blank, trimmed.
fn required(props: &Props, key: &str) -> Result<String> {
    props.get(key).map(|v| v.trim().to_owned()).filter(|v| !v.is_empty()).ok_or_else(|| missing(key))
}

/// Connect's error for a required key that is absent.
fn missing(key: &str) -> ConnectError {
    ConnectError::config(format!("Missing required configuration \"{key}\" which has no default value."))
}

impl Chain {
    /// Builds the chain a connector config describes; the error names the key at fault.
    pub fn parse(props: &Props) -> Result<Chain> {
        let mut steps = Vec::new();
        let predicate_names = list(props, "predicates");
        for alias in list(props, "transforms") {
            let own = with_prefix(props, &format!("transforms.{alias}."));
            let class = own.get("type").filter(|t| !t.trim().is_empty()).ok_or_else(|| missing(&format!("transforms.{alias}.type")))?;
            let transform = transform(class.trim(), &own).map_err(|e| ConnectError::config(format!("transforms.{alias}: {}", e.message())))?;
            let predicate = match own.get("predicate").map(|p| p.trim()).filter(|p| !p.is_empty()) {
                None => None,
                Some(p) => {
                    if !predicate_names.iter().any(|n| n == p) {
                        return Err(ConnectError::config(format!("transforms.{alias}.predicate names '{p}', which is not in 'predicates'")));
                    }
                    let own = with_prefix(props, &format!("predicates.{p}."));
                    let class = own.get("type").filter(|t| !t.trim().is_empty()).ok_or_else(|| missing(&format!("predicates.{p}.type")))?;
                    Some(predicate(class.trim(), &own).map_err(|e| ConnectError::config(format!("predicates.{p}: {}", e.message())))?)
                }
            };
            let negate = own.get("negate").is_some_and(|n| n.trim().eq_ignore_ascii_case("true"));
            steps.push(Step { alias, class: class.trim().to_owned(), transform, predicate, negate });
        }
        Ok(Chain { steps })
    }

    pub fn is_empty(&self) -> bool {
        self.steps.is_empty()
    }

    /// Runs the record through each transform whose predicate holds. An
    /// error comes with the failing transform's class.
    pub fn apply(&self, mut record: Record) -> std::result::Result<Option<Record>, (String, ConnectError)> {
        for step in &self.steps {
            let applies = step.predicate.as_ref().is_none_or(|p| p.test(&record) != step.negate);
            if !applies {
                continue;
            }
            match step.transform.apply(record) {
                Ok(Some(r)) => record = r,
                Ok(None) => return Ok(None),
                Err(e) => {
                    let e = ConnectError::new(e.kind(), format!("Transform {} failed: {}", step.alias, e.message()));
                    return Err((step.class.clone(), e));
                }
            }
        }
        Ok(Some(record))
    }
}

#[cfg(test)]
mod tests {
    use ferry_api::{Schema, Struct, Value};
    use ferry_api::data::SchemaBuilder;

    use super::*;

    fn props(pairs: &[(&str, &str)]) -> Props {
        pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
    }

    fn user(id: i32, name: &str) -> Record {
        let schema = SchemaBuilder::structure().field("id", Schema::int32()).field("name", Schema::string()).build();
        let mut s = Struct::new(schema.clone());
        s.put("id", Value::Int32(id)).expect("id");
        s.put("name", Value::String(name.into())).expect("name");
        Record { topic: "users".into(), partition: None, offset: None, key: SchemaAndValue::NULL, value: SchemaAndValue::new(schema, Value::Struct(s)), timestamp: None, headers: Headers::new() }
    }

    /// The common chain that puts the primary key into the record key.
    #[test]
    fn value_to_key_then_extract_field() {
        let chain = Chain::parse(&props(&[
            ("transforms", "createKey,extractInt"),
            ("transforms.createKey.type", "org.apache.kafka.connect.transforms.ValueToKey"),
            ("transforms.createKey.fields", "id"),
            ("transforms.extractInt.type", "org.apache.kafka.connect.transforms.ExtractField$Key"),
            ("transforms.extractInt.field", "id"),
        ]))
        .expect("chain");
        let out = chain.apply(user(7, "ada")).expect("applies").expect("kept");
        assert_eq!(out.key.value, Value::Int32(7));
        assert_eq!(out.key.schema.as_ref().map(|s| s.kind), Some(ferry_api::SchemaType::Int32));
    }

    #[test]
    fn predicates_gate_transforms_and_filter_drops() {
        let chain = Chain::parse(&props(&[
            ("transforms", "dropAudit"),
            ("transforms.dropAudit.type", "org.apache.kafka.connect.transforms.Filter"),
            ("transforms.dropAudit.predicate", "isAudit"),
            ("predicates", "isAudit"),
            ("predicates.isAudit.type", "org.apache.kafka.connect.transforms.predicates.TopicNameMatches"),
            ("predicates.isAudit.pattern", "audit.*"),
        ]))
        .expect("chain");
        assert!(chain.apply(user(1, "a")).expect("applies").is_some());
        let mut audit = user(1, "a");
        audit.topic = "audit-log".into();
        assert!(chain.apply(audit).expect("applies").is_none());
    }

    #[test]
    fn bad_configs_name_the_key() {
        let e = Chain::parse(&props(&[("transforms", "a")])).err().expect("refused");
        assert!(e.message().contains("transforms.a.type"), "{e}");
        let e = Chain::parse(&props(&[("transforms", "a"), ("transforms.a.type", "com.example.Nope")])).err().expect("refused");
        assert!(e.message().contains("com.example.Nope"), "{e}");
        let e = Chain::parse(&props(&[("transforms", "r"), ("transforms.r.type", "RegexRouter"), ("transforms.r.regex", "(unclosed"), ("transforms.r.replacement", "x")]))
            .err()
            .expect("refused");
        assert!(e.message().contains("transforms.r") && e.message().contains("regex"), "{e}");
    }
}
