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
/// `FERRY_TEST_BROKER_LOG=<file>` keeps a broker's log there (appended), to see what it decided.
fn broker_log() -> Stdio {
    std::env::var_os("FERRY_TEST_BROKER_LOG")
        .and_then(|p| std::fs::OpenOptions::new().create(true).append(true).open(p).ok())
        .map_or_else(Stdio::null, Stdio::from)
}

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
            .stdout(broker_log())
            .stderr(broker_log())
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

/// An Elasticsearch-compatible server for one test. The harness's own
/// (noida-db) can be stopped and started again on the same port and data
/// directory, as an outage would; noida-db keeps its documents on disk
/// across the restart.
pub struct SearchServer {
    url: String,
    own: Option<OwnSearch>,
}

struct OwnSearch {
    port: u16,
    data: tempfile::TempDir,
    process: Option<Process>,
}

impl SearchServer {
    /// `FERRY_TEST_ELASTICSEARCH_URL` if set, else noida-db on a free port.
    pub fn start() -> Self {
        if let Ok(u) = std::env::var("FERRY_TEST_ELASTICSEARCH_URL") {
            return Self { url: u.trim_end_matches('/').to_owned(), own: None };
        }
        let port = free_port();
        let data = tempfile::tempdir().expect("search data dir");
        let mut server = Self { url: format!("http://127.0.0.1:{port}"), own: Some(OwnSearch { port, data, process: None }) };
        server.resume();
        server
    }

    pub fn url(&self) -> String {
        self.url.clone()
    }

    /// Whether [`SearchServer::stop`] can be used (not on an outside cluster).
    pub fn can_stop(&self) -> bool {
        self.own.is_some()
    }

    /// Stops the server with SIGTERM; its port and data stay. (noida-db
    /// writes its data file about a second after a write, so a kill -9
    /// would lose documents it had acknowledged, which Elasticsearch's
    /// translog would not.)
    pub fn stop(&mut self) {
        let own = self.own.as_mut().expect("an outside cluster cannot be stopped");
        if let Some(mut p) = own.process.take() {
            let _ = Command::new("kill").arg("-TERM").arg(p.child.id().to_string()).status();
            wait_until(Duration::from_secs(30), "the search server to exit", || p.child.try_wait().ok().flatten());
        }
        wait_until(Duration::from_secs(30), "the search server to stop", || (!port_open(own.port)).then_some(()));
    }

    /// Starts the server (again) and waits until it answers.
    pub fn resume(&mut self) {
        let own = self.own.as_mut().expect("an outside cluster cannot be started");
        let bin = binary("noida-db", "FERRY_NOIDA_BIN");
        let child = Command::new(bin)
            .args(["start", "--only", "elasticsearch", "--elasticsearch-port", &own.port.to_string(), "--data-dir"])
            .arg(own.data.path())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start noida-db (search)");
        own.process = Some(Process { child, _data: None });
        let url = self.url.clone();
        wait_until(Duration::from_secs(60), "the search server to answer", || {
            reqwest::blocking::get(&url).ok().filter(|r| r.status().is_success())
        });
    }
}
