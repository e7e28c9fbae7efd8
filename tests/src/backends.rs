//! Reaching the test databases: URLs from the environment, isolated tables per test, and
//! recorder factories for the contract suite.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use eventsourcing_seaorm::persistence::{AggregateRecorder, ProcessRecorder, SnapshotLoader};
use eventsourcing_seaorm::seaorm::{
    SeaOrmRecorder, SeaOrmSnapshotRecorder, SeaOrmStore, Tables, connect,
};
use sea_orm::{ConnectionTrait, DatabaseConnection};
use tokio::sync::OnceCell;
use uuid::Uuid;

use crate::contract::RecorderFactory;

/// The SQL backends the tests can reach.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// A SQLite file in a temporary directory.
    SqliteFile,
    /// SQLite in memory.
    SqliteMemory,
    /// PostgreSQL at `TEST_POSTGRES_URL`.
    Postgres,
    /// MySQL or MariaDB at `TEST_MYSQL_URL`.
    MySql,
}

impl Backend {
    /// The environment variable holding the server's URL, for server backends.
    pub fn env_var(self) -> Option<&'static str> {
        match self {
            Backend::Postgres => Some("TEST_POSTGRES_URL"),
            Backend::MySql => Some("TEST_MYSQL_URL"),
            _ => None,
        }
    }

    /// The server URL, or `None` (after saying so on stderr) when the variable is not set:
    /// the test is then skipped.
    pub fn server_url(self) -> Option<String> {
        let var = self.env_var()?;
        match std::env::var(var) {
            Ok(url) if !url.is_empty() => Some(url),
            _ => {
                eprintln!("skipped: {var} is not set, so this {self:?} test did not run");
                None
            }
        }
    }
}

/// A name unique to this test run: `t<12 hex digits>`.
pub fn unique_name() -> String {
    format!("t{}", &Uuid::new_v4().simple().to_string()[..12])
}

/// A database for one test: a fresh SQLite file, or fresh tables (own prefix) on a server.
#[derive(Debug)]
pub struct TestDatabase {
    /// Which backend.
    pub backend: Backend,
    /// The URL to connect to.
    pub url: String,
    /// The tables of this test.
    pub tables: Tables,
    // Keeps the temporary directory of a SQLite file alive.
    _dir: Option<Arc<TempDir>>,
}

/// A temporary directory removed when dropped.
#[derive(Debug)]
pub struct TempDir(pub std::path::PathBuf);

impl TempDir {
    /// A new empty directory under the system's temporary directory.
    pub fn new() -> Self {
        let path = std::env::temp_dir().join(format!("es-seaorm-{}", unique_name()));
        std::fs::create_dir_all(&path).expect("temporary directory");
        TempDir(path)
    }
}

