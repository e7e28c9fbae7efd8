//! A service developer's conveniences (issue 21), on every configured backend: the storage a
//! database URL selects, commands that try again after a conflict, units of work that commit
//! the user's own SeaORM writes with the aggregates' events, and error kinds.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

use eventsourcing_seaorm::application::factory::Infrastructure;
use eventsourcing_seaorm::application::{
    Application, ApplicationError, CommandError, ErrorKind, RetryPolicy,
};
use eventsourcing_seaorm::domain::Aggregate;
use eventsourcing_seaorm::seaorm::SeaOrmStore;
use eventsourcing_seaorm_tests::backends::{Backend, TempDir, TestDatabase};
use eventsourcing_seaorm_tests::inventory::{Item, StockError};
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend};
use uuid::Uuid;

const NO_ENV: [(&str, &str); 0] = [];
const BACKENDS: [Backend; 4] = [
    Backend::SqliteFile,
    Backend::SqliteMemory,
    Backend::Postgres,
    Backend::MySql,
];

/// An application on the test's own tables of `db`, on `conn`.
async fn app_on(db: &TestDatabase, conn: DatabaseConnection, name: &str) -> Application {
    let store = SeaOrmStore::with_tables(conn, db.tables.clone())
        .await
        .expect("store");
    Application::builder(name)
        .environment(NO_ENV)
        .setting("AGGREGATE_CACHE_MAXSIZE", "100")
        .store(store)
        .build()
        .await
        .expect("application")
}

#[tokio::test]
async fn a_database_url_alone_stores_through_seaorm() {
    let dir = TempDir::new();
    let path = dir.0.join("inventory.sqlite3");
    let url = format!("sqlite://{}", path.display());
    let build = || {
        Application::builder("Inventory")
            .environment([("DATABASE_URL", url.as_str())])
            .build()
    };
    let app = build().await.unwrap();
    assert!(matches!(app.infrastructure(), Infrastructure::SeaOrm(_)));
    let item = app.create(|| Item::create("bolt".into())).await.unwrap();
    drop(app);
    // A new application on the same file (as after a restart) finds it.
    let app = build().await.unwrap();
    let found: Item = app.get(item.id()).await.unwrap();
    assert_eq!(found.name, "bolt");

    // The typed builder methods say the same without setting names.
    let app = Application::builder("Inventory")
        .environment(NO_ENV)
        .sqlite(path.display().to_string())
        .build()
        .await
        .unwrap();
    assert!(app.get::<Item>(item.id()).await.is_ok());
    let app = Application::builder("Inventory")
        .environment(NO_ENV)
        .database_url(&url)
        .build()
        .await
        .unwrap();
    assert!(app.get::<Item>(item.id()).await.is_ok());

    // In memory only when nothing names a database, or when the code says so.
    let app = Application::builder("Inventory")
        .environment(NO_ENV)
        .build()
        .await
        .unwrap();
    assert!(matches!(app.infrastructure(), Infrastructure::Memory));
    let app = Application::builder("Inventory")
        .environment([("DATABASE_URL", url.as_str())])
        .in_memory()
        .build()
        .await
        .unwrap();
    assert!(matches!(app.infrastructure(), Infrastructure::Memory));
    assert!(app.get::<Item>(item.id()).await.unwrap_err().is_not_found());

    // Memory and a database both given in code contradict each other.
    let error = Application::builder("Inventory")
        .environment(NO_ENV)
        .sqlite(path.display().to_string())
        .in_memory()
        .build()
        .await
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Settings);
    assert!(
        error.to_string().contains("DATABASE_URL given in code"),
        "{error}"
    );

    // A file name with the characters a URL gives meaning to.
    let odd = dir.0.join("stock #1 ?100%.sqlite3");
    let app = Application::builder("Inventory")
        .environment(NO_ENV)
        .sqlite(odd.display().to_string())
        .build()
        .await
        .unwrap();
    app.create(|| Item::create("odd".into())).await.unwrap();
    assert!(odd.exists(), "{}", odd.display());

    // The Python names still select what they name.
    for module in ["eventsourcing_django", "eventsourcing_seaorm"] {
        let app = Application::builder("Inventory")
            .environment([
                ("DATABASE_URL", url.as_str()),
                ("PERSISTENCE_MODULE", module),
            ])
            .build()
            .await
            .unwrap();
        assert!(matches!(app.infrastructure(), Infrastructure::SeaOrm(_)));
    }
}

