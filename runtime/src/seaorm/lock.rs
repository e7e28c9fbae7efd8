//! The lock that serialises writers of events, so that notification ids become visible in id
//! order: `LOCK TABLE … IN EXCLUSIVE MODE` on PostgreSQL (what the Django recorder takes), on
//! MySQL/MariaDB a `SELECT … FOR UPDATE` of the application's first row through the index
//! that reaches it, nothing on SQLite (one writer at a time, `BEGIN IMMEDIATE`).

use std::collections::BTreeMap;
use std::sync::atomic::Ordering;

use sea_orm::{ConnectionTrait, DbBackend, DbErr, Value};

use super::errors::{ER_KEY_DOES_NOT_EXIST, mysql_error_number};
use super::statements::{Purpose, Statements};

/// What [`lock`] locks, `None` when it takes no lock (SQLite, snapshots): writers with the same
/// key need to lock only once in a transaction.
pub(crate) fn lock_key(statements: &Statements) -> Option<&str> {
    match (statements.backend(), statements.purpose) {
        (DbBackend::Sqlite, _) | (_, Purpose::Snapshots) => None,
        // MySQL locks one application's first row; PostgreSQL the whole table.
        (DbBackend::MySql, _) => Some(&statements.lock_target),
        _ => Some(&statements.quoted_table),
    }
}

/// Takes the lock that serialises writers of events (snapshots need none), in `txn`.
pub(crate) async fn lock(statements: &Statements, txn: &impl ConnectionTrait) -> Result<(), DbErr> {
    let Some(sql) = lock_statement(statements, txn).await else {
        return Ok(());
    };
    let dialect = &statements.dialect;
    if dialect.backend != DbBackend::MySql {
        return txn
            .execute_raw(dialect.statement(sql, Vec::new()))
            .await
            .map(|_| ());
    }
    let app = || vec![Value::from(statements.application_name.as_str())];
    match txn.execute_raw(dialect.statement(sql, app())).await {
        Ok(_) => Ok(()),
        // The index the statement names was dropped, renamed, made invisible or ignored
        // since it was looked up: lock without naming it from now on. (A failed statement
        // leaves a MySQL transaction usable.)
        Err(error) if mysql_error_number(&error) == Some(ER_KEY_DOES_NOT_EXIST) => {
            tracing::warn!(
                application = %statements.application_name,
                table = %statements.table,
                %error,
                "the index the lock statement names is gone: locking without naming it"
            );
            statements.lock_unhinted.store(true, Ordering::Relaxed);
            txn.execute_raw(dialect.statement(mysql_lock_sql(statements, None), app()))
                .await
                .map(|_| ())
        }
        Err(error) => Err(error),
    }
}

/// The statement that serialises the writers of `statements`' table, as it is sent; `None` on
/// SQLite and for snapshots. On MySQL/MariaDB the index it names is looked up on `conn` the
/// first time (see `SeaOrmRecorder::lock_statement`).
pub(crate) async fn lock_statement(
    statements: &Statements,
    conn: &impl ConnectionTrait,
) -> Option<String> {
    if statements.purpose == Purpose::Snapshots {
        return None;
    }
    if statements.lock_unhinted.load(Ordering::Relaxed) {
        return Some(mysql_lock_sql(statements, None));
    }
    if let Some(sql) = statements.lock.get() {
        return sql.clone();
    }
    let sql = match statements.backend() {
        // What the Django recorder does: writers queue, readers are not blocked.
        DbBackend::Postgres => Some(format!(
            "LOCK TABLE {} IN EXCLUSIVE MODE",
            statements.quoted_table
        )),
        DbBackend::MySql => {
            let index = match first_row_index(statements, conn).await {
                Ok(Some(index)) => Some(index),
                Ok(None) => {
                    tracing::warn!(
                        application = %statements.application_name,
                        table = %statements.table,
                        "no index on (application_name, {}): locking an application's first row may read and lock other applications' rows",
                        statements.key
                    );
                    None
                }
                Err(error) => {
                    tracing::warn!(
                        application = %statements.application_name,
                        table = %statements.table,
                        %error,
                        "cannot look up the table's indexes: locking an application's first row without naming its index"
                    );
                    None
                }
            };
            Some(mysql_lock_sql(statements, index.as_deref()))
        }
        _ => None,
    };
    statements.lock.get_or_init(|| sql).clone()
}

/// MySQL/MariaDB: locking the application's first row queues this application's writers;
/// plain reads are not blocked. (On an application's very first write two writers can
/// deadlock instead; the database aborts one and it is retried. InnoDB's next-key lock
/// covers the gap before that row too, so a writer of the application just before it in
/// (application_name, id) order may also wait: correct, a little slower.)
fn mysql_lock_sql(statements: &Statements, index: Option<&str>) -> String {
    let dialect = &statements.dialect;
    let hint = index
        .map(|index| format!(" FORCE INDEX ({})", dialect.quote(index)))
        .unwrap_or_default();
    format!(
        "SELECT {key} FROM {t}{hint} WHERE {app} = ? ORDER BY {key} LIMIT 1 FOR UPDATE",
        key = dialect.quote(statements.key),
        t = statements.quoted_table,
        app = dialect.quote("application_name"),
    )
}

/// MySQL/MariaDB: an index of the table that reads an application's rows in id order:
/// on `(application_name, id)` (Django's and the migration's unique constraint) by
/// preference, else one starting with those columns, or on `(application_name)` alone
/// (InnoDB orders its entries by the primary key).
async fn first_row_index(
    statements: &Statements,
    conn: &impl ConnectionTrait,
) -> Result<Option<String>, DbErr> {
    // Parts on an expression or a prefix of a column come back as '' (they do not serve);
    // the CASTs keep MySQL 8's binary strings readable as text.
    let sql = "SELECT CAST(INDEX_NAME AS CHAR), \
               CAST(IF(COLUMN_NAME IS NULL OR SUB_PART IS NOT NULL, '', COLUMN_NAME) AS CHAR) \
               FROM information_schema.STATISTICS \
               WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? \
               ORDER BY INDEX_NAME, SEQ_IN_INDEX";
    let rows = conn
        .query_all_raw(
            statements
                .dialect
                .statement(sql.to_owned(), vec![Value::from(statements.table.as_str())]),
        )
        .await?;
    let mut indexes: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for row in &rows {
        let index: String = row.try_get_by_index(0)?;
        let column: String = row.try_get_by_index(1)?;
        indexes.entry(index).or_default().push(column);
    }
    let key = statements.key;
    let is = |column: &String, name: &str| column.eq_ignore_ascii_case(name);
    let rank = |columns: &[String]| match columns {
        [app, k] if is(app, "application_name") && is(k, key) => Some(0),
        [app, k, ..] if is(app, "application_name") && is(k, key) => Some(1),
        [app] if is(app, "application_name") => Some(2),
        _ => None,
    };
    Ok(indexes
        .into_iter()
        .filter_map(|(index, columns)| rank(&columns).map(|rank| (rank, index)))
        .min()
        .map(|(_, index)| index))
}
