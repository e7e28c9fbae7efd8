//! `verify`: reads every stored event and snapshot, decodes each, and checks each aggregate's
//! versions (1, 2, 3, … without gaps) and that no snapshot is beyond its aggregate's last
//! event.

use std::collections::{HashMap, HashSet};
use std::io::Write;
use std::process::ExitCode;
use std::sync::Arc;

use eventsourcing_seaorm::persistence::Mapper;
use futures_util::TryStreamExt;
use serde_json::json;
use uuid::Uuid;

use crate::error::CliError;
use crate::options::{Format, VerifyArgs};
use crate::progress;
use crate::store::{Row, Store, Table};

/// Rows read per select.
const PAGE: u64 = 1000;

/// A bad row.
#[derive(Debug, Clone)]
pub struct Problem {
    /// `stored_events` or `snapshots`.
    pub table: &'static str,
    /// The notification id, or the snapshot's `uid`.
    pub id: u64,
    /// The application.
    pub application_name: String,
    /// The aggregate.
    pub originator_id: Uuid,
    /// Its version.
    pub originator_version: u64,
    /// The topic.
    pub topic: String,
    /// What is wrong.
    pub error: String,
}

/// What a verification found.
#[derive(Debug, Default)]
pub struct Report {
    /// Events read.
    pub events: u64,
    /// Snapshots read.
    pub snapshots: u64,
    /// Aggregates (distinct application and originator id) with events.
    pub aggregates: u64,
    /// Bad rows, in the order found.
    pub errors: Vec<Problem>,
}

impl Report {
    /// The report as the JSON object `--format json` prints.
    pub fn to_json(&self) -> serde_json::Value {
        json!({
            "events": self.events,
            "snapshots": self.snapshots,
            "aggregates": self.aggregates,
            "errors": self.errors.iter().map(|p| json!({
                "table": p.table,
                "id": p.id,
                "application_name": p.application_name,
                "originator_id": p.originator_id.hyphenated().to_string(),
                "originator_version": p.originator_version,
                "topic": p.topic,
                "error": p.error,
            })).collect::<Vec<_>>(),
        })
    }

    /// Prints the report: every bad row, then the summary.
    pub fn print(&self, format: Format) -> Result<(), CliError> {
        let mut out = std::io::stdout().lock();
        let written = match format {
            Format::Json => writeln!(out, "{}", self.to_json()),
            Format::Text => {
                let mut text = String::new();
                for p in &self.errors {
                    text.push_str(&format!(
                        "{} {} ({} {} v{} {}): {}\n",
                        p.table,
                        p.id,
                        p.application_name,
                        p.originator_id,
                        p.originator_version,
                        p.topic,
                        p.error
                    ));
                }
                text.push_str(&format!(
                    "{} event(s) of {} aggregate(s), {} snapshot(s): {}\n",
                    self.events,
                    self.aggregates,
                    self.snapshots,
                    match self.errors.len() {
                        0 => "all good".to_owned(),
                        n => format!("{n} bad row(s)"),
                    }
                ));
                write!(out, "{text}")
            }
        };
        written.map_err(|e| CliError::io("writing the output", e))
    }
}

/// Verifies the store with its own settings and prints the report.
pub async fn run(store: &Store, args: &VerifyArgs, format: Format) -> Result<ExitCode, CliError> {
    let known = match &args.topics {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .map_err(|e| CliError::io(&format!("reading {}", path.display()), e))?;
            Some(
                text.lines()
                    .map(str::trim)
                    .filter(|l| !l.is_empty() && !l.starts_with('#'))
                    .map(str::to_owned)
                    .collect(),
            )
        }
        None => None,
    };
    let report = check(store, &|app| store.mapper(app), known.as_ref()).await?;
    report.print(format)?;
    Ok(super::status(report.errors.len()))
}

/// What is wrong with a topic: not of the form `module:Name` (as every topic of the Python
/// original and of this library is), or not among the `known` topics when they are given.
fn topic_problem(topic: &str, known: Option<&HashSet<String>>) -> Option<String> {
    let identifiers = |text: &str| {
        !text.is_empty()
            && text.split('.').all(|part| {
                let mut chars = part.chars();
                chars.next().is_some_and(|c| c.is_alphabetic() || c == '_')
                    && chars.all(|c| c.is_alphanumeric() || c == '_')
            })
    };
    let well_formed = topic
        .split_once(':')
        .is_some_and(|(module, name)| identifiers(module) && identifiers(name));
    if !well_formed {
        return Some(format!(
            "unknown topic {topic:?}: not of the form module:Name"
        ));
    }
    match known {
        Some(known) if !known.contains(topic) => Some(format!(
            "unknown topic {topic:?}: not in the list of known topics"
        )),
        _ => None,
    }
}

/// Reads and checks every event and snapshot (of `--app`, when given), decoding each with the
/// mapper `mappers` gives for its application.
pub async fn check(
    store: &Store,
    mappers: &dyn Fn(&str) -> Result<Arc<Mapper>, CliError>,
    known: Option<&HashSet<String>>,
) -> Result<Report, CliError> {
    let mut report = Report::default();
    let bar = progress::bar("verifying", Some(store.count_rows().await?));
    // Each aggregate's last version seen.
    let mut versions: HashMap<(String, Uuid), u64> = HashMap::new();
    for table in [Table::Events, Table::Snapshots] {
        let mut pages = std::pin::pin!(store.pages(table, None, PAGE));
        while let Some(rows) = pages.try_next().await? {
            for row in &rows {
                let mut problems = Vec::new();
                if let Some(problem) = topic_problem(&row.topic, known) {
                    problems.push(problem);
                }
                match mappers(&row.application_name) {
                    Ok(mapper) => {
                        if let Err(error) = mapper.decode_state(&row.state) {
                            problems.push(format!("cannot decode the state: {error}"));
                        }
                    }
                    Err(error) => problems.push(error.to_string()),
                }
                let key = (row.application_name.clone(), row.originator_id);
                match table {
                    Table::Events => {
                        report.events += 1;
                        let last = versions.get(&key).copied().unwrap_or(0);
                        if row.originator_version != last + 1 {
                            problems.push(version_problem(last, row.originator_version));
                        }
                        versions.insert(key, row.originator_version.max(last));
                    }
                    Table::Snapshots => {
                        report.snapshots += 1;
                        match versions.get(&key) {
                            None => problems.push("snapshot of an aggregate that has no events".into()),
                            Some(&last) if row.originator_version > last => problems.push(format!(
                                "snapshot at version {} is beyond the aggregate's last event (version {last})",
                                row.originator_version
                            )),
                            Some(_) => {}
                        }
                    }
                }
                for error in problems {
                    report.errors.push(problem(table, row, error));
                }
            }
            bar.inc(rows.len() as u64);
        }
    }
    bar.finish_and_clear();
    report.aggregates = versions.len() as u64;
    Ok(report)
}

fn version_problem(last: u64, version: u64) -> String {
    match (last, version) {
        (0, v) => format!("the aggregate's first event is at version {v}, not 1"),
        (l, v) if v <= l => format!("version {v} comes after version {l} in the log"),
        (l, v) if v == l + 2 => format!("version {} is missing (version {v} follows {l})", l + 1),
        (l, v) => format!(
            "versions {} to {} are missing (version {v} follows {l})",
            l + 1,
            v - 1
        ),
    }
}

fn problem(table: Table, row: &Row, error: String) -> Problem {
    Problem {
        table: table.name(),
        id: row.id,
        application_name: row.application_name.clone(),
        originator_id: row.originator_id,
        originator_version: row.originator_version,
        topic: row.topic.clone(),
        error,
    }
}
