//! The recorder contract: what every recorder (memory, SQLite, PostgreSQL, MySQL/MariaDB) must
//! do. It covers what the Python original's recorder test cases assert (atomic batches,
//! conflicts, selects, notification ids, tracking) plus concurrency: writers whose notification
//! ids never interleave, and readers that tail the log without missing anything.
//!
//! A backend's test file implements [`RecorderFactory`] and expands
//! [`recorder_contract!`](crate::recorder_contract).

use std::collections::{BTreeMap, BTreeSet};
use std::future::Future;
use std::ops::ControlFlow;
use std::sync::Arc;
use std::time::Duration;

use eventsourcing_seaorm::persistence::{
    AggregateRecorder, EventQuery, InTurn, LoadVisitor, Notification, NotificationQuery,
    PersistenceError, ProcessRecorder, SnapshotLoader, StoredEvent, StoredEventRef, Tracking,
};
use uuid::Uuid;

/// Makes fresh recorders for one test. Each call gives recorders that see no rows of other
/// tests (their own application name, database or table).
pub trait RecorderFactory: Send + Sync + 'static {
    /// A process recorder (events, notifications, tracking) for a new application.
    fn process_recorder(&self) -> impl Future<Output = Arc<dyn ProcessRecorder>> + Send;
    /// Another process recorder on the same store and application as `recorder`, as a second
    /// process or connection would have (the same recorder again is fine where the backend has
    /// no separate connections).
    fn same_store(
        &self,
        recorder: &Arc<dyn ProcessRecorder>,
    ) -> impl Future<Output = Arc<dyn ProcessRecorder>> + Send;
    /// An aggregate recorder that assigns no notification ids (snapshots).
    fn snapshot_recorder(&self) -> impl Future<Output = Arc<dyn AggregateRecorder>> + Send;
    /// How the backend loads aggregates from `snapshots` (made by this factory) and `events`,
    /// as an application built on them would. The default loads one recorder after the other.
    fn snapshot_loader(
        &self,
        snapshots: &Arc<dyn AggregateRecorder>,
        events: &Arc<dyn ProcessRecorder>,
    ) -> Arc<dyn SnapshotLoader> {
        Arc::new(InTurn::new(snapshots.clone(), events.clone()))
    }
    /// Removes what the test created (after a passing test).
    fn cleanup(&self) -> impl Future<Output = ()> + Send {
        async {}
    }
    /// How many events each of two concurrent writers inserts in the interleaving test.
    fn interleaving_batch_size(&self) -> usize {
        1_000
    }
    /// Whether a save waits for anything (a database) that a caller can stop waiting for; the
    /// in-memory recorder saves at its first poll.
    fn saves_take_time(&self) -> bool {
        true
    }
}

/// A stored event with arbitrary state.
pub fn stored(originator_id: Uuid, version: u64, topic: &str) -> StoredEvent {
    StoredEvent {
        originator_id,
        originator_version: version,
        topic: topic.to_owned(),
        state: format!("{{\"v\":{version}}}").into_bytes(),
    }
}

fn versions(events: &[StoredEvent]) -> Vec<u64> {
    events.iter().map(|e| e.originator_version).collect()
}

/// Expands to one `#[tokio::test]` per contract case, for an expression giving
/// `Option<impl RecorderFactory>` (`None` skips the case: the backend is not configured).
#[macro_export]
macro_rules! recorder_contract {
    ($factory:expr) => {
        $crate::recorder_contract!(@cases $factory;
            aggregate_recorder_inserts_and_selects,
            conflicting_batch_records_nothing,
            snapshot_recorder_selects_newest_at_or_below,
            notifications_are_numbered_and_selected,
            empty_batch_records_nothing,
            process_recorder_tracks_positions,
            tracking_conflict_records_nothing,
            applications_are_isolated,
            event_state_round_trips_exactly,
            concurrent_writers_do_not_interleave,
            concurrent_writers_and_readers_lose_nothing,
            concurrent_conflicting_writers,
            concurrent_first_writes_of_a_new_application,
            saves_recorded_together_fail_alone,
            abandoned_saves_are_all_or_nothing,
            saves_recorded_together_get_their_own_ids,
            visited_events_are_the_selected_events,
            loads_visit_the_newest_snapshot_then_the_later_events,
            large_saves_are_recorded_whole,
        );
    };
    (@cases $factory:expr; $($case:ident),* $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn $case() {
                let Some(factory) = $factory else { return };
                $crate::contract::$case(&factory).await;
                // Dropping the test's tables waits for any transaction left open on them: a
                // save abandoned half-way must not leave one.
                let cleanup = $crate::contract::RecorderFactory::cleanup(&factory);
                if ::tokio::time::timeout(::std::time::Duration::from_secs(60), cleanup)
                    .await
                    .is_err()
                {
                    panic!("cleanup blocked for 60 s: a transaction was left open");
                }
            }
        )*
    };
}

