//! Subscriptions (issue 24): an application's events as a stream from a position, catching up
//! then waiting, woken by the application's saves in this process and polling for others'; on
//! every backend, with concurrent writers: no notification is skipped or read twice.

use std::collections::BTreeSet;
use std::time::Duration;

use eventsourcing_seaorm::application::Application;
use eventsourcing_seaorm::persistence::NotificationQuery;
use eventsourcing_seaorm::system::{Subscribe, Topics};
use eventsourcing_seaorm_tests::backends::{Backend, TestDatabase};
use eventsourcing_seaorm_tests::world::{World, WorldEvent};
use futures_util::StreamExt;

const NO_ENV: [(&str, &str); 0] = [];

async fn applications() -> Vec<(String, Application, Option<TestDatabase>)> {
    let memory = Application::builder("Worlds")
        .environment(NO_ENV)
        .in_memory()
        .build()
        .await
        .unwrap();
    let mut apps = vec![("memory".to_owned(), memory, None)];
    for backend in [
        Backend::SqliteFile,
        Backend::SqliteMemory,
        Backend::Postgres,
        Backend::MySql,
    ] {
        if let Some(db) = TestDatabase::new(backend) {
            let app = Application::builder("Worlds")
                .environment(NO_ENV)
                .store(db.store().await)
                .build()
                .await
                .unwrap();
            apps.push((format!("{backend:?}"), app, Some(db)));
        }
    }
    apps
}

/// Four writers save while a subscription tails the log: it reads every notification once, in
/// id order, and nothing else; a later subscription from a position starts after it.
#[tokio::test]
async fn a_subscription_tails_concurrent_writers_without_skipping() {
    for (backend, app, _db) in applications().await {
        let before = {
            let mut world = World::create();
            app.save(&mut world).await.unwrap();
            app.recorder().max_notification_id().await.unwrap()
        };
        // Polling is slow: the saves of this process wake it.
        let mut events = Subscribe::to(&app)
            .after(before)
            .poll_interval(Duration::from_secs(3600))
            .stream();
        let writers: Vec<_> = (0..4)
            .map(|w| {
                let app = app.clone();
                tokio::spawn(async move {
                    for n in 0..25 {
                        let mut world = World::create();
                        world.make_it_so(format!("{w}-{n}"));
                        app.save(&mut world).await.unwrap();
                    }
                })
            })
            .collect();
        let mut seen = Vec::new();
        while seen.len() < 200 {
            let event = tokio::time::timeout(Duration::from_secs(30), events.next())
                .await
                .unwrap_or_else(|_| panic!("{backend}: stalled after {} events", seen.len()))
                .unwrap()
                .unwrap();
            assert!(event.decode::<WorldEvent>().unwrap().is_some());
            seen.push(event.notification_id());
        }
        for writer in writers {
            writer.await.unwrap();
        }
        assert!(
            seen.windows(2).all(|w| w[0] < w[1]),
            "{backend}: in id order, once"
        );
        let all: BTreeSet<u64> = app
            .recorder()
            .select_notifications(&NotificationQuery::new(before, 1000).exclusive_of_start())
            .await
            .unwrap()
            .into_iter()
            .map(|n| n.id)
            .collect();
        assert_eq!(
            seen.iter().copied().collect::<BTreeSet<_>>(),
            all,
            "{backend}"
        );
        // Nothing more is there.
        assert!(
            tokio::time::timeout(Duration::from_millis(100), events.next())
                .await
                .is_err(),
            "{backend}"
        );

        // From a position, with a topic filter: only what comes after, of those topics.
        let created = format!(
            "{}.Created",
            <World as eventsourcing_seaorm::domain::Aggregate>::topic()
        );
        let mut created_only = Subscribe::to(&app)
            .after(Some(seen[99]))
            .topics(Topics::all().topic(created.clone()))
            .stream();
        let first = created_only.next().await.unwrap().unwrap();
        assert!(first.notification_id() > seen[99], "{backend}");
        assert_eq!(first.topic(), created, "{backend}");
    }
}

/// PostgreSQL: saves in another process (here, another store with its own pool, as another
/// process has) wake the subscription through `NOTIFY`, long before its next poll.
#[tokio::test]
async fn saves_elsewhere_wake_a_subscription_through_postgres_notifications() {
    let Some(db) = TestDatabase::new(Backend::Postgres) else {
        return;
    };
    let app_on = |store: eventsourcing_seaorm::seaorm::SeaOrmStore| {
        Application::builder("Worlds")
            .environment(NO_ENV)
            .store(store.with_notifications())
            .build()
    };
    let writer = app_on(db.store().await).await.unwrap();
    let reader = app_on(db.store().await).await.unwrap();
    let store = reader.seaorm_recorders().unwrap().events.store().clone();
    assert!(store.notification_channel().is_some());
    let mut events = Subscribe::to(&reader)
        .poll_interval(Duration::from_secs(3600))
        .stream();
    // The reader waits (listening) before the writer saves, so only a notification can wake
    // it in time: polling is an hour away, and the writer's saves are not this reader's.
    let reading = tokio::spawn(async move {
        for _ in 0..10 {
            tokio::time::timeout(Duration::from_secs(10), events.next())
                .await
                .expect("woken by the writer's NOTIFY")
                .unwrap()
                .unwrap();
        }
    });
    tokio::time::sleep(Duration::from_millis(300)).await;
    for n in 0..5 {
        let mut world = World::create();
        world.make_it_so(format!("elsewhere {n}"));
        writer.save(&mut world).await.unwrap();
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    reading.await.unwrap();
    db.drop_tables(store.connection()).await;
}
