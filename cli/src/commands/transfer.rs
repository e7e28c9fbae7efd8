//! `export` and `import`: the store (or one application) as JSON lines, and back into another
//! store, with its own settings and backend.
//!
//! The lines, in this order: one header (`{"kind":"header","format":"eventsourcing-seaorm
//! export","version":1}`), every event in notification order (`"kind":"event"`), every
//! snapshot (`"kind":"snapshot"`), every tracking row (`"kind":"tracking"`). An event's or
//! snapshot's `state` is its decoded state exactly as the Python original's transcoder wrote
//! it (decrypted and decompressed: UUIDs, Decimals and datetimes as `{"_type_","_data_"}`
//! objects), so that an import writes the same JSON, then compresses and encrypts it with the
//! target's settings. Notification ids and snapshot uids are kept, so the log's order and the
//! followers' positions (their tracking rows) stay valid.

use std::io::{BufRead, Write};
use std::process::ExitCode;

use futures_util::TryStreamExt;
use sea_orm::{ConnectionTrait, DbBackend, TransactionTrait, Value};
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use uuid::Uuid;

use crate::error::CliError;
use crate::options::{ExportArgs, ImportArgs, StoreOptions};
use crate::progress;
use crate::store::{Row, Store, Table};

/// The header's `format`.
const FORMAT: &str = "eventsourcing-seaorm export";
/// The header's `version`.
const VERSION: u64 = 1;
/// Rows read per select.
const PAGE: u64 = 1000;

/// One line of an export: the fields of its kind are set, the others left out.
#[derive(Debug, Default, Serialize, Deserialize)]
struct Line<'a> {
    /// `header`, `event`, `snapshot` or `tracking`.
    kind: &'a str,
    /// Header: [`FORMAT`].
    #[serde(skip_serializing_if = "Option::is_none")]
    format: Option<String>,
    /// Header: [`VERSION`].
    #[serde(skip_serializing_if = "Option::is_none")]
    version: Option<u64>,
    /// Event and tracking: the notification id.
    #[serde(skip_serializing_if = "Option::is_none")]
    notification_id: Option<u64>,
    /// Snapshot: its uid.
    #[serde(skip_serializing_if = "Option::is_none")]
    uid: Option<u64>,
    /// Event, snapshot: the application; tracking: the follower.
    #[serde(skip_serializing_if = "Option::is_none")]
    application_name: Option<String>,
    /// Tracking: the leader.
    #[serde(skip_serializing_if = "Option::is_none")]
    upstream_application_name: Option<String>,
    /// Event, snapshot: the aggregate.
    #[serde(skip_serializing_if = "Option::is_none")]
    originator_id: Option<Uuid>,
    /// Event, snapshot: its version.
    #[serde(skip_serializing_if = "Option::is_none")]
    originator_version: Option<u64>,
    /// Event, snapshot: the topic.
    #[serde(skip_serializing_if = "Option::is_none")]
    topic: Option<String>,
    /// Event, snapshot: the state's JSON as the transcoder wrote it.
    #[serde(borrow, skip_serializing_if = "Option::is_none")]
    state: Option<&'a RawValue>,
}

impl<'a> Line<'a> {
    /// The fields of an event or a snapshot, or why the line lacks one.
    fn record(&self) -> Result<(u64, &str, Uuid, u64, &str, &'a RawValue), String> {
        let missing = |field: &str| format!("a {} line without {field}", self.kind);
        let id = match self.kind {
            "event" => self
                .notification_id
                .ok_or_else(|| missing("notification_id"))?,
            _ => self.uid.ok_or_else(|| missing("uid"))?,
        };
        Ok((
            id,
            self.application_name
                .as_deref()
                .ok_or_else(|| missing("application_name"))?,
            self.originator_id.ok_or_else(|| missing("originator_id"))?,
            self.originator_version
                .ok_or_else(|| missing("originator_version"))?,
            self.topic.as_deref().ok_or_else(|| missing("topic"))?,
            self.state.ok_or_else(|| missing("state"))?,
        ))
    }
}

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

