//! The seed example stored through SeaORM, with the settings of the Python seed application run
//! on `eventsourcing_django`: zlib compression, AES-GCM encryption and snapshotting, in the
//! tables and with the topics the Django application uses.
//!
//! Run it with
//!
//! ```sh
//! cargo run --example seed_seaorm                                          # SQLite file in a new temp directory
//! cargo run --example seed_seaorm -- postgres://postgres@127.0.0.1:5432/test
//! cargo run --example seed_seaorm -- mysql://root@127.0.0.1:3306/test
//! ```

use std::error::Error;
use std::path::PathBuf;

use eventsourcing_seaorm::application::factory::Infrastructure;
use eventsourcing_seaorm::domain::{SNAPSHOT_TOPIC, Value};
use eventsourcing_seaorm::persistence::{AesCipher, AggregateRecorder, EventQuery, ZlibCompressor};
use eventsourcing_seaorm::prelude::*;
use eventsourcing_seaorm::seaorm::entity::{OriginatorId, snapshots, stored_events};
use eventsourcing_seaorm::seaorm::{SeaOrmRecorder, SeaOrmSnapshotRecorder};
use sea_orm::{ColumnTrait, EntityName, EntityTrait, QueryFilter, QueryOrder};
use uuid::Uuid;

/// The Python fixtures' module, so that topics equal the Python application's
/// (`interop_domain:World.SomethingHappened`).
#[aggregate(topic_module = "interop_domain")]
#[derive(Debug)]
struct World {
    history: Vec<String>,
}

#[aggregate]
impl World {
    #[event("Created")]
    fn create() -> Self {
        Self {
            history: Vec::new(),
        }
    }

    #[event("SomethingHappened")]
    fn make_it_so(&mut self, what: String) {
        self.history.push(what);
    }
}

/// The application: commands that load, change and save worlds, and a query.
struct Worlds {
    app: Application,
}

impl Worlds {
    async fn new(database_url: &str, cipher_key: &str) -> Result<Self, ApplicationError> {
        let app = Application::builder("Worlds")
            .settings([
                // The Django application's own setting: this crate takes `eventsourcing_django`
                // (like `eventsourcing_seaorm`) to mean its SeaORM recorders, so one environment
                // configures both programs.
                ("PERSISTENCE_MODULE", "eventsourcing_django"),
                ("DATABASE_URL", database_url),
                ("COMPRESSOR_TOPIC", "zlib"),
                ("CIPHER_TOPIC", "eventsourcing.cipher:AESCipher"),
                ("CIPHER_KEY", cipher_key),
                ("IS_SNAPSHOTTING_ENABLED", "y"),
            ])
            .build()
            .await?;
        Ok(Self { app })
    }

    async fn create_world(&self) -> Result<Uuid, ApplicationError> {
        let mut world = World::create();
        self.app.save(&mut world).await?;
        Ok(world.id())
    }

    async fn make_it_so(&self, world_id: Uuid, what: &str) -> Result<(), ApplicationError> {
        let mut world: World = self.app.get(world_id).await?;
        world.make_it_so(what.to_owned());
        self.app.save(&mut world).await?;
        Ok(())
    }

