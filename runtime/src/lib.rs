//! # eventsourcing-seaorm
//!
//! Event sourcing for Rust, stored through SeaORM: the Rust counterpart of Python's
//! `eventsourcing` and `eventsourcing_django`, able to share one event store with a Django
//! application byte for byte.
//!
//! An aggregate is a struct and an `impl` block with one attribute each, and one attribute per
//! event method; an [`Application`](application::Application) records their events, in memory
//! or, as soon as a database is named, through SeaORM:
//!
//! ```
//! use eventsourcing_seaorm::prelude::*;
//!
//! #[aggregate]
//! #[derive(Debug)]
//! pub struct World {
//!     history: Vec<String>,
//! }
//!
//! #[aggregate]
//! impl World {
//!     #[event("Created")]
//!     pub fn create() -> Self {
//!         Self { history: Vec::new() }
//!     }
//!
//!     #[event("SomethingHappened")]
//!     pub fn make_it_so(&mut self, what: String) {
//!         self.history.push(what);
//!     }
//! }
//!
//! # tokio::runtime::Runtime::new().unwrap().block_on(async {
//! // In memory, as the Python seed example runs.
//! let app = Application::builder("Worlds").in_memory().build().await?;
//! let mut world = World::create();
//! world.make_it_so("dinosaurs".into());
//! app.save(&mut world).await?;
//! let world: World = app.get(world.id()).await?;
//! assert_eq!(world.history, ["dinosaurs"]);
//!
//! // Stored through SeaORM: a database URL (SQLite, PostgreSQL, MySQL) or a connection.
//! let app = Application::builder("Worlds")
//!     .database_url("sqlite::memory:")
//!     .snapshotting(true)
//!     .build()
//!     .await?;
//! let world = app.create(World::create).await?;
//! app.execute::<World, _>(world.id(), |w| w.make_it_so("trucks".into())).await?;
//! app.execute::<World, _>(world.id(), |w| w.make_it_so("internet".into())).await?;
//! let world: World = app.get(world.id()).await?;
//! assert_eq!(world.history, ["trucks", "internet"]);
//! assert_eq!(app.recorder().max_notification_id().await?, Some(3));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! # }).unwrap();
//! ```
//!
//! The README covers settings, tables, commands and units of work, and error kinds; `docs/`
//! the architecture and deployment.
//!
//! The layers follow the Python original, each depending only on those before it:
//! [`domain`] (aggregates, events, snapshots) → [`persistence`] (transcoding, compression,
//! encryption, the mapper and the recorder traits) → backends ([`memory`], [`seaorm`]) → [`application`]
//! (application, repository, notification log, commands, units of work) → [`system`] (followers,
//! process applications, systems and runners).
//!
//! [`testing`] holds given/when/then tests of aggregates, for users' own tests.

// Lets generated code name `::eventsourcing_seaorm` inside this crate's own tests too.
extern crate self as eventsourcing_seaorm;

pub mod application;
pub mod domain;
pub mod memory;
pub mod persistence;
pub mod redact;
pub mod seaorm;
pub mod system;
pub mod testing;
mod trace;

pub use eventsourcing_seaorm_macros::{aggregate, entity, event};
/// SeaORM, as this crate uses it (connections, transactions, entities).
pub use sea_orm;

/// The names most programs need: `use eventsourcing_seaorm::prelude::*;`.
pub mod prelude {

    pub use crate::application::{
        Application, ApplicationBuilder, ApplicationError, CommandError, ErrorKind, UnitOfWork,
    };
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
