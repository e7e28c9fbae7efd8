//! The rows the raw driver writes, made by the library's mapper from the seed's events, so that
//! both sides of a comparison store the same bytes.

use eventsourcing_seaorm::application::Application;
use eventsourcing_seaorm::domain::Aggregate;
use eventsourcing_seaorm::persistence::StoredEvent;
use eventsourcing_seaorm_tests::world::world_with_events;
use uuid::Uuid;

use crate::BenchError;
use crate::raw::RawEvent;

/// The rows the raw driver writes, taken from what the library's mapper makes of the seed's
/// events, so that both sides store the same bytes.
#[derive(Debug, Clone)]
pub struct Templates {
    /// A `Created` event.
    pub created: StoredEvent,
    /// A `SomethingHappened` event.
    pub happened: StoredEvent,
}

impl Templates {
    /// The rows this application's mapper makes of `Created` and `SomethingHappened(what)`.
    pub fn new(app: &Application, what: &str) -> Result<Self, BenchError> {
        let world = world_with_events(2, what);
        let [created, happened] = world.pending_events() else {
            return Err(BenchError::Check(
                "a new world has two pending events".into(),
            ));
        };
        Ok(Self {
            created: app
                .mapper()
                .to_stored_event(created)
                .map_err(|e| BenchError::Check(format!("mapping a Created event: {e}")))?,
            happened: app.mapper().to_stored_event(happened).map_err(|e| {
                BenchError::Check(format!("mapping a SomethingHappened event: {e}"))
            })?,
        })
    }

    /// The rows of a new aggregate `originator_id` of `events` events: `Created`, then
    /// `SomethingHappened`.
    pub fn rows(&self, originator_id: Uuid, events: usize) -> Vec<RawEvent<'_>> {
        (1..=events)
            .map(|version| {
                let template = if version == 1 {
                    &self.created
                } else {
                    &self.happened
                };
                RawEvent {
                    originator_id,
                    version: version as i64,
                    topic: &template.topic,
                    state: &template.state,
                }
            })
            .collect()
    }
}
