//! Connections the server dropped (a restart, a failover, a proxy's idle timeout): after every
//! connection of a warm pool is terminated on the server, the next saves and reads all succeed,
//! on PostgreSQL (`pg_terminate_backend`) and MariaDB (`KILL CONNECTION`).

use std::sync::Arc;

use eventsourcing_seaorm::application::Application;
use eventsourcing_seaorm::domain::Aggregate;
use eventsourcing_seaorm::persistence::NotificationQuery;
use eventsourcing_seaorm::seaorm::{self, SeaOrmStore, Tables};
use eventsourcing_seaorm_tests::backends::{Backend, drop_tables, unique_name};
use eventsourcing_seaorm_tests::world::World;
use sea_orm::sqlx;
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, Statement};

/// The server's ids of every connection of `pool`: all taken at once, each asked with `sql`.
async fn connection_ids<DB>(pool: &sqlx::Pool<DB>, sql: &'static str) -> Vec<i64>
where
    DB: sqlx::Database,
    i64: for<'r> sqlx::Decode<'r, DB> + sqlx::Type<DB>,
    usize: sqlx::ColumnIndex<DB::Row>,
    for<'c> &'c mut DB::Connection: sqlx::Executor<'c, Database = DB>,
    DB::Arguments: sqlx::IntoArguments<DB>,
{
    use sqlx::Row;
    let mut taken = Vec::new();
    while taken.len() < pool.size() as usize {
        taken.push(pool.acquire().await.unwrap());
    }
    let mut ids = Vec::new();
    for conn in &mut taken {
        let row = sqlx::query(sql).fetch_one(&mut **conn).await.unwrap();
        ids.push(row.get::<i64, _>(0));
    }
    ids
}

/// The server's ids of every connection of `conn`'s pool.
async fn pooled_connection_ids(conn: &DatabaseConnection) -> Vec<i64> {
    match conn.get_database_backend() {
        DbBackend::Postgres => {
            let sql = "SELECT pg_backend_pid()::bigint";
            connection_ids(conn.get_postgres_connection_pool(), sql).await
        }
        _ => {
            let sql = "SELECT CAST(CONNECTION_ID() AS SIGNED)";
            connection_ids(conn.get_mysql_connection_pool(), sql).await
        }
    }
}

async fn terminated_connections_are_replaced(backend: Backend) {
    let Some(url) = backend.server_url() else {
        return;
    };
    let tables = Tables::with_prefix(&format!("stale_{}_", &unique_name()[..12]));
    let admin = seaorm::connect(&url).await.unwrap();
    let conn = seaorm::connect(&url).await.unwrap();
    let store = SeaOrmStore::with_tables(conn.clone(), tables.clone())
        .await
        .unwrap();
    let app = Arc::new(
        Application::builder("Worlds")
            .environment([("", ""); 0])
            .snapshotting(true)
            .store(store.clone())
            .build()
            .await
            .unwrap(),
    );

    // A warm pool: several connections, from concurrent saves and reads.
    let mut ids = Vec::new();
    let mut tasks = Vec::new();
    for _ in 0..6 {
        let app = app.clone();
        tasks.push(tokio::spawn(async move {
            let mut world = World::create();
            world.make_it_so("warm".into());
            app.save(&mut world).await.unwrap();
            let _: World = app.repository().get(world.id()).await.unwrap();
            world.id()
        }));
    }
    for task in tasks {
        ids.push(task.await.unwrap());
    }
    // The kept connection goes back to the pool within milliseconds.
    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    let connections = pooled_connection_ids(&conn).await;
    assert!(connections.len() >= 2, "{connections:?}");

    for id in &connections {
        let sql = match backend {
            Backend::Postgres => format!("SELECT pg_terminate_backend({id})"),
            _ => format!("KILL CONNECTION {id}"),
        };
        admin
            .execute_raw(Statement::from_string(admin.get_database_backend(), sql))
            .await
            .unwrap();
    }

    // Sequential saves and reads, right away: every one succeeds. The first is a save, which
    // meets the dead connections before any read has replaced them.
    for round in 0..20 {
        let mut created = World::create();
        created.make_it_so(format!("created {round}"));
        app.save(&mut created).await.unwrap();
        let mut world: World = app.repository().get(ids[round % ids.len()]).await.unwrap();
        world.make_it_so(format!("after {round}"));
        app.save(&mut world).await.unwrap();
        let section = app
            .recorder()
            .select_notifications(&NotificationQuery::new(None, 10))
            .await
            .unwrap();
        assert!(!section.is_empty());
        assert!(
            app.recorder()
                .max_notification_id()
                .await
                .unwrap()
                .is_some()
        );
    }

    drop_tables(&admin, &tables).await;
}

#[tokio::test]
async fn postgres_terminated_connections_are_replaced() {
    terminated_connections_are_replaced(Backend::Postgres).await;
}

#[tokio::test]
async fn mysql_terminated_connections_are_replaced() {
    terminated_connections_are_replaced(Backend::MySql).await;
}
