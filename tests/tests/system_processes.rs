//! The system layer across processes (issue 23): a follower killed with SIGKILL in the middle of
//! a catch-up resumes without processing anything twice or skipping anything; and of three
//! instances of a service on one PostgreSQL or MySQL/MariaDB database, one runs the follower at
//! a time, and another takes over within a few seconds when that one is killed. The instances
//! are `src/bin/system_instance.rs`.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use eventsourcing_seaorm::application::Application;
use eventsourcing_seaorm::domain::Aggregate;
use eventsourcing_seaorm::seaorm::{SeaOrmStore, Tables};
use eventsourcing_seaorm_tests::backends::{self, Backend, TestDatabase};
use eventsourcing_seaorm_tests::tally::Tally;
use eventsourcing_seaorm_tests::world::World;
use uuid::Uuid;

const NO_ENV: [(&str, &str); 0] = [];

/// A running `system_instance`, its lines read by a thread of its own.
struct Instance {
    child: Child,
    lines: mpsc::Receiver<String>,
    active: bool,
}

impl Instance {
    fn start(url: &str, prefix: &str, delay_ms: u64) -> Self {
        let mut child = Command::new(env!("CARGO_BIN_EXE_system_instance"))
            .args([url, prefix, &delay_ms.to_string()])
            .stdout(Stdio::piped())
            .spawn()
            .expect("system_instance starts");
        let stdout = child.stdout.take().expect("its stdout");
        let (send, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if send.send(line).is_err() {
                    break;
                }
            }
        });
        Self {
            child,
            lines,
            active: false,
        }
    }

    /// Reads what it printed since; whether it runs the follower now.
    fn is_active(&mut self) -> bool {
        while let Ok(line) = self.lines.try_recv() {
            self.active = line == "active";
        }
        self.active
    }

    fn kill(&mut self) {
        // SIGKILL: no chance to release anything.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Instance {
    fn drop(&mut self) {
        self.kill();
    }
}

/// The applications of the test process: the leader, and a reader of the follower's results.
async fn apps(db: &TestDatabase, prefix: &str) -> (Application, Application) {
    let store = SeaOrmStore::with_tables(db.connect().await, Tables::with_prefix(prefix))
        .await
        .unwrap();
    let build = |name: &str| {
        Application::builder(name)
            .environment(NO_ENV)
            .store(store.clone())
            .build()
    };
    (
        build("Worlds").await.unwrap(),
        build("Tallies").await.unwrap(),
    )
}

/// The prefix of the test database's own tables (none for a fresh SQLite file).
fn prefix_of(db: &TestDatabase) -> String {
    db.tables
        .stored_events
        .strip_suffix("stored_events")
        .unwrap_or_default()
        .to_owned()
}

async fn create_worlds(worlds: &Application, count: usize) -> Vec<Uuid> {
    let mut ids = Vec::new();
    for n in 0..count {
        let mut world = World::create();
        world.make_it_so(format!("one {n}"));
        world.make_it_so(format!("two {n}"));
        worlds.save(&mut world).await.unwrap();
        ids.push(world.id());
    }
    ids
}

async fn position(tallies: &Application) -> Option<u64> {
    tallies.recorder().max_tracking_id("Worlds").await.unwrap()
}

/// Every world's tally counts its 3 events once, and there is one tracking row per upstream
/// notification.
async fn check_exactly_once(tallies: &Application, ids: &[Uuid], backend: Backend) {
    for id in ids {
        let tally: Tally = tallies.get(*id).await.unwrap();
        assert_eq!(
            (tally.count, tally.version()),
            (3, 4),
            "{backend:?}: world {id}"
        );
    }
    let store = match tallies.infrastructure() {
        eventsourcing_seaorm::application::factory::Infrastructure::SeaOrm(store) => store,
        _ => unreachable!(),
    };
    let rows = backends::tracking_rows(store, "Tallies").await;
    assert_eq!(
        rows as usize,
        ids.len() * 3,
        "{backend:?}: one tracking row per notification"
    );
}

#[tokio::test]
async fn a_follower_killed_in_the_middle_of_a_catch_up_resumes_exactly_once() {
    for backend in [Backend::SqliteFile, Backend::Postgres, Backend::MySql] {
        let Some(db) = TestDatabase::new(backend) else {
            continue;
        };
        let prefix = prefix_of(&db);
        let (worlds, tallies) = apps(&db, &prefix).await;
        let ids = create_worlds(&worlds, 100).await;
        let last = worlds.recorder().max_notification_id().await.unwrap();

        // 10 ms per notification: 100 notifications per transaction commit every second or so.
        let mut first = Instance::start(&db.url, &prefix, 10);
        backends::wait_until("a first commit", Duration::from_secs(60), async || {
            position(&tallies).await.is_some()
        })
        .await;
        first.kill();
        let at_kill = position(&tallies).await;
        assert!(
            at_kill < last,
            "{backend:?}: killed after the whole catch-up"
        );

        let second = Instance::start(&db.url, &prefix, 0);
        backends::wait_until("the catch-up", Duration::from_secs(60), async || {
            position(&tallies).await == last
        })
        .await;
        check_exactly_once(&tallies, &ids, backend).await;
        drop(second);
        db.drop_tables(&db.connect().await).await;
    }
}

#[tokio::test]
async fn one_of_three_instances_runs_a_follower_and_another_takes_over_when_it_is_killed() {
    for backend in [Backend::Postgres, Backend::MySql] {
        let Some(db) = TestDatabase::new(backend) else {
            continue;
        };
        let prefix = prefix_of(&db);
        let (worlds, tallies) = apps(&db, &prefix).await;
        let mut instances: Vec<Instance> = (0..3)
            .map(|_| Instance::start(&db.url, &prefix, 0))
            .collect();
        let mut ids = create_worlds(&worlds, 20).await;
        let last = worlds.recorder().max_notification_id().await.unwrap();
        backends::wait_until("the first saves", Duration::from_secs(60), async || {
            position(&tallies).await == last
        })
        .await;
        // Exactly one is active, and stays so while the others keep trying.
        tokio::time::sleep(Duration::from_millis(600)).await;
        let active: Vec<usize> = (0..3).filter(|&i| instances[i].is_active()).collect();
        assert_eq!(active.len(), 1, "{backend:?}: active instances {active:?}");
        let killed = active[0];
        instances[killed].kill();

        let started = Instant::now();
        ids.extend(create_worlds(&worlds, 20).await);
        let last = worlds.recorder().max_notification_id().await.unwrap();
        backends::wait_until("a takeover", Duration::from_secs(30), async || {
            position(&tallies).await == last
        })
        .await;
        let took = started.elapsed();
        assert!(
            took < Duration::from_secs(10),
            "{backend:?}: took over after {took:?}"
        );
        let active: Vec<usize> = (0..3)
            .filter(|&i| i != killed && instances[i].is_active())
            .collect();
        assert_eq!(active.len(), 1, "{backend:?}: active instances {active:?}");
        check_exactly_once(&tallies, &ids, backend).await;
        drop(instances);
        db.drop_tables(&db.connect().await).await;
    }
}
