//! The harness of Ferry's end-to-end tests: real servers started on free
//! loopback ports (or named by environment variables), the Ferry process
//! under test, and polling with deadlines instead of sleeps.
//!
//! | variable | meaning |
//! |---|---|
//! | `FERRY_TEST_KAFKA` | use this broker (host:port) instead of starting one |
//! | `FERRY_TEST_BROKER` | `noida` (default) or `tansu`, for [`KafkaServer::start`] |
//! | `FERRY_TEST_ELASTICSEARCH_URL` | use this search server instead of starting one |
//! | `FERRY_TEST_MYSQL` | MariaDB host:port (default 127.0.0.1:3306, user root, no password, database test) |
//! | `FERRY_TEST_POSTGRES` | PostgreSQL host:port (default 127.0.0.1:5432, user postgres, trust) |
//! | `FERRY_TEST_SERVERS` | where the test servers are installed (default `~/.cache/ferry/test-servers`) |

pub mod browser;
pub mod cluster;
pub mod db;
pub mod docker;
pub mod ferry;
pub mod kafka;
pub mod search;
pub mod servers;
pub mod wait;

pub use kafka::{consume, consume_records, create_topic, group_members, member_config, produce, Consumed};
pub use servers::{KafkaServer, SearchServer};
pub use wait::{poll_until, unique, wait_until};

/// Runs an async test body against a broker's bootstrap address, on a
/// multi-threaded runtime (Kafka clients block in places).
pub fn with_broker<F: std::future::Future>(kafka: &KafkaServer, body: impl FnOnce(String) -> F) -> F::Output {
    tokio::runtime::Runtime::new().expect("tokio runtime").block_on(body(kafka.bootstrap()))
}

/// A broker and a standalone Ferry on it (offsets flushed every 500 ms),
/// for one test.
pub struct Pipeline {
    _dir: tempfile::TempDir,
    pub kafka: KafkaServer,
    pub ferry: ferry::Ferry,
}

impl Pipeline {
    pub fn start(binary: &str) -> Self {
        let kafka = KafkaServer::start();
        let dir = tempfile::tempdir().expect("tempdir");
        let ferry = ferry::Ferry::standalone(binary, dir.path(), &kafka.bootstrap(), &[("offset.flush.interval.ms", "500".into())], &[]);
        Self { _dir: dir, kafka, ferry }
    }
}
