//! Saving an aggregate's events and updating your own read model in ONE database transaction,
//! opened by you: both are committed together, or neither is.
//!
//! The read model is a SeaORM entity of this program (`account_balances`: one row per account
//! with its owner, balance and version); [`Application::save_in`] writes the events into the
//! transaction, the program writes the row, and commits. When the row cannot be written, the
//! rollback takes the events back too.
//!
//! Run it with
//!
//! ```sh
//! cargo run --example read_model                                          # SQLite file in a new temp directory
//! cargo run --example read_model -- postgres://postgres@127.0.0.1:5432/test
//! cargo run --example read_model -- mysql://root@127.0.0.1:3306/test
//! ```
//!
//! What else may run while your transaction is open (tried on all three databases):
//!
//! - Reads of the application (`app.repository().get`, the notification log) use other pooled
//!   connections and see only what is committed, not your transaction's events. That works on
//!   PostgreSQL, MySQL, and on SQLite files connected with [`seaorm::connect`] or through
//!   `DATABASE_URL` (their pool has 4 connections). It does not work with a pool of ONE
//!   connection, which is what SQLite in memory gets, and what SeaORM's own
//!   `Database::connect` gives SQLite when `max_connections` is not set: the read waits for the
//!   connection your transaction holds and fails after the pool's acquire timeout (30 s). There,
//!   do everything through the transaction.
//! - Writes of the same application in their own transactions (`app.save`) wait until yours
//!   ends, because it holds the write lock (SQLite's single writer, PostgreSQL's table lock,
//!   MySQL's row lock). Called between `begin` and `commit` in the same task they wait for a
//!   transaction that cannot end (SQLite gives up after its busy timeout, MySQL after
//!   `innodb_lock_wait_timeout`, PostgreSQL waits unless `lock_timeout` is set): put every write
//!   of that unit of work in the transaction, with `save_in`.
//! - On SQLite, `begin()` opens a deferred transaction, which takes the write lock at its first
//!   write. If it read something first and another connection has committed since, that write
//!   fails at once with SQLite error 517 ("database is locked", `SQLITE_BUSY_SNAPSHOT`), without
//!   waiting on the busy timeout. A transaction that reads before it writes should start with
//!   `begin_with_options(TransactionOptions { sqlite_transaction_mode:
//!   Some(SqliteTransactionMode::Immediate), ..Default::default() })` (ignored on the other
//!   databases). The transactions below write first.

use std::error::Error;
use std::path::PathBuf;

use eventsourcing_seaorm::persistence::EventQuery;
use eventsourcing_seaorm::prelude::*;
use eventsourcing_seaorm::seaorm;
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ActiveValue::Set, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, Schema, SqlErr,
    TransactionTrait,
};
use uuid::Uuid;

/// The read model: one row per account.
mod account_balances {
    use std::sync::OnceLock;

    use sea_orm::entity::prelude::*;

    /// The table's name when not `account_balances` (the test uses a name of its own on shared
    /// database servers). Set it before the entity is first used.
    pub static TABLE_NAME: OnceLock<String> = OnceLock::new();

    // `DeriveEntityModel` without `table_name` leaves the `Entity` to us, so that its name can
    // be chosen at run time.
    #[derive(Copy, Clone, Default, Debug, DeriveEntity)]
    pub struct Entity;

