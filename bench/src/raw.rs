//! The raw driver: the statements the recorders send, written directly with sqlx on one
//! connection, without SeaORM, our mapper or our pool. This is the limit of the database and
//! driver on this machine that the library is measured against.
//!
//! Writes do what [`SeaOrmRecorder`](eventsourcing_seaorm::seaorm::SeaOrmRecorder) does for one
//! save: `BEGIN` (`BEGIN IMMEDIATE` on SQLite), the lock that keeps notification ids in commit
//! order (PostgreSQL: `LOCK TABLE … IN EXCLUSIVE MODE`; MySQL/MariaDB: the application's first
//! row `FOR UPDATE`), one multi-row `INSERT … RETURNING id` with bound parameters, `COMMIT`.
//! Reads are the same `SELECT`s, with every column read into an owned value.

use std::collections::HashMap;
use std::sync::Arc;

use eventsourcing_seaorm::sea_orm::DbBackend;
use eventsourcing_seaorm::sea_orm::sqlx::{
    self, AssertSqlSafe, Connection, MySqlConnection, PgConnection, Row, SqliteConnection,
};
use eventsourcing_seaorm::seaorm::Tables;
use eventsourcing_seaorm::seaorm::dialect::{Dialect, UuidColumn};
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

/// The SQL text of the raw statements for one set of tables on one database.
#[derive(Debug)]
pub struct RawSql {
    dialect: Dialect,
    quoted_events: String,
    lock: Option<Arc<str>>,
    select_events: Arc<str>,
    select_events_after: Arc<str>,
    select_snapshot: Arc<str>,
    select_notifications: Arc<str>,
}

impl RawSql {
    /// The statements for these tables, written for this dialect as the recorder writes them;
    /// `lock` is the recorder's own lock statement ([`SeaOrmRecorder::lock_statement`]), so
    /// that both sides serialise writers with the same statement.
    ///
    /// [`SeaOrmRecorder::lock_statement`]: eventsourcing_seaorm::seaorm::SeaOrmRecorder::lock_statement
    pub fn new(dialect: &Dialect, tables: &Tables, lock: Option<String>) -> Self {
        let q = |s: &str| dialect.quote(s);
        let p = |n: usize| dialect.placeholder(n);
        let events = q(&tables.stored_events);
        let snapshots = q(&tables.snapshots);
        let select = |table: &str, extra: &str| {
            format!(
                "SELECT {}, {}, {} FROM {table} WHERE {} = {} AND {} = {}{extra}",
                q("originator_version"),
                q("topic"),
                q("state"),
                q("application_name"),
                p(1),
                q("originator_id"),
                p(2),
            )
        };
        let version = q("originator_version");
        Self {
            dialect: dialect.clone(),
            lock: lock.map(Arc::from),
            select_events: select(&events, &format!(" ORDER BY {version}")).into(),
            select_events_after: select(
                &events,
                &format!(" AND {version} > {} ORDER BY {version}", p(3)),
            )
            .into(),
            select_snapshot: select(&snapshots, &format!(" ORDER BY {version} DESC LIMIT 1"))
                .into(),
            // Without its limit where the recorder writes the limit into the text
            // (`Dialect::limit_in_text`: SQLite prepares `LIMIT ?` again at every binding).
            select_notifications: format!(
                "SELECT {id}, {}, {}, {}, {} FROM {events} WHERE {} = {} AND {id} >= {} ORDER BY {id}{}",
                q("originator_id"),
                q("originator_version"),
                q("topic"),
                q("state"),
                q("application_name"),
                p(1),
                p(2),
                if dialect.limit_in_text() {
                    String::new()
                } else {
                    format!(" LIMIT {}", p(3))
                },
                id = q("id"),
            )
            .into(),
            quoted_events: events,
        }
    }

    /// The `SELECT` of one aggregate's events (parameters: application name, originator id).
    pub fn select_events_sql(&self) -> Arc<str> {
        self.select_events.clone()
    }

    /// The `SELECT` of one aggregate's events after a version (parameters: application name,
    /// originator id, version).
    pub fn select_events_after_sql(&self) -> Arc<str> {
        self.select_events_after.clone()
    }

    /// The `SELECT` of one aggregate's newest snapshot (parameters: application name,
    /// originator id).
    pub fn select_snapshot_sql(&self) -> Arc<str> {
        self.select_snapshot.clone()
    }

    /// The dialect the statements are written in.
    pub fn dialect(&self) -> &Dialect {
        &self.dialect
    }

