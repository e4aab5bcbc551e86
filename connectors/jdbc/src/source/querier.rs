//! One table (or the user's query) being read: its offset, its prepared
//! query and the schema of its records.

use std::sync::Arc;
use std::time::Instant;

use chrono::{DateTime, Utc};
use ferry_api::data::SchemaBuilder;
use ferry_api::{ConnectError, Result, SchemaAndValue, SchemaRef, SourceMap, SourceRecord, Struct, Value};

use super::config::SourceConfig;
use super::offset::Offset;
use super::sql::{Bound, From, Mode, QuerySpec};
use crate::column::{field_schema, target, ColumnKind};
use crate::convert::utc_to_local;
use crate::dialect::{Db, FieldPlan, Param, Prepared, TableId};

/// A query ready to run, and how its rows become records.
pub struct Plan {
    pub prepared: Arc<Prepared>,
    pub fields: Arc<[FieldPlan]>,
    pub bounds: Vec<Bound>,
    pub schema: SchemaRef,
    /// Positions (in `fields`) of the key columns, and the key schema.
    pub key: Option<(Vec<usize>, SchemaRef)>,
    /// Positions of the offset columns in `fields`.
    incrementing: Option<usize>,
    timestamps: Vec<usize>,
    /// Whether the timestamp column holds instants (vs wall-clock times).
    zoned: bool,
}

pub struct Querier {
    pub table: Option<TableId>,
    pub partition: SourceMap,
    pub topic: String,
    /// Offset of the last record handed out.
    pub offset: Offset,
    pub incrementing_column: Option<String>,
    pub key_columns: Vec<String>,
    pub plan: Option<Plan>,
    pub next_due: Instant,
}

impl Querier {
    /// Prepares the query and derives the record schema from its columns.
    pub async fn prepare(&mut self, db: &mut Db, config: &SourceConfig) -> Result<()> {
        let dialect = db.dialect();
        let quoted = self.table.as_ref().map(|t| t.quoted(dialect, config.quote));
        let spec = QuerySpec {
            dialect,
            quote: config.quote,
            mode: config.mode,
            from: match (&quoted, &config.query) {
                (Some(t), _) => From::Table(t),
                (None, Some(q)) => From::Query(q),
                (None, None) => return Err(ConnectError::config("Neither a table nor a query to read")),
            },
            incrementing: self.incrementing_column.as_deref(),
            timestamps: &config.timestamp_columns,
            suffix: &config.query_suffix,
        };
        let (sql, bounds) = spec.build();
        let prepared = db.prepare(&sql).await?;
        let name = self.table.as_ref().map(|t| t.name.clone());
        let mut builder = SchemaBuilder::structure();
        if let Some(n) = &name {
            builder = builder.name(n.clone());
        }
        let mut fields = Vec::new();
        for (index, column) in prepared.columns.iter().enumerate() {
            match target(&column.kind, config.mapping) {
                Some(t) => {
                    builder = builder.field(column.name.clone(), field_schema(column, t));
                    fields.push((FieldPlan { index, kind: column.kind.clone(), target: t }, column.name.clone()));
                }
                None => tracing::warn!(table = name.as_deref().unwrap_or("query"), column = %column.name,
                    kind = ?column.kind, "column type not supported: the column is left out of records"),
            }
        }
        let schema = builder.build();
        let position = |col: &str| fields.iter().position(|(_, n)| n == col);
        let incrementing = match &self.incrementing_column {
            Some(c) if config.mode.uses_incrementing() => {
                Some(position(c).ok_or_else(|| ConnectError::config(format!("Incrementing column {c} is not in the query's columns")))?)
            }
            _ => None,
        };
        let mut timestamps = Vec::new();
        if config.mode.uses_timestamp() {
            for c in &config.timestamp_columns {
                timestamps.push(position(c).ok_or_else(|| ConnectError::config(format!("Timestamp column {c} is not in the query's columns")))?);
            }
        }
        let zoned = timestamps.first().is_some_and(|i| fields[*i].0.kind == ColumnKind::Timestamp);
        let key = if self.key_columns.is_empty() {
            None
        } else {
            let mut kb = SchemaBuilder::structure();
            let mut at = Vec::new();
            for c in &self.key_columns {
                let i = position(c).ok_or_else(|| ConnectError::config(format!("Primary-key column {c} is not in the records")))?;
                kb = kb.field(c.clone(), schema.fields[i].schema.clone());
                at.push(i);
            }
            Some((at, kb.build()))
        };
        let fields: Arc<[FieldPlan]> = fields.into_iter().map(|(f, _)| f).collect();
        self.plan = Some(Plan { prepared: Arc::new(prepared), fields, bounds, schema, key, incrementing, timestamps, zoned });
        Ok(())
    }

