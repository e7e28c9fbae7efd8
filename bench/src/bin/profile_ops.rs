//! One operation repeated N times, through the library or the raw driver, on a SQLite file:
//! for instruction counts that are stable on a noisy machine. Run it twice under callgrind
//! with different N; the difference divided by the difference in N is the cost of one
//! operation, setup excluded:
//!
//! ```sh
//! cargo build --release -p eventsourcing-seaorm-bench --bin profile_ops
//! for n in 200 1200; do
//!   valgrind --tool=callgrind --callgrind-out-file=cg.ours.load5.$n \
//!     target/release/profile_ops ours load5 $n
//! done
//! callgrind_annotate --inclusive=yes cg.ours.load5.1200 | head -60
//! ```
//!
//! `PROFILE_URL` runs it on a server instead (for example
//! `PROFILE_URL=postgres://postgres@%2Fvar%2Frun%2Fpostgresql/test`), to time it with `perf stat`
//! or `time`.
//!
//! Sides: `ours`, `raw`, `seaorm` for `load5`, `load1000`, `load1000snap` and `append1` (the
//! raw statements run through the library's SeaORM connection, on the same pool: what any store
//! built on SeaORM pays before doing anything of its own), `inner` for `load5` (the same select
//! through SeaORM's per-backend connection, `DatabaseConnection::inner`, as the library sent its
//! reads before they went to sqlx on the connection its store keeps), `serde` for `load1000` and
//! `load1000snap` (the raw driver's rows decoded by hand with serde_json into the same history,
//! timestamps parsed with chrono: the least a store that decodes at all does, beside the raw side
//! that only fetches the bytes), for `load5` on PostgreSQL `pool` (the raw statement through the
//! library's sqlx pool: separates the pool's cost from SeaORM's and ours), and for
//! `load1000snap` `kept` (the raw side's two statements on one connection taken from the
//! library's pool: one acquire and one ping on return instead of two). For wall-clock ratios on
//! a quiet machine, `time` each side with a large N (say 20000), with `PROFILE_THREADS=2` for
//! the benchmark's multi-threaded runtime.
//!
//! Operations: `append1`, `append100`, `append1000`, `command`, `execute` (`command` through
//! `Application::execute`; ours only), `load5`, `load1000`, `load1000snap`,
//! `log1000`, `map` (the mapper alone: encode and decode one event, plain), `mapsecret` (the
//! same with zlib + AES), `commandsecret` (`command` with zlib + AES; ours only), `command200`
//! and `command200secret` (ours only: the benchmark's scenario 6, 500 aggregates of 3 events
//! of ~200-byte states, one command on each in turn, plain and with zlib + AES).

use eventsourcing_seaorm::application::Application;
use eventsourcing_seaorm::domain::{Aggregate, DomainEvent};
use eventsourcing_seaorm::sea_orm::sqlx;
use eventsourcing_seaorm_bench::BenchError;
use eventsourcing_seaorm_bench::args::{Backend, Transport};
use eventsourcing_seaorm_bench::by_hand;
use eventsourcing_seaorm_bench::floor;
use eventsourcing_seaorm_bench::raw::{RawDb, RawEvent};
use eventsourcing_seaorm_bench::target::{Database, Target};
use eventsourcing_seaorm_tests::world::{World, text, world_with_events};
use uuid::Uuid;

const APP: &str = "Bench";
/// The length of the text that makes a `SomethingHappened` state of 200 plain bytes (the
/// state without text is 93 bytes), as scenario 6 of the benchmark sizes it.
const STATE_TEXT: usize = 107;
const KEY: &str = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";

struct Setup {
    app: Application,
    raw: RawDb,
    small: Vec<Uuid>,
    large: Vec<Uuid>,
    created: (String, Vec<u8>),
    happened: (String, Vec<u8>),
    /// The text of a ~200-byte state.
    what: String,
}

