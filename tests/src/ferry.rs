//! A Ferry worker process under test: started from properties like a user
//! starts it, driven over its REST API, stopped with SIGTERM or kill -9.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::Duration;

use serde_json::Value;

use crate::wait::wait_until;

pub struct Ferry {
    child: Option<Child>,
    binary: PathBuf,
    /// `standalone` or `distributed`.
    mode: &'static str,
    args: Vec<PathBuf>,
    pub url: String,
    pub log: PathBuf,
}

/// A free loopback port (bound, then released).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// Writes `key=value` lines to a properties file.
pub fn write_properties(path: &Path, props: &[(&str, String)]) {
    let text: String = props.iter().map(|(k, v)| format!("{k}={v}\n")).collect();
    std::fs::write(path, text).expect("write properties");
}

impl Ferry {
    /// `ferry standalone <dir>/worker.properties [connector files]`, with
    /// the REST listener on a free port and offsets in `dir`.
    pub fn standalone(binary: &str, dir: &Path, bootstrap: &str, extra: &[(&str, String)], connectors: &[PathBuf]) -> Ferry {
        let port = free_port();
        let props: Vec<(&str, String)> = vec![
            ("bootstrap.servers", bootstrap.to_owned()),
            ("listeners", format!("http://127.0.0.1:{port}")),
            ("offset.storage.file.filename", dir.join("offsets.json").display().to_string()),
            ("key.converter", "org.apache.kafka.connect.json.JsonConverter".into()),
            ("value.converter", "org.apache.kafka.connect.json.JsonConverter".into()),
        ];
        Self::start(binary, "standalone", dir, port, props, extra, connectors)
    }

    /// `ferry distributed <dir>/worker.properties`: a worker of `group`,
    /// its REST listener on a free port, the internal topics named by `group`.
    pub fn distributed(binary: &str, dir: &Path, bootstrap: &str, group: &str, extra: &[(&str, String)]) -> Ferry {
        let port = free_port();
        let props: Vec<(&str, String)> = vec![
            ("bootstrap.servers", bootstrap.to_owned()),
            ("group.id", group.to_owned()),
            ("config.storage.topic", format!("{group}-configs")),
            ("offset.storage.topic", format!("{group}-offsets")),
            ("status.storage.topic", format!("{group}-status")),
            ("config.storage.replication.factor", "1".into()),
            ("offset.storage.replication.factor", "1".into()),
            ("status.storage.replication.factor", "1".into()),
            ("listeners", format!("http://127.0.0.1:{port}")),
            ("key.converter", "org.apache.kafka.connect.json.JsonConverter".into()),
            ("value.converter", "org.apache.kafka.connect.json.JsonConverter".into()),
        ];
        Self::start(binary, "distributed", dir, port, props, extra, &[])
    }

    /// Writes `<dir>/worker.properties` (`extra` overriding `props`) and
    /// starts `ferry <mode>` on it, listening on `port`.
    fn start<'a>(binary: &str, mode: &'static str, dir: &Path, port: u16, mut props: Vec<(&'a str, String)>, extra: &[(&'a str, String)], connectors: &[PathBuf]) -> Ferry {
        for (k, v) in extra {
            props.retain(|(pk, _)| pk != k);
            props.push((k, v.clone()));
        }
        let worker = dir.join("worker.properties");
        write_properties(&worker, &props);
        let mut args = vec![worker];
        args.extend(connectors.iter().cloned());
        let mut f = Ferry { child: None, binary: PathBuf::from(binary), mode, args, url: format!("http://127.0.0.1:{port}"), log: dir.join("ferry.log") };
        f.spawn();
        f
    }

    /// Starts the process (again) with the same arguments and waits for REST.
    pub fn spawn(&mut self) {
        let log = std::fs::OpenOptions::new().create(true).append(true).open(&self.log).expect("log file");
        let child = Command::new(&self.binary)
            .arg(self.mode)
            .args(&self.args)
            .env("RUST_LOG", std::env::var("FERRY_TEST_LOG").unwrap_or_else(|_| "info".into()))
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("spawn ferry");
        self.child = Some(child);
        let url = format!("{}/", self.url);
        wait_until(Duration::from_secs(20), "Ferry's REST API to answer", || {
            reqwest::blocking::get(&url).ok().filter(|r| r.status().is_success())
        });
    }

    /// kill -9: no chance to flush anything.
    pub fn kill9(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    /// SIGTERM, then waits for the exit.
    pub fn terminate(&mut self) -> ExitStatus {
        let mut c = self.child.take().expect("ferry is running");
        let _ = Command::new("kill").arg("-TERM").arg(c.id().to_string()).status();
        wait_until(Duration::from_secs(30), "Ferry to exit after SIGTERM", || c.try_wait().ok().flatten())
    }

    pub fn logs(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// A REST call; the status and the JSON body (Null when empty).
    pub fn call(&self, method: &str, path: &str, body: Option<&str>) -> (u16, Value) {
        self.call_as(method, path, body, "application/json")
    }

    /// A REST call with a body of the given content type.
    pub fn call_as(&self, method: &str, path: &str, body: Option<&str>, content_type: &str) -> (u16, Value) {
        let client = reqwest::blocking::Client::new();
        let method = reqwest::Method::from_bytes(method.as_bytes()).expect("HTTP method");
        let mut req = client.request(method, format!("{}{path}", self.url)).timeout(Duration::from_secs(30));
        if let Some(b) = body {
            req = req.header("Content-Type", content_type).body(b.to_owned());
        }
        let resp = req.send().expect("REST call");
        let status = resp.status().as_u16();
        let text = resp.text().unwrap_or_default();
        let json = if text.is_empty() { Value::Null } else { serde_json::from_str(&text).unwrap_or(Value::String(text)) };
        (status, json)
    }

    pub fn get(&self, path: &str) -> (u16, Value) {
        self.call("GET", path, None)
    }

    /// Waits until the connector and all its tasks (at least one) are in `state`.
    pub fn wait_for_state(&self, connector: &str, state: &str) -> Value {
        let path = format!("/connectors/{connector}/status");
        wait_until(Duration::from_secs(30), &format!("{connector} to be {state}"), || {
            let (code, s) = self.get(&path);
            let tasks = s["tasks"].as_array().cloned().unwrap_or_default();
            (code == 200 && s["connector"]["state"] == state && !tasks.is_empty() && tasks.iter().all(|t| t["state"] == state))
                .then_some(s)
        })
    }
}

impl Drop for Ferry {
    fn drop(&mut self) {
        self.kill9();
        // A failing test shows what each worker said last.
        if std::thread::panicking() {
            let logs = self.logs();
            // FERRY_TEST_LOG_DIR keeps every failing worker's whole log.
            if let Ok(dir) = std::env::var("FERRY_TEST_LOG_DIR") {
                let name = self.url.rsplit(':').next().unwrap_or("worker");
                let _ = std::fs::create_dir_all(&dir);
                let _ = std::fs::write(std::path::Path::new(&dir).join(format!("ferry-{name}.log")), &logs);
            }
            let tail: Vec<&str> = logs.lines().rev().take(80).collect();
            eprintln!("--- the last lines of {}'s log ---\n{}", self.url, tail.into_iter().rev().collect::<Vec<_>>().join("\n"));
        }
    }
}
