//! The read model of the projection tests: a table of one row per `SomethingHappened`, (world
//! id, what), under a name each test chooses, written with SeaORM's query builder so that one
//! statement serves every backend.

use sea_orm::sea_query::{Alias, ColumnDef, Expr, ExprTrait, Query, Table};
use sea_orm::{ConnectionTrait, DbErr};
use uuid::Uuid;

/// Creates the table `table` when it does not exist.
pub async fn create_table(conn: &impl ConnectionTrait, table: &str) -> Result<(), DbErr> {
    let create = Table::create()
        .table(Alias::new(table))
        .if_not_exists()
        .col(
            ColumnDef::new(Alias::new("world_id"))
                .string_len(36)
                .not_null(),
        )
        .col(
            ColumnDef::new(Alias::new("what"))
                .string_len(200)
                .not_null(),
        )
        .to_owned();
    conn.execute(&create).await.map(|_| ())
}

/// Writes the row of one thing that happened in a world.
pub async fn insert(
    conn: &impl ConnectionTrait,
    table: &str,
    world_id: Uuid,
    what: &str,
) -> Result<(), DbErr> {
    let insert = Query::insert()
        .into_table(Alias::new(table))
        .columns([Alias::new("world_id"), Alias::new("what")])
        .values([world_id.to_string().into(), what.into()])
        .map_err(|e| DbErr::Custom(e.to_string()))?
        .to_owned();
    conn.execute(&insert).await.map(|_| ())
}

/// How many rows the table has (of `what`, when given).
pub async fn count(conn: &impl ConnectionTrait, table: &str, what: Option<&str>) -> i64 {
    let mut select = Query::select()
        .expr(Expr::cust("COUNT(*)"))
        .from(Alias::new(table))
        .to_owned();
    if let Some(what) = what {
        select.and_where(Expr::col(Alias::new("what")).eq(Expr::val(what)));
    }
    let row = conn
        .query_one(&select)
        .await
        .expect("the count of the read model's rows")
        .expect("one row");
    row.try_get_by_index::<i64>(0).expect("a count")
}