/// Inserting, selecting with `gt`, `lte`, `desc`, `limit`, and a conflicting insert.
pub async fn aggregate_recorder_inserts_and_selects(factory: &impl RecorderFactory) {
    let recorder = factory.process_recorder().await;
    let id = Uuid::new_v4();
    assert!(
        recorder
            .select_events(id, EventQuery::new())
            .await
            .unwrap()
            .is_empty()
    );

    let first = stored(id, 1, "t:Created");
    recorder
        .insert_events(std::slice::from_ref(&first))
        .await
        .unwrap();
    assert_eq!(
        recorder.select_events(id, EventQuery::new()).await.unwrap(),
        vec![first.clone()]
    );

    let err = recorder
        .insert_events(std::slice::from_ref(&first))
        .await
        .unwrap_err();
    assert!(matches!(err, PersistenceError::Conflict { .. }), "{err:?}");

    recorder
        .insert_events(&[stored(id, 2, "t:Changed"), stored(id, 3, "t:Changed")])
        .await
        .unwrap();
    let select = |q: EventQuery| {
        let recorder = recorder.clone();
        async move { versions(&recorder.select_events(id, q).await.unwrap()) }
    };
    assert_eq!(select(EventQuery::new()).await, [1, 2, 3]);
    assert_eq!(select(EventQuery::new().gt(1)).await, [2, 3]);
    assert_eq!(select(EventQuery::new().lte(2)).await, [1, 2]);
    assert_eq!(select(EventQuery::new().gt(1).lte(2)).await, [2]);
    assert_eq!(select(EventQuery::new().desc()).await, [3, 2, 1]);
    assert_eq!(select(EventQuery::new().limit(2)).await, [1, 2]);
    assert_eq!(select(EventQuery::new().desc().limit(1)).await, [3]);
    assert_eq!(select(EventQuery::new().lte(2).desc().limit(1)).await, [2]);
    assert_eq!(select(EventQuery::new().gt(1).desc().limit(1)).await, [3]);
    assert_eq!(select(EventQuery::new().gt(3)).await, Vec::<u64>::new());
    assert_eq!(select(EventQuery::new().limit(0)).await, Vec::<u64>::new());

    let events = recorder.select_events(id, EventQuery::new()).await.unwrap();
    assert_eq!(events[0], first);
    assert_eq!(events[1].topic, "t:Changed");
}

/// A batch where one event conflicts records none of its events, and assigns no ids.
pub async fn conflicting_batch_records_nothing(factory: &impl RecorderFactory) {
    let recorder = factory.process_recorder().await;
    let (a, b) = (Uuid::new_v4(), Uuid::new_v4());
    recorder
        .insert_events(&[stored(a, 1, "t:A")])
        .await
        .unwrap();
    let max_before = recorder.max_notification_id().await.unwrap();

    let batch = [
        stored(b, 1, "t:B"),
        stored(a, 2, "t:A"),
        stored(a, 1, "t:A"),
    ];
    let err = recorder.insert_events(&batch).await.unwrap_err();
    assert!(matches!(err, PersistenceError::Conflict { .. }), "{err:?}");
    assert!(
        recorder
            .select_events(b, EventQuery::new())
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        versions(&recorder.select_events(a, EventQuery::new()).await.unwrap()),
        [1]
    );
    assert_eq!(recorder.max_notification_id().await.unwrap(), max_before);

    // Two events with the same version inside one batch conflict too.
    let err = recorder
        .insert_events(&[stored(b, 1, "t:B"), stored(b, 1, "t:B")])
        .await
        .unwrap_err();
    assert!(matches!(err, PersistenceError::Conflict { .. }), "{err:?}");
    assert!(
        recorder
            .select_events(b, EventQuery::new())
            .await
            .unwrap()
            .is_empty()
    );
}

/// The snapshot recorder: conflicts and "newest at or below a version".
pub async fn snapshot_recorder_selects_newest_at_or_below(factory: &impl RecorderFactory) {
    let recorder = factory.snapshot_recorder().await;
    let id = Uuid::new_v4();
    let topic = "eventsourcing.domain:Snapshot";
    recorder
        .insert_events(&[stored(id, 2, topic)])
        .await
        .unwrap();
    recorder
        .insert_events(&[stored(id, 5, topic)])
        .await
        .unwrap();
    let err = recorder
        .insert_events(&[stored(id, 5, topic)])
        .await
        .unwrap_err();
    assert!(matches!(err, PersistenceError::Conflict { .. }), "{err:?}");
    let newest = |lte: Option<u64>| {
        let recorder = recorder.clone();
        async move {
            let mut q = EventQuery::new().desc().limit(1);
            q.lte = lte;
            versions(&recorder.select_events(id, q).await.unwrap())
        }
    };
    assert_eq!(newest(None).await, [5]);
    assert_eq!(newest(Some(4)).await, [2]);
    assert_eq!(newest(Some(1)).await, Vec::<u64>::new());
}

