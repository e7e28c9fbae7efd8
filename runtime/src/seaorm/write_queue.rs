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
//! task (see [`WriteQueue::submit`]). The group's transaction runs on the pool's kept
//! connection (`seaorm/driver/transaction.rs`).
//!
//! The queue answers each save with its notification ids or with what failed
//! ([`InsertFailure`]); the recorder makes that a [`PersistenceError`].
//!
//! The queue is bounded: a save takes room in its store's [`QueueRoom`] before it queues (and
//! waits for room when the store already has its limit of saves waiting or being recorded),
//! and gives it back when answered. A save whose writer stops waiting before a writer took it
//! into a group leaves the queue at once: it is never recorded.
//!
//! [`PersistenceError`]: crate::persistence::PersistenceError

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use sea_orm::{ConnAcquireErr, ConnectionTrait, DbBackend, DbErr};
use tokio::sync::oneshot::error::TryRecvError;
use tokio::sync::{OwnedSemaphorePermit, Semaphore, oneshot};
use tracing::Instrument;

use super::driver::{Driver, LOST_RETRIES, Transaction};
use super::errors::{InsertFailure, Step, is_connection_lost, is_retryable};
use super::lock::{lock, lock_key};
use super::statements::{ROWS_PER_INSERT, Statements};
use super::write::{TrackingRow, retry_pause, write_save};
use crate::persistence::{StoredEvent, Tracking};
use crate::trace::Stopwatch;

/// Most saves recorded in one transaction.
const MAX_GROUP: usize = 64;
/// Times a group is retried when the database aborted it to break a deadlock.
const GROUP_RETRIES: u32 = 20;

/// A save's answer: the events' notification ids, or what failed.
pub(crate) type Answer = Result<Recorded, InsertFailure>;

/// A recorded save: its notification ids, and how its group went.
#[derive(Debug)]
pub(crate) struct Recorded {
    /// The events' notification ids.
    pub(crate) ids: Vec<u64>,
    /// How many saves were committed in its transaction.
    pub(crate) group_size: usize,
    /// How many times the group's transaction was tried again before it committed.
    pub(crate) retries: u32,
}

/// One save to record.
pub(crate) struct Save {
    /// The statements of the recorder's table.
    pub(crate) statements: Arc<Statements>,
    /// The events.
    pub(crate) events: Vec<StoredEvent>,
    /// Their versions as the database stores them.
    pub(crate) versions: Vec<i64>,
    /// The tracking positions, with their notification ids as the database stores them.
    pub(crate) tracking: Vec<(Tracking, i64)>,
}

impl Save {
    fn rows(&self) -> Vec<(&StoredEvent, i64)> {
        self.events
            .iter()
            .zip(self.versions.iter().copied())
            .collect()
    }

    fn tracking(&self) -> Vec<TrackingRow<'_>> {
        self.tracking.iter().map(|(t, id)| (t, *id)).collect()
    }
}

/// One save waiting to be recorded.
struct Job {
    /// Which submission it is (unique in its queue).
    ticket: u64,
    save: Save,
    reply: oneshot::Sender<Answer>,
    /// Its place in its store's room, given back when the job is answered or withdrawn.
    _room: OwnedSemaphorePermit,
}

/// How many saves of a store may wait in the write queue or be being recorded at once; a
/// further save waits for room before it queues. Shared by the clones of a store.
#[derive(Debug, Clone)]
pub(crate) struct QueueRoom {
    limit: usize,
    places: Arc<Semaphore>,
}

impl QueueRoom {
    /// Room for `limit` saves (at least one).
    pub(crate) fn new(limit: usize) -> Self {
        let limit = limit.clamp(1, Semaphore::MAX_PERMITS);
        Self {
            limit,
            places: Arc::new(Semaphore::new(limit)),
        }
    }

    /// The most saves it has room for.
    pub(crate) fn limit(&self) -> usize {
        self.limit
    }

    /// The saves waiting or being recorded now.
    pub(crate) fn taken(&self) -> usize {
        self.limit - self.places.available_permits()
    }

