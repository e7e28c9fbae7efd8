//! A follower: pulls its leaders' notification logs from its tracking positions, in batches,
//! and processes each notification exactly once.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use super::error::BoxError;
use super::{
    LeaderLog, ProcessApplication, ProcessingError, ProcessingEvent, SystemError, Topics,
    UpstreamEvent,
};
use crate::application::{Application, ApplicationError};
use crate::persistence::{Notification, PersistenceError};

/// How many notifications a follower reads from a leader per select.
pub const DEFAULT_BATCH_SIZE: u64 = 100;

/// How many notifications a follower processes per transaction, unless
/// [`Follower::transaction_size`] says.
pub const DEFAULT_TRANSACTION_SIZE: usize = 100;

type PolicyFuture<'a> = Pin<Box<dyn Future<Output = Result<(), BoxError>> + Send + 'a>>;

/// A process application's policy with its type erased.
trait Policy: Send + Sync {
    fn topics(&self) -> Topics;
    fn process<'a>(
        &'a self,
        event: &'a UpstreamEvent,
        processing: &'a mut ProcessingEvent,
    ) -> PolicyFuture<'a>;
}

struct PolicyOf<P>(P);

impl<P: ProcessApplication> Policy for PolicyOf<P> {
    fn topics(&self) -> Topics {
        self.0.topics()
    }

    fn process<'a>(
        &'a self,
        event: &'a UpstreamEvent,
        processing: &'a mut ProcessingEvent,
    ) -> PolicyFuture<'a> {
        Box::pin(async move { self.0.policy(event, processing).await.map_err(Into::into) })
    }
}

/// What [`Follower::gather`] gathered: the processing of every notification (`None` when
/// there were none), and how many notifications of each leader it holds.
pub(crate) struct Gathered {
    pub(crate) processing: Option<ProcessingEvent>,
    pub(crate) counts: Vec<(String, u64)>,
}

/// A process application following its leaders.
///
/// A runner makes one for each follower of a [`System`](super::System); make one yourself to
/// process without a runner, for example to catch a follower up once:
///
/// ```ignore
/// let follower = Follower::new(counters.clone()).follow(LeaderLog::of(worlds.application()));
/// let processed = follower.pull_and_process("Worlds").await?;
/// ```
#[derive(Clone)]
pub struct Follower {
    application: Application,
    policy: Arc<dyn Policy>,
    leaders: Vec<LeaderLog>,
    batch_size: u64,
    transaction_size: usize,
}

impl std::fmt::Debug for Follower {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Follower")
            .field("application", &self.application.name())
            .field("leaders", &self.leader_names())
            .field("batch_size", &self.batch_size)
            .field("transaction_size", &self.transaction_size)
            .finish()
    }
}

impl Follower {
    /// A follower of no leader yet, whose policy is `process`'s.
    pub fn new<P: ProcessApplication>(process: P) -> Self {
        Self {
            application: process.application().clone(),
            policy: Arc::new(PolicyOf(process)),
            leaders: Vec::new(),
            batch_size: DEFAULT_BATCH_SIZE,
            transaction_size: DEFAULT_TRANSACTION_SIZE,
        }
    }

    /// Follows one more leader.
    pub fn follow(mut self, leader: LeaderLog) -> Self {
        self.leaders.retain(|l| l.name != leader.name);
        self.leaders.push(leader);
        self
    }

    /// Reads up to `batch_size` notifications per select (at least 1).
    pub fn batch_size(mut self, batch_size: u64) -> Self {
        self.batch_size = batch_size.max(1);
        self
    }

    /// Processes up to `transaction_size` notifications per transaction (at least 1; default
    /// [`DEFAULT_TRANSACTION_SIZE`]), when that many are waiting: a follower that is behind
    /// catches up with one commit per batch instead of one per notification. Each
    /// notification's tracking is still recorded, with the changes of the whole batch. When
    /// anything about a batch fails (a policy's error, a conflict with another instance), the
    /// batch is processed again one notification per transaction, so errors stop the follower
    /// at the notification they are about, with the ones before it recorded. Policies run again
    /// then, so keep them free of effects outside what they collect.
    pub fn transaction_size(mut self, transaction_size: usize) -> Self {
        self.transaction_size = transaction_size.max(1);
        self
    }

    /// The follower's name.
    pub fn name(&self) -> &str {
        self.application.name()
    }

    /// The follower's application.
    pub fn application(&self) -> &Application {
        &self.application
    }

