use std::borrow::Cow;
use std::sync::Arc;
use std::time::Duration;

use sea_orm::sqlx;
use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
use sea_orm::{ConnectOptions, Database, DatabaseConnection, DbErr, RuntimeErr};

use crate::redact::redact_urls;

/// How long a SQLite writer waits for another process's write to finish.
pub const SQLITE_BUSY_TIMEOUT: Duration = Duration::from_secs(30);

/// How many rows a SQLite connection's worker thread reads ahead of the task that takes them
/// (sqlx's `row_buffer_size`, 50 by default).
///
/// sqlx runs each SQLite connection on a thread of its own and hands its rows over through a
/// bounded channel. With 50 places, a select of 1,000 events stops the worker and wakes it
/// again every few rows; with room for a whole section of the notification log, the worker
/// reads on while the task is elsewhere. The rows in the channel are at most this many, so the
/// memory a slow reader holds stays bounded.
pub const SQLITE_ROW_BUFFER: usize = 1024;

/// A server's pooled connection idle for this long is pinged before it is used: the server, a
/// proxy or a firewall may have closed it meanwhile.
pub const IDLE_CHECK: Duration = Duration::from_secs(1);

/// The connection options this crate uses for a database URL.
///
/// - No statement logging, and no ping before each pooled connection is used (it costs a round
///   trip per transaction), except, on a server, before one idle for [`IDLE_CHECK`].
/// - SQLite files: WAL journal (as Django sets it), `synchronous=NORMAL` (durable against
///   crashes of the program; a power loss may lose the last transactions, never corrupt the
///   file), a 30 s busy timeout, created when missing, 4 connections.
/// - SQLite in memory: one connection that is never closed (closing it would lose the data).
/// - SQLite files opened read-only (`?mode=ro`): as they are (journal mode and all).
/// - SQLite, both: room for [`SQLITE_ROW_BUFFER`] rows between each connection's thread and
///   the task reading its rows.
///
/// Adjust the result before connecting, or connect yourself and hand the connection to
/// [`SeaOrmStore`](super::SeaOrmStore).
pub fn connect_options(url: &str) -> ConnectOptions {
    let mut options = ConnectOptions::new(url.to_owned());
    recommend(&mut options);
    options
}

/// Applies the options of [`connect_options`] to options made elsewhere (for example by the
/// sea-orm-migration command line).
pub fn recommend(options: &mut ConnectOptions) {
    let url = options.get_url().to_owned();
    options.sqlx_logging(false).test_before_acquire(false);
    if !url.starts_with("sqlite:") {
        options.test_before_acquire_if_idle_for(IDLE_CHECK);
    }
    if url.starts_with("sqlite:") {
        let in_memory = url.contains(":memory:") || url.contains("mode=memory");
        if in_memory {
            options
                .max_connections(1)
                .min_connections(1)
                .idle_timeout(None)
                .max_lifetime(None);
        } else {
            options.max_connections(4);
        }
        // `mode=ro` (or `immutable=1`) asks for a read-only file: nothing is changed in it, not
        // even its journal mode, and it is not created.
        let query = url.split_once('?').map_or("", |(_, query)| query);
        let read_only = query
            .split('&')
            .any(|p| p == "mode=ro" || p == "immutable=1" || p == "immutable=true");
        options.map_sqlx_sqlite_opts(move |o| {
            let o = o
                .busy_timeout(SQLITE_BUSY_TIMEOUT)
                .row_buffer_size(SQLITE_ROW_BUFFER);
            if in_memory || read_only {
                o
            } else {
                o.journal_mode(SqliteJournalMode::Wal)
                    .synchronous(SqliteSynchronous::Normal)
                    .create_if_missing(true)
            }
        });
    }
}

/// Why a URL cannot be used, before connecting: a SQLite URL that names no file and is not in
/// memory (`sqlite:`, `sqlite://`) would give each pooled connection a private temporary
/// database of its own, so that a save on one connection is not seen by the others.
pub fn url_problem(url: &str) -> Option<&'static str> {
    let rest = url.strip_prefix("sqlite:")?;
    let rest = rest.strip_prefix("//").unwrap_or(rest);
    let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
    let in_memory = path.contains(":memory:") || query.split('&').any(|p| p == "mode=memory");
    (path.is_empty() && !in_memory).then_some(
        "a SQLite URL must name a file (sqlite://events.sqlite3) or be in memory \
         (sqlite::memory:): without one, each pooled connection opens a temporary database of \
         its own",
    )
}

/// How long [`connect`] waits for a server to answer its first connection (the setting
/// `CONNECT_TIMEOUT` changes it for an application).
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// Connects to a database URL (`sqlite://…`, `postgres://…`, `mysql://…`) with
/// [`connect_options`], waiting at most [`CONNECT_TIMEOUT`] for a server's first connection
/// ([`connect_within`]).
pub async fn connect(url: &str) -> Result<DatabaseConnection, DbErr> {
    connect_within(url, CONNECT_TIMEOUT).await
}

/// Connects as [`connect`] does, waiting at most `timeout` for a server's first connection.
///
/// A URL that [`url_problem`] refuses is an error. A server is first reached with one
/// connection of its own: a refused connection fails at once with its cause, and a server that
/// accepts and never answers fails after `timeout` (left to the pool, both would wait for its
/// acquire timeout, 30 s by default, and say only that it timed out). An error that quotes the
/// URL (one that cannot be parsed) has its password hidden.
pub async fn connect_within(url: &str, timeout: Duration) -> Result<DatabaseConnection, DbErr> {
    if let Some(problem) = url_problem(url) {
        return Err(DbErr::Conn(RuntimeErr::Internal(problem.to_owned())));
    }
    let reached = if url.starts_with("postgres") {
        reach::<sqlx::postgres::PgConnectOptions>(url, timeout).await
    } else if url.starts_with("mysql") || url.starts_with("mariadb") {
        reach::<sqlx::mysql::MySqlConnectOptions>(url, timeout).await
    } else {
        Ok(())
    };
    let connected = match reached {
        Ok(()) => Database::connect(connect_options(url)).await,
        Err(error) => Err(error),
    };
    connected.map_err(|error| match redact_urls(&error.to_string()) {
        Cow::Owned(shown) => DbErr::Conn(RuntimeErr::Internal(shown)),
        Cow::Borrowed(_) => error,
    })
}

/// Opens and closes one connection to the server of `url`, within `timeout`.
async fn reach<O>(url: &str, timeout: Duration) -> Result<(), DbErr>
where
    O: sqlx::ConnectOptions,
    O::Connection: Sized,
{
    use sqlx::Connection as _;
    // A URL sqlx cannot parse is reported by the pool, as SeaORM reports it.
    let Ok(options) = url.parse::<O>() else {
        return Ok(());
    };
    match tokio::time::timeout(timeout, options.connect()).await {
        Ok(Ok(conn)) => {
            let _ = conn.close().await;
            Ok(())
        }
        Ok(Err(error)) => Err(DbErr::Conn(RuntimeErr::SqlxError(Arc::new(error)))),
        Err(_) => Err(DbErr::Conn(RuntimeErr::Internal(format!(
            "the server did not answer a connection within {timeout:?} (CONNECT_TIMEOUT)"
        )))),
    }
}
