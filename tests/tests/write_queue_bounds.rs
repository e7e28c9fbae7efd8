//! The write queue is bounded, and abandoned saves leave it: on a SQLite file, PostgreSQL and
//! MariaDB, with the writers held up by a lock that another connection takes on the events'
//! table (as a long transaction of another process would).
//!
//! - A save whose caller stops waiting before a writer took it into a group is never recorded,
//!   and its room in the queue is free at once.
//! - A store lets at most its limit of saves wait or be recorded at once; further saves wait for
//!   room (they neither fail nor queue), and all are recorded once the database moves again.

use std::time::Duration;

use eventsourcing_seaorm::persistence::{AggregateRecorder, EventQuery};
use eventsourcing_seaorm::seaorm::{SeaOrmRecorder, SeaOrmStore};
use eventsourcing_seaorm_tests::backends::{Backend, TestDatabase};
use eventsourcing_seaorm_tests::contract::stored;
use sea_orm::{ConnectionTrait, DatabaseConnection, DatabaseTransaction, TransactionTrait};
use tokio::task::JoinSet;
use tokio::time::{sleep, timeout};
use uuid::Uuid;

const APP: &str = "Queued";

/// The store, its recorder with one event recorded (MariaDB's writers lock the application's
/// first row), and a transaction on a pool of its own that holds up every writer of the
/// events' table until it ends.
async fn held_up_store(
    db: &TestDatabase,
    limit: Option<usize>,
) -> (
    SeaOrmStore,
    SeaOrmRecorder,
    DatabaseConnection,
    DatabaseTransaction,
) {
    let mut store = db.store().await;
    if let Some(limit) = limit {
        store = store.with_write_queue_limit(limit);
    }
    let recorder = store.application_recorder(APP).expect("recorder");
    recorder
        .insert_events(&[stored(Uuid::new_v4(), 1, "t:First")])
        .await
        .expect("first event");
    let table = &db.tables.stored_events;
    let take_the_lock = match db.backend {
        Backend::Postgres => format!("LOCK TABLE {table} IN EXCLUSIVE MODE"),
        Backend::MySql => format!("SELECT id FROM {table} FOR UPDATE"),
        // Any write statement takes SQLite's one write lock.
        Backend::SqliteFile | Backend::SqliteMemory => format!("DELETE FROM {table} WHERE id < 0"),
    };
    let blocker = db.connect().await;
    let txn = blocker.begin().await.expect("begin");
    txn.execute_unprepared(&take_the_lock)
        .await
        .expect("take the lock");
    (store, recorder, blocker, txn)
}

/// Waits (at most 10 s) until `store` has `n` saves in its queue.
async fn until_queued(store: &SeaOrmStore, n: usize) {
    for _ in 0..1000 {
        if store.queued_saves() == n {
            return;
        }
        sleep(Duration::from_millis(10)).await;
    }
    panic!("{} saves queued, not {n}", store.queued_saves());
}

async fn is_recorded(recorder: &SeaOrmRecorder, id: Uuid) -> bool {
    !recorder
        .select_events(id, EventQuery::new())
        .await
        .expect("select")
        .is_empty()
}

