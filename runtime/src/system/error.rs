//! Errors of the system layer.

use crate::application::ApplicationError;

/// A boxed error of a policy, or of reading what it needed.
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// A follower could not process an upstream notification: nothing of it was recorded (no
/// events, no tracking), and the follower stops there; started again, it resumes at that
/// notification.
#[derive(Debug, thiserror::Error)]
#[error(
    "{follower} could not process notification {notification_id} of {leader} (topic {topic:?}): {source}"
)]
pub struct ProcessingError {
    /// The follower.
    pub follower: String,
    /// The leader whose notification it was.
    pub leader: String,
    /// The notification id.
    pub notification_id: u64,
    /// The notification's topic as stored.
    pub topic: String,
    /// What went wrong: the policy's error (which may be an event that could not be decoded),
    /// or the failed save.
    #[source]
    pub source: BoxError,
}

/// Errors of systems and runners.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SystemError {
    /// The pipes wire applications in a way that cannot run.
    #[error("invalid system: {reason}")]
    Wiring {
        /// What is wrong, naming the applications.
        reason: String,
    },
    /// The runner was started already.
    #[error("the runner is already started")]
    AlreadyStarted,
    /// The runner is not running (not started, or stopped).
    #[error("the runner is not running")]
    NotStarted,
    /// No application of this type is in the system.
    #[error("no application {name} in the system")]
    UnknownApplication {
        /// The name asked for.
        name: String,
    },
    /// A follower was asked to pull from an application it does not follow.
    #[error("{follower} does not follow {leader}")]
    NotALeader {
        /// The follower.
        follower: String,
        /// The application named as its leader.
        leader: String,
    },
    /// An application could not be built, or failed outside processing a notification (its
    /// tracking position could not be read, say).
    #[error("{application}: {source}")]
    Application {
        /// The application.
        application: String,
        /// The error.
        #[source]
        source: Box<ApplicationError>,
    },
    /// A follower stopped at a notification it could not process.
    #[error(transparent)]
    Processing(#[from] ProcessingError),
    /// A projection stopped at an error while being waited for (its rebuild, say).
    #[error("the projection stopped: {0}")]
    Stopped(std::sync::Arc<SystemError>),
    /// Followers stopped with errors (the others went on).
    #[error("{} follower(s) stopped: {}", .0.len(), .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))]
    Followers(Vec<SystemError>),
}

impl SystemError {
    /// The error of `application` that `source` (an application's or a recorder's error) is.
    pub fn application(application: &str, source: impl Into<ApplicationError>) -> Self {
        SystemError::Application {
            application: application.to_owned(),
            source: Box::new(source.into()),
        }
    }
}
