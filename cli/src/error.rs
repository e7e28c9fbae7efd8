//! Why a command could not run (exit status 2), as opposed to what it found wrong (exit
//! status 1, reported by the command itself).

/// A command could not run.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// A setting is missing or bad: the message names it (never its secret value).
    #[error("bad setting: {0}")]
    Setting(String),
    /// The database could not be reached, or a statement failed.
    #[error("database: {0}")]
    Database(String),
    /// Reading or writing a file or a stream failed.
    #[error("{0}")]
    Io(String),
    /// A stored row cannot be read with the settings (`export`, `rekey`): the message names
    /// it.
    #[error("{0}")]
    BadRow(String),
    /// The input of `import` is not what `export` writes.
    #[error("input line {line}: {reason}")]
    Input {
        /// The line (from 1).
        line: u64,
        /// What is wrong.
        reason: String,
    },
    /// The command refused to start (writers active, a store it would decrypt).
    #[error("{0}")]
    Refused(String),
}

impl CliError {
    /// A failed read or write of `what`.
    pub fn io(what: &str, error: std::io::Error) -> Self {
        CliError::Io(format!("{what}: {error}"))
    }
}
