//! CREATE TABLE and ALTER TABLE … ADD from record schemas, per dialect.
//! Pure functions of their inputs, so the SQL is tested as text.

use ferry_api::data::logical;
use ferry_api::{ConnectError, Result, Schema, SchemaType, Value};

use super::shape::SinkColumn;
use crate::dialect::{DialectKind, TableId};

/// The column type for a Connect schema. Key columns get types MySQL can
/// index (a TEXT primary key is refused there).
pub fn column_type(dialect: DialectKind, schema: &Schema, key: bool) -> Result<String> {
    let mysql = dialect.is_mysql_family();
    if let Some(name) = schema.name.as_deref() {
        match name {
            logical::DECIMAL => {
                let scale = logical::decimal_scale(schema).unwrap_or(0);
                return Ok(if mysql { format!("DECIMAL(65,{})", scale.clamp(0, 30)) } else { "DECIMAL".into() });
            }
            logical::DATE => return Ok("DATE".into()),
            logical::TIME => return Ok(if mysql { "TIME(3)" } else { "TIME" }.into()),
            logical::TIMESTAMP => return Ok(if mysql { "DATETIME(3)" } else { "TIMESTAMP" }.into()),
            _ => {}
        }
    }
    let t = match (schema.kind, mysql) {
        (SchemaType::Int8, true) => "TINYINT",
        (SchemaType::Int8 | SchemaType::Int16, false) => "SMALLINT",
        (SchemaType::Int16, true) => "SMALLINT",
        (SchemaType::Int32, _) => "INT",
        (SchemaType::Int64, _) => "BIGINT",
        (SchemaType::Float32, true) => "FLOAT",
        (SchemaType::Float32, false) => "REAL",
        (SchemaType::Float64, true) => "DOUBLE",
        (SchemaType::Float64, false) => "DOUBLE PRECISION",
        (SchemaType::Boolean, true) => "TINYINT(1)",
        (SchemaType::Boolean, false) => "BOOLEAN",
        (SchemaType::String, true) if key => "VARCHAR(255)",
        (SchemaType::String, true) => "LONGTEXT",
        (SchemaType::String, false) => "TEXT",
        (SchemaType::Bytes, true) if key => "VARBINARY(255)",
        (SchemaType::Bytes, true) => "LONGBLOB",
        (SchemaType::Bytes, false) => "BYTEA",
        (kind, _) => {
            return Err(ConnectError::data(format!(
                "A {} field has no column type; flatten it first (the Flatten transform) or leave it out with fields.whitelist",
                kind.name()
            )))
        }
    };
    Ok(t.into())
}

/// A column's definition: type, nullability and default.
fn definition(dialect: DialectKind, quote: bool, c: &SinkColumn) -> Result<String> {
    let name = if quote { dialect.quote(&c.name) } else { c.name.clone() };
    let mut def = format!("{name} {}", column_type(dialect, &c.schema, c.key)?);
    // MySQL cannot default TEXT and BLOB columns.
    let defaultable = !(dialect.is_mysql_family() && matches!(c.schema.kind, SchemaType::String | SchemaType::Bytes) && !c.key);
    if let Some(d) = c.schema.default.as_ref().filter(|_| defaultable).and_then(|d| literal(dialect, d)) {
        def.push_str(&format!(" DEFAULT {d}"));
    }
    def.push_str(if c.key || !c.schema.optional { " NOT NULL" } else { " NULL" });
    Ok(def)
}

/// A default value as SQL text, for the types a default can be written in.
fn literal(dialect: DialectKind, v: &Value) -> Option<String> {
    Some(match v {
        Value::Boolean(b) if dialect.is_mysql_family() => u8::from(*b).to_string(),
        Value::Boolean(b) => b.to_string(),
        Value::Int8(i) => i.to_string(),
        Value::Int16(i) => i.to_string(),
        Value::Int32(i) => i.to_string(),
        Value::Int64(i) => i.to_string(),
        Value::Float32(f) if f.is_finite() => f.to_string(),
        Value::Float64(f) if f.is_finite() => f.to_string(),
        Value::Decimal(d) => d.to_plain_string(),
        Value::String(s) => format!("'{}'", s.replace('\'', "''")),
        Value::Date(d) => format!("'{d}'"),
        _ => return None,
    })
}

