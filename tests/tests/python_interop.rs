//! The Python original (eventsourcing 9.4.6 + eventsourcing_django 0.6, in the virtual
//! environment that `.ci/run` makes; `TEST_PYTHON` names its interpreter) reads what this crate
//! writes, on SQLite, PostgreSQL and MySQL/MariaDB, with zlib and AES on; and this crate reads
//! what Python then appends.

use chrono::{DateTime, FixedOffset, NaiveDate};
use eventsourcing_seaorm::application::Application;
use eventsourcing_seaorm::domain::{Aggregate, DecimalValue, Map, Value};
use eventsourcing_seaorm::persistence::{AesCipher, NotificationQuery};
use eventsourcing_seaorm_tests::backends::Backend;
use eventsourcing_seaorm_tests::interop::{Account, Profile, World, plain_state, python};
use eventsourcing_seaorm_tests::shared_database::{SharedDatabase, run_script};
use sea_orm::DatabaseConnection;
use serde_json::{Value as Json, json};
use uuid::Uuid;

const NO_ENV: [(&str, &str); 0] = [];

fn settings(key: &str) -> Vec<(&'static str, String)> {
    vec![
        ("PERSISTENCE_MODULE", "eventsourcing_django".into()),
        ("COMPRESSOR_TOPIC", "zlib".into()),
        ("CIPHER_TOPIC", "eventsourcing.cipher:AESCipher".into()),
        ("CIPHER_KEY", key.into()),
        ("IS_SNAPSHOTTING_ENABLED", "y".into()),
    ]
}

async fn app(name: &str, key: &str, conn: &DatabaseConnection) -> Application {
    Application::builder(name)
        .environment(NO_ENV)
        .settings(settings(key))
        .connection(conn.clone())
        .build()
        .await
        .unwrap()
}

fn dt(text: &str) -> DateTime<FixedOffset> {
    DateTime::parse_from_rfc3339(text).unwrap()
}

fn dec(text: &str) -> rust_decimal::Decimal {
    text.parse().unwrap()
}

fn notes() -> Map {
    let mut kyc = Map::new();
    kyc.insert("checked", true);
    kyc.insert("score", 97);
    kyc.insert("ratio", 1.25);
    kyc.insert("by", Uuid::new_v5(&Uuid::NAMESPACE_URL, b"/staff/zoe"));
    kyc.insert("at", dt("2024-02-29T12:00:00.000001+00:00"));
    kyc.insert(
        "limits",
        Value::List(
            ["10.5", "1E+3", "-0.001"]
                .iter()
                .map(|d| Value::Decimal(DecimalValue::parse(d).unwrap()))
                .collect(),
        ),
    );
    let mut notes = Map::new();
    notes.insert("kyc", Value::Map(kyc));
    notes.insert(
        "naive_dt",
        NaiveDate::from_ymd_opt(2020, 2, 29)
            .unwrap()
            .and_hms_opt(12, 0, 0)
            .unwrap(),
    );
    notes.insert("empty_list", Value::List(Vec::new()));
    notes.insert("zip", Value::Null);
    notes
}

async fn python_reads_what_we_write(backend: Backend) {
    let Some(python) = python() else { return };
    let Some(target) = SharedDatabase::new(backend).await else {
        return;
    };
    let key = AesCipher::create_key(32).unwrap();
    let worlds = app("Worlds", &key, &target.conn).await;
    let accounts = app("Accounts", &key, &target.conn).await;

    let mut world = World::create();
    for what in ["dinosaurs", "trucks", "ÜnicØde ✓ 🦀 \"quoted\""] {
        world.make_it_so(what.into());
    }
    worlds.save(&mut world).await.unwrap();
    worlds
        .take_snapshot::<World>(world.id(), None)
        .await
        .unwrap();
    world.make_it_so("internet".into());
    worlds.save(&mut world).await.unwrap();

    let mut alice = Account::open(
        "Alice Zoë".into(),
        dt("2024-06-30T23:59:59+05:30"),
        dec("1000.00"),
    );
    alice.credit(
        dec("250.50"),
        Uuid::new_v5(&Uuid::NAMESPACE_URL, b"/payments/1"),
    );
    alice.annotate(
        notes(),
        vec![Value::from("vip"), Value::Int(7), Value::Null],
    );
    let mut carol = Profile::register("carol".into());
    carol.change_email("carol@example.org".into(), true);
    accounts.save((&mut alice, &mut carol)).await.unwrap();
    accounts
        .take_snapshot::<Account>(alice.id(), None)
        .await
        .unwrap();
    alice.credit(
        dec("-0.01"),
        Uuid::new_v5(&Uuid::NAMESPACE_URL, b"/payments/2"),
    );
    accounts.save(&mut alice).await.unwrap();

    let ours: Vec<Json> = worlds
        .recorder()
        .select_notifications(&NotificationQuery::new(None, 10))
        .await
        .unwrap()
        .iter()
        .map(|n| json!([n.id, n.topic]))
        .collect();
    let spec = target.spec(json!({
        "env": settings(&key).into_iter().map(|(k, v)| (k.to_owned(), Json::from(v))).collect::<serde_json::Map<String, Json>>(),
        "aggregates": {
            "Worlds": [world.id().to_string()],
            "Accounts": [alice.id().to_string(), carol.id().to_string()],
        },
        "append": {"application": "Worlds", "world_id": world.id().to_string(), "what": "from python"},
    }));
    let read = run_script(&python, "read_rust_written.py", &[&spec]);

    assert_eq!(
        read["aggregates"]["Worlds"][0],
        plain_state(&world),
        "{backend:?}"
    );
    assert_eq!(
        read["aggregates"]["Accounts"][0],
        plain_state(&alice),
        "{backend:?}"
    );
    assert_eq!(
        read["aggregates"]["Accounts"][1],
        plain_state(&carol),
        "{backend:?}"
    );
    assert_eq!(read["notifications"]["Worlds"], Json::Array(ours));

    // What Python appended, Rust reads.
    assert_eq!(read["appended_version"], 6);
    let again: World = worlds.repository().get(world.id()).await.unwrap();
    assert_eq!(again.version(), 6);
    assert_eq!(
        again.history.last().map(String::as_str),
        Some("from python")
    );

    target.remove().await;
}

#[tokio::test]
async fn python_reads_what_we_write_on_sqlite() {
    python_reads_what_we_write(Backend::SqliteFile).await;
}

#[tokio::test]
async fn python_reads_what_we_write_on_postgres() {
    python_reads_what_we_write(Backend::Postgres).await;
}

#[tokio::test]
async fn python_reads_what_we_write_on_mysql() {
    python_reads_what_we_write(Backend::MySql).await;
}
