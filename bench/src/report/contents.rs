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
    /// The scenario numbers `--only` asked for; `None` when every scenario ran.
    pub only: Option<Vec<u8>>,
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
    /// What kind of run it was: `full run`, `quick run`, `quick run of scenarios 9, 10 only`.
    pub fn kind(&self) -> String {
        let size = if self.quick { "quick" } else { "full" };
        match &self.only {
            None => format!("{size} run"),
            Some(numbers) => {
                let numbers: Vec<String> = numbers.iter().map(u8::to_string).collect();
                let plural = if numbers.len() == 1 { "" } else { "s" };
                format!("{size} run of scenario{plural} {} only", numbers.join(", "))
            }
        }
    }

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