#[tokio::test]
async fn an_in_memory_module_that_contradicts_a_database_fails_to_build() {
    let dir = TempDir::new();
    let url = format!("sqlite://{}", dir.0.join("inventory.sqlite3").display());
    for module in ["eventsourcing.popo", "popo", "eventsourcing.popo:Factory"] {
        let error = Application::builder("Inventory")
            .environment([
                ("DATABASE_URL", url.as_str()),
                ("PERSISTENCE_MODULE", module),
            ])
            .build()
            .await
            .unwrap_err();
        assert_eq!(error.kind(), ErrorKind::Settings);
        let message = error.to_string();
        assert!(message.contains("PERSISTENCE_MODULE"), "{message}");
        assert!(message.contains("DATABASE_URL"), "{message}");
        assert!(message.contains("in-memory"), "{message}");
    }
    // The application's own prefixed key is named as it was found.
    let error = Application::builder("Inventory")
        .environment([
            ("INVENTORY_DATABASE_URL", url.as_str()),
            ("PERSISTENCE_MODULE", "popo"),
        ])
        .build()
        .await
        .unwrap_err();
    assert!(
        error.to_string().contains("INVENTORY_DATABASE_URL"),
        "{error}"
    );
    // A connection given in code names a database too.
    let conn = sea_orm::Database::connect("sqlite::memory:").await.unwrap();
    let error = Application::builder("Inventory")
        .environment([("PERSISTENCE_MODULE", "popo")])
        .connection(conn)
        .build()
        .await
        .unwrap_err();
    assert!(
        error.to_string().contains("connection given in code"),
        "{error}"
    );
}

#[tokio::test]
async fn execute_runs_a_command_and_returns_the_domain_error_typed() {
    for app in [
        Application::builder("Inventory")
            .in_memory()
            .build()
            .await
            .unwrap(),
        Application::builder("Inventory")
            .in_memory()
            .setting("AGGREGATE_CACHE_MAXSIZE", "10")
            .build()
            .await
            .unwrap(),
    ] {
        let item: Item = app.create(|| Item::create("nut".into())).await.unwrap();
        let id = item.id();
        app.execute::<Item, _>(id, |item| item.receive(5))
            .await
            .unwrap();
        let on_hand = app
            .execute::<Item, _>(id, |item| {
                item.ship(3)?;
                Ok::<_, StockError>(item.on_hand)
            })
            .await
            .unwrap();
        assert_eq!(on_hand, 2);

        let refused = app
            .execute::<Item, _>(id, |item| item.ship(7))
            .await
            .unwrap_err();
        assert_eq!(refused.kind(), ErrorKind::Rejected);
        assert_eq!(
            refused.rejection(),
            Some(&StockError::NotEnough {
                on_hand: 2,
                asked: 7
            })
        );
        // Nothing was recorded for it.
        let item: Item = app.get(id).await.unwrap();
        assert_eq!((item.version(), item.on_hand), (3, 2));

        // A method that cannot fail; the not-found kind.
        app.execute::<Item, _>(id, |item| item.discontinue())
            .await
            .unwrap();
        let missing = app
            .execute::<Item, _>(Uuid::new_v4(), |item| item.discontinue())
            .await
            .unwrap_err();
        assert!(missing.is_not_found());
        assert_eq!(missing.kind(), ErrorKind::NotFound);
    }
}

