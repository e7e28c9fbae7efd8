//! The statement that serialises writers. On MySQL/MariaDB it locks the application's first
//! row through the `(application_name, id)` index, and nothing else.
//!
//! Without naming that index, MariaDB sometimes (under concurrent inserts, as its estimates
//! drift) reads the table in id order from its start instead, locking every row it passes: the
//! bench saw saves of 16 writers fall to ~100 events/s with 90,000 rows locked per save.

use eventsourcing_seaorm::persistence::{AggregateRecorder, StoredEvent};
use eventsourcing_seaorm::seaorm::SeaOrmStore;
use eventsourcing_seaorm_tests::backends::{Backend, TestDatabase};
use eventsourcing_seaorm_tests::contract::stored;
use sea_orm::{ConnectionTrait, DbBackend, Statement, TransactionTrait};
use uuid::Uuid;

const TOPIC: &str = "tests:Lock.Event";

/// The rows (record locks) the current transaction holds, from InnoDB.
async fn rows_locked(txn: &impl ConnectionTrait) -> u64 {
    let row = txn
        .query_one_raw(Statement::from_string(
            DbBackend::MySql,
            "SELECT trx_rows_locked FROM information_schema.innodb_trx \
             WHERE trx_mysql_thread_id = CONNECTION_ID()",
        ))
        .await
        .expect("innodb_trx")
        .expect("this connection has a transaction");
    row.try_get_by_index::<u64>(0).expect("a count")
}

fn events(count: usize) -> Vec<StoredEvent> {
    (0..count)
        .map(|_| stored(Uuid::new_v4(), 1, TOPIC))
        .collect()
}

/// Other applications' rows first, then a few of `app`'s, as in a shared table.
async fn fill(store: &SeaOrmStore, app: &str) {
    for other in ["Aardvark", "Zebra"] {
        let recorder = store.application_recorder(other).expect("recorder");
        for _ in 0..4 {
            recorder.insert_events(&events(500)).await.expect("insert");
        }
    }
    let recorder = store.application_recorder(app).expect("recorder");
    recorder.insert_events(&events(3)).await.expect("insert");
}

#[tokio::test]
async fn the_lock_names_the_application_id_index_and_locks_one_row() {
    let Some(db) = TestDatabase::new(Backend::MySql) else {
        return;
    };
    let store = db.store().await;
    let conn = store.connection().clone();
    fill(&store, "Locker").await;
    let recorder = store.application_recorder("Locker").expect("recorder");
    let sql = recorder.lock_statement().await.expect("MySQL has one");
    let index = format!("{}_application_name_id_uniq", db.tables.stored_events);
    assert!(
        sql.contains(&format!("FORCE INDEX (`{index}`)")),
        "the lock statement should name {index}: {sql}"
    );

    // As sent, MariaDB reads that index by the application name.
    let explained = conn
        .query_one_raw(Statement::from_sql_and_values(
            DbBackend::MySql,
            format!("EXPLAIN {sql}"),
            ["Locker".into()],
        ))
        .await
        .expect("explain")
        .expect("a plan");
    let key: String = explained.try_get("", "key").expect("key");
    let access: String = explained.try_get("", "type").expect("type");
    assert_eq!((key.as_str(), access.as_str()), (index.as_str(), "ref"));

    // A save in a caller's transaction locks the first row (index entry and row) and inserts;
    // none of the 4,000 rows of the other applications.
    let txn = conn.begin().await.expect("begin");
    recorder
        .insert_events_in(&txn, &events(1))
        .await
        .expect("insert in a transaction");
    let locked = rows_locked(&txn).await;
    assert!(locked <= 3, "the save locked {locked} rows");
    txn.rollback().await.expect("rollback");
    db.drop_tables(&conn).await;
}

/// The lock statement a new recorder (nothing cached) of `app` on `store` uses.
async fn statement_of(store: &SeaOrmStore, app: &str) -> String {
    let recorder = store.application_recorder(app).expect("recorder");
    recorder.lock_statement().await.expect("MySQL has one")
}

