//! Where the worker keeps its state: source offsets and statuses.

mod offsets;
mod status;

pub use offsets::{offset_key, FileOffsetStore, OffsetStore, TaskOffsetReader};
pub(crate) use offsets::parse_key;
pub use status::StatusStore;
