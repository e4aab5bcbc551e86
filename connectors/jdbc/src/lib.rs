//! JDBC-compatible connectors for MySQL, MariaDB and PostgreSQL,
//! configured like Confluent's `io.confluent.connect.jdbc` connectors.

pub mod column;
pub mod connection;
pub mod convert;
pub mod dialect;
pub mod sink;
pub mod source;
pub mod url;

pub use sink::JdbcSinkConnector;
pub use source::JdbcSourceConnector;

pub const SOURCE_CLASS: &str = "io.confluent.connect.jdbc.JdbcSourceConnector";
pub const SINK_CLASS: &str = "io.confluent.connect.jdbc.JdbcSinkConnector";
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
