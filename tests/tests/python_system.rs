//! Process applications across this crate and the Python original (eventsourcing 9.4.6 +
//! eventsourcing_django 0.6, `TEST_PYTHON`), on one database (issue 23), on SQLite, PostgreSQL
//! and MySQL/MariaDB: a Rust process application follows a Python/Django leader, a Python
//! `ProcessApplication` follows a Rust leader, and followers of one name in the two languages
//! continue each other's work. Tracking rows are `eventsourcing_django`'s
//! (`notification_tracking`: the follower, the leader, the notification id), so each side reads
//! where the other got to.
//!
//! The leader is `Worlds` (the fixtures' `interop_domain:World`), zlib and AES on; the follower
//! is `Tallies` (`python/system_domain.py`), which counts each world's events in a `Tally`
//! aggregate of its own, stored plain: it finds the leader's compressor and key under the
//! leader's name (`WORLDS_COMPRESSOR_TOPIC`, `WORLDS_CIPHER_KEY`, ...). Events processed twice,
//! or not at all, show as tallies that differ from the worlds' histories.
//!
//! The tables are `stored_events`, `snapshots` and `notification_tracking` on both sides. Where
//! Python writes first, Django's migration creates them; where Rust does, Rust creates them and
//! Django takes its migration as applied (`migrate --fake-initial`, which checks every table
//! and column).

use std::collections::BTreeMap;

use eventsourcing_seaorm::application::{Application, ApplicationBuilder, ApplicationError};
use eventsourcing_seaorm::domain::Aggregate;
use eventsourcing_seaorm::persistence::{AesCipher, ApplicationRecorder, NotificationQuery};
use eventsourcing_seaorm::seaorm::SeaOrmStore;
use eventsourcing_seaorm::system::{
    Follower, LeaderLog, ProcessApplication, ProcessingEvent, SystemApplication, Topics,
    UpstreamEvent,
};
use eventsourcing_seaorm_tests::backends::Backend;
use eventsourcing_seaorm_tests::interop::python;
use eventsourcing_seaorm_tests::shared_database::{SharedDatabase, run_script};
use eventsourcing_seaorm_tests::tally::{self, Tally};
use eventsourcing_seaorm_tests::world::{World, WorldEvent};
use sea_orm::{ConnectionTrait, Statement};
use serde_json::{Value as Json, json};
use uuid::Uuid;

const NO_ENV: [(&str, &str); 0] = [];
const LEADER: &str = "Worlds";
const FOLLOWER: &str = "Tallies";
/// The topics the Python original names its zlib compressor and AES cipher by.
const ZLIB: &str = "eventsourcing.compressor:ZlibCompressor";
const AES: &str = "eventsourcing.cipher:AESCipher";

/// Python's `system_domain.Tallies` in Rust: counts the events of each world.
#[derive(Clone, SystemApplication)]
struct Tallies {
    app: Application,
}

impl ProcessApplication for Tallies {
    type Error = ApplicationError;

    fn topics(&self) -> Topics {
        Topics::of::<WorldEvent>()
    }

    async fn policy(
        &self,
        event: &UpstreamEvent,
        processing: &mut ProcessingEvent,
    ) -> Result<(), ApplicationError> {
        match tally::world_event(event)? {
            Some((world, what)) => tally::count_in(processing, world, what).await,
            None => Ok(()),
        }
    }
}

/// Each world's history as the test made it: what happened, `None` for its creation. A tally
/// that counted every event once has its length as count and its last `Some` as last.
#[derive(Debug, Default)]
struct Histories(BTreeMap<Uuid, Vec<Option<String>>>);

impl Histories {
    fn happened(&mut self, world: Uuid, created: bool, happenings: &[&str]) {
        let history = self.0.entry(world).or_default();
        if created {
            history.push(None);
        }
        history.extend(happenings.iter().map(|what| Some((*what).to_owned())));
    }

    fn ids(&self) -> Vec<Uuid> {
        self.0.keys().copied().collect()
    }

    /// Each world's expected tally: (count, last).
    fn tallies(&self) -> BTreeMap<Uuid, (u64, Option<String>)> {
        self.0
            .iter()
            .map(|(id, history)| {
                let last = history.iter().rev().find_map(Clone::clone);
                (*id, (history.len() as u64, last))
            })
            .collect()
    }

