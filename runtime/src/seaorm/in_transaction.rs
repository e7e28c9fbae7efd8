//! A recorder's selects of an aggregate's events in a transaction the caller opened: how a unit
//! of work (`application/unit_of_work.rs`) reads aggregates in the transaction it saves them
//! in, which also works where the pool has a single connection (SQLite in memory) that the
//! transaction holds.

use std::sync::Arc;

use async_trait::async_trait;
use sea_orm::{ConnectionTrait, DatabaseTransaction};
use uuid::Uuid;

use super::read::{events_of, selecting};
use super::recorder::SeaOrmRecorder;
use super::snapshot_recorder::SeaOrmSnapshotRecorder;
use super::statements::{EventBounds, Statements};
use crate::persistence::{AggregateRecorder, EventQuery, PersistenceError, StoredEvent};

/// The selects of a [`SeaOrmRecorder`] (or a snapshot recorder) run in a transaction: an
/// [`AggregateRecorder`] that reads there, and records nothing (saves in a transaction go
/// through [`SeaOrmRecorder::insert_events_in`]).
#[derive(Debug, Clone)]
pub struct ReadsInTransaction {
    statements: Arc<Statements>,
    transaction: Arc<DatabaseTransaction>,
}

impl SeaOrmRecorder {
    /// This recorder's selects, run in `transaction`.
    pub fn reads_in(&self, transaction: Arc<DatabaseTransaction>) -> ReadsInTransaction {
        ReadsInTransaction {
            statements: self.shared_statements(),
            transaction,
        }
    }
}

impl SeaOrmSnapshotRecorder {
    /// This recorder's selects of snapshots, run in `transaction`.
    pub fn reads_in(&self, transaction: Arc<DatabaseTransaction>) -> ReadsInTransaction {
        self.table_recorder().reads_in(transaction)
    }
}

#[async_trait]
impl AggregateRecorder for ReadsInTransaction {
    async fn insert_events(&self, _events: &[StoredEvent]) -> Result<Vec<u64>, PersistenceError> {
        Err(PersistenceError::Unsupported {
            recorder: "a recorder's reads in a transaction",
            operation: "inserting events (SeaOrmRecorder::insert_events_in does)",
        })
    }

    async fn select_events(
        &self,
        originator_id: Uuid,
        query: EventQuery,
    ) -> Result<Vec<StoredEvent>, PersistenceError> {
        let statements = &*self.statements;
        let Some(bounds) = EventBounds::of(query) else {
            return Ok(Vec::new());
        };
        let rows = self
            .transaction
            .query_all_raw(statements.select_events_within(originator_id, &bounds))
            .await
            .map_err(selecting(statements))?;
        events_of(statements, originator_id, &rows)
    }
}
