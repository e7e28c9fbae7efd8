use std::ops::ControlFlow;
use std::sync::Arc;

use crate::trace::Stopwatch;
use tracing::Instrument;
use uuid::Uuid;

use super::{AggregateCache, ApplicationError, EventStore};
use crate::domain::{Aggregate, DomainError, Snapshot, SnapshotState, project_one};
use crate::persistence::{
    AggregateRecorder, EventQuery, InTurn, LoadVisitor, SnapshotLoader, StoredEventRef,
    from_snapshot,
};

/// Rebuilds aggregates from their events: the newest snapshot at or below the version asked
/// for (when snapshotting is enabled), then the events after it. A newest snapshot that cannot
/// be decoded is passed over with a warning naming it (the aggregate is read from its events);
/// one beyond the recorded events is refused ([`ApplicationError::SnapshotBeyondEvents`]).
#[derive(Debug, Clone)]
pub struct Repository {
    application_name: Arc<str>,
    events: EventStore,
    snapshots: Option<EventStore>,
    /// How aggregates are read from their newest snapshot, when there is a snapshot store.
    loader: Option<Arc<dyn SnapshotLoader>>,
    cache: Option<Arc<AggregateCache>>,
    fastforward: bool,
}

impl Repository {
    /// A repository over an event store, an optional snapshot store and an optional cache.
    /// With `fastforward`, cached aggregates are brought up to date from the store on each get;
    /// without it, the cache is trusted (only right when this process is the only writer).
    /// Aggregates are read from their newest snapshot by the snapshot store's recorder, then
    /// the event store's ([`InTurn`]), unless [`with_snapshot_loader`](Self::with_snapshot_loader)
    /// gives another way.
    pub fn new(
        application_name: impl Into<Arc<str>>,
        events: EventStore,
        snapshots: Option<EventStore>,
        cache: Option<Arc<AggregateCache>>,
        fastforward: bool,
    ) -> Self {
        let loader = snapshots.as_ref().map(|snapshots| {
            Arc::new(InTurn::new(
                snapshots.recorder().clone(),
                events.recorder().clone(),
            )) as Arc<dyn SnapshotLoader>
        });
        Self {
            application_name: application_name.into(),
            events,
            snapshots,
            loader,
            cache,
            fastforward,
        }
    }

    /// Reads aggregates from their newest snapshot with `loader` (which must read the snapshot
    /// store's and the event store's tables), for example one that reads both on one
    /// connection. Without a snapshot store it has nothing to do.
    pub fn with_snapshot_loader(mut self, loader: Arc<dyn SnapshotLoader>) -> Self {
        if self.snapshots.is_some() {
            self.loader = Some(loader);
        }
        self
    }

    /// The same repository on other recorders (of the same tables, read in a transaction),
    /// without a cache.
    pub(crate) fn in_transaction(
        &self,
        events: Arc<dyn AggregateRecorder>,
        snapshots: Option<Arc<dyn AggregateRecorder>>,
    ) -> Repository {
        let events = EventStore::new(self.events.mapper_arc(), events);
        let snapshots = self
            .snapshots
            .as_ref()
            .zip(snapshots)
            .map(|(store, recorder)| EventStore::new(store.mapper_arc(), recorder));
        Repository::new(
            self.application_name.clone(),
            events,
            snapshots,
            None,
            false,
        )
    }

    /// The event store.
    pub fn event_store(&self) -> &EventStore {
        &self.events
    }

    /// The snapshot store, when snapshotting is enabled.
    pub fn snapshot_store(&self) -> Option<&EventStore> {
        self.snapshots.as_ref()
    }

    /// The aggregate cache, when enabled.
    pub fn cache(&self) -> Option<&AggregateCache> {
        self.cache.as_deref()
    }

    fn domain_error(&self, aggregate_id: Uuid, source: DomainError) -> ApplicationError {
        ApplicationError::Domain {
            application_name: self.application_name.to_string(),
            aggregate_id,
            source: Box::new(source),
        }
    }

    fn not_found(&self, aggregate_id: Uuid, version: Option<u64>) -> ApplicationError {
        ApplicationError::AggregateNotFound {
            application_name: self.application_name.to_string(),
            aggregate_id,
            version,
        }
    }

