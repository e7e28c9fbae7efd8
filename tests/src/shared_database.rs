//! A database that a test shares with the Python original's scripts (`python/*.py`): a fresh
//! SQLite file, PostgreSQL schema or MySQL/MariaDB database, in which both sides use the tables
//! under the names `eventsourcing_django` gives them (`stored_events`, `snapshots`,
//! `notification_tracking`: [`Tables::default`](eventsourcing_seaorm::seaorm::Tables)), and
//! how to run a script on it.

use std::process::Command;

use eventsourcing_seaorm::seaorm::connect_options;
use sea_orm::{ConnectionTrait, Database, DatabaseConnection};
use serde_json::{Value as Json, json};

use crate::backends::{Backend, TempDir, unique_name};

/// A database of one test, which Rust reaches through [`conn`](Self::conn) and the scripts
/// through [`spec`](Self::spec).
pub struct SharedDatabase {
    /// Rust's connection to it.
    pub conn: DatabaseConnection,
    /// The database as the scripts name it: a SQLite file's path, or the server's URL.
    pub python_database: String,
    /// The PostgreSQL schema that holds the tables (first in the search path of both sides).
    pub schema: Option<String>,
    cleanup: Option<(DatabaseConnection, String)>,
    _dir: Option<TempDir>,
}

impl SharedDatabase {
    /// A fresh database on `backend`, or `None` when the backend is not configured (or is
    /// SQLite in memory, which another process cannot open).
    pub async fn new(backend: Backend) -> Option<Self> {
        match backend {
            Backend::SqliteFile => {
                let dir = TempDir::new();
                let path = dir.0.join("shared.sqlite3");
                let url = format!("sqlite://{}", path.display());
                Some(Self {
                    conn: Database::connect(connect_options(&url)).await.unwrap(),
                    python_database: path.display().to_string(),
                    schema: None,
                    cleanup: None,
                    _dir: Some(dir),
                })
            }
            Backend::Postgres => {
                let url = backend.server_url()?;
                let admin = Database::connect(&url).await.unwrap();
                let schema = unique_name();
                admin
                    .execute_unprepared(&format!("CREATE SCHEMA {schema}"))
                    .await
                    .unwrap();
                let mut options = connect_options(&url);
                options.set_schema_search_path(schema.clone());
                Some(Self {
                    conn: Database::connect(options).await.unwrap(),
                    python_database: url,
                    schema: Some(schema.clone()),
                    cleanup: Some((admin, format!("DROP SCHEMA {schema} CASCADE"))),
                    _dir: None,
                })
            }
            Backend::MySql => {
                let url = backend.server_url()?;
                let admin = Database::connect(&url).await.unwrap();
                let database = unique_name();
                admin
                    .execute_unprepared(&format!("CREATE DATABASE {database}"))
                    .await
                    .unwrap();
                let base = url.rsplit_once('/').map_or(url.as_str(), |(base, _)| base);
                let url = format!("{base}/{database}");
                Some(Self {
                    conn: Database::connect(connect_options(&url)).await.unwrap(),
                    python_database: url,
                    schema: None,
                    cleanup: Some((admin, format!("DROP DATABASE {database}"))),
                    _dir: None,
                })
            }
            Backend::SqliteMemory => None,
        }
    }

    /// A script's spec: the object `spec` with the keys that name this database added
    /// (`"database"`, `"schema"`), as JSON text.
    pub fn spec(&self, mut spec: Json) -> String {
        let object = spec.as_object_mut().expect("a spec is a JSON object");
        object.insert("database".into(), json!(self.python_database));
        object.insert("schema".into(), json!(self.schema));
        spec.to_string()
    }

    /// Drops the schema or database on a server (a SQLite file goes with its directory).
    pub async fn remove(self) {
        if let Some((admin, drop)) = self.cleanup {
            admin.execute_unprepared(&drop).await.unwrap();
        }
    }
}

/// Runs `python/<script>` of this crate with `python` and these arguments, and gives what it
/// printed on stdout as JSON; panics with its stderr when it fails.
pub fn run_script(python: &str, script: &str, args: &[&str]) -> Json {
    let script = format!("{}/python/{script}", env!("CARGO_MANIFEST_DIR"));
    let output = Command::new(python)
        .arg(&script)
        .args(args)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{python} {script} {args:?} failed:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "{python} {script} printed no JSON ({e}):\n{}",
            String::from_utf8_lossy(&output.stdout)
        )
    })
}