/// A row named for an error message.
pub fn describe(table: Table, row: &Row) -> String {
    format!(
        "{} row {} ({} {} v{} {})",
        table.name(),
        row.id,
        row.application_name,
        row.originator_id,
        row.originator_version,
        row.topic
    )
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
                .is_ok_and(|name| !name.starts_with(super::rekey::PROGRESS_PREFIX))
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

/// Reads an export into the store the settings name.
pub async fn import(options: &StoreOptions, args: &ImportArgs) -> Result<ExitCode, CliError> {
    // The tables are created first; the store is then opened again, so that what it finds
    // out about them (how MariaDB stores UUIDs) is of the tables as they are.
    let store = Store::open(options).await?;
    store
        .store
        .create_tables()
        .await
        .map_err(|e| CliError::Database(e.to_string()))?;
    store.close().await;
    let store = Store::open(options).await?;
    let source: Box<dyn std::io::Read> = match &args.input {
        Some(path) => Box::new(
            std::fs::File::open(path)
                .map_err(|e| CliError::io(&format!("opening {}", path.display()), e))?,
        ),
        None => Box::new(std::io::stdin().lock()),
    };
    let result = Importer::new(&store, args.batch_size.max(1))
        .run(std::io::BufReader::with_capacity(1 << 16, source))
        .await;
    store.close().await;
    let (events, snapshots, trackings) = result?;
    eprintln!("imported {events} event(s), {snapshots} snapshot(s), {trackings} tracking row(s)");
    Ok(ExitCode::SUCCESS)
}

/// A row to insert: its table, its values in the table's column order.
struct Pending {
    table: Table,
    values: Vec<Value>,
}

struct Importer<'s> {
    store: &'s Store,
    batch_size: usize,
    pending: Vec<Pending>,
    trackings: Vec<(String, String, u64)>,
    counts: (u64, u64, u64),
}

impl<'s> Importer<'s> {
    fn new(store: &'s Store, batch_size: usize) -> Self {
        Self {
            store,
            batch_size,
            pending: Vec::new(),
            trackings: Vec::new(),
            counts: (0, 0, 0),
        }
    }

    async fn run(mut self, input: impl BufRead) -> Result<(u64, u64, u64), CliError> {
        let bar = progress::bar("importing", None);
        let mut header = false;
        for (index, text) in input.lines().enumerate() {
            let number = index as u64 + 1;
            let text = text.map_err(|e| CliError::io("reading the input", e))?;
            if text.trim().is_empty() {
                continue;
            }
            let bad = |reason: String| CliError::Input {
                line: number,
                reason,
            };
            let line: Line<'_> = serde_json::from_str(&text).map_err(|e| bad(e.to_string()))?;
            match line.kind {
                "header" => {
                    let format = line.format.unwrap_or_default();
                    let version = line.version.unwrap_or(0);
                    if format != FORMAT || version != VERSION {
                        return Err(bad(format!(
                            "an export of {format:?} version {version}; this reads {FORMAT:?} version {VERSION}"
                        )));
                    }
                    header = true;
                }
                _ if !header => {
                    return Err(bad("the first line is not an export's header".into()));
                }
                kind @ ("event" | "snapshot") => {
                    let table = if kind == "event" {
                        self.counts.0 += 1;
                        Table::Events
                    } else {
                        self.counts.1 += 1;
                        Table::Snapshots
                    };
                    let record = line.record().map_err(bad)?;
                    self.add(table, record, number)?;
                }
                "tracking" => {
                    let (Some(follower), Some(leader), Some(id)) = (
                        line.application_name,
                        line.upstream_application_name,
                        line.notification_id,
                    ) else {
                        return Err(bad("a tracking line without application_name, upstream_application_name or notification_id".into()));
                    };
                    self.trackings.push((follower, leader, id));
                    self.counts.2 += 1;
                }
                other => return Err(bad(format!("unknown kind {other:?}"))),
            }
            if self.pending.len() >= self.batch_size {
                self.flush().await?;
            }
            bar.inc(1);
        }
        if !header {
            return Err(CliError::Input {
                line: 1,
                reason: "empty input: no export's header".into(),
            });
        }
        self.flush().await?;
        self.finish().await?;
        bar.finish_and_clear();
        Ok(self.counts)
    }

