//! The store's reads and saves on the pool's kept connection, and loads from a snapshot on one
//! connection, on SQLite and (when `TEST_POSTGRES_URL` and `TEST_MYSQL_URL` name them) on the
//! servers.

use std::ops::ControlFlow;

use uuid::Uuid;

use super::recorder::SeaOrmRecorder;
use super::store::SeaOrmStore;
use crate::persistence::{
    AggregateRecorder, ApplicationRecorder, EventQuery, LoadVisitor, NotificationQuery,
    PersistenceError, StoredEvent, StoredEventRef,
};
use sea_orm::ConnectionTrait;

/// Counts what a load hands over.
#[derive(Default)]
struct Count {
    snapshots: usize,
    events: usize,
}

impl LoadVisitor for Count {
    fn snapshot(&mut self, snapshot: Option<StoredEventRef<'_>>) -> ControlFlow<()> {
        self.snapshots += usize::from(snapshot.is_some());
        ControlFlow::Continue(())
    }

    fn event(&mut self, _: StoredEventRef<'_>) -> ControlFlow<()> {
        self.events += 1;
        ControlFlow::Continue(())
    }
}

/// A store with its tables on a new in-memory SQLite database (a pool of its own).
async fn memory_store() -> SeaOrmStore {
    let conn = sea_orm::Database::connect("sqlite::memory:").await.unwrap();
    let store = SeaOrmStore::new(conn).await.unwrap();
    store.create_tables().await.unwrap();
    store
}

/// A load with snapshots reads both on one connection when the snapshot and event
/// recorders share a pool (one store, or its clones), and leaves recorders on two pools
/// (`elsewhere`, whose events of the same application number `elsewhere_events` after
/// the snapshot) to the default, one statement after the other.
async fn loads_take_one_connection_only_of_a_shared_pool(
    store: &SeaOrmStore,
    elsewhere: &SeaOrmStore,
    elsewhere_events: usize,
) {
    let id = Uuid::new_v4();
    let stored = |version| StoredEvent {
        originator_id: id,
        originator_version: version,
        topic: "app:Happened".into(),
        state: b"{}".to_vec(),
    };
    let events = store.application_recorder("app").unwrap();
    let history: Vec<StoredEvent> = (1..=5).map(stored).collect();
    events.insert_events(&history).await.unwrap();
    let snapshots = store.snapshot_recorder("app").unwrap();
    snapshots.insert_events(&[stored(2)]).await.unwrap();

    // One store, or its clones: one connection.
    for events in [&events, &store.clone().application_recorder("app").unwrap()] {
        let loader = snapshots.loader(events);
        assert!(
            format!("{loader:?}").starts_with("OneConnection"),
            "{loader:?}"
        );
        let mut count = Count::default();
        loader.load(id, None, &mut count).await.unwrap();
        assert_eq!((count.snapshots, count.events), (1, 3));
    }

    // Recorders on two pools load one statement after the other.
    let elsewhere = elsewhere.application_recorder("app").unwrap();
    let loader = snapshots.loader(&elsewhere);
    assert!(format!("{loader:?}").starts_with("InTurn"), "{loader:?}");
    let mut count = Count::default();
    loader.load(id, None, &mut count).await.unwrap();
    assert_eq!((count.snapshots, count.events), (1, elsewhere_events));
}

#[tokio::test]
async fn sqlite_loads_take_one_connection_only_of_a_shared_pool() {
    let (store, elsewhere) = (memory_store().await, memory_store().await);
    loads_take_one_connection_only_of_a_shared_pool(&store, &elsewhere, 0).await;
}

/// The servers' branch (rows handed over as they arrive), on PostgreSQL and MySQL/MariaDB
/// when `TEST_POSTGRES_URL` and `TEST_MYSQL_URL` name them (`.ci/run` sets both), in tables
/// of the test's own; `elsewhere` is a second pool on the same database.
#[tokio::test]
async fn server_loads_take_one_connection_only_of_a_shared_pool() {
    for (url, tables, store) in server_stores("one_conn").await {
        let elsewhere = server_store(&url, &tables).await;
        loads_take_one_connection_only_of_a_shared_pool(&store, &elsewhere, 3).await;
        drop_tables(&store, &tables).await;
    }
}

/// A store with its tables, of a name of the test's own (`name` and a random part), on each
/// server that `TEST_POSTGRES_URL` and `TEST_MYSQL_URL` name (`.ci/run` sets both), with
/// its URL and tables; a server whose variable is not set is skipped, and said so.
async fn server_stores(name: &str) -> Vec<(String, crate::seaorm::Tables, SeaOrmStore)> {
    let mut stores = Vec::new();
    for var in ["TEST_POSTGRES_URL", "TEST_MYSQL_URL"] {
        let Ok(url) = std::env::var(var) else {
            eprintln!("{var} is not set: this backend is skipped");
            continue;
        };
        let prefix = format!("{name}_{}_", &Uuid::new_v4().simple().to_string()[..12]);
        let tables = crate::seaorm::Tables::with_prefix(&prefix);
        let store = server_store(&url, &tables).await;
        store.create_tables().await.unwrap();
        stores.push((url, tables, store));
    }
    stores
}