    /// Waits until no save waits or is being recorded, then lets no save in any more (they
    /// fail at once, recording nothing).
    pub(crate) async fn close_when_empty(&self) {
        let mut left = self.limit;
        while left > 0 {
            let chunk = u32::try_from(left).unwrap_or(u32::MAX);
            match self.places.acquire_many(chunk).await {
                // Held only until the semaphore is closed below.
                Ok(places) => places.forget(),
                Err(_) => return,
            }
            left -= chunk as usize;
        }
        self.places.close();
    }
}

/// Takes a save back out of the queue when its writer stops waiting (its future dropped)
/// before a writer took the save into a group: an abandoned save is never recorded, and gives
/// its room back at once.
struct Withdraw<'a> {
    queue: &'a WriteQueue,
    ticket: Option<u64>,
}

impl Drop for Withdraw<'_> {
    fn drop(&mut self) {
        if let Some(ticket) = self.ticket {
            self.queue.lock_waiting().retain(|job| job.ticket != ticket);
        }
    }
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
            .field("events", &self.save.events.len())
            .finish()
    }
}

impl WriteQueue {
    /// Records a save through `driver`, with the others waiting at the same time, once `room`
    /// has a place for it.
    pub(crate) async fn submit(&self, driver: &Driver, room: &QueueRoom, save: Save) -> Answer {
        // Closed only when the store is (`SeaOrmStore::close`): nothing of this save was queued.
        let Ok(place) = Arc::clone(&room.places).acquire_owned().await else {
            return Err(InsertFailure {
                step: Step::Other("queuing a save on a closed store"),
                error: DbErr::ConnectionAcquire(ConnAcquireErr::ConnectionClosed),
            });
        };
        let (reply, result) = oneshot::channel();
        let ticket = self.tickets.fetch_add(1, Ordering::Relaxed);
        self.lock_waiting().push(Job {
            ticket,
            save,
            reply,
            _room: place,
        });
        let mut withdraw = Withdraw {
            queue: self,
            ticket: Some(ticket),
        };
        let answer = self.wait(driver, ticket, result).await;
        withdraw.ticket = None;
        answer
    }