/// On every backend: 20 tasks ship one each from one item at once; each command tries again
/// after a conflict, so that all succeed and the stock ends at zero.
#[tokio::test]
async fn concurrent_commands_on_one_aggregate_all_succeed_by_trying_again() {
    for backend in BACKENDS {
        let Some(db) = TestDatabase::new(backend) else {
            continue;
        };
        let conn = db.connect().await;
        let app = app_on(&db, conn.clone(), "Inventory").await;
        let app = Application::builder("Inventory")
            .environment(NO_ENV)
            .store(
                SeaOrmStore::with_tables(conn.clone(), db.tables.clone())
                    .await
                    .unwrap(),
            )
            .retry_policy(RetryPolicy::attempts(100))
            .build()
            .await
            .map(|retrying| (app, retrying))
            .unwrap();
        let (plain, app) = app;
        let id = plain
            .create(|| Item::create("washer".into()))
            .await
            .unwrap()
            .id();
        plain
            .execute::<Item, _>(id, |item| item.receive(20))
            .await
            .unwrap();
        let runs = Arc::new(AtomicU32::new(0));
        let tasks: Vec<_> = (0..20)
            .map(|_| {
                let app = app.clone();
                let runs = runs.clone();
                tokio::spawn(async move {
                    app.execute::<Item, _>(id, |item| {
                        runs.fetch_add(1, Ordering::Relaxed);
                        item.ship(1)
                    })
                    .await
                })
            })
            .collect();
        for task in tasks {
            task.await
                .unwrap()
                .unwrap_or_else(|e| panic!("{backend:?}: {e}"));
        }
        let item: Item = plain.get(id).await.unwrap();
        assert_eq!((item.on_hand, item.version()), (0, 22), "{backend:?}");
        // Each command ran once per try; how many conflicted depends on the timing.
        eprintln!(
            "{backend:?}: 20 commands ran {} times",
            runs.load(Ordering::Relaxed)
        );
        db.drop_tables(&conn).await;
    }
}

/// A conflict made on purpose: a cached copy that is not brought up to date (fast-forwarding
/// off) is behind the store, so the first try conflicts; the command drops it, loads again and
/// succeeds. Without tries again, the conflict is returned.
#[tokio::test]
async fn a_conflict_is_tried_again_from_a_fresh_load() {
    for backend in BACKENDS {
        let Some(db) = TestDatabase::new(backend) else {
            continue;
        };
        let conn = db.connect().await;
        let build = |retry: RetryPolicy| {
            let (db, conn) = (&db, conn.clone());
            async move {
                Application::builder("Inventory")
                    .environment(NO_ENV)
                    .settings([
                        ("AGGREGATE_CACHE_MAXSIZE", "10"),
                        ("AGGREGATE_CACHE_FASTFORWARD", "n"),
                    ])
                    .store(
                        SeaOrmStore::with_tables(conn, db.tables.clone())
                            .await
                            .unwrap(),
                    )
                    .retry_policy(retry)
                    .build()
                    .await
                    .unwrap()
            }
        };
        let stale = build(RetryPolicy::default()).await;
        let never = build(RetryPolicy::never()).await;
        let other = app_on(&db, conn.clone(), "Inventory").await;
        for app in [&stale, &never] {
            let item = app.create(|| Item::create("pin".into())).await.unwrap();
            // Each of the two now caches version 1; another writer records version 2.
            other
                .execute::<Item, _>(item.id(), |item| item.receive(3))
                .await
                .unwrap();
            let mut runs = 0;
            let outcome = app
                .execute::<Item, _>(item.id(), |item| {
                    runs += 1;
                    item.receive(1)
                })
                .await;
            if std::ptr::eq(app, &stale) {
                outcome.unwrap_or_else(|e| panic!("{backend:?}: {e}"));
                assert_eq!(runs, 2, "{backend:?}");
                let item: Item = other.get(item.id()).await.unwrap();
                assert_eq!((item.on_hand, item.version()), (4, 3), "{backend:?}");
            } else {
                let error = outcome.unwrap_err();
                assert!(error.is_conflict(), "{backend:?}: {error}");
                assert_eq!(error.kind(), ErrorKind::Conflict);
                assert_eq!(runs, 1, "{backend:?}");
            }
        }
        db.drop_tables(&conn).await;
    }
}

