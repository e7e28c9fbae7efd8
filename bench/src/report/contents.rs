//! What a report says: the rows, the machine, the databases and how the run went.

use std::time::Duration;

use crate::process::Machine;
use crate::results::{PythonComparison, Row};

/// Everything a report says.
#[derive(Debug, Clone)]
pub struct Report {
    /// One row per target and scenario.
    pub rows: Vec<Row>,
    /// The machine.
    pub machine: Machine,
    /// `(target, database version)` for each target reached.
    pub versions: Vec<(String, String)>,
    /// Targets that were skipped, with why.
    pub skipped: Vec<String>,
    /// The command that ran the bench.
    pub command: String,
    /// When it ran (UTC).
    pub date: String,
    /// Whether it was a quick run.
    pub quick: bool,
    /// Repetitions of each side in each comparison.
    pub repetitions: usize,
    /// How long it took.
    pub duration: Duration,
    /// The bench process's peak resident set, in bytes.
    pub peak_rss: Option<u64>,
    /// Which source of the library was measured (see [`crate::process::library_source`]).
    pub library: Option<String>,
}

impl Report {
    /// The rows that have a figure from the Python original, with the comparison.
    pub fn against_python(&self) -> Vec<(&Row, PythonComparison)> {
        self.rows
            .iter()
            .filter_map(|row| Some((row, row.versus_python()?)))
            .collect()
    }

    /// The rows that carry a note.
    pub fn noted(&self) -> Vec<&Row> {
        self.rows
            .iter()
            .filter(|row| !row.note.is_empty())
            .collect()
    }
}