async fn setup(db: &Database, op: &str) -> Result<Setup, BenchError> {
    let settings: &[(&str, &str)] = if op.ends_with("secret") {
        &[("COMPRESSOR_TOPIC", "zlib"), ("CIPHER_KEY", KEY)]
    } else {
        &[]
    };
    let app = db.app(APP, op == "load1000snap", settings).await?;
    let raw = db.raw().await?;
    let mut small = Vec::new();
    let mut large = Vec::new();
    let what = text(STATE_TEXT);
    if op.starts_with("command200") {
        // As scenario 6 of the benchmark: 500 aggregates of 3 events of ~200-byte states.
        for _ in 0..500 {
            let mut world = world_with_events(3, &what);
            app.save(&mut world).await?;
            small.push(world.id());
        }
    } else if matches!(
        op,
        "load5" | "command" | "execute" | "commandsecret" | "log100" | "log1000"
    ) {
        for _ in 0..if op.starts_with("log") { 1000 } else { 50 } {
            let mut world = world_with_events(5, "dinosaurs");
            app.save(&mut world).await?;
            small.push(world.id());
        }
    }
    if op.starts_with("load1000") {
        for _ in 0..2 {
            let mut world = world_with_events(1000, "dinosaurs");
            app.save(&mut world).await?;
            large.push(world.id());
            if op == "load1000snap" {
                app.take_snapshot::<World>(world.id(), None).await?;
            }
        }
    }
    let world = world_with_events(2, "dinosaurs");
    let map = |e: &DomainEvent<<World as Aggregate>::Event>| {
        app.mapper()
            .to_stored_event(e)
            .map(|s| (s.topic, s.state))
            .map_err(|e| BenchError::Check(e.to_string()))
    };
    let created = map(&world.pending_events()[0])?;
    let happened = map(&world.pending_events()[1])?;
    Ok(Setup {
        app,
        raw,
        small,
        large,
        created,
        happened,
        what,
    })
}

async fn ours(s: &mut Setup, op: &str, i: usize) -> Result<(), BenchError> {
    match op {
        "append1" | "append100" | "append1000" => {
            let n: usize = op["append".len()..].parse().unwrap_or(1);
            let mut world = world_with_events(n, "dinosaurs");
            s.app.save(&mut world).await?;
        }
        "command" | "commandsecret" | "command200" | "command200secret" => {
            let id = s.small[i % s.small.len()];
            let mut world: World = s.app.repository().get(id).await?;
            let what = if op.starts_with("command200") {
                s.what.clone()
            } else {
                "trucks".into()
            };
            world.make_it_so(what);
            s.app.save(&mut world).await?;
        }
        "execute" => {
            let id = s.small[i % s.small.len()];
            s.app
                .execute::<World, _>(id, |world| world.make_it_so("trucks".into()))
                .await
                .map_err(|e| BenchError::Check(e.to_string()))?;
        }
        "load5" => {
            let _: World = s.app.repository().get(s.small[i % s.small.len()]).await?;
        }
        "load1000" | "load1000snap" => {
            let _: World = s.app.repository().get(s.large[i % s.large.len()]).await?;
        }
        "log100" | "log1000" => {
            let size = if op == "log100" { 100 } else { 1000 };
            s.app.notification_log().select(1, size, None, &[]).await?;
        }
        "map" | "mapsecret" => {
            let mut world = World::create();
            world.make_it_so(s.what.clone());
            let event = &world.pending_events()[1];
            let stored = s
                .app
                .mapper()
                .to_stored_event(event)
                .map_err(|e| BenchError::Check(e.to_string()))?;
            let _: DomainEvent<<World as Aggregate>::Event> = s
                .app
                .mapper()
                .to_domain_event(&stored)
                .map_err(|e| BenchError::Check(e.to_string()))?;
        }
        other => return Err(BenchError::Usage(format!("unknown operation {other}"))),
    }
    Ok(())
}

