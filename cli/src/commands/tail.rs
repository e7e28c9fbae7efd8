//! `tail`: prints events as they are recorded, until interrupted (or `--count` events).
//!
//! It selects what is after the last event printed, then waits: on PostgreSQL for the
//! notification that a save sends on the tables' channel (when the writers' stores send them,
//! `SeaOrmStore::with_notifications`), and everywhere for the poll interval.

use std::io::Write;
use std::process::ExitCode;
use std::time::Duration;

use sea_orm::DbBackend;
use sea_orm::sqlx::postgres::PgListener;

use crate::error::CliError;
use crate::options::{Format, TailArgs};
use crate::output::{decode, write_event};
use crate::store::{Selection, Store, Table};

/// Rows read per select.
const PAGE: u64 = 500;

/// Follows the log.
pub async fn run(store: &Store, args: &TailArgs, format: Format) -> Result<ExitCode, CliError> {
    let after = match args.after {
        Some(after) => Some(after),
        None => store.max_id(Table::Events).await?,
    };
    let mut selection = Selection {
        after,
        to: None,
        application: store.application(),
        topics: &args.topic,
    };
    let mut listener = listener(store).await;
    let poll = Duration::from_millis(args.poll_interval_ms.max(1));
    let mut left = args.count.unwrap_or(u64::MAX);
    let interrupted = tokio::signal::ctrl_c();
    tokio::pin!(interrupted);
    loop {
        let rows = store
            .rows(Table::Events, &selection, PAGE.min(left))
            .await?;
        let mut out = std::io::stdout().lock();
        for row in &rows {
            write_event(&mut out, format, row, &decode(store, row))?;
            selection.after = Some(row.id);
        }
        out.flush()
            .map_err(|e| CliError::io("writing the output", e))?;
        drop(out);
        left -= rows.len() as u64;
        if left == 0 {
            return Ok(ExitCode::SUCCESS);
        }
        if rows.len() as u64 == PAGE {
            continue;
        }
        let woken = async {
            match &mut listener {
                Some(listener) => {
                    tokio::select! {
                        _ = listener.recv() => {}
                        _ = tokio::time::sleep(poll) => {}
                    }
                }
                None => tokio::time::sleep(poll).await,
            }
        };
        tokio::select! {
            _ = woken => {}
            _ = &mut interrupted => return Ok(ExitCode::SUCCESS),
        }
    }
}

/// On PostgreSQL, a listener on the channel that saves of these tables notify on.
async fn listener(store: &Store) -> Option<PgListener> {
    if store.conn().get_database_backend() != DbBackend::Postgres {
        return None;
    }
    let channel = store
        .store
        .clone()
        .with_notifications()
        .notification_channel()?;
    let pool = store.conn().get_postgres_connection_pool();
    let mut listener = PgListener::connect_with(pool).await.ok()?;
    listener.listen(&channel).await.ok()?;
    Some(listener)
}
