//! The application layer over the in-memory recorders: saving, loading, conflicts, snapshots,
//! the aggregate cache, the notification log and settings.

use std::sync::Arc;

use eventsourcing_seaorm::application::{Application, ApplicationError};
use eventsourcing_seaorm::domain::{Aggregate, DomainError, Map, Value};
use eventsourcing_seaorm::memory::InMemoryRecorder;
use eventsourcing_seaorm::persistence::{
    AesCipher, AggregateRecorder, EventQuery, PersistenceError, RowRef, StoredEvent, Tracking,
};
use eventsourcing_seaorm::{aggregate, event};
use eventsourcing_seaorm_tests::world::World;
use uuid::Uuid;

#[derive(Debug, thiserror::Error)]
#[error("nothing to undo")]
struct NothingToUndo;

#[aggregate(topic_module = "tests")]
#[derive(Debug)]
struct Counter {
    count: i64,
}

#[aggregate]
impl Counter {
    #[event("Started")]
    fn start(count: i64) -> Self {
        Self { count }
    }

    #[event]
    fn increment(&mut self) {
        self.count += 1;
    }

    #[event]
    fn decrement(&mut self) -> Result<(), NothingToUndo> {
        if self.count == 0 {
            return Err(NothingToUndo);
        }
        self.count -= 1;
        Ok(())
    }
}

const NO_ENV: [(&str, &str); 0] = [];

async fn app(name: &str) -> Application {
    Application::builder(name)
        .environment(NO_ENV)
        .snapshotting(true)
        .build()
        .await
        .unwrap()
}

/// A `World` event row at `version` whose state is not JSON: the mapper cannot read it.
fn unmappable(originator_id: Uuid, version: u64) -> StoredEvent {
    StoredEvent {
        originator_id,
        originator_version: version,
        topic: "interop_domain:World.SomethingHappened".into(),
        state: b"not json".to_vec(),
    }
}

/// The row a mapping error names; panics at any other error.
fn unmapped_row(err: &ApplicationError) -> &RowRef {
    let ApplicationError::Mapper(mapper_error) = err else {
        panic!("{err:?}")
    };
    &mapper_error.row
}

type Recorders = (Arc<InMemoryRecorder>, Arc<InMemoryRecorder>);

fn shared_recorders() -> Recorders {
    (
        Arc::new(InMemoryRecorder::new("Shared")),
        Arc::new(InMemoryRecorder::new("Shared")),
    )
}

async fn app_on(recorders: &Recorders, settings: &[(&str, &str)]) -> Application {
    Application::builder("Shared")
        .environment(NO_ENV)
        .settings(settings.iter().copied())
        .snapshotting(true)
        .recorders(recorders.0.clone(), Some(recorders.1.clone()))
        .build()
        .await
        .unwrap()
}

async fn snapshot_versions(app: &Application, id: Uuid) -> Vec<u64> {
    app.snapshots()
        .unwrap()
        .recorder()
        .select_events(id, EventQuery::new())
        .await
        .unwrap()
        .iter()
        .map(|s| s.originator_version)
        .collect()
}

#[tokio::test]
async fn save_and_get() {
    let app = app("Worlds").await;
    let mut world = World::create();
    world.make_it_so("dinosaurs".into());
    let recordings = app.save(&mut world).await.unwrap();
    assert_eq!(recordings.len(), 2);
    assert_eq!(recordings[0].originator_version, 1);
    assert_eq!(recordings[0].topic, "interop_domain:World.Created");
    assert!(recordings[0].notification_id < recordings[1].notification_id);
    assert!(
        world.pending_events().is_empty(),
        "save drains pending events"
    );

    let loaded: World = app.repository().get(world.id()).await.unwrap();
    assert_eq!(loaded, world);
    assert_eq!(loaded.version(), 2);
    assert_eq!(loaded.created_on(), world.created_on());
    assert_eq!(loaded.modified_on(), world.modified_on());
    assert!(app.repository().contains(world.id()).await.unwrap());
    assert!(!app.repository().contains(Uuid::new_v4()).await.unwrap());
}

