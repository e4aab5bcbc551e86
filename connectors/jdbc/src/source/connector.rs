//! `io.confluent.connect.jdbc.JdbcSourceConnector`: finds the tables,
//! spreads them over tasks, and watches for tables created or dropped.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use ferry_api::config::{ConfigDef, ConfigValue, Props};
use ferry_api::{Connector, ConnectorContext, Result, SourceConnector, SourceTask};
use tokio::task::JoinHandle;

use super::config::{config_def, SourceConfig, CONNECTION_URL, QUERY, TABLE_WHITELIST, TASK_TABLES};
use super::tables::{group, mode_column_errors, resolve_incrementing, selected_tables};
use super::task::JdbcSourceTask;
use crate::connection::{push_error, validate_connection};
use crate::dialect::{Db, TableId};

#[derive(Default)]
pub struct JdbcSourceConnector {
    props: Props,
    config: Option<SourceConfig>,
    tables: Arc<Mutex<Vec<TableId>>>,
    monitor: Option<JoinHandle<()>>,
}

/// Reaches the database and checks what the config asks of it.
async fn check_database(config: &SourceConfig, values: &mut [ConfigValue]) {
    let Some(mut db) = validate_connection(&config.connect, values).await else { return };
    if let Some(q) = &config.query {
        if let Err(e) = db.prepare(q).await {
            push_error(values, QUERY, e.to_string());
        }
        return;
    }
    let tables = match selected_tables(&mut db, config).await {
        Ok(t) => t,
        Err(e) => return push_error(values, CONNECTION_URL, e.to_string()),
    };
    for wanted in &config.whitelist {
        if !tables.iter().any(|t| t.name == *wanted || t.fqn() == *wanted || t.fqn().ends_with(&format!(".{wanted}"))) {
            push_error(values, TABLE_WHITELIST, format!("Table '{wanted}' not found in the database"));
        }
    }
    for table in &tables {
        let columns = match db.describe(table).await {
            Ok(c) => c,
            Err(e) => return push_error(values, CONNECTION_URL, e.to_string()),
        };
        match resolve_incrementing(config, table, &columns) {
            Ok(inc) => {
                for (key, message) in mode_column_errors(config, table, &columns, inc.as_deref()) {
                    push_error(values, key, message);
                }
            }
            Err(e) => push_error(values, super::config::INCREMENTING_COLUMN, e.to_string()),
        }
    }
}

#[async_trait]
impl Connector for JdbcSourceConnector {
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
        match SourceConfig::parse(props) {
            Ok(config) => check_database(&config, &mut values).await,
            Err(e) => push_error(&mut values, super::config::MODE, e.to_string()),
        }
        values
    }

    async fn start(&mut self, props: Props, context: Arc<dyn ConnectorContext>) -> Result<()> {
        let config = SourceConfig::parse(&props)?;
        if config.query.is_none() {
            let mut db = Db::connect_with_retries(&config.connect, config.attempts, config.backoff).await?;
            *self.tables.lock().unwrap_or_else(|p| p.into_inner()) = selected_tables(&mut db, &config).await?;
            self.monitor = Some(tokio::spawn(watch_tables(config.clone(), self.tables.clone(), context)));
        }
        self.props = props;
        self.config = Some(config);
        Ok(())
    }

    fn task_configs(&self, max_tasks: usize) -> Result<Vec<Props>> {
        if self.config.as_ref().is_some_and(|c| c.query.is_some()) {
            return Ok(vec![self.props.clone()]);
        }
        let tables = self.tables.lock().unwrap_or_else(|p| p.into_inner()).clone();
        if tables.is_empty() {
            return Ok(Vec::new());
        }
        Ok(group(&tables, max_tasks)
            .into_iter()
            .map(|g| {
                let mut p = self.props.clone();
                p.insert(TASK_TABLES.into(), g.iter().map(TableId::fqn).collect::<Vec<_>>().join(","));
                p
            })
            .collect())
    }

    async fn stop(&mut self) -> Result<()> {
        if let Some(m) = self.monitor.take() {
            m.abort();
        }
        Ok(())
    }
}

/// Looks for new or dropped tables every `table.poll.interval.ms`.
async fn watch_tables(config: SourceConfig, tables: Arc<Mutex<Vec<TableId>>>, context: Arc<dyn ConnectorContext>) {
    let mut db: Option<Db> = None;
    loop {
        tokio::time::sleep(config.table_poll_interval.max(Duration::from_millis(100))).await;
        if db.is_none() {
            db = Db::connect(&config.connect).await.map_err(|e| tracing::warn!(error = %e, "table monitor cannot connect")).ok();
        }
        let Some(conn) = db.as_mut() else { continue };
        match selected_tables(conn, &config).await {
            Ok(now) => {
                let changed = {
                    let mut known = tables.lock().unwrap_or_else(|p| p.into_inner());
                    let changed = *known != now;
                    *known = now;
                    changed
                };
                if changed {
                    tracing::info!("tables changed; reconfiguring the tasks");
                    context.request_task_reconfiguration();
                }
            }
            Err(e) => {
                tracing::warn!(error = %e, "table monitor cannot list tables");
                db = None;
            }
        }
    }
}

impl SourceConnector for JdbcSourceConnector {
    fn create_task(&self) -> Box<dyn SourceTask> {
        Box::<JdbcSourceTask>::default()
    }
}
