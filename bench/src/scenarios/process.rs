//! Issue 23's rows: a process application that turns each upstream event into one event of its
//! own and records it with the notification's tracking, against the raw driver doing the same
//! statements, and against the Python original's `ProcessApplication` on the same tables.
//!
//! The leader is an application of the seed's one-event worlds; the process application
//! ([`Tallies`]) starts a [`Tally`] for each world created upstream, so each notification
//! makes one downstream event and one tracking row, and its policy reads nothing. A follower
//! pulls the leader's log 100 notifications per select from its tracking position and records
//! one notification per transaction (as Python does) or 100 (a follower catching up). The raw
//! driver does what a follower does, statement for statement: the `MAX(notification_id)` of its
//! tracking, the selects of the next notifications, and per transaction `BEGIN`, the lock, the
//! events' `INSERT … RETURNING`, the tracking rows' `INSERT`, `COMMIT`.
//!
//! A step of the comparison processes the next 100 (or 1,000) notifications, as
//! `pull_and_process_to` does; a follower that reaches the end of the log is replaced by a
//! fresh one, which starts again from the first notification. Last, a fresh follower catches up
//! with the whole log, with the resident set measured as it goes.

use std::time::Instant;

use eventsourcing_seaorm::application::{Application, ApplicationError};
use eventsourcing_seaorm::domain::Aggregate;
use eventsourcing_seaorm::persistence::StoredEvent;
use eventsourcing_seaorm::system::{
    Follower, LeaderLog, ProcessApplication, ProcessingEvent, SystemApplication, UpstreamEvent,
};
use eventsourcing_seaorm_tests::tally::{self, Tally};
use serde_json::json;

use super::commands::seed_log;
use super::context::Context;
use crate::BenchError;
use crate::args::{Backend, Transport};
use crate::format::{mib, si, thousands};
use crate::measure::{Plan, Rate, Sample, Work, compare};
use crate::process::{peak_rss, rss};
use crate::python;
use crate::raw::{RawDb, RawEvent, RawTracking};
use crate::results::Scenario;
use crate::target::Database;

/// The leader's application name.
const LEADER: &str = "BenchLeader";
/// Notifications a follower reads per select (the library's default).
const BATCH_SIZE: u64 = 100;
/// Notifications per transaction when catching up (the library's default).
const CATCH_UP_TRANSACTION: usize = 100;
/// Untimed steps of each side before a comparison: the statements get prepared.
const WARMUP_STEPS: u64 = 2;
/// Growth of the resident set during the catch-up beyond which the follower is taken to hold
/// what it processed.
const MAX_RSS_GROWTH: u64 = 4 * 1024 * 1024;

/// The process application: starts a [`Tally`] of each world created upstream, one event per
/// upstream event.
#[derive(Clone, SystemApplication)]
pub struct Tallies {
    app: Application,
}

impl ProcessApplication for Tallies {
    type Error = ApplicationError;

    async fn policy(
        &self,
        event: &UpstreamEvent,
        processing: &mut ProcessingEvent,
    ) -> Result<(), ApplicationError> {
        if let Some((world, _)) = tally::world_event(event)? {
            processing.collect(Tally::start(world));
        }
        Ok(())
    }
}

/// The leader's log: how to read it, how many events it has, and its first and last
/// notification ids.
struct Upstream {
    log: LeaderLog,
    count: usize,
    first: u64,
    last: u64,
}

/// The library: a follower of the leader, processing the next `step` notifications at each
/// step with `pull_and_process_to`.
struct OursFollowing<'a> {
    db: &'a Database,
    upstream: &'a Upstream,
    transaction_size: usize,
    step: u64,
    generation: usize,
    follower: Follower,
    position: Option<u64>,
}

impl<'a> OursFollowing<'a> {
    async fn new(
        db: &'a Database,
        upstream: &'a Upstream,
        transaction_size: usize,
        step: u64,
    ) -> Result<Self, BenchError> {
        let follower = follower(db, upstream, transaction_size, 0).await?;
        Ok(Self {
            db,
            upstream,
            transaction_size,
            step,
            generation: 0,
            follower,
            position: None,
        })
    }
}

