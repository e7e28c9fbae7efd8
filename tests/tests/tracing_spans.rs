//! What an operator sees through `tracing` at level INFO: a `save` span per save (application,
//! aggregates and versions, events, notification ids, group size, tries again), a
//! `group_commit` span per transaction of the write queue, a `load` span per load (aggregate,
//! snapshot or not, events read) and a `read_log` span per read of the notification log; and
//! never a key, a password or an event's state, on a SQLite file, PostgreSQL and MariaDB.

use eventsourcing_seaorm::application::Application;
use eventsourcing_seaorm::domain::Aggregate;
use eventsourcing_seaorm::seaorm::{SeaOrmStore, connect};
use eventsourcing_seaorm_tests::backends::{Backend, TestDatabase};
use eventsourcing_seaorm_tests::logs::CapturedLogs;
use eventsourcing_seaorm_tests::world::World;
use tracing::Level;

const NO_ENV: [(&str, &str); 0] = [];
const KEY: &str = "Y2lwaGVyLWtleS0zMi1ieXRlcy1sb25nLXNlY3JldCE=";
const PASSWORD: &str = "Pw-n0t-to-be-seen";
const STATE: &str = "state-not-to-be-seen";

/// The line of the first span called `name` with its duration recorded whose fields contain
/// every one of `has`. (It may not have closed yet: sqlx's SQLite worker keeps the span of a
/// connection's last statement until its next one.)
fn span_line<'a>(text: &'a str, name: &str, has: &[&str]) -> &'a str {
    let opening = format!("{name}{{");
    text.lines()
        .filter(|line| line.starts_with(&opening) && line.contains("duration_us="))
        .find(|line| has.iter().all(|part| line.contains(part)))
        .unwrap_or_else(|| panic!("no {name} span with {has:?} in:\n{text}"))
}

async fn spans_tell_what_happened_and_nothing_secret(backend: Backend) {
    let Some(db) = TestDatabase::new(backend) else {
        return;
    };
    // Trust authentication on the test server lets any password in.
    let url = match backend {
        Backend::Postgres => db
            .url
            .replacen("postgres@", &format!("postgres:{PASSWORD}@"), 1),
        _ => db.url.clone(),
    };
    let logs = CapturedLogs::start(Level::INFO);
    let conn = connect(&url).await.unwrap();
    let store = SeaOrmStore::with_tables(conn, db.tables.clone())
        .await
        .unwrap();
    let app = Application::builder("Spans")
        .environment(NO_ENV)
        .store(store)
        .setting("CIPHER_KEY", KEY)
        .setting("COMPRESSOR_TOPIC", "zlib")
        .snapshotting(true)
        .build()
        .await
        .unwrap();
    let mut world = World::create();
    world.make_it_so(STATE.into());
    let recordings = app.save(&mut world).await.unwrap();
    let id = world.id().to_string();
    let (first, last) = (recordings[0].notification_id, recordings[1].notification_id);

    let _: World = app.repository().get(world.id()).await.unwrap();
    app.take_snapshot::<World>(world.id(), None).await.unwrap();
    world.make_it_so("more".into());
    app.save(&mut world).await.unwrap();
    let _: World = app.repository().get(world.id()).await.unwrap();
    let read = app
        .notification_log()
        .select(first, 10, None, &[])
        .await
        .unwrap();

    let text = logs.text();
    span_line(
        &text,
        "save",
        &[
            "application=Spans",
            &format!("aggregates={id} v1..=2"),
            "events=2",
            &format!("notification_ids={first}..={last}"),
            "group_size=1",
            "retries=0",
            "in_transaction=false",
        ],
    );
    span_line(&text, "group_commit", &["saves=1", "rows=2", "committed=1"]);
    span_line(
        &text,
        "load",
        &[&format!("aggregate_id={id}"), "from=store", "events=2"],
    );
    span_line(
        &text,
        "load",
        &[
            &format!("aggregate_id={id}"),
            "snapshot_version=2",
            "events=1",
        ],
    );
    span_line(
        &text,
        "read_log",
        &[
            "application=Spans",
            &format!("start={first}"),
            &format!("notifications={}", read.len()),
        ],
    );
    for secret in [KEY, PASSWORD, STATE] {
        assert!(!text.contains(secret), "{backend:?}: {secret} in:\n{text}");
    }
    db.drop_tables(&db.connect().await).await;
}

#[tokio::test]
async fn sqlite_spans_tell_what_happened_and_nothing_secret() {
    spans_tell_what_happened_and_nothing_secret(Backend::SqliteFile).await;
}

#[tokio::test]
async fn postgres_spans_tell_what_happened_and_nothing_secret() {
    spans_tell_what_happened_and_nothing_secret(Backend::Postgres).await;
}

#[tokio::test]
async fn mysql_spans_tell_what_happened_and_nothing_secret() {
    spans_tell_what_happened_and_nothing_secret(Backend::MySql).await;
}