/// Notification ids increase in insert order; selects by start, limit, stop, topics, inclusive
/// or exclusive start; `max_notification_id`.
pub async fn notifications_are_numbered_and_selected(factory: &impl RecorderFactory) {
    let recorder = factory.process_recorder().await;
    assert_eq!(recorder.max_notification_id().await.unwrap(), None);
    assert!(
        recorder
            .select_notifications(&NotificationQuery::new(None, 10))
            .await
            .unwrap()
            .is_empty()
    );

    let (a, b) = (Uuid::new_v4(), Uuid::new_v4());
    let ids1 = recorder
        .insert_events(&[stored(a, 1, "t:A1"), stored(a, 2, "t:A2")])
        .await
        .unwrap();
    let ids2 = recorder
        .insert_events(&[stored(b, 1, "t:B1")])
        .await
        .unwrap();
    let ids3 = recorder
        .insert_events(&[stored(a, 3, "t:A3"), stored(b, 2, "t:B2")])
        .await
        .unwrap();
    assert_eq!(ids1.len(), 2);
    assert_eq!(ids2.len(), 1);
    assert_eq!(ids3.len(), 2);
    // Rows of one insert keep their own originators, whether they share one or not.
    for (id, topics) in [
        (a, ["t:A1", "t:A2", "t:A3"].as_slice()),
        (b, &["t:B1", "t:B2"]),
    ] {
        let events = recorder.select_events(id, EventQuery::new()).await.unwrap();
        let found: Vec<(u64, &str)> = events
            .iter()
            .map(|e| (e.originator_version, e.topic.as_str()))
            .collect();
        let expected: Vec<(u64, &str)> = topics
            .iter()
            .enumerate()
            .map(|(i, topic)| (i as u64 + 1, *topic))
            .collect();
        assert_eq!(found, expected);
        assert!(events.iter().all(|e| e.originator_id == id));
    }
    let all_ids: Vec<u64> = [ids1, ids2, ids3].concat();
    assert!(all_ids.windows(2).all(|w| w[0] < w[1]), "{all_ids:?}");
    assert_eq!(
        recorder.max_notification_id().await.unwrap(),
        all_ids.last().copied()
    );

    let select = |q: NotificationQuery| {
        let recorder = recorder.clone();
        async move {
            recorder
                .select_notifications(&q)
                .await
                .unwrap()
                .into_iter()
                .map(|n| n.id)
                .collect::<Vec<_>>()
        }
    };
    let first = all_ids[0];
    assert_eq!(select(NotificationQuery::new(None, 10)).await, all_ids);
    assert_eq!(
        select(NotificationQuery::new(Some(first), 10)).await,
        all_ids
    );
    assert_eq!(
        select(NotificationQuery::new(Some(first), 2)).await,
        all_ids[..2]
    );
    assert_eq!(
        select(NotificationQuery::new(Some(first), 10).exclusive_of_start()).await,
        all_ids[1..]
    );
    assert_eq!(
        select(NotificationQuery::new(Some(all_ids[2]), 10)).await,
        all_ids[2..]
    );
    assert_eq!(
        select(NotificationQuery::new(Some(first), 10).stop(all_ids[2])).await,
        all_ids[..3]
    );
    assert_eq!(
        select(NotificationQuery::new(Some(first), 10).topics(["t:A2", "t:B2"])).await,
        [all_ids[1], all_ids[4]]
    );
    assert_eq!(
        select(NotificationQuery::new(None, 1).topics(["t:B1", "t:B2"])).await,
        [all_ids[2]]
    );
    assert_eq!(
        select(NotificationQuery::new(Some(all_ids[4] + 1), 10)).await,
        Vec::<u64>::new()
    );

    let notifications = recorder
        .select_notifications(&NotificationQuery::new(Some(all_ids[3]), 1))
        .await
        .unwrap();
    assert_eq!(notifications.len(), 1);
    assert_eq!(notifications[0].originator_id, a);
    assert_eq!(notifications[0].originator_version, 3);
    assert_eq!(notifications[0].topic, "t:A3");
    assert_eq!(notifications[0].state, b"{\"v\":3}");
}

/// Inserting no events succeeds and changes nothing.
pub async fn empty_batch_records_nothing(factory: &impl RecorderFactory) {
    let recorder = factory.process_recorder().await;
    assert_eq!(
        recorder.insert_events(&[]).await.unwrap(),
        Vec::<u64>::new()
    );
    assert_eq!(recorder.max_notification_id().await.unwrap(), None);
}

/// Tracking recorded with events, alone, per upstream application.
pub async fn process_recorder_tracks_positions(factory: &impl RecorderFactory) {
    let recorder = factory.process_recorder().await;
    assert_eq!(recorder.max_tracking_id("upstream").await.unwrap(), None);
    assert!(!recorder.has_tracking_id("upstream", 1).await.unwrap());

    let id = Uuid::new_v4();
    let tracking = |n| Tracking {
        application_name: "upstream".into(),
        notification_id: n,
    };
    recorder
        .insert_events_with_tracking(&[stored(id, 1, "t:A")], &[tracking(1)])
        .await
        .unwrap();
    assert_eq!(recorder.max_tracking_id("upstream").await.unwrap(), Some(1));
    assert!(recorder.has_tracking_id("upstream", 1).await.unwrap());
    assert!(!recorder.has_tracking_id("upstream", 2).await.unwrap());

    recorder
        .insert_events_with_tracking(&[stored(id, 2, "t:A")], &[tracking(2)])
        .await
        .unwrap();
    assert_eq!(recorder.max_tracking_id("upstream").await.unwrap(), Some(2));

    // Processing a notification that produces no events still records the position.
    recorder
        .insert_events_with_tracking(&[], &[tracking(3)])
        .await
        .unwrap();
    recorder.insert_tracking(&tracking(4)).await.unwrap();
    assert_eq!(recorder.max_tracking_id("upstream").await.unwrap(), Some(4));
    assert!(recorder.has_tracking_id("upstream", 3).await.unwrap());

    // Positions are per upstream application.
    assert_eq!(recorder.max_tracking_id("other").await.unwrap(), None);
    recorder
        .insert_tracking(&Tracking {
            application_name: "other".into(),
            notification_id: 7,
        })
        .await
        .unwrap();
    assert_eq!(recorder.max_tracking_id("other").await.unwrap(), Some(7));
    assert_eq!(recorder.max_tracking_id("upstream").await.unwrap(), Some(4));

    // A follower's batch: one position per notification it processed, with the events.
    recorder
        .insert_events_with_tracking(
            &[stored(id, 3, "t:A")],
            &[tracking(5), tracking(6), tracking(9)],
        )
        .await
        .unwrap();
    assert_eq!(recorder.max_tracking_id("upstream").await.unwrap(), Some(9));
    for n in [5, 6, 9] {
        let err = recorder.insert_tracking(&tracking(n)).await.unwrap_err();
        assert!(
            matches!(err, PersistenceError::TrackingConflict { .. }),
            "{n}: {err:?}"
        );
    }
    assert_eq!(
        versions(&recorder.select_events(id, EventQuery::new()).await.unwrap()),
        [1, 2, 3]
    );
}

