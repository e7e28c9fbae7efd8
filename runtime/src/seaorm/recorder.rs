use std::collections::{BTreeMap, HashSet};
use std::ops::ControlFlow;
use std::sync::Arc;

use async_trait::async_trait;
use sea_orm::{ConnectionTrait, DatabaseTransaction};
use uuid::Uuid;

use super::errors::{InsertFailure, SaveError, db_error};
use super::lock::lock_statement;
use super::read;
use super::rows;
use super::statements::{MAX_APPLICATION_NAME, Purpose, Statements};
use super::store::SeaOrmStore;
use super::write::{write_in_savepoint, write_tracking};
use super::write_queue::Save;
use crate::persistence::{
    AggregateRecorder, ApplicationRecorder, EventQuery, Notification, NotificationQuery,
    PersistenceError, ProcessRecorder, StoredEvent, StoredEventRef, Tracking, TrackingRecorder,
};

/// A recorder on a SQL database through SeaORM: the aggregate, application and process
/// recorder of the Python original's `eventsourcing_django`, on SQLite, PostgreSQL and
/// MySQL/MariaDB.
///
/// Each save is one transaction with multi-row inserts. Writers of events are serialised so
/// that notification ids become visible in id order: on PostgreSQL with the same
/// `LOCK TABLE … IN EXCLUSIVE MODE` as the Django recorder (so Rust and Python writers queue
/// behind each other), on MySQL/MariaDB by locking the application's first row
/// (`SELECT … FOR UPDATE`), on SQLite by SQLite's single writer (`BEGIN IMMEDIATE`) and a queue
/// of this process's writers.
///
/// Besides the recorder traits, it records in a transaction of the caller's own
/// ([`insert_events_in`](Self::insert_events_in),
/// [`insert_events_with_tracking_in`](Self::insert_events_with_tracking_in)).
#[derive(Debug, Clone)]
pub struct SeaOrmRecorder {
    store: SeaOrmStore,
    statements: Arc<Statements>,
}

impl SeaOrmStore {
    /// A recorder of events, notifications and tracking for the application (its
    /// `application_name`, at most 32 characters).
    pub fn application_recorder(
        &self,
        application_name: &str,
    ) -> Result<SeaOrmRecorder, PersistenceError> {
        SeaOrmRecorder::new(self, application_name, Purpose::Events)
    }
}

/// A stored value as the database holds it (versions and ids are `bigint`).
fn to_i64(what: &'static str, value: u64) -> Result<i64, PersistenceError> {
    i64::try_from(value).map_err(|_| PersistenceError::OutOfRange { what, value })
}

/// The events' versions as the database stores them.
fn versions(events: &[StoredEvent]) -> Result<Vec<i64>, PersistenceError> {
    events
        .iter()
        .map(|e| to_i64("originator_version", e.originator_version))
        .collect()
}

impl SeaOrmRecorder {
    pub(crate) fn new(
        store: &SeaOrmStore,
        application_name: &str,
        purpose: Purpose,
    ) -> Result<Self, PersistenceError> {
        if application_name.chars().count() > MAX_APPLICATION_NAME {
            return Err(PersistenceError::Configuration {
                what: format!("application name {application_name:?}"),
                reason: format!("application names have at most {MAX_APPLICATION_NAME} characters"),
            });
        }
        let table = match purpose {
            Purpose::Events => &store.tables.stored_events,
            Purpose::Snapshots => &store.tables.snapshots,
        };
        let mut statements = Statements::new(
            store.dialect.clone(),
            application_name,
            purpose,
            table,
            &store.tables.notification_tracking,
        );
        if purpose == Purpose::Events
            && let Some(channel) = store.notification_channel()
        {
            statements.notify = Some(format!("NOTIFY {}", statements.dialect.quote(&channel)));
        }
        Ok(Self {
            store: store.clone(),
            statements: Arc::new(statements),
        })
    }

    /// The application whose rows this recorder reads and writes.
    pub fn application_name(&self) -> &str {
        &self.statements.application_name
    }