/// A fresh follower of the leader, named after its transaction size and generation.
async fn follower(
    db: &Database,
    upstream: &Upstream,
    transaction_size: usize,
    generation: usize,
) -> Result<Follower, BenchError> {
    let name = format!("BenchProcess{transaction_size}x{generation}");
    let app = db.app(&name, false, &[]).await?;
    Ok(Follower::new(Tallies { app })
        .follow(upstream.log.clone())
        .batch_size(BATCH_SIZE)
        .transaction_size(transaction_size))
}

impl Work for OursFollowing<'_> {
    async fn step(&mut self) -> Result<u64, BenchError> {
        if self.position >= Some(self.upstream.last) {
            self.generation += 1;
            self.follower = follower(
                self.db,
                self.upstream,
                self.transaction_size,
                self.generation,
            )
            .await?;
            self.position = None;
        }
        let from = self.position.unwrap_or(self.upstream.first - 1);
        let to = (from + self.step).min(self.upstream.last);
        let processed = self.follower.pull_and_process_to(LEADER, to).await?;
        self.position = Some(to);
        Ok(processed)
    }
}

/// The raw driver: what a follower does, for the next `step` notifications at each step.
struct RawFollowing<'a> {
    raw: &'a mut RawDb,
    upstream: &'a Upstream,
    started: &'a StoredEvent,
    transaction_size: usize,
    step: u64,
    generation: usize,
    follower: String,
    position: Option<u64>,
}

impl<'a> RawFollowing<'a> {
    fn new(
        raw: &'a mut RawDb,
        upstream: &'a Upstream,
        started: &'a StoredEvent,
        transaction_size: usize,
        step: u64,
    ) -> Self {
        Self {
            raw,
            upstream,
            started,
            transaction_size,
            step,
            generation: 0,
            follower: raw_follower(transaction_size, 0),
            position: None,
        }
    }
}

fn raw_follower(transaction_size: usize, generation: usize) -> String {
    format!("BenchRawProcess{transaction_size}x{generation}")
}

impl Work for RawFollowing<'_> {
    async fn step(&mut self) -> Result<u64, BenchError> {
        if self.position >= Some(self.upstream.last) {
            self.generation += 1;
            self.follower = raw_follower(self.transaction_size, self.generation);
            self.position = None;
        }
        let from = self.position.unwrap_or(self.upstream.first - 1);
        let to = (from + self.step).min(self.upstream.last);
        let processed = raw_pull_and_process(
            self.raw,
            &self.follower,
            self.started,
            Some(to),
            self.transaction_size,
        )
        .await?;
        self.position = Some(to);
        Ok(processed)
    }
}

/// What `Follower::pull_and_process_to` does, with the raw driver: from the follower's
/// tracking position, selects of [`BATCH_SIZE`] notifications up to `stop` until one comes
/// back short, and for each `transaction_size` of them one transaction recording a `Started`
/// event per notification (`started`'s topic and state, the upstream originator's id) and the
/// notifications' tracking. Returns how many it processed.
async fn raw_pull_and_process(
    raw: &mut RawDb,
    follower: &str,
    started: &StoredEvent,
    stop: Option<u64>,
    transaction_size: usize,
) -> Result<u64, BenchError> {
    let mut position = raw.max_tracking_id(follower, LEADER).await?;
    let stop = stop.map(|stop| stop as i64);
    let mut processed = 0;
    loop {
        let notifications = raw
            .select_unprocessed(LEADER, position, stop, BATCH_SIZE as i64)
            .await?;
        position = notifications.last().map(|n| n.id).or(position);
        for chunk in notifications.chunks(transaction_size) {
            let events: Vec<RawEvent<'_>> = chunk
                .iter()
                .map(|n| RawEvent {
                    originator_id: n.originator_id,
                    version: 1,
                    topic: &started.topic,
                    state: &started.state,
                })
                .collect();
            let notification_ids: Vec<i64> = chunk.iter().map(|n| n.id).collect();
            let tracking = RawTracking {
                upstream: LEADER,
                notification_ids: &notification_ids,
            };
            raw.append_tracked(follower, &events, tracking).await?;
            processed += chunk.len() as u64;
        }
        if (notifications.len() as u64) < BATCH_SIZE {
            return Ok(processed);
        }
    }
}

