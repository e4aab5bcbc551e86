//! Kafka Connect's data model: schemas, values, structs and the logical
//! types Decimal, Date, Time and Timestamp.

pub mod logical;
mod schema;
mod value;

pub use schema::{Field, Schema, SchemaBuilder, SchemaRef, SchemaType};
pub use value::{Struct, Value};
