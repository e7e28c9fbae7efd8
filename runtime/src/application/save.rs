use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;

use uuid::Uuid;

use super::{AggregateCache, ApplicationError, Repository};
use crate::domain::{Aggregate, DomainEvent, EventPayload, Snapshot};
use crate::persistence::{Mapper, StoredEvent};

/// One recorded event of a save: which event, and its position in the notification log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recording {
    /// The notification id the recorder assigned.
    pub notification_id: u64,
    /// Id of the aggregate.
    pub originator_id: Uuid,
    /// Version of the event.
    pub originator_version: u64,
    /// Topic of the event.
    pub topic: String,
}

/// What [`Application::save`](super::Application::save) can record: aggregates (their pending
/// events), bare events, and lists, arrays, options and tuples of those.
///
/// ```ignore
/// app.save(&mut world).await?;                       // one aggregate
/// app.save((&mut from, &mut to)).await?;             // several, atomically
/// app.save(vec![&mut a, &mut b]).await?;             // a list of one type
/// app.save(&mut accounts).await?;                    // a Vec or slice of aggregates
/// app.save(event).await?;                            // a bare event
/// ```
pub trait Saveable: Send {
    /// Maps the events to record into the batch.
    #[doc(hidden)]
    fn collect(&self, batch: &mut SaveBatch<'_>) -> Result<(), ApplicationError>;

    /// Called once the batch is recorded: aggregates drop their pending events, ask for
    /// snapshots and update the cache.
    #[doc(hidden)]
    fn saved(&mut self, after: &mut AfterSave<'_>);
}

/// The stored events of a save being assembled.
#[doc(hidden)]
pub struct SaveBatch<'a> {
    mapper: &'a Mapper,
    pub(crate) events: Vec<StoredEvent>,
}

impl<'a> SaveBatch<'a> {
    pub(crate) fn new(mapper: &'a Mapper) -> Self {
        Self {
            mapper,
            events: Vec::new(),
        }
    }

    /// Maps an event to record into the batch.
    pub fn push_event<P: EventPayload>(
        &mut self,
        event: &DomainEvent<P>,
    ) -> Result<(), ApplicationError> {
        self.events.push(self.mapper.to_stored_event(event)?);
        Ok(())
    }
}

type DeferredSnapshot =
    for<'r> fn(
        &'r Repository,
        Uuid,
        u64,
    ) -> Pin<Box<dyn Future<Output = Result<(), ApplicationError>> + Send + 'r>>;

/// Work that follows a recorded save.
#[doc(hidden)]
pub struct AfterSave<'a> {
    pub(crate) intervals: &'a HashMap<&'static str, u64>,
    pub(crate) cache: Option<&'a AggregateCache>,
    /// Snapshots of aggregates as they are now.
    pub(crate) snapshots: Vec<Snapshot>,
    /// Snapshots of earlier versions, to be rebuilt from the store.
    pub(crate) deferred: Vec<(DeferredSnapshot, Uuid, u64)>,
}

fn snapshot_from_store<A: Aggregate>(
    repository: &Repository,
    id: Uuid,
    version: u64,
) -> Pin<Box<dyn Future<Output = Result<(), ApplicationError>> + Send + '_>> {
    Box::pin(repository.take_snapshot::<A>(id, Some(version)))
}

impl<A: Aggregate> Saveable for &mut A {
    fn collect(&self, batch: &mut SaveBatch<'_>) -> Result<(), ApplicationError> {
        self.pending_events()
            .iter()
            .try_for_each(|e| batch.push_event(e))
    }

    fn saved(&mut self, after: &mut AfterSave<'_>) {
        let aggregate: &mut A = self;
        if let Some(&interval) = after.intervals.get(A::topic()) {
            let current = aggregate.version();
            for event in aggregate.pending_events() {
                let version = event.originator_version;
                if interval == 0 || version % interval != 0 {
                    continue;
                }
                if version == current {
                    match Snapshot::take(aggregate) {
                        Ok(snapshot) => after.snapshots.push(snapshot),
                        Err(error) => tracing::error!(
                            aggregate = %aggregate.id(), version, %error,
                            "snapshot not taken"
                        ),
                    }
                } else {
                    after
                        .deferred
                        .push((snapshot_from_store::<A>, aggregate.id(), version));
                }
            }
        }
        let saved = aggregate.base_mut().take_pending_events();
        // Only aggregates this save changed: others may be historical versions.
        if let (Some(cache), false) = (after.cache, saved.is_empty()) {
            cache.put(aggregate);
        }
    }
}

