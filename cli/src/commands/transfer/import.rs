//! `import`: JSON lines written by `export` into the store the settings name, encoded with
//! its own settings, in batches of one transaction each.

use std::io::BufRead;
use std::process::ExitCode;

use sea_orm::{ConnectionTrait, DbBackend, TransactionTrait, Value};
use serde_json::value::RawValue;
use uuid::Uuid;

use super::{FORMAT, Line, VERSION};
use crate::error::CliError;
use crate::options::{ImportArgs, StoreOptions};
use crate::progress;
use crate::store::{Store, Table};

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
