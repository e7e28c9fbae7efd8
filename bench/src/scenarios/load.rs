//! Scenario 4: rebuilding aggregates of 5 and of 1,000 events, without and with a snapshot,
//! against the raw driver selecting the same rows.

use eventsourcing_seaorm::application::Application;
use eventsourcing_seaorm::domain::Aggregate;
use eventsourcing_seaorm_tests::world::World;
use uuid::Uuid;

use super::commands::create_worlds;
use super::context::{APP, Context, floor_note, ratio_note};
use crate::BenchError;
use crate::by_hand;
use crate::floor::FloorLoad;
use crate::measure::{Rate, Work, compare};
use crate::raw::RawDb;
use crate::results::Scenario;

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

/// The raw driver's rows decoded by hand ([`crate::by_hand`]): the same fetches as
/// [`RawLoad`], then serde_json and chrono on every state.
pub struct HandLoad<'a> {
    /// The connection.
    pub raw: &'a mut RawDb,
    /// The aggregates, in turn.
    pub ids: &'a [Uuid],
    /// Whether to start from the snapshot.
    pub snapshot: bool,
    /// The next aggregate.
    pub next: usize,
}

impl Work for HandLoad<'_> {
    async fn step(&mut self) -> Result<u64, BenchError> {
        let id = self.ids[self.next % self.ids.len()];
        self.next += 1;
        let (version, history) = by_hand::load(self.raw, APP, id, self.snapshot).await?;
        if history.len() as i64 != version - 1 {
            return Err(BenchError::Check(format!(
                "aggregate {id}: {} things happened by version {version}",
                history.len()
            )));
        }
        Ok(version.unsigned_abs())
    }
}

/// The note of a row that also measured [`HandLoad`] against the raw driver.
fn by_hand_note(hand: Rate, raw: Rate) -> String {
    ratio_note("raw rows decoded by hand (serde_json, chrono)", hand, raw)
}

/// Runs scenario 4.
pub async fn run(cx: &mut Context<'_>) -> Result<(), BenchError> {
    let plain = cx.db.app(APP, false, &[]).await?;
    let snapshotting = cx.db.app(APP, true, &[]).await?;
    let mut raw = cx.db.raw().await?;
    // A connection of its own for the rows decoded by hand, which alternate with `raw`.
    let mut hand_raw = cx.db.raw().await?;
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
            let mut notes = Vec::new();
            let mut floor_load = FloorLoad {
                db: cx.db,
                app: APP,
                ids: &ids,
                snapshot,
                next: 0,
            };
            let (floor, raw_again) =
                compare(&mut floor_load, &mut raw_load, &cx.sizes.plan).await?;
            notes.push(floor_note(floor, raw_again));
            if events == 1000 {
                let mut hand_load = HandLoad {
                    raw: &mut hand_raw,
                    ids: &ids,
                    snapshot,
                    next: 0,
                };
                let (hand, raw_again) =
                    compare(&mut hand_load, &mut raw_load, &cx.sizes.plan).await?;
                notes.push(by_hand_note(hand, raw_again));
            }
            let note = notes.join("; ");
            cx.record(scenario, ours, baseline, note, None);
        }
    }
    raw.close().await;
    hand_raw.close().await;
    Ok(())
}
