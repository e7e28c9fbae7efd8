//! `Application::execute` (load, run the command, save, and try again on a conflict) against
//! the same load and save written by hand, on one application, in the same run: the bench's
//! alternating repetitions (7 of 200 ms a side, the pair whose ratio is the median), on every
//! target the bench reaches (SQLite file; PostgreSQL and MySQL/MariaDB over the Unix socket and
//! TCP). Nothing else writes, so no command meets a conflict: what is measured is the cost of
//! the command's frame.
//!
//! ```sh
//! cargo run --release -p eventsourcing-seaorm-bench --bin execute [ROUNDS]
//! ```
//!
//! The goal (issue 21): `execute` ÷ by hand at least 0.95 (no more than 5% slower).

use eventsourcing_seaorm::application::Application;
use eventsourcing_seaorm::domain::Aggregate;
use eventsourcing_seaorm_bench::BenchError;
use eventsourcing_seaorm_bench::args::{Backend, Options, Transport};
use eventsourcing_seaorm_bench::measure::{Work, compare};
use eventsourcing_seaorm_bench::scenarios::Sizes;
use eventsourcing_seaorm_bench::target::{Database, targets};
use eventsourcing_seaorm_tests::world::World;
use uuid::Uuid;

/// Load, one event, save, on the next aggregate in turn: with `execute`, or by hand.
struct Commands<'a> {
    app: &'a Application,
    ids: Vec<Uuid>,
    next: usize,
    execute: bool,
}

impl Work for Commands<'_> {
    async fn step(&mut self) -> Result<u64, BenchError> {
        let id = self.ids[self.next % self.ids.len()];
        self.next += 1;
        if self.execute {
            self.app
                .execute::<World, _>(id, |world| world.make_it_so("trucks".to_owned()))
                .await
                .map_err(|e| BenchError::Check(e.to_string()))?;
        } else {
            let mut world: World = self.app.get(id).await?;
            world.make_it_so("trucks".to_owned());
            self.app.save(&mut world).await?;
        }
        Ok(1)
    }
}

/// `count` new one-event aggregates of `app`.
async fn worlds(app: &Application, count: usize) -> Result<Vec<Uuid>, BenchError> {
    let mut worlds: Vec<World> = (0..count).map(|_| World::create()).collect();
    app.save(&mut worlds).await?;
    Ok(worlds.iter().map(World::id).collect())
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
        out: "target/benchmarks-execute".into(),
        tracing_info: false,
        command: String::new(),
    };
    let plan = Sizes::full().plan;
    println!("target           execute/s  by hand/s  execute ÷ by hand");
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
            let app = db.app("Commands", false, &[]).await?;
            let ids = worlds(&app, 300).await?;
            let (a, b) = compare(
                &mut Commands {
                    app: &app,
                    ids: ids.clone(),
                    next: 0,
                    execute: true,
                },
                &mut Commands {
                    app: &app,
                    ids,
                    next: 150,
                    execute: false,
                },
                &plan,
            )
            .await?;
            println!(
                "{label:<16} {:>9.0} {:>10.0}  {:>6.3}",
                a.steps_per_s,
                b.steps_per_s,
                a.steps_per_s / b.steps_per_s
            );
            db.close().await;
        }
    }
    Ok(())
}