    /// Versions as the Python leader reports them (`{id: version}`) agree with the histories.
    fn assert_versions(&self, versions: &Json) {
        for (id, version) in versions.as_object().unwrap() {
            let id: Uuid = id.parse().unwrap();
            assert_eq!(version.as_u64(), Some(self.0[&id].len() as u64), "{id}");
        }
    }

    /// What Python's follower reported as its tallies (`{id: {"count", "last"}}`).
    fn assert_python_tallies(&self, reported: &Json) {
        let reported: BTreeMap<Uuid, (u64, Option<String>)> = reported
            .as_object()
            .unwrap()
            .iter()
            .map(|(id, tally)| {
                let last = tally["last"].as_str().map(str::to_owned);
                (
                    id.parse().unwrap(),
                    (tally["count"].as_u64().unwrap(), last),
                )
            })
            .collect();
        assert_eq!(reported, self.tallies());
    }

    /// The Rust follower's tallies.
    async fn assert_rust_tallies(&self, tallies: &Tallies) {
        let mut found = BTreeMap::new();
        for id in self.0.keys() {
            let tally: Tally = tallies.app.get(*id).await.unwrap();
            found.insert(*id, (tally.count, tally.last));
        }
        assert_eq!(found, self.tallies());
    }
}

/// A database shared with the Python original, and the AES key of the leader.
struct Shared {
    db: SharedDatabase,
    python: String,
    key: String,
}

impl Shared {
    async fn new(backend: Backend) -> Option<Self> {
        let python = python()?;
        Some(Self {
            db: SharedDatabase::new(backend).await?,
            python,
            key: AesCipher::create_key(32).unwrap(),
        })
    }

    /// The leader's settings, on both sides: zlib and AES.
    fn leader_settings(&self) -> Vec<(String, String)> {
        [
            ("PERSISTENCE_MODULE", "eventsourcing_django"),
            ("COMPRESSOR_TOPIC", ZLIB),
            ("CIPHER_TOPIC", AES),
            ("CIPHER_KEY", self.key.as_str()),
        ]
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .to_vec()
    }

    /// The follower's settings, on both sides: the leader's compressor and cipher under the
    /// leader's name; nothing for its own events, which are stored plain.
    fn follower_settings(&self) -> Vec<(String, String)> {
        [
            ("PERSISTENCE_MODULE", "eventsourcing_django"),
            ("WORLDS_COMPRESSOR_TOPIC", ZLIB),
            ("WORLDS_CIPHER_TOPIC", AES),
            ("WORLDS_CIPHER_KEY", self.key.as_str()),
        ]
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .to_vec()
    }

    /// Python's `Worlds` creates worlds (each with these happenings) and appends happenings to
    /// others; gives the ids it created and every notification id of its log.
    fn python_leads(
        &self,
        histories: &mut Histories,
        create: &[&[&str]],
        append: &[(Uuid, &[&str])],
    ) -> (Vec<Uuid>, Vec<u64>) {
        let spec = self.db.spec(json!({
            "env": env(self.leader_settings()),
            "create": create,
            "append": append.iter().map(|(id, what)| (id.to_string(), json!(what))).collect::<serde_json::Map<_, _>>(),
        }));
        let led = run_script(&self.python, "system_interop.py", &["lead", &spec]);
        let created: Vec<Uuid> = led["created"]
            .as_array()
            .unwrap()
            .iter()
            .map(|id| id.as_str().unwrap().parse().unwrap())
            .collect();
        assert_eq!(created.len(), create.len());
        for (id, happenings) in created.iter().zip(create) {
            histories.happened(*id, true, happenings);
        }
        for (id, happenings) in append {
            histories.happened(*id, false, happenings);
        }
        histories.assert_versions(&led["versions"]);
        (created, u64s(&led["notification_ids"]))
    }

