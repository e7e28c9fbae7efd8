//! The write queue's transactions, on the connection the store keeps between uses
//! (`seaorm/held.rs`).
//!
//! A save that began its transaction through SeaORM took a connection from the pool and gave
//! it back at the commit, and sqlx's pool pings every connection given back to it (a round
//! trip to the server or to a SQLite connection's worker thread, in a task of its own) and
//! hands out its idle connections first in, first out. Saves, like reads, now take the kept
//! connection, run their statements in an sqlx transaction on it ([`HeldTransaction`], which
//! the recorder's SeaORM code drives as any `ConnectionTrait`), and leave it kept when the
//! commit succeeded. A group that failed (a conflict, a deadlock, a lost connection) rolls
//! back, or has its rollback queued as sqlx's transaction is dropped, and gives its connection
//! back to the pool, which sends any queued rollback with its check of the connection (on
//! SQLite the connection's worker runs it), as it did for SeaORM's transactions.
//!
//! Statements are bound by SeaORM's binder and their rows and results read as SeaORM's, with
//! SeaORM's errors; what is skipped is SeaORM's wrapper, its metric callback and its trace-level
//! spans, as for reads (the README says so). A save in a transaction of the caller's own goes
//! through that transaction as before.

use sea_orm::sqlx::{self, Connection};
use sea_orm::{
    ConnectionTrait, DatabaseTransaction, DbBackend, DbErr, ExecResult, QueryResult, Statement,
};
use sea_query_sqlx::SqlxValues;
use std::future::Future;
use tokio::sync::Mutex;

use super::held::{Taken, bound, exec_error, query_error};

/// A transaction that a group of saves is recorded in: SeaORM's, or one on the store's kept
/// connection.
pub(crate) trait GroupTransaction: ConnectionTrait + Send {
    /// Commits it.
    fn commit(self) -> impl Future<Output = Result<(), DbErr>> + Send;
    /// Rolls it back.
    fn rollback(self) -> impl Future<Output = Result<(), DbErr>> + Send;
}

impl GroupTransaction for DatabaseTransaction {
    fn commit(self) -> impl Future<Output = Result<(), DbErr>> + Send {
        DatabaseTransaction::commit(self)
    }

    fn rollback(self) -> impl Future<Output = Result<(), DbErr>> + Send {
        DatabaseTransaction::rollback(self)
    }
}

/// An sqlx transaction on a connection borrowed from the store's kept slot.
pub(crate) struct HeldTransaction<'c, DB: sqlx::Database> {
    // A lock, because `ConnectionTrait` runs statements through `&self`; the recorder runs one
    // at a time, so it is never contended.
    tx: Mutex<sqlx::Transaction<'c, DB>>,
    backend: DbBackend,
}

impl<'c, DB> HeldTransaction<'c, DB>
where
    DB: sqlx::Database,
{
    /// Begins a transaction on the connection `taken`; on SQLite one that takes the write lock
    /// at once (`BEGIN IMMEDIATE`), as the recorder's SeaORM transactions do. Fails when the
    /// connection is in a transaction already.
    pub(crate) async fn begin(taken: &'c mut Taken<DB>, backend: DbBackend) -> Result<Self, DbErr> {
        let conn: &mut DB::Connection = &mut taken.conn;
        // A `BEGIN` of our own rather than sqlx's default, which would make a savepoint if the
        // connection were ever in a transaction already: this fails instead. Made before the
        // call: a `&'static str` argument would make the future less general than
        // `tokio::spawn` needs.
        let statement = sqlx::SqlSafeStr::into_sql_str(match backend {
            DbBackend::Sqlite => "BEGIN IMMEDIATE",
            _ => "BEGIN",
        });
        let tx = conn.begin_with(statement).await.map_err(query_error)?;
        Ok(HeldTransaction {
            tx: Mutex::new(tx),
            backend,
        })
    }
}

impl<DB> GroupTransaction for HeldTransaction<'_, DB>
where
    DB: sqlx::Database,
    Self: ConnectionTrait,
{
    fn commit(self) -> impl Future<Output = Result<(), DbErr>> + Send {
        let tx = self.tx.into_inner();
        async move { tx.commit().await.map_err(query_error) }
    }

    fn rollback(self) -> impl Future<Output = Result<(), DbErr>> + Send {
        let tx = self.tx.into_inner();
        async move { tx.rollback().await.map_err(query_error) }
    }
}

#[async_trait::async_trait]
impl<DB> ConnectionTrait for HeldTransaction<'_, DB>
where
    DB: sqlx::Database,
    QueryResult: From<DB::Row>,
    ExecResult: From<DB::QueryResult>,
    SqlxValues: sqlx::IntoArguments<DB>,
    for<'e> &'e mut DB::Connection: sqlx::Executor<'e, Database = DB>,
{
    fn get_database_backend(&self) -> DbBackend {
        self.backend
    }

    async fn execute_raw(&self, stmt: Statement) -> Result<ExecResult, DbErr> {
        let mut tx = self.tx.lock().await;
        let conn: &mut DB::Connection = &mut tx;
        bound(stmt)
            .execute(conn)
            .await
            .map(ExecResult::from)
            .map_err(exec_error)
    }

    async fn execute_unprepared(&self, sql: &str) -> Result<ExecResult, DbErr> {
        let mut tx = self.tx.lock().await;
        let conn: &mut DB::Connection = &mut tx;
        sqlx::Executor::execute(conn, sqlx::AssertSqlSafe(sql.to_owned()))
            .await
            .map(ExecResult::from)
            .map_err(exec_error)
    }

    async fn query_one_raw(&self, stmt: Statement) -> Result<Option<QueryResult>, DbErr> {
        let mut tx = self.tx.lock().await;
        let conn: &mut DB::Connection = &mut tx;
        bound(stmt)
            .fetch_optional(conn)
            .await
            .map(|row| row.map(QueryResult::from))
            .map_err(query_error)
    }

    async fn query_all_raw(&self, stmt: Statement) -> Result<Vec<QueryResult>, DbErr> {
        let mut tx = self.tx.lock().await;
        let conn: &mut DB::Connection = &mut tx;
        bound(stmt)
            .fetch_all(conn)
            .await
            .map(|rows| rows.into_iter().map(QueryResult::from).collect())
            .map_err(query_error)
    }
}
