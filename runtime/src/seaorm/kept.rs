//! One connection of the store's pool kept out of the pool between reads and saves, for at
//! most [`KEEP_IDLE`] after the last one.
//!
//! sqlx's pool pings every connection given back to it (in a task of its own: a round trip
//! to the server, or to a SQLite connection's worker thread) before anyone can take it again,
//! and hands out its idle connections first in, first out. A read or a save taken from the
//! pool and given back therefore costs the ping's round trip and wakes another connection
//! (another server process, another SQLite worker thread) for the next one. A read that
//! finished cleanly, or a save that committed (`seaorm/write_queue.rs`), instead leaves
//! its connection here; the next read or save takes it as it is, with nothing to ping: the raw
//! driver's own way of working, on one connection. The connection goes back to the pool,
//! pinged as usual, once nothing has used it for [`KEEP_IDLE`], so that another user of the
//! pool waits for it at most about that long.
//!
//! Only a connection whose statements all ran to their end is kept: a read that failed,
//! stopped before its last row or was cancelled, and a save that did not commit, drop their
//! connection, and the pool then checks it as it always does. Nothing is kept when the pool
//! would then have no other connection to give (a pool of one, SQLite in memory, never keeps
//! one), and a connection goes back after [`KEEP_AT_MOST`] in all, so that the pool's lifetime
//! checks and the user's hooks still see it. Every store on one pool shares the one kept
//! connection ([`Kept::of_pool`]). The wait for [`KEEP_IDLE`] runs as a task of the runtime
//! the read or save ran in; a runtime that is not running (a current-thread runtime between
//! two `block_on`s) gives the connection back when it runs again or when the store is dropped,
//! also when reads in another runtime keep the pool's connection meanwhile (they find that
//! wait still pending).

use std::any::Any;
use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, PoisonError, Weak};
use std::time::{Duration, Instant};

use sea_orm::sqlx::{self, pool::PoolConnection};
use tokio::runtime::Handle;

/// How long a kept connection waits for the next read or save before it goes back to the pool.
pub(crate) const KEEP_IDLE: Duration = Duration::from_millis(1);

/// How long a connection may be kept out of the pool in all, however busy: then it goes back,
/// so that the pool's own checks (`max_lifetime`, `idle_timeout`, the user's hooks) still
/// see it.
pub(crate) const KEEP_AT_MOST: Duration = Duration::from_secs(1);

/// The kept connection of one store, if any.
#[derive(Default)]
pub(crate) struct Kept {
    slot: Mutex<Slot>,
}

#[derive(Default)]
struct Slot {
    /// The connection (a `PoolConnection` of the store's pool), with the runtime it came from,
    /// in which it is given back.
    conn: Option<(KeptConnection, Handle)>,
    /// How many times a connection was put here: the idle check's clock.
    puts: u64,
    /// The task waiting to give the connection back, if one runs (its number).
    timer: Option<u64>,
    /// How many such tasks were started.
    timers: u64,
}

/// A kept connection and when it was taken from the pool.
struct KeptConnection {
    conn: Box<dyn Any + Send>,
    since: Instant,
}

/// A connection taken for a read or a save: the kept one, or a new one from the pool.
pub(crate) struct Taken<DB: sqlx::Database> {
    pub(crate) conn: PoolConnection<DB>,
    since: Instant,
}

impl fmt::Debug for Kept {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Kept")
            .field("keeping", &self.lock().conn.is_some())
            .finish()
    }
}

impl Kept {
    /// The kept connection of the pool whose identity is `pool` (see `Driver::pool_id`),
    /// shared by every store on that pool, so that a pool lends at most one connection this way
    /// however many stores use it.
    pub(crate) fn of_pool(pool: usize) -> Arc<Kept> {
        static POOLS: OnceLock<Mutex<HashMap<usize, Weak<Kept>>>> = OnceLock::new();
        let mut pools = POOLS
            .get_or_init(Default::default)
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        pools.retain(|_, kept| kept.strong_count() > 0);
        if let Some(kept) = pools.get(&pool).and_then(Weak::upgrade) {
            return kept;
        }
        let kept = Arc::<Kept>::default();
        pools.insert(pool, Arc::downgrade(&kept));
        kept
    }

    fn lock(&self) -> MutexGuard<'_, Slot> {
        // The slot holds no invariant that a panic could break halfway.
        self.slot.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Whether a connection is kept now.
    #[cfg(test)]
    pub(crate) fn is_keeping(&self) -> bool {
        self.lock().conn.is_some()
    }

    /// Gives the kept connection, if any, back to its pool now (before the pool closes, which
    /// waits for every connection).
    pub(crate) fn release(&self) {
        let kept = self.lock().conn.take();
        drop(kept);
    }

    /// The kept connection, or one from the pool.
    pub(crate) async fn take<DB: sqlx::Database>(
        &self,
        pool: &sqlx::Pool<DB>,
    ) -> Result<Taken<DB>, sqlx::Error> {
        let kept = self.lock().conn.take().map(|(kept, _)| kept);
        if let Some(kept) = kept
            && !pool.is_closed()
            && let Ok(conn) = kept.conn.downcast::<PoolConnection<DB>>()
        {
            return Ok(Taken {
                conn: *conn,
                since: kept.since,
            });
        }
        // Anything else kept (nothing, on a closed pool, or of another pool's kind, which a
        // store never has) goes back to its pool as it drops. The pool's acquire is a large
        // future (it may open a connection): boxed, so that the futures of every read and save,
        // which usually find the connection kept, stay small to move.
        let conn = Box::pin(pool.acquire()).await?;
        Ok(Taken {
            conn,
            since: Instant::now(),
        })
    }

