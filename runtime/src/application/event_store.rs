use std::ops::ControlFlow;
use std::sync::Arc;

use uuid::Uuid;

use super::ApplicationError;
use crate::domain::{DomainEvent, EventPayload};
use crate::persistence::{AggregateRecorder, EventQuery, Mapper, StoredEvent, StoredEventRef};

/// Domain events in and out of a recorder, through a mapper (the Python `EventStore`).
#[derive(Debug, Clone)]
pub struct EventStore {
    mapper: Arc<Mapper>,
    recorder: Arc<dyn AggregateRecorder>,
}

impl EventStore {
    /// An event store over this mapper and recorder.
    pub fn new(mapper: Arc<Mapper>, recorder: Arc<dyn AggregateRecorder>) -> Self {
        Self { mapper, recorder }
    }

    /// The mapper.
    pub fn mapper(&self) -> &Mapper {
        &self.mapper
    }

    pub(crate) fn mapper_arc(&self) -> Arc<Mapper> {
        self.mapper.clone()
    }

    /// The recorder.
    pub fn recorder(&self) -> &Arc<dyn AggregateRecorder> {
        &self.recorder
    }

    /// Maps and records events in one atomic write; returns their notification ids.
    pub async fn put<P: EventPayload>(
        &self,
        events: &[DomainEvent<P>],
    ) -> Result<Vec<u64>, ApplicationError> {
        let stored = events
            .iter()
            .map(|e| self.mapper.to_stored_event(e))
            .collect::<Result<Vec<StoredEvent>, _>>()?;
        Ok(self.recorder.insert_events(&stored).await?)
    }

    /// Selects and maps the events of one aggregate.
    pub async fn get<P: EventPayload>(
        &self,
        originator_id: Uuid,
        query: EventQuery,
    ) -> Result<Vec<DomainEvent<P>>, ApplicationError> {
        let mut events = Vec::new();
        self.for_each(originator_id, query, |event| {
            events.push(event);
            Ok(())
        })
        .await?;
        Ok(events)
    }

    /// Selects the events of one aggregate and hands each to `each` as soon as it is mapped,
    /// in order, without collecting the mapped events first (the recorder may still have read
    /// all the rows; on PostgreSQL and MySQL rows are handed over as they are read, so rows
    /// before a database error part-way through are handed over before the error is
    /// returned). Stops at the first error: a row the recorder cannot read, one the mapper
    /// cannot map, or an error `each` returns.
    pub async fn for_each<P: EventPayload>(
        &self,
        originator_id: Uuid,
        query: EventQuery,
        mut each: impl FnMut(DomainEvent<P>) -> Result<(), ApplicationError> + Send,
    ) -> Result<(), ApplicationError> {
        let mut failure = None;
        let mut decode = |stored: StoredEventRef<'_>| {
            let handled = self
                .mapper
                .decode_event(stored)
                .map_err(ApplicationError::from)
                .and_then(&mut each);
            match handled {
                Ok(()) => ControlFlow::Continue(()),
                Err(error) => {
                    failure = Some(error);
                    ControlFlow::Break(())
                }
            }
        };
        self.recorder
            .visit_events(originator_id, query, &mut decode)
            .await?;
        failure.map_or(Ok(()), Err)
    }
}
