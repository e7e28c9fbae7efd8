//! The store the settings name: its connection and tables, the mapper of each application
//! (from the environment, as an application builds its own), and the statements the commands
//! read and write with.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use eventsourcing_seaorm::application::settings::keys;
use eventsourcing_seaorm::application::{Settings, factory};
use eventsourcing_seaorm::persistence::{JsonTranscoder, Mapper};
use eventsourcing_seaorm::redact::redact_urls;
use eventsourcing_seaorm::seaorm::{SeaOrmStore, Tables, connect_within};
use sea_orm::DatabaseConnection;
use uuid::Uuid;

use crate::error::CliError;
use crate::options::StoreOptions;

mod statements;

/// How long a first connection may take before the command gives up (exit status 2).
const CONNECT_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

/// One stored row of the events or snapshots table, as stored.
#[derive(Debug, Clone)]
pub struct Row {
    /// The notification id (events) or `uid` (snapshots).
    pub id: u64,
    /// The application.
    pub application_name: String,
    /// The aggregate.
    pub originator_id: Uuid,
    /// Its version.
    pub originator_version: u64,
    /// The topic.
    pub topic: String,
    /// The stored bytes.
    pub state: Vec<u8>,
}

/// Which of the two tables of rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Table {
    /// Stored events (id: the notification id).
    Events,
    /// Snapshots (id: `uid`).
    Snapshots,
}

impl Table {
    /// Its name in reports.
    pub fn name(self) -> &'static str {
        match self {
            Table::Events => "stored_events",
            Table::Snapshots => "snapshots",
        }
    }
}

/// A selection of rows in id order.
#[derive(Debug, Clone, Default)]
pub struct Selection<'a> {
    /// Only ids after this one.
    pub after: Option<u64>,
    /// Only ids up to this one.
    pub to: Option<u64>,
    /// Only this application.
    pub application: Option<&'a str>,
    /// Only these topics (all when empty).
    pub topics: &'a [String],
}

/// The store, and where its settings come from.
pub struct Store {
    /// The library's store on the connection.
    pub store: SeaOrmStore,
    options: StoreOptions,
    environment: Vec<(String, String)>,
    mappers: Mutex<HashMap<String, Arc<Mapper>>>,
}

impl Store {
    /// Connects to the database the options (or `DATABASE_URL`) name, with the settings of
    /// the process environment.
    pub async fn open(options: &StoreOptions) -> Result<Store, CliError> {
        Self::open_with_environment(options, std::env::vars().collect()).await
    }

    /// Connects as [`open`](Self::open) does, with the settings of `environment` instead of
    /// the process's (for a program that runs the commands in process, such as the bench).
    pub async fn open_with_environment(
        options: &StoreOptions,
        environment: Vec<(String, String)>,
    ) -> Result<Store, CliError> {
        let (conn, tables) = connect(options).await?;
        let store = SeaOrmStore::with_tables(conn, tables)
            .await
            .map_err(|e| CliError::Database(e.to_string()))?;
        let store = Store {
            store,
            options: options.clone(),
            environment,
            mappers: Mutex::default(),
        };
        // Bad settings are found before anything is read.
        store.mapper(options.application.as_deref().unwrap_or(""))?;
        Ok(store)
    }

    /// The connection.
    pub fn conn(&self) -> &DatabaseConnection {
        self.store.connection()
    }

    /// The table names.
    pub fn tables(&self) -> &Tables {
        self.store.tables()
    }

    /// The application asked for with `--app`.
    pub fn application(&self) -> Option<&str> {
        self.options.application.as_deref()
    }

    /// The settings an application of this name would read: the environment, and the
    /// non-secret flags given.
    pub fn settings(&self, application: &str) -> Settings {
        let mut given = Vec::new();
        if let Some(topic) = &self.options.compressor_topic {
            given.push((keys::COMPRESSOR_TOPIC.to_owned(), topic.clone()));
        }
        if let Some(topic) = &self.options.cipher_topic {
            given.push((keys::CIPHER_TOPIC.to_owned(), topic.clone()));
        }
        Settings::from_sources(
            application,
            Vec::<(String, String)>::new(),
            self.environment.iter().cloned(),
            given,
        )
    }

    /// The settings of the re-keyed store: `NEW_<KEY>` in the environment as `<KEY>`, with
    /// the flags of `rekey`.
    pub fn new_settings(
        &self,
        application: &str,
        compressor_topic: Option<&str>,
        cipher_topic: Option<&str>,
    ) -> Settings {
        let environment = self
            .environment
            .iter()
            .filter_map(|(key, value)| Some((key.strip_prefix("NEW_")?, value.as_str())));
        let mut given = Vec::new();
        if let Some(topic) = compressor_topic {
            given.push((keys::COMPRESSOR_TOPIC, topic));
        }
        if let Some(topic) = cipher_topic {
            given.push((keys::CIPHER_TOPIC, topic));
        }
        Settings::from_sources(application, Vec::<(&str, &str)>::new(), environment, given)
    }

    /// A transcoder that accepts the custom `_type_` names given with `--transcoding`.
    pub fn transcoder(&self) -> JsonTranscoder {
        let mut transcoder = JsonTranscoder::new();
        for name in &self.options.transcodings {
            transcoder.register_name(name.clone());
        }
        transcoder
    }

    /// The mapper of an application, from its settings.
    pub fn mapper(&self, application: &str) -> Result<Arc<Mapper>, CliError> {
        let mut mappers = self.mappers.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(mapper) = mappers.get(application) {
            return Ok(mapper.clone());
        }
        let mapper = factory::mapper(&self.settings(application), self.transcoder())
            .map_err(|e| CliError::Setting(e.to_string()))?;
        let mapper = Arc::new(mapper);
        mappers.insert(application.to_owned(), mapper.clone());
        Ok(mapper)
    }

    /// Closes the connection (on SQLite, with a checkpoint of the write-ahead log).
    pub async fn close(self) {
        let _ = self.store.close().await;
    }
}

/// A connection to the database the options (or `DATABASE_URL`) name, and the table names
/// they give (checked).
pub async fn connect(options: &StoreOptions) -> Result<(DatabaseConnection, Tables), CliError> {
    let url = database_url(options)?;
    let tables = tables(options);
    tables
        .validate()
        .map_err(|reason| CliError::Setting(format!("table names: {reason}")))?;
    let conn = connect_within(url, CONNECT_TIMEOUT)
        .await
        .map_err(|e| CliError::Database(format!("connecting to {}: {e}", redact_urls(url))))?;
    Ok((conn, tables))
}

/// The database URL the options (or `DATABASE_URL`) give.
fn database_url(options: &StoreOptions) -> Result<&str, CliError> {
    match options.database_url.as_deref() {
        Some(url) if !url.trim().is_empty() => Ok(url),
        _ => Err(CliError::Setting(
            "DATABASE_URL (or --database-url) is not set".into(),
        )),
    }
}

/// The table names the options give.
fn tables(options: &StoreOptions) -> Tables {
    let mut tables = Tables::with_prefix(&options.table_prefix);
    if let Some(name) = &options.stored_events_table {
        tables.stored_events = name.clone();
    }
    if let Some(name) = &options.snapshots_table {
        tables.snapshots = name.clone();
    }
    if let Some(name) = &options.notification_tracking_table {
        tables.notification_tracking = name.clone();
    }
    tables
}
