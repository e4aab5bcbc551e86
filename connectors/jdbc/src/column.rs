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
    /// BIGINT UNSIGNED: int64 as Confluent maps it, or a Decimal of scale 0
    /// per `bigint.unsigned.handling.mode`.
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
    /// MySQL BIT(n) of one byte (n ≤ 8): int8, the byte as Connector/J
    /// reads it (b'11111111' is -1), as Confluent maps it.
    BitByte,
    /// YEAR: Connect Date of its first day, as Connector/J reads YEAR
    /// (`yearIsDateType`) and Confluent maps it.
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

/// `bigint.unsigned.handling.mode`, as Debezium names it: `long` is
/// Confluent's int64 (a value above 2^63-1 fails the task), `precise` a
/// Decimal of scale 0 that holds every value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum UnsignedBigint {
    #[default]
    Long,
    Precise,
}

impl UnsignedBigint {
    pub const KEY: &'static str = "bigint.unsigned.handling.mode";
    pub const NAMES: [&'static str; 2] = ["long", "precise"];

    pub fn parse(s: &str) -> Option<Self> {
        match s.to_ascii_lowercase().as_str() {
            "long" => Some(Self::Long),
            "precise" => Some(Self::Precise),
            _ => None,
        }
    }
}

/// `time.handling.mode`: `connect` is Connect's Time (a time of day, as
/// Confluent maps TIME); `microseconds` an int64 duration named
/// `io.debezium.time.MicroTime`, which also holds MySQL's TIME values
/// outside one day (`-838:59:59` to `838:59:59`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TimeMapping {
    #[default]
    Connect,
    Microseconds,
}

impl TimeMapping {
    pub const KEY: &'static str = "time.handling.mode";
    pub const NAMES: [&'static str; 2] = ["connect", "microseconds"];

    pub fn parse(s: &str) -> Option<Self> {
        match s.to_ascii_lowercase().as_str() {
            "connect" => Some(Self::Connect),
            "microseconds" => Some(Self::Microseconds),
            _ => None,
        }
    }
}

/// The source's type-mapping keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Mapping {
    pub numeric: NumericMapping,
    pub unsigned_bigint: UnsignedBigint,
    pub time: TimeMapping,
}

impl Default for Mapping {
    fn default() -> Self {
        Self { numeric: NumericMapping::None, unsigned_bigint: UnsignedBigint::default(), time: TimeMapping::default() }
    }
}

/// Debezium's name for a time as microseconds (past midnight, or a duration).
pub const MICRO_TIME: &str = "io.debezium.time.MicroTime";

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
    /// int64 microseconds ([`MICRO_TIME`]).
    MicroTime,
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
pub fn target(kind: &ColumnKind, mapping: Mapping) -> Option<Target> {
    Some(match kind {
        ColumnKind::Boolean => Target::Boolean,
        ColumnKind::Int8 => Target::Int8,
        ColumnKind::Int16 => Target::Int16,
        ColumnKind::Int32 => Target::Int32,
        ColumnKind::Int64 | ColumnKind::Bits(_) => Target::Int64,
        ColumnKind::BitByte => Target::Int8,
        ColumnKind::UInt64 if mapping.unsigned_bigint == UnsignedBigint::Precise => Target::Decimal(0),
        ColumnKind::UInt64 => Target::Int64,
        ColumnKind::Year => Target::Date,
        ColumnKind::Float32 => Target::Float32,
        ColumnKind::Float64 => Target::Float64,
        ColumnKind::Decimal { scale, .. } => Target::Decimal(*scale),
        ColumnKind::Numeric { precision, scale } => numeric_target(*precision, *scale, mapping.numeric),
        ColumnKind::String => Target::String,
        ColumnKind::Bytes => Target::Bytes,
        ColumnKind::Date => Target::Date,
        ColumnKind::Time if mapping.time == TimeMapping::Microseconds => Target::MicroTime,
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
        Target::MicroTime => SchemaBuilder::new(SchemaType::Int64).name(MICRO_TIME).version(1),
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

    fn numeric(numeric: NumericMapping) -> Mapping {
        Mapping { numeric, ..Mapping::default() }
    }

    #[test]
    fn numeric_mapping_follows_confluent() {
        use NumericMapping::*;
        let target = |kind: &ColumnKind, m| super::target(kind, numeric(m));
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
    fn unsigned_bigint_and_time_follow_their_keys() {
        let by_default = Mapping::default();
        assert_eq!(target(&ColumnKind::UInt64, by_default), Some(Target::Int64), "Confluent's int64");
        let precise = Mapping { unsigned_bigint: UnsignedBigint::Precise, ..by_default };
        assert_eq!(target(&ColumnKind::UInt64, precise), Some(Target::Decimal(0)));
        assert_eq!(target(&ColumnKind::Time, by_default), Some(Target::Time));
        let micros = Mapping { time: TimeMapping::Microseconds, ..by_default };
        assert_eq!(target(&ColumnKind::Time, micros), Some(Target::MicroTime));
        let c = Column { name: "t".into(), kind: ColumnKind::Time, nullable: false };
        let s = field_schema(&c, Target::MicroTime);
        assert_eq!((s.kind, s.name.as_deref(), s.version), (SchemaType::Int64, Some(MICRO_TIME), Some(1)));
        assert_eq!(UnsignedBigint::parse("PRECISE"), Some(UnsignedBigint::Precise));
        assert_eq!(TimeMapping::parse("adaptive"), None);
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
