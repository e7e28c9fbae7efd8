//! Attribute options parsed into typed structs: `#[aggregate(...)]` on a struct, on its fields
//! and on its `impl` block, `#[event(...)]` on event methods, `#[transcode(...)]` on a type
//! deriving `Transcode`, its fields and variants ([`options`]), and `#[entity(...)]` on a module
//! ([`entity`]).
//!
//! Parsing only reads what is written; whether the options fit together (a version and its
//! upcasters, say) is decided in [`check`](super::check).

mod entity;
mod options;
mod values;

pub use entity::{EntityOptions, TableKind};
pub use options::{
    EventOptions, FieldOptions, ImplOptions, StructOptions, SystemOptions, TranscodeOptions,
    VariantOptions,
};

use syn::{Attribute, LitInt, Path};

/// A class version and the upcasters that bring older stored state up to it: `version = 3,
/// upcast(v1_to_v2, v2_to_v3)`.
#[derive(Default)]
pub struct Versioning {
    /// `version = N`, when given.
    pub version: Option<Version>,
    /// `upcast(...)`, when given.
    pub upcast: Option<Upcasts>,
}

/// A `version = N` option.
pub struct Version {
    /// The number.
    pub value: u32,
    /// The literal, for error spans.
    pub lit: LitInt,
}

/// An `upcast(path, ...)` option.
pub struct Upcasts {
    /// The `upcast` keyword, for error spans.
    pub keyword: Path,
    /// The upcaster functions, oldest first.
    pub paths: Vec<Path>,
}

impl Versioning {
    /// The class version (1 when not given).
    pub fn current(&self) -> u32 {
        self.version.as_ref().map_or(1, |v| v.value)
    }

    /// The upcaster paths (none when not given).
    pub fn upcasters(&self) -> &[Path] {
        self.upcast.as_ref().map_or(&[], |u| &u.paths)
    }
}

/// Whether `attr` is `#[event]` (also written with a path, `#[eventsourcing_seaorm::event]`).
pub fn is_event(attr: &Attribute) -> bool {
    attr.path()
        .segments
        .last()
        .is_some_and(|s| s.ident == "event")
}
