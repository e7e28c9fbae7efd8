//! Stored topics of classes that have moved or been renamed since (issue 22, point 7): events
//! and snapshots written under the old topics load into the renamed aggregate once the old
//! topics are registered, as with the Python original's `register_topic`.

use std::sync::Arc;

use eventsourcing_seaorm::application::Application;
use eventsourcing_seaorm::domain::Aggregate;
use eventsourcing_seaorm::memory::InMemoryRecorder;
use eventsourcing_seaorm::persistence::{AggregateRecorder, ProcessRecorder};

/// The aggregate as it was when its events were stored.
mod before {
    use eventsourcing_seaorm::prelude::*;

    #[aggregate(topic_module = "shop.domain")]
    #[derive(Debug)]
    pub struct Cart {
        pub items: Vec<String>,
    }

    #[aggregate]
    impl Cart {
        #[event("Started")]
        pub fn start() -> Self {
            Self { items: Vec::new() }
        }

        #[event("ItemAdded")]
        pub fn add(&mut self, item: String) {
            self.items.push(item);
        }

        #[event("Emptied")]
        pub fn empty(&mut self) {
            self.items.clear();
        }
    }
}

/// The same aggregate after a refactor: another module, another class name, one event renamed.
mod after {
    use eventsourcing_seaorm::prelude::*;

    #[aggregate(topic_module = "store.model")]
    #[derive(Debug)]
    pub struct Basket {
        pub items: Vec<String>,
    }

    #[aggregate]
    impl Basket {
        #[event("Started")]
        pub fn start() -> Self {
            Self { items: Vec::new() }
        }

        #[event("ItemAdded")]
        pub fn add(&mut self, item: String) {
            self.items.push(item);
        }

        #[event("Cleared")]
        pub fn clear(&mut self) {
            self.items.clear();
        }
    }
}

async fn app(
    events: &Arc<InMemoryRecorder>,
    snapshots: &Arc<InMemoryRecorder>,
    aliases: &[(&str, &str)],
) -> Application {
    let mut builder = Application::builder("Shop")
        .environment([("", ""); 0])
        .recorders(
            events.clone() as Arc<dyn ProcessRecorder>,
            Some(snapshots.clone() as Arc<dyn AggregateRecorder>),
        )
        .snapshotting(true);
    for (old, new) in aliases {
        builder = builder.register_topic(*old, *new);
    }
    builder.build().await.unwrap()
}

#[tokio::test]
async fn events_and_snapshots_of_renamed_classes_load_through_registered_topics() {
    let events = Arc::new(InMemoryRecorder::new("Shop"));
    let snapshots = Arc::new(InMemoryRecorder::new("Shop"));
    let old = app(&events, &snapshots, &[]).await;
    let mut cart = before::Cart::start();
    cart.add("pen".into());
    cart.empty();
    cart.add("ink".into());
    old.save(&mut cart).await.unwrap();
    let mut snapshotted = before::Cart::start();
    snapshotted.add("paper".into());
    old.save(&mut snapshotted).await.unwrap();
    old.take_snapshot::<before::Cart>(snapshotted.id(), None)
        .await
        .unwrap();

    // Without the old topics registered, the stored events do not load as a `Basket`.
    let unaware = app(&events, &snapshots, &[]).await;
    assert!(unaware.get::<after::Basket>(cart.id()).await.is_err());

    let new = app(
        &events,
        &snapshots,
        &[
            ("shop.domain:Cart", "store.model:Basket"),
            ("shop.domain:Cart.Emptied", "store.model:Basket.Cleared"),
        ],
    )
    .await;
    let basket: after::Basket = new.get(cart.id()).await.unwrap();
    assert_eq!(
        (basket.items.as_slice(), basket.version()),
        (&["ink".to_owned()][..], 4)
    );
    // From the snapshot, whose aggregate topic is the old class's.
    let basket: after::Basket = new.get(snapshotted.id()).await.unwrap();
    assert_eq!(basket.items, ["paper"]);

    // A module renamed as a whole resolves each class in it.
    let by_module = app(&events, &snapshots, &[("shop.domain", "store.model")]).await;
    assert_eq!(
        by_module
            .mapper()
            .resolve_topic("shop.domain:Cart.ItemAdded"),
        "store.model:Cart.ItemAdded"
    );

    // New events are stored under the current topics.
    let mut basket: after::Basket = new.get(cart.id()).await.unwrap();
    basket.clear();
    let recorded = new.save(&mut basket).await.unwrap();
    assert_eq!(recorded[0].topic, "store.model:Basket.Cleared");
    let mut fresh = after::Basket::start();
    fresh.add("nib".into());
    let recorded = new.save(&mut fresh).await.unwrap();
    assert_eq!(recorded[1].topic, "store.model:Basket.ItemAdded");
}
