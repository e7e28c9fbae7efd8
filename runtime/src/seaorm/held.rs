//! One connection of the store's pool kept out of the pool between loads, for at most
//! [`HOLD_IDLE`] after the last one.
//!
//! sqlx's pool pings every connection given back to it (in a task of its own: a round trip
//! to the server, or to a SQLite connection's worker thread) before anyone can take it again,
//! and hands out its idle connections first in, first out. A load taken from the pool and
//! given back therefore costs the ping's round trip and wakes another connection (another
//! server process, another SQLite worker thread) for the next load. A load that finished
//! cleanly instead leaves its connection here; the next load takes it as it is, with nothing
//! to ping: the raw driver's own way of working, on one connection. The connection goes back
//! to the pool, pinged as usual, once no load has used it for [`HOLD_IDLE`], so that a writer
//! or another user of the pool waits for it at most about that long.
//!
//! Only a connection whose statements all ran to their end is kept: a load that failed, stopped
//! before its last row or was cancelled drops its connection, and the pool then checks it as
//! it always does. A pool of one connection (SQLite in memory) keeps nothing.

use std::any::Any;
use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, Weak};
use std::time::Duration;

use sea_orm::sqlx::{self, pool::PoolConnection};
use tokio::runtime::Handle;

/// How long a kept connection waits for the next load before it goes back to the pool.
pub(crate) const HOLD_IDLE: Duration = Duration::from_millis(1);

/// The kept connection of one store, if any.
#[derive(Default)]
pub(crate) struct Held {
    slot: Mutex<Slot>,
}

#[derive(Default)]
struct Slot {
    /// The connection (a `PoolConnection` of the store's pool), with the runtime it came from,
    /// in which it is given back.
    conn: Option<(Box<dyn Any + Send>, Handle)>,
    /// How many times a connection was put here: the idle check's clock.
    puts: u64,
    /// Whether a task is waiting to give the connection back.
    timer: bool,
}

impl fmt::Debug for Held {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Held")
            .field("holding", &self.lock().conn.is_some())
            .finish()
    }
}

impl Held {
    fn lock(&self) -> MutexGuard<'_, Slot> {
        // The slot holds no invariant that a panic could break halfway.
        self.slot.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Whether a connection is kept now.
    #[cfg(test)]
    pub(crate) fn holding(&self) -> bool {
        self.lock().conn.is_some()
    }

    /// The kept connection, or one from the pool.
    pub(crate) async fn take<DB: sqlx::Database>(
        &self,
        pool: &sqlx::Pool<DB>,
    ) -> Result<PoolConnection<DB>, sqlx::Error> {
        let kept = self.lock().conn.take();
        match kept.map(|(conn, _)| conn.downcast::<PoolConnection<DB>>()) {
            Some(Ok(conn)) => Ok(*conn),
            // A store has one pool, so this is only a connection of another kind; it goes
            // back to its pool as it drops.
            Some(Err(_)) | None => pool.acquire().await,
        }
    }

    /// Keeps a connection whose statements all ran to their end, unless one is kept already,
    /// the pool has only one connection or is closed, or there is no runtime to give it back
    /// in later (then it goes back to the pool now, as it drops).
    pub(crate) fn put<DB: sqlx::Database>(
        self: &Arc<Self>,
        pool: &sqlx::Pool<DB>,
        conn: PoolConnection<DB>,
    ) {
        if pool.options().get_max_connections() < 2 || pool.is_closed() {
            return;
        }
        let Ok(handle) = Handle::try_current() else {
            return;
        };
        let mut slot = self.lock();
        if slot.conn.is_some() {
            return;
        }
        slot.conn = Some((Box::new(conn), handle.clone()));
        slot.puts = slot.puts.wrapping_add(1);
        if !slot.timer {
            slot.timer = true;
            handle.spawn(give_back_when_idle(Arc::downgrade(self)));
        }
    }
}

/// Gives the kept connection back to its pool once a whole [`HOLD_IDLE`] passed without a
/// load putting one here; ends when the connection is in use or gone.
async fn give_back_when_idle(held: Weak<Held>) {
    let mut seen = None;
    loop {
        tokio::time::sleep(HOLD_IDLE).await;
        let Some(held) = held.upgrade() else {
            return;
        };
        let idle = {
            let mut slot = held.lock();
            if slot.conn.is_none() {
                // Taken by a load: the next `put` starts a new wait.
                slot.timer = false;
                return;
            }
            if seen == Some(slot.puts) {
                slot.timer = false;
                slot.conn.take()
            } else {
                seen = Some(slot.puts);
                None
            }
        };
        if let Some(conn) = idle {
            // Dropping a `PoolConnection` gives it back to its pool.
            drop(conn);
            return;
        }
    }
}

impl Drop for Held {
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
