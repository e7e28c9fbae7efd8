//! Projections into read models (issue 24), on every configured backend: each event written to
//! the read model exactly once with its tracking, `wait` for one's own write, a handler that
//! fails half-way leaving nothing of its transaction, a reset and replay, and a read model in
//! another database than the events.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use eventsourcing_seaorm::application::Application;
use eventsourcing_seaorm::domain::Aggregate;
use eventsourcing_seaorm::seaorm::{SeaOrmStore, Tables, connect};
use eventsourcing_seaorm::system::{
    BoxError, Projection, ProjectionRunner, SystemError, Topics, UpstreamEvent, WaitError,
};
use eventsourcing_seaorm_tests::backends::{Backend, TempDir, TestDatabase, unique_name};
use eventsourcing_seaorm_tests::history;
use eventsourcing_seaorm_tests::world::{World, WorldEvent};
use sea_orm::sea_query::{Alias, Query};
use sea_orm::{ConnectionTrait, DatabaseTransaction, DbErr};

const NO_ENV: [(&str, &str); 0] = [];

/// The read model: one row per thing that happened, in a table of the test's own.
#[derive(Clone)]
struct WorldHistory {
    table: String,
    /// Whether it refuses to write `"boom"` (after having written the rows before it).
    picky: Arc<AtomicBool>,
    /// How many times it was cleared.
    cleared: Arc<AtomicUsize>,
}

