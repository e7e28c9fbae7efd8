//! Migrations creating the event store's tables: `stored_events`, `snapshots` and
//! `notification_tracking`, with exactly the columns, types and unique constraints that the
//! Django migration `eventsourcing_django 0001_initial` creates on SQLite, PostgreSQL and
//! MySQL/MariaDB.
//!
//! Run it with `cargo run -p eventsourcing-seaorm-migration -- up -u <DATABASE_URL>` or
//! `sea-orm-cli migrate up -d migration`, or include its migrations in your own `Migrator`:
//!
//! ```
//! use sea_orm_migration::prelude::*;
//!
//! pub struct Migrator;
//!
//! #[async_trait::async_trait]
//! impl MigratorTrait for Migrator {
//!     fn migrations() -> Vec<Box<dyn MigrationTrait>> {
//!         let mut migrations = eventsourcing_seaorm_migration::Migrator::migrations();
//!         // migrations.push(Box::new(m20250101_000000_my_read_model::Migration));
//!         migrations
//!     }
//! }
//! ```
//!
//! A database that Django already migrated is accepted as it is: tables that exist are left
//! alone. When the database has Django's `django_migrations` table, the migration also records
//! `eventsourcing_django 0001_initial` there, so that Django does not try to create the tables
//! again.

pub use sea_orm_migration::prelude::*;

mod m20210731_173100_create_eventsourcing_tables;

pub use m20210731_173100_create_eventsourcing_tables::Migration as CreateEventsourcingTables;

/// The migrator of the event store's tables.
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![Box::new(CreateEventsourcingTables)]
    }
}
