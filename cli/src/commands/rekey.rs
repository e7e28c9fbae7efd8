//! `rekey`: rewrites every stored state from the current settings to new ones, in batches of
//! one transaction each, resumably, then verifies the store with the new settings.
//!
//! Each batch's transaction also records where it got to: a row of the tracking table with
//! the follower name `__rekey__events` (or `__rekey__snapshots`), the leader name of the
//! application re-keyed (`*` for all) and the last id rewritten. A run that was interrupted
//! starts after it; the rows are deleted when the run completes. A row that the new settings
//! already read (written by an earlier run, or by a writer with the new settings) is left as it
//! is.

use std::collections::HashMap;
use std::io::Write;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use eventsourcing_seaorm::application::factory;
use eventsourcing_seaorm::persistence::Mapper;
use futures_util::TryStreamExt;
use sea_orm::{TransactionTrait, Value};
use serde_json::json;

use super::transfer::describe;
use super::verify;
use crate::error::CliError;
use crate::options::{Format, RekeyArgs};
use crate::progress;
use crate::store::{Store, Table};

/// The start of the follower names of the progress rows (`info` and `export` leave them out).
pub const PROGRESS_PREFIX: &str = "__rekey__";

/// The progress rows' follower name for a table.
fn progress_name(table: Table) -> String {
    format!("{PROGRESS_PREFIX}{}", table.name())
}

/// Re-keys, then verifies.
pub async fn run(store: &Store, args: &RekeyArgs, format: Format) -> Result<ExitCode, CliError> {
    let applications = applications(store).await?;
    // Every application's new mapper, made (and its settings checked) before anything is
    // written.
    let mut new = HashMap::new();
    for app in &applications {
        let settings = store.new_settings(
            app,
            args.new_compressor_topic.as_deref(),
            args.new_cipher_topic.as_deref(),
        );
        let mapper = factory::mapper(&settings, store.transcoder())
            .map_err(|e| CliError::Setting(format!("the new settings: {e}")))?;
        if store.mapper(app)?.cipher().is_some() && mapper.cipher().is_none() && !args.decrypt {
            return Err(CliError::Refused(format!(
                "{app}'s states are encrypted now and the new settings have no cipher \
                 (NEW_CIPHER_KEY is not set): pass --decrypt to write them unencrypted"
            )));
        }
        new.insert(app.clone(), Arc::new(mapper));
    }
    if !args.force {
        writers_check(store, args.writer_check_seconds).await?;
    }
    let leader = store.application().unwrap_or("*").to_owned();
    let bar = progress::bar("re-keying", Some(store.count_rows().await?));
    let mut rewritten = [0u64; 2];
    let mut batches = Batches {
        size: args.batch_size.max(1),
        left: args.max_batches,
    };
    let mut finished = true;
    for (n, table) in [Table::Events, Table::Snapshots].into_iter().enumerate() {
        let (count, done) = rekey_table(store, table, &new, &leader, &mut batches, &bar).await?;
        rewritten[n] = count;
        if !done {
            finished = false;
            break;
        }
    }
    bar.finish_and_clear();
    let report = if finished {
        delete_progress(store, &leader).await?;
        let mappers = |app: &str| -> Result<Arc<Mapper>, CliError> {
            new.get(app).cloned().ok_or_else(|| {
                CliError::Setting(format!(
                    "no new settings for {app}, whose rows appeared during the re-keying"
                ))
            })
        };
        Some(verify::check(store, &mappers, None).await?)
    } else {
        None
    };
    let mut out = std::io::stdout().lock();
    let written = match (format, &report) {
        (Format::Json, _) => {
            let mut outcome = json!({
                "rewritten_events": rewritten[0],
                "rewritten_snapshots": rewritten[1],
                "finished": finished,
            });
            if let Some(report) = &report {
                outcome["verify"] = report.to_json();
            }
            writeln!(out, "{outcome}")
        }
        (Format::Text, Some(_)) => writeln!(
            out,
            "re-keyed {} event(s) and {} snapshot(s); verifying with the new settings:",
            rewritten[0], rewritten[1]
        ),
        (Format::Text, None) => writeln!(
            out,
            "stopped after {} batch(es) as asked, having re-keyed {} event(s) and {} \
             snapshot(s); run rekey again with the same settings to go on",
            args.max_batches.unwrap_or(0),
            rewritten[0],
            rewritten[1]
        ),
    };
    written.map_err(|e| CliError::io("writing the output", e))?;
    drop(out);
    match report {
        Some(report) => {
            if format == Format::Text {
                report.print(format)?;
            }
            Ok(super::status(report.errors.len()))
        }
        None => Ok(ExitCode::SUCCESS),
    }
}

/// Deletes the progress rows of a finished run: the next run starts from the beginning.
async fn delete_progress(store: &Store, leader: &str) -> Result<(), CliError> {
    for table in [Table::Events, Table::Snapshots] {
        let sql = format!(
            "DELETE FROM {} WHERE {} = {} AND {} = {}",
            store.tracking_table(),
            store.q("application_name"),
            store.p(1),
            store.q("upstream_application_name"),
            store.p(2),
        );
        store
            .execute(
                store.conn(),
                "deleting rekey's progress",
                sql,
                vec![progress_name(table).into(), leader.into()],
            )
            .await?;
    }
    Ok(())
}

