//! Scenario 6: scenarios 1 and 3 at 200-byte states with zlib compression and AES-256-GCM
//! encryption on, against the same with neither: what the mapper's compression and cipher cost.
//!
//! Scenario 1's `Created` event has no field, so here each save records one `SomethingHappened`
//! event carrying the 200-byte text, on an aggregate the step keeps (no load in between).

use std::time::Instant;

use eventsourcing_seaorm::application::Application;
use eventsourcing_seaorm::domain::Aggregate;
use eventsourcing_seaorm_tests::world::{World, text};
use uuid::Uuid;

use super::commands::{OursCommand, create_worlds};
use super::context::Context;
use crate::BenchError;
use crate::measure::{Work, compare};
use crate::results::Scenario;

/// A fixed AES-256 key (32 bytes 0..31, base64), as `CIPHER_KEY` takes it.
pub const CIPHER_KEY: &str = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";

/// The size of the plain JSON state the scenario aims at.
pub const STATE_BYTES: usize = 200;

/// The library: one more event on a kept aggregate, saved.
pub struct OursAppendTo<'a> {
    /// The application.
    pub app: &'a Application,
    /// The aggregate.
    pub world: World,
    /// What happens.
    pub what: &'a str,
}

impl Work for OursAppendTo<'_> {
    async fn step(&mut self) -> Result<u64, BenchError> {
        // A new aggregate now and then, so that no history grows without bound.
        if self.world.version() >= 1000 {
            self.world = World::create();
        }
        self.world.make_it_so(self.what.to_owned());
        let events = self.world.pending_events().len() as u64;
        self.app.save(&mut self.world).await?;
        Ok(events)
    }
}

/// The text that makes a `SomethingHappened` state of about [`STATE_BYTES`] plain bytes, and
/// the sizes of that state plain and compressed + encrypted.
fn sized_text(
    plain: &Application,
    secret: &Application,
) -> Result<(String, usize, usize), BenchError> {
    let size = |app: &Application, what: &str| -> Result<usize, BenchError> {
        let mut world = World::create();
        world.make_it_so(what.to_owned());
        let event = &world.pending_events()[1];
        Ok(app
            .mapper()
            .to_stored_event(event)
            .map_err(|e| BenchError::Check(format!("mapping: {e}")))?
            .state
            .len())
    };
    let overhead = size(plain, "")?;
    let what = text(STATE_BYTES.saturating_sub(overhead).max(1));
    Ok((what.clone(), size(plain, &what)?, size(secret, &what)?))
}

/// Microseconds the mapper takes to encode and decode one such event.
fn mapper_micros(app: &Application, what: &str) -> Result<f64, BenchError> {
    let mut world = World::create();
    world.make_it_so(what.to_owned());
    let event = &world.pending_events()[1];
    let rounds = 2_000;
    let start = Instant::now();
    for _ in 0..rounds {
        let stored = app
            .mapper()
            .to_stored_event(event)
            .map_err(|e| BenchError::Check(format!("mapping: {e}")))?;
        let _: eventsourcing_seaorm::domain::DomainEvent<<World as Aggregate>::Event> = app
            .mapper()
            .to_domain_event(&stored)
            .map_err(|e| BenchError::Check(format!("mapping back: {e}")))?;
    }
    Ok(start.elapsed().as_secs_f64() * 1e6 / f64::from(rounds))
}

/// Runs scenario 6.
pub async fn run(cx: &mut Context<'_>) -> Result<(), BenchError> {
    let plain = cx.db.app("Plain200", false, &[]).await?;
    let secret = cx
        .db
        .app(
            "Secret200",
            false,
            &[("COMPRESSOR_TOPIC", "zlib"), ("CIPHER_KEY", CIPHER_KEY)],
        )
        .await?;
    let (what, plain_bytes, secret_bytes) = sized_text(&plain, &secret)?;
    let note = format!(
        "state {plain_bytes} B plain, {secret_bytes} B zlib+AES; mapper encode+decode {:.1} µs plain, {:.1} µs zlib+AES",
        mapper_micros(&plain, &what)?,
        mapper_micros(&secret, &what)?,
    );

    let scenario = Scenario::AppendSecret;
    cx.announce(scenario);
    let (ours, baseline) = compare(
        &mut OursAppendTo {
            app: &secret,
            world: World::create(),
            what: &what,
        },
        &mut OursAppendTo {
            app: &plain,
            world: World::create(),
            what: &what,
        },
        &cx.sizes.plan,
    )
    .await?;
    cx.record(scenario, ours, baseline, note.clone(), None);

    let scenario = Scenario::CommandsSecret;
    cx.announce(scenario);
    let count = cx.sizes.command_aggregates;
    let plain_ids: Vec<Uuid> = create_worlds(&plain, count, 3, &what).await?;
    let secret_ids: Vec<Uuid> = create_worlds(&secret, count, 3, &what).await?;
    let (ours, baseline) = compare(
        &mut OursCommand {
            app: &secret,
            ids: &secret_ids,
            what: &what,
            next: 0,
            execute: false,
        },
        &mut OursCommand {
            app: &plain,
            ids: &plain_ids,
            what: &what,
            next: 0,
            execute: false,
        },
        &cx.sizes.plan,
    )
    .await?;
    cx.record(scenario, ours, baseline, note, None);
    Ok(())
}