    /// The table it records in.
    pub fn table_name(&self) -> &str {
        &self.statements.table
    }

    /// The store (connection, tables, dialect).
    pub fn store(&self) -> &SeaOrmStore {
        &self.store
    }

    pub(crate) fn statements(&self) -> &Statements {
        &self.statements
    }

    pub(crate) fn shared_statements(&self) -> Arc<Statements> {
        self.statements.clone()
    }

    /// The statement that serialises this recorder's writers, as it is sent: `LOCK TABLE … IN
    /// EXCLUSIVE MODE` on PostgreSQL (what the Django recorder takes), on MySQL/MariaDB a
    /// `SELECT … FOR UPDATE` of the application's first row (its one parameter is the
    /// application name), `None` on SQLite. Useful to `EXPLAIN` it.
    ///
    /// On MySQL/MariaDB the statement names the table's index on `(application_name, id)`
    /// (`FORCE INDEX`), looked up in `information_schema` the first time: without it the
    /// optimizer sometimes reads the table in id order from its start, locking every row it
    /// passes (all other applications' rows before this one's first), so that each save takes
    /// longer the more rows the table holds. An index on `(application_name)` alone or starting
    /// with `(application_name, id)` serves too. A table without one, a lookup that fails, or
    /// an index that disappears later, gives the statement without the hint and a warning in
    /// the log.
    pub async fn lock_statement(&self) -> Option<String> {
        lock_statement(&self.statements, self.store.connection()).await
    }

    /// Records the events inside a transaction the caller opened on the store's connection,
    /// so that they commit or roll back together with the caller's own writes (in a savepoint
    /// of it: a failed save leaves the caller's transaction usable).
    pub async fn insert_events_in(
        &self,
        transaction: &DatabaseTransaction,
        events: &[StoredEvent],
    ) -> Result<Vec<u64>, PersistenceError> {
        self.insert_events_with_tracking_in(transaction, events, &[])
            .await
    }

    /// Records the events and the tracking positions inside a transaction the caller opened,
    /// as [`insert_events_in`](Self::insert_events_in) does.
    pub async fn insert_events_with_tracking_in(
        &self,
        transaction: &DatabaseTransaction,
        events: &[StoredEvent],
        tracking: &[Tracking],
    ) -> Result<Vec<u64>, PersistenceError> {
        if events.is_empty() && tracking.is_empty() {
            return Ok(Vec::new());
        }
        // Written in the caller's task: the events are borrowed, not copied into a `Save`.
        let rows: Vec<(&StoredEvent, i64)> = events.iter().zip(versions(events)?).collect();
        let tracking_rows = tracking
            .iter()
            .map(|t| Ok((t, to_i64("notification_id", t.notification_id)?)))
            .collect::<Result<Vec<_>, PersistenceError>>()?;
        match write_in_savepoint(&self.statements, transaction, &rows, &tracking_rows).await {
            Ok(ids) => Ok(ids),
            Err(failure) => Err(self
                .failed(events, tracking, failure, Some(transaction))
                .await),
        }
    }

    /// Records tracking positions inside a transaction the caller opened, with no savepoint
    /// around them: a failure (a position recorded already) leaves the transaction for the
    /// caller to roll back. For a caller that rolls back on any failure anyway (a projection's
    /// batch), one round trip instead of three.
    pub async fn insert_tracking_in(
        &self,
        transaction: &DatabaseTransaction,
        tracking: &[Tracking],
    ) -> Result<(), PersistenceError> {
        let rows = tracking
            .iter()
            .map(|t| Ok((t, to_i64("notification_id", t.notification_id)?)))
            .collect::<Result<Vec<_>, PersistenceError>>()?;
        write_tracking(&self.statements, transaction, &rows)
            .await
            .map_err(|e| db_error(self.application_name(), "recording tracking", e))
    }

