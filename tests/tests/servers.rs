//! The harness's servers work: a broker takes and returns records in order.

use std::time::Duration;

use ferry_tests::{consume, create_topic, produce, unique, KafkaServer, SearchServer};

fn round_trip(kafka: KafkaServer) {
    let topic = unique("harness");
    create_topic(&kafka.bootstrap(), &topic, 1);
    let values: Vec<String> = (0..100).map(|i| format!("m{i}")).collect();
    let records: Vec<_> = values.iter().map(|v| (None, Some(v.as_bytes()))).collect();
    produce(&kafka.bootstrap(), &topic, &records);
    let got = consume(&kafka.bootstrap(), &topic, 100, Duration::from_secs(60));
    let got: Vec<String> = got.into_iter().filter_map(|(_, v)| v).map(|v| String::from_utf8_lossy(&v).into_owned()).collect();
    assert_eq!(got, values);
}

#[test]
fn noida_round_trip() {
    round_trip(KafkaServer::noida());
}

#[test]
fn tansu_round_trip() {
    round_trip(KafkaServer::tansu());
}

#[test]
fn search_server_indexes_a_document() {
    let search = SearchServer::start();
    let client = reqwest::blocking::Client::new();
    let index = unique("harness").to_lowercase();
    let put = client
        .put(format!("{}/{index}/_doc/1?refresh=true", search.url()))
        .json(&serde_json::json!({"a": 1}))
        .send()
        .expect("index a document");
    assert!(put.status().is_success(), "{}", put.status());
    let got: serde_json::Value = client.get(format!("{}/{index}/_doc/1", search.url())).send().expect("get").json().expect("json");
    assert_eq!(got["_source"]["a"], 1);
}