#[tokio::test]
async fn which_index_the_lock_names() {
    let Some(db) = TestDatabase::new(Backend::MySql) else {
        return;
    };
    let store = db.store().await;
    let conn = store.connection().clone();
    let table = &db.tables.stored_events;
    let alter = |change: String| {
        let conn = conn.clone();
        async move {
            conn.execute_unprepared(&format!("ALTER TABLE `{table}` {change}"))
                .await
                .expect("alter table")
        }
    };
    // Without the (application_name, id) index: an index that only starts with those columns
    // serves, by preference over one on application_name alone.
    alter(format!(
        "DROP INDEX `{table}_application_name_id_uniq`, \
         ADD INDEX `by_app` (`application_name`), \
         ADD INDEX `by_app_id_version` (`application_name`, `id`, `originator_version`)"
    ))
    .await;
    let sql = statement_of(&store, "Apps").await;
    assert!(sql.contains("FORCE INDEX (`by_app_id_version`)"), "{sql}");
    alter("DROP INDEX `by_app_id_version`".into()).await;
    let sql = statement_of(&store, "Apps").await;
    assert!(sql.contains("FORCE INDEX (`by_app`)"), "{sql}");
    // A prefix of application_name does not serve, nor does an index with id first.
    alter(
        "DROP INDEX `by_app`, ADD INDEX `by_prefix` (`application_name`(4), `id`), \
         ADD INDEX `by_id_app` (`id`, `application_name`)"
            .into(),
    )
    .await;
    let sql = statement_of(&store, "Apps").await;
    assert!(!sql.contains("FORCE INDEX"), "{sql}");
    assert!(sql.ends_with("LIMIT 1 FOR UPDATE"), "{sql}");
    // Writers still queue and record.
    let recorder = store.application_recorder("Apps").expect("recorder");
    let ids = recorder.insert_events(&events(2)).await.expect("insert");
    let more = recorder.insert_events(&events(2)).await.expect("insert");
    assert_eq!(ids.len() + more.len(), 4);
    assert!(ids[1] < more[0]);
    db.drop_tables(&conn).await;
}

#[tokio::test]
async fn an_index_dropped_after_the_lookup_does_not_stop_writers() {
    let Some(db) = TestDatabase::new(Backend::MySql) else {
        return;
    };
    let store = db.store().await;
    let conn = store.connection().clone();
    let recorder = store.application_recorder("Dropped").expect("recorder");
    recorder.insert_events(&events(1)).await.expect("insert");
    // A second store sharing nothing with the first, for a save in a caller's transaction.
    let other = SeaOrmStore::with_tables(conn.clone(), db.tables.clone())
        .await
        .expect("store");
    let in_txn = other.application_recorder("Dropped").expect("recorder");
    for recorder in [&recorder, &in_txn] {
        let before = recorder.lock_statement().await.expect("MySQL has one");
        assert!(before.contains("FORCE INDEX"), "{before}");
    }
    let table = &db.tables.stored_events;
    conn.execute_unprepared(&format!(
        "ALTER TABLE `{table}` DROP INDEX `{table}_application_name_id_uniq`"
    ))
    .await
    .expect("drop index");
    // The statement naming the index fails; the save locks without the hint instead.
    let ids = recorder.insert_events(&events(2)).await.expect("insert");
    assert_eq!(ids.len(), 2);
    let txn = conn.begin().await.expect("begin");
    in_txn
        .insert_events_in(&txn, &events(1))
        .await
        .expect("insert in a transaction");
    txn.commit().await.expect("commit");
    for recorder in [&recorder, &in_txn] {
        let after = recorder.lock_statement().await.expect("MySQL has one");
        assert!(!after.contains("FORCE INDEX"), "{after}");
    }
    db.drop_tables(&conn).await;
}

#[tokio::test]
async fn postgres_takes_the_django_table_lock() {
    let Some(db) = TestDatabase::new(Backend::Postgres) else {
        return;
    };
    let store = db.store().await;
    let conn = store.connection().clone();
    let recorder = store.application_recorder("Pg").expect("recorder");
    assert_eq!(
        recorder.lock_statement().await,
        Some(format!(
            "LOCK TABLE \"{}\" IN EXCLUSIVE MODE",
            db.tables.stored_events
        ))
    );
    db.drop_tables(&conn).await;
}

#[tokio::test]
async fn sqlite_takes_no_lock_statement() {
    let Some(db) = TestDatabase::new(Backend::SqliteFile) else {
        return;
    };
    let store = db.store().await;
    let recorder = store.application_recorder("Any").expect("recorder");
    assert_eq!(recorder.lock_statement().await, None);
}
