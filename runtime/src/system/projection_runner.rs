//! Running a projection: a task that reads the application's events from the projection's
//! position, and for each batch writes the read model and the tracking rows in one transaction
//! on the read model's database; `wait` lets a request read its own write.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use sea_orm::TransactionTrait;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use super::progress::Progress;
use super::subscription::{DEFAULT_SUBSCRIPTION_POLL_INTERVAL, Wakeup};
use super::{LeaderLog, ProcessingError, Projection, SystemError, UpstreamEvent};
use crate::application::Application;
use crate::persistence::{PersistenceError, Tracking, TrackingRecorder};
use crate::seaorm::{SeaOrmRecorder, SeaOrmStore};

/// How many events a projection writes per transaction, unless
/// [`ProjectionRunner::batch_size`] says.
pub const DEFAULT_PROJECTION_BATCH_SIZE: u64 = 100;

/// Runs a [`Projection`] of an application's events into a read model in `view`'s database
/// (which may be another database than the events'): the tracking rows live with the read
/// model, in `view`'s tracking table.
///
/// ```ignore
/// let runner = ProjectionRunner::new(WorldHistory, worlds.application(), view_store);
/// runner.start().await?;
/// let recorded = worlds.app.save(&mut world).await?;
/// runner.wait(recorded.last().unwrap().notification_id, Duration::from_secs(5)).await?;
/// // The read model has the save: query it with SeaORM.
/// ```
pub struct ProjectionRunner<P: Projection> {
    parts: Arc<Parts<P>>,
    task: Mutex<Option<(JoinHandle<()>, watch::Sender<bool>)>>,
    batch_size: u64,
    poll_interval: Duration,
}

struct Parts<P> {
    projection: P,
    upstream: Application,
    log: LeaderLog,
    view: SeaOrmStore,
    tracking: SeaOrmRecorder,
    /// The id up to which the upstream log is processed (or known to hold nothing of the
    /// projection's topics).
    processed: watch::Sender<Option<u64>>,
    /// The error that stopped the projection, if one did.
    error: Mutex<Option<Arc<SystemError>>>,
}

impl<P: Projection> std::fmt::Debug for ProjectionRunner<P> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ProjectionRunner")
            .field("projection", &P::NAME)
            .field("upstream", &self.parts.upstream.name())
            .finish_non_exhaustive()
    }
}

/// Why [`ProjectionRunner::wait`] returned without the read model having caught up.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum WaitError {
    /// The read model did not reach the notification in time.
    #[error(
        "the projection had not processed notification {notification_id} after {timeout:?} (it is at {position:?})"
    )]
    Timeout {
        /// The notification waited for.
        notification_id: u64,
        /// How long it waited.
        timeout: Duration,
        /// Where the projection was.
        position: Option<u64>,
    },
    /// The projection stopped at an error.
    #[error("the projection stopped: {0}")]
    Stopped(Arc<SystemError>),
}

/// The error of a statement on the read model's database, while doing `operation`.
fn view_error<P: Projection>(operation: &'static str) -> impl Fn(sea_orm::DbErr) -> SystemError {
    move |error| {
        SystemError::application(
            P::NAME,
            PersistenceError::Database {
                application_name: P::NAME.to_owned(),
                operation,
                source: Box::new(error),
            },
        )
    }
}

impl<P: Projection> ProjectionRunner<P> {
    /// A runner of `projection` over `upstream`'s events, writing in `view`'s database (whose
    /// event-store tables it creates when missing: the tracking rows go in its
    /// `notification_tracking`).
    pub fn new(
        projection: P,
        upstream: &Application,
        view: SeaOrmStore,
    ) -> Result<Self, SystemError> {
        let tracking = view
            .application_recorder(P::NAME)
            .map_err(|e| SystemError::application(P::NAME, e))?;
        Ok(Self {
            parts: Arc::new(Parts {
                projection,
                upstream: upstream.clone(),
                log: LeaderLog::of(upstream),
                view,
                tracking,
                processed: watch::channel(None).0,
                error: Mutex::new(None),
            }),
            task: Mutex::new(None),
            batch_size: DEFAULT_PROJECTION_BATCH_SIZE,
            poll_interval: DEFAULT_SUBSCRIPTION_POLL_INTERVAL,
        })
    }

    /// Writes up to `batch_size` events per transaction (at least 1).
    pub fn batch_size(mut self, batch_size: u64) -> Self {
        self.batch_size = batch_size.max(1);
        self
    }

    /// How often it looks for events other processes recorded (saves of the upstream
    /// application in this process wake it at once).
    pub fn poll_interval(mut self, interval: Duration) -> Self {
        self.poll_interval = interval;
        self
    }

