//! A system of applications, as in the Python original's `eventsourcing.system`: `Worlds` (the
//! seed's application) leads two process applications, `Counters`, which counts what happens in
//! each world, and `Census`, which registers each new world and pulls only the events it
//! handles (its topic filter runs in the database). A runner drives them: one task per
//! follower, woken by each save of `Worlds`.
//!
//! Run it with
//!
//! ```sh
//! cargo run --example system                                          # SQLite file in a new temp directory
//! cargo run --example system -- postgres://postgres@127.0.0.1:5432/test
//! cargo run --example system -- mysql://root@127.0.0.1:3306/test
//! ```
//!
//! The same program is the system's command line, as `python manage.py sync_followers`:
//!
//! ```sh
//! DATABASE_URL=sqlite:///tmp/db.sqlite3 cargo run --example system -- sync-followers --dry-run -v
//! ```

use std::error::Error;
use std::process::ExitCode;
use std::time::Duration;

use chrono::{DateTime, FixedOffset};
use eventsourcing_seaorm::application::ApplicationBuilder;
use eventsourcing_seaorm::domain::EventPayload;
use eventsourcing_seaorm::prelude::*;
use eventsourcing_seaorm::seaorm::{SeaOrmStore, Tables, connect};
use eventsourcing_seaorm::system::{
    ProcessApplication, ProcessingEvent, Runner, System, SystemApplication, SystemError, Topics,
    UpstreamEvent, app, command_line, process,
};
use uuid::Uuid;

// ------------------------------------------------------------------------------ the leader

#[aggregate(topic_module = "interop_domain")]
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

#[derive(Clone, SystemApplication)]
struct Worlds {
    app: Application,
}

impl Worlds {
    async fn create_world(&self) -> Result<Uuid, ApplicationError> {
        let mut world = World::create();
        self.app.save(&mut world).await?;
        Ok(world.id())
    }

    async fn make_it_so(&self, world_id: Uuid, what: &str) -> Result<(), CommandError> {
        self.app
            .execute::<World, _>(world_id, |world| world.make_it_so(what.to_owned()))
            .await
    }
}

// ------------------------------------------------------------------------ a process application

/// How many things happened in one world (its id is the world's).
#[aggregate]
#[derive(Debug)]
struct Counter {
    count: u64,
}

#[aggregate]
impl Counter {
    fn create_id(world_id: &Uuid) -> Uuid {
        *world_id
    }

    #[event("Started")]
    fn start(world_id: Uuid) -> Self {
        let _ = world_id;
        Self { count: 0 }
    }

    #[event("Incremented")]
    fn increment(&mut self) {
        self.count += 1;
    }
}

#[derive(Clone, SystemApplication)]
struct Counters {
    app: Application,
}

impl ProcessApplication for Counters {
    type Error = ApplicationError;

    fn topics(&self) -> Topics {
        Topics::of::<WorldEvent>()
    }

    /// The Python original's policy, `@policy.register def _(self, domain_event:
    /// World.SomethingHappened, processing_event)`, as a match on the event.
    async fn policy(
        &self,
        event: &UpstreamEvent,
        processing: &mut ProcessingEvent,
    ) -> Result<(), ApplicationError> {
        let Some(event) = event.decode::<WorldEvent>()? else {
            return Ok(());
        };
        if let WorldEvent::SomethingHappened { .. } = event.payload {
            let mut counter = match processing.get::<Counter>(event.originator_id).await {
                Err(error) if error.is_not_found() => Counter::start(event.originator_id),
                other => other?,
            };
            counter.increment();
            processing.collect(counter);
        }
        Ok(())
    }
}

// ------------------------------------------------------------------- a second follower of Worlds

/// When a world was registered: its creation time as the leader stamped it.
#[aggregate]
#[derive(Debug)]
struct Registration {
    created_on: DateTime<FixedOffset>,
}

#[aggregate]
impl Registration {
    fn create_id(world_id: &Uuid) -> Uuid {
        *world_id
    }

    #[event("Registered")]
    fn register(world_id: Uuid, created_on: DateTime<FixedOffset>) -> Self {
        let _ = world_id;
        Self { created_on }
    }
}

#[derive(Clone, SystemApplication)]
struct Census {
    app: Application,
}

impl ProcessApplication for Census {
    type Error = ApplicationError;

    /// Only `Created`: the select leaves every other event in the database.
    fn topics(&self) -> Topics {
        Topics::all().topic(WorldEvent::Created {}.topic())
    }

