//! Issue 24's lag rows: how long after a save commits the read model has it, while a writer
//! saves one-event worlds at a steady 1,000 saves a second.
//!
//! A writer application saves from [`WRITER_TASKS`] tasks, each paced on its own schedule, and
//! records for each save the instant `save` returned (its commit) and its notification id. A
//! watcher of the runner's [`positions`](ProjectionRunner::positions) records the instant each
//! position was first published. A save's lag is the instant its id was first covered less
//! the instant it committed. Three ways of waking the runner:
//!
//! - polling: the writer is an application on a pool of its own (as another process would
//!   be), so its saves wake nothing in this process; the runner polls every 50 ms;
//! - `NOTIFY` (PostgreSQL): writer and runner's upstream application are on stores made
//!   `with_notifications()`, on separate pools; the runner polls once an hour;
//! - in-process: the runner's upstream application is the writer itself, whose saves wake it.

use std::time::{Duration, Instant};

use eventsourcing_seaorm::application::Application;
use eventsourcing_seaorm::seaorm::SeaOrmStore;
use eventsourcing_seaorm::system::ProjectionRunner;
use eventsourcing_seaorm_tests::world::World;
use tokio::sync::oneshot;
use tokio::task::JoinSet;

use super::context::Context;
use super::projection_view::{WorldsView, create_view};
use crate::BenchError;
use crate::args::Backend;
use crate::format::thousands;
use crate::measure::median;
use crate::results::{Latency, Scenario, ms};
use crate::target::Database;

/// Saves per second.
const SAVES_PER_SECOND: u32 = 1000;
/// Tasks the writer saves from (one save at a time each), so that a save slower than a
/// millisecond does not make the writer fall behind its schedule.
const WRITER_TASKS: u32 = 4;
/// Saves before the measurement, waited for: the pools open their connections and the
/// statements are prepared.
const WARMUP_SAVES: usize = 50;
/// The poll interval of the runner that polls.
const POLL_INTERVAL: Duration = Duration::from_millis(50);
/// The poll interval of the runner woken by `NOTIFY`: in effect, never.
const NO_POLL: Duration = Duration::from_secs(3600);
/// How long the runner may take to reach the last save.
const CATCH_UP: Duration = Duration::from_secs(60);
/// The read model of the lag rows.
const VIEW: &str = "bench_projection_lag_view";

/// How the runner learns of new saves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Wake {
    /// It polls every [`POLL_INTERVAL`].
    Poll,
    /// PostgreSQL's `NOTIFY` from the writer's saves.
    Notify,
    /// The saves of its upstream application, which is the writer.
    InProcess,
}

impl Wake {
    fn scenario(self) -> Scenario {
        match self {
            Wake::Poll => Scenario::ProjectionLagPoll,
            Wake::Notify => Scenario::ProjectionLagNotify,
            Wake::InProcess => Scenario::ProjectionLagInProcess,
        }
    }

    /// The upstream application's name: one log per way, so that each runner starts at the
    /// log's end.
    fn upstream(self) -> &'static str {
        match self {
            Wake::Poll => "BenchLagPolled",
            Wake::Notify => "BenchLagNotified",
            Wake::InProcess => "BenchLagInProcess",
        }
    }
}

/// Runs the lag rows: polling and in-process on every backend, `NOTIFY` on PostgreSQL.
pub(super) async fn run(cx: &mut Context<'_>) -> Result<(), BenchError> {
    let view = cx.db.own_table(VIEW);
    create_view(cx.db, &view).await?;
    let mut ways = vec![Wake::Poll];
    if cx.db.target.backend == Backend::Postgres {
        ways.push(Wake::Notify);
    }
    ways.push(Wake::InProcess);
    for wake in ways {
        cx.announce(wake.scenario());
        let (latency, note) = measure(cx.db, &view, wake, cx.sizes.lag_time).await?;
        cx.record_latency(wake.scenario(), latency, note);
    }
    Ok(())
}

/// An application named `name` on `store`, built as [`Database::app`] builds one.
async fn app_on(store: SeaOrmStore, name: &str) -> Result<Application, BenchError> {
    Ok(Application::builder(name)
        .environment([("", ""); 0])
        .section_size(1000)
        .store(store)
        .build()
        .await?)
}

/// Saves a new one-event world and returns its notification id.
async fn save_world(writer: &Application) -> Result<u64, BenchError> {
    let mut world = World::create();
    let recorded = writer.save(&mut world).await?;
    recorded
        .last()
        .map(|recording| recording.notification_id)
        .ok_or_else(|| BenchError::Check("a save recorded nothing".into()))
}

/// Measures one way of waking the runner: the lags' percentiles, and the row's note.
async fn measure(
    db: &Database,
    view: &str,
    wake: Wake,
    time: Duration,
) -> Result<(Latency, String), BenchError> {
    let name = wake.upstream();
    let mut writer_store = db.second_store().await?;
    if wake == Wake::Notify {
        writer_store = writer_store.with_notifications();
    }
    let writer = app_on(writer_store.clone(), name).await?;
    let upstream = match wake {
        Wake::Poll => app_on(db.store.clone(), name).await?,
        Wake::Notify => app_on(db.store.clone().with_notifications(), name).await?,
        Wake::InProcess => writer.clone(),
    };
    let poll_interval = match wake {
        Wake::Notify => NO_POLL,
        Wake::Poll | Wake::InProcess => POLL_INTERVAL,
    };
    let runner = ProjectionRunner::new(WorldsView::new(view), &upstream, db.store.clone())?
        .poll_interval(poll_interval);
    runner.start().await?;
    let measured = measure_running(&runner, &writer, time).await;
    let stopped = runner.stop().await;
    drop((runner, upstream, writer));
    let _ = writer_store.connection().clone().close().await;
    stopped.map_err(|error| BenchError::Check(format!("the projection stopped: {error}")))?;
    let (commits, reached, elapsed) = measured?;
    let lags = lags(&commits, &reached)?;
    let latency =
        Latency::of(lags).ok_or_else(|| BenchError::Check("no save was measured".into()))?;
    let rate = commits.len() as f64 / elapsed.as_secs_f64().max(1e-9);
    let gaps: Vec<f64> = reached
        .windows(2)
        .map(|pair| (pair[1].0 - pair[0].0).as_secs_f64() * 1000.0)
        .collect();
    let note = format!(
        "{} saves at {:.0} saves/s ({} tasks); max {} ms; {} positions published, {:.1} ms apart \
         (median)",
        thousands(commits.len()),
        rate,
        WRITER_TASKS,
        ms(latency.max),
        thousands(reached.len()),
        median(&gaps),
    );
    Ok((latency, note))
}

