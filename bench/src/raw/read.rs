//! The raw driver's reads: an aggregate's events, its newest snapshot, sections of the
//! notification log, and a follower's position and its next notifications.

use std::sync::Arc;

use eventsourcing_seaorm::sea_orm::sqlx::{self, AssertSqlSafe, Row};
use eventsourcing_seaorm::seaorm::dialect::UuidColumn;
use uuid::Uuid;

use super::{RawDb, RawNotification, RawRow, bind_uuid, on_conn};
use crate::BenchError;
use crate::error::sqlx_at;

impl RawDb {
    /// The events of one aggregate, after `after` when given, in version order.
    pub async fn select_events(
        &mut self,
        app: &str,
        originator_id: Uuid,
        after: Option<i64>,
    ) -> Result<Vec<RawRow>, BenchError> {
        let uuid = self.uuid(originator_id);
        let sql = match after {
            Some(_) => self.sql.select_events_after.clone(),
            None => self.sql.select_events.clone(),
        };
        on_conn!(&mut self.conn, |c| {
            let mut query = sqlx::query(AssertSqlSafe(sql)).bind(app);
            query = bind_uuid!(query, uuid);
            if let Some(after) = after {
                query = query.bind(after);
            }
            let rows = query
                .fetch_all(&mut *c)
                .await
                .map_err(sqlx_at("selecting events"))?;
            rows.iter()
                .map(|row| {
                    Ok(RawRow {
                        version: row.try_get(0)?,
                        topic: row.try_get(1)?,
                        state: row.try_get(2)?,
                    })
                })
                .collect::<Result<Vec<_>, sqlx::Error>>()
                .map_err(sqlx_at("reading events"))
        })
    }

    /// The newest snapshot of one aggregate.
    pub async fn select_snapshot(
        &mut self,
        app: &str,
        originator_id: Uuid,
    ) -> Result<Option<RawRow>, BenchError> {
        let uuid = self.uuid(originator_id);
        let sql = self.sql.select_snapshot.clone();
        on_conn!(&mut self.conn, |c| {
            let mut query = sqlx::query(AssertSqlSafe(sql)).bind(app);
            query = bind_uuid!(query, uuid);
            let row = query
                .fetch_optional(&mut *c)
                .await
                .map_err(sqlx_at("selecting a snapshot"))?;
            row.map(|row| {
                Ok(RawRow {
                    version: row.try_get(0)?,
                    topic: row.try_get(1)?,
                    state: row.try_get(2)?,
                })
            })
            .transpose()
            .map_err(sqlx_at("reading a snapshot"))
        })
    }

    /// Up to `limit` notifications of `app` from id `start`, in id order.
    pub async fn select_notifications(
        &mut self,
        app: &str,
        start: i64,
        limit: i64,
    ) -> Result<Vec<RawNotification>, BenchError> {
        let sql = self.sql.select_notifications.clone();
        self.notifications(sql, app, &[start], limit).await
    }

    /// Up to `limit` notifications of `app` after id `after` (from the first when `None`) and
    /// up to id `stop` (when given), in id order: what a follower reads of its leader's log.
    pub async fn select_unprocessed(
        &mut self,
        app: &str,
        after: Option<i64>,
        stop: Option<i64>,
        limit: i64,
    ) -> Result<Vec<RawNotification>, BenchError> {
        let sql = self
            .sql
            .select_unprocessed_sql(after.is_some(), stop.is_some());
        let bounds: Vec<i64> = after.into_iter().chain(stop).collect();
        self.notifications(sql, app, &bounds, limit).await
    }

    /// The last notification id of `upstream` that process application `app` has tracked.
    pub async fn max_tracking_id(
        &mut self,
        app: &str,
        upstream: &str,
    ) -> Result<Option<i64>, BenchError> {
        let sql = self.sql.max_tracking_id.clone();
        on_conn!(&mut self.conn, |c| {
            let row = sqlx::query(AssertSqlSafe(sql))
                .bind(app)
                .bind(upstream)
                .fetch_one(&mut *c)
                .await
                .map_err(sqlx_at("selecting the max tracking id"))?;
            row.try_get::<Option<i64>, _>(0)
                .map_err(sqlx_at("reading the max tracking id"))
        })
    }

    /// Runs a select of notifications (`sql`, without its limit where the dialect writes the
    /// limit into the text) with these parameters after the application's, and reads them.
    async fn notifications(
        &mut self,
        sql: Arc<str>,
        app: &str,
        bounds: &[i64],
        limit: i64,
    ) -> Result<Vec<RawNotification>, BenchError> {
        let in_text = self.sql.dialect.limit_in_text();
        let sql: Arc<str> = if in_text {
            format!("{sql} LIMIT {limit}").into()
        } else {
            sql
        };
        let native = self.sql.dialect.uuid == UuidColumn::Native;
        on_conn!(&mut self.conn, |c| {
            let mut query = sqlx::query(AssertSqlSafe(sql)).bind(app);
            for &bound in bounds {
                query = query.bind(bound);
            }
            if !in_text {
                query = query.bind(limit);
            }
            let rows = query
                .fetch_all(&mut *c)
                .await
                .map_err(sqlx_at("selecting notifications"))?;
            rows.iter()
                .map(|row| {
                    let originator_id = if native {
                        row.try_get::<Uuid, _>(1)?
                    } else {
                        // MariaDB's `uuid` type may come as binary text, as the recorder
                        // also allows for.
                        let text = match row.try_get::<String, _>(1) {
                            Ok(text) => text,
                            Err(_) => String::from_utf8(row.try_get::<Vec<u8>, _>(1)?)
                                .map_err(|e| sqlx::Error::Decode(Box::new(e)))?,
                        };
                        Uuid::parse_str(text.trim())
                            .map_err(|e| sqlx::Error::Decode(Box::new(e)))?
                    };
                    Ok(RawNotification {
                        id: row.try_get(0)?,
                        originator_id,
                        row: RawRow {
                            version: row.try_get(2)?,
                            topic: row.try_get(3)?,
                            state: row.try_get(4)?,
                        },
                    })
                })
                .collect::<Result<Vec<_>, sqlx::Error>>()
                .map_err(sqlx_at("reading notifications"))
        })
    }
}
