use std::collections::{BTreeMap, HashSet};
use std::ops::ControlFlow;
use std::sync::atomic::Ordering;

use async_trait::async_trait;
use sea_orm::{
    ConnectionTrait, DatabaseTransaction, DbBackend, DbErr, QueryResult, RuntimeErr, SqlErr,
    SqliteTransactionMode, TransactionOptions, TransactionSession, TransactionTrait, Value,
};
use uuid::Uuid;

use super::SeaOrmStore;
use super::dialect::Dialect;
use super::direct::Direct;
use super::load;
use crate::persistence::{
    AggregateRecorder, ApplicationRecorder, EventQuery, LoadVisitor, Notification,
    NotificationQuery, PersistenceError, ProcessRecorder, StoredEvent, StoredEventRef, Tracking,
    TrackingRecorder, visit_from_snapshot_in_turn,
};

/// Rows per `INSERT` statement: well below every backend's limit on bound parameters.
pub(crate) const ROWS_PER_INSERT: usize = 1000;
/// Saves of up to this many events have their `INSERT` text built once per recorder.
const CACHED_INSERTS: usize = 128;
/// The longest `application_name` the Django tables hold (`varchar(32)`).
pub const MAX_APPLICATION_NAME: usize = 32;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Purpose {
    Events,
    Snapshots,
}

/// A recorder on a SQL database through SeaORM: the aggregate, application and process
/// recorder of the Python original's `eventsourcing_django`, on SQLite, PostgreSQL and
/// MySQL/MariaDB.
///
/// Each save is one transaction with multi-row inserts. Writers of events are serialised so
/// that notification ids become visible in id order: on PostgreSQL with the same
/// `LOCK TABLE … IN EXCLUSIVE MODE` as the Django recorder (so Rust and Python writers queue
/// behind each other), on MySQL/MariaDB by locking the application's first row
/// (`SELECT … FOR UPDATE`), on SQLite by SQLite's single writer (`BEGIN IMMEDIATE`) and a lock
/// that queues this process's writers.
#[derive(Debug, Clone)]
pub struct SeaOrmRecorder {
    store: SeaOrmStore,
    application_name: String,
    purpose: Purpose,
    table: String,
    quoted_table: String,
    quoted_tracking: String,
    key: &'static str,
    /// `INSERT` statements by number of rows and whether every row has the first row's
    /// originator: built once, as they are long and repeated.
    inserts: std::sync::Arc<std::sync::Mutex<std::collections::HashMap<(usize, bool), String>>>,
    /// `SELECT` and lock statements by shape (which optional conditions they have): built once,
    /// as formatting one costs more than a short read's decoding.
    selects: std::sync::Arc<StatementCache>,
}

/// Statement texts built on first use: events selects by [`event_shape`], notification
/// selects (without a topic filter) by [`notification_shape`], and the lock.
#[derive(Debug, Default)]
struct StatementCache {
    events: [std::sync::OnceLock<String>; 8],
    notifications: [std::sync::OnceLock<String>; 6],
    lock: std::sync::OnceLock<Option<String>>,
    /// MySQL/MariaDB: the index the lock statement named is gone; lock without naming one.
    lock_unhinted: std::sync::atomic::AtomicBool,
}

/// MySQL's "Key '…' doesn't exist in table '…'" (an index hint naming a missing, invisible
/// or ignored index).
const ER_KEY_DOES_NOT_EXIST: u16 = 1176;

/// MySQL's error number of a database error.
fn mysql_error_number(error: &DbErr) -> Option<u16> {
    database_error(error)?
        .try_downcast_ref::<sea_orm::sqlx::mysql::MySqlDatabaseError>()
        .map(|m| m.number())
}

/// Ends a select (whose text ends with its `ORDER BY` and binds `values`) with its limit:
/// written into the text where the dialect wants it there ([`Dialect::limit_in_text`], SQLite),
/// bound as the last parameter elsewhere.
fn with_limit(
    dialect: &Dialect,
    mut sql: String,
    limit: Option<i64>,
    values: &mut Vec<Value>,
) -> String {
    use std::fmt::Write;
    match limit {
        Some(limit) if dialect.limit_in_text() => {
            let _ = write!(sql, " LIMIT {limit}");
        }
        Some(limit) => {
            values.push(Value::BigInt(Some(limit)));
            let _ = write!(sql, " LIMIT {}", dialect.placeholder(values.len()));
        }
        None => {}
    }
    sql
}

/// Which optional parts a select of events has: `gt`, `lte`, `DESC` (its `LIMIT` is added to
/// the text by [`with_limit`]).
fn event_shape(gt: bool, lte: bool, desc: bool) -> usize {
    usize::from(gt) | usize::from(lte) << 1 | usize::from(desc) << 2
}

/// Which optional parts a select of notifications without a topic filter has: no start, an
/// inclusive or an exclusive one (`Some(true)`, `Some(false)`); a stop.
fn notification_shape(start: Option<bool>, stop: bool) -> usize {
    let start = match start {
        None => 0,
        Some(true) => 1,
        Some(false) => 2,
    };
    start + 3 * usize::from(stop)
}

pub(crate) enum Step {
    Events,
    Tracking,
    Other(&'static str),
}

/// Why an insert failed, before it is turned into a [`PersistenceError`].
pub(crate) struct InsertFailure {
    pub(crate) step: Step,
    pub(crate) error: DbErr,
}

fn at(step: Step) -> impl FnOnce(DbErr) -> InsertFailure {
    move |error| InsertFailure { step, error }
}

/// The error the database itself returned, if that is what `error` is.
fn database_error(error: &DbErr) -> Option<&dyn sea_orm::sqlx::error::DatabaseError> {
    match error {
        DbErr::Exec(RuntimeErr::SqlxError(e)) | DbErr::Query(RuntimeErr::SqlxError(e)) => {
            e.as_database_error()
        }
        _ => None,
    }
}

fn sqlstate(error: &DbErr) -> Option<String> {
    database_error(error)?.code().map(|c| c.into_owned())
}

/// Deadlocks and serialisation failures: the database rolled the transaction back and it can be
/// tried again (SQLSTATE class 40 on PostgreSQL and MySQL/MariaDB).
pub(crate) fn is_retryable(backend: DbBackend, error: &DbErr) -> bool {
    backend != DbBackend::Sqlite && sqlstate(error).is_some_and(|code| code.starts_with("40"))
}

/// Begins a transaction (a savepoint in a transaction); on SQLite one that takes the write
/// lock at once (`BEGIN IMMEDIATE`), so that it waits for other writers rather than failing
/// when it first writes.
pub(crate) async fn begin<C: TransactionTrait>(
    conn: &C,
    backend: DbBackend,
) -> Result<C::Transaction, DbErr> {
    if backend == DbBackend::Sqlite {
        let options = TransactionOptions {
            sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
            ..TransactionOptions::default()
        };
        conn.begin_with_options(options).await
    } else {
        conn.begin().await
    }
}

/// Writers that deadlocked together would meet again if they retried at once: a random pause,
/// longer each time (at most 64 ms).
pub(crate) async fn retry_pause(attempt: u32) {
    let ceiling = 1u64 << attempt.min(6);
    let jitter = (Uuid::new_v4().as_u128() % u128::from(ceiling + 1)) as u64;
    tokio::time::sleep(std::time::Duration::from_millis(jitter)).await;
}

/// How many values a statement's text takes: its highest `$n` on PostgreSQL, its `?`s
/// elsewhere (table names hold neither). Debug builds check every `INSERT` with it, since sqlx
/// binds a missing value as NULL and ignores one too many.
fn parameters_in(sql: &str, backend: DbBackend) -> usize {
    if backend == DbBackend::Postgres {
        sql.split('$')
            .skip(1)
            .filter_map(|rest| {
                let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
                rest[..digits].parse::<usize>().ok()
            })
            .max()
            .unwrap_or(0)
    } else {
        sql.matches('?').count()
    }
}

fn to_i64(what: &'static str, value: u64) -> Result<i64, PersistenceError> {
    i64::try_from(value).map_err(|_| PersistenceError::OutOfRange { what, value })
}

impl SeaOrmRecorder {
    pub(crate) fn new(
        store: SeaOrmStore,
        application_name: &str,
        purpose: Purpose,
    ) -> Result<Self, PersistenceError> {
        if application_name.chars().count() > MAX_APPLICATION_NAME {
            return Err(PersistenceError::Configuration {
                what: format!("application name {application_name:?}"),
                reason: format!("application names have at most {MAX_APPLICATION_NAME} characters"),
            });
        }
        let (table, key) = match purpose {
            Purpose::Events => (store.tables.stored_events.clone(), "id"),
            Purpose::Snapshots => (store.tables.snapshots.clone(), "uid"),
        };
        let quoted_table = store.dialect.quote(&table);
        let quoted_tracking = store.dialect.quote(&store.tables.notification_tracking);
        Ok(Self {
            application_name: application_name.to_owned(),
            purpose,
            table,
            quoted_table,
            quoted_tracking,
            key,
            inserts: Default::default(),
            selects: Default::default(),
            store,
        })
    }

