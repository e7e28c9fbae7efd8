//! A process that runs a projection of `Worlds` into a read model, for the test that kills it
//! under load (`tests/tests/projection_processes.rs`):
//!
//! ```sh
//! projection_instance URL TABLE_PREFIX DELAY_MS
//! ```
//!
//! The read model is `<TABLE_PREFIX>world_history` (one row per `SomethingHappened`, created
//! here when missing); the projection writes batches of 10 events, waiting `DELAY_MS` per event
//! so that a batch is in hand when the test kills it. It runs until it is killed.

use std::time::Duration;

use eventsourcing_seaorm::application::Application;
use eventsourcing_seaorm::seaorm::{SeaOrmStore, Tables, connect};
use eventsourcing_seaorm::system::{Projection, ProjectionRunner, Topics, UpstreamEvent};
use eventsourcing_seaorm_tests::history;
use eventsourcing_seaorm_tests::world::WorldEvent;
use sea_orm::DatabaseTransaction;

const NO_ENV: [(&str, &str); 0] = [];

struct History {
    table: String,
    delay: Duration,
}

impl Projection for History {
    const NAME: &'static str = "History";
    type Error = Box<dyn std::error::Error + Send + Sync>;

    fn topics(&self) -> Topics {
        Topics::of::<WorldEvent>()
    }

    async fn process(
        &self,
        event: &UpstreamEvent,
        transaction: &DatabaseTransaction,
    ) -> Result<(), Self::Error> {
        tokio::time::sleep(self.delay).await;
        if let Some(event) = event.decode::<WorldEvent>()?
            && let WorldEvent::SomethingHappened { what } = event.payload
        {
            history::insert(transaction, &self.table, event.originator_id, &what).await?;
        }
        Ok(())
    }
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let [_, url, prefix, delay] = args.as_slice() else {
        eprintln!("usage: projection_instance URL TABLE_PREFIX DELAY_MS");
        std::process::exit(2);
    };
    let delay = Duration::from_millis(delay.parse().expect("DELAY_MS is a number"));
    let conn = connect(url).await.expect("connect");
    let store = SeaOrmStore::with_tables(conn, Tables::with_prefix(prefix))
        .await
        .expect("store");
    let table = format!("{prefix}world_history");
    history::create_table(store.connection(), &table)
        .await
        .expect("read model table");
    let worlds = Application::builder("Worlds")
        .environment(NO_ENV)
        .store(store.clone())
        .build()
        .await
        .expect("Worlds");
    let runner = ProjectionRunner::new(History { table, delay }, &worlds, store)
        .expect("runner")
        .batch_size(10)
        .poll_interval(Duration::from_millis(20));
    runner.start().await.expect("start");
    println!("started");
    loop {
        if let Some(error) = runner.error() {
            eprintln!("projection stopped: {error}");
            std::process::exit(1);
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