async fn abandoned_saves_leave_the_queue_and_are_never_recorded(backend: Backend) {
    let Some(db) = TestDatabase::new(backend) else {
        return;
    };
    let (store, recorder, blocker, txn) = held_up_store(&db, None).await;
    // The first save is taken into a group at once, and waits for the lock there.
    let first = Uuid::new_v4();
    let taken = tokio::spawn({
        let recorder = recorder.clone();
        async move { recorder.insert_events(&[stored(first, 1, "t:Taken")]).await }
    });
    until_queued(&store, 1).await;
    sleep(Duration::from_millis(100)).await;
    // 200 saves queue behind it, and their callers stop waiting.
    let abandoned: Vec<Uuid> = (0..200).map(|_| Uuid::new_v4()).collect();
    let mut attempts = JoinSet::new();
    for &id in &abandoned {
        let recorder = recorder.clone();
        attempts.spawn(async move {
            let events = [stored(id, 1, "t:Abandoned")];
            let save = recorder.insert_events(&events);
            timeout(Duration::from_millis(50), save).await.is_err()
        });
    }
    for timed_out in attempts.join_all().await {
        assert!(timed_out, "{backend:?}: a held-up save finished");
    }
    assert_eq!(store.queued_saves(), 1, "{backend:?}: abandoned saves left");

    txn.rollback().await.expect("release the lock");
    taken
        .await
        .expect("task")
        .expect("the save taken into a group");
    let last = Uuid::new_v4();
    recorder
        .insert_events(&[stored(last, 1, "t:Last")])
        .await
        .expect("a save after them");
    assert!(is_recorded(&recorder, first).await);
    assert!(is_recorded(&recorder, last).await);
    for id in abandoned {
        assert!(
            !is_recorded(&recorder, id).await,
            "{backend:?}: an abandoned save was recorded"
        );
    }
    assert_eq!(store.queued_saves(), 0);
    db.drop_tables(&blocker).await;
}

async fn a_full_queue_makes_saves_wait_for_room(backend: Backend) {
    let Some(db) = TestDatabase::new(backend) else {
        return;
    };
    let (store, recorder, blocker, txn) = held_up_store(&db, Some(3)).await;
    assert_eq!(store.write_queue_limit(), 3);
    let ids: Vec<Uuid> = (0..8).map(|_| Uuid::new_v4()).collect();
    let saves: Vec<_> = ids
        .iter()
        .map(|&id| {
            let recorder = recorder.clone();
            tokio::spawn(async move { recorder.insert_events(&[stored(id, 1, "t:Waits")]).await })
        })
        .collect();
    until_queued(&store, 3).await;
    sleep(Duration::from_millis(200)).await;
    assert_eq!(store.queued_saves(), 3, "{backend:?}: beyond the limit");
    assert!(saves.iter().all(|save| !save.is_finished()), "{backend:?}");
    // A save that gives up while waiting for room was never queued.
    let gave_up = Uuid::new_v4();
    let waited = timeout(
        Duration::from_millis(50),
        recorder.insert_events(&[stored(gave_up, 1, "t:GaveUp")]),
    )
    .await;
    assert!(waited.is_err(), "{backend:?}");

    txn.rollback().await.expect("release the lock");
    for save in saves {
        save.await
            .expect("task")
            .expect("a save that waited for room");
    }
    for &id in &ids {
        assert!(is_recorded(&recorder, id).await, "{backend:?}");
    }
    assert!(!is_recorded(&recorder, gave_up).await, "{backend:?}");
    assert_eq!(store.queued_saves(), 0);
    db.drop_tables(&blocker).await;
}

#[tokio::test]
async fn sqlite_abandoned_saves_leave_the_queue_and_are_never_recorded() {
    abandoned_saves_leave_the_queue_and_are_never_recorded(Backend::SqliteFile).await;
}

#[tokio::test]
async fn postgres_abandoned_saves_leave_the_queue_and_are_never_recorded() {
    abandoned_saves_leave_the_queue_and_are_never_recorded(Backend::Postgres).await;
}

#[tokio::test]
async fn mysql_abandoned_saves_leave_the_queue_and_are_never_recorded() {
    abandoned_saves_leave_the_queue_and_are_never_recorded(Backend::MySql).await;
}

#[tokio::test]
async fn sqlite_a_full_queue_makes_saves_wait_for_room() {
    a_full_queue_makes_saves_wait_for_room(Backend::SqliteFile).await;
}

#[tokio::test]
async fn postgres_a_full_queue_makes_saves_wait_for_room() {
    a_full_queue_makes_saves_wait_for_room(Backend::Postgres).await;
}

#[tokio::test]
async fn mysql_a_full_queue_makes_saves_wait_for_room() {
    a_full_queue_makes_saves_wait_for_room(Backend::MySql).await;
}
