//! The transactions that record the write queue's saves: an sqlx transaction on a connection
//! of the pool (the kept one, `seaorm/kept.rs`), which stays kept when the transaction
//! committed; or SeaORM's own transaction on a connection of another kind (its mock or proxy).
//!
//! Saves begun through SeaORM took a connection from the pool and gave it back at the commit,
//! and sqlx's pool pings every connection given back to it; on the kept connection that round
//! trip and the wake-up of another connection are spared (measured against SeaORM's
//! transactions in docs/benchmarks/PROFILE.md, twelfth round). The recorders' statements run on
//! either through SeaORM's [`ConnectionTrait`], with values bound by SeaORM's binder and rows,
//! results and errors as SeaORM's (its `DbErr` variants: `Exec` for a statement run for its
//! effect, `Query` for the others and for begin, commit and rollback).
//!
//! A transaction that did not commit (a conflict, a deadlock, a lost connection) rolls back, or
//! has its rollback queued as sqlx's transaction is dropped, and its connection goes back to
//! the pool, which sends any queued rollback as it checks the connection (on SQLite the
//! connection's worker thread runs it).

use sea_orm::sqlx::{self, Connection as _, MySql, Postgres, Sqlite};
use sea_orm::{
    ConnectionTrait, DatabaseTransaction, DbBackend, DbErr, ExecResult, QueryResult,
    SqliteTransactionMode, Statement, TransactionOptions, TransactionTrait,
};
use sea_query_sqlx::SqlxValues;
use tokio::sync::Mutex;

use super::{bound, fetch_all, fetch_optional};
use crate::seaorm::errors::{exec_error, query_error};
use crate::seaorm::kept::Taken;

/// A transaction of the write queue.
pub(crate) enum Transaction<'c> {
    Sqlite(SqlxTransaction<'c, Sqlite>),
    Postgres(SqlxTransaction<'c, Postgres>),
    MySql(SqlxTransaction<'c, MySql>),
    SeaOrm(DatabaseTransaction),
}

/// An sqlx transaction on a connection taken from the pool.
pub(crate) struct SqlxTransaction<'c, DB: sqlx::Database> {
    // A lock, because `ConnectionTrait` runs statements through `&self`; the recorders run one
    // at a time, so it is never contended.
    tx: Mutex<sqlx::Transaction<'c, DB>>,
}

impl<'c, DB: sqlx::Database> SqlxTransaction<'c, DB> {
    /// Begins a transaction on the connection `taken`; on SQLite one that takes the write lock
    /// at once (`BEGIN IMMEDIATE`). Fails when the connection is in a transaction already.
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
        Ok(SqlxTransaction { tx: Mutex::new(tx) })
    }
}

/// Begins a SeaORM transaction (a savepoint in a transaction); on SQLite one that takes the
/// write lock at once (`BEGIN IMMEDIATE`), so that it waits for other writers rather than
/// failing when it first writes.
pub(crate) async fn begin_seaorm<C: TransactionTrait>(
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

impl Transaction<'_> {
    /// Commits it.
    pub(crate) async fn commit(self) -> Result<(), DbErr> {
        match self {
            Transaction::Sqlite(t) => t.tx.into_inner().commit().await.map_err(query_error),
            Transaction::Postgres(t) => t.tx.into_inner().commit().await.map_err(query_error),
            Transaction::MySql(t) => t.tx.into_inner().commit().await.map_err(query_error),
            Transaction::SeaOrm(t) => t.commit().await,
        }
    }

    /// Rolls it back.
    pub(crate) async fn rollback(self) -> Result<(), DbErr> {
        match self {
            Transaction::Sqlite(t) => t.tx.into_inner().rollback().await.map_err(query_error),
            Transaction::Postgres(t) => t.tx.into_inner().rollback().await.map_err(query_error),
            Transaction::MySql(t) => t.tx.into_inner().rollback().await.map_err(query_error),
            Transaction::SeaOrm(t) => t.rollback().await,
        }
    }
}

#[async_trait::async_trait]
impl ConnectionTrait for Transaction<'_> {
    fn get_database_backend(&self) -> DbBackend {
        match self {
            Transaction::Sqlite(_) => DbBackend::Sqlite,
            Transaction::Postgres(_) => DbBackend::Postgres,
            Transaction::MySql(_) => DbBackend::MySql,
            Transaction::SeaOrm(t) => t.get_database_backend(),
        }
    }

    async fn execute_raw(&self, stmt: Statement) -> Result<ExecResult, DbErr> {
        match self {
            Transaction::Sqlite(t) => t.execute(stmt).await,
            Transaction::Postgres(t) => t.execute(stmt).await,
            Transaction::MySql(t) => t.execute(stmt).await,
            Transaction::SeaOrm(t) => t.execute_raw(stmt).await,
        }
    }

    async fn execute_unprepared(&self, sql: &str) -> Result<ExecResult, DbErr> {
        match self {
            Transaction::Sqlite(t) => t.execute_unprepared(sql).await,
            Transaction::Postgres(t) => t.execute_unprepared(sql).await,
            Transaction::MySql(t) => t.execute_unprepared(sql).await,
            Transaction::SeaOrm(t) => t.execute_unprepared(sql).await,
        }
    }

    async fn query_one_raw(&self, stmt: Statement) -> Result<Option<QueryResult>, DbErr> {
        match self {
            Transaction::Sqlite(t) => t.query_one(stmt).await,
            Transaction::Postgres(t) => t.query_one(stmt).await,
            Transaction::MySql(t) => t.query_one(stmt).await,
            Transaction::SeaOrm(t) => t.query_one_raw(stmt).await,
        }
    }

    async fn query_all_raw(&self, stmt: Statement) -> Result<Vec<QueryResult>, DbErr> {
        match self {
            Transaction::Sqlite(t) => t.query_all(stmt).await,
            Transaction::Postgres(t) => t.query_all(stmt).await,
            Transaction::MySql(t) => t.query_all(stmt).await,
            Transaction::SeaOrm(t) => t.query_all_raw(stmt).await,
        }
    }
}

impl<DB> SqlxTransaction<'_, DB>
where
    DB: sqlx::Database,
    QueryResult: From<DB::Row>,
    ExecResult: From<DB::QueryResult>,
    SqlxValues: sqlx::IntoArguments<DB>,
    for<'e> &'e mut DB::Connection: sqlx::Executor<'e, Database = DB>,
{
    async fn execute(&self, stmt: Statement) -> Result<ExecResult, DbErr> {
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

    async fn query_one(&self, stmt: Statement) -> Result<Option<QueryResult>, DbErr> {
        let mut tx = self.tx.lock().await;
        fetch_optional::<DB>(&mut tx, stmt).await
    }

    async fn query_all(&self, stmt: Statement) -> Result<Vec<QueryResult>, DbErr> {
        let mut tx = self.tx.lock().await;
        fetch_all::<DB>(&mut tx, stmt).await
    }
}