async fn raw(s: &mut Setup, op: &str, i: usize) -> Result<(), BenchError> {
    match op {
        "append1" | "append100" | "append1000" => {
            let n: usize = op["append".len()..].parse().unwrap_or(1);
            let id = Uuid::new_v4();
            let rows: Vec<RawEvent<'_>> = (1..=n)
                .map(|v| {
                    let (topic, state) = if v == 1 { &s.created } else { &s.happened };
                    RawEvent {
                        originator_id: id,
                        version: v as i64,
                        topic,
                        state,
                    }
                })
                .collect();
            s.raw.append(APP, &rows, true).await?;
        }
        "command" => {
            let id = s.small[i % s.small.len()];
            let rows = s.raw.select_events(APP, id, None).await?;
            let version = rows.last().map_or(0, |r| r.version) + 1;
            let row = RawEvent {
                originator_id: id,
                version,
                topic: &s.happened.0,
                state: &s.happened.1,
            };
            s.raw.append(APP, &[row], true).await?;
        }
        "load5" => {
            s.raw
                .select_events(APP, s.small[i % s.small.len()], None)
                .await?;
        }
        "load1000" => {
            s.raw
                .select_events(APP, s.large[i % s.large.len()], None)
                .await?;
        }
        "load1000snap" => {
            let id = s.large[i % s.large.len()];
            let snapshot = s.raw.select_snapshot(APP, id).await?;
            s.raw
                .select_events(APP, id, snapshot.map(|row| row.version))
                .await?;
        }
        "log100" | "log1000" => {
            let size = if op == "log100" { 100 } else { 1000 };
            s.raw.select_notifications(APP, 1, size).await?;
        }
        other => return Err(BenchError::Usage(format!("no raw side for {other}"))),
    }
    Ok(())
}

/// The raw driver's rows decoded by hand ([`by_hand`](mod@by_hand)).
async fn by_hand(s: &mut Setup, op: &str, i: usize) -> Result<(), BenchError> {
    if !matches!(op, "load1000" | "load1000snap") {
        return Err(BenchError::Usage(format!("no serde side for {op}")));
    }
    let id = s.large[i % s.large.len()];
    let loaded = by_hand::load(&mut s.raw, APP, id, op == "load1000snap").await?;
    std::hint::black_box(loaded);
    Ok(())
}

/// The raw statements run through SeaORM's connection to the library's pool.
async fn through_seaorm(db: &Database, s: &Setup, op: &str, i: usize) -> Result<(), BenchError> {
    match op {
        "load5" | "load1000" | "load1000snap" => {
            let ids = if op == "load5" { &s.small } else { &s.large };
            floor::load(db, APP, ids[i % ids.len()], op == "load1000snap").await?;
        }
        "append1" => {
            let row = RawEvent {
                originator_id: Uuid::new_v4(),
                version: 1,
                topic: &s.created.0,
                state: &s.created.1,
            };
            floor::append(db, APP, &[row]).await?;
        }
        other => return Err(BenchError::Usage(format!("no seaorm side for {other}"))),
    }
    Ok(())
}

/// The raw select through SeaORM's per-backend connection (`DatabaseConnection::inner`),
/// skipping `ConnectionTrait`'s boxed future.
async fn through_inner(db: &Database, s: &Setup, i: usize) -> Result<(), BenchError> {
    use eventsourcing_seaorm::sea_orm::{DatabaseConnectionType, Value};
    let dialect = db.sql.dialect();
    let id = s.small[i % s.small.len()];
    let values = vec![Value::from(APP), dialect.uuid.value(id)];
    let stmt = dialect.statement(db.sql.select_events_sql().to_string(), values);
    let rows = match &db.conn.inner {
        DatabaseConnectionType::SqlxSqlitePoolConnection(c) => c.query_all(stmt).await?,
        DatabaseConnectionType::SqlxPostgresPoolConnection(c) => c.query_all(stmt).await?,
        DatabaseConnectionType::SqlxMySqlPoolConnection(c) => c.query_all(stmt).await?,
        _ => return Err(BenchError::Usage("no inner connection".into())),
    };
    for row in &rows {
        let _: i64 = row.try_get_by_index(0)?;
        let _: String = row.try_get_by_index(1)?;
        let _: Vec<u8> = row.try_get_by_index(2)?;
    }
    Ok(())
}

