//! Choosing the infrastructure (recorders and mapper) from settings, as the Python original's
//! `InfrastructureFactory` does.

use std::collections::HashMap;
use std::sync::Arc;

use sea_orm::DatabaseConnection;

use super::settings::keys;
use super::{ApplicationError, Settings};
use crate::memory::InMemoryRecorder;
use crate::persistence::{
    AesCipher, AggregateRecorder, JsonTranscoder, Mapper, PersistenceError, ProcessRecorder,
    SnapshotLoader, ZlibCompressor,
};
use crate::redact::redact_error;
use crate::seaorm::{
    CONNECT_TIMEOUT, SeaOrmRecorder, SeaOrmSnapshotRecorder, SeaOrmStore, connect_within,
    url_problem,
};

/// Persistence modules that select the in-memory recorders (the default).
pub const MEMORY_MODULES: &[&str] = &["eventsourcing.popo", "popo", "memory"];

/// Persistence modules that select the SeaORM recorders. `eventsourcing_django` is accepted so
/// that a Django application's settings work unchanged.
pub const SEAORM_MODULES: &[&str] = &["eventsourcing_seaorm", "seaorm", "eventsourcing_django"];

/// The connection alias used when `DJANGO_DB_ALIAS` is not set.
pub const DEFAULT_DATABASE: &str = "default";

/// The infrastructure an application uses.
#[derive(Debug, Clone)]
pub enum Infrastructure {
    /// In-memory recorders.
    Memory,
    /// SeaORM recorders on this store.
    SeaOrm(SeaOrmStore),
    /// Recorders given in code.
    Custom,
}

/// The recorders an application uses.
#[derive(Debug, Clone)]
pub struct Recorders {
    /// Events and notifications (and tracking, for process applications).
    pub events: Arc<dyn ProcessRecorder>,
    /// Snapshots, when snapshotting is enabled.
    pub snapshots: Option<Arc<dyn AggregateRecorder>>,
    /// How aggregates are loaded from snapshots; `None`: the snapshot recorder, then the event
    /// recorder ([`InTurn`](crate::persistence::InTurn)).
    pub snapshot_loader: Option<Arc<dyn SnapshotLoader>>,
    /// The same recorders as SeaORM's, when they are: for saves in a transaction of the
    /// caller's own.
    pub seaorm: Option<SeaOrmRecorders>,
}

impl Recorders {
    /// Recorders given in code: loaded from snapshots one recorder after the other.
    pub fn new(
        events: Arc<dyn ProcessRecorder>,
        snapshots: Option<Arc<dyn AggregateRecorder>>,
    ) -> Self {
        Self {
            events,
            snapshots,
            snapshot_loader: None,
            seaorm: None,
        }
    }
}

/// An application's recorders on a SeaORM store, as their own types.
#[derive(Debug, Clone)]
pub struct SeaOrmRecorders {
    /// Events, notifications and tracking.
    pub events: SeaOrmRecorder,
    /// Snapshots, when snapshotting is enabled.
    pub snapshots: Option<SeaOrmSnapshotRecorder>,
}

/// The persistence module named by the settings, and the key it was found under. When none is
/// named, it is the SeaORM module if a database is named (`DATABASE_URL`, or connections given
/// in code), else memory.
pub fn persistence_module(settings: &Settings, database_named: bool) -> (String, String) {
    for key in [
        keys::PERSISTENCE_MODULE,
        keys::INFRASTRUCTURE_FACTORY,
        keys::FACTORY_TOPIC,
    ] {
        if let Some((found, value)) = settings.find_non_empty(key) {
            return (found, value.to_owned());
        }
    }
    let default = if database_named {
        SEAORM_MODULES[0]
    } else {
        MEMORY_MODULES[0]
    };
    (keys::PERSISTENCE_MODULE.to_owned(), default.to_owned())
}

/// The module part of a Python topic (`eventsourcing.popo:Factory` → `eventsourcing.popo`,
/// `eventsourcing_django.factory:Factory` → `eventsourcing_django`), so that every spelling the
/// Python original accepts selects the same infrastructure here.
fn module_of(topic: &str) -> &str {
    let module = topic.split_once(':').map_or(topic, |(module, _)| module);
    module.strip_suffix(".factory").unwrap_or(module)
}

fn database_error(
    settings: &Settings,
    operation: &'static str,
    source: sea_orm::DbErr,
) -> ApplicationError {
    ApplicationError::Persistence(PersistenceError::Database {
        application_name: settings.application_name().to_owned(),
        operation,
        source: redact_error(source),
    })
}

