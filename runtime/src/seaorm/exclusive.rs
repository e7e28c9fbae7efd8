//! Locks that one connection holds at a time, across processes: how a follower is active in
//! exactly one instance of a service. A PostgreSQL advisory lock or a MySQL/MariaDB named lock,
//! taken on a connection of its own (detached from the store's pool), and released by the
//! server when that connection ends, so that another process takes over when the holder dies.

use sea_orm::DbBackend;
use sea_orm::sqlx::{self, Connection, MySqlConnection, PgConnection};
use uuid::Uuid;

use super::SeaOrmStore;
use crate::persistence::PersistenceError;

/// A lock held by this process on a connection of its own, until it is
/// [released](Self::release), dropped, or its connection ends.
pub struct ExclusiveLock {
    name: String,
    conn: LockConnection,
}

enum LockConnection {
    Postgres(PgConnection),
    MySql(MySqlConnection),
}

impl std::fmt::Debug for ExclusiveLock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ExclusiveLock")
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

/// The lock's identity on the server: a stable hash of its name (the same in every process).
fn lock_id(name: &str) -> Uuid {
    Uuid::new_v5(
        &Uuid::NAMESPACE_OID,
        format!("eventsourcing-seaorm:{name}").as_bytes(),
    )
}

fn lock_error(operation: &'static str, source: sqlx::Error) -> PersistenceError {
    PersistenceError::Database {
        application_name: String::new(),
        operation,
        source: Box::new(source),
    }
}

impl SeaOrmStore {
    /// Takes the lock `name` if no other connection (of this process or another) holds it:
    /// `Ok(None)` when one does. The lock lives on a connection of its own, taken out of the
    /// store's pool; the server releases it when that connection ends, so a process that dies
    /// gives it up. PostgreSQL and MySQL/MariaDB only: SQLite, whose writers are one process's
    /// anyway, has no such locks (`PersistenceError::Unsupported`).
    pub async fn try_exclusive_lock(
        &self,
        name: &str,
    ) -> Result<Option<ExclusiveLock>, PersistenceError> {
        let id = lock_id(name);
        let conn = self.connection();
        let (held, conn) = match self.dialect().backend {
            DbBackend::Postgres => {
                let mut pg = conn
                    .get_postgres_connection_pool()
                    .acquire()
                    .await
                    .map_err(|e| lock_error("connecting for a lock", e))?
                    .detach();
                let key = i64::from_be_bytes(id.as_bytes()[..8].try_into().unwrap_or_default());
                let held: bool = sqlx::query_scalar("SELECT pg_try_advisory_lock($1)")
                    .bind(key)
                    .fetch_one(&mut pg)
                    .await
                    .map_err(|e| lock_error("taking an advisory lock", e))?;
                (held, LockConnection::Postgres(pg))
            }
            DbBackend::MySql => {
                let mut my = conn
                    .get_mysql_connection_pool()
                    .acquire()
                    .await
                    .map_err(|e| lock_error("connecting for a lock", e))?
                    .detach();
                // Named locks have at most 64 characters.
                let lock_name = format!("es_{}", id.simple());
                let held: Option<i64> = sqlx::query_scalar("SELECT GET_LOCK(?, 0)")
                    .bind(lock_name)
                    .fetch_one(&mut my)
                    .await
                    .map_err(|e| lock_error("taking a named lock", e))?;
                (held == Some(1), LockConnection::MySql(my))
            }
            _ => {
                return Err(PersistenceError::Unsupported {
                    recorder: "SQLite",
                    operation: "locks held across processes",
                });
            }
        };
        if !held {
            // Another connection holds it; this one is closed.
            match conn {
                LockConnection::Postgres(c) => drop(c.close().await),
                LockConnection::MySql(c) => drop(c.close().await),
            }
            return Ok(None);
        }
        Ok(Some(ExclusiveLock {
            name: name.to_owned(),
            conn,
        }))
    }
}

impl ExclusiveLock {
    /// The lock's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Whether the lock is still held: its connection still answers (the server releases the
    /// lock when the connection ends, and another process may then hold it).
    pub async fn is_held(&mut self) -> bool {
        match &mut self.conn {
            LockConnection::Postgres(c) => c.ping().await.is_ok(),
            LockConnection::MySql(c) => c.ping().await.is_ok(),
        }
    }

    /// Releases the lock: its connection is closed, which the server takes as the release.
    pub async fn release(self) {
        let closed = match self.conn {
            LockConnection::Postgres(c) => c.close().await,
            LockConnection::MySql(c) => c.close().await,
        };
        if let Err(error) = closed {
            tracing::debug!(lock = %self.name, %error, "closing a lock's connection failed");
        }
    }
}