/// The read model's table of this test, and statements on it in the test's SQL.
struct StockTable {
    name: String,
}

impl StockTable {
    async fn create(db: &TestDatabase, conn: &DatabaseConnection) -> Self {
        let name = format!(
            "{}item_stock",
            db.tables.stored_events.trim_end_matches("stored_events")
        );
        conn.execute_unprepared(&format!(
            "CREATE TABLE {name} (item_id VARCHAR(36) PRIMARY KEY, on_hand INTEGER NOT NULL)"
        ))
        .await
        .unwrap();
        Self { name }
    }

    async fn insert(&self, conn: &impl ConnectionTrait, id: Uuid) -> Result<(), sea_orm::DbErr> {
        conn.execute_unprepared(&format!(
            "INSERT INTO {} (item_id, on_hand) VALUES ('{id}', 0)",
            self.name
        ))
        .await
        .map(|_| ())
    }

    async fn set(
        &self,
        conn: &impl ConnectionTrait,
        id: Uuid,
        on_hand: u32,
    ) -> Result<(), sea_orm::DbErr> {
        conn.execute_unprepared(&format!(
            "UPDATE {} SET on_hand = {on_hand} WHERE item_id = '{id}'",
            self.name
        ))
        .await
        .map(|_| ())
    }

    async fn on_hand(&self, conn: &DatabaseConnection, id: Uuid) -> Option<u32> {
        let row = conn
            .query_one_raw(sea_orm::Statement::from_string(
                conn.get_database_backend(),
                format!("SELECT on_hand FROM {} WHERE item_id = '{id}'", self.name),
            ))
            .await
            .unwrap()?;
        let on_hand: i64 = match conn.get_database_backend() {
            DbBackend::Postgres => i64::from(row.try_get::<i32>("", "on_hand").unwrap()),
            _ => row.try_get::<i64>("", "on_hand").unwrap(),
        };
        Some(u32::try_from(on_hand).unwrap())
    }

    async fn drop_table(&self, conn: &DatabaseConnection) {
        let _ = conn
            .execute_unprepared(&format!("DROP TABLE {}", self.name))
            .await;
    }
}