    /// Python's `Tallies` pulls and processes `Worlds` from its tracking position (up to and
    /// including `stop`); gives its report (see `python/system_interop.py`).
    fn python_follows(&self, stop: Option<u64>, worlds: &[Uuid]) -> Json {
        let spec = self.db.spec(json!({
            "leader_env": env(self.leader_settings()),
            "env": env(self.follower_settings()),
            "stop": stop,
            "worlds": worlds.iter().map(Uuid::to_string).collect::<Vec<_>>(),
        }));
        run_script(&self.python, "system_interop.py", &["follow", &spec])
    }

    /// Rust's `Worlds`, with the leader's settings.
    async fn rust_leader(&self) -> Application {
        Application::builder(LEADER)
            .environment(NO_ENV)
            .settings(self.leader_settings())
            .connection(self.db.conn.clone())
            .build()
            .await
            .unwrap()
    }

    /// Rust's `Tallies`, and its follower of `Worlds` as a leader that runs elsewhere (read
    /// with the follower's store and settings).
    async fn rust_follower(&self) -> (Tallies, Follower) {
        let builder = ApplicationBuilder::new(FOLLOWER)
            .environment(NO_ENV)
            .settings(self.follower_settings())
            .connection(self.db.conn.clone());
        let tallies = Tallies::build(builder).await.unwrap();
        let leader = LeaderLog::from_settings(tallies.application(), LEADER).unwrap();
        let follower = Follower::new(tallies.clone()).follow(leader);
        (tallies, follower)
    }

    /// Every row of `notification_tracking`, as stored, in notification id order.
    async fn tracking_rows(&self) -> Vec<(String, String, u64)> {
        let conn = &self.db.conn;
        let sql = "SELECT application_name, upstream_application_name, notification_id \
                   FROM notification_tracking ORDER BY notification_id";
        let rows = conn
            .query_all_raw(Statement::from_string(conn.get_database_backend(), sql))
            .await
            .unwrap();
        rows.iter()
            .map(|row| {
                let id: i64 = row.try_get("", "notification_id").unwrap();
                (
                    row.try_get("", "application_name").unwrap(),
                    row.try_get("", "upstream_application_name").unwrap(),
                    u64::try_from(id).unwrap(),
                )
            })
            .collect()
    }

    /// The follower's tracking of these notifications of the leader, one row each.
    fn tracked(notification_ids: &[u64]) -> Vec<(String, String, u64)> {
        notification_ids
            .iter()
            .map(|id| (FOLLOWER.to_owned(), LEADER.to_owned(), *id))
            .collect()
    }

    /// The stored states of an application's events, as the recorder reads them.
    async fn stored_states(&self, application: &str) -> Vec<Vec<u8>> {
        let store = SeaOrmStore::new(self.db.conn.clone()).await.unwrap();
        store
            .application_recorder(application)
            .unwrap()
            .select_notifications(&NotificationQuery::new(None, 10_000))
            .await
            .unwrap()
            .into_iter()
            .map(|n| n.event.state)
            .collect()
    }
}

/// Settings as the Python scripts take them: a JSON object.
fn env(settings: Vec<(String, String)>) -> Json {
    Json::Object(
        settings
            .into_iter()
            .map(|(k, v)| (k, Json::from(v)))
            .collect(),
    )
}

fn u64s(json: &Json) -> Vec<u64> {
    json.as_array()
        .unwrap()
        .iter()
        .map(|n| n.as_u64().unwrap())
        .collect()
}

/// Whether a stored state is plain JSON (neither compressed nor encrypted).
fn is_plain_json(state: &[u8]) -> bool {
    serde_json::from_slice::<Json>(state).is_ok_and(|json| json.is_object())
}

async fn rust_notification_ids(leader: &Application) -> Vec<u64> {
    leader
        .recorder()
        .select_notifications(&NotificationQuery::new(None, 10_000))
        .await
        .unwrap()
        .iter()
        .map(|n| n.id)
        .collect()
}

async fn rust_creates_worlds(
    leader: &Application,
    histories: &mut Histories,
    create: &[&[&str]],
) -> Vec<Uuid> {
    let mut ids = Vec::new();
    for happenings in create {
        let mut world = World::create();
        for what in *happenings {
            world.make_it_so((*what).to_owned());
        }
        leader.save(&mut world).await.unwrap();
        histories.happened(world.id(), true, happenings);
        ids.push(world.id());
    }
    ids
}