    /// The names of the leaders it follows.
    pub fn leader_names(&self) -> Vec<&str> {
        self.leaders.iter().map(|l| l.name()).collect()
    }

    /// How far it has processed `leader`'s log: the notification id of its last tracking row.
    pub async fn position(&self, leader: &str) -> Result<Option<u64>, SystemError> {
        self.application
            .recorder()
            .max_tracking_id(leader)
            .await
            .map_err(|e| SystemError::application(self.name(), e))
    }

    /// Pulls everything `leader` has recorded beyond this follower's position and processes
    /// it, one notification per transaction; returns how many notifications it processed (a
    /// notification found already processed is not counted). Stops at the first notification
    /// it cannot process, which is then the error.
    pub async fn pull_and_process(&self, leader: &str) -> Result<u64, SystemError> {
        self.pull_and_process_while(leader, None, &AtomicBool::new(false))
            .await
    }

    /// [`pull_and_process`](Self::pull_and_process) up to notification `last` of `leader`
    /// (inclusive), as the Python original's `pull_and_process(leader_name, stop=last)`.
    pub async fn pull_and_process_to(&self, leader: &str, last: u64) -> Result<u64, SystemError> {
        self.pull_and_process_while(leader, Some(last), &AtomicBool::new(false))
            .await
    }

    /// [`pull_and_process`](Self::pull_and_process) up to `last` (when given), stopping
    /// between batches once `stop` is set.
    pub(crate) async fn pull_and_process_while(
        &self,
        leader: &str,
        last: Option<u64>,
        stop: &AtomicBool,
    ) -> Result<u64, SystemError> {
        let log = self.leader(leader)?;
        let topics = self.policy.topics();
        let mut position = self.position(leader).await?;
        let mut processed = 0;
        while !stop.load(Ordering::Acquire) {
            let events = log
                .events_after(position, self.batch_size, &topics, last)
                .await
                .map_err(|e| SystemError::application(self.name(), e))?;
            let count = events.len() as u64;
            position = events
                .last()
                .map(UpstreamEvent::notification_id)
                .or(position);
            for events in events.chunks(self.transaction_size) {
                processed += match events {
                    [event] => u64::from(self.process(event).await?),
                    _ => self.process_together(events).await?,
                };
            }
            if count < self.batch_size {
                break;
            }
        }
        Ok(processed)
    }

    /// Processes the events of a subscription as they come, one transaction each, until the
    /// stream ends or an event cannot be processed (the error): an event-sourced projection, as
    /// the Python original's `EventSourcedProjection`, driven by a [`Subscribe`](super::Subscribe)
    /// instead of a runner. Start the subscription after the follower's
    /// [`position`](Self::position); an event processed before records nothing again. Returns
    /// how many events it recorded.
    pub async fn process_stream(
        &self,
        mut events: impl futures_util::Stream<Item = Result<UpstreamEvent, SystemError>> + Unpin,
    ) -> Result<u64, SystemError> {
        use futures_util::StreamExt;
        let mut processed = 0;
        while let Some(event) = events.next().await {
            let event = event?;
            self.leader(event.leader_name())?;
            processed += u64::from(self.process(&event).await?);
        }
        Ok(processed)
    }

    /// Processes one notification of `leader`, wherever the follower's position is (a
    /// delivery, or a re-delivery): `Ok(true)` when its policy's changes and its tracking were
    /// recorded, `Ok(false)` when it had been processed before, which records nothing.
    pub async fn process_notification(
        &self,
        leader: &str,
        notification: Notification,
    ) -> Result<bool, SystemError> {
        let log = self.leader(leader)?;
        let event = UpstreamEvent::new(log.name.clone(), notification, log.mapper.clone());
        self.process(&event).await
    }

    fn leader(&self, leader: &str) -> Result<&LeaderLog, SystemError> {
        self.leaders
            .iter()
            .find(|l| &*l.name == leader)
            .ok_or_else(|| SystemError::NotALeader {
                follower: self.name().to_owned(),
                leader: leader.to_owned(),
            })
    }

    /// The error of `event` that `source` stopped.
    fn processing_error(&self, event: &UpstreamEvent, source: BoxError) -> SystemError {
        SystemError::Processing(ProcessingError {
            follower: self.name().to_owned(),
            leader: event.leader_name().to_owned(),
            notification_id: event.notification_id(),
            topic: event.stored_event().topic.clone(),
            source,
        })
    }

