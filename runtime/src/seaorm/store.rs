use std::sync::Arc;

use sea_orm::{DatabaseConnection, DbBackend};

use super::dialect::{self, Dialect};
use super::recorder::{Purpose, SeaOrmRecorder};
use super::schema::{self, Tables};
use crate::persistence::PersistenceError;

/// A database reached through SeaORM, with the three tables: makes recorders for applications.
///
/// One store per database connection: recorders made by the same store share what they found
/// out about the database and, on SQLite, a lock that queues this process's writers instead of
/// letting them wait on SQLite's busy timeout.
///
/// ```no_run
/// # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
/// use eventsourcing_seaorm::seaorm::{SeaOrmStore, connect};
///
/// let db = connect("sqlite://events.sqlite3").await?;
/// let store = SeaOrmStore::new(db).await?;
/// store.create_tables().await?;
/// let recorder = store.application_recorder("Worlds")?;
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct SeaOrmStore {
    pub(crate) conn: DatabaseConnection,
    pub(crate) tables: Arc<Tables>,
    pub(crate) dialect: Arc<Dialect>,
    pub(crate) write_lock: Option<Arc<tokio::sync::Mutex<()>>>,
}

fn store_error(operation: &'static str, source: sea_orm::DbErr) -> PersistenceError {
    PersistenceError::Database {
        application_name: String::new(),
        operation,
        source,
    }
}

impl SeaOrmStore {
    /// A store on the default tables (`stored_events`, `snapshots`, `notification_tracking`).
    pub async fn new(conn: DatabaseConnection) -> Result<Self, PersistenceError> {
        Self::with_tables(conn, Tables::default()).await
    }

    /// A store on other tables.
    pub async fn with_tables(
        conn: DatabaseConnection,
        tables: Tables,
    ) -> Result<Self, PersistenceError> {
        tables.validate().map_err(|reason| PersistenceError::Data {
            application_name: String::new(),
            table: tables.stored_events.clone(),
            row: "(table names)".into(),
            reason,
        })?;
        let dialect = dialect::detect(&conn, &tables.stored_events)
            .await
            .map_err(|e| store_error("inspecting the database", e))?;
        let write_lock =
            (dialect.backend == DbBackend::Sqlite).then(|| Arc::new(tokio::sync::Mutex::new(())));
        Ok(Self {
            conn,
            tables: Arc::new(tables),
            dialect: Arc::new(dialect),
            write_lock,
        })
    }

    /// Creates the tables that do not exist yet (what `CREATE_TABLE=y` does).
    pub async fn create_tables(&self) -> Result<(), PersistenceError> {
        schema::create_tables(&self.conn, &self.dialect, &self.tables)
            .await
            .map_err(|e| store_error("creating tables", e))
    }

    /// The connection.
    pub fn connection(&self) -> &DatabaseConnection {
        &self.conn
    }

    /// The table names.
    pub fn tables(&self) -> &Tables {
        &self.tables
    }

    /// What the store found out about the database.
    pub fn dialect(&self) -> &Dialect {
        &self.dialect
    }

    /// A recorder of events, notifications and tracking for the application (its
    /// `application_name`, at most 32 characters).
    pub fn application_recorder(
        &self,
        application_name: &str,
    ) -> Result<SeaOrmRecorder, PersistenceError> {
        SeaOrmRecorder::new(self.clone(), application_name, Purpose::Events)
    }

    /// A recorder of the application's snapshots.
    pub fn snapshot_recorder(
        &self,
        application_name: &str,
    ) -> Result<SeaOrmRecorder, PersistenceError> {
        SeaOrmRecorder::new(self.clone(), application_name, Purpose::Snapshots)
    }
}