/// A save's notification id and the instant its `save` returned.
type Commit = (u64, Instant);
/// The instant a position was first published, and the position.
type Reached = (Instant, Option<u64>);

/// With the runner started: the warm-up saves, then the paced saves with the positions
/// watched; returns the commits, the positions and how long the saves took.
async fn measure_running(
    runner: &ProjectionRunner<WorldsView>,
    writer: &Application,
    time: Duration,
) -> Result<(Vec<Commit>, Vec<Reached>, Duration), BenchError> {
    let mut last = 0;
    for _ in 0..WARMUP_SAVES {
        last = save_world(writer).await?;
    }
    runner.wait(last, CATCH_UP).await?;
    let mut positions = runner.positions();
    // Told the last save's id, the watcher goes on until it has seen a position covering it
    // (`wait` may see it first); dropped unsent, it stops.
    let (until, mut told) = oneshot::channel::<u64>();
    let watcher = tokio::spawn(async move {
        let mut reached: Vec<Reached> = Vec::new();
        let mut last_id = None;
        loop {
            let covered = reached.last().and_then(|(_, position)| *position);
            if last_id.is_some() && covered >= last_id {
                break;
            }
            tokio::select! {
                biased;
                changed = positions.changed() => {
                    if changed.is_err() {
                        break;
                    }
                    let position = *positions.borrow_and_update();
                    reached.push((Instant::now(), position));
                }
                id = &mut told, if last_id.is_none() => match id {
                    Ok(id) => last_id = Some(id),
                    Err(_) => break,
                },
            }
        }
        reached
    });
    let start = Instant::now();
    let commits = write_paced(writer, time).await;
    let elapsed = start.elapsed();
    let newest = commits
        .as_ref()
        .ok()
        .and_then(|commits| commits.iter().map(|(id, _)| *id).max());
    let waited = match newest {
        Some(newest) => {
            let waited = runner.wait(newest, CATCH_UP).await;
            if waited.is_ok() {
                let _ = until.send(newest);
            }
            waited.map_err(BenchError::from)
        }
        None => Ok(()),
    };
    let reached = watcher
        .await
        .map_err(|e| BenchError::Check(format!("the watcher of the positions: {e}")))?;
    waited?;
    Ok((commits?, reached, elapsed))
}

/// Saves one-event worlds for `time` at [`SAVES_PER_SECOND`], from [`WRITER_TASKS`] tasks each
/// on its own schedule (a task that falls behind catches up at once); returns each save's
/// notification id and the instant it returned.
async fn write_paced(writer: &Application, time: Duration) -> Result<Vec<Commit>, BenchError> {
    let period = Duration::from_secs(1) * WRITER_TASKS / SAVES_PER_SECOND;
    let per_task = (time.as_secs_f64() * f64::from(SAVES_PER_SECOND / WRITER_TASKS)) as usize;
    let start = tokio::time::Instant::now();
    let mut tasks = JoinSet::new();
    for task in 0..WRITER_TASKS {
        let writer = writer.clone();
        let first = start + period * task / WRITER_TASKS;
        tasks.spawn(async move {
            let mut schedule = tokio::time::interval_at(first, period);
            let mut commits = Vec::with_capacity(per_task);
            for _ in 0..per_task {
                schedule.tick().await;
                let id = save_world(&writer).await?;
                commits.push((id, Instant::now()));
            }
            Ok::<_, BenchError>(commits)
        });
    }
    let mut commits = Vec::new();
    while let Some(joined) = tasks.join_next().await {
        let task = joined.map_err(|e| BenchError::Check(format!("a writer task: {e}")))?;
        commits.extend(task?);
    }
    Ok(commits)
}

/// Each save's lag: from its commit to the first position that covers its id (zero when the
/// position was published before `save` returned).
fn lags(commits: &[Commit], reached: &[Reached]) -> Result<Vec<Duration>, BenchError> {
    commits
        .iter()
        .map(|&(id, committed)| {
            let first = reached.partition_point(|(_, position)| position.is_none_or(|p| p < id));
            let (at, _) = reached.get(first).ok_or_else(|| {
                BenchError::Check(format!("no position reached notification {id}"))
            })?;
            Ok(at.saturating_duration_since(committed))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lag_runs_to_the_first_position_covering_the_save() {
        let t0 = Instant::now();
        let at = |ms: u64| t0 + Duration::from_millis(ms);
        let reached = [(at(5), None), (at(10), Some(3)), (at(30), Some(7))];
        let commits = [(2, at(1)), (3, at(2)), (4, at(4)), (7, at(29))];
        let measured = lags(&commits, &reached).unwrap();
        let ms: Vec<u128> = measured.iter().map(Duration::as_millis).collect();
        assert_eq!(ms, [9, 8, 26, 1]);
        assert!(lags(&[(8, at(31))], &reached).is_err());
    }
}
