use std::collections::HashMap;
use std::sync::Arc;

use uuid::Uuid;

use sea_orm::{DatabaseConnection, DatabaseTransaction};

use super::factory::{self, Infrastructure, Recorders, SeaOrmRecorders};
use super::listener::{Listeners, SaveListener};
use super::notification_log::DEFAULT_SECTION_SIZE;
use super::save::{AfterSave, SaveBatch};
use super::settings::{RedactedPairs, keys};
use super::{
    AggregateCache, ApplicationError, EventStore, NotificationLog, Recording, Repository,
    RetryPolicy, Saveable, Settings,
};
use crate::domain::topic::TopicAliases;
use crate::domain::{Aggregate, Transcoding};
use crate::persistence::{
    AggregateRecorder, ApplicationRecorder, JsonTranscoder, Mapper, PersistenceError,
    ProcessRecorder, StoredEvent, Tracking,
};
use crate::seaorm::SeaOrmStore;
use crate::trace::Stopwatch;
use tracing::Instrument;

/// An event-sourced application: settings, a mapper, recorders, a repository and a
/// notification log, as in the Python original's `Application`.
///
/// Define your own application as a struct holding one, with methods that load aggregates from
/// [`repository`](Self::repository), call their event methods, and [`save`](Self::save) them;
/// or call [`execute`](Self::execute) and [`create`](Self::create), which load, run a command
/// and save, trying again on a conflict.
///
/// It is cheap to clone (its parts are shared), so a web framework's handlers can each hold
/// one, for example as axum's state.
#[derive(Debug, Clone)]
pub struct Application {
    inner: Arc<Parts>,
}

#[derive(Debug)]
struct Parts {
    name: Arc<str>,
    settings: Settings,
    mapper: Arc<Mapper>,
    recorder: Arc<dyn ProcessRecorder>,
    repository: Repository,
    notification_log: NotificationLog,
    intervals: HashMap<&'static str, u64>,
    infrastructure: Infrastructure,
    /// The recorders as SeaORM's, on that infrastructure (for saves in a caller's
    /// transaction).
    seaorm: Option<SeaOrmRecorders>,
    /// How commands try again after a conflict.
    retry: RetryPolicy,
    /// Told after each save that recorded events.
    listeners: Listeners,
}

impl Application {
    /// Makes `listener` hear of every save of this application that records events, for as
    /// long as it lives (it is held weakly): how a runner of the system layer learns that a
    /// leader has new notifications for its followers.
    pub fn lead(&self, listener: std::sync::Weak<dyn SaveListener>) {
        self.inner.listeners.add(listener);
    }

    /// Tells the listeners that events were recorded, up to this notification id.
    pub(crate) async fn notify_saved(&self, max_notification_id: Option<u64>) {
        self.inner
            .listeners
            .saved(&self.inner.name, max_notification_id)
            .await;
    }

    /// Starts building an application with this name (its `application_name` in the store and
    /// the prefix of its settings).
    pub fn builder(name: impl Into<String>) -> ApplicationBuilder {
        ApplicationBuilder::new(name)
    }

    /// The application's name.
    pub fn name(&self) -> &str {
        &self.inner.name
    }

    /// The settings it was built with.
    pub fn settings(&self) -> &Settings {
        &self.inner.settings
    }

    /// The mapper (transcoder, compressor, cipher).
    pub fn mapper(&self) -> &Mapper {
        &self.inner.mapper
    }

    /// The infrastructure the settings selected (memory or a SeaORM store).
    pub fn infrastructure(&self) -> &Infrastructure {
        &self.inner.infrastructure
    }

    /// The recorder of events, notifications and tracking.
    pub fn recorder(&self) -> &Arc<dyn ProcessRecorder> {
        &self.inner.recorder
    }

    /// The application's recorders as SeaORM's own types, when it stores through SeaORM
    /// (for their SeaORM-specific operations, such as saving in a transaction of your own).
    pub fn seaorm_recorders(&self) -> Option<&SeaOrmRecorders> {
        self.inner.seaorm.as_ref()
    }

    /// The SeaORM recorders, or the error of an `operation` that needs them.
    pub(crate) fn seaorm_or_unsupported(
        &self,
        operation: &'static str,
    ) -> Result<&SeaOrmRecorders, ApplicationError> {
        self.inner
            .seaorm
            .as_ref()
            .ok_or(ApplicationError::Persistence(
                PersistenceError::Unsupported {
                    recorder: "the application's recorder (not a SeaORM recorder)",
                    operation,
                },
            ))
    }

