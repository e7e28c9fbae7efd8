//! Loads with snapshotting enabled, on one connection of SeaORM's pool.
//!
//! Such a load sends two statements: the newest snapshot, then the events after its version.
//! Through SeaORM each would take a connection from the pool, and sqlx pings every connection
//! given back to its pool (a round trip to the server, in a task of its own, before the
//! connection can be taken again). Here both statements go on one connection taken from the
//! pool of the store's `DatabaseConnection` (so the user's pool size and timeouts hold), bound
//! by SeaORM's own binder (`sea-query-sqlx`), and their rows are read as SeaORM's
//! [`QueryResult`]s by the recorder's usual code. The events' statement is sent before the
//! snapshot is decoded, so that the database answers while the snapshot is read.
//!
//! Over the PostgreSQL socket, the raw driver's two statements of a 1,000-event snapshot load
//! ran at 0.91× the raw driver's speed when sent on one connection of the pool, against 0.84×
//! through SeaORM's calls, a pool connection for each (`profile_ops held|seaorm load1000snap`,
//! docs/benchmarks/PROFILE.md's ninth round).
//!
//! Loads without snapshots and notification sections go the same way
//! ([`events_on_held_connection`], [`all_on_held_connection`]), and every such read takes
//! the connection that the store kept from its previous read (`seaorm/held.rs`).
//!
//! What is skipped for these statements is SeaORM's wrapper: its metric callback and its
//! trace-level spans. A connection of another kind (SeaORM's mock or proxy), or recorders on
//! two different pools, load as [`AggregateRecorder`]'s default does, one statement after the
//! other.
//!
//! [`AggregateRecorder`]: crate::persistence::AggregateRecorder

use std::ops::ControlFlow;
use std::sync::Arc;

use futures_util::StreamExt;
use sea_orm::sqlx;
use sea_orm::{DatabaseConnection, DbBackend, DbErr, QueryResult, Statement};
use sea_query_sqlx::SqlxValues;
use uuid::Uuid;

use super::held::{Held, acquire_error, bound, on_pool, query_error};
use super::recorder::SeaOrmRecorder;
use super::store::SeaOrmStore;
use crate::persistence::{
    LoadVisitor, PersistenceError, StoredEventRef, after_snapshot, newest_snapshot,
};

/// Runs [`visit_from_snapshot`] on one connection when the two recorders share a sqlx pool;
/// `None` when they do not (the caller then loads one statement after the other).
///
/// [`visit_from_snapshot`]: crate::persistence::AggregateRecorder::visit_from_snapshot
pub(super) async fn on_one_connection(
    snapshots: &SeaOrmRecorder,
    events: &SeaOrmRecorder,
    originator_id: Uuid,
    lte: Option<u64>,
    visitor: &mut dyn LoadVisitor,
) -> Option<Result<(), PersistenceError>> {
    // Stores share their kept connection exactly when they share a pool (`Held::of_pool`).
    if !Arc::ptr_eq(&snapshots.store().held, &events.store().held) {
        return None;
    }
    let load = Load {
        snapshots,
        events,
        originator_id,
        lte,
    };
    let conn = &snapshots.store().conn;
    let rows = Rows::of(conn);
    let loaded = on_pool!(conn, |pool| load.run(pool, rows, visitor).await, else return None);
    Some(loaded)
}

/// Runs [`visit_events`] on a connection of the recorder's pool through sqlx, keeping it for
/// the next load when every row was read (`seaorm/held.rs`); the statement back for a
/// connection of another kind (SeaORM's mock or proxy), which the caller then reads through
/// SeaORM.
///
/// [`visit_events`]: crate::persistence::AggregateRecorder::visit_events
pub(super) async fn events_on_held_connection(
    events: &SeaOrmRecorder,
    stmt: Statement,
    originator_id: Uuid,
    visit: &mut (dyn for<'r> FnMut(StoredEventRef<'r>) -> ControlFlow<()> + Send),
) -> Result<Result<(), PersistenceError>, Statement> {
    let conn = &events.store().conn;
    let events = Events {
        recorder: events,
        originator_id,
    };
    let rows = Rows::of(conn);
    let visited = on_pool!(conn, |pool| events.run(pool, stmt, rows, visit).await,
        else return Err(stmt));
    Ok(visited)
}

/// One selection of an aggregate's events.
struct Events<'a> {
    recorder: &'a SeaOrmRecorder,
    originator_id: Uuid,
}

impl Events<'_> {
    async fn run<DB>(
        &self,
        pool: &sqlx::Pool<DB>,
        stmt: Statement,
        rows: Rows,
        visit: &mut (dyn for<'r> FnMut(StoredEventRef<'r>) -> ControlFlow<()> + Send),
    ) -> Result<(), PersistenceError>
    where
        DB: sqlx::Database,
        QueryResult: From<DB::Row>,
        SqlxValues: sqlx::IntoArguments<DB>,
        for<'c> &'c mut DB::Connection: sqlx::Executor<'c, Database = DB>,
    {
        let recorder = self.recorder;
        let held = &recorder.store().held;
        let selecting = |e| recorder.db_error("selecting events", e);
        let mut visit_row = |row: QueryResult| {
            let mut copy = None;
            let event = recorder.event_ref(&row, 0, self.originator_id, &mut copy)?;
            Ok::<_, PersistenceError>(visit(event))
        };
        match rows {
            Rows::Streamed => {
                let mut taken = held
                    .take(pool)
                    .await
                    .map_err(|e| selecting(acquire_error(e)))?;
                let mut stream = bound(stmt).fetch(&mut *taken.conn);
                while let Some(row) = stream.next().await {
                    let row = row.map_err(|e| selecting(query_error(e)))?;
                    if visit_row(QueryResult::from(row))?.is_break() {
                        // Rows may be left unread: the pool's check clears them.
                        return Ok(());
                    }
                }
                drop(stream);
                held.put(pool, taken);
            }
            Rows::AllFirst => {
                for row in all_rows(held, pool, stmt).await.map_err(selecting)? {
                    if visit_row(row)?.is_break() {
                        break;
                    }
                }
            }
        }
        Ok(())
    }
}

