//! `info`, `events`, `tail`, `verify` and `migrate` on databases written by the Python original
//! and on every backend; bad settings exit with status 2 and never show a key.

mod common;

use std::time::Duration;

use common::{BACKENDS, FIXTURE_KEY, Fixture, OTHER_KEY, Target};
use eventsourcing_seaorm::persistence::{
    AesCipher, Cipher, JsonTranscoder, ProcessRecorder, Tracking,
};
use eventsourcing_seaorm_tests::backends::Backend;
use eventsourcing_seaorm_tests::interop::World;
use sea_orm::ConnectionTrait;
use serde_json::Value as Json;

const VARIANTS: [&str; 3] = ["plain", "zlib", "zlib_aes"];

#[tokio::test]
async fn fixtures_are_listed_decoded_and_verified() {
    for variant in VARIANTS {
        let fixture = Fixture::load(variant);
        let target = Target::fixture(&fixture);
        let events = fixture.rows("stored_events");
        let snapshots = fixture.rows("snapshots");

        let info = target.run(&["info", "--format", "json"]).expect(0).json();
        for (name, application) in fixture.manifest["applications"].as_object().unwrap() {
            let listed = info["applications"]
                .as_array()
                .unwrap()
                .iter()
                .find(|a| a["name"] == name.as_str())
                .unwrap_or_else(|| panic!("{variant}: {name} not in {info}"));
            let rows = |rows: &Vec<Json>| {
                rows.iter()
                    .filter(|r| r["application_name"] == name.as_str())
                    .count()
            };
            assert_eq!(listed["events"], rows(events), "{variant} {name}");
            assert_eq!(listed["snapshots"], rows(snapshots), "{variant} {name}");
            assert_eq!(
                listed["aggregates"],
                application["aggregates"].as_array().unwrap().len(),
                "{variant} {name}"
            );
            let last = application["notification_ids"].as_array().unwrap().last();
            assert_eq!(
                Some(&listed["max_notification_id"]),
                last,
                "{variant} {name}"
            );
        }

        // Every event, decoded into Python's plain form: what the manifest's JSON reads as.
        let printed = target
            .run(&["events", "--format", "json"])
            .expect(0)
            .json_lines();
        assert_eq!(printed.len(), events.len(), "{variant}");
        let transcoder = JsonTranscoder::new();
        for (line, row) in printed.iter().zip(events) {
            assert_eq!(line["notification_id"], row["id"], "{variant}");
            assert_eq!(line["topic"], row["topic"], "{variant}");
            assert_eq!(
                line["originator_id"].as_str().unwrap().replace('-', ""),
                row["originator_id"].as_str().unwrap()
            );
            let state = transcoder
                .decode(row["state_plain"].as_str().unwrap().as_bytes())
                .unwrap();
            assert_eq!(line["state"], state.to_plain_json(), "{variant} {row}");
            assert_eq!(line["timestamp"], line["state"]["timestamp"], "{variant}");
        }

        // One aggregate, a range of its versions, oldest first; and a text view.
        let world = &fixture.manifest["applications"]["Worlds"]["aggregates"][0];
        let id = world["id"].as_str().unwrap();
        let versions = |args: &[&str]| -> Vec<u64> {
            target
                .run(&[&["events", "--format", "json", "--id", id], args].concat())
                .expect(0)
                .json_lines()
                .iter()
                .map(|l| l["originator_version"].as_u64().unwrap())
                .collect()
        };
        let last = world["version"].as_u64().unwrap();
        assert_eq!(versions(&[]), (1..=last).collect::<Vec<_>>(), "{variant}");
        assert_eq!(
            versions(&["--from-version", "2", "--to-version", "3"]),
            [2, 3]
        );
        let text = target.run(&["events", "--id", id]).expect(0).stdout();
        assert!(text.contains("interop_domain:World.Created"), "{text}");
        assert!(text.contains("dinosaurs"), "{text}");

        let verified = target.run(&["verify", "--format", "json"]).expect(0).json();
        assert_eq!(verified["events"], events.len(), "{variant}");
        assert_eq!(verified["snapshots"], snapshots.len(), "{variant}");
        assert_eq!(verified["aggregates"], 7, "{variant}");
        assert_eq!(verified["errors"], Json::Array(vec![]), "{variant}");
        let text = target.run(&["verify"]).expect(0).stdout();
        assert!(text.contains("all good"), "{text}");
    }
}

