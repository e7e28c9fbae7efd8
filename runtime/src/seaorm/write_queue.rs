//! The queue of a store's writers, and group commit.
//!
//! Writers of events are serialised (so that notification ids become visible in id order), and
//! on every database the lock they queue for is held until the commit has reached the disk. One
//! save per transaction would therefore make concurrent writers take turns at one disk flush
//! each. Instead, the writer at the head of the queue records every save waiting behind it in
//! one transaction: one lock, one flush. Each save keeps its own multi-row `INSERT`, so its
//! notification ids stay consecutive. A save that conflicts fails alone: the transaction is
//! rolled back and the others are recorded again without it (conflicts are rare, so this costs
//! less than a savepoint per save). When the saves of a group write the same table for the same
//! application and have no tracking, their rows go in one `INSERT`, in queue order, which keeps
//! each save's ids consecutive; if that `INSERT` fails, the group is recorded again save by save.
//! A writer alone in the queue records its save as before: on SQLite without handing it to a
//! task (see [`WriteQueue::submit`]). The group's transaction runs on the connection that the
//! pool's stores keep between reads and saves (`seaorm/held_transaction.rs`).

use std::collections::HashSet;
use std::sync::atomic::{AtomicU64, Ordering};

use sea_orm::{ConnectionTrait, DatabaseConnection, DatabaseConnectionType, DbBackend, DbErr};
use tokio::sync::oneshot;
use tokio::sync::oneshot::error::TryRecvError;

use super::SeaOrmStore;
use super::held::{acquire_error, on_pool};
use super::held_transaction::{GroupTransaction, HeldTransaction};
use super::recorder::{
    InsertFailure, ROWS_PER_INSERT, SeaOrmRecorder, Step, begin, is_retryable, retry_pause,
};
use crate::persistence::{PersistenceError, StoredEvent, Tracking};

/// Most saves recorded in one transaction.
const MAX_GROUP: usize = 64;
/// Times a group is retried when the database aborted it to break a deadlock.
const GROUP_RETRIES: u32 = 20;

/// One save waiting to be recorded.
pub(crate) struct Job {
    /// Which submission it is (unique in its queue).
    pub ticket: u64,
    pub recorder: SeaOrmRecorder,
    pub events: Vec<StoredEvent>,
    pub rows: Vec<i64>,
    pub tracking: Option<(Tracking, i64)>,
    pub reply: oneshot::Sender<Result<Vec<u64>, PersistenceError>>,
}

/// The writers of a store (of a SQLite file: of every store on it in this process).
#[derive(Debug, Default)]
pub(crate) struct WriteQueue {
    waiting: std::sync::Mutex<Vec<Job>>,
    head: tokio::sync::Mutex<()>,
    tickets: AtomicU64,
}

impl std::fmt::Debug for Job {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Job")
            .field("events", &self.events.len())
            .finish()
    }
}

impl WriteQueue {
    /// Records a save, with the others waiting at the same time.
    pub async fn submit(
        &self,
        recorder: &SeaOrmRecorder,
        events: Vec<StoredEvent>,
        rows: Vec<i64>,
        tracking: Option<(Tracking, i64)>,
    ) -> Result<Vec<u64>, PersistenceError> {
        let (reply, mut result) = oneshot::channel();
        let store = recorder.store();
        // sqlx's SQLite pool only: its cancellation is what makes recording in place safe.
        let in_place = matches!(
            store.connection().inner,
            DatabaseConnectionType::SqlxSqlitePoolConnection(_)
        );
        let ticket = self.tickets.fetch_add(1, Ordering::Relaxed);
        self.lock_waiting().push(Job {
            ticket,
            recorder: recorder.clone(),
            events,
            rows,
            tracking,
            reply,
        });
        loop {
            let head = self.head.lock().await;
            // A writer ahead of this one may have recorded this save with its own.
            if let Some(done) = answer(&mut result, recorder) {
                return done;
            }
            let group: Vec<Job> = {
                let mut waiting = self.lock_waiting();
                let take = waiting.len().min(MAX_GROUP);
                waiting.drain(..take).collect()
            };
            if group.is_empty() {
                // Not waiting, not answered: a writer ahead took this save into a group and
                // then stopped waiting; the group's task goes on and will answer.
                drop(head);
                return result.await.unwrap_or_else(|_| Err(stopped(recorder)));
            }
            if in_place && group.len() == 1 && group[0].ticket == ticket {
                // This writer's own save alone, on SQLite: recorded here, without handing it to
                // a task (that hand-over took a quarter of a 1-event save's time). A writer that
                // stops waiting abandons only its own save, all or nothing: sqlx's (and
                // SeaORM's) transaction rolls back when dropped, and sqlx's SQLite worker runs
                // that rollback after whatever statement (even the `BEGIN`) was already sent; a
                // save dropped after its `COMMIT` was sent is recorded. The save moves on only
                // while its caller polls it (holding the queue's head and SQLite's write lock),
                // as any transaction in the caller's own task does.
                record_group(store.clone(), group).await;
            } else {
                // In a task of its own: a writer that stops waiting (its future dropped) must
                // not abandon the saves of the others, nor its own half-way. On PostgreSQL and
                // MariaDB a future dropped while sqlx begins a transaction (its `BEGIN` sent,
                // its answer not yet read) leaves that transaction open on a pooled connection,
                // through SeaORM or not (the contract case
                // `abandoned_saves_are_all_or_nothing` then blocks), so there even a lone save
                // is recorded in a task.
                let _ = tokio::spawn(record_group(store.clone(), group)).await;
            }
            // Answered by the group just recorded (still at the head, so that the writers who
            // queued meanwhile do not go first); otherwise it waits beyond `MAX_GROUP` saves.
            if let Some(done) = answer(&mut result, recorder) {
                return done;
            }
            drop(head);
        }
    }