/// All the rows of a select, through sqlx on the store's kept connection (`seaorm/held.rs`);
/// the statement back for a connection of another kind (SeaORM's mock or proxy).
pub(super) async fn all_on_held_connection(
    store: &SeaOrmStore,
    stmt: Statement,
) -> Result<Result<Vec<QueryResult>, DbErr>, Statement> {
    let held = &store.held;
    Ok(on_pool!(
        &store.conn,
        |pool| all_rows(held, pool, stmt).await,
        else return Err(stmt)
    ))
}

/// [`all_on_held_connection`] on one kind of pool.
async fn all_rows<DB>(
    held: &Arc<Held>,
    pool: &sqlx::Pool<DB>,
    stmt: Statement,
) -> Result<Vec<QueryResult>, DbErr>
where
    DB: sqlx::Database,
    QueryResult: From<DB::Row>,
    SqlxValues: sqlx::IntoArguments<DB>,
    for<'c> &'c mut DB::Connection: sqlx::Executor<'c, Database = DB>,
{
    let mut taken = held.take(pool).await.map_err(acquire_error)?;
    let rows = bound(stmt)
        .fetch_all(&mut *taken.conn)
        .await
        .map_err(query_error)?;
    held.put(pool, taken);
    Ok(rows.into_iter().map(QueryResult::from).collect())
}

/// How the events' rows are read.
#[derive(Clone, Copy)]
enum Rows {
    /// Each as it arrives.
    Streamed,
    /// All of them, then each in turn.
    AllFirst,
}

impl Rows {
    /// As they arrive from a server, so that decoding one overlaps the sending of the next;
    /// all first from SQLite, whose rows come from a worker thread in this process
    /// (`SeaOrmRecorder::visit_events` says why).
    fn of(conn: &DatabaseConnection) -> Rows {
        match conn.get_database_backend() {
            DbBackend::Sqlite => Rows::AllFirst,
            _ => Rows::Streamed,
        }
    }
}

/// One load: whose snapshot and events, up to which version.
struct Load<'a> {
    snapshots: &'a SeaOrmRecorder,
    events: &'a SeaOrmRecorder,
    originator_id: Uuid,
    lte: Option<u64>,
}

impl Load<'_> {
    async fn run<DB>(
        &self,
        pool: &sqlx::Pool<DB>,
        rows: Rows,
        visitor: &mut dyn LoadVisitor,
    ) -> Result<(), PersistenceError>
    where
        DB: sqlx::Database,
        QueryResult: From<DB::Row>,
        SqlxValues: sqlx::IntoArguments<DB>,
        for<'c> &'c mut DB::Connection: sqlx::Executor<'c, Database = DB>,
    {
        let id = self.originator_id;
        let snapshots = self.snapshots;
        let held = &snapshots.store().held;
        let mut taken = held
            .take(pool)
            .await
            .map_err(|e| snapshots.db_error("selecting events", acquire_error(e)))?;
        let mut newest = None;
        if let Some(stmt) = snapshots.select_events_statement(id, newest_snapshot(self.lte)) {
            newest = bound(stmt)
                .fetch_optional(&mut *taken.conn)
                .await
                .map_err(|e| snapshots.db_error("selecting events", query_error(e)))?
                .map(QueryResult::from);
        }
        let mut copy = None;
        let snapshot = match &newest {
            Some(row) => Some(snapshots.event_ref(row, 0, id, &mut copy)?),
            None => None,
        };
        let query = after_snapshot(snapshot.as_ref().map(|s| s.originator_version), self.lte);
        let Some(stmt) = self.events.select_events_statement(id, query) else {
            // Not kept: on MySQL the snapshot's statement may still have its end unread.
            let _ = visitor.snapshot(snapshot);
            return Ok(());
        };
        let selecting = |e| self.events.db_error("selecting events", query_error(e));
        // The `biased` joins poll the events' selection first, which sends the statement;
        // the snapshot is then decoded while the database answers.
        match rows {
            Rows::Streamed => {
                let mut stream = bound(stmt).fetch(&mut *taken.conn);
                let (first, flow) = tokio::join!(biased; stream.next(), async {
                    visitor.snapshot(snapshot)
                });
                if flow.is_break() {
                    return Ok(());
                }
                let mut next = first;
                while let Some(row) = next {
                    if self.visit(row.map_err(&selecting)?, visitor)?.is_break() {
                        // Rows may be left unread: the pool's check clears them.
                        return Ok(());
                    }
                    next = stream.next().await;
                }
            }
            Rows::AllFirst => {
                let (all, flow) = tokio::join!(biased; bound(stmt).fetch_all(&mut *taken.conn), async {
                    visitor.snapshot(snapshot)
                });
                if flow.is_break() {
                    return Ok(());
                }
                for row in all.map_err(&selecting)? {
                    if self.visit(row, visitor)?.is_break() {
                        break;
                    }
                }
            }
        }
        held.put(pool, taken);
        Ok(())
    }

    /// Hands one event row to the visitor.
    fn visit<R>(
        &self,
        row: R,
        visitor: &mut dyn LoadVisitor,
    ) -> Result<ControlFlow<()>, PersistenceError>
    where
        QueryResult: From<R>,
    {
        let row = QueryResult::from(row);
        let mut copy = None;
        let event = self
            .events
            .event_ref(&row, 0, self.originator_id, &mut copy)?;
        Ok(visitor.event(event))
    }
}
