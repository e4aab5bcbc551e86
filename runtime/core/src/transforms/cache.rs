//! Derived schemas kept per input schema, as Connect's transforms keep them
//! (`SynchronizedCache`): a transform derives one output schema for every
//! record of an input schema, so it is built once, and the same `Arc` flows
//! on, which the next transform and the converter recognise by pointer.

use std::sync::{Arc, Mutex};

use ferry_api::{Result, SchemaRef};

/// Input schemas a connector sees at once are few: tables, topics.
const CAPACITY: usize = 16;

#[derive(Default)]
pub struct SchemaCache {
    entries: Mutex<Vec<(SchemaRef, SchemaRef)>>,
}

impl SchemaCache {
    /// The schema derived from `input`, built by `build` the first time.
    pub fn get(&self, input: &SchemaRef, build: impl FnOnce() -> Result<SchemaRef>) -> Result<SchemaRef> {
        let mut entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        if let Some((_, out)) = entries.iter().find(|(i, _)| Arc::ptr_eq(i, input)) {
            return Ok(out.clone());
        }
        // An equal schema in another allocation (say, read back by a converter) derives the same.
        if let Some((_, out)) = entries.iter().find(|(i, _)| **i == **input) {
            return Ok(out.clone());
        }
        let out = build()?;
        if entries.len() == CAPACITY {
            entries.remove(0);
        }
        entries.push((input.clone(), out.clone()));
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use ferry_api::data::SchemaBuilder;
    use ferry_api::Schema;

    use super::*;

    #[test]
    fn builds_once_per_schema_and_returns_the_same_arc() {
        let cache = SchemaCache::default();
        let input = SchemaBuilder::structure().field("id", Schema::int32()).build();
        let mut builds = 0;
        let mut derive = || {
            builds += 1;
            Ok(SchemaBuilder::structure().field("key", Schema::int32()).build())
        };
        let a = cache.get(&input, &mut derive).expect("built");
        let equal = SchemaBuilder::structure().field("id", Schema::int32()).build();
        let b = cache.get(&equal, &mut derive).expect("cached");
        assert!(Arc::ptr_eq(&a, &b));
        assert_eq!(builds, 1);
    }
}
