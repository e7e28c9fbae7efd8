//! The bench's error type: whatever stops a scenario, with what it was doing.

use eventsourcing_seaorm::application::ApplicationError;
use eventsourcing_seaorm::persistence::PersistenceError;
use eventsourcing_seaorm::sea_orm::{DbErr, sqlx};
use eventsourcing_seaorm::system::{SystemError, WaitError};

/// Why a benchmark step failed.
#[derive(Debug, thiserror::Error)]
pub enum BenchError {
    /// The library returned an error.
    #[error("application: {0}")]
    Application(#[from] ApplicationError),
    /// A recorder or store returned an error.
    #[error("persistence: {0}")]
    Persistence(#[from] PersistenceError),
    /// A follower returned an error.
    #[error("system: {0}")]
    System(#[from] SystemError),
    /// A projection did not reach a notification in time, or stopped.
    #[error("projection: {0}")]
    Wait(#[from] WaitError),
    /// SeaORM returned an error (connecting, dropping tables).
    #[error("sea-orm: {0}")]
    SeaOrm(#[from] DbErr),
    /// The raw driver returned an error.
    #[error("sqlx ({during}): {source}")]
    Sqlx {
        /// What the raw driver was doing.
        during: &'static str,
        /// The driver's error.
        source: sqlx::Error,
    },
    /// Reading or writing a file of the report.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The error.
        source: std::io::Error,
    },
    /// A script of the Python original could not run, failed, or printed no JSON.
    #[error("python: {0}")]
    Python(String),
    /// A check of the results failed (for example notification ids that interleave).
    #[error("check failed: {0}")]
    Check(String),
    /// The command line is wrong.
    #[error("{0}")]
    Usage(String),
}

/// Wraps a raw driver error with what it was doing: `.map_err(sqlx_at("inserting"))`.
pub fn sqlx_at(during: &'static str) -> impl FnOnce(sqlx::Error) -> BenchError {
    move |source| BenchError::Sqlx { during, source }
}
