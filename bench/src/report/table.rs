//! The results as a plain-text table, for stdout.

use std::fmt::Write as _;

use super::contents::Report;
use crate::format::si;
use crate::results::{Verdict, ms};

fn verdict(verdict: Verdict) -> &'static str {
    match verdict {
        Verdict::Met => "met",
        Verdict::Missed => "MISSED",
        Verdict::None => "",
    }
}

/// The table: one line per target and scenario, then the comparison with Python and the notes.
pub fn table(report: &Report) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{:<16} {:<42} {:>8} {:>9} {:>9} {:>7}  {:<24} verdict",
        "target", "scenario", "unit", "ours", "baseline", "ratio", "goal"
    );
    for row in &report.rows {
        let goal = row.goal_wording();
        let _ = match row.latency {
            Some(latency) => writeln!(
                out,
                "{:<16} {:<42} {:>8} {:>19} {:>8}  {:<24} {}",
                row.target(),
                row.scenario.label(),
                "ms",
                format!("p50 {} p99 {}", ms(latency.p50), ms(latency.p99)),
                "",
                goal,
                verdict(row.verdict()),
            ),
            None => writeln!(
                out,
                "{:<16} {:<42} {:>8} {:>9} {:>9} {:>6.2}×  {:<24} {}",
                row.target(),
                row.scenario.label(),
                row.unit(),
                si(row.figure(row.ours)),
                si(row.figure(row.baseline)),
                row.ratio(),
                goal,
                verdict(row.verdict()),
            ),
        };
    }
    let python = report.against_python();
    if !python.is_empty() {
        let _ = writeln!(
            out,
            "\nagainst the Python original (eventsourcing 9.4.6 + eventsourcing_django 0.6, same machine):"
        );
        for (row, versus) in python {
            let _ = writeln!(
                out,
                "{:<16} {:<42} python {:>6}  ours ÷ python {:>5.1}×  raw ÷ python {:>5.1}×  {}",
                row.target(),
                row.scenario.label(),
                si(versus.python),
                versus.ours,
                versus.raw,
                verdict(versus.verdict()),
            );
        }
    }
    let notes = report.noted();
    if !notes.is_empty() {
        let _ = writeln!(out, "\nnotes:");
        for row in notes {
            let _ = writeln!(
                out,
                "{:<16} {}: {}",
                row.target(),
                row.scenario.label(),
                row.note
            );
        }
    }
    out
}
