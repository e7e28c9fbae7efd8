//! What the scenarios of one target share: the applications' names, the [`Context`] they record
//! their rows in, and the notes that compare a second measurement with the raw driver.

use std::time::Instant;

use super::sizes::Sizes;
use crate::format::si;
use crate::measure::Rate;
use crate::results::{Latency, Row, Scenario, ms};
use crate::target::Database;

/// The application the library's scenarios write and read.
pub const APP: &str = "Bench";
/// The application the raw driver writes (the lock on MySQL is per application).
pub const RAW_APP: &str = "BenchRaw";

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

impl<'a> Context<'a> {
    pub(super) fn new(db: &'a Database, sizes: &'a Sizes) -> Self {
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
        self.record_with_python(scenario, ours, baseline, note, check, None);
    }

    /// Records a row with the Python original's figure measured in this run, when it was.
    pub fn record_with_python(
        &mut self,
        scenario: Scenario,
        ours: Rate,
        baseline: Rate,
        note: String,
        check: Option<Result<(), String>>,
        python: Option<f64>,
    ) {
        let row = Row {
            backend: self.db.target.backend,
            transport: self.db.target.transport,
            scenario,
            ours,
            baseline,
            note,
            check,
            python,
            latency: None,
        };
        let baseline_name = scenario.baseline().name();
        eprintln!(
            " ours {:>7} {}, {baseline_name} {:>7}: {:.2}×{}  ({:.1} s){}",
            si(row.figure(ours)),
            row.unit(),
            si(row.figure(baseline)),
            row.ratio(),
            match python {
                Some(python) =>
                    format!(", python {}: {:.1}×", si(python), row.figure(ours) / python),
                None => String::new(),
            },
            self.started.elapsed().as_secs_f64(),
            shown_note(&row.note),
        );
        self.rows.push(row);
    }

    /// Records a lag row (no rates, no baseline) and finishes its progress line.
    pub fn record_latency(&mut self, scenario: Scenario, latency: Latency, note: String) {
        let row = Row {
            backend: self.db.target.backend,
            transport: self.db.target.transport,
            scenario,
            ours: Rate::default(),
            baseline: Rate::default(),
            note,
            check: None,
            python: None,
            latency: Some(latency),
        };
        eprintln!(
            " p50 {} ms, p99 {} ms, max {} ms over {} saves  ({:.1} s){}",
            ms(latency.p50),
            ms(latency.p99),
            ms(latency.max),
            latency.saves,
            self.started.elapsed().as_secs_f64(),
            shown_note(&row.note),
        );
        self.rows.push(row);
    }
}

/// A row's note at the end of its progress line (nothing when it has none).
fn shown_note(note: &str) -> String {
    if note.is_empty() {
        String::new()
    } else {
        format!("  {note}")
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
