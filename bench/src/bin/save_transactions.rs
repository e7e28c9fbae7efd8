//! Saves in the write queue's transaction on the pool's kept connection (what the library does)
//! against saves in SeaORM's own transaction on the pool (a connection taken from the pool and
//! given back at the commit, which sqlx then pings), in the same run: the bench's alternating
//! repetitions (7 of 200 ms a side, the pair whose ratio is the median), for appends of 1 and
//! 10 events and for commands (load, one event, save), on every target the bench reaches.
//!
//! ```sh
//! cargo run --release -p eventsourcing-seaorm-bench --bin save_transactions [ROUNDS]
//! ```
//!
//! A ratio above 1 means the kept connection is faster. docs/benchmarks/PROFILE.md (twelfth
//! round) has the figures that decided to keep it.

use eventsourcing_seaorm::application::Application;
use eventsourcing_seaorm::seaorm::SeaOrmStore;
use eventsourcing_seaorm_bench::BenchError;
use eventsourcing_seaorm_bench::args::{Backend, Options, Transport};
use eventsourcing_seaorm_bench::measure::{Work, compare};
use eventsourcing_seaorm_bench::scenarios::Sizes;
use eventsourcing_seaorm_bench::scenarios::commands::{OursCommand, create_worlds};
use eventsourcing_seaorm_bench::target::{Database, connect_library, targets};
use eventsourcing_seaorm_tests::world::world_with_events;

/// A new `World` with `events` events, saved.
struct Append<'a> {
    app: &'a Application,
    events: usize,
}

impl Work for Append<'_> {
    async fn step(&mut self) -> Result<u64, BenchError> {
        let mut world = world_with_events(self.events, "dinosaurs");
        self.app.save(&mut world).await?;
        Ok(self.events as u64)
    }
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> Result<(), BenchError> {
    let rounds: usize = std::env::args()
        .nth(1)
        .and_then(|r| r.parse().ok())
        .unwrap_or(1);
    let options = Options {
        backends: vec![Backend::Sqlite, Backend::Postgres, Backend::MySql],
        transports: vec![Transport::Socket, Transport::Tcp],
        quick: false,
        only: None,
        out: "target/benchmarks-save-transactions".into(),
        tracing_info: false,
        command: String::new(),
    };
    let plan = Sizes::full().plan;
    println!("target           work        kept/s  seaorm-tx/s  kept ÷ seaorm-tx");
    for _ in 0..rounds {
        for target in targets(&options) {
            let db = match Database::open(target.clone()).await {
                Ok(db) => db,
                Err(error) => {
                    println!("{}: skipped ({error})", target.label());
                    continue;
                }
            };
            let label = db.target.label();
            let kept = db.app("Kept", false, &[]).await?;
            let conn = connect_library(db.target.backend, &db.target.url).await?;
            let store = SeaOrmStore::with_tables(conn, db.store.tables().clone())
                .await?
                .with_seaorm_transactions();
            let seaorm = Application::builder("SeaOrmTx")
                .environment([("", ""); 0])
                .store(store)
                .build()
                .await?;
            let print = |work: &str, a: f64, b: f64| {
                println!("{label:<16} {work:<10} {a:>8.0} {b:>12.0}  {:>6.3}", a / b);
            };
            for events in [1, 10] {
                let (a, b) = compare(
                    &mut Append { app: &kept, events },
                    &mut Append {
                        app: &seaorm,
                        events,
                    },
                    &plan,
                )
                .await?;
                print(&format!("append {events}"), a.steps_per_s, b.steps_per_s);
            }
            let kept_ids = create_worlds(&kept, 300, 1, "dinosaurs").await?;
            let seaorm_ids = create_worlds(&seaorm, 300, 1, "dinosaurs").await?;
            let command = |app, ids| OursCommand {
                app,
                ids,
                what: "trucks",
                next: 0,
                execute: false,
            };
            let (a, b) = compare(
                &mut command(&kept, &kept_ids),
                &mut command(&seaorm, &seaorm_ids),
                &plan,
            )
            .await?;
            print("command", a.steps_per_s, b.steps_per_s);
            db.close().await;
        }
    }
    Ok(())
}