/// A store's error (which names no application) as the application's whose settings made
/// the store.
pub(crate) fn of_application(settings: &Settings, error: PersistenceError) -> ApplicationError {
    match error {
        PersistenceError::Database {
            application_name,
            operation,
            source,
        } if application_name.is_empty() => {
            ApplicationError::Persistence(PersistenceError::Database {
                application_name: settings.application_name().to_owned(),
                operation,
                source,
            })
        }
        other => ApplicationError::Persistence(other),
    }
}

/// The connection the settings select: the one given in code under `DJANGO_DB_ALIAS` (default
/// `default`), else one made from `DATABASE_URL`.
async fn connection(
    settings: &Settings,
    databases: &HashMap<String, DatabaseConnection>,
) -> Result<DatabaseConnection, ApplicationError> {
    let alias = settings.find_non_empty(keys::DJANGO_DB_ALIAS);
    let name = alias.as_ref().map_or(DEFAULT_DATABASE, |(_, v)| v);
    if let Some(conn) = databases.get(name) {
        return Ok(conn.clone());
    }
    if let Some((key, value)) = alias.as_ref().filter(|_| name != DEFAULT_DATABASE) {
        return Err(ApplicationError::setting(
            key.clone(),
            *value,
            format!(
                "no database connection was given under this name; known: {:?}",
                databases.keys().collect::<Vec<_>>()
            ),
        ));
    }
    match settings.find_non_empty(keys::DATABASE_URL) {
        Some((key, url)) if !URL_SCHEMES.iter().any(|scheme| url.starts_with(scheme)) => {
            Err(ApplicationError::setting(
                key,
                url,
                format!("not a database URL: expected one starting with one of {URL_SCHEMES:?}"),
            ))
        }
        Some((key, url)) => match url_problem(url) {
            Some(problem) => Err(ApplicationError::setting(key, url, problem)),
            None => {
                let timeout = settings
                    .get_seconds(keys::CONNECT_TIMEOUT)?
                    .unwrap_or(CONNECT_TIMEOUT);
                connect_within(url, timeout).await.map_err(|source| {
                    database_error(settings, "connecting to DATABASE_URL", source)
                })
            }
        },
        None => Err(ApplicationError::setting(
            keys::DATABASE_URL.to_owned(),
            String::new(),
            "the SeaORM persistence module needs DATABASE_URL or a connection given in code",
        )),
    }
}

/// The URL schemes of the databases reached through SeaORM.
pub const URL_SCHEMES: &[&str] = &[
    "sqlite:",
    "postgres://",
    "postgresql://",
    "mysql://",
    "mariadb://",
];

/// Recorders in memory.
pub fn memory_recorders(settings: &Settings, snapshotting: bool) -> (Infrastructure, Recorders) {
    let name = settings.application_name();
    let recorders = Recorders::new(
        Arc::new(InMemoryRecorder::new(name)),
        snapshotting.then(|| Arc::new(InMemoryRecorder::new(name)) as Arc<dyn AggregateRecorder>),
    );
    (Infrastructure::Memory, recorders)
}

/// Builds the recorders the settings ask for.
pub async fn recorders(
    settings: &Settings,
    snapshotting: bool,
    databases: &HashMap<String, DatabaseConnection>,
) -> Result<(Infrastructure, Recorders), ApplicationError> {
    let database_url = settings.find_non_empty(keys::DATABASE_URL);
    let (key, module) =
        persistence_module(settings, !databases.is_empty() || database_url.is_some());
    if MEMORY_MODULES.contains(&module_of(&module)) {
        // Events kept in memory are lost at exit: never when a database was named as well.
        let named = match &database_url {
            Some((url_key, _)) => Some(url_key.clone()),
            None if !databases.is_empty() => Some("a connection given in code".to_owned()),
            None => None,
        };
        if let Some(named) = named {
            return Err(ApplicationError::setting(
                key,
                module,
                format!(
                    "selects the in-memory recorders, which keep nothing after the program \
                     exits, but {named} names a database: remove one of the two (without a \
                     persistence module a database means SeaORM storage)"
                ),
            ));
        }
        return Ok(memory_recorders(settings, snapshotting));
    }
    if SEAORM_MODULES.contains(&module_of(&module)) {
        let conn = connection(settings, databases).await?;
        let store = SeaOrmStore::new(conn)
            .await
            .map_err(|e| of_application(settings, e))?;
        return store_recorders(store, settings, snapshotting).await;
    }
    Err(ApplicationError::setting(
        key,
        module,
        format!(
            "unknown persistence module; expected one of {MEMORY_MODULES:?} or {SEAORM_MODULES:?}"
        ),
    ))
}

