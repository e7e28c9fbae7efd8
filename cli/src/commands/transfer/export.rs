//! `export`: the store (or one application) as JSON lines, to standard output or a file.

use std::io::Write;
use std::process::ExitCode;

use futures_util::TryStreamExt;
use sea_orm::ConnectionTrait;
use serde_json::value::RawValue;

use super::{FORMAT, Line, VERSION, describe};
use crate::error::CliError;
use crate::options::ExportArgs;
use crate::progress;
use crate::store::{Row, Store, Table};

/// Rows read per select.
const PAGE: u64 = 1000;

/// Writes the export.
pub async fn export(store: &Store, args: &ExportArgs) -> Result<ExitCode, CliError> {
    let sink: Box<dyn Write> = match &args.output {
        Some(path) => Box::new(
            std::fs::File::create(path)
                .map_err(|e| CliError::io(&format!("creating {}", path.display()), e))?,
        ),
        None => Box::new(std::io::stdout().lock()),
    };
    let mut out = std::io::BufWriter::with_capacity(1 << 16, sink);
    let write = |out: &mut dyn Write, line: &Line<'_>| -> Result<(), CliError> {
        serde_json::to_writer(&mut *out, line)
            .map_err(|e| CliError::Io(format!("writing the export: {e}")))?;
        out.write_all(b"\n")
            .map_err(|e| CliError::io("writing the export", e))
    };
    write(
        &mut out,
        &Line {
            kind: "header",
            format: Some(FORMAT.into()),
            version: Some(VERSION),
            ..Line::default()
        },
    )?;
    let bar = progress::bar("exporting", Some(store.count_rows().await?));
    for table in [Table::Events, Table::Snapshots] {
        let mut pages = std::pin::pin!(store.pages(table, None, PAGE));
        while let Some(rows) = pages.try_next().await? {
            for row in &rows {
                let json = plain_json(store, table, row)?;
                let state = RawValue::from_string(json).map_err(|e| {
                    CliError::BadRow(format!(
                        "{}: the state is not JSON: {e}",
                        describe(table, row)
                    ))
                })?;
                let (kind, notification_id, uid) = match table {
                    Table::Events => ("event", Some(row.id), None),
                    Table::Snapshots => ("snapshot", None, Some(row.id)),
                };
                let line = Line {
                    kind,
                    notification_id,
                    uid,
                    application_name: Some(row.application_name.clone()),
                    originator_id: Some(row.originator_id),
                    originator_version: Some(row.originator_version),
                    topic: Some(row.topic.clone()),
                    state: Some(&state),
                    ..Line::default()
                };
                write(&mut out, &line)?;
            }
            bar.inc(rows.len() as u64);
        }
    }
    for (application_name, upstream_application_name, notification_id) in
        tracking_rows(store).await?
    {
        write(
            &mut out,
            &Line {
                kind: "tracking",
                application_name: Some(application_name),
                upstream_application_name: Some(upstream_application_name),
                notification_id: Some(notification_id),
                ..Line::default()
            },
        )?;
    }
    out.flush()
        .map_err(|e| CliError::io("writing the export", e))?;
    bar.finish_and_clear();
    Ok(ExitCode::SUCCESS)
}

/// The JSON text of a row's state: decrypted and decompressed with its application's mapper.
fn plain_json(store: &Store, table: Table, row: &Row) -> Result<String, CliError> {
    let mapper = store.mapper(&row.application_name)?;
    let bytes = mapper
        .plain_state(&row.state)
        .map_err(|e| CliError::BadRow(format!("{}: {e}", describe(table, row))))?;
    String::from_utf8(bytes.into_owned()).map_err(|e| {
        CliError::BadRow(format!(
            "{}: the state is not UTF-8: {e}",
            describe(table, row)
        ))
    })
}

/// The tracking rows (of `--app` as the follower, when given), in order.
async fn tracking_rows(store: &Store) -> Result<Vec<(String, String, u64)>, CliError> {
    let (filter, values) = store.app_filter();
    let (app, upstream, id) = (
        store.q("application_name"),
        store.q("upstream_application_name"),
        store.q("notification_id"),
    );
    let sql = format!(
        "SELECT {app}, {upstream}, {id} FROM {}{filter} ORDER BY {app}, {upstream}, {id}",
        store.tracking_table()
    );
    let rows = store
        .conn()
        .query_all_raw(store.statement(sql, values))
        .await
        .map_err(|e| CliError::Database(format!("reading the tracking table: {e}")))?;
    let read = |e: sea_orm::DbErr| CliError::Database(format!("reading the tracking table: {e}"));
    rows.iter()
        .filter(|row| {
            row.try_get_by_index::<String>(0)
                .is_ok_and(|name| !name.starts_with(crate::commands::rekey::PROGRESS_PREFIX))
        })
        .map(|row| {
            let id: i64 = row.try_get_by_index(2).map_err(read)?;
            Ok((
                row.try_get_by_index(0).map_err(read)?,
                row.try_get_by_index(1).map_err(read)?,
                u64::try_from(id).unwrap_or(0),
            ))
        })
        .collect()
}
