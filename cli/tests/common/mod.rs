//! What the command-line tests share: running the binary with a clean environment, the Python
//! fixtures, a target store on each backend, and loading aggregates with the fixtures' domain.

#![allow(dead_code)]

use std::process::{Command, Output, Stdio};

use eventsourcing_seaorm::application::Application;
use eventsourcing_seaorm::seaorm::connect;
use eventsourcing_seaorm_tests::backends::{Backend, TempDir, drop_tables, unique_name};
use eventsourcing_seaorm_tests::interop::{Account, Profile, World, plain_state};
use serde_json::Value as Json;
use uuid::Uuid;

/// The binary under test.
pub const BIN: &str = env!("CARGO_BIN_EXE_eventsourcing-seaorm");

/// The key of the fixture `django_zlib_aes` (its manifest's `CIPHER_KEY`).
pub const FIXTURE_KEY: &str = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
/// Another AES-256 key.
pub const OTHER_KEY: &str = "AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyA=";

/// A store the binary is pointed at: a database URL, a table prefix and settings.
#[derive(Debug)]
pub struct Target {
    /// Which backend.
    pub backend: Backend,
    /// `DATABASE_URL`.
    pub url: String,
    /// `TABLE_PREFIX` (empty on SQLite, whose database is the test's own file).
    pub prefix: String,
    /// Further environment: the encoding settings.
    pub env: Vec<(String, String)>,
    _dir: Option<TempDir>,
}

impl Target {
    /// An empty store on `backend` (`None` when that server is not configured), encoded with
    /// `env`.
    pub fn new(backend: Backend, env: &[(&str, &str)]) -> Option<Target> {
        let (url, prefix, dir) = match backend {
            Backend::SqliteFile => {
                let dir = TempDir::new();
                let url = format!(
                    "sqlite://{}?mode=rwc",
                    dir.0.join("store.sqlite3").display()
                );
                (url, String::new(), Some(dir))
            }
            Backend::Postgres | Backend::MySql => {
                (backend.server_url()?, format!("{}_", unique_name()), None)
            }
            Backend::SqliteMemory => return None,
        };
        Some(Target {
            backend,
            url,
            prefix,
            env: owned(env),
            _dir: dir,
        })
    }

    /// A copy of a fixture database written by the Python original, with its settings.
    pub fn fixture(fixture: &Fixture) -> Target {
        let dir = TempDir::new();
        let file = dir.0.join("fixture.sqlite3");
        std::fs::copy(&fixture.database, &file).unwrap();
        Target {
            backend: Backend::SqliteFile,
            url: format!("sqlite://{}", file.display()),
            prefix: String::new(),
            env: fixture.env(),
            _dir: Some(dir),
        }
    }

    /// The same store with other settings.
    pub fn with_env(&self, env: &[(&str, &str)]) -> Target {
        Target {
            backend: self.backend,
            url: self.url.clone(),
            prefix: self.prefix.clone(),
            env: owned(env),
            _dir: None,
        }
    }

    /// Runs the binary with `args`, this store's settings and nothing else of the test's
    /// environment.
    pub fn run(&self, args: &[&str]) -> Run {
        self.run_with(args, &[], None)
    }

    /// Runs the binary with `args`, further environment `extra`, and `input` on its standard
    /// input.
    pub fn run_with(&self, args: &[&str], extra: &[(&str, &str)], input: Option<&[u8]>) -> Run {
        let mut command = self.command(args, extra);
        command.stdin(if input.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        });
        command.stdout(Stdio::piped()).stderr(Stdio::piped());
        let mut child = command.spawn().expect("the binary runs");
        if let Some(input) = input {
            use std::io::Write;
            let mut stdin = child.stdin.take().unwrap();
            stdin.write_all(input).unwrap();
        }
        Run(child.wait_with_output().unwrap())
    }

    /// The command, not started.
    pub fn command(&self, args: &[&str], extra: &[(&str, &str)]) -> Command {
        let mut command = Command::new(BIN);
        command
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("DATABASE_URL", &self.url)
            .env("TABLE_PREFIX", &self.prefix)
            .envs(self.env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .envs(extra.iter().copied())
            .args(args);
        command
    }

    /// An application of the fixtures' domain on this store, with its settings.
    pub async fn app(&self, name: &str) -> Application {
        self.app_on(name, self.store().await).await
    }

    /// A SeaORM store on this target's database and tables.
    pub async fn store(&self) -> eventsourcing_seaorm::seaorm::SeaOrmStore {
        let tables = eventsourcing_seaorm::seaorm::Tables::with_prefix(&self.prefix);
        let conn = connect(&self.url).await.unwrap();
        eventsourcing_seaorm::seaorm::SeaOrmStore::with_tables(conn, tables)
            .await
            .unwrap()
    }

    /// An application of the fixtures' domain on `store`, with this target's settings.
    pub async fn app_on(
        &self,
        name: &str,
        store: eventsourcing_seaorm::seaorm::SeaOrmStore,
    ) -> Application {
        Application::builder(name)
            .environment([("", ""); 0])
            .settings(self.env.iter().cloned())
            .setting("IS_SNAPSHOTTING_ENABLED", "y")
            .store(store)
            .build()
            .await
            .unwrap()
    }

    /// Drops the tables on a server (a SQLite file goes with its directory).
    pub async fn drop(&self) {
        if matches!(self.backend, Backend::Postgres | Backend::MySql) {
            let conn = connect(&self.url).await.unwrap();
            let tables = eventsourcing_seaorm::seaorm::Tables::with_prefix(&self.prefix);
            drop_tables(&conn, &tables).await;
            let _ = sea_orm::ConnectionTrait::execute_unprepared(
                &conn,
                &format!(
                    "DROP TABLE IF EXISTS {}stored_events_seaql_migrations",
                    self.prefix
                ),
            )
            .await;
        }
    }
}

