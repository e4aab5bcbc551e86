//! Worker properties from `CONNECT_*` environment variables, by the rules
//! of Confluent's `cp-kafka-connect` image, so its compose files work as
//! they are: strip the prefix, lower-case, then `___` → `-`, `__` → `_`,
//! `_` → `.` (`CONNECT_KEY_CONVERTER_SCHEMAS_ENABLE` → `key.converter.schemas.enable`).

use ferry_api::config::Props;
use ferry_runtime::config::worker::{config_def, distributed_config_def};

const PREFIX: &str = "CONNECT_";

/// What the environment says about the worker.
#[derive(Debug, Default, PartialEq)]
pub struct EnvConfig {
    /// The worker's properties.
    pub props: Props,
    /// `CONNECT_LOG4J_ROOT_LOGLEVEL` and `CONNECT_LOG4J_LOGGERS` as a
    /// `tracing` filter, when given.
    pub log_filter: Option<String>,
    /// Variables that were read and have no effect, each with why.
    pub ignored: Vec<(String, &'static str)>,
}

/// The worker key a `CONNECT_*` variable names, or `None` for other variables.
pub fn key_for(var: &str) -> Option<String> {
    let rest = var.strip_prefix(PREFIX)?;
    if rest.is_empty() {
        return None;
    }
    // A placeholder that cannot appear in a variable name keeps `__` apart from `_`.
    Some(rest.to_lowercase().replace("___", "-").replace("__", "\u{0}").replace('_', ".").replace('\u{0}', "_"))
}

pub fn from_env(vars: impl IntoIterator<Item = (String, String)>) -> EnvConfig {
    let mut out = EnvConfig::default();
    let mut root_level = None;
    let mut loggers = None;
    for (var, value) in vars {
        if JVM_VARS.contains(&var.as_str()) {
            out.ignored.push((var, "a JVM setting; Ferry has no JVM"));
            continue;
        }
        let Some(key) = key_for(&var) else { continue };
        if key.starts_with("log4j.") {
            match key.as_str() {
                "log4j.root.loglevel" => root_level = Some(value),
                "log4j.loggers" => loggers = Some(value),
                _ => out.ignored.push((var, "a log4j setting with no counterpart in Ferry's logging")),
            }
            continue;
        }
        if let Some(why) = ignored_key(&key) {
            out.ignored.push((var, why));
            continue;
        }
        if !known_key(&key) {
            out.ignored.push((var, "not a Kafka Connect or Ferry worker key"));
            continue;
        }
        out.props.insert(key, value);
    }
    legacy_rest_listener(&mut out.props);
    out.log_filter = log_filter(root_level.as_deref(), loggers.as_deref());
    out.ignored.sort();
    out
}

/// JVM settings the Confluent image reads; accepted so compose files keep them.
const JVM_VARS: &[&str] = &["KAFKA_HEAP_OPTS", "KAFKA_OPTS", "KAFKA_JVM_PERFORMANCE_OPTS", "KAFKA_JMX_OPTS", "KAFKA_JMX_PORT", "KAFKA_JMX_HOSTNAME", "KAFKA_DEBUG", "KAFKA_GC_LOG_OPTS", "KAFKA_LOG4J_OPTS", "CLASSPATH"];

/// Keys Kafka Connect (or an older Connect) reads that do nothing in Ferry.
fn ignored_key(key: &str) -> Option<&'static str> {
    match key {
        // plugin.path is a worker key Ferry accepts (and says it ignores).
        "internal.key.converter" | "internal.value.converter" => Some("removed in Kafka Connect 3.0; internal topics are JSON"),
        _ if key.starts_with("internal.key.converter.") || key.starts_with("internal.value.converter.") => {
            Some("removed in Kafka Connect 3.0; internal topics are JSON")
        }
        "zookeeper.connect" => Some("Kafka Connect does not talk to ZooKeeper"),
        _ => None,
    }
}

/// Prefixes of keys passed on as they are: converter, client and security settings.
const KNOWN_PREFIXES: &[&str] = &[
    "key.converter.", "value.converter.", "header.converter.", "producer.", "consumer.", "admin.", "ssl.", "sasl.",
    "listeners.", "config.providers", "rest.extension.", "inter.worker.", "metrics.", "offset.storage.", "config.storage.",
    "status.storage.", "client.", "reconnect.", "retry.", "socket.", "worker.", "topic.",
];

/// Kafka Connect 3.9's worker keys that Ferry does not define but accepts.
const CONNECT_KEYS: &[&str] = &[
    "rest.host.name", "rest.port", "admin.listeners", "connector.client.config.override.policy", "metric.reporters",
    "auto.include.jmx.reporter", "response.http.headers.config", "exactly.once.source.support", "security.protocol",
    "metadata.max.age.ms", "send.buffer.bytes", "receive.buffer.bytes", "request.timeout.ms", "connections.max.idle.ms",
    "task.shutdown.graceful.timeout.ms", "plugin.discovery",
];

fn known_key(key: &str) -> bool {
    CONNECT_KEYS.contains(&key)
        || KNOWN_PREFIXES.iter().any(|p| key.starts_with(p))
        || config_def().keys().iter().any(|k| k.name == key)
        || distributed_config_def().keys().iter().any(|k| k.name == key)
}

