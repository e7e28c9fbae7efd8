//! `seaorm::connect` opens SQLite the way its documentation says: WAL, `synchronous=NORMAL`, the
//! busy timeout, 4 connections for a file (one kept open for memory), and a row buffer of
//! `SQLITE_ROW_BUFFER` rows, through which selects larger than the buffer still read every row.

use eventsourcing_seaorm::seaorm::{SQLITE_BUSY_TIMEOUT, SQLITE_ROW_BUFFER, connect};
use eventsourcing_seaorm_tests::backends::TempDir;
use sea_orm::{ConnectionTrait, DatabaseConnection, Statement};

async fn pragma(conn: &DatabaseConnection, name: &str) -> String {
    let backend = conn.get_database_backend();
    let row = conn
        .query_one_raw(Statement::from_string(backend, format!("PRAGMA {name}")))
        .await
        .unwrap_or_else(|e| panic!("PRAGMA {name}: {e}"))
        .unwrap_or_else(|| panic!("PRAGMA {name} gave no row"));
    row.try_get_by_index::<String>(0)
        .or_else(|_| row.try_get_by_index::<i64>(0).map(|v| v.to_string()))
        .unwrap_or_else(|e| panic!("PRAGMA {name}: {e}"))
}

/// Checks the row buffer that sqlx holds for the pool's connections, in their options' `Debug`
/// text (sqlx keeps the row buffer's size private and shows it only there).
fn assert_row_buffer(conn: &DatabaseConnection) {
    let options = format!("{:?}", conn.get_sqlite_connection_pool().connect_options());
    assert!(
        options.contains(&format!("row_channel_size: {SQLITE_ROW_BUFFER},")),
        "{options}"
    );
}

/// `connect` to the SQLite file `name` in `dir`.
async fn connect_file(dir: &TempDir, name: &str) -> DatabaseConnection {
    connect(&format!("sqlite://{}", dir.0.join(name).display()))
        .await
        .unwrap()
}

#[tokio::test]
async fn sqlite_files_are_opened_as_documented() {
    let dir = TempDir::new();
    let conn = connect_file(&dir, "options.sqlite3").await;
    assert_eq!(pragma(&conn, "journal_mode").await, "wal");
    assert_eq!(pragma(&conn, "synchronous").await, "1", "NORMAL");
    assert_eq!(
        pragma(&conn, "busy_timeout").await,
        SQLITE_BUSY_TIMEOUT.as_millis().to_string()
    );
    assert_eq!(
        conn.get_sqlite_connection_pool()
            .options()
            .get_max_connections(),
        4
    );
    assert_row_buffer(&conn);
}

#[tokio::test]
async fn sqlite_in_memory_keeps_one_connection_with_the_same_buffer() {
    let conn = connect("sqlite::memory:").await.unwrap();
    let pool = conn.get_sqlite_connection_pool();
    assert_eq!(pool.options().get_max_connections(), 1);
    assert_eq!(pool.options().get_min_connections(), 1);
    assert_row_buffer(&conn);
}

#[tokio::test]
async fn selects_larger_than_the_row_buffer_read_every_row_in_order() {
    let dir = TempDir::new();
    let conn = connect_file(&dir, "rows.sqlite3").await;
    let backend = conn.get_database_backend();
    let count = SQLITE_ROW_BUFFER * 3 + 7;
    let rows = conn
        .query_all_raw(Statement::from_string(
            backend,
            format!(
                "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {count}) \
                 SELECT i FROM n"
            ),
        ))
        .await
        .unwrap();
    let read: Vec<i64> = rows
        .iter()
        .map(|row| row.try_get_by_index::<i64>(0).unwrap())
        .collect();
    assert_eq!(read, (1..=count as i64).collect::<Vec<_>>());
}
