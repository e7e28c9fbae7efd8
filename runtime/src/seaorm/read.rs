//! The recorders' selects, run by the store's [`Driver`]: an aggregate's events (copied out, or
//! visited borrowed from the rows), sections of the notification log, `MAX(…)` values, and a
//! load from the newest snapshot on one connection.
//!
//! A load from a snapshot sends two statements: the newest snapshot (with whether the event at
//! its version is recorded), then the events after its version. Both go on one connection, and
//! the events' statement is sent before the snapshot is decoded, so that the database answers
//! while the snapshot is read (docs/benchmarks/PROFILE.md, ninth round).

use std::ops::ControlFlow;
use std::sync::OnceLock;

use sea_orm::{DbErr, QueryResult, Statement};
use uuid::Uuid;

use super::driver::{Driver, LOST_RETRIES};
use super::errors::is_connection_lost;
use super::errors::{data_error, db_error};
use super::rows;
use super::statements::{EventBounds, NotificationBounds, Statements};
use crate::persistence::{
    EventQuery, LoadVisitor, Notification, NotificationQuery, PersistenceError, StoredEvent,
    StoredEventRef, after_snapshot, newest_snapshot,
};

/// The error of a bad event row of `originator_id`.
fn bad_event(
    statements: &Statements,
    originator_id: Uuid,
) -> impl Fn(rows::Bad) -> PersistenceError {
    move |reason| {
        data_error(
            &statements.application_name,
            &statements.table,
            format!("originator {originator_id}"),
            None,
            reason,
        )
    }
}

pub(crate) fn selecting(statements: &Statements) -> impl Fn(DbErr) -> PersistenceError {
    move |error| db_error(&statements.application_name, "selecting events", error)
}

/// An aggregate's events, copied out of the rows.
pub(crate) async fn select_events(
    driver: &Driver,
    statements: &Statements,
    originator_id: Uuid,
    query: EventQuery,
) -> Result<Vec<StoredEvent>, PersistenceError> {
    let Some(bounds) = EventBounds::of(query) else {
        return Ok(Vec::new());
    };
    let rows = driver
        .all(|| statements.select_events_within(originator_id, &bounds))
        .await
        .map_err(selecting(statements))?;
    events_of(statements, originator_id, &rows)
}

/// The events of `originator_id` in `rows` (those of `select_events_within`), copied out.
pub(crate) fn events_of(
    statements: &Statements,
    originator_id: Uuid,
    rows: &[QueryResult],
) -> Result<Vec<StoredEvent>, PersistenceError> {
    rows.iter()
        .map(|row| rows::event(row, 0, originator_id).map_err(bad_event(statements, originator_id)))
        .collect()
}

/// An aggregate's events handed to `visit` in order, borrowed from the rows.
pub(crate) async fn visit_events(
    driver: &Driver,
    statements: &Statements,
    originator_id: Uuid,
    query: EventQuery,
    visit: &mut (dyn for<'r> FnMut(StoredEventRef<'r>) -> ControlFlow<()> + Send + '_),
) -> Result<(), PersistenceError> {
    let Some(bounds) = EventBounds::of(query) else {
        return Ok(());
    };
    let bad = bad_event(statements, originator_id);
    driver
        .visit(
            || statements.select_events_within(originator_id, &bounds),
            |row| {
                let mut copy = None;
                let event = rows::event_ref(&row, 0, originator_id, &mut copy).map_err(&bad)?;
                Ok(visit(event))
            },
        )
        .await
        .map_err(selecting(statements))?
}

/// A section of the notification log.
pub(crate) async fn select_notifications(
    driver: &Driver,
    statements: &Statements,
    query: &NotificationQuery,
) -> Result<Vec<Notification>, PersistenceError> {
    let Some(bounds) = NotificationBounds::of(query) else {
        return Ok(Vec::new());
    };
    let rows = driver
        .all(|| statements.select_notifications_within(query, &bounds))
        .await
        .map_err(|e| db_error(&statements.application_name, "selecting notifications", e))?;
    // Every error of a row of the log names its notification id, which the reader can leave
    // out of its next select (`NotificationQuery::excluding`).
    let bad = |id: Option<u64>, reason| {
        let row = match id {
            Some(id) => format!("notification {id}"),
            None => "a notification".to_owned(),
        };
        data_error(
            &statements.application_name,
            &statements.table,
            row,
            id,
            reason,
        )
    };
    rows.iter()
        .map(|row| {
            let (id, originator_id) = rows::notification_head(row, &statements.dialect)
                .map_err(|(id, reason)| bad(id, reason))?;
            let event = rows::event(row, 2, originator_id)
                .map_err(|reason| bad(Some(id), format!("originator {originator_id}: {reason}")))?;
            Ok(Notification { id, event })
        })
        .collect()
}

