//! The worker's own properties (`worker.properties`).

use std::path::PathBuf;
use std::time::Duration;

use ferry_api::config::{with_prefix, ConfigDef, ConfigType as T, Importance as I, Props, Validator};
use ferry_api::Result;

use crate::log::embedded::EmbeddedConfig;

use super::key;

pub const JSON_CONVERTER: &str = "org.apache.kafka.connect.json.JsonConverter";
pub const SIMPLE_HEADER_CONVERTER: &str = "org.apache.kafka.connect.storage.SimpleHeaderConverter";

/// The keys `ferry distributed` reads on top of [`config_def`], with
/// Kafka Connect's names and defaults (parsed by `DistributedConfig`).
pub fn distributed_config_def() -> ConfigDef {
    let topic = |prefix: &str, what: &str| {
        key(&format!("{prefix}.storage.topic"), T::String, None, I::High,
            &format!("Distributed mode: the compacted topic {what} are kept in; created on start when missing. Required."))
    };
    let replication = |prefix: &str| {
        key(&format!("{prefix}.storage.replication.factor"), T::Short, Some("-1"), I::Low,
            &format!("Distributed mode: the replication factor of `{prefix}.storage.topic` when Ferry creates it. Ferry's default -1 takes the broker's default (Kafka Connect's is 3)."))
    };
    ConfigDef::new()
        .define(key("group.id", T::String, None, I::High,
            "Distributed mode: the cluster this worker belongs to. Workers with the same group.id share connectors and tasks. Required."))
        .define(topic("config", "connector and task configs"))
        .define(replication("config"))
        .define(topic("offset", "source offsets"))
        .define(replication("offset"))
        .define(key("offset.storage.partitions", T::Int, Some("25"), I::Low,
            "Distributed mode: partitions of `offset.storage.topic` when Ferry creates it."))
        .define(topic("status", "connector and task statuses"))
        .define(replication("status"))
        .define(key("status.storage.partitions", T::Int, Some("5"), I::Low,
            "Distributed mode: partitions of `status.storage.topic` when Ferry creates it."))
        .define(key("session.timeout.ms", T::Int, Some("10000"), I::High,
            "Distributed mode: a worker that sends no heartbeat for this long is out of the group, and its work moves."))
        .define(key("heartbeat.interval.ms", T::Int, Some("3000"), I::High,
            "Distributed mode: how often the worker tells the group's coordinator it is alive; well under session.timeout.ms."))
        .define(key("rebalance.timeout.ms", T::Int, Some("60000"), I::High,
            "Distributed mode: how long the coordinator waits for every worker to rejoin during a rebalance."))
        .define(key("scheduled.rebalance.max.delay.ms", T::Int, Some("300000"), I::Low,
            "Distributed mode: how long a departed worker's connectors and tasks wait for it to come back before they are reassigned."))
        .define(key("connect.protocol", T::String, Some("sessioned"), I::Low,
            "Distributed mode: the group protocol offered: eager (every rebalance stops and reassigns all work), compatible or sessioned (both incremental, KIP-415: work that stays keeps running)."))
}

