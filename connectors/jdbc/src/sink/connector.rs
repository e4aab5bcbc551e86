//! `io.confluent.connect.jdbc.JdbcSinkConnector`: checks the config and the
//! database, and runs `tasks.max` identical tasks.

use std::sync::Arc;

use async_trait::async_trait;
use ferry_api::config::{ConfigDef, ConfigValue, Props};
use ferry_api::{Connector, ConnectorContext, Result, SinkConnector, SinkTask};

use super::config::{config_def, SinkConfig};
use super::task::JdbcSinkTask;
use crate::connection::{push_error, validate_connection};

#[derive(Default)]
pub struct JdbcSinkConnector {
    props: Props,
}

#[async_trait]
impl Connector for JdbcSinkConnector {
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
        validate_connection(&config.connection.options, &mut values).await;
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

impl SinkConnector for JdbcSinkConnector {
    fn create_task(&self) -> Box<dyn SinkTask> {
        Box::<JdbcSinkTask>::default()
    }
}
