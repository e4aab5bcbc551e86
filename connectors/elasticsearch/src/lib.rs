//! The Elasticsearch sink (Elasticsearch 7 and 8, OpenSearch 1 and 2 over
//! their REST API), configured like Confluent's
//! `io.confluent.connect.elasticsearch.ElasticsearchSinkConnector`.

pub mod bulk;
pub mod client;
pub mod config;
pub mod connector;
pub mod document;
pub mod mapping;
pub mod offsets;
pub mod pipeline;
pub mod retry;
pub mod task;

pub use connector::ElasticsearchSinkConnector;

pub const SINK_CLASS: &str = "io.confluent.connect.elasticsearch.ElasticsearchSinkConnector";
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
