//! The raw driver: the statements the recorders send, written directly with sqlx on one
//! connection, without SeaORM, our mapper or our pool. This is the limit of the database and
//! driver on this machine that the library is measured against.
//!
//! Writes do what [`SeaOrmRecorder`](eventsourcing_seaorm::seaorm::SeaOrmRecorder) does for one
//! save: `BEGIN` (`BEGIN IMMEDIATE` on SQLite), the lock that keeps notification ids in commit
//! order (PostgreSQL: `LOCK TABLE … IN EXCLUSIVE MODE`; MySQL/MariaDB: the application's first
//! row `FOR UPDATE`), one multi-row `INSERT … RETURNING id` with bound parameters, a process
//! application's tracking rows in one multi-row `INSERT`, `COMMIT` (`write.rs`). Reads are the
//! same `SELECT`s, with every column read into an owned value (`read.rs`). The SQL text of both
//! is in `statements.rs`. A projection's batch, read-model upserts and tracking rows in one
//! transaction, is in `project.rs`.

mod project;
mod read;
mod statements;
mod write;

pub use project::RawViewRow;
pub use statements::RawSql;

use std::collections::HashMap;
use std::sync::Arc;

use eventsourcing_seaorm::sea_orm::sqlx::{
    self, Connection, MySqlConnection, PgConnection, Row, SqliteConnection,
};
use eventsourcing_seaorm::seaorm::dialect::UuidColumn;
use uuid::Uuid;

use crate::BenchError;
use crate::error::sqlx_at;

/// One raw connection.
#[derive(Debug)]
pub enum RawConnection {
    /// SQLite.
    Sqlite(SqliteConnection),
    /// PostgreSQL.
    Postgres(PgConnection),
    /// MySQL or MariaDB.
    MySql(MySqlConnection),
}

/// A row to insert: the columns of `stored_events` other than the application name.
#[derive(Debug, Clone, Copy)]
pub struct RawEvent<'a> {
    /// The aggregate.
    pub originator_id: Uuid,
    /// Its version.
    pub version: i64,
    /// The event's topic.
    pub topic: &'a str,
    /// The stored state bytes.
    pub state: &'a [u8],
}

/// The tracking rows a process application records with its events: how far it has processed
/// an upstream application's log.
#[derive(Debug, Clone, Copy)]
pub struct RawTracking<'a> {
    /// The upstream application.
    pub upstream: &'a str,
    /// The notification ids processed, one tracking row each.
    pub notification_ids: &'a [i64],
}

/// An event or snapshot as selected.
#[derive(Debug, Clone)]
pub struct RawRow {
    /// `originator_version`.
    pub version: i64,
    /// `topic`.
    pub topic: String,
    /// `state`.
    pub state: Vec<u8>,
}

/// A notification as selected.
#[derive(Debug, Clone)]
pub struct RawNotification {
    /// The notification id.
    pub id: i64,
    /// The aggregate.
    pub originator_id: Uuid,
    /// The event.
    pub row: RawRow,
}

/// How an originator id is bound: the column type decides.
enum UuidArg {
    Native(Uuid),
    Text(String),
}

fn uuid_arg(column: UuidColumn, id: Uuid) -> UuidArg {
    match column {
        UuidColumn::Native => UuidArg::Native(id),
        UuidColumn::Hex32 => UuidArg::Text(id.simple().to_string()),
        UuidColumn::MariaDb => UuidArg::Text(id.hyphenated().to_string()),
    }
}

/// A raw connection with the statements for the bench's tables.
#[derive(Debug)]
pub struct RawDb {
    conn: RawConnection,
    sql: Arc<RawSql>,
    inserts: HashMap<usize, Arc<str>>,
    tracking_inserts: HashMap<usize, Arc<str>>,
}

/// Runs `$body` with `$c` bound to the connection, whichever database it is.
macro_rules! on_conn {
    ($conn:expr, |$c:ident| $body:expr) => {
        match $conn {
            $crate::raw::RawConnection::Sqlite($c) => $body,
            $crate::raw::RawConnection::Postgres($c) => $body,
            $crate::raw::RawConnection::MySql($c) => $body,
        }
    };
}

/// Binds an originator id.
macro_rules! bind_uuid {
    ($query:expr, $arg:expr) => {
        match $arg {
            $crate::raw::UuidArg::Native(id) => $query.bind(id),
            $crate::raw::UuidArg::Text(text) => $query.bind(text),
        }
    };
}

use {bind_uuid, on_conn};

impl RawDb {
    /// A raw connection using these statements.
    pub fn new(conn: RawConnection, sql: Arc<RawSql>) -> Self {
        Self {
            conn,
            sql,
            inserts: HashMap::new(),
            tracking_inserts: HashMap::new(),
        }
    }

    fn uuid(&self, id: Uuid) -> UuidArg {
        uuid_arg(self.sql.dialect.uuid, id)
    }

    /// A single value from a statement without parameters (versions, counts).
    pub async fn scalar_text(&mut self, sql: &'static str) -> Result<String, BenchError> {
        on_conn!(&mut self.conn, |c| {
            let row = sqlx::query(sql)
                .fetch_one(&mut *c)
                .await
                .map_err(sqlx_at("selecting a value"))?;
            row.try_get::<String, _>(0)
                .map_err(sqlx_at("reading a value"))
        })
    }

    /// Closes the connection.
    pub async fn close(self) {
        let _ = on_conn!(self.conn, |c| c.close().await);
    }
}
