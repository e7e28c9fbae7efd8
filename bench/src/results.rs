//! What a run found: one row per target and scenario, and the goals from the benchmark issues
//! each row is held to (the benchmark issue's scenarios 1–8, issue 23's process applications,
//! and issue 24's projections). Most rows are a throughput against a baseline and held to a
//! ratio; the lag rows of the projections are latencies held to an absolute bound.

use std::time::Duration;

use crate::args::{Backend, Transport};
use crate::format::thousands;
use crate::measure::Rate;

/// The scenarios of the benchmark issue (numbered as there), plus the memory check, issue 23's
/// process applications (numbered 9) and issue 24's projections (numbered 10).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Scenario {
    /// 1. Create aggregates, one event each, one save each.
    Append1,
    /// 2. Ten events per save.
    Append10,
    /// 2. A hundred events per save.
    Append100,
    /// 3. Load an aggregate, apply one event, save.
    Commands,
    /// 4. Load aggregates of 5 events.
    Load5,
    /// 4. Load aggregates of 5 events from a snapshot.
    Load5Snapshot,
    /// 4. Load aggregates of 1,000 events.
    Load1000,
    /// 4. Load aggregates of 1,000 events from a snapshot.
    Load1000Snapshot,
    /// 5. Read the notification log in sections of 100.
    Log100,
    /// 5. Read the notification log in sections of 1,000.
    Log1000,
    /// 6. One 200-byte event per save, zlib + AES against plain.
    AppendSecret,
    /// 6. Commands at 200-byte states, zlib + AES against plain.
    CommandsSecret,
    /// 7. This many concurrent writers on distinct aggregates.
    Writers(usize),
    /// 7. Sixteen writers against one (both ours), with the notification-order check.
    WriterScaling,
    /// Loading many aggregates one after another, with the resident set before and after.
    Memory,
    /// Issue 23: a process application turning each upstream event into one event of its own,
    /// one notification per transaction (as the Python original).
    ProcessOne,
    /// Issue 23: the same, a hundred notifications per transaction (the default).
    ProcessBatch,
    /// Issue 23: a fresh follower catching up with this many upstream events, with the
    /// resident set before and after.
    ProcessCatchUp(usize),
    /// Issue 24: a projection runner writing one read-model row (an upsert) per upstream event
    /// and the tracking rows, 100 events per transaction, over a log written before it starts.
    ProjectionThroughput,
    /// Issue 24: the lag from a save's commit to the read model, at 1,000 saves a second from
    /// another pool, the runner polling every 50 ms.
    ProjectionLagPoll,
    /// Issue 24: the same lag, the runner woken by PostgreSQL's `NOTIFY`.
    ProjectionLagNotify,
    /// Issue 24: the same lag, the runner woken by its upstream application's own saves in
    /// this process.
    ProjectionLagInProcess,
    /// Issue 25: the command line's `verify` of this many events (zlib + AES).
    CliVerify(usize),
    /// Issue 25: the command line's `export` of this many events (zlib + AES).
    CliExport(usize),
}

/// The most a lag row's 99th percentile may be.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LatencyGoal {
    /// The bound on the 99th percentile.
    pub max_p99: Duration,
    /// How the issue says it.
    pub wording: &'static str,
}

/// What a lag row measured: the lag of each save, as percentiles.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Latency {
    /// The median.
    pub p50: Duration,
    /// The 99th percentile.
    pub p99: Duration,
    /// The largest.
    pub max: Duration,
    /// How many saves were measured.
    pub saves: usize,
}

impl Latency {
    /// The percentiles of these lags (in any order); `None` for none.
    pub fn of(mut lags: Vec<Duration>) -> Option<Self> {
        lags.sort();
        let n = lags.len();
        let at = |fraction: f64| lags[((n as f64 * fraction).ceil() as usize).clamp(1, n) - 1];
        let max = *lags.last()?;
        Some(Self {
            p50: at(0.5),
            p99: at(0.99),
            max,
            saves: n,
        })
    }
}

