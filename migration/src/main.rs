//! `cargo run -p eventsourcing-seaorm-migration -- up -u <DATABASE_URL>` (or `DATABASE_URL` in
//! the environment): the sea-orm-migration command line for the event store's tables.

use sea_orm_migration::prelude::*;

#[tokio::main]
async fn main() {
    cli::run_cli_with_connection(
        eventsourcing_seaorm_migration::Migrator,
        |mut options| async move {
            // SQLite files are created when missing, in WAL mode, as the recorders expect.
            eventsourcing_seaorm::seaorm::recommend(&mut options);
            sea_orm_migration::sea_orm::Database::connect(options).await
        },
    )
    .await;
}
