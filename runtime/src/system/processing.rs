//! The processing of upstream notifications: the aggregates a policy changed, recorded with
//! the notifications' tracking in one transaction.

use std::any::Any;

use uuid::Uuid;

use crate::application::{AfterSave, Application, ApplicationError, SaveBatch, Saveable};
use crate::domain::Aggregate;
use crate::persistence::Tracking;

/// What a policy does with upstream events: the aggregates it created or changed, to be
/// recorded together with the notifications' [`Tracking`], as the Python original's
/// `ProcessingEvent` does. When a follower processes several notifications in one transaction,
/// the policy gets the same processing for each, so that an aggregate changed for one is the
/// one [`get`](Self::get) returns for the next.
///
/// [`get`](Self::get) loads an aggregate of the follower's own (the one collected already, if
/// the policy changed it before); [`collect`](Self::collect) hands a changed aggregate back.
/// Nothing is recorded until the policy returns `Ok`; then its events and the tracking commit
/// together, or not at all.
pub struct ProcessingEvent {
    application: Application,
    /// The notification being processed.
    tracking: Tracking,
    /// The notifications processed before it, whose changes are collected.
    processed: Vec<Tracking>,
    collected: Vec<Collected>,
}

/// An aggregate a policy collected, with its type erased.
pub(crate) trait CollectedAggregate: Saveable + Sync {
    fn id(&self) -> Uuid;
    fn as_any(&self) -> &dyn Any;
}

/// An owned aggregate, saved as `&mut A` is.
struct Owned<A>(A);

impl<A: Aggregate> Saveable for Owned<A> {
    fn collect(&self, batch: &mut SaveBatch<'_>) -> Result<(), ApplicationError> {
        let aggregate: &A = &self.0;
        aggregate
            .pending_events()
            .iter()
            .try_for_each(|event| batch.push_event(event))
    }

    fn saved(&mut self, after: &mut AfterSave<'_>) {
        let mut aggregate: &mut A = &mut self.0;
        Saveable::saved(&mut aggregate, after);
    }
}

impl<A: Aggregate> CollectedAggregate for Owned<A> {
    fn id(&self) -> Uuid {
        self.0.id()
    }

    fn as_any(&self) -> &dyn Any {
        &self.0
    }
}

pub(crate) type Collected = Box<dyn CollectedAggregate>;

impl std::fmt::Debug for ProcessingEvent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ProcessingEvent")
            .field("application", &self.application.name())
            .field("tracking", &self.tracking)
            .field("collected", &self.collected_ids())
            .finish()
    }
}

impl ProcessingEvent {
    pub(crate) fn new(application: Application, tracking: Tracking) -> Self {
        Self {
            application,
            tracking,
            processed: Vec::new(),
            collected: Vec::new(),
        }
    }

    /// Moves on to the next notification: the current one is processed.
    pub(crate) fn next(&mut self, tracking: Tracking) {
        let done = std::mem::replace(&mut self.tracking, tracking);
        self.processed.push(done);
    }

    /// The positions of every notification processed, the current one last.
    pub(crate) fn trackings(&self) -> Vec<Tracking> {
        let mut all = self.processed.clone();
        all.push(self.tracking.clone());
        all
    }

    /// The position of the notification being processed: (leader, notification id).
    pub fn tracking(&self) -> &Tracking {
        &self.tracking
    }

    /// The follower's own application (its repository, its settings).
    pub fn application(&self) -> &Application {
        &self.application
    }

    /// The aggregate `id` of the follower's own: as collected by this processing when it was,
    /// else as stored ([`ApplicationError::is_not_found`] when it has no events).
    pub async fn get<A: Aggregate>(&self, id: Uuid) -> Result<A, ApplicationError> {
        if let Some(collected) = self.collected.iter().find(|c| c.id() == id)
            && let Some(aggregate) = collected.as_any().downcast_ref::<A>()
        {
            return Ok(aggregate.clone());
        }
        self.application.get(id).await
    }

    /// Hands a new or changed aggregate to the processing: its pending events are recorded
    /// with the tracking. Collecting an aggregate with the id of one collected before replaces
    /// that one (get it with [`get`](Self::get), change it, collect it again).
    pub fn collect<A: Aggregate>(&mut self, aggregate: A) {
        let id = aggregate.id();
        self.collected.retain(|c| c.id() != id);
        self.collected.push(Box::new(Owned(aggregate)));
    }

    /// The ids of the aggregates collected.
    pub fn collected_ids(&self) -> Vec<Uuid> {
        self.collected.iter().map(|c| c.id()).collect()
    }

    /// What to record: the collected aggregates.
    pub(crate) fn into_saveable(self) -> Vec<Collected> {
        self.collected
    }
}
