//! A follower's task in the concurrent runner: it takes the follower's lock (where there is
//! one), catches up, then pulls when a leader saves or at each poll, until stopped, failed, or
//! the lock is lost.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use tokio::sync::{Notify, watch};

use crate::seaorm::{ExclusiveLock, SeaOrmStore};
use crate::system::{Follower, SystemError};

/// Wakes one follower's task: the leaders that saved since it last looked.
#[derive(Default)]
pub(super) struct Signal {
    pub(super) notify: Notify,
    pub(super) prompted: Mutex<Vec<&'static str>>,
}

/// A follower's task.
pub(super) struct Task {
    pub(super) follower: Follower,
    pub(super) leaders: Vec<&'static str>,
    pub(super) signal: Arc<Signal>,
    pub(super) stopping: watch::Receiver<bool>,
    pub(super) poll_interval: Duration,
    pub(super) takeover_interval: Duration,
    pub(super) exclusive: bool,
    pub(super) errors: Arc<Mutex<Vec<SystemError>>>,
    pub(super) active: Arc<Mutex<Vec<String>>>,
}

/// What ended a follower's turn.
enum Turn {
    Stopped,
    Failed,
    LostLock,
}

impl Task {
    /// Takes the follower's lock where there is one, follows while it holds it, and tries to
    /// take it again when it is lost; until stopped or failed.
    pub(super) async fn run(mut self) {
        let store = self
            .follower
            .application()
            .seaorm_recorders()
            .map(|recorders| recorders.events.store().clone())
            .filter(|store| {
                self.exclusive && store.dialect().backend != sea_orm::DbBackend::Sqlite
            });
        loop {
            let lock = match &store {
                None => None,
                Some(store) => {
                    let name = format!(
                        "{}/{}",
                        store.tables().notification_tracking,
                        self.follower.name()
                    );
                    match self.take_lock(store, &name).await {
                        Some(lock) => Some(lock),
                        None => return,
                    }
                }
            };
            self.set_active(true);
            let turn = self.follow(lock).await;
            self.set_active(false);
            match turn {
                Turn::Stopped | Turn::Failed => return,
                Turn::LostLock => {
                    tracing::warn!(follower = %self.follower.name(), "lost its lock: another process may run it now");
                }
            }
        }
    }

    /// Waits for the follower's lock; `None` when stopped first.
    async fn take_lock(&mut self, store: &SeaOrmStore, name: &str) -> Option<ExclusiveLock> {
        loop {
            match store.try_exclusive_lock(name).await {
                Ok(Some(lock)) => {
                    tracing::info!(follower = %self.follower.name(), "took the follower's lock: active in this process");
                    return Some(lock);
                }
                Ok(None) => {}
                Err(error) => {
                    tracing::warn!(follower = %self.follower.name(), %error, "could not try the follower's lock")
                }
            }
            if *self.stopping.borrow() {
                return None;
            }
            tokio::select! {
                _ = tokio::time::sleep(self.takeover_interval) => {}
                _ = self.stopping.changed() => return None,
            }
        }
    }

    fn set_active(&self, active: bool) {
        let mut list = self.active.lock().unwrap_or_else(PoisonError::into_inner);
        list.retain(|name| name != self.follower.name());
        if active {
            list.push(self.follower.name().to_owned());
        }
    }

    /// Catches up with every leader, then pulls from the leaders that saved, or from all of
    /// them at each poll, while the lock (if any) holds.
    async fn follow(&mut self, mut lock: Option<ExclusiveLock>) -> Turn {
        let stop = AtomicBool::new(false);
        let mut pending = self.leaders.clone();
        let turn = loop {
            if let Some(held) = &mut lock
                && !held.is_held().await
            {
                break Turn::LostLock;
            }
            let mut failed = false;
            for leader in pending.drain(..) {
                if *self.stopping.borrow() {
                    stop.store(true, Ordering::Release);
                }
                if let Err(error) = self
                    .follower
                    .pull_and_process_while(leader, None, &stop)
                    .await
                {
                    tracing::error!(follower = %self.follower.name(), leader, %error, "follower stopped");
                    self.errors
                        .lock()
                        .unwrap_or_else(PoisonError::into_inner)
                        .push(error);
                    failed = true;
                    break;
                }
            }
            if failed {
                break Turn::Failed;
            }
            if *self.stopping.borrow() {
                break Turn::Stopped;
            }
            tokio::select! {
                _ = self.signal.notify.notified() => {
                    pending = std::mem::take(&mut *self.signal.prompted.lock().unwrap_or_else(PoisonError::into_inner));
                }
                _ = tokio::time::sleep(self.poll_interval) => {
                    pending = self.leaders.clone();
                }
                _ = self.stopping.changed() => break Turn::Stopped,
            }
        };
        if let Some(lock) = lock {
            lock.release().await;
        }
        turn
    }
}
