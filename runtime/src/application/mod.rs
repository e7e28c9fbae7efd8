//! The application layer: applications, repositories and notification logs.
//!
//! An [`Application`] ties together settings, a [`Mapper`](crate::persistence::Mapper), the
//! recorders its settings select, a [`Repository`] that rebuilds aggregates from events (from
//! the newest snapshot when snapshotting is enabled, or from a cache), and a
//! [`NotificationLog`] that presents all the application's events in the order they were
//! recorded, for followers to read.

mod app;
mod cache;
mod command;
mod error;
mod event_store;
pub mod factory;
mod listener;
mod notification_log;
mod repository;
mod save;
pub mod settings;
mod unit_of_work;

pub use app::{Application, ApplicationBuilder};
pub use cache::AggregateCache;
pub use command::{CommandError, DEFAULT_COMMAND_ATTEMPTS, RetryPolicy};
pub use error::{ApplicationError, ErrorKind};
pub use event_store::EventStore;
pub use listener::SaveListener;
pub use notification_log::{DEFAULT_SECTION_SIZE, NotificationLog, NotificationLogReader, Section};
pub use repository::Repository;
pub use save::{AfterSave, Recording, SaveBatch, Saveable};
pub use settings::Settings;
pub use unit_of_work::{UnitOfWork, WorkCommand, WorkCreated, WorkOutput};