/// Recording a position twice fails, and the events of that batch are not recorded.
pub async fn tracking_conflict_records_nothing(factory: &impl RecorderFactory) {
    let recorder = factory.process_recorder().await;
    let id = Uuid::new_v4();
    let tracking = Tracking {
        application_name: "upstream".into(),
        notification_id: 5,
    };
    recorder
        .insert_events_with_tracking(&[stored(id, 1, "t:A")], std::slice::from_ref(&tracking))
        .await
        .unwrap();
    let max_before = recorder.max_notification_id().await.unwrap();
    let err = recorder
        .insert_events_with_tracking(&[stored(id, 2, "t:A")], std::slice::from_ref(&tracking))
        .await
        .unwrap_err();
    assert!(
        matches!(err, PersistenceError::TrackingConflict { .. }),
        "{err:?}"
    );
    assert_eq!(
        versions(&recorder.select_events(id, EventQuery::new()).await.unwrap()),
        [1]
    );
    assert_eq!(recorder.max_notification_id().await.unwrap(), max_before);
    let err = recorder.insert_tracking(&tracking).await.unwrap_err();
    assert!(
        matches!(err, PersistenceError::TrackingConflict { .. }),
        "{err:?}"
    );

    // One recorded position among several makes the whole batch fail: neither its events
    // nor the other positions are recorded.
    let position = |n| Tracking {
        application_name: "upstream".into(),
        notification_id: n,
    };
    let err = recorder
        .insert_events_with_tracking(
            &[stored(id, 2, "t:A")],
            &[position(6), position(5), position(7)],
        )
        .await
        .unwrap_err();
    assert!(
        matches!(err, PersistenceError::TrackingConflict { .. }),
        "{err:?}"
    );
    assert_eq!(recorder.max_tracking_id("upstream").await.unwrap(), Some(5));
    assert!(!recorder.has_tracking_id("upstream", 6).await.unwrap());
    assert_eq!(recorder.max_notification_id().await.unwrap(), max_before);
}

/// Two applications do not see each other's events, notifications or tracking.
pub async fn applications_are_isolated(factory: &impl RecorderFactory) {
    let one = factory.process_recorder().await;
    let two = factory.process_recorder().await;
    let id = Uuid::new_v4();
    one.insert_events(&[stored(id, 1, "t:A")]).await.unwrap();
    // The same aggregate id and version in another application is no conflict.
    two.insert_events(&[stored(id, 1, "t:A")]).await.unwrap();
    one.insert_tracking(&Tracking {
        application_name: "up".into(),
        notification_id: 3,
    })
    .await
    .unwrap();
    assert_eq!(
        one.select_events(id, EventQuery::new())
            .await
            .unwrap()
            .len(),
        1
    );
    assert_eq!(
        two.select_notifications(&NotificationQuery::new(None, 10))
            .await
            .unwrap()
            .len(),
        1
    );
    assert_eq!(two.max_tracking_id("up").await.unwrap(), None);
}

/// Arbitrary bytes (not UTF-8, zero bytes, long) are returned exactly.
pub async fn event_state_round_trips_exactly(factory: &impl RecorderFactory) {
    let recorder = factory.process_recorder().await;
    let id = Uuid::new_v4();
    let state: Vec<u8> = (0..70_000u32).map(|i| (i % 251) as u8).collect();
    let event = StoredEvent {
        originator_id: id,
        originator_version: 1,
        topic: "ünïcode:Topic.Ωmega".into(),
        state,
    };
    recorder
        .insert_events(std::slice::from_ref(&event))
        .await
        .unwrap();
    assert_eq!(
        recorder.select_events(id, EventQuery::new()).await.unwrap(),
        vec![event.clone()]
    );
    let notifications = recorder
        .select_notifications(&NotificationQuery::new(None, 1))
        .await
        .unwrap();
    assert_eq!(notifications[0].event, event);
}

/// `visit_events` hands over, in order, exactly the events `select_events` returns for the same
/// query (binary states, non-ASCII topics), and stops when the visitor breaks.
pub async fn visited_events_are_the_selected_events(factory: &impl RecorderFactory) {
    let recorder = factory.process_recorder().await;
    let id = Uuid::new_v4();
    let events: Vec<StoredEvent> = (1..=5u64)
        .map(|version| StoredEvent {
            originator_id: id,
            originator_version: version,
            topic: format!("ünïcode:Topic{version}.Ωmega"),
            state: (0..300 * version).map(|i| (i % 256) as u8).collect(),
        })
        .collect();
    recorder.insert_events(&events).await.unwrap();
    let visit = |query: EventQuery, stop_after: usize| {
        let recorder = recorder.clone();
        async move {
            let mut seen = Vec::new();
            let mut visitor = |event: StoredEventRef<'_>| {
                seen.push(event.to_owned_event());
                if seen.len() == stop_after {
                    ControlFlow::Break(())
                } else {
                    ControlFlow::Continue(())
                }
            };
            recorder
                .visit_events(id, query, &mut visitor)
                .await
                .unwrap();
            seen
        }
    };
    for query in [
        EventQuery::new(),
        EventQuery::new().gt(2),
        EventQuery::new().lte(3).desc(),
        EventQuery::new().gt(1).limit(2),
        EventQuery::new().gt(u64::MAX),
    ] {
        let selected = recorder.select_events(id, query).await.unwrap();
        assert_eq!(visit(query, usize::MAX).await, selected);
    }
    assert_eq!(visit(EventQuery::new(), 2).await, events[..2].to_vec());
    assert!(
        recorder
            .visit_events(Uuid::new_v4(), EventQuery::new(), &mut |_| {
                panic!("an unknown aggregate has no events")
            })
            .await
            .is_ok()
    );
}