/// Milliseconds, with one decimal.
pub fn ms(duration: Duration) -> String {
    format!("{:.1}", duration.as_secs_f64() * 1000.0)
}

/// What a row is compared with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Baseline {
    /// The raw driver doing the same statements.
    Raw,
    /// The library without compression and encryption.
    Plain,
    /// The library with one writer.
    OneWriter,
}

impl Baseline {
    /// Its name in the progress lines and in `RESULTS.md`.
    pub fn name(self) -> &'static str {
        match self {
            Baseline::Raw => "raw",
            Baseline::Plain => "plain",
            Baseline::OneWriter => "1 writer",
        }
    }
}

/// The least ratio (ours ÷ baseline) a row must reach.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Goal {
    /// The least ratio; 0 for a goal that only the row's check decides (the resident set
    /// staying flat).
    pub min_ratio: f64,
    /// How the issue says it.
    pub wording: &'static str,
}

impl Scenario {
    /// The scenario's number in the issues (`--only` selects by it).
    pub fn number(self) -> u8 {
        match self {
            Scenario::Append1 => 1,
            Scenario::Append10 | Scenario::Append100 => 2,
            Scenario::Commands => 3,
            Scenario::Load5
            | Scenario::Load5Snapshot
            | Scenario::Load1000
            | Scenario::Load1000Snapshot => 4,
            Scenario::Log100 | Scenario::Log1000 => 5,
            Scenario::AppendSecret | Scenario::CommandsSecret => 6,
            Scenario::Writers(_) | Scenario::WriterScaling => 7,
            Scenario::Memory => 8,
            Scenario::ProcessOne | Scenario::ProcessBatch | Scenario::ProcessCatchUp(_) => 9,
            Scenario::ProjectionThroughput
            | Scenario::ProjectionLagPoll
            | Scenario::ProjectionLagNotify
            | Scenario::ProjectionLagInProcess => 10,
            Scenario::CliVerify(_) | Scenario::CliExport(_) => 11,
        }
    }

    /// The row's label.
    pub fn label(self) -> String {
        match self {
            Scenario::Append1 => "1. append, 1 event/save".into(),
            Scenario::Append10 => "2. append, 10 events/save".into(),
            Scenario::Append100 => "2. append, 100 events/save".into(),
            Scenario::Commands => "3. command (load, 1 event, save)".into(),
            Scenario::Load5 => "4. load, 5 events".into(),
            Scenario::Load5Snapshot => "4. load, 5 events, snapshot".into(),
            Scenario::Load1000 => "4. load, 1,000 events".into(),
            Scenario::Load1000Snapshot => "4. load, 1,000 events, snapshot".into(),
            Scenario::Log100 => "5. log, sections of 100".into(),
            Scenario::Log1000 => "5. log, sections of 1,000".into(),
            Scenario::AppendSecret => "6. append 1 event/save, 200 B, zlib+AES".into(),
            Scenario::CommandsSecret => "6. command, 200 B, zlib+AES".into(),
            Scenario::Writers(n) => format!("7. {n} writer{}", if n == 1 { "" } else { "s" }),
            Scenario::WriterScaling => "7. 16 writers ÷ 1 writer (ours)".into(),
            Scenario::Memory => "8. load aggregates one by one (RSS)".into(),
            Scenario::ProcessOne => "9. process, 1 event → 1 + tracking, 1/tx".into(),
            Scenario::ProcessBatch => "9. process, 1 event → 1 + tracking, 100/tx".into(),
            Scenario::ProcessCatchUp(n) => format!("9. catch-up of {} events (RSS)", thousands(n)),
            Scenario::ProjectionThroughput => {
                "10. projection, 1 event → upsert + tracking, 100/tx".into()
            }
            Scenario::ProjectionLagPoll => "10. projection lag at 1k saves/s, poll 50 ms".into(),
            Scenario::ProjectionLagNotify => "10. projection lag at 1k saves/s, NOTIFY".into(),
            Scenario::ProjectionLagInProcess => {
                "10. projection lag at 1k saves/s, in-process".into()
            }
            Scenario::CliVerify(n) => format!("11. CLI verify, {} events", thousands(n)),
            Scenario::CliExport(n) => format!("11. CLI export, {} events", thousands(n)),
        }
    }

