use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::sync::{Mutex, MutexGuard};

use async_trait::async_trait;
use uuid::Uuid;

use crate::persistence::{
    AggregateRecorder, ApplicationRecorder, EventQuery, Notification, NotificationQuery,
    PersistenceError, ProcessRecorder, StoredEvent, Tracking, TrackingRecorder,
};

/// Records events, notifications and tracking in memory.
///
/// Every method holds one lock for its whole work, so batches are atomic and notification ids
/// are assigned in the order batches are recorded.
///
/// ```
/// # tokio::runtime::Runtime::new().unwrap().block_on(async {
/// use eventsourcing_seaorm::memory::InMemoryRecorder;
/// use eventsourcing_seaorm::persistence::{AggregateRecorder, PersistenceError, StoredEvent};
///
/// let recorder = InMemoryRecorder::new("Worlds");
/// let event = StoredEvent {
///     originator_id: uuid::Uuid::new_v4(),
///     originator_version: 1,
///     topic: "demo:World.Created".into(),
///     state: b"{}".to_vec(),
/// };
/// assert_eq!(recorder.insert_events(&[event.clone()]).await?, vec![1]);
/// let conflict = recorder.insert_events(&[event]).await.unwrap_err();
/// assert!(matches!(conflict, PersistenceError::Conflict { .. }));
/// # Ok::<(), PersistenceError>(())
/// # }).unwrap();
/// ```
#[derive(Debug)]
pub struct InMemoryRecorder {
    application_name: String,
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    /// Notifications in id order.
    notifications: Vec<Notification>,
    /// For each originator, its versions and their index in `notifications`.
    originators: HashMap<Uuid, BTreeMap<u64, usize>>,
    /// For each upstream application, the notification ids processed.
    tracking: HashMap<String, BTreeSet<u64>>,
    last_id: u64,
}

impl InMemoryRecorder {
    /// An empty recorder for the named application (the name appears in errors).
    pub fn new(application_name: impl Into<String>) -> Self {
        Self {
            application_name: application_name.into(),
            state: Mutex::new(State::default()),
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // A panic while holding the lock cannot leave a half-written batch: batches are checked
        // completely before anything is changed. So a poisoned lock is still consistent.
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn check_events(&self, state: &State, events: &[StoredEvent]) -> Result<(), PersistenceError> {
        let mut in_batch = HashSet::with_capacity(events.len());
        for event in events {
            let key = (event.originator_id, event.originator_version);
            let stored = state
                .originators
                .get(&event.originator_id)
                .is_some_and(|versions| versions.contains_key(&event.originator_version));
            if stored || !in_batch.insert(key) {
                return Err(PersistenceError::Conflict {
                    application_name: self.application_name.clone(),
                    originator: Some(key),
                });
            }
        }
        Ok(())
    }

    fn check_tracking(&self, state: &State, tracking: &Tracking) -> Result<(), PersistenceError> {
        let recorded = state
            .tracking
            .get(&tracking.application_name)
            .is_some_and(|ids| ids.contains(&tracking.notification_id));
        if recorded {
            return Err(PersistenceError::TrackingConflict {
                application_name: self.application_name.clone(),
                upstream_application_name: tracking.application_name.clone(),
                notification_id: tracking.notification_id,
            });
        }
        Ok(())
    }

    fn record(
        &self,
        events: &[StoredEvent],
        tracking: &[Tracking],
    ) -> Result<Vec<u64>, PersistenceError> {
        let mut state = self.lock();
        self.check_events(&state, events)?;
        for (i, position) in tracking.iter().enumerate() {
            self.check_tracking(&state, position)?;
            // Twice in one save is a conflict too.
            if tracking[..i].contains(position) {
                return Err(PersistenceError::TrackingConflict {
                    application_name: self.application_name.clone(),
                    upstream_application_name: position.application_name.clone(),
                    notification_id: position.notification_id,
                });
            }
        }
        let mut ids = Vec::with_capacity(events.len());
        for event in events {
            state.last_id += 1;
            let id = state.last_id;
            let index = state.notifications.len();
            state
                .originators
                .entry(event.originator_id)
                .or_default()
                .insert(event.originator_version, index);
            state.notifications.push(Notification {
                id,
                event: event.clone(),
            });
            ids.push(id);
        }
        for position in tracking {
            state
                .tracking
                .entry(position.application_name.clone())
                .or_default()
                .insert(position.notification_id);
        }
        Ok(ids)
    }
}

#[async_trait]
impl AggregateRecorder for InMemoryRecorder {
    async fn insert_events(&self, events: &[StoredEvent]) -> Result<Vec<u64>, PersistenceError> {
        self.record(events, &[])
    }

    async fn select_events(
        &self,
        originator_id: Uuid,
        query: EventQuery,
    ) -> Result<Vec<StoredEvent>, PersistenceError> {
        let state = self.lock();
        let Some(versions) = state.originators.get(&originator_id) else {
            return Ok(Vec::new());
        };
        let range = versions.iter().filter(|(v, _)| query.includes(**v));
        let limit = query
            .limit
            .map_or(usize::MAX, |l| usize::try_from(l).unwrap_or(usize::MAX));
        let event = |(_, index): (&u64, &usize)| state.notifications[*index].event.clone();
        Ok(if query.desc {
            range.rev().take(limit).map(event).collect()
        } else {
            range.take(limit).map(event).collect()
        })
    }
}

#[async_trait]
impl ApplicationRecorder for InMemoryRecorder {
    async fn select_notifications(
        &self,
        query: &NotificationQuery,
    ) -> Result<Vec<Notification>, PersistenceError> {
        let state = self.lock();
        let first = match query.start {
            None => 0,
            Some(start) => state.notifications.partition_point(|n| n.id < start),
        };
        let limit = usize::try_from(query.limit).unwrap_or(usize::MAX);
        Ok(state.notifications[first..]
            .iter()
            .take_while(|n| query.stop.is_none_or(|stop| n.id <= stop))
            .filter(|n| query.includes(n.id, &n.topic))
            .take(limit)
            .cloned()
            .collect())
    }

    async fn max_notification_id(&self) -> Result<Option<u64>, PersistenceError> {
        Ok(self.lock().notifications.last().map(|n| n.id))
    }
}

#[async_trait]
impl TrackingRecorder for InMemoryRecorder {
    async fn insert_tracking(&self, tracking: &Tracking) -> Result<(), PersistenceError> {
        self.record(&[], std::slice::from_ref(tracking)).map(|_| ())
    }

    async fn max_tracking_id(
        &self,
        upstream_application_name: &str,
    ) -> Result<Option<u64>, PersistenceError> {
        Ok(self
            .lock()
            .tracking
            .get(upstream_application_name)
            .and_then(|ids| ids.last().copied()))
    }
}

#[async_trait]
impl ProcessRecorder for InMemoryRecorder {
    async fn insert_events_with_tracking(
        &self,
        events: &[StoredEvent],
        tracking: &[Tracking],
    ) -> Result<Vec<u64>, PersistenceError> {
        self.record(events, tracking)
    }
}
