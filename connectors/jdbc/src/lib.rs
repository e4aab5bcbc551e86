//! JDBC-compatible connectors for MySQL, MariaDB and PostgreSQL,
//! configured like Confluent's `io.confluent.connect.jdbc` connectors.

pub mod column;
pub mod convert;
pub mod dialect;
pub mod source;
pub mod url;

pub use source::JdbcSourceConnector;

pub const SOURCE_CLASS: &str = "io.confluent.connect.jdbc.JdbcSourceConnector";
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
