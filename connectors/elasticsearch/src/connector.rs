//! `io.confluent.connect.elasticsearch.ElasticsearchSinkConnector`: checks
//! the config and that the cluster answers, and runs `tasks.max` identical tasks.

use std::sync::Arc;

use async_trait::async_trait;
use ferry_api::config::{ConfigDef, ConfigValue, Props};
use ferry_api::{Connector, ConnectorContext, Result, SinkConnector, SinkTask};

use crate::client::Client;
use crate::config::{config_def, SinkConfig, CONNECTION_PASSWORD, CONNECTION_URL, CONNECTION_USERNAME};
use crate::task::ElasticsearchSinkTask;

#[derive(Default)]
pub struct ElasticsearchSinkConnector {
    props: Props,
}

fn push_error(values: &mut [ConfigValue], key: &str, message: String) {
    if let Some(v) = values.iter_mut().find(|v| v.name == key) {
        v.errors.push(message);
    }
}

#[async_trait]
impl Connector for ElasticsearchSinkConnector {
    fn version(&self) -> String {
        crate::VERSION.to_owned()
    }

    fn config_def(&self) -> ConfigDef {
        config_def()
    }

    async fn validate(&self, props: &Props) -> Vec<ConfigValue> {
        let mut values = config_def().validate(props);
        if values.iter().any(|v| !v.errors.is_empty()) {
            return values;
        }
        let config = match SinkConfig::parse_blaming(props) {
            Ok(c) => c,
            Err((key, e)) => {
                push_error(&mut values, key, e.message().to_owned());
                return values;
            }
        };
        let client = match Client::new(&config) {
            Ok(c) => c,
            Err(e) => {
                push_error(&mut values, CONNECTION_URL, e.message().to_owned());
                return values;
            }
        };
        if let Err(e) = client.version().await {
            let message = format!("Could not connect to Elasticsearch. Error message: {}", e.message);
            push_error(&mut values, CONNECTION_URL, message.clone());
            if config.credentials.is_some() {
                let auth = format!("Could not authenticate the user. Check the '{CONNECTION_USERNAME}' and '{CONNECTION_PASSWORD}'. {message}");
                push_error(&mut values, CONNECTION_USERNAME, auth.clone());
                push_error(&mut values, CONNECTION_PASSWORD, auth);
            }
        }
        values
    }

    async fn start(&mut self, props: Props, _context: Arc<dyn ConnectorContext>) -> Result<()> {
        SinkConfig::parse(&props)?;
        self.props = props;
        Ok(())
    }

    fn task_configs(&self, max_tasks: usize) -> Result<Vec<Props>> {
        Ok(vec![self.props.clone(); max_tasks.max(1)])
    }

    async fn stop(&mut self) -> Result<()> {
        Ok(())
    }
}

impl SinkConnector for ElasticsearchSinkConnector {
    fn create_task(&self) -> Box<dyn SinkTask> {
        Box::<ElasticsearchSinkTask>::default()
    }
}