    /// A short label for the chart.
    pub fn short_label(self) -> String {
        match self {
            Scenario::Append1 => "append 1/save".into(),
            Scenario::Append10 => "append 10/save".into(),
            Scenario::Append100 => "append 100/save".into(),
            Scenario::Commands => "command".into(),
            Scenario::Load5 => "load 5".into(),
            Scenario::Load5Snapshot => "load 5, snapshot".into(),
            Scenario::Load1000 => "load 1,000".into(),
            Scenario::Load1000Snapshot => "load 1,000, snapshot".into(),
            Scenario::Log100 => "log, 100/section".into(),
            Scenario::Log1000 => "log, 1,000/section".into(),
            Scenario::AppendSecret => "append, zlib+AES".into(),
            Scenario::CommandsSecret => "command, zlib+AES".into(),
            Scenario::Writers(n) => format!("{n} writers"),
            Scenario::WriterScaling => "16 ÷ 1 writers".into(),
            Scenario::Memory => "load one by one".into(),
            Scenario::ProcessOne => "process 1/tx".into(),
            Scenario::ProcessBatch => "process 100/tx".into(),
            Scenario::ProcessCatchUp(_) => "catch-up, fresh".into(),
            Scenario::ProjectionThroughput => "projection 100/tx".into(),
            Scenario::ProjectionLagPoll => "projection lag, poll".into(),
            Scenario::ProjectionLagNotify => "projection lag, NOTIFY".into(),
            Scenario::ProjectionLagInProcess => "projection lag, in-process".into(),
            Scenario::CliVerify(_) => "CLI verify".into(),
            Scenario::CliExport(_) => "CLI export".into(),
        }
    }

    /// Whether the figure to show is loads per second (else events per second).
    pub fn counts_loads(self) -> bool {
        matches!(
            self,
            Scenario::Load5
                | Scenario::Load5Snapshot
                | Scenario::Load1000
                | Scenario::Load1000Snapshot
                | Scenario::Memory
        )
    }

    /// What the row is compared with.
    pub fn baseline(self) -> Baseline {
        match self {
            Scenario::AppendSecret | Scenario::CommandsSecret => Baseline::Plain,
            Scenario::WriterScaling => Baseline::OneWriter,
            _ => Baseline::Raw,
        }
    }

    /// The goal from the issue on this backend, if any.
    pub fn goal(self, backend: Backend) -> Option<Goal> {
        match self {
            Scenario::Append1
            | Scenario::Append10
            | Scenario::Append100
            | Scenario::Load5
            | Scenario::Load5Snapshot
            | Scenario::Load1000
            | Scenario::Load1000Snapshot
            | Scenario::Log100
            | Scenario::Log1000
            | Scenario::ProcessOne
            | Scenario::ProcessBatch
            | Scenario::ProjectionThroughput => Some(Goal {
                min_ratio: 0.8,
                wording: "≥ 0.8× raw",
            }),
            Scenario::Commands => Some(Goal {
                min_ratio: 0.6,
                wording: "≥ 0.6× raw",
            }),
            Scenario::AppendSecret | Scenario::CommandsSecret => Some(Goal {
                min_ratio: 1.0 / 1.15,
                wording: "≤ 15% slower than plain",
            }),
            Scenario::WriterScaling if backend == Backend::Postgres => Some(Goal {
                min_ratio: 3.0,
                wording: "16 writers ≥ 3× 1 writer",
            }),
            Scenario::ProcessCatchUp(_) => Some(Goal {
                min_ratio: 0.0,
                wording: "RSS flat",
            }),
            _ => None,
        }
    }

