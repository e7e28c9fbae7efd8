//! The system layer (issue 23) on every configured backend and in memory: process applications
//! that follow leaders exactly once, their errors, topic filters, leaders' mappers, and the two
//! runners.

use std::time::Duration;

use eventsourcing_seaorm::application::{Application, ApplicationBuilder, ApplicationError};
use eventsourcing_seaorm::domain::Aggregate;
use eventsourcing_seaorm::persistence::{NotificationQuery, StoredEvent};
use eventsourcing_seaorm::seaorm::SeaOrmStore;
use eventsourcing_seaorm::system::{
    Follower, LeaderLog, ProcessApplication, ProcessingEvent, Runner, SingleThreadedRunner, System,
    SystemApplication, SystemError, Topics, UpstreamEvent, app, process,
};
use eventsourcing_seaorm_tests::backends::{self, Backend, TestDatabase};
use eventsourcing_seaorm_tests::tally::{self, Tally};
use eventsourcing_seaorm_tests::world::{World, WorldEvent};
use uuid::Uuid;

const NO_ENV: [(&str, &str); 0] = [];
const BACKENDS: [Backend; 4] = [
    Backend::SqliteFile,
    Backend::SqliteMemory,
    Backend::Postgres,
    Backend::MySql,
];

/// The leader: worlds to which things happen.
#[derive(Clone, SystemApplication)]
struct Worlds {
    app: Application,
}

impl Worlds {
    async fn create_world(&self, happenings: &[&str]) -> Uuid {
        let mut world = World::create();
        for what in happenings {
            world.make_it_so((*what).to_owned());
        }
        self.app.save(&mut world).await.unwrap();
        world.id()
    }

    async fn make_it_so(&self, id: Uuid, what: &str) {
        self.app
            .execute::<World, _>(id, |world| world.make_it_so(what.to_owned()))
            .await
            .unwrap();
    }
}

/// Counts the events of each world; refuses to count `"boom"` unless its setting `TOLERANT`
/// says so.
#[derive(Clone, SystemApplication)]
struct Tallies {
    app: Application,
}

#[derive(Debug, thiserror::Error)]
enum TallyError {
    #[error("will not count {0:?}")]
    Refused(String),
    #[error(transparent)]
    Application(#[from] ApplicationError),
}

impl ProcessApplication for Tallies {
    type Error = TallyError;

    fn topics(&self) -> Topics {
        Topics::of::<WorldEvent>()
    }

    async fn policy(
        &self,
        event: &UpstreamEvent,
        processing: &mut ProcessingEvent,
    ) -> Result<(), TallyError> {
        let Some((world, what)) = tally::world_event(event)? else {
            return Ok(());
        };
        let tolerant = self.app.settings().get_bool("TOLERANT", false)?;
        if what.as_deref() == Some("boom") && !tolerant {
            return Err(TallyError::Refused("boom".into()));
        }
        Ok(tally::count_in(processing, world, what).await?)
    }
}

/// A second follower of Worlds that only counts worlds created (its topic filter selects
/// `Created` only).
#[derive(Clone, SystemApplication)]
struct Census {
    app: Application,
}

impl ProcessApplication for Census {
    type Error = ApplicationError;

    fn topics(&self) -> Topics {
        Topics::all().topic(format!("{}.Created", World::topic()))
    }

