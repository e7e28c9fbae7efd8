//! Databases written by the Python original (`fixtures/python/django_*.sqlite3`): every
//! aggregate loads to the state the manifest lists, with and without snapshots; every stored
//! row re-encodes (same timestamps) to the same bytes; the recorders read the rows as Django
//! wrote them; and rows our code writes into a Django-shaped database are what the Python
//! original would write.

use eventsourcing_seaorm::application::Application;
use eventsourcing_seaorm::application::factory::Infrastructure;
use eventsourcing_seaorm::domain::{Aggregate, DomainEvent, EventPayload, SnapshotState};
use eventsourcing_seaorm::persistence::{
    AggregateRecorder, ApplicationRecorder, EventQuery, Mapper, NotificationQuery, StoredEvent,
    ZlibCompressor,
};
use eventsourcing_seaorm::seaorm::SeaOrmRecorder;
use eventsourcing_seaorm_tests::backends::TempDir;
use eventsourcing_seaorm_tests::interop::{
    Account, AccountEvent, Profile, ProfileEvent, World, WorldEvent, plain_state,
};
use sea_orm::{ConnectionTrait, Statement};
use serde_json::Value as Json;
use uuid::Uuid;

const VARIANTS: [&str; 3] = ["plain", "zlib", "zlib_aes"];
const NO_ENV: [(&str, &str); 0] = [];

struct Fixture {
    manifest: Json,
    url: String,
    _dir: TempDir,
}

/// A copy of a fixture database (SQLite writes beside the file it opens) and its manifest.
fn fixture(variant: &str) -> Fixture {
    let dir = TempDir::new();
    let source = format!(
        "{}/fixtures/python/django_{variant}",
        env!("CARGO_MANIFEST_DIR")
    );
    let database = dir.0.join(format!("django_{variant}.sqlite3"));
    std::fs::copy(format!("{source}.sqlite3"), &database).unwrap();
    let manifest =
        serde_json::from_str(&std::fs::read_to_string(format!("{source}.json")).unwrap()).unwrap();
    Fixture {
        manifest,
        url: format!("sqlite://{}", database.display()),
        _dir: dir,
    }
}

impl Fixture {
    async fn app(&self, name: &str, snapshotting: bool) -> Application {
        let env = self.manifest["env"].as_object().unwrap();
        Application::builder(name)
            .environment(NO_ENV)
            .settings(
                env.iter()
                    .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_owned())),
            )
            .setting("DATABASE_URL", self.url.clone())
            .setting("CREATE_TABLE", "n")
            .setting(
                "IS_SNAPSHOTTING_ENABLED",
                if snapshotting { "y" } else { "n" },
            )
            .build()
            .await
            .unwrap()
    }

    fn rows(&self, table: &str) -> &Vec<Json> {
        self.manifest["rows"][table].as_array().unwrap()
    }
}

fn hex(text: &str) -> Vec<u8> {
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).unwrap())
        .collect()
}

fn stored(row: &Json) -> StoredEvent {
    StoredEvent {
        originator_id: Uuid::parse_str(row["originator_id"].as_str().unwrap()).unwrap(),
        originator_version: row["originator_version"].as_u64().unwrap(),
        topic: row["topic"].as_str().unwrap().to_owned(),
        state: hex(row["state_hex"].as_str().unwrap()),
    }
}

async fn load(app: &Application, class_topic: &str, id: Uuid) -> Json {
    match class_topic {
        "interop_domain:World" => plain_state(&app.repository().get::<World>(id).await.unwrap()),
        "interop_domain:Account" => {
            plain_state(&app.repository().get::<Account>(id).await.unwrap())
        }
        "interop_domain:Profile" => {
            plain_state(&app.repository().get::<Profile>(id).await.unwrap())
        }
        other => panic!("no Rust aggregate for {other}"),
    }
}

