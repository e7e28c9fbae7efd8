//! The SeaORM backend: recorders on SQLite, PostgreSQL and MySQL/MariaDB, in the tables and
//! format of Python's `eventsourcing_django`.
//!
//! A [`SeaOrmStore`] wraps a SeaORM connection and the names of the three tables
//! ([`Tables`]); it makes [`SeaOrmRecorder`]s and [`SeaOrmSnapshotRecorder`]s for
//! applications. The tables are those the Django migration creates (see [`schema`]); the
//! `migration` crate and `CREATE_TABLE` create the same.
//!
//! How the files divide the work (calls go down this list, never up):
//!
//! | file | what it does |
//! |---|---|
//! | `recorder.rs`, `snapshot_recorder.rs` | the recorders: the persistence traits, saves in a caller's transaction, errors of failed saves |
//! | `store.rs` | [`SeaOrmStore`]: the connection, the tables, what was found out about the database |
//! | `read.rs` | selects of events and notifications, loads from a snapshot on one connection |
//! | `write_queue.rs` | the writers' queue and group commit |
//! | `write.rs` | one save's statements in a transaction; a save in a caller's savepoint |
//! | `lock.rs` | the lock that keeps notification ids in commit order |
//! | `statements.rs` | the text and values of every statement |
//! | `rows.rs` | rows read back into events |
//! | `driver.rs` | the one way statements are run, chosen when the store is built |
//! | `kept.rs` | the pool's connection kept between reads and saves |
//! | `errors.rs` | what a database error means (conflict, retry) |
//! | `in_transaction.rs` | a recorder's selects in a caller's transaction (loads in a unit of work) |
//! | `dialect.rs`, `schema.rs`, `connect.rs`, `entity/` | per-database SQL, the tables' DDL, connecting, SeaORM entities |

mod connect;
pub mod dialect;
mod driver;
pub mod entity;
mod errors;
mod exclusive;
mod in_transaction;
mod kept;
mod lock;
mod read;
mod recorder;
mod rows;
pub mod schema;
mod snapshot_recorder;
mod statements;
mod store;
mod write;
mod write_queue;

#[cfg(test)]
mod tests;

pub use connect::{
    CONNECT_TIMEOUT, IDLE_CHECK, SQLITE_BUSY_TIMEOUT, SQLITE_ROW_BUFFER, connect, connect_options,
    connect_within, recommend, url_problem,
};
pub(crate) use errors::{commit_error, db_error, is_rolled_back_to_retry, is_unavailable};
pub use exclusive::ExclusiveLock;
pub use in_transaction::ReadsInTransaction;
pub use recorder::SeaOrmRecorder;
pub use schema::Tables;
pub use snapshot_recorder::SeaOrmSnapshotRecorder;
pub use statements::MAX_APPLICATION_NAME;
pub use store::{SeaOrmStore, WRITE_QUEUE_LIMIT};