/// The stored `Started` event of a tally, as the process application's mapper makes it: the
/// topic and state the raw driver records for each notification.
fn tally_started(app: &Application) -> Result<StoredEvent, BenchError> {
    let tally = Tally::start(uuid::Uuid::new_v4());
    let [started] = tally.pending_events() else {
        return Err(BenchError::Check(
            "a new tally has one pending event".into(),
        ));
    };
    app.mapper()
        .to_stored_event(started)
        .map_err(|e| BenchError::Check(format!("mapping a Tally.Started event: {e}")))
}

/// Records the leader's one-event worlds and reads where its log starts and ends.
async fn seed_upstream(db: &Database, events: usize) -> Result<Upstream, BenchError> {
    let leader = db.app(LEADER, false, &[]).await?;
    let (first, last) = seed_log(&leader, events).await?;
    Ok(Upstream {
        log: LeaderLog::of(&leader),
        count: events,
        first,
        last,
    })
}

/// The Python original's rate on this target, in events per second, with what to note; `None`
/// where the rows are not compared with Python (over TCP), or where it could not be measured
/// (then the note says why).
async fn python_rate(
    db: &Database,
    upstream: &Upstream,
    events: usize,
) -> (Option<f64>, Option<String>) {
    if db.target.transport == Transport::Tcp {
        return (None, None);
    }
    let Some(interpreter) = python::interpreter() else {
        return (
            None,
            Some(
                "Python not measured: no interpreter (set BENCH_PYTHON to one with eventsourcing \
                 9.4.6 and eventsourcing_django 0.6)"
                    .into(),
            ),
        );
    };
    let database = match db.target.backend {
        Backend::Sqlite => db.target.url.trim_start_matches("sqlite://").to_owned(),
        _ => db.target.url.clone(),
    };
    let tables = db.store.tables();
    let warmup = 20;
    let spec = json!({
        "database": database,
        "tables": {
            "stored_events": tables.stored_events,
            "snapshots": tables.snapshots,
            "notification_tracking": tables.notification_tracking,
        },
        "leader": LEADER,
        "follower": "BenchPythonProcess",
        "batch_size": BATCH_SIZE,
        "warmup_stop": upstream.first + warmup - 1,
        "stop": (upstream.first + warmup + events as u64 - 1).min(upstream.last),
    });
    let measured = python::run_script(&interpreter, "process.py", &spec)
        .await
        .and_then(|out| {
            let processed = out["processed"].as_f64();
            let seconds = out["seconds"].as_f64();
            match (processed, seconds) {
                (Some(processed), Some(seconds)) if processed > 0.0 && seconds > 0.0 => {
                    Ok((processed, processed / seconds))
                }
                _ => Err(BenchError::Python(format!("unexpected output {out}"))),
            }
        });
    match measured {
        Ok((processed, rate)) => (
            Some(rate),
            Some(format!(
                "Python's ProcessApplication: {} events/s over {} notifications, one per transaction",
                si(rate),
                thousands(processed as usize)
            )),
        ),
        Err(error) => (None, Some(format!("Python not measured: {error}"))),
    }
}