    /// Encodes a record with its application's settings in the target store.
    fn add(
        &mut self,
        table: Table,
        (id, application_name, originator_id, originator_version, topic, state): (
            u64,
            &str,
            Uuid,
            u64,
            &str,
            &RawValue,
        ),
        line: u64,
    ) -> Result<(), CliError> {
        let mapper = self.store.mapper(application_name)?;
        let json = state.get().as_bytes().to_vec();
        let state = mapper.seal_state(json).map_err(|e| CliError::Input {
            line,
            reason: format!("cannot encode the state: {e}"),
        })?;
        self.pending.push(Pending {
            table,
            values: vec![
                (id as i64).into(),
                application_name.into(),
                self.store.uuid_value(originator_id),
                (originator_version as i64).into(),
                topic.into(),
                state.into(),
            ],
        });
        Ok(())
    }

    /// Inserts the pending rows in one transaction, a statement per table.
    async fn flush(&mut self) -> Result<(), CliError> {
        if self.pending.is_empty() {
            return Ok(());
        }
        let store = self.store;
        let txn = store
            .conn()
            .begin()
            .await
            .map_err(|e| CliError::Database(format!("beginning a transaction: {e}")))?;
        for table in [Table::Events, Table::Snapshots] {
            let values: Vec<Value> = self
                .pending
                .iter_mut()
                .filter(|p| p.table == table)
                .flat_map(|p| std::mem::take(&mut p.values))
                .collect();
            if values.is_empty() {
                continue;
            }
            let rows = values.len() / 6;
            let mut n = 0;
            let tuples: Vec<String> = (0..rows)
                .map(|_| {
                    let ps: Vec<String> = (0..6)
                        .map(|_| {
                            n += 1;
                            store.p(n)
                        })
                        .collect();
                    format!("({})", ps.join(", "))
                })
                .collect();
            let id = match table {
                Table::Events => "id",
                Table::Snapshots => "uid",
            };
            let sql = format!(
                "INSERT INTO {} ({}, {}, {}, {}, {}, {}) VALUES {}",
                store.table_name(table),
                store.q(id),
                store.q("application_name"),
                store.q("originator_id"),
                store.q("originator_version"),
                store.q("topic"),
                store.q("state"),
                tuples.join(", ")
            );
            store
                .execute(
                    &txn,
                    &format!("importing into {}", table.name()),
                    sql,
                    values,
                )
                .await?;
        }
        txn.commit()
            .await
            .map_err(|e| CliError::Database(format!("committing an import: {e}")))?;
        self.pending.clear();
        Ok(())
    }

    /// The tracking rows, then (PostgreSQL) the id sequences moved past the imported ids.
    async fn finish(&mut self) -> Result<(), CliError> {
        let store = self.store;
        for chunk in self.trackings.chunks(1000) {
            let mut values = Vec::with_capacity(chunk.len() * 3);
            let mut tuples = Vec::with_capacity(chunk.len());
            for (follower, leader, id) in chunk {
                values.push(follower.as_str().into());
                values.push(leader.as_str().into());
                values.push((*id as i64).into());
                let n = values.len();
                tuples.push(format!(
                    "({}, {}, {})",
                    store.p(n - 2),
                    store.p(n - 1),
                    store.p(n)
                ));
            }
            let sql = format!(
                "INSERT INTO {} ({}, {}, {}) VALUES {}",
                store.tracking_table(),
                store.q("application_name"),
                store.q("upstream_application_name"),
                store.q("notification_id"),
                tuples.join(", ")
            );
            store
                .execute(store.conn(), "importing tracking rows", sql, values)
                .await?;
        }
        if store.conn().get_database_backend() == DbBackend::Postgres {
            for (table, name, id) in [
                (Table::Events, &store.tables().stored_events, "id"),
                (Table::Snapshots, &store.tables().snapshots, "uid"),
            ] {
                // The identity column's sequence, past the highest id (explicit ids do not
                // move it): the next save gets the next id.
                let sql = format!(
                    "SELECT setval(pg_get_serial_sequence({}, {}), GREATEST((SELECT MAX({}) FROM {}), 1))",
                    store.p(1),
                    store.p(2),
                    store.q(id),
                    store.table_name(table),
                );
                store
                    .conn()
                    .query_one_raw(store.statement(sql, vec![store.q(name).into(), id.into()]))
                    .await
                    .map_err(|e| {
                        CliError::Database(format!("moving {}'s id sequence: {e}", table.name()))
                    })?;
            }
        }
        Ok(())
    }
}
