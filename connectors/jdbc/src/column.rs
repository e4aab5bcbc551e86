//! What a result column holds, independent of the database, and the
//! Connect schema it maps to. Pure functions: the mapping is tested here,
//! the dialects only say what their columns are.

use ferry_api::data::{logical, SchemaBuilder};
use ferry_api::{SchemaRef, SchemaType};

/// A column's type as the dialect reports it.
#[derive(Debug, Clone, PartialEq)]
pub enum ColumnKind {
    Boolean,
    Int8,
    Int16,
    Int32,
    Int64,
    /// BIGINT UNSIGNED: wider than int64, carried as a Decimal of scale 0.
    UInt64,
    Float32,
    Float64,
    /// MySQL DECIMAL (JDBC `DECIMAL`): always a Decimal.
    Decimal { precision: u32, scale: i32 },
    /// PostgreSQL NUMERIC (JDBC `NUMERIC`): subject to `numeric.mapping`.
    /// `precision` 0 means unconstrained.
    Numeric { precision: u32, scale: i32 },
    String,
    Bytes,
    /// BIT(n) with n > 1, as an unsigned number.
    Bits(u32),
    /// YEAR: the year number.
    Year,
    Date,
    Time,
    /// A date and time without zone, read in `db.timezone`.
    LocalTimestamp,
    /// An instant (MySQL TIMESTAMP, PostgreSQL timestamptz).
    Timestamp,
    /// A type Ferry cannot map; the column is left out of records.
    Unsupported(String),
}

/// A result column.
#[derive(Debug, Clone, PartialEq)]
pub struct Column {
    pub name: String,
    pub kind: ColumnKind,
    pub nullable: bool,
}

/// `numeric.mapping`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NumericMapping {
    None,
    BestFit,
    BestFitEagerDouble,
    PrecisionOnly,
}

impl NumericMapping {
    pub const NAMES: [&'static str; 4] = ["none", "best_fit", "best_fit_eager_double", "precision_only"];

    pub fn parse(s: &str) -> Option<Self> {
        Some(match s.to_ascii_lowercase().as_str() {
            "none" => Self::None,
            "best_fit" => Self::BestFit,
            "best_fit_eager_double" => Self::BestFitEagerDouble,
            "precision_only" => Self::PrecisionOnly,
            _ => return None,
        })
    }
}

/// The Connect value a column becomes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Target {
    Boolean,
    Int8,
    Int16,
    Int32,
    Int64,
    Float32,
    Float64,
    /// Decimal with this scale.
    Decimal(i32),
    String,
    Bytes,
    Date,
    Time,
    Timestamp,
}

/// Scale given to PostgreSQL's unconstrained NUMERIC, as Confluent's dialect does.
pub const UNCONSTRAINED_NUMERIC_SCALE: i32 = 127;
/// Largest precision an integer of 64 bits always holds.
const MAX_INTEGER_PRECISION: u32 = 18;

fn integer_for(precision: u32) -> Target {
    match precision {
        0..=2 => Target::Int8,
        3..=4 => Target::Int16,
        5..=9 => Target::Int32,
        _ => Target::Int64,
    }
}

/// Where a column goes, or `None` when it cannot be mapped.
pub fn target(kind: &ColumnKind, numeric: NumericMapping) -> Option<Target> {
    Some(match kind {
        ColumnKind::Boolean => Target::Boolean,
        ColumnKind::Int8 => Target::Int8,
        ColumnKind::Int16 => Target::Int16,
        ColumnKind::Int32 => Target::Int32,
        ColumnKind::Int64 | ColumnKind::Bits(_) => Target::Int64,
        ColumnKind::UInt64 => Target::Decimal(0),
        ColumnKind::Year => Target::Int16,
        ColumnKind::Float32 => Target::Float32,
        ColumnKind::Float64 => Target::Float64,
        ColumnKind::Decimal { scale, .. } => Target::Decimal(*scale),
        ColumnKind::Numeric { precision, scale } => numeric_target(*precision, *scale, numeric),
        ColumnKind::String => Target::String,
        ColumnKind::Bytes => Target::Bytes,
        ColumnKind::Date => Target::Date,
        ColumnKind::Time => Target::Time,
        ColumnKind::LocalTimestamp | ColumnKind::Timestamp => Target::Timestamp,
        ColumnKind::Unsupported(_) => return None,
    })
}

