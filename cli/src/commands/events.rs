//! `events`: decoded events of one aggregate, or of a range of the notification log.

use std::io::Write;
use std::process::ExitCode;

use crate::error::CliError;
use crate::options::{EventsArgs, Format};
use crate::output::{decode, write_event};
use crate::store::{Selection, Store, Table};

/// Rows read per select.
const PAGE: u64 = 500;

/// Prints the events; exit status 1 when one could not be decoded (it is printed with the
/// error, and the others still are).
pub async fn run(store: &Store, args: &EventsArgs, format: Format) -> Result<ExitCode, CliError> {
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    let mut bad = 0;
    let mut print = |row: &crate::store::Row| -> Result<(), CliError> {
        let state = decode(store, row);
        bad += usize::from(state.is_err());
        write_event(&mut out, format, row, &state)
    };
    if let Some(id) = args.id {
        let rows = store
            .aggregate_events(id, args.from_version, args.to_version)
            .await?;
        let limit = args.limit.map_or(usize::MAX, |l| l as usize);
        for row in rows.iter().take(limit) {
            print(row)?;
        }
    } else {
        let mut selection = Selection {
            after: args.from.map(|from| from.saturating_sub(1)),
            to: args.to,
            application: store.application(),
            topics: &args.topic,
        };
        let mut left = args.limit.unwrap_or(u64::MAX);
        while left > 0 {
            let want = PAGE.min(left);
            let rows = store.rows(Table::Events, &selection, want).await?;
            for row in &rows {
                print(row)?;
            }
            left -= rows.len() as u64;
            match rows.last() {
                Some(last) if rows.len() as u64 == want => selection.after = Some(last.id),
                _ => break,
            }
        }
    }
    out.flush()
        .map_err(|e| CliError::io("writing the output", e))?;
    if bad > 0 {
        eprintln!("{bad} event(s) could not be decoded");
    }
    Ok(super::status(bad))
}
