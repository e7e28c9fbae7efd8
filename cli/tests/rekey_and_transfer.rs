//! `rekey` (interrupted and resumed, then read by the Python original with the new key;
//! refusing while writers are active or when it would decrypt unasked) and `export` /
//! `import` (from the Python original's SQLite into every backend, with other settings).

mod common;

use std::time::Duration;

use common::{BACKENDS, Fixture, OTHER_KEY, Target, settings};
use eventsourcing_seaorm_tests::backends::{Backend, TempDir};
use eventsourcing_seaorm_tests::interop::World;
use serde_json::{Value as Json, json};

const AES: &str = "eventsourcing.cipher:AESCipher";

/// The export of the fixture `zlib_aes`, and the fixture.
fn fixture_export() -> (Fixture, Vec<u8>) {
    let fixture = Fixture::load("zlib_aes");
    let exported = Target::fixture(&fixture).run(&["export"]).expect(0);
    (fixture, exported.0.stdout)
}

/// The lines of an export, without what depends on the store (nothing does, but the header is
/// left out of comparisons).
fn lines(export: &[u8]) -> Vec<Json> {
    String::from_utf8_lossy(export)
        .lines()
        .skip(1)
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[tokio::test]
async fn an_export_of_the_python_store_imports_into_every_backend() {
    let (fixture, export) = fixture_export();
    let exported = lines(&export);
    let events = fixture.rows("stored_events");
    assert_eq!(
        exported.len(),
        events.len() + fixture.rows("snapshots").len(),
        "every event and snapshot"
    );
    for (line, row) in exported.iter().zip(events) {
        assert_eq!(line["kind"], "event");
        assert_eq!(line["notification_id"], row["id"]);
        assert_eq!(line["topic"], row["topic"]);
        let state: Json = serde_json::from_str(row["state_plain"].as_str().unwrap()).unwrap();
        assert_eq!(
            line["state"], state,
            "the state as the Python transcoder wrote it"
        );
    }
    for backend in BACKENDS {
        // Another key, and no compression: the target's own settings.
        let env = [("CIPHER_TOPIC", AES), ("CIPHER_KEY", OTHER_KEY)];
        let Some(target) = Target::new(backend, &env) else {
            continue;
        };
        let run = target.run_with(&["import"], &[], Some(&export)).expect(0);
        assert!(
            run.stderr().contains("imported 22 event(s), 3 snapshot(s)"),
            "{}",
            run.stderr()
        );
        let verified = target.run(&["verify", "--format", "json"]).expect(0).json();
        assert_eq!(verified["events"], 22, "{backend:?}: {verified}");
        assert_eq!(verified["snapshots"], 3, "{backend:?}");
        // The same log, ids, versions, topics and states, read back with the target's key.
        let again = target.run(&["export"]).expect(0);
        assert_eq!(lines(&again.0.stdout), exported, "{backend:?}");
        // Every aggregate loads as the Python original wrote it.
        assert_eq!(fixture.check_aggregates(&target).await, 7, "{backend:?}");
        // The next save gets the next notification id.
        let app = target.app("Worlds").await;
        let mut world = World::create();
        world.make_it_so("after the move".into());
        let recorded = app.save(&mut world).await.unwrap();
        assert_eq!(recorded[0].notification_id, 23, "{backend:?}");
        let _ = app.close().await;
        // Importing twice is refused by the keys, and leaves the store as it was.
        target.run_with(&["import"], &[], Some(&export)).expect(2);
        target.run(&["verify"]).expect(0);
        target.drop().await;
    }
}

#[tokio::test]
async fn import_rejects_what_export_does_not_write() {
    let target = Target::new(Backend::SqliteFile, &[]).unwrap();
    let run = target
        .run_with(&["import"], &[], Some(b"{\"kind\":\"event\"}\n"))
        .expect(2);
    assert!(run.stderr().contains("input line 1"), "{}", run.stderr());
    let header =
        b"{\"kind\":\"header\",\"format\":\"eventsourcing-seaorm export\",\"version\":1}\n";
    let run = target
        .run_with(
            &["import"],
            &[],
            Some(&[&header[..], b"{\"kind\":\"event\",\"notification_id\":1}\n"].concat()),
        )
        .expect(2);
    assert!(run.stderr().contains("input line 2"), "{}", run.stderr());
    assert!(
        run.stderr().contains("application_name"),
        "{}",
        run.stderr()
    );
}

/// What the Python original reads of a re-keyed store with the new settings: every row
/// decrypted, decompressed and transcoded by its own classes, compared with the manifest.
fn python_reads(target: &Target, fixture: &Fixture, key: Option<&str>, compressed: bool) {
    let Ok(python) = std::env::var("TEST_PYTHON") else {
        eprintln!(
            "skipped: TEST_PYTHON is not set, so the Python original did not read the re-keyed store"
        );
        return;
    };
    let database = match target.backend {
        Backend::SqliteFile => target
            .url
            .trim_start_matches("sqlite://")
            .split('?')
            .next()
            .unwrap()
            .to_owned(),
        _ => target.url.clone(),
    };
    let backend = match target.backend {
        Backend::Postgres => "postgres",
        Backend::MySql => "mysql",
        _ => "sqlite",
    };
    let manifest = format!(
        "{}/../tests/fixtures/python/django_{}.json",
        env!("CARGO_MANIFEST_DIR"),
        fixture.variant
    );
    let spec = json!({
        "backend": backend,
        "database": database,
        "prefix": target.prefix,
        "cipher_key": key,
        "compressor": compressed,
        "manifest": manifest,
    });
    let script = format!(
        "{}/tests/python/read_rekeyed.py",
        env!("CARGO_MANIFEST_DIR")
    );
    let output = std::process::Command::new(python)
        .arg(script)
        .arg(spec.to_string())
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{:?}: {}{}",
        target.backend,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    let read: Json = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(read["checked"], 25, "{:?}", target.backend);
}

#[tokio::test]
async fn rekey_interrupted_and_resumed_is_read_by_python_with_the_new_key() {
    let (fixture, export) = fixture_export();
    for backend in BACKENDS {
        let target = match backend {
            Backend::SqliteFile => Target::fixture(&fixture),
            _ => {
                let Some(target) = Target::new(backend, &settings(&fixture.env())) else {
                    continue;
                };
                target.run_with(&["import"], &[], Some(&export)).expect(0);
                target
            }
        };
        let new = [
            ("NEW_CIPHER_KEY", OTHER_KEY),
            ("NEW_COMPRESSOR_TOPIC", "zlib"),
        ];
        let quick = ["--writer-check-seconds", "0"];

        // Without a new key, it would decrypt the store: refused, nothing written.
        let run = target
            .run(&[&["rekey", "--format", "json"], &quick[..]].concat())
            .expect(2);
        assert!(run.stderr().contains("--decrypt"), "{}", run.stderr());
        target.run(&["verify"]).expect(0);

        // Interrupted after two batches of 4 events.
        let first = target
            .run_with(
                &[
                    &[
                        "rekey",
                        "--format",
                        "json",
                        "--batch-size",
                        "4",
                        "--max-batches",
                        "2",
                    ],
                    &quick[..],
                ]
                .concat(),
                &new,
                None,
            )
            .expect(0)
            .json();
        assert_eq!(first["finished"], false, "{backend:?}: {first}");
        assert_eq!(first["rewritten_events"], 8, "{backend:?}");
        // Half-way, the old key reads what is not yet re-keyed, and only that.
        let old = target.run(&["verify", "--format", "json"]).expect(1).json();
        assert_eq!(old["errors"].as_array().unwrap().len(), 8, "{backend:?}");
        // Resumed where it stopped: the rest, then verified with the new settings.
        let second = target
            .run_with(
                &[
                    &["rekey", "--format", "json", "--batch-size", "4"],
                    &quick[..],
                ]
                .concat(),
                &new,
                None,
            )
            .expect(0)
            .json();
        assert_eq!(second["finished"], true, "{backend:?}: {second}");
        assert_eq!(second["rewritten_events"], 14, "{backend:?}");
        assert_eq!(second["rewritten_snapshots"], 3, "{backend:?}");
        assert_eq!(second["verify"]["errors"], json!([]), "{backend:?}");
        assert_eq!(second["verify"]["events"], 22, "{backend:?}");

        let rekeyed = target.with_env(&[
            ("COMPRESSOR_TOPIC", "zlib"),
            ("CIPHER_TOPIC", AES),
            ("CIPHER_KEY", OTHER_KEY),
        ]);
        rekeyed.run(&["verify"]).expect(0);
        target.run(&["verify"]).expect(1);
        // The progress rows are gone: `info` lists no follower, and a new run starts over.
        let info = rekeyed.run(&["info", "--format", "json"]).expect(0).json();
        assert_eq!(info["followers"], json!([]), "{backend:?}");
        assert_eq!(fixture.check_aggregates(&rekeyed).await, 7, "{backend:?}");
        python_reads(&rekeyed, &fixture, Some(OTHER_KEY), true);

        // And back to plain JSON (decrypting asked for), which Python reads as it is.
        let plain = rekeyed
            .run_with(
                &[&["rekey", "--decrypt", "--format", "json"], &quick[..]].concat(),
                &[],
                None,
            )
            .expect(0)
            .json();
        assert_eq!(plain["rewritten_events"], 22, "{backend:?}: {plain}");
        let plain_target = target.with_env(&[]);
        plain_target.run(&["verify"]).expect(0);
        python_reads(&plain_target, &fixture, None, false);
        target.drop().await;
    }
}

#[tokio::test]
async fn rekey_refuses_to_start_while_writers_are_active() {
    for backend in [Backend::SqliteFile, Backend::Postgres] {
        let Some(target) = Target::new(backend, &[("COMPRESSOR_TOPIC", "zlib")]) else {
            continue;
        };
        let app = target.app("Worlds").await;
        let writer = {
            let app = app.clone();
            tokio::spawn(async move {
                loop {
                    let mut world = World::create();
                    world.make_it_so("busy".into());
                    app.save(&mut world).await.unwrap();
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            })
        };
        tokio::time::sleep(Duration::from_millis(200)).await;
        let args = ["rekey", "--writer-check-seconds", "1"];
        let extra = [("NEW_CIPHER_KEY", OTHER_KEY)];
        let command = target.command(&args, &extra);
        let run = tokio::task::spawn_blocking(move || {
            let mut command = command;
            command.output().unwrap()
        })
        .await
        .unwrap();
        let run = common::Run(run).expect(2);
        assert!(
            run.stderr().contains("writers are active"),
            "{}",
            run.stderr()
        );
        writer.abort();
        let _ = writer.await;
        // Nothing was re-keyed: the current settings read every row.
        target.run(&["verify"]).expect(0);
        // Once they stop, it starts.
        let run = target
            .run_with(
                &["rekey", "--writer-check-seconds", "0.5", "--format", "json"],
                &extra,
                None,
            )
            .expect(0)
            .json();
        assert_eq!(run["finished"], true, "{backend:?}");
        let _ = app.close().await;
        target.drop().await;
    }
}

#[tokio::test]
async fn export_of_one_application_to_a_file() {
    let fixture = Fixture::load("zlib");
    let target = Target::fixture(&fixture);
    let dir = TempDir::new();
    let file = dir.0.join("accounts.jsonl");
    target
        .run(&[
            "export",
            "--app",
            "Accounts",
            "--output",
            file.to_str().unwrap(),
        ])
        .expect(0);
    let written = std::fs::read(&file).unwrap();
    let exported = lines(&written);
    assert!(!exported.is_empty());
    assert!(exported.iter().all(|l| l["application_name"] == "Accounts"));
    let accounts = fixture
        .rows("stored_events")
        .iter()
        .chain(fixture.rows("snapshots"))
        .filter(|r| r["application_name"] == "Accounts")
        .count();
    assert_eq!(exported.len(), accounts);
    // Imported from the file into a plain store.
    let plain = Target::new(Backend::SqliteFile, &[]).unwrap();
    plain
        .run(&["import", "--input", file.to_str().unwrap()])
        .expect(0);
    let info = plain.run(&["info", "--format", "json"]).expect(0).json();
    assert_eq!(info["applications"].as_array().unwrap().len(), 1);
    assert_eq!(info["applications"][0]["name"], "Accounts");
}

#[tokio::test]
async fn rekey_killed_half_way_goes_on_where_it_stopped() {
    let env = [("COMPRESSOR_TOPIC", "zlib")];
    let target = Target::new(Backend::SqliteFile, &env).unwrap();
    let app = target.app("Worlds").await;
    for _ in 0..100 {
        let mut worlds: Vec<World> = (0..20)
            .map(|n| {
                let mut world = World::create();
                world.make_it_so(format!("thing {n}"));
                world
            })
            .collect();
        app.save(&mut worlds).await.unwrap();
    }
    let _ = app.close().await;
    let new = [
        ("NEW_CIPHER_KEY", OTHER_KEY),
        ("NEW_COMPRESSOR_TOPIC", "zlib"),
    ];
    let mut rekey = target
        .command(
            &["rekey", "--batch-size", "5", "--writer-check-seconds", "0"],
            &new,
        )
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    // Killed (SIGKILL) once it has committed a few batches.
    let store = target.store().await;
    let progress = |store: &eventsourcing_seaorm::seaorm::SeaOrmStore| {
        let sql = format!(
            "SELECT COUNT(*) FROM {} WHERE application_name = '__rekey__stored_events'",
            store.tables().notification_tracking
        );
        let conn = store.connection().clone();
        async move {
            use sea_orm::ConnectionTrait;
            conn.query_one_raw(sea_orm::Statement::from_string(
                conn.get_database_backend(),
                sql,
            ))
            .await
            .ok()
            .flatten()
            .and_then(|row| row.try_get_by_index::<i64>(0).ok())
            .unwrap_or(0)
        }
    };
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while progress(&store).await < 3 {
        assert!(
            std::time::Instant::now() < deadline,
            "rekey made no progress"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    rekey.kill().unwrap();
    rekey.wait().unwrap();
    let rekeyed = target.with_env(&[
        ("COMPRESSOR_TOPIC", "zlib"),
        ("CIPHER_TOPIC", AES),
        ("CIPHER_KEY", OTHER_KEY),
    ]);
    // Half-way: each setting reads only its part, and no row is half-written.
    let old = target.run(&["verify", "--format", "json"]).expect(1).json();
    let done = rekeyed
        .run(&["verify", "--format", "json"])
        .expect(1)
        .json();
    let (old_bad, new_bad) = (
        old["errors"].as_array().unwrap().len(),
        done["errors"].as_array().unwrap().len(),
    );
    assert_eq!(
        old_bad + new_bad,
        4000,
        "every row reads with exactly one of the keys"
    );
    assert!(
        old_bad >= 15,
        "at least three batches were re-keyed: {old_bad}"
    );
    // Run again: it goes on, and the whole store reads with the new key.
    let resumed = target
        .run_with(
            &["rekey", "--format", "json", "--writer-check-seconds", "0"],
            &new,
            None,
        )
        .expect(0)
        .json();
    assert_eq!(resumed["finished"], true);
    assert_eq!(resumed["verify"]["events"], 4000);
    assert_eq!(resumed["verify"]["errors"], json!([]));
    assert!(resumed["rewritten_events"].as_u64().unwrap() <= 4000 - 15);
    rekeyed.run(&["verify"]).expect(0);
}