    /// The values bound to the query's placeholders.
    pub async fn params(&self, db: &mut Db, config: &SourceConfig) -> Result<Vec<Param>> {
        let Some(plan) = &self.plan else { return Ok(Vec::new()) };
        let tz = config.connect.session.timezone;
        let stamp = |instant: DateTime<Utc>| Param::Timestamp { instant, local: utc_to_local(instant, tz), zoned: plan.zoned };
        let mut out = Vec::new();
        for b in &plan.bounds {
            out.push(match b {
                Bound::LastIncrementing => Param::Int(self.offset.incrementing.unwrap_or(-1)),
                Bound::Begin => stamp(self.offset.timestamp.unwrap_or(DateTime::UNIX_EPOCH)),
                Bound::End => {
                    let delay = chrono::Duration::from_std(config.timestamp_delay).unwrap_or_default();
                    stamp(db.now().await? - delay)
                }
            });
        }
        Ok(out)
    }

    /// A row's struct and the offset it reaches.
    pub fn row(&self, values: Vec<Value>) -> Result<(Struct, Offset)> {
        let plan = self.plan.as_ref().ok_or_else(|| ConnectError::fatal("row before the query was prepared"))?;
        let mut offset = self.offset;
        if let Some(i) = plan.incrementing {
            offset.incrementing = Some(match &values[i] {
                Value::Int8(v) => i64::from(*v),
                Value::Int16(v) => i64::from(*v),
                Value::Int32(v) => i64::from(*v),
                Value::Int64(v) => *v,
                Value::Decimal(d) => i64::try_from(d.with_scale(0).into_bigint_and_exponent().0)
                    .map_err(|_| ConnectError::data(format!("Incrementing value {d} does not fit a long")))?,
                other => return Err(ConnectError::data(format!("Incrementing column holds {other:?}, not an integer"))),
            });
        }
        if !plan.timestamps.is_empty() {
            let ts = plan.timestamps.iter().find_map(|i| match &values[*i] {
                Value::Timestamp(t) => Some(*t),
                _ => None,
            });
            offset.timestamp = Some(ts.ok_or_else(|| ConnectError::data("Every timestamp column of a row is NULL"))?);
        }
        let mut st = Struct::new(plan.schema.clone());
        for (i, v) in values.into_iter().enumerate() {
            st.put_at(i, v);
        }
        Ok((st, offset))
    }

    pub fn record(&self, st: Struct, offset: Offset, mode: Mode) -> Result<SourceRecord> {
        let plan = self.plan.as_ref().ok_or_else(|| ConnectError::fatal("record before the query was prepared"))?;
        let offset_map = if mode == Mode::Bulk { SourceMap::new() } else { offset.to_map() };
        let mut record = SourceRecord::new(self.partition.clone(), offset_map, self.topic.clone(), SchemaAndValue::new(plan.schema.clone(), Value::Null));
        if let Some((at, schema)) = &plan.key {
            let mut key = Struct::new(schema.clone());
            for (k, i) in at.iter().enumerate() {
                key.put_at(k, st.values()[*i].clone());
            }
            record.key = SchemaAndValue::new(schema.clone(), Value::Struct(key));
        }
        record.value.value = Value::Struct(st);
        Ok(record)
    }

    /// Whether a row's timestamp is the same as the next row's, so the
    /// offset must not move to it yet (timestamp mode only).
    pub fn same_timestamp(a: &Offset, b: &Offset) -> bool {
        a.timestamp == b.timestamp
    }
}