    /// Deletes this recorder's tracking rows of `upstream_application_name` inside a
    /// transaction the caller opened: the start of a rebuild of a read model, whose rows the
    /// caller clears in the same transaction. Returns how many rows it deleted.
    pub async fn delete_tracking_in(
        &self,
        transaction: &DatabaseTransaction,
        upstream_application_name: &str,
    ) -> Result<u64, PersistenceError> {
        transaction
            .execute_raw(self.statements.delete_tracking(upstream_application_name))
            .await
            .map(|result| result.rows_affected())
            .map_err(|e| db_error(self.application_name(), "deleting tracking", e))
    }

    /// The save of these events and tracking as the database stores them; `None` when there
    /// is nothing to record.
    fn save(
        &self,
        events: &[StoredEvent],
        tracking: &[Tracking],
    ) -> Result<Option<Save>, PersistenceError> {
        if events.is_empty() && tracking.is_empty() {
            return Ok(None);
        }
        let versions = versions(events)?;
        let tracking = tracking
            .iter()
            .map(|t| Ok((t.clone(), to_i64("notification_id", t.notification_id)?)))
            .collect::<Result<Vec<_>, PersistenceError>>()?;
        Ok(Some(Save {
            statements: self.statements.clone(),
            events: events.to_vec(),
            versions,
            tracking,
        }))
    }

    /// Records a save through the store's queue, with the saves waiting at the same time.
    async fn insert(
        &self,
        events: &[StoredEvent],
        tracking: &[Tracking],
    ) -> Result<Vec<u64>, PersistenceError> {
        let Some(save) = self.save(events, tracking)? else {
            return Ok(Vec::new());
        };
        match self
            .store
            .queue
            .submit(&self.store.driver, &self.store.room, save)
            .await
        {
            Ok(recorded) => {
                // Into the caller's span: the application's `save`, which has these fields.
                let span = tracing::Span::current();
                span.record("group_size", recorded.group_size);
                span.record("retries", recorded.retries);
                Ok(recorded.ids)
            }
            Err(failure) => Err(self.failed(events, tracking, failure, None).await),
        }
    }

    /// The error a failed save gives; a conflict names the conflicting row, looked up in
    /// `transaction` when the save was made in one.
    async fn failed(
        &self,
        events: &[StoredEvent],
        tracking: &[Tracking],
        failure: InsertFailure,
        transaction: Option<&DatabaseTransaction>,
    ) -> PersistenceError {
        let application_name = self.application_name().to_owned();
        match failure.classify() {
            SaveError::Conflict => PersistenceError::Conflict {
                originator: self.find_conflict(events, transaction).await,
                application_name,
            },
            SaveError::TrackingConflict(error) => match tracking.first() {
                Some(t) => PersistenceError::TrackingConflict {
                    application_name,
                    upstream_application_name: t.application_name.clone(),
                    notification_id: t.notification_id,
                },
                None => db_error(&application_name, "inserting tracking", error),
            },
            SaveError::Integrity(message) => PersistenceError::Integrity {
                application_name,
                message,
            },
            SaveError::OutcomeUnknown(error) => PersistenceError::OutcomeUnknown {
                application_name,
                operation: "committing",
                source: Box::new(error),
            },
            SaveError::Database(operation, error) => db_error(&application_name, operation, error),
        }
    }

    /// Which event of a batch that failed on the unique constraint is already recorded (or is
    /// twice in the batch). Only runs after a conflict, to make the error say which.
    async fn find_conflict(
        &self,
        events: &[StoredEvent],
        transaction: Option<&DatabaseTransaction>,
    ) -> Option<(Uuid, u64)> {
        let mut seen = HashSet::new();
        if let Some(e) = events
            .iter()
            .find(|e| !seen.insert((e.originator_id, e.originator_version)))
        {
            return Some((e.originator_id, e.originator_version));
        }
        let mut by_originator: BTreeMap<Uuid, Vec<u64>> = BTreeMap::new();
        for e in events {
            by_originator
                .entry(e.originator_id)
                .or_default()
                .push(e.originator_version);
        }
        for (id, versions) in by_originator {
            let lowest = versions.iter().min().copied().unwrap_or(0);
            let query = EventQuery::new().gt(lowest.saturating_sub(1));
            let recorded = match transaction {
                Some(transaction) => {
                    let stmt = self.statements.select_events(id, query)?;
                    let rows = transaction.query_all_raw(stmt).await.ok()?;
                    rows.iter()
                        .map(|row| rows::event(row, 0, id))
                        .collect::<Result<Vec<_>, _>>()
                        .ok()?
                }
                None => read::select_events(&self.store.driver, &self.statements, id, query)
                    .await
                    .ok()?,
            };
            if let Some(hit) = recorded
                .iter()
                .find(|r| versions.contains(&r.originator_version))
            {
                return Some((id, hit.originator_version));
            }
        }
        None
    }
}

