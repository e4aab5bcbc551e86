//! The keys every connector has (Connect's `ConnectorConfig`,
//! `SinkConnectorConfig`, `SourceConnectorConfig`), grouped as Connect
//! groups them in `config/validate`.

use ferry_api::config::{ConfigDef, ConfigType as T, Importance as I, Props, Validator, Width};
use ferry_api::{ConnectError, ConnectorKind, Result};

use super::{key, required};

pub const COMMON_GROUP: &str = "Common";
pub const TRANSFORMS_GROUP: &str = "Transforms";
pub const PREDICATES_GROUP: &str = "Predicates";
pub const ERROR_GROUP: &str = "Error Handling";

fn common() -> ConfigDef {
    let g = |k: ferry_api::ConfigKey, order, width, display: &str| k.group(COMMON_GROUP, order, width, display);
    ConfigDef::new()
        .define(g(
            required("name", T::String, I::High, "Globally unique name to use for this connector.")
                .validator(Validator::NonEmptyString),
            1, Width::Medium, "Connector name"))
        .define(g(
            required("connector.class", T::String, I::High,
                "Name or alias of the class for this connector. Must be a subclass of org.apache.kafka.connect.connector.Connector. \
                 If the connector is org.apache.kafka.connect.file.FileStreamSinkConnector, you can either specify this full name, \
                 or use \"FileStreamSink\" or \"FileStreamSinkConnector\" to make the configuration a bit shorter"),
            2, Width::Long, "Connector class"))
        .define(g(
            key("tasks.max", T::Int, Some("1"), I::High, "Maximum number of tasks to use for this connector.")
                .validator(Validator::at_least(1.0)),
            3, Width::Short, "Tasks max"))
        .define(g(
            key("tasks.max.enforce", T::Boolean, Some("true"), I::Low,
                "(Deprecated) Whether to enforce that the tasks.max property is respected by the connector."),
            4, Width::Short, "Enforce tasks max"))
        .define(g(
            key("key.converter", T::Class, None, I::Low,
                "Converter class used to convert between Kafka Connect format and the serialized form that is written to Kafka. \
                 This controls the format of the keys in messages written to or read from Kafka. Overrides the worker's."),
            5, Width::Short, "Key converter class"))
        .define(g(
            key("value.converter", T::Class, None, I::Low,
                "Converter class used to convert between Kafka Connect format and the serialized form that is written to Kafka. \
                 This controls the format of the values in messages written to or read from Kafka. Overrides the worker's."),
            6, Width::Short, "Value converter class"))
        .define(g(
            key("header.converter", T::Class, None, I::Low,
                "HeaderConverter class used to convert between Kafka Connect format and the serialized form that is written to Kafka. \
                 Overrides the worker's."),
            7, Width::Short, "Header converter class"))
        .define(key("transforms", T::List, Some(""), I::Low,
                "Aliases for the transformations to be applied to records.")
            .group(TRANSFORMS_GROUP, 8, Width::Long, "Transforms"))
        .define(key("predicates", T::List, Some(""), I::Low,
                "Aliases for the predicates used by transformations.")
            .group(PREDICATES_GROUP, 9, Width::Long, "Predicates"))
        .define(g(
            key("config.action.reload", T::String, Some("restart"), I::Low,
                "The action Connect should take on the connector when changes in external configuration providers result in a \
                 change in the connector's configuration properties.")
                .validator(Validator::OneOfIgnoreCase(vec!["none", "restart"])),
            10, Width::Medium, "Reload Action"))
        .define(key("errors.retry.timeout", T::Long, Some("0"), I::Medium,
                "The maximum duration in milliseconds that a failed operation will be reattempted. The default is 0, which means \
                 no retries will be attempted. Use -1 for infinite retries.")
            .group(ERROR_GROUP, 1, Width::Medium, "Retry Timeout for Errors"))
        .define(key("errors.retry.delay.max.ms", T::Long, Some("60000"), I::Medium,
                "The maximum duration in milliseconds between consecutive retry attempts.")
            .group(ERROR_GROUP, 2, Width::Medium, "Maximum Delay Between Retries for Errors"))
        .define(key("errors.tolerance", T::String, Some("none"), I::Medium,
                "Behavior for tolerating errors during connector operation. 'none' is the default value and signals that any \
                 error will result in an immediate connector task failure; 'all' changes the behavior to skip over problematic records.")
            .validator(Validator::OneOfIgnoreCase(vec!["none", "all"]))
            .group(ERROR_GROUP, 3, Width::Short, "Error Tolerance"))
        .define(key("errors.log.enable", T::Boolean, Some("false"), I::Medium,
                "If true, write each error and the details of the failed operation and problematic record to the log.")
            .group(ERROR_GROUP, 4, Width::Short, "Log Errors"))
        .define(key("errors.log.include.messages", T::Boolean, Some("false"), I::Medium,
                "Whether to include in the log the Connect record that resulted in a failure.")
            .group(ERROR_GROUP, 5, Width::Short, "Log Error Details"))
}

fn sink() -> ConfigDef {
    ConfigDef::new()
        .define(key("topics", T::List, Some(""), I::High,
                "List of topics to consume, separated by commas")
            .group(COMMON_GROUP, 4, Width::Long, "Topics"))
        .define(key("topics.regex", T::String, Some(""), I::High,
                "Regular expression giving topics to consume. Only one of topics or topics.regex should be specified.")
            .group(COMMON_GROUP, 4, Width::Long, "Topics regex"))
        .define(key("errors.deadletterqueue.topic.name", T::String, Some(""), I::Medium,
                "The name of the topic to be used as the dead letter queue (DLQ) for messages that result in an error when \
                 processed by this sink connector, or its transformations or converters.")
            .group(ERROR_GROUP, 6, Width::Medium, "Dead Letter Queue Topic Name"))
        .define(key("errors.deadletterqueue.topic.replication.factor", T::Short, Some("3"), I::Medium,
                "Replication factor used to create the dead letter queue topic when it doesn't already exist.")
            .group(ERROR_GROUP, 7, Width::Medium, "Dead Letter Queue Topic Replication Factor"))
        .define(key("errors.deadletterqueue.context.headers.enable", T::Boolean, Some("false"), I::Medium,
                "If true, add headers containing error context to the messages written to the dead letter queue.")
            .group(ERROR_GROUP, 8, Width::Medium, "Enable Error Context Headers"))
}