    impl EntityName for Entity {
        fn table_name(&self) -> &'static str {
            TABLE_NAME.get().map_or("account_balances", String::as_str)
        }
    }

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    pub struct Model {
        /// The account's id (hyphenated UUID text, the same on every database).
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: String,
        pub owner: String,
        pub balance_cents: i64,
        /// The aggregate version the row shows.
        pub version: i64,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// Why a deposit was refused.
#[derive(Debug, thiserror::Error)]
enum AccountError {
    #[error("a deposit must be positive, not {0} cents")]
    NotPositive(i64),
}

#[aggregate]
#[derive(Debug)]
struct BankAccount {
    owner: String,
    balance_cents: i64,
}

#[aggregate]
impl BankAccount {
    #[event("Opened")]
    fn open(owner: String) -> Self {
        Self {
            owner,
            balance_cents: 0,
        }
    }

    #[event("Deposited")]
    fn deposit(&mut self, amount_cents: i64) -> Result<(), AccountError> {
        if amount_cents <= 0 {
            return Err(AccountError::NotPositive(amount_cents));
        }
        self.balance_cents += amount_cents;
        Ok(())
    }
}

/// The application, and the connection it shares with the read model.
struct Bank {
    app: Application,
    db: DatabaseConnection,
}

impl Bank {
    async fn new(database_url: &str, application_name: &str) -> Result<Self, Box<dyn Error>> {
        // One connection pool for the application and the read model: the application's
        // writes can then join transactions opened on it.
        let db = seaorm::connect(database_url).await?;
        let app = Application::builder(application_name)
            .setting("PERSISTENCE_MODULE", "eventsourcing_seaorm")
            .connection(db.clone())
            .build()
            .await?;
        let backend = db.get_database_backend();
        let mut create = Schema::new(backend).create_table_from_entity(account_balances::Entity);
        db.execute(create.if_not_exists()).await?;
        Ok(Self { app, db })
    }

    /// Records the account's pending events and its read-model row in one transaction.
    async fn save_with_balance(&self, account: &mut BankAccount) -> Result<(), Box<dyn Error>> {
        let txn = self.db.begin().await?;
        self.app.save_in(&txn, &mut *account).await?;
        match upsert_balance(&txn, account).await {
            Ok(()) => txn.commit().await?,
            Err(error) => {
                txn.rollback().await?;
                return Err(error.into());
            }
        }
        Ok(())
    }

    async fn balance_row(&self, id: Uuid) -> Result<Option<account_balances::Model>, DbErr> {
        account_balances::Entity::find_by_id(id.to_string())
            .one(&self.db)
            .await
    }
}

fn balance_row(account: &BankAccount) -> account_balances::ActiveModel {
    account_balances::ActiveModel {
        id: Set(account.id().to_string()),
        owner: Set(account.owner.clone()),
        balance_cents: Set(account.balance_cents),
        version: Set(account.version() as i64),
    }
}

/// Inserts or updates the account's row.
async fn upsert_balance(db: &impl ConnectionTrait, account: &BankAccount) -> Result<(), DbErr> {
    use account_balances::Column;
    account_balances::Entity::insert(balance_row(account))
        .on_conflict(
            OnConflict::column(Column::Id)
                .update_columns([Column::Owner, Column::BalanceCents, Column::Version])
                .to_owned(),
        )
        .exec_without_returning(db)
        .await?;
    Ok(())
}

async fn run(database_url: &str, application_name: &str) -> Result<(), Box<dyn Error>> {
    let bank = Bank::new(database_url, application_name).await?;
    let app = &bank.app;

    // Open an account with a first deposit: two events and the new row, in one transaction.
    let mut account = BankAccount::open("Alice".into());
    account.deposit(10_000)?;
    bank.save_with_balance(&mut account).await?;
    let id = account.id();

    // A second deposit: the event and the updated row, in one transaction.
    let mut account: BankAccount = app.get(id).await?;
    account.deposit(2_500)?;
    bank.save_with_balance(&mut account).await?;

    let account: BankAccount = app.get(id).await?;
    assert_eq!((account.version(), account.balance_cents), (3, 12_500));
    let row = bank.balance_row(id).await?.expect("the account's row");
    assert_eq!((row.version, row.balance_cents), (3, 12_500));
    println!(
        "{}: balance {} cents at version {}, read model agrees",
        row.owner, row.balance_cents, row.version
    );

    // Now a deposit whose read-model write fails: here, on purpose, a plain insert of a row the
    // table already has, which every database refuses as a duplicate primary key. It stands
    // for any failure of your own writes.
    let max_notification_id = app.recorder().max_notification_id().await?;
    let mut account: BankAccount = app.get(id).await?;
    account.deposit(5_000)?;
    let txn = bank.db.begin().await?;
    let recordings = app.save_in(&txn, &mut account).await?;
    assert_eq!(
        recordings.len(),
        1,
        "the event is written in the transaction"
    );
    let failed = account_balances::Entity::insert(balance_row(&account))
        .exec_without_returning(&txn)
        .await
        .expect_err("the row exists");
    assert!(matches!(
        failed.sql_err(),
        Some(SqlErr::UniqueConstraintViolation(_))
    ));
    txn.rollback().await?;
    println!("read-model write failed ({failed}); rolled back");

    // Neither the event nor the row was recorded.
    let reloaded: BankAccount = app.get(id).await?;
    assert_eq!((reloaded.version(), reloaded.balance_cents), (3, 12_500));
    assert!(
        app.events()
            .recorder()
            .select_events(id, EventQuery::new().gt(3))
            .await?
            .is_empty()
    );
    assert_eq!(
        app.recorder().max_notification_id().await?,
        max_notification_id
    );
    assert_eq!(bank.balance_row(id).await?, Some(row));
    // `save_in` dropped the pending events when it wrote them, so the in-memory aggregate
    // (version 4) is not what is stored: load it again, as after any failed save.
    assert_eq!(account.version(), 4);
    println!(
        "after the rollback: version {}, balance {} cents, notification log ends at {:?}",
        reloaded.version(),
        reloaded.balance_cents,
        max_notification_id
    );
    Ok(())
}

/// A new directory under the system's temp directory, for a SQLite file.
fn new_temp_dir(prefix: &str) -> std::io::Result<PathBuf> {
    let dir = std::env::temp_dir().join(format!("{prefix}-{}", Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    let url = match std::env::args().nth(1) {
        Some(url) => url,
        None => {
            let dir = new_temp_dir("read_model")?;
            let file = dir.join("db.sqlite3");
            println!("SQLite file: {}", file.display());
            format!("sqlite://{}", file.display())
        }
    };
    run(&url, "ReadModelBank").await
}

#[cfg(test)]
mod tests {
    use sea_orm::sea_query::Table;

    use super::*;

    /// A suffix unique to this test run, for the read-model table and the application name on
    /// database servers that other runs share.
    fn run_id() -> &'static str {
        static RUN_ID: std::sync::OnceLock<String> = std::sync::OnceLock::new();
        RUN_ID.get_or_init(|| Uuid::new_v4().simple().to_string()[..8].to_owned())
    }

    fn use_table_of_this_run() {
        account_balances::TABLE_NAME.get_or_init(|| format!("account_balances_{}", run_id()));
    }

    #[tokio::test]
    async fn read_model_on_sqlite_file() {
        use_table_of_this_run();
        let dir = new_temp_dir("read_model_test").unwrap();
        let url = format!("sqlite://{}", dir.join("db.sqlite3").display());
        run(&url, "ReadModelBank").await.unwrap();
        std::fs::remove_dir_all(dir).unwrap();
    }

    async fn run_if_set(variable: &str) {
        let Ok(url) = std::env::var(variable) else {
            println!("skipped: {variable} not set");
            return;
        };
        use_table_of_this_run();
        let result = run(&url, &format!("ReadModelBank_{}", run_id())).await;
        let db = seaorm::connect(&url).await.unwrap();
        let drop = Table::drop()
            .table(account_balances::Entity)
            .if_exists()
            .to_owned();
        db.execute(&drop).await.unwrap();
        result.unwrap();
    }

    #[tokio::test]
    async fn read_model_on_postgres() {
        run_if_set("TEST_POSTGRES_URL").await;
    }

    #[tokio::test]
    async fn read_model_on_mysql() {
        run_if_set("TEST_MYSQL_URL").await;
    }
}