#[tokio::test]
async fn get_at_version_and_not_found() {
    let app = app("Worlds").await;
    let mut world = World::create();
    for what in ["a", "b", "c"] {
        world.make_it_so(what.into());
    }
    app.save(&mut world).await.unwrap();
    let at2: World = app.repository().get_at(world.id(), 2).await.unwrap();
    assert_eq!(at2.history, ["a"]);
    assert_eq!(at2.version(), 2);

    let missing = Uuid::new_v4();
    let err = app.repository().get::<World>(missing).await.unwrap_err();
    assert!(
        matches!(err, ApplicationError::AggregateNotFound { aggregate_id, version: None, .. } if aggregate_id == missing),
        "{err:?}"
    );
    assert!(err.to_string().contains("Worlds"), "{err}");
}

#[tokio::test]
async fn concurrent_versions_conflict_and_record_nothing() {
    let app = app("Worlds").await;
    let mut world = World::create();
    app.save(&mut world).await.unwrap();

    let mut first: World = app.repository().get(world.id()).await.unwrap();
    let mut second: World = app.repository().get(world.id()).await.unwrap();
    first.make_it_so("first".into());
    second.make_it_so("second".into());
    app.save(&mut first).await.unwrap();

    // The second writer's save conflicts; an innocent aggregate in the same save is not
    // recorded either.
    let mut innocent = World::create();
    let max_before = app.recorder().max_notification_id().await.unwrap();
    let err = app.save((&mut innocent, &mut second)).await.unwrap_err();
    assert!(err.is_conflict(), "{err:?}");
    assert!(matches!(
        err,
        ApplicationError::Persistence(PersistenceError::Conflict { originator: Some((id, 2)), .. }) if id == world.id()
    ));
    assert_eq!(
        app.recorder().max_notification_id().await.unwrap(),
        max_before
    );
    assert!(!app.repository().contains(innocent.id()).await.unwrap());
    // A failed save leaves the pending events in place.
    assert_eq!(second.pending_events().len(), 1);
    assert_eq!(innocent.pending_events().len(), 1);

    let current: World = app.repository().get(world.id()).await.unwrap();
    assert_eq!(current.history, ["first"]);
}

#[tokio::test]
async fn failed_command_records_nothing() {
    let app = app("Counters").await;
    let mut counter = Counter::start(0);
    assert!(counter.decrement().is_err());
    assert_eq!(counter.version(), 1);
    assert_eq!(counter.pending_events().len(), 1);
    counter.increment();
    counter.decrement().unwrap();
    app.save(&mut counter).await.unwrap();
    let loaded: Counter = app.repository().get(counter.id()).await.unwrap();
    assert_eq!(loaded.count, 0);
    assert_eq!(loaded.version(), 3);
}

#[tokio::test]
async fn several_aggregates_and_bare_events_in_one_save() {
    let app = app("Worlds").await;
    let mut a = World::create();
    let mut b = World::create();
    let mut counters = [Counter::start(1), Counter::start(2)];
    let recordings = app
        .save((&mut a, &mut b, counters.iter_mut().collect::<Vec<_>>()))
        .await
        .unwrap();
    assert_eq!(recordings.len(), 4);
    let ids: Vec<u64> = recordings.iter().map(|r| r.notification_id).collect();
    assert!(
        ids.windows(2).all(|w| w[1] == w[0] + 1),
        "one batch, consecutive ids: {ids:?}"
    );
    assert!(counters.iter().all(|c| c.pending_events().is_empty()));
    // A Vec (or slice) of aggregates.
    let mut more = vec![Counter::start(3), Counter::start(4)];
    assert_eq!(app.save(&mut more).await.unwrap().len(), 2);
    more.iter_mut().for_each(Counter::increment);
    assert_eq!(app.save(&mut more[..]).await.unwrap().len(), 2);
    let loaded: Counter = app.repository().get(more[1].id()).await.unwrap();
    assert_eq!((loaded.count, loaded.version()), (5, 2));

    // A bare event (here: the next event of `a`, built by its method on a copy).
    let mut next = a.clone();
    next.make_it_so("bare".into());
    let event = next.collect_events().remove(0);
    app.save(event).await.unwrap();
    let loaded: World = app.repository().get(a.id()).await.unwrap();
    assert_eq!(loaded.history, ["bare"]);
}

