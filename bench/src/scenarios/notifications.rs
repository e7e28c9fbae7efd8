//! Scenario 5: reading the notification log from the start in sections of 100 and 1,000,
//! against the raw driver's `SELECT … WHERE id >= ? ORDER BY id LIMIT ?` (on SQLite the limit
//! is written into the text, as the recorder writes it).

use eventsourcing_seaorm::application::Application;

use super::context::{APP, Context};
use crate::BenchError;
use crate::measure::{Work, compare};
use crate::raw::RawDb;
use crate::results::Scenario;

/// The library: the next section from the application's notification log (built with sections
/// of 1,000); back to the start at the end of the log.
pub struct OursSections<'a> {
    /// The application.
    pub app: &'a Application,
    /// Notifications per section.
    pub size: u64,
    /// The next id to read from.
    pub next: u64,
}

impl Work for OursSections<'_> {
    async fn step(&mut self) -> Result<u64, BenchError> {
        let items = self
            .app
            .notification_log()
            .select(self.next, self.size, None, &[])
            .await?;
        self.next = match items.last() {
            Some(last) if items.len() as u64 == self.size => last.id + 1,
            _ => 1,
        };
        Ok(items.len() as u64)
    }
}

/// The raw driver: the same section.
pub struct RawSections<'a> {
    /// The connection.
    pub raw: &'a mut RawDb,
    /// Notifications per section.
    pub size: i64,
    /// The next id to read from.
    pub next: i64,
}

impl Work for RawSections<'_> {
    async fn step(&mut self) -> Result<u64, BenchError> {
        let items = self
            .raw
            .select_notifications(APP, self.next, self.size)
            .await?;
        self.next = match items.last() {
            Some(last) if items.len() as i64 == self.size => last.id + 1,
            _ => 1,
        };
        Ok(items.len() as u64)
    }
}

/// Runs scenario 5 (on the events the earlier scenarios recorded).
pub async fn run(cx: &mut Context<'_>) -> Result<(), BenchError> {
    let app = cx.db.app(APP, false, &[]).await?;
    let mut raw = cx.db.raw().await?;
    let recorded = app.recorder().max_notification_id().await?.unwrap_or(0);
    cx.db.analyze().await?;
    for (scenario, size) in [(Scenario::Log100, 100), (Scenario::Log1000, 1000)] {
        cx.announce(scenario);
        let (ours, baseline) = compare(
            &mut OursSections {
                app: &app,
                size,
                next: 1,
            },
            &mut RawSections {
                raw: &mut raw,
                size: size as i64,
                next: 1,
            },
            &cx.sizes.plan,
        )
        .await?;
        cx.record(
            scenario,
            ours,
            baseline,
            format!("log ids up to {recorded}"),
            None,
        );
    }
    raw.close().await;
    Ok(())
}