impl Default for TempDir {
    fn default() -> Self {
        Self::new()
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

impl TestDatabase {
    /// A database for one test on `backend`, or `None` when that backend is not configured.
    pub fn new(backend: Backend) -> Option<Self> {
        let prefix = format!("{}_", unique_name());
        match backend {
            Backend::SqliteFile => {
                let dir = TempDir::new();
                let url = format!("sqlite://{}", dir.0.join("events.sqlite3").display());
                Some(Self {
                    backend,
                    url,
                    tables: Tables::default(),
                    _dir: Some(Arc::new(dir)),
                })
            }
            Backend::SqliteMemory => Some(Self {
                backend,
                url: "sqlite::memory:".into(),
                tables: Tables::default(),
                _dir: None,
            }),
            Backend::Postgres | Backend::MySql => Some(Self {
                backend,
                url: backend.server_url()?,
                tables: Tables::with_prefix(&prefix),
                _dir: None,
            }),
        }
    }

    /// A new connection pool to it.
    pub async fn connect(&self) -> DatabaseConnection {
        connect(&self.url)
            .await
            .unwrap_or_else(|e| panic!("cannot connect to {:?} at {}: {e}", self.backend, self.url))
    }

    /// A store on a new connection pool, with the tables created.
    pub async fn store(&self) -> SeaOrmStore {
        self.store_on(self.connect().await).await
    }

    /// A store on this connection, with the tables created.
    pub async fn store_on(&self, conn: DatabaseConnection) -> SeaOrmStore {
        let store = SeaOrmStore::with_tables(conn, self.tables.clone())
            .await
            .expect("store");
        store.create_tables().await.expect("create tables");
        store
    }

    /// Drops this test's tables on a server (SQLite files go with their directory).
    pub async fn drop_tables(&self, conn: &DatabaseConnection) {
        if matches!(self.backend, Backend::Postgres | Backend::MySql) {
            drop_tables(conn, &self.tables).await;
        }
    }
}

/// How many tracking rows `follower` has in the store's tracking table.
pub async fn tracking_rows(store: &SeaOrmStore, follower: &str) -> i64 {
    use sea_orm::sea_query::{Alias, Expr, ExprTrait, Query};
    let select = Query::select()
        .expr(Expr::cust("COUNT(*)"))
        .from(Alias::new(store.tables().notification_tracking.as_str()))
        .and_where(Expr::col(Alias::new("application_name")).eq(Expr::val(follower)))
        .to_owned();
    let row = store
        .connection()
        .query_one(&select)
        .await
        .expect("the count of tracking rows")
        .expect("one row");
    row.try_get_by_index::<i64>(0).expect("a count")
}

/// Waits until `done` says so, checking every 10 ms; panics, naming `what`, after `timeout`.
pub async fn wait_until(
    what: &str,
    timeout: std::time::Duration,
    mut done: impl AsyncFnMut() -> bool,
) {
    let deadline = tokio::time::Instant::now() + timeout;
    while !done().await {
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out waiting for {what}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
}

/// Drops the three tables of `tables` where they exist.
pub async fn drop_tables(conn: &DatabaseConnection, tables: &Tables) {
    for table in [
        &tables.stored_events,
        &tables.snapshots,
        &tables.notification_tracking,
    ] {
        let _ = conn
            .execute_unprepared(&format!("DROP TABLE IF EXISTS {table}"))
            .await;
    }
}

/// The contract suite's factory for a SQL backend: one test database; each recorder asked for
/// is a new application on it; `same_store` opens another connection pool, as another process
/// would (except for SQLite in memory, which has one connection).
pub struct SqlFactory {
    db: TestDatabase,
    store: OnceCell<SeaOrmStore>,
    interleaving_batch_size: usize,
    returning: bool,
    /// The recorders this factory made, by the address of their `Arc`, as their own types.
    made: Mutex<HashMap<usize, Made>>,
}

/// A recorder the factory made.
#[derive(Clone)]
enum Made {
    Events(SeaOrmRecorder),
    Snapshots(SeaOrmSnapshotRecorder),
}

/// The address of the recorder an `Arc` holds, which names it among those made.
fn address<T: ?Sized>(recorder: &Arc<T>) -> usize {
    Arc::as_ptr(recorder).cast::<()>() as usize
}

impl SqlFactory {
    /// A factory for `backend`, or `None` when that backend is not configured.
    pub fn new(backend: Backend) -> Option<Self> {
        let interleaving_batch_size = if backend == Backend::Postgres {
            100
        } else {
            1_000
        };
        Some(Self {
            db: TestDatabase::new(backend)?,
            store: OnceCell::new(),
            interleaving_batch_size,
            returning: true,
            made: Mutex::default(),
        })
    }

    /// Stores that act as if the database had no `INSERT … RETURNING` (as MySQL has not), to
    /// run that code path on MariaDB.
    pub fn without_returning(mut self) -> Self {
        self.returning = false;
        self
    }

    async fn new_store(&self) -> SeaOrmStore {
        let store = self.db.store().await;
        if self.returning {
            return store;
        }
        let mut dialect = store.dialect().clone();
        dialect.returning = false;
        store.with_dialect(dialect)
    }

    async fn store(&self) -> &SeaOrmStore {
        self.store.get_or_init(|| self.new_store()).await
    }

    fn made(&self, address: usize) -> Option<Made> {
        self.made.lock().unwrap().get(&address).cloned()
    }

    /// Remembers the recorder `arc` holds as `made`, and hands it over.
    fn remember<T: ?Sized>(&self, arc: Arc<T>, made: Made) -> Arc<T> {
        self.made.lock().unwrap().insert(address(&arc), made);
        arc
    }

    /// Remembers an events recorder and hands it over.
    fn events(&self, recorder: SeaOrmRecorder) -> Arc<dyn ProcessRecorder> {
        self.remember(Arc::new(recorder.clone()), Made::Events(recorder))
    }
}

impl RecorderFactory for SqlFactory {
    async fn process_recorder(&self) -> Arc<dyn ProcessRecorder> {
        let recorder = self
            .store()
            .await
            .application_recorder(&unique_name())
            .unwrap();
        self.events(recorder)
    }

    async fn same_store(&self, recorder: &Arc<dyn ProcessRecorder>) -> Arc<dyn ProcessRecorder> {
        let Some(Made::Events(recorder)) = self.made(address(recorder)) else {
            panic!("not a recorder of this factory");
        };
        let name = recorder.application_name();
        if self.db.backend == Backend::SqliteMemory {
            return self.events(self.store().await.application_recorder(name).unwrap());
        }
        // Another pool with its own write queue, as another process would have: on a SQLite
        // file its writers wait for ours on SQLite's busy timeout, never "database is locked".
        let other = self.new_store().await.with_own_write_queue();
        self.events(other.application_recorder(name).unwrap())
    }

    async fn snapshot_recorder(&self) -> Arc<dyn AggregateRecorder> {
        let recorder = self
            .store()
            .await
            .snapshot_recorder(&unique_name())
            .unwrap();
        self.remember(Arc::new(recorder.clone()), Made::Snapshots(recorder))
    }

    /// The loader an application on these recorders gets: on one connection when both are on
    /// one pool.
    fn snapshot_loader(
        &self,
        snapshots: &Arc<dyn AggregateRecorder>,
        events: &Arc<dyn ProcessRecorder>,
    ) -> Arc<dyn SnapshotLoader> {
        match (self.made(address(snapshots)), self.made(address(events))) {
            (Some(Made::Snapshots(snapshots)), Some(Made::Events(events))) => {
                snapshots.loader(&events)
            }
            _ => panic!("not recorders of this factory"),
        }
    }

    async fn cleanup(&self) {
        if let Some(store) = self.store.get() {
            self.db.drop_tables(store.connection()).await;
        }
    }

    fn interleaving_batch_size(&self) -> usize {
        self.interleaving_batch_size
    }
}