#[tokio::test]
async fn snapshot_then_later_events() {
    let app = app("Worlds").await;
    let mut world = World::create();
    world.make_it_so("a".into());
    world.make_it_so("b".into());
    app.save(&mut world).await.unwrap();
    app.take_snapshot::<World>(world.id(), None).await.unwrap();
    app.take_snapshot::<World>(world.id(), Some(2))
        .await
        .unwrap();
    assert_eq!(snapshot_versions(&app, world.id()).await, [2, 3]);
    let snapshots = app
        .snapshots()
        .unwrap()
        .recorder()
        .select_events(world.id(), EventQuery::new())
        .await
        .unwrap();
    assert!(
        snapshots
            .iter()
            .all(|s| s.topic == "eventsourcing.domain:Snapshot")
    );

    // Later events are applied on top of the newest snapshot.
    world.make_it_so("c".into());
    app.save(&mut world).await.unwrap();
    let loaded: World = app.repository().get(world.id()).await.unwrap();
    assert_eq!(loaded, world);
    // Historical versions use the newest snapshot at or below them.
    let at2: World = app.repository().get_at(world.id(), 2).await.unwrap();
    assert_eq!(at2.history, ["a"]);

    // The snapshot is really used: an application whose store holds only the snapshots and
    // the events from version 3 (the newest snapshot's) on still rebuilds the whole state.
    let events_after = app
        .events()
        .recorder()
        .select_events(world.id(), EventQuery::new().gt(2))
        .await
        .unwrap();
    let events_only_after = Arc::new(InMemoryRecorder::new("Worlds"));
    events_only_after
        .insert_events(&events_after)
        .await
        .unwrap();
    let snapshot_recorder = Arc::new(InMemoryRecorder::new("Worlds"));
    snapshot_recorder.insert_events(&snapshots).await.unwrap();
    let partial = Application::builder("Worlds")
        .environment(NO_ENV)
        .snapshotting(true)
        .recorders(events_only_after, Some(snapshot_recorder))
        .build()
        .await
        .unwrap();
    let from_snapshot: World = partial.repository().get(world.id()).await.unwrap();
    assert_eq!(from_snapshot.history, ["a", "b", "c"]);
    assert_eq!(from_snapshot.version(), 4);
    assert_eq!(from_snapshot.created_on(), world.created_on());
}

#[tokio::test]
async fn snapshotting_intervals_take_snapshots_automatically() {
    let app = Application::builder("Worlds")
        .environment(NO_ENV)
        .snapshotting_interval::<World>(2)
        .build()
        .await
        .unwrap();
    assert!(app.is_snapshotting_enabled());
    let mut world = World::create();
    app.save(&mut world).await.unwrap();
    world.make_it_so("a".into()); // version 2: snapshot of the aggregate as saved
    app.save(&mut world).await.unwrap();
    world.make_it_so("b".into()); // 3
    world.make_it_so("c".into()); // 4: a snapshot in the middle of a save...
    world.make_it_so("d".into()); // 5
    app.save(&mut world).await.unwrap();
    assert_eq!(snapshot_versions(&app, world.id()).await, [2, 4]);
    // ...holds the state at version 4.
    let at4: World = app.repository().get_at(world.id(), 4).await.unwrap();
    assert_eq!(at4.history, ["a", "b", "c"]);
    // Other aggregate types have no interval.
    let mut counter = Counter::start(0);
    counter.increment();
    app.save(&mut counter).await.unwrap();
    assert!(snapshot_versions(&app, counter.id()).await.is_empty());
}

#[tokio::test]
async fn snapshots_need_snapshotting_enabled() {
    let app = Application::builder("NoSnapshots")
        .environment(NO_ENV)
        .build()
        .await
        .unwrap();
    assert!(!app.is_snapshotting_enabled());
    let mut world = World::create();
    app.save(&mut world).await.unwrap();
    let err = app
        .take_snapshot::<World>(world.id(), None)
        .await
        .unwrap_err();
    assert!(
        matches!(err, ApplicationError::SnapshottingDisabled { .. }),
        "{err:?}"
    );
}