/// Confluent's `numeric.mapping` rules for JDBC NUMERIC.
fn numeric_target(precision: u32, scale: i32, mapping: NumericMapping) -> Target {
    let unconstrained = precision == 0;
    let fits = !unconstrained && precision <= MAX_INTEGER_PRECISION;
    match mapping {
        NumericMapping::PrecisionOnly if fits && scale == 0 => integer_for(precision),
        NumericMapping::BestFit if fits && scale <= 0 => integer_for(precision),
        NumericMapping::BestFit if fits => Target::Float64,
        NumericMapping::BestFitEagerDouble if fits && scale <= 0 => integer_for(precision),
        NumericMapping::BestFitEagerDouble if !unconstrained && scale > 0 => Target::Float64,
        _ if unconstrained => Target::Decimal(UNCONSTRAINED_NUMERIC_SCALE),
        _ => Target::Decimal(scale),
    }
}

/// The field schema for a column mapped to `target`.
pub fn field_schema(column: &Column, target: Target) -> SchemaRef {
    let builder = match target {
        Target::Boolean => SchemaBuilder::new(SchemaType::Boolean),
        Target::Int8 => SchemaBuilder::new(SchemaType::Int8),
        Target::Int16 => SchemaBuilder::new(SchemaType::Int16),
        Target::Int32 => SchemaBuilder::new(SchemaType::Int32),
        Target::Int64 => SchemaBuilder::new(SchemaType::Int64),
        Target::Float32 => SchemaBuilder::new(SchemaType::Float32),
        Target::Float64 => SchemaBuilder::new(SchemaType::Float64),
        Target::Decimal(scale) => {
            let precision = match &column.kind {
                ColumnKind::Decimal { precision, .. } | ColumnKind::Numeric { precision, .. } => *precision,
                ColumnKind::UInt64 => 20,
                _ => 0,
            };
            logical::decimal_builder(scale).parameter("connect.decimal.precision", precision.to_string())
        }
        Target::String => SchemaBuilder::new(SchemaType::String),
        Target::Bytes => SchemaBuilder::new(SchemaType::Bytes),
        Target::Date => logical::date_builder(),
        Target::Time => logical::time_builder(),
        Target::Timestamp => logical::timestamp_builder(),
    };
    if column.nullable {
        builder.optional().build()
    } else {
        builder.build()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numeric_mapping_follows_confluent() {
        use NumericMapping::*;
        let n = |p, s| ColumnKind::Numeric { precision: p, scale: s };
        assert_eq!(target(&n(10, 2), None), Some(Target::Decimal(2)));
        assert_eq!(target(&n(5, 0), BestFit), Some(Target::Int32));
        assert_eq!(target(&n(2, 0), BestFit), Some(Target::Int8));
        assert_eq!(target(&n(18, 0), BestFit), Some(Target::Int64));
        assert_eq!(target(&n(19, 0), BestFit), Some(Target::Decimal(0)));
        assert_eq!(target(&n(10, 2), BestFit), Some(Target::Float64));
        assert_eq!(target(&n(30, 2), BestFit), Some(Target::Decimal(2)));
        assert_eq!(target(&n(30, 2), BestFitEagerDouble), Some(Target::Float64));
        assert_eq!(target(&n(10, 2), PrecisionOnly), Some(Target::Decimal(2)));
        assert_eq!(target(&n(4, 0), PrecisionOnly), Some(Target::Int16));
        // Unconstrained NUMERIC keeps every digit whatever the mapping.
        assert_eq!(target(&n(0, 0), BestFit), Some(Target::Decimal(UNCONSTRAINED_NUMERIC_SCALE)));
        // MySQL DECIMAL ignores numeric.mapping, as with Confluent.
        assert_eq!(target(&ColumnKind::Decimal { precision: 5, scale: 0 }, BestFit), Some(Target::Decimal(0)));
        assert_eq!(target(&ColumnKind::Unsupported("geometry".into()), None), Option::None);
    }

    #[test]
    fn decimal_fields_carry_their_precision() {
        let c = Column { name: "price".into(), kind: ColumnKind::Decimal { precision: 12, scale: 2 }, nullable: true };
        let s = field_schema(&c, Target::Decimal(2));
        assert!(s.optional);
        assert_eq!(s.name.as_deref(), Some(logical::DECIMAL));
        assert_eq!(s.parameters.get("scale").map(String::as_str), Some("2"));
        assert_eq!(s.parameters.get("connect.decimal.precision").map(String::as_str), Some("12"));
    }
}