/// Runs issue 23's rows.
pub async fn run(cx: &mut Context<'_>) -> Result<(), BenchError> {
    let events = cx.sizes.upstream_events;
    let upstream = seed_upstream(cx.db, events).await?;
    cx.db.analyze().await?;
    let (python, python_note) = python_rate(cx.db, &upstream, cx.sizes.python_events).await;
    let started = tally_started(&cx.db.app("BenchRawProcess", false, &[]).await?)?;
    let mut raw = cx.db.raw().await?;
    let plan = Plan {
        warmup_steps: WARMUP_STEPS,
        ..cx.sizes.plan
    };
    for (scenario, transaction_size, step) in [
        (Scenario::ProcessOne, 1, BATCH_SIZE),
        (
            Scenario::ProcessBatch,
            CATCH_UP_TRANSACTION,
            10 * BATCH_SIZE,
        ),
    ] {
        cx.announce(scenario);
        let mut ours = OursFollowing::new(cx.db, &upstream, transaction_size, step).await?;
        let mut theirs = RawFollowing::new(&mut raw, &upstream, &started, transaction_size, step);
        let (ours, baseline) = compare(&mut ours, &mut theirs, &plan).await?;
        let note = if scenario == Scenario::ProcessOne {
            python_note.clone().unwrap_or_default()
        } else {
            String::new()
        };
        cx.record_with_python(scenario, ours, baseline, note, None, python);
    }
    catch_up(cx, &upstream, &started, &mut raw, python).await?;
    raw.close().await;
    Ok(())
}

/// A fresh follower catching up with the whole log (the first tenth, then the rest, with the
/// resident set read between), and the raw driver doing the same.
async fn catch_up(
    cx: &mut Context<'_>,
    upstream: &Upstream,
    started: &StoredEvent,
    raw: &mut RawDb,
    python: Option<f64>,
) -> Result<(), BenchError> {
    let count = upstream.count;
    let scenario = Scenario::ProcessCatchUp(count);
    cx.announce(scenario);
    let app = cx.db.app("BenchCatchUp", false, &[]).await?;
    let follower = Follower::new(Tallies { app }).follow(upstream.log.clone());
    let tenth = upstream.first + (count as u64 / 10).max(1) - 1;

    let (rss_before, peak_before) = (rss().unwrap_or(0), peak_rss().unwrap_or(0));
    let start = Instant::now();
    let mut processed = follower.pull_and_process_to(LEADER, tenth).await?;
    let rss_after_tenth = rss().unwrap_or(0);
    processed += follower.pull_and_process(LEADER).await?;
    let ours = Sample {
        steps: 1,
        events: processed,
        elapsed: start.elapsed(),
    };
    let (rss_after, peak_after) = (rss().unwrap_or(0), peak_rss().unwrap_or(0));
    let position = follower.position(LEADER).await?;

    let start = Instant::now();
    let raw_follower = "BenchRawCatchUp";
    let mut raw_processed = raw_pull_and_process(
        raw,
        raw_follower,
        started,
        Some(tenth),
        CATCH_UP_TRANSACTION,
    )
    .await?;
    raw_processed +=
        raw_pull_and_process(raw, raw_follower, started, None, CATCH_UP_TRANSACTION).await?;
    let baseline = Sample {
        steps: 1,
        events: raw_processed,
        elapsed: start.elapsed(),
    };

    let growth = rss_after as i64 - rss_after_tenth as i64;
    let note = format!(
        "{} notifications, 100 per transaction: RSS {} before, {} after {}, {} after all ({}{}); peak RSS {} before, {} after",
        thousands(count),
        mib(rss_before),
        mib(rss_after_tenth),
        thousands((tenth - upstream.first + 1) as usize),
        mib(rss_after),
        if growth < 0 { "-" } else { "+" },
        mib(growth.unsigned_abs()),
        mib(peak_before),
        mib(peak_after),
    );
    let check = if processed != count as u64 || raw_processed != count as u64 {
        Err(format!(
            "processed {processed} (raw {raw_processed}) of {count} notifications"
        ))
    } else if position != Some(upstream.last) {
        Err(format!(
            "the follower's position is {position:?}, not the leader's last notification {}",
            upstream.last
        ))
    } else if growth >= MAX_RSS_GROWTH as i64 {
        Err(format!(
            "the resident set grew by {} while catching up",
            mib(growth.unsigned_abs())
        ))
    } else {
        Ok(())
    };
    let ours: Rate = ours.rate();
    cx.record_with_python(scenario, ours, baseline.rate(), note, Some(check), python);
    Ok(())
}