    /// The bound on the 99th percentile of a lag row, if it has one: the poll interval and
    /// 10 ms for a runner that polls, 10 ms for one woken by `NOTIFY`.
    pub fn latency_goal(self) -> Option<LatencyGoal> {
        match self {
            Scenario::ProjectionLagPoll => Some(LatencyGoal {
                max_p99: Duration::from_millis(60),
                wording: "p99 < 60 ms (poll + 10 ms)",
            }),
            Scenario::ProjectionLagNotify => Some(LatencyGoal {
                max_p99: Duration::from_millis(10),
                wording: "p99 < 10 ms",
            }),
            _ => None,
        }
    }

    /// How many times the Python original's figure the row must reach where the raw driver
    /// reaches as much (see [`PythonComparison::verdict`]): 5× for a process application's
    /// one notification per transaction, which Python does too, so that both pay the same
    /// commits; 10× for everything else.
    pub fn python_goal(self) -> f64 {
        match self {
            Scenario::ProcessOne => 5.0,
            _ => 10.0,
        }
    }

    /// The Python original's figure for this scenario on this backend (per second, in the
    /// row's unit), measured on this machine: eventsourcing 9.4.6 + eventsourcing_django 0.6.
    pub fn python(self, backend: Backend) -> Option<f64> {
        match (self, backend) {
            (Scenario::Append1, Backend::Sqlite) => Some(1477.0),
            (Scenario::Append1, Backend::Postgres) => Some(521.0),
            (Scenario::Load5, Backend::Sqlite) => Some(1425.0),
            (Scenario::Load5, Backend::Postgres) => Some(696.0),
            _ => None,
        }
    }
}

/// One measured scenario on one target.
#[derive(Debug, Clone)]
pub struct Row {
    /// The database.
    pub backend: Backend,
    /// How it was reached.
    pub transport: Transport,
    /// What was measured.
    pub scenario: Scenario,
    /// The library's rate.
    pub ours: Rate,
    /// The rate it is compared with (see [`Scenario::baseline`]).
    pub baseline: Rate,
    /// Anything else worth knowing (RSS, the lock's cost, the order check).
    pub note: String,
    /// A correctness check made during the scenario, when one was: `Err` says what failed.
    pub check: Option<Result<(), String>>,
    /// The Python original's figure measured in this run, on the same database, when it was
    /// (else [`Scenario::python`] gives the one measured before, if any).
    pub python: Option<f64>,
    /// A lag row's percentiles (its rates are then zero and not shown).
    pub latency: Option<Latency>,
}

/// Whether a row met its goal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// The goal was met.
    Met,
    /// The goal was missed.
    Missed,
    /// No goal applies.
    None,
}

impl Row {
    /// `backend/transport`.
    pub fn target(&self) -> String {
        format!("{}/{}", self.backend.name(), self.transport.name())
    }

    /// The row's figure in its unit (loads/s or events/s).
    pub fn figure(&self, rate: Rate) -> f64 {
        if self.scenario.counts_loads() {
            rate.steps_per_s
        } else {
            rate.events_per_s
        }
    }

    /// Ours ÷ baseline.
    pub fn ratio(&self) -> f64 {
        let baseline = self.figure(self.baseline);
        if baseline > 0.0 {
            self.figure(self.ours) / baseline
        } else {
            0.0
        }
    }