    /// The application whose rows this recorder reads and writes.
    pub fn application_name(&self) -> &str {
        &self.application_name
    }

    /// The table it records in.
    pub fn table_name(&self) -> &str {
        &self.table
    }

    /// The store (connection, tables, dialect).
    pub fn store(&self) -> &SeaOrmStore {
        &self.store
    }

    fn backend(&self) -> DbBackend {
        self.store.dialect.backend
    }

    pub(super) fn db_error(&self, operation: &'static str, source: DbErr) -> PersistenceError {
        PersistenceError::Database {
            application_name: self.application_name.clone(),
            operation,
            source,
        }
    }

    fn data_error(&self, table: &str, row: String, reason: String) -> PersistenceError {
        PersistenceError::Data {
            application_name: self.application_name.clone(),
            table: table.to_owned(),
            row,
            reason,
        }
    }

    /// `?` or `$n` placeholders for `count` parameters after `offset` others.
    fn placeholders(&self, offset: usize, count: usize) -> String {
        (offset + 1..=offset + count)
            .map(|n| self.store.dialect.placeholder(n))
            .collect::<Vec<_>>()
            .join(", ")
    }

    // ---------------------------------------------------------------- writing

    async fn insert<C>(
        &self,
        conn: &C,
        events: &[StoredEvent],
        tracking: Option<&Tracking>,
        own_transaction: bool,
    ) -> Result<Vec<u64>, PersistenceError>
    where
        C: Direct,
    {
        if events.is_empty() && tracking.is_none() {
            return Ok(Vec::new());
        }
        let versions = events
            .iter()
            .map(|e| to_i64("originator_version", e.originator_version))
            .collect::<Result<Vec<i64>, _>>()?;
        let tracking_row = match tracking {
            Some(t) => Some((t, to_i64("notification_id", t.notification_id)?)),
            None => None,
        };
        if own_transaction {
            // Through the store's queue: recorded with the saves waiting at the same time.
            let tracking = tracking_row.map(|(t, id)| (t.clone(), id));
            return self
                .store
                .queue
                .submit(self, events.to_vec(), versions, tracking)
                .await;
        }
        // In a caller's transaction (which may already hold the database's lock): a savepoint
        // of it, never the queue.
        let rows: Vec<(&StoredEvent, i64)> = events.iter().zip(versions).collect();
        let result = async {
            let savepoint = begin(conn, self.backend())
                .await
                .map_err(at(Step::Other("beginning a savepoint")))?;
            if !rows.is_empty()
                && let Err(error) = self.lock(&savepoint).await
            {
                let _ = savepoint.rollback().await;
                return Err(at(Step::Other("locking the table"))(error));
            }
            match self.write_save(&savepoint, &rows, tracking_row).await {
                Ok(ids) => {
                    savepoint
                        .commit()
                        .await
                        .map_err(at(Step::Other("releasing a savepoint")))?;
                    Ok(ids)
                }
                Err(failure) => {
                    // Roll back to the savepoint so that the caller's transaction stays usable.
                    let _ = savepoint.rollback().await;
                    Err(failure)
                }
            }
        }
        .await;
        match result {
            Ok(ids) => Ok(ids),
            Err(failure) => Err(self.insert_error(conn, events, tracking, failure).await),
        }
    }

    /// The events and tracking of one save, inside a transaction (or savepoint) that holds the
    /// lock.
    pub(crate) async fn write_save(
        &self,
        txn: &impl ConnectionTrait,
        rows: &[(&StoredEvent, i64)],
        tracking: Option<(&Tracking, i64)>,
    ) -> Result<Vec<u64>, InsertFailure> {
        let mut ids = Vec::with_capacity(rows.len());
        for chunk in rows.chunks(ROWS_PER_INSERT) {
            ids.extend(
                self.insert_rows(txn, chunk)
                    .await
                    .map_err(at(Step::Events))?,
            );
        }
        if let Some(tracking) = tracking {
            self.insert_tracking_row(txn, tracking)
                .await
                .map_err(at(Step::Tracking))?;
        }
        Ok(ids)
    }

    /// Whether `other` records events (with notification ids) in the same table for the same
    /// application, so that saves of both can share one `INSERT`.
    pub(crate) fn writes_like(&self, other: &SeaOrmRecorder) -> bool {
        self.purpose == Purpose::Events
            && other.purpose == Purpose::Events
            && self.quoted_table == other.quoted_table
            && self.application_name == other.application_name
    }

    /// What [`lock`](Self::lock) locks: writers with the same key need to lock only once in a
    /// transaction.
    pub(crate) fn lock_key(&self) -> String {
        match self.backend() {
            DbBackend::MySql => format!("{} {}", self.quoted_table, self.application_name),
            _ => self.quoted_table.clone(),
        }
    }

    /// Takes the lock that serialises writers of events (snapshots need none).
    pub(crate) async fn lock(&self, txn: &impl ConnectionTrait) -> Result<(), DbErr> {
        let Some(sql) = self.lock_sql(txn).await else {
            return Ok(());
        };
        let dialect = &self.store.dialect;
        if dialect.backend != DbBackend::MySql {
            return txn
                .execute_raw(dialect.statement(sql, Vec::new()))
                .await
                .map(|_| ());
        }
        let app = || vec![Value::from(self.application_name.as_str())];
        match txn.execute_raw(dialect.statement(sql, app())).await {
            Ok(_) => Ok(()),
            // The index the statement names was dropped, renamed, made invisible or ignored
            // since it was looked up: lock without naming it from now on. (A failed statement
            // leaves a MySQL transaction usable.)
            Err(error) if mysql_error_number(&error) == Some(ER_KEY_DOES_NOT_EXIST) => {
                tracing::warn!(
                    application = %self.application_name,
                    table = %self.table,
                    %error,
                    "the index the lock statement names is gone: locking without naming it"
                );
                self.selects.lock_unhinted.store(true, Ordering::Relaxed);
                txn.execute_raw(dialect.statement(self.mysql_lock_sql(None), app()))
                    .await
                    .map(|_| ())
            }
            Err(error) => Err(error),
        }
    }

    /// The statement that serialises this recorder's writers, as it is sent: `LOCK TABLE … IN
    /// EXCLUSIVE MODE` on PostgreSQL (what the Django recorder takes), on MySQL/MariaDB a
    /// `SELECT … FOR UPDATE` of the application's first row (its one parameter is the
    /// application name), `None` on SQLite. Useful to `EXPLAIN` it.
    ///
    /// On MySQL/MariaDB the statement names the table's index on `(application_name, id)`
    /// (`FORCE INDEX`), looked up in `information_schema` the first time: without it the
    /// optimizer sometimes reads the table in id order from its start, locking every row it
    /// passes (all other applications' rows before this one's first), so that each save took
    /// up to hundreds of milliseconds once the table held 100,000 rows. An index on
    /// `(application_name)` alone or starting with `(application_name, id)` serves too. A table
    /// without one, a lookup that fails, or an index that disappears later, gives the
    /// statement without the hint and a warning in the log.
    pub async fn lock_statement(&self) -> Option<String> {
        self.lock_sql(self.store.connection()).await
    }

    async fn lock_sql(&self, conn: &impl ConnectionTrait) -> Option<String> {
        if self.purpose == Purpose::Snapshots {
            return None;
        }
        if self.selects.lock_unhinted.load(Ordering::Relaxed) {
            return Some(self.mysql_lock_sql(None));
        }
        if let Some(sql) = self.selects.lock.get() {
            return sql.clone();
        }
        let sql = match self.backend() {
            // What the Django recorder does: writers queue, readers are not blocked.
            DbBackend::Postgres => Some(format!(
                "LOCK TABLE {} IN EXCLUSIVE MODE",
                self.quoted_table
            )),
            DbBackend::MySql => {
                let index = match self.first_row_index(conn).await {
                    Ok(Some(index)) => Some(index),
                    Ok(None) => {
                        tracing::warn!(
                            application = %self.application_name,
                            table = %self.table,
                            "no index on (application_name, {}): locking an application's first row may read and lock other applications' rows",
                            self.key
                        );
                        None
                    }
                    Err(error) => {
                        tracing::warn!(
                            application = %self.application_name,
                            table = %self.table,
                            %error,
                            "cannot look up the table's indexes: locking an application's first row without naming its index"
                        );
                        None
                    }
                };
                Some(self.mysql_lock_sql(index.as_deref()))
            }
            _ => None,
        };
        self.selects.lock.get_or_init(|| sql).clone()
    }

