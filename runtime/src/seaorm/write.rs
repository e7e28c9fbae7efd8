//! One save's statements inside a transaction that holds the writers' lock: the events'
//! multi-row `INSERT`s (their notification ids read back) and the tracking row; and a save in a
//! transaction of the caller's own, in a savepoint of it.

use sea_orm::{ConnectionTrait, DbErr, TransactionSession, TransactionTrait};
use uuid::Uuid;

use super::driver::begin_seaorm;
use super::errors::{InsertFailure, Step, at};
use super::lock::lock;
use super::statements::{Purpose, ROWS_PER_INSERT, Rows, Statements};
use crate::persistence::Tracking;

/// A tracking row: the position and its notification id as the database stores it.
pub(crate) type TrackingRow<'t> = (&'t Tracking, i64);

/// The events and tracking rows of one save, inside a transaction (or savepoint) that holds
/// the lock. Returns the events' notification ids (none for snapshots).
pub(crate) async fn write_save(
    statements: &Statements,
    txn: &impl ConnectionTrait,
    rows: &Rows<'_>,
    tracking: &[TrackingRow<'_>],
) -> Result<Vec<u64>, InsertFailure> {
    let mut ids = Vec::with_capacity(rows.len());
    for chunk in rows.chunks(ROWS_PER_INSERT) {
        ids.extend(
            insert_rows(statements, txn, chunk)
                .await
                .map_err(at(Step::Events))?,
        );
    }
    if let Some(notify) = &statements.notify
        && !rows.is_empty()
    {
        // Delivered once the transaction commits (and once per transaction, however many
        // saves it holds).
        txn.execute_unprepared(notify)
            .await
            .map_err(at(Step::Other("notifying the save")))?;
    }
    write_tracking(statements, txn, tracking)
        .await
        .map_err(at(Step::Tracking))?;
    Ok(ids)
}

/// The tracking rows, in `INSERT`s of up to [`ROWS_PER_INSERT`] rows.
pub(crate) async fn write_tracking(
    statements: &Statements,
    txn: &impl ConnectionTrait,
    tracking: &[TrackingRow<'_>],
) -> Result<(), DbErr> {
    for chunk in tracking.chunks(ROWS_PER_INSERT) {
        txn.execute_raw(statements.insert_tracking(chunk)).await?;
    }
    Ok(())
}

/// One `INSERT` of up to [`ROWS_PER_INSERT`] rows; their ids, in the order of the rows.
async fn insert_rows(
    statements: &Statements,
    txn: &impl ConnectionTrait,
    rows: &Rows<'_>,
) -> Result<Vec<u64>, DbErr> {
    let stmt = statements.insert_events(rows);
    if statements.returns_ids() {
        let returned = txn.query_all_raw(stmt).await?;
        let mut ids = returned
            .iter()
            .map(|row| row.try_get_by_index::<i64>(0))
            .collect::<Result<Vec<i64>, _>>()?;
        // Rows of one INSERT get ids in the order of its VALUES; sorting keeps that order
        // whatever order the rows come back in.
        ids.sort_unstable();
        return ids
            .into_iter()
            .map(|id| u64::try_from(id).map_err(|_| DbErr::Type(format!("negative id {id}"))))
            .collect();
    }
    let result = txn.execute_raw(stmt).await?;
    if statements.purpose != Purpose::Events {
        return Ok(Vec::new());
    }
    // MySQL: a multi-row INSERT gets ids from LAST_INSERT_ID() on, one
    // `auto_increment_increment` apart, and writers are serialised, so no other insert takes
    // ids in between.
    let first = result.last_insert_id();
    let step = statements.dialect.id_step;
    Ok((0..rows.len() as u64).map(|i| first + i * step).collect())
}

/// A save in a transaction of the caller's own (which may already hold the lock): in a
/// savepoint of it, rolled back on failure so that the caller's transaction stays usable.
pub(crate) async fn write_in_savepoint<C>(
    statements: &Statements,
    txn: &C,
    rows: &Rows<'_>,
    tracking: &[TrackingRow<'_>],
) -> Result<Vec<u64>, InsertFailure>
where
    C: ConnectionTrait + TransactionTrait,
    C::Transaction: ConnectionTrait + TransactionSession,
{
    let savepoint = begin_seaorm(txn, statements.backend())
        .await
        .map_err(at(Step::Other("beginning a savepoint")))?;
    if !rows.is_empty()
        && let Err(error) = lock(statements, &savepoint).await
    {
        let _ = savepoint.rollback().await;
        return Err(at(Step::Other("locking the table"))(error));
    }
    match write_save(statements, &savepoint, rows, tracking).await {
        Ok(ids) => {
            savepoint
                .commit()
                .await
                .map_err(at(Step::Other("releasing a savepoint")))?;
            Ok(ids)
        }
        Err(failure) => {
            let _ = savepoint.rollback().await;
            Err(failure)
        }
    }
}

/// Writers that deadlocked together would meet again if they retried at once: a random pause,
/// longer each time (at most 64 ms).
pub(crate) async fn retry_pause(attempt: u32) {
    let ceiling = 1u64 << attempt.min(6);
    let jitter = (Uuid::new_v4().as_u128() % u128::from(ceiling + 1)) as u64;
    tokio::time::sleep(std::time::Duration::from_millis(jitter)).await;
}
