//! Every plugin Ferry ships, one line each, under its Java class name.
//! Aliases (`FileStreamSink`, `JsonConverter`, …) follow from the class name.

use ferry_api::config::ConfigDef;
use ferry_runtime::convert::{ByteArrayConverter, JsonConverter, SimpleHeaderConverter, StringConverter};
use ferry_runtime::plugins::{ConnectorFactory, Plugin, Registry};
use ferry_runtime::VERSION;

pub fn registry() -> Registry {
    Registry::new()
        .connector(Plugin {
            class: ferry_file::SOURCE_CLASS,
            version: VERSION,
            factory: ConnectorFactory::Source(|| Box::<ferry_file::FileStreamSourceConnector>::default()),
            config_def: || ferry_api::connector::Connector::config_def(&ferry_file::FileStreamSourceConnector::default()),
        })
        .connector(Plugin {
            class: ferry_file::SINK_CLASS,
            version: VERSION,
            factory: ConnectorFactory::Sink(|| Box::<ferry_file::FileStreamSinkConnector>::default()),
            config_def: || ferry_api::connector::Connector::config_def(&ferry_file::FileStreamSinkConnector::default()),
        })
        .connector(Plugin {
            class: ferry_jdbc::SOURCE_CLASS,
            version: VERSION,
            factory: ConnectorFactory::Source(|| Box::<ferry_jdbc::JdbcSourceConnector>::default()),
            config_def: ferry_jdbc::source::config::config_def,
        })
        .connector(Plugin {
            class: ferry_jdbc::SINK_CLASS,
            version: VERSION,
            factory: ConnectorFactory::Sink(|| Box::<ferry_jdbc::JdbcSinkConnector>::default()),
            config_def: ferry_jdbc::sink::config::config_def,
        })
        .connector(Plugin {
            class: ferry_elasticsearch::SINK_CLASS,
            version: VERSION,
            factory: ConnectorFactory::Sink(|| Box::<ferry_elasticsearch::ElasticsearchSinkConnector>::default()),
            config_def: ferry_elasticsearch::config::config_def,
        })
        .converter(Plugin {
            class: "org.apache.kafka.connect.json.JsonConverter",
            version: VERSION,
            factory: |p, k| Ok(Box::new(JsonConverter::new(p, k)?)),
            config_def: JsonConverter::config_def,
        })
        .converter(Plugin {
            class: "org.apache.kafka.connect.storage.StringConverter",
            version: VERSION,
            factory: |p, k| Ok(Box::new(StringConverter::new(p, k)?)),
            config_def: StringConverter::config_def,
        })
        .converter(Plugin {
            class: "org.apache.kafka.connect.converters.ByteArrayConverter",
            version: VERSION,
            factory: |p, k| Ok(Box::new(ByteArrayConverter::new(p, k)?)),
            config_def: ByteArrayConverter::config_def,
        })
        .header_converter(Plugin {
            class: "org.apache.kafka.connect.storage.SimpleHeaderConverter",
            version: VERSION,
            factory: |p| Ok(Box::new(SimpleHeaderConverter::new(p)?)),
            config_def: SimpleHeaderConverter::config_def,
        })
        .header_converter(Plugin {
            class: "org.apache.kafka.connect.storage.StringConverter",
            version: VERSION,
            factory: |_| Ok(Box::new(SimpleHeaderConverter)),
            config_def: ConfigDef::new,
        })
}