    async fn policy(
        &self,
        event: &UpstreamEvent,
        processing: &mut ProcessingEvent,
    ) -> Result<(), ApplicationError> {
        // Anything else would be a topic the select should have left out.
        let event = event
            .decode::<WorldEvent>()?
            .filter(|e| matches!(e.payload, WorldEvent::Created {}))
            .expect("only Created events are selected");
        let mut tally = Tally::start(event.originator_id);
        tally.count(None);
        processing.collect(tally);
        Ok(())
    }
}

fn system() -> System {
    System::new([
        vec![app::<Worlds>(), process::<Tallies>()],
        vec![app::<Worlds>(), process::<Census>()],
    ])
    .unwrap()
}

/// The stores a test's applications share, and how to give one to a builder.
fn configure(store: Option<SeaOrmStore>) -> impl Fn(ApplicationBuilder) -> ApplicationBuilder {
    move |builder| {
        let builder = builder.environment(NO_ENV);
        match &store {
            Some(store) => builder.store(store.clone()),
            None => builder.in_memory(),
        }
    }
}

/// Each configured backend's store, and memory (`None`).
async fn stores() -> Vec<(String, Option<SeaOrmStore>, Option<TestDatabase>)> {
    let mut stores = vec![("memory".to_owned(), None, None)];
    for backend in BACKENDS {
        if let Some(db) = TestDatabase::new(backend) {
            let store = db.store().await;
            stores.push((format!("{backend:?}"), Some(store), Some(db)));
        }
    }
    stores
}

async fn tally(tallies: &Tallies, world: Uuid) -> Tally {
    tallies.app.get(world).await.unwrap()
}

async fn tracking_rows(app: &Application, leader: &str) -> Option<u64> {
    app.recorder().max_tracking_id(leader).await.unwrap()
}

#[tokio::test]
async fn the_single_threaded_runner_processes_each_save_before_it_returns() {
    for (backend, store, _db) in stores().await {
        let runner = SingleThreadedRunner::new(system()).configure(configure(store));
        runner.start().await.unwrap();
        assert!(matches!(
            runner.start().await,
            Err(SystemError::AlreadyStarted)
        ));
        let worlds: Worlds = runner.get().unwrap();
        let tallies: Tallies = runner.get().unwrap();
        let census: Census = runner.get().unwrap();

        let id = worlds.create_world(&["dinosaurs"]).await;
        assert_eq!(tally(&tallies, id).await.count, 2, "{backend}");
        worlds.make_it_so(id, "trucks").await;
        let counted = tally(&tallies, id).await;
        assert_eq!(
            (counted.count, counted.last.as_deref()),
            (3, Some("trucks")),
            "{backend}"
        );
        let created: Tally = census.app.get(id).await.unwrap();
        assert_eq!(created.count, 1, "{backend}");

        let max = worlds.app.recorder().max_notification_id().await.unwrap();
        assert_eq!(
            tracking_rows(&tallies.app, "Worlds").await,
            max,
            "{backend}"
        );
        // Census selected only the Created event: its position is that notification.
        assert!(
            tracking_rows(&census.app, "Worlds").await < max,
            "{backend}"
        );
        assert!(runner.take_errors().is_empty());
        runner.stop().unwrap();
    }
}

/// Everything already in the leader's log is processed once, whatever the number of
/// followers racing over it or the times it is pulled again.
#[tokio::test]
async fn each_notification_is_processed_exactly_once_under_re_delivery() {
    for (backend, store, db) in stores().await {
        let leader = Worlds::build(configure(store.clone())(ApplicationBuilder::new("Worlds")))
            .await
            .unwrap();
        let mut ids = Vec::new();
        for n in 0..12 {
            ids.push(leader.create_world(&["a", "b", &format!("c{n}")]).await);
        }
        // Two instances of the follower, each with its own connections where the backend has
        // a server (on SQLite, one store: one writer per file).
        let second_store = match (&db, &store) {
            (Some(db), Some(_)) if matches!(db.backend, Backend::Postgres | Backend::MySql) => {
                Some(db.store().await)
            }
            _ => store.clone(),
        };
        let one = Tallies::build(configure(store.clone())(ApplicationBuilder::new("Tallies")))
            .await
            .unwrap();
        let other = match &store {
            Some(_) => Tallies::build(configure(second_store)(ApplicationBuilder::new("Tallies")))
                .await
                .unwrap(),
            // In memory, one application is the whole store.
            None => one.clone(),
        };
        let log = LeaderLog::of(&leader.app);
        let first = Follower::new(one.clone()).follow(log.clone()).batch_size(5);
        let second = Follower::new(other).follow(log).batch_size(3);
        let (a, b) = tokio::join!(
            first.pull_and_process("Worlds"),
            second.pull_and_process("Worlds")
        );
        let processed = a.unwrap() + b.unwrap();
        assert_eq!(
            processed, 48,
            "{backend}: every notification once, between the two"
        );
        for id in &ids {
            assert_eq!(tally(&one, *id).await.count, 4, "{backend}");
        }
        // Pulled again: nothing to do.
        assert_eq!(
            first.pull_and_process("Worlds").await.unwrap(),
            0,
            "{backend}"
        );
        // Delivered again from the start (a follower that lost its position in memory):
        // every notification is found processed, nothing is recorded.
        let max = leader.app.recorder().max_notification_id().await.unwrap();
        let before = one.app.recorder().max_notification_id().await.unwrap();
        let again = Follower::new(one.clone()).follow(LeaderLog::of(&leader.app));
        let notifications = leader
            .app
            .recorder()
            .select_notifications(&eventsourcing_seaorm::persistence::NotificationQuery::new(
                None, 100,
            ))
            .await
            .unwrap();
        assert_eq!(notifications.len(), 48);
        for notification in notifications.into_iter().take(5) {
            let recorded = again
                .process_notification("Worlds", notification)
                .await
                .unwrap();
            assert!(
                !recorded,
                "{backend}: a notification processed before records nothing"
            );
        }
        assert_eq!(
            one.app.recorder().max_notification_id().await.unwrap(),
            before,
            "{backend}"
        );
        assert_eq!(tracking_rows(&one.app, "Worlds").await, max, "{backend}");
        // One tracking row per notification, though most were recorded in batches.
        if let Some(store) = &store {
            assert_eq!(
                backends::tracking_rows(store, "Tallies").await,
                48,
                "{backend}"
            );
        }
    }
}

/// A policy's error stops its follower at that notification, naming the leader, the
/// notification and its topic, with nothing recorded for it; the other follower goes on; a
/// runner started again (with the policy now willing) resumes at that notification.
#[tokio::test]
async fn a_policy_error_stops_only_its_follower_until_it_is_restarted() {
    for (backend, store, db) in stores().await {
        let runner = SingleThreadedRunner::new(system()).configure(configure(store.clone()));
        runner.start().await.unwrap();
        let worlds: Worlds = runner.get().unwrap();
        let tallies: Tallies = runner.get().unwrap();
        let census: Census = runner.get().unwrap();
        let id = worlds.create_world(&["fine"]).await;
        worlds.make_it_so(id, "boom").await;
        let boom = worlds
            .app
            .recorder()
            .max_notification_id()
            .await
            .unwrap()
            .unwrap();
        let later = worlds.create_world(&["after"]).await;

        let errors = runner.take_errors();
        assert_eq!(errors.len(), 1, "{backend}: {errors:?}");
        let SystemError::Processing(error) = &errors[0] else {
            panic!("{backend}: {:?}", errors[0])
        };
        assert_eq!(
            (
                error.follower.as_str(),
                error.leader.as_str(),
                error.notification_id
            ),
            ("Tallies", "Worlds", boom)
        );
        assert_eq!(error.topic, format!("{}.SomethingHappened", World::topic()));
        assert_eq!(error.source.to_string(), "will not count \"boom\"");
        // Nothing recorded for it, and nothing after it.
        let before_boom = worlds
            .app
            .recorder()
            .select_notifications(&NotificationQuery::new(None, 100).stop(boom - 1))
            .await
            .unwrap()
            .last()
            .map(|n| n.id);
        assert_eq!(
            tracking_rows(&tallies.app, "Worlds").await,
            before_boom,
            "{backend}"
        );
        assert_eq!(tally(&tallies, id).await.count, 2, "{backend}");
        assert!(
            tallies
                .app
                .get::<Tally>(later)
                .await
                .unwrap_err()
                .is_not_found()
        );
        // Census went on.
        assert!(census.app.get::<Tally>(later).await.is_ok(), "{backend}");
        drop(runner);

        let runner = SingleThreadedRunner::new(system()).configure({
            let configure = configure(store);
            move |builder| configure(builder).setting("TALLIES_TOLERANT", "y")
        });
        runner.start().await.unwrap();
        let tallies: Tallies = runner.get().unwrap();
        assert!(runner.take_errors().is_empty(), "{backend}");
        if db.is_none() {
            // In memory, the new runner's applications start empty: nothing to resume.
            continue;
        }
        let counted = tally(&tallies, id).await;
        assert_eq!(
            (counted.count, counted.last.as_deref()),
            (3, Some("boom")),
            "{backend}"
        );
        assert_eq!(tally(&tallies, later).await.count, 2, "{backend}");
    }
}

/// The follower pulls only the topics its policy handles, in the database's select: an event of
/// another topic that cannot even be decoded is never read.
#[tokio::test]
async fn topic_filters_leave_other_events_in_the_database() {
    for (backend, store, _db) in stores().await {
        let configure = configure(store);
        let worlds = Worlds::build(configure(ApplicationBuilder::new("Worlds")))
            .await
            .unwrap();
        let census = Census::build(configure(ApplicationBuilder::new("Census")))
            .await
            .unwrap();
        let id = worlds.create_world(&["one"]).await;
        // A row of another topic whose state is not JSON at all.
        worlds
            .app
            .recorder()
            .insert_events(&[StoredEvent {
                originator_id: Uuid::new_v4(),
                originator_version: 1,
                topic: "elsewhere:Thing.Broken".into(),
                state: b"\xff not json".to_vec(),
            }])
            .await
            .unwrap();
        let second = worlds.create_world(&[]).await;
        let follower = Follower::new(census.clone()).follow(LeaderLog::of(&worlds.app));
        assert_eq!(
            follower.pull_and_process("Worlds").await.unwrap(),
            2,
            "{backend}"
        );
        for world in [id, second] {
            assert_eq!(census.app.get::<Tally>(world).await.unwrap().count, 1);
        }

        // A follower of every topic stops at the broken row, naming it.
        let tallies = Tallies::build(configure(ApplicationBuilder::new("Tallies")))
            .await
            .unwrap();
        let everything = Follower::new(Everything(tallies)).follow(LeaderLog::of(&worlds.app));
        let error = everything.pull_and_process("Worlds").await.unwrap_err();
        let SystemError::Processing(error) = error else {
            panic!("{backend}: {error:?}")
        };
        assert_eq!(error.topic, "elsewhere:Thing.Broken", "{backend}");
        let broken = worlds
            .app
            .recorder()
            .select_notifications(
                &NotificationQuery::new(None, 100).topics(["elsewhere:Thing.Broken"]),
            )
            .await
            .unwrap();
        assert_eq!(error.notification_id, broken[0].id, "{backend}");
    }
}

/// Tallies' policy on every topic: decodes each event as a generic one (which fails for rows
/// that are not events at all).
#[derive(Clone)]
struct Everything(Tallies);

impl SystemApplication for Everything {
    const NAME: &'static str = "Tallies";

