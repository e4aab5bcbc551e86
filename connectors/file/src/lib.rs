//! `org.apache.kafka.connect.file.FileStreamSourceConnector` and
//! `FileStreamSinkConnector`: lines of a file into a topic, records of
//! topics into lines of a file.

mod sink;
mod source;

pub use sink::{FileStreamSinkConnector, FileStreamSinkTask};
pub use source::{FileStreamSourceConnector, FileStreamSourceTask};

pub const SOURCE_CLASS: &str = "org.apache.kafka.connect.file.FileStreamSourceConnector";
pub const SINK_CLASS: &str = "org.apache.kafka.connect.file.FileStreamSinkConnector";
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
