//! The Docker image and the compose demos of `docker/`, in a real Docker
//! engine: each demo from its own compose file plus its test override
//! (stand-in images, host networking on loopback), rows in, rows (or
//! documents) out. The tests take turns: they share two cores.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

use ferry_tests::docker::{self, mariadb, psql, Compose, IMAGE};
use ferry_tests::wait_until;
use serde_json::{json, Value};

const BIN: &str = env!("CARGO_BIN_EXE_ferry-e2e");
const START: Duration = Duration::from_secs(180);

fn get(url: &str) -> Option<Value> {
    let answer = reqwest::blocking::get(url).ok()?;
    answer.status().is_success().then(|| answer.json().ok()).flatten()
}

/// True when the connector and all its (at least `tasks`) tasks are RUNNING.
fn running(url: &str, name: &str, tasks: usize) -> bool {
    get(&format!("{url}/connectors/{name}/status")).is_some_and(|s| {
        let list = s["tasks"].as_array().cloned().unwrap_or_default();
        s["connector"]["state"] == "RUNNING" && list.len() >= tasks && list.iter().all(|t| t["state"] == "RUNNING")
    })
}

/// A directory the image's non-root user can read, with these files.
fn connector_dir(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).expect("chmod");
    for (name, text) in files {
        std::fs::write(dir.path().join(name), text).expect("write a connector file");
    }
    dir
}

/// `docker run --rm` of the Ferry image with host networking, under a
/// timeout so a container that does not exit fails the test; its exit code and output.
fn run_image(env: &[(&str, &str)], connectors: &Path) -> (i32, String) {
    let mut cmd = Command::new("timeout");
    cmd.args(["120", "docker", "run", "--rm", "--network", "host", "-v"]).arg(format!("{}:/etc/ferry/connectors:ro", connectors.display()));
    for (k, v) in env {
        cmd.arg("-e").arg(format!("{k}={v}"));
    }
    let out = docker::run(cmd.arg(IMAGE));
    (out.status.code().unwrap_or(-1), format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr)))
}

const SOURCE_DB: &str = "127.0.1.3";
const TARGET_DB: &str = "127.0.1.4";

