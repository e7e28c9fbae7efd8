//! Settings and stores at their edges: empty settings are unset, a store's errors name the
//! application they were for, and a SQLite file can be opened read-only.

use eventsourcing_seaorm::application::{Application, ApplicationError};
use eventsourcing_seaorm::domain::Aggregate;
use eventsourcing_seaorm::persistence::PersistenceError;
use eventsourcing_seaorm_tests::backends::{Backend, TempDir};
use eventsourcing_seaorm_tests::world::World;

const NO_ENV: [(&str, &str); 0] = [];

/// An empty value is an unset setting, for booleans as for integers.
#[tokio::test]
async fn empty_settings_are_unset() {
    let app = Application::builder("Worlds")
        .environment([
            ("IS_SNAPSHOTTING_ENABLED", ""),
            ("AGGREGATE_CACHE_MAXSIZE", ""),
            ("AGGREGATE_CACHE_FASTFORWARD", ""),
            ("CREATE_TABLE", ""),
        ])
        .build()
        .await
        .unwrap();
    assert!(!app.is_snapshotting_enabled());
    assert!(app.repository().cache().is_none());
}

/// Creating the tables fails on a MySQL URL with no database: the error names the
/// application whose settings made the store (it said `application ""`).
#[tokio::test]
async fn store_errors_name_the_application() {
    let Some(url) = Backend::MySql.server_url() else {
        return;
    };
    let (server, _database) = url.rsplit_once('/').unwrap();
    let error = Application::builder("Worlds")
        .environment(NO_ENV)
        .setting("PERSISTENCE_MODULE", "eventsourcing_seaorm")
        .setting("DATABASE_URL", format!("{server}/"))
        .build()
        .await
        .unwrap_err();
    assert!(
        matches!(
            &error,
            ApplicationError::Persistence(PersistenceError::Database { application_name, .. })
                if application_name == "Worlds"
        ),
        "{error:?}"
    );
    assert!(error.to_string().contains("\"Worlds\""), "{error}");
}

/// `?mode=ro` opens a SQLite file read-only, as it is (its journal mode not changed, the file
/// not created): with `CREATE_TABLE=n` an application loads what is stored, and a save is an
/// error that records nothing.
#[tokio::test]
async fn sqlite_files_open_read_only() {
    let dir = TempDir::new();
    let path = dir.0.join("worlds.sqlite3");
    let app = |url: String, create: &str| {
        Application::builder("Worlds")
            .environment(NO_ENV)
            .setting("PERSISTENCE_MODULE", "eventsourcing_seaorm")
            .setting("DATABASE_URL", url)
            .setting("CREATE_TABLE", create)
            .build()
    };
    let writer = app(format!("sqlite://{}", path.display()), "y")
        .await
        .unwrap();
    let mut world = World::create();
    world.make_it_so("stored".into());
    writer.save(&mut world).await.unwrap();
    drop(writer);

    let reader = app(format!("sqlite://{}?mode=ro", path.display()), "n")
        .await
        .unwrap();
    let mut loaded: World = reader.repository().get(world.id()).await.unwrap();
    assert_eq!(loaded.history, ["stored"]);
    loaded.make_it_so("refused".into());
    let error = reader.save(&mut loaded).await.unwrap_err();
    assert!(error.to_string().contains("readonly"), "{error}");
    let again: World = reader.repository().get(world.id()).await.unwrap();
    assert_eq!(again.history, ["stored"]);

    // A read-only file that does not exist is an error, not a new file.
    let missing = dir.0.join("missing.sqlite3");
    assert!(
        app(format!("sqlite://{}?mode=ro", missing.display()), "n")
            .await
            .is_err()
    );
    assert!(!missing.exists());
}

/// `WRITE_QUEUE_LIMIT` bounds the application store's write queue; 0 or a word is an error that
/// names the setting.
#[tokio::test]
async fn the_write_queue_limit_is_a_setting() {
    use eventsourcing_seaorm::application::factory::Infrastructure;
    let dir = TempDir::new();
    let url = format!("sqlite://{}", dir.0.join("limit.sqlite3").display());
    let build = |limit: &'static str| {
        Application::builder("Worlds")
            .environment(NO_ENV)
            .setting("PERSISTENCE_MODULE", "eventsourcing_seaorm")
            .setting("DATABASE_URL", url.clone())
            .setting("WORLDS_WRITE_QUEUE_LIMIT", limit)
            .build()
    };
    let app = build("7").await.unwrap();
    let Infrastructure::SeaOrm(store) = app.infrastructure() else {
        panic!("not SeaORM")
    };
    assert_eq!(store.write_queue_limit(), 7);
    let mut world = World::create();
    world.make_it_so("a".into());
    app.save(&mut world).await.unwrap();
    assert_eq!(store.queued_saves(), 0);
    let app = build("").await.unwrap();
    let Infrastructure::SeaOrm(store) = app.infrastructure() else {
        panic!("not SeaORM")
    };
    assert_eq!(
        store.write_queue_limit(),
        eventsourcing_seaorm::seaorm::WRITE_QUEUE_LIMIT
    );
    for bad in ["0", "many", "-3"] {
        let error = build(bad).await.unwrap_err();
        let ApplicationError::Setting { key, value, .. } = &error else {
            panic!("{error:?}")
        };
        assert_eq!(
            (key.as_str(), value.as_str()),
            ("WORLDS_WRITE_QUEUE_LIMIT", bad)
        );
    }
}