pub fn config_def() -> ConfigDef {
    ConfigDef::new()
        .define(key("bootstrap.servers", T::List, Some("localhost:9092"), I::High,
            "Kafka brokers to connect to, host:port, comma-separated. When the key is absent (or `embedded`) the worker runs on its embedded log, with no Kafka."))
        .define(key("key.converter", T::Class, Some(JSON_CONVERTER), I::High,
            "Converter for record keys. Connectors may override it."))
        .define(key("value.converter", T::Class, Some(JSON_CONVERTER), I::High,
            "Converter for record values. Connectors may override it."))
        .define(key("header.converter", T::Class, Some(SIMPLE_HEADER_CONVERTER), I::Low,
            "Converter for record headers."))
        .define(key("offset.flush.interval.ms", T::Long, Some("60000"), I::Low,
            "How often source offsets are stored and sink offsets committed.")
            .validator(Validator::at_least(0.0)))
        .define(key("offset.flush.timeout.ms", T::Long, Some("5000"), I::Low,
            "How long an offset flush waits for outstanding records before giving up for this round.")
            .validator(Validator::at_least(0.0)))
        .define(key("task.shutdown.graceful.timeout.ms", T::Long, Some("5000"), I::Low,
            "How long a task is given to stop before it is abandoned."))
        .define(key("task.stall.report.ms", T::Long, Some("60000"), I::Low,
            "Ferry: a sink task whose Kafka consumer has fetched nothing for this long while its client keeps reporting \
             errors (a broker away, a fetch answer it cannot read) says so in its status trace, still RUNNING, until records flow again.")
            .validator(Validator::at_least(0.0)))
        .define(key("task.restart.on.failure", T::Boolean, Some("false"), I::Medium,
            "Ferry: restart FAILED tasks automatically, after a backoff that doubles with each failure in a row \
             (Kafka Connect leaves them FAILED until restarted over REST). The status trace says when the next restart is due."))
        .define(key("task.restart.backoff.initial.ms", T::Long, Some("1000"), I::Low,
            "Ferry: the wait before the first automatic restart of a FAILED task.")
            .validator(Validator::at_least(0.0)))
        .define(key("task.restart.backoff.max.ms", T::Long, Some("300000"), I::Low,
            "Ferry: the longest wait between automatic restarts; a task that ran this long without failing starts over at the initial backoff.")
            .validator(Validator::at_least(0.0)))
        .define(key("offset.storage.file.filename", T::String, Some(""), I::High,
            "Standalone mode: the file source offsets are stored in."))
        .define(key("listeners", T::List, Some("http://:8083"), I::Low,
            "REST listeners, e.g. http://:8083 or http://127.0.0.1:8083."))
        .define(key("rest.advertised.host.name", T::String, None, I::Low,
            "The host name other workers and clients should use; default: this machine's name."))
        .define(key("rest.advertised.port", T::Int, None, I::Low,
            "The port other workers and clients should use; default: the listener's port."))
        .define(key("rest.advertised.listener", T::String, None, I::Low,
            "http or https, for the advertised URL."))
        .define(key("access.control.allow.origin", T::String, Some(""), I::Low,
            "CORS: allowed origins for REST requests (empty disables CORS)."))
        .define(key("access.control.allow.methods", T::String, Some(""), I::Low,
            "CORS: allowed methods (default GET, POST, HEAD)."))
        .define(key("log.dir", T::String, None, I::Medium,
            "Embedded log: its directory. Default: ferry-log next to offset.storage.file.filename."))
        .define(key("log.flush.interval.ms", T::Long, Some("1000"), I::Medium,
            "Embedded log: how often written records are fsynced. A record is acknowledged once written, so it \
             survives the process being killed; this bounds what a power loss can take. 0 fsyncs before every acknowledgement.")
            .validator(Validator::at_least(0.0)))
        .define(key("log.segment.bytes", T::Long, Some("67108864"), I::Low,
            "Embedded log: the size at which a partition starts a new segment file.")
            .validator(Validator::at_least(1024.0)))
        .define(key("log.retention.bytes", T::Long, Some("-1"), I::Medium,
            "Embedded log: the size a partition may keep before old segments are deleted (-1: no limit). \
             A segment is only deleted once every consumer group has committed past it."))
        .define(key("log.retention.ms", T::Long, Some("604800000"), I::Medium,
            "Embedded log: how long segments are kept (-1: forever). A segment is only deleted once every \
             consumer group has committed past it."))
        .define(key("log.retention.check.interval.ms", T::Long, Some("30000"), I::Low,
            "Embedded log: how often retention runs.")
            .validator(Validator::at_least(1.0)))
        .define(key("log.num.partitions", T::Int, Some("1"), I::Low,
            "Embedded log: partitions of a topic created on first use.")
            .validator(Validator::at_least(1.0)))
        .define(key("plugin.path", T::List, None, I::Low,
            "Accepted for compatibility and ignored: Ferry's plugins are built in."))
        .define(key("plugin.discovery", T::String, Some("hybrid_warn"), I::Low,
            "Accepted for compatibility and ignored."))
}

/// A parsed worker configuration.
#[derive(Debug, Clone)]
pub struct WorkerConfig {
    pub props: Props,
    pub bootstrap_servers: String,
    pub key_converter: String,
    pub value_converter: String,
    pub header_converter: String,
    pub offset_flush_interval: Duration,
    pub offset_flush_timeout: Duration,
    pub task_shutdown_timeout: Duration,
    /// How long a sink's consumer may be stuck before its status says so.
    pub task_stall_report: Duration,
    /// Automatic restarts of FAILED tasks: (initial, max) backoff, when enabled.
    pub task_restart: Option<(Duration, Duration)>,
    pub offset_file: Option<PathBuf>,
    pub listeners: Vec<String>,
    pub advertised_host: Option<String>,
    pub advertised_port: Option<u16>,
    pub advertised_listener: Option<String>,
    pub cors_origin: String,
    pub cors_methods: String,
    /// Set when the worker runs on the embedded log instead of Kafka.
    pub embedded_log: Option<EmbeddedConfig>,
}