/// A store on `target` with worlds of 1, 2, 3 and 4 events; returns the application.
async fn worlds(target: &Target) -> eventsourcing_seaorm::application::Application {
    let app = target.app("Worlds").await;
    for n in 1..=4 {
        let mut world = World::create();
        for i in 1..n {
            world.make_it_so(format!("thing {i}"));
        }
        app.save(&mut world).await.unwrap();
    }
    app
}

#[tokio::test]
async fn info_events_and_tail_on_every_backend() {
    for backend in BACKENDS {
        let env = [("COMPRESSOR_TOPIC", "zlib")];
        let Some(target) = Target::new(backend, &env) else {
            continue;
        };
        let app = worlds(&target).await;
        // A follower that processed the first three notifications of Worlds.
        let store = app.seaorm_recorders().unwrap().events.store().clone();
        let follower = store.application_recorder("Counter").unwrap();
        follower
            .insert_events_with_tracking(
                &[],
                &(1..=3)
                    .map(|id| Tracking {
                        application_name: "Worlds".into(),
                        notification_id: id,
                    })
                    .collect::<Vec<_>>(),
            )
            .await
            .unwrap();

        let info = target.run(&["info", "--format", "json"]).expect(0).json();
        assert_eq!(info["applications"][0]["name"], "Worlds", "{backend:?}");
        assert_eq!(info["applications"][0]["events"], 10, "{backend:?}");
        assert_eq!(info["applications"][0]["aggregates"], 4, "{backend:?}");
        assert_eq!(info["applications"][0]["max_notification_id"], 10);
        assert_eq!(
            info["followers"],
            serde_json::json!([{"follower": "Counter", "leader": "Worlds", "position": 3, "behind": 7}]),
            "{backend:?}"
        );
        let text = target.run(&["info"]).expect(0).stdout();
        assert!(text.contains("Counter <- Worlds: at 3, 7 behind"), "{text}");

        // A range of the log, and a topic.
        let ids = |args: &[&str]| -> Vec<u64> {
            target
                .run(&[&["events", "--format", "json"], args].concat())
                .expect(0)
                .json_lines()
                .iter()
                .map(|l| l["notification_id"].as_u64().unwrap())
                .collect()
        };
        assert_eq!(
            ids(&["--from", "3", "--to", "6"]),
            [3, 4, 5, 6],
            "{backend:?}"
        );
        assert_eq!(ids(&["--limit", "2"]), [1, 2], "{backend:?}");
        let created = ids(&["--topic", "interop_domain:World.Created"]);
        assert_eq!(created, [1, 2, 4, 7], "{backend:?}");
        assert_eq!(ids(&["--app", "Elsewhere"]), Vec::<u64>::new());

        // Tail: from a position, and new events as they are saved.
        let tailed = target
            .run(&["tail", "--after", "8", "--count", "2", "--format", "json"])
            .expect(0)
            .json_lines();
        assert_eq!(tailed.len(), 2);
        assert_eq!(tailed[1]["notification_id"], 10, "{backend:?}");
        let line = tail_across_a_save(&target, &app, 50, "while tailing").await;
        assert_eq!(line["notification_id"], 11, "{backend:?}: {line}");
        assert_eq!(line["state"]["originator_topic"], "interop_domain:World");
        let _ = app.close().await;
        target.drop().await;
    }
}

/// What `tail --count 1` prints when `app` saves a world once it has started (polling every
/// `poll_ms`): the new event, as a JSON line.
async fn tail_across_a_save(
    target: &Target,
    app: &eventsourcing_seaorm::application::Application,
    poll_ms: u64,
    what: &str,
) -> Json {
    let poll = poll_ms.to_string();
    let args = [
        "tail",
        "--count",
        "1",
        "--poll-interval-ms",
        &poll,
        "--format",
        "json",
    ];
    let tail = target
        .command(&args, &[])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let mut world = World::create();
    world.make_it_so(what.into());
    app.save(&mut world).await.unwrap();
    let waited = tokio::task::spawn_blocking(move || tail.wait_with_output());
    let output = tokio::time::timeout(Duration::from_secs(20), waited)
        .await
        .expect("tail printed the new event and stopped")
        .unwrap()
        .unwrap();
    serde_json::from_slice(&output.stdout).unwrap()
}

