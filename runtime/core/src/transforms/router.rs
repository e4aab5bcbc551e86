//! Transforms that route or drop records: RegexRouter, Filter.

use ferry_api::config::Props;
use ferry_api::{ConnectError, Result};
use regex::Regex;

use super::{Record, Transform};

/// `RegexRouter`: a topic that matches `regex` in full becomes `replacement`
/// (`$1` for groups).
pub struct RegexRouter {
    regex: Regex,
    replacement: String,
}

impl RegexRouter {
    pub fn new(props: &Props) -> Result<Self> {
        let pattern = props.get("regex").ok_or_else(|| ConnectError::config("Missing required configuration \"regex\" which has no default value."))?;
        let regex = Regex::new(&format!("^(?:{pattern})$")).map_err(|e| ConnectError::config(format!("Invalid regex {pattern}: {e}")))?;
        let replacement =
            props.get("replacement").cloned().ok_or_else(|| ConnectError::config("Missing required configuration \"replacement\" which has no default value."))?;
        Ok(Self { regex, replacement })
    }
}

impl Transform for RegexRouter {
    fn apply(&self, mut r: Record) -> Result<Option<Record>> {
        if self.regex.is_match(&r.topic) {
            r.topic = self.regex.replace(&r.topic, self.replacement.as_str()).into_owned();
        }
        Ok(Some(r))
    }
}

/// `Filter`: drops every record it is applied to (with a predicate, those it matches).
pub struct Filter;

impl Transform for Filter {
    fn apply(&self, _: Record) -> Result<Option<Record>> {
        Ok(None)
    }
}

#[cfg(test)]
mod tests {
    use ferry_api::{Headers, SchemaAndValue};

    use super::*;

    #[test]
    fn routes_by_full_match_with_groups() {
        let props: Props = [("regex".to_owned(), "db1\\.(.*)".to_owned()), ("replacement".to_owned(), "mirror-$1".to_owned())].into_iter().collect();
        let router = RegexRouter::new(&props).expect("config");
        let rec = |t: &str| Record { topic: t.into(), partition: None, key: SchemaAndValue::NULL, value: SchemaAndValue::NULL, timestamp: None, headers: Headers::new() };
        assert_eq!(router.apply(rec("db1.users")).expect("ok").expect("kept").topic, "mirror-users");
        assert_eq!(router.apply(rec("xdb1.users")).expect("ok").expect("kept").topic, "xdb1.users");
    }
}
