//! Applications on the SeaORM infrastructure, on every configured backend: chosen by settings,
//! on tables with other names (declared as SeaORM entities and queried with SeaORM), and saving
//! inside a transaction the caller opened; and integrity errors other than conflicts.

use eventsourcing_seaorm::application::factory::Infrastructure;
use eventsourcing_seaorm::application::{Application, ApplicationError};
use eventsourcing_seaorm::domain::{Aggregate, Snapshot};
use eventsourcing_seaorm::persistence::StoredEvent;
use eventsourcing_seaorm::seaorm::entity::{OriginatorId, stored_events};
use eventsourcing_seaorm::seaorm::{SeaOrmRecorder, SeaOrmSnapshotRecorder, SeaOrmStore, Tables};
use eventsourcing_seaorm_tests::backends::{Backend, TestDatabase, unique_name};
use eventsourcing_seaorm_tests::interop::World;
use eventsourcing_seaorm_tests::logs::CapturedLogs;
use sea_orm::{ColumnTrait, EntityName, EntityTrait, QueryFilter, QueryOrder, TransactionTrait};

const NO_ENV: [(&str, &str); 0] = [];
const BACKENDS: [Backend; 4] = [
    Backend::SqliteFile,
    Backend::SqliteMemory,
    Backend::Postgres,
    Backend::MySql,
];

#[eventsourcing_seaorm::entity(stored_events, table_name = "audit_events")]
mod audit {}

#[eventsourcing_seaorm::entity(snapshots, table_name = "audit_snapshots")]
mod audit_snapshots {}

#[eventsourcing_seaorm::entity(notification_tracking, table_name = "audit_tracking")]
mod audit_tracking {}

/// The application's event recorder, which is SeaORM's on this infrastructure.
fn seaorm_recorder(app: &Application) -> &SeaOrmRecorder {
    &app.seaorm_recorders().unwrap().events
}

async fn seaorm_app(
    db: &TestDatabase,
    name: &str,
    settings: &[(&str, &str)],
) -> Result<Application, ApplicationError> {
    // The test's own tables (prefixed on servers), created because CREATE_TABLE defaults to yes.
    let store = SeaOrmStore::with_tables(db.connect().await, db.tables.clone()).await?;
    let app = Application::builder(name)
        .environment(NO_ENV)
        .settings(settings.iter().copied())
        .store(store)
        .snapshotting(true)
        .build()
        .await?;
    assert!(matches!(app.infrastructure(), Infrastructure::SeaOrm(_)));
    Ok(app)
}

#[tokio::test]
async fn settings_select_the_seaorm_factory() {
    let dir = eventsourcing_seaorm_tests::backends::TempDir::new();
    let url = format!("sqlite://{}", dir.0.join("worlds.sqlite3").display());
    // The application's own prefixed key wins over the plain one.
    let app = Application::builder("Worlds")
        .environment([
            ("WORLDS_DATABASE_URL", url.as_str()),
            ("DATABASE_URL", "sqlite:///nonexistent/dir/x.db"),
        ])
        .settings([
            ("PERSISTENCE_MODULE", "eventsourcing_seaorm"),
            ("IS_SNAPSHOTTING_ENABLED", "y"),
        ])
        .build()
        .await
        .unwrap();
    let Infrastructure::SeaOrm(store) = app.infrastructure() else {
        panic!("{:?}", app.infrastructure())
    };
    assert_eq!(store.tables(), &Tables::default());
    let recorder = seaorm_recorder(&app);
    assert_eq!(recorder.table_name(), stored_events::Entity.table_name());
    let snapshots: &SeaOrmSnapshotRecorder =
        app.seaorm_recorders().unwrap().snapshots.as_ref().unwrap();
    assert_eq!(snapshots.table_name(), "snapshots");

    let mut world = World::create();
    world.make_it_so("stored".into());
    app.save(&mut world).await.unwrap();
    assert_eq!(
        app.repository()
            .get::<World>(world.id())
            .await
            .unwrap()
            .history,
        ["stored"]
    );

    // The Django application's setting selects the same factory; a connection given in code
    // under an alias is used instead of a URL.
    let conn = store.connection().clone();
    let other = Application::builder("Worlds")
        .environment(NO_ENV)
        .settings([
            ("PERSISTENCE_MODULE", "eventsourcing_django"),
            ("DJANGO_DB_ALIAS", "events"),
        ])
        .database("events", conn)
        .build()
        .await
        .unwrap();
    assert_eq!(
        other
            .repository()
            .get::<World>(world.id())
            .await
            .unwrap()
            .history,
        ["stored"]
    );
}

