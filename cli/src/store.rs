//! The store the settings name: its connection and tables, the mapper of each application
//! (from the environment, as an application builds its own), and the statements the commands
//! read and write with.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use eventsourcing_seaorm::application::settings::keys;
use eventsourcing_seaorm::application::{Settings, factory};
use eventsourcing_seaorm::persistence::{JsonTranscoder, Mapper};
use eventsourcing_seaorm::redact::redact_urls;
use eventsourcing_seaorm::seaorm::dialect::Dialect;
use eventsourcing_seaorm::seaorm::{SeaOrmStore, Tables, connect_within};
use futures_util::Stream;
use sea_orm::{ConnectionTrait, DatabaseConnection, QueryResult, Value};
use uuid::Uuid;

use crate::error::CliError;
use crate::options::StoreOptions;

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

    fn dialect(&self) -> &Dialect {
        self.store.dialect()
    }

    fn quote(&self, name: &str) -> String {
        self.dialect().quote(name)
    }

    fn table(&self, table: Table) -> String {
        match table {
            Table::Events => self.quote(&self.tables().stored_events),
            Table::Snapshots => self.quote(&self.tables().snapshots),
        }
    }

    fn id_column(table: Table) -> &'static str {
        match table {
            Table::Events => "id",
            Table::Snapshots => "uid",
        }
    }

    /// Up to `limit` rows of `table` in id order.
    pub async fn rows(
        &self,
        table: Table,
        selection: &Selection<'_>,
        limit: u64,
    ) -> Result<Vec<Row>, CliError> {
        let id = self.quote(Self::id_column(table));
        let mut conditions = Vec::new();
        let mut values: Vec<Value> = Vec::new();
        let bind = |values: &mut Vec<Value>, value: Value| {
            values.push(value);
            self.dialect().placeholder(values.len())
        };
        if let Some(after) = selection.after {
            let p = bind(&mut values, (after as i64).into());
            conditions.push(format!("{id} > {p}"));
        }
        if let Some(to) = selection.to {
            let p = bind(&mut values, (to as i64).into());
            conditions.push(format!("{id} <= {p}"));
        }
        if let Some(application) = selection.application {
            let p = bind(&mut values, application.into());
            conditions.push(format!("{} = {p}", self.quote("application_name")));
        }
        if !selection.topics.is_empty() {
            let ps: Vec<String> = selection
                .topics
                .iter()
                .map(|t| bind(&mut values, t.as_str().into()))
                .collect();
            conditions.push(format!("{} IN ({})", self.quote("topic"), ps.join(", ")));
        }
        let sql = format!(
            "SELECT {id}, {}, {}, {}, {}, {} FROM {}{} ORDER BY {id} LIMIT {limit}",
            self.quote("application_name"),
            self.quote("originator_id"),
            self.quote("originator_version"),
            self.quote("topic"),
            self.quote("state"),
            self.table(table),
            where_clause(&conditions),
        );
        self.select_rows(table, sql, values).await
    }

    /// Every row of `table` (of `--app`) after id `after`, in id order, `page` rows at a time.
    pub fn pages(
        &self,
        table: Table,
        after: Option<u64>,
        page: u64,
    ) -> impl Stream<Item = Result<Vec<Row>, CliError>> + '_ {
        // The state: the id to read after, or `None` once a short page showed the end.
        futures_util::stream::try_unfold(Some(after), move |next| async move {
            let Some(after) = next else {
                return Ok(None);
            };
            let selection = Selection {
                after,
                application: self.application(),
                ..Selection::default()
            };
            let rows = self.rows(table, &selection, page).await?;
            if rows.is_empty() {
                return Ok(None);
            }
            let next = (rows.len() as u64 == page).then(|| rows.last().map(|row| row.id));
            Ok(Some((rows, next)))
        })
    }

    /// The events of one aggregate (of one application, or of every application that has it),
    /// in version order.
    pub async fn aggregate_events(
        &self,
        originator_id: Uuid,
        from_version: Option<u64>,
        to_version: Option<u64>,
    ) -> Result<Vec<Row>, CliError> {
        let mut values = vec![self.dialect().uuid_value(originator_id)];
        let mut conditions = vec![format!(
            "{} = {}",
            self.quote("originator_id"),
            self.dialect().placeholder(1)
        )];
        for (bound, op) in [(from_version, ">="), (to_version, "<=")] {
            if let Some(version) = bound {
                values.push((version as i64).into());
                conditions.push(format!(
                    "{} {op} {}",
                    self.quote("originator_version"),
                    self.dialect().placeholder(values.len())
                ));
            }
        }
        if let Some(application) = self.application() {
            values.push(application.into());
            conditions.push(format!(
                "{} = {}",
                self.quote("application_name"),
                self.dialect().placeholder(values.len())
            ));
        }
        let sql = format!(
            "SELECT {}, {}, {}, {}, {}, {} FROM {}{} ORDER BY {}, {}",
            self.quote("id"),
            self.quote("application_name"),
            self.quote("originator_id"),
            self.quote("originator_version"),
            self.quote("topic"),
            self.quote("state"),
            self.table(Table::Events),
            where_clause(&conditions),
            self.quote("application_name"),
            self.quote("originator_version"),
        );
        self.select_rows(Table::Events, sql, values).await
    }

    async fn select_rows(
        &self,
        table: Table,
        sql: String,
        values: Vec<Value>,
    ) -> Result<Vec<Row>, CliError> {
        let rows = self
            .conn()
            .query_all_raw(self.dialect().statement(sql, values))
            .await
            .map_err(|e| CliError::Database(format!("reading {}: {e}", table.name())))?;
        rows.iter().map(|row| self.row(table, row)).collect()
    }

    fn row(&self, table: Table, row: &QueryResult) -> Result<Row, CliError> {
        let bad = |what: &str, error: String| {
            CliError::Database(format!(
                "a row of {} has a bad {what}: {error}",
                table.name()
            ))
        };
        let id: i64 = row
            .try_get_by_index(0)
            .map_err(|e| bad(Self::id_column(table), e.to_string()))?;
        let id = u64::try_from(id).map_err(|_| bad("id", format!("{id} is negative")))?;
        let application_name: String = row
            .try_get_by_index(1)
            .map_err(|e| bad("application_name", e.to_string()))?;
        let originator_id = self
            .dialect()
            .read_uuid(row, 2)
            .map_err(|e| bad("originator_id", format!("(id {id}) {e}")))?;
        let version: i64 = row
            .try_get_by_index(3)
            .map_err(|e| bad("originator_version", e.to_string()))?;
        let topic: String = row
            .try_get_by_index(4)
            .map_err(|e| bad("topic", format!("(id {id}) {e}")))?;
        let state: Vec<u8> = row
            .try_get_by_index(5)
            .map_err(|e| bad("state", format!("(id {id}) {e}")))?;
        let originator_version = u64::try_from(version).map_err(|_| {
            bad(
                "originator_version",
                format!("(id {id}) {version} is negative"),
            )
        })?;
        Ok(Row {
            id,
            application_name,
            originator_id,
            originator_version,
            topic,
            state,
        })
    }

    /// Runs a statement whose rows are (text, integer, integer, …): grouped counts.
    pub async fn grouped(
        &self,
        what: &str,
        sql: String,
        values: Vec<Value>,
        columns: usize,
    ) -> Result<Vec<(String, Vec<Option<i64>>)>, CliError> {
        let rows = self
            .conn()
            .query_all_raw(self.dialect().statement(sql, values))
            .await
            .map_err(|e| CliError::Database(format!("reading {what}: {e}")))?;
        rows.iter()
            .map(|row| {
                let name: String = row
                    .try_get_by_index(0)
                    .map_err(|e| CliError::Database(format!("reading {what}: {e}")))?;
                let numbers = (1..=columns)
                    .map(|i| {
                        row.try_get_by_index::<Option<i64>>(i)
                            .map_err(|e| CliError::Database(format!("reading {what}: {e}")))
                    })
                    .collect::<Result<Vec<_>, _>>()?;
                Ok((name, numbers))
            })
            .collect()
    }

    /// Quoted names for statements of the commands: `q("application_name")`.
    pub fn q(&self, name: &str) -> String {
        self.quote(name)
    }

    /// The quoted name of a table.
    pub fn table_name(&self, table: Table) -> String {
        self.table(table)
    }

    /// The quoted name of the tracking table.
    pub fn tracking_table(&self) -> String {
        self.quote(&self.tables().notification_tracking)
    }

    /// A statement in this database's dialect.
    pub fn statement(&self, sql: String, values: Vec<Value>) -> sea_orm::Statement {
        self.dialect().statement(sql, values)
    }

    /// The placeholder of the `n`th value (1-based).
    pub fn p(&self, n: usize) -> String {
        self.dialect().placeholder(n)
    }

    /// The value to bind for an originator id.
    pub fn uuid_value(&self, id: Uuid) -> Value {
        self.dialect().uuid_value(id)
    }

    /// `WHERE application_name = ?` for `--app` (nothing without it), with its value.
    pub fn app_filter(&self) -> (String, Vec<Value>) {
        match self.application() {
            Some(app) => (
                format!(" WHERE {} = {}", self.quote("application_name"), self.p(1)),
                vec![app.into()],
            ),
            None => (String::new(), vec![]),
        }
    }

    /// How many rows `table` has (of `--app`, when given), up to id `up_to` when given.
    pub async fn count(&self, table: Table, up_to: Option<u64>) -> Result<u64, CliError> {
        let (mut filter, mut values) = self.app_filter();
        if let Some(id) = up_to {
            values.push((id as i64).into());
            filter.push_str(if filter.is_empty() {
                " WHERE "
            } else {
                " AND "
            });
            filter.push_str(&format!(
                "{} <= {}",
                self.quote(Self::id_column(table)),
                self.p(values.len())
            ));
        }
        let sql = format!(
            "SELECT 'count', COUNT(*) FROM {}{filter}",
            self.table(table)
        );
        let rows = self.grouped(table.name(), sql, values, 1).await?;
        Ok(rows
            .first()
            .and_then(|(_, n)| n[0])
            .and_then(|n| u64::try_from(n).ok())
            .unwrap_or(0))
    }

    /// How many events and snapshots there are (of `--app`), for progress bars.
    pub async fn count_rows(&self) -> Result<u64, CliError> {
        Ok(self.count(Table::Events, None).await? + self.count(Table::Snapshots, None).await?)
    }

    /// The highest id of `table` (of `--app`'s rows, when given).
    pub async fn max_id(&self, table: Table) -> Result<Option<u64>, CliError> {
        let (filter, values) = self.app_filter();
        let sql = format!(
            "SELECT 'max', MAX({}) FROM {}{filter}",
            self.quote(Self::id_column(table)),
            self.table(table)
        );
        let rows = self.grouped(table.name(), sql, values, 1).await?;
        Ok(rows
            .first()
            .and_then(|(_, n)| n[0])
            .and_then(|n| u64::try_from(n).ok()))
    }

    /// Runs a statement that changes rows.
    pub async fn execute(
        &self,
        conn: &impl ConnectionTrait,
        what: &str,
        sql: String,
        values: Vec<Value>,
    ) -> Result<u64, CliError> {
        conn.execute_raw(self.dialect().statement(sql, values))
            .await
            .map(|r| r.rows_affected())
            .map_err(|e| CliError::Database(format!("{what}: {e}")))
    }

    /// Closes the connection (on SQLite, with a checkpoint of the write-ahead log).
    pub async fn close(self) {
        let _ = self.store.close().await;
    }
}

fn where_clause(conditions: &[String]) -> String {
    if conditions.is_empty() {
        String::new()
    } else {
        format!(" WHERE {}", conditions.join(" AND "))
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
