//! The databases the bench runs on: their URLs (defaults, overridden by the environment), the
//! library's and the raw driver's connections over the same transport, the bench's own tables,
//! and removing them at the end.

use std::path::PathBuf;
use std::str::FromStr;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use eventsourcing_seaorm::application::Application;
use eventsourcing_seaorm::sea_orm::sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqliteSynchronous,
};
use eventsourcing_seaorm::sea_orm::sqlx::{
    ConnectOptions as _, Connection, MySqlConnection, PgConnection,
};
use eventsourcing_seaorm::sea_orm::{
    ConnectionTrait, Database as SeaOrmDatabase, DatabaseConnection,
};
use eventsourcing_seaorm::seaorm::{
    SQLITE_BUSY_TIMEOUT, SQLITE_ROW_BUFFER, SeaOrmStore, Tables, connect_options,
};
use uuid::Uuid;

use crate::BenchError;
use crate::args::{Backend, Options, Transport};
use crate::error::sqlx_at;
use crate::raw::{RawConnection, RawDb, RawSql};

/// Connections the library's pool may open on a server: enough for the 16 writers of the
/// concurrency scenario and a reader (a user running 16 writers sizes the pool so too).
pub const SERVER_POOL_SIZE: u32 = 20;

/// One backend over one transport, and how to reach it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// The database.
    pub backend: Backend,
    /// How it is reached.
    pub transport: Transport,
    /// The URL (for SQLite, filled in when the file is made).
    pub url: String,
}

impl Target {
    /// `backend/transport`, as in the report.
    pub fn label(&self) -> String {
        format!("{}/{}", self.backend.name(), self.transport.name())
    }

    /// The URL with any password replaced, for messages.
    pub fn shown_url(&self) -> String {
        match (self.url.find("://"), self.url.find('@')) {
            (Some(scheme), Some(at)) if self.url[scheme + 3..at].contains(':') => {
                let user_end = scheme + 3 + self.url[scheme + 3..at].find(':').unwrap_or(0);
                format!("{}:***{}", &self.url[..user_end], &self.url[at..])
            }
            _ => self.url.clone(),
        }
    }
}

fn env_or(var: &str, default: &str) -> String {
    std::env::var(var)
        .ok()
        .filter(|v| !v.is_empty())
        .unwrap_or_else(|| default.to_owned())
}

/// The default URLs (checked with sqlx 0.9.0: a percent-encoded socket directory as the host
/// for PostgreSQL, the `socket` parameter for MySQL).
pub mod defaults {
    /// PostgreSQL over TCP.
    pub const POSTGRES_TCP: &str = "postgres://postgres@127.0.0.1:5432/test";
    /// PostgreSQL over its Unix socket in `/var/run/postgresql`.
    pub const POSTGRES_SOCKET: &str = "postgres://postgres@%2Fvar%2Frun%2Fpostgresql/test";
    /// MySQL/MariaDB over TCP.
    pub const MYSQL_TCP: &str = "mysql://root@127.0.0.1:3306/test";
    /// MySQL/MariaDB over its Unix socket.
    pub const MYSQL_SOCKET: &str = "mysql://root@localhost/test?socket=/run/mysqld/mysqld.sock";
}

/// The targets the options ask for, in the order they run.
pub fn targets(options: &Options) -> Vec<Target> {
    let mut targets = Vec::new();
    for &backend in &options.backends {
        if backend == Backend::Sqlite {
            targets.push(Target {
                backend,
                transport: Transport::File,
                url: String::new(),
            });
            continue;
        }
        for &transport in &options.transports {
            let url = match (backend, transport) {
                (Backend::Postgres, Transport::Socket) => {
                    env_or("BENCH_POSTGRES_SOCKET_URL", defaults::POSTGRES_SOCKET)
                }
                (Backend::Postgres, _) => env_or("BENCH_POSTGRES_URL", defaults::POSTGRES_TCP),
                (_, Transport::Socket) => env_or("BENCH_MYSQL_SOCKET_URL", defaults::MYSQL_SOCKET),
                _ => env_or("BENCH_MYSQL_URL", defaults::MYSQL_TCP),
            };
            targets.push(Target {
                backend,
                transport,
                url,
            });
        }
    }
    targets
}