#[tokio::test]
async fn tail_is_woken_by_postgres_notifications() {
    let Some(target) = Target::new(Backend::Postgres, &[]) else {
        return;
    };
    let app = target
        .app_on("Worlds", target.store().await.with_notifications())
        .await;
    // Polling ten minutes apart: only the save's notification can wake it in time.
    let line = tail_across_a_save(&target, &app, 600_000, "notified").await;
    assert_eq!(line["notification_id"], 1, "{line}");
    let _ = app.close().await;
    target.drop().await;
}

#[tokio::test]
async fn verify_names_each_kind_of_bad_row_on_every_backend() {
    for backend in BACKENDS {
        let env = [
            ("COMPRESSOR_TOPIC", "zlib"),
            ("CIPHER_TOPIC", "eventsourcing.cipher:AESCipher"),
            ("CIPHER_KEY", FIXTURE_KEY),
        ];
        let Some(target) = Target::new(backend, &env) else {
            continue;
        };
        let app = worlds(&target).await;
        // A snapshot of the world of 4 events.
        let ids: Vec<_> = app
            .recorder()
            .select_notifications(&eventsourcing_seaorm::persistence::NotificationQuery::new(
                None, 100,
            ))
            .await
            .unwrap();
        let last_world = ids.last().unwrap().event.originator_id;
        app.take_snapshot::<World>(last_world, None).await.unwrap();
        target.run(&["verify"]).expect(0);

        let store = app.seaorm_recorders().unwrap().events.store().clone();
        let conn = store.connection();
        let dialect = store.dialect();
        let events = dialect.quote(&store.tables().stored_events);
        let snapshots = dialect.quote(&store.tables().snapshots);
        let p = |n| dialect.placeholder(n);
        let exec = |sql: String, values: Vec<sea_orm::Value>| {
            let statement = dialect.statement(sql, values);
            async move { conn.execute_raw(statement).await.unwrap() }
        };
        // 2: bad bytes. 3: another key's ciphertext. 4: an unknown topic. 6: version 2 of the
        // last world deleted (a gap before 3). The snapshot at version 4 moved to 9.
        exec(
            format!("UPDATE {events} SET state = {} WHERE id = 2", p(1)),
            vec![b"not what was stored".to_vec().into()],
        )
        .await;
        let other = AesCipher::from_base64_key(OTHER_KEY).unwrap();
        exec(
            format!("UPDATE {events} SET state = {} WHERE id = 3", p(1)),
            vec![
                other
                    .encrypt(b"x\x9c\x03\x00\x00\x00\x00\x01")
                    .unwrap()
                    .into(),
            ],
        )
        .await;
        exec(
            format!("UPDATE {events} SET topic = {} WHERE id = 4", p(1)),
            vec!["no topic at all".into()],
        )
        .await;
        exec(format!("DELETE FROM {events} WHERE id = 8"), vec![]).await;
        exec(
            format!("UPDATE {snapshots} SET originator_version = 9"),
            vec![],
        )
        .await;

        let run = target.run(&["verify", "--format", "json"]).expect(1);
        let report = run.json();
        assert_eq!(report["events"], 9, "{backend:?}");
        assert_eq!(report["snapshots"], 1, "{backend:?}");
        assert_eq!(report["aggregates"], 4, "{backend:?}");
        let errors = report["errors"].as_array().unwrap();
        let error_of = |table: &str, id: u64| -> String {
            errors
                .iter()
                .filter(|e| e["table"] == table && e["id"] == id)
                .map(|e| e["error"].as_str().unwrap().to_owned())
                .collect::<Vec<_>>()
                .join("; ")
        };
        assert!(
            error_of("stored_events", 2).contains("cannot decode"),
            "{report}"
        );
        assert!(
            error_of("stored_events", 3).contains("authentication"),
            "{report}"
        );
        assert!(
            error_of("stored_events", 4).contains("unknown topic"),
            "{report}"
        );
        assert!(
            error_of("stored_events", 9).contains("version 2 is missing"),
            "{report}"
        );
        assert!(
            error_of("snapshots", 1).contains("beyond the aggregate's last event"),
            "{report}"
        );
        assert_eq!(errors.len(), 5, "{backend:?}: {report}");
        let bad = errors.iter().find(|e| e["id"] == 4).unwrap();
        assert_eq!(bad["application_name"], "Worlds");
        assert_eq!(bad["topic"], "no topic at all");
        assert_eq!(bad["originator_version"], 1);
        assert!(bad["originator_id"].as_str().unwrap().len() == 36);
        let text = target.run(&["verify"]).expect(1).stdout();
        assert!(text.contains("5 bad row(s)"), "{text}");
        assert!(text.contains("stored_events 4 (Worlds"), "{text}");

        // A list of known topics: the others are unknown.
        let dir = eventsourcing_seaorm_tests::backends::TempDir::new();
        let list = dir.0.join("topics.txt");
        std::fs::write(&list, "interop_domain:World.Created\n").unwrap();
        let report = target
            .run(&[
                "verify",
                "--format",
                "json",
                "--topics",
                list.to_str().unwrap(),
            ])
            .expect(1)
            .json();
        let unknown = report["errors"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["error"].as_str().unwrap().contains("not in the list"))
            .count();
        // SomethingHappened at 3, 5, 6, 9 and 10, and the snapshot (4 has no topic at all).
        assert_eq!(unknown, 6, "{backend:?}: {report}");
        let _ = app.close().await;
        target.drop().await;
    }
}

