//! Writes a `put`'s records in one transaction: records grouped, in order,
//! into runs of one table and one shape; each run sent as multi-row
//! statements. Tables are created and evolved before the transaction
//! begins (MySQL commits at any DDL).

use std::collections::{HashMap, HashSet};

use ferry_api::{ConnectError, Result, SinkRecord, Value};

use super::config::{InsertMode, SinkConfig};
use super::ddl;
use super::dml::Sql;
use super::shape::{Shape, SinkColumn};
use crate::convert::utc_to_local;
use crate::dialect::{Db, DialectKind, TableColumn, TableId};

/// Bound values per statement: both PostgreSQL and MySQL stop at 65,535.
const MAX_PARAMS: usize = 65_535;
/// From this many rows PostgreSQL gets them by binary COPY, which beat
/// multi-row INSERTs in bench/jdbc_sink.py; fewer go as statements.
const COPY_MIN_ROWS: usize = 64;


/// Consecutive records of one table, written alike.
struct Run<'a> {
    table: TableId,
    shape: Shape,
    delete: bool,
    records: Vec<&'a SinkRecord>,
}

pub struct Writer {
    config: SinkConfig,
    db: Option<Db>,
    /// Destination tables' columns, as last described.
    tables: HashMap<TableId, Vec<TableColumn>>,
    /// The last COMMIT's outcome is unknown (the connection broke during
    /// it): until a write succeeds, inserts with a key are written as
    /// upserts, so the batch sent again is neither refused nor doubled.
    in_doubt: bool,
    /// PostgreSQL staging tables for COPY-based upserts created on this
    /// connection (temporary, emptied at each commit), by target and columns.
    staging: HashMap<(TableId, String), String>,
    staging_seq: u64,
}

impl Writer {
    pub fn new(config: SinkConfig) -> Self {
        Self { config, db: None, tables: HashMap::new(), in_doubt: false, staging: HashMap::new(), staging_seq: 0 }
    }

    fn dialect(&self) -> DialectKind {
        self.config.connection.options.dialect
    }

    /// Drops the connection (after an error that may have broken it).
    pub fn reset(&mut self) {
        self.db = None;
        self.tables.clear();
        self.staging.clear();
    }

    async fn connected(&mut self) -> Result<&mut Db> {
        if self.db.is_none() {
            let c = &self.config.connection;
            self.db = Some(Db::connect_with_retries(&c.options, c.attempts, c.backoff).await?);
        }
        self.db.as_mut().ok_or_else(|| ConnectError::fatal("no connection"))
    }