/// A connected target with the bench's own tables: the library's pool and store, and what the
/// raw driver needs to reach the same tables.
#[derive(Debug)]
pub struct Database {
    /// Which database, over which transport.
    pub target: Target,
    /// The library's connection pool.
    pub conn: DatabaseConnection,
    /// The library's store on the bench's tables.
    pub store: SeaOrmStore,
    /// The raw statements for the same tables.
    pub sql: Arc<RawSql>,
    /// The server's (or SQLite library's) version.
    pub version: String,
    sqlite_dir: Option<PathBuf>,
    /// The prefix of the bench's tables on a server (none in SQLite's file of its own).
    prefix: String,
    /// Tables of the scenarios' own (read models), dropped with the event-store tables.
    own_tables: Mutex<Vec<String>>,
}

fn unique_suffix() -> String {
    Uuid::new_v4().simple().to_string()[..8].to_owned()
}

/// Opens a raw connection with the settings the library uses (for SQLite: WAL,
/// `synchronous=NORMAL`, the same busy timeout and row buffer).
pub async fn connect_raw(backend: Backend, url: &str) -> Result<RawConnection, BenchError> {
    Ok(match backend {
        Backend::Sqlite => {
            let mut options = SqliteConnectOptions::from_str(url)
                .map_err(sqlx_at("parsing the SQLite URL"))?
                .busy_timeout(SQLITE_BUSY_TIMEOUT)
                .row_buffer_size(SQLITE_ROW_BUFFER);
            if !url.contains(":memory:") && !url.contains("mode=memory") {
                options = options
                    .journal_mode(SqliteJournalMode::Wal)
                    .synchronous(SqliteSynchronous::Normal)
                    .create_if_missing(true);
            }
            RawConnection::Sqlite(
                options
                    .connect()
                    .await
                    .map_err(sqlx_at("connecting to SQLite"))?,
            )
        }
        Backend::Postgres => RawConnection::Postgres(
            PgConnection::connect(url)
                .await
                .map_err(sqlx_at("connecting to PostgreSQL"))?,
        ),
        Backend::MySql => RawConnection::MySql(
            MySqlConnection::connect(url)
                .await
                .map_err(sqlx_at("connecting to MySQL"))?,
        ),
    })
}

/// Connects the library the way a user does: [`connect_options`] (no statement log, no ping
/// before each checkout, WAL for SQLite files), with a pool big enough for the writers.
pub async fn connect_library(
    backend: Backend,
    url: &str,
) -> Result<DatabaseConnection, BenchError> {
    let mut options = connect_options(url);
    options.connect_timeout(Duration::from_secs(5));
    if backend != Backend::Sqlite {
        options.max_connections(SERVER_POOL_SIZE);
    }
    Ok(SeaOrmDatabase::connect(options).await?)
}

impl Database {
    /// Connects to the target and makes the bench's tables (their own prefix on a server, a new
    /// file in its own directory for SQLite). An error here means the target is unreachable.
    pub async fn open(mut target: Target) -> Result<Self, BenchError> {
        let suffix = unique_suffix();
        let mut sqlite_dir = None;
        let prefix = if target.backend == Backend::Sqlite {
            String::new()
        } else {
            format!("bench_{suffix}_")
        };
        let tables = if target.backend == Backend::Sqlite {
            let base = std::env::var_os("BENCH_SQLITE_DIR")
                .map(PathBuf::from)
                .unwrap_or_else(std::env::temp_dir);
            let dir = base.join(format!("es-bench-{suffix}"));
            std::fs::create_dir_all(&dir).map_err(|source| BenchError::Io {
                path: dir.display().to_string(),
                source,
            })?;
            target.url = format!("sqlite://{}", dir.join("bench.sqlite3").display());
            sqlite_dir = Some(dir);
            Tables::default()
        } else {
            Tables::with_prefix(&prefix)
        };
        let conn = match connect_library(target.backend, &target.url).await {
            Ok(conn) => conn,
            Err(error) => {
                if let Some(dir) = &sqlite_dir {
                    let _ = std::fs::remove_dir_all(dir);
                }
                return Err(error);
            }
        };
        if target.backend != Backend::Sqlite {
            // A pool opens connections as they are first needed (while one is kept or being
            // pinged after its return, the next operation takes another): open a few now,
            // rather than inside a measurement.
            let ping = || conn.execute_unprepared("SELECT 1");
            tokio::try_join!(ping(), ping(), ping(), ping())?;
        }
        let store = SeaOrmStore::with_tables(conn.clone(), tables).await?;
        store.create_tables().await?;
        let lock = store.application_recorder("Bench")?.lock_statement().await;
        let sql = Arc::new(RawSql::new(store.dialect(), store.tables(), lock));
        let mut database = Self {
            target,
            conn,
            store,
            sql,
            version: String::new(),
            sqlite_dir,
            prefix,
            own_tables: Mutex::new(Vec::new()),
        };
        let mut raw = database.raw().await?;
        database.version = raw
            .scalar_text(match database.target.backend {
                Backend::Sqlite => "SELECT sqlite_version()",
                Backend::Postgres => "SHOW server_version",
                Backend::MySql => "SELECT VERSION()",
            })
            .await?;
        raw.close().await;
        Ok(database)
    }