#[tokio::test]
async fn seaorm_factory_errors_name_the_setting() {
    let build = |settings: Vec<(&'static str, &'static str)>| async move {
        Application::builder("Bad")
            .environment(NO_ENV)
            .settings(settings)
            .build()
            .await
    };
    let err = build(vec![("PERSISTENCE_MODULE", "eventsourcing_seaorm")])
        .await
        .unwrap_err();
    assert!(
        matches!(&err, ApplicationError::Setting { key, .. } if key == "DATABASE_URL"),
        "{err:?}"
    );
    let err = build(vec![
        ("PERSISTENCE_MODULE", "eventsourcing_seaorm"),
        ("DJANGO_DB_ALIAS", "nope"),
    ])
    .await
    .unwrap_err();
    assert!(
        matches!(&err, ApplicationError::Setting { key, .. } if key == "DJANGO_DB_ALIAS"),
        "{err:?}"
    );
    let err = build(vec![
        ("PERSISTENCE_MODULE", "eventsourcing_seaorm"),
        ("DATABASE_URL", "nosuchdb://x"),
    ])
    .await
    .unwrap_err();
    assert!(err.to_string().contains("DATABASE_URL"), "{err}");
    let err = build(vec![
        ("PERSISTENCE_MODULE", "eventsourcing_seaorm"),
        ("DATABASE_URL", "sqlite::memory:"),
        ("CREATE_TABLE", "maybe"),
    ])
    .await
    .unwrap_err();
    assert!(
        matches!(&err, ApplicationError::Setting { key, .. } if key == "CREATE_TABLE"),
        "{err:?}"
    );
    // Application names longer than Django's varchar(32) are refused up front.
    let err = Application::builder("A".repeat(33))
        .environment(NO_ENV)
        .settings([
            ("PERSISTENCE_MODULE", "eventsourcing_seaorm"),
            ("DATABASE_URL", "sqlite::memory:"),
        ])
        .build()
        .await
        .unwrap_err();
    assert!(err.to_string().contains("at most 32"), "{err}");
}

#[tokio::test]
async fn tables_with_other_names_are_normal_seaorm_entities() {
    for backend in BACKENDS {
        let Some(mut db) = TestDatabase::new(backend) else {
            continue;
        };
        let prefix = if matches!(backend, Backend::Postgres | Backend::MySql) {
            unique_name()
        } else {
            String::new()
        };
        db.tables = Tables::from_entities::<
            audit::Entity,
            audit_snapshots::Entity,
            audit_tracking::Entity,
        >();
        if !prefix.is_empty() {
            db.tables = Tables {
                stored_events: format!("{prefix}_{}", db.tables.stored_events),
                snapshots: format!("{prefix}_{}", db.tables.snapshots),
                notification_tracking: format!("{prefix}_{}", db.tables.notification_tracking),
            };
        }
        assert!(db.tables.stored_events.ends_with("audit_events"));
        let app = seaorm_app(&db, "Audit", &[]).await.unwrap();
        let mut world = World::create();
        world.make_it_so("audited".into());
        app.save(&mut world).await.unwrap();
        app.take_snapshot::<World>(world.id(), None).await.unwrap();
        let store = seaorm_recorder(&app).store().clone();
        let conn = store.connection();

        if prefix.is_empty() {
            // Query the table with SeaORM, through the declared entity.
            let rows = audit::Entity::find()
                .filter(audit::Column::ApplicationName.eq("Audit"))
                .filter(audit::Column::OriginatorId.eq(OriginatorId::value_for(
                    conn.get_database_backend(),
                    world.id(),
                )))
                .order_by_asc(audit::Column::OriginatorVersion)
                .all(conn)
                .await
                .unwrap();
            assert_eq!(rows.len(), 2, "{backend:?}");
            assert_eq!(rows[0].originator_id, OriginatorId(world.id()));
            assert_eq!(rows[1].topic, "interop_domain:World.SomethingHappened");
            let snapshots = audit_snapshots::Entity::find().all(conn).await.unwrap();
            assert_eq!(snapshots.len(), 1);
            assert_eq!(snapshots[0].originator_version, 2);
        }
        assert_eq!(
            app.repository()
                .get::<World>(world.id())
                .await
                .unwrap()
                .history,
            ["audited"]
        );
        db.drop_tables(conn).await;
    }
}

