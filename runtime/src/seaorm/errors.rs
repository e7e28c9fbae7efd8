//! What a database error means to a recorder, decided in one place: a conflict (a unique
//! constraint), another integrity failure, a transaction the database rolled back to break a
//! deadlock (worth trying again), MySQL's error numbers; and sqlx's errors as SeaORM reports
//! them, for the statements the recorders send to sqlx themselves.

use std::sync::Arc;

use sea_orm::sqlx;
use sea_orm::{ConnAcquireErr, DbBackend, DbErr, RuntimeErr, SqlErr};

use crate::persistence::PersistenceError;

/// MySQL's "Key '…' doesn't exist in table '…'" (an index hint naming a missing, invisible
/// or ignored index).
pub(crate) const ER_KEY_DOES_NOT_EXIST: u16 = 1176;

/// The error the database itself returned, if that is what `error` is.
fn database_error(error: &DbErr) -> Option<&dyn sqlx::error::DatabaseError> {
    match error {
        DbErr::Exec(RuntimeErr::SqlxError(e)) | DbErr::Query(RuntimeErr::SqlxError(e)) => {
            e.as_database_error()
        }
        _ => None,
    }
}

/// The SQLSTATE of a database error.
fn sqlstate(error: &DbErr) -> Option<String> {
    database_error(error)?.code().map(|c| c.into_owned())
}

/// MySQL's error number of a database error.
pub(crate) fn mysql_error_number(error: &DbErr) -> Option<u16> {
    database_error(error)?
        .try_downcast_ref::<sqlx::mysql::MySqlDatabaseError>()
        .map(|m| m.number())
}

/// [`is_rolled_back_to_retry`], for a save on `backend` (SQLite's errors are not even looked at).
pub(crate) fn is_retryable(backend: DbBackend, error: &DbErr) -> bool {
    backend != DbBackend::Sqlite && is_rolled_back_to_retry(error)
}

/// Whether the connection was lost (closed by the server or a proxy, a restart, a failover, a
/// broken socket) rather than the statement refused: what was not committed on it is rolled
/// back, and the work can be tried again on another connection.
pub(crate) fn is_connection_lost(error: &DbErr) -> bool {
    // A statement's error; not the pool's failure to open a connection (`DbErr::Conn`), which
    // the pool has already retried until its timeout.
    let sqlx_error = match error {
        DbErr::Exec(RuntimeErr::SqlxError(e)) | DbErr::Query(RuntimeErr::SqlxError(e)) => e,
        _ => return false,
    };
    match sqlx_error.as_ref() {
        sqlx::Error::Io(_) | sqlx::Error::Protocol(_) | sqlx::Error::WorkerCrashed => true,
        sqlx::Error::Database(e) => {
            // PostgreSQL: connection exceptions (class 08), and the server terminating the
            // connection (an administrator, a crash, a shutdown).
            let code = e.code().unwrap_or_default();
            let mysql = e
                .try_downcast_ref::<sqlx::mysql::MySqlDatabaseError>()
                .map(|m| m.number());
            code.starts_with("08")
                || matches!(code.as_ref(), "57P01" | "57P02" | "57P03")
                // MySQL/MariaDB: connection killed, server shutting down.
                || matches!(mysql, Some(1927 | 1053))
        }
        _ => false,
    }
}

/// Deadlocks and serialisation failures: the database rolled the transaction back (SQLSTATE
/// class 40 on PostgreSQL and MySQL/MariaDB, where a deadlock, 1213, is 40001), and the same
/// work, tried again in a new transaction, may succeed. Never SQLite's, whose codes are numbers.
pub(crate) fn is_rolled_back_to_retry(error: &DbErr) -> bool {
    !is_sqlite_error(error) && sqlstate(error).is_some_and(|code| code.starts_with("40"))
}

/// Whether `error` is SQLite's (whose codes are numbers, not SQLSTATEs).
fn is_sqlite_error(error: &DbErr) -> bool {
    database_error(error)
        .is_some_and(|e| e.try_downcast_ref::<sqlx::sqlite::SqliteError>().is_some())
}

/// Whether the database could not be reached or could not do the work for now (no connection
/// could be opened or taken from the pool, the connection was lost, the transaction was rolled
/// back to break a deadlock, SQLite's file is locked beyond its busy timeout): the same request
/// may succeed later. SQL the database refused, bad rows and conflicts are not.
pub(crate) fn is_unavailable(error: &DbErr) -> bool {
    if matches!(error, DbErr::Conn(_) | DbErr::ConnectionAcquire(_)) || is_connection_lost(error) {
        return true;
    }
    let Some(database) = database_error(error) else {
        return false;
    };
    let code = database.code().unwrap_or_default();
    if is_sqlite_error(error) {
        // SQLite's BUSY (5) and its extended codes (the low byte is the primary code).
        return code.parse::<u32>().is_ok_and(|code| code & 0xff == 5);
    }
    // Class 53 (insufficient resources, too many connections) on PostgreSQL and MySQL.
    is_rolled_back_to_retry(error)
        || code.starts_with("53")
        || matches!(
            mysql_error_number(error),
            Some(1040 | 1205) // too many connections, lock wait timeout
        )
}