/// A store on the server `url` names (a pool of its own), in `tables`.
async fn server_store(url: &str, tables: &crate::seaorm::Tables) -> SeaOrmStore {
    let conn = crate::seaorm::connect(url).await.unwrap();
    SeaOrmStore::with_tables(conn, tables.clone())
        .await
        .unwrap()
}

/// Drops a server test's own tables.
async fn drop_tables(store: &SeaOrmStore, tables: &crate::seaorm::Tables) {
    for table in [
        &tables.stored_events,
        &tables.snapshots,
        &tables.notification_tracking,
    ] {
        store
            .connection()
            .execute_unprepared(&format!("DROP TABLE {table}"))
            .await
            .unwrap();
    }
}

/// Waits (up to 5 s) until `store` keeps no connection.
async fn until_given_back(store: &SeaOrmStore) {
    for _ in 0..5000 {
        if !store.driver.is_keeping() {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(1)).await;
    }
    panic!("the kept connection was not given back to the pool");
}

/// How many events a load of `id` visits when the visitor answers each with `flow`.
async fn visited(events: &SeaOrmRecorder, id: Uuid, flow: ControlFlow<()>) -> usize {
    let mut seen = 0;
    let visit = &mut |_: StoredEventRef<'_>| {
        seen += 1;
        flow
    };
    events
        .visit_events(id, EventQuery::new(), visit)
        .await
        .unwrap();
    seen
}

/// Loads and notification reads keep their connection for the next one, give it back once
/// idle, and keep nothing after a load that stopped with rows unread (`streamed`: the rows
/// come as they arrive) or failed.
async fn reads_keep_their_connection_until_idle(store: &SeaOrmStore, streamed: bool) {
    let id = Uuid::new_v4();
    let events = store.application_recorder("app").unwrap();
    let history: Vec<StoredEvent> = (1..=5)
        .map(|version| StoredEvent {
            originator_id: id,
            originator_version: version,
            topic: "app:Happened".into(),
            state: b"{}".to_vec(),
        })
        .collect();
    events.insert_events(&history).await.unwrap();
    until_given_back(store).await;

    for _ in 0..3 {
        assert_eq!(visited(&events, id, ControlFlow::Continue(())).await, 5);
        assert!(store.driver.is_keeping());
    }
    let section = events
        .select_notifications(&NotificationQuery::new(None, 100))
        .await
        .unwrap();
    assert!(section.iter().any(|n| n.event.originator_id == id));
    assert!(store.driver.is_keeping());
    until_given_back(store).await;

    assert_eq!(visited(&events, id, ControlFlow::Break(())).await, 1);
    assert_eq!(store.driver.is_keeping(), !streamed);
    until_given_back(store).await;

    // A load that fails (here on tables that do not exist) keeps no connection.
    let missing = crate::seaorm::Tables::with_prefix(&format!(
        "missing_{}_",
        &Uuid::new_v4().simple().to_string()[..12]
    ));
    let other = SeaOrmStore::with_tables(store.connection().clone(), missing)
        .await
        .unwrap();
    // Stores on one pool share its kept connection.
    assert!(store.shares_pool_with(&other));
    let recorder = other.application_recorder("app").unwrap();
    let mut nothing = |_: StoredEventRef<'_>| ControlFlow::Continue(());
    let failed = recorder
        .visit_events(id, EventQuery::new(), &mut nothing)
        .await;
    assert!(failed.is_err(), "{failed:?}");
    let failed = recorder
        .select_notifications(&NotificationQuery::new(None, 10))
        .await;
    assert!(failed.is_err(), "{failed:?}");
    assert!(!other.driver.is_keeping());

    // After all that, the next load still reads every row.
    assert_eq!(visited(&events, id, ControlFlow::Continue(())).await, 5);
}

/// A SQLite file in a directory of the test's own, removed when dropped.
struct SqliteFile(std::path::PathBuf);

impl SqliteFile {
    fn new() -> Self {
        let dir = std::env::temp_dir().join(format!("es-kept-{}", Uuid::new_v4().simple()));
        std::fs::create_dir_all(&dir).unwrap();
        SqliteFile(dir)
    }

    async fn store(&self) -> SeaOrmStore {
        let url = format!("sqlite://{}", self.0.join("db.sqlite3").display());
        let conn = crate::seaorm::connect(&url).await.unwrap();
        let store = SeaOrmStore::new(conn).await.unwrap();
        store.create_tables().await.unwrap();
        store
    }
}