/// A unit of work commits the read model's row with the aggregate's events, rolls both back
/// when the domain refuses (leaving no stale copy in the cache), and tries the whole again on
/// a conflict, so that concurrent units keep the read model equal to the aggregate.
#[tokio::test]
async fn units_of_work_commit_the_read_model_with_the_events() {
    for backend in BACKENDS {
        let Some(db) = TestDatabase::new(backend) else {
            continue;
        };
        let conn = db.connect().await;
        let stock = Arc::new(StockTable::create(&db, &conn).await);
        let app = app_on(&db, conn.clone(), "Inventory").await;

        let created = {
            let stock = stock.clone();
            app.unit_of_work(move |work| {
                let stock = stock.clone();
                async move {
                    let item = work.create(|| Item::create("gear".into())).await?;
                    stock.insert(work.transaction(), item.id()).await?;
                    let on_hand = work
                        .execute::<Item, _>(item.id(), |item| {
                            item.receive(10)?;
                            Ok::<_, StockError>(item.on_hand)
                        })
                        .await?;
                    stock.set(work.transaction(), item.id(), on_hand).await?;
                    Ok::<_, CommandError<StockError>>(item.id())
                }
            })
            .await
        };
        let id = created.unwrap_or_else(|e| panic!("{backend:?}: {e}"));
        assert_eq!(stock.on_hand(&conn, id).await, Some(10), "{backend:?}");
        let cached: Item = app.get(id).await.unwrap();
        assert_eq!(cached.on_hand, 10);

        // Refused after a save in the transaction: nothing of it stays.
        let stock2 = stock.clone();
        let refused = app
            .unit_of_work(move |work| {
                let stock = stock2.clone();
                async move {
                    work.execute::<Item, _>(id, |item| item.ship(4)).await?;
                    stock.set(work.transaction(), id, 6).await?;
                    work.execute::<Item, _>(id, |item| item.ship(40)).await?;
                    Ok::<_, CommandError<StockError>>(())
                }
            })
            .await
            .unwrap_err();
        assert_eq!(refused.kind(), ErrorKind::Rejected, "{backend:?}");
        assert_eq!(stock.on_hand(&conn, id).await, Some(10), "{backend:?}");
        let item: Item = app.get(id).await.unwrap();
        assert_eq!((item.on_hand, item.version()), (10, 2), "{backend:?}");

        // Ten at once, each shipping one and writing the read model.
        let tasks: Vec<_> = (0..10)
            .map(|_| {
                let (app, stock) = (app.clone(), stock.clone());
                tokio::spawn(async move {
                    app.unit_of_work(move |work| {
                        let stock = stock.clone();
                        async move {
                            let on_hand = work
                                .execute::<Item, _>(id, |item| {
                                    item.ship(1)?;
                                    Ok::<_, StockError>(item.on_hand)
                                })
                                .await?;
                            stock.set(work.transaction(), id, on_hand).await?;
                            Ok::<_, CommandError<StockError>>(on_hand)
                        }
                    })
                    .await
                })
            })
            .collect();
        for task in tasks {
            task.await
                .unwrap()
                .unwrap_or_else(|e| panic!("{backend:?}: {e}"));
        }
        let item: Item = app.get(id).await.unwrap();
        assert_eq!((item.on_hand, item.version()), (0, 12), "{backend:?}");
        assert_eq!(stock.on_hand(&conn, id).await, Some(0), "{backend:?}");

        // A SQL error of the user's own is a `Database` error, and rolls the events back.
        let failed = app
            .unit_of_work(|work| async move {
                work.execute::<Item, _>(id, |item| item.receive(1)).await?;
                work.transaction()
                    .execute_unprepared("UPDATE no_such_table SET x = 1")
                    .await?;
                Ok::<_, CommandError<StockError>>(())
            })
            .await
            .unwrap_err();
        assert!(
            matches!(failed, CommandError::Database(_)),
            "{backend:?}: {failed}"
        );
        assert_eq!(failed.kind(), ErrorKind::Other);
        assert_eq!(
            app.get::<Item>(id).await.unwrap().version(),
            12,
            "{backend:?}"
        );

        stock.drop_table(&conn).await;
        db.drop_tables(&conn).await;
    }
}

/// On the servers, another writer can commit between a unit's read and its save: the unit's
/// save conflicts, and the whole unit runs again.
#[tokio::test]
async fn a_unit_of_work_that_conflicts_runs_again() {
    for backend in [Backend::Postgres, Backend::MySql] {
        let Some(db) = TestDatabase::new(backend) else {
            continue;
        };
        let conn = db.connect().await;
        let app = app_on(&db, conn.clone(), "Inventory").await;
        let item = app.create(|| Item::create("cog".into())).await.unwrap();
        let id = item.id();
        let runs = Arc::new(AtomicU32::new(0));
        // Another writer, on its own connection.
        let other = app_on(&db, db.connect().await, "Inventory").await;
        let outcome = {
            let runs = runs.clone();
            app.unit_of_work(move |work| {
                let (runs, other) = (runs.clone(), other.clone());
                async move {
                    let mut item: Item = work.get(id).await?;
                    if runs.fetch_add(1, Ordering::Relaxed) == 0 {
                        // The other writer goes first, between the unit's read and its save
                        // (before the save takes the write lock).
                        other
                            .execute::<Item, _>(id, |item| item.receive(5))
                            .await
                            .map_err(|e| match e {
                                CommandError::Application(e) => e,
                                other => panic!("{other}"),
                            })?;
                    }
                    item.receive(1).map_err(CommandError::Rejected)?;
                    work.save(&mut item).await?;
                    Ok::<_, CommandError<StockError>>(item.on_hand)
                }
            })
            .await
        };
        assert_eq!(outcome.unwrap_or_else(|e| panic!("{backend:?}: {e}")), 6);
        assert_eq!(runs.load(Ordering::Relaxed), 2);
        db.drop_tables(&conn).await;
    }
}