#[async_trait]
impl AggregateRecorder for SeaOrmRecorder {
    async fn insert_events(&self, events: &[StoredEvent]) -> Result<Vec<u64>, PersistenceError> {
        self.insert(events, &[]).await
    }

    async fn select_events(
        &self,
        originator_id: Uuid,
        query: EventQuery,
    ) -> Result<Vec<StoredEvent>, PersistenceError> {
        read::select_events(&self.store.driver, &self.statements, originator_id, query).await
    }

    async fn visit_events(
        &self,
        originator_id: Uuid,
        query: EventQuery,
        visit: &mut (dyn for<'r> FnMut(StoredEventRef<'r>) -> ControlFlow<()> + Send),
    ) -> Result<(), PersistenceError> {
        read::visit_events(
            &self.store.driver,
            &self.statements,
            originator_id,
            query,
            visit,
        )
        .await
    }
}

#[async_trait]
impl ApplicationRecorder for SeaOrmRecorder {
    async fn select_notifications(
        &self,
        query: &NotificationQuery,
    ) -> Result<Vec<Notification>, PersistenceError> {
        read::select_notifications(&self.store.driver, &self.statements, query).await
    }

    async fn max_notification_id(&self) -> Result<Option<u64>, PersistenceError> {
        read::select_max(
            &self.store.driver,
            &self.statements,
            || self.statements.max_notification_id(),
            "selecting the max notification id",
        )
        .await
    }
}

#[async_trait]
impl TrackingRecorder for SeaOrmRecorder {
    async fn insert_tracking(&self, tracking: &Tracking) -> Result<(), PersistenceError> {
        self.insert(&[], std::slice::from_ref(tracking))
            .await
            .map(|_| ())
    }

    async fn max_tracking_id(
        &self,
        upstream_application_name: &str,
    ) -> Result<Option<u64>, PersistenceError> {
        read::select_max(
            &self.store.driver,
            &self.statements,
            || self.statements.max_tracking_id(upstream_application_name),
            "selecting the max tracking id",
        )
        .await
    }
}

#[async_trait]
impl ProcessRecorder for SeaOrmRecorder {
    async fn insert_events_with_tracking(
        &self,
        events: &[StoredEvent],
        tracking: &[Tracking],
    ) -> Result<Vec<u64>, PersistenceError> {
        self.insert(events, tracking).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A save's future is moved into a box by every `async_trait` call on the way, so it must
    /// stay small: the pool's acquire (a large future, as it may open a connection) is boxed
    /// on its own, and only when no connection is kept (`seaorm/kept.rs`). Unboxed, it made
    /// each save's future about 19 KB.
    #[tokio::test]
    async fn a_saves_future_stays_small() {
        let conn = sea_orm::Database::connect("sqlite::memory:").await.unwrap();
        let store = SeaOrmStore::new(conn).await.unwrap();
        let recorder = store.application_recorder("app").unwrap();
        let events = [StoredEvent {
            originator_id: Uuid::new_v4(),
            originator_version: 1,
            topic: "app:Happened".into(),
            state: b"{}".to_vec(),
        }];
        let save = recorder.insert(&events, &[]);
        assert!(
            std::mem::size_of_val(&save) < 4096,
            "{}",
            std::mem::size_of_val(&save)
        );
        let connection = store.driver.connection();
        assert!(std::mem::size_of_val(&connection) < 512);
    }
}