    /// The row's unit.
    pub fn unit(&self) -> &'static str {
        if self.scenario.counts_loads() {
            "loads/s"
        } else {
            "events/s"
        }
    }

    /// How the row's goal is worded, or `""` when it has none.
    pub fn goal_wording(&self) -> &'static str {
        match self.latency {
            Some(_) => self.scenario.latency_goal().map_or("", |g| g.wording),
            None => self.scenario.goal(self.backend).map_or("", |g| g.wording),
        }
    }

    /// What the row found, as its goal reads it: `0.93×` for a ratio, `p99 12.3 ms` for a lag.
    pub fn result(&self) -> String {
        match self.latency {
            Some(latency) => format!("p99 {} ms", ms(latency.p99)),
            None => format!("{:.2}×", self.ratio()),
        }
    }

    /// Whether the row met the goal (a failed check is a miss).
    pub fn verdict(&self) -> Verdict {
        if matches!(self.check, Some(Err(_))) {
            return Verdict::Missed;
        }
        if let Some(latency) = self.latency {
            return match self.scenario.latency_goal() {
                Some(goal) if latency.p99 < goal.max_p99 => Verdict::Met,
                Some(_) => Verdict::Missed,
                None => Verdict::None,
            };
        }
        match self.scenario.goal(self.backend) {
            Some(goal) if self.ratio() >= goal.min_ratio => Verdict::Met,
            Some(_) => Verdict::Missed,
            None => Verdict::None,
        }
    }

    /// Ours ÷ Python, for the Unix-socket and SQLite rows that have a Python figure.
    pub fn versus_python(&self) -> Option<PythonComparison> {
        if self.transport == Transport::Tcp {
            return None;
        }
        let python = self.python.or_else(|| self.scenario.python(self.backend))?;
        Some(PythonComparison {
            python,
            ours: self.figure(self.ours) / python,
            raw: self.figure(self.baseline) / python,
            goal: self.scenario.python_goal(),
        })
    }
}

/// A row against the Python original.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PythonComparison {
    /// Python's figure.
    pub python: f64,
    /// Ours ÷ Python.
    pub ours: f64,
    /// Raw ÷ Python: the most the driver allows.
    pub raw: f64,
    /// How many times Python the row must reach ([`Scenario::python_goal`]).
    pub goal: f64,
}