#[tokio::test]
async fn a_unit_of_work_needs_seaorm_storage_and_its_own_end() {
    let app = Application::builder("Inventory")
        .in_memory()
        .build()
        .await
        .unwrap();
    let error = app
        .unit_of_work(|_work| async { Ok::<_, CommandError>(()) })
        .await
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Settings, "{error}");

    // A `UnitOfWork` kept after its closure's future ended is not committed.
    let db = TestDatabase::new(Backend::SqliteMemory).unwrap();
    let conn = db.connect().await;
    let app = app_on(&db, conn, "Inventory").await;
    let mut kept = Vec::new();
    let error = app
        .unit_of_work(|work| {
            kept.push(work);
            async { Ok::<_, CommandError>(()) }
        })
        .await
        .unwrap_err();
    assert!(error.to_string().contains("UnitOfWork"), "{error}");
}

#[tokio::test]
async fn error_kinds_of_an_unreachable_database_and_bad_settings() {
    // A closed local port: bound, then released.
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    for url in [
        format!("postgres://postgres@127.0.0.1:{port}/test"),
        format!("mysql://root@127.0.0.1:{port}/test"),
    ] {
        let error = Application::builder("Inventory")
            .environment([("DATABASE_URL", url.as_str()), ("CONNECT_TIMEOUT", "2")])
            .build()
            .await
            .unwrap_err();
        assert_eq!(error.kind(), ErrorKind::Unavailable, "{error}");
    }
    let error = Application::builder("Inventory")
        .environment([("COMMAND_ATTEMPTS", "0")])
        .build()
        .await
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Settings, "{error}");
    assert!(error.to_string().contains("COMMAND_ATTEMPTS"), "{error}");
    let app = Application::builder("Inventory")
        .environment([("COMMAND_ATTEMPTS", "3")])
        .build()
        .await
        .unwrap();
    assert_eq!(app.retry_policy().attempts, 3);
    let not_found: ApplicationError = app.get::<Item>(Uuid::new_v4()).await.unwrap_err();
    assert_eq!(not_found.kind(), ErrorKind::NotFound);
}

/// A transaction the database rolled back to break a deadlock or a serialisation failure
/// (SQLSTATE class 40, raised here on purpose on PostgreSQL) is tried again as a whole, and
/// on its own it is `ErrorKind::Unavailable`.
#[tokio::test]
async fn a_unit_of_work_rolled_back_by_the_database_runs_again() {
    let Some(db) = TestDatabase::new(Backend::Postgres) else {
        return;
    };
    let conn = db.connect().await;
    let app = app_on(&db, conn.clone(), "Inventory").await;
    let id = app
        .create(|| Item::create("cam".into()))
        .await
        .unwrap()
        .id();
    let deadlock = "DO $$ BEGIN RAISE EXCEPTION 'as if deadlocked' USING ERRCODE = '40P01'; END $$";
    let runs = Arc::new(AtomicU32::new(0));
    let outcome = {
        let runs = runs.clone();
        app.unit_of_work(move |work| {
            let runs = runs.clone();
            async move {
                work.execute::<Item, _>(id, |item| item.receive(1)).await?;
                if runs.fetch_add(1, Ordering::Relaxed) == 0 {
                    work.transaction().execute_unprepared(deadlock).await?;
                }
                Ok::<_, CommandError<StockError>>(())
            }
        })
        .await
    };
    outcome.unwrap();
    assert_eq!(runs.load(Ordering::Relaxed), 2);
    assert_eq!(app.get::<Item>(id).await.unwrap().on_hand, 1);

    let error = app
        .unit_of_work(|work| async move {
            work.transaction().execute_unprepared(deadlock).await?;
            Ok::<_, CommandError>(())
        })
        .await;
    // Every try deadlocks: the last one's error is returned.
    let error = error.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Unavailable, "{error}");
    db.drop_tables(&conn).await;
}
