use std::fmt;
use std::ops::{ControlFlow, Deref};

use async_trait::async_trait;
use uuid::Uuid;

use super::PersistenceError;

/// An event as stored: the row the recorders write and read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredEvent {
    /// Id of the aggregate (the `originator_id` column).
    pub originator_id: Uuid,
    /// Version of the aggregate the event creates (the `originator_version` column).
    pub originator_version: u64,
    /// Topic of the event class (the `topic` column).
    pub topic: String,
    /// JSON, possibly compressed and encrypted (the `state` column).
    pub state: Vec<u8>,
}

impl StoredEvent {
    /// The event borrowed, as [`AggregateRecorder::visit_events`] hands it over.
    pub fn as_event_ref(&self) -> StoredEventRef<'_> {
        StoredEventRef {
            originator_id: self.originator_id,
            originator_version: self.originator_version,
            topic: &self.topic,
            state: &self.state,
        }
    }
}

/// A stored event borrowed from where the recorder read it (a row of the database's answer),
/// so that it can be decoded without copying its topic and state first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StoredEventRef<'a> {
    /// Id of the aggregate (the `originator_id` column).
    pub originator_id: Uuid,
    /// Version of the aggregate the event creates (the `originator_version` column).
    pub originator_version: u64,
    /// Topic of the event class (the `topic` column).
    pub topic: &'a str,
    /// JSON, possibly compressed and encrypted (the `state` column).
    pub state: &'a [u8],
}

impl StoredEventRef<'_> {
    /// The event as an owned [`StoredEvent`].
    pub fn to_owned_event(&self) -> StoredEvent {
        StoredEvent {
            originator_id: self.originator_id,
            originator_version: self.originator_version,
            topic: self.topic.to_owned(),
            state: self.state.to_vec(),
        }
    }
}

/// A stored event with its notification id: its position in the application's log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notification {
    /// The notification id (the `id` column of `stored_events`).
    pub id: u64,
    /// The stored event.
    pub event: StoredEvent,
}

impl Deref for Notification {
    type Target = StoredEvent;

    fn deref(&self) -> &StoredEvent {
        &self.event
    }
}

/// The position of a follower in the notification log of an upstream application.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Tracking {
    /// Name of the upstream application.
    pub application_name: String,
    /// Id of the upstream notification that has been processed.
    pub notification_id: u64,
}

/// Which events of one aggregate to select: versions above `gt` and up to `lte`, in ascending
/// order unless `desc`, at most `limit`.
///
/// ```
/// use eventsourcing_seaorm::persistence::EventQuery;
/// let newest_snapshot_at_or_below_7 = EventQuery::new().lte(7).desc().limit(1);
/// assert_eq!(newest_snapshot_at_or_below_7.limit, Some(1));
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct EventQuery {
    /// Only versions greater than this.
    pub gt: Option<u64>,
    /// Only versions less than or equal to this.
    pub lte: Option<u64>,
    /// Newest first.
    pub desc: bool,
    /// At most this many events.
    pub limit: Option<u64>,
}

impl EventQuery {
    /// All events, oldest first.
    pub fn new() -> Self {
        Self::default()
    }
    /// Only versions greater than `version`.
    pub fn gt(mut self, version: u64) -> Self {
        self.gt = Some(version);
        self
    }
    /// Only versions less than or equal to `version`.
    pub fn lte(mut self, version: u64) -> Self {
        self.lte = Some(version);
        self
    }
    /// Newest first.
    pub fn desc(mut self) -> Self {
        self.desc = true;
        self
    }
    /// At most `limit` events.
    pub fn limit(mut self, limit: u64) -> Self {
        self.limit = Some(limit);
        self
    }

    /// Whether `version` is inside the `gt`/`lte` range.
    pub fn includes(&self, version: u64) -> bool {
        self.gt.is_none_or(|gt| version > gt) && self.lte.is_none_or(|lte| version <= lte)
    }
}

/// Which notifications to select: ids from `start` (inclusive unless `inclusive_of_start` is
/// false), up to `stop` (inclusive), with one of `topics` (any topic when empty), none of
/// `excluded`, at most `limit`, in id order.
///
/// ```
/// use eventsourcing_seaorm::persistence::NotificationQuery;
/// let next_page = NotificationQuery::new(Some(40), 10).exclusive_of_start();
/// assert!(!next_page.inclusive_of_start);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotificationQuery {
    /// First id (see `inclusive_of_start`); `None` starts at the beginning.
    pub start: Option<u64>,
    /// At most this many notifications.
    pub limit: u64,
    /// Last id, inclusive.
    pub stop: Option<u64>,
    /// Only these topics (all when empty).
    pub topics: Vec<String>,
    /// Whether the notification with id `start` is included.
    pub inclusive_of_start: bool,
    /// Ids left out: rows known to be unreadable, which a reader chose to skip (see
    /// [`PersistenceError::bad_notification_id`]). They are left out by the database's select,
    /// so they do not count towards `limit`.
    pub excluded: Vec<u64>,
}

impl NotificationQuery {
    /// Up to `limit` notifications from `start` (inclusive).
    pub fn new(start: Option<u64>, limit: u64) -> Self {
        Self {
            start,
            limit,
            stop: None,
            topics: Vec::new(),
            inclusive_of_start: true,
            excluded: Vec::new(),
        }
    }
    /// Stop at id `stop` (inclusive).
    pub fn stop(mut self, stop: u64) -> Self {
        self.stop = Some(stop);
        self
    }
    /// Only notifications with one of these topics.
    pub fn topics<I: IntoIterator<Item = S>, S: Into<String>>(mut self, topics: I) -> Self {
        self.topics = topics.into_iter().map(Into::into).collect();
        self
    }
    /// Leave out the notification with id `start`.
    pub fn exclusive_of_start(mut self) -> Self {
        self.inclusive_of_start = false;
        self
    }
    /// Leave out the notifications with these ids (rows that cannot be read, skipped on
    /// purpose).
    pub fn excluding<I: IntoIterator<Item = u64>>(mut self, ids: I) -> Self {
        self.excluded.extend(ids);
        self
    }

