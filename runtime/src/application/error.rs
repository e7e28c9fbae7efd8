use uuid::Uuid;

use crate::domain::DomainError;
use crate::persistence::{MapperError, PersistenceError};
use crate::redact::redact_setting;

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

    /// Whether this is a version conflict: another writer saved the same aggregate version first,
    /// and nothing of this save was recorded.
    pub fn is_conflict(&self) -> bool {
        matches!(
            self,
            ApplicationError::Persistence(PersistenceError::Conflict { .. })
        )
    }
}