/// The value of a `SELECT MAX(…)`.
pub(crate) async fn select_max(
    driver: &Driver,
    statements: &Statements,
    statement: impl Fn() -> Statement,
    operation: &'static str,
) -> Result<Option<u64>, PersistenceError> {
    let row = driver
        .one(statement)
        .await
        .map_err(|e| db_error(&statements.application_name, operation, e))?;
    rows::max(row).map_err(|reason| {
        data_error(
            &statements.application_name,
            &statements.table,
            "max".to_owned(),
            None,
            reason,
        )
    })
}

/// A load from the newest snapshot at or below `lte` (in `snapshots`' table) and the events
/// after it (in `events`' table), both read on one connection of the driver's pool.
///
/// The snapshot's select also says whether the event at its version is recorded (an index
/// probe in the same statement, [`Statements::select_newest_snapshot_checked`], whose texts
/// `texts` caches), so that a snapshot beyond the events is told without another row.
pub(crate) async fn visit_from_snapshot(
    driver: &Driver,
    snapshots: &Statements,
    events: &Statements,
    texts: &[OnceLock<String>; 2],
    originator_id: Uuid,
    lte: Option<u64>,
    visitor: &mut dyn LoadVisitor,
) -> Result<(), PersistenceError> {
    let id = originator_id;
    let newest_select = EventBounds::of(newest_snapshot(lte))
        .map(|bounds| snapshots.select_newest_snapshot_checked(id, &bounds, events, texts));
    // The snapshot's select is sent again on another connection when its connection was lost
    // (nothing has been handed to the visitor yet).
    let mut lost = 0;
    let (mut conn, newest) = loop {
        let mut conn = driver
            .connection_after(lost)
            .await
            .map_err(selecting(snapshots))?;
        let newest = match &newest_select {
            Some(select) => conn.optional(select.clone()).await,
            None => Ok(None),
        };
        match newest {
            Ok(newest) => break (conn, newest),
            Err(error) if lost < LOST_RETRIES && is_connection_lost(&error) => lost += 1,
            Err(error) => return Err(selecting(snapshots)(error)),
        }
    };
    let mut copy = None;
    let (snapshot, recorded) = match &newest {
        Some(row) => {
            let snapshot =
                rows::event_ref(row, 0, id, &mut copy).map_err(bad_event(snapshots, id))?;
            let recorded = rows::optional_version(row, 3).map_err(bad_event(snapshots, id))?;
            (Some(snapshot), Some(recorded.is_some()))
        }
        None => (None, None),
    };
    // The snapshot, then whether its event is recorded.
    let hand_over = |visitor: &mut dyn LoadVisitor| {
        let flow = visitor.snapshot(snapshot);
        match recorded {
            Some(recorded) if flow.is_continue() => visitor.snapshot_event(recorded),
            _ => flow,
        }
    };
    let query = after_snapshot(snapshot.as_ref().map(|s| s.originator_version), lte);
    let Some(stmt) = events.select_events(id, query) else {
        // Not kept: on MySQL the snapshot's statement may still have its end unread.
        let _ = hand_over(visitor);
        return Ok(());
    };
    let bad = bad_event(events, id);
    let visit = |visitor: &mut dyn LoadVisitor, row: QueryResult| {
        let mut copy = None;
        let event = rows::event_ref(&row, 0, id, &mut copy).map_err(&bad)?;
        Ok::<_, PersistenceError>(visitor.event(event))
    };
    // The `biased` joins poll the events' selection first, which sends the statement; the
    // snapshot is then decoded while the database answers.
    if driver.streams_rows() {
        let mut rows = conn.rows(stmt);
        let (first, flow) = tokio::join!(biased; rows.next(), async { hand_over(visitor) });
        if flow.is_break() {
            return Ok(());
        }
        let mut next = first;
        while let Some(row) = next {
            if visit(visitor, row.map_err(selecting(events))?)?.is_break() {
                // Rows may be left unread: the pool's check clears them.
                return Ok(());
            }
            next = rows.next().await;
        }
    } else {
        let (all, flow) = tokio::join!(biased; conn.all(stmt), async { hand_over(visitor) });
        if flow.is_break() {
            return Ok(());
        }
        for row in all.map_err(selecting(events))? {
            if visit(visitor, row)?.is_break() {
                break;
            }
        }
    }
    conn.keep();
    Ok(())
}
