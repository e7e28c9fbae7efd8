//! The store's calls on its own connection, made on SeaORM's per-backend connection.
//!
//! `ConnectionTrait`'s methods on a `DatabaseConnection` box a future that holds every
//! backend's future, then match on the backend and call SeaORM's per-backend connection
//! (`SqlxSqlitePoolConnection::query_all` and the like). Building and moving that future cost
//! about 40,000 instructions per statement (callgrind, `profile_ops seaorm|inner load5` on
//! SQLite: 103k against 64k for a 5-row select), more than the statement itself on SQLite. The
//! [`Direct`] calls make the same match and call the same SeaORM functions, each in a box of
//! its own backend's size rather than `ConnectionTrait`'s box of every backend's future. A
//! connection of another kind (SeaORM's mock or proxy, when a user enables them) and every
//! transaction go through `ConnectionTrait` as before. (Saves begin their transactions
//! elsewhere: on the pool's kept connection, `seaorm/held_transaction.rs`.)
//!
//! What is skipped is only the wrapper: `ConnectionTrait`'s trace-level spans
//! (`query_all_raw`, `query_one_raw`) and, with SeaORM's optional `tracing-spans`
//! feature, the `sea_orm.query_all` and `sea_orm.query_one` spans are not opened for these
//! statements; the per-backend calls' own trace-level spans and SeaORM's metric callback still
//! run.

use std::future::Future;

use sea_orm::{
    ConnectionTrait, DatabaseConnection, DatabaseConnectionType, DatabaseTransaction, DbErr,
    QueryResult, Statement, TransactionTrait,
};

/// A connection or transaction that the recorder runs statements on.
pub(crate) trait Direct: ConnectionTrait + TransactionTrait + Sync {
    /// All the rows of a query.
    fn all(&self, stmt: Statement) -> impl Future<Output = Result<Vec<QueryResult>, DbErr>> + Send;

    /// The first row of a query.
    fn one(
        &self,
        stmt: Statement,
    ) -> impl Future<Output = Result<Option<QueryResult>, DbErr>> + Send;
}

impl Direct for DatabaseConnection {
    async fn all(&self, stmt: Statement) -> Result<Vec<QueryResult>, DbErr> {
        match &self.inner {
            DatabaseConnectionType::SqlxSqlitePoolConnection(conn) => {
                Box::pin(conn.query_all(stmt)).await
            }
            DatabaseConnectionType::SqlxPostgresPoolConnection(conn) => {
                Box::pin(conn.query_all(stmt)).await
            }
            DatabaseConnectionType::SqlxMySqlPoolConnection(conn) => {
                Box::pin(conn.query_all(stmt)).await
            }
            _ => self.query_all_raw(stmt).await,
        }
    }

    async fn one(&self, stmt: Statement) -> Result<Option<QueryResult>, DbErr> {
        match &self.inner {
            DatabaseConnectionType::SqlxSqlitePoolConnection(conn) => {
                Box::pin(conn.query_one(stmt)).await
            }
            DatabaseConnectionType::SqlxPostgresPoolConnection(conn) => {
                Box::pin(conn.query_one(stmt)).await
            }
            DatabaseConnectionType::SqlxMySqlPoolConnection(conn) => {
                Box::pin(conn.query_one(stmt)).await
            }
            _ => self.query_one_raw(stmt).await,
        }
    }
}

impl Direct for DatabaseTransaction {
    fn all(&self, stmt: Statement) -> impl Future<Output = Result<Vec<QueryResult>, DbErr>> + Send {
        self.query_all_raw(stmt)
    }

    fn one(
        &self,
        stmt: Statement,
    ) -> impl Future<Output = Result<Option<QueryResult>, DbErr>> + Send {
        self.query_one_raw(stmt)
    }
}
