//! Issue 24's rows: a projection runner keeping a read model of the bench's own up to date,
//! against the raw driver doing the same statements; and the lag from a save's commit to the
//! read model (`projection_lag.rs`).
//!
//! The upstream application holds one-event worlds. The projection ([`WorldsView`]) decodes
//! each event and upserts one row per world (its id, what last happened in it, its version)
//! with SeaORM's query builder; its runner writes 100 events per transaction with their tracking
//! rows. The raw driver does a runner's statements, batch by batch: the select of the next 100
//! notifications after its position (the follower's select), `BEGIN`, the same upsert text once
//! per event (the state decoded with serde_json, `by_hand::event_what`), the tracking rows'
//! `INSERT`, `COMMIT` (`projection_baseline.rs`). Each repetition is one pass over the whole
//! log, from a runner's `start` until `wait` for the last notification returns, the read model
//! and tracking emptied before it (untimed); the sides alternate, and the pair whose ratio is
//! the median is recorded. The row's note has a third pass per repetition: the raw side's
//! statements with the writes sent through SeaORM's transaction.

use std::time::{Duration, Instant};

use eventsourcing_seaorm::application::Application;
use eventsourcing_seaorm::system::ProjectionRunner;

use super::commands::seed_log;
use super::context::{Context, ratio_note};
use super::projection_baseline::{self as baseline, Baseline, Writes};
use super::projection_lag;
use super::projection_view::{BATCH_SIZE, WorldsView, create_view, settle, upsert, view_rows};
use crate::BenchError;
use crate::format::thousands;
use crate::measure::{Sample, median_pair};
use crate::results::Scenario;
use crate::target::Database;

/// The upstream application of the throughput rows.
const UPSTREAM: &str = "BenchProjected";
/// The raw side's name in the tracking table.
const RAW_PROJECTION: &str = "BenchRawProjection";
/// The name in the tracking table of the raw side's statements sent through SeaORM.
const FLOOR_PROJECTION: &str = "BenchFloorProjection";
/// The read model the library writes in the throughput rows.
const VIEW: &str = "bench_projection_view";
/// The read model the raw driver writes.
const RAW_VIEW: &str = "bench_projection_raw_view";
/// The read model the raw side's statements sent through SeaORM write.
const FLOOR_VIEW: &str = "bench_projection_floor_view";
/// How long a pass over the log may take before the runner is taken to be stuck.
const CAUGHT_UP: Duration = Duration::from_secs(600);

/// The upstream log of the throughput rows: its application, how many events it holds, and
/// its last notification id.
struct Upstream {
    app: Application,
    count: usize,
    last: u64,
}

/// Records `count` one-event worlds upstream and reads where the log ends.
async fn seed_upstream(db: &Database, count: usize) -> Result<Upstream, BenchError> {
    let app = db.app(UPSTREAM, false, &[]).await?;
    let (first, last) = seed_log(&app, count).await?;
    if last - first + 1 != count as u64 {
        return Err(BenchError::Check(format!(
            "the upstream log runs from {first} to {last}, not over {count} events"
        )));
    }
    Ok(Upstream { app, count, last })
}

/// One pass of the library's runner over the whole log, from an empty read model (its
/// projection's `clear`).
async fn ours_pass(
    db: &Database,
    runner: &ProjectionRunner<WorldsView>,
    upstream: &Upstream,
) -> Result<Sample, BenchError> {
    runner.reset().await?;
    settle(db).await?;
    let start = Instant::now();
    runner.start().await?;
    runner.wait(upstream.last, CAUGHT_UP).await?;
    let elapsed = start.elapsed();
    runner
        .stop()
        .await
        .map_err(|error| BenchError::Check(format!("the projection stopped: {error}")))?;
    Ok(Sample {
        steps: (upstream.count as u64).div_ceil(BATCH_SIZE),
        events: upstream.count as u64,
        elapsed,
    })
}

/// Runs issue 24's rows: the throughput, then the lags.
pub async fn run(cx: &mut Context<'_>) -> Result<(), BenchError> {
    throughput(cx).await?;
    projection_lag::run(cx).await
}

/// The throughput row.
async fn throughput(cx: &mut Context<'_>) -> Result<(), BenchError> {
    let scenario = Scenario::ProjectionThroughput;
    let count = cx.sizes.projection_events;
    let upstream = seed_upstream(cx.db, count).await?;
    cx.db.analyze().await?;
    let view = cx.db.own_table(VIEW);
    let backend = cx.db.store.dialect().backend;
    let mut baselines = Vec::new();
    for (name, table, writes) in [
        (RAW_PROJECTION, RAW_VIEW, Writes::Raw),
        (FLOOR_PROJECTION, FLOOR_VIEW, Writes::SeaOrm),
    ] {
        let table = cx.db.own_table(table);
        create_view(cx.db, &table).await?;
        let upsert = backend
            .build(&upsert(&table, String::new(), String::new(), 0)?)
            .sql
            .into();
        baselines.push(Baseline {
            name,
            table,
            upsert,
            writes,
        });
    }
    let [raw_baseline, floor_baseline] = &baselines[..] else {
        return Err(BenchError::Check("two baselines".into()));
    };
    create_view(cx.db, &view).await?;
    cx.announce(scenario);
    let runner = ProjectionRunner::new(WorldsView::new(&view), &upstream.app, cx.db.store.clone())?
        .batch_size(BATCH_SIZE);
    let mut raw = cx.db.raw().await?;
    let mut pairs = Vec::new();
    let mut floors = Vec::new();
    for repetition in 0..cx.sizes.plan.repetitions.max(1) {
        let raw_pass = |raw| baseline::pass(cx.db, raw, raw_baseline, UPSTREAM, upstream.last);
        let (ours, theirs) = if repetition % 2 == 0 {
            let ours = ours_pass(cx.db, &runner, &upstream).await?;
            (ours, raw_pass(&mut raw).await?)
        } else {
            let theirs = raw_pass(&mut raw).await?;
            (ours_pass(cx.db, &runner, &upstream).await?, theirs)
        };
        let floor =
            baseline::pass(cx.db, &mut raw, floor_baseline, UPSTREAM, upstream.last).await?;
        pairs.push((ours.rate(), theirs.rate()));
        floors.push((floor.rate(), theirs.rate()));
    }
    raw.close().await;
    let (ours, baseline) = median_pair(pairs);
    let (floor, floor_raw) = median_pair(floors);
    let mut check = Ok(());
    for table in [&view, &raw_baseline.table, &floor_baseline.table] {
        let rows = view_rows(cx.db, table).await?;
        if rows != count as i64 {
            check = Err(format!(
                "the read model {table} has {rows} rows, not {count}"
            ));
        }
    }
    let note = format!(
        "{} one-event worlds per pass; {}",
        thousands(count),
        ratio_note(
            "the raw side's writes through SeaORM's DatabaseTransaction",
            floor,
            floor_raw
        ),
    );
    cx.record(scenario, ours, baseline, note, Some(check));
    Ok(())
}