/// `rest.host.name`/`rest.port` (what `CONNECT_REST_PORT` gives), removed
/// from Kafka Connect 3.0, become `listeners` unless that is set.
fn legacy_rest_listener(props: &mut Props) {
    let host = props.remove("rest.host.name").unwrap_or_default();
    let port = props.remove("rest.port");
    if props.contains_key("listeners") || (host.is_empty() && port.is_none()) {
        return;
    }
    props.insert("listeners".to_owned(), format!("http://{host}:{}", port.as_deref().unwrap_or("8083")));
}

/// log4j levels as a `tracing` filter: `WARN` and
/// `org.apache.kafka.connect=DEBUG,ferry_runtime::worker=TRACE`. Java
/// logger names have no Rust counterpart but for the root; Rust module
/// paths are passed on.
fn log_filter(root: Option<&str>, loggers: Option<&str>) -> Option<String> {
    let level = |l: &str| match l.trim().to_ascii_uppercase().as_str() {
        "FATAL" | "ERROR" => Some("error"),
        "WARN" => Some("warn"),
        "INFO" => Some("info"),
        "DEBUG" => Some("debug"),
        "TRACE" | "ALL" => Some("trace"),
        "OFF" => Some("off"),
        _ => None,
    };
    let mut parts: Vec<String> = root.and_then(level).map(str::to_owned).into_iter().collect();
    for entry in loggers.unwrap_or("").split(',') {
        if let Some((name, l)) = entry.split_once('=') {
            if let (true, Some(l)) = (name.contains("::") || name.starts_with("ferry"), level(l)) {
                parts.push(format!("{}={l}", name.trim()));
            }
        }
    }
    (!parts.is_empty()).then(|| parts.join(","))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(vars: &[(&str, &str)]) -> EnvConfig {
        from_env(vars.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())))
    }

    #[test]
    fn confluent_rules() {
        assert_eq!(key_for("CONNECT_BOOTSTRAP_SERVERS").as_deref(), Some("bootstrap.servers"));
        assert_eq!(key_for("CONNECT_KEY_CONVERTER_SCHEMAS_ENABLE").as_deref(), Some("key.converter.schemas.enable"));
        assert_eq!(key_for("CONNECT_PRODUCER_CLIENT__ID").as_deref(), Some("producer.client_id"));
        assert_eq!(key_for("CONNECT_CONFIG_PROVIDERS_FILE___X_CLASS").as_deref(), Some("config.providers.file-x.class"));
        assert_eq!(key_for("CONNECT_"), None);
        assert_eq!(key_for("KAFKA_HEAP_OPTS"), None);
    }

    #[test]
    fn the_confluent_compose_service() {
        let e = env(&[
            ("CONNECT_PLUGIN_PATH", "/usr/share/java,/usr/share/java/kafka-connect-elasticsearch"),
            ("CONNECT_CONFIG_STORAGE_TOPIC", "my_connect_configs"),
            ("CONNECT_OFFSET_STORAGE_TOPIC", "my_connect_offsets"),
            ("CONNECT_STATUS_STORAGE_TOPIC", "my_connect_statuses"),
            ("CONNECT_KEY_CONVERTER", "org.apache.kafka.connect.json.JsonConverter"),
            ("CONNECT_BOOTSTRAP_SERVERS", "kafka-1:29092,kafka-2:29093"),
            ("CONNECT_REST_PORT", "8083"),
            ("CONNECT_REST_ADVERTISED_HOST_NAME", "localhost"),
            ("CONNECT_GROUP_ID", "compose-connect-group"),
            ("CONNECT_INTERNAL_KEY_CONVERTER", "org.apache.kafka.connect.json.JsonConverter"),
            ("KAFKA_HEAP_OPTS", "-Xms256M -Xmx2G"),
            ("CONNECT_LOG4J_ROOT_LOGLEVEL", "WARN"),
            ("CONNECT_LOG4J_LOGGERS", "org.reflections=ERROR,ferry_runtime::worker=debug"),
            ("CONNECT_NO_SUCH_THING", "1"),
            ("HOME", "/root"),
        ]);
        let get = |k: &str| e.props.get(k).map(String::as_str);
        assert_eq!(get("group.id"), Some("compose-connect-group"));
        assert_eq!(get("config.storage.topic"), Some("my_connect_configs"));
        assert_eq!(get("listeners"), Some("http://:8083"));
        assert_eq!(get("rest.port"), None);
        assert_eq!(get("plugin.path"), Some("/usr/share/java,/usr/share/java/kafka-connect-elasticsearch"));
        assert_eq!(e.log_filter.as_deref(), Some("warn,ferry_runtime::worker=debug"));
        let ignored: Vec<&str> = e.ignored.iter().map(|(v, _)| v.as_str()).collect();
        assert_eq!(ignored, ["CONNECT_INTERNAL_KEY_CONVERTER", "CONNECT_NO_SUCH_THING", "KAFKA_HEAP_OPTS"]);
        assert_eq!(e.props.len(), 9);
    }

    #[test]
    fn listeners_win_over_the_legacy_port() {
        let e = env(&[("CONNECT_LISTENERS", "http://127.0.0.1:18083"), ("CONNECT_REST_PORT", "8083")]);
        assert_eq!(e.props.get("listeners").map(String::as_str), Some("http://127.0.0.1:18083"));
        let e = env(&[("CONNECT_REST_HOST_NAME", "127.0.0.9")]);
        assert_eq!(e.props.get("listeners").map(String::as_str), Some("http://127.0.0.9:8083"));
    }
}
