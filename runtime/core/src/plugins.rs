//! The plugin registry: one explicit list of connectors and converters,
//! filled in by the binary. Plugins are found by their Java class name or
//! by Connect's aliases (the simple class name, and the simple name without
//! its `Connector` / `Converter` suffix), so existing configs work unchanged.

use ferry_api::config::{ConfigDef, Props};
use ferry_api::converter::HeaderConverter;
use ferry_api::{ConnectorKind, Converter, Result, SinkConnector, SourceConnector};

/// The kind of plugin, as `GET /connector-plugins` names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PluginKind {
    Source,
    Sink,
    Converter,
    HeaderConverter,
    Transformation,
    Predicate,
}

impl PluginKind {
    pub fn name(self) -> &'static str {
        match self {
            PluginKind::Source => "source",
            PluginKind::Sink => "sink",
            PluginKind::Converter => "converter",
            PluginKind::HeaderConverter => "header_converter",
            PluginKind::Transformation => "transformation",
            PluginKind::Predicate => "predicate",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PluginInfo {
    pub class: String,
    pub kind: PluginKind,
    pub version: String,
}

/// Creates a connector instance.
#[derive(Clone, Copy)]
pub enum ConnectorFactory {
    Source(fn() -> Box<dyn SourceConnector>),
    Sink(fn() -> Box<dyn SinkConnector>),
}

impl ConnectorFactory {
    pub fn kind(&self) -> ConnectorKind {
        match self {
            ConnectorFactory::Source(_) => ConnectorKind::Source,
            ConnectorFactory::Sink(_) => ConnectorKind::Sink,
        }
    }
}

/// Creates a converter from its configuration (prefix already removed).
pub type ConverterFactory = fn(&Props, bool) -> Result<Box<dyn Converter>>;
pub type HeaderConverterFactory = fn(&Props) -> Result<Box<dyn HeaderConverter>>;

pub struct Plugin<F> {
    pub class: &'static str,
    pub version: &'static str,
    pub factory: F,
    pub config_def: fn() -> ConfigDef,
}

impl<F> Plugin<F> {
    /// Matches the full class name or one of Connect's aliases.
    fn answers_to(&self, name: &str, suffix: &str) -> bool {
        if self.class == name {
            return true;
        }
        let simple = self.class.rsplit(['.', '$']).next().unwrap_or(self.class);
        name == simple || simple.strip_suffix(suffix).is_some_and(|short| short == name)
    }
}

#[derive(Default)]
pub struct Registry {
    connectors: Vec<Plugin<ConnectorFactory>>,
    converters: Vec<Plugin<ConverterFactory>>,
    header_converters: Vec<Plugin<HeaderConverterFactory>>,
}

impl Registry {
    pub fn new() -> Self {
        Self::default()
    }
    pub fn connector(mut self, plugin: Plugin<ConnectorFactory>) -> Self {
        self.connectors.push(plugin);
        self
    }
    pub fn converter(mut self, plugin: Plugin<ConverterFactory>) -> Self {
        self.converters.push(plugin);
        self
    }
    pub fn header_converter(mut self, plugin: Plugin<HeaderConverterFactory>) -> Self {
        self.header_converters.push(plugin);
        self
    }

    pub fn find_connector(&self, name: &str) -> Option<&Plugin<ConnectorFactory>> {
        let name = name.trim();
        self.connectors.iter().find(|p| p.answers_to(name, "Connector"))
    }
    pub fn find_converter(&self, name: &str) -> Option<&Plugin<ConverterFactory>> {
        let name = name.trim();
        self.converters.iter().find(|p| p.answers_to(name, "Converter"))
    }
    pub fn find_header_converter(&self, name: &str) -> Option<&Plugin<HeaderConverterFactory>> {
        let name = name.trim();
        self.header_converters.iter().find(|p| p.answers_to(name, "Converter"))
    }

    /// The connector classes, for error messages.
    pub fn connector_classes(&self) -> Vec<&'static str> {
        self.connectors.iter().map(|p| p.class).collect()
    }

    /// Every plugin, as `GET /connector-plugins?connectorsOnly=false` lists them.
    pub fn plugins(&self) -> Vec<PluginInfo> {
        let info = |class: &str, kind, version: &str| PluginInfo {
            class: class.to_owned(),
            kind,
            version: version.to_owned(),
        };
        let mut out: Vec<PluginInfo> = self
            .connectors
            .iter()
            .map(|p| {
                let kind = match p.factory.kind() {
                    ConnectorKind::Source => PluginKind::Source,
                    ConnectorKind::Sink => PluginKind::Sink,
                };
                info(p.class, kind, p.version)
            })
            .collect();
        out.extend(self.converters.iter().map(|p| info(p.class, PluginKind::Converter, p.version)));
        out.extend(
            self.header_converters
                .iter()
                .map(|p| info(p.class, PluginKind::HeaderConverter, p.version)),
        );
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn none() -> ConfigDef {
        ConfigDef::new()
    }

    #[test]
    fn aliases_follow_connect() {
        let p = Plugin {
            class: "org.apache.kafka.connect.file.FileStreamSinkConnector",
            version: "1",
            factory: (),
            config_def: none,
        };
        for name in [
            "org.apache.kafka.connect.file.FileStreamSinkConnector",
            "FileStreamSinkConnector",
            "FileStreamSink",
        ] {
            assert!(p.answers_to(name, "Connector"), "{name}");
        }
        assert!(!p.answers_to("FileStreamSource", "Connector"));
        assert!(!p.answers_to("file.FileStreamSinkConnector", "Connector"));
    }
}
