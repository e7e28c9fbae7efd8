//! The raw driver's writes: a save's transaction, and a process application's, which also
//! records its tracking rows.

use eventsourcing_seaorm::sea_orm::DbBackend;
use eventsourcing_seaorm::sea_orm::sqlx::{self, AssertSqlSafe, Connection, Row};

use super::{RawConnection, RawDb, RawEvent, RawTracking, UuidArg, bind_uuid};
use crate::BenchError;
use crate::error::sqlx_at;

impl RawDb {
    /// Records the rows for application `app` in one transaction, as a save does, and returns
    /// their ids. With `lock` false the lock statement is left out (to show what the lock
    /// costs; the recorder always takes it).
    pub async fn append(
        &mut self,
        app: &str,
        events: &[RawEvent<'_>],
        lock: bool,
    ) -> Result<Vec<i64>, BenchError> {
        self.write(app, events, None, lock).await
    }

    /// Records the rows for process application `app` and its tracking rows in one
    /// transaction, as a save with tracking does (`BEGIN`, the lock, the events' `INSERT`, the
    /// tracking rows' `INSERT`, `COMMIT`), and returns the rows' ids.
    pub async fn append_tracked(
        &mut self,
        app: &str,
        events: &[RawEvent<'_>],
        tracking: RawTracking<'_>,
    ) -> Result<Vec<i64>, BenchError> {
        self.write(app, events, Some(tracking), true).await
    }

    async fn write(
        &mut self,
        app: &str,
        events: &[RawEvent<'_>],
        tracking: Option<RawTracking<'_>>,
        lock: bool,
    ) -> Result<Vec<i64>, BenchError> {
        let sql = self.sql.clone();
        let insert = self
            .inserts
            .entry(events.len())
            .or_insert_with(|| sql.insert(events.len()))
            .clone();
        let insert_tracking = tracking.map(|tracking| {
            let rows = tracking.notification_ids.len();
            let text = self
                .tracking_inserts
                .entry(rows)
                .or_insert_with(|| sql.insert_tracking(rows))
                .clone();
            (text, tracking)
        });
        let lock_sql = if lock { sql.lock.clone() } else { None };
        let uuids: Vec<UuidArg> = events.iter().map(|e| self.uuid(e.originator_id)).collect();
        let returning = sql.dialect.returning;
        // The same steps on each database; only the `BEGIN` differs.
        macro_rules! transaction {
            ($tx:ident, $last_insert_id:expr) => {{
                if let Some(lock_sql) = lock_sql {
                    let mut query = sqlx::query(AssertSqlSafe(lock_sql));
                    if sql.dialect.backend == DbBackend::MySql {
                        query = query.bind(app);
                    }
                    query.execute(&mut *$tx).await.map_err(sqlx_at("locking"))?;
                }
                let mut query = sqlx::query(AssertSqlSafe(insert));
                for (event, uuid) in events.iter().zip(uuids) {
                    query = query.bind(app);
                    query = bind_uuid!(query, uuid);
                    query = query
                        .bind(event.version)
                        .bind(event.topic)
                        .bind(event.state);
                }
                let ids = if returning {
                    let rows = query
                        .fetch_all(&mut *$tx)
                        .await
                        .map_err(sqlx_at("inserting"))?;
                    rows.iter()
                        .map(|row| row.try_get::<i64, _>(0))
                        .collect::<Result<Vec<i64>, _>>()
                        .map_err(sqlx_at("reading returned ids"))?
                } else {
                    let result = query
                        .execute(&mut *$tx)
                        .await
                        .map_err(sqlx_at("inserting"))?;
                    let first = $last_insert_id(&result);
                    (first..first + events.len() as i64).collect()
                };
                if let Some((insert_tracking, tracking)) = insert_tracking {
                    let mut query = sqlx::query(AssertSqlSafe(insert_tracking));
                    for &id in tracking.notification_ids {
                        query = query.bind(app).bind(tracking.upstream).bind(id);
                    }
                    query
                        .execute(&mut *$tx)
                        .await
                        .map_err(sqlx_at("inserting tracking"))?;
                }
                $tx.commit().await.map_err(sqlx_at("committing"))?;
                Ok(ids)
            }};
        }
        match &mut self.conn {
            RawConnection::Sqlite(c) => {
                let mut tx = c
                    .begin_with("BEGIN IMMEDIATE")
                    .await
                    .map_err(sqlx_at("beginning"))?;
                transaction!(tx, |_: &sqlx::sqlite::SqliteQueryResult| 0_i64)
            }
            RawConnection::Postgres(c) => {
                let mut tx = c.begin().await.map_err(sqlx_at("beginning"))?;
                transaction!(tx, |_: &sqlx::postgres::PgQueryResult| 0_i64)
            }
            RawConnection::MySql(c) => {
                let mut tx = c.begin().await.map_err(sqlx_at("beginning"))?;
                transaction!(tx, |r: &sqlx::mysql::MySqlQueryResult| {
                    i64::try_from(r.last_insert_id()).unwrap_or(i64::MAX)
                })
            }
        }
    }
}