    /// MySQL/MariaDB: locking the application's first row queues this application's writers;
    /// plain reads are not blocked. (On an application's very first write two writers can
    /// deadlock instead; the database aborts one and it is retried. InnoDB's next-key lock
    /// covers the gap before that row too, so a writer of the application just before it in
    /// (application_name, id) order may also wait: correct, a little slower.)
    fn mysql_lock_sql(&self, index: Option<&str>) -> String {
        let dialect = &self.store.dialect;
        let hint = index
            .map(|index| format!(" FORCE INDEX ({})", dialect.quote(index)))
            .unwrap_or_default();
        format!(
            "SELECT {key} FROM {t}{hint} WHERE {app} = ? ORDER BY {key} LIMIT 1 FOR UPDATE",
            key = dialect.quote(self.key),
            t = self.quoted_table,
            app = dialect.quote("application_name"),
        )
    }

    /// MySQL/MariaDB: an index of the table that reads an application's rows in id order:
    /// on `(application_name, id)` (Django's and the migration's unique constraint) by
    /// preference, else one starting with those columns, or on `(application_name)` alone
    /// (InnoDB orders its entries by the primary key).
    async fn first_row_index(&self, conn: &impl ConnectionTrait) -> Result<Option<String>, DbErr> {
        // Parts on an expression or a prefix of a column come back as '' (they do not serve);
        // the CASTs keep MySQL 8's binary strings readable as text.
        let sql = "SELECT CAST(INDEX_NAME AS CHAR), \
                   CAST(IF(COLUMN_NAME IS NULL OR SUB_PART IS NOT NULL, '', COLUMN_NAME) AS CHAR) \
                   FROM information_schema.STATISTICS \
                   WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? \
                   ORDER BY INDEX_NAME, SEQ_IN_INDEX";
        let rows = conn
            .query_all_raw(
                self.store
                    .dialect
                    .statement(sql.to_owned(), vec![Value::from(self.table.as_str())]),
            )
            .await?;
        let mut indexes: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for row in &rows {
            let index: String = row.try_get_by_index(0)?;
            let column: String = row.try_get_by_index(1)?;
            indexes.entry(index).or_default().push(column);
        }
        let is = |column: &String, name: &str| column.eq_ignore_ascii_case(name);
        let rank = |columns: &[String]| match columns {
            [app, key] if is(app, "application_name") && is(key, self.key) => Some(0),
            [app, key, ..] if is(app, "application_name") && is(key, self.key) => Some(1),
            [app] if is(app, "application_name") => Some(2),
            _ => None,
        };
        Ok(indexes
            .into_iter()
            .filter_map(|(index, columns)| rank(&columns).map(|rank| (rank, index)))
            .min()
            .map(|(_, index)| index))
    }

    async fn insert_rows(
        &self,
        txn: &impl ConnectionTrait,
        rows: &[(&StoredEvent, i64)],
    ) -> Result<Vec<u64>, DbErr> {
        let dialect = &self.store.dialect;
        let first = rows.first().map(|(event, _)| event.originator_id);
        let one_originator = rows
            .iter()
            .all(|(event, _)| Some(event.originator_id) == first);
        let sql = self.insert_sql(rows.len(), one_originator);
        let mut values = Vec::with_capacity(rows.len() * 5);
        for (row, (event, version)) in rows.iter().enumerate() {
            let [same_app, same_originator] = self.reused_parameters(row, one_originator);
            if !same_app {
                values.push(Value::from(self.application_name.as_str()));
            }
            if !same_originator {
                values.push(dialect.uuid_value(event.originator_id));
            }
            values.push(Value::BigInt(Some(*version)));
            values.push(Value::from(event.topic.as_str()));
            values.push(Value::Bytes(Some(event.state.clone())));
        }
        debug_assert_eq!(
            parameters_in(&sql, dialect.backend),
            values.len(),
            "the INSERT's text and its values disagree: {sql}"
        );
        if self.purpose == Purpose::Snapshots {
            txn.execute_raw(dialect.statement(sql, values)).await?;
            return Ok(Vec::new());
        }
        if dialect.returning {
            let returned = txn.query_all_raw(dialect.statement(sql, values)).await?;
            let mut ids = returned
                .iter()
                .map(|row| row.try_get_by_index::<i64>(0))
                .collect::<Result<Vec<i64>, _>>()?;
            // Rows of one INSERT get ids in the order of its VALUES; sorting keeps that order
            // whatever order the rows come back in.
            ids.sort_unstable();
            ids.into_iter()
                .map(|id| u64::try_from(id).map_err(|_| DbErr::Type(format!("negative id {id}"))))
                .collect()
        } else {
            // MySQL: a multi-row INSERT gets ids from LAST_INSERT_ID() on, one
            // `auto_increment_increment` apart, and writers are serialised, so no other insert
            // takes ids in between.
            let result = txn.execute_raw(dialect.statement(sql, values)).await?;
            let first = result.last_insert_id();
            Ok((0..rows.len() as u64)
                .map(|i| first + i * dialect.id_step)
                .collect())
        }
    }

    /// Whether the later rows of an `INSERT` take the first row's application name (and its
    /// originator, when every row is of it) instead of binding copies of their own: on
    /// PostgreSQL through numbered parameters (`$1` in every row), on SQLite by selecting them
    /// once beside a `VALUES` list of the rows' own values (see [`Self::build_insert_sql`]).
    /// MySQL's `?` can do neither.
    fn shares_parameters(&self) -> bool {
        self.store.dialect.backend != DbBackend::MySql
    }

    /// Whether row `row` of an `INSERT` refers to the first row's parameters for its
    /// application name and for its originator (when every row is of the first row's
    /// originator) rather than binding values of its own: the one rule that both the
    /// statement's text and its values follow.
    fn reused_parameters(&self, row: usize, one_originator: bool) -> [bool; 2] {
        let shared = row > 0 && self.shares_parameters();
        [shared, shared && one_originator]
    }

    /// The `INSERT` of `rows` rows (with `RETURNING` where ids are wanted and available), all
    /// of the first row's originator when `one_originator`. Those of up to
    /// [`CACHED_INSERTS`] rows, the usual saves, are built once.
    fn insert_sql(&self, rows: usize, one_originator: bool) -> String {
        if rows > CACHED_INSERTS {
            return self.build_insert_sql(rows, one_originator);
        }
        let mut cache = self.inserts.lock().unwrap_or_else(|p| p.into_inner());
        cache
            .entry((rows, one_originator))
            .or_insert_with(|| self.build_insert_sql(rows, one_originator))
            .clone()
    }

    /// The `INSERT`'s text. Its parameters follow [`Self::reused_parameters`] in the order
    /// `insert_rows` binds the values: row by row, each row's application name, originator,
    /// version, topic and state, leaving out those the row shares with the first.
    ///
    /// - PostgreSQL: `VALUES ($1, $2, $3, $4, $5), ($1, $2, $6, $7, $8), …`.
    /// - SQLite, more than one row: `SELECT ?, ?, column1, column2, column3 FROM (VALUES (?, ?,
    ///   ?), …)` (the originator a column of the list when the rows have several). Every
    ///   parameter is a plain `?`: sqlx asks SQLite for the name of each parameter it binds, and
    ///   SQLite finds a numbered parameter's name by a linear search, so numbering them made a
    ///   1,000-event save cost 62.9M instructions; with plain `?` and every row's own values
    ///   it cost 35.4–36.0M, and with this list 29.0M (the raw driver's: 26.3M;
    ///   `profile_ops ours append1000`, callgrind). SQLite inserts the rows of the list in its
    ///   order, as it does those of a plain `VALUES` (the contract case
    ///   `large_saves_are_recorded_whole` checks it).
    /// - MySQL, and SQLite's single row: `VALUES (?, ?, ?, ?, ?), …`.
    fn build_insert_sql(&self, rows: usize, one_originator: bool) -> String {
        use std::fmt::Write;
        let dialect = &self.store.dialect;
        let mut sql = format!(
            "INSERT INTO {} ({}, {}, {}, {}, {}) ",
            self.quoted_table,
            dialect.quote("application_name"),
            dialect.quote("originator_id"),
            dialect.quote("originator_version"),
            dialect.quote("topic"),
            dialect.quote("state"),
        );
        sql.reserve(rows * 32);
        if dialect.backend == DbBackend::Sqlite && rows > 1 {
            // The first row's application name and (with one originator) its originator,
            // then each row's own values: the order `reused_parameters` gives.
            let own = if one_originator {
                sql.push_str("SELECT ?, ?");
                3
            } else {
                sql.push_str("SELECT ?");
                4
            };
            for column in 1..=own {
                let _ = write!(sql, ", column{column}");
            }
            sql.push_str(" FROM (VALUES ");
            for row in 0..rows {
                sql.push_str(if row > 0 { ", (?" } else { "(?" });
                for _ in 1..own {
                    sql.push_str(", ?");
                }
                sql.push(')');
            }
            sql.push(')');
        } else {
            sql.push_str("VALUES ");
            let numbered = dialect.backend == DbBackend::Postgres;
            let mut next = 0;
            // The first row's parameter `reused`, or a new one.
            let mut parameter = |sql: &mut String, reused: Option<usize>| match reused {
                Some(n) => {
                    let _ = write!(sql, "${n}");
                }
                None if numbered => {
                    next += 1;
                    let _ = write!(sql, "${next}");
                }
                None => sql.push('?'),
            };
            for row in 0..rows {
                let [same_app, same_originator] = self.reused_parameters(row, one_originator);
                sql.push_str(if row > 0 { ", (" } else { "(" });
                parameter(&mut sql, same_app.then_some(1));
                sql.push_str(", ");
                parameter(&mut sql, same_originator.then_some(2));
                for _ in 0..3 {
                    sql.push_str(", ");
                    parameter(&mut sql, None);
                }
                sql.push(')');
            }
        }
        if self.purpose == Purpose::Events && dialect.returning {
            let _ = write!(sql, " RETURNING {}", dialect.quote(self.key));
        }
        sql
    }

