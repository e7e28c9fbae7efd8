//! The seed example of the Python original, in Rust: a `World` aggregate whose history grows by
//! one event per command, in an application with snapshotting enabled.
//!
//! Run it with `cargo run --example seed`.

use eventsourcing_seaorm::prelude::*;
use uuid::Uuid;

#[aggregate]
#[derive(Debug)]
struct World {
    history: Vec<String>,
}

#[aggregate]
impl World {
    #[event("Created")]
    fn create() -> Self {
        Self {
            history: Vec::new(),
        }
    }

    #[event("SomethingHappened")]
    fn make_it_so(&mut self, what: String) {
        self.history.push(what);
    }
}

/// The application: commands that load, change and save worlds, and a query.
struct Worlds {
    app: Application,
}

impl Worlds {
    async fn new() -> Result<Self, ApplicationError> {
        let app = Application::builder("Worlds")
            .snapshotting(true)
            .build()
            .await?;
        Ok(Self { app })
    }

    async fn create_world(&self) -> Result<Uuid, ApplicationError> {
        let mut world = World::create();
        self.app.save(&mut world).await?;
        Ok(world.id())
    }

    async fn make_it_so(&self, world_id: Uuid, what: &str) -> Result<(), ApplicationError> {
        let mut world: World = self.app.get(world_id).await?;
        world.make_it_so(what.to_owned());
        self.app.save(&mut world).await?;
        Ok(())
    }

    async fn get_world_history(&self, world_id: Uuid) -> Result<Vec<String>, ApplicationError> {
        let world: World = self.app.get(world_id).await?;
        Ok(world.history)
    }
}

async fn run() -> Result<(), ApplicationError> {
    let worlds = Worlds::new().await?;
    let world_id = worlds.create_world().await?;
    worlds.make_it_so(world_id, "dinosaurs").await?;
    worlds.make_it_so(world_id, "trucks").await?;
    worlds.make_it_so(world_id, "internet").await?;

    let history = worlds.get_world_history(world_id).await?;
    assert_eq!(history, ["dinosaurs", "trucks", "internet"]);

    // Snapshotting is enabled: take a snapshot, then load from it plus later events.
    let app = &worlds.app;
    assert!(app.is_snapshotting_enabled());
    app.take_snapshot::<World>(world_id, None).await?;
    worlds.make_it_so(world_id, "robots").await?;
    let world: World = app.get(world_id).await?;
    assert_eq!(world.version(), 5);
    assert_eq!(world.history.last().map(String::as_str), Some("robots"));

    // Every event is in the notification log, in the order it was recorded.
    let section = app.notification_log().section("1,10").await?;
    let topics: Vec<&str> = section.items.iter().map(|n| n.topic.as_str()).collect();
    assert_eq!(topics.len(), 5);
    assert!(topics[0].ends_with(":World.Created"));
    assert!(
        topics[1..]
            .iter()
            .all(|t| t.ends_with(":World.SomethingHappened"))
    );

    println!("history of world {world_id}: {:?}", world.history);
    Ok(())
}

#[tokio::main]
async fn main() -> Result<(), ApplicationError> {
    run().await
}

#[cfg(test)]
mod tests {
    #[tokio::test]
    async fn seed_example_runs() {
        super::run().await.unwrap();
    }
}