    /// How commands and units of work try again after a version conflict.
    pub fn retry_policy(&self) -> RetryPolicy {
        self.inner.retry
    }

    /// The repository that loads aggregates.
    pub fn repository(&self) -> &Repository {
        &self.inner.repository
    }

    /// The notification log.
    pub fn notification_log(&self) -> &NotificationLog {
        &self.inner.notification_log
    }

    /// The event store of aggregate events.
    pub fn events(&self) -> &EventStore {
        self.inner.repository.event_store()
    }

    /// The snapshot store, when snapshotting is enabled.
    pub fn snapshots(&self) -> Option<&EventStore> {
        self.inner.repository.snapshot_store()
    }

    /// Whether snapshots are stored.
    pub fn is_snapshotting_enabled(&self) -> bool {
        self.inner.repository.snapshot_store().is_some()
    }

    /// Loads an aggregate (a shortcut for `repository().get`).
    pub async fn get<A: Aggregate>(&self, aggregate_id: Uuid) -> Result<A, ApplicationError> {
        self.inner.repository.get(aggregate_id).await
    }

    /// Records the pending events of the given aggregates (and bare events) in one atomic
    /// write, then takes the snapshots that the snapshotting intervals ask for.
    ///
    /// On a version conflict nothing is recorded, the error is
    /// [`ApplicationError::is_conflict`], and the aggregates keep their pending events.
    pub async fn save<S: Saveable>(&self, items: S) -> Result<Vec<Recording>, ApplicationError> {
        self.save_with_tracking(items, None).await
    }

    /// Like [`save`](Self::save), also recording how far this application has processed an
    /// upstream log, in the same transaction.
    pub async fn save_with_tracking<S: Saveable>(
        &self,
        items: S,
        tracking: Option<&Tracking>,
    ) -> Result<Vec<Recording>, ApplicationError> {
        self.save_with_trackings(
            items,
            tracking.map(std::slice::from_ref).unwrap_or_default(),
        )
        .await
    }

    /// Like [`save`](Self::save), also recording the tracking positions of every upstream
    /// notification whose processing made these changes (a follower's batch), in the same
    /// transaction.
    pub async fn save_with_trackings<S: Saveable>(
        &self,
        mut items: S,
        tracking: &[Tracking],
    ) -> Result<Vec<Recording>, ApplicationError> {
        let mut batch = SaveBatch::new(&self.inner.mapper);
        items.collect(&mut batch)?;
        let span = save_span(&self.inner.name, &batch.events, tracking, false);
        let stopwatch = Stopwatch::start(&span);
        let inserted = if tracking.is_empty() {
            if batch.events.is_empty() {
                Ok(Vec::new())
            } else {
                self.inner
                    .recorder
                    .insert_events(&batch.events)
                    .instrument(span.clone())
                    .await
            }
        } else {
            self.inner
                .recorder
                .insert_events_with_tracking(&batch.events, tracking)
                .instrument(span.clone())
                .await
        };
        let ids = saved(&span, &stopwatch, inserted)?;
        if ids.len() != batch.events.len() {
            tracing::warn!(
                application = %self.inner.name,
                events = batch.events.len(),
                ids = ids.len(),
                "recorder returned a different number of notification ids than events"
            );
        }
        let mut after = AfterSave {
            intervals: &self.inner.intervals,
            cache: self.inner.repository.cache(),
            snapshots: Vec::new(),
            deferred: Vec::new(),
        };
        items.saved(&mut after);
        self.record_snapshots(after).await;
        if !batch.events.is_empty() {
            self.notify_saved(ids.last().copied()).await;
        }
        Ok(recordings(batch.events, ids))
    }

