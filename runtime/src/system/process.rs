//! The applications of a system: any application (a leader), and process applications, whose
//! policies react to their leaders' events.

use std::future::Future;

use super::error::BoxError;
use super::{ProcessingEvent, Topics, UpstreamEvent};
use crate::application::{Application, ApplicationBuilder, ApplicationError};

/// An application that can be part of a [`System`](super::System): it has a name, and a runner
/// can build it.
///
/// ```
/// use eventsourcing_seaorm::application::{Application, ApplicationBuilder, ApplicationError};
/// use eventsourcing_seaorm::system::SystemApplication;
///
/// #[derive(Clone)]
/// struct Worlds {
///     app: Application,
/// }
///
/// impl SystemApplication for Worlds {
///     const NAME: &'static str = "Worlds";
///
///     async fn build(builder: ApplicationBuilder) -> Result<Self, ApplicationError> {
///         Ok(Self { app: builder.build().await? })
///     }
///
///     fn application(&self) -> &Application {
///         &self.app
///     }
/// }
/// ```
pub trait SystemApplication: Clone + Send + Sync + Sized + 'static {
    /// The application's name: its `application_name` in the store, the prefix of its
    /// settings, and, for a follower, the name its tracking rows carry (the Python original
    /// uses the class name).
    const NAME: &'static str;

    /// Builds the application from a builder named [`NAME`](Self::NAME), which the runner has
    /// configured (its store or connection, say); add settings of your own before `build`.
    fn build(
        builder: ApplicationBuilder,
    ) -> impl Future<Output = Result<Self, ApplicationError>> + Send;

    /// The application inside.
    fn application(&self) -> &Application;
}

/// A process application: a follower whose policy turns its leaders' events into changes of
/// its own aggregates, each upstream notification processed exactly once.
///
/// The Python original's counter of events reads:
///
/// ```ignore
/// impl ProcessApplication for Counters {
///     type Error = ApplicationError;
///
///     fn topics(&self) -> Topics {
///         Topics::of::<WorldEvent>()
///     }
///
///     async fn policy(&self, event: &UpstreamEvent, processing: &mut ProcessingEvent) -> Result<(), ApplicationError> {
///         if let Some(event) = event.decode::<WorldEvent>()? {
///             let id = Counter::create_id(event.payload.topic());
///             let mut counter = match processing.get::<Counter>(id).await {
///                 Err(e) if e.is_not_found() => Counter::start(event.payload.topic().to_owned()),
///                 other => other?,
///             };
///             counter.increment();
///             processing.collect(counter);
///         }
///         Ok(())
///     }
/// }
/// ```
pub trait ProcessApplication: SystemApplication {
    /// What the policy fails with: any error (`ApplicationError`, a domain error of your own,
    /// a `Box<dyn Error + Send + Sync>`). A failure stops this follower at the notification.
    type Error: Into<BoxError> + Send + 'static;

    /// The topics of the upstream events the policy handles: the follower pulls only these
    /// (the filter runs in the database's select). The default is every topic.
    fn topics(&self) -> Topics {
        Topics::all()
    }

    /// Reacts to one upstream event: loads aggregates of this application with
    /// [`ProcessingEvent::get`], changes them, and hands them back with
    /// [`ProcessingEvent::collect`]. What it collects is recorded with the notification's
    /// tracking once it returns `Ok`; nothing is recorded when it returns an error.
    fn policy(
        &self,
        event: &UpstreamEvent,
        processing: &mut ProcessingEvent,
    ) -> impl Future<Output = Result<(), Self::Error>> + Send;
}