impl<A: Aggregate> Saveable for &mut [A] {
    fn collect(&self, batch: &mut SaveBatch<'_>) -> Result<(), ApplicationError> {
        self.iter()
            .flat_map(|a| a.pending_events())
            .try_for_each(|e| batch.push_event(e))
    }

    fn saved(&mut self, after: &mut AfterSave<'_>) {
        for mut aggregate in self.iter_mut() {
            Saveable::saved(&mut aggregate, after);
        }
    }
}

impl<A: Aggregate> Saveable for &mut Vec<A> {
    fn collect(&self, batch: &mut SaveBatch<'_>) -> Result<(), ApplicationError> {
        (&**self as &[A])
            .iter()
            .flat_map(|a| a.pending_events())
            .try_for_each(|e| batch.push_event(e))
    }

    fn saved(&mut self, after: &mut AfterSave<'_>) {
        let mut slice: &mut [A] = self.as_mut_slice();
        Saveable::saved(&mut slice, after);
    }
}

impl<P: EventPayload> Saveable for DomainEvent<P> {
    fn collect(&self, batch: &mut SaveBatch<'_>) -> Result<(), ApplicationError> {
        batch.push_event(self)
    }

    fn saved(&mut self, _after: &mut AfterSave<'_>) {}
}

impl<T: Saveable + ?Sized> Saveable for Box<T> {
    fn collect(&self, batch: &mut SaveBatch<'_>) -> Result<(), ApplicationError> {
        (**self).collect(batch)
    }

    fn saved(&mut self, after: &mut AfterSave<'_>) {
        (**self).saved(after);
    }
}

impl<T: Saveable> Saveable for Option<T> {
    fn collect(&self, batch: &mut SaveBatch<'_>) -> Result<(), ApplicationError> {
        self.as_ref().map_or(Ok(()), |item| item.collect(batch))
    }

    fn saved(&mut self, after: &mut AfterSave<'_>) {
        if let Some(item) = self {
            item.saved(after);
        }
    }
}

impl<T: Saveable> Saveable for Vec<T> {
    fn collect(&self, batch: &mut SaveBatch<'_>) -> Result<(), ApplicationError> {
        self.iter().try_for_each(|item| item.collect(batch))
    }

    fn saved(&mut self, after: &mut AfterSave<'_>) {
        self.iter_mut().for_each(|item| item.saved(after));
    }
}

impl<T: Saveable, const N: usize> Saveable for [T; N] {
    fn collect(&self, batch: &mut SaveBatch<'_>) -> Result<(), ApplicationError> {
        self.iter().try_for_each(|item| item.collect(batch))
    }

    fn saved(&mut self, after: &mut AfterSave<'_>) {
        self.iter_mut().for_each(|item| item.saved(after));
    }
}

macro_rules! saveable_tuple {
    ($($t:ident . $i:tt),+) => {
        impl<$($t: Saveable),+> Saveable for ($($t,)+) {
            fn collect(&self, batch: &mut SaveBatch<'_>) -> Result<(), ApplicationError> {
                $(self.$i.collect(batch)?;)+
                Ok(())
            }

            fn saved(&mut self, after: &mut AfterSave<'_>) {
                $(self.$i.saved(after);)+
            }
        }
    };
}

saveable_tuple!(T0.0);
saveable_tuple!(T0.0, T1.1);
saveable_tuple!(T0.0, T1.1, T2.2);
saveable_tuple!(T0.0, T1.1, T2.2, T3.3);
saveable_tuple!(T0.0, T1.1, T2.2, T3.3, T4.4);
saveable_tuple!(T0.0, T1.1, T2.2, T3.3, T4.4, T5.5);
saveable_tuple!(T0.0, T1.1, T2.2, T3.3, T4.4, T5.5, T6.6);
saveable_tuple!(T0.0, T1.1, T2.2, T3.3, T4.4, T5.5, T6.6, T7.7);