    /// The current state of the aggregate.
    pub async fn get<A: Aggregate>(&self, aggregate_id: Uuid) -> Result<A, ApplicationError> {
        let Some(cache) = &self.cache else {
            return self.reconstruct(aggregate_id, None).await;
        };
        match cache.get::<A>(aggregate_id) {
            Some(cached) if !self.fastforward => Ok(cached),
            Some(mut cached) => {
                let span = self.load_span(aggregate_id, None, "cache");
                let stopwatch = Stopwatch::start(&span);
                let mut newer = 0;
                let query = EventQuery::new().gt(cached.version());
                let caught_up = self
                    .events
                    .for_each::<A::Event>(aggregate_id, query, |event| {
                        newer += 1;
                        cached
                            .apply_event(event)
                            .map_err(|e| self.domain_error(aggregate_id, e))
                    })
                    .instrument(span.clone())
                    .await;
                span.record("events", newer);
                stopwatch.finish(&span, &caught_up);
                caught_up?;
                if newer > 0 {
                    cache.put(&cached);
                }
                Ok(cached)
            }
            None => {
                let aggregate: A = self.reconstruct(aggregate_id, None).await?;
                cache.put(&aggregate);
                Ok(aggregate)
            }
        }
    }

    /// The aggregate as it was at `version`.
    pub async fn get_at<A: Aggregate>(
        &self,
        aggregate_id: Uuid,
        version: u64,
    ) -> Result<A, ApplicationError> {
        self.reconstruct(aggregate_id, Some(version)).await
    }

    /// Whether any event of this aggregate is recorded.
    pub async fn contains(&self, aggregate_id: Uuid) -> Result<bool, ApplicationError> {
        let first = self
            .events
            .recorder()
            .select_events(aggregate_id, EventQuery::new().limit(1))
            .await?;
        Ok(!first.is_empty())
    }

    /// The `load` span (level INFO): the application, the aggregate, the version asked for,
    /// where it is read from (`store`, or `cache` when a cached copy catches up); the events
    /// read, the snapshot it started from (or the one passed over) and any error are recorded
    /// when it is done.
    fn load_span(&self, aggregate_id: Uuid, version: Option<u64>, from: &str) -> tracing::Span {
        tracing::info_span!(
            "load",
            application = %self.application_name,
            aggregate_id = %aggregate_id,
            version,
            from,
            snapshot_version = tracing::field::Empty,
            snapshot_passed_over = tracing::field::Empty,
            events = tracing::field::Empty,
            duration_us = tracing::field::Empty,
            error = tracing::field::Empty,
        )
    }

    async fn reconstruct<A: Aggregate>(
        &self,
        aggregate_id: Uuid,
        version: Option<u64>,
    ) -> Result<A, ApplicationError> {
        let span = self.load_span(aggregate_id, version, "store");
        let stopwatch = Stopwatch::start(&span);
        let loaded = self
            .rebuild(aggregate_id, version, &span)
            .instrument(span.clone())
            .await;
        stopwatch.finish(&span, &loaded);
        loaded
    }

    async fn rebuild<A: Aggregate>(
        &self,
        aggregate_id: Uuid,
        version: Option<u64>,
        span: &tracing::Span,
    ) -> Result<A, ApplicationError> {
        // Each event is applied as it is decoded, after the snapshot when there is one, with
        // no list of events in between: the first row that cannot be mapped or applied, in
        // version order, is the error. With snapshots the loader may select the events while
        // the snapshot is decoded (the SeaORM recorders do, on one connection).
        let mut rebuild = Rebuild::new(self, aggregate_id);
        if let Some(loader) = &self.loader {
            loader.load(aggregate_id, version, &mut rebuild).await?;
            if !rebuild.snapshot_unusable {
                return rebuild.finish(version, span);
            }
            // The snapshot could not be decoded (and was named in a warning): the events alone.
            span.record("snapshot_passed_over", true);
            rebuild = Rebuild::new(self, aggregate_id);
        }
        self.events
            .recorder()
            .visit_events(aggregate_id, from_snapshot(None, version), &mut |event| {
                rebuild.event(event)
            })
            .await?;
        rebuild.finish(version, span)
    }

    /// Takes a snapshot of the aggregate at `version` (its current version when `None`) and
    /// records it.
    pub async fn take_snapshot<A: Aggregate>(
        &self,
        aggregate_id: Uuid,
        version: Option<u64>,
    ) -> Result<(), ApplicationError> {
        if self.snapshots.is_none() {
            return Err(self.snapshotting_disabled());
        }
        let aggregate: A = self.reconstruct(aggregate_id, version).await?;
        self.put_snapshot(&aggregate).await
    }

    fn snapshotting_disabled(&self) -> ApplicationError {
        ApplicationError::SnapshottingDisabled {
            application_name: self.application_name.to_string(),
        }
    }

    /// Records a snapshot of this aggregate's state.
    pub async fn put_snapshot<A: Aggregate>(&self, aggregate: &A) -> Result<(), ApplicationError> {
        let Some(snapshots) = &self.snapshots else {
            return Err(self.snapshotting_disabled());
        };
        let snapshot =
            Snapshot::take(aggregate).map_err(|e| self.domain_error(aggregate.id(), e))?;
        snapshots.put(std::slice::from_ref(&snapshot)).await?;
        Ok(())
    }
}