    /// Records the pending events of the given aggregates inside a database transaction that
    /// the caller opened, so that they commit (or roll back) together with the caller's own
    /// writes, for example to a read model:
    ///
    /// ```ignore
    /// let txn = db.begin().await?;
    /// app.save_in(&txn, &mut account).await?;
    /// balances::ActiveModel { .. }.insert(&txn).await?;
    /// txn.commit().await?;
    /// ```
    ///
    /// The aggregates' pending events are dropped once they are written to the transaction; if
    /// the transaction is then rolled back, load the aggregates again. Snapshots due at the
    /// aggregates' current versions are written in the same transaction; the aggregate cache is
    /// not updated: the saved aggregates are removed from it, and are read from the store again.
    /// Needs the SeaORM infrastructure.
    ///
    /// While the transaction is open it holds the database's write lock for these events, so
    /// a [`save`](Self::save) of this application from elsewhere waits for the commit. On
    /// SQLite, begin the transaction with `SqliteTransactionMode::Immediate` if it reads before
    /// it writes: a deferred transaction that read first cannot take the write lock once another
    /// connection has committed, and SQLite then fails at once ("database is locked", code 517)
    /// instead of waiting.
    pub async fn save_in<S: Saveable>(
        &self,
        transaction: &DatabaseTransaction,
        items: S,
    ) -> Result<Vec<Recording>, ApplicationError> {
        self.save_with_trackings_in(transaction, items, &[]).await
    }

    /// Like [`save_in`](Self::save_in), also recording tracking positions (as
    /// [`save_with_trackings`](Self::save_with_trackings) does), in the caller's transaction.
    pub async fn save_with_trackings_in<S: Saveable>(
        &self,
        transaction: &DatabaseTransaction,
        mut items: S,
        tracking: &[Tracking],
    ) -> Result<Vec<Recording>, ApplicationError> {
        let seaorm = self.seaorm_or_unsupported("saving in a database transaction")?;
        let mut batch = SaveBatch::new(&self.inner.mapper);
        items.collect(&mut batch)?;
        let span = save_span(&self.inner.name, &batch.events, tracking, true);
        let stopwatch = Stopwatch::start(&span);
        let inserted = seaorm
            .events
            .insert_events_with_tracking_in(transaction, &batch.events, tracking)
            .instrument(span.clone())
            .await;
        let ids = saved(&span, &stopwatch, inserted)?;
        let mut after = AfterSave {
            intervals: &self.inner.intervals,
            cache: None,
            snapshots: Vec::new(),
            deferred: Vec::new(),
        };
        items.saved(&mut after);
        // The transaction may still roll back: cached copies must come from the store again.
        if let Some(cache) = self.inner.repository.cache() {
            for event in &batch.events {
                cache.remove(event.originator_id);
            }
        }
        self.record_snapshots_in(transaction, after).await;
        Ok(recordings(batch.events, ids))
    }

    /// Snapshots inside the caller's transaction, logged rather than failed for the same reason
    /// as in [`record_snapshots`](Self::record_snapshots): the events are already written.
    async fn record_snapshots_in(&self, transaction: &DatabaseTransaction, after: AfterSave<'_>) {
        let (Some(store), Some(recorder)) = (
            self.inner.repository.snapshot_store(),
            self.inner
                .seaorm
                .as_ref()
                .and_then(|s| s.snapshots.as_ref()),
        ) else {
            return;
        };
        let stored = after
            .snapshots
            .iter()
            .map(|s| store.mapper().to_stored_event(s))
            .collect::<Result<Vec<_>, _>>();
        let result = match stored {
            Ok(stored) if stored.is_empty() => Ok(()),
            Ok(stored) => recorder
                .insert_events_in(transaction, &stored)
                .await
                .map(|_| ())
                .map_err(|e| e.to_string()),
            Err(e) => Err(e.to_string()),
        };
        if let Err(error) = result {
            tracing::error!(application = %self.inner.name, %error, "snapshots not recorded");
        }
        if !after.deferred.is_empty() {
            tracing::info!(
                application = %self.inner.name,
                count = after.deferred.len(),
                "snapshots of versions before the current one are not taken inside a caller's transaction"
            );
        }
    }

    /// Snapshots are an optimisation taken after the events are recorded: failing to record one
    /// must not make a successful save look failed, so failures are logged.
    async fn record_snapshots(&self, after: AfterSave<'_>) {
        let Some(store) = self.inner.repository.snapshot_store() else {
            return;
        };
        if !after.snapshots.is_empty()
            && let Err(error) = store.put(&after.snapshots).await
        {
            tracing::error!(application = %self.inner.name, %error, "snapshots not recorded");
        }
        for (take, id, version) in after.deferred {
            if let Err(error) = take(&self.inner.repository, id, version).await {
                tracing::error!(application = %self.inner.name, aggregate = %id, version, %error, "snapshot not recorded");
            }
        }
    }