    async fn insert_tracking_row(
        &self,
        txn: &impl ConnectionTrait,
        (tracking, id): (&Tracking, i64),
    ) -> Result<(), DbErr> {
        let dialect = &self.store.dialect;
        let sql = format!(
            "INSERT INTO {} ({}, {}, {}) VALUES ({})",
            self.quoted_tracking,
            dialect.quote("application_name"),
            dialect.quote("upstream_application_name"),
            dialect.quote("notification_id"),
            self.placeholders(0, 3),
        );
        let values = vec![
            Value::from(self.application_name.as_str()),
            Value::from(tracking.application_name.as_str()),
            Value::BigInt(Some(id)),
        ];
        txn.execute_raw(dialect.statement(sql, values))
            .await
            .map(|_| ())
    }

    pub(crate) async fn insert_error<C: Direct>(
        &self,
        conn: &C,
        events: &[StoredEvent],
        tracking: Option<&Tracking>,
        failure: InsertFailure,
    ) -> PersistenceError {
        let violation = failure.error.sql_err();
        let unique = matches!(violation, Some(SqlErr::UniqueConstraintViolation(_)));
        if let Some(SqlErr::ForeignKeyConstraintViolation(message)) = violation {
            // A foreign key a user added to these tables.
            return PersistenceError::Integrity {
                application_name: self.application_name.clone(),
                message,
            };
        }
        match (failure.step, unique) {
            (Step::Events, true) => PersistenceError::Conflict {
                application_name: self.application_name.clone(),
                originator: self.find_conflict(conn, events).await,
            },
            (Step::Tracking, true) => match tracking {
                Some(t) => PersistenceError::TrackingConflict {
                    application_name: self.application_name.clone(),
                    upstream_application_name: t.application_name.clone(),
                    notification_id: t.notification_id,
                },
                None => self.db_error("inserting tracking", failure.error),
            },
            (Step::Events, false) => self.db_error("inserting events", failure.error),
            (Step::Tracking, false) => self.db_error("inserting tracking", failure.error),
            (Step::Other(operation), _) => self.db_error(operation, failure.error),
        }
    }

    /// Which event of a batch that failed on the unique constraint is already recorded (or is
    /// twice in the batch). Only runs after a conflict, to make the error say which.
    async fn find_conflict<C: Direct>(
        &self,
        conn: &C,
        events: &[StoredEvent],
    ) -> Option<(Uuid, u64)> {
        let mut seen = HashSet::new();
        if let Some(e) = events
            .iter()
            .find(|e| !seen.insert((e.originator_id, e.originator_version)))
        {
            return Some((e.originator_id, e.originator_version));
        }
        let mut by_originator: BTreeMap<Uuid, Vec<u64>> = BTreeMap::new();
        for e in events {
            by_originator
                .entry(e.originator_id)
                .or_default()
                .push(e.originator_version);
        }
        for (id, versions) in by_originator {
            let lowest = versions.iter().min().copied().unwrap_or(0);
            let recorded = self
                .select_events_on(conn, id, EventQuery::new().gt(lowest.saturating_sub(1)))
                .await
                .ok()?;
            if let Some(hit) = recorded
                .iter()
                .find(|r| versions.contains(&r.originator_version))
            {
                return Some((id, hit.originator_version));
            }
        }
        None
    }

    // ---------------------------------------------------------------- reading

    /// Runs a `SELECT MAX(…)` and reads its one value.
    async fn select_max(
        &self,
        sql: String,
        values: Vec<Value>,
        operation: &'static str,
    ) -> Result<Option<u64>, PersistenceError> {
        let row = self
            .store
            .conn
            .one(self.store.dialect.statement(sql, values))
            .await
            .map_err(|e| self.db_error(operation, e))?;
        let max: Option<i64> = match row {
            Some(row) => row
                .try_get_by_index(0)
                .map_err(|e| self.db_error(operation, e))?,
            None => None,
        };
        max.map(|max| {
            u64::try_from(max).map_err(|_| {
                self.data_error(&self.table, format!("max {max}"), "negative id".into())
            })
        })
        .transpose()
    }

    /// The event in `row` (version, topic and state from column `first`), its topic and state
    /// borrowed from the driver's row; a row of no sqlx driver (SeaORM's mock or proxy) is read
    /// through SeaORM's getters into `copy` first.
    pub(super) fn event_ref<'r>(
        &self,
        row: &'r QueryResult,
        first: usize,
        originator_id: Uuid,
        copy: &'r mut Option<(String, Vec<u8>)>,
    ) -> Result<StoredEventRef<'r>, PersistenceError> {
        let bad = |reason: String| {
            self.data_error(&self.table, format!("originator {originator_id}"), reason)
        };
        let (version, topic, state) = match borrow_event_cells(row, first) {
            Some(cells) => cells.map_err(bad)?,
            None => {
                let version: i64 = row
                    .try_get_by_index(first)
                    .map_err(|e| bad(e.to_string()))?;
                let topic: String = row
                    .try_get_by_index(first + 1)
                    .map_err(|e| bad(e.to_string()))?;
                let state: Vec<u8> = row
                    .try_get_by_index(first + 2)
                    .map_err(|e| bad(e.to_string()))?;
                let (topic, state) = copy.insert((topic, state));
                (version, topic.as_str(), state.as_slice())
            }
        };
        let originator_version = u64::try_from(version)
            .map_err(|_| bad(format!("negative originator_version {version}")))?;
        Ok(StoredEventRef {
            originator_id,
            originator_version,
            topic,
            state,
        })
    }

    /// The event in `row`, copied out (see [`event_ref`](Self::event_ref)).
    fn read_event(
        &self,
        row: &QueryResult,
        first: usize,
        originator_id: Uuid,
    ) -> Result<StoredEvent, PersistenceError> {
        Ok(self
            .event_ref(row, first, originator_id, &mut None)?
            .to_owned_event())
    }

    /// The text of a select of an originator's events with these optional parts; the
    /// parameters are the application, the originator, then `gt` and `lte` when present. The
    /// text ends with the `ORDER BY`: the caller adds the limit ([`with_limit`]).
    fn build_select_events(&self, gt: bool, lte: bool, desc: bool) -> String {
        use std::fmt::Write;
        let dialect = &self.store.dialect;
        let version = dialect.quote("originator_version");
        let mut sql = format!(
            "SELECT {version}, {}, {} FROM {} WHERE {} = {} AND {} = {}",
            dialect.quote("topic"),
            dialect.quote("state"),
            self.quoted_table,
            dialect.quote("application_name"),
            dialect.placeholder(1),
            dialect.quote("originator_id"),
            dialect.placeholder(2),
        );
        let mut parameters = 2;
        let mut next = || {
            parameters += 1;
            dialect.placeholder(parameters)
        };
        if gt {
            let _ = write!(sql, " AND {version} > {}", next());
        }
        if lte {
            let _ = write!(sql, " AND {version} <= {}", next());
        }
        let _ = write!(
            sql,
            " ORDER BY {version}{}",
            if desc { " DESC" } else { "" }
        );
        sql
    }

    /// The text of a select of notifications: after `start` (inclusive when `Some(true)`), up
    /// to a stop when `stop`, of `topics` topics when there are any; the parameters are the
    /// application, the start, the stop and the topics that are present. The text ends with the
    /// `ORDER BY`: the caller adds the limit ([`with_limit`]).
    fn build_select_notifications(&self, start: Option<bool>, stop: bool, topics: usize) -> String {
        use std::fmt::Write;
        let dialect = &self.store.dialect;
        let id = dialect.quote(self.key);
        let mut sql = format!(
            "SELECT {id}, {}, {}, {}, {} FROM {} WHERE {} = {}",
            dialect.quote("originator_id"),
            dialect.quote("originator_version"),
            dialect.quote("topic"),
            dialect.quote("state"),
            self.quoted_table,
            dialect.quote("application_name"),
            dialect.placeholder(1),
        );
        let mut parameters = 1;
        if let Some(inclusive) = start {
            parameters += 1;
            let op = if inclusive { ">=" } else { ">" };
            let _ = write!(sql, " AND {id} {op} {}", dialect.placeholder(parameters));
        }
        if stop {
            parameters += 1;
            let _ = write!(sql, " AND {id} <= {}", dialect.placeholder(parameters));
        }
        if topics > 0 {
            let _ = write!(
                sql,
                " AND {} IN ({})",
                dialect.quote("topic"),
                self.placeholders(parameters, topics)
            );
        }
        let _ = write!(sql, " ORDER BY {id}");
        sql
    }

    async fn select_events_on<C: Direct>(
        &self,
        conn: &C,
        originator_id: Uuid,
        query: EventQuery,
    ) -> Result<Vec<StoredEvent>, PersistenceError> {
        let rows = self.select_event_rows(conn, originator_id, query).await?;
        rows.iter()
            .map(|row| self.read_event(row, 0, originator_id))
            .collect()
    }

    /// The rows of an originator's events (version, topic, state).
    async fn select_event_rows<C: Direct>(
        &self,
        conn: &C,
        originator_id: Uuid,
        query: EventQuery,
    ) -> Result<Vec<QueryResult>, PersistenceError> {
        let Some(stmt) = self.select_events_statement(originator_id, query) else {
            return Ok(Vec::new());
        };
        conn.all(stmt)
            .await
            .map_err(|e| self.db_error("selecting events", e))
    }

    /// The `SELECT` of an aggregate's events; `None` when the query leaves nothing.
    pub(super) fn select_events_statement(
        &self,
        originator_id: Uuid,
        query: EventQuery,
    ) -> Option<sea_orm::Statement> {
        let dialect = &self.store.dialect;
        let mut values = vec![
            Value::from(self.application_name.as_str()),
            dialect.uuid_value(originator_id),
        ];
        // Stored versions fit in i64: a bound above that leaves nothing, or everything.
        let gt = match query.gt.map(i64::try_from) {
            Some(Err(_)) => return None,
            Some(Ok(gt)) => Some(gt),
            None => None,
        };
        let lte = query.lte.and_then(|lte| i64::try_from(lte).ok());
        let limit = query.limit.map(|limit| limit.min(i64::MAX as u64) as i64);
        values.extend(
            [gt, lte]
                .into_iter()
                .flatten()
                .map(|bound| Value::BigInt(Some(bound))),
        );
        let shape = event_shape(gt.is_some(), lte.is_some(), query.desc);
        let sql = self.selects.events[shape]
            .get_or_init(|| self.build_select_events(gt.is_some(), lte.is_some(), query.desc))
            .clone();
        Some(dialect.statement(with_limit(dialect, sql, limit, &mut values), values))
    }

    /// The `SELECT` of notifications; `None` when the query leaves nothing.
    fn select_notifications_statement(
        &self,
        query: &NotificationQuery,
    ) -> Option<sea_orm::Statement> {
        let dialect = &self.store.dialect;
        let mut values = vec![Value::from(self.application_name.as_str())];
        // Stored ids fit in i64: a start above that leaves nothing, a stop above it everything.
        let start = match query.start.map(i64::try_from) {
            Some(Err(_)) => return None,
            Some(Ok(start)) => Some(start),
            None => None,
        };
        let stop = query.stop.and_then(|stop| i64::try_from(stop).ok());
        values.extend(
            [start, stop]
                .into_iter()
                .flatten()
                .map(|bound| Value::BigInt(Some(bound))),
        );
        values.extend(query.topics.iter().map(|t| Value::from(t.as_str())));
        let start = start.map(|_| query.inclusive_of_start);
        let build = || self.build_select_notifications(start, stop.is_some(), query.topics.len());
        let sql = if query.topics.is_empty() {
            let shape = notification_shape(start, stop.is_some());
            self.selects.notifications[shape].get_or_init(build).clone()
        } else {
            build()
        };
        let limit = Some(query.limit.min(i64::MAX as u64) as i64);
        Some(dialect.statement(with_limit(dialect, sql, limit, &mut values), values))
    }
}

