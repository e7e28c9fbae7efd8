use std::fmt;

use uuid::Uuid;

use super::{CipherError, CompressorError, TranscoderError};
use crate::domain::{DomainError, ValueError};

/// Errors of recorders.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PersistenceError {
    /// An event with the same (application, originator id, originator version) is already
    /// recorded: another writer saved this version of the aggregate first. Nothing of the batch
    /// was recorded.
    #[error(
        "version conflict in application {application_name:?}{}",
        originator.map(|(id, v)| format!(": aggregate {id} version {v} is already recorded")).unwrap_or_default()
    )]
    Conflict {
        /// The application whose events conflicted.
        application_name: String,
        /// The conflicting event, when the recorder can tell which one it was.
        originator: Option<(Uuid, u64)>,
    },
    /// This tracking position is already recorded: the upstream notification was already
    /// processed. Nothing of the batch was recorded.
    #[error(
        "tracking conflict: {application_name:?} has already recorded notification {notification_id} of {upstream_application_name:?}"
    )]
    TrackingConflict {
        /// The follower.
        application_name: String,
        /// The upstream application.
        upstream_application_name: String,
        /// The notification id.
        notification_id: u64,
    },
    /// Another integrity constraint failed (a foreign key added to the tables). Nothing of the
    /// batch was recorded.
    #[error("integrity error in application {application_name:?}: {message}")]
    Integrity {
        /// The application.
        application_name: String,
        /// What the database said.
        message: String,
    },
    /// A stored row cannot be read (for example an originator id that is not a UUID).
    ///
    /// A row of the notification log is named by its notification id (`notification_id`,
    /// also in `row`), which a reader can leave out of its next selects
    /// ([`NotificationQuery::excluding`](super::NotificationQuery::excluding)) to read the
    /// healthy rows around it.
    #[error("bad row in table {table} of application {application_name:?} ({row}): {reason}")]
    Data {
        /// The application.
        application_name: String,
        /// The table.
        table: String,
        /// Which row, in words (notification id, originator id, as far as they could be read).
        row: String,
        /// The row's notification id, when it was read as a notification.
        notification_id: Option<u64>,
        /// What is wrong with it.
        reason: String,
    },
    /// A recorder was set up with something it cannot use (a table name, an application name
    /// longer than the tables hold).
    #[error("{what}: {reason}")]
    Configuration {
        /// What was given.
        what: String,
        /// Why it cannot be used.
        reason: String,
    },
    /// A value is out of the range the database can store (a version above `i64::MAX`).
    #[error("{what} {value} cannot be stored")]
    OutOfRange {
        /// Which value.
        what: &'static str,
        /// The value.
        value: u64,
    },
    /// The database failed.
    #[error(
        "database error{} while {operation}: {source}",
        of_application(application_name)
    )]
    Database {
        /// The application (empty for a store's own work, such as creating tables, outside
        /// any application).
        application_name: String,
        /// What the recorder was doing.
        operation: &'static str,
        /// The backend's error (for the SeaORM recorders a `sea_orm::DbErr`, which
        /// `source.downcast_ref::<sea_orm::DbErr>()` reaches).
        #[source]
        source: Box<dyn std::error::Error + Send + Sync + 'static>,
    },
    /// The save may or may not have been recorded: the connection to the database failed while
    /// its `COMMIT` was under way (or the task recording it stopped). Reload the aggregate and
    /// look at its version to know. Every other error of a save means that nothing of it was
    /// recorded.
    #[error(
        "the outcome of a save{} is unknown (reload the aggregate and check its version): the connection failed while {operation}: {source}",
        of_application(application_name)
    )]
    OutcomeUnknown {
        /// The application.
        application_name: String,
        /// What the recorder was doing.
        operation: &'static str,
        /// The backend's error.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync + 'static>,
    },
    /// The recorder does not support this operation.
    #[error("{recorder} does not support {operation}")]
    Unsupported {
        /// The recorder type.
        recorder: &'static str,
        /// The operation.
        operation: &'static str,
    },
}

impl PersistenceError {
    /// The notification id of an unreadable row of the notification log, which a reader can
    /// skip on purpose ([`NotificationQuery::excluding`](super::NotificationQuery::excluding));
    /// `None` for every other error.
    pub fn bad_notification_id(&self) -> Option<u64> {
        match self {
            PersistenceError::Data {
                notification_id, ..
            } => *notification_id,
            _ => None,
        }
    }
}

/// ` in application "NAME"`, or nothing for an empty name.
fn of_application(application_name: &str) -> String {
    if application_name.is_empty() {
        String::new()
    } else {
        format!(" in application {application_name:?}")
    }
}

/// The stored row an error is about: application, originator id, version and topic.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowRef {
    /// The application (empty if the mapper was not given one).
    pub application_name: String,
    /// Id of the aggregate.
    pub originator_id: Uuid,
    /// Version of the event.
    pub originator_version: u64,
    /// Topic of the event.
    pub topic: String,
}

impl fmt::Display for RowRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if !self.application_name.is_empty() {
            write!(f, "application {:?}, ", self.application_name)?;
        }
        write!(
            f,
            "originator {} version {} topic {}",
            self.originator_id, self.originator_version, self.topic
        )
    }
}

/// An event that could not be mapped to or from its stored form, with the row it is about.
#[derive(Debug, thiserror::Error)]
#[error("{row}: {kind}")]
pub struct MapperError {
    /// The row.
    pub row: Box<RowRef>,
    /// What went wrong.
    #[source]
    pub kind: Box<MapperErrorKind>,
}

/// What went wrong while mapping an event.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum MapperErrorKind {
    /// The event's state could not be made into JSON, or the stored JSON could not be read.
    #[error(transparent)]
    Transcoder(#[from] TranscoderError),
    /// The stored state could not be decompressed (or the state not compressed).
    #[error(transparent)]
    Compressor(#[from] CompressorError),
    /// The stored state could not be decrypted (wrong key, changed bytes, truncated), or the
    /// state not encrypted.
    #[error(transparent)]
    Cipher(#[from] CipherError),
    /// A value of the event could not be encoded or decoded.
    #[error(transparent)]
    Value(#[from] ValueError),
    /// The decoded state does not make an event of the expected type (unknown topic, missing
    /// field, newer class version).
    #[error(transparent)]
    Domain(#[from] DomainError),
}