/// What a [`SnapshotLoader`] handed over, in order; breaks at the
/// snapshot when `stop_at_snapshot`, and after `stop_after` events.
struct LoadRecord {
    snapshot: Option<Option<StoredEvent>>,
    /// What the loader said of the snapshot's event.
    recorded: Option<bool>,
    events: Vec<StoredEvent>,
    stop_at_snapshot: bool,
    stop_after: usize,
}

impl LoadRecord {
    fn new(stop_at_snapshot: bool, stop_after: usize) -> Self {
        Self {
            snapshot: None,
            recorded: None,
            events: Vec::new(),
            stop_at_snapshot,
            stop_after,
        }
    }
}

impl LoadVisitor for LoadRecord {
    fn snapshot(&mut self, snapshot: Option<StoredEventRef<'_>>) -> ControlFlow<()> {
        assert!(self.snapshot.is_none(), "the snapshot is handed over once");
        assert!(
            self.events.is_empty(),
            "the snapshot comes before the events"
        );
        self.snapshot = Some(snapshot.map(|s| s.to_owned_event()));
        if self.stop_at_snapshot {
            ControlFlow::Break(())
        } else {
            ControlFlow::Continue(())
        }
    }

    fn snapshot_event(&mut self, recorded: bool) -> ControlFlow<()> {
        assert!(
            matches!(self.snapshot, Some(Some(_))),
            "said of a snapshot handed over"
        );
        assert!(self.recorded.is_none(), "said once");
        assert!(self.events.is_empty(), "said before the events");
        self.recorded = Some(recorded);
        ControlFlow::Continue(())
    }

    fn event(&mut self, event: StoredEventRef<'_>) -> ControlFlow<()> {
        assert!(
            self.snapshot.is_some(),
            "the snapshot comes before the events"
        );
        if matches!(self.snapshot, Some(Some(_))) {
            assert!(
                self.recorded.is_some(),
                "the snapshot's event is said of first"
            );
        }
        self.events.push(event.to_owned_event());
        if self.events.len() == self.stop_after {
            ControlFlow::Break(())
        } else {
            ControlFlow::Continue(())
        }
    }
}

/// A load with snapshots (the factory's `snapshot_loader`): the newest snapshot at or below the version
/// asked for, whether the event at its version is recorded, then the events after it up to that
/// version, in order; none of either for an
/// unknown aggregate; nothing more once the visitor breaks. The same whether the events'
/// recorder shares the snapshot recorder's connection pool or has its own (`same_store`).
pub async fn loads_visit_the_newest_snapshot_then_the_later_events(factory: &impl RecorderFactory) {
    let snapshots = factory.snapshot_recorder().await;
    let events = factory.process_recorder().await;
    let elsewhere = factory.same_store(&events).await;
    let id = Uuid::new_v4();
    let history: Vec<StoredEvent> = (1..=6).map(|v| stored(id, v, "app:Happened")).collect();
    events.insert_events(&history).await.unwrap();
    let snapshot = |version| StoredEvent {
        state: format!("{{\"snapshot\":{version}}}").into_bytes(),
        ..stored(id, version, "eventsourcing.domain:Snapshot")
    };
    for version in [2, 4] {
        snapshots.insert_events(&[snapshot(version)]).await.unwrap();
    }
    let load = |recorder: Arc<dyn ProcessRecorder>, id: Uuid, lte, visitor: LoadRecord| {
        let loader = factory.snapshot_loader(&snapshots, &recorder);
        async move {
            let mut visitor = visitor;
            loader.load(id, lte, &mut visitor).await.unwrap();
            visitor
        }
    };
    for recorder in [&events, &elsewhere] {
        for (lte, newest, after) in [
            (None, Some(4), &[5, 6][..]),
            (Some(6), Some(4), &[5, 6]),
            (Some(5), Some(4), &[5]),
            (Some(4), Some(4), &[]),
            (Some(3), Some(2), &[3]),
            (Some(1), None, &[1]),
            (Some(0), None, &[]),
        ] {
            let seen = load(recorder.clone(), id, lte, LoadRecord::new(false, 0)).await;
            assert_eq!(seen.snapshot, Some(newest.map(snapshot)), "lte {lte:?}");
            let expected: Vec<StoredEvent> = after
                .iter()
                .map(|&v| history[v as usize - 1].clone())
                .collect();
            assert_eq!(seen.events, expected, "lte {lte:?}");
        }
        let unknown = load(
            recorder.clone(),
            Uuid::new_v4(),
            None,
            LoadRecord::new(false, 0),
        )
        .await;
        assert_eq!(unknown.snapshot, Some(None));
        assert!(unknown.events.is_empty());
        let stopped = load(recorder.clone(), id, None, LoadRecord::new(true, 0)).await;
        assert_eq!(stopped.snapshot, Some(Some(snapshot(4))));
        assert!(stopped.events.is_empty(), "{:?}", stopped.events);
        let stopped = load(recorder.clone(), id, Some(3), LoadRecord::new(false, 1)).await;
        assert_eq!(stopped.events, history[2..3]);
        let stopped = load(recorder.clone(), id, None, LoadRecord::new(false, 1)).await;
        assert_eq!(stopped.events, history[4..5]);

        // A snapshot beyond the events (version 9 of an aggregate of 6) is said to have no
        // recorded event; below it, one of an event that is recorded is said to have it.
        let beyond_id = Uuid::new_v4();
        let beyond_history: Vec<StoredEvent> = (1..=6)
            .map(|v| stored(beyond_id, v, "app:Happened"))
            .collect();
        recorder.insert_events(&beyond_history).await.unwrap();
        let beyond_snapshot = StoredEvent {
            originator_id: beyond_id,
            ..snapshot(9)
        };
        snapshots
            .insert_events(std::slice::from_ref(&beyond_snapshot))
            .await
            .unwrap();
        let beyond = load(recorder.clone(), beyond_id, None, LoadRecord::new(false, 0)).await;
        assert_eq!(beyond.snapshot, Some(Some(beyond_snapshot)));
        assert_eq!(beyond.recorded, Some(false));
        assert!(beyond.events.is_empty(), "{:?}", beyond.events);
        let below = load(
            recorder.clone(),
            beyond_id,
            Some(8),
            LoadRecord::new(false, 0),
        )
        .await;
        assert_eq!(below.snapshot, Some(None));
        assert_eq!(below.recorded, None);
        assert_eq!(below.events, beyond_history);
    }
}