#[tokio::test]
async fn default_entities_read_rows_on_every_backend() {
    for backend in BACKENDS {
        let Some(db) = TestDatabase::new(backend) else {
            continue;
        };
        let app = seaorm_app(&db, "Entities", &[]).await.unwrap();
        let mut world = World::create();
        app.save(&mut world).await.unwrap();
        let recorder = seaorm_recorder(&app);
        let conn = recorder.store().connection();
        // Rows of any table of this shape decode through the entity's model, whatever the
        // backend's UUID column.
        let rows: Vec<stored_events::Model> = stored_events::Entity::find()
            .from_raw_sql(sea_orm::Statement::from_string(
                conn.get_database_backend(),
                format!(
                    "SELECT * FROM {} WHERE application_name = 'Entities'",
                    recorder.store().dialect().quote(recorder.table_name())
                ),
            ))
            .all(conn)
            .await
            .unwrap();
        assert_eq!(rows.len(), 1, "{backend:?}");
        assert_eq!(rows[0].originator_id.0, world.id(), "{backend:?}");
        db.drop_tables(conn).await;
    }
}

#[tokio::test]
async fn saving_in_the_callers_transaction_commits_and_rolls_back_with_it() {
    for backend in BACKENDS {
        let Some(db) = TestDatabase::new(backend) else {
            continue;
        };
        let app = seaorm_app(&db, "Txn", &[]).await.unwrap();
        let recorder = seaorm_recorder(&app).clone();
        let conn = recorder.store().connection().clone();
        let mut world = World::create();
        app.save(&mut world).await.unwrap();
        let max_before = app.recorder().max_notification_id().await.unwrap();

        // Rolled back: nothing recorded.
        let mut loaded: World = app.repository().get(world.id()).await.unwrap();
        loaded.make_it_so("rolled back".into());
        let txn = conn.begin().await.unwrap();
        let recordings = app.save_in(&txn, &mut loaded).await.unwrap();
        assert_eq!(recordings.len(), 1);
        txn.rollback().await.unwrap();
        assert_eq!(
            app.recorder().max_notification_id().await.unwrap(),
            max_before,
            "{backend:?}"
        );
        assert_eq!(
            app.repository()
                .get::<World>(world.id())
                .await
                .unwrap()
                .version(),
            1
        );

        // Committed: recorded, with the caller's other writes.
        let mut loaded: World = app.repository().get(world.id()).await.unwrap();
        loaded.make_it_so("committed".into());
        let txn = conn.begin().await.unwrap();
        app.save_in(&txn, &mut loaded).await.unwrap();
        // A conflict inside the caller's transaction is typed, and leaves it usable.
        let mut stale = World::create();
        let mut copy = stale.clone();
        app.save_in(&txn, &mut stale).await.unwrap();
        let err = app.save_in(&txn, &mut copy).await.unwrap_err();
        assert!(err.is_conflict(), "{backend:?}: {err:?}");
        txn.commit().await.unwrap();
        assert_eq!(
            app.repository()
                .get::<World>(world.id())
                .await
                .unwrap()
                .history,
            ["committed"],
            "{backend:?}"
        );
        assert!(app.repository().contains(stale.id()).await.unwrap());

        // The in-memory infrastructure cannot join a database transaction, and says so.
        let memory = Application::builder("Mem")
            .environment(NO_ENV)
            .build()
            .await
            .unwrap();
        let txn = conn.begin().await.unwrap();
        let err = memory
            .save_in(&txn, &mut World::create())
            .await
            .unwrap_err();
        assert!(err.to_string().contains("does not support"), "{err}");
        txn.rollback().await.unwrap();
        db.drop_tables(&conn).await;
    }
}

