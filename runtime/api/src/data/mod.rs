//! Kafka Connect's data model: schemas, values, structs and the logical
//! types Decimal, Date, Time and Timestamp.

mod display;
pub mod logical;
mod schema;
mod value;

pub use schema::{Field, Schema, SchemaBuilder, SchemaRef, SchemaType};
pub use display::{java_double_string, java_float_string, write_java_double, write_java_float};
pub use value::{Struct, Value};
