//! Closing an application (issue 22, point 8): saves in flight are recorded first, later ones
//! fail recording nothing, SQLite's write-ahead log is checkpointed so that the database file
//! alone holds everything, and the pool is closed.

use eventsourcing_seaorm::application::factory::Infrastructure;
use eventsourcing_seaorm::application::{Application, ErrorKind};
use eventsourcing_seaorm::domain::Aggregate;
use eventsourcing_seaorm::seaorm::SeaOrmStore;
use eventsourcing_seaorm_tests::backends::{Backend, TempDir, TestDatabase};
use eventsourcing_seaorm_tests::world::World;

const NO_ENV: [(&str, &str); 0] = [];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn closing_records_the_saves_in_flight_and_leaves_a_complete_sqlite_file() {
    let dir = TempDir::new();
    let file = dir.0.join("worlds.sqlite3");
    let app = Application::builder("Worlds")
        .environment(NO_ENV)
        .sqlite(file.display().to_string())
        .build()
        .await
        .unwrap();
    let mut first = World::create();
    first.make_it_so("dinosaurs".into());
    app.save(&mut first).await.unwrap();

    // Saves in flight while the application closes.
    let saves: Vec<_> = (0..100)
        .map(|_| {
            let app = app.clone();
            tokio::spawn(async move {
                let mut world = World::create();
                let id = world.id();
                (id, app.save(&mut world).await)
            })
        })
        .collect();
    let Infrastructure::SeaOrm(store) = app.infrastructure() else {
        panic!("not SeaORM");
    };
    // Close while saves are queued (or, on a fast machine, once they are all done).
    while store.queued_saves() == 0 && !saves.iter().all(|save| save.is_finished()) {
        tokio::task::yield_now().await;
    }
    let queued_at_close = store.queued_saves();
    app.close().await.unwrap();
    let mut recorded = vec![first.id()];
    let mut refused = 0;
    for save in saves {
        let (id, outcome) = save.await.unwrap();
        match outcome {
            Ok(_) => recorded.push(id),
            Err(error) => {
                assert_eq!(error.kind(), ErrorKind::Unavailable, "{error}");
                refused += 1;
            }
        }
    }
    eprintln!(
        "{} saves recorded, {refused} refused after the close",
        recorded.len() - 1
    );
    // Every save that had a place in the queue when the close began was recorded.
    assert!(
        recorded.len() > queued_at_close,
        "{queued_at_close} queued, {} recorded",
        recorded.len() - 1
    );

    // After closing: nothing more, and an error of the kind "unavailable".
    let error = app.get::<World>(first.id()).await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Unavailable, "{error}");
    let mut late = World::create();
    assert_eq!(
        app.save(&mut late).await.unwrap_err().kind(),
        ErrorKind::Unavailable
    );

    // The write-ahead log is empty, and a copy of the database file alone holds every save.
    let wal = dir.0.join("worlds.sqlite3-wal");
    assert!(
        std::fs::metadata(&wal).map_or(true, |m| m.len() == 0),
        "the -wal file still holds data"
    );
    let copy_dir = TempDir::new();
    let copy = copy_dir.0.join("copy.sqlite3");
    std::fs::copy(&file, &copy).unwrap();
    let reopened = Application::builder("Worlds")
        .environment(NO_ENV)
        .sqlite(copy.display().to_string())
        .build()
        .await
        .unwrap();
    for id in &recorded {
        reopened.get::<World>(*id).await.unwrap();
    }
    let first: World = reopened.get(first.id()).await.unwrap();
    assert_eq!(first.history, ["dinosaurs"]);
    assert_eq!(
        reopened.recorder().max_notification_id().await.unwrap(),
        Some(recorded.len() as u64 + 1)
    );
    reopened.close().await.unwrap();
}

#[tokio::test]
async fn closing_on_every_backend_and_in_memory() {
    let app = Application::builder("Worlds")
        .in_memory()
        .build()
        .await
        .unwrap();
    app.close().await.unwrap();
    for backend in [Backend::SqliteMemory, Backend::Postgres, Backend::MySql] {
        let Some(db) = TestDatabase::new(backend) else {
            continue;
        };
        let conn = db.connect().await;
        let app = Application::builder("Worlds")
            .environment(NO_ENV)
            .store(
                SeaOrmStore::with_tables(conn, db.tables.clone())
                    .await
                    .unwrap(),
            )
            .build()
            .await
            .unwrap();
        let mut world = World::create();
        app.save(&mut world).await.unwrap();
        app.close().await.unwrap();
        let error = app.get::<World>(world.id()).await.unwrap_err();
        assert_eq!(error.kind(), ErrorKind::Unavailable, "{backend:?}: {error}");
        // The tables are dropped on a connection of their own.
        db.drop_tables(&db.connect().await).await;
    }
}