/// Builds an aggregate from what a load reads ([`SnapshotLoader::load`], or `visit_events`
/// without snapshots): the snapshot's state, then each event applied as it is decoded. The
/// first failure stops it.
struct Rebuild<'a, A> {
    repository: &'a Repository,
    aggregate_id: Uuid,
    aggregate: Option<A>,
    failure: Option<ApplicationError>,
    /// The version of the snapshot the aggregate was read from, until the loader says whether
    /// the event at that version is recorded (a snapshot beyond the events is refused).
    unconfirmed_snapshot: Option<u64>,
    /// The newest snapshot could not be decoded: the aggregate is to be read from its events.
    snapshot_unusable: bool,
    /// The version of the snapshot the aggregate was read from.
    snapshot_version: Option<u64>,
    /// The events applied.
    events: usize,
}

impl<'a, A: Aggregate> Rebuild<'a, A> {
    fn new(repository: &'a Repository, aggregate_id: Uuid) -> Self {
        Self {
            repository,
            aggregate_id,
            aggregate: None,
            failure: None,
            unconfirmed_snapshot: None,
            snapshot_unusable: false,
            snapshot_version: None,
            events: 0,
        }
    }

    fn settle(&mut self, outcome: Result<(), ApplicationError>) -> ControlFlow<()> {
        match outcome {
            Ok(()) => ControlFlow::Continue(()),
            Err(error) => {
                self.failure = Some(error);
                ControlFlow::Break(())
            }
        }
    }

    /// The aggregate read, or the first failure; what was read goes into the load's `span`.
    fn finish(self, version: Option<u64>, span: &tracing::Span) -> Result<A, ApplicationError> {
        span.record("events", self.events);
        if let Some(snapshot_version) = self.snapshot_version {
            span.record("snapshot_version", snapshot_version);
        }
        if let Some(failure) = self.failure {
            return Err(failure);
        }
        self.aggregate
            .ok_or_else(|| self.repository.not_found(self.aggregate_id, version))
    }

    fn beyond_the_events(&self, snapshot_version: u64) -> ApplicationError {
        ApplicationError::SnapshotBeyondEvents {
            application_name: self.repository.application_name.to_string(),
            aggregate_id: self.aggregate_id,
            snapshot_version,
        }
    }
}

impl<A: Aggregate> LoadVisitor for Rebuild<'_, A> {
    fn snapshot(&mut self, snapshot: Option<StoredEventRef<'_>>) -> ControlFlow<()> {
        // Snapshots are only read when the repository has a snapshot store.
        let (Some(stored), Some(snapshots)) = (snapshot, &self.repository.snapshots) else {
            return ControlFlow::Continue(());
        };
        let (repository, id) = (self.repository, self.aggregate_id);
        let rebuilt = snapshots
            .mapper()
            .decode_event::<SnapshotState>(stored)
            .map_err(ApplicationError::from)
            .and_then(|snapshot| {
                snapshot
                    .into_aggregate::<A>()
                    .map_err(|e| repository.domain_error(id, e))
            });
        match rebuilt {
            Ok(aggregate) => {
                self.aggregate = Some(aggregate);
                self.unconfirmed_snapshot = Some(stored.originator_version);
                self.snapshot_version = Some(stored.originator_version);
                ControlFlow::Continue(())
            }
            Err(error) => {
                // A snapshot is a cache of what the events hold: one that cannot be decoded
                // (garbage state, an unknown topic, a state the aggregate no longer reads) is
                // passed over, and named, rather than making the aggregate unloadable.
                tracing::warn!(
                    application = %repository.application_name,
                    aggregate_id = %id,
                    snapshot_version = stored.originator_version,
                    topic = stored.topic,
                    %error,
                    "snapshot cannot be decoded: the aggregate is read from its events"
                );
                self.snapshot_unusable = true;
                ControlFlow::Break(())
            }
        }
    }

    fn snapshot_event(&mut self, recorded: bool) -> ControlFlow<()> {
        match self.unconfirmed_snapshot.take() {
            Some(snapshot_version) if !recorded => {
                let beyond = self.beyond_the_events(snapshot_version);
                self.settle(Err(beyond))
            }
            _ => ControlFlow::Continue(()),
        }
    }

    fn event(&mut self, stored: StoredEventRef<'_>) -> ControlFlow<()> {
        self.events += 1;
        let (repository, id) = (self.repository, self.aggregate_id);
        let outcome = repository
            .events
            .mapper()
            .decode_event::<A::Event>(stored)
            .map_err(ApplicationError::from)
            .and_then(|event| {
                project_one(&mut self.aggregate, event).map_err(|e| repository.domain_error(id, e))
            });
        self.settle(outcome)
    }
}
