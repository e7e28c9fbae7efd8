//! How the recorders run their statements: one way, chosen once when the store is built.
//!
//! A store on one of sqlx's pools (SQLite, PostgreSQL, MySQL/MariaDB: what
//! [`Database::connect`](sea_orm::Database::connect) makes) sends its statements to sqlx
//! directly, on the pool's kept connection (`seaorm/kept.rs`), with the values bound by SeaORM's
//! own binder (`sea-query-sqlx`) and rows, results and errors read as SeaORM's. This spares
//! what `ConnectionTrait` adds to every call (a boxed future holding every backend's future) and
//! what a pool adds to every checkout (sqlx pings each connection given back to it). A store on
//! a connection of another kind (SeaORM's mock or proxy) goes through `ConnectionTrait`.
//!
//! What is skipped for these statements is SeaORM's wrapper only: its metric callback and its
//! trace-level spans. This module is the one place that tells the backends' pools apart.

use std::future::Future;
use std::ops::ControlFlow;
use std::pin::Pin;
use std::sync::Arc;

use futures_util::StreamExt;
use futures_util::stream::BoxStream;
use sea_orm::sqlx::{self, MySql, Postgres, Sqlite};
use sea_orm::{
    ConnectionTrait, DatabaseConnection, DatabaseConnectionType, DbBackend, DbErr, QueryResult,
    Statement,
};
use sea_query_sqlx::SqlxValues;

use super::errors::{acquire_error, is_connection_lost, query_error};
use super::kept::{Kept, Taken};

mod transaction;

use transaction::SqlxTransaction;
pub(crate) use transaction::{Transaction, begin_seaorm};

/// The store's way to the database.
#[derive(Debug, Clone)]
pub(crate) struct Driver {
    /// SeaORM's connection: for transactions, and for setting up (`seaorm/store.rs`).
    conn: DatabaseConnection,
    pool: Pool,
    /// The connection kept between uses, shared by every store on the same pool.
    kept: Arc<Kept>,
    /// Whether the write queue begins SeaORM's own transactions on the pool rather than
    /// transactions on the kept connection (to measure the difference: `bench/src/bin/
    /// save_transactions.rs`).
    pub(crate) seaorm_transactions: bool,
}

/// A pool of sqlx, or SeaORM's connection when it has none.
#[derive(Debug, Clone)]
enum Pool {
    Sqlite(sqlx::SqlitePool),
    Postgres(sqlx::PgPool),
    MySql(sqlx::MySqlPool),
    /// None: SeaORM's mock or proxy connection, used through `ConnectionTrait`.
    SeaOrm,
}

impl Driver {
    /// The driver of a SeaORM connection: its sqlx pool, or the connection itself.
    pub(crate) fn new(conn: &DatabaseConnection) -> Self {
        let pool = match &conn.inner {
            DatabaseConnectionType::SqlxSqlitePoolConnection(_) => {
                Pool::Sqlite(conn.get_sqlite_connection_pool().clone())
            }
            DatabaseConnectionType::SqlxPostgresPoolConnection(_) => {
                Pool::Postgres(conn.get_postgres_connection_pool().clone())
            }
            DatabaseConnectionType::SqlxMySqlPoolConnection(_) => {
                Pool::MySql(conn.get_mysql_connection_pool().clone())
            }
            _ => Pool::SeaOrm,
        };
        // A pool's options live in its shared state: their address names the pool while it
        // lives, and a `Kept` keeps its pool alive through the stores that hold it.
        let pool_id = match &pool {
            Pool::Sqlite(pool) => Some(std::ptr::from_ref(pool.options()) as usize),
            Pool::Postgres(pool) => Some(std::ptr::from_ref(pool.options()) as usize),
            Pool::MySql(pool) => Some(std::ptr::from_ref(pool.options()) as usize),
            Pool::SeaOrm => None,
        };
        let kept = pool_id.map_or_else(Arc::default, Kept::of_pool);
        Driver {
            conn: conn.clone(),
            pool,
            kept,
            seaorm_transactions: false,
        }
    }