#[tokio::test]
async fn every_aggregate_loads_to_the_manifest_state() {
    let mut checked = 0;
    for variant in VARIANTS {
        let fixture = fixture(variant);
        for (name, application) in fixture.manifest["applications"].as_object().unwrap() {
            for snapshotting in [true, false] {
                let app = fixture.app(name, snapshotting).await;
                for aggregate in application["aggregates"].as_array().unwrap() {
                    let id = Uuid::parse_str(aggregate["id"].as_str().unwrap()).unwrap();
                    let state = load(&app, aggregate["class_topic"].as_str().unwrap(), id).await;
                    assert_eq!(
                        state, aggregate["state"],
                        "{variant} {name} {} (snapshots {snapshotting})",
                        aggregate["label"]
                    );
                    checked += 1;
                }
                let ids: Vec<u64> = app
                    .recorder()
                    .select_notifications(&NotificationQuery::new(None, 1000))
                    .await
                    .unwrap()
                    .iter()
                    .map(|n| n.id)
                    .collect();
                let expected: Vec<u64> = application["notification_ids"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|id| id.as_u64().unwrap())
                    .collect();
                assert_eq!(ids, expected, "{variant} {name} notification ids");
            }
        }
    }
    assert_eq!(
        checked,
        3 * 2 * 7,
        "every aggregate of every fixture, with and without snapshots"
    );
}

/// Decodes a stored event as the typed event of its aggregate and encodes it again.
fn re_encode(mapper: &Mapper, row: &StoredEvent) -> StoredEvent {
    fn again<P: EventPayload>(mapper: &Mapper, row: &StoredEvent) -> StoredEvent {
        let event: DomainEvent<P> = mapper.to_domain_event(row).unwrap();
        mapper.to_stored_event(&event).unwrap()
    }
    match row.topic.split_once('.') {
        Some(("interop_domain:World", _)) => again::<WorldEvent>(mapper, row),
        Some(("interop_domain:Account", _)) => again::<AccountEvent>(mapper, row),
        Some(("interop_domain:Profile", _)) => again::<ProfileEvent>(mapper, row),
        _ if row.topic == "eventsourcing.domain:Snapshot" => again::<SnapshotState>(mapper, row),
        _ => panic!("unexpected topic {}", row.topic),
    }
}

#[tokio::test]
async fn stored_rows_re_encode_to_the_same_bytes() {
    let mut compared = 0;
    for variant in VARIANTS {
        let fixture = fixture(variant);
        let app = fixture.app("Worlds", true).await;
        let mapper = app.mapper();
        let plain = Mapper::default();
        let zlib_only = Mapper::default().with_compressor(std::sync::Arc::new(ZlibCompressor));
        for table in ["stored_events", "snapshots"] {
            for row in fixture.rows(table) {
                let original = stored(row);
                let state_plain = row["state_plain"].as_str().unwrap();
                let again = re_encode(mapper, &original);
                assert_eq!(
                    (again.originator_id, again.originator_version),
                    (original.originator_id, original.originator_version)
                );
                assert_eq!(again.topic, original.topic);
                // Rows written by Profile.EmailChanged version 1 are upcast on reading, so they
                // encode as version 2: their bytes are meant to differ.
                let upcast = original.topic == "interop_domain:Profile.EmailChanged"
                    && !state_plain.contains("class_version");
                let decrypted = mapper.decode_state(&again.state).unwrap();
                if upcast {
                    assert_eq!(
                        decrypted.get("verified"),
                        Some(&eventsourcing_seaorm::domain::Value::Bool(false))
                    );
                    continue;
                }
                assert_eq!(
                    plain.encode_state(&decrypted).unwrap(),
                    state_plain.as_bytes(),
                    "{variant} {table} {row}"
                );
                match variant {
                    "zlib_aes" => {
                        // Fresh nonces make new ciphertext; what is under it must be Python's.
                        let cipher = mapper.cipher().unwrap();
                        assert_eq!(
                            cipher.decrypt(&again.state).unwrap(),
                            cipher.decrypt(&original.state).unwrap(),
                            "{table} {row}"
                        );
                        assert_eq!(
                            zlib_only
                                .decode_state(&cipher.decrypt(&original.state).unwrap())
                                .unwrap(),
                            decrypted
                        );
                    }
                    _ => assert_eq!(again.state, original.state, "{variant} {table} {row}"),
                }
                compared += 1;
            }
        }
    }
    assert!(compared >= 3 * 22, "compared {compared} rows");
}

