//! Scenario 3: the seed's command (load a `World`, `make_it_so`, save) over many aggregates,
//! against the raw driver selecting the aggregate's rows and inserting the next one.

use eventsourcing_seaorm::application::Application;
use eventsourcing_seaorm::domain::Aggregate;
use eventsourcing_seaorm::persistence::NotificationQuery;
use eventsourcing_seaorm_tests::world::{World, world_with_events};
use uuid::Uuid;

use super::context::{APP, Context, RAW_APP};
use crate::BenchError;
use crate::measure::{Work, compare};
use crate::raw::{RawDb, RawEvent};
use crate::results::Scenario;
use crate::templates::Templates;

/// Saves this many new aggregates of `events` events each with the library, a batch of
/// aggregates per save, and returns their ids.
pub async fn create_worlds(
    app: &Application,
    count: usize,
    events: usize,
    what: &str,
) -> Result<Vec<Uuid>, BenchError> {
    let per_save = (1000 / events.max(1)).clamp(1, 250);
    let mut ids = Vec::with_capacity(count);
    while ids.len() < count {
        let mut batch: Vec<World> = (0..per_save.min(count - ids.len()))
            .map(|_| world_with_events(events, what))
            .collect();
        ids.extend(batch.iter().map(|w| w.id()));
        app.save(batch.iter_mut().collect::<Vec<&mut World>>())
            .await?;
    }
    Ok(ids)
}

/// Saves this many new one-event worlds with the library (an upstream log for the process
/// applications and projections to read) and returns the first and last notification ids of
/// the application's log.
pub async fn seed_log(app: &Application, count: usize) -> Result<(u64, u64), BenchError> {
    create_worlds(app, count, 1, "").await?;
    let recorder = app.recorder();
    let first = recorder
        .select_notifications(&NotificationQuery::new(None, 1))
        .await?
        .first()
        .map(|n| n.id);
    let last = recorder.max_notification_id().await?;
    match (first, last) {
        (Some(first), Some(last)) => Ok((first, last)),
        _ => Err(BenchError::Check(format!(
            "{} recorded no events",
            app.name()
        ))),
    }
}

/// Inserts this many one-row aggregates with the raw driver, 100 per transaction.
pub async fn create_raw_worlds(
    raw: &mut RawDb,
    templates: &Templates,
    count: usize,
) -> Result<Vec<Uuid>, BenchError> {
    let ids: Vec<Uuid> = (0..count).map(|_| Uuid::new_v4()).collect();
    for chunk in ids.chunks(100) {
        let rows: Vec<RawEvent<'_>> = chunk
            .iter()
            .map(|&originator_id| RawEvent {
                originator_id,
                version: 1,
                topic: &templates.created.topic,
                state: &templates.created.state,
            })
            .collect();
        raw.append(RAW_APP, &rows, true).await?;
    }
    Ok(ids)
}

/// The library: load, one event, save, on the next aggregate in turn.
pub struct OursCommand<'a> {
    /// The application.
    pub app: &'a Application,
    /// The aggregates, in turn.
    pub ids: &'a [Uuid],
    /// What happens.
    pub what: &'a str,
    /// The next aggregate.
    pub next: usize,
    /// Through `Application::execute` rather than `get` and `save` written out
    /// (`bin/execute.rs` compares the two).
    pub execute: bool,
}

impl Work for OursCommand<'_> {
    async fn step(&mut self) -> Result<u64, BenchError> {
        let id = self.ids[self.next % self.ids.len()];
        self.next += 1;
        if self.execute {
            let what = self.what;
            self.app
                .execute::<World, _>(id, |world| world.make_it_so(what.to_owned()))
                .await
                .map_err(|e| BenchError::Check(format!("execute: {e}")))?;
        } else {
            let mut world: World = self.app.get(id).await?;
            world.make_it_so(self.what.to_owned());
            self.app.save(&mut world).await?;
        }
        Ok(1)
    }
}

/// The raw driver: select the aggregate's rows, insert the next version.
pub struct RawCommand<'a> {
    /// The connection.
    pub raw: &'a mut RawDb,
    /// The application whose rows these are.
    pub app: &'a str,
    /// The aggregates, in turn.
    pub ids: &'a [Uuid],
    /// The inserted row's bytes.
    pub templates: &'a Templates,
    /// The next aggregate.
    pub next: usize,
}

impl Work for RawCommand<'_> {
    async fn step(&mut self) -> Result<u64, BenchError> {
        let originator_id = self.ids[self.next % self.ids.len()];
        self.next += 1;
        let rows = self
            .raw
            .select_events(self.app, originator_id, None)
            .await?;
        let version = rows.last().map_or(0, |row| row.version) + 1;
        let event = RawEvent {
            originator_id,
            version,
            topic: &self.templates.happened.topic,
            state: &self.templates.happened.state,
        };
        self.raw.append(self.app, &[event], true).await?;
        Ok(1)
    }
}

/// Runs scenario 3.
pub async fn run(cx: &mut Context<'_>) -> Result<(), BenchError> {
    let scenario = Scenario::Commands;
    cx.announce(scenario);
    let app = cx.db.app(APP, false, &[]).await?;
    let templates = Templates::new(&app, "trucks")?;
    let mut raw = cx.db.raw().await?;
    let count = cx.sizes.command_aggregates;
    let ours_ids = create_worlds(&app, count, 1, "").await?;
    let raw_ids = create_raw_worlds(&mut raw, &templates, count).await?;
    let (ours, baseline) = compare(
        &mut OursCommand {
            app: &app,
            ids: &ours_ids,
            what: "trucks",
            next: 0,
            execute: false,
        },
        &mut RawCommand {
            raw: &mut raw,
            app: RAW_APP,
            ids: &raw_ids,
            templates: &templates,
            next: 0,
        },
        &cx.sizes.plan,
    )
    .await?;
    cx.record(scenario, ours, baseline, String::new(), None);
    raw.close().await;
    Ok(())
}
