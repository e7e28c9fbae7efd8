//! The read model of issue 24's rows, shared by the throughput rows (`projection.rs`), their
//! raw side (`projection_baseline.rs`) and the lag rows (`projection_lag.rs`): the projection
//! [`WorldsView`] upserting one row per world, its upsert statement, and making, counting,
//! emptying the read-model table.

use std::sync::Arc;

use eventsourcing_seaorm::sea_orm::sea_query::{
    Alias, ColumnDef, Expr, InsertStatement, OnConflict, Query, Table,
};
use eventsourcing_seaorm::sea_orm::{ConnectionTrait, DatabaseTransaction};
use eventsourcing_seaorm::system::{BoxError, Projection, UpstreamEvent};
use eventsourcing_seaorm_tests::world::WorldEvent;

use crate::BenchError;
use crate::args::Backend;
use crate::target::Database;

/// Events per transaction (the runner's default), and notifications per select.
pub(super) const BATCH_SIZE: u64 = 100;

/// The projection: one read-model row per world, upserted from each of its events.
#[derive(Debug, Clone)]
pub(super) struct WorldsView {
    table: Arc<str>,
}

impl WorldsView {
    /// The projection into `table` (made with [`create_view`]).
    pub(super) fn new(table: &str) -> Self {
        Self {
            table: Arc::from(table),
        }
    }
}

impl Projection for WorldsView {
    const NAME: &'static str = "BenchProjection";
    type Error = BenchError;

    async fn process(
        &self,
        event: &UpstreamEvent,
        transaction: &DatabaseTransaction,
    ) -> Result<(), BenchError> {
        let Some(event) = event.decode::<WorldEvent>()? else {
            return Ok(());
        };
        let what = match event.payload {
            WorldEvent::SomethingHappened { what } => what,
            _ => String::new(),
        };
        let version = i64::try_from(event.originator_version)
            .map_err(|_| BenchError::Check("a version beyond i64".into()))?;
        let upsert = upsert(&self.table, event.originator_id.to_string(), what, version)?;
        transaction.execute(&upsert).await?;
        Ok(())
    }

    async fn clear(&self, transaction: &DatabaseTransaction) -> Result<(), BoxError> {
        clear_view(transaction, &self.table).await?;
        Ok(())
    }
}

/// The read model's upsert of one world's row: the statement both sides send (the raw driver
/// sends its text, built by the same builder).
pub(super) fn upsert(
    table: &str,
    world_id: String,
    what: String,
    version: i64,
) -> Result<InsertStatement, BenchError> {
    Ok(Query::insert()
        .into_table(Alias::new(table))
        .columns([
            Alias::new("world_id"),
            Alias::new("what"),
            Alias::new("version"),
        ])
        .values([world_id.into(), what.into(), version.into()])
        .map_err(|e| BenchError::Check(format!("building the upsert: {e}")))?
        .on_conflict(
            OnConflict::column(Alias::new("world_id"))
                .update_columns([Alias::new("what"), Alias::new("version")])
                .to_owned(),
        )
        .to_owned())
}

/// Makes the read-model table `table` anew: (world id, what, version), one row per world.
pub(super) async fn create_view(db: &Database, table: &str) -> Result<(), BenchError> {
    let drop = Table::drop()
        .table(Alias::new(table))
        .if_exists()
        .to_owned();
    db.conn.execute(&drop).await?;
    let create = Table::create()
        .table(Alias::new(table))
        .col(
            ColumnDef::new(Alias::new("world_id"))
                .string_len(36)
                .not_null()
                .primary_key(),
        )
        .col(ColumnDef::new(Alias::new("what")).text().not_null())
        .col(
            ColumnDef::new(Alias::new("version"))
                .big_integer()
                .not_null(),
        )
        .to_owned();
    db.conn.execute(&create).await?;
    Ok(())
}

/// How many rows the read model `table` has.
pub(super) async fn view_rows(db: &Database, table: &str) -> Result<i64, BenchError> {
    let select = Query::select()
        .expr(Expr::cust("COUNT(*)"))
        .from(Alias::new(table))
        .to_owned();
    let row = db
        .conn
        .query_one(&select)
        .await?
        .ok_or_else(|| BenchError::Check(format!("no count of {table}")))?;
    Ok(row.try_get_by_index::<i64>(0)?)
}

/// Empties the read model `table` (on `conn`: the pool, or a runner's reset transaction).
pub(super) async fn clear_view(conn: &impl ConnectionTrait, table: &str) -> Result<(), BenchError> {
    conn.execute(&Query::delete().from_table(Alias::new(table)).to_owned())
        .await?;
    Ok(())
}

/// After a read model is emptied, before a timed pass: on SQLite, writes the write-ahead log
/// back into the database file, so that the checkpoint of the rows just deleted falls on
/// neither side's commits (each pass starts from the same file).
pub(super) async fn settle(db: &Database) -> Result<(), BenchError> {
    if db.target.backend == Backend::Sqlite {
        db.conn
            .execute_unprepared("PRAGMA wal_checkpoint(TRUNCATE)")
            .await?;
    }
    Ok(())
}
