//! Connector config validation, shared by every herder: the common keys,
//! the plugin's ConfigDef and its own checks, gathered into Connect's
//! `config/validate` answer.

use ferry_api::config::{ConfigKey, ConfigValue, Props};
use ferry_api::ConnectorKind;

use super::{ConfigInfos, HerderError, HerderResult};
use crate::config::connector::{config_def, sink_topics_error};
use crate::plugins::{ConnectorFactory, Plugin, Registry};
use crate::worker::ConnectorInstance;

/// Finds the connector plugin named by `connector.class`.
pub fn find_plugin<'r>(registry: &'r Registry, props: &Props) -> HerderResult<&'r Plugin<ConnectorFactory>> {
    let class = props
        .get("connector.class")
        .map(|c| c.trim())
        .filter(|c| !c.is_empty())
        .ok_or_else(|| HerderError::BadRequest("Connector config {} contains no connector type".to_owned()))?;
    registry.find_connector(class).ok_or_else(|| unknown_class(registry, class))
}

pub fn unknown_class(registry: &Registry, class: &str) -> HerderError {
    HerderError::BadRequest(format!(
        "Failed to find any class that implements Connector and which name matches {class}, available connectors are: {}",
        registry.connector_classes().join(", ")
    ))
}

/// Validates a full connector config.
pub async fn validate(registry: &Registry, props: &Props) -> HerderResult<(ConnectorKind, ConfigInfos)> {
    let plugin = find_plugin(registry, props)?;
    let kind = plugin.factory.kind();
    let instance = ConnectorInstance::new(plugin.factory);
    let mut configs: Vec<(ConfigKey, ConfigValue)> = Vec::new();

    let common = config_def(kind);
    for (key, mut value) in common.keys().iter().cloned().zip(common.validate(props)) {
        if kind == ConnectorKind::Sink {
            if let Some((fields, message)) = sink_topics_error(props) {
                if fields.contains(&key.name.as_str()) {
                    value.errors.push(message);
                }
            }
        }
        // An unknown transform class, a missing key or a bad regex is
        // reported on `transforms`, the message naming the exact key.
        if key.name == "transforms" {
            if let Err(e) = crate::transforms::Chain::parse(props) {
                value.errors.push(e.message().to_owned());
            }
        }
        configs.push((key, value));
    }
    let own = (plugin.config_def)();
    let own_values = match &instance {
        ConnectorInstance::Source(c) => c.validate(props).await,
        ConnectorInstance::Sink(c) => c.validate(props).await,
    };
    for value in own_values {
        if let Some(key) = own.key(&value.name) {
            if !configs.iter().any(|(k, _)| k.name == key.name) {
                configs.push((key.clone(), value));
            }
        }
    }

    let mut groups: Vec<String> = Vec::new();
    for (key, _) in &configs {
        if let Some(g) = &key.group {
            if !groups.contains(g) {
                groups.push(g.clone());
            }
        }
    }
    let error_count = configs.iter().map(|(_, v)| v.errors.len()).sum();
    // Named as the request named the class (an alias stays an alias), as Connect answers.
    let name = props.get("connector.class").map_or(plugin.class, String::as_str).to_owned();
    Ok((kind, ConfigInfos { name, error_count, groups, configs }))
}

/// The 400 answer for an invalid config, worded as Connect words it.
pub fn invalid_config(infos: ConfigInfos) -> HerderError {
    let errors: Vec<String> = infos
        .configs
        .iter()
        .flat_map(|(_, v)| v.errors.iter().cloned())
        .collect();
    let message = format!(
        "Connector configuration is invalid and contains the following {} error(s):\n{}\n\
         You can also find the above list of errors at the endpoint `/connector-plugins/{{connectorType}}/config/validate`",
        infos.error_count,
        errors.join("\n")
    );
    HerderError::InvalidConfig { message, infos: Box::new(infos) }
}

/// `GET /connector-plugins/{plugin}/config`: a connector's own keys, then
/// the ones every connector of its kind has; or a converter's keys.
pub fn plugin_keys(r: &Registry, plugin: &str) -> HerderResult<Vec<ConfigKey>> {
    let def = r
        .find_connector(plugin)
        .map(|p| (p.config_def)().merge(config_def(p.factory.kind())))
        .or_else(|| r.find_converter(plugin).map(|p| (p.config_def)()))
        .or_else(|| r.find_header_converter(plugin).map(|p| (p.config_def)()))
        .ok_or_else(|| HerderError::NotFound(format!("Unknown plugin {plugin}.")))?;
    Ok(def.keys().to_vec())
}

/// `PUT /connector-plugins/{plugin}/config/validate`.
pub async fn validate_for_plugin(r: &Registry, plugin: &str, mut config: Props) -> HerderResult<ConfigInfos> {
    let from_path = r.find_connector(plugin).ok_or_else(|| unknown_class(r, plugin))?;
    if let Some(class) = config.get("connector.class") {
        let in_body = find_plugin(r, &config)?;
        if in_body.class != from_path.class {
            return Err(HerderError::BadRequest(format!("Included connector type {class} does not match request type {plugin}")));
        }
    }
    // Beyond Connect, which refuses a body without the class: the path names it.
    config.entry("connector.class".into()).or_insert_with(|| plugin.to_owned());
    Ok(validate(r, &config).await?.1)
}
