//! # eventsourcing-seaorm
//!
//! Event sourcing for Rust, stored through SeaORM: the Rust counterpart of Python's
//! `eventsourcing` and `eventsourcing_django`, able to share one event store with a Django
//! application byte for byte.
//!
//! The layers follow the Python original, each depending only on those before it:
//! [`domain`] (aggregates, events, snapshots) → [`persistence`] (transcoding, compression,
//! encryption, the mapper and the recorder traits) → backends ([`memory`]) → [`application`]
//! (application, repository, notification log).

// Lets generated code name `::eventsourcing_seaorm` inside this crate's own tests too.
extern crate self as eventsourcing_seaorm;

pub mod application;
pub mod domain;
pub mod memory;
pub mod persistence;

// macros: pending

/// The names most programs need: `use eventsourcing_seaorm::prelude::*;`.
pub mod prelude {
    
    pub use crate::domain::{Aggregate, DomainEvent};

}

#[doc(hidden)]
pub mod __private {
    pub use crate::domain::autoref::{
        Decode, DecodeViaSerde, DecodeViaTranscode, Encode, EncodeViaSerde, EncodeViaTranscode,
    };
    pub use chrono;
    pub use uuid;
}