    /// Keeps a connection whose statements all ran to their end, unless: one is kept already;
    /// it is in a transaction;
    /// the pool would have no other connection to give (its size at most, none idle; also a
    /// pool of one); the pool is closed; the connection has been kept [`KEEP_AT_MOST`]; or
    /// there is no runtime to give it back in later. Then it goes back to the pool now, as it
    /// drops.
    pub(crate) fn put<DB: sqlx::Database>(
        self: &Arc<Self>,
        pool: &sqlx::Pool<DB>,
        taken: Taken<DB>,
    ) {
        let full = pool.size() >= pool.options().get_max_connections() && pool.num_idle() == 0;
        // Callers keep only connections whose transactions ended; this makes sure of it.
        if full
            || sqlx::Connection::is_in_transaction(&*taken.conn)
            || pool.options().get_max_connections() < 2
            || pool.is_closed()
            || taken.since.elapsed() >= KEEP_AT_MOST
        {
            return;
        }
        let Ok(handle) = Handle::try_current() else {
            return;
        };
        let timer = {
            let mut slot = self.lock();
            if slot.conn.is_some() {
                return;
            }
            let kept = KeptConnection {
                conn: Box::new(taken.conn),
                since: taken.since,
            };
            slot.conn = Some((kept, handle.clone()));
            slot.puts = slot.puts.wrapping_add(1);
            if slot.timer.is_some() {
                return;
            }
            slot.timers = slot.timers.wrapping_add(1);
            slot.timer = Some(slot.timers);
            slot.timers
        };
        // Spawned with the slot unlocked: a runtime that is shutting down drops the task at
        // once, and its `TimerEnds` then locks the slot.
        handle.spawn(give_back_when_idle(TimerEnds {
            kept: Arc::downgrade(self),
            number: timer,
        }));
    }
}

/// Marks the task `number` as ended when it ends, however (also when its runtime drops it), so
/// that the next `put` starts another.
struct TimerEnds {
    kept: Weak<Kept>,
    number: u64,
}

impl Drop for TimerEnds {
    fn drop(&mut self) {
        if let Some(kept) = self.kept.upgrade() {
            let mut slot = kept.lock();
            if slot.timer == Some(self.number) {
                slot.timer = None;
            }
        }
    }
}

/// Gives the kept connection back to its pool once a whole [`KEEP_IDLE`] passed without a
/// read or save putting one here; ends when the connection is in use or gone.
///
/// `ends` is an argument, not made in the body, so that it drops with a task that its runtime
/// dropped before ever running it.
async fn give_back_when_idle(ends: TimerEnds) {
    let kept = ends.kept.clone();
    let mut seen = None;
    loop {
        tokio::time::sleep(KEEP_IDLE).await;
        let Some(kept) = kept.upgrade() else {
            return;
        };
        let idle = {
            let mut slot = kept.lock();
            // The task ends in the same locked step as it decides to, so that a `put` right
            // after it starts another.
            let ending = slot.conn.is_none() || seen == Some(slot.puts);
            if ending && slot.timer == Some(ends.number) {
                slot.timer = None;
            }
            if slot.conn.is_none() {
                // Taken by a read: the next `put` starts a new wait.
                return;
            }
            if ending {
                slot.conn.take()
            } else {
                seen = Some(slot.puts);
                None
            }
        };
        if let Some(idle) = idle {
            // Dropping a `PoolConnection` gives it back to its pool.
            drop(idle);
            return;
        }
    }
}

impl Drop for Kept {
    fn drop(&mut self) {
        let slot = self.slot.get_mut().unwrap_or_else(PoisonError::into_inner);
        if let Some((conn, handle)) = slot.conn.take() {
            // sqlx gives a dropped connection back in a task of the runtime, which must be
            // current even when the store is dropped outside it.
            let _runtime = handle.enter();
            drop(conn);
        }
    }
}

#[cfg(test)]
mod tests {
    use sea_orm::sqlx::Connection;

    use super::*;

    /// A connection left in a transaction goes back to the pool rather than being kept.
    #[tokio::test]
    async fn a_connection_in_a_transaction_is_not_kept() {
        let dir = std::env::temp_dir().join(format!("es-kept-tx-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).unwrap();
        let url = format!("sqlite://{}", dir.join("db.sqlite3").display());
        let conn = crate::seaorm::connect(&url).await.unwrap();
        let pool = conn.get_sqlite_connection_pool();
        let kept = Arc::new(Kept::default());

        let taken = kept.take(pool).await.unwrap();
        kept.put(pool, taken);
        assert!(kept.is_keeping());
        let mut taken = kept.take(pool).await.unwrap();
        assert!(!kept.is_keeping());
        // Left open without a rollback (as a transaction forgotten by its owner would be).
        std::mem::forget(taken.conn.begin().await.unwrap());
        kept.put(pool, taken);
        assert!(!kept.is_keeping());
        drop(kept);
        conn.close().await.unwrap();
        let _ = std::fs::remove_dir_all(&dir);
    }
}
