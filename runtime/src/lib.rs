//! # eventsourcing-seaorm
//!
//! Event sourcing for Rust, stored through SeaORM: the Rust counterpart of Python's
//! `eventsourcing` and `eventsourcing_django`, able to share one event store with a Django
//! application byte for byte.
//!
//! The layers follow the Python original, each depending only on those before it:
//! [`domain`] (aggregates, events, snapshots) → [`persistence`] (transcoding, compression,
//! encryption, the mapper and the recorder traits) → backends ([`memory`], [`seaorm`]) → [`application`]
//! (application, repository, notification log).

// Lets generated code name `::eventsourcing_seaorm` inside this crate's own tests too.
extern crate self as eventsourcing_seaorm;

pub mod application;
pub mod domain;
pub mod memory;
pub mod persistence;
pub mod redact;
pub mod seaorm;
mod trace;

pub use eventsourcing_seaorm_macros::{aggregate, entity, event};
/// SeaORM, as this crate uses it (connections, transactions, entities).
pub use sea_orm;

/// The names most programs need: `use eventsourcing_seaorm::prelude::*;`.
pub mod prelude {

    pub use crate::application::{Application, ApplicationBuilder, ApplicationError};
    pub use crate::domain::{Aggregate, DomainEvent};
    pub use crate::{aggregate, event};
}

#[doc(hidden)]
pub mod __private {
    pub use crate::domain::autoref::{Codec, CodecViaSerde, CodecViaTranscode};
    pub use chrono;
    pub use sea_orm;
    pub use uuid;
}

#[doc = include_str!("../../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
