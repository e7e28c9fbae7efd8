//! `Application::execute` (load, run the command, save, and try again on a conflict) against
//! the same load and save written out by hand, on one application, in the same run: the
//! bench's alternating repetitions (7 of 200 ms a side, the pair whose ratio is the median), on
//! every target the bench reaches (SQLite file; PostgreSQL and MySQL/MariaDB over the Unix
//! socket and TCP). Nothing else writes, so no command meets a conflict: what is measured is
//! the cost of the command's frame.
//!
//! ```sh
//! cargo run --release -p eventsourcing-seaorm-bench --bin execute [ROUNDS]
//! ```
//!
//! The goal (issue 21): `execute` ÷ by hand at least 0.95 (no more than 5% slower).

use eventsourcing_seaorm_bench::BenchError;
use eventsourcing_seaorm_bench::args::{Backend, Options, Transport};
use eventsourcing_seaorm_bench::measure::compare;
use eventsourcing_seaorm_bench::scenarios::Sizes;
use eventsourcing_seaorm_bench::scenarios::commands::{OursCommand, create_worlds};
use eventsourcing_seaorm_bench::target::{Database, targets};

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
            let app = db.app("Commands", false, &[]).await?;
            let ids = create_worlds(&app, 300, 1, "dinosaurs").await?;
            let command = |execute| OursCommand {
                app: &app,
                ids: &ids,
                what: "trucks",
                next: if execute { 0 } else { ids.len() / 2 },
                execute,
            };
            let (a, b) = compare(&mut command(true), &mut command(false), &plan).await?;
            println!(
                "{:<16} {:>9.0} {:>10.0}  {:>6.3}",
                db.target.label(),
                a.steps_per_s,
                b.steps_per_s,
                a.steps_per_s / b.steps_per_s
            );
            db.close().await;
        }
    }
    Ok(())
}
