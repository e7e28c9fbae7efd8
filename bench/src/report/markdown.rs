//! The results as `RESULTS.md`.

use std::fmt::Write as _;

use super::contents::Report;
use crate::format::{gib, mib, si};
use crate::results::{Row, Verdict, ms};

fn verdict(verdict: Verdict) -> &'static str {
    match verdict {
        Verdict::Met => "met",
        Verdict::Missed => "**missed**",
        Verdict::None => "",
    }
}

/// The table's row: a ratio row's figures, or a lag row's percentiles.
fn table_row(row: &Row) -> String {
    match row.latency {
        Some(latency) => format!(
            "| {} | {} | ms p50 / p99 | {} / {} | | | {} | {} |",
            row.target(),
            row.scenario.label(),
            ms(latency.p50),
            ms(latency.p99),
            row.goal_wording(),
            verdict(row.verdict()),
        ),
        None => format!(
            "| {} | {} | {} | {} | {} {} | {:.2}× | {} | {} |",
            row.target(),
            row.scenario.label(),
            row.unit(),
            si(row.figure(row.ours)),
            si(row.figure(row.baseline)),
            row.scenario.baseline().name(),
            row.ratio(),
            row.goal_wording(),
            verdict(row.verdict()),
        ),
    }
}

/// `RESULTS.md`: when, where, how, the table, the goals met and missed, and the notes.
pub fn markdown(report: &Report) -> String {
    let mut out = String::new();
    let m = &report.machine;
    let _ = writeln!(out, "# Benchmark results\n");
    let _ = writeln!(
        out,
        "Measured {} with\n\n```sh\n{}\n```\n\n({}, {:.0} s). The chart of the same figures is \
         [`events_per_second.svg`](events_per_second.svg).\n",
        report.date,
        report.command,
        report.kind(),
        report.duration.as_secs_f64(),
    );
    let _ = writeln!(out, "## Machine\n");
    let _ = writeln!(
        out,
        "- {} CPUs ({}), {} memory, Linux {}",
        m.cpus,
        m.cpu_model,
        gib(m.memory),
        m.kernel
    );
    let _ = writeln!(
        out,
        "- load average when the run started: {}",
        m.load_average
    );
    for (target, version) in &report.versions {
        let _ = writeln!(out, "- {target}: {version}");
    }
    for skipped in &report.skipped {
        let _ = writeln!(out, "- skipped: {skipped}");
    }
    if let Some(peak) = report.peak_rss {
        let _ = writeln!(out, "- peak RSS of the bench process: {}", mib(peak));
    }
    if let Some(library) = &report.library {
        let _ = writeln!(out, "- library measured: {library}");
    }
    let _ = writeln!(
        out,
        "\n## How to read it\n\n\
         Each scenario runs through an `Application` exactly as a user writes one (the seed's \
         `World` aggregate, `save`, `repository().get`, the notification log), and then as raw \
         sqlx statements doing the same database work on one connection over the same transport: \
         `BEGIN` (`BEGIN IMMEDIATE` on SQLite), the lock the recorder takes so that notification \
         ids become visible in order (`LOCK TABLE … IN EXCLUSIVE MODE` on PostgreSQL, the \
         application's first row `FOR UPDATE` on MySQL/MariaDB), one multi-row `INSERT … \
         RETURNING id`, `COMMIT`; and the same `SELECT`s. The ratio is ours ÷ baseline, from the \
         same run; the two sides alternate over {} short repetition(s), and the pair of adjacent \
         repetitions (one of each side) whose ratio is the median is shown. \
         Scenario 6 compares zlib + AES-256-GCM with plain states of the same size; \"7. 16 writers \
         ÷ 1 writer\" compares the library with itself. Scenario 9 (issue 23) is a process \
         application following a leader of one-event worlds and recording one event of its own \
         and one tracking row per notification, one or 100 notifications per transaction; its \
         raw side does a follower's statements (the `MAX(notification_id)` of its tracking, \
         selects of 100 notifications, and per transaction `BEGIN`, the lock, the events' \
         `INSERT … RETURNING`, the tracking rows' `INSERT`, `COMMIT`). Its catch-up row is one \
         pass of a fresh follower over the whole log, with the resident set read after a tenth \
         and at the end (its goal, \"RSS flat\", is its check). Scenario 10 (issue 24) is a \
         projection runner upserting one read-model row per upstream event, 100 events per \
         transaction with their tracking rows, one pass over a log of one-event worlds from \
         `start` to `wait` for its last notification; its raw side selects the next 100 \
         notifications, decodes each state with serde_json and sends `BEGIN`, the same upsert \
         per event, the tracking rows' `INSERT`, `COMMIT`. Its lag rows are no ratios: while a \
         writer saves 1,000 one-event worlds a second, each save's time from its commit to the \
         read model's position covering it, as the median and 99th percentile in milliseconds, \
         with the runner polling every 50 ms (writer on a pool of its own), woken by \
         PostgreSQL's `NOTIFY`, or woken by its upstream application's own saves (no goal). \
         TCP rows suffer from sqlx 0.9.0 leaving \
         Nagle's algorithm on (sqlx issue #4335), and over TCP sqlx negotiates TLS with a \
         PostgreSQL server that has `ssl=on` (its default `sslmode=prefer`): compare them with \
         the socket rows. Before the read scenarios the tables are `ANALYZE`d, as autovacuum \
         does in a running system.\n",
        report.repetitions,
    );
    let _ = writeln!(out, "## Results\n");
    let _ = writeln!(
        out,
        "| target | scenario | unit | ours | baseline | ours ÷ baseline | goal | |\n|---|---|---|--:|--:|--:|---|---|"
    );
    for row in &report.rows {
        let _ = writeln!(out, "{}", table_row(row));
    }
    let python = report.against_python();
    if !python.is_empty() {
        let _ = writeln!(
            out,
            "\n## Against the Python original\n\n\
             eventsourcing 9.4.6 + eventsourcing_django 0.6 on the same machine. The goal is 10× \
             Python (5× for a process application's one notification per transaction) where the \
             raw driver reaches as much; where it does not, 0.8× raw. The process rows' Python \
             figure is its `ProcessApplication` measured in the same run on the same tables \
             (`bench/python/process.py`, one notification per transaction, as Python always \
             does); the others were measured before.\n\n\
             | target | scenario | Python | ours | ours ÷ Python | raw ÷ Python | |\n|---|---|--:|--:|--:|--:|---|"
        );
        for (row, versus) in python {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {:.1}× | {:.1}× | {} |",
                row.target(),
                row.scenario.label(),
                si(versus.python),
                si(row.figure(row.ours)),
                versus.ours,
                versus.raw,
                verdict(versus.verdict()),
            );
        }
    }
    let goals: Vec<_> = report
        .rows
        .iter()
        .filter(|r| r.verdict() != Verdict::None)
        .collect();
    let missed: Vec<_> = goals
        .iter()
        .filter(|r| r.verdict() == Verdict::Missed)
        .collect();
    let _ = writeln!(
        out,
        "\n## Goals\n\n{} of {} goals met.\n",
        goals.len() - missed.len(),
        goals.len()
    );
    for row in missed {
        let goal = match row.goal_wording() {
            "" => "check",
            wording => wording,
        };
        let _ = writeln!(
            out,
            "- missed: {} {} — {} ({goal})",
            row.target(),
            row.scenario.label(),
            row.result()
        );
    }
    let notes = report.noted();
    if !notes.is_empty() {
        let _ = writeln!(out, "\n## Notes\n");
        for row in notes {
            let _ = writeln!(
                out,
                "- {} {}: {}",
                row.target(),
                row.scenario.label(),
                row.note
            );
        }
    }
    out
}
