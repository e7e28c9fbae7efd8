//! `Application::execute` (load, run the command, save, and try again on a conflict) against
//! the same load and save written out by hand, on one application, in the same run: the
//! bench's alternating repetitions (7 of 200 ms a side, the pair whose ratio is the median), on
//! every target the bench reaches (SQLite file; PostgreSQL and MySQL/MariaDB over the Unix
//! socket and TCP). Nothing else writes, so no command meets a conflict: what is measured is
//! the cost of the command's frame.
//!
//! ```sh
//! cargo run --release -p eventsourcing-seaorm-bench --bin execute [ROUNDS] [BACKENDS] [--same]
//! ```
//!
//! `BACKENDS` is a comma-separated list of `sqlite`, `postgres`, `mysql` (default all three);
//! `--same` compares "by hand" with itself, to see how far apart two identical sides come out.
//! Each comparison runs twice, the sides swapped; the ratio printed is the geometric mean of the
//! two (and each is shown), since the side measured first comes out slower on SQLite.
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
    let args: Vec<String> = std::env::args().skip(1).collect();
    let same = args.iter().any(|a| a == "--same");
    let mut positional = args.iter().filter(|a| !a.starts_with("--"));
    let rounds: usize = positional.next().and_then(|r| r.parse().ok()).unwrap_or(1);
    let backends: Vec<Backend> = match positional.next() {
        Some(list) => Backend::ALL
            .into_iter()
            .filter(|b| list.split(',').any(|name| name == b.name()))
            .collect(),
        None => Backend::ALL.to_vec(),
    };
    let options = Options {
        backends,
        transports: vec![Transport::Socket, Transport::Tcp],
        quick: false,
        only: None,
        out: "target/benchmarks-execute".into(),
        tracing_info: false,
        command: String::new(),
    };
    let plan = Sizes::full().plan;
    let first = if same { "by hand/s" } else { "execute/s" };
    println!("target           {first}  by hand/s  ratio");
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
            let command = |execute, next| OursCommand {
                app: &app,
                ids: &ids,
                what: "trucks",
                next,
                execute,
            };
            // The side measured first in a pair comes out a few percent slower on SQLite even
            // against itself (`--same`): each comparison runs twice, the sides swapped, and the
            // geometric mean of the two ratios is the figure.
            let (a1, b1) = compare(
                &mut command(!same, 0),
                &mut command(false, ids.len() / 2),
                &plan,
            )
            .await?;
            let (b2, a2) = compare(
                &mut command(false, ids.len() / 2),
                &mut command(!same, 0),
                &plan,
            )
            .await?;
            let (first, second) = (
                a1.steps_per_s / b1.steps_per_s,
                a2.steps_per_s / b2.steps_per_s,
            );
            println!(
                "{:<16} {:>9.0} {:>10.0}  {:>6.3}  ({first:.3} measured first, {second:.3} second)",
                db.target.label(),
                (a1.steps_per_s + a2.steps_per_s) / 2.0,
                (b1.steps_per_s + b2.steps_per_s) / 2.0,
                (first * second).sqrt(),
            );
            db.close().await;
        }
    }
    Ok(())
}
