use std::sync::Arc;

use tracing::Instrument;

use crate::trace::Stopwatch;

use super::ApplicationError;
use crate::persistence::{ApplicationRecorder, Notification, NotificationQuery};

/// The Python original's default section size.
pub const DEFAULT_SECTION_SIZE: u64 = 10;

/// A section of the notification log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Section {
    /// `"first,last"`: the ids of the first and last notifications it holds (`None` when
    /// empty).
    pub id: Option<String>,
    /// The notifications, in id order.
    pub items: Vec<Notification>,
    /// The id of the next section, when this one is full.
    pub next_id: Option<String>,
}

/// An application's events in the order they were recorded, in sections of a fixed size,
/// addressed as `"first,last"`, as in the Python original's `LocalNotificationLog`.
#[derive(Debug, Clone)]
pub struct NotificationLog {
    application_name: Arc<str>,
    recorder: Arc<dyn ApplicationRecorder>,
    section_size: u64,
}

impl NotificationLog {
    /// A log over this recorder with sections of `section_size` notifications.
    pub fn new(
        application_name: impl Into<Arc<str>>,
        recorder: Arc<dyn ApplicationRecorder>,
        section_size: u64,
    ) -> Self {
        Self {
            application_name: application_name.into(),
            recorder,
            section_size,
        }
    }

    /// The number of notifications in a full section.
    pub fn section_size(&self) -> u64 {
        self.section_size
    }

    fn error(&self, reason: String) -> ApplicationError {
        ApplicationError::NotificationLog {
            application_name: self.application_name.to_string(),
            reason,
        }
    }

    /// The section with id `"first,last"`: at most a section's worth of notifications with ids
    /// from `first`. The returned id names the notifications actually present (there may be
    /// gaps), and `next_id` is set when the section is full.
    pub async fn section(&self, section_id: &str) -> Result<Section, ApplicationError> {
        let bad = || self.error(format!("section id {section_id:?} is not \"first,last\""));
        let (first, last) = section_id.split_once(',').ok_or_else(bad)?;
        let first: i64 = first.trim().parse().map_err(|_| bad())?;
        let last: i64 = last.trim().parse().map_err(|_| bad())?;
        let start = first.max(1);
        let requested = u64::try_from(i128::from(last) - i128::from(start) + 1).unwrap_or(0);
        let limit = requested.min(self.section_size);
        // `start` is at least 1, so it converts.
        let start = start.unsigned_abs();
        let items = if limit == 0 {
            Vec::new()
        } else {
            self.select(start, limit, None, &[]).await?
        };
        let (id, next_id) = match (items.first(), items.last()) {
            (Some(first), Some(last)) => (
                Some(format!("{},{}", first.id, last.id)),
                (items.len() as u64 == limit)
                    .then(|| format!("{},{}", last.id + 1, last.id + limit)),
            ),
            _ => (None, None),
        };
        Ok(Section { id, items, next_id })
    }

    /// Up to `limit` notifications (at most a section) from id `start`, up to `stop`, with one
    /// of `topics` (any when empty).
    pub async fn select(
        &self,
        start: u64,
        limit: u64,
        stop: Option<u64>,
        topics: &[&str],
    ) -> Result<Vec<Notification>, ApplicationError> {
        let mut query = NotificationQuery::new(Some(start), limit).topics(topics.iter().copied());
        query.stop = stop;
        self.select_query(&query).await
    }

    /// The notifications of `query`, whose limit is at most a section.
    pub async fn select_query(
        &self,
        query: &NotificationQuery,
    ) -> Result<Vec<Notification>, ApplicationError> {
        if query.limit > self.section_size {
            return Err(self.error(format!(
                "requested limit {} is greater than the section size {}",
                query.limit, self.section_size
            )));
        }
        let span = tracing::info_span!(
            "read_log",
            application = %self.application_name,
            start = query.start,
            limit = query.limit,
            stop = query.stop,
            topics = query.topics.len(),
            skipped = query.excluded.len(),
            notifications = tracing::field::Empty,
            last_id = tracing::field::Empty,
            duration_us = tracing::field::Empty,
            error = tracing::field::Empty,
        );
        let stopwatch = Stopwatch::start(&span);
        let selected = self
            .recorder
            .select_notifications(query)
            .instrument(span.clone())
            .await;
        stopwatch.finish(&span, &selected);
        if let Ok(notifications) = &selected {
            span.record("notifications", notifications.len());
            if let Some(last) = notifications.last() {
                span.record("last_id", last.id);
            }
        }
        Ok(selected?)
    }

    /// A reader that follows the log from notification id `start`.
    pub fn reader(&self, start: u64) -> NotificationLogReader {
        NotificationLogReader {
            log: self.clone(),
            next: start.max(1),
            topics: Vec::new(),
            skipped: Vec::new(),
        }
    }
}

/// Follows a notification log from a position, a section at a time. Reading again after the
/// end returns what has been recorded since.
///
/// A row that cannot be read stops the reader with an error naming its notification id
/// ([`ApplicationError::bad_notification_id`]); the reader reads past it only when told to
/// ([`skip`](Self::skip)), so that nothing is passed over silently.
#[derive(Debug, Clone)]
pub struct NotificationLogReader {
    log: NotificationLog,
    next: u64,
    topics: Vec<String>,
    skipped: Vec<u64>,
}

impl NotificationLogReader {
    /// Reads only notifications with these topics.
    pub fn topics<I: IntoIterator<Item = S>, S: Into<String>>(mut self, topics: I) -> Self {
        self.topics = topics.into_iter().map(Into::into).collect();
        self
    }

    /// The id the next read starts from.
    pub fn position(&self) -> u64 {
        self.next
    }

    /// Leaves out the notification with id `notification_id` from now on: a row that cannot
    /// be read, named by an error's [`ApplicationError::bad_notification_id`]. The rows around
    /// it are read as usual.
    pub fn skip(&mut self, notification_id: u64) {
        if notification_id >= self.next && !self.skipped.contains(&notification_id) {
            self.skipped.push(notification_id);
        }
    }

    /// The ids left out by [`skip`](Self::skip) that are still ahead of the position.
    pub fn skipped(&self) -> &[u64] {
        &self.skipped
    }

    /// The next notifications (at most a section); empty when there are none yet.
    pub async fn next_batch(&mut self) -> Result<Vec<Notification>, ApplicationError> {
        let query = NotificationQuery::new(Some(self.next), self.log.section_size)
            .topics(self.topics.iter().map(String::as_str))
            .excluding(self.skipped.iter().copied());
        let batch = self.log.select_query(&query).await?;
        if let Some(last) = batch.last() {
            self.next = last.id + 1;
            // Skipped ids behind the position need not be sent again.
            let next = self.next;
            self.skipped.retain(|&id| id >= next);
        }
        Ok(batch)
    }

    /// Every notification from the position to the end of the log as it is now.
    pub async fn read_to_end(&mut self) -> Result<Vec<Notification>, ApplicationError> {
        let mut all = Vec::new();
        loop {
            let batch = self.next_batch().await?;
            let full = !batch.is_empty() && batch.len() as u64 == self.log.section_size;
            all.extend(batch);
            if !full {
                return Ok(all);
            }
        }
    }
}