/// Which statement of a save failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Step {
    /// An `INSERT` of events.
    Events,
    /// The `INSERT` of the tracking row.
    Tracking,
    /// The `COMMIT` of the save's transaction.
    Commit,
    /// The task recording the save stopped before it answered (it panicked, or its runtime
    /// shut down), perhaps after its `COMMIT` was sent.
    Stopped,
    /// Anything else (beginning, locking), named.
    Other(&'static str),
}

/// Why a save failed, before it is turned into a [`PersistenceError`].
#[derive(Debug)]
pub(crate) struct InsertFailure {
    /// Where.
    pub(crate) step: Step,
    /// What the database said.
    pub(crate) error: DbErr,
}

/// Makes an [`InsertFailure`] at `step`.
pub(crate) fn at(step: Step) -> impl FnOnce(DbErr) -> InsertFailure {
    move |error| InsertFailure { step, error }
}

/// What a failed save means, as far as the error alone tells.
pub(crate) enum SaveError {
    /// An event's (application, originator, version) is already recorded.
    Conflict,
    /// The tracking position is already recorded.
    TrackingConflict(DbErr),
    /// Another integrity constraint (a foreign key a user added to the tables).
    Integrity(String),
    /// The save may or may not have been recorded: the connection failed while committing.
    OutcomeUnknown(DbErr),
    /// The database failed while doing this.
    Database(&'static str, DbErr),
}

impl InsertFailure {
    /// What the failure means.
    pub(crate) fn classify(self) -> SaveError {
        let violation = self.error.sql_err();
        if let Some(SqlErr::ForeignKeyConstraintViolation(message)) = violation {
            return SaveError::Integrity(message);
        }
        let unique = matches!(violation, Some(SqlErr::UniqueConstraintViolation(_)));
        match (self.step, unique) {
            // The database's own answer to a `COMMIT` (a serialisation failure, a deferred
            // constraint) means it was rolled back; anything else (a lost connection, a
            // timeout) may have come after the server committed.
            (Step::Commit, _) if database_error(&self.error).is_none() => {
                SaveError::OutcomeUnknown(self.error)
            }
            (Step::Commit, _) => SaveError::Database("committing", self.error),
            (Step::Stopped, _) => SaveError::OutcomeUnknown(self.error),
            (Step::Events, true) => SaveError::Conflict,
            (Step::Tracking, true) => SaveError::TrackingConflict(self.error),
            (Step::Events, false) => SaveError::Database("inserting events", self.error),
            (Step::Tracking, false) => SaveError::Database("inserting tracking", self.error),
            (Step::Other(operation), _) => SaveError::Database(operation, self.error),
        }
    }
}

/// A failed `COMMIT` of a caller's transaction: the database's own answer means it was rolled
/// back; anything else (a lost connection, a timeout) may have come after the server
/// committed.
pub(crate) fn commit_error(
    application_name: &str,
    operation: &'static str,
    source: DbErr,
) -> PersistenceError {
    if database_error(&source).is_some() {
        db_error(application_name, operation, source)
    } else {
        PersistenceError::OutcomeUnknown {
            application_name: application_name.to_owned(),
            operation,
            source: Box::new(source),
        }
    }
}

/// A database failure of `application_name` while doing `operation`.
pub(crate) fn db_error(
    application_name: &str,
    operation: &'static str,
    source: DbErr,
) -> PersistenceError {
    PersistenceError::Database {
        application_name: application_name.to_owned(),
        operation,
        source: Box::new(source),
    }
}

/// A row of `application_name` in `table` that cannot be read: which row (and its
/// notification id, for a row of the log), and why.
pub(crate) fn data_error(
    application_name: &str,
    table: &str,
    row: String,
    notification_id: Option<u64>,
    reason: String,
) -> PersistenceError {
    PersistenceError::Data {
        application_name: application_name.to_owned(),
        table: table.to_owned(),
        row,
        notification_id,
        reason,
    }
}

/// A pool's error as SeaORM reports it when it cannot take a connection.
pub(crate) fn acquire_error(error: sqlx::Error) -> DbErr {
    match error {
        sqlx::Error::PoolTimedOut => DbErr::ConnectionAcquire(ConnAcquireErr::Timeout),
        sqlx::Error::PoolClosed => DbErr::ConnectionAcquire(ConnAcquireErr::ConnectionClosed),
        other => DbErr::Conn(RuntimeErr::SqlxError(Arc::new(other))),
    }
}

/// A query's error (also a transaction's begin, commit or rollback) as SeaORM reports it.
pub(crate) fn query_error(error: sqlx::Error) -> DbErr {
    DbErr::Query(RuntimeErr::SqlxError(Arc::new(error)))
}

/// A statement's error, run for its effect, as SeaORM reports it.
pub(crate) fn exec_error(error: sqlx::Error) -> DbErr {
    DbErr::Exec(RuntimeErr::SqlxError(Arc::new(error)))
}