    /// Closes the application, as the Python original's `close()`: on the SeaORM
    /// infrastructure it waits for the saves in flight, checkpoints SQLite's write-ahead log
    /// into the database file and closes the connection pool
    /// ([`SeaOrmStore::close`](crate::seaorm::SeaOrmStore::close)); in memory it does nothing.
    /// Saves and loads after it fail (`ErrorKind::Unavailable`), also through its clones and
    /// other applications on the same connection.
    ///
    /// An application dropped without closing leaves its pool's connections to close as the
    /// pool drops, in the background: a process that exits at once may leave the last saves
    /// in SQLite's `-wal` file (safe, SQLite reads it when the database is opened next, but a
    /// copy of the database file alone lacks them).
    pub async fn close(&self) -> Result<(), ApplicationError> {
        match &self.inner.infrastructure {
            Infrastructure::SeaOrm(store) => store
                .close()
                .await
                .map_err(|e| factory::of_application(&self.inner.settings, e)),
            Infrastructure::Memory | Infrastructure::Custom => Ok(()),
        }
    }

    /// Takes a snapshot of the aggregate at `version` (its current version when `None`).
    pub async fn take_snapshot<A: Aggregate>(
        &self,
        aggregate_id: Uuid,
        version: Option<u64>,
    ) -> Result<(), ApplicationError> {
        self.inner
            .repository
            .take_snapshot::<A>(aggregate_id, version)
            .await
    }
}

/// The `save` span (level INFO) of a save of `events`: the application, the aggregates and
/// their versions, the events, the tracking position, whether it is in the caller's
/// transaction; the notification ids, and (from the SeaORM recorders) the size of the group it
/// was committed with and the tries again, are recorded when it is done, or the error. Its
/// duration is the span's own. No state, key or password is in any field.
fn save_span(
    application: &str,
    events: &[StoredEvent],
    tracking: &[Tracking],
    in_transaction: bool,
) -> tracing::Span {
    let span = tracing::info_span!(
        "save",
        application = %application,
        aggregates = %SavedAggregates(events),
        events = events.len(),
        tracking = tracing::field::Empty,
        in_transaction,
        notification_ids = tracing::field::Empty,
        group_size = tracing::field::Empty,
        retries = tracing::field::Empty,
        duration_us = tracing::field::Empty,
        error = tracing::field::Empty,
    );
    match tracking {
        [] => {}
        [t] => {
            span.record(
                "tracking",
                tracing::field::display(format_args!(
                    "{}#{}",
                    t.application_name, t.notification_id
                )),
            );
        }
        [first, .., last] => {
            span.record(
                "tracking",
                tracing::field::display(format_args!(
                    "{}#{}..{}#{} ({} positions)",
                    first.application_name,
                    first.notification_id,
                    last.application_name,
                    last.notification_id,
                    tracking.len()
                )),
            );
        }
    }
    span
}

/// Records a save's outcome and duration in its span.
fn saved(
    span: &tracing::Span,
    stopwatch: &Stopwatch,
    inserted: Result<Vec<u64>, PersistenceError>,
) -> Result<Vec<u64>, ApplicationError> {
    stopwatch.finish(span, &inserted);
    if let Ok(ids) = &inserted
        && let (Some(first), Some(last)) = (ids.first(), ids.last())
    {
        span.record(
            "notification_ids",
            tracing::field::display(format_args!("{first}..={last}")),
        );
    }
    Ok(inserted?)
}

/// The aggregates of a save as a span shows them: each id with the versions saved
/// (`id v1..=v3`), the first 8, then how many more.
struct SavedAggregates<'a>(&'a [StoredEvent]);

impl std::fmt::Display for SavedAggregates<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        const SHOWN: usize = 8;
        let mut runs = self.0.chunk_by(|a, b| a.originator_id == b.originator_id);
        for (index, run) in runs.by_ref().take(SHOWN).enumerate() {
            let (Some(first), Some(last)) = (run.first(), run.last()) else {
                continue;
            };
            if index > 0 {
                f.write_str(", ")?;
            }
            write!(f, "{} v{}", first.originator_id, first.originator_version)?;
            if run.len() > 1 {
                write!(f, "..={}", last.originator_version)?;
            }
        }
        let more = runs.count();
        if more > 0 {
            write!(f, " and {more} more")?;
        }
        Ok(())
    }
}

