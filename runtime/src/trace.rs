//! What the library's `tracing` spans share: each records its operation's own duration as a
//! field, `duration_us`, since a span may close later than its operation ends (sqlx's SQLite
//! worker keeps the span of a connection's last statement until its next one).

use std::fmt;
use std::time::Instant;

use tracing::Span;

/// Times an operation for its span; does nothing when no subscriber takes the span.
pub(crate) struct Stopwatch(Option<Instant>);

impl Stopwatch {
    /// Starts timing for `span`.
    pub(crate) fn start(span: &Span) -> Self {
        Self((!span.is_disabled()).then(Instant::now))
    }

    /// Records the time since the start in `span`'s `duration_us` field.
    pub(crate) fn record(&self, span: &Span) {
        if let Some(started) = self.0 {
            let micros = u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX);
            span.record("duration_us", micros);
        }
    }

    /// Records the duration, and the error when `outcome` is one (in `span`'s `error` field).
    pub(crate) fn finish<T, E: fmt::Display>(&self, span: &Span, outcome: &Result<T, E>) {
        self.record(span);
        if let Err(error) = outcome {
            span.record("error", tracing::field::display(error));
        }
    }
}
