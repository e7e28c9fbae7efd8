//! One instance of a service that runs the system tests' system (`Worlds` -> `Tallies`) with the
//! concurrent runner, for the tests that run several processes and kill them
//! (`tests/tests/system_processes.rs`):
//!
//! ```sh
//! system_instance URL TABLE_PREFIX DELAY_MS
//! ```
//!
//! It prints `active` when this process runs `Tallies` (it holds the follower's lock) and
//! `inactive` when it stops running it, and runs until it is killed. Each notification's policy
//! waits `DELAY_MS` first, so that a catch-up takes long enough to be killed in the middle.

use std::time::Duration;

use eventsourcing_seaorm::application::{Application, ApplicationBuilder, ApplicationError};
use eventsourcing_seaorm::seaorm::{SeaOrmStore, Tables, connect};
use eventsourcing_seaorm::system::{
    ProcessApplication, ProcessingEvent, Runner, System, SystemApplication, Topics, UpstreamEvent,
    app, process,
};
use eventsourcing_seaorm_tests::tally::{count_in, world_event};
use eventsourcing_seaorm_tests::world::WorldEvent;

const NO_ENV: [(&str, &str); 0] = [];

#[derive(Clone, SystemApplication)]
struct Worlds(Application);

#[derive(Clone)]
struct Tallies {
    app: Application,
    delay: Duration,
}

impl SystemApplication for Tallies {
    const NAME: &'static str = "Tallies";

    async fn build(builder: ApplicationBuilder) -> Result<Self, ApplicationError> {
        let app = builder.build().await?;
        let delay = app.settings().get_u64("DELAY_MS")?.unwrap_or(0);
        Ok(Self {
            app,
            delay: Duration::from_millis(delay),
        })
    }

    fn application(&self) -> &Application {
        &self.app
    }
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
        tokio::time::sleep(self.delay).await;
        if let Some((world, what)) = world_event(event)? {
            count_in(processing, world, what).await?;
        }
        Ok(())
    }
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let [_, url, prefix, delay] = args.as_slice() else {
        eprintln!("usage: system_instance URL TABLE_PREFIX DELAY_MS");
        std::process::exit(2);
    };
    let conn = connect(url).await.expect("connect");
    let store = SeaOrmStore::with_tables(conn, Tables::with_prefix(prefix))
        .await
        .expect("store");
    let delay = delay.clone();
    let system = System::new([[app::<Worlds>(), process::<Tallies>()]]).expect("system");
    let runner = Runner::new(system)
        .configure(move |builder| {
            builder
                .environment(NO_ENV)
                .setting("DELAY_MS", delay.as_str())
                .store(store.clone())
        })
        // Small batches, so that a catch-up commits often.
        .poll_interval(Duration::from_millis(50))
        .takeover_interval(Duration::from_millis(200));
    runner.start().await.expect("start");
    let mut was_active = false;
    loop {
        let active = runner.active_followers().iter().any(|f| f == "Tallies");
        if active != was_active {
            println!("{}", if active { "active" } else { "inactive" });
            was_active = active;
        }
        if let Some(error) = runner.take_errors().into_iter().next() {
            eprintln!("follower stopped: {error}");
            std::process::exit(1);
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}
