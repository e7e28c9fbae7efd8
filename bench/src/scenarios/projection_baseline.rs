//! What the projection's throughput row is compared with: the raw driver doing a projection
//! runner's statements, batch by batch, over the whole upstream log; and, for the row's note,
//! the same statements with the writes sent through SeaORM's `DatabaseTransaction` (what any
//! projection whose handler writes with SeaORM pays before the runner does anything of its
//! own).

use std::sync::Arc;
use std::time::Instant;

use eventsourcing_seaorm::sea_orm::sea_query::{Alias, Expr, ExprTrait, Query};
use eventsourcing_seaorm::sea_orm::{ConnectionTrait, TransactionTrait, Value};

use super::projection_view::{BATCH_SIZE, clear_view, settle};
use crate::BenchError;
use crate::by_hand::event_what;
use crate::measure::Sample;
use crate::raw::{RawDb, RawTracking, RawViewRow};
use crate::target::Database;

/// How a baseline pass sends its writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Writes {
    /// On the raw connection.
    Raw,
    /// In a transaction of SeaORM's on the library's pool (`execute_raw` of the same text).
    SeaOrm,
}

/// A baseline: its name in the tracking table, its read model, the upsert's text, and how it
/// writes.
#[derive(Debug, Clone)]
pub(super) struct Baseline {
    /// The `application_name` of its tracking rows.
    pub name: &'static str,
    /// Its read-model table.
    pub table: String,
    /// The upsert's text for its table (parameters: world id, what, version).
    pub upsert: Arc<str>,
    /// How it writes.
    pub writes: Writes,
}

/// One pass over the log of `upstream` (up to its last notification `last`), from an empty
/// read model and no tracking: per batch, the select of the next [`BATCH_SIZE`] notifications
/// on the raw connection, each state decoded with serde_json, `BEGIN`, the upsert once per
/// event, the tracking rows' `INSERT`, `COMMIT`.
pub(super) async fn pass(
    db: &Database,
    raw: &mut RawDb,
    baseline: &Baseline,
    upstream: &str,
    last: u64,
) -> Result<Sample, BenchError> {
    clear_view(&db.conn, &baseline.table).await?;
    let tracking = Alias::new(db.store.tables().notification_tracking.as_str());
    db.conn
        .execute(
            &Query::delete()
                .from_table(tracking)
                .and_where(Expr::col(Alias::new("application_name")).eq(baseline.name))
                .to_owned(),
        )
        .await?;
    settle(db).await?;
    let last = last as i64;
    let start = Instant::now();
    let mut position = None;
    let mut events = 0;
    while position < Some(last) {
        let notifications = raw
            .select_unprocessed(upstream, position, None, BATCH_SIZE as i64)
            .await?;
        let Some(newest) = notifications.last().map(|n| n.id) else {
            return Err(BenchError::Check(format!(
                "the raw side found nothing after {position:?} (the log ends at {last})"
            )));
        };
        let rows = notifications
            .iter()
            .map(|n| {
                Ok(RawViewRow {
                    world_id: n.originator_id.to_string(),
                    what: event_what(&n.row.state)?.unwrap_or_default(),
                    version: n.row.version,
                })
            })
            .collect::<Result<Vec<_>, BenchError>>()?;
        let ids: Vec<i64> = notifications.iter().map(|n| n.id).collect();
        let tracking = RawTracking {
            upstream,
            notification_ids: &ids,
        };
        match baseline.writes {
            Writes::Raw => {
                raw.upsert_tracked(&baseline.upsert, &rows, baseline.name, tracking)
                    .await?
            }
            Writes::SeaOrm => write_through_seaorm(db, baseline, &rows, tracking).await?,
        }
        events += rows.len() as u64;
        position = Some(newest);
    }
    Ok(Sample {
        steps: events.div_ceil(BATCH_SIZE),
        events,
        elapsed: start.elapsed(),
    })
}

/// One batch's transaction through SeaORM: `begin` on the library's pool, `execute_raw` of the
/// upsert per row and of the tracking rows' `INSERT`, `commit`.
async fn write_through_seaorm(
    db: &Database,
    baseline: &Baseline,
    rows: &[RawViewRow],
    tracking: RawTracking<'_>,
) -> Result<(), BenchError> {
    let dialect = db.sql.dialect();
    let transaction = db.conn.begin().await?;
    for row in rows {
        let values = vec![
            Value::from(row.world_id.as_str()),
            Value::from(row.what.as_str()),
            Value::from(row.version),
        ];
        transaction
            .execute_raw(dialect.statement(baseline.upsert.to_string(), values))
            .await?;
    }
    let ids = tracking.notification_ids;
    let mut values = Vec::with_capacity(ids.len() * 3);
    for &id in ids {
        values.extend([
            Value::from(baseline.name),
            Value::from(tracking.upstream),
            Value::from(id),
        ]);
    }
    let insert_tracking = db.sql.insert_tracking(ids.len()).to_string();
    transaction
        .execute_raw(dialect.statement(insert_tracking, values))
        .await?;
    transaction.commit().await?;
    Ok(())
}
