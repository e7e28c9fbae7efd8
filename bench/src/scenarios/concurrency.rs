//! Scenario 7: 1, 4 and 16 concurrent writers on distinct aggregates (one new aggregate, one
//! event, per save), the library sharing one application and pool against the raw driver with
//! a connection per writer; and a check that notification ids never interleave while they
//! write: each save's ids are consecutive, and a reader tailing `id > last seen` sees every id.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use eventsourcing_seaorm::application::Application;
use eventsourcing_seaorm::persistence::NotificationQuery;
use eventsourcing_seaorm_tests::world::{World, world_with_events};
use tokio::task::JoinHandle;
use uuid::Uuid;

use super::context::Context;
use crate::BenchError;
use crate::args::Backend;
use crate::format::si;
use crate::measure::{Rate, Sample, median_rate};
use crate::raw::{RawDb, RawEvent};
use crate::results::Scenario;
use crate::templates::Templates;

/// The library's application in this scenario.
const APP: &str = "Conc";
/// The raw driver's application in this scenario.
const RAW_APP: &str = "ConcRaw";
/// Writer counts, as in the issue.
const WRITERS: [usize; 3] = [1, 4, 16];
/// Events per save in the order check (so that "consecutive" means something).
const CHECK_EVENTS_PER_SAVE: usize = 10;

fn joined<T>(result: Result<T, tokio::task::JoinError>) -> Result<T, BenchError> {
    result.map_err(|e| BenchError::Check(format!("a writer task failed: {e}")))
}

async fn ours_writers(
    app: &Arc<Application>,
    writers: usize,
    time: Duration,
) -> Result<Sample, BenchError> {
    let start = Instant::now();
    let deadline = start + time;
    let tasks: Vec<JoinHandle<Result<u64, BenchError>>> = (0..writers)
        .map(|_| {
            let app = app.clone();
            tokio::spawn(async move {
                let mut saves = 0;
                while Instant::now() < deadline {
                    let mut world = World::create();
                    app.save(&mut world).await?;
                    saves += 1;
                }
                Ok(saves)
            })
        })
        .collect();
    let mut events = 0;
    for task in tasks {
        events += joined(task.await)??;
    }
    Ok(Sample {
        steps: events,
        events,
        elapsed: start.elapsed(),
    })
}

/// Whether the database aborted the transaction to break a deadlock (SQLSTATE 40001 or
/// 40P01).
fn is_deadlock(error: &BenchError) -> bool {
    let BenchError::Sqlx { source, .. } = error else {
        return false;
    };
    source
        .as_database_error()
        .and_then(|e| e.code())
        .is_some_and(|code| code == "40001" || code == "40P01")
}

async fn raw_writers(
    mut raws: Vec<RawDb>,
    writers: usize,
    time: Duration,
    lock: bool,
    templates: &Arc<Templates>,
) -> Result<(Vec<RawDb>, Sample), BenchError> {
    let idle = raws.split_off(writers.min(raws.len()));
    let start = Instant::now();
    let deadline = start + time;
    let tasks: Vec<JoinHandle<Result<(RawDb, u64), BenchError>>> = raws
        .into_iter()
        .map(|mut raw| {
            let templates = templates.clone();
            tokio::spawn(async move {
                let mut saves = 0;
                while Instant::now() < deadline {
                    let row = RawEvent {
                        originator_id: Uuid::new_v4(),
                        version: 1,
                        topic: &templates.created.topic,
                        state: &templates.created.state,
                    };
                    match raw.append(RAW_APP, &[row], lock).await {
                        Ok(_) => saves += 1,
                        // As the recorder does: a transaction the database aborted to break a
                        // deadlock is tried again (MariaDB, rarely).
                        Err(error) if is_deadlock(&error) => {}
                        Err(error) => return Err(error),
                    }
                }
                Ok((raw, saves))
            })
        })
        .collect();
    let mut events = 0;
    let mut back = Vec::with_capacity(writers + idle.len());
    for task in tasks {
        let (raw, saves) = joined(task.await)??;
        back.push(raw);
        events += saves;
    }
    let elapsed = start.elapsed();
    back.extend(idle);
    Ok((
        back,
        Sample {
            steps: events,
            events,
            elapsed,
        },
    ))
}

/// What one writer of the order check did: the ids it got, its saves, and how many of them got
/// ids that were not consecutive.
struct CheckedWrites {
    ids: Vec<u64>,
    saves: usize,
    split_saves: usize,
}

