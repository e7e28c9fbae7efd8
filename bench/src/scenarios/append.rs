//! Scenarios 1 and 2: new aggregates saved with 1, 10 and 100 events per save, against the raw
//! driver inserting as many rows per transaction.

use eventsourcing_seaorm::application::Application;
use eventsourcing_seaorm_tests::world::world_with_events;
use uuid::Uuid;

use super::context::{APP, Context, RAW_APP, floor_note};
use crate::BenchError;
use crate::floor::FloorAppend;
use crate::measure::{Work, compare};
use crate::raw::RawDb;
use crate::results::Scenario;
use crate::templates::Templates;

/// The library: a new `World` with `events` events, saved.
pub struct OursAppend<'a> {
    /// The application.
    pub app: &'a Application,
    /// Events per save.
    pub events: usize,
}

impl Work for OursAppend<'_> {
    async fn step(&mut self) -> Result<u64, BenchError> {
        let mut world = world_with_events(self.events, "dinosaurs");
        self.app.save(&mut world).await?;
        Ok(self.events as u64)
    }
}

/// The raw driver: the same rows for a new originator in one transaction.
pub struct RawAppend<'a> {
    /// The connection.
    pub raw: &'a mut RawDb,
    /// The rows' bytes.
    pub templates: &'a Templates,
    /// Rows per transaction.
    pub events: usize,
}

impl Work for RawAppend<'_> {
    async fn step(&mut self) -> Result<u64, BenchError> {
        let rows = self.templates.rows(Uuid::new_v4(), self.events);
        self.raw.append(RAW_APP, &rows, true).await?;
        Ok(self.events as u64)
    }
}

/// Runs scenarios 1 and 2.
pub async fn run(cx: &mut Context<'_>) -> Result<(), BenchError> {
    let app = cx.db.app(APP, false, &[]).await?;
    let templates = Templates::new(&app, "dinosaurs")?;
    let mut raw = cx.db.raw().await?;
    for (scenario, events) in [
        (Scenario::Append1, 1),
        (Scenario::Append10, 10),
        (Scenario::Append100, 100),
    ] {
        cx.announce(scenario);
        let mut raw_append = RawAppend {
            raw: &mut raw,
            templates: &templates,
            events,
        };
        let (ours, baseline) = compare(
            &mut OursAppend { app: &app, events },
            &mut raw_append,
            &cx.sizes.plan,
        )
        .await?;
        let note = if events == 1 {
            let mut floor_append = FloorAppend {
                db: cx.db,
                app: RAW_APP,
                templates: &templates,
                events,
            };
            let (floor, raw_again) =
                compare(&mut floor_append, &mut raw_append, &cx.sizes.plan).await?;
            floor_note(floor, raw_again)
        } else {
            String::new()
        };
        cx.record(scenario, ours, baseline, note, None);
    }
    raw.close().await;
    Ok(())
}