/// Two writers insert a large batch each at the same time: each batch's notification ids are
/// contiguous, one batch entirely before the other (Python's non-interleaving test).
pub async fn concurrent_writers_do_not_interleave(factory: &impl RecorderFactory) {
    let recorder = factory.process_recorder().await;
    let other = factory.same_store(&recorder).await;
    let size = factory.interleaving_batch_size();
    let batch = |id: Uuid| -> Vec<StoredEvent> {
        (1..=size as u64)
            .map(|v| stored(id, v, "t:Interleave"))
            .collect()
    };
    let (a, b) = (batch(Uuid::new_v4()), batch(Uuid::new_v4()));
    let writer_a = tokio::spawn(async move { recorder.insert_events(&a).await });
    let writer_b = tokio::spawn(async move { other.insert_events(&b).await });
    let ids_a = writer_a.await.unwrap().unwrap();
    let ids_b = writer_b.await.unwrap().unwrap();
    assert_eq!(ids_a.len(), size);
    assert_eq!(ids_b.len(), size);
    assert_not_interleaved(vec![ids_a, ids_b]);
}

/// Each batch's ids increase, and no two batches interleave.
fn assert_not_interleaved(mut batches: Vec<Vec<u64>>) {
    for ids in &batches {
        assert!(
            ids.windows(2).all(|w| w[0] < w[1]),
            "ids out of order: {ids:?}"
        );
    }
    batches.sort();
    for pair in batches.windows(2) {
        let (first, second) = (&pair[0], &pair[1]);
        assert!(
            first.last() < second.first(),
            "notification ids interleave: {:?}..{:?} and {:?}..{:?}",
            first.first(),
            first.last(),
            second.first(),
            second.last()
        );
    }
}

/// Several writers and readers at once: no errors, and a reader that follows `id > last_seen`
/// sees every notification exactly once, in order.
pub async fn concurrent_writers_and_readers_lose_nothing(factory: &impl RecorderFactory) {
    const WRITERS: usize = 6;
    const SAVES: u64 = 25;
    const EVENTS_PER_SAVE: u64 = 4;
    let recorder = factory.process_recorder().await;
    let mut writers = Vec::new();
    for _ in 0..WRITERS {
        let recorder = factory.same_store(&recorder).await;
        writers.push(tokio::spawn(async move {
            let id = Uuid::new_v4();
            let mut ids = Vec::new();
            for save in 0..SAVES {
                let batch: Vec<StoredEvent> = (1..=EVENTS_PER_SAVE)
                    .map(|i| stored(id, save * EVENTS_PER_SAVE + i, "t:Load"))
                    .collect();
                ids.extend(recorder.insert_events(&batch).await.unwrap());
            }
            ids
        }));
    }
    let total = WRITERS as u64 * SAVES * EVENTS_PER_SAVE;
    let mut readers = Vec::new();
    for _ in 0..2 {
        let recorder = factory.same_store(&recorder).await;
        readers.push(tokio::spawn(async move {
            let mut seen = Vec::new();
            let mut last = None;
            let deadline = tokio::time::Instant::now() + Duration::from_secs(120);
            while (seen.len() as u64) < total {
                assert!(
                    tokio::time::Instant::now() < deadline,
                    "reader stalled at {}",
                    seen.len()
                );
                let mut query = NotificationQuery::new(last, 50);
                if last.is_some() {
                    query = query.exclusive_of_start();
                }
                let page = recorder.select_notifications(&query).await.unwrap();
                if page.is_empty() {
                    tokio::time::sleep(Duration::from_millis(2)).await;
                }
                for n in page {
                    seen.push(n.id);
                    last = Some(n.id);
                }
            }
            seen
        }));
    }
    let mut written = BTreeSet::new();
    for writer in writers {
        written.extend(writer.await.unwrap());
    }
    assert_eq!(written.len() as u64, total);
    for reader in readers {
        let seen = reader.await.unwrap();
        assert!(
            seen.windows(2).all(|w| w[0] < w[1]),
            "reader saw ids out of order"
        );
        let seen: BTreeSet<u64> = seen.into_iter().collect();
        assert_eq!(
            seen, written,
            "a tailing reader missed or invented notifications"
        );
    }
}

/// Writers racing to save the same aggregate versions: exactly one wins each version, the
/// others get conflicts, and nothing else fails.
pub async fn concurrent_conflicting_writers(factory: &impl RecorderFactory) {
    let recorder = factory.process_recorder().await;
    let id = Uuid::new_v4();
    let mut tasks = Vec::new();
    for _ in 0..4 {
        let recorder = factory.same_store(&recorder).await;
        tasks.push(tokio::spawn(async move {
            let mut won = 0;
            for version in 1..=20 {
                match recorder
                    .insert_events(&[stored(id, version, "t:Race")])
                    .await
                {
                    Ok(_) => won += 1,
                    // A conflict names the row, even when the winner was recorded in the same
                    // group of saves.
                    Err(PersistenceError::Conflict { originator, .. }) => {
                        assert_eq!(originator, Some((id, version)));
                    }
                    Err(other) => panic!("unexpected error: {other}"),
                }
            }
            won
        }));
    }
    let mut total = 0;
    for task in tasks {
        total += task.await.unwrap();
    }
    assert_eq!(total, 20);
    assert_eq!(
        versions(&recorder.select_events(id, EventQuery::new()).await.unwrap()),
        (1..=20).collect::<Vec<_>>()
    );
}

