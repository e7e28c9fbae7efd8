//! `migrate up` / `migrate status`: the migration crate's migrations, on the tables the
//! settings name (`CreateTables` for other names than the default, recorded in a migrations
//! table of the same prefix).

use std::io::Write;
use std::process::ExitCode;
use std::sync::OnceLock;

use eventsourcing_seaorm::seaorm::Tables;
use eventsourcing_seaorm_migration::{CreateTables, Migrator};
use sea_orm::DatabaseConnection;
use sea_orm::sea_query::{Alias, IntoIden};
use sea_orm_migration::{MigrationStatus, MigrationTrait, MigratorTrait};
use serde_json::json;

use crate::error::CliError;
use crate::options::{Format, MigrateAction, StoreOptions};
use crate::store::connect;

/// The tables of this run, for [`Prefixed`]'s migrations (a migrator's list is a function
/// without arguments).
static TABLES: OnceLock<Tables> = OnceLock::new();

/// The migrator of tables under other names than the default.
struct Prefixed;

#[async_trait::async_trait]
impl MigratorTrait for Prefixed {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        let tables = TABLES.get().cloned().unwrap_or_default();
        let name = format!(
            "m20210731_173100_create_eventsourcing_tables_{}",
            tables.stored_events
        );
        vec![Box::new(CreateTables::new(&name, tables))]
    }

    fn migration_table_name() -> sea_orm::DynIden {
        let tables = TABLES.get().cloned().unwrap_or_default();
        Alias::new(format!("{}_seaql_migrations", tables.stored_events)).into_iden()
    }
}

/// Runs the action.
pub async fn run(
    options: &StoreOptions,
    action: MigrateAction,
    format: Format,
) -> Result<ExitCode, CliError> {
    let (conn, wanted) = connect(options).await?;
    let default = wanted == Tables::default();
    if !default {
        let _ = TABLES.set(wanted);
    }
    let result = if default {
        act::<Migrator>(&conn, action, format).await
    } else {
        act::<Prefixed>(&conn, action, format).await
    };
    let _ = conn.close().await;
    result
}

async fn act<M: MigratorTrait>(
    conn: &DatabaseConnection,
    action: MigrateAction,
    format: Format,
) -> Result<ExitCode, CliError> {
    let failed = |e: sea_orm::DbErr| CliError::Database(format!("migrating: {e}"));
    if let MigrateAction::Up = action {
        M::up(conn, None).await.map_err(failed)?;
    }
    let migrations = M::get_migration_with_status(conn).await.map_err(failed)?;
    let mut out = std::io::stdout().lock();
    let applied = |m: &sea_orm_migration::Migration| m.status() == MigrationStatus::Applied;
    let written = match format {
        Format::Json => writeln!(
            out,
            "{}",
            json!({
                "migrations": migrations.iter().map(|m| json!({
                    "name": m.name(),
                    "applied": applied(m),
                })).collect::<Vec<_>>()
            })
        ),
        Format::Text => migrations.iter().try_for_each(|m| {
            writeln!(
                out,
                "{} {}",
                if applied(m) { "applied" } else { "pending" },
                m.name()
            )
        }),
    };
    written.map_err(|e| CliError::io("writing the output", e))?;
    Ok(ExitCode::SUCCESS)
}