    /// The projection's position: the last upstream notification id its tracking records.
    pub async fn position(&self) -> Result<Option<u64>, SystemError> {
        self.parts
            .tracking
            .max_tracking_id(self.parts.upstream.name())
            .await
            .map_err(|e| SystemError::application(P::NAME, e))
    }

    /// Starts the projection's task, from its position. Starting a running projection is an
    /// error.
    pub async fn start(&self) -> Result<(), SystemError> {
        let mut task = self.task.lock().unwrap_or_else(PoisonError::into_inner);
        if task.is_some() {
            return Err(SystemError::AlreadyStarted);
        }
        *self
            .parts
            .error
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = None;
        let (stop, stopping) = watch::channel(false);
        let parts = self.parts.clone();
        let run = run(parts, self.batch_size, self.poll_interval, stopping);
        *task = Some((tokio::spawn(run), stop));
        Ok(())
    }

    /// Stops the task once the batch in hand is committed. Returns the error that had
    /// stopped the projection, if one had.
    pub async fn stop(&self) -> Result<(), Arc<SystemError>> {
        let task = self
            .task
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        if let Some((handle, stop)) = task {
            let _ = stop.send(true);
            let _ = handle.await;
        }
        match self.error() {
            Some(error) => Err(error),
            None => Ok(()),
        }
    }