/// Many writers make the first writes of a new application at once (on MySQL/MariaDB the
/// recorder's lock has no row to lock yet): none fails, and ids do not interleave.
pub async fn concurrent_first_writes_of_a_new_application(factory: &impl RecorderFactory) {
    const WRITERS: usize = 16;
    let recorder = factory.process_recorder().await;
    let mut tasks = Vec::new();
    for _ in 0..WRITERS {
        let recorder = factory.same_store(&recorder).await;
        tasks.push(tokio::spawn(async move {
            let id = Uuid::new_v4();
            let batch: Vec<StoredEvent> = (1..=5).map(|v| stored(id, v, "t:First")).collect();
            recorder.insert_events(&batch).await
        }));
    }
    let mut all = Vec::new();
    for task in tasks {
        let ids = task
            .await
            .unwrap()
            .unwrap_or_else(|e| panic!("a first write failed: {e}"));
        all.push(ids);
    }
    assert_not_interleaved(all);
}

/// Many saves through one recorder at once (which may record them in one transaction): a save
/// that conflicts fails alone, the others are recorded, each with consecutive ids, none
/// interleaved.
pub async fn saves_recorded_together_fail_alone(factory: &impl RecorderFactory) {
    let recorder = factory.process_recorder().await;
    let contested = Uuid::new_v4();
    let mut tasks = Vec::new();
    for i in 0..24 {
        let recorder = recorder.clone();
        tasks.push(tokio::spawn(async move {
            let id = if i % 3 == 0 {
                contested
            } else {
                Uuid::new_v4()
            };
            let batch: Vec<StoredEvent> = (1..=3).map(|v| stored(id, v, "t:Group")).collect();
            (id, recorder.insert_events(&batch).await)
        }));
    }
    let mut recorded = Vec::new();
    let mut contested_wins = 0;
    for task in tasks {
        let (id, result) = task.await.unwrap();
        match result {
            Ok(ids) => {
                assert_eq!(ids.len(), 3);
                contested_wins += usize::from(id == contested);
                recorded.push(ids);
            }
            Err(PersistenceError::Conflict { originator, .. }) => {
                assert_eq!(id, contested);
                // Named, although the winner was in the same group, committed after.
                let (originator, version) = originator.expect("the conflicting row is named");
                assert_eq!(originator, contested);
                assert!((1..=3).contains(&version), "{version}");
            }
            Err(other) => panic!("unexpected error: {other}"),
        }
    }
    assert_eq!(contested_wins, 1);
    assert_eq!(recorded.len(), 17);
    assert_not_interleaved(recorded);
    let notifications = recorder
        .select_notifications(&NotificationQuery::new(None, 1000))
        .await
        .unwrap();
    assert_eq!(notifications.len(), 17 * 3);
}

/// Saves whose callers stop waiting (their futures dropped at some point of the save, as a
/// timeout or a cancelled request does) are recorded whole or not at all, never block the
/// saves after them, and leave ids that do not interleave.
pub async fn abandoned_saves_are_all_or_nothing(factory: &impl RecorderFactory) {
    let recorder = factory.process_recorder().await;
    let mut tasks = Vec::new();
    for i in 0..48u64 {
        let recorder = recorder.clone();
        tasks.push(tokio::spawn(async move {
            let id = Uuid::new_v4();
            let batch: Vec<StoredEvent> = (1..=3).map(|v| stored(id, v, "t:Abandoned")).collect();
            // Every fourth save is waited for; the others are abandoned after 0 to ~2 ms,
            // before, during or after their transaction.
            let save = recorder.insert_events(&batch);
            let result = if i % 4 == 0 {
                Some(save.await)
            } else {
                tokio::time::timeout(Duration::from_micros(i * 45), save)
                    .await
                    .ok()
            };
            (id, result)
        }));
    }
    let mut waited = Vec::new();
    for task in tasks {
        match task.await.unwrap() {
            (id, Some(Ok(ids))) => waited.push((id, ids)),
            (_, Some(Err(error))) => panic!("unexpected error: {error}"),
            (_, None) => {}
        }
    }
    assert!(waited.len() >= 12, "every fourth save was waited for");
    // One writer alone, abandoning its saves at points from its start to its end.
    let mut abandoned = 0;
    for i in 0..40u64 {
        let id = Uuid::new_v4();
        let batch: Vec<StoredEvent> = (1..=3).map(|v| stored(id, v, "t:Abandoned")).collect();
        let save = recorder.insert_events(&batch);
        // Odd rounds give up after a time (timers tick in milliseconds), even ones after a
        // number of polls (finer: a save in memory SQLite takes less than a tick).
        let result = if i % 2 == 1 {
            tokio::time::timeout(Duration::from_micros(i * i * 4), save)
                .await
                .ok()
        } else {
            poll_at_most(save, i * 2).await
        };
        match result {
            Some(result) => waited.push((id, result.unwrap())),
            None => abandoned += 1,
        }
    }
    if factory.saves_take_time() {
        assert!(abandoned > 0, "some saves were abandoned");
    }
    // The queue still moves.
    let after = Uuid::new_v4();
    let last = tokio::time::timeout(
        Duration::from_secs(60),
        recorder.insert_events(&[stored(after, 1, "t:Abandoned")]),
    )
    .await
    .expect("a save after abandoned ones is not blocked")
    .unwrap();
    let notifications = recorder
        .select_notifications(&NotificationQuery::new(None, 1000))
        .await
        .unwrap();
    let mut by_originator = by_originator(&notifications, |n| n.id);
    for (id, ids) in &waited {
        assert_eq!(
            by_originator.get(id),
            Some(ids),
            "a save that answered is stored"
        );
    }
    assert_eq!(by_originator.remove(&after), Some(last));
    for ids in by_originator.values() {
        assert_eq!(ids.len(), 3, "a save is stored whole or not at all");
    }
    assert_not_interleaved(by_originator.into_values().collect());
}

