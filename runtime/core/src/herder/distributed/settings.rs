//! The distributed worker's own keys, with Kafka Connect's names and defaults.

use std::time::Duration;

use ferry_api::config::Props;

use crate::distributed::protocol::Protocol;
use crate::distributed::topic_log::TopicSpec;

#[derive(Debug, Clone)]
pub struct DistributedConfig {
    pub group_id: String,
    pub config_topic: TopicSpec,
    pub offsets_topic: TopicSpec,
    pub status_topic: TopicSpec,
    pub session_timeout: Duration,
    pub heartbeat_interval: Duration,
    pub rebalance_timeout: Duration,
    /// `scheduled.rebalance.max.delay.ms`: how long a departed worker's work waits for it.
    pub max_delay: Duration,
    pub protocol: Protocol,
}

fn millis(props: &Props, key: &str, default: u64) -> Result<Duration, String> {
    match props.get(key) {
        None => Ok(Duration::from_millis(default)),
        Some(v) => v.trim().parse::<u64>().map(Duration::from_millis).map_err(|_| format!("{key} must be a number of milliseconds, not '{v}'")),
    }
}

fn topic(props: &Props, prefix: &str, partitions: i32) -> Result<TopicSpec, String> {
    let name = props.get(&format!("{prefix}.storage.topic")).map(|t| t.trim().to_owned()).filter(|t| !t.is_empty());
    let name = name.ok_or_else(|| format!("{prefix}.storage.topic is required in distributed mode"))?;
    let int = |key: String, default: i32| match props.get(&key) {
        None => Ok(default),
        Some(v) => v.trim().parse::<i32>().map_err(|_| format!("{key} must be a whole number, not '{v}'")),
    };
    Ok(TopicSpec {
        name,
        // The config topic must keep one order of records: one partition, as Connect insists.
        partitions: if prefix == "config" { 1 } else { int(format!("{prefix}.storage.partitions"), partitions)? },
        replication_factor: int(format!("{prefix}.storage.replication.factor"), -1)?,
    })
}

/// Connect's `connect.protocol` values, in any case; the eager protocol's
/// name in the group, `default`, is taken too.
fn protocol_named(name: &str) -> Option<Protocol> {
    match name.to_ascii_lowercase().as_str() {
        "eager" | "default" => Some(Protocol::Default),
        other => Protocol::from_name(other),
    }
}

impl DistributedConfig {
    pub fn parse(props: &Props) -> Result<Self, String> {
        let group_id = props.get("group.id").map(|g| g.trim().to_owned()).filter(|g| !g.is_empty());
        let protocol = props.get("connect.protocol").map_or("sessioned", |p| p.trim());
        Ok(Self {
            group_id: group_id.ok_or("group.id is required in distributed mode")?,
            config_topic: topic(props, "config", 1)?,
            offsets_topic: topic(props, "offset", 25)?,
            status_topic: topic(props, "status", 5)?,
            session_timeout: millis(props, "session.timeout.ms", 10_000)?,
            heartbeat_interval: millis(props, "heartbeat.interval.ms", 3_000)?,
            rebalance_timeout: millis(props, "rebalance.timeout.ms", 60_000)?,
            max_delay: millis(props, "scheduled.rebalance.max.delay.ms", 300_000)?,
            protocol: protocol_named(protocol).ok_or_else(|| format!("connect.protocol must be eager, compatible or sessioned, not '{protocol}'"))?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn props(pairs: &[(&str, &str)]) -> Props {
        pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
    }

    #[test]
    fn keys_and_defaults_are_connects() {
        let base = [("group.id", "g"), ("config.storage.topic", "c"), ("offset.storage.topic", "o"), ("status.storage.topic", "s")];
        let c = DistributedConfig::parse(&props(&base)).expect("parses");
        assert_eq!((c.offsets_topic.partitions, c.status_topic.partitions, c.config_topic.partitions), (25, 5, 1));
        assert_eq!(c.session_timeout, Duration::from_secs(10));
        assert_eq!(c.max_delay, Duration::from_secs(300));
        assert_eq!(c.protocol, Protocol::Sessioned);
        let eager = DistributedConfig::parse(&props(&[base.as_slice(), &[("connect.protocol", "EAGER")]].concat())).expect("parses");
        assert_eq!(eager.protocol, Protocol::Default);
        let mut bad = props(&base);
        bad.insert("session.timeout.ms".into(), "soon".into());
        assert!(DistributedConfig::parse(&bad).is_err_and(|e| e.contains("session.timeout.ms")));
        bad.remove("session.timeout.ms");
        bad.remove("group.id");
        assert!(DistributedConfig::parse(&bad).is_err_and(|e| e.contains("group.id")));
    }
}