impl PythonComparison {
    /// The issues' goal: [`goal`](Self::goal)× Python (10×, or 5× for one notification per
    /// transaction) where the raw driver allows it (where raw reaches that); where it does
    /// not, the goal is met by matching 0.8× raw.
    pub fn verdict(&self) -> Verdict {
        let goal = if self.raw >= self.goal {
            self.goal
        } else {
            0.8 * self.raw
        };
        if self.ours >= goal {
            Verdict::Met
        } else {
            Verdict::Missed
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(scenario: Scenario, ours: f64, baseline: f64) -> Row {
        Row {
            backend: Backend::Postgres,
            transport: Transport::Socket,
            scenario,
            ours: Rate {
                steps_per_s: ours,
                events_per_s: ours,
            },
            baseline: Rate {
                steps_per_s: baseline,
                events_per_s: baseline,
            },
            note: String::new(),
            check: None,
            python: None,
            latency: None,
        }
    }

    #[test]
    fn verdicts_follow_the_goals() {
        assert_eq!(row(Scenario::Append1, 81.0, 100.0).verdict(), Verdict::Met);
        assert_eq!(
            row(Scenario::Append1, 79.0, 100.0).verdict(),
            Verdict::Missed
        );
        assert_eq!(row(Scenario::Commands, 61.0, 100.0).verdict(), Verdict::Met);
        assert_eq!(
            row(Scenario::AppendSecret, 87.0, 100.0).verdict(),
            Verdict::Met
        );
        assert_eq!(
            row(Scenario::AppendSecret, 86.0, 100.0).verdict(),
            Verdict::Missed
        );
        assert_eq!(
            row(Scenario::Writers(4), 1.0, 100.0).verdict(),
            Verdict::None
        );
        let mut failed = row(Scenario::WriterScaling, 400.0, 100.0);
        assert_eq!(failed.verdict(), Verdict::Met);
        failed.check = Some(Err("ids interleaved".into()));
        assert_eq!(failed.verdict(), Verdict::Missed);
    }

    #[test]
    fn python_goal_is_ten_times_where_raw_allows() {
        let mut fast = row(Scenario::Load5, 7_000.0, 8_000.0);
        assert_eq!(
            fast.versus_python().map(|p| p.verdict()),
            Some(Verdict::Met)
        );
        fast.ours.steps_per_s = 6_000.0;
        assert_eq!(
            fast.versus_python().map(|p| p.verdict()),
            Some(Verdict::Missed)
        );
        // Raw reaches only 4× Python: 0.8× raw is what can be asked.
        let slow = row(Scenario::Append1, 1_700.0, 2_000.0);
        assert_eq!(
            slow.versus_python().map(|p| p.verdict()),
            Some(Verdict::Met)
        );
        let tcp = Row {
            transport: Transport::Tcp,
            ..slow
        };
        assert!(tcp.versus_python().is_none());
    }

    #[test]
    fn process_rows_are_held_to_their_own_python_goals() {
        // One notification per transaction: 5× Python, measured in the run.
        let mut one = row(Scenario::ProcessOne, 2_600.0, 3_000.0);
        one.python = Some(500.0);
        assert_eq!(one.verdict(), Verdict::Met);
        let versus = one.versus_python().unwrap();
        assert_eq!((versus.python, versus.goal), (500.0, 5.0));
        assert_eq!(versus.verdict(), Verdict::Met);
        one.ours.events_per_s = 2_400.0;
        assert_eq!(
            one.versus_python().map(|p| p.verdict()),
            Some(Verdict::Missed)
        );
        // Batches: 10×.
        let mut batch = row(Scenario::ProcessBatch, 4_900.0, 6_000.0);
        batch.python = Some(500.0);
        assert_eq!(
            batch.versus_python().map(|p| p.verdict()),
            Some(Verdict::Missed)
        );
        // No Python figure in the run, and none measured before: no comparison.
        assert!(
            row(Scenario::ProcessBatch, 1.0, 1.0)
                .versus_python()
                .is_none()
        );
    }

    #[test]
    fn lag_rows_are_held_to_their_99th_percentile() {
        let lag = |scenario, p99_ms| Row {
            latency: Some(Latency {
                p50: Duration::from_millis(1),
                p99: Duration::from_millis(p99_ms),
                max: Duration::from_millis(p99_ms),
                saves: 100,
            }),
            ..row(scenario, 0.0, 0.0)
        };
        assert_eq!(lag(Scenario::ProjectionLagPoll, 59).verdict(), Verdict::Met);
        assert_eq!(
            lag(Scenario::ProjectionLagPoll, 61).verdict(),
            Verdict::Missed
        );
        assert_eq!(
            lag(Scenario::ProjectionLagNotify, 9).verdict(),
            Verdict::Met
        );
        assert_eq!(
            lag(Scenario::ProjectionLagNotify, 10).verdict(),
            Verdict::Missed
        );
        assert_eq!(
            lag(Scenario::ProjectionLagInProcess, 500).verdict(),
            Verdict::None
        );
        assert_eq!(lag(Scenario::ProjectionLagPoll, 59).result(), "p99 59.0 ms");
        assert_eq!(
            lag(Scenario::ProjectionLagPoll, 59).goal_wording(),
            "p99 < 60 ms (poll + 10 ms)"
        );
    }

    #[test]
    fn percentiles_are_of_the_sorted_lags() {
        let lags: Vec<Duration> = (1..=200).rev().map(Duration::from_millis).collect();
        let latency = Latency::of(lags).unwrap();
        assert_eq!(latency.p50, Duration::from_millis(100));
        assert_eq!(latency.p99, Duration::from_millis(198));
        assert_eq!(latency.max, Duration::from_millis(200));
        assert_eq!(latency.saves, 200);
        assert!(Latency::of(Vec::new()).is_none());
    }

    #[test]
    fn a_catch_up_is_held_to_its_resident_set() {
        let mut catch_up = row(Scenario::ProcessCatchUp(100_000), 50_000.0, 60_000.0);
        catch_up.check = Some(Ok(()));
        assert_eq!(catch_up.verdict(), Verdict::Met);
        catch_up.check = Some(Err("the resident set grew by 40 MiB".into()));
        assert_eq!(catch_up.verdict(), Verdict::Missed);
    }
}
