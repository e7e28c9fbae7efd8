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

/// A migration creating the three tables under other names (see
/// [`Tables`](eventsourcing_seaorm::seaorm::Tables)), for your own `Migrator`:
///
/// ```
/// use eventsourcing_seaorm::seaorm::Tables;
/// use eventsourcing_seaorm_migration::CreateTables;
/// use sea_orm_migration::prelude::*;
///
/// let migration = CreateTables::new("m20250101_000000_create_audit_tables", Tables::with_prefix("audit_"));
/// assert_eq!(migration.name(), "m20250101_000000_create_audit_tables");
/// ```
pub struct CreateTables {
    name: String,
    tables: eventsourcing_seaorm::seaorm::Tables,
}

impl CreateTables {
    /// A migration with this name (it must be unique in your `Migrator`) creating these tables.
    pub fn new(name: impl Into<String>, tables: eventsourcing_seaorm::seaorm::Tables) -> Self {
        Self {
            name: name.into(),
            tables,
        }
    }
}

impl MigrationName for CreateTables {
    fn name(&self) -> &str {
        &self.name
    }
}

#[async_trait::async_trait]
impl MigrationTrait for CreateTables {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use eventsourcing_seaorm::seaorm::{dialect, schema};
        let conn = manager.get_connection();
        self.tables.validate().map_err(DbErr::Migration)?;
        let dialect = dialect::detect(conn, &self.tables.stored_events).await?;
        schema::create_tables(conn, &dialect, &self.tables).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        m20210731_173100_create_eventsourcing_tables::drop_tables(manager, &self.tables).await
    }
}
