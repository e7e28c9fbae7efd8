//! Loading many aggregates one after another must not make the process hold them: the
//! resident set after all the loads is compared with the one after the first tenth.

use std::time::Instant;

use eventsourcing_seaorm::domain::Aggregate;
use eventsourcing_seaorm_tests::world::{World, text};

use super::commands::create_worlds;
use super::context::Context;
use crate::BenchError;
use crate::format::mib;
use crate::measure::{Rate, Sample};
use crate::process::rss;
use crate::results::Scenario;

/// The application of this scenario.
const APP: &str = "Mem";
/// Events per aggregate.
const EVENTS: usize = 5;
/// Bytes of text each event after the first carries, so that holding the aggregates would
/// show: 10,000 aggregates hold at least 8 MB of text.
const TEXT_BYTES: usize = 200;
/// Growth of the resident set beyond which the aggregates are taken to be held.
const MAX_GROWTH: u64 = 4 * 1024 * 1024;

/// Runs the memory scenario.
pub async fn run(cx: &mut Context<'_>) -> Result<(), BenchError> {
    let scenario = Scenario::Memory;
    cx.announce(scenario);
    let app = cx.db.app(APP, false, &[]).await?;
    let count = cx.sizes.memory_aggregates;
    let what = text(TEXT_BYTES);
    let ids = create_worlds(&app, count, EVENTS, &what).await?;
    cx.db.analyze().await?;
    let mut raw = cx.db.raw().await?;

    let tenth = (count / 10).max(1);
    let mut rss_after_tenth = 0;
    let start = Instant::now();
    for (n, &id) in ids.iter().enumerate() {
        let world: World = app.repository().get(id).await?;
        if world.version() != EVENTS as u64 {
            return Err(BenchError::Check(format!(
                "aggregate {id} loaded at version {}, not {EVENTS}",
                world.version()
            )));
        }
        if n + 1 == tenth {
            rss_after_tenth = rss().unwrap_or(0);
        }
    }
    let ours = Sample {
        steps: count as u64,
        events: (count * EVENTS) as u64,
        elapsed: start.elapsed(),
    };
    let rss_after_all = rss().unwrap_or(0);

    let start = Instant::now();
    for &id in &ids {
        raw.select_events(APP, id, None).await?;
    }
    let baseline = Sample {
        steps: count as u64,
        events: (count * EVENTS) as u64,
        elapsed: start.elapsed(),
    };
    raw.close().await;

    let growth = rss_after_all as i64 - rss_after_tenth as i64;
    let held = ((count - tenth) * (EVENTS - 1) * TEXT_BYTES) as u64;
    let note = format!(
        "{count} aggregates of {EVENTS} events: RSS {} after {tenth} loads, {} after {count} ({}{}; holding the other {} would take over {})",
        mib(rss_after_tenth),
        mib(rss_after_all),
        if growth < 0 { "-" } else { "+" },
        mib(growth.unsigned_abs()),
        count - tenth,
        mib(held),
    );
    let check = if growth < MAX_GROWTH as i64 {
        Ok(())
    } else {
        Err(format!(
            "the resident set grew by {} while loading",
            mib(growth.unsigned_abs())
        ))
    };
    let ours_rate: Rate = ours.rate();
    cx.record(scenario, ours_rate, baseline.rate(), note, Some(check));
    Ok(())
}
