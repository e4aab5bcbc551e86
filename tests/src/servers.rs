//! Test servers: a Kafka-protocol broker (noida-db or tansu) and an
//! Elasticsearch-compatible server (noida-db), each on a free port and
//! stopped when its guard drops. They are installed on first use by
//! `tests/servers/install.sh`.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use crate::ferry::free_port;
use crate::wait::wait_until;

fn cache_dir() -> PathBuf {
    std::env::var_os("FERRY_TEST_SERVERS").map(PathBuf::from).unwrap_or_else(|| {
        PathBuf::from(std::env::var_os("HOME").unwrap_or_else(|| "/root".into())).join(".cache/ferry/test-servers")
    })
}

/// The path of a test server binary, installing the servers once (under a
/// file lock: test binaries run in parallel).
fn binary(name: &str, env: &str) -> PathBuf {
    if let Some(p) = std::env::var_os(env) {
        return PathBuf::from(p);
    }
    let dir = cache_dir();
    let path = dir.join("bin").join(name);
    if path.exists() {
        return path;
    }
    std::fs::create_dir_all(&dir).expect("test server cache dir");
    let lock = std::fs::File::create(dir.join(".install.lock")).expect("lock file");
    lock.lock().expect("install lock");
    if !path.exists() {
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/servers/install.sh");
        let status = Command::new("bash").arg(script).arg(&dir).status().expect("run tests/servers/install.sh");
        assert!(status.success(), "installing the test servers failed: {status}");
    }
    path
}

/// A running server process, killed on drop.
struct Process {
    child: Child,
    _data: Option<tempfile::TempDir>,
}

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn port_open(port: u16) -> bool {
    std::net::TcpStream::connect(("127.0.0.1", port)).is_ok()
}

/// A Kafka-protocol broker for one test.
pub struct KafkaServer {
    bootstrap: String,
    _process: Option<Process>,
}

impl KafkaServer {
    /// `FERRY_TEST_KAFKA` if set, else the broker `FERRY_TEST_BROKER` names (noida by default).
    pub fn start() -> Self {
        if let Ok(b) = std::env::var("FERRY_TEST_KAFKA") {
            return Self { bootstrap: b, _process: None };
        }
        match std::env::var("FERRY_TEST_BROKER").as_deref() {
            Ok("tansu") => Self::tansu(),
            _ => Self::noida(),
        }
    }

    /// noida-db: correct offsets and watermarks, fast rebalances.
    pub fn noida() -> Self {
        let bin = binary("noida-db", "FERRY_NOIDA_BIN");
        let port = free_port();
        let data = tempfile::tempdir().expect("broker data dir");
        let child = Command::new(bin)
            .args(["start", "--only", "kafka", "--kafka-port", &port.to_string(), "--data-dir"])
            .arg(data.path())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start noida-db");
        Self::ready(port, Process { child, _data: Some(data) })
    }

    /// tansu, in memory: a second broker so Ferry depends on no one broker's quirks.
    pub fn tansu() -> Self {
        let bin = binary("tansu", "FERRY_TANSU_BIN");
        let port = free_port();
        let url = format!("tcp://127.0.0.1:{port}");
        let child = Command::new(bin)
            .args(["broker", "--listener-url", &url, "--advertised-listener-url", &url, "--storage-engine", "memory://tansu/"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start tansu");
        Self::ready(port, Process { child, _data: None })
    }

    fn ready(port: u16, process: Process) -> Self {
        let bootstrap = format!("127.0.0.1:{port}");
        wait_until(Duration::from_secs(30), "the broker's port", || port_open(port).then_some(()));
        wait_until(Duration::from_secs(60), "the broker to answer metadata", || crate::kafka::metadata_ok(&bootstrap).then_some(()));
        Self { bootstrap, _process: Some(process) }
    }

    pub fn bootstrap(&self) -> String {
        self.bootstrap.clone()
    }
}

/// An Elasticsearch-compatible server for one test.
pub struct SearchServer {
    url: String,
    _process: Option<Process>,
}

impl SearchServer {
    pub fn start() -> Self {
        if let Ok(u) = std::env::var("FERRY_TEST_ELASTICSEARCH_URL") {
            return Self { url: u, _process: None };
        }
        let bin = binary("noida-db", "FERRY_NOIDA_BIN");
        let port = free_port();
        let data = tempfile::tempdir().expect("search data dir");
        let child = Command::new(bin)
            .args(["start", "--only", "elasticsearch", "--elasticsearch-port", &port.to_string(), "--data-dir"])
            .arg(data.path())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start noida-db (search)");
        let url = format!("http://127.0.0.1:{port}");
        wait_until(Duration::from_secs(60), "the search server to answer", || {
            reqwest::blocking::get(&url).ok().filter(|r| r.status().is_success())
        });
        Self { url, _process: Some(Process { child, _data: Some(data) }) }
    }

    pub fn url(&self) -> String {
        self.url.clone()
    }
}
