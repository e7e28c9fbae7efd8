//! A connection lost while a save commits: the caller learns that the outcome is unknown (typed),
//! whether the server committed or not; every other failed save recorded nothing. On
//! PostgreSQL and MariaDB, through a proxy on 127.0.0.1 that cuts the connection at a `COMMIT`
//! (`eventsourcing_seaorm_tests::faults`).

use eventsourcing_seaorm::application::Application;
use eventsourcing_seaorm::domain::Aggregate;
use eventsourcing_seaorm::persistence::{AggregateRecorder, EventQuery, PersistenceError};
use eventsourcing_seaorm::seaorm::{self, SeaOrmStore, Tables};
use eventsourcing_seaorm_tests::backends::{Backend, drop_tables, unique_name};
use eventsourcing_seaorm_tests::faults::{CommitCutter, Cut, server_address};
use eventsourcing_seaorm_tests::world::World;

async fn commits_cut_on(backend: Backend) {
    let Some(url) = backend.server_url() else {
        return;
    };
    let tables = Tables::with_prefix(&format!("cut_{}_", &unique_name()[..12]));
    // The rows as they are, read past the proxy.
    let direct = SeaOrmStore::with_tables(seaorm::connect(&url).await.unwrap(), tables.clone())
        .await
        .unwrap();
    direct.create_tables().await.unwrap();
    let rows = direct.application_recorder("Worlds").unwrap();

    let cutter = CommitCutter::start(server_address(&url)).await;
    let mut through = cutter.url(&url);
    if backend == Backend::Postgres {
        // In the clear, so that the proxy sees the COMMIT (PostgreSQL's default is TLS when
        // the server offers it).
        through.push_str(if through.contains('?') { "&" } else { "?" });
        through.push_str("sslmode=disable");
    }
    let through = seaorm::connect(&through).await.unwrap();
    let app = Application::builder("Worlds")
        .environment([("", ""); 0])
        .store(
            SeaOrmStore::with_tables(through, tables.clone())
                .await
                .unwrap(),
        )
        .build()
        .await
        .unwrap();

    let saved = |id| {
        let rows = rows.clone();
        async move {
            rows.select_events(id, EventQuery::new())
                .await
                .unwrap()
                .len()
        }
    };

    let mut before = World::create();
    app.save(&mut before).await.unwrap();
    assert_eq!(saved(before.id()).await, 1);

    for (cut, recorded) in [(Cut::AfterCommit, 1), (Cut::BeforeCommit, 0)] {
        let mut world = World::create();
        cutter.arm(cut);
        let error = app.save(&mut world).await.unwrap_err();
        assert!(cutter.has_cut(), "{cut:?}: the proxy saw no COMMIT");
        assert!(error.is_outcome_unknown(), "{backend:?} {cut:?}: {error:?}");
        assert!(error.to_string().contains("unknown"), "{error}");
        // What the error says may have happened, did or did not.
        assert_eq!(saved(world.id()).await, recorded, "{backend:?} {cut:?}");
        // The aggregate still holds the event it could not be sure of.
        assert_eq!(world.pending_events().len(), 1);
    }

    // Every other failure recorded nothing: a conflict, for one.
    let mut stale: World = app.repository().get(before.id()).await.unwrap();
    let mut winner: World = app.repository().get(before.id()).await.unwrap();
    winner.make_it_so("first".into());
    app.save(&mut winner).await.unwrap();
    stale.make_it_so("second".into());
    let error = app.save(&mut stale).await.unwrap_err();
    assert!(
        error.is_conflict() && !error.is_outcome_unknown(),
        "{error:?}"
    );
    assert!(matches!(
        error,
        eventsourcing_seaorm::application::ApplicationError::Persistence(
            PersistenceError::Conflict { .. }
        )
    ));
    assert_eq!(saved(before.id()).await, 2);

    // The application goes on after the lost connections.
    let mut after = World::create();
    app.save(&mut after).await.unwrap();
    assert_eq!(saved(after.id()).await, 1);

    drop_tables(direct.connection(), &tables).await;
}

#[tokio::test]
async fn postgres_commits_cut_are_unknown_outcomes() {
    commits_cut_on(Backend::Postgres).await;
}

#[tokio::test]
async fn mysql_commits_cut_are_unknown_outcomes() {
    commits_cut_on(Backend::MySql).await;
}
