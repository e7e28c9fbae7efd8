//! MySQL/MariaDB: the statement that serialises an application's writers locks the
//! application's first row through the `(application_name, id)` index, and nothing else.
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
    let conn = db.connect().await;
    let store = db.store_on(conn.clone()).await;
    fill(&store, "Locker").await;
    let recorder = store.application_recorder("Locker").expect("recorder");
    let sql = recorder
        .lock_statement()
        .await
        .expect("lock statement")
        .expect("MySQL has one");
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

#[tokio::test]
async fn a_table_without_the_index_is_locked_without_the_hint() {
    let Some(db) = TestDatabase::new(Backend::MySql) else {
        return;
    };
    let conn = db.connect().await;
    let store = db.store_on(conn.clone()).await;
    let table = &db.tables.stored_events;
    // A user's table with only the version key, and an index that starts with the same
    // columns but has a third: neither is the (application_name, id) index.
    conn.execute_unprepared(&format!(
        "ALTER TABLE `{table}` DROP INDEX `{table}_application_name_id_uniq`, \
         ADD INDEX `{table}_app_id_topic` (`application_name`, `id`, `originator_version`)"
    ))
    .await
    .expect("alter table");
    let recorder = store.application_recorder("Plain").expect("recorder");
    let sql = recorder
        .lock_statement()
        .await
        .expect("lock statement")
        .expect("MySQL has one");
    assert!(!sql.contains("FORCE INDEX"), "{sql}");
    assert!(sql.ends_with("LIMIT 1 FOR UPDATE"), "{sql}");
    // Writers still queue and record.
    let ids = recorder.insert_events(&events(2)).await.expect("insert");
    let more = recorder.insert_events(&events(2)).await.expect("insert");
    assert_eq!(ids.len() + more.len(), 4);
    assert!(ids[1] < more[0]);
    db.drop_tables(&conn).await;
}

#[tokio::test]
async fn sqlite_takes_no_lock_statement() {
    let Some(db) = TestDatabase::new(Backend::SqliteFile) else {
        return;
    };
    let store = db.store().await;
    let recorder = store.application_recorder("Any").expect("recorder");
    assert_eq!(recorder.lock_statement().await.expect("statement"), None);
}