/// `what` of each notification, grouped by originator, in id order.
fn by_originator(
    notifications: &[Notification],
    what: impl Fn(&Notification) -> u64,
) -> BTreeMap<Uuid, Vec<u64>> {
    let mut grouped: BTreeMap<Uuid, Vec<u64>> = BTreeMap::new();
    for n in notifications {
        grouped.entry(n.originator_id).or_default().push(what(n));
    }
    grouped
}

/// Polls `future` at most `polls` times, yielding to the runtime in between; `None` (and the
/// future dropped) when it was not done by then.
async fn poll_at_most<F: Future>(future: F, polls: u64) -> Option<F::Output> {
    let mut future = std::pin::pin!(future);
    for _ in 0..polls {
        let poll = std::future::poll_fn(|cx| std::task::Poll::Ready(future.as_mut().poll(cx)));
        if let std::task::Poll::Ready(output) = poll.await {
            return Some(output);
        }
        tokio::task::yield_now().await;
    }
    None
}

/// Saves at the sizes where a recorder's `INSERT` changes form (on SQLite, one row against a
/// list of rows; the cached statements end at 128 rows; a save of over 1,000 rows takes two
/// statements), of one aggregate or several, keep every row's originator, version, topic and
/// state, in order, with increasing notification ids.
pub async fn large_saves_are_recorded_whole(factory: &impl RecorderFactory) {
    let recorder = factory.process_recorder().await;
    for (rows, originators) in [
        (1, 1),
        (2, 1),
        (2, 2),
        (128, 1),
        (129, 2),
        (1001, 1),
        (1001, 3),
    ] {
        let ids: Vec<Uuid> = (0..originators).map(|_| Uuid::new_v4()).collect();
        // Row i is of originator i % originators, at version i / originators + 1.
        let batch: Vec<StoredEvent> = (0..rows)
            .map(|i| StoredEvent {
                originator_id: ids[i % originators],
                originator_version: (i / originators + 1) as u64,
                topic: format!("t:Row{i}"),
                state: format!("{{\"row\":{i}}}").into_bytes(),
            })
            .collect();
        let notification_ids = recorder.insert_events(&batch).await.unwrap();
        assert_eq!(notification_ids.len(), rows, "{rows} rows");
        assert!(
            notification_ids.windows(2).all(|w| w[0] < w[1]),
            "{rows} rows: {notification_ids:?}"
        );
        for id in &ids {
            let expected: Vec<&StoredEvent> =
                batch.iter().filter(|e| e.originator_id == *id).collect();
            let found = recorder
                .select_events(*id, EventQuery::new())
                .await
                .unwrap();
            assert_eq!(
                found.iter().collect::<Vec<_>>(),
                expected,
                "{rows} rows, {originators} originators"
            );
        }
        let notifications = recorder
            .select_notifications(&NotificationQuery::new(
                notification_ids.first().copied(),
                rows as u64,
            ))
            .await
            .unwrap();
        assert_eq!(
            notifications.iter().map(|n| n.id).collect::<Vec<_>>(),
            notification_ids
        );
        assert!(
            notifications.iter().map(|n| &n.event).eq(batch.iter()),
            "{rows} rows, {originators} originators: the log holds the rows in save order"
        );
    }
}

/// Many saves at once, of different sizes, through clones of one recorder and through other
/// recorders on the same store (which may record their rows together): each save gets back
/// exactly the ids its rows were stored under, in version order, none interleaved.
pub async fn saves_recorded_together_get_their_own_ids(factory: &impl RecorderFactory) {
    let recorder = factory.process_recorder().await;
    let other = factory.same_store(&recorder).await;
    let start = Arc::new(tokio::sync::Barrier::new(64));
    let mut tasks = Vec::new();
    for i in 0..64u64 {
        let recorder = if i % 2 == 0 {
            recorder.clone()
        } else {
            other.clone()
        };
        let start = start.clone();
        tasks.push(tokio::spawn(async move {
            let id = Uuid::new_v4();
            let batch: Vec<StoredEvent> = (1..=1 + i % 4)
                .map(|v| stored(id, v, "t:Together"))
                .collect();
            start.wait().await;
            (id, recorder.insert_events(&batch).await.unwrap())
        }));
    }
    let mut returned = BTreeMap::new();
    for task in tasks {
        let (id, ids) = task.await.unwrap();
        returned.insert(id, ids);
    }
    let notifications = recorder
        .select_notifications(&NotificationQuery::new(None, 1000))
        .await
        .unwrap();
    assert_eq!(
        by_originator(&notifications, |n| n.id),
        returned,
        "each save got its own rows' ids"
    );
    for (id, versions) in &by_originator(&notifications, |n| n.originator_version) {
        let count = returned[id].len() as u64;
        assert_eq!(
            versions,
            &(1..=count).collect::<Vec<_>>(),
            "ids follow versions"
        );
    }
    assert_not_interleaved(returned.into_values().collect());
}
