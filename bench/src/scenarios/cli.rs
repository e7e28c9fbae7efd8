//! Issue 25's rows: the operator's command line reading a store of 100,000 one-event worlds
//! (10,000 with `--quick`) written with zlib + AES: `verify` (every state decrypted,
//! decompressed and transcoded, every aggregate's versions checked) and `export` (every state
//! decrypted and decompressed, written as a JSON line, here to `/dev/null`), run in process
//! through the command line's library, against the raw driver reading the same rows in pages
//! of 1,000 and decrypting, decompressing and parsing each state with serde_json.

use std::time::Instant;

use eventsourcing_seaorm::persistence::{AesCipher, Cipher, Compressor, ZlibCompressor};
use eventsourcing_seaorm_cli::commands::{transfer, verify};
use eventsourcing_seaorm_cli::options::{ExportArgs, StoreOptions};
use eventsourcing_seaorm_cli::store::Store;
use eventsourcing_seaorm_tests::world::World;

use super::context::Context;
use super::secret::CIPHER_KEY;
use crate::BenchError;
use crate::format::thousands;
use crate::measure::{Rate, Sample};
use crate::raw::RawDb;
use crate::results::Scenario;

/// The application whose store the commands read.
const APP: &str = "BenchCli";
/// Worlds saved per save while seeding.
const SEED_BATCH: usize = 1000;
/// Rows the raw side reads per select (as the commands do).
const PAGE: i64 = 1000;

/// The settings of the store, as the application and the command line read them.
const SETTINGS: [(&str, &str); 2] = [("COMPRESSOR_TOPIC", "zlib"), ("CIPHER_KEY", CIPHER_KEY)];

/// Runs issue 25's rows.
pub async fn run(cx: &mut Context<'_>) -> Result<(), BenchError> {
    let events = cx.sizes.upstream_events;
    let app = cx.db.app(APP, false, &SETTINGS).await?;
    for start in (0..events).step_by(SEED_BATCH) {
        let mut worlds: Vec<World> = (start..events.min(start + SEED_BATCH))
            .map(|_| World::create())
            .collect();
        app.save(&mut worlds).await?;
    }
    cx.db.analyze().await?;
    let tables = cx.db.store.tables();
    let options = StoreOptions {
        database_url: Some(cx.db.target.url.clone()),
        table_prefix: String::new(),
        stored_events_table: Some(tables.stored_events.clone()),
        snapshots_table: Some(tables.snapshots.clone()),
        notification_tracking_table: Some(tables.notification_tracking.clone()),
        application: Some(APP.to_owned()),
        compressor_topic: None,
        cipher_topic: None,
        transcodings: Vec::new(),
    };
    let environment = SETTINGS
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    let store = Store::open_with_environment(&options, environment)
        .await
        .map_err(cli_error)?;
    let mut raw = cx.db.raw().await?;

    cx.announce(Scenario::CliVerify(events));
    let start = Instant::now();
    let report = verify::check(&store, &|app| store.mapper(app), None)
        .await
        .map_err(cli_error)?;
    let ours = sample(events, start);
    let baseline = raw_decode(&mut raw, events).await?;
    let check = if report.events != events as u64 || !report.errors.is_empty() {
        Err(format!(
            "verify read {} events with {} errors, of {events}",
            report.events,
            report.errors.len()
        ))
    } else {
        Ok(())
    };
    let note = format!(
        "{} events of {} aggregates, zlib + AES; raw: the same rows in pages of 1,000, each state decrypted, decompressed and parsed with serde_json",
        thousands(events),
        thousands(report.aggregates as usize)
    );
    cx.record(
        Scenario::CliVerify(events),
        ours,
        baseline,
        note,
        Some(check),
    );

    cx.announce(Scenario::CliExport(events));
    let start = Instant::now();
    let args = ExportArgs {
        output: Some("/dev/null".into()),
    };
    transfer::export(&store, &args).await.map_err(cli_error)?;
    let ours = sample(events, start);
    let baseline = raw_decode(&mut raw, events).await?;
    let note = "written as JSON lines to /dev/null".to_owned();
    cx.record(Scenario::CliExport(events), ours, baseline, note, None);

    raw.close().await;
    store.close().await;
    let _ = app.close().await;
    Ok(())
}

fn cli_error(error: eventsourcing_seaorm_cli::error::CliError) -> BenchError {
    BenchError::Check(format!("the command line: {error}"))
}

fn sample(events: usize, start: Instant) -> Rate {
    Sample {
        steps: 1,
        events: events as u64,
        elapsed: start.elapsed(),
    }
    .rate()
}

/// The raw driver: every row of the application in pages, each state decrypted, decompressed
/// and parsed.
async fn raw_decode(raw: &mut RawDb, events: usize) -> Result<Rate, BenchError> {
    let cipher = AesCipher::from_base64_key(CIPHER_KEY)
        .map_err(|e| BenchError::Check(format!("the bench's key: {e}")))?;
    let start = Instant::now();
    let mut next = 1;
    let mut read = 0;
    loop {
        let rows = raw.select_notifications(APP, next, PAGE).await?;
        for notification in &rows {
            let bad = |e: String| BenchError::Check(format!("raw decode: {e}"));
            let compressed = cipher
                .decrypt(&notification.row.state)
                .map_err(|e| bad(e.to_string()))?;
            let json = ZlibCompressor
                .decompress(&compressed)
                .map_err(|e| bad(e.to_string()))?;
            serde_json::from_slice::<serde_json::Value>(&json).map_err(|e| bad(e.to_string()))?;
        }
        read += rows.len();
        match rows.last() {
            Some(last) if rows.len() as i64 == PAGE => next = last.id + 1,
            _ => break,
        }
    }
    if read != events {
        return Err(BenchError::Check(format!(
            "the raw driver read {read} of {events} events"
        )));
    }
    Ok(sample(events, start))
}
