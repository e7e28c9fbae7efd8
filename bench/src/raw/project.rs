//! The raw driver's side of a projection: one batch of read-model rows, each upserted with its
//! own statement, and the batch's tracking rows, in one transaction.

use std::sync::Arc;

use eventsourcing_seaorm::sea_orm::sqlx::{self, AssertSqlSafe, Connection};

use super::{RawConnection, RawDb, RawTracking};
use crate::BenchError;
use crate::error::sqlx_at;

/// A read-model row: one world, the last thing that happened in it, and its version.
#[derive(Debug, Clone)]
pub struct RawViewRow {
    /// The world's id, as text.
    pub world_id: String,
    /// What happened (empty for a world just created).
    pub what: String,
    /// The world's version.
    pub version: i64,
}

impl RawDb {
    /// `BEGIN`, `upsert` (parameters: world id, what, version) once per row, the tracking rows'
    /// `INSERT` for projection `app`, `COMMIT`: what a projection runner's batch does.
    pub async fn upsert_tracked(
        &mut self,
        upsert: &Arc<str>,
        rows: &[RawViewRow],
        app: &str,
        tracking: RawTracking<'_>,
    ) -> Result<(), BenchError> {
        let ids = tracking.notification_ids;
        let sql = self.sql.clone();
        let insert_tracking = self
            .tracking_inserts
            .entry(ids.len())
            .or_insert_with(|| sql.insert_tracking(ids.len()))
            .clone();
        // The same steps on each database, in a transaction begun as SeaORM begins one.
        macro_rules! transaction {
            ($c:expr) => {{
                let mut tx = $c.begin().await.map_err(sqlx_at("beginning"))?;
                for row in rows {
                    sqlx::query(AssertSqlSafe(upsert.clone()))
                        .bind(row.world_id.as_str())
                        .bind(row.what.as_str())
                        .bind(row.version)
                        .execute(&mut *tx)
                        .await
                        .map_err(sqlx_at("upserting a read-model row"))?;
                }
                let mut query = sqlx::query(AssertSqlSafe(insert_tracking));
                for &id in ids {
                    query = query.bind(app).bind(tracking.upstream).bind(id);
                }
                query
                    .execute(&mut *tx)
                    .await
                    .map_err(sqlx_at("inserting tracking"))?;
                tx.commit().await.map_err(sqlx_at("committing"))
            }};
        }
        match &mut self.conn {
            RawConnection::Sqlite(c) => transaction!(c),
            RawConnection::Postgres(c) => transaction!(c),
            RawConnection::MySql(c) => transaction!(c),
        }
    }
}
