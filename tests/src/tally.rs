//! The `Tally` of the system tests: how many events a world has had, kept by a process
//! application that follows `Worlds`. It is the Python `Tally` of `python/system_domain.py`, with
//! its topics (`system_domain:Tally`, `system_domain:Tally.Started`,
//! `system_domain:Tally.Counted`), so that a Rust follower continues tallies a Python one
//! started, and the other way round. With the two steps of a tallying policy.

use eventsourcing_seaorm::application::ApplicationError;
use eventsourcing_seaorm::system::{ProcessingEvent, UpstreamEvent};
use eventsourcing_seaorm::{aggregate, event};
use uuid::Uuid;

use crate::world::WorldEvent;

/// How many events a world has had, and what happened last; its id is the world's.
#[aggregate(topic_module = "system_domain")]
#[derive(Debug)]
pub struct Tally {
    /// Events counted.
    pub count: u64,
    /// The last `what`.
    pub last: Option<String>,
}

#[aggregate]
impl Tally {
    /// The id of the tally of a world: the world's.
    pub fn create_id(world_id: &Uuid) -> Uuid {
        *world_id
    }

    /// A tally of a world, at 0 (a `Started` event with the world's id).
    #[event("Started")]
    pub fn start(world_id: Uuid) -> Self {
        let _ = world_id;
        Self {
            count: 0,
            last: None,
        }
    }

    /// Counts one event of the world, and what happened in it (Python's `Tally.add`).
    #[event("Counted")]
    pub fn count(&mut self, what: Option<String>) {
        self.count += 1;
        if what.is_some() {
            self.last = what;
        }
    }
}

/// One event of a world, as a tallying policy sees it: the world's id, and what happened
/// (`None` for its creation); `None` for an upstream event of another type.
pub fn world_event(
    event: &UpstreamEvent,
) -> Result<Option<(Uuid, Option<String>)>, ApplicationError> {
    let Some(event) = event.decode::<WorldEvent>()? else {
        return Ok(None);
    };
    let what = match event.payload {
        WorldEvent::Created {} => None,
        WorldEvent::SomethingHappened { what } => Some(what),
    };
    Ok(Some((event.originator_id, what)))
}

/// Counts one event of `world` in the processing: the world's tally (as collected, or stored,
/// or a new one), counted and collected.
pub async fn count_in(
    processing: &mut ProcessingEvent,
    world: Uuid,
    what: Option<String>,
) -> Result<(), ApplicationError> {
    let mut tally = match processing.get::<Tally>(world).await {
        Err(error) if error.is_not_found() => Tally::start(world),
        other => other?,
    };
    tally.count(what);
    processing.collect(tally);
    Ok(())
}