    async fn build(builder: ApplicationBuilder) -> Result<Self, ApplicationError> {
        Ok(Self(Tallies::build(builder).await?))
    }

    fn application(&self) -> &Application {
        &self.0.app
    }
}

impl ProcessApplication for Everything {
    type Error = TallyError;

    async fn policy(
        &self,
        event: &UpstreamEvent,
        processing: &mut ProcessingEvent,
    ) -> Result<(), TallyError> {
        // No cipher or compressor here: the state is JSON text.
        serde_json::from_slice::<serde_json::Value>(&event.stored_event().state)
            .map_err(|e| TallyError::Refused(e.to_string()))?;
        self.0.policy(event, processing).await
    }
}

/// The concurrent runner: followers woken by their leaders' saves in this process, catching up
/// by polling with saves made by another process's application on the same tables, stopped
/// gracefully; started once.
#[tokio::test]
async fn the_concurrent_runner_follows_saves_here_and_elsewhere() {
    for (backend, store, db) in stores().await {
        // A save recorded before the runner starts is caught up with at start.
        // Another process's application: its own connections to the same database (not
        // possible in SQLite's memory, which is one connection's).
        let early = match &db {
            Some(db) if db.backend != Backend::SqliteMemory => {
                let elsewhere = Worlds::build(configure(Some(db.store().await))(
                    ApplicationBuilder::new("Worlds"),
                ))
                .await
                .unwrap();
                Some((elsewhere.create_world(&["early"]).await, elsewhere))
            }
            _ => None,
        };
        // Woken by saves in this process: a poll interval longer than the test.
        let runner = Runner::new(system())
            .configure(configure(store.clone()))
            .poll_interval(Duration::from_secs(3600));
        runner.start().await.unwrap();
        assert!(matches!(
            runner.start().await,
            Err(SystemError::AlreadyStarted)
        ));
        let worlds: Worlds = runner.get().unwrap();
        let tallies: Tallies = runner.get().unwrap();
        let id = worlds.create_world(&["here"]).await;
        backends::wait_until("the save here", Duration::from_secs(20), async || {
            tallies
                .app
                .get::<Tally>(id)
                .await
                .is_ok_and(|t| t.count == 2)
        })
        .await;
        if let Some((early, _)) = &early {
            assert_eq!(tally(&tallies, *early).await.count, 2, "{backend}");
        }
        runner.stop().await.unwrap();
        assert!(matches!(
            runner.get::<Worlds>(),
            Err(SystemError::NotStarted)
        ));

        // Polling: a save by another process's application is found within the interval.
        let Some((_, elsewhere)) = early else {
            continue;
        };
        let runner = Runner::new(system())
            .configure(configure(store))
            .poll_interval(Duration::from_millis(50));
        runner.start().await.unwrap();
        let tallies: Tallies = runner.get().unwrap();
        let there = elsewhere.create_world(&["there", "again"]).await;
        backends::wait_until("the save elsewhere", Duration::from_secs(20), async || {
            tallies
                .app
                .get::<Tally>(there)
                .await
                .is_ok_and(|t| t.count == 3)
        })
        .await;
        runner.stop().await.unwrap();
        let max = elsewhere
            .app
            .recorder()
            .max_notification_id()
            .await
            .unwrap();
        assert_eq!(
            tracking_rows(&tallies.app, "Worlds").await,
            max,
            "{backend}"
        );
    }
}

/// A leader's events encrypted with a key of its own are read with a mapper made from the
/// follower's settings under the leader's name; without that key the follower stops at the
/// first event, naming it.
#[tokio::test]
async fn a_leader_is_read_with_the_settings_under_its_name() {
    const KEY: &str = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
    for (backend, store, _db) in stores().await {
        let Some(store) = store else { continue };
        let leader = Worlds::build(
            ApplicationBuilder::new("Worlds")
                .environment([("WORLDS_CIPHER_KEY", KEY), ("COMPRESSOR_TOPIC", "zlib")])
                .store(store.clone()),
        )
        .await
        .unwrap();
        let id = leader.create_world(&["secret"]).await;
        let env = [("WORLDS_CIPHER_KEY", KEY), ("COMPRESSOR_TOPIC", "zlib")];
        let tallies = Tallies::build(
            ApplicationBuilder::new("Tallies")
                .environment(env)
                .store(store.clone()),
        )
        .await
        .unwrap();
        // The follower's own events are not encrypted: its key is for the leader only.
        assert!(tallies.app.mapper().cipher().is_none());
        let log = LeaderLog::from_settings(&tallies.app, "Worlds").unwrap();
        let follower = Follower::new(tallies.clone()).follow(log);
        assert_eq!(
            follower.pull_and_process("Worlds").await.unwrap(),
            2,
            "{backend}"
        );
        assert_eq!(tally(&tallies, id).await.last.as_deref(), Some("secret"));

        // A follower without the leader's key.
        let stranger = Renamed::build(
            ApplicationBuilder::new("Strangers")
                .environment([("COMPRESSOR_TOPIC", "zlib")])
                .store(store.clone()),
        )
        .await
        .unwrap();
        let log = LeaderLog::from_settings(&stranger.0.app, "Worlds").unwrap();
        let stranger = Follower::new(stranger).follow(log);
        let error = stranger.pull_and_process("Worlds").await.unwrap_err();
        let SystemError::Processing(error) = error else {
            panic!("{backend}: {error:?}")
        };
        assert_eq!(error.leader, "Worlds");
        assert_eq!(error.topic, format!("{}.Created", World::topic()));
    }
}

/// Tallies' policy in an application of another name, so that its position is its own.
#[derive(Clone)]
struct Renamed(Tallies);

impl SystemApplication for Renamed {
    const NAME: &'static str = "Strangers";

