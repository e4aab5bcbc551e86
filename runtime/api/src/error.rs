//! The one error type connectors, converters and the runtime exchange. Its
//! kind decides what happens next: retry, tolerate, fail the task, or answer
//! the REST caller with a 400.

use std::fmt;

pub type Result<T, E = ConnectError> = std::result::Result<T, E>;

/// What the runtime does with an error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// A configuration is invalid: reported, never retried.
    Config,
    /// A transient failure (network, broker, database away): retried with backoff.
    Retriable,
    /// A record could not be converted or transformed: subject to `errors.tolerance`.
    DataConversion,
    /// Anything else: the task goes FAILED.
    Fatal,
}

#[derive(Debug, thiserror::Error)]
pub struct ConnectError {
    kind: ErrorKind,
    message: String,
    #[source]
    source: Option<Box<dyn std::error::Error + Send + Sync + 'static>>,
}

impl ConnectError {
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Self { kind, message: message.into(), source: None }
    }
    pub fn config(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Config, message)
    }
    pub fn retriable(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Retriable, message)
    }
    pub fn data(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::DataConversion, message)
    }
    pub fn fatal(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Fatal, message)
    }
    /// Attaches the underlying cause, kept for the `trace` shown over REST.
    pub fn with_source(mut self, source: impl std::error::Error + Send + Sync + 'static) -> Self {
        self.source = Some(Box::new(source));
        self
    }
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }
    pub fn message(&self) -> &str {
        &self.message
    }
    pub fn is_retriable(&self) -> bool {
        self.kind == ErrorKind::Retriable
    }

    /// The message followed by every cause, one per line, as Connect's
    /// `trace` field shows a stack of causes.
    pub fn trace(&self) -> String {
        let mut out = format!("{}: {}", self.kind.class_name(), self.message);
        let mut cause = std::error::Error::source(self);
        while let Some(c) = cause {
            out.push_str("\nCaused by: ");
            out.push_str(&c.to_string());
            cause = c.source();
        }
        out
    }
}

impl ErrorKind {
    /// The Connect exception class a Java user would recognise.
    pub fn class_name(self) -> &'static str {
        match self {
            ErrorKind::Config => "org.apache.kafka.common.config.ConfigException",
            ErrorKind::Retriable => "org.apache.kafka.connect.errors.RetriableException",
            ErrorKind::DataConversion => "org.apache.kafka.connect.errors.DataException",
            ErrorKind::Fatal => "org.apache.kafka.connect.errors.ConnectException",
        }
    }
}

impl fmt::Display for ConnectError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}
