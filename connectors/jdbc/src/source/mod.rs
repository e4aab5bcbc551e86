//! The JDBC source connector.

pub mod config;
pub mod connector;
pub mod offset;
pub mod querier;
pub mod sql;
pub mod tables;
pub mod task;

pub use connector::JdbcSourceConnector;