fn recordings(events: Vec<crate::persistence::StoredEvent>, ids: Vec<u64>) -> Vec<Recording> {
    events
        .into_iter()
        .zip(ids)
        .map(|(event, notification_id)| Recording {
            notification_id,
            originator_id: event.originator_id,
            originator_version: event.originator_version,
            topic: event.topic,
        })
        .collect()
}

/// Builds an [`Application`].
///
/// ```
/// # tokio::runtime::Runtime::new().unwrap().block_on(async {
/// use eventsourcing_seaorm::application::Application;
///
/// let app = Application::builder("Worlds")
///     .setting("IS_SNAPSHOTTING_ENABLED", "y")
///     .build()
///     .await?;
/// assert_eq!(app.name(), "Worlds");
/// assert!(app.is_snapshotting_enabled());
/// # Ok::<(), eventsourcing_seaorm::application::ApplicationError>(())
/// # }).unwrap();
/// ```
pub struct ApplicationBuilder {
    name: String,
    defaults: Vec<(String, String)>,
    given: Vec<(String, String)>,
    environment: Option<Vec<(String, String)>>,
    intervals: HashMap<&'static str, u64>,
    transcoder: JsonTranscoder,
    recorders: Option<Recorders>,
    store: Option<SeaOrmStore>,
    databases: HashMap<String, DatabaseConnection>,
    section_size: u64,
    in_memory: bool,
    retry: Option<RetryPolicy>,
    topic_aliases: TopicAliases,
}

impl std::fmt::Debug for ApplicationBuilder {
    /// Secret settings and passwords in URLs redacted, as in [`Settings`]' `Debug`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let databases: Vec<&String> = self.databases.keys().collect();
        f.debug_struct("ApplicationBuilder")
            .field("name", &self.name)
            .field("defaults", &RedactedPairs(&self.defaults))
            .field("given", &RedactedPairs(&self.given))
            .field(
                "environment",
                &self.environment.as_deref().map(RedactedPairs),
            )
            .field("intervals", &self.intervals)
            .field("transcoder", &self.transcoder)
            .field("recorders", &self.recorders)
            .field("store", &self.store)
            .field("databases", &databases)
            .field("section_size", &self.section_size)
            .field("in_memory", &self.in_memory)
            .field("retry", &self.retry)
            .field("topic_aliases", &self.topic_aliases)
            .finish()
    }
}

