//! Which tables a connector reads, and whether a mode can read them.

use ferry_api::{ConnectError, Result};

use super::config::{SourceConfig, INCREMENTING_COLUMN, TIMESTAMP_COLUMN};
use crate::dialect::{Db, TableColumn, TableId};

/// The tables the configuration selects, in a stable order.
pub async fn selected_tables(db: &mut Db, config: &SourceConfig) -> Result<Vec<TableId>> {
    let all = db.tables(config.catalog_pattern.as_deref(), config.schema_pattern.as_deref(), &config.table_types).await?;
    Ok(all.into_iter().filter(|t| config.selects(t)).collect())
}

/// The incrementing column: the configured one, or the table's
/// auto-increment column when the name is empty.
pub fn resolve_incrementing(config: &SourceConfig, table: &TableId, columns: &[TableColumn]) -> Result<Option<String>> {
    if !config.mode.uses_incrementing() {
        return Ok(None);
    }
    if !config.incrementing_column.is_empty() {
        return Ok(Some(config.incrementing_column.clone()));
    }
    columns.iter().find(|c| c.auto_increment).map(|c| Some(c.name.clone())).ok_or_else(|| {
        ConnectError::config(format!(
            "Table {} has no auto-increment column: set {INCREMENTING_COLUMN}",
            table.fqn()
        ))
    })
}

/// The errors of a table for the mode: missing or nullable columns.
/// Returns `(key, message)` pairs so validation can name the key.
pub fn mode_column_errors(config: &SourceConfig, table: &TableId, columns: &[TableColumn], incrementing: Option<&str>) -> Vec<(&'static str, String)> {
    let mut errors = Vec::new();
    let mut check = |key: &'static str, name: &str| match columns.iter().find(|c| c.name == name) {
        None => errors.push((key, format!("Column '{name}' not found in table {}", table.fqn()))),
        Some(c) if c.nullable && config.validate_non_null => errors.push((
            key,
            format!("Cannot make incremental queries using column '{name}' of table {}: it is nullable (make it NOT NULL, or set validate.non.null=false)", table.fqn()),
        )),
        Some(_) => {}
    };
    if let Some(inc) = incrementing {
        check(INCREMENTING_COLUMN, inc);
    }
    if config.mode.uses_timestamp() {
        if config.timestamp_columns.is_empty() {
            errors.push((TIMESTAMP_COLUMN, format!("Mode {:?} needs {TIMESTAMP_COLUMN}", config.mode)));
        }
        for ts in &config.timestamp_columns {
            // Several columns are COALESCEd: only the last needs to be NOT NULL.
            let nullable_ok = config.timestamp_columns.len() > 1 && Some(ts) != config.timestamp_columns.last();
            match columns.iter().find(|c| &c.name == ts) {
                None => errors.push((TIMESTAMP_COLUMN, format!("Column '{ts}' not found in table {}", table.fqn()))),
                Some(c) if c.nullable && config.validate_non_null && !nullable_ok => errors.push((
                    TIMESTAMP_COLUMN,
                    format!("Cannot make incremental queries using column '{ts}' of table {}: it is nullable (make it NOT NULL, or set validate.non.null=false)", table.fqn()),
                )),
                Some(_) => {}
            }
        }
    }
    errors
}

pub fn check_mode_columns(config: &SourceConfig, table: &TableId, columns: &[TableColumn], incrementing: Option<&str>) -> Result<()> {
    match mode_column_errors(config, table, columns, incrementing).into_iter().next() {
        Some((_, message)) => Err(ConnectError::config(message)),
        None => Ok(()),
    }
}

/// Splits items into at most `groups` contiguous groups whose sizes differ
/// by at most one, as Connect's `ConnectorUtils.groupPartitions` does.
pub fn group<T: Clone>(items: &[T], groups: usize) -> Vec<Vec<T>> {
    let groups = groups.min(items.len()).max(1);
    let per = items.len() / groups;
    let extra = items.len() % groups;
    let mut out = Vec::with_capacity(groups);
    let mut start = 0;
    for g in 0..groups {
        let len = per + usize::from(g < extra);
        out.push(items[start..start + len].to_vec());
        start += len;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::group;

    #[test]
    fn groups_like_connect() {
        assert_eq!(group(&[1, 2, 3, 4, 5], 2), vec![vec![1, 2, 3], vec![4, 5]]);
        assert_eq!(group(&[1, 2], 5), vec![vec![1], vec![2]]);
        assert_eq!(group::<i32>(&[], 3), vec![Vec::<i32>::new()]);
    }
}
