//! The SeaORM backend: recorders on SQLite, PostgreSQL and MySQL/MariaDB, in the tables and
//! format of Python's `eventsourcing_django`.
//!
//! A [`SeaOrmStore`] wraps a SeaORM connection and the names of the three tables
//! ([`Tables`]); it makes [`SeaOrmRecorder`]s for applications. The tables are those the Django
//! migration creates (see [`schema`]); the `migration` crate and `CREATE_TABLE` create the same.

mod connect;
pub mod dialect;
mod direct;
pub mod entity;
mod held;
mod held_transaction;
mod load;
mod recorder;
pub mod schema;
mod store;
mod write_queue;

pub use connect::{SQLITE_BUSY_TIMEOUT, SQLITE_ROW_BUFFER, connect, connect_options, recommend};
pub use recorder::{MAX_APPLICATION_NAME, SeaOrmRecorder, SeaOrmSnapshotRecorder};
pub use schema::Tables;
pub use store::SeaOrmStore;
