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
        let mut failure = None;
        let mut decode = |stored: StoredEventRef<'_>| match self.mapper.decode_event(stored) {
            Ok(event) => {
                events.push(event);
                ControlFlow::Continue(())
            }
            Err(error) => {
                failure = Some(error);
                ControlFlow::Break(())
            }
        };
        self.recorder
            .visit_events(originator_id, query, &mut decode)
            .await?;
        match failure {
            Some(error) => Err(error.into()),
            None => Ok(events),
        }
    }
}
