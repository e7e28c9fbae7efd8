use uuid::Uuid;

use crate::domain::DomainError;
use crate::persistence::{MapperError, PersistenceError};
use crate::redact::redact_setting;
use crate::seaorm::is_unavailable;

/// What kind of failure an error is, in the terms a service answers its callers in: one
/// `match` on [`ApplicationError::kind`] (or [`CommandError::kind`](super::CommandError::kind))
/// maps every error to a response, without naming the error's variants.
///
/// ```
/// use eventsourcing_seaorm::application::ErrorKind;
///
/// fn http_status(kind: ErrorKind) -> u16 {
///     match kind {
///         ErrorKind::NotFound => 404,
///         ErrorKind::Conflict => 409,
///         ErrorKind::Rejected => 422,
///         ErrorKind::Unavailable => 503,
///         // Saved or not: the caller must look before trying again.
///         ErrorKind::OutcomeUnknown => 504,
///         ErrorKind::Settings | ErrorKind::Other | _ => 500,
///     }
/// }
/// assert_eq!(http_status(ErrorKind::Conflict), 409);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The aggregate has no recorded events (at the version asked for).
    NotFound,
    /// Another writer saved the same aggregate version first; nothing of this save was
    /// recorded. Reloading and trying again may succeed.
    Conflict,
    /// The domain refused the command: an event method's (or a command's) own error.
    Rejected,
    /// The database could not be reached or could not do the work for now (no connection, a
    /// lost connection, a deadlock, a locked SQLite file); nothing was recorded, and the same
    /// request may succeed later.
    Unavailable,
    /// The connection failed while a save was being committed: it may or may not be recorded.
    OutcomeUnknown,
    /// A setting cannot be used, or the application is built on infrastructure that cannot
    /// do what was asked.
    Settings,
    /// Anything else: bad stored data, a failed mapping, SQL the database refused, a tracking
    /// position already recorded (the upstream notification was processed already: trying
    /// again cannot succeed).
    Other,
}

/// Errors of the application layer.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ApplicationError {
    /// No events of this aggregate are recorded (at or below the version asked for).
    #[error(
        "aggregate {aggregate_id} not found in application {application_name:?}{}",
        version.map(|v| format!(" at version {v}")).unwrap_or_default()
    )]
    AggregateNotFound {
        /// The application.
        application_name: String,
        /// The aggregate's id.
        aggregate_id: Uuid,
        /// The version asked for, if any.
        version: Option<u64>,
    },
    /// A recorder failed (including version conflicts: see [`ApplicationError::is_conflict`]).
    #[error(transparent)]
    Persistence(#[from] PersistenceError),
    /// An event could not be mapped to or from its stored form.
    #[error(transparent)]
    Mapper(#[from] MapperError),
    /// Recorded events do not rebuild the aggregate (replay failed), or a snapshot could not be
    /// taken.
    #[error("application {application_name:?}, aggregate {aggregate_id}: {source}")]
    Domain {
        /// The application.
        application_name: String,
        /// The aggregate's id.
        aggregate_id: Uuid,
        /// What went wrong.
        #[source]
        source: Box<DomainError>,
    },
    /// A setting has a value that cannot be used (made with `ApplicationError::setting`, so that
    /// a secret value never shows).
    #[error("setting {key} = {value:?} is invalid: {reason}")]
    Setting {
        /// The key as looked up (with the application prefix when that is where it was found).
        key: String,
        /// The value found.
        value: String,
        /// Why it cannot be used.
        reason: String,
    },
    /// Snapshots were asked for but snapshotting is not enabled.
    #[error(
        "application {application_name:?} has no snapshot store: set IS_SNAPSHOTTING_ENABLED=y or give snapshotting intervals"
    )]
    SnapshottingDisabled {
        /// The application.
        application_name: String,
    },
    /// The aggregate's newest snapshot (at or below the version asked for) is at a version that
    /// no recorded event has: it is beyond the events, and is refused rather than loaded (a save
    /// after it would leave a gap of versions). Delete the snapshot, or record the missing
    /// events.
    #[error(
        "application {application_name:?}, aggregate {aggregate_id}: the snapshot at version {snapshot_version} is beyond the recorded events (no event has its version): refused"
    )]
    SnapshotBeyondEvents {
        /// The application.
        application_name: String,
        /// The aggregate's id.
        aggregate_id: Uuid,
        /// The snapshot's version.
        snapshot_version: u64,
    },
    /// A notification log request is not valid.
    #[error("notification log of {application_name:?}: {reason}")]
    NotificationLog {
        /// The application.
        application_name: String,
        /// What is wrong with the request.
        reason: String,
    },
}