/// A Rust process application follows a Python/Django leader: every event once, then only what
/// Python appended; its tracking rows are Django's, and Python's follower of the same name reads
/// its position and finds nothing left.
async fn rust_follows_python(backend: Backend) {
    let Some(shared) = Shared::new(backend).await else {
        return;
    };
    let mut histories = Histories::default();
    let (worlds, first) = shared.python_leads(
        &mut histories,
        &[&["dinosaurs", "trucks"], &["internet"], &[]],
        &[],
    );
    assert_eq!(first.len(), 6);
    // The leader's events are compressed and encrypted.
    assert!(
        shared
            .stored_states(LEADER)
            .await
            .iter()
            .all(|state| !is_plain_json(state))
    );

    let (tallies, follower) = shared.rust_follower().await;
    assert_eq!(follower.position(LEADER).await.unwrap(), None);
    assert_eq!(follower.pull_and_process(LEADER).await.unwrap(), 6);
    histories.assert_rust_tallies(&tallies).await;
    assert_eq!(
        follower.position(LEADER).await.unwrap(),
        first.last().copied()
    );
    assert_eq!(shared.tracking_rows().await, Shared::tracked(&first));
    // Its own events are plain: a Started and a Counted for each world's first event, then a
    // Counted for each other event.
    let own = shared.stored_states(FOLLOWER).await;
    assert_eq!(own.len(), worlds.len() + first.len());
    assert!(own.iter().all(|state| is_plain_json(state)));

    let (_, all) = shared.python_leads(
        &mut histories,
        &[&["rivers"]],
        &[(worlds[0], &["comets"]), (worlds[2], &["owls", "ferns"])],
    );
    assert_eq!(all.len(), 11);
    assert_eq!(all[..6], first[..]);
    assert_eq!(follower.pull_and_process(LEADER).await.unwrap(), 5);
    histories.assert_rust_tallies(&tallies).await;
    assert_eq!(
        follower.position(LEADER).await.unwrap(),
        all.last().copied()
    );
    assert_eq!(shared.tracking_rows().await, Shared::tracked(&all));
    assert_eq!(follower.pull_and_process(LEADER).await.unwrap(), 0);

    // Python's Tallies reads Rust's tracking (and tallies) as its own.
    let followed = shared.python_follows(None, &histories.ids());
    assert_eq!(followed["position_before"].as_u64(), all.last().copied());
    assert_eq!(followed["processed"], 0);
    assert_eq!(u64s(&followed["tracked"]), all);
    histories.assert_python_tallies(&followed["tallies"]);

    shared.db.remove().await;
}

/// A Python `ProcessApplication` follows a Rust leader: every event once; its tracking rows
/// give the Rust follower of the same name its position, and its tallies load in Rust.
async fn python_follows_rust(backend: Backend) {
    let Some(shared) = Shared::new(backend).await else {
        return;
    };
    let leader = shared.rust_leader().await;
    let mut histories = Histories::default();
    rust_creates_worlds(
        &leader,
        &mut histories,
        &[&["dinosaurs", "trucks", "internet"], &[], &["ÜnicØde ✓ 🦀"]],
    )
    .await;
    let notifications = rust_notification_ids(&leader).await;
    assert_eq!(notifications.len(), 7);
    let max = leader.recorder().max_notification_id().await.unwrap();
    assert_eq!(max, notifications.last().copied());

    let followed = shared.python_follows(None, &histories.ids());
    assert_eq!(followed["position_before"], Json::Null);
    assert_eq!(followed["processed"], 7);
    assert_eq!(followed["position"].as_u64(), max);
    assert_eq!(u64s(&followed["tracked"]), notifications);
    histories.assert_python_tallies(&followed["tallies"]);
    assert_eq!(
        shared.tracking_rows().await,
        Shared::tracked(&notifications)
    );

    let (tallies, follower) = shared.rust_follower().await;
    assert_eq!(follower.position(LEADER).await.unwrap(), max);
    histories.assert_rust_tallies(&tallies).await;
    assert_eq!(follower.pull_and_process(LEADER).await.unwrap(), 0);

    shared.db.remove().await;
}

