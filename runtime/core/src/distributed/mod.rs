//! Distributed mode: workers sharing a `group.id` through Kafka's group
//! coordinator, with Kafka Connect's own group protocol.

pub mod assignor;
pub mod config_log;
pub mod group_watch;
pub mod kafka_offsets;
pub mod membership;
pub mod status_log;
pub mod topic_log;
pub mod protocol;
mod wire;