#[tokio::test]
async fn recorders_read_django_rows_as_stored() {
    for variant in VARIANTS {
        let fixture = fixture(variant);
        for (name, _) in fixture.manifest["applications"].as_object().unwrap() {
            let app = fixture.app(name, true).await;
            let recorder: &SeaOrmRecorder = &app.seaorm_recorders().unwrap().events;
            let notifications = recorder
                .select_notifications(&NotificationQuery::new(None, 1000))
                .await
                .unwrap();
            let expected: Vec<&Json> = fixture
                .rows("stored_events")
                .iter()
                .filter(|r| r["application_name"] == name.as_str())
                .collect();
            assert_eq!(notifications.len(), expected.len());
            for (n, row) in notifications.iter().zip(expected) {
                assert_eq!(n.id, row["id"].as_u64().unwrap());
                assert_eq!(n.event, stored(row));
                let by_originator = recorder
                    .select_events(
                        n.originator_id,
                        EventQuery::new().gt(n.originator_version - 1).limit(1),
                    )
                    .await
                    .unwrap();
                assert_eq!(by_originator, vec![n.event.clone()]);
            }
        }
    }
}

#[tokio::test]
async fn rows_we_write_are_what_python_writes() {
    let fixture = fixture("plain");
    let app = fixture.app("Worlds", true).await;
    let mut world = World::create();
    world.make_it_so("ÜnicØde ✓ 🦀 \"quoted\" back\\slash\nnewline\ttab".into());
    let events = world.pending_events().to_vec();
    app.save(&mut world).await.unwrap();

    let Infrastructure::SeaOrm(store) = app.infrastructure() else {
        panic!("not the SeaORM infrastructure")
    };
    let conn = store.connection();
    let rows = conn
        .query_all_raw(Statement::from_sql_and_values(
            conn.get_database_backend(),
            "SELECT typeof(originator_id), originator_id, originator_version, topic, typeof(state), state, application_name \
             FROM stored_events WHERE originator_id = ? ORDER BY originator_version",
            [world.id().simple().to_string().into()],
        ))
        .await
        .unwrap();
    assert_eq!(rows.len(), 2, "found by Django's lookup: 32 hex digits");
    let iso = |event: &DomainEvent<WorldEvent>| {
        eventsourcing_seaorm::domain::format_isoformat(&event.timestamp.fixed_offset())
    };
    let expected_states = [
        format!(
            r#"{{"timestamp":{{"_type_":"datetime_iso","_data_":"{}"}},"originator_topic":"interop_domain:World"}}"#,
            iso(&events[0])
        ),
        format!(
            r#"{{"timestamp":{{"_type_":"datetime_iso","_data_":"{}"}},"what":"ÜnicØde ✓ 🦀 \"quoted\" back\\slash\nnewline\ttab"}}"#,
            iso(&events[1])
        ),
    ];
    for (i, row) in rows.iter().enumerate() {
        assert_eq!(row.try_get_by_index::<String>(0).unwrap(), "text");
        let id: String = row.try_get_by_index(1).unwrap();
        assert_eq!(id, world.id().simple().to_string());
        assert!(
            id.len() == 32
                && id
                    .bytes()
                    .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
        );
        assert_eq!(row.try_get_by_index::<i64>(2).unwrap(), i as i64 + 1);
        assert_eq!(
            row.try_get_by_index::<String>(3).unwrap(),
            [
                "interop_domain:World.Created",
                "interop_domain:World.SomethingHappened"
            ][i]
        );
        assert_eq!(row.try_get_by_index::<String>(4).unwrap(), "blob");
        assert_eq!(
            String::from_utf8(row.try_get_by_index::<Vec<u8>>(5).unwrap()).unwrap(),
            expected_states[i]
        );
        assert_eq!(row.try_get_by_index::<String>(6).unwrap(), "Worlds");
    }
    // Python's own rows in the same table still load, next to ours.
    let python_world = Uuid::parse_str("00a531d1-404b-49f3-b5c5-b9ae9128fcb7").unwrap();
    assert_eq!(
        app.repository()
            .get::<World>(python_world)
            .await
            .unwrap()
            .version(),
        5
    );
}