    /// Groups records into runs: a run ends where the table, the shape or
    /// the kind (write or delete) changes, so order per table is kept.
    fn plan<'a>(&self, records: &'a [SinkRecord]) -> Result<Vec<Run<'a>>> {
        let mut runs: Vec<Run<'a>> = Vec::new();
        let mut last_of_table: HashMap<TableId, usize> = HashMap::new();
        // The run the previous record went to: a record laid out as it was
        // goes there too, without working out its table and shape again.
        let mut previous: Option<(&SinkRecord, usize)> = None;
        for record in records {
            if let Some((_, run)) = previous.filter(|(prev, _)| same_layout(prev, record)) {
                runs[run].records.push(record);
                previous = Some((record, run));
                continue;
            }
            let delete = record.value.value.is_null();
            if delete && !self.config.delete_enabled {
                return Err(ConnectError::data(format!(
                    "Record {}-{}@{} has a null value (a tombstone) and delete.enabled is false",
                    record.topic, record.partition, record.offset
                )));
            }
            let table = TableId::parse(self.dialect(), &self.config.table_name(&record.topic));
            let shape = Shape::of(record, &self.config)?;
            match last_of_table.get(&table).copied() {
                Some(i) if runs[i].shape == shape && runs[i].delete == delete => {
                    runs[i].records.push(record);
                    previous = Some((record, i));
                }
                _ => {
                    last_of_table.insert(table.clone(), runs.len());
                    previous = Some((record, runs.len()));
                    runs.push(Run { table, shape, delete, records: vec![record] });
                }
            }
        }
        Ok(runs)
    }

    /// Writes the records in one transaction, or none of them.
    pub async fn write(&mut self, records: &[SinkRecord]) -> Result<()> {
        let runs = self.plan(records)?;
        self.connected().await?;
        for run in runs.iter().filter(|r| !r.delete) {
            self.ensure_table(&run.table, &run.shape).await?;
        }
        let db = self.connected().await?;
        db.batch("BEGIN").await?;
        for run in &runs {
            if let Err(e) = self.write_run(run).await {
                // Staging tables made in this transaction are gone with it.
                self.staging.clear();
                if let Some(db) = self.db.as_mut() {
                    // A broken connection cannot roll back; dropping it does.
                    if db.batch("ROLLBACK").await.is_err() {
                        self.reset();
                    }
                }
                return Err(e);
            }
        }
        let committed = self.connected().await?.batch("COMMIT").await;
        match &committed {
            Ok(()) => self.in_doubt = false,
            Err(e) if e.is_retriable() => self.in_doubt = true,
            Err(_) => {}
        }
        committed
    }

    /// Creates the table or adds the columns the shape needs, as allowed.
    async fn ensure_table(&mut self, table: &TableId, shape: &Shape) -> Result<()> {
        let (dialect, quote) = (self.dialect(), self.config.quote);
        let columns = self.describe(table).await?;
        if columns.is_empty() {
            if !self.config.auto_create {
                return Err(ConnectError::fatal(format!(
                    "Table {} is missing and auto.create is disabled: create it, or set auto.create=true",
                    table.fqn()
                )));
            }
            let sql = ddl::create_table(dialect, quote, table, &shape.columns)?;
            tracing::info!(table = %table.fqn(), "creating the table: {sql}");
            self.run_ddl(table, &sql).await?;
            return Ok(());
        }
        let missing: Vec<&SinkColumn> = shape.columns.iter().filter(|c| find(dialect, &columns, &c.name).is_none()).collect();
        if missing.is_empty() {
            return Ok(());
        }
        if !self.config.auto_evolve {
            let names: Vec<&str> = missing.iter().map(|c| c.name.as_str()).collect();
            return Err(ConnectError::fatal(format!(
                "Table {} has no column for the fields {names:?} and auto.evolve is disabled: add the columns, or set auto.evolve=true",
                table.fqn()
            )));
        }
        let sql = ddl::add_columns(dialect, quote, table, &missing)?;
        tracing::info!(table = %table.fqn(), "adding columns: {sql}");
        self.run_ddl(table, &sql).await
    }

    /// The staging table for COPY-based upserts into `table`'s `columns`, and
    /// whether it exists already on this connection. A transaction that
    /// fails forgets every name (its CREATE rolled back with it).
    fn staging_table(&mut self, table: &TableId, columns: &[&str]) -> (String, bool) {
        let key = (table.clone(), columns.join(","));
        if let Some(name) = self.staging.get(&key) {
            return (name.clone(), true);
        }
        self.staging_seq += 1;
        let name = format!("ferry_upsert_{}", self.staging_seq);
        self.staging.insert(key, name.clone());
        (name, false)
    }

    async fn describe(&mut self, table: &TableId) -> Result<Vec<TableColumn>> {
        if let Some(c) = self.tables.get(table) {
            return Ok(c.clone());
        }
        let columns = self.connected().await?.describe(table).await?;
        if !columns.is_empty() {
            self.tables.insert(table.clone(), columns.clone());
        }
        Ok(columns)
    }

    async fn run_ddl(&mut self, table: &TableId, sql: &str) -> Result<()> {
        self.tables.remove(table);
        let db = self.connected().await?;
        let outcome = db.batch(sql).await;
        db.forget_statements();
        if let Err(e) = outcome {
            // Another task may have made the same change first.
            let now = self.describe(table).await?;
            if now.is_empty() {
                return Err(e);
            }
        }
        self.tables.remove(table);
        Ok(())
    }

    async fn write_run(&mut self, run: &Run<'_>) -> Result<()> {
        let dialect = self.dialect();
        let columns = self.describe(&run.table).await?;
        let sql = Sql { dialect, quote: self.config.quote, table: &run.table };
        let keys: Vec<&str> = run.shape.key_columns().map(|c| c.name.as_str()).collect();
        let values: Vec<&str> = run.shape.value_columns().map(|c| c.name.as_str()).collect();
        // MySQL binds wall clocks; those of zoneless columns are db.timezone's.
        let timezone = self.config.connection.options.session.timezone;
        let local: Vec<bool> = run
            .shape
            .columns
            .iter()
            .map(|c| dialect.is_mysql_family() && find(dialect, &columns, &c.name).is_some_and(|t| t.data_type != "timestamp"))
            .collect();
        let mut rows = Vec::with_capacity(run.records.len());
        for record in &run.records {
            let mut row = run.shape.row(record)?;
            for (v, local) in row.iter_mut().zip(&local) {
                if let (Value::Timestamp(t), true) = (&*v, local) {
                    *v = Value::Timestamp(utc_to_local(*t, timezone).and_utc());
                }
            }
            rows.push(row);
        }
        let (batch_size, mut insert_mode) = (self.config.batch_size, self.config.insert_mode);
        if self.in_doubt && insert_mode == InsertMode::Insert && !keys.is_empty() {
            insert_mode = InsertMode::Upsert;
        }
        let key_count = keys.len();
        if insert_mode == InsertMode::Upsert && !run.delete {
            rows = last_per_key(rows, key_count);
        }
        let all: Vec<&str> = keys.iter().chain(&values).copied().collect();
        let copy = dialect == DialectKind::Postgres && !run.delete && insert_mode != InsertMode::Update && rows.len() >= COPY_MIN_ROWS;
        let staging = (copy && insert_mode == InsertMode::Upsert).then(|| self.staging_table(&run.table, &all));
        let db = self.connected().await?;
        if run.delete {
            let key_rows: Vec<Vec<Value>> = rows.into_iter().map(|r| r.into_iter().take(key_count).collect()).collect();
            for chunk in key_rows.chunks(chunk_rows(key_count, batch_size)) {
                db.execute(&sql.delete(&keys, chunk.len()), &chunk.concat()).await?;
            }
            return Ok(());
        }
        match insert_mode {
            InsertMode::Update => {
                for row in rows {
                    let (k, v) = row.split_at(key_count);
                    db.execute(&sql.update(&keys, &values), &[v, k].concat()).await?;
                }
            }
            mode => {
                if copy {
                    let (table, columns) = (run.table.quoted(dialect, sql.quote), sql.columns(&all));
                    match staging {
                        None => {
                            db.copy_in(&table, &columns, &rows).await?;
                        }
                        Some((staging, created)) => {
                            if !created {
                                db.batch(&format!("CREATE TEMP TABLE {staging} ON COMMIT DELETE ROWS AS SELECT {columns} FROM {table} WITH NO DATA")).await?;
                            }
                            let staged = format!("pg_temp.{staging}");
                            db.copy_in(&staged, &columns, &rows).await?;
                            db.batch(&sql.upsert_from(&staged, &keys, &values)).await?;
                        }
                    }
                    return Ok(());
                }
                for chunk in rows.chunks(chunk_rows(all.len(), batch_size)) {
                    let statement = if mode == InsertMode::Upsert { sql.upsert(&keys, &values, chunk.len()) } else { sql.insert(&all, chunk.len()) };
                    db.execute(&statement, &chunk.concat()).await?;
                }
            }
        }
        Ok(())
    }
}

