use std::ops::ControlFlow;
use std::sync::{Arc, OnceLock};

use async_trait::async_trait;
use sea_orm::DatabaseTransaction;
use uuid::Uuid;

use super::read;
use super::recorder::SeaOrmRecorder;
use super::statements::Purpose;
use super::store::SeaOrmStore;
use crate::persistence::{
    AggregateRecorder, EventQuery, InTurn, LoadVisitor, PersistenceError, SnapshotLoader,
    StoredEvent, StoredEventRef,
};

/// The snapshot recorder of an application on a SQL database: a [`SeaOrmRecorder`] on the
/// snapshots table that is only an [`AggregateRecorder`] (snapshots have no notification ids
/// and no tracking).
#[derive(Debug, Clone)]
pub struct SeaOrmSnapshotRecorder(SeaOrmRecorder);

impl SeaOrmStore {
    /// A recorder of the application's snapshots.
    pub fn snapshot_recorder(
        &self,
        application_name: &str,
    ) -> Result<SeaOrmSnapshotRecorder, PersistenceError> {
        SeaOrmRecorder::new(self, application_name, Purpose::Snapshots).map(SeaOrmSnapshotRecorder)
    }
}

impl SeaOrmSnapshotRecorder {
    /// The application whose snapshots this recorder reads and writes.
    pub fn application_name(&self) -> &str {
        self.0.application_name()
    }

    /// The table it records in.
    pub fn table_name(&self) -> &str {
        self.0.table_name()
    }

    /// The store (connection, tables, dialect).
    pub fn store(&self) -> &SeaOrmStore {
        self.0.store()
    }

    /// The recorder on the snapshots table that this one is.
    pub(crate) fn table_recorder(&self) -> &SeaOrmRecorder {
        &self.0
    }

    /// Records snapshots inside a transaction the caller opened on the store's connection.
    pub async fn insert_events_in(
        &self,
        transaction: &DatabaseTransaction,
        events: &[StoredEvent],
    ) -> Result<Vec<u64>, PersistenceError> {
        self.0.insert_events_in(transaction, events).await
    }

    /// How a repository loads aggregates from these snapshots and the events of `events`: on
    /// one connection, the events' statement sent before the snapshot is decoded, when both
    /// stores are on the same pool (`seaorm/read.rs`); otherwise one recorder after the other
    /// ([`InTurn`]).
    pub fn loader(&self, events: &SeaOrmRecorder) -> Arc<dyn SnapshotLoader> {
        // The one-connection load checks the snapshot's event in the events of its own
        // application: recorders of two applications load in turn.
        let same_application = self.0.application_name() == events.application_name();
        if self.store().shares_pool_with(events.store()) && same_application {
            Arc::new(OneConnection {
                snapshots: self.0.clone(),
                events: events.clone(),
                texts: Default::default(),
            })
        } else {
            Arc::new(InTurn::new(
                Arc::new(self.clone()),
                Arc::new(events.clone()),
            ))
        }
    }
}

#[async_trait]
impl AggregateRecorder for SeaOrmSnapshotRecorder {
    async fn insert_events(&self, events: &[StoredEvent]) -> Result<Vec<u64>, PersistenceError> {
        self.0.insert_events(events).await
    }

    async fn select_events(
        &self,
        originator_id: Uuid,
        query: EventQuery,
    ) -> Result<Vec<StoredEvent>, PersistenceError> {
        self.0.select_events(originator_id, query).await
    }

    async fn visit_events(
        &self,
        originator_id: Uuid,
        query: EventQuery,
        visit: &mut (dyn for<'r> FnMut(StoredEventRef<'r>) -> ControlFlow<()> + Send),
    ) -> Result<(), PersistenceError> {
        self.0.visit_events(originator_id, query, visit).await
    }
}

/// Loads from a snapshot with both statements on one connection of the pool that the snapshot
/// and event recorders share.
#[derive(Debug)]
struct OneConnection {
    snapshots: SeaOrmRecorder,
    events: SeaOrmRecorder,
    /// The texts of the checked select of the newest snapshot (without and with a version
    /// bound).
    texts: [OnceLock<String>; 2],
}

#[async_trait]
impl SnapshotLoader for OneConnection {
    async fn load(
        &self,
        originator_id: Uuid,
        lte: Option<u64>,
        visitor: &mut dyn LoadVisitor,
    ) -> Result<(), PersistenceError> {
        read::visit_from_snapshot(
            &self.snapshots.store().driver,
            self.snapshots.statements(),
            self.events.statements(),
            &self.texts,
            originator_id,
            lte,
            visitor,
        )
        .await
    }
}
