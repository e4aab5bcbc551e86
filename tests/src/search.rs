//! Reading what a sink wrote to a search server, the way a user checks it:
//! refresh, count, get, search.

use std::collections::BTreeMap;
use std::time::Duration;

use serde_json::{json, Value};

fn client() -> reqwest::blocking::Client {
    reqwest::blocking::Client::builder().timeout(Duration::from_secs(30)).build().expect("http client")
}

/// Makes what was indexed visible to searches.
pub fn refresh(url: &str, index: &str) {
    let _ = client().post(format!("{url}/{index}/_refresh")).send();
}

/// The number of documents in an index; `None` while it does not exist.
pub fn count(url: &str, index: &str) -> Option<u64> {
    refresh(url, index);
    let r = client().get(format!("{url}/{index}/_count")).send().ok()?;
    if !r.status().is_success() {
        return None;
    }
    r.json::<Value>().ok()?["count"].as_u64()
}

/// One document: its `_source` and `_version`, or `None` if absent.
pub fn get(url: &str, index: &str, id: &str) -> Option<(Value, i64)> {
    let r = client().get(format!("{url}/{index}/_doc/{id}")).send().ok()?;
    let v: Value = r.json().ok()?;
    (v["found"] == true).then(|| (v["_source"].clone(), v["_version"].as_i64().unwrap_or(-1)))
}

/// Every document of an index (up to 10,000), by ID.
pub fn documents(url: &str, index: &str) -> BTreeMap<String, Value> {
    refresh(url, index);
    let r = client()
        .post(format!("{url}/{index}/_search"))
        .json(&json!({"query": {"match_all": {}}, "size": 10_000}))
        .send()
        .expect("search");
    let v: Value = r.json().expect("search answer");
    v["hits"]["hits"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|h| (h["_id"].as_str().unwrap_or_default().to_owned(), h["_source"].clone()))
        .collect()
}

/// The index's mapping `properties`.
pub fn properties(url: &str, index: &str) -> Value {
    let v: Value = client().get(format!("{url}/{index}/_mapping")).send().expect("mapping").json().expect("mapping answer");
    v[index]["mappings"]["properties"].clone()
}

/// Creates an index with the given mappings.
pub fn create_index(url: &str, index: &str, mappings: Value) {
    let r = client().put(format!("{url}/{index}")).json(&json!({"mappings": mappings})).send().expect("create index");
    assert!(r.status().is_success(), "create index {index}: {}", r.text().unwrap_or_default());
}