/// An event row's version, topic and state, the topic and state borrowed from the row.
type EventCells<'r> = (i64, &'r str, &'r [u8]);

/// The version in column `first` of a row, the topic (text) in the next and the state (bytes)
/// after it, the topic and state borrowed from the driver's row; `None` for a row of no sqlx
/// driver (SeaORM's mock or proxy).
fn borrow_event_cells(row: &QueryResult, first: usize) -> Option<Result<EventCells<'_>, String>> {
    if let Some(row) = row.try_as_sqlite_row() {
        return Some(event_cells(row, first, |topic: &str| Ok(topic)));
    }
    if let Some(row) = row.try_as_pg_row() {
        return Some(event_cells(row, first, |topic: &str| Ok(topic)));
    }
    // MySQL reports a text column with a binary collation as bytes; SeaORM's own `String`
    // getter reads bytes there too, and checks that they are UTF-8.
    let row = row.try_as_mysql_row()?;
    Some(event_cells(row, first, |topic: &[u8]| {
        std::str::from_utf8(topic).map_err(|e| format!("topic is not UTF-8: {e}"))
    }))
}

/// [`borrow_event_cells`] of one driver's row, the topic read as `T` and made text by `text`.
fn event_cells<'r, R, T>(
    row: &'r R,
    first: usize,
    text: impl FnOnce(T) -> Result<&'r str, String>,
) -> Result<EventCells<'r>, String>
where
    R: sea_orm::sqlx::Row,
    usize: sea_orm::sqlx::ColumnIndex<R>,
    i64: for<'a> sea_orm::sqlx::Decode<'a, R::Database> + sea_orm::sqlx::Type<R::Database>,
    T: sea_orm::sqlx::Decode<'r, R::Database> + sea_orm::sqlx::Type<R::Database>,
    &'r [u8]: sea_orm::sqlx::Decode<'r, R::Database> + sea_orm::sqlx::Type<R::Database>,
{
    let version = cell(row, first, "originator_version", "an integer")?;
    let topic = text(cell(row, first + 1, "topic", "text")?)?;
    Ok((version, topic, cell(row, first + 2, "state", "bytes")?))
}

/// Column `index` of a driver's row, read as `T` (`expected` says what that is, for errors).
/// It is checked as sqlx's `try_get` checks it, a value of a type that `T` cannot be read from
/// being an error, but read once; NULL is an error naming the column (sqlx would read a NULL as
/// empty text or bytes on SQLite).
fn cell<'r, R, T>(row: &'r R, index: usize, column: &str, expected: &str) -> Result<T, String>
where
    R: sea_orm::sqlx::Row,
    usize: sea_orm::sqlx::ColumnIndex<R>,
    T: sea_orm::sqlx::Decode<'r, R::Database> + sea_orm::sqlx::Type<R::Database>,
{
    use sea_orm::sqlx::{TypeInfo, ValueRef};
    let value = row
        .try_get_raw(index)
        .map_err(|e| format!("{column}: {e}"))?;
    if value.is_null() {
        return Err(format!("{column} is NULL"));
    }
    let found = value.type_info();
    if !found.is_null() && !T::compatible(&found) {
        return Err(format!(
            "{column} holds a value of type {}, not {expected}",
            found.name()
        ));
    }
    T::decode(value).map_err(|e| format!("{column}: {e}"))
}

#[async_trait]
impl AggregateRecorder for SeaOrmRecorder {
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }

    async fn insert_events(&self, events: &[StoredEvent]) -> Result<Vec<u64>, PersistenceError> {
        self.insert(&self.store.conn, events, None, true).await
    }

    async fn select_events(
        &self,
        originator_id: Uuid,
        query: EventQuery,
    ) -> Result<Vec<StoredEvent>, PersistenceError> {
        self.select_events_on(&self.store.conn, originator_id, query)
            .await
    }

    async fn visit_events(
        &self,
        originator_id: Uuid,
        query: EventQuery,
        visit: &mut (dyn for<'r> FnMut(StoredEventRef<'r>) -> ControlFlow<()> + Send),
    ) -> Result<(), PersistenceError> {
        let Some(stmt) = self.select_events_statement(originator_id, query) else {
            return Ok(());
        };
        // Through sqlx on a connection of the pool, kept for the next load (`seaorm/held.rs`):
        // on PostgreSQL and MySQL the rows are visited as they arrive, so that decoding one
        // overlaps the server's sending of the next (a load of 1,000 events took ~5% less time
        // than with every row read first, and fewer instructions; a load of 5 the same); on
        // SQLite, whose rows come from a worker thread in this process, all are read first: a
        // consumer that decodes falls behind that thread, which is then parked and woken for
        // every row (docs/benchmarks/PROFILE.md). SeaORM's mock and proxy connections read
        // through SeaORM.
        let stmt = match load::events_on_held_connection(self, stmt, originator_id, visit).await {
            Ok(visited) => return visited,
            Err(stmt) => stmt,
        };
        let rows = self
            .store
            .conn
            .all(stmt)
            .await
            .map_err(|e| self.db_error("selecting events", e))?;
        for row in &rows {
            let mut copy = None;
            if visit(self.event_ref(row, 0, originator_id, &mut copy)?).is_break() {
                break;
            }
        }
        Ok(())
    }

    async fn insert_events_in(
        &self,
        transaction: &DatabaseTransaction,
        events: &[StoredEvent],
    ) -> Result<Vec<u64>, PersistenceError> {
        self.insert(transaction, events, None, false).await
    }
}