    /// SeaORM's connection, through which transactions begin.
    pub(crate) fn seaorm(&self) -> &DatabaseConnection {
        &self.conn
    }

    /// Gives the kept connection back to the pool now.
    pub(crate) fn release_kept(&self) {
        self.kept.release();
    }

    /// Whether a connection is kept now.
    #[cfg(test)]
    pub(crate) fn is_keeping(&self) -> bool {
        self.kept.is_keeping()
    }

    /// Whether two drivers are on the same pool (and so share the kept connection).
    pub(crate) fn shares_pool_with(&self, other: &Driver) -> bool {
        Arc::ptr_eq(&self.kept, &other.kept) && !matches!(self.pool, Pool::SeaOrm)
    }

    /// Whether a select's rows are best decoded as they arrive: from a server, so that decoding
    /// one overlaps the sending of the next; not from SQLite, whose rows come from a worker
    /// thread in this process: a reader that decodes falls behind that thread, which is then
    /// parked and woken for every row (docs/benchmarks/PROFILE.md).
    pub(crate) fn streams_rows(&self) -> bool {
        matches!(self.pool, Pool::Postgres(_) | Pool::MySql(_))
    }

    /// Whether this is sqlx's SQLite pool, whose cancellation of a dropped transaction is what
    /// makes recording a save in its caller's task safe (`seaorm/write_queue.rs`).
    pub(crate) fn is_sqlite_pool(&self) -> bool {
        matches!(self.pool, Pool::Sqlite(_))
    }