/// The raw side's two statements of a load from a snapshot (`load1000snap`), both on one
/// connection taken from the library's pool, through sqlx: what the library's loads with
/// snapshots do (`seaorm/read.rs`), without the decoding.
async fn kept(db: &Database, s: &Setup, op: &str, i: usize) -> Result<(), BenchError> {
    if op != "load1000snap" {
        return Err(BenchError::Usage(format!("no kept side for {op}")));
    }
    use eventsourcing_seaorm::sea_orm::DatabaseConnectionType as T;
    let id = s.large[i % s.large.len()];
    let err = || eventsourcing_seaorm_bench::error::sqlx_at("kept");
    let snap_sql = db.sql.select_snapshot_sql().to_string();
    let ev_sql = db.sql.select_events_after_sql().to_string();
    macro_rules! run {
        ($pool:expr, $id:expr) => {{
            let mut conn = $pool.acquire().await.map_err(err())?;
            let snap: Option<(i64, String, Vec<u8>)> =
                sqlx::query_as(sqlx::AssertSqlSafe(snap_sql))
                    .bind(APP)
                    .bind($id)
                    .fetch_optional(&mut *conn)
                    .await
                    .map_err(err())?;
            let after = snap.map(|s| s.0).unwrap_or(0);
            let rows: Vec<(i64, String, Vec<u8>)> = sqlx::query_as(sqlx::AssertSqlSafe(ev_sql))
                .bind(APP)
                .bind($id)
                .bind(after)
                .fetch_all(&mut *conn)
                .await
                .map_err(err())?;
            std::hint::black_box(rows);
        }};
    }
    match &db.conn.inner {
        T::SqlxPostgresPoolConnection(_) => run!(db.conn.get_postgres_connection_pool(), id),
        T::SqlxMySqlPoolConnection(_) => run!(
            db.conn.get_mysql_connection_pool(),
            id.hyphenated().to_string()
        ),
        _ => run!(
            db.conn.get_sqlite_connection_pool(),
            id.simple().to_string()
        ),
    }
    Ok(())
}

async fn repeat(db: &Database, side: &str, op: &str, n: usize) -> Result<(), BenchError> {
    let mut s = setup(db, op).await?;
    let pool = (side == "pool").then(|| db.conn.get_postgres_connection_pool().clone());
    let sql = db.sql.select_events_sql();
    for i in 0..20 + n {
        if let Some(pool) = &pool {
            let id = s.small[i % s.small.len()];
            sqlx::query(sqlx::AssertSqlSafe(sql.clone()))
                .bind(APP)
                .bind(id)
                .fetch_all(pool)
                .await
                .map_err(eventsourcing_seaorm_bench::error::sqlx_at(
                    "selecting through the pool",
                ))?;
        } else if side == "kept" {
            kept(db, &s, op, i).await?;
        } else if side == "raw" {
            raw(&mut s, op, i).await?;
        } else if side == "serde" {
            by_hand(&mut s, op, i).await?;
        } else if side == "seaorm" {
            through_seaorm(db, &s, op, i).await?;
        } else if side == "inner" {
            through_inner(db, &s, i).await?;
        } else {
            ours(&mut s, op, i).await?;
        }
    }
    s.raw.close().await;
    Ok(())
}

fn main() -> Result<(), BenchError> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let side = args.first().cloned().unwrap_or_else(|| "ours".into());
    let op = args.get(1).cloned().unwrap_or_else(|| "load5".into());
    let n: usize = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(100);
    // `PROFILE_THREADS=2` runs on a multi-threaded runtime with two workers, as the benchmark
    // (`#[tokio::main]`) and most services do; by default one thread, for steadier counts.
    let threads: usize = std::env::var("PROFILE_THREADS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    let mut builder = if threads == 0 {
        tokio::runtime::Builder::new_current_thread()
    } else {
        let mut builder = tokio::runtime::Builder::new_multi_thread();
        builder.worker_threads(threads);
        builder
    };
    let runtime = builder
        .enable_all()
        .build()
        .map_err(|source| BenchError::Io {
            path: "tokio runtime".into(),
            source,
        })?;
    runtime.block_on(async {
        let url = std::env::var("PROFILE_URL").unwrap_or_default();
        let backend = if url.starts_with("postgres") {
            Backend::Postgres
        } else if url.starts_with("mysql") {
            Backend::MySql
        } else {
            Backend::Sqlite
        };
        let transport = if backend == Backend::Sqlite {
            Transport::File
        } else {
            Transport::Socket
        };
        let db = Database::open(Target {
            backend,
            transport,
            url,
        })
        .await?;
        // Removes the tables or the SQLite file whatever happened.
        let result = repeat(&db, &side, &op, n).await;
        db.close().await;
        result?;
        println!("{side} {op} ×{n} done");
        Ok(())
    })
}
