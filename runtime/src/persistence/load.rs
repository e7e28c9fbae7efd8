//! Loading an aggregate from its newest snapshot: the snapshot, whether the event at its version
//! is recorded, then the events after it.
//!
//! A repository with snapshots reads both through a [`SnapshotLoader`], chosen once when the
//! application is built: [`InTurn`] asks the snapshot recorder, then the event recorder, and
//! works with any recorders; a backend may offer its own (the SeaORM recorders read both on one
//! connection when they share a pool).

use std::fmt;
use std::ops::ControlFlow;
use std::sync::Arc;

use async_trait::async_trait;
use uuid::Uuid;

use super::{AggregateRecorder, EventQuery, PersistenceError, StoredEvent, StoredEventRef};

/// What a load does with the rows it reads: the newest snapshot first, whether the event at
/// its version is recorded, then each event after it.
pub trait LoadVisitor: Send {
    /// The newest snapshot, `None` when there is none. Called once, before any event; the
    /// events after the snapshot may already be being selected.
    fn snapshot(&mut self, snapshot: Option<StoredEventRef<'_>>) -> ControlFlow<()>;

    /// Whether the aggregate's event at the snapshot's version is recorded: `false` for a
    /// snapshot beyond the events (which the repository refuses). Called after
    /// [`snapshot`](Self::snapshot) handed over a snapshot, before any event. The default does
    /// nothing.
    fn snapshot_event(&mut self, recorded: bool) -> ControlFlow<()> {
        let _ = recorded;
        ControlFlow::Continue(())
    }

    /// The next event after the snapshot (every event from the first when there is none), in
    /// version order.
    fn event(&mut self, event: StoredEventRef<'_>) -> ControlFlow<()>;
}

/// Reads an aggregate from its newest snapshot.
#[async_trait]
pub trait SnapshotLoader: Send + Sync + fmt::Debug {
    /// Hands the newest snapshot of `originator_id` at or below version `lte` to
    /// [`LoadVisitor::snapshot`] (`None` when there is none), says whether the event at its
    /// version is recorded ([`LoadVisitor::snapshot_event`]), then hands the events after that
    /// snapshot's version (every one when there is none), at or below `lte`, to
    /// [`LoadVisitor::event`] in version order. Stops when the visitor breaks.
    async fn load(
        &self,
        originator_id: Uuid,
        lte: Option<u64>,
        visitor: &mut dyn LoadVisitor,
    ) -> Result<(), PersistenceError>;
}

/// The snapshot from the snapshot recorder's `select_events`, then the events from the event
/// recorder's `visit_events`, one after the other: a load that works with any recorders.
#[derive(Debug, Clone)]
pub struct InTurn {
    snapshots: Arc<dyn AggregateRecorder>,
    events: Arc<dyn AggregateRecorder>,
}

impl InTurn {
    /// Loads with these recorders of snapshots and of events.
    pub fn new(snapshots: Arc<dyn AggregateRecorder>, events: Arc<dyn AggregateRecorder>) -> Self {
        Self { snapshots, events }
    }
}

#[async_trait]
impl SnapshotLoader for InTurn {
    async fn load(
        &self,
        originator_id: Uuid,
        lte: Option<u64>,
        visitor: &mut dyn LoadVisitor,
    ) -> Result<(), PersistenceError> {
        let snapshot = self
            .snapshots
            .select_events(originator_id, newest_snapshot(lte))
            .await?
            .into_iter()
            .next();
        if visitor
            .snapshot(snapshot.as_ref().map(StoredEvent::as_event_ref))
            .is_break()
        {
            return Ok(());
        }
        let Some(snapshot_version) = snapshot.map(|s| s.originator_version) else {
            return self
                .events
                .visit_events(originator_id, from_snapshot(None, lte), &mut |event| {
                    visitor.event(event)
                })
                .await;
        };
        // From the snapshot's version: its own event, when recorded, comes first and is only
        // reported.
        let mut unreported = true;
        let query = from_snapshot(Some(snapshot_version), lte);
        self.events
            .visit_events(originator_id, query, &mut |event| {
                if unreported {
                    unreported = false;
                    let recorded = event.originator_version == snapshot_version;
                    if visitor.snapshot_event(recorded).is_break() {
                        return ControlFlow::Break(());
                    }
                    if recorded {
                        return ControlFlow::Continue(());
                    }
                }
                visitor.event(event)
            })
            .await?;
        if unreported {
            // No event from the snapshot's version on: it is beyond the events.
            let _ = visitor.snapshot_event(false);
        }
        Ok(())
    }
}

/// The query of the events after a snapshot at version `snapshot` (every event when there is
/// none), at or below `lte`.
pub fn after_snapshot(snapshot: Option<u64>, lte: Option<u64>) -> EventQuery {
    let mut query = EventQuery::new();
    query.gt = snapshot;
    query.lte = lte;
    query
}

/// The query of the events from a snapshot at version `snapshot` on, at or below `lte`: the event
/// the snapshot was taken at (so that a loader that has no other way can tell whether it is
/// recorded, [`LoadVisitor::snapshot_event`]), then those after it. Every event when there is no
/// snapshot.
pub fn from_snapshot(snapshot: Option<u64>, lte: Option<u64>) -> EventQuery {
    let mut query = EventQuery::new();
    query.gt = snapshot.map(|version| version.saturating_sub(1));
    query.lte = lte;
    query
}

/// The query of the newest snapshot at or below `lte`.
pub fn newest_snapshot(lte: Option<u64>) -> EventQuery {
    let mut query = EventQuery::new().desc().limit(1);
    query.lte = lte;
    query
}