impl ApplicationError {
    /// A setting whose value cannot be used. The value is kept as it may be shown: a secret
    /// setting's (`CIPHER_KEY`, any `…_PASSWORD`) as `<redacted>`, URLs without their
    /// passwords ([`redact`](crate::redact)).
    pub(crate) fn setting(
        key: impl Into<String>,
        value: impl AsRef<str>,
        reason: impl Into<String>,
    ) -> Self {
        let key = key.into();
        let value = redact_setting(&key, value.as_ref()).into_owned();
        ApplicationError::Setting {
            key,
            value,
            reason: reason.into(),
        }
    }

    /// Whether the save's outcome is unknown: the connection failed while it was being
    /// committed, so it may or may not have been recorded (reload the aggregate and check its
    /// version). Any other error of a save means nothing of it was recorded.
    pub fn is_outcome_unknown(&self) -> bool {
        matches!(
            self,
            ApplicationError::Persistence(PersistenceError::OutcomeUnknown { .. })
        )
    }

    /// The notification id of an unreadable row of the notification log, which a reader can
    /// skip on purpose ([`NotificationLogReader::skip`](super::NotificationLogReader::skip));
    /// `None` for every other error.
    pub fn bad_notification_id(&self) -> Option<u64> {
        match self {
            ApplicationError::Persistence(error) => error.bad_notification_id(),
            _ => None,
        }
    }

    /// What kind of failure this is ([`ErrorKind`]).
    pub fn kind(&self) -> ErrorKind {
        match self {
            ApplicationError::AggregateNotFound { .. } => ErrorKind::NotFound,
            ApplicationError::Setting { .. } | ApplicationError::SnapshottingDisabled { .. } => {
                ErrorKind::Settings
            }
            ApplicationError::Persistence(error) => match error {
                PersistenceError::Conflict { .. } => ErrorKind::Conflict,
                PersistenceError::OutcomeUnknown { .. } => ErrorKind::OutcomeUnknown,
                PersistenceError::Configuration { .. } | PersistenceError::Unsupported { .. } => {
                    ErrorKind::Settings
                }
                PersistenceError::Database { .. }
                    if self.database_error().is_some_and(is_unavailable) =>
                {
                    ErrorKind::Unavailable
                }
                _ => ErrorKind::Other,
            },
            _ => ErrorKind::Other,
        }
    }

    /// The SeaORM error a database failure carries, if that is what this is.
    pub(crate) fn database_error(&self) -> Option<&sea_orm::DbErr> {
        match self {
            ApplicationError::Persistence(PersistenceError::Database { source, .. }) => {
                source.downcast_ref::<sea_orm::DbErr>()
            }
            _ => None,
        }
    }

    /// Whether the aggregate asked for has no recorded events ([`ErrorKind::NotFound`]).
    pub fn is_not_found(&self) -> bool {
        matches!(self, ApplicationError::AggregateNotFound { .. })
    }

    /// Whether this is a version conflict: another writer saved the same aggregate version first,
    /// and nothing of this save was recorded.
    pub fn is_conflict(&self) -> bool {
        matches!(
            self,
            ApplicationError::Persistence(PersistenceError::Conflict { .. })
        )
    }
}