    /// Runs the policy on every notification of every leader beyond the follower's positions,
    /// into one processing that nothing records yet (`sync_followers` records it in its
    /// transaction). `progress` hears (leader, notifications processed, last notification id
    /// of the leader) as it goes.
    pub(crate) async fn gather(
        &self,
        progress: &mut (dyn FnMut(&str, u64, Option<u64>) + Send),
    ) -> Result<Gathered, SystemError> {
        let topics = self.policy.topics();
        let mut processing: Option<ProcessingEvent> = None;
        let mut counts = Vec::with_capacity(self.leaders.len());
        for log in &self.leaders {
            let app_error = |e| SystemError::application(self.name(), e);
            let last = log
                .recorder
                .max_notification_id()
                .await
                .map_err(app_error)?;
            let mut position = self.position(&log.name).await?;
            let mut count = 0;
            loop {
                let events = log
                    .events_after(position, self.batch_size, &topics, None)
                    .await
                    .map_err(app_error)?;
                let selected = events.len() as u64;
                for event in events {
                    position = Some(event.notification_id());
                    let processing = match &mut processing {
                        Some(processing) => {
                            processing.next(event.tracking());
                            processing
                        }
                        None => processing.insert(ProcessingEvent::new(
                            self.application.clone(),
                            event.tracking(),
                        )),
                    };
                    self.policy
                        .process(&event, processing)
                        .await
                        .map_err(|source| self.processing_error(&event, source))?;
                    count += 1;
                    progress(&log.name, count, last);
                }
                if selected < self.batch_size {
                    break;
                }
            }
            counts.push((log.name.to_string(), count));
        }
        Ok(Gathered { processing, counts })
    }

    /// Processes upstream events in one transaction; how many were recorded. Falls back to one
    /// transaction per event when anything fails.
    async fn process_together(&self, events: &[UpstreamEvent]) -> Result<u64, SystemError> {
        let Some(first) = events.first() else {
            return Ok(0);
        };
        let mut processing = ProcessingEvent::new(self.application.clone(), first.tracking());
        let mut policies_done = true;
        for (i, event) in events.iter().enumerate() {
            if i > 0 {
                processing.next(event.tracking());
            }
            if self.policy.process(event, &mut processing).await.is_err() {
                policies_done = false;
                break;
            }
        }
        if policies_done {
            let tracking = processing.trackings();
            match self
                .application
                .save_with_trackings(processing.into_saveable(), &tracking)
                .await
            {
                Ok(_) => return Ok(events.len() as u64),
                Err(error) => tracing::debug!(
                    follower = %self.name(),
                    %error,
                    "a batch of notifications failed together: processing them one by one"
                ),
            }
        }
        let mut processed = 0;
        for event in events {
            processed += u64::from(self.process(event).await?);
        }
        Ok(processed)
    }

    /// Processes one upstream event: runs the policy and records what it collected with the
    /// event's tracking. `Ok(false)` when the notification turned out to be processed already
    /// (by another instance of this follower).
    async fn process(&self, event: &UpstreamEvent) -> Result<bool, SystemError> {
        let tracking = event.tracking();
        let retry = self.application.retry_policy();
        let failed = |source: BoxError| self.processing_error(event, source);
        let mut attempt = 1;
        loop {
            let mut processing = ProcessingEvent::new(self.application.clone(), tracking.clone());
            self.policy
                .process(event, &mut processing)
                .await
                .map_err(&failed)?;
            let collected_ids = processing.collected_ids();
            let saved = self
                .application
                .save_with_tracking(processing.into_saveable(), Some(&tracking))
                .await;
            let error = match saved {
                Ok(_) => return Ok(true),
                Err(error) => error,
            };
            let conflict = error.is_conflict()
                || matches!(
                    error,
                    ApplicationError::Persistence(PersistenceError::TrackingConflict { .. })
                );
            if !conflict {
                return Err(failed(Box::new(error)));
            }
            // Another instance may have processed it first: then there is nothing to do.
            let done = self
                .application
                .recorder()
                .has_tracking_id(&tracking.application_name, tracking.notification_id)
                .await
                .map_err(|e| failed(Box::new(e)))?;
            if done {
                tracing::debug!(
                    follower = %self.name(),
                    leader = %tracking.application_name,
                    notification_id = tracking.notification_id,
                    "notification already processed"
                );
                return Ok(false);
            }
            // A version conflict on an aggregate of the follower's own: load it again.
            if let Some(cache) = self.application.repository().cache() {
                for id in collected_ids {
                    cache.remove(id);
                }
            }
            if !retry.again(attempt, true).await {
                return Err(failed(Box::new(error)));
            }
            attempt += 1;
        }
    }
}