    async fn build(builder: ApplicationBuilder) -> Result<Self, ApplicationError> {
        Ok(Self(Tallies::build(builder).await?))
    }

    fn application(&self) -> &Application {
        &self.0.app
    }
}

impl ProcessApplication for Renamed {
    type Error = TallyError;

    fn topics(&self) -> Topics {
        self.0.topics()
    }

    async fn policy(
        &self,
        event: &UpstreamEvent,
        processing: &mut ProcessingEvent,
    ) -> Result<(), TallyError> {
        self.0.policy(event, processing).await
    }
}

/// A follower can be taken up to a notification and no further, as Python's
/// `pull_and_process(leader, stop=…)`, then on from there.
#[tokio::test]
async fn a_follower_pulls_up_to_a_notification() {
    for (backend, store, _db) in stores().await {
        let configure = configure(store);
        let worlds = Worlds::build(configure(ApplicationBuilder::new("Worlds")))
            .await
            .unwrap();
        let tallies = Tallies::build(configure(ApplicationBuilder::new("Tallies")))
            .await
            .unwrap();
        let id = worlds.create_world(&["a", "b", "c", "d"]).await;
        let notifications = worlds
            .app
            .recorder()
            .select_notifications(&NotificationQuery::new(None, 10))
            .await
            .unwrap();
        let third = notifications[2].id;
        let follower = Follower::new(tallies.clone())
            .follow(LeaderLog::of(&worlds.app))
            .transaction_size(2);
        assert_eq!(
            follower.pull_and_process_to("Worlds", third).await.unwrap(),
            3,
            "{backend}"
        );
        assert_eq!(
            follower.position("Worlds").await.unwrap(),
            Some(third),
            "{backend}"
        );
        assert_eq!(tally(&tallies, id).await.count, 3, "{backend}");
        assert_eq!(
            follower.pull_and_process("Worlds").await.unwrap(),
            2,
            "{backend}"
        );
        assert_eq!(tally(&tallies, id).await.count, 5, "{backend}");
    }
}

/// `sync_followers`, as `eventsourcing_django`'s management command: a dry run records nothing;
/// a run catches every follower up in one transaction per database; a follower whose policy
/// fails is reported and the others are recorded; unknown names are refused; the command line.
#[tokio::test]
async fn sync_followers_catches_followers_up_once() {
    use eventsourcing_seaorm::system::{SyncOptions, command_line, sync_followers};
    use std::process::ExitCode;

    for (backend, store, _db) in stores().await {
        let Some(store) = store else { continue };
        let configure = configure(Some(store.clone()));
        let worlds = Worlds::build(configure(ApplicationBuilder::new("Worlds")))
            .await
            .unwrap();
        let tallies = Tallies::build(configure(ApplicationBuilder::new("Tallies")))
            .await
            .unwrap();
        let census = Census::build(configure(ApplicationBuilder::new("Census")))
            .await
            .unwrap();
        let one = worlds.create_world(&["a", "b"]).await;
        let two = worlds.create_world(&["c"]).await;
        let last = worlds.app.recorder().max_notification_id().await.unwrap();
        let sync = |options: SyncOptions| {
            let store = store.clone();
            async move {
                sync_followers(
                    &system(),
                    move |b| b.environment(NO_ENV).store(store.clone()),
                    &options,
                )
                .await
                .unwrap()
            }
        };

        let dry = sync(SyncOptions {
            dry_run: true,
            ..SyncOptions::default()
        })
        .await;
        assert!(dry.is_ok(), "{backend}: {dry:?}");
        let counts: Vec<_> = dry
            .followers
            .iter()
            .map(|f| (f.follower.as_str(), f.processed.clone()))
            .collect();
        assert_eq!(
            counts,
            [
                ("Tallies", vec![("Worlds".to_owned(), 5)]),
                ("Census", vec![("Worlds".to_owned(), 2)])
            ],
            "{backend}"
        );
        assert_eq!(
            tracking_rows(&tallies.app, "Worlds").await,
            None,
            "{backend}: a dry run records nothing"
        );
        assert!(
            tallies
                .app
                .get::<Tally>(one)
                .await
                .unwrap_err()
                .is_not_found()
        );

        let run = sync(SyncOptions::default()).await;
        assert!(run.is_ok(), "{backend}: {run:?}");
        assert_eq!(tally(&tallies, one).await.count, 3, "{backend}");
        assert_eq!(tally(&tallies, two).await.count, 2, "{backend}");
        assert_eq!(
            census.app.get::<Tally>(two).await.unwrap().count,
            1,
            "{backend}"
        );
        assert_eq!(
            tracking_rows(&tallies.app, "Worlds").await,
            last,
            "{backend}"
        );
        assert_eq!(
            backends::tracking_rows(&store, "Tallies").await,
            5,
            "{backend}"
        );

        // Nothing left; then a notification Tallies refuses: it is reported, Census is kept.
        let again = sync(SyncOptions::default()).await;
        assert!(
            again.followers.iter().all(|f| f.processed[0].1 == 0),
            "{backend}"
        );
        let three = worlds.create_world(&["boom"]).await;
        let failed = sync(SyncOptions::default()).await;
        assert!(!failed.is_ok(), "{backend}");
        let tallies_sync = &failed.followers[0];
        assert!(
            matches!(&tallies_sync.error, Some(SystemError::Processing(e)) if e.source.to_string().contains("boom")),
            "{backend}: {tallies_sync:?}"
        );
        assert!(failed.followers[1].error.is_none(), "{backend}");
        assert!(
            census.app.get::<Tally>(three).await.is_ok(),
            "{backend}: Census recorded"
        );
        assert!(
            tallies
                .app
                .get::<Tally>(three)
                .await
                .unwrap_err()
                .is_not_found(),
            "{backend}"
        );

        let unknown = sync_followers(
            &system(),
            |b| b.in_memory(),
            &SyncOptions {
                followers: vec!["Worlds".into()],
                ..SyncOptions::default()
            },
        )
        .await
        .unwrap_err();
        assert!(
            unknown.to_string().contains("Worlds (a follower"),
            "{unknown}"
        );

        // The command line: Census only, verbose.
        let four = worlds.create_world(&[]).await;
        let mut out = Vec::new();
        let args = ["sync-followers", "-v", "Census"].map(String::from);
        let store_for_command = store.clone();
        let code = command_line(
            system(),
            move |b| b.environment(NO_ENV).store(store_for_command.clone()),
            args,
            &mut out,
        )
        .await;
        assert_eq!(code, ExitCode::SUCCESS, "{backend}");
        let out = String::from_utf8(out).unwrap();
        assert_eq!(
            out, "Census: processed 1 notification(s)\n  Worlds: 1\n",
            "{backend}"
        );
        assert!(census.app.get::<Tally>(four).await.is_ok(), "{backend}");
        let code = command_line(system(), |b| b, ["sync".to_owned()], &mut Vec::new()).await;
        assert_eq!(code, ExitCode::from(2));
    }
}

/// An event-sourced projection: a follower driven by a subscription instead of a runner.
#[tokio::test]
async fn a_follower_processes_a_subscription() {
    use eventsourcing_seaorm::system::Subscribe;
    use futures_util::StreamExt;

    for (backend, store, _db) in stores().await {
        let configure = configure(store);
        let worlds = Worlds::build(configure(ApplicationBuilder::new("Worlds")))
            .await
            .unwrap();
        let tallies = Tallies::build(configure(ApplicationBuilder::new("Tallies")))
            .await
            .unwrap();
        let id = worlds.create_world(&["a", "b"]).await;
        let follower = Follower::new(tallies.clone()).follow(LeaderLog::of(&worlds.app));
        let position = follower.position("Worlds").await.unwrap();
        // Three events, then the stream is cut (a subscription runs for ever).
        let events = Subscribe::to(&worlds.app)
            .after(position)
            .topics(tallies.topics())
            .stream()
            .take(3);
        assert_eq!(
            follower.process_stream(events).await.unwrap(),
            3,
            "{backend}"
        );
        assert_eq!(tally(&tallies, id).await.count, 3, "{backend}");
        // From the start again: each event is found processed, nothing is recorded.
        let again = Subscribe::to(&worlds.app).stream().take(3);
        assert_eq!(
            follower.process_stream(again).await.unwrap(),
            0,
            "{backend}"
        );
        assert_eq!(tally(&tallies, id).await.count, 3, "{backend}");
    }
}