impl WorkerConfig {
    pub fn parse(props: Props) -> Result<Self> {
        let c = config_def().parse(&props)?;
        let ms = |k: &str| Duration::from_millis(c.long(k).max(0) as u64);
        let offset_file = c.string("offset.storage.file.filename").filter(|f| !f.is_empty()).map(PathBuf::from);
        if c.get("plugin.path").is_some_and(|v| *v != ferry_api::config::Parsed::Null) {
            tracing::info!("plugin.path is ignored: Ferry's plugins are built in");
        }
        // No bootstrap.servers (or `embedded`): no Kafka, the embedded log.
        let embedded = props.get("bootstrap.servers").is_none_or(|b| b.trim() == "embedded");
        let embedded_log = embedded.then(|| {
            let optional_ms = |k: &str| u64::try_from(c.long(k)).ok().map(Duration::from_millis);
            let dir = c.string("log.dir").filter(|d| !d.is_empty()).map(PathBuf::from).unwrap_or_else(|| {
                offset_file
                    .as_ref()
                    .and_then(|f| f.parent())
                    .map_or_else(|| PathBuf::from("ferry-log"), |d| d.join("ferry-log"))
            });
            EmbeddedConfig {
                dir,
                flush_interval: ms("log.flush.interval.ms"),
                segment_bytes: u64::try_from(c.long("log.segment.bytes")).unwrap_or(64 << 20),
                retention_bytes: u64::try_from(c.long("log.retention.bytes")).ok(),
                retention: optional_ms("log.retention.ms"),
                retention_check: ms("log.retention.check.interval.ms"),
                partitions: c.int("log.num.partitions").max(1),
            }
        });
        Ok(Self {
            embedded_log,
            bootstrap_servers: c.list("bootstrap.servers").join(","),
            key_converter: c.string("key.converter").unwrap_or_default(),
            value_converter: c.string("value.converter").unwrap_or_default(),
            header_converter: c.string("header.converter").unwrap_or_default(),
            offset_flush_interval: ms("offset.flush.interval.ms"),
            offset_flush_timeout: ms("offset.flush.timeout.ms"),
            task_shutdown_timeout: ms("task.shutdown.graceful.timeout.ms"),
            task_stall_report: ms("task.stall.report.ms"),
            task_restart: c
                .boolean("task.restart.on.failure")
                .then(|| (ms("task.restart.backoff.initial.ms"), ms("task.restart.backoff.max.ms"))),
            offset_file,
            listeners: c.list("listeners"),
            advertised_host: c.string("rest.advertised.host.name").filter(|s| !s.is_empty()),
            advertised_port: u16::try_from(c.int("rest.advertised.port")).ok().filter(|p| *p != 0),
            advertised_listener: c.string("rest.advertised.listener").filter(|s| !s.is_empty()),
            cors_origin: c.string("access.control.allow.origin").unwrap_or_default(),
            cors_methods: c.string("access.control.allow.methods").unwrap_or_default(),
            props,
        })
    }

    /// Properties for a Kafka client: `bootstrap.servers` and the worker's
    /// top-level security keys (`security.*`, `sasl.*`, `ssl.*`), then the
    /// keys under `prefix` (`producer.`, `consumer.`, `admin.`), which win.
    pub fn client_props(&self, prefix: &str) -> Props {
        let mut p: Props = self
            .props
            .iter()
            .filter(|(k, _)| ["security.", "sasl.", "ssl."].iter().any(|s| k.starts_with(s)))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        p.insert("bootstrap.servers".into(), self.bootstrap_servers.clone());
        p.extend(with_prefix(&self.props, prefix));
        p
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_like_connect() {
        let w = WorkerConfig::parse(Props::new()).expect("defaults are valid");
        assert_eq!(w.bootstrap_servers, "localhost:9092");
        let log = w.embedded_log.expect("no bootstrap.servers: embedded log");
        assert_eq!(log.dir, PathBuf::from("ferry-log"));
        assert_eq!(log.flush_interval, Duration::from_secs(1));
        let mut p = Props::new();
        p.insert("bootstrap.servers".into(), "k:9092".into());
        assert!(WorkerConfig::parse(p).expect("valid").embedded_log.is_none());
        assert_eq!(w.offset_flush_interval, Duration::from_secs(60));
        assert_eq!(w.listeners, vec!["http://:8083"]);
        assert_eq!(w.value_converter, JSON_CONVERTER);
    }

    #[test]
    fn rejects_bad_numbers() {
        let mut p = Props::new();
        p.insert("offset.flush.interval.ms".into(), "soon".into());
        let e = WorkerConfig::parse(p).err().map(|e| e.to_string());
        assert_eq!(
            e.as_deref(),
            Some("Invalid value soon for configuration offset.flush.interval.ms: Not a number of type LONG")
        );
    }
}