#[tokio::test]
async fn cache_fast_forwards_from_the_store() {
    let recorders = shared_recorders();
    let cached = app_on(&recorders, &[("AGGREGATE_CACHE_MAXSIZE", "10")]).await;
    let writer = app_on(&recorders, &[]).await;
    assert!(cached.repository().cache().is_some());

    let mut world = World::create();
    cached.save(&mut world).await.unwrap();
    let first: World = cached.repository().get(world.id()).await.unwrap();
    assert_eq!(first.version(), 1);

    // Another process writes; the cached copy is brought up to date on the next get.
    let mut elsewhere: World = writer.repository().get(world.id()).await.unwrap();
    elsewhere.make_it_so("elsewhere".into());
    writer.save(&mut elsewhere).await.unwrap();
    let second: World = cached.repository().get(world.id()).await.unwrap();
    assert_eq!(second.history, ["elsewhere"]);
    assert_eq!(second.version(), 2);

    // Gets hand out copies: changing one does not change the cache.
    let mut copy: World = cached.repository().get(world.id()).await.unwrap();
    copy.make_it_so("not saved".into());
    let again: World = cached.repository().get(world.id()).await.unwrap();
    assert_eq!(again.history, ["elsewhere"]);

    // Bringing it up to date fails part-way (a good event, then a row that cannot be
    // mapped): the get fails and the cache keeps the copy it had.
    let mut elsewhere: World = writer.repository().get(world.id()).await.unwrap();
    elsewhere.make_it_so("then".into());
    writer.save(&mut elsewhere).await.unwrap();
    let broken = unmappable(world.id(), 4);
    writer.recorder().insert_events(&[broken]).await.unwrap();
    let err = cached
        .repository()
        .get::<World>(world.id())
        .await
        .unwrap_err();
    assert!(matches!(err, ApplicationError::Mapper(_)), "{err:?}");
    let kept: World = cached
        .repository()
        .cache()
        .unwrap()
        .get(world.id())
        .unwrap();
    assert_eq!(
        (kept.version(), kept.history),
        (2, vec!["elsewhere".to_owned()])
    );
}

#[tokio::test]
async fn cache_without_fast_forward_trusts_itself() {
    let recorders = shared_recorders();
    let cached = app_on(
        &recorders,
        &[
            ("AGGREGATE_CACHE_MAXSIZE", "10"),
            ("AGGREGATE_CACHE_FASTFORWARD", "n"),
        ],
    )
    .await;
    let writer = app_on(&recorders, &[]).await;
    let mut world = World::create();
    cached.save(&mut world).await.unwrap();
    let mut elsewhere: World = writer.repository().get(world.id()).await.unwrap();
    elsewhere.make_it_so("elsewhere".into());
    writer.save(&mut elsewhere).await.unwrap();
    let stale: World = cached.repository().get(world.id()).await.unwrap();
    assert_eq!(
        stale.version(),
        1,
        "without fast-forward the cached copy is returned as is"
    );
    // Its own saves keep the cache current.
    let mut own = World::create();
    own.make_it_so("own".into());
    cached.save(&mut own).await.unwrap();
    let own_loaded: World = cached.repository().get(own.id()).await.unwrap();
    assert_eq!(own_loaded.history, ["own"]);
}

#[tokio::test]
async fn cache_evicts_least_recently_used() {
    let recorders = shared_recorders();
    let app = app_on(&recorders, &[("AGGREGATE_CACHE_MAXSIZE", "2")]).await;
    let mut worlds: Vec<World> = (0..3).map(|_| World::create()).collect();
    for world in &mut worlds {
        app.save(world).await.unwrap();
    }
    assert_eq!(app.repository().cache().unwrap().len(), 2);
    assert!(
        app.repository()
            .cache()
            .unwrap()
            .get::<World>(worlds[0].id())
            .is_none()
    );
    assert!(
        app.repository()
            .cache()
            .unwrap()
            .get::<World>(worlds[2].id())
            .is_some()
    );
}

#[tokio::test]
async fn notification_log_sections_and_reader() {
    let app = app("Worlds").await;
    let mut world = World::create();
    for i in 0..14 {
        world.make_it_so(format!("{i}"));
    }
    app.save(&mut world).await.unwrap();
    let log = app.notification_log();
    assert_eq!(log.section_size(), 10);

    let first = log.section("1,10").await.unwrap();
    assert_eq!(first.id.as_deref(), Some("1,10"));
    assert_eq!(first.items.len(), 10);
    assert_eq!(first.next_id.as_deref(), Some("11,20"));
    let second = log
        .section(first.next_id.as_deref().unwrap())
        .await
        .unwrap();
    assert_eq!(second.id.as_deref(), Some("11,15"));
    assert_eq!(second.next_id, None);
    // Asking for more than a section gives a section; ids below 1 start at 1.
    let big = log.section("-5,100").await.unwrap();
    assert_eq!(big.id.as_deref(), Some("1,10"));
    assert_eq!(log.section("3,4").await.unwrap().id.as_deref(), Some("3,4"));
    assert_eq!(log.section("16,20").await.unwrap().id, None);
    assert!(log.section("abc").await.is_err());
    let extreme = format!("1,{}", i64::MIN);
    assert_eq!(log.section(&extreme).await.unwrap().id, None);

    let created = log
        .select(1, 10, None, &["interop_domain:World.Created"])
        .await
        .unwrap();
    assert_eq!(created.len(), 1);
    assert_eq!(log.select(5, 3, Some(6), &[]).await.unwrap().len(), 2);
    let err = log.select(1, 11, None, &[]).await.unwrap_err();
    assert!(
        matches!(err, ApplicationError::NotificationLog { .. }),
        "{err:?}"
    );

    let mut reader = log.reader(3);
    let all = reader.read_to_end().await.unwrap();
    assert_eq!(all.first().map(|n| n.id), Some(3));
    assert_eq!(all.len(), 13);
    assert!(reader.next_batch().await.unwrap().is_empty());
    world.make_it_so("later".into());
    app.save(&mut world).await.unwrap();
    let later = reader.next_batch().await.unwrap();
    assert_eq!(later.iter().map(|n| n.id).collect::<Vec<_>>(), [16]);
}

