//! Property: any Connect value written by the JsonConverter reads back equal.

use ferry_api::config::Props;
use ferry_api::data::{logical, SchemaBuilder, Struct};
use ferry_api::{Converter, Schema, SchemaAndValue, Value};
use ferry_runtime::convert::JsonConverter;
use proptest::prelude::*;

fn converter(schemas: bool, decimal: &str) -> JsonConverter {
    let mut p = Props::new();
    p.insert("schemas.enable".into(), schemas.to_string());
    p.insert("decimal.format".into(), decimal.into());
    JsonConverter::new(&p, false).expect("converter")
}

prop_compose! {
    fn row()(id in any::<i64>(), small in any::<i16>(), name in ".*", score in any::<f64>().prop_filter("finite", |f| f.is_finite()),
             flag in any::<bool>(), blob in proptest::collection::vec(any::<u8>(), 0..20),
             cents in any::<i64>(), days in -100_000i32..100_000, ms in 0i32..86_400_000, ts in -10_000_000_000_000i64..10_000_000_000_000,
             tags in proptest::collection::vec(".{0,5}", 0..4), maybe in proptest::option::of(any::<i32>()))
        -> SchemaAndValue {
        let schema = SchemaBuilder::structure().name("Row")
            .field("id", Schema::int64()).field("small", Schema::int16()).field("name", Schema::string())
            .field("score", Schema::float64()).field("flag", Schema::boolean()).field("blob", Schema::bytes())
            .field("amount", logical::decimal(2)).field("day", logical::date_builder().build())
            .field("at", logical::time_builder().build()).field("ts", logical::timestamp_builder().build())
            .field("tags", SchemaBuilder::array(Schema::string()).build())
            .field("maybe", SchemaBuilder::new(ferry_api::SchemaType::Int32).optional().build())
            .build();
        let mut s = Struct::new(schema.clone());
        let _ = s.put("id", id);
        let _ = s.put("small", Value::Int16(small));
        let _ = s.put("name", name);
        let _ = s.put("score", Value::Float64(score));
        let _ = s.put("flag", flag);
        let _ = s.put("blob", Value::Bytes(blob));
        let _ = s.put("amount", Value::Decimal(bigdecimal::BigDecimal::new(cents.into(), 2)));
        let _ = s.put("day", Value::Date(logical::date_from_days(days).unwrap_or_default()));
        let _ = s.put("at", Value::Time(logical::time_from_millis(ms).unwrap_or_default()));
        let _ = s.put("ts", Value::Timestamp(logical::timestamp_from_millis(ts).unwrap_or_default()));
        let _ = s.put("tags", Value::Array(tags.into_iter().map(Value::String).collect()));
        let _ = s.put("maybe", maybe.map_or(Value::Null, Value::Int32));
        SchemaAndValue::new(schema, Value::Struct(s))
    }
}

proptest! {
    #[test]
    fn structs_round_trip(data in row(), numeric in any::<bool>()) {
        let c = converter(true, if numeric { "NUMERIC" } else { "BASE64" });
        let bytes = c.from_connect_data("t", &data).expect("write").expect("bytes");
        let back = c.to_connect_data("t", Some(&bytes)).expect("read");
        prop_assert_eq!(back, data);
    }

    #[test]
    fn schemaless_values_round_trip(keys in proptest::collection::vec("[a-z]{1,6}", 0..6), n in any::<i64>(), s in ".*") {
        let mut seen = std::collections::HashSet::new();
        let entries: Vec<(Value, Value)> = keys.into_iter().filter(|k| seen.insert(k.clone()))
            .map(|k| (Value::String(k), Value::Array(vec![Value::Int64(n), Value::String(s.clone()), Value::Null])))
            .collect();
        let c = converter(false, "BASE64");
        let bytes = c.from_connect_data("t", &SchemaAndValue::schemaless(Value::Map(entries.clone()))).expect("write").expect("bytes");
        let back = c.to_connect_data("t", Some(&bytes)).expect("read");
        // Connect reads objects into a HashMap: compare as sets of entries.
        let Value::Map(mut got) = back.value else { panic!("a map") };
        let mut want = entries;
        let key = |e: &(Value, Value)| e.0.as_str().unwrap_or_default().to_owned();
        got.sort_by_key(key);
        want.sort_by_key(key);
        prop_assert_eq!(got, want);
    }
}