    async fn policy(
        &self,
        event: &UpstreamEvent,
        processing: &mut ProcessingEvent,
    ) -> Result<(), ApplicationError> {
        if let Some(event) = event.decode::<WorldEvent>()? {
            processing.collect(Registration::register(event.originator_id, event.timestamp));
        }
        Ok(())
    }
}

// ----------------------------------------------------------------------------------- the run

/// The system: Worlds leads Counters and Census.
fn system() -> Result<System, SystemError> {
    System::new([
        vec![app::<Worlds>(), process::<Counters>()],
        vec![app::<Worlds>(), process::<Census>()],
    ])
}

/// The store of the example's tables on the database at `url`.
async fn store(url: &str) -> Result<SeaOrmStore, Box<dyn Error>> {
    // Tables of its own, so that other programs' `Worlds` on the same database are not this
    // system's.
    let tables = Tables::with_prefix("system_example_");
    Ok(SeaOrmStore::with_tables(connect(url).await?, tables).await?)
}

async fn run(url: &str) -> Result<(), Box<dyn Error>> {
    // One store for the three applications: one pool, one writer queue.
    let store = store(url).await?;
    let system = system()?;
    println!(
        "leaders {:?}, followers {:?}",
        system.leaders(),
        system.followers()
    );
    let runner = Runner::new(system).configure(move |builder| builder.store(store.clone()));
    runner.start().await?;
    let worlds: Worlds = runner.get()?;
    let counters: Counters = runner.get()?;
    let census: Census = runner.get()?;

    let world_id = worlds.create_world().await?;
    for what in ["dinosaurs", "trucks", "internet"] {
        worlds.make_it_so(world_id, what).await?;
    }

    // The followers catch up in their own tasks; wait until both have processed the last
    // notification of Worlds (Census's filter may leave it behind the last one it selected).
    let last = worlds.app.recorder().max_notification_id().await?;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    let counted = loop {
        if let Ok(counter) = counters.app.get::<Counter>(world_id).await
            && counter.count == 3
            && census.app.get::<Registration>(world_id).await.is_ok()
        {
            break counter.count;
        }
        // A follower that stopped says why.
        if let Some(error) = runner.take_errors().into_iter().next() {
            return Err(error.into());
        }
        if tokio::time::Instant::now() > deadline {
            return Err("the followers did not catch up within 30 s".into());
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    };
    let registration: Registration = census.app.get(world_id).await?;
    let counters_at = counters.app.recorder().max_tracking_id("Worlds").await?;
    let census_at = census.app.recorder().max_tracking_id("Worlds").await?;
    println!(
        "Counters counted {counted} happenings in world {world_id}, and is at notification {counters_at:?} of Worlds (last {last:?})"
    );
    println!(
        "Census registered world {world_id} created on {}, and is at notification {census_at:?}",
        registration.created_on
    );
    runner.stop().await?;

    assert_eq!(counted, 3);
    assert_eq!(counters_at, last);
    let world: World = worlds.app.get(world_id).await?;
    assert_eq!(registration.created_on, world.created_on());
    Ok(())
}

fn new_temp_dir(prefix: &str) -> std::io::Result<std::path::PathBuf> {
    let dir = std::env::temp_dir().join(format!("{prefix}-{}", Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}

#[tokio::main]
async fn main() -> Result<ExitCode, Box<dyn Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("sync-followers") {
        let url = std::env::var("DATABASE_URL").map_err(|_| "set DATABASE_URL")?;
        let store = store(&url).await?;
        let configure = move |builder: ApplicationBuilder| builder.store(store.clone());
        return Ok(command_line(system()?, configure, args, &mut std::io::stdout()).await);
    }
    let url = match args.first().cloned() {
        Some(url) => url,
        None => {
            let dir = new_temp_dir("system")?;
            let file = dir.join("db.sqlite3");
            println!("SQLite file: {}", file.display());
            format!("sqlite://{}", file.display())
        }
    };
    run(&url).await?;
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn system_on_sqlite_file() {
        let dir = new_temp_dir("system_test").unwrap();
        let url = format!("sqlite://{}", dir.join("db.sqlite3").display());
        run(&url).await.unwrap();
        std::fs::remove_dir_all(dir).unwrap();
    }

    async fn run_if_set(variable: &str) {
        match std::env::var(variable) {
            Ok(url) => run(&url).await.unwrap(),
            Err(_) => println!("skipped: {variable} not set"),
        }
    }

    #[tokio::test]
    async fn system_on_postgres() {
        run_if_set("TEST_POSTGRES_URL").await;
    }

    #[tokio::test]
    async fn system_on_mysql() {
        run_if_set("TEST_MYSQL_URL").await;
    }
}