impl Drop for SqliteFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[tokio::test]
async fn sqlite_reads_keep_their_connection_until_idle() {
    let file = SqliteFile::new();
    reads_keep_their_connection_until_idle(&file.store().await, false).await;
}

/// Saves keep their connection too, when they committed: the next save and the next load
/// take it. A save that failed (a conflict) gives its connection back, and nothing of it is
/// recorded.
async fn saves_keep_their_connection_until_idle(store: &SeaOrmStore) {
    // Nothing kept by an earlier read: what is kept below, a save kept.
    until_given_back(store).await;
    let events = store.application_recorder("app").unwrap();
    let event = |id, version| StoredEvent {
        originator_id: id,
        originator_version: version,
        topic: "app:Happened".into(),
        state: b"{}".to_vec(),
    };
    let (first, second) = (Uuid::new_v4(), Uuid::new_v4());
    let ids = events
        .insert_events(&[event(first, 1), event(first, 2)])
        .await
        .unwrap();
    assert!(store.driver.is_keeping());
    let more = events.insert_events(&[event(second, 1)]).await.unwrap();
    assert!(store.driver.is_keeping());
    assert_eq!(more, vec![ids[1] + 1]);

    let conflict = events
        .insert_events(&[event(second, 2), event(first, 2)])
        .await;
    assert!(
        matches!(conflict, Err(PersistenceError::Conflict { .. })),
        "{conflict:?}"
    );
    // The failed save's connection went back to the pool (a connection still in a transaction
    // is never kept: `kept::tests`); what is kept now is the connection of the read that named
    // the conflicting row.
    assert!(store.driver.is_keeping());

    let last = events.insert_events(&[event(second, 2)]).await.unwrap();
    assert!(store.driver.is_keeping());
    let section = events
        .select_notifications(&NotificationQuery::new(Some(ids[0]), 100))
        .await
        .unwrap();
    let recorded: Vec<(Uuid, u64)> = section
        .iter()
        .map(|n| (n.event.originator_id, n.event.originator_version))
        .collect();
    assert_eq!(recorded, [(first, 1), (first, 2), (second, 1), (second, 2)]);
    assert_eq!(section.last().map(|n| n.id), last.first().copied());
    until_given_back(store).await;
}

#[tokio::test]
async fn sqlite_saves_keep_their_connection_until_idle() {
    let file = SqliteFile::new();
    saves_keep_their_connection_until_idle(&file.store().await).await;
}

/// A pool of one connection (SQLite in memory) keeps nothing: a writer would wait for it.
/// Stores on different pools keep their connections apart.
#[tokio::test]
async fn a_pool_of_one_keeps_no_connection() {
    let store = memory_store().await;
    assert!(!store.shares_pool_with(&memory_store().await));
    let events = store.application_recorder("app").unwrap();
    let mut nothing = |_: StoredEventRef<'_>| ControlFlow::Continue(());
    events
        .visit_events(Uuid::new_v4(), EventQuery::new(), &mut nothing)
        .await
        .unwrap();
    assert!(!store.driver.is_keeping());
}

/// A runtime that drops the task waiting to give the kept connection back lets the next
/// read start another; a store dropped after its runtime, with a connection kept, gives it
/// back without a runtime and without a panic.
#[test]
fn kept_connections_outlive_runtimes_without_harm() {
    let file = SqliteFile::new();
    let runtime = || {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
    };
    let load = |store: &SeaOrmStore| {
        let events = store.application_recorder("app").unwrap();
        async move {
            let mut nothing = |_: StoredEventRef<'_>| ControlFlow::Continue(());
            events
                .visit_events(Uuid::new_v4(), EventQuery::new(), &mut nothing)
                .await
                .unwrap();
        }
    };
    let first = runtime();
    let store = first.block_on(async {
        let store = file.store().await;
        until_given_back(&store).await;
        load(&store).await;
        store
    });
    // A current-thread runtime runs its tasks only inside `block_on`.
    assert!(store.driver.is_keeping());
    drop(first);
    assert!(store.driver.is_keeping());
    let second = runtime();
    second.block_on(async {
        load(&store).await;
        until_given_back(&store).await;
        load(&store).await;
    });
    assert!(store.driver.is_keeping());
    drop(second);
    drop(store);
}

/// The servers' reads and saves, when `TEST_POSTGRES_URL` and `TEST_MYSQL_URL` name them
/// (`.ci/run` sets both), in tables of the test's own.
#[tokio::test]
async fn server_reads_keep_their_connection_until_idle() {
    for (_, tables, store) in server_stores("kept").await {
        reads_keep_their_connection_until_idle(&store, true).await;
        saves_keep_their_connection_until_idle(&store).await;
        drop_tables(&store, &tables).await;
    }
}