#[tokio::test]
async fn a_connection_given_in_code_selects_seaorm_and_python_spellings_work() {
    let conn = eventsourcing_seaorm::seaorm::connect("sqlite::memory:")
        .await
        .unwrap();
    // No PERSISTENCE_MODULE: the connection means SeaORM, not memory.
    let app = Application::builder("Worlds")
        .environment(NO_ENV)
        .connection(conn.clone())
        .build()
        .await
        .unwrap();
    assert!(matches!(app.infrastructure(), Infrastructure::SeaOrm(_)));
    // The in-memory module contradicts the connection: an error, not events lost at exit.
    for module in ["eventsourcing.popo:Factory", "eventsourcing.popo"] {
        let error = Application::builder("Worlds")
            .environment([("PERSISTENCE_MODULE", module)])
            .connection(conn.clone())
            .build()
            .await
            .unwrap_err();
        assert!(
            error.to_string().contains("connection given in code"),
            "{module}: {error}"
        );
    }
    let app = Application::builder("Worlds")
        .environment([("PERSISTENCE_MODULE", "eventsourcing_django.factory:Factory")])
        .connection(conn)
        .setting("CIPHER_TOPIC", "eventsourcing.cryptography:AESCipher")
        .setting("CIPHER_KEY", "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=")
        .setting("AGGREGATE_CACHE_MAXSIZE", "-1")
        .build()
        .await
        .unwrap();
    assert!(matches!(app.infrastructure(), Infrastructure::SeaOrm(_)));
    assert!(app.mapper().cipher().is_some());
    assert!(
        app.repository().cache().is_some(),
        "a size of 0 or less is an unbounded cache"
    );
}

/// A unique violation on (application, originator, version) is a conflict; any other integrity
/// error is a different error that names the application, and records nothing of the batch.
/// Here: constraints a user added to the events table (a `CHECK`, on SQLite a trigger that
/// aborts, and on the servers a foreign key).
#[tokio::test]
async fn other_integrity_errors_are_not_conflicts() {
    use eventsourcing_seaorm::persistence::{
        AggregateRecorder, EventQuery, PersistenceError, ProcessRecorder,
    };
    use eventsourcing_seaorm_tests::contract::stored;
    use sea_orm::ConnectionTrait;

    for backend in BACKENDS {
        let Some(db) = TestDatabase::new(backend) else {
            continue;
        };
        let store = SeaOrmStore::with_tables(db.connect().await, db.tables.clone())
            .await
            .unwrap();
        store.create_tables().await.unwrap();
        let conn = store.connection();
        let dialect = store.dialect();
        let events = dialect.quote(&db.tables.stored_events);
        let server = matches!(backend, Backend::Postgres | Backend::MySql);
        let apps = format!("{}apps", db.tables.stored_events);
        let added = if server {
            vec![
                format!(
                    "ALTER TABLE {events} ADD CONSTRAINT {} CHECK (originator_version < 1000)",
                    dialect.quote(&unique_name())
                ),
                format!(
                    "CREATE TABLE {} (name varchar(32) NOT NULL PRIMARY KEY)",
                    dialect.quote(&apps)
                ),
                format!(
                    "INSERT INTO {} (name) VALUES ('Checked')",
                    dialect.quote(&apps)
                ),
                format!(
                    "ALTER TABLE {events} ADD CONSTRAINT {} FOREIGN KEY (application_name) \
                     REFERENCES {} (name)",
                    dialect.quote(&unique_name()),
                    dialect.quote(&apps)
                ),
            ]
        } else {
            vec![format!(
                "CREATE TRIGGER too_far BEFORE INSERT ON {events} \
                 WHEN NEW.originator_version >= 1000 \
                 BEGIN SELECT RAISE(ABORT, 'version too far'); END"
            )]
        };
        for statement in added {
            conn.execute_unprepared(&statement).await.unwrap();
        }
        let recorder: Box<dyn ProcessRecorder> =
            Box::new(store.application_recorder("Checked").unwrap());
        let id = uuid::Uuid::new_v4();

        let err = recorder
            .insert_events(&[stored(id, 999, "t:A"), stored(id, 1000, "t:A")])
            .await
            .unwrap_err();
        assert!(
            !matches!(err, PersistenceError::Conflict { .. }),
            "{backend:?}: {err:?}"
        );
        assert!(
            err.to_string().contains("\"Checked\""),
            "{backend:?}: {err}"
        );
        let none = recorder.select_events(id, EventQuery::new()).await.unwrap();
        assert!(none.is_empty(), "{backend:?}: half a batch was recorded");

        if server {
            // A foreign key: the typed integrity error.
            let unlisted = store.application_recorder("Unlisted").unwrap();
            let err = unlisted
                .insert_events(&[stored(id, 1, "t:A")])
                .await
                .unwrap_err();
            assert!(
                matches!(&err, PersistenceError::Integrity { application_name, .. } if application_name == "Unlisted"),
                "{backend:?}: {err:?}"
            );
        }

        // A repeated version is still the conflict.
        recorder
            .insert_events(&[stored(id, 1, "t:A")])
            .await
            .unwrap();
        let err = recorder
            .insert_events(&[stored(id, 1, "t:A")])
            .await
            .unwrap_err();
        assert!(
            matches!(err, PersistenceError::Conflict { .. }),
            "{backend:?}: {err:?}"
        );

        db.drop_tables(conn).await;
        if server {
            conn.execute_unprepared(&format!("DROP TABLE IF EXISTS {}", dialect.quote(&apps)))
                .await
                .unwrap();
        }
    }
}

