use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock, Weak};

use sea_orm::{
    ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbBackend, DbErr, Statement,
};

use super::dialect::{self, Dialect};
use super::driver::{Driver, begin_seaorm};
use super::errors::db_error;
use super::schema::{self, Tables};
use super::write_queue::{QueueRoom, WriteQueue};
use crate::persistence::PersistenceError;

/// A database reached through SeaORM, with the three tables: makes recorders for applications
/// ([`application_recorder`](Self::application_recorder),
/// [`snapshot_recorder`](Self::snapshot_recorder)).
///
/// Recorders made by the same store share what it found out about the database, and a queue
/// of writers whose waiting saves are recorded together, one transaction and one disk flush
/// for all (group commit). On SQLite every store on the same file in this process shares that
/// queue, so its writers do not wait on SQLite's busy timeout for each other (except briefly
/// after a writer stopped waiting for its save: the queue moves on while SQLite's worker is
/// still rolling that save back).
///
/// The queue is bounded: at most [`WRITE_QUEUE_LIMIT`] saves of a store (and of its clones)
/// wait in it or are being recorded at once ([`with_write_queue_limit`](Self::with_write_queue_limit)
/// changes it; the setting `WRITE_QUEUE_LIMIT` does for an application). A further save waits
/// for room before it queues, which slows its caller down rather than letting saves pile up. A
/// save whose caller stops waiting (a timeout, a dropped request) before a writer took it into a
/// group leaves the queue and is never recorded; one already in a group is recorded, or not, with
/// the group, all or nothing (reload the aggregate to know).
///
/// ```no_run
/// # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
/// use eventsourcing_seaorm::seaorm::{SeaOrmStore, connect};
///
/// let db = connect("sqlite://events.sqlite3").await?;
/// let store = SeaOrmStore::new(db).await?;
/// store.create_tables().await?;
/// let recorder = store.application_recorder("Worlds")?;
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct SeaOrmStore {
    pub(crate) driver: Driver,
    pub(crate) tables: Arc<Tables>,
    pub(crate) dialect: Arc<Dialect>,
    pub(crate) queue: Arc<WriteQueue>,
    pub(crate) room: QueueRoom,
    /// PostgreSQL: each save's transaction sends a notification on the store's channel.
    pub(crate) notify: bool,
}

/// How many saves of a store may wait in its write queue or be being recorded at once, unless
/// [`SeaOrmStore::with_write_queue_limit`] (or the setting `WRITE_QUEUE_LIMIT`) says otherwise.
/// With a group of up to 64 saves per transaction, that is a few dozen transactions of work
/// queued: enough that concurrent writers never wait for room in normal running.
pub const WRITE_QUEUE_LIMIT: usize = 1024;

fn store_error(operation: &'static str, source: sea_orm::DbErr) -> PersistenceError {
    db_error("", operation, source)
}

/// The queue of this process's writers to a SQLite file: one per file, shared by every store
/// on it (several applications, several pools), so that they wait in turn here rather than on
/// SQLite's busy timeout. A database in memory has its own.
async fn sqlite_write_queue(conn: &DatabaseConnection) -> Result<Arc<WriteQueue>, sea_orm::DbErr> {
    static QUEUES: OnceLock<Mutex<HashMap<String, Weak<WriteQueue>>>> = OnceLock::new();
    let row = conn
        .query_one_raw(Statement::from_string(
            DbBackend::Sqlite,
            "SELECT file FROM pragma_database_list WHERE name = 'main'",
        ))
        .await?;
    let file: String = match row {
        Some(row) => row.try_get_by_index(0)?,
        None => String::new(),
    };
    if file.is_empty() {
        return Ok(Arc::default());
    }
    let mut queues = QUEUES
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    queues.retain(|_, queue| queue.strong_count() > 0);
    if let Some(queue) = queues.get(&file).and_then(Weak::upgrade) {
        return Ok(queue);
    }
    let queue = Arc::<WriteQueue>::default();
    queues.insert(file, Arc::downgrade(&queue));
    Ok(queue)
}

impl SeaOrmStore {
    /// A store on the default tables (`stored_events`, `snapshots`, `notification_tracking`).
    pub async fn new(conn: DatabaseConnection) -> Result<Self, PersistenceError> {
        Self::with_tables(conn, Tables::default()).await
    }

    /// A store on other tables.
    pub async fn with_tables(
        conn: DatabaseConnection,
        tables: Tables,
    ) -> Result<Self, PersistenceError> {
        tables
            .validate()
            .map_err(|reason| PersistenceError::Configuration {
                what: "table names".into(),
                reason,
            })?;
        let dialect = dialect::detect(&conn, &tables.stored_events)
            .await
            .map_err(|e| store_error("inspecting the database", e))?;
        let queue = if dialect.backend == DbBackend::Sqlite {
            sqlite_write_queue(&conn)
                .await
                .map_err(|e| store_error("inspecting the database", e))?
        } else {
            Arc::default()
        };
        Ok(Self {
            driver: Driver::new(&conn),
            tables: Arc::new(tables),
            dialect: Arc::new(dialect),
            queue,
            room: QueueRoom::new(WRITE_QUEUE_LIMIT),
            notify: false,
        })
    }