#[async_trait]
impl ApplicationRecorder for SeaOrmRecorder {
    async fn select_notifications(
        &self,
        query: &NotificationQuery,
    ) -> Result<Vec<Notification>, PersistenceError> {
        let dialect = &self.store.dialect;
        let Some(stmt) = self.select_notifications_statement(query) else {
            return Ok(Vec::new());
        };
        // Through sqlx on the store's kept connection (`seaorm/held.rs`), or SeaORM's mock or
        // proxy connection.
        let rows = match load::all_on_held_connection(&self.store, stmt).await {
            Ok(rows) => rows,
            Err(stmt) => self.store.conn.all(stmt).await,
        }
        .map_err(|e| self.db_error("selecting notifications", e))?;
        rows.iter()
            .map(|row| {
                let notification_id: i64 = row.try_get_by_index(0).map_err(|e| {
                    self.data_error(&self.table, "(notification)".into(), e.to_string())
                })?;
                let originator_id = dialect.read_uuid(row, 1).map_err(|e| {
                    self.data_error(&self.table, format!("id {notification_id}"), e)
                })?;
                let id = u64::try_from(notification_id).map_err(|_| {
                    self.data_error(
                        &self.table,
                        format!("id {notification_id}"),
                        "negative id".into(),
                    )
                })?;
                Ok(Notification {
                    id,
                    event: self.read_event(row, 2, originator_id)?,
                })
            })
            .collect()
    }

    async fn max_notification_id(&self) -> Result<Option<u64>, PersistenceError> {
        let dialect = &self.store.dialect;
        let sql = format!(
            "SELECT MAX({}) FROM {} WHERE {} = {}",
            dialect.quote(self.key),
            self.quoted_table,
            dialect.quote("application_name"),
            dialect.placeholder(1),
        );
        let values = vec![Value::from(self.application_name.as_str())];
        self.select_max(sql, values, "selecting the max notification id")
            .await
    }
}

#[async_trait]
impl TrackingRecorder for SeaOrmRecorder {
    async fn insert_tracking(&self, tracking: &Tracking) -> Result<(), PersistenceError> {
        self.insert(&self.store.conn, &[], Some(tracking), true)
            .await
            .map(|_| ())
    }

    async fn max_tracking_id(
        &self,
        upstream_application_name: &str,
    ) -> Result<Option<u64>, PersistenceError> {
        let dialect = &self.store.dialect;
        let sql = format!(
            "SELECT MAX({}) FROM {} WHERE {} = {} AND {} = {}",
            dialect.quote("notification_id"),
            self.quoted_tracking,
            dialect.quote("application_name"),
            dialect.placeholder(1),
            dialect.quote("upstream_application_name"),
            dialect.placeholder(2),
        );
        let values = vec![
            Value::from(self.application_name.as_str()),
            Value::from(upstream_application_name),
        ];
        self.select_max(sql, values, "selecting the max tracking id")
            .await
    }
}

#[async_trait]
impl ProcessRecorder for SeaOrmRecorder {
    async fn insert_events_with_tracking(
        &self,
        events: &[StoredEvent],
        tracking: Option<&Tracking>,
    ) -> Result<Vec<u64>, PersistenceError> {
        self.insert(&self.store.conn, events, tracking, true).await
    }

    async fn insert_events_with_tracking_in(
        &self,
        transaction: &DatabaseTransaction,
        events: &[StoredEvent],
        tracking: Option<&Tracking>,
    ) -> Result<Vec<u64>, PersistenceError> {
        self.insert(transaction, events, tracking, false).await
    }
}

/// The snapshot recorder of an application on a SQL database: a [`SeaOrmRecorder`] on the
/// snapshots table that is only an [`AggregateRecorder`] (snapshots have no notification ids
/// and no tracking).
#[derive(Debug, Clone)]
pub struct SeaOrmSnapshotRecorder(SeaOrmRecorder);

impl SeaOrmSnapshotRecorder {
    pub(crate) fn new(recorder: SeaOrmRecorder) -> Self {
        Self(recorder)
    }

    /// The application whose snapshots this recorder reads and writes.
    pub fn application_name(&self) -> &str {
        self.0.application_name()
    }

    /// The table it records in.
    pub fn table_name(&self) -> &str {
        self.0.table_name()
    }

    /// The store (connection, tables, dialect).
    pub fn store(&self) -> &SeaOrmStore {
        self.0.store()
    }
}

#[async_trait]
impl AggregateRecorder for SeaOrmSnapshotRecorder {
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }

    async fn insert_events(&self, events: &[StoredEvent]) -> Result<Vec<u64>, PersistenceError> {
        self.0.insert_events(events).await
    }

    async fn select_events(
        &self,
        originator_id: Uuid,
        query: EventQuery,
    ) -> Result<Vec<StoredEvent>, PersistenceError> {
        self.0.select_events(originator_id, query).await
    }

    async fn visit_events(
        &self,
        originator_id: Uuid,
        query: EventQuery,
        visit: &mut (dyn for<'r> FnMut(StoredEventRef<'r>) -> ControlFlow<()> + Send),
    ) -> Result<(), PersistenceError> {
        self.0.visit_events(originator_id, query, visit).await
    }

    /// Reads the snapshot and the events after it on one connection of the pool when `events`
    /// is a [`SeaOrmRecorder`] on the same pool, sending the events' statement before the
    /// snapshot is decoded (`seaorm/load.rs`); otherwise one statement after the other, as the
    /// default does.
    async fn visit_from_snapshot(
        &self,
        events: &dyn AggregateRecorder,
        originator_id: Uuid,
        lte: Option<u64>,
        visitor: &mut dyn LoadVisitor,
    ) -> Result<(), PersistenceError> {
        if let Some(events) = events.as_any().downcast_ref::<SeaOrmRecorder>()
            && let Some(loaded) =
                load::on_one_connection(&self.0, events, originator_id, lte, visitor).await
        {
            return loaded;
        }
        visit_from_snapshot_in_turn(self, events, originator_id, lte, visitor).await
    }

    async fn insert_events_in(
        &self,
        transaction: &DatabaseTransaction,
        events: &[StoredEvent],
    ) -> Result<Vec<u64>, PersistenceError> {
        self.0.insert_events_in(transaction, events).await
    }
}

#[cfg(test)]
mod tests {
    use sea_orm::{DbBackend, Statement};

    use super::*;
    use crate::persistence::{EventQuery, NotificationQuery};

    /// Counts what a load hands over.
    #[derive(Default)]
    struct Count {
        snapshots: usize,
        events: usize,
    }

    impl LoadVisitor for Count {
        fn snapshot(&mut self, snapshot: Option<StoredEventRef<'_>>) -> ControlFlow<()> {
            self.snapshots += usize::from(snapshot.is_some());
            ControlFlow::Continue(())
        }

        fn event(&mut self, _: StoredEventRef<'_>) -> ControlFlow<()> {
            self.events += 1;
            ControlFlow::Continue(())
        }
    }

    /// A store with its tables on a new in-memory SQLite database (a pool of its own).
    async fn memory_store() -> SeaOrmStore {
        let conn = sea_orm::Database::connect("sqlite::memory:").await.unwrap();
        let store = SeaOrmStore::new(conn).await.unwrap();
        store.create_tables().await.unwrap();
        store
    }

    /// A load with snapshots reads both on one connection when the snapshot and event
    /// recorders share a pool (one store, or its clones), and leaves recorders on two pools
    /// (`elsewhere`, whose events of the same application number `elsewhere_events` after
    /// the snapshot) to the default, one statement after the other.
    async fn loads_take_one_connection_only_of_a_shared_pool(
        store: &SeaOrmStore,
        elsewhere: &SeaOrmStore,
        elsewhere_events: usize,
    ) {
        let id = Uuid::new_v4();
        let stored = |version| StoredEvent {
            originator_id: id,
            originator_version: version,
            topic: "app:Happened".into(),
            state: b"{}".to_vec(),
        };
        let events = store.application_recorder("app").unwrap();
        let history: Vec<StoredEvent> = (1..=5).map(stored).collect();
        events.insert_events(&history).await.unwrap();
        let snapshots = store.snapshot_recorder("app").unwrap();
        snapshots.insert_events(&[stored(2)]).await.unwrap();

        let mut count = Count::default();
        let shared = load::on_one_connection(&snapshots.0, &events, id, None, &mut count).await;
        assert!(matches!(shared, Some(Ok(()))), "{shared:?}");
        assert_eq!((count.snapshots, count.events), (1, 3));
        let clone = store.clone().application_recorder("app").unwrap();
        let mut count = Count::default();
        let shared = load::on_one_connection(&snapshots.0, &clone, id, None, &mut count).await;
        assert!(matches!(shared, Some(Ok(()))), "{shared:?}");
        assert_eq!((count.snapshots, count.events), (1, 3));

        let elsewhere = elsewhere.application_recorder("app").unwrap();
        let apart = load::on_one_connection(&snapshots.0, &elsewhere, id, None, &mut count).await;
        assert!(apart.is_none(), "{apart:?}");
        // Through the trait, recorders on two pools load one statement after the other.
        let mut count = Count::default();
        snapshots
            .visit_from_snapshot(&elsewhere, id, None, &mut count)
            .await
            .unwrap();
        assert_eq!((count.snapshots, count.events), (1, elsewhere_events));
    }