/// The recorders of an application on a SeaORM store, whose tables are created first unless
/// `CREATE_TABLE` says no.
pub async fn store_recorders(
    store: SeaOrmStore,
    settings: &Settings,
    snapshotting: bool,
) -> Result<(Infrastructure, Recorders), ApplicationError> {
    let name = settings.application_name();
    let store = match settings.get_u64(keys::WRITE_QUEUE_LIMIT)? {
        None => store,
        Some(limit @ 1..) => {
            store.with_write_queue_limit(usize::try_from(limit).unwrap_or(usize::MAX))
        }
        Some(_) => {
            let (key, value) = settings
                .find_non_empty(keys::WRITE_QUEUE_LIMIT)
                .unwrap_or((keys::WRITE_QUEUE_LIMIT.to_owned(), "0"));
            return Err(ApplicationError::setting(
                key,
                value,
                "expected a positive number of saves",
            ));
        }
    };
    if settings.get_bool(keys::CREATE_TABLE, true)? {
        store
            .create_tables()
            .await
            .map_err(|e| of_application(settings, e))?;
    }
    let events = store.application_recorder(name)?;
    let snapshots = if snapshotting {
        Some(store.snapshot_recorder(name)?)
    } else {
        None
    };
    let recorders = Recorders {
        events: Arc::new(events.clone()),
        snapshots: snapshots
            .clone()
            .map(|s| Arc::new(s) as Arc<dyn AggregateRecorder>),
        // Chosen here once: on one connection when both tables are on the store's pool.
        snapshot_loader: snapshots.as_ref().map(|s| s.loader(&events)),
        seaorm: Some(SeaOrmRecorders { events, snapshots }),
    };
    Ok((Infrastructure::SeaOrm(store), recorders))
}

/// Compressor names the Python original accepts for zlib.
pub const ZLIB_TOPICS: &[&str] = &["zlib", "eventsourcing.compressor:ZlibCompressor"];
/// Cipher names the Python original accepts for AES-GCM.
/// (`eventsourcing.cryptography:AESCipher` writes the same bytes with another Python library.)
pub const AES_TOPICS: &[&str] = &[
    "eventsourcing.cipher:AESCipher",
    "eventsourcing.cryptography:AESCipher",
    "aes",
];

/// Builds the mapper the settings ask for: `COMPRESSOR_TOPIC`, `CIPHER_TOPIC`, `CIPHER_KEY`.
pub fn mapper(settings: &Settings, transcoder: JsonTranscoder) -> Result<Mapper, ApplicationError> {
    let mut mapper = Mapper::new(transcoder).with_application_name(settings.application_name());
    if let Some((key, topic)) = settings.find_non_empty(keys::COMPRESSOR_TOPIC) {
        if !ZLIB_TOPICS.contains(&topic) {
            return Err(ApplicationError::setting(
                key,
                topic,
                format!("unknown compressor; expected one of {ZLIB_TOPICS:?}"),
            ));
        }
        mapper = mapper.with_compressor(Arc::new(ZlibCompressor));
    }
    let cipher_key = settings.find_non_empty(keys::CIPHER_KEY);
    let cipher_topic = settings.find_non_empty(keys::CIPHER_TOPIC);
    match (cipher_topic, cipher_key) {
        (None, None) => {}
        (Some((key, topic)), _) if !AES_TOPICS.contains(&topic) => {
            return Err(ApplicationError::setting(
                key,
                topic,
                format!("unknown cipher; expected one of {AES_TOPICS:?}"),
            ));
        }
        (Some((topic_key, _)), None) => {
            return Err(ApplicationError::setting(
                keys::CIPHER_KEY.to_owned(),
                String::new(),
                format!("{topic_key} selects AES but no CIPHER_KEY is set"),
            ));
        }
        (_, Some((key, value))) => {
            let cipher = AesCipher::from_base64_key(value)
                .map_err(|e| ApplicationError::setting(key, value, e.to_string()))?;
            mapper = mapper.with_cipher(Arc::new(cipher));
        }
    }
    Ok(mapper)
}