    /// Replaces what the store found out about the database: for a server that reports itself
    /// wrongly, or to test another code path (MySQL without `RETURNING` on MariaDB).
    pub fn with_dialect(mut self, dialect: Dialect) -> Self {
        self.dialect = Arc::new(dialect);
        self
    }

    /// PostgreSQL: each save of events sends a notification (`NOTIFY`) on the store's
    /// [`notification_channel`](Self::notification_channel) in its transaction, so that it
    /// arrives only once the save is committed; subscriptions in other processes
    /// (`system::Subscribe`) listen on it and read new events at once instead of at their next
    /// poll. It costs a statement per save. Recorders made from the store afterwards send it;
    /// on other databases this changes nothing.
    pub fn with_notifications(mut self) -> Self {
        self.notify = true;
        self
    }

    /// The channel saves notify on, when [`with_notifications`](Self::with_notifications) is
    /// on and the database is PostgreSQL: `es_` and the events table's name.
    pub fn notification_channel(&self) -> Option<String> {
        (self.notify && self.dialect.backend == DbBackend::Postgres)
            .then(|| format!("es_{}", self.tables.stored_events))
    }

    /// Lets at most `limit` saves of this store (and of the clones made from it afterwards)
    /// wait in the write queue or be being recorded at once; a further save waits for room
    /// before it queues. A limit of 0 counts as 1.
    pub fn with_write_queue_limit(mut self, limit: usize) -> Self {
        self.room = QueueRoom::new(limit);
        self
    }

    /// The most saves of this store that may wait in the write queue or be being recorded at
    /// once ([`WRITE_QUEUE_LIMIT`] unless changed).
    pub fn write_queue_limit(&self) -> usize {
        self.room.limit()
    }

    /// The saves of this store waiting in the write queue or being recorded now (a figure for a
    /// service's metrics: at [`write_queue_limit`](Self::write_queue_limit), saves wait for
    /// room).
    pub fn queued_saves(&self) -> usize {
        self.room.taken()
    }

    /// Records saves in SeaORM's own transactions on the pool (a connection taken from the pool
    /// and given back at the commit) instead of on the pool's kept connection: only to measure
    /// the difference (`bench/src/bin/save_transactions.rs`).
    #[doc(hidden)]
    pub fn with_seaorm_transactions(mut self) -> Self {
        self.driver.seaorm_transactions = true;
        self
    }

    /// Gives the store a write queue of its own, as a store in another process has: on SQLite
    /// its writers then wait for the others on SQLite's busy timeout. For tests of exactly that.
    #[doc(hidden)]
    pub fn with_own_write_queue(mut self) -> Self {
        self.queue = Arc::default();
        self
    }

    /// Creates the tables that do not exist yet (what `CREATE_TABLE=y` does).
    pub async fn create_tables(&self) -> Result<(), PersistenceError> {
        schema::create_tables(self.connection(), &self.dialect, &self.tables)
            .await
            .map_err(|e| store_error("creating tables", e))
    }

    /// Begins a transaction on the store's connection for work of the caller's own with saves
    /// in it ([`SeaOrmRecorder::insert_events_in`](super::SeaOrmRecorder::insert_events_in)):
    /// on SQLite one that takes the write lock at once (`BEGIN IMMEDIATE`), so that reading
    /// before writing does not make the first write fail when another connection wrote
    /// meanwhile.
    pub async fn begin(&self) -> Result<DatabaseTransaction, DbErr> {
        begin_seaorm(self.connection(), self.dialect.backend).await
    }

    /// Closes the store: waits for the saves in its write queue to be recorded (later saves
    /// fail, recording nothing), gives its kept connection back, on SQLite checkpoints the
    /// write-ahead log into the database file (`PRAGMA wal_checkpoint(TRUNCATE)`, so that the
    /// file alone holds everything), and closes the connection pool, which waits for the
    /// connections in use (a caller's open transaction) to come back.
    ///
    /// The pool is shared by every store and application made on the same connection: they
    /// are closed with it.
    pub async fn close(&self) -> Result<(), PersistenceError> {
        self.room.close_when_empty().await;
        self.driver.release_kept();
        if self.dialect.backend == DbBackend::Sqlite {
            let checkpoint =
                Statement::from_string(DbBackend::Sqlite, "PRAGMA wal_checkpoint(TRUNCATE)");
            // A file opened read-only, or one another process is writing, cannot be
            // checkpointed now: SQLite does it when its last connection closes.
            if let Err(error) = self.connection().execute_raw(checkpoint).await {
                tracing::warn!(%error, "the write-ahead log was not checkpointed before closing");
            }
        }
        self.connection()
            .close_by_ref()
            .await
            .map_err(|e| store_error("closing the connection pool", e))
    }

    /// The connection.
    pub fn connection(&self) -> &DatabaseConnection {
        self.driver.seaorm()
    }

    /// The table names.
    pub fn tables(&self) -> &Tables {
        &self.tables
    }

    /// What the store found out about the database.
    pub fn dialect(&self) -> &Dialect {
        &self.dialect
    }

    /// Whether `other` reaches the database through the same pool (recorders of the two can
    /// then read on one connection, and a transaction of one can write for the other).
    pub fn shares_pool_with(&self, other: &SeaOrmStore) -> bool {
        self.driver.shares_pool_with(&other.driver)
    }
}