#[tokio::test]
async fn save_with_tracking_records_the_position() {
    let app = app("Follower").await;
    let mut world = World::create();
    let tracking = Tracking {
        application_name: "Leader".into(),
        notification_id: 7,
    };
    app.save_with_tracking(&mut world, Some(&tracking))
        .await
        .unwrap();
    assert_eq!(
        app.recorder().max_tracking_id("Leader").await.unwrap(),
        Some(7)
    );
    let mut again = World::create();
    let err = app
        .save_with_tracking(&mut again, Some(&tracking))
        .await
        .unwrap_err();
    assert!(matches!(
        err,
        ApplicationError::Persistence(PersistenceError::TrackingConflict { .. })
    ));
    assert!(!app.repository().contains(again.id()).await.unwrap());
}

/// Version 1 of an event recorded by an older program, read by this one through an upcaster.
#[aggregate(topic_module = "tests")]
#[derive(Debug)]
struct Profile {
    email: Option<String>,
    verified: bool,
}

#[aggregate]
impl Profile {
    #[event("Registered")]
    fn register() -> Self {
        Self {
            email: None,
            verified: false,
        }
    }

    #[event(name = "EmailChanged", version = 2, upcast(Self::email_changed_v1_v2))]
    fn change_email(&mut self, email: String, verified: bool) {
        self.email = Some(email);
        self.verified = verified;
    }

    fn email_changed_v1_v2(state: &mut Map) {
        state.insert("verified", false);
    }
}

#[tokio::test]
async fn old_events_are_upcast_on_load() {
    let app = app("Profiles").await;
    let mut profile = Profile::register();
    app.save(&mut profile).await.unwrap();
    // Write a version 1 EmailChanged event (no `verified`, no `class_version`) directly.
    let mut state = Map::new();
    state.insert("timestamp", chrono::Utc::now());
    state.insert("email", "old@example.com");
    let v1 = StoredEvent {
        originator_id: profile.id(),
        originator_version: 2,
        topic: "tests:Profile.EmailChanged".into(),
        state: app.mapper().encode_state(&state).unwrap(),
    };
    app.recorder().insert_events(&[v1]).await.unwrap();
    let mut loaded: Profile = app.repository().get(profile.id()).await.unwrap();
    assert_eq!(loaded.email.as_deref(), Some("old@example.com"));
    assert!(!loaded.verified);

    // New events are written at class version 2.
    loaded.change_email("new@example.com".into(), true);
    app.save(&mut loaded).await.unwrap();
    let rows = app
        .recorder()
        .select_events(profile.id(), EventQuery::new().gt(2))
        .await
        .unwrap();
    let decoded = app.mapper().decode_state(&rows[0].state).unwrap();
    assert_eq!(decoded.get("class_version"), Some(&Value::Int(2)));
    assert_eq!(
        decoded.keys().map(String::as_str).collect::<Vec<_>>(),
        ["timestamp", "email", "verified", "class_version"]
    );
}