    /// Waits for the save `ticket` to be answered, recording the saves waiting (its own among
    /// them) whenever this writer is at the head of the queue.
    async fn wait(
        &self,
        driver: &Driver,
        ticket: u64,
        mut result: oneshot::Receiver<Answer>,
    ) -> Answer {
        // sqlx's SQLite pool only: its cancellation is what makes recording in place safe.
        let in_place = driver.is_sqlite_pool();
        loop {
            let head = self.head.lock().await;
            // A writer ahead of this one may have recorded this save with its own.
            if let Some(done) = answer(&mut result) {
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
                return result.await.unwrap_or_else(|_| Err(stopped()));
            }
            if in_place && group.len() == 1 && group[0].ticket == ticket {
                // This writer's own save alone, on SQLite: recorded here, without handing it to
                // a task (that hand-over was a large part of a 1-event save's time,
                // docs/benchmarks/PROFILE.md). A writer that
                // stops waiting abandons only its own save, all or nothing: SeaORM's
                // transaction rolls back when dropped, and sqlx's SQLite worker runs that
                // rollback after whatever statement (even the `BEGIN`) was already sent; a
                // save dropped after its `COMMIT` was sent is recorded. The save moves on only
                // while its caller polls it (holding the queue's head and SQLite's write lock),
                // as any transaction in the caller's own task does.
                record_group(driver.clone(), group).await;
            } else {
                // In a task of its own: a writer that stops waiting (its future dropped) must
                // not abandon the saves of the others, nor its own half-way. On PostgreSQL and
                // MariaDB a future dropped while sqlx begins a transaction (its `BEGIN` sent,
                // its answer not yet read) leaves that transaction open on a pooled connection
                // (the contract case `abandoned_saves_are_all_or_nothing` then blocks), so
                // there even a lone save is recorded in a task.
                let _ = tokio::spawn(record_group(driver.clone(), group)).await;
            }
            // Answered by the group just recorded (still at the head, so that the writers who
            // queued meanwhile do not go first); otherwise it waits beyond `MAX_GROUP` saves.
            if let Some(done) = answer(&mut result) {
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
fn answer(result: &mut oneshot::Receiver<Answer>) -> Option<Answer> {
    match result.try_recv() {
        Ok(done) => Some(done),
        Err(TryRecvError::Closed) => Some(Err(stopped())),
        Err(TryRecvError::Empty) => None,
    }
}

/// The failure of a save whose group's task stopped before answering (it panicked, or the
/// runtime shut down).
fn stopped() -> InsertFailure {
    InsertFailure {
        step: Step::Stopped,
        error: DbErr::Custom(
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
/// fails, the transaction is rolled back, that save gets its failure, and the others are
/// recorded again without it. The whole group is retried when the database broke a deadlock.
///
/// Traced as a `group_commit` span (level INFO): the saves and rows it was given, how many
/// saves committed, the tries again and why, the step that failed.
async fn record_group(driver: Driver, jobs: Vec<Job>) {
    let span = tracing::info_span!(
        "group_commit",
        saves = jobs.len(),
        rows = jobs.iter().map(|job| job.save.events.len()).sum::<usize>(),
        committed = tracing::field::Empty,
        retries = tracing::field::Empty,
        failed_step = tracing::field::Empty,
        duration_us = tracing::field::Empty,
    );
    let stopwatch = Stopwatch::start(&span);
    record_group_in(driver, jobs).instrument(span.clone()).await;
    stopwatch.record(&span);
}

async fn record_group_in(driver: Driver, mut jobs: Vec<Job>) {
    let backend = driver.seaorm().get_database_backend();
    let mut attempt = 0;
    let mut lost = 0;
    let mut merge = true;
    // Every try after the first is a retry: after a deadlock or a lost connection, a merged
    // `INSERT` recorded again save by save, a failed save taken out.
    let mut tries: u32 = 0;
    while !jobs.is_empty() {
        tries += 1;
        let retries = tries - 1;
        match try_group(&driver, &jobs, merge, lost > 0).await {
            Ok(results) => {
                let span = tracing::Span::current();
                span.record("committed", jobs.len());
                span.record("retries", retries);
                let group_size = jobs.len();
                for (job, ids) in jobs.into_iter().zip(results) {
                    let recorded = Recorded {
                        ids,
                        group_size,
                        retries,
                    };
                    let _ = job.reply.send(Ok(recorded));
                }
                return;
            }
            Err(GroupFailure::Merged) => merge = false,
            Err(GroupFailure::Save(index, failure)) => {
                let _ = jobs.remove(index).reply.send(Err(failure));
            }
            // The connection was lost before the commit (a server restart, a failover, a
            // connection a proxy closed): nothing was committed, the group goes again on
            // another connection.
            Err(GroupFailure::Whole(failure))
                if lost < LOST_RETRIES
                    && failure.step != Step::Commit
                    && is_connection_lost(&failure.error) =>
            {
                lost += 1;
                tracing::info!(error = %failure.error, "a group of saves lost its connection: recorded again");
            }
            Err(GroupFailure::Whole(failure))
                if attempt < GROUP_RETRIES && is_retryable(backend, &failure.error) =>
            {
                attempt += 1;
                tracing::debug!(attempt, error = %failure.error, "retrying a group of saves");
                retry_pause(attempt).await;
            }
            Err(GroupFailure::Whole(failure)) => {
                let span = tracing::Span::current();
                span.record("retries", retries);
                span.record("failed_step", tracing::field::debug(failure.step));
                // Every save of the group gets the step and the database's error itself.
                for job in jobs {
                    let failure = InsertFailure {
                        step: failure.step,
                        error: failure.error.clone(),
                    };
                    let _ = job.reply.send(Err(failure));
                }
                return;
            }
        }
    }
}

/// Whether the rows of these saves can go in one `INSERT` (see the module's documentation).
fn mergeable(jobs: &[Job]) -> bool {
    let Some(first) = jobs.first() else {
        return false;
    };
    jobs.len() > 1
        && jobs.iter().map(|job| job.save.events.len()).sum::<usize>() <= ROWS_PER_INSERT
        && jobs.iter().all(|job| {
            job.save.tracking.is_empty()
                && !job.save.events.is_empty()
                && job.save.statements.writes_like(&first.save.statements)
        })
}

/// One transaction for the group: its locks, each save (or, with `merge`, every save's rows
/// in one `INSERT` when they can be), the commit; on the pool's kept connection, which stays
/// kept when the group was recorded (`seaorm/driver/transaction.rs`); a `checked` one after a
/// connection was lost.
async fn try_group(
    driver: &Driver,
    jobs: &[Job],
    merge: bool,
    checked: bool,
) -> Result<Vec<Vec<u64>>, GroupFailure> {
    if jobs.is_empty() {
        return Ok(Vec::new());
    }
    let backend = driver.seaorm().get_database_backend();
    let beginning = || whole(Step::Other("beginning a transaction"));
    let mut conn = driver
        .transaction_connection(checked)
        .await
        .map_err(beginning())?;
    let txn = conn.begin().await.map_err(beginning())?;
    let recorded = in_transaction(txn, jobs, merge, backend).await;
    // Committed: the connection is clean, kept for the next read or save. After a failure it
    // goes back to the pool, which sends the rollback that sqlx queued and checks it.
    if recorded.is_ok() {
        conn.keep();
    }
    recorded
}

/// The group's statements in `txn`, then its commit; a rollback when one save failed.
async fn in_transaction(
    txn: Transaction<'_>,
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
            txn.commit().await.map_err(whole(Step::Commit))?;
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
    let statements = &first.save.statements;
    lock(statements, txn)
        .await
        .map_err(whole(Step::Other("locking the table")))?;
    let rows: Vec<(&StoredEvent, i64)> = jobs.iter().flat_map(|job| job.save.rows()).collect();
    let ids = match write_save(statements, txn, &rows, &[]).await {
        Ok(ids) if ids.len() == rows.len() => ids,
        Err(failure)
            if is_retryable(backend, &failure.error) || is_connection_lost(&failure.error) =>
        {
            return Err(GroupFailure::Whole(failure));
        }
        _ => return Err(GroupFailure::Merged),
    };
    let mut ids = ids.into_iter();
    Ok(jobs
        .iter()
        .map(|job| ids.by_ref().take(job.save.events.len()).collect())
        .collect())
}

/// Each save with its own `INSERT`s, each table (on MySQL: each application) locked once.
async fn write_each(
    txn: &impl ConnectionTrait,
    jobs: &[Job],
    backend: DbBackend,
) -> Result<Vec<Vec<u64>>, GroupFailure> {
    // The keys locked so far: a group's saves are mostly of one table and application.
    let mut locked: Vec<&str> = Vec::new();
    let mut results = Vec::with_capacity(jobs.len());
    for (index, job) in jobs.iter().enumerate() {
        let statements = &job.save.statements;
        let key = lock_key(statements).filter(|_| !job.save.events.is_empty());
        if let Some(key) = key.filter(|key| !locked.contains(key)) {
            locked.push(key);
            lock(statements, txn)
                .await
                .map_err(whole(Step::Other("locking the table")))?;
        }
        match write_save(statements, txn, &job.save.rows(), &job.save.tracking()).await {
            Ok(ids) => results.push(ids),
            // The database rolled the transaction back, or the connection is lost: the group is
            // tried again.
            Err(failure)
                if is_retryable(backend, &failure.error) || is_connection_lost(&failure.error) =>
            {
                return Err(GroupFailure::Whole(failure));
            }
            Err(failure) => return Err(GroupFailure::Save(index, failure)),
        }
    }
    Ok(results)
}