    #[tokio::test]
    async fn sqlite_loads_take_one_connection_only_of_a_shared_pool() {
        let (store, elsewhere) = (memory_store().await, memory_store().await);
        loads_take_one_connection_only_of_a_shared_pool(&store, &elsewhere, 0).await;
    }

    /// The servers' branch (rows handed over as they arrive), on PostgreSQL and MySQL/MariaDB
    /// when `TEST_POSTGRES_URL` and `TEST_MYSQL_URL` name them (`.ci/run` sets both), in tables
    /// of the test's own; `elsewhere` is a second pool on the same database.
    #[tokio::test]
    async fn server_loads_take_one_connection_only_of_a_shared_pool() {
        for (url, tables, store) in server_stores("one_conn").await {
            let elsewhere = server_store(&url, &tables).await;
            loads_take_one_connection_only_of_a_shared_pool(&store, &elsewhere, 3).await;
            drop_tables(&store, &tables).await;
        }
    }

    /// A store with its tables, of a name of the test's own (`name` and a random part), on each
    /// server that `TEST_POSTGRES_URL` and `TEST_MYSQL_URL` name (`.ci/run` sets both), with
    /// its URL and tables; a server whose variable is not set is skipped, and said so.
    async fn server_stores(name: &str) -> Vec<(String, crate::seaorm::Tables, SeaOrmStore)> {
        let mut stores = Vec::new();
        for var in ["TEST_POSTGRES_URL", "TEST_MYSQL_URL"] {
            let Ok(url) = std::env::var(var) else {
                eprintln!("{var} is not set: this backend is skipped");
                continue;
            };
            let prefix = format!("{name}_{}_", &Uuid::new_v4().simple().to_string()[..12]);
            let tables = crate::seaorm::Tables::with_prefix(&prefix);
            let store = server_store(&url, &tables).await;
            store.create_tables().await.unwrap();
            stores.push((url, tables, store));
        }
        stores
    }

    /// A store on the server `url` names (a pool of its own), in `tables`.
    async fn server_store(url: &str, tables: &crate::seaorm::Tables) -> SeaOrmStore {
        let conn = crate::seaorm::connect(url).await.unwrap();
        SeaOrmStore::with_tables(conn, tables.clone())
            .await
            .unwrap()
    }

    /// Drops a server test's own tables.
    async fn drop_tables(store: &SeaOrmStore, tables: &crate::seaorm::Tables) {
        for table in [
            &tables.stored_events,
            &tables.snapshots,
            &tables.notification_tracking,
        ] {
            store
                .connection()
                .execute_unprepared(&format!("DROP TABLE {table}"))
                .await
                .unwrap();
        }
    }

    /// Waits (up to 5 s) until `store` keeps no connection.
    async fn until_given_back(store: &SeaOrmStore) {
        for _ in 0..5000 {
            if !store.held.holding() {
                return;
            }
            tokio::time::sleep(std::time::Duration::from_millis(1)).await;
        }
        panic!("the kept connection was not given back to the pool");
    }