fn find<'a>(dialect: DialectKind, columns: &'a [TableColumn], name: &str) -> Option<&'a TableColumn> {
    // MySQL column names ignore case; PostgreSQL's quoted ones do not.
    columns.iter().find(|c| if dialect.is_mysql_family() { c.name.eq_ignore_ascii_case(name) } else { c.name == name })
}

/// Rows per statement: `batch.size`, within the bound-value limit.
fn chunk_rows(width: usize, batch_size: usize) -> usize {
    (MAX_PARAMS / width.max(1)).min(batch_size).max(1)
}

/// One row per key, the last one: an upsert of the same key twice in one
/// statement is an error in PostgreSQL, and the last write wins anyway.
fn last_per_key(rows: Vec<Vec<Value>>, key_count: usize) -> Vec<Vec<Value>> {
    let mut seen = HashSet::new();
    let mut out: Vec<Vec<Value>> = rows.into_iter().rev().filter(|r| seen.insert(format!("{:?}", &r[..key_count]))).collect();
    out.reverse();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn upserts_keep_the_last_row_of_each_key_in_order() {
        let row = |k: i32, v: &str| vec![Value::Int32(k), Value::String(v.into())];
        let rows = vec![row(1, "a"), row(2, "b"), row(1, "c"), row(3, "d")];
        assert_eq!(last_per_key(rows, 1), vec![row(2, "b"), row(1, "c"), row(3, "d")]);
    }

    #[test]
    fn statements_stay_under_the_bound_value_limit() {
        assert_eq!(chunk_rows(8, 3000), 3000);
        assert_eq!(chunk_rows(100, 3000), 655);
        assert_eq!(chunk_rows(0, 10), 10);
    }
}

/// Whether two records of one topic are sure to have one shape: the same
/// schemas (the very same, as a converter hands out for one schema), or
/// no schema and no value where there is none.
fn same_layout(a: &SinkRecord, b: &SinkRecord) -> bool {
    fn same(x: &ferry_api::SchemaAndValue, y: &ferry_api::SchemaAndValue) -> bool {
        match (&x.schema, &y.schema) {
            (Some(s), Some(t)) => std::sync::Arc::ptr_eq(s, t) && x.value.is_null() == y.value.is_null(),
            (None, None) => x.value.is_null() && y.value.is_null(),
            _ => false,
        }
    }
    a.topic == b.topic && same(&a.key, &b.key) && same(&a.value, &b.value)
}