    /// The statement that serialises writers (none on SQLite); on MySQL its parameter is the
    /// application name.
    pub fn lock_sql(&self) -> Option<Arc<str>> {
        self.lock.clone()
    }

    /// The `INSERT` of `rows` rows (parameters: application name, originator id, version,
    /// topic and state of each row), with `RETURNING` the id where the database has it.
    pub fn insert(&self, rows: usize) -> Arc<str> {
        let q = |s: &str| self.dialect.quote(s);
        let mut sql = format!(
            "INSERT INTO {} ({}, {}, {}, {}, {}) VALUES ",
            self.quoted_events,
            q("application_name"),
            q("originator_id"),
            q("originator_version"),
            q("topic"),
            q("state"),
        );
        for row in 0..rows {
            if row > 0 {
                sql.push_str(", ");
            }
            let placeholders: Vec<String> = (row * 5 + 1..=row * 5 + 5)
                .map(|n| self.dialect.placeholder(n))
                .collect();
            sql.push('(');
            sql.push_str(&placeholders.join(", "));
            sql.push(')');
        }
        if self.dialect.returning {
            sql.push_str(&format!(" RETURNING {}", q("id")));
        }
        sql.into()
    }
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
}

/// Runs `$body` with `$c` bound to the connection, whichever database it is.
macro_rules! on_conn {
    ($conn:expr, |$c:ident| $body:expr) => {
        match $conn {
            RawConnection::Sqlite($c) => $body,
            RawConnection::Postgres($c) => $body,
            RawConnection::MySql($c) => $body,
        }
    };
}

/// Binds an originator id.
macro_rules! bind_uuid {
    ($query:expr, $arg:expr) => {
        match $arg {
            UuidArg::Native(id) => $query.bind(id),
            UuidArg::Text(text) => $query.bind(text),
        }
    };
}

impl RawDb {
    /// A raw connection using these statements.
    pub fn new(conn: RawConnection, sql: Arc<RawSql>) -> Self {
        Self {
            conn,
            sql,
            inserts: HashMap::new(),
        }
    }

    fn uuid(&self, id: Uuid) -> UuidArg {
        uuid_arg(self.sql.dialect.uuid, id)
    }