    /// How many events a load of `id` visits when the visitor answers each with `flow`.
    async fn visited(events: &SeaOrmRecorder, id: Uuid, flow: ControlFlow<()>) -> usize {
        let mut seen = 0;
        let visit = &mut |_: StoredEventRef<'_>| {
            seen += 1;
            flow
        };
        events
            .visit_events(id, EventQuery::new(), visit)
            .await
            .unwrap();
        seen
    }

    /// Loads and notification reads keep their connection for the next one, give it back once
    /// idle, and keep nothing after a load that stopped with rows unread (`streamed`: the rows
    /// come as they arrive) or failed.
    async fn reads_keep_their_connection_until_idle(store: &SeaOrmStore, streamed: bool) {
        let id = Uuid::new_v4();
        let events = store.application_recorder("app").unwrap();
        let history: Vec<StoredEvent> = (1..=5)
            .map(|version| StoredEvent {
                originator_id: id,
                originator_version: version,
                topic: "app:Happened".into(),
                state: b"{}".to_vec(),
            })
            .collect();
        events.insert_events(&history).await.unwrap();
        until_given_back(store).await;

        for _ in 0..3 {
            assert_eq!(visited(&events, id, ControlFlow::Continue(())).await, 5);
            assert!(store.held.holding());
        }
        let section = events
            .select_notifications(&NotificationQuery::new(None, 100))
            .await
            .unwrap();
        assert!(section.iter().any(|n| n.event.originator_id == id));
        assert!(store.held.holding());
        until_given_back(store).await;

        assert_eq!(visited(&events, id, ControlFlow::Break(())).await, 1);
        assert_eq!(store.held.holding(), !streamed);
        until_given_back(store).await;

        // A load that fails (here on tables that do not exist) keeps no connection.
        let missing = crate::seaorm::Tables::with_prefix(&format!(
            "missing_{}_",
            &Uuid::new_v4().simple().to_string()[..12]
        ));
        let other = SeaOrmStore::with_tables(store.connection().clone(), missing)
            .await
            .unwrap();
        // Stores on one pool share its kept connection.
        assert!(std::sync::Arc::ptr_eq(&store.held, &other.held));
        let recorder = other.application_recorder("app").unwrap();
        let mut nothing = |_: StoredEventRef<'_>| ControlFlow::Continue(());
        let failed = recorder
            .visit_events(id, EventQuery::new(), &mut nothing)
            .await;
        assert!(failed.is_err(), "{failed:?}");
        let failed = recorder
            .select_notifications(&NotificationQuery::new(None, 10))
            .await;
        assert!(failed.is_err(), "{failed:?}");
        assert!(!other.held.holding());

        // After all that, the next load still reads every row.
        assert_eq!(visited(&events, id, ControlFlow::Continue(())).await, 5);
    }

    /// A SQLite file in a directory of the test's own, removed when dropped.
    struct SqliteFile(std::path::PathBuf);

    impl SqliteFile {
        fn new() -> Self {
            let dir = std::env::temp_dir().join(format!("es-held-{}", Uuid::new_v4().simple()));
            std::fs::create_dir_all(&dir).unwrap();
            SqliteFile(dir)
        }

        async fn store(&self) -> SeaOrmStore {
            let url = format!("sqlite://{}", self.0.join("db.sqlite3").display());
            let conn = crate::seaorm::connect(&url).await.unwrap();
            let store = SeaOrmStore::new(conn).await.unwrap();
            store.create_tables().await.unwrap();
            store
        }
    }

    impl Drop for SqliteFile {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    #[tokio::test]
    async fn sqlite_reads_keep_their_connection_until_idle() {
        let file = SqliteFile::new();
        reads_keep_their_connection_until_idle(&file.store().await, false).await;
    }

    /// Saves keep their connection too, when they committed: the next save and the next load
    /// take it. A save that failed (a conflict) keeps none, and nothing of it is recorded.
    async fn saves_keep_their_connection_until_idle(store: &SeaOrmStore) {
        // Nothing kept by an earlier read: what is kept below, a save kept.
        until_given_back(store).await;
        let events = store.application_recorder("app").unwrap();
        let event = |id, version| StoredEvent {
            originator_id: id,
            originator_version: version,
            topic: "app:Happened".into(),
            state: b"{}".to_vec(),
        };
        let (first, second) = (Uuid::new_v4(), Uuid::new_v4());
        let ids = events
            .insert_events(&[event(first, 1), event(first, 2)])
            .await
            .unwrap();
        assert!(store.held.holding());
        let more = events.insert_events(&[event(second, 1)]).await.unwrap();
        assert!(store.held.holding());
        assert_eq!(more, vec![ids[1] + 1]);

        let conflict = events
            .insert_events(&[event(second, 2), event(first, 2)])
            .await;
        assert!(
            matches!(conflict, Err(PersistenceError::Conflict { .. })),
            "{conflict:?}"
        );
        assert!(!store.held.holding());

        let last = events.insert_events(&[event(second, 2)]).await.unwrap();
        assert!(store.held.holding());
        let section = events
            .select_notifications(&NotificationQuery::new(Some(ids[0]), 100))
            .await
            .unwrap();
        let recorded: Vec<(Uuid, u64)> = section
            .iter()
            .map(|n| (n.event.originator_id, n.event.originator_version))
            .collect();
        assert_eq!(recorded, [(first, 1), (first, 2), (second, 1), (second, 2)]);
        assert_eq!(section.last().map(|n| n.id), last.first().copied());
        until_given_back(store).await;
    }

    #[tokio::test]
    async fn sqlite_saves_keep_their_connection_until_idle() {
        let file = SqliteFile::new();
        saves_keep_their_connection_until_idle(&file.store().await).await;
    }

    /// A pool of one connection (SQLite in memory) keeps nothing: a writer would wait for it.
    /// Stores on different pools keep their connections apart.
    #[tokio::test]
    async fn a_pool_of_one_keeps_no_connection() {
        let store = memory_store().await;
        assert!(!std::sync::Arc::ptr_eq(
            &store.held,
            &memory_store().await.held
        ));
        let events = store.application_recorder("app").unwrap();
        let mut nothing = |_: StoredEventRef<'_>| ControlFlow::Continue(());
        events
            .visit_events(Uuid::new_v4(), EventQuery::new(), &mut nothing)
            .await
            .unwrap();
        assert!(!store.held.holding());
    }

    /// A runtime that drops the task waiting to give the kept connection back lets the next
    /// read start another; a store dropped after its runtime, with a connection kept, gives it
    /// back without a runtime and without a panic.
    #[test]
    fn kept_connections_outlive_runtimes_without_harm() {
        let file = SqliteFile::new();
        let runtime = || {
            tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap()
        };
        let load = |store: &SeaOrmStore| {
            let events = store.application_recorder("app").unwrap();
            async move {
                let mut nothing = |_: StoredEventRef<'_>| ControlFlow::Continue(());
                events
                    .visit_events(Uuid::new_v4(), EventQuery::new(), &mut nothing)
                    .await
                    .unwrap();
            }
        };
        let first = runtime();
        let store = first.block_on(async {
            let store = file.store().await;
            until_given_back(&store).await;
            load(&store).await;
            store
        });
        // A current-thread runtime runs its tasks only inside `block_on`.
        assert!(store.held.holding());
        drop(first);
        assert!(store.held.holding());
        let second = runtime();
        second.block_on(async {
            load(&store).await;
            until_given_back(&store).await;
            load(&store).await;
        });
        assert!(store.held.holding());
        drop(second);
        drop(store);
    }

    /// The servers' reads and saves, when `TEST_POSTGRES_URL` and `TEST_MYSQL_URL` name them
    /// (`.ci/run` sets both), in tables of the test's own.
    #[tokio::test]
    async fn server_reads_keep_their_connection_until_idle() {
        for (_, tables, store) in server_stores("held").await {
            reads_keep_their_connection_until_idle(&store, true).await;
            saves_keep_their_connection_until_idle(&store).await;
            drop_tables(&store, &tables).await;
        }
    }

    /// A recorder on an in-memory SQLite database whose statements are written for `backend`.
    async fn recorder(backend: DbBackend) -> SeaOrmRecorder {
        let conn = sea_orm::Database::connect("sqlite::memory:").await.unwrap();
        let store = SeaOrmStore::new(conn).await.unwrap();
        let dialect = Dialect::new(backend, store.dialect().uuid);
        store
            .with_dialect(dialect)
            .application_recorder("app")
            .unwrap()
    }

    fn sql_and_bound(stmt: Statement) -> (String, usize) {
        let bound = stmt.values.map_or(0, |values| values.0.len());
        (stmt.sql, bound)
    }

    /// SQLite prepares a statement again whenever a `LIMIT ?` it read is bound, so there the
    /// limit is written into the text; PostgreSQL and MySQL bind it.
    #[tokio::test]
    async fn limits_are_text_on_sqlite_and_parameters_elsewhere() {
        let id = Uuid::nil();
        let newest = EventQuery::new().lte(7).desc().limit(1);
        let section = NotificationQuery::new(Some(101), 100);

        let sqlite = recorder(DbBackend::Sqlite).await;
        let (sql, bound) = sql_and_bound(sqlite.select_events_statement(id, newest).unwrap());
        assert!(
            sql.ends_with(r#"<= ? ORDER BY "originator_version" DESC LIMIT 1"#),
            "{sql}"
        );
        assert_eq!(bound, 3);
        let (sql, bound) = sql_and_bound(sqlite.select_notifications_statement(&section).unwrap());
        assert!(sql.ends_with(r#">= ? ORDER BY "id" LIMIT 100"#), "{sql}");
        assert_eq!(bound, 2);
        // The cached text of the shape has no limit in it: another limit gets its own text.
        let (sql, _) = sql_and_bound(
            sqlite
                .select_notifications_statement(&NotificationQuery::new(Some(1), 10))
                .unwrap(),
        );
        assert!(sql.ends_with(r#"ORDER BY "id" LIMIT 10"#), "{sql}");
        let (sql, _) = sql_and_bound(
            sqlite
                .select_events_statement(id, EventQuery::new().limit(u64::MAX))
                .unwrap(),
        );
        assert!(sql.ends_with(&format!("LIMIT {}", i64::MAX)), "{sql}");

        let postgres = recorder(DbBackend::Postgres).await;
        let (sql, bound) = sql_and_bound(postgres.select_events_statement(id, newest).unwrap());
        assert!(sql.ends_with("DESC LIMIT $4"), "{sql}");
        assert_eq!(bound, 4);
        let (sql, bound) =
            sql_and_bound(postgres.select_notifications_statement(&section).unwrap());
        assert!(sql.ends_with(r#"ORDER BY "id" LIMIT $3"#), "{sql}");
        assert_eq!(bound, 3);

        let mysql = recorder(DbBackend::MySql).await;
        let (sql, bound) = sql_and_bound(mysql.select_events_statement(id, newest).unwrap());
        assert!(sql.ends_with("DESC LIMIT ?"), "{sql}");
        assert_eq!(bound, 4);
    }

    /// The placeholders in a statement's text: `$1`, `$2`… in order on PostgreSQL, `?`
    /// elsewhere; their number must be the number of values bound.
    fn check_placeholders(backend: DbBackend, stmt: Statement, limit: Option<i64>) {
        let values = stmt.values.map_or_else(Vec::new, |values| values.0);
        match backend {
            DbBackend::Postgres => {
                let numbers: Vec<usize> = stmt
                    .sql
                    .split('$')
                    .skip(1)
                    .map(|rest| {
                        let digits: String =
                            rest.chars().take_while(char::is_ascii_digit).collect();
                        digits.parse().unwrap()
                    })
                    .collect();
                assert_eq!(
                    numbers,
                    (1..=values.len()).collect::<Vec<_>>(),
                    "{}",
                    stmt.sql
                );
            }
            _ => assert_eq!(stmt.sql.matches('?').count(), values.len(), "{}", stmt.sql),
        }
        let limit_bound = backend != DbBackend::Sqlite && limit.is_some();
        if limit_bound {
            assert_eq!(values.last(), Some(&Value::BigInt(limit)), "{}", stmt.sql);
        }
        if let Some(limit) = limit.filter(|_| !limit_bound) {
            assert!(
                stmt.sql.ends_with(&format!(" LIMIT {limit}")),
                "{}",
                stmt.sql
            );
        }
    }

    /// Every shape of either select, on every backend: as many placeholders as values, in
    /// order, with the limit last where it is bound and at the end of the text where not.
    #[tokio::test]
    async fn every_select_shape_binds_one_value_per_placeholder() {
        let id = Uuid::nil();
        for backend in [DbBackend::Sqlite, DbBackend::Postgres, DbBackend::MySql] {
            let recorder = recorder(backend).await;
            for shape in 0..16 {
                let mut query = EventQuery::new();
                if shape & 1 != 0 {
                    query = query.gt(2);
                }
                if shape & 2 != 0 {
                    query = query.lte(9);
                }
                if shape & 4 != 0 {
                    query = query.desc();
                }
                let limit = (shape & 8 != 0).then_some(5);
                if let Some(limit) = limit {
                    query = query.limit(limit as u64);
                }
                let stmt = recorder.select_events_statement(id, query).unwrap();
                check_placeholders(backend, stmt, limit);
            }
            for start in [None, Some(true), Some(false)] {
                for stop in [false, true] {
                    for topics in [0, 2] {
                        let mut query = NotificationQuery::new(start.map(|_| 11), 7);
                        if start == Some(false) {
                            query = query.exclusive_of_start();
                        }
                        if stop {
                            query = query.stop(40);
                        }
                        if topics > 0 {
                            query = query.topics(["a:A", "a:B"]);
                        }
                        let stmt = recorder.select_notifications_statement(&query).unwrap();
                        check_placeholders(backend, stmt, Some(7));
                    }
                }
            }
        }
    }
}
