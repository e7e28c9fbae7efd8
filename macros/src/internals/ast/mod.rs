//! The model of the macros' input: an aggregate struct with its fields, an aggregate `impl`
//! block with its event methods, an entity module with its kind of table, and a type deriving
//! `Transcode`.
//!
//! Building the model reports every misuse it meets and leaves the misused part out, so that
//! the rest can still be generated and the user sees only the macro's own errors.

mod aggregate_impl;
mod aggregate_struct;
mod create_id;
mod entity_module;
mod event_method;
mod field;
mod param;
mod system_app;
mod transcode_type;

pub use aggregate_impl::{AggregateImpl, Member};
pub use aggregate_struct::AggregateStruct;
pub use entity_module::EntityModule;
pub use event_method::{EventKind, EventMethod, Returns};
pub use field::Field;
pub use system_app::SystemApp;
pub use transcode_type::{Shape, TranscodeType};

use syn::Path;

/// The path of the runtime crate when `crate = "..."` does not set it.
pub fn default_crate() -> Path {
    syn::parse_quote!(::eventsourcing_seaorm)
}