fn owned(env: &[(&str, &str)]) -> Vec<(String, String)> {
    env.iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

/// What a run of the binary gave.
#[derive(Debug)]
pub struct Run(pub Output);

impl Run {
    /// The exit status.
    pub fn code(&self) -> i32 {
        self.0.status.code().unwrap_or(-1)
    }

    /// Standard output.
    pub fn stdout(&self) -> String {
        String::from_utf8_lossy(&self.0.stdout).into_owned()
    }

    /// Standard error.
    pub fn stderr(&self) -> String {
        String::from_utf8_lossy(&self.0.stderr).into_owned()
    }

    /// Asserts the exit status, showing both outputs when it differs.
    pub fn expect(self, code: i32) -> Self {
        assert_eq!(
            self.code(),
            code,
            "stdout:\n{}\nstderr:\n{}",
            self.stdout(),
            self.stderr()
        );
        self
    }

    /// Standard output as one JSON object.
    pub fn json(&self) -> Json {
        serde_json::from_str(&self.stdout())
            .unwrap_or_else(|e| panic!("{e}: {}\n{}", self.stdout(), self.stderr()))
    }

    /// Standard output as JSON lines.
    pub fn json_lines(&self) -> Vec<Json> {
        self.stdout()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
            .collect()
    }
}

/// A database written by the Python original and its manifest.
pub struct Fixture {
    /// The variant: `plain`, `zlib`, `zlib_aes`.
    pub variant: &'static str,
    /// The database file.
    pub database: std::path::PathBuf,
    /// What it holds.
    pub manifest: Json,
}

impl Fixture {
    /// The fixture of `variant`.
    pub fn load(variant: &'static str) -> Fixture {
        let base = format!(
            "{}/../tests/fixtures/python/django_{variant}",
            env!("CARGO_MANIFEST_DIR")
        );
        let manifest = std::fs::read_to_string(format!("{base}.json")).unwrap();
        Fixture {
            variant,
            database: format!("{base}.sqlite3").into(),
            manifest: serde_json::from_str(&manifest).unwrap(),
        }
    }

    /// Its settings (compressor, cipher, key).
    pub fn env(&self) -> Vec<(String, String)> {
        self.manifest["env"]
            .as_object()
            .unwrap()
            .iter()
            .filter(|(k, _)| k.as_str() != "PERSISTENCE_MODULE")
            .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_owned()))
            .collect()
    }

    /// The rows of a table as the manifest lists them.
    pub fn rows(&self, table: &str) -> &Vec<Json> {
        self.manifest["rows"][table].as_array().unwrap()
    }

    /// Checks that every aggregate of the manifest loads from `target` to the manifest's state.
    pub async fn check_aggregates(&self, target: &Target) -> usize {
        let mut checked = 0;
        for (name, application) in self.manifest["applications"].as_object().unwrap() {
            let app = target.app(name).await;
            for aggregate in application["aggregates"].as_array().unwrap() {
                let id = Uuid::parse_str(aggregate["id"].as_str().unwrap()).unwrap();
                let repository = app.repository();
                let state = match aggregate["class_topic"].as_str().unwrap() {
                    "interop_domain:World" => {
                        plain_state(&repository.get::<World>(id).await.unwrap())
                    }
                    "interop_domain:Account" => {
                        plain_state(&repository.get::<Account>(id).await.unwrap())
                    }
                    "interop_domain:Profile" => {
                        plain_state(&repository.get::<Profile>(id).await.unwrap())
                    }
                    other => panic!("no Rust aggregate for {other}"),
                };
                assert_eq!(
                    state, aggregate["state"],
                    "{} {name} {} on {:?}",
                    self.variant, aggregate["label"], target.backend
                );
                checked += 1;
            }
            let _ = app.close().await;
        }
        checked
    }
}

/// The SQL backends: a SQLite file, and the servers that are configured.
pub const BACKENDS: [Backend; 3] = [Backend::SqliteFile, Backend::Postgres, Backend::MySql];

/// `(key, value)` pairs as the settings of a target.
pub fn settings(pairs: &[(String, String)]) -> Vec<(&str, &str)> {
    pairs
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect()
}