    /// The kept connection, or another of the pool.
    pub(crate) async fn connection(&self) -> Result<Connection<'_>, DbErr> {
        let kept = &self.kept;
        Ok(match &self.pool {
            Pool::Sqlite(pool) => Connection::Sqlite(Session::take(pool, kept).await?),
            Pool::Postgres(pool) => Connection::Postgres(Session::take(pool, kept).await?),
            Pool::MySql(pool) => Connection::MySql(Session::take(pool, kept).await?),
            Pool::SeaOrm => Connection::SeaOrm(&self.conn),
        })
    }

    /// A connection known to answer: after a connection was lost, the others of the pool may
    /// be lost too (a server restart, a failover closes them all), so each is pinged before it
    /// is used and closed when it does not answer; at most the pool's size of them, then one
    /// as it comes. SeaORM's connection is taken as it is.
    ///
    /// Boxed: it is rare, and its futures would make those of every read and save larger.
    pub(crate) fn checked_connection(
        &self,
    ) -> Pin<Box<dyn Future<Output = Result<Connection<'_>, DbErr>> + Send + '_>> {
        Box::pin(async move {
            let attempts = match &self.pool {
                Pool::Sqlite(pool) => pool.options().get_max_connections(),
                Pool::Postgres(pool) => pool.options().get_max_connections(),
                Pool::MySql(pool) => pool.options().get_max_connections(),
                Pool::SeaOrm => 0,
            };
            for _ in 0..attempts {
                let mut conn = self.connection().await?;
                if conn.ping().await {
                    return Ok(conn);
                }
                conn.discard();
            }
            self.connection().await
        })
    }

    /// A connection for the try after `lost` lost connections: [`connection`](Self::connection)
    /// first, then [`checked_connection`](Self::checked_connection).
    pub(crate) async fn connection_after(&self, lost: u32) -> Result<Connection<'_>, DbErr> {
        if lost == 0 {
            self.connection().await
        } else {
            self.checked_connection().await
        }
    }

    /// The connection the write queue's transaction begins on: as
    /// [`connection`](Self::connection), or SeaORM's when the store was asked for SeaORM's
    /// transactions.
    /// A `checked` one is as [`checked_connection`](Self::checked_connection).
    pub(crate) async fn transaction_connection(
        &self,
        checked: bool,
    ) -> Result<Connection<'_>, DbErr> {
        if self.seaorm_transactions {
            return Ok(Connection::SeaOrm(&self.conn));
        }
        if checked {
            return self.checked_connection().await;
        }
        self.connection().await
    }

    /// All the rows of the select `statement` makes, on a connection kept for the next use
    /// when it succeeded. A lost connection (`errors::is_connection_lost`) is replaced and
    /// the select sent again, up to [`LOST_RETRIES`] times: a select changes nothing.
    pub(crate) async fn all(
        &self,
        statement: impl Fn() -> Statement,
    ) -> Result<Vec<QueryResult>, DbErr> {
        let mut lost = 0;
        loop {
            let mut conn = self.connection_after(lost).await?;
            match conn.all(statement()).await {
                Ok(rows) => {
                    conn.keep();
                    return Ok(rows);
                }
                Err(error) if lost < LOST_RETRIES && is_connection_lost(&error) => {
                    lost += 1;
                    tracing::info!(%error, "a select lost its connection: sent again");
                }
                Err(error) => return Err(error),
            }
        }
    }

    /// The first row of a select of one row (`SELECT MAX(…)`), as [`all`](Self::all): every
    /// row is read, so that the connection kept has nothing left unread.
    pub(crate) async fn one(
        &self,
        statement: impl Fn() -> Statement,
    ) -> Result<Option<QueryResult>, DbErr> {
        Ok(self.all(statement).await?.into_iter().next())
    }

    /// Hands the rows of the select `statement` makes to `visit` in order, as they arrive from
    /// a server or all read first from SQLite ([`streams_rows`](Self::streams_rows)), until it
    /// breaks or fails (its error is the inner one). The connection is kept for the next use
    /// when every row was read. A connection lost before the first row was handed over is
    /// replaced, as in [`all`](Self::all).
    pub(crate) async fn visit<E>(
        &self,
        statement: impl Fn() -> Statement,
        mut visit: impl FnMut(QueryResult) -> Result<ControlFlow<()>, E>,
    ) -> Result<Result<(), E>, DbErr> {
        if !self.streams_rows() {
            for row in self.all(statement).await? {
                match visit(row) {
                    Ok(ControlFlow::Continue(())) => {}
                    Ok(ControlFlow::Break(())) => break,
                    Err(error) => return Ok(Err(error)),
                }
            }
            return Ok(Ok(()));
        }
        let mut lost = 0;
        loop {
            let mut conn = self.connection_after(lost).await?;
            let mut rows = conn.rows(statement());
            let mut visited = false;
            let mut failure = None;
            while let Some(row) = rows.next().await {
                let row = match row {
                    Ok(row) => row,
                    Err(error) => {
                        failure = Some(error);
                        break;
                    }
                };
                visited = true;
                match visit(row) {
                    Ok(ControlFlow::Continue(())) => {}
                    // Rows may be left unread: the connection goes back to the pool, whose
                    // check clears them.
                    Ok(ControlFlow::Break(())) => return Ok(Ok(())),
                    Err(error) => return Ok(Err(error)),
                }
            }
            drop(rows);
            match failure {
                None => {
                    conn.keep();
                    return Ok(Ok(()));
                }
                Some(error) if !visited && lost < LOST_RETRIES && is_connection_lost(&error) => {
                    lost += 1;
                    tracing::info!(%error, "a select lost its connection: sent again");
                }
                Some(error) => return Err(error),
            }
        }
    }
}

/// How many times a select whose connection was lost is sent again on another one.
pub(crate) const LOST_RETRIES: u32 = 2;

