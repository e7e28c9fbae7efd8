//! Scenario 4: rebuilding aggregates of 5 and of 1,000 events, without and with a snapshot,
//! against the raw driver selecting the same rows.

use eventsourcing_seaorm::application::Application;
use eventsourcing_seaorm::domain::Aggregate;
use uuid::Uuid;

use super::commands::create_worlds;
use super::{APP, Context, floor_note};
use crate::BenchError;
use crate::floor::FloorLoad;
use crate::measure::{Work, compare};
use crate::raw::RawDb;
use crate::results::Scenario;
use crate::world::World;

/// The library: `repository().get` of the next aggregate in turn.
pub struct OursLoad<'a> {
    /// The application (with snapshotting or not).
    pub app: &'a Application,
    /// The aggregates, in turn.
    pub ids: &'a [Uuid],
    /// The next aggregate.
    pub next: usize,
}

impl Work for OursLoad<'_> {
    async fn step(&mut self) -> Result<u64, BenchError> {
        let id = self.ids[self.next % self.ids.len()];
        self.next += 1;
        let world: World = self.app.repository().get(id).await?;
        Ok(world.version())
    }
}

/// The raw driver: the newest snapshot (when asked) and the events after it.
pub struct RawLoad<'a> {
    /// The connection.
    pub raw: &'a mut RawDb,
    /// The aggregates, in turn.
    pub ids: &'a [Uuid],
    /// Whether to start from the snapshot.
    pub snapshot: bool,
    /// The next aggregate.
    pub next: usize,
}

impl Work for RawLoad<'_> {
    async fn step(&mut self) -> Result<u64, BenchError> {
        let id = self.ids[self.next % self.ids.len()];
        self.next += 1;
        let snapshot = if self.snapshot {
            self.raw.select_snapshot(APP, id).await?
        } else {
            None
        };
        let after = snapshot.as_ref().map(|s| s.version);
        let events = self.raw.select_events(APP, id, after).await?;
        let version = events
            .last()
            .map(|e| e.version)
            .or(after)
            .ok_or_else(|| BenchError::Check(format!("aggregate {id} has no rows")))?;
        Ok(version.unsigned_abs())
    }
}

/// Runs scenario 4.
pub async fn run(cx: &mut Context<'_>) -> Result<(), BenchError> {
    let plain = cx.db.app(APP, false, &[]).await?;
    let snapshotting = cx.db.app(APP, true, &[]).await?;
    let mut raw = cx.db.raw().await?;
    for (events, count, without, with) in [
        (
            5,
            cx.sizes.small_aggregates,
            Scenario::Load5,
            Scenario::Load5Snapshot,
        ),
        (
            1000,
            cx.sizes.large_aggregates,
            Scenario::Load1000,
            Scenario::Load1000Snapshot,
        ),
    ] {
        cx.announce(without);
        let ids = create_worlds(&plain, count, events, "dinosaurs").await?;
        for &id in &ids {
            snapshotting.take_snapshot::<World>(id, None).await?;
        }
        cx.db.analyze().await?;
        for (scenario, app, snapshot) in [(without, &plain, false), (with, &snapshotting, true)] {
            if scenario == with {
                cx.announce(with);
            }
            let mut raw_load = RawLoad {
                raw: &mut raw,
                ids: &ids,
                snapshot,
                next: 0,
            };
            let mut ours_load = OursLoad {
                app,
                ids: &ids,
                next: 0,
            };
            let (ours, baseline) = compare(&mut ours_load, &mut raw_load, &cx.sizes.plan).await?;
            let note = if snapshot {
                String::new()
            } else {
                let mut floor_load = FloorLoad {
                    db: cx.db,
                    app: APP,
                    ids: &ids,
                    next: 0,
                };
                let (floor, raw_again) =
                    compare(&mut floor_load, &mut raw_load, &cx.sizes.plan).await?;
                floor_note(floor, raw_again)
            };
            cx.record(scenario, ours, baseline, note, None);
        }
    }
    raw.close().await;
    Ok(())
}