    fn lock_waiting(&self) -> std::sync::MutexGuard<'_, Vec<Job>> {
        // Pushing and draining cannot leave the list half changed: a poisoned lock is fine.
        self.waiting.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// A save's answer, if it has one yet (a group's task that stopped before answering gives
/// [`stopped`]).
fn answer(
    result: &mut oneshot::Receiver<Result<Vec<u64>, PersistenceError>>,
    recorder: &SeaOrmRecorder,
) -> Option<Result<Vec<u64>, PersistenceError>> {
    match result.try_recv() {
        Ok(done) => Some(done),
        Err(TryRecvError::Closed) => Some(Err(stopped(recorder))),
        Err(TryRecvError::Empty) => None,
    }
}

/// The error of a save whose group's task stopped before answering (it panicked, or the
/// runtime shut down).
fn stopped(recorder: &SeaOrmRecorder) -> PersistenceError {
    PersistenceError::Database {
        application_name: recorder.application_name().to_owned(),
        operation: "recording a save",
        source: DbErr::Custom(
            "the task recording this save with others stopped before answering".into(),
        ),
    }
}

/// Why a group's transaction failed.
enum GroupFailure {
    /// The one `INSERT` of every save's rows failed: the group is recorded again, save by save,
    /// to find the save that failed.
    Merged,
    /// The group as a whole (beginning, locking, committing, or a deadlock to retry).
    Whole(InsertFailure),
    /// One save (a conflict, most often): the others are recorded again without it.
    Save(usize, InsertFailure),
}

/// Records a group of saves. Optimistically in one transaction with no savepoints; when a save
/// fails, the transaction is rolled back, that save gets its error, and the others are recorded
/// again without it. The whole group is retried when the database broke a deadlock. `store` is
/// the one whose connection (and kept connection, `seaorm/held.rs`) records it.
async fn record_group(store: SeaOrmStore, mut jobs: Vec<Job>) {
    let conn = store.connection();
    let backend = conn.get_database_backend();
    let mut attempt = 0;
    let mut merge = true;
    while !jobs.is_empty() {
        match try_group(&store, &jobs, merge).await {
            Ok(results) => {
                for (job, ids) in jobs.into_iter().zip(results) {
                    let _ = job.reply.send(Ok(ids));
                }
                return;
            }
            Err(GroupFailure::Merged) => merge = false,
            Err(GroupFailure::Save(index, failure)) => {
                fail(conn, jobs.remove(index), failure).await;
            }
            Err(GroupFailure::Whole(failure))
                if attempt < GROUP_RETRIES && is_retryable(backend, &failure.error) =>
            {
                attempt += 1;
                tracing::debug!(attempt, error = %failure.error, "retrying a group of saves");
                retry_pause(attempt).await;
            }
            Err(GroupFailure::Whole(failure)) => {
                let message = failure.error.to_string();
                let mut failure = Some(failure);
                for job in jobs {
                    // The first save gets the database's error itself, the others its text.
                    let failure = failure.take().unwrap_or_else(|| InsertFailure {
                        step: Step::Other("recording a group of saves"),
                        error: DbErr::Custom(message.clone()),
                    });
                    fail(conn, job, failure).await;
                }
                return;
            }
        }
    }
}

/// Answers a save with the error its failure makes (a conflict names the conflicting row).
async fn fail(conn: &DatabaseConnection, job: Job, failure: InsertFailure) {
    let tracking = job.tracking.as_ref().map(|(t, _)| t);
    let error = job
        .recorder
        .insert_error(conn, &job.events, tracking, failure)
        .await;
    let _ = job.reply.send(Err(error));
}

/// Whether the rows of these saves can go in one `INSERT` (see the module's documentation).
fn mergeable(jobs: &[Job]) -> bool {
    let Some(first) = jobs.first() else {
        return false;
    };
    jobs.len() > 1
        && jobs.iter().map(|job| job.events.len()).sum::<usize>() <= ROWS_PER_INSERT
        && jobs.iter().all(|job| {
            job.tracking.is_none()
                && !job.events.is_empty()
                && job.recorder.writes_like(&first.recorder)
        })
}

/// One transaction for the group: its locks, each save (or, with `merge`, every save's rows
/// in one `INSERT` when they can be), the commit. On one of sqlx's pools the transaction runs
/// on the pool's kept connection, which stays kept when the group was recorded
/// (`seaorm/held_transaction.rs`); on a connection of another kind (SeaORM's mock or proxy)
/// in a SeaORM transaction.
async fn try_group(
    store: &SeaOrmStore,
    jobs: &[Job],
    merge: bool,
) -> Result<Vec<Vec<u64>>, GroupFailure> {
    if jobs.is_empty() {
        return Ok(Vec::new());
    }
    let backend = store.dialect().backend;
    let (conn, held) = (store.connection(), &store.held);
    let beginning = || whole(Step::Other("beginning a transaction"));
    on_pool!(
        conn,
        |pool| {
            let mut taken = held
                .take(pool)
                .await
                .map_err(|e| beginning()(acquire_error(e)))?;
            let txn = HeldTransaction::begin(&mut taken, backend)
                .await
                .map_err(beginning())?;
            let recorded = in_transaction(txn, jobs, merge, backend).await;
            // Committed: the connection is clean. After a failure it goes back to the pool,
            // which sends the rollback that sqlx queued and checks the connection.
            if recorded.is_ok() {
                held.put(pool, taken);
            }
            recorded
        },
        else {
            let txn = begin(conn, backend).await.map_err(beginning())?;
            in_transaction(txn, jobs, merge, backend).await
        }
    )
}

/// The group's statements in `txn`, then its commit; a rollback when one save failed.
async fn in_transaction(
    txn: impl GroupTransaction,
    jobs: &[Job],
    merge: bool,
    backend: DbBackend,
) -> Result<Vec<Vec<u64>>, GroupFailure> {
    let written = if merge && mergeable(jobs) {
        write_together(&txn, jobs, backend).await
    } else {
        write_each(&txn, jobs, backend).await
    };
    match written {
        Ok(results) => {
            txn.commit()
                .await
                .map_err(whole(Step::Other("committing")))?;
            Ok(results)
        }
        // Not locked, or rolled back by the database itself (a deadlock to retry).
        Err(failure @ GroupFailure::Whole(_)) => Err(failure),
        Err(failure) => {
            let _ = txn.rollback().await;
            Err(failure)
        }
    }
}

/// A failure of the group as a whole at `step`.
fn whole(step: Step) -> impl FnOnce(DbErr) -> GroupFailure {
    move |error| GroupFailure::Whole(InsertFailure { step, error })
}

/// Every save's rows in one `INSERT` (the saves are [`mergeable`]), after the lock; the ids
/// handed back to each save in queue order.
async fn write_together(
    txn: &impl ConnectionTrait,
    jobs: &[Job],
    backend: DbBackend,
) -> Result<Vec<Vec<u64>>, GroupFailure> {
    let Some(first) = jobs.first() else {
        return Ok(Vec::new());
    };
    first
        .recorder
        .lock(txn)
        .await
        .map_err(whole(Step::Other("locking the table")))?;
    let rows: Vec<(&StoredEvent, i64)> = jobs
        .iter()
        .flat_map(|job| job.events.iter().zip(job.rows.iter().copied()))
        .collect();
    let ids = match first.recorder.write_save(txn, &rows, None).await {
        Ok(ids) if ids.len() == rows.len() => ids,
        Err(failure) if is_retryable(backend, &failure.error) => {
            return Err(GroupFailure::Whole(failure));
        }
        _ => return Err(GroupFailure::Merged),
    };
    let mut ids = ids.into_iter();
    Ok(jobs
        .iter()
        .map(|job| ids.by_ref().take(job.events.len()).collect())
        .collect())
}

/// Each save with its own `INSERT`s, each table (on MySQL: each application) locked once.
async fn write_each(
    txn: &impl ConnectionTrait,
    jobs: &[Job],
    backend: DbBackend,
) -> Result<Vec<Vec<u64>>, GroupFailure> {
    let mut locked: HashSet<String> = HashSet::new();
    let mut results = Vec::with_capacity(jobs.len());
    for (index, job) in jobs.iter().enumerate() {
        if !job.events.is_empty() && locked.insert(job.recorder.lock_key()) {
            job.recorder
                .lock(txn)
                .await
                .map_err(whole(Step::Other("locking the table")))?;
        }
        let rows: Vec<(&StoredEvent, i64)> =
            job.events.iter().zip(job.rows.iter().copied()).collect();
        let tracking = job.tracking.as_ref().map(|(t, id)| (t, *id));
        match job.recorder.write_save(txn, &rows, tracking).await {
            Ok(ids) => results.push(ids),
            // The database rolled the transaction back: the group is tried again.
            Err(failure) if is_retryable(backend, &failure.error) => {
                return Err(GroupFailure::Whole(failure));
            }
            Err(failure) => return Err(GroupFailure::Save(index, failure)),
        }
    }
    Ok(results)
}