#[tokio::test]
async fn loads_from_a_snapshot_select_the_later_events_on_every_backend() {
    // The events after a snapshot are selected while the snapshot is decoded (the database
    // answers while the snapshot is read), on the same connection: the aggregate is the same
    // as replayed, at every version, and a later row that cannot be mapped is still the
    // error.
    for backend in BACKENDS {
        let Some(db) = TestDatabase::new(backend) else {
            continue;
        };
        let app = seaorm_app(&db, "Snapshots", &[]).await.unwrap();
        let mut world = World::create();
        world.make_it_so("a".into());
        world.make_it_so("b".into());
        app.save(&mut world).await.unwrap();
        app.take_snapshot::<World>(world.id(), None).await.unwrap();
        for what in ["c", "d"] {
            world.make_it_so(what.into());
        }
        app.save(&mut world).await.unwrap();

        let loaded: World = app.repository().get(world.id()).await.unwrap();
        assert_eq!(loaded, world, "{backend:?}");
        for (version, history) in [(2, &["a"][..]), (3, &["a", "b"]), (4, &["a", "b", "c"])] {
            let at: World = app.repository().get_at(world.id(), version).await.unwrap();
            assert_eq!(at.version(), version, "{backend:?}");
            assert_eq!(at.history, history, "{backend:?}");
        }

        let unmappable = StoredEvent {
            originator_id: world.id(),
            originator_version: 6,
            topic: "interop_domain:World.SomethingHappened".into(),
            state: b"not json".to_vec(),
        };
        app.recorder().insert_events(&[unmappable]).await.unwrap();
        let err = app.repository().get::<World>(world.id()).await.unwrap_err();
        let ApplicationError::Mapper(mapper_error) = &err else {
            panic!("{backend:?}: {err:?}")
        };
        assert_eq!(mapper_error.row.originator_version, 6, "{backend:?}");

        db.drop_tables(seaorm_recorder(&app).store().connection())
            .await;
    }
}

/// An edit that spoils a stored snapshot.
type Corruption = fn(&mut StoredEvent);

