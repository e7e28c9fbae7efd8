//! What the library logs through `tracing`, captured as text for a test to read: one line per
//! span (its name and every field, those given when it opened and those recorded later) and
//! one line per event.

use std::collections::HashMap;
use std::fmt::{self, Write as _};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::subscriber::DefaultGuard;
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::filter::LevelFilter;
use tracing_subscriber::layer::{Context, Layer, SubscriberExt};

/// Everything logged at `level` or above on this thread (a `#[tokio::test]` runs its tasks on
/// it), until dropped.
pub struct CapturedLogs {
    captured: Arc<Mutex<Captured>>,
    _guard: DefaultGuard,
}

#[derive(Default)]
struct Captured {
    /// Spans and events in the order they began: `name{field=value …}` or
    /// `LEVEL target: field=value …`.
    lines: Vec<String>,
    /// Which line each open span is.
    spans: HashMap<u64, usize>,
    /// The lines of the spans that closed.
    closed: Vec<usize>,
}

impl CapturedLogs {
    /// Starts capturing.
    pub fn start(level: Level) -> Self {
        let captured = Arc::new(Mutex::new(Captured::default()));
        let layer = Capture(Arc::clone(&captured)).with_filter(LevelFilter::from_level(level));
        let subscriber = tracing_subscriber::registry().with(layer);
        Self {
            captured,
            _guard: tracing::subscriber::set_default(subscriber),
        }
    }

    /// The text captured so far, a line per span or event; a span's line ends with `}`, and
    /// ` closed` once the span has closed.
    pub fn text(&self) -> String {
        let captured = lock(&self.captured);
        let mut text = String::new();
        for (index, line) in captured.lines.iter().enumerate() {
            text.push_str(line);
            if !line.contains(": ") {
                text.push('}');
                if captured.closed.contains(&index) {
                    text.push_str(" closed");
                }
            }
            text.push('\n');
        }
        text
    }
}

fn lock(captured: &Mutex<Captured>) -> MutexGuard<'_, Captured> {
    captured.lock().unwrap_or_else(PoisonError::into_inner)
}

struct Capture(Arc<Mutex<Captured>>);

impl<S: Subscriber> Layer<S> for Capture {
    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, _: Context<'_, S>) {
        let mut line = format!("{}{{", attrs.metadata().name());
        attrs.record(&mut Fields(&mut line));
        let mut captured = lock(&self.0);
        let index = captured.lines.len();
        captured.lines.push(line);
        captured.spans.insert(id.into_u64(), index);
    }

    fn on_record(&self, id: &Id, values: &Record<'_>, _: Context<'_, S>) {
        let mut captured = lock(&self.0);
        if let Some(&index) = captured.spans.get(&id.into_u64()) {
            values.record(&mut Fields(&mut captured.lines[index]));
        }
    }

    fn on_close(&self, id: Id, _: Context<'_, S>) {
        let mut captured = lock(&self.0);
        if let Some(index) = captured.spans.remove(&id.into_u64()) {
            captured.closed.push(index);
        }
    }

    fn on_event(&self, event: &Event<'_>, _: Context<'_, S>) {
        let metadata = event.metadata();
        let mut line = format!("{} {}: ", metadata.level(), metadata.target());
        event.record(&mut Fields(&mut line));
        lock(&self.0).lines.push(line);
    }
}

/// Writes fields as ` name=value` (strings bare, the rest as `Debug` shows them; a `%` field
/// as its `Display`).
struct Fields<'a>(&'a mut String);

impl Visit for Fields<'_> {
    fn record_str(&mut self, field: &Field, value: &str) {
        let _ = write!(self.0, " {}={value}", field.name());
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        let _ = write!(self.0, " {}={value:?}", field.name());
    }
}