#[tokio::test]
async fn unreadable_rows_are_typed_errors_naming_the_row() {
    let app = app("Worlds").await;
    let id = Uuid::new_v4();
    let mut state = Map::new();
    state.insert("timestamp", chrono::Utc::now());
    state.insert("originator_topic", "interop_domain:World");
    let created = StoredEvent {
        originator_id: id,
        originator_version: 1,
        topic: "interop_domain:World.Created".into(),
        state: app.mapper().encode_state(&state).unwrap(),
    };
    let unknown = StoredEvent {
        originator_id: id,
        originator_version: 2,
        topic: "interop_domain:World.Vanished".into(),
        state: app.mapper().encode_state(&state).unwrap(),
    };
    app.recorder()
        .insert_events(&[created, unknown])
        .await
        .unwrap();
    let err = app.repository().get::<World>(id).await.unwrap_err();
    let row = unmapped_row(&err);
    assert_eq!(row.originator_version, 2);
    assert_eq!(row.topic, "interop_domain:World.Vanished");
    assert!(err.to_string().contains("Worlds"), "{err}");
    assert!(err.to_string().contains(&id.to_string()), "{err}");

    // A row that is not JSON at all.
    let other = Uuid::new_v4();
    let garbage = StoredEvent {
        originator_id: other,
        originator_version: 1,
        topic: "interop_domain:World.Created".into(),
        state: b"\x00\xffnot json".to_vec(),
    };
    app.recorder().insert_events(&[garbage]).await.unwrap();
    let err = app.repository().get::<World>(other).await.unwrap_err();
    assert!(matches!(err, ApplicationError::Mapper(_)), "{err:?}");
}

#[tokio::test]
async fn event_store_hands_over_events_in_order_and_stops_at_the_first_error() {
    let app = app("Worlds").await;
    let mut world = World::create();
    for what in ["a", "b", "c"] {
        world.make_it_so(what.into());
    }
    app.save(&mut world).await.unwrap();
    let store = app.repository().event_store();
    type WorldEvent = <World as Aggregate>::Event;

    let mut versions = Vec::new();
    store
        .for_each::<WorldEvent>(world.id(), EventQuery::new().gt(1), |event| {
            versions.push(event.originator_version);
            Ok(())
        })
        .await
        .unwrap();
    assert_eq!(versions, [2, 3, 4]);
    let all = store
        .get::<WorldEvent>(world.id(), EventQuery::new())
        .await
        .unwrap();
    assert_eq!(all.len(), 4);

    // An error from the callback ends the visit there and is returned as it is.
    let mut seen = 0;
    let err = store
        .for_each::<WorldEvent>(world.id(), EventQuery::new(), |event| {
            seen += 1;
            if event.originator_version == 2 {
                return Err(ApplicationError::AggregateNotFound {
                    application_name: "marker".into(),
                    aggregate_id: event.originator_id,
                    version: Some(2),
                });
            }
            Ok(())
        })
        .await
        .unwrap_err();
    assert_eq!(seen, 2);
    assert!(
        matches!(&err, ApplicationError::AggregateNotFound { application_name, version: Some(2), .. } if application_name == "marker"),
        "{err:?}"
    );

    // A row that cannot be mapped ends it too: the rows before it were handed over.
    let broken = unmappable(world.id(), 5);
    // A good row after it is never handed over.
    let mut after = world.clone();
    after.make_it_so("d".into());
    let mut sixth = after.collect_events().pop().unwrap();
    sixth.originator_version = 6;
    let sixth = app.mapper().to_stored_event(&sixth).unwrap();
    app.recorder()
        .insert_events(&[broken, sixth])
        .await
        .unwrap();
    let mut versions = Vec::new();
    let err = store
        .for_each::<WorldEvent>(world.id(), EventQuery::new(), |event| {
            versions.push(event.originator_version);
            Ok(())
        })
        .await
        .unwrap_err();
    assert_eq!(versions, [1, 2, 3, 4]);
    assert_eq!(unmapped_row(&err).originator_version, 5);
    let err = app.repository().get::<World>(world.id()).await.unwrap_err();
    assert_eq!(unmapped_row(&err).originator_version, 5);
}

#[tokio::test]
async fn events_that_do_not_fit_are_domain_errors() {
    let app = app("Worlds").await;
    let mut world = World::create();
    world.make_it_so("a".into());
    let mut events = world.collect_events();
    // Store version 1, then the second event renumbered as version 3.
    let mut third = events.remove(1);
    third.originator_version = 3;
    app.save(events).await.unwrap();
    app.save(third).await.unwrap();
    let err = app.repository().get::<World>(world.id()).await.unwrap_err();
    let ApplicationError::Domain { source, .. } = &err else {
        panic!("{err:?}")
    };
    assert!(
        matches!(
            **source,
            DomainError::VersionMismatch {
                expected: 2,
                found: 3,
                ..
            }
        ),
        "{err:?}"
    );
}

