//! Ferry's contract with connectors: Connect's data model, records, the
//! connector SPI, configuration definitions and errors. No I/O lives here.

pub mod config;
pub mod connector;
pub mod converter;
pub mod data;
pub mod error;
pub mod record;

pub use config::{ConfigDef, ConfigKey, ConfigType, Importance, Props};
pub use connector::{
    Connector, ConnectorContext, ConnectorKind, ErrantRecordReporter, OffsetReader,
    PartitionOffsets, SinkConnector, SinkTask, SinkTaskContext, SourceConnector, SourceTask,
};
pub use converter::{Converter, HeaderConverter};
pub use data::{Field, Schema, SchemaRef, SchemaType, Struct, Value};
pub use error::{ConnectError, ErrorKind, Result};
pub use record::{
    Header, Headers, SchemaAndValue, SinkRecord, SourceMap, SourceRecord, TopicPartition,
};
