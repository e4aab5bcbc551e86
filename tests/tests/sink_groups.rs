//! A sink deleted while its consumer group still forms, then created again
//! under the same name (so the same group), delivers every record.
//!
//! On tansu a member that leaves while its group forms around it stays the
//! group's leader, so no later member would ever be assigned anything: a
//! closed consumer leaves only once its join is done.

use std::time::Duration;

use ferry_tests::ferry::Ferry;
use ferry_tests::{create_topic, group_members, produce, unique, wait_until, KafkaServer};
use serde_json::json;

const BIN: &str = env!("CARGO_BIN_EXE_ferry-e2e");

fn a_sink_deleted_while_its_group_forms_leaves_the_group_usable(kafka: KafkaServer) {
    let bootstrap = kafka.bootstrap();
    let dir = tempfile::tempdir().expect("tempdir");
    // tansu holds a first join for about the session timeout.
    let ferry = Ferry::standalone(BIN, dir.path(), &bootstrap, &[("consumer.session.timeout.ms", "6000".to_owned())], &[]);
    let topic = unique("early-stop");
    create_topic(&bootstrap, &topic, 1);
    let values: Vec<String> = (0..20).map(|i| format!("value-{i:03}")).collect();
    let records: Vec<_> = values.iter().map(|v| (None, Some(v.as_bytes()))).collect();
    produce(&bootstrap, &topic, &records);

    let name = unique("early-stop-sink");
    let output = dir.path().join("out.txt");
    let config = json!({"name": name, "config": {
        "connector.class": "FileStreamSink", "tasks.max": "1", "topics": topic,
        "file": output.display().to_string(),
        "value.converter": "org.apache.kafka.connect.storage.StringConverter"}})
    .to_string();
    let (code, body) = ferry.call("POST", "/connectors", Some(&config));
    assert_eq!(code, 201, "{body}");
    // Deleted once its consumer is in the group, before anything reached the file.
    let group = format!("connect-{name}");
    wait_until(Duration::from_secs(30), "the sink's consumer to join its group", || {
        (!group_members(&bootstrap, &group).is_empty()).then_some(())
    });
    let (code, body) = ferry.call("DELETE", &format!("/connectors/{name}"), None);
    assert_eq!(code, 204, "{body}");

    let (code, body) = ferry.call("POST", "/connectors", Some(&config));
    assert_eq!(code, 201, "{body}");
    wait_until(Duration::from_secs(60), "every record in the sink's file", || {
        let got = std::fs::read_to_string(&output).unwrap_or_default();
        values.iter().all(|v| got.lines().any(|l| l == v)).then_some(())
    });
}

#[test]
fn a_sink_deleted_while_its_group_forms_leaves_the_group_usable_on_noida() {
    a_sink_deleted_while_its_group_forms_leaves_the_group_usable(KafkaServer::noida());
}

#[test]
fn a_sink_deleted_while_its_group_forms_leaves_the_group_usable_on_tansu() {
    a_sink_deleted_while_its_group_forms_leaves_the_group_usable(KafkaServer::tansu());
}