impl ApplicationBuilder {
    /// A builder for an application with this name.
    pub fn new(name: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            defaults: Vec::new(),
            given: Vec::new(),
            environment: None,
            intervals: HashMap::new(),
            transcoder: JsonTranscoder::new(),
            recorders: None,
            store: None,
            databases: HashMap::new(),
            section_size: DEFAULT_SECTION_SIZE,
            in_memory: false,
            retry: None,
            topic_aliases: TopicAliases::default(),
        }
    }

    /// Makes the stored topic `old` (a whole topic, a class's, or a module's) load as `new`,
    /// for events and snapshots of classes that have moved or been renamed since they were
    /// stored, as the Python original's `register_topic` does
    /// ([`TopicAliases`](crate::domain::topic::TopicAliases) says how a topic resolves). New
    /// events are stored under the current topics.
    ///
    /// ```
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// use eventsourcing_seaorm::application::Application;
    ///
    /// let app = Application::builder("Shop")
    ///     .in_memory()
    ///     .register_topic("shop.domain:Cart", "shop.domain:Basket")
    ///     .build()
    ///     .await?;
    /// assert_eq!(app.mapper().resolve_topic("shop.domain:Cart.Emptied"), "shop.domain:Basket.Emptied");
    /// # Ok::<(), eventsourcing_seaorm::application::ApplicationError>(())
    /// # }).unwrap();
    /// ```
    pub fn register_topic(mut self, old: impl Into<String>, new: impl Into<String>) -> Self {
        self.topic_aliases.register(old, new);
        self
    }

    /// Stores events in the database at this URL (`sqlite://events.sqlite3`,
    /// `postgres://…`, `mysql://…`) through SeaORM: the setting `DATABASE_URL`, given in code.
    pub fn database_url(self, url: impl Into<String>) -> Self {
        self.setting(keys::DATABASE_URL, url)
    }

    /// Stores events in this SQLite file through SeaORM (created when missing): the setting
    /// `DATABASE_URL=sqlite://<path>`, given in code (`%`, `?` and `#` in the path are
    /// percent-encoded, so that they stay part of the file's name).
    pub fn sqlite(self, path: impl AsRef<str>) -> Self {
        let mut url = String::from("sqlite://");
        for c in path.as_ref().chars() {
            match c {
                '%' => url.push_str("%25"),
                '?' => url.push_str("%3F"),
                '#' => url.push_str("%23"),
                c => url.push(c),
            }
        }
        self.database_url(url)
    }

    /// Keeps events in memory (they are lost when the program exits), whatever the process
    /// environment says: for tests and examples. A database given in code as well (a store, a
    /// connection, a `DATABASE_URL` setting) makes [`build`](Self::build) fail.
    pub fn in_memory(mut self) -> Self {
        self.in_memory = true;
        self
    }

    /// How [`Application::execute`], [`Application::create`] and units of work try again after
    /// a version conflict (instead of the setting `COMMAND_ATTEMPTS` and the default back-off).
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.retry = Some(policy);
        self
    }

    /// Sets a setting in code (the Python `env` argument): wins over the process environment.
    pub fn setting(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.given.push((key.into(), value.into()));
        self
    }

    /// Sets several settings in code.
    pub fn settings<K: Into<String>, V: Into<String>>(
        mut self,
        settings: impl IntoIterator<Item = (K, V)>,
    ) -> Self {
        self.given
            .extend(settings.into_iter().map(|(k, v)| (k.into(), v.into())));
        self
    }

    /// Sets a default (the Python class attribute `env`): the process environment wins over it.
    pub fn default_setting(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.defaults.push((key.into(), value.into()));
        self
    }

    /// Reads settings from this environment instead of the process environment.
    pub fn environment<K: Into<String>, V: Into<String>>(
        mut self,
        environment: impl IntoIterator<Item = (K, V)>,
    ) -> Self {
        self.environment = Some(
            environment
                .into_iter()
                .map(|(k, v)| (k.into(), v.into()))
                .collect(),
        );
        self
    }

    /// Enables snapshotting by default (the Python class attribute `is_snapshotting_enabled`).
    pub fn snapshotting(self, enabled: bool) -> Self {
        self.default_setting(
            keys::IS_SNAPSHOTTING_ENABLED,
            if enabled { "y" } else { "n" },
        )
    }

    /// Takes a snapshot of aggregates of type `A` every `interval` events (and enables
    /// snapshotting by default).
    pub fn snapshotting_interval<A: Aggregate>(mut self, interval: u64) -> Self {
        self.intervals.insert(A::topic(), interval);
        self.snapshotting(true)
    }

    /// Registers a custom transcoding.
    pub fn register_transcoding<T: Transcoding>(mut self) -> Self {
        self.transcoder.register::<T>();
        self
    }

    /// Number of notifications in a section of the notification log (10 by default).
    pub fn section_size(mut self, section_size: u64) -> Self {
        self.section_size = section_size;
        self
    }

    /// Uses this database connection when the SeaORM persistence module is selected (instead of
    /// connecting to `DATABASE_URL`).
    pub fn connection(self, connection: DatabaseConnection) -> Self {
        self.database(factory::DEFAULT_DATABASE, connection)
    }

    /// Registers a database connection under a name that the `DJANGO_DB_ALIAS` setting can
    /// select (the connection named `default` is used when it is unset).
    pub fn database(mut self, alias: impl Into<String>, connection: DatabaseConnection) -> Self {
        self.databases.insert(alias.into(), connection);
        self
    }

    /// Uses this SeaORM store (its connection and table names, for example tables declared
    /// with [`#[entity]`](eventsourcing_seaorm_macros::entity)) whatever
    /// `PERSISTENCE_MODULE` says; `CREATE_TABLE` and snapshotting apply as usual.
    pub fn store(mut self, store: SeaOrmStore) -> Self {
        self.store = Some(store);
        self
    }

    /// Uses these recorders instead of the ones the settings select.
    pub fn recorders(
        mut self,
        events: Arc<dyn ProcessRecorder>,
        snapshots: Option<Arc<dyn AggregateRecorder>>,
    ) -> Self {
        self.recorders = Some(Recorders::new(events, snapshots));
        self
    }

    /// What, given in code, names a database: a store, a connection, a `DATABASE_URL` setting.
    fn database_given_in_code(&self) -> Option<String> {
        let url_key = |key: &str| {
            key == keys::DATABASE_URL
                || key
                    .strip_suffix(keys::DATABASE_URL)
                    .is_some_and(|prefix| prefix.ends_with('_'))
        };
        if self.store.is_some() {
            Some("the store given in code".to_owned())
        } else if !self.databases.is_empty() {
            Some("a connection given in code".to_owned())
        } else {
            self.given
                .iter()
                .find(|(key, value)| url_key(key) && !value.is_empty())
                .map(|(key, _)| format!("{key} given in code"))
        }
    }

    /// Builds the application.
    pub async fn build(self) -> Result<Application, ApplicationError> {
        if self.in_memory
            && let Some(database) = self.database_given_in_code()
        {
            return Err(ApplicationError::setting(
                "in_memory()",
                "",
                format!(
                    "keeps events in memory, which are lost when the program exits, but {database} \
                     names a database: remove one of the two"
                ),
            ));
        }
        let environment = self.environment.unwrap_or_else(|| {
            std::env::vars_os()
                .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)))
                .collect()
        });
        let settings = Settings::from_sources(&self.name, self.defaults, environment, self.given);
        if self.section_size == 0 {
            return Err(ApplicationError::NotificationLog {
                application_name: self.name,
                reason: "the section size must be at least 1".into(),
            });
        }
        let snapshotting = settings.get_bool(keys::IS_SNAPSHOTTING_ENABLED, false)?;
        let mapper = Arc::new(
            factory::mapper(&settings, self.transcoder)?.with_topic_aliases(self.topic_aliases),
        );
        // As in the Python original, a size of 0 or less is a cache without a limit.
        let cache_maxsize = settings
            .get_i64(keys::AGGREGATE_CACHE_MAXSIZE)?
            .map(|size| u64::try_from(size).unwrap_or(0));
        let fastforward = settings.get_bool(keys::AGGREGATE_CACHE_FASTFORWARD, true)?;
        let retry = match self.retry {
            Some(policy) => policy,
            None => RetryPolicy::from_settings(&settings)?,
        };
        let (infrastructure, recorders) = match (self.recorders, self.store) {
            (Some(recorders), _) => (Infrastructure::Custom, recorders),
            (None, _) if self.in_memory => factory::memory_recorders(&settings, snapshotting),
            (None, Some(store)) => factory::store_recorders(store, &settings, snapshotting).await?,
            (None, None) => factory::recorders(&settings, snapshotting, &self.databases).await?,
        };
        let cache = cache_maxsize.map(|maxsize| {
            Arc::new(AggregateCache::new(Some(
                usize::try_from(maxsize).unwrap_or(usize::MAX),
            )))
        });
        let name: Arc<str> = Arc::from(self.name.as_str());
        let events = EventStore::new(mapper.clone(), recorders.events.clone());
        let snapshots = if snapshotting {
            let recorder = recorders.snapshots.ok_or_else(|| {
                ApplicationError::setting(
                    keys::IS_SNAPSHOTTING_ENABLED.to_owned(),
                    "y",
                    "snapshotting is enabled but no snapshot recorder was given".to_owned(),
                )
            })?;
            Some(EventStore::new(mapper.clone(), recorder))
        } else {
            None
        };
        let mut repository = Repository::new(name.clone(), events, snapshots, cache, fastforward);
        if let Some(loader) = recorders.snapshot_loader {
            repository = repository.with_snapshot_loader(loader);
        }
        let log_recorder: Arc<dyn ApplicationRecorder> = recorders.events.clone();
        let notification_log = NotificationLog::new(name.clone(), log_recorder, self.section_size);
        Ok(Application {
            inner: Arc::new(Parts {
                name,
                settings,
                mapper,
                recorder: recorders.events,
                repository,
                notification_log,
                // Without a snapshot store (IS_SNAPSHOTTING_ENABLED=n) intervals have nothing to do.
                intervals: if snapshotting {
                    self.intervals
                } else {
                    HashMap::new()
                },
                infrastructure,
                seaorm: recorders.seaorm,
                retry,
                listeners: Listeners::default(),
            }),
        })
    }
}
