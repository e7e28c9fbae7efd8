//! A one-line progress display on standard error, for the long catch-ups of `sync_followers`
//! and of a projection's rebuild: redrawn at most ten times a second, and only when standard
//! error is a terminal (nothing goes to a log file or a pipe).

use std::io::{IsTerminal, Write};
use std::time::{Duration, Instant};

/// How often the line is redrawn at most.
const REDRAW: Duration = Duration::from_millis(100);

/// The progress line.
pub(crate) struct Progress {
    enabled: bool,
    drawn: Option<Instant>,
}

impl Progress {
    /// A progress line when `wanted` and standard error is a terminal; else one that shows
    /// nothing.
    pub(crate) fn new(wanted: bool) -> Self {
        Self {
            enabled: wanted && std::io::stderr().is_terminal(),
            drawn: None,
        }
    }

    /// Redraws the line with `text` (made only when it is drawn), unless it was drawn less
    /// than a tenth of a second ago.
    pub(crate) fn show(&mut self, text: impl FnOnce() -> String) {
        if !self.enabled || self.drawn.is_some_and(|at| at.elapsed() < REDRAW) {
            return;
        }
        let mut err = std::io::stderr().lock();
        let _ = write!(err, "\r{}   ", text());
        let _ = err.flush();
        self.drawn = Some(Instant::now());
    }

    /// Ends the line, when one was drawn: the next output starts on a line of its own.
    pub(crate) fn done(&mut self) {
        if self.drawn.take().is_some() {
            let _ = writeln!(std::io::stderr());
        }
    }
}