pub const TOPIC_CREATION_GROUP: &str = "Topic Creation";
pub const EXACTLY_ONCE_GROUP: &str = "Exactly Once Support";
pub const OFFSETS_TOPIC_GROUP: &str = "offsets.topic";

/// Source keys Connect defines; accepted here, and meaningful once
/// distributed mode and exactly-once sources exist.
fn source() -> ConfigDef {
    ConfigDef::new()
        .define(key("topic.creation.groups", T::List, Some(""), I::Low,
                "Groups of configurations for topics created by source connectors")
            .group(TOPIC_CREATION_GROUP, 1, Width::Long, "Topic Creation Groups"))
        .define(key("exactly.once.support", T::String, Some("requested"), I::Medium,
                "Permitted values are requested, required. If set to \"required\", forces a preflight check for the connector \
                 to ensure that it can provide exactly-once semantics with the given configuration.")
            .validator(Validator::OneOfIgnoreCase(vec!["requested", "required"]))
            .group(EXACTLY_ONCE_GROUP, 2, Width::Short, "Exactly once support"))
        .define(key("transaction.boundary", T::String, Some("poll"), I::Medium,
                "Permitted values are: poll, interval, connector. If set to 'poll', a new producer transaction will be started \
                 and committed for every batch of records that each task from this connector provides to Connect.")
            .validator(Validator::OneOfIgnoreCase(vec!["poll", "interval", "connector"]))
            .group(EXACTLY_ONCE_GROUP, 3, Width::Short, "Transaction Boundary"))
        .define(key("transaction.boundary.interval.ms", T::Long, None, I::Low,
                "If 'transaction.boundary' is set to 'interval', determines the interval for producer transaction commits by \
                 connector tasks. If unset, defaults to the value of the worker-level 'offset.flush.interval.ms' property.")
            .group(EXACTLY_ONCE_GROUP, 4, Width::Short, "Transaction boundary interval"))
        .define(key("offsets.storage.topic", T::String, None, I::Low,
                "The name of a separate offsets topic to use for this connector. Only applicable in distributed mode; in \
                 standalone mode, setting this property will have no effect.")
            .group(OFFSETS_TOPIC_GROUP, 1, Width::Long, "Offsets topic"))
}

/// The common keys for a connector of this kind.
pub fn config_def(kind: ConnectorKind) -> ConfigDef {
    match kind {
        ConnectorKind::Sink => common().merge(sink()),
        ConnectorKind::Source => common().merge(source()),
    }
}

/// Cross-key rules of sink configs: the keys in error and the message
/// (Connect reports a topics/topics.regex conflict on both keys).
pub fn sink_topics_error(props: &Props) -> Option<(&'static [&'static str], String)> {
    const BOTH: &[&str] = &["topics", "topics.regex"];
    let topics = props.get("topics").map(|s| s.trim()).unwrap_or("");
    let regex = props.get("topics.regex").map(|s| s.trim()).unwrap_or("");
    match (topics.is_empty(), regex.is_empty()) {
        (true, true) => Some((BOTH, "Must configure one of topics or topics.regex".to_owned())),
        (false, false) => Some((BOTH, "topics and topics.regex are mutually exclusive options, but both are set.".to_owned())),
        (true, false) => regex::Regex::new(regex)
            .err()
            .map(|e| (&BOTH[1..], format!("Invalid regex '{regex}': {e}"))),
        (false, true) => None,
    }
}

/// What the worker needs from a connector's config.
#[derive(Debug, Clone)]
pub struct ConnectorConfig {
    pub name: String,
    pub class: String,
    pub tasks_max: usize,
    pub key_converter: Option<String>,
    pub value_converter: Option<String>,
    pub header_converter: Option<String>,
    pub topics: Vec<String>,
    pub topics_regex: Option<String>,
    pub props: Props,
}

impl ConnectorConfig {
    pub fn parse(kind: ConnectorKind, props: &Props) -> Result<Self> {
        let c = config_def(kind).parse(props)?;
        if kind == ConnectorKind::Sink {
            if let Some((_, message)) = sink_topics_error(props) {
                return Err(ConnectError::config(message));
            }
        }
        let opt = |k: &str| c.string(k).filter(|s| !s.is_empty());
        Ok(Self {
            name: c.string("name").unwrap_or_default(),
            class: c.string("connector.class").unwrap_or_default(),
            tasks_max: usize::try_from(c.int("tasks.max")).unwrap_or(1).max(1),
            key_converter: opt("key.converter"),
            value_converter: opt("value.converter"),
            header_converter: opt("header.converter"),
            topics: if kind == ConnectorKind::Sink { c.list("topics") } else { Vec::new() },
            topics_regex: if kind == ConnectorKind::Sink { opt("topics.regex") } else { None },
            props: props.clone(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sink_needs_exactly_one_topic_setting() {
        let mut p = Props::new();
        assert!(sink_topics_error(&p).is_some());
        p.insert("topics".into(), "a".into());
        assert!(sink_topics_error(&p).is_none());
        p.insert("topics.regex".into(), "a.*".into());
        assert!(sink_topics_error(&p).is_some());
    }
}