    /// The name of a table of a scenario's own, `name` with the prefix of the bench's tables
    /// (so that it collides with nothing else on the server); [`close`](Self::close) drops it.
    pub fn own_table(&self, name: &str) -> String {
        let table = format!("{}{name}", self.prefix);
        let mut own = self
            .own_tables
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if !own.contains(&table) {
            own.push(table.clone());
        }
        table
    }

    /// A store on the bench's tables with a pool of its own, as another process or service
    /// writing the same database has: its saves wake no runner of the library's pool in this
    /// process. Close its connection when done.
    pub async fn second_store(&self) -> Result<SeaOrmStore, BenchError> {
        let conn = connect_library(self.target.backend, &self.target.url).await?;
        Ok(SeaOrmStore::with_tables(conn, self.store.tables().clone()).await?)
    }

    /// A new raw connection to the same database over the same transport.
    pub async fn raw(&self) -> Result<RawDb, BenchError> {
        let conn = connect_raw(self.target.backend, &self.target.url).await?;
        Ok(RawDb::new(conn, self.sql.clone()))
    }

    /// An application named `name` on the bench's tables, built as a user builds one (the
    /// SeaORM factory on this store, through [`ApplicationBuilder::store`]), with these settings
    /// (and none from the process environment) and sections of 1,000 notifications.
    ///
    /// [`ApplicationBuilder::store`]: eventsourcing_seaorm::application::ApplicationBuilder::store
    pub async fn app(
        &self,
        name: &str,
        snapshotting: bool,
        settings: &[(&str, &str)],
    ) -> Result<Application, BenchError> {
        Ok(Application::builder(name)
            .environment([("", ""); 0])
            .settings(settings.iter().copied())
            .snapshotting(snapshotting)
            .section_size(1000)
            .store(self.store.clone())
            .build()
            .await?)
    }

    /// Refreshes the planner's statistics of the bench's tables, as autovacuum does in a
    /// running system. Without it, PostgreSQL plans the library's statements on tables it has no
    /// statistics for, and its plan cache can settle on a bitmap scan and sort of all the
    /// application's rows where an index scan reads a section (see the benchmark notes).
    pub async fn analyze(&self) -> Result<(), BenchError> {
        let tables = self.store.tables();
        for table in [&tables.stored_events, &tables.snapshots] {
            let table = self.store.dialect().quote(table);
            let sql = match self.target.backend {
                Backend::Postgres => format!("ANALYZE {table}"),
                Backend::MySql => format!("ANALYZE TABLE {table}"),
                Backend::Sqlite => format!("ANALYZE {table}"),
            };
            self.conn.execute_unprepared(&sql).await?;
        }
        Ok(())
    }

    /// Drops the bench's tables and the scenarios' own (or removes the SQLite file) and closes
    /// the pool.
    pub async fn close(self) {
        if let Some(dir) = &self.sqlite_dir {
            let _ = self.conn.close().await;
            let _ = std::fs::remove_dir_all(dir);
            return;
        }
        let tables = self.store.tables();
        let own = std::mem::take(
            &mut *self
                .own_tables
                .lock()
                .unwrap_or_else(PoisonError::into_inner),
        );
        for table in [
            &tables.stored_events,
            &tables.snapshots,
            &tables.notification_tracking,
        ]
        .into_iter()
        .chain(&own)
        {
            let sql = format!("DROP TABLE IF EXISTS {}", self.store.dialect().quote(table));
            if let Err(error) = self.conn.execute_unprepared(&sql).await {
                eprintln!("  warning: could not drop {table}: {error}");
            }
        }
        let _ = self.conn.close().await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_not_shown() {
        let target = Target {
            backend: Backend::Postgres,
            transport: Transport::Tcp,
            url: "postgres://user:secret@host/db".into(),
        };
        assert_eq!(target.shown_url(), "postgres://user:***@host/db");
        let target = Target {
            url: defaults::POSTGRES_SOCKET.into(),
            ..target
        };
        assert_eq!(target.shown_url(), defaults::POSTGRES_SOCKET);
    }
}