/// Followers of one name in the two languages take turns: Python processes the first
/// notifications, Rust resumes right after them (continuing the tallies Python started), and
/// Python then resumes after Rust; no notification is processed twice or skipped.
async fn one_follower_in_two_languages(backend: Backend) {
    let Some(shared) = Shared::new(backend).await else {
        return;
    };
    let leader = shared.rust_leader().await;
    let mut histories = Histories::default();
    let worlds = rust_creates_worlds(
        &leader,
        &mut histories,
        &[&["a", "b"], &["c"], &["d", "e", "f"]],
    )
    .await;
    let first = rust_notification_ids(&leader).await;
    assert_eq!(first.len(), 9);

    // Python: the first four notifications (stop is inclusive).
    let stop = first[3];
    let followed = shared.python_follows(Some(stop), &[]);
    assert_eq!(followed["processed"], 4);
    assert_eq!(followed["position"].as_u64(), Some(stop));
    assert_eq!(u64s(&followed["tracked"]), first[..4]);

    // Rust: the rest, in batches of two.
    let (tallies, follower) = shared.rust_follower().await;
    let follower = follower.batch_size(2);
    assert_eq!(follower.position(LEADER).await.unwrap(), Some(stop));
    assert_eq!(follower.pull_and_process(LEADER).await.unwrap(), 5);
    histories.assert_rust_tallies(&tallies).await;
    assert_eq!(shared.tracking_rows().await, Shared::tracked(&first));

    // Python: nothing left, then only what the leader recorded since.
    let followed = shared.python_follows(None, &histories.ids());
    assert_eq!(followed["position_before"].as_u64(), first.last().copied());
    assert_eq!(followed["processed"], 0);
    histories.assert_python_tallies(&followed["tallies"]);
    let mut world = leader.get::<World>(worlds[1]).await.unwrap();
    world.make_it_so("g".into());
    leader.save(&mut world).await.unwrap();
    histories.happened(worlds[1], false, &["g"]);
    rust_creates_worlds(&leader, &mut histories, &[&["h"]]).await;
    let all = rust_notification_ids(&leader).await;
    assert_eq!(all.len(), 12);
    let followed = shared.python_follows(None, &histories.ids());
    assert_eq!(followed["processed"], 3);
    assert_eq!(u64s(&followed["tracked"]), all);
    histories.assert_python_tallies(&followed["tallies"]);

    // Rust reads where Python got to: nothing left.
    assert_eq!(
        follower.position(LEADER).await.unwrap(),
        all.last().copied()
    );
    assert_eq!(follower.pull_and_process(LEADER).await.unwrap(), 0);
    histories.assert_rust_tallies(&tallies).await;

    shared.db.remove().await;
}

#[tokio::test]
async fn a_rust_follower_follows_a_python_leader_on_sqlite() {
    rust_follows_python(Backend::SqliteFile).await;
}

#[tokio::test]
async fn a_rust_follower_follows_a_python_leader_on_postgres() {
    rust_follows_python(Backend::Postgres).await;
}

#[tokio::test]
async fn a_rust_follower_follows_a_python_leader_on_mysql() {
    rust_follows_python(Backend::MySql).await;
}

#[tokio::test]
async fn a_python_follower_follows_a_rust_leader_on_sqlite() {
    python_follows_rust(Backend::SqliteFile).await;
}

#[tokio::test]
async fn a_python_follower_follows_a_rust_leader_on_postgres() {
    python_follows_rust(Backend::Postgres).await;
}

#[tokio::test]
async fn a_python_follower_follows_a_rust_leader_on_mysql() {
    python_follows_rust(Backend::MySql).await;
}

#[tokio::test]
async fn followers_of_one_name_take_turns_across_languages_on_sqlite() {
    one_follower_in_two_languages(Backend::SqliteFile).await;
}

#[tokio::test]
async fn followers_of_one_name_take_turns_across_languages_on_postgres() {
    one_follower_in_two_languages(Backend::Postgres).await;
}

#[tokio::test]
async fn followers_of_one_name_take_turns_across_languages_on_mysql() {
    one_follower_in_two_languages(Backend::MySql).await;
}