#[derive(Debug, thiserror::Error)]
enum HistoryError {
    #[error("will not write {0:?}")]
    Refused(String),
    #[error(transparent)]
    Db(#[from] DbErr),
    #[error(transparent)]
    Application(#[from] eventsourcing_seaorm::application::ApplicationError),
}

impl WorldHistory {
    /// The read model in `table`, writing everything.
    fn new(table: &str) -> Self {
        Self {
            table: table.to_owned(),
            picky: Arc::new(AtomicBool::new(false)),
            cleared: Arc::default(),
        }
    }
}

impl Projection for WorldHistory {
    const NAME: &'static str = "WorldHistory";
    type Error = HistoryError;

    fn topics(&self) -> Topics {
        Topics::of::<WorldEvent>()
    }

    async fn process(
        &self,
        event: &UpstreamEvent,
        transaction: &DatabaseTransaction,
    ) -> Result<(), HistoryError> {
        let Some(event) = event.decode::<WorldEvent>()? else {
            return Ok(());
        };
        if let WorldEvent::SomethingHappened { what } = event.payload {
            history::insert(transaction, &self.table, event.originator_id, &what).await?;
            if what == "boom" && self.picky.load(Ordering::SeqCst) {
                return Err(HistoryError::Refused(what));
            }
        }
        Ok(())
    }

    async fn clear(&self, transaction: &DatabaseTransaction) -> Result<(), BoxError> {
        let delete = Query::delete()
            .from_table(Alias::new(&self.table))
            .to_owned();
        transaction.execute(&delete).await?;
        self.cleared.fetch_add(1, Ordering::SeqCst);
        Ok(())
    }
}

/// The same read model, by a projection that does not say how to clear it.
struct Unclearable(WorldHistory);

impl Projection for Unclearable {
    const NAME: &'static str = "WorldHistory";
    type Error = HistoryError;

    fn topics(&self) -> Topics {
        self.0.topics()
    }

    async fn process(
        &self,
        event: &UpstreamEvent,
        transaction: &DatabaseTransaction,
    ) -> Result<(), HistoryError> {
        self.0.process(event, transaction).await
    }
}

async fn worlds_on(store: SeaOrmStore) -> Application {
    Application::builder("Worlds")
        .environment(NO_ENV)
        .store(store)
        .build()
        .await
        .unwrap()
}

async fn save_world(worlds: &Application, happenings: &[&str]) -> u64 {
    let mut world = World::create();
    for what in happenings {
        world.make_it_so((*what).to_owned());
    }
    let recorded = worlds.save(&mut world).await.unwrap();
    recorded.last().unwrap().notification_id
}

const WAIT: Duration = Duration::from_secs(20);

#[tokio::test]
async fn a_projection_writes_each_event_once_and_waits_for_a_save() {
    for backend in [Backend::SqliteFile, Backend::Postgres, Backend::MySql] {
        let Some(db) = TestDatabase::new(backend) else {
            continue;
        };
        let store = db.store().await;
        let worlds = worlds_on(store.clone()).await;
        let table = format!("{}_world_history", unique_name());
        history::create_table(store.connection(), &table)
            .await
            .unwrap();
        let history = WorldHistory::new(&table);
        let first = save_world(&worlds, &["dinosaurs", "trucks"]).await;
        let runner = ProjectionRunner::new(history.clone(), &worlds, store.clone())
            .unwrap()
            .batch_size(3);
        runner.start().await.unwrap();
        assert!(matches!(
            runner.start().await,
            Err(SystemError::AlreadyStarted)
        ));
        runner.wait(first, WAIT).await.unwrap();
        let last = save_world(&worlds, &["internet", "robots", "rivers"]).await;
        runner.wait(last, WAIT).await.unwrap();
        assert_eq!(
            history::count(store.connection(), &table, None).await,
            5,
            "{backend:?}"
        );
        assert_eq!(runner.position().await.unwrap(), Some(last), "{backend:?}");
        runner.stop().await.unwrap();

        // Started again (a new runner, as after a restart): nothing is written twice.
        let again = ProjectionRunner::new(history.clone(), &worlds, store.clone()).unwrap();
        again.start().await.unwrap();
        let later = save_world(&worlds, &["music"]).await;
        again.wait(later, WAIT).await.unwrap();
        assert_eq!(
            history::count(store.connection(), &table, None).await,
            6,
            "{backend:?}"
        );
        let error = again
            .wait(later + 1_000, Duration::from_millis(200))
            .await
            .unwrap_err();
        assert!(
            matches!(error, WaitError::Timeout { .. }),
            "{backend:?}: {error}"
        );

        // A reset clears the read model with the tracking, and the replay writes it again.
        again.reset().await.unwrap();
        assert_eq!(history.cleared.load(Ordering::SeqCst), 1, "{backend:?}");
        again.wait(later, WAIT).await.unwrap();
        assert_eq!(
            history::count(store.connection(), &table, None).await,
            6,
            "{backend:?}"
        );
        again.stop().await.unwrap();

        // A rebuild of a stopped projection: cleared, replayed to the log's end, stopped again;
        // its future can be spawned (an admin endpoint of a web service runs it).
        let again = Arc::new(again);
        let rebuilding = tokio::spawn({
            let again = again.clone();
            async move { again.rebuild(true).await }
        });
        let position = rebuilding.await.unwrap().unwrap();
        assert_eq!(history.cleared.load(Ordering::SeqCst), 2, "{backend:?}");
        assert_eq!(position, Some(later), "{backend:?}");
        assert!(!again.is_running(), "{backend:?}");
        assert_eq!(
            history::count(store.connection(), &table, None).await,
            6,
            "{backend:?}"
        );
        assert_eq!(again.position().await.unwrap(), Some(later), "{backend:?}");

        // A projection that does not say how to clear its read model is not reset: its rows
        // and its position stay.
        let unclearable =
            ProjectionRunner::new(Unclearable(history.clone()), &worlds, store.clone()).unwrap();
        let error = unclearable.reset().await.unwrap_err();
        assert!(error.to_string().contains("Projection::clear"), "{error}");
        assert_eq!(
            unclearable.position().await.unwrap(),
            Some(later),
            "{backend:?}"
        );
        assert_eq!(
            history::count(store.connection(), &table, None).await,
            6,
            "{backend:?}"
        );
        db.drop_tables(store.connection()).await;
    }
}

#[tokio::test]
async fn a_projection_is_woken_by_another_pools_notifications_on_postgres() {
    let Some(db) = TestDatabase::new(Backend::Postgres) else {
        return;
    };
    let writer = worlds_on(db.store().await.with_notifications()).await;
    let store = db.store().await.with_notifications();
    let reader = worlds_on(store.clone()).await;
    let table = format!("{}_world_history", unique_name());
    history::create_table(store.connection(), &table)
        .await
        .unwrap();
    let history = WorldHistory::new(&table);
    // Polling is an hour away and the writer's saves are not the reader's application's: only
    // the writer's NOTIFY can wake the runner in time.
    let runner = ProjectionRunner::new(history, &reader, store.clone())
        .unwrap()
        .poll_interval(Duration::from_secs(3600));
    let first = save_world(&writer, &["before the start"]).await;
    runner.start().await.unwrap();
    // Found by the first select; the runner then listens.
    runner.wait(first, WAIT).await.unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    for n in 0..3 {
        let id = save_world(&writer, &[&format!("elsewhere {n}")]).await;
        runner.wait(id, Duration::from_secs(10)).await.unwrap();
    }
    assert_eq!(history::count(store.connection(), &table, None).await, 4);
    runner.stop().await.unwrap();
    db.drop_tables(store.connection()).await;
}

#[tokio::test]
async fn a_handler_that_fails_half_way_leaves_nothing_of_its_transaction() {
    for backend in [Backend::SqliteFile, Backend::Postgres, Backend::MySql] {
        let Some(db) = TestDatabase::new(backend) else {
            continue;
        };
        let store = db.store().await;
        let worlds = worlds_on(store.clone()).await;
        let table = format!("{}_world_history", unique_name());
        history::create_table(store.connection(), &table)
            .await
            .unwrap();
        let picky = Arc::new(AtomicBool::new(true));
        let history = WorldHistory {
            picky: picky.clone(),
            ..WorldHistory::new(&table)
        };
        save_world(&worlds, &["fine"]).await;
        let boom = save_world(&worlds, &["before", "boom"]).await;
        let runner = ProjectionRunner::new(history, &worlds, store.clone())
            .unwrap()
            .batch_size(100);
        runner.start().await.unwrap();
        let error = runner.wait(boom, WAIT).await.unwrap_err();
        let WaitError::Stopped(error) = error else {
            panic!("{backend:?}: {error}")
        };
        let SystemError::Processing(failure) = &*error else {
            panic!("{backend:?}: {error}")
        };
        assert_eq!(failure.notification_id, boom, "{backend:?}");
        assert_eq!(
            failure.topic,
            format!("{}.SomethingHappened", World::topic())
        );
        // The batch held every event: none of it is in the read model, nor tracked. "boom"'s
        // own row, written before the handler failed, is not there either.
        assert_eq!(
            history::count(store.connection(), &table, None).await,
            0,
            "{backend:?}"
        );
        assert_eq!(runner.position().await.unwrap(), None, "{backend:?}");
        assert!(runner.stop().await.is_err());

        // Willing now: the next start writes everything, once.
        picky.store(false, Ordering::SeqCst);
        runner.start().await.unwrap();
        runner.wait(boom, WAIT).await.unwrap();
        assert_eq!(
            history::count(store.connection(), &table, None).await,
            3,
            "{backend:?}"
        );
        assert_eq!(
            history::count(store.connection(), &table, Some("boom")).await,
            1,
            "{backend:?}"
        );
        runner.stop().await.unwrap();
        db.drop_tables(store.connection()).await;
    }
}

/// The events in one database, the read model and its tracking in a SQLite file of its own.
#[tokio::test]
async fn a_read_model_in_another_database_keeps_its_tracking() {
    for backend in [Backend::SqliteFile, Backend::Postgres, Backend::MySql] {
        let Some(db) = TestDatabase::new(backend) else {
            continue;
        };
        let events = db.store().await;
        let worlds = worlds_on(events.clone()).await;
        let dir = TempDir::new();
        let view_conn = connect(&format!(
            "sqlite://{}",
            dir.0.join("view.sqlite3").display()
        ))
        .await
        .unwrap();
        let view = SeaOrmStore::with_tables(view_conn, Tables::default())
            .await
            .unwrap();
        let table = "world_history".to_owned();
        history::create_table(view.connection(), &table)
            .await
            .unwrap();
        let history = WorldHistory::new(&table);
        let last = save_world(&worlds, &["a", "b", "c"]).await;
        let runner = ProjectionRunner::new(history, &worlds, view.clone()).unwrap();
        runner.start().await.unwrap();
        runner.wait(last, WAIT).await.unwrap();
        runner.stop().await.unwrap();
        assert_eq!(
            history::count(view.connection(), &table, None).await,
            3,
            "{backend:?}"
        );
        assert_eq!(runner.position().await.unwrap(), Some(last), "{backend:?}");
        // Nothing was tracked with the events.
        let tracked_there = events.application_recorder("WorldHistory").unwrap();
        use eventsourcing_seaorm::persistence::TrackingRecorder;
        assert_eq!(
            tracked_there.max_tracking_id("Worlds").await.unwrap(),
            None,
            "{backend:?}"
        );
        db.drop_tables(events.connection()).await;
    }
}