#[tokio::test]
async fn migrate_sets_up_the_tables_on_every_backend() {
    for backend in BACKENDS {
        let Some(target) = Target::new(backend, &[]) else {
            continue;
        };
        let status = target
            .run(&["migrate", "status", "--format", "json"])
            .expect(0)
            .json();
        assert_eq!(status["migrations"][0]["applied"], false, "{backend:?}");
        let up = target
            .run(&["migrate", "up", "--format", "json"])
            .expect(0)
            .json();
        assert_eq!(up["migrations"][0]["applied"], true, "{backend:?}");
        let text = target.run(&["migrate", "status"]).expect(0).stdout();
        assert!(text.starts_with("applied m2021"), "{text}");
        // The tables are there: the store is empty and verifies.
        let info = target.run(&["info", "--format", "json"]).expect(0).json();
        assert_eq!(info["applications"], Json::Array(vec![]), "{backend:?}");
        target.drop().await;
    }
}

#[tokio::test]
async fn bad_settings_exit_with_status_2_and_keys_are_never_shown() {
    let fixture = Fixture::load("zlib_aes");
    let target = Target::fixture(&fixture);

    let none = target.with_env(&[]);
    let run = none
        .run_with(&["info"], &[("DATABASE_URL", "")], None)
        .expect(2);
    assert!(run.stderr().contains("DATABASE_URL"), "{}", run.stderr());

    let closed = Target::new(Backend::SqliteFile, &[]).unwrap();
    let run = closed
        .run_with(
            &["info"],
            &[(
                "DATABASE_URL",
                "postgres://postgres:hunter2@127.0.0.1:1/test",
            )],
            None,
        )
        .expect(2);
    assert!(run.stderr().contains("database"), "{}", run.stderr());
    assert!(!run.stderr().contains("hunter2"), "{}", run.stderr());

    let bad_key = "bm90IGEga2V5";
    let run = target
        .with_env(&[("CIPHER_KEY", bad_key), ("COMPRESSOR_TOPIC", "zlib")])
        .run(&["verify"])
        .expect(2);
    assert!(run.stderr().contains("CIPHER_KEY"), "{}", run.stderr());
    assert!(!run.stderr().contains(bad_key), "{}", run.stderr());

    let run = target
        .run_with(&["verify"], &[("CIPHER_KEY", OTHER_KEY)], None)
        .expect(1);
    assert!(run.stdout().contains("authentication"), "{}", run.stdout());
    for shown in [run.stdout(), run.stderr()] {
        assert!(
            !shown.contains(OTHER_KEY) && !shown.contains(FIXTURE_KEY),
            "{shown}"
        );
    }
    let run = target
        .run_with(&["verify"], &[("COMPRESSOR_TOPIC", "gzip")], None)
        .expect(2);
    assert!(
        run.stderr().contains("COMPRESSOR_TOPIC"),
        "{}",
        run.stderr()
    );

    // No flag takes a key.
    let help = target.run(&["--help"]).expect(0).stdout();
    assert!(!help.contains("--cipher-key"), "{help}");
    assert!(help.contains("--format"), "{help}");
    let run = target.run(&["info", "--cipher-key", FIXTURE_KEY]).expect(2);
    assert!(!run.stderr().contains(FIXTURE_KEY), "{}", run.stderr());
}