    /// Records the rows for application `app` in one transaction, as a save does, and returns
    /// their ids. With `lock` false the lock statement is left out (to show what the lock
    /// costs; the recorder always takes it).
    pub async fn append(
        &mut self,
        app: &str,
        events: &[RawEvent<'_>],
        lock: bool,
    ) -> Result<Vec<i64>, BenchError> {
        let sql = self.sql.clone();
        let insert = self
            .inserts
            .entry(events.len())
            .or_insert_with(|| sql.insert(events.len()))
            .clone();
        let lock_sql = if lock { sql.lock.clone() } else { None };
        let uuids: Vec<UuidArg> = events.iter().map(|e| self.uuid(e.originator_id)).collect();
        let returning = sql.dialect.returning;
        // The same steps on each database; only the `BEGIN` differs.
        macro_rules! transaction {
            ($tx:ident, $last_insert_id:expr) => {{
                if let Some(lock_sql) = lock_sql {
                    let mut query = sqlx::query(AssertSqlSafe(lock_sql));
                    if sql.dialect.backend == DbBackend::MySql {
                        query = query.bind(app);
                    }
                    query.execute(&mut *$tx).await.map_err(sqlx_at("locking"))?;
                }
                let mut query = sqlx::query(AssertSqlSafe(insert));
                for (event, uuid) in events.iter().zip(uuids) {
                    query = query.bind(app);
                    query = bind_uuid!(query, uuid);
                    query = query
                        .bind(event.version)
                        .bind(event.topic)
                        .bind(event.state);
                }
                let ids = if returning {
                    let rows = query
                        .fetch_all(&mut *$tx)
                        .await
                        .map_err(sqlx_at("inserting"))?;
                    rows.iter()
                        .map(|row| row.try_get::<i64, _>(0))
                        .collect::<Result<Vec<i64>, _>>()
                        .map_err(sqlx_at("reading returned ids"))?
                } else {
                    let result = query
                        .execute(&mut *$tx)
                        .await
                        .map_err(sqlx_at("inserting"))?;
                    let first = $last_insert_id(&result);
                    (first..first + events.len() as i64).collect()
                };
                $tx.commit().await.map_err(sqlx_at("committing"))?;
                Ok(ids)
            }};
        }
        match &mut self.conn {
            RawConnection::Sqlite(c) => {
                let mut tx = c
                    .begin_with("BEGIN IMMEDIATE")
                    .await
                    .map_err(sqlx_at("beginning"))?;
                transaction!(tx, |_: &sqlx::sqlite::SqliteQueryResult| 0_i64)
            }
            RawConnection::Postgres(c) => {
                let mut tx = c.begin().await.map_err(sqlx_at("beginning"))?;
                transaction!(tx, |_: &sqlx::postgres::PgQueryResult| 0_i64)
            }
            RawConnection::MySql(c) => {
                let mut tx = c.begin().await.map_err(sqlx_at("beginning"))?;
                transaction!(tx, |r: &sqlx::mysql::MySqlQueryResult| {
                    i64::try_from(r.last_insert_id()).unwrap_or(i64::MAX)
                })
            }
        }
    }

    /// The events of one aggregate, after `after` when given, in version order.
    pub async fn select_events(
        &mut self,
        app: &str,
        originator_id: Uuid,
        after: Option<i64>,
    ) -> Result<Vec<RawRow>, BenchError> {
        let uuid = self.uuid(originator_id);
        let sql = match after {
            Some(_) => self.sql.select_events_after.clone(),
            None => self.sql.select_events.clone(),
        };
        on_conn!(&mut self.conn, |c| {
            let mut query = sqlx::query(AssertSqlSafe(sql)).bind(app);
            query = bind_uuid!(query, uuid);
            if let Some(after) = after {
                query = query.bind(after);
            }
            let rows = query
                .fetch_all(&mut *c)
                .await
                .map_err(sqlx_at("selecting events"))?;
            rows.iter()
                .map(|row| {
                    Ok(RawRow {
                        version: row.try_get(0)?,
                        topic: row.try_get(1)?,
                        state: row.try_get(2)?,
                    })
                })
                .collect::<Result<Vec<_>, sqlx::Error>>()
                .map_err(sqlx_at("reading events"))
        })
    }

    /// The newest snapshot of one aggregate.
    pub async fn select_snapshot(
        &mut self,
        app: &str,
        originator_id: Uuid,
    ) -> Result<Option<RawRow>, BenchError> {
        let uuid = self.uuid(originator_id);
        let sql = self.sql.select_snapshot.clone();
        on_conn!(&mut self.conn, |c| {
            let mut query = sqlx::query(AssertSqlSafe(sql)).bind(app);
            query = bind_uuid!(query, uuid);
            let row = query
                .fetch_optional(&mut *c)
                .await
                .map_err(sqlx_at("selecting a snapshot"))?;
            row.map(|row| {
                Ok(RawRow {
                    version: row.try_get(0)?,
                    topic: row.try_get(1)?,
                    state: row.try_get(2)?,
                })
            })
            .transpose()
            .map_err(sqlx_at("reading a snapshot"))
        })
    }

    /// Up to `limit` notifications of `app` from id `start`, in id order.
    pub async fn select_notifications(
        &mut self,
        app: &str,
        start: i64,
        limit: i64,
    ) -> Result<Vec<RawNotification>, BenchError> {
        let in_text = self.sql.dialect.limit_in_text();
        let sql = if in_text {
            format!("{} LIMIT {limit}", self.sql.select_notifications).into()
        } else {
            self.sql.select_notifications.clone()
        };
        let native = self.sql.dialect.uuid == UuidColumn::Native;
        on_conn!(&mut self.conn, |c| {
            let mut query = sqlx::query(AssertSqlSafe(sql)).bind(app).bind(start);
            if !in_text {
                query = query.bind(limit);
            }
            let rows = query
                .fetch_all(&mut *c)
                .await
                .map_err(sqlx_at("selecting notifications"))?;
            rows.iter()
                .map(|row| {
                    let originator_id = if native {
                        row.try_get::<Uuid, _>(1)?
                    } else {
                        // MariaDB's `uuid` type may come as binary text, as the recorder
                        // also allows for.
                        let text = match row.try_get::<String, _>(1) {
                            Ok(text) => text,
                            Err(_) => String::from_utf8(row.try_get::<Vec<u8>, _>(1)?)
                                .map_err(|e| sqlx::Error::Decode(Box::new(e)))?,
                        };
                        Uuid::parse_str(text.trim())
                            .map_err(|e| sqlx::Error::Decode(Box::new(e)))?
                    };
                    Ok(RawNotification {
                        id: row.try_get(0)?,
                        originator_id,
                        row: RawRow {
                            version: row.try_get(2)?,
                            topic: row.try_get(3)?,
                            state: row.try_get(4)?,
                        },
                    })
                })
                .collect::<Result<Vec<_>, sqlx::Error>>()
                .map_err(sqlx_at("reading notifications"))
        })
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