/// A connection taken for a read or the write queue's transaction: the kept one or another of
/// the pool, or SeaORM's connection.
pub(crate) enum Connection<'d> {
    Sqlite(Session<'d, Sqlite>),
    Postgres(Session<'d, Postgres>),
    MySql(Session<'d, MySql>),
    SeaOrm(&'d DatabaseConnection),
}

/// A connection taken from one of sqlx's pools, to give back to the store's kept slot.
pub(crate) struct Session<'d, DB: sqlx::Database> {
    taken: Taken<DB>,
    pool: &'d sqlx::Pool<DB>,
    kept: &'d Arc<Kept>,
}

impl<'d, DB: sqlx::Database> Session<'d, DB> {
    async fn take(pool: &'d sqlx::Pool<DB>, kept: &'d Arc<Kept>) -> Result<Self, DbErr> {
        let taken = kept.take(pool).await.map_err(acquire_error)?;
        Ok(Session { taken, pool, kept })
    }
}

impl Connection<'_> {
    /// Every row of a select.
    pub(crate) async fn all(&mut self, stmt: Statement) -> Result<Vec<QueryResult>, DbErr> {
        match self {
            Connection::Sqlite(session) => {
                fetch_all::<Sqlite>(&mut *session.taken.conn, stmt).await
            }
            Connection::Postgres(session) => {
                fetch_all::<Postgres>(&mut *session.taken.conn, stmt).await
            }
            Connection::MySql(session) => fetch_all::<MySql>(&mut *session.taken.conn, stmt).await,
            Connection::SeaOrm(conn) => conn.query_all_raw(stmt).await,
        }
    }

    /// The first row of a select, if any.
    pub(crate) async fn optional(&mut self, stmt: Statement) -> Result<Option<QueryResult>, DbErr> {
        match self {
            Connection::Sqlite(session) => {
                fetch_optional::<Sqlite>(&mut *session.taken.conn, stmt).await
            }
            Connection::Postgres(session) => {
                fetch_optional::<Postgres>(&mut *session.taken.conn, stmt).await
            }
            Connection::MySql(session) => {
                fetch_optional::<MySql>(&mut *session.taken.conn, stmt).await
            }
            Connection::SeaOrm(conn) => conn.query_one_raw(stmt).await,
        }
    }

    /// The rows of a select as they arrive (SeaORM's connection reads them all first). The
    /// statement is sent when the first row is asked for.
    pub(crate) fn rows(&mut self, stmt: Statement) -> Rows<'_> {
        match self {
            Connection::Sqlite(session) => {
                Rows::Sqlite(bound(stmt).fetch(&mut *session.taken.conn))
            }
            Connection::Postgres(session) => {
                Rows::Postgres(bound(stmt).fetch(&mut *session.taken.conn))
            }
            Connection::MySql(session) => Rows::MySql(bound(stmt).fetch(&mut *session.taken.conn)),
            Connection::SeaOrm(conn) => Rows::SeaOrm(Some((conn, stmt)), Vec::new().into_iter()),
        }
    }

    /// Begins the write queue's transaction on this connection (see [`Transaction`]).
    pub(crate) async fn begin(&mut self) -> Result<Transaction<'_>, DbErr> {
        Ok(match self {
            Connection::Sqlite(session) => Transaction::Sqlite(
                SqlxTransaction::begin(&mut session.taken, DbBackend::Sqlite).await?,
            ),
            Connection::Postgres(session) => Transaction::Postgres(
                SqlxTransaction::begin(&mut session.taken, DbBackend::Postgres).await?,
            ),
            Connection::MySql(session) => Transaction::MySql(
                SqlxTransaction::begin(&mut session.taken, DbBackend::MySql).await?,
            ),
            Connection::SeaOrm(conn) => {
                Transaction::SeaOrm(begin_seaorm(*conn, conn.get_database_backend()).await?)
            }
        })
    }

    /// Whether the connection answers a ping.
    async fn ping(&mut self) -> bool {
        use sqlx::Connection as _;
        match self {
            Connection::Sqlite(session) => session.taken.conn.ping().await.is_ok(),
            Connection::Postgres(session) => session.taken.conn.ping().await.is_ok(),
            Connection::MySql(session) => session.taken.conn.ping().await.is_ok(),
            Connection::SeaOrm(conn) => conn.ping().await.is_ok(),
        }
    }

    /// Closes the connection rather than giving it back to the pool (it does not answer).
    fn discard(self) {
        match self {
            Connection::Sqlite(mut session) => session.taken.conn.close_on_drop(),
            Connection::Postgres(mut session) => session.taken.conn.close_on_drop(),
            Connection::MySql(mut session) => session.taken.conn.close_on_drop(),
            Connection::SeaOrm(_) => {}
        }
    }

    /// Keeps the connection for the next read or save of any store on its pool
    /// (`seaorm/kept.rs`). Call it only when every statement ran to its end; a connection
    /// dropped instead goes back to the pool, which checks it.
    pub(crate) fn keep(self) {
        match self {
            Connection::Sqlite(session) => session.kept.put(session.pool, session.taken),
            Connection::Postgres(session) => session.kept.put(session.pool, session.taken),
            Connection::MySql(session) => session.kept.put(session.pool, session.taken),
            Connection::SeaOrm(_) => {}
        }
    }
}