/// A `World` event at `version` that maps but does not follow version 3 in a store whose
/// aggregate is at version 3: applying it is a domain error.
fn event_at(app: &Application, world: &World, version: u64) -> StoredEvent {
    let mut later = world.clone();
    later.make_it_so("later".into());
    let mut event = later.collect_events().pop().unwrap();
    event.originator_version = version;
    app.mapper().to_stored_event(&event).unwrap()
}

#[tokio::test]
async fn loads_from_a_snapshot_fail_at_the_first_bad_row_in_version_order() {
    // The snapshot is decoded first and each event after it is then applied as it is decoded
    // (the SeaORM recorders select the events while the snapshot is decoded; this in-memory
    // recorder one after the other): whatever fails first in version order is the error.
    let app = app("Worlds").await;
    let mut world = World::create();
    world.make_it_so("a".into());
    world.make_it_so("b".into());
    app.save(&mut world).await.unwrap();
    app.take_snapshot::<World>(world.id(), None).await.unwrap();

    // Version 5 does not follow 3 (a domain error), version 6 cannot be mapped: the domain
    // error comes first.
    let gap = event_at(&app, &world, 5);
    app.recorder()
        .insert_events(&[gap, unmappable(world.id(), 6)])
        .await
        .unwrap();
    let err = app.repository().get::<World>(world.id()).await.unwrap_err();
    let ApplicationError::Domain { source, .. } = &err else {
        panic!("{err:?}")
    };
    assert!(
        matches!(
            **source,
            DomainError::VersionMismatch {
                expected: 4,
                found: 5,
                ..
            }
        ),
        "{err:?}"
    );

    // A good event, then a row that cannot be mapped: the mapping error, naming its row.
    let mut other = World::create();
    other.make_it_so("a".into());
    app.save(&mut other).await.unwrap();
    app.take_snapshot::<World>(other.id(), None).await.unwrap();
    let fits = event_at(&app, &other, 3);
    app.recorder()
        .insert_events(&[fits, unmappable(other.id(), 4)])
        .await
        .unwrap();
    let err = app.repository().get::<World>(other.id()).await.unwrap_err();
    assert_eq!(unmapped_row(&err).originator_version, 4);
    // Up to the good event it loads, from the snapshot.
    let at3: World = app.repository().get_at(other.id(), 3).await.unwrap();
    assert_eq!(
        (at3.version(), at3.history),
        (3, vec!["a".into(), "later".into()])
    );

    // A snapshot that cannot be read is passed over (with a warning): the aggregate is read
    // from its events, whose first unmappable row is the error.
    let unreadable = StoredEvent {
        topic: "eventsourcing.domain:Snapshot".into(),
        ..unmappable(other.id(), 3)
    };
    app.snapshots()
        .unwrap()
        .recorder()
        .insert_events(&[unreadable])
        .await
        .unwrap();
    let err = app.repository().get::<World>(other.id()).await.unwrap_err();
    assert_eq!(unmapped_row(&err).originator_version, 4);
    let at3: World = app.repository().get_at(other.id(), 3).await.unwrap();
    assert_eq!(
        (at3.version(), at3.history),
        (3, vec!["a".into(), "later".into()])
    );
}

async fn build_with(
    settings: &[(&'static str, &'static str)],
) -> Result<Application, ApplicationError> {
    Application::builder("Bad")
        .environment(NO_ENV)
        .settings(settings.iter().copied())
        .build()
        .await
}

fn setting_key(err: &ApplicationError) -> &str {
    match err {
        ApplicationError::Setting { key, .. } => key,
        other => panic!("not a setting error: {other:?}"),
    }
}

