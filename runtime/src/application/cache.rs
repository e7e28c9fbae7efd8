use std::any::Any;
use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;

use uuid::Uuid;

use crate::domain::Aggregate;

/// Recently used aggregates, kept so that a get need not replay them (`AGGREGATE_CACHE_MAXSIZE`).
///
/// Entries are copies: a get hands out a clone, so a command that fails half way never leaves
/// a changed aggregate in the cache. Least recently used entries are evicted beyond `maxsize`
/// (no limit when it is `None`).
#[derive(Debug)]
pub struct AggregateCache {
    maxsize: Option<usize>,
    inner: Mutex<Lru>,
}

#[derive(Debug, Default)]
struct Lru {
    entries: HashMap<Uuid, Entry>,
    /// Last use tick → id, oldest first.
    order: BTreeMap<u64, Uuid>,
    tick: u64,
}

#[derive(Debug)]
struct Entry {
    aggregate: Box<dyn Any + Send + Sync>,
    version: u64,
    tick: u64,
}

impl Lru {
    fn touch(&mut self, id: Uuid) {
        self.tick += 1;
        let tick = self.tick;
        if let Some(entry) = self.entries.get_mut(&id) {
            self.order.remove(&entry.tick);
            entry.tick = tick;
            self.order.insert(tick, id);
        }
    }
}

impl AggregateCache {
    /// A cache of at most `maxsize` aggregates (`None` or 0: no limit, as in the Python
    /// original).
    pub fn new(maxsize: Option<usize>) -> Self {
        Self {
            maxsize: maxsize.filter(|m| *m > 0),
            inner: Mutex::new(Lru::default()),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Lru> {
        // Every update leaves the maps consistent before it can panic, so a poisoned lock is
        // still usable.
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// A copy of the cached aggregate, if there is one of this type.
    pub fn get<A: Aggregate>(&self, id: Uuid) -> Option<A> {
        let mut lru = self.lock();
        let found = lru.entries.get(&id)?.aggregate.downcast_ref::<A>()?.clone();
        lru.touch(id);
        Some(found)
    }

    /// Caches a copy of the aggregate, unless a newer version is already cached.
    pub fn put<A: Aggregate>(&self, aggregate: &A) {
        let id = aggregate.id();
        let version = aggregate.version();
        let mut lru = self.lock();
        if lru.entries.get(&id).is_some_and(|e| e.version > version) {
            return;
        }
        let mut copy = aggregate.clone();
        copy.base_mut().take_pending_events();
        lru.tick += 1;
        let tick = lru.tick;
        if let Some(old) = lru.entries.insert(
            id,
            Entry {
                aggregate: Box::new(copy),
                version,
                tick,
            },
        ) {
            lru.order.remove(&old.tick);
        }
        lru.order.insert(tick, id);
        if let Some(maxsize) = self.maxsize {
            while lru.entries.len() > maxsize {
                let Some((_, oldest)) = lru.order.pop_first() else {
                    break;
                };
                lru.entries.remove(&oldest);
            }
        }
    }

    /// Forgets the aggregate with this id.
    pub fn remove(&self, id: Uuid) {
        let mut lru = self.lock();
        if let Some(entry) = lru.entries.remove(&id) {
            lru.order.remove(&entry.tick);
        }
    }

    /// Number of cached aggregates.
    pub fn len(&self) -> usize {
        self.lock().entries.len()
    }

    /// Whether the cache is empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}