/// The applications whose rows are re-keyed: `--app`, or every one in the two tables.
async fn applications(store: &Store) -> Result<Vec<String>, CliError> {
    if let Some(app) = store.application() {
        return Ok(vec![app.to_owned()]);
    }
    let mut names = Vec::new();
    for table in [Table::Events, Table::Snapshots] {
        let app = store.q("application_name");
        let sql = format!(
            "SELECT {app}, COUNT(*) FROM {} GROUP BY {app}",
            store.table_name(table)
        );
        for (name, _) in store.grouped(table.name(), sql, vec![], 1).await? {
            if !names.contains(&name) {
                names.push(name);
            }
        }
    }
    Ok(names)
}

/// Refuses to start when the tables' highest ids move while it watches them.
async fn writers_check(store: &Store, seconds: f64) -> Result<(), CliError> {
    let before = (
        store.max_id(Table::Events).await?,
        store.max_id(Table::Snapshots).await?,
    );
    tokio::time::sleep(Duration::from_secs_f64(seconds.clamp(0.0, 3600.0))).await;
    let after = (
        store.max_id(Table::Events).await?,
        store.max_id(Table::Snapshots).await?,
    );
    if before != after {
        return Err(CliError::Refused(format!(
            "writers are active: the highest notification id and snapshot uid went from \
             {before:?} to {after:?} in {seconds} s; stop them (or pass --force)"
        )));
    }
    Ok(())
}

/// How many rows per batch, and how many batches are left to do (`--max-batches`).
struct Batches {
    size: u64,
    left: Option<u64>,
}

/// Re-keys one table after its recorded progress; returns how many rows it rewrote, and
/// whether it got to the end (else it stopped at `--max-batches`).
async fn rekey_table(
    store: &Store,
    table: Table,
    new: &HashMap<String, Arc<Mapper>>,
    leader: &str,
    batches: &mut Batches,
    bar: &indicatif::ProgressBar,
) -> Result<(u64, bool), CliError> {
    let batch_size = batches.size;
    let name = progress_name(table);
    let position = progress(store, &name, leader).await?;
    if let Some(position) = position {
        bar.inc(store.count(table, Some(position)).await?);
    }
    let mut pages = std::pin::pin!(store.pages(table, position, batch_size));
    let mut rewritten = 0;
    loop {
        if batches.left == Some(0) {
            return Ok((rewritten, false));
        }
        let Some(rows) = pages.try_next().await? else {
            return Ok((rewritten, true));
        };
        let Some(last) = rows.last() else {
            return Ok((rewritten, true));
        };
        let mut updates = Vec::new();
        for row in &rows {
            let new_mapper = new.get(&row.application_name).ok_or_else(|| {
                CliError::Refused(format!(
                    "{} appeared during the re-keying: run rekey again",
                    describe(table, row)
                ))
            })?;
            // Read by the new settings already: left as it is.
            let done = new_mapper
                .plain_state(&row.state)
                .is_ok_and(|json| serde_json::from_slice::<serde::de::IgnoredAny>(&json).is_ok());
            if done {
                continue;
            }
            let old = store.mapper(&row.application_name)?;
            let json = old
                .plain_state(&row.state)
                .map_err(|e| {
                    CliError::BadRow(format!(
                        "{}: cannot be read with the current settings: {e}",
                        describe(table, row)
                    ))
                })?
                .into_owned();
            let state = new_mapper.seal_state(json).map_err(|e| {
                CliError::BadRow(format!("{}: cannot be encoded: {e}", describe(table, row)))
            })?;
            updates.push((row.id, state));
        }
        let txn = store
            .conn()
            .begin()
            .await
            .map_err(|e| CliError::Database(format!("beginning a transaction: {e}")))?;
        let id = store.q(match table {
            Table::Events => "id",
            Table::Snapshots => "uid",
        });
        for (row_id, state) in &updates {
            let sql = format!(
                "UPDATE {} SET {} = {} WHERE {id} = {}",
                store.table_name(table),
                store.q("state"),
                store.p(1),
                store.p(2)
            );
            let values: Vec<Value> = vec![state.clone().into(), (*row_id as i64).into()];
            store
                .execute(&txn, &format!("rewriting {}", table.name()), sql, values)
                .await?;
        }
        let sql = format!(
            "INSERT INTO {} ({}, {}, {}) VALUES ({}, {}, {})",
            store.tracking_table(),
            store.q("application_name"),
            store.q("upstream_application_name"),
            store.q("notification_id"),
            store.p(1),
            store.p(2),
            store.p(3),
        );
        let values = vec![name.as_str().into(), leader.into(), (last.id as i64).into()];
        store
            .execute(&txn, "recording rekey's progress", sql, values)
            .await?;
        txn.commit()
            .await
            .map_err(|e| CliError::Database(format!("committing a batch: {e}")))?;
        rewritten += updates.len() as u64;
        bar.inc(rows.len() as u64);
        if let Some(left) = &mut batches.left {
            *left -= 1;
        }
    }
}

/// The last id an earlier, interrupted run rewrote.
async fn progress(store: &Store, name: &str, leader: &str) -> Result<Option<u64>, CliError> {
    let sql = format!(
        "SELECT MAX({}) FROM {} WHERE {} = {} AND {} = {}",
        store.q("notification_id"),
        store.tracking_table(),
        store.q("application_name"),
        store.p(1),
        store.q("upstream_application_name"),
        store.p(2),
    );
    store
        .scalar("rekey's progress", sql, vec![name.into(), leader.into()])
        .await
}