    /// Whether a notification with this id and topic is selected (ignoring `limit`).
    pub fn includes(&self, id: u64, topic: &str) -> bool {
        let after_start = match self.start {
            None => true,
            Some(start) if self.inclusive_of_start => id >= start,
            Some(start) => id > start,
        };
        after_start
            && self.stop.is_none_or(|stop| id <= stop)
            && (self.topics.is_empty() || self.topics.iter().any(|t| t == topic))
            && !self.excluded.contains(&id)
    }
}

/// Stores and selects the events of aggregates (or snapshots) of one application.
///
/// `insert_events` is atomic: either every event of the batch is recorded or none is, and an
/// event whose (originator id, version) is already recorded makes the whole batch fail with
/// [`PersistenceError::Conflict`].
#[async_trait]
pub trait AggregateRecorder: Send + Sync + fmt::Debug {
    /// Records the events in one transaction. Returns their notification ids, in order, when the
    /// recorder assigns them (application recorders), else an empty list.
    async fn insert_events(&self, events: &[StoredEvent]) -> Result<Vec<u64>, PersistenceError>;

    /// Selects events of one aggregate.
    async fn select_events(
        &self,
        originator_id: Uuid,
        query: EventQuery,
    ) -> Result<Vec<StoredEvent>, PersistenceError>;

    /// Selects events of one aggregate, as [`select_events`](Self::select_events) does, and
    /// hands each to `visit` in order, borrowed from where it was read; stops early when
    /// `visit` breaks. Loading an aggregate's events goes through this, so that a recorder can
    /// spare the copies of each row's topic and state (its newest snapshot is read with
    /// `select_events`). The default calls `select_events`.
    async fn visit_events(
        &self,
        originator_id: Uuid,
        query: EventQuery,
        visit: &mut (dyn for<'r> FnMut(StoredEventRef<'r>) -> ControlFlow<()> + Send),
    ) -> Result<(), PersistenceError> {
        for event in self.select_events(originator_id, query).await? {
            if visit(event.as_event_ref()).is_break() {
                break;
            }
        }
        Ok(())
    }
}

/// An aggregate recorder whose events are also notifications, numbered in the order they were
/// recorded.
///
/// Notification ids increase with commit order: a reader that has seen every id up to `n` will
/// never later find a newly committed id at or below `n` (ids may have gaps).
#[async_trait]
pub trait ApplicationRecorder: AggregateRecorder {
    /// Selects notifications in id order.
    async fn select_notifications(
        &self,
        query: &NotificationQuery,
    ) -> Result<Vec<Notification>, PersistenceError>;

    /// The largest notification id recorded, if any.
    async fn max_notification_id(&self) -> Result<Option<u64>, PersistenceError>;
}

/// Records how far a follower has processed the notification logs of its upstream applications.
#[async_trait]
pub trait TrackingRecorder: Send + Sync + fmt::Debug {
    /// Records a position on its own. A position that is already recorded is a
    /// [`PersistenceError::TrackingConflict`].
    async fn insert_tracking(&self, tracking: &Tracking) -> Result<(), PersistenceError>;

    /// The largest notification id recorded for the upstream application, if any.
    async fn max_tracking_id(
        &self,
        upstream_application_name: &str,
    ) -> Result<Option<u64>, PersistenceError>;

    /// Whether the follower has processed the upstream notification `notification_id` (its
    /// recorded position is at or beyond it).
    async fn has_tracking_id(
        &self,
        upstream_application_name: &str,
        notification_id: u64,
    ) -> Result<bool, PersistenceError> {
        Ok(self
            .max_tracking_id(upstream_application_name)
            .await?
            .is_some_and(|max| max >= notification_id))
    }
}

/// An application recorder that records tracking in the same transaction as events, so that a
/// process application handles each upstream notification exactly once.
#[async_trait]
pub trait ProcessRecorder: ApplicationRecorder + TrackingRecorder {
    /// Records the events and the tracking positions (none, one, or one per upstream
    /// notification of a batch a follower processed together), in one transaction. A
    /// position already recorded makes the whole save fail with
    /// [`PersistenceError::TrackingConflict`] (naming one of the positions given).
    async fn insert_events_with_tracking(
        &self,
        events: &[StoredEvent],
        tracking: &[Tracking],
    ) -> Result<Vec<u64>, PersistenceError>;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn event_query_range() {
        let q = EventQuery::new().gt(2).lte(4);
        assert!(!q.includes(2));
        assert!(q.includes(3));
        assert!(q.includes(4));
        assert!(!q.includes(5));
    }

    #[test]
    fn notification_query_range_and_topics() {
        let q = NotificationQuery::new(Some(3), 10).stop(5).topics(["a"]);
        assert!(q.includes(3, "a"));
        assert!(!q.includes(3, "b"));
        assert!(!q.includes(6, "a"));
        assert!(!q.clone().exclusive_of_start().includes(3, "a"));
        assert!(!q.clone().excluding([3]).includes(3, "a"));
        assert!(q.clone().excluding([3]).includes(4, "a"));
        assert!(NotificationQuery::new(None, 1).includes(1, "x"));
    }
}
