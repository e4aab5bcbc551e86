//! Ferry's worker: it runs connectors and their tasks, moves records
//! between tasks and Kafka through converters, and keeps offsets, configs
//! and statuses. It knows no concrete connector and no HTTP: the binary
//! hands it a plugin registry, and the REST layer talks to a [`herder::Herder`].

pub mod config;
pub mod convert;
pub mod distributed;
pub mod herder;
pub mod kafka;
pub mod log;
pub mod plugins;
pub mod stores;
pub mod transforms;
pub mod worker;

/// Ferry's version, reported over REST and in logs.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