    async fn get_world_history(&self, world_id: Uuid) -> Result<Vec<String>, ApplicationError> {
        let world: World = self.app.get(world_id).await?;
        Ok(world.history)
    }
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

async fn run(database_url: &str) -> Result<(), Box<dyn Error>> {
    // A fresh key each run, as the Python seed's `AESCipher.create_key(32)`.
    let cipher_key = AesCipher::create_key(32)?;
    let worlds = Worlds::new(database_url, &cipher_key).await?;

    // The seed.
    let world_id = worlds.create_world().await?;
    worlds.make_it_so(world_id, "dinosaurs").await?;
    worlds.make_it_so(world_id, "trucks").await?;
    worlds.make_it_so(world_id, "internet").await?;
    let history = worlds.get_world_history(world_id).await?;
    assert_eq!(history, ["dinosaurs", "trucks", "internet"]);

    // The Python seed's final checks: the factory, recorders, tables, cipher and compressor are
    // the ones the settings name.
    let app = &worlds.app;
    let Infrastructure::SeaOrm(store) = app.infrastructure() else {
        panic!("expected the SeaORM infrastructure")
    };
    let recorders = app.seaorm_recorders().expect("the recorders are SeaORM's");
    let events: &SeaOrmRecorder = &recorders.events;
    assert_eq!(events.table_name(), stored_events::Entity.table_name());
    let snapshot_recorder: &SeaOrmSnapshotRecorder = recorders
        .snapshots
        .as_ref()
        .expect("snapshotting is enabled");
    assert_eq!(
        snapshot_recorder.table_name(),
        snapshots::Entity.table_name()
    );
    let cipher = app.mapper().cipher().expect("a cipher");
    assert!(cipher.as_any().is::<AesCipher>());
    let compressor = app.mapper().compressor().expect("a compressor");
    assert!(compressor.as_any().is::<ZlibCompressor>());

    // Take a snapshot (version 4), record one more event, and load: the repository reads the
    // newest snapshot and only the events after it.
    app.take_snapshot::<World>(world_id, None).await?;
    worlds.make_it_so(world_id, "robots").await?;
    let newest_snapshot = snapshot_recorder
        .select_events(world_id, EventQuery::new().desc().limit(1))
        .await?;
    assert_eq!(newest_snapshot[0].originator_version, 4);
    assert_eq!(newest_snapshot[0].topic, SNAPSHOT_TOPIC);
    let after_snapshot = events
        .select_events(world_id, EventQuery::new().gt(4))
        .await?;
    assert_eq!(after_snapshot.len(), 1);
    let world: World = app.get(world_id).await?;
    assert_eq!(world.version(), 5);
    assert_eq!(world.history, ["dinosaurs", "trucks", "internet", "robots"]);

    // The rows, read through the SeaORM entities as a Django query would read them. The UUID
    // column is stored the database's own way (as Django stores it): `value_for` compares it.
    let db = store.connection();
    let backend = db.get_database_backend();
    let rows = stored_events::Entity::find()
        .filter(stored_events::Column::ApplicationName.eq("Worlds"))
        .filter(stored_events::Column::OriginatorId.eq(OriginatorId::value_for(backend, world_id)))
        .order_by_asc(stored_events::Column::OriginatorVersion)
        .all(db)
        .await?;
    let topics: Vec<&str> = rows.iter().map(|r| r.topic.as_str()).collect();
    assert_eq!(
        topics,
        [
            "interop_domain:World.Created",
            "interop_domain:World.SomethingHappened",
            "interop_domain:World.SomethingHappened",
            "interop_domain:World.SomethingHappened",
            "interop_domain:World.SomethingHappened",
        ]
    );
    assert!(
        rows.iter()
            .all(|r| r.originator_id == OriginatorId(world_id))
    );
    // Encrypted: no plaintext in the stored bytes. Decrypting gives a zlib stream (header
    // 78 9c, as Python's `zlib.compress`), and the whole pipeline gives the event's JSON.
    let dinosaurs = &rows[1];
    assert!(!contains(&dinosaurs.state, b"dinosaurs"));
    assert!(cipher.decrypt(&dinosaurs.state)?.starts_with(&[0x78, 0x9c]));
    let state = app.mapper().decode_state(&dinosaurs.state)?;
    assert_eq!(state.get("what"), Some(&Value::String("dinosaurs".into())));

    let snapshot_rows = snapshots::Entity::find()
        .filter(snapshots::Column::ApplicationName.eq("Worlds"))
        .filter(snapshots::Column::OriginatorId.eq(OriginatorId::value_for(backend, world_id)))
        .all(db)
        .await?;
    assert_eq!(snapshot_rows.len(), 1);
    assert!(!contains(&snapshot_rows[0].state, b"dinosaurs"));

    println!("database: {backend:?}");
    println!("history of world {world_id}: {:?}", world.history);
    println!(
        "rows in {}: {} (versions {:?}), in {}: {} (version {})",
        events.table_name(),
        rows.len(),
        rows.iter()
            .map(|r| r.originator_version)
            .collect::<Vec<_>>(),
        snapshot_recorder.table_name(),
        snapshot_rows.len(),
        snapshot_rows[0].originator_version,
    );
    println!(
        "stored state of the \"dinosaurs\" event: {} bytes, starting {:02x?}…",
        dinosaurs.state.len(),
        &dinosaurs.state[..8]
    );
    Ok(())
}

/// A new directory under the system's temp directory, for a SQLite file.
fn new_temp_dir(prefix: &str) -> std::io::Result<PathBuf> {
    let dir = std::env::temp_dir().join(format!("{prefix}-{}", Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    let url = match std::env::args().nth(1) {
        Some(url) => url,
        None => {
            let dir = new_temp_dir("seed_seaorm")?;
            let file = dir.join("db.sqlite3");
            println!("SQLite file: {}", file.display());
            format!("sqlite://{}", file.display())
        }
    };
    run(&url).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn seed_on_sqlite_file() {
        let dir = new_temp_dir("seed_seaorm_test").unwrap();
        let url = format!("sqlite://{}", dir.join("db.sqlite3").display());
        run(&url).await.unwrap();
        std::fs::remove_dir_all(dir).unwrap();
    }

    async fn run_if_set(variable: &str) {
        match std::env::var(variable) {
            Ok(url) => run(&url).await.unwrap(),
            Err(_) => println!("skipped: {variable} not set"),
        }
    }

    #[tokio::test]
    async fn seed_on_postgres() {
        run_if_set("TEST_POSTGRES_URL").await;
    }

    #[tokio::test]
    async fn seed_on_mysql() {
        run_if_set("TEST_MYSQL_URL").await;
    }
}