/// The rows of one select, as they arrive.
pub(crate) enum Rows<'c> {
    Sqlite(BoxStream<'c, Result<sqlx::sqlite::SqliteRow, sqlx::Error>>),
    Postgres(BoxStream<'c, Result<sqlx::postgres::PgRow, sqlx::Error>>),
    MySql(BoxStream<'c, Result<sqlx::mysql::MySqlRow, sqlx::Error>>),
    /// SeaORM's connection: the statement until the first row is asked for, then its rows.
    SeaOrm(
        Option<(&'c DatabaseConnection, Statement)>,
        std::vec::IntoIter<QueryResult>,
    ),
}

impl Rows<'_> {
    /// The next row; `None` after the last.
    pub(crate) async fn next(&mut self) -> Option<Result<QueryResult, DbErr>> {
        fn read<R>(row: Option<Result<R, sqlx::Error>>) -> Option<Result<QueryResult, DbErr>>
        where
            QueryResult: From<R>,
        {
            row.map(|row| row.map(QueryResult::from).map_err(query_error))
        }
        match self {
            Rows::Sqlite(rows) => read(rows.next().await),
            Rows::Postgres(rows) => read(rows.next().await),
            Rows::MySql(rows) => read(rows.next().await),
            Rows::SeaOrm(statement, rows) => {
                if let Some((conn, stmt)) = statement.take() {
                    match conn.query_all_raw(stmt).await {
                        Ok(all) => *rows = all.into_iter(),
                        Err(error) => return Some(Err(error)),
                    }
                }
                rows.next().map(Ok)
            }
        }
    }
}

/// A statement with its values bound as SeaORM binds them.
pub(crate) fn bound<DB>(stmt: Statement) -> sqlx::query::Query<'static, DB, SqlxValues>
where
    DB: sqlx::Database,
    SqlxValues: sqlx::IntoArguments<DB>,
{
    let values = stmt.values.unwrap_or(sea_orm::Values(Vec::new()));
    sqlx::query_with(sqlx::AssertSqlSafe(stmt.sql), SqlxValues(values))
}

/// Every row of a statement on `conn`, as SeaORM's rows.
async fn fetch_all<DB>(
    conn: &mut DB::Connection,
    stmt: Statement,
) -> Result<Vec<QueryResult>, DbErr>
where
    DB: sqlx::Database,
    QueryResult: From<DB::Row>,
    SqlxValues: sqlx::IntoArguments<DB>,
    for<'c> &'c mut DB::Connection: sqlx::Executor<'c, Database = DB>,
{
    let rows = bound(stmt).fetch_all(conn).await.map_err(query_error)?;
    Ok(rows.into_iter().map(QueryResult::from).collect())
}

/// The first row of a statement on `conn`, as SeaORM's row.
async fn fetch_optional<DB>(
    conn: &mut DB::Connection,
    stmt: Statement,
) -> Result<Option<QueryResult>, DbErr>
where
    DB: sqlx::Database,
    QueryResult: From<DB::Row>,
    SqlxValues: sqlx::IntoArguments<DB>,
    for<'c> &'c mut DB::Connection: sqlx::Executor<'c, Database = DB>,
{
    let row = bound(stmt)
        .fetch_optional(conn)
        .await
        .map_err(query_error)?;
    Ok(row.map(QueryResult::from))
}
