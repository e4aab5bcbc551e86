//! The JDBC sink connector.

pub mod config;
pub mod connector;
pub mod ddl;
pub mod dml;
pub mod shape;
pub mod task;
pub mod writer;

pub use connector::JdbcSinkConnector;