/// What the order check found: a summary, or what went wrong.
async fn order_check(
    app: &Arc<Application>,
    writers: usize,
    time: Duration,
) -> Result<Result<String, String>, BenchError> {
    let recorder = app.recorder().clone();
    let start = recorder.max_notification_id().await?.unwrap_or(0);
    let stop = Arc::new(AtomicBool::new(false));
    let reader = {
        let stop = stop.clone();
        tokio::spawn(async move {
            let mut last = start;
            let mut seen = Vec::new();
            let mut out_of_order = 0_usize;
            loop {
                let stopped = stop.load(Ordering::SeqCst);
                let batch = recorder
                    .select_notifications(&NotificationQuery::new(Some(last + 1), 1000))
                    .await?;
                for notification in &batch {
                    if notification.id <= last {
                        out_of_order += 1;
                    }
                    seen.push(notification.id);
                    last = last.max(notification.id);
                }
                if batch.is_empty() {
                    if stopped {
                        return Ok::<_, BenchError>((seen, out_of_order));
                    }
                    tokio::time::sleep(Duration::from_millis(1)).await;
                }
            }
        })
    };
    let deadline = Instant::now() + time;
    let tasks: Vec<JoinHandle<Result<CheckedWrites, BenchError>>> = (0..writers)
        .map(|_| {
            let app = app.clone();
            tokio::spawn(async move {
                let mut ids = Vec::new();
                let mut saves = 0;
                let mut split_saves = 0;
                while Instant::now() < deadline {
                    let mut world = world_with_events(CHECK_EVENTS_PER_SAVE, "robots");
                    let recordings = app.save(&mut world).await?;
                    saves += 1;
                    if recordings
                        .windows(2)
                        .any(|pair| pair[1].notification_id != pair[0].notification_id + 1)
                    {
                        split_saves += 1;
                    }
                    ids.extend(recordings.iter().map(|r| r.notification_id));
                }
                Ok(CheckedWrites {
                    ids,
                    saves,
                    split_saves,
                })
            })
        })
        .collect();
    let mut written = Vec::new();
    let mut saves = 0;
    let mut split_saves = 0;
    for task in tasks {
        let writes = joined(task.await)??;
        written.extend(writes.ids);
        saves += writes.saves;
        split_saves += writes.split_saves;
    }
    stop.store(true, Ordering::SeqCst);
    let (seen, out_of_order) = joined(reader.await)??;
    written.sort_unstable();
    let mut problems = Vec::new();
    if split_saves > 0 {
        problems.push(format!(
            "{split_saves} of {saves} saves got ids that are not consecutive"
        ));
    }
    if out_of_order > 0 {
        problems.push(format!(
            "the reader saw {out_of_order} ids below one it had already seen"
        ));
    }
    if seen != written {
        let missed = written
            .iter()
            .filter(|id| seen.binary_search(id).is_err())
            .count();
        problems.push(format!(
            "the tailing reader saw {} ids, {} were written, {missed} were missed",
            seen.len(),
            written.len()
        ));
    }
    Ok(if problems.is_empty() {
        Ok(format!(
            "order check: {saves} saves of {CHECK_EVENTS_PER_SAVE} events by {writers} writers, ids of each save consecutive, a reader tailing id > last seen saw all {} ids",
            written.len()
        ))
    } else {
        Err(problems.join("; "))
    })
}

/// Runs scenario 7.
pub async fn run(cx: &mut Context<'_>) -> Result<(), BenchError> {
    let app = Arc::new(cx.db.app(APP, false, &[]).await?);
    let templates = Arc::new(Templates::new(&app, "")?);
    let has_lock = cx.db.target.backend != Backend::Sqlite;
    let max_writers = WRITERS[WRITERS.len() - 1];
    let mut raws = Vec::with_capacity(max_writers);
    for _ in 0..max_writers {
        raws.push(cx.db.raw().await?);
    }
    let time = cx.sizes.writers_time;
    // Each application's first row is recorded alone: on MySQL/MariaDB the recorder serialises
    // writers by locking that row, and concurrent first writes (which find no row to lock)
    // deadlock on the gap instead, more often than the recorder's retries absorb.
    app.save(&mut World::create()).await?;
    raws[0]
        .append(
            RAW_APP,
            &[RawEvent {
                originator_id: Uuid::new_v4(),
                version: 1,
                topic: &templates.created.topic,
                state: &templates.created.state,
            }],
            true,
        )
        .await?;
    // Opens the pool's connections and prepares the statements on each.
    ours_writers(&app, max_writers, time / 4).await?;
    let (back, _) = raw_writers(raws, max_writers, time / 4, true, &templates).await?;
    raws = back;

    let mut figures: Vec<(usize, Rate, Rate, Option<Rate>)> = Vec::new();
    for writers in WRITERS {
        let scenario = Scenario::Writers(writers);
        cx.announce(scenario);
        let (mut ours, mut raw, mut unlocked) = (Vec::new(), Vec::new(), Vec::new());
        for _ in 0..cx.sizes.writers_repetitions.max(1) {
            ours.push(ours_writers(&app, writers, time).await?);
            let (back, sample) = raw_writers(raws, writers, time, true, &templates).await?;
            raws = back;
            raw.push(sample);
            if has_lock {
                let (back, sample) = raw_writers(raws, writers, time, false, &templates).await?;
                raws = back;
                unlocked.push(sample);
            }
        }
        let (ours, raw) = (median_rate(&ours), median_rate(&raw));
        let unlocked = has_lock.then(|| median_rate(&unlocked));
        let note = unlocked.map_or_else(String::new, |rate| {
            format!("raw without the lock: {} events/s", si(rate.events_per_s))
        });
        cx.record(scenario, ours, raw, note, None);
        figures.push((writers, ours, raw, unlocked));
    }
    for raw in raws {
        raw.close().await;
    }

    let scenario = Scenario::WriterScaling;
    cx.announce(scenario);
    let check = order_check(&app, max_writers, cx.sizes.check_time).await?;
    let (Some(one), Some(all)) = (figures.first(), figures.last()) else {
        return Ok(());
    };
    let scaling = |a: f64, b: f64| if b > 0.0 { a / b } else { 0.0 };
    let mut note = format!(
        "raw 16÷1: {:.2}×",
        scaling(all.2.events_per_s, one.2.events_per_s)
    );
    if let (Some(one_unlocked), Some(all_unlocked)) = (one.3, all.3) {
        note.push_str(&format!(
            ", raw without the lock 16÷1: {:.2}×",
            scaling(all_unlocked.events_per_s, one_unlocked.events_per_s)
        ));
    }
    match &check {
        Ok(summary) => note.push_str(&format!("; {summary}")),
        Err(problem) => note.push_str(&format!("; ORDER CHECK FAILED: {problem}")),
    }
    cx.record(scenario, all.1, one.1, note, Some(check.map(|_| ())));
    Ok(())
}
