//! The scenarios of the benchmark issue, one file each, run in order on one target. Each
//! measures the library through an [`Application`] as a user writes it, and the raw driver
//! doing the same statements on the same transport, and records a [`Row`].

mod append;
mod commands;
mod concurrency;
mod load;
mod memory;
mod notifications;
mod secret;

use std::time::{Duration, Instant};

use eventsourcing_seaorm::application::Application;
use eventsourcing_seaorm::domain::Aggregate;
use eventsourcing_seaorm::persistence::StoredEvent;

use uuid::Uuid;

use crate::BenchError;
use crate::measure::{Budget, Plan, Rate};
use crate::raw::RawEvent;
use crate::results::{Row, Scenario};
use crate::target::Database;
use crate::world::world_with_events;

/// The application the library's scenarios write and read.
pub const APP: &str = "Bench";
/// The application the raw driver writes (the lock on MySQL is per application).
pub const RAW_APP: &str = "BenchRaw";

/// How big each scenario is.
#[derive(Debug, Clone)]
pub struct Sizes {
    /// Budget and repetitions of each comparison.
    pub plan: Plan,
    /// Aggregates the command scenarios cycle through.
    pub command_aggregates: usize,
    /// Aggregates of 5 events to load.
    pub small_aggregates: usize,
    /// Aggregates of 1,000 events to load.
    pub large_aggregates: usize,
    /// How long each concurrency measurement runs.
    pub writers_time: Duration,
    /// Repetitions of each concurrency measurement.
    pub writers_repetitions: usize,
    /// How long the notification-order check runs.
    pub check_time: Duration,
    /// Aggregates loaded one after another in the memory scenario.
    pub memory_aggregates: usize,
}

impl Sizes {
    /// The full run: a few minutes on 2 cores for all five targets.
    pub fn full() -> Self {
        Self {
            plan: Plan {
                budget: Budget {
                    max_steps: 1_000_000,
                    max_time: Duration::from_millis(200),
                },
                repetitions: 7,
                warmup_steps: 20,
            },
            command_aggregates: 500,
            small_aggregates: 200,
            large_aggregates: 8,
            writers_time: Duration::from_millis(600),
            writers_repetitions: 2,
            check_time: Duration::from_millis(1500),
            memory_aggregates: 10_000,
        }
    }

    /// The quick run: well under a minute, one repetition, small sizes.
    pub fn quick() -> Self {
        Self {
            plan: Plan {
                budget: Budget {
                    max_steps: 1_000_000,
                    max_time: Duration::from_millis(70),
                },
                repetitions: 1,
                warmup_steps: 20,
            },
            command_aggregates: 100,
            small_aggregates: 50,
            large_aggregates: 2,
            writers_time: Duration::from_millis(150),
            writers_repetitions: 1,
            check_time: Duration::from_millis(300),
            memory_aggregates: 1_000,
        }
    }
}

/// What the scenarios of one target share: the database, the sizes, the rows so far.
pub struct Context<'a> {
    /// The target, connected.
    pub db: &'a Database,
    /// The sizes.
    pub sizes: &'a Sizes,
    /// The rows recorded so far.
    pub rows: Vec<Row>,
    started: Instant,
}

/// A formatted rate: `12.3k`.
pub fn si(value: f64) -> String {
    match value {
        v if v >= 1e6 => format!("{:.2}M", v / 1e6),
        v if v >= 1e4 => format!("{:.1}k", v / 1e3),
        v if v >= 1e3 => format!("{:.2}k", v / 1e3),
        v => format!("{v:.0}"),
    }
}

impl<'a> Context<'a> {
    fn new(db: &'a Database, sizes: &'a Sizes) -> Self {
        Self {
            db,
            sizes,
            rows: Vec::new(),
            started: Instant::now(),
        }
    }

    /// Says on stderr which scenario starts.
    pub fn announce(&mut self, scenario: Scenario) {
        self.started = Instant::now();
        eprint!("  {:<42}", scenario.label());
    }

    /// Records a row and finishes its progress line.
    pub fn record(
        &mut self,
        scenario: Scenario,
        ours: Rate,
        baseline: Rate,
        note: String,
        check: Option<Result<(), String>>,
    ) {
        let row = Row {
            backend: self.db.target.backend,
            transport: self.db.target.transport,
            scenario,
            ours,
            baseline,
            note,
            check,
        };
        let baseline_name = match scenario.baseline() {
            crate::results::Baseline::Raw => "raw",
            crate::results::Baseline::Plain => "plain",
            crate::results::Baseline::OneWriter => "1 writer",
        };
        eprintln!(
            " ours {:>7} {}, {baseline_name} {:>7}: {:.2}×  ({:.1} s){}",
            si(row.figure(ours)),
            row.unit(),
            si(row.figure(baseline)),
            row.ratio(),
            self.started.elapsed().as_secs_f64(),
            if row.note.is_empty() {
                String::new()
            } else {
                format!("  {}", row.note)
            },
        );
        self.rows.push(row);
    }
}

/// The note of a row that also measured the raw statements through SeaORM's connection
/// ([`crate::floor`]) against the raw driver.
pub fn floor_note(floor: Rate, raw: Rate) -> String {
    ratio_note(
        "raw statements through SeaORM's ConnectionTrait",
        floor,
        raw,
    )
}

/// The note of a row that also measured `what` (at `rate`) against the raw driver (at `raw`).
pub fn ratio_note(what: &str, rate: Rate, raw: Rate) -> String {
    let ratio = rate.steps_per_s / raw.steps_per_s.max(f64::MIN_POSITIVE);
    format!("{what}: {ratio:.2}× raw")
}

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

/// Runs every scenario on one target. A scenario that fails is reported on stderr and the
/// others still run; the returned flag says whether any failed.
pub async fn run_target(db: &Database, sizes: &Sizes) -> (Vec<Row>, bool) {
    let mut cx = Context::new(db, sizes);
    let mut failed = false;
    macro_rules! scenario {
        ($call:expr) => {
            if let Err(error) = $call.await {
                eprintln!("\n  FAILED: {error}");
                failed = true;
            }
        };
    }
    scenario!(append::run(&mut cx));
    scenario!(commands::run(&mut cx));
    scenario!(load::run(&mut cx));
    scenario!(notifications::run(&mut cx));
    scenario!(secret::run(&mut cx));
    scenario!(concurrency::run(&mut cx));
    scenario!(memory::run(&mut cx));
    (cx.rows, failed)
}