    /// The error that stopped the projection, if one did.
    pub fn error(&self) -> Option<Arc<SystemError>> {
        self.parts
            .error
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Waits until the read model has processed the upstream notification `notification_id`
    /// (for example the last one of a save the caller just made), at most `timeout`: so that a
    /// request handler reads its own write from the read model.
    pub async fn wait(&self, notification_id: u64, timeout: Duration) -> Result<(), WaitError> {
        let reached = |p: Option<u64>| p.is_some_and(|p| p >= notification_id);
        let waited = tokio::time::timeout(timeout, self.follow(reached, |_| {})).await;
        match waited {
            Ok(result) => result.map(|_| ()).map_err(WaitError::Stopped),
            Err(_) => Err(WaitError::Timeout {
                notification_id,
                timeout,
                position: *self.parts.processed.borrow(),
            }),
        }
    }

    /// Starts the read model again from nothing: in one transaction on the view's database,
    /// the projection's [`clear`](Projection::clear) empties the read model and its tracking
    /// rows are deleted; the projection (stopped first if it runs, and started again after)
    /// then replays every event from the start. When `clear` fails, nothing changes.
    pub async fn reset(&self) -> Result<(), SystemError> {
        let was_running = self.is_running();
        if was_running {
            let _ = self.stop().await;
        }
        let view_error = view_error::<P>("resetting a projection");
        let transaction = self
            .parts
            .view
            .connection()
            .begin()
            .await
            .map_err(&view_error)?;
        if let Err(source) = self.parts.projection.clear(&transaction).await {
            let _ = transaction.rollback().await;
            return Err(SystemError::application(
                P::NAME,
                PersistenceError::Database {
                    application_name: P::NAME.to_owned(),
                    operation: "clearing a read model",
                    source,
                },
            ));
        }
        self.parts
            .tracking
            .delete_tracking_in(&transaction, self.parts.upstream.name())
            .await
            .map_err(|e| SystemError::application(P::NAME, e))?;
        transaction.commit().await.map_err(view_error)?;
        self.parts.processed.send_replace(None);
        if was_running {
            self.start().await?;
        }
        Ok(())
    }

    /// Rebuilds the read model: [`reset`](Self::reset)s it, then replays every
    /// event up to the last notification the upstream log holds now, and returns when the read
    /// model has caught up with it (or with the error that stopped the projection). With
    /// `progress`, a line on standard error shows how far the replay is, when it is a
    /// terminal. A projection that was running goes on running; one that was not is stopped
    /// again once it has caught up. Returns the position reached.
    pub async fn rebuild(&self, progress: bool) -> Result<Option<u64>, SystemError> {
        let was_running = self.is_running();
        self.reset().await?;
        let target = self
            .parts
            .log
            .recorder
            .max_notification_id()
            .await
            .map_err(|e| SystemError::application(self.parts.upstream.name(), e))?;
        if !was_running {
            self.start().await?;
        }
        let mut line = Progress::new(progress);
        let show = |position: Option<u64>| {
            line.show(|| {
                let position = position.map_or(0, |p| p);
                let target = target.map_or(0, |t| t);
                format!(
                    "{}: replayed to notification {position} of {target}",
                    P::NAME
                )
            })
        };
        let reached = self.follow(|position| position >= target, show).await;
        line.done();
        if !was_running {
            let _ = self.stop().await;
        }
        reached.map_err(SystemError::Stopped)
    }

    /// Follows the position until `reached` says so (returning it) or the projection stops at
    /// an error, telling `on_position` each position short of it.
    async fn follow(
        &self,
        reached: impl Fn(Option<u64>) -> bool,
        mut on_position: impl FnMut(Option<u64>),
    ) -> Result<Option<u64>, Arc<SystemError>> {
        let mut positions = self.positions();
        loop {
            let position = *positions.borrow_and_update();
            if reached(position) {
                return Ok(position);
            }
            if let Some(error) = self.error() {
                return Err(error);
            }
            on_position(position);
            // Woken by progress; the error is looked at every 50 ms.
            let _ = tokio::time::timeout(Duration::from_millis(50), positions.changed()).await;
        }
    }

    /// The projection's position as it moves: the upstream notification id up to which the
    /// read model is written (or known to need nothing), `None` before the first. Made for
    /// progress displays and measurements; [`wait`](Self::wait) is the way to wait for one id.
    pub fn positions(&self) -> watch::Receiver<Option<u64>> {
        self.parts.processed.subscribe()
    }

    /// Whether the projection's task was started and not stopped (it may have stopped at an
    /// error: see [`error`](Self::error)).
    pub fn is_running(&self) -> bool {
        self.task
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .is_some()
    }
}

/// The projection's task: select after the position, write each batch with its tracking in one
/// transaction, publish the position; wait for a save or a poll when there is nothing.
async fn run<P: Projection>(
    parts: Arc<Parts<P>>,
    batch_size: u64,
    poll_interval: Duration,
    mut stopping: watch::Receiver<bool>,
) {
    let name = parts.upstream.name().to_owned();
    let fail = |error: SystemError| {
        tracing::error!(projection = P::NAME, %error, "projection stopped");
        *parts.error.lock().unwrap_or_else(PoisonError::into_inner) = Some(Arc::new(error));
    };
    if let Err(error) = parts.view.create_tables().await {
        return fail(SystemError::application(P::NAME, error));
    }
    let mut position = match parts.tracking.max_tracking_id(&name).await {
        Ok(position) => position,
        Err(error) => return fail(SystemError::application(P::NAME, error)),
    };
    parts.processed.send_replace(position);
    let topics = parts.projection.topics();
    // Woken by the upstream application's saves in this process, by its store's notifications
    // (PostgreSQL), and every poll interval; its listening connection closes with the task.
    let mut wakeup = Wakeup::of(&parts.upstream, poll_interval);
    loop {
        if *stopping.borrow() {
            return;
        }
        // With a topic filter, what the log holds now: once the select below finds nothing
        // more of the topics, everything up to here is processed (events of other topics
        // included). Without one, the last event selected says as much.
        let last = if topics.is_all() {
            None
        } else {
            match parts.log.recorder.max_notification_id().await {
                Ok(last) => last,
                Err(error) => return fail(SystemError::application(&name, error)),
            }
        };
        let events = match parts
            .log
            .events_after(position, batch_size, &topics, None)
            .await
        {
            Ok(events) => events,
            Err(error) => return fail(SystemError::application(&name, error)),
        };
        if events.is_empty() {
            // Caught up: wait for a save, a notification or the poll.
            parts.processed.send_replace(position.max(last));
            tokio::select! {
                _ = wakeup.wait() => {}
                _ = stopping.changed() => return,
            }
            continue;
        }
        if let Err(error) = write_batch(&parts, &events).await {
            return fail(error);
        }
        position = events.last().map(|e| e.notification_id());
        // Events were found: more may have come meanwhile, so it selects again at once (it
        // waits only after a select that finds nothing).
        parts.processed.send_replace(position);
    }
}

/// One transaction: the projection's writes for each event, then their tracking rows.
async fn write_batch<P: Projection>(
    parts: &Parts<P>,
    events: &[UpstreamEvent],
) -> Result<(), SystemError> {
    let view_error = view_error::<P>("writing a read model");
    let transaction = parts.view.connection().begin().await.map_err(&view_error)?;
    for event in events {
        if let Err(source) = parts.projection.process(event, &transaction).await {
            let _ = transaction.rollback().await;
            return Err(SystemError::Processing(ProcessingError {
                follower: P::NAME.to_owned(),
                leader: event.leader_name().to_owned(),
                notification_id: event.notification_id(),
                topic: event.stored_event().topic.clone(),
                source: source.into(),
            }));
        }
    }
    let tracking: Vec<Tracking> = events.iter().map(UpstreamEvent::tracking).collect();
    if let Err(error) = parts
        .tracking
        .insert_tracking_in(&transaction, &tracking)
        .await
    {
        let _ = transaction.rollback().await;
        return Err(SystemError::application(P::NAME, error));
    }
    transaction.commit().await.map_err(view_error)
}
