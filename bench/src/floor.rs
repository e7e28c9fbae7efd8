//! The raw statements run through the library's SeaORM connection with `ConnectionTrait`, on
//! the same pool: what a store built on SeaORM's usual calls pays before doing anything of its
//! own. The benchmark reports it beside the library's figures (as a ratio to the raw driver, in
//! the note of the row).
//!
//! Here each select takes a connection from the pool and gives it back, and each append runs in
//! a transaction begun with SeaORM's `TransactionTrait` (`BEGIN IMMEDIATE` on SQLite, through
//! [`TransactionOptions`]) on a connection taken from the pool for it. The library goes another
//! way: its loads, notification sections and saves run on one connection of the pool that the
//! store keeps between uses (`runtime/src/seaorm/kept.rs`). Its reads go to sqlx with SeaORM's
//! binder; its saves run in a transaction that begins with its own `BEGIN` (`BEGIN IMMEDIATE`
//! on SQLite) on that connection (`runtime/src/seaorm/driver/transaction.rs`, begun by the
//! write queue's `try_group`). That skips the pool's ping of every connection given back to it and the
//! future that `DatabaseConnection`'s `ConnectionTrait` boxes around every backend's, so the
//! library can be faster than this floor.

use eventsourcing_seaorm::sea_orm::{
    ConnectionTrait, DbBackend, DbErr, QueryResult, SqliteTransactionMode, TransactionOptions,
    TransactionTrait, Value,
};
use uuid::Uuid;

use crate::BenchError;
use crate::measure::Work;
use crate::raw::{RawEvent, RawRow};
use crate::target::Database;
use crate::templates::Templates;

/// Selects the events of one aggregate (after version `after`, when given) and reads each
/// row's version, topic and state out of it, as the raw driver does (and any store must);
/// returns how many.
pub async fn select_events(
    db: &Database,
    app: &str,
    id: Uuid,
    after: Option<i64>,
) -> Result<usize, BenchError> {
    let dialect = db.sql.dialect();
    let mut values = vec![Value::from(app), dialect.uuid.value(id)];
    let sql = match after {
        Some(version) => {
            values.push(Value::BigInt(Some(version)));
            db.sql.select_events_after_sql()
        }
        None => db.sql.select_events_sql(),
    };
    let rows = db
        .conn
        .query_all_raw(dialect.statement(sql.to_string(), values))
        .await?;
    Ok(read_rows(&rows)?.len())
}

/// Selects the newest snapshot of one aggregate and reads its version, topic and state out
/// of the row; returns its version, `None` when the aggregate has no snapshot.
pub async fn select_snapshot(
    db: &Database,
    app: &str,
    id: Uuid,
) -> Result<Option<i64>, BenchError> {
    let dialect = db.sql.dialect();
    let values = vec![Value::from(app), dialect.uuid.value(id)];
    let sql = db.sql.select_snapshot_sql().to_string();
    let row = db
        .conn
        .query_one_raw(dialect.statement(sql, values))
        .await?;
    Ok(read_rows(row.as_slice())?.first().map(|row| row.version))
}

/// Each row's version, topic and state, read out as the raw driver reads them.
fn read_rows(rows: &[QueryResult]) -> Result<Vec<RawRow>, DbErr> {
    rows.iter()
        .map(|row| {
            Ok(RawRow {
                version: row.try_get_by_index(0)?,
                topic: row.try_get_by_index(1)?,
                state: row.try_get_by_index(2)?,
            })
        })
        .collect()
}

/// Records the rows in one transaction, with the lock, as a save does.
pub async fn append(db: &Database, app: &str, events: &[RawEvent<'_>]) -> Result<(), BenchError> {
    let dialect = db.sql.dialect();
    let backend = dialect.backend;
    let txn = if backend == DbBackend::Sqlite {
        db.conn
            .begin_with_options(TransactionOptions {
                sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
                ..TransactionOptions::default()
            })
            .await?
    } else {
        db.conn.begin().await?
    };
    if let Some(lock) = db.sql.lock_sql() {
        let values = if backend == DbBackend::MySql {
            vec![Value::from(app)]
        } else {
            Vec::new()
        };
        txn.execute_raw(dialect.statement(lock.to_string(), values))
            .await?;
    }
    let mut values = Vec::with_capacity(events.len() * 5);
    for event in events {
        values.extend([
            Value::from(app),
            dialect.uuid.value(event.originator_id),
            Value::BigInt(Some(event.version)),
            Value::from(event.topic),
            Value::from(event.state.to_vec()),
        ]);
    }
    let insert = dialect.statement(db.sql.insert(events.len()).to_string(), values);
    if dialect.returning {
        txn.query_all_raw(insert).await?;
    } else {
        txn.execute_raw(insert).await?;
    }
    txn.commit().await?;
    Ok(())
}

/// [`select_events`] of the next aggregate in turn, after its newest snapshot
/// ([`select_snapshot`]) when `snapshot` is set: the raw side's statements, one after the
/// other, through SeaORM.
pub struct FloorLoad<'a> {
    /// The library's connection.
    pub db: &'a Database,
    /// The application whose events are read.
    pub app: &'a str,
    /// The aggregates, in turn.
    pub ids: &'a [Uuid],
    /// Whether to start from the newest snapshot.
    pub snapshot: bool,
    /// The next aggregate.
    pub next: usize,
}

impl Work for FloorLoad<'_> {
    async fn step(&mut self) -> Result<u64, BenchError> {
        let id = self.ids[self.next % self.ids.len()];
        self.next += 1;
        load(self.db, self.app, id, self.snapshot).await
    }
}

/// The raw side's load of one aggregate through SeaORM: [`select_events`], after the newest
/// snapshot ([`select_snapshot`]) when `snapshot` is set; returns the aggregate's version as
/// the rows give it.
pub async fn load(db: &Database, app: &str, id: Uuid, snapshot: bool) -> Result<u64, BenchError> {
    let after = if snapshot {
        select_snapshot(db, app, id).await?
    } else {
        None
    };
    let rows = select_events(db, app, id, after).await?;
    Ok(after.unwrap_or(0).unsigned_abs() + rows as u64)
}

/// [`append`] of a new aggregate of `events` events.
pub struct FloorAppend<'a> {
    /// The library's connection.
    pub db: &'a Database,
    /// The application written.
    pub app: &'a str,
    /// The rows' topics and states.
    pub templates: &'a Templates,
    /// Events per save.
    pub events: usize,
}

impl Work for FloorAppend<'_> {
    async fn step(&mut self) -> Result<u64, BenchError> {
        let rows = self.templates.rows(Uuid::new_v4(), self.events);
        append(self.db, self.app, &rows).await?;
        Ok(self.events as u64)
    }
}
