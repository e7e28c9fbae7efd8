//! Latency of single operations, the library against the raw driver, with percentiles: shows
//! whether a slow figure is every operation being slower or a few stalling (Nagle's algorithm
//! over TCP, pool waits).
//!
//! ```sh
//! cargo run --release -p eventsourcing-seaorm-bench --bin profile_latency -- \
//!     postgres://postgres@127.0.0.1:5432/test [load|append|command] [N]
//! cargo run --release -p eventsourcing-seaorm-bench --bin profile_latency -- \
//!     mysql://root@127.0.0.1:3306/test writers [WRITERS] [SECONDS]
//! ```
//!
//! `writers` runs WRITERS concurrent writers of the library (one new aggregate, one event, per
//! save) on one application for SECONDS, and prints the saves of each second and the latency
//! percentiles of a save: it shows whether a low figure of scenario 7 is slow saves or stalls.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use eventsourcing_seaorm::application::Application;
use eventsourcing_seaorm::domain::Aggregate;
use eventsourcing_seaorm_bench::BenchError;
use eventsourcing_seaorm_bench::args::{Backend, Transport};
use eventsourcing_seaorm_bench::target::{Database, Target};
use eventsourcing_seaorm_tests::world::{World, world_with_events};

fn backend_of(url: &str) -> Backend {
    if url.starts_with("postgres") {
        Backend::Postgres
    } else if url.starts_with("mysql") || url.starts_with("mariadb") {
        Backend::MySql
    } else {
        Backend::Sqlite
    }
}

fn percentiles(name: &str, mut times: Vec<Duration>) {
    times.sort();
    let at = |p: f64| times[((times.len() as f64 - 1.0) * p) as usize];
    let total: Duration = times.iter().sum();
    let stalls = times
        .iter()
        .filter(|t| **t > Duration::from_millis(30))
        .count();
    println!(
        "{name:<6} n={} mean={:?} p50={:?} p90={:?} p99={:?} max={:?} over 30 ms: {stalls}",
        times.len(),
        total / times.len() as u32,
        at(0.5),
        at(0.9),
        at(0.99),
        at(1.0),
    );
}

async fn writers(app: Application, writers: usize, time: Duration) -> Result<(), BenchError> {
    let app = Arc::new(app);
    // The application's first event alone, as the bench does.
    app.save(&mut World::create()).await?;
    let start = Instant::now();
    let deadline = start + time;
    let per_second = Arc::new(
        (0..time.as_secs() as usize + 2)
            .map(|_| AtomicU64::new(0))
            .collect::<Vec<_>>(),
    );
    let tasks: Vec<_> = (0..writers)
        .map(|_| {
            let (app, per_second) = (app.clone(), per_second.clone());
            tokio::spawn(async move {
                let mut times = Vec::new();
                while Instant::now() < deadline {
                    let begun = Instant::now();
                    app.save(&mut World::create()).await?;
                    times.push(begun.elapsed());
                    let second = (start.elapsed().as_secs() as usize).min(per_second.len() - 1);
                    per_second[second].fetch_add(1, Ordering::Relaxed);
                }
                Ok::<_, BenchError>(times)
            })
        })
        .collect();
    let mut times = Vec::new();
    for task in tasks {
        let done = task
            .await
            .map_err(|e| BenchError::Check(format!("a writer task failed: {e}")))??;
        times.extend(done);
    }
    let elapsed = start.elapsed();
    let counts: Vec<u64> = per_second
        .iter()
        .map(|c| c.load(Ordering::Relaxed))
        .collect();
    println!("{writers} writers, saves in each second: {counts:?}");
    println!(
        "{} saves in {elapsed:?}: {:.0} events/s",
        times.len(),
        times.len() as f64 / elapsed.as_secs_f64()
    );
    percentiles("save", times);
    Ok(())
}

#[tokio::main]
async fn main() -> Result<(), BenchError> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let url = args.first().cloned().unwrap_or_else(|| "sqlite".into());
    let what = args.get(1).cloned().unwrap_or_else(|| "load".into());
    let n: usize = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(500);
    let backend = backend_of(&url);
    let target = Target {
        backend,
        transport: if backend == Backend::Sqlite {
            Transport::File
        } else if url.contains("socket") || url.contains("%2F") || url.contains("host=/") {
            Transport::Socket
        } else {
            Transport::Tcp
        },
        url,
    };
    let db = Database::open(target).await?;
    let app = db.app("Bench", false, &[]).await?;
    if what == "writers" {
        let seconds = args.get(3).and_then(|s| s.parse().ok()).unwrap_or(5);
        writers(app, n.min(64), Duration::from_secs(seconds)).await?;
        db.close().await;
        return Ok(());
    }
    let mut raw = db.raw().await?;
    let mut ids = Vec::new();
    for _ in 0..50 {
        let mut world = world_with_events(5, "dinosaurs");
        app.save(&mut world).await?;
        ids.push(world.id());
    }
    let (mut ours, mut raws) = (Vec::with_capacity(n), Vec::with_capacity(n));
    for i in 0..n {
        let id = ids[i % ids.len()];
        let start = Instant::now();
        if i == 0 {
            println!("ours then raw, {n} operations each in a row");
        }
        match what.as_str() {
            "append" => {
                let mut world = World::create();
                app.save(&mut world).await?;
            }
            "command" => {
                let mut world: World = app.repository().get(id).await?;
                world.make_it_so("trucks".into());
                app.save(&mut world).await?;
            }
            _ => {
                let _: World = app.repository().get(id).await?;
            }
        }
        ours.push(start.elapsed());
    }
    for i in 0..n {
        let id = ids[i % ids.len()];
        let start = Instant::now();
        raw.select_events("Bench", id, None).await?;
        raws.push(start.elapsed());
    }
    percentiles("ours", ours);
    percentiles("raw", raws);
    if backend == Backend::Postgres {
        let pool = db.conn.get_postgres_connection_pool();
        println!(
            "pool: {} connections, {} idle",
            pool.size(),
            pool.num_idle()
        );
    }
    raw.close().await;
    db.close().await;
    Ok(())
}