#[test]
fn mariadb_replication_demo_with_the_confluent_service() {
    let _turn = docker::exclusive();
    docker::ensure_image(BIN);
    let demo = Compose::up("mariadb-replication");
    let url = "http://127.0.1.10:8083";

    // The connectors of ./connectors, applied at start-up; the HEALTHCHECK passes.
    demo.wait_healthy("kafka-connect", START);
    wait_until(START, "both connectors RUNNING with their tasks", || {
        (running(url, "shop-source", 2) && running(url, "replica-sink", 2)).then_some(())
    });
    let replica = |sql: &str| mariadb(TARGET_DB, "ferry", "replica", sql);
    wait_until(START, "the seed rows in the replica", || {
        (replica("SELECT name FROM customers ORDER BY id")? == "Ada Lovelace\nAlan Turing\nGrace Hopper\n").then_some(())
    });

    // Inserts and updates arrive.
    mariadb(
        SOURCE_DB,
        "ferry",
        "shop",
        "INSERT INTO customers (name, email) VALUES ('Edsger Dijkstra', 'edsger@example.com');
         UPDATE customers SET email = 'ada@lovelace.org' WHERE id = 1;
         UPDATE orders SET status = 'shipped' WHERE id = 2;",
    )
    .expect("change the source");
    wait_until(Duration::from_secs(60), "the insert and the updates in the replica", || {
        let customers = replica("SELECT id, email FROM customers ORDER BY id")?;
        let shipped = replica("SELECT status FROM orders WHERE id = 2")?;
        (customers == "1\tada@lovelace.org\n2\talan@example.com\n3\tgrace@example.com\n4\tedsger@example.com\n" && shipped == "shipped\n")
            .then_some(())
    });

    // The REST API answers as outside Docker.
    let plugins = get(&format!("{url}/connector-plugins")).expect("GET /connector-plugins");
    let classes: Vec<&str> = plugins.as_array().expect("a list").iter().filter_map(|p| p["class"].as_str()).collect();
    assert!(classes.contains(&"io.confluent.connect.jdbc.JdbcSourceConnector"), "{classes:?}");
    assert!(classes.contains(&"org.apache.kafka.connect.file.FileStreamSinkConnector"), "{classes:?}");
    let extra = ferry_tests::unique("file-sink");
    let created = reqwest::blocking::Client::new()
        .post(format!("{url}/connectors"))
        .json(&json!({"name": extra, "config": {"connector.class": "FileStreamSink", "topics": "shop-customers", "file": "/tmp/customers.txt"}}))
        .send()
        .expect("POST /connectors");
    assert_eq!(created.status().as_u16(), 201);
    wait_until(Duration::from_secs(60), "the posted connector RUNNING", || running(url, &extra, 1).then_some(()));
    let listed = get(&format!("{url}/connectors")).expect("GET /connectors");
    for name in ["shop-source", "replica-sink", extra.as_str()] {
        assert!(listed.as_array().expect("a list").iter().any(|n| n == name), "{name} in {listed}");
    }
    assert!(demo.logs("kafka-connect").contains("plugin.path is ignored"));

    // A second worker of the group whose connector files include an
    // invalid one stops, naming it, and applies none of them.
    let bad = connector_dir(&[
        ("a-good.json", r#"{"name":"half-applied","config":{"connector.class":"FileStreamSink","topics":"shop-orders","file":"/tmp/o.txt"}}"#),
        ("b-bad.json", r#"{"name":"bad","config":{"connector.class":"com.example.NoSuchConnector"}}"#),
    ]);
    let (code, output) = run_image(
        &[
            ("CONNECT_BOOTSTRAP_SERVERS", "127.0.1.2:9092"),
            ("CONNECT_GROUP_ID", "compose-connect-group"),
            ("CONNECT_CONFIG_STORAGE_TOPIC", "my_connect_configs"),
            ("CONNECT_OFFSET_STORAGE_TOPIC", "my_connect_offsets"),
            ("CONNECT_STATUS_STORAGE_TOPIC", "my_connect_statuses"),
            ("CONNECT_LISTENERS", "http://127.0.1.11:8083"),
        ],
        bad.path(),
    );
    assert_ne!(code, 0, "{output}");
    assert!(output.contains("/etc/ferry/connectors/b-bad.json") && output.contains("NoSuchConnector"), "{output}");
    let listed = get(&format!("{url}/connectors")).expect("GET /connectors");
    assert!(!listed.as_array().expect("a list").iter().any(|n| n == "half-applied"), "{listed}");

    // docker stop: SIGTERM, offsets flushed, exit 0.
    docker::check(&mut demo.command(&["stop", "-t", "30", "kafka-connect"]));
    assert_eq!(demo.inspect("kafka-connect", "{{.State.ExitCode}}"), "0");
    assert!(demo.logs("kafka-connect").contains("stopped"));
}

#[test]
fn postgres_search_demo() {
    let _turn = docker::exclusive();
    docker::ensure_image(BIN);
    let demo = Compose::up("postgres-search");
    demo.wait_healthy("kafka-connect", START);
    let url = "http://127.0.2.10:8083";
    let search = "http://127.0.2.4:9200/catalog-products/_search?size=100";
    wait_until(START, "both connectors RUNNING", || (running(url, "catalog-source", 1) && running(url, "search-sink", 1)).then_some(()));

    // Documents by product id, as the sink's key.ignore=false gives them.
    let documents = || -> Option<Vec<(String, Value)>> {
        let hits = get(search)?["hits"]["hits"].as_array()?.clone();
        let mut docs: Vec<(String, Value)> = hits.iter().map(|h| (h["_id"].as_str().unwrap_or("").to_owned(), h["_source"].clone())).collect();
        docs.sort_by(|a, b| a.0.cmp(&b.0));
        Some(docs)
    };
    wait_until(START, "the three seed products indexed", || {
        let docs = documents()?;
        (docs.len() == 3 && docs[0].0 == "1" && docs[0].1["name"] == "Kettle" && docs[0].1["price"] == json!(39.9)).then_some(())
    });

    psql(
        "127.0.2.3",
        "postgres",
        "ferry",
        "catalog",
        "INSERT INTO products (name, description, price) VALUES ('Tea caddy', 'Airtight tin, 200 g', 18.00);
         UPDATE products SET price = 49.00 WHERE id = 2;",
    )
    .expect("change the catalog");
    wait_until(Duration::from_secs(60), "the new product and the new price in the index", || {
        let docs = documents()?;
        (docs.len() == 4 && docs[1].1["price"] == json!(49.0) && docs[3].1["name"] == "Tea caddy").then_some(())
    });
}

#[test]
fn embedded_demo_without_kafka() {
    let _turn = docker::exclusive();
    docker::ensure_image(BIN);
    let demo = Compose::up("embedded");
    let url = "http://127.0.3.10:8083";
    let replica = |sql: &str| psql("127.0.3.4", "postgres", "ferry", "replica", sql);
    let source = |sql: &str| mariadb("127.0.3.3", "ferry", "shop", sql).expect("change the source");

    demo.wait_healthy("ferry", START);
    wait_until(START, "the seed rows in PostgreSQL", || (replica("SELECT count(*) FROM customers")? == "3\n").then_some(()));
    assert_eq!(get(url).expect("GET /")["version"], ferry_runtime::VERSION);
    let logs = demo.logs("ferry");
    assert!(logs.contains("CONNECT_NO_SUCH_SETTING is ignored"), "{logs}");
    assert!(logs.contains("embedded log"), "{logs}");

    source("UPDATE customers SET email = 'grace@navy.mil' WHERE id = 3");
    wait_until(Duration::from_secs(60), "the update in PostgreSQL", || {
        (replica("SELECT email FROM customers WHERE id = 3")? == "grace@navy.mil\n").then_some(())
    });

    // Stopped and started again: offsets were flushed on SIGTERM, a row
    // written meanwhile arrives, and nothing is copied twice.
    docker::check(&mut demo.command(&["stop", "-t", "30", "ferry"]));
    assert_eq!(demo.inspect("ferry", "{{.State.ExitCode}}"), "0");
    source("INSERT INTO customers (name, email) VALUES ('Barbara Liskov', 'barbara@example.com')");
    docker::check(&mut demo.command(&["start", "ferry"]));
    wait_until(START, "the row written while Ferry was stopped", || {
        (replica("SELECT id, name FROM customers ORDER BY id")?.lines().last()? == "4|Barbara Liskov").then_some(())
    });
    assert_eq!(replica("SELECT count(*) FROM customers").as_deref(), Some("4\n"));
    let offsets = get(&format!("{url}/connectors/shop-source/offsets")).expect("GET offsets");
    assert!(offsets["offsets"].as_array().is_some_and(|o| !o.is_empty()), "{offsets}");
}

#[test]
fn a_malformed_connector_file_stops_start_up() {
    let _turn = docker::exclusive();
    docker::ensure_image(BIN);
    let dir = connector_dir(&[("broken.json", r#"{"name": "broken", "config": {"connector.class": "FileStreamSink","#)]);
    let (code, output) = run_image(&[("CONNECT_LISTENERS", "http://127.0.5.10:8083")], dir.path());
    assert_ne!(code, 0, "{output}");
    assert!(output.contains("/etc/ferry/connectors/broken.json") && output.contains("not valid JSON"), "{output}");
}

const CLUSTER: [(&str, &str); 3] = [("connect-1", "127.0.4.11"), ("connect-2", "127.0.4.12"), ("connect-3", "127.0.4.13")];

#[test]
fn distributed_cluster_demo_survives_a_killed_worker() {
    let _turn = docker::exclusive();
    docker::ensure_image(BIN);
    let demo = Compose::up("distributed-cluster");
    let urls: Vec<String> = CLUSTER.iter().map(|(_, ip)| format!("http://{ip}:8083")).collect();
    let shop = |sql: &str| mariadb("127.0.4.3", "ferry", "shop", sql);
    let replica = |sql: &str| mariadb("127.0.4.3", "ferry", "replica", sql);
    let tables = ["customers", "orders", "events"];
    let counts = |db: &dyn Fn(&str) -> Option<String>| -> Option<Vec<String>> {
        tables.iter().map(|t| db(&format!("SELECT count(*), coalesce(max(id), 0) FROM {t}"))).collect()
    };

    for (service, _) in CLUSTER {
        demo.wait_healthy(service, START);
    }
    wait_until(START, "both connectors RUNNING with three tasks each", || {
        (running(&urls[0], "shop-source", 3) && running(&urls[0], "replica-sink", 3)).then_some(())
    });
    wait_until(START, "the seed rows in the replica", || (counts(&replica)? == counts(&shop)?).then_some(()));

    // Kill (SIGKILL, no goodbye) the worker running source task 0, with rows in flight.
    let status = get(&format!("{}/connectors/shop-source/status", urls[0])).expect("status");
    let victim = status["tasks"][0]["worker_id"].as_str().expect("a worker").to_owned();
    let (service, _) = CLUSTER.iter().find(|(s, ip)| victim.starts_with(s) || victim.starts_with(ip)).expect("a known worker");
    let insert = |n: usize| {
        let values = |f: &dyn Fn(usize) -> String| (0..n).map(f).collect::<Vec<_>>().join(",");
        shop(&format!(
            "INSERT INTO customers (name) VALUES {}; INSERT INTO orders (customer_id, total) VALUES {}; INSERT INTO events (kind) VALUES {};",
            values(&|i| format!("('c{i}')")),
            values(&|i| format!("({i}, {i}.50)")),
            values(&|_| "('order')".to_owned()),
        ))
        .expect("insert rows");
    };
    insert(100);
    docker::check(Command::new("docker").args(["kill", &demo.container(service)]));
    insert(100);

    // The survivors take its tasks over, and every row arrives.
    let survivor = urls.iter().zip(CLUSTER).find(|(_, (s, _))| s != service).map(|(u, _)| u.clone()).expect("a survivor");
    wait_until(START, "all tasks RUNNING on the surviving workers", || {
        let on_survivors = |name: &str| {
            get(&format!("{survivor}/connectors/{name}/status")).is_some_and(|s| {
                s["tasks"].as_array().is_some_and(|ts| {
                    ts.len() == 3 && ts.iter().all(|t| t["state"] == "RUNNING" && t["worker_id"].as_str() != Some(victim.as_str()))
                })
            })
        };
        (on_survivors("shop-source") && on_survivors("replica-sink")).then_some(())
    });
    wait_until(START, "every row in the replica", || {
        let want = counts(&shop)?;
        (want.iter().all(|c| c.starts_with("203\t")) && counts(&replica)? == want).then_some(())
    });
}
