//! A projection's process killed with SIGKILL under load, then started again (issue 24): the read
//! model equals a rebuild from scratch (one row per `SomethingHappened` event in the store), on
//! SQLite, PostgreSQL and MySQL/MariaDB. The process is `src/bin/projection_instance.rs`.

use std::collections::BTreeMap;
use std::process::{Child, Command};
use std::time::{Duration, Instant};

use eventsourcing_seaorm::application::Application;
use eventsourcing_seaorm::persistence::{NotificationQuery, TrackingRecorder};
use eventsourcing_seaorm::seaorm::{SeaOrmStore, Tables};
use eventsourcing_seaorm_tests::backends::{Backend, TestDatabase};
use eventsourcing_seaorm_tests::world::{World, WorldEvent};
use sea_orm::ConnectionTrait;
use sea_orm::sea_query::{Alias, Query};

const NO_ENV: [(&str, &str); 0] = [];

struct Instance(Child);

impl Instance {
    fn start(url: &str, prefix: &str, delay_ms: u64) -> Self {
        Self(
            Command::new(env!("CARGO_BIN_EXE_projection_instance"))
                .args([url, prefix, &delay_ms.to_string()])
                .spawn()
                .expect("projection_instance starts"),
        )
    }
}

impl Drop for Instance {
    fn drop(&mut self) {
        // SIGKILL.
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn prefix_of(db: &TestDatabase) -> String {
    db.tables
        .stored_events
        .strip_suffix("stored_events")
        .unwrap_or_default()
        .to_owned()
}

async fn save_worlds(worlds: &Application, count: usize, tag: &str) {
    for n in 0..count {
        let mut world = World::create();
        world.make_it_so(format!("{tag} {n} a"));
        world.make_it_so(format!("{tag} {n} b"));
        worlds.save(&mut world).await.unwrap();
    }
}

/// The read model's rows, as (world, what) counts.
async fn read_model(store: &SeaOrmStore, table: &str) -> BTreeMap<(String, String), u32> {
    let select = Query::select()
        .columns([Alias::new("world_id"), Alias::new("what")])
        .from(Alias::new(table))
        .to_owned();
    let mut rows = BTreeMap::new();
    for row in store.connection().query_all(&select).await.unwrap() {
        let key = (
            row.try_get_by_index::<String>(0).unwrap(),
            row.try_get_by_index::<String>(1).unwrap(),
        );
        *rows.entry(key).or_default() += 1;
    }
    rows
}

/// The read model rebuilt from scratch: every `SomethingHappened` in the store, once.
async fn rebuilt(worlds: &Application) -> BTreeMap<(String, String), u32> {
    let mut rows = BTreeMap::new();
    let notifications = worlds
        .recorder()
        .select_notifications(&NotificationQuery::new(None, 1_000_000))
        .await
        .unwrap();
    for notification in notifications {
        let event = worlds
            .mapper()
            .to_domain_event::<WorldEvent>(&notification.event)
            .unwrap();
        if let WorldEvent::SomethingHappened { what } = event.payload {
            *rows
                .entry((event.originator_id.to_string(), what))
                .or_default() += 1;
        }
    }
    rows
}

#[tokio::test]
async fn a_projection_killed_under_load_resumes_to_what_a_rebuild_gives() {
    for backend in [Backend::SqliteFile, Backend::Postgres, Backend::MySql] {
        let Some(db) = TestDatabase::new(backend) else {
            continue;
        };
        let prefix = prefix_of(&db);
        let store = SeaOrmStore::with_tables(db.connect().await, Tables::with_prefix(&prefix))
            .await
            .unwrap();
        let worlds = Application::builder("Worlds")
            .environment(NO_ENV)
            .store(store.clone())
            .build()
            .await
            .unwrap();
        let tracking = store.application_recorder("History").unwrap();
        save_worlds(&worlds, 30, "before").await;

        // Killed while saves go on and a batch is in hand.
        let first = Instance::start(&db.url, &prefix, 5);
        let load = {
            let worlds = worlds.clone();
            tokio::spawn(async move { save_worlds(&worlds, 40, "during").await })
        };
        let deadline = Instant::now() + Duration::from_secs(60);
        while tracking.max_tracking_id("Worlds").await.unwrap().is_none() {
            assert!(Instant::now() < deadline, "{backend:?}: no first batch");
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        drop(first);
        load.await.unwrap();

        let _second = Instance::start(&db.url, &prefix, 0);
        let last = worlds.recorder().max_notification_id().await.unwrap();
        let deadline = Instant::now() + Duration::from_secs(60);
        // The last notification is a SomethingHappened: the projection's topics include it.
        while tracking.max_tracking_id("Worlds").await.unwrap() != last {
            assert!(Instant::now() < deadline, "{backend:?}: did not catch up");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        let table = format!("{prefix}world_history");
        let expected = rebuilt(&worlds).await;
        assert_eq!(expected.len(), 140, "{backend:?}");
        assert_eq!(read_model(&store, &table).await, expected, "{backend:?}");
        drop(_second);
        // The read model's table goes with the event store's.
        let drop_table = sea_orm::sea_query::Table::drop()
            .table(Alias::new(&table))
            .if_exists()
            .to_owned();
        store.connection().execute(&drop_table).await.unwrap();
        db.drop_tables(store.connection()).await;
    }
}