pub fn create_table(dialect: DialectKind, quote: bool, table: &TableId, columns: &[SinkColumn]) -> Result<String> {
    let mut parts = columns.iter().map(|c| definition(dialect, quote, c)).collect::<Result<Vec<_>>>()?;
    let keys: Vec<String> = columns.iter().filter(|c| c.key).map(|c| if quote { dialect.quote(&c.name) } else { c.name.clone() }).collect();
    if !keys.is_empty() {
        parts.push(format!("PRIMARY KEY({})", keys.join(",")));
    }
    Ok(format!("CREATE TABLE {} (\n{})", table.quoted(dialect, quote), parts.join(",\n")))
}

/// ALTER TABLE for fields the table lacks. Only optional or defaulted
/// fields can be added to a table that may already hold rows.
pub fn add_columns(dialect: DialectKind, quote: bool, table: &TableId, missing: &[&SinkColumn]) -> Result<String> {
    for c in missing {
        if c.key || (!c.schema.optional && c.schema.default.is_none()) {
            return Err(ConnectError::data(format!(
                "Cannot add column '{}' to {}: the field is required and has no default, and the table may hold rows without it. \
                 Make the field optional or give it a default, or add the column yourself",
                c.name,
                table.fqn()
            )));
        }
    }
    let adds = missing.iter().map(|c| definition(dialect, quote, c).map(|d| format!("ADD {d}"))).collect::<Result<Vec<_>>>()?;
    Ok(format!("ALTER TABLE {} {}", table.quoted(dialect, quote), adds.join(", ")))
}

#[cfg(test)]
mod tests {
    use ferry_api::data::SchemaBuilder;

    use super::*;

    fn col(name: &str, schema: ferry_api::SchemaRef, key: bool) -> SinkColumn {
        SinkColumn { name: name.into(), schema, key }
    }

    fn columns() -> Vec<SinkColumn> {
        vec![
            col("code", Schema::string(), true),
            col("qty", Schema::int32(), false),
            col("note", SchemaBuilder::new(SchemaType::String).optional().build(), false),
            col("price", logical::decimal(2), false),
            col("at", logical::timestamp_builder().optional().build(), false),
            col("active", SchemaBuilder::new(SchemaType::Boolean).default_value(Value::Boolean(true)).build(), false),
        ]
    }

    #[test]
    fn create_table_mysql_indexes_a_string_key() {
        let t = TableId::parse(DialectKind::MySql, "orders");
        assert_eq!(
            create_table(DialectKind::MySql, true, &t, &columns()).expect("sql"),
            "CREATE TABLE `orders` (\n`code` VARCHAR(255) NOT NULL,\n`qty` INT NOT NULL,\n`note` LONGTEXT NULL,\n\
             `price` DECIMAL(65,2) NOT NULL,\n`at` DATETIME(3) NULL,\n`active` TINYINT(1) DEFAULT 1 NOT NULL,\nPRIMARY KEY(`code`))"
        );
    }

    #[test]
    fn create_table_postgres() {
        let t = TableId::parse(DialectKind::Postgres, "public.orders");
        assert_eq!(
            create_table(DialectKind::Postgres, true, &t, &columns()).expect("sql"),
            "CREATE TABLE \"public\".\"orders\" (\n\"code\" TEXT NOT NULL,\n\"qty\" INT NOT NULL,\n\"note\" TEXT NULL,\n\
             \"price\" DECIMAL NOT NULL,\n\"at\" TIMESTAMP NULL,\n\"active\" BOOLEAN DEFAULT true NOT NULL,\nPRIMARY KEY(\"code\"))"
        );
    }

    #[test]
    fn evolution_adds_optional_and_defaulted_columns_only() {
        let t = TableId::parse(DialectKind::Postgres, "orders");
        let cols = columns();
        assert_eq!(
            add_columns(DialectKind::Postgres, true, &t, &[&cols[2], &cols[5]]).expect("sql"),
            "ALTER TABLE \"orders\" ADD \"note\" TEXT NULL, ADD \"active\" BOOLEAN DEFAULT true NOT NULL"
        );
        let e = add_columns(DialectKind::Postgres, true, &t, &[&cols[1]]).expect_err("required without default");
        assert!(e.to_string().contains("Make the field optional or give it a default"), "{e}");
    }

    #[test]
    fn nested_types_have_no_column() {
        let array = SchemaBuilder::array(Schema::int32()).build();
        let e = column_type(DialectKind::MySql, &array, false).expect_err("no column");
        assert!(e.to_string().contains("Flatten"), "{e}");
    }
}