#[tokio::test]
async fn corrupt_snapshots_are_passed_over_and_snapshots_beyond_the_events_refused() {
    // A newest snapshot that cannot be decoded (a state that is not JSON, a topic no aggregate
    // has, a state the aggregate cannot read) is passed over with a warning naming it, and the
    // aggregate is read from its events. A snapshot at a version no event has is refused.
    let logs = CapturedLogs::start(tracing::Level::WARN);
    for backend in BACKENDS {
        let Some(db) = TestDatabase::new(backend) else {
            continue;
        };
        let app = seaorm_app(&db, "CorruptSnapshots", &[]).await.unwrap();
        let snapshots = app
            .repository()
            .snapshot_store()
            .unwrap()
            .recorder()
            .clone();
        let good_state = |world: &World| {
            let snapshot = Snapshot::take(world).unwrap();
            app.mapper().to_stored_event(&snapshot).unwrap()
        };
        let corruptions: [(&str, Corruption); 3] = [
            ("garbage state", |s| s.state = b"\x00 not json".to_vec()),
            ("unknown topic", |s| s.topic = "nowhere:Nothing".into()),
            ("unreadable state", |s| {
                s.state = b"{\"history\": 7}".to_vec()
            }),
        ];
        for (what, corrupt) in corruptions {
            let mut world = World::create();
            world.make_it_so("a".into());
            app.save(&mut world).await.unwrap();
            app.take_snapshot::<World>(world.id(), None).await.unwrap();
            world.make_it_so("b".into());
            world.make_it_so("c".into());
            app.save(&mut world).await.unwrap();
            // The newest snapshot, at version 3, corrupted.
            let at_3: World = app.repository().get_at(world.id(), 3).await.unwrap();
            let mut newest = good_state(&at_3);
            assert_eq!(newest.originator_version, 3);
            corrupt(&mut newest);
            snapshots.insert_events(&[newest]).await.unwrap();

            let loaded: World = app.repository().get(world.id()).await.unwrap();
            assert_eq!(loaded, world, "{backend:?}, {what}");
            let text = logs.text();
            let warning = text
                .lines()
                .rev()
                .find(|line| line.starts_with("WARN") && line.contains(&world.id().to_string()))
                .unwrap_or_else(|| panic!("{backend:?}, {what}: no warning in {text}"));
            assert!(warning.contains("snapshot_version=3"), "{warning}");
            assert!(warning.contains("CorruptSnapshots"), "{warning}");
            // A later save follows on from the events, and a new snapshot serves again.
            world.make_it_so("d".into());
            app.save(&mut world).await.unwrap();
            app.take_snapshot::<World>(world.id(), None).await.unwrap();
            let loaded: World = app.repository().get(world.id()).await.unwrap();
            assert_eq!(loaded, world, "{backend:?}, {what}");
        }

        // A snapshot beyond the events (version 9 of an aggregate with 2 events) is refused by
        // name; below it, the events serve.
        let mut world = World::create();
        world.make_it_so("a".into());
        app.save(&mut world).await.unwrap();
        let mut beyond = good_state(&world);
        beyond.originator_version = 9;
        snapshots.insert_events(&[beyond]).await.unwrap();
        let err = app.repository().get::<World>(world.id()).await.unwrap_err();
        match &err {
            ApplicationError::SnapshotBeyondEvents {
                application_name,
                aggregate_id,
                snapshot_version: 9,
            } => {
                assert_eq!(application_name, "CorruptSnapshots");
                assert_eq!(*aggregate_id, world.id());
            }
            other => panic!("{backend:?}: {other:?}"),
        }
        assert!(err.to_string().contains("version 9"), "{err}");
        let at: World = app.repository().get_at(world.id(), 2).await.unwrap();
        assert_eq!(at, world, "{backend:?}");
        db.drop_tables(seaorm_recorder(&app).store().connection())
            .await;
    }
}

#[tokio::test]
async fn loads_that_stop_at_a_bad_row_leave_the_pool_usable_on_every_backend() {
    // On PostgreSQL and MySQL the rows of a load are decoded as the server sends them: a row
    // that cannot be mapped stops the load with hundreds of rows still unread. Each such load
    // gives the error, and the connections it used keep working, more times over than the pool
    // has connections.
    for backend in BACKENDS {
        let Some(db) = TestDatabase::new(backend) else {
            continue;
        };
        let app = seaorm_app(&db, "Stops", &[]).await.unwrap();
        let mut world = World::create();
        for i in 0..300 {
            world.make_it_so(format!("event {i}"));
        }
        let mut stored: Vec<StoredEvent> = world
            .collect_events()
            .iter()
            .map(|event| app.mapper().to_stored_event(event).unwrap())
            .collect();
        stored[1].state = b"not json".to_vec();
        app.recorder().insert_events(&stored).await.unwrap();

        for round in 0..12 {
            let err = app.repository().get::<World>(world.id()).await.unwrap_err();
            let ApplicationError::Mapper(mapper_error) = &err else {
                panic!("{backend:?}, round {round}: {err:?}")
            };
            assert_eq!(mapper_error.row.originator_version, 2, "{backend:?}");
            let mut other = World::create();
            other.make_it_so(format!("round {round}"));
            app.save(&mut other).await.unwrap();
            let loaded: World = app.repository().get(other.id()).await.unwrap();
            assert_eq!(loaded, other, "{backend:?}, round {round}");
        }
        db.drop_tables(seaorm_recorder(&app).store().connection())
            .await;
    }
}