#[tokio::test]
async fn settings_errors_name_the_setting() {
    for (settings, key) in [
        (
            &[("IS_SNAPSHOTTING_ENABLED", "perhaps")][..],
            "IS_SNAPSHOTTING_ENABLED",
        ),
        (
            &[("BAD_PERSISTENCE_MODULE", "nosuch.module")][..],
            "BAD_PERSISTENCE_MODULE",
        ),
        (
            &[("PERSISTENCE_MODULE", "nosuch")][..],
            "PERSISTENCE_MODULE",
        ),
        (
            &[("INFRASTRUCTURE_FACTORY", "nosuch")][..],
            "INFRASTRUCTURE_FACTORY",
        ),
        (&[("COMPRESSOR_TOPIC", "lz4")][..], "COMPRESSOR_TOPIC"),
        (
            &[
                ("CIPHER_TOPIC", "rot13"),
                ("CIPHER_KEY", "AAECAwQFBgcICQoLDA0ODw=="),
            ][..],
            "CIPHER_TOPIC",
        ),
        (
            &[("AGGREGATE_CACHE_MAXSIZE", "lots")][..],
            "AGGREGATE_CACHE_MAXSIZE",
        ),
        (
            &[("AGGREGATE_CACHE_FASTFORWARD", "sometimes")][..],
            "AGGREGATE_CACHE_FASTFORWARD",
        ),
        (
            &[("CIPHER_TOPIC", "eventsourcing.cipher:AESCipher")][..],
            "CIPHER_KEY",
        ),
        (&[("CIPHER_KEY", "not base64!")][..], "CIPHER_KEY"),
        // 10 bytes: valid base64, but not an AES key length.
        (&[("CIPHER_KEY", "AAECAwQFBgcICQ==")][..], "CIPHER_KEY"),
    ] {
        let err = build_with(settings).await.unwrap_err();
        assert_eq!(setting_key(&err), key, "{err}");
        assert!(err.to_string().contains(key), "{err}");
    }
    let err = build_with(&[("CIPHER_KEY", "not base64!")])
        .await
        .unwrap_err();
    assert!(
        !err.to_string().contains("not base64!"),
        "the key must not be repeated: {err}"
    );
    let err = build_with(&[("CIPHER_KEY", "AAECAwQFBgcICQ==")])
        .await
        .unwrap_err();
    assert!(err.to_string().contains("16, 24 or 32"), "{err}");
    let err = Application::builder("Bad")
        .environment(NO_ENV)
        .section_size(0)
        .build()
        .await
        .unwrap_err();
    assert!(
        matches!(err, ApplicationError::NotificationLog { .. }),
        "{err:?}"
    );
}

#[tokio::test]
async fn compression_and_encryption_in_memory() {
    let key = AesCipher::create_key(32).unwrap();
    let app = Application::builder("Secret")
        .environment(NO_ENV)
        .settings([("COMPRESSOR_TOPIC", "zlib"), ("CIPHER_KEY", key.as_str())])
        .build()
        .await
        .unwrap();
    assert!(app.mapper().compressor().is_some());
    assert!(app.mapper().cipher().is_some());
    let mut world = World::create();
    world.make_it_so("secret history".into());
    app.save(&mut world).await.unwrap();
    let rows = app
        .recorder()
        .select_events(world.id(), EventQuery::new())
        .await
        .unwrap();
    assert!(
        !rows[1].state.windows(6).any(|w| w == b"secret"),
        "stored state is encrypted"
    );
    let loaded: World = app.repository().get(world.id()).await.unwrap();
    assert_eq!(loaded.history, ["secret history"]);

    // An application with another key cannot read it, and says which row and why.
    let other_key = AesCipher::create_key(16).unwrap();
    let wrong = Application::builder("Secret")
        .environment(NO_ENV)
        .settings([
            ("COMPRESSOR_TOPIC", "zlib"),
            ("CIPHER_KEY", other_key.as_str()),
        ])
        .recorders(app.recorder().clone(), None)
        .build()
        .await
        .unwrap();
    let err = wrong
        .repository()
        .get::<World>(world.id())
        .await
        .unwrap_err();
    assert!(matches!(err, ApplicationError::Mapper(_)), "{err:?}");
    assert!(err.to_string().contains("authentication"), "{err}");
    assert!(err.to_string().contains(&world.id().to_string()), "{err}");
}

#[tokio::test]
async fn settings_come_from_environment_with_prefix_first() {
    // An explicit environment keeps tests from sharing process state; without one, the
    // builder reads the process environment the same way.
    let app = Application::builder("Worlds")
        .environment([
            ("WORLDS_IS_SNAPSHOTTING_ENABLED", "y"),
            ("IS_SNAPSHOTTING_ENABLED", "n"),
        ])
        .build()
        .await
        .unwrap();
    assert!(app.is_snapshotting_enabled());
    let app = Application::builder("Worlds")
        .environment([("IS_SNAPSHOTTING_ENABLED", "y")])
        .setting("IS_SNAPSHOTTING_ENABLED", "n")
        .build()
        .await
        .unwrap();
    assert!(!app.is_snapshotting_enabled());
    let app = Application::builder("Worlds")
        .environment([("IS_SNAPSHOTTING_ENABLED", "n")])
        .snapshotting(true)
        .build()
        .await
        .unwrap();
    assert!(
        !app.is_snapshotting_enabled(),
        "the environment wins over defaults"
    );
}
