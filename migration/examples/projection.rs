//! A read model kept by a projection: the seed's `Worlds`, and a `world_history` table (a
//! SeaORM entity, created by a migration of the application's own, next to the event store's
//! in one `Migrator`) that the `WorldHistory` projection writes, each event once, in the
//! transaction that records its tracking. The program saves, waits for the projection to have
//! processed its save, and queries the read model with SeaORM.
//!
//! ```sh
//! cargo run --example projection                                       # SQLite file in a new temp directory
//! cargo run --example projection -- postgres://postgres@127.0.0.1:5432/test
//! cargo run --example projection -- mysql://root@127.0.0.1:3306/test
//! ```

use std::error::Error;
use std::time::Duration;

use eventsourcing_seaorm::prelude::*;
use eventsourcing_seaorm::seaorm::{SeaOrmStore, Tables, connect};
use eventsourcing_seaorm::system::{BoxError, Projection, ProjectionRunner, Topics, UpstreamEvent};
use eventsourcing_seaorm_migration::CreateTables;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, DatabaseTransaction, EntityTrait,
    QueryFilter, QueryOrder, Set,
};
use sea_orm_migration::prelude::*;
use uuid::Uuid;

// ------------------------------------------------------------------------ the event store

#[aggregate(topic_module = "interop_domain")]
#[derive(Debug)]
struct World {
    history: Vec<String>,
}

#[aggregate]
impl World {
    #[event("Created")]
    fn create() -> Self {
        Self {
            history: Vec::new(),
        }
    }

    #[event("SomethingHappened")]
    fn make_it_so(&mut self, what: String) {
        self.history.push(what);
    }
}

// ------------------------------------------------------------------------- the read model

/// The read model: one row per thing that happened in a world.
mod world_history {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "projection_example_world_history")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub world_id: String,
        pub what: String,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// The application's own migration, as a SeaORM user writes one.
#[derive(DeriveMigrationName)]
struct CreateWorldHistory;

#[derive(DeriveIden)]
enum WorldHistory {
    #[sea_orm(iden = "projection_example_world_history")]
    Table,
    Id,
    WorldId,
    What,
}

#[async_trait::async_trait]
impl MigrationTrait for CreateWorldHistory {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(WorldHistory::Table)
                    .if_not_exists()
                    .col(
                        ColumnDef::new(WorldHistory::Id)
                            .big_integer()
                            .not_null()
                            .auto_increment()
                            .primary_key(),
                    )
                    .col(
                        ColumnDef::new(WorldHistory::WorldId)
                            .string_len(36)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(WorldHistory::What)
                            .string_len(200)
                            .not_null(),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(WorldHistory::Table).to_owned())
            .await
    }
}

/// The application's migrator: the event store's tables (under a prefix of the example's own)
/// and the read model's.
struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(CreateTables::new(
                "m20261207_000000_create_projection_example_event_store",
                tables(),
            )),
            Box::new(CreateWorldHistory),
        ]
    }

    // A table of its own, so that other programs' migrations on the database are not its.
    fn migration_table_name() -> DynIden {
        "projection_example_migrations".into_iden()
    }
}

fn tables() -> Tables {
    Tables::with_prefix("projection_example_")
}

// -------------------------------------------------------------------------- the projection

struct WorldHistoryProjection;

impl Projection for WorldHistoryProjection {
    const NAME: &'static str = "WorldHistory";
    type Error = Box<dyn Error + Send + Sync>;

    fn topics(&self) -> Topics {
        Topics::of::<WorldEvent>()
    }

    async fn process(
        &self,
        event: &UpstreamEvent,
        transaction: &DatabaseTransaction,
    ) -> Result<(), Self::Error> {
        if let Some(event) = event.decode::<WorldEvent>()?
            && let WorldEvent::SomethingHappened { what } = event.payload
        {
            world_history::ActiveModel {
                world_id: Set(event.originator_id.to_string()),
                what: Set(what),
                ..Default::default()
            }
            .insert(transaction)
            .await?;
        }
        Ok(())
    }

    /// What a rebuild starts from: no rows (the tracking rows go in the same transaction).
    async fn clear(&self, transaction: &DatabaseTransaction) -> Result<(), BoxError> {
        world_history::Entity::delete_many()
            .exec(transaction)
            .await?;
        Ok(())
    }
}

// ------------------------------------------------------------------------------------ the run

async fn run(url: &str) -> Result<(), Box<dyn Error>> {
    let conn = connect(url).await?;
    Migrator::up(&conn, None).await?;
    let store = SeaOrmStore::with_tables(conn.clone(), tables()).await?;
    let worlds = Application::builder("Worlds")
        .setting("CREATE_TABLE", "n")
        .store(store.clone())
        .build()
        .await?;
    // The read model is in the same database here; another store would put it (and the
    // projection's tracking) elsewhere.
    let projection = ProjectionRunner::new(WorldHistoryProjection, &worlds, store)?;
    projection.start().await?;

    let mut world = World::create();
    for what in ["dinosaurs", "trucks", "internet"] {
        world.make_it_so(what.into());
    }
    let recorded = worlds.save(&mut world).await?;
    let last = recorded.last().map_or(0, |r| r.notification_id);
    // Read your own write: wait until the read model has processed the save.
    projection.wait(last, Duration::from_secs(10)).await?;

    let history = history_of(&conn, world.id()).await?;
    println!("world {}: {history:?}", world.id());
    assert_eq!(history, ["dinosaurs", "trucks", "internet"]);

    // Rebuilt from the events (after a change to the projection, say): the same rows again.
    projection.rebuild(true).await?;
    assert_eq!(history_of(&conn, world.id()).await?, history);
    if let Err(error) = projection.stop().await {
        return Err(error.to_string().into());
    }
    Ok(())
}

/// What the read model says happened to a world, oldest first.
async fn history_of(conn: &DatabaseConnection, world_id: Uuid) -> Result<Vec<String>, DbErr> {
    Ok(world_history::Entity::find()
        .filter(world_history::Column::WorldId.eq(world_id.to_string()))
        .order_by_asc(world_history::Column::Id)
        .all(conn)
        .await?
        .into_iter()
        .map(|row| row.what)
        .collect())
}

fn new_temp_dir(prefix: &str) -> std::io::Result<std::path::PathBuf> {
    let dir = std::env::temp_dir().join(format!("{prefix}-{}", Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    let url = match std::env::args().nth(1) {
        Some(url) => url,
        None => {
            let dir = new_temp_dir("projection")?;
            let file = dir.join("db.sqlite3");
            println!("SQLite file: {}", file.display());
            format!("sqlite://{}", file.display())
        }
    };
    run(&url).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn projection_on_sqlite_file() {
        let dir = new_temp_dir("projection_test").unwrap();
        run(&format!("sqlite://{}", dir.join("db.sqlite3").display()))
            .await
            .unwrap();
        std::fs::remove_dir_all(dir).unwrap();
    }

    async fn run_if_set(variable: &str) {
        match std::env::var(variable) {
            Ok(url) => run(&url).await.unwrap(),
            Err(_) => println!("skipped: {variable} not set"),
        }
    }

    #[tokio::test]
    async fn projection_on_postgres() {
        run_if_set("TEST_POSTGRES_URL").await;
    }

    #[tokio::test]
    async fn projection_on_mysql() {
        run_if_set("TEST_MYSQL_URL").await;
    }
}
