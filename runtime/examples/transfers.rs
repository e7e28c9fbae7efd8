//! A saga across two process applications that follow each other (a recursive system): money
//! transfers between bank accounts, as the Python original's process applications would write
//! it.
//!
//! - `Transfers` records transfers asked for (`Transfer.Requested`), and follows `Accounts`
//!   to complete or fail each one.
//! - `Accounts` follows `Transfers`: for each request it debits one account and credits the
//!   other in one processing (both changes and the tracking in one transaction), or records
//!   that the debit was refused.
//!
//! Each policy dispatches on the event types it receives; the system is
//! `[[Transfers, Accounts, Transfers]]`.
//!
//! Run it with `cargo run --example transfers` (in memory, or on the database whose URL you
//! give).

use std::error::Error;

use eventsourcing_seaorm::prelude::*;
use eventsourcing_seaorm::system::{
    ProcessApplication, ProcessingEvent, SingleThreadedRunner, System, SystemApplication, Topics,
    UpstreamEvent, process,
};
use uuid::Uuid;

// ---------------------------------------------------------------------------- the domain

#[derive(Debug, thiserror::Error)]
#[error("account {0} has insufficient funds")]
struct InsufficientFunds(Uuid);

#[aggregate(topic_module = "bank")]
#[derive(Debug)]
struct Account {
    owner: String,
    balance: i64,
}

#[aggregate]
impl Account {
    #[event("Opened")]
    fn open(owner: String, balance: i64) -> Self {
        Self { owner, balance }
    }

    #[event("Debited")]
    fn debit(&mut self, transfer_id: Uuid, amount: i64) -> Result<(), InsufficientFunds> {
        let _ = transfer_id;
        if amount > self.balance {
            return Err(InsufficientFunds(self.id()));
        }
        self.balance -= amount;
        Ok(())
    }

    #[event("Credited")]
    fn credit(&mut self, transfer_id: Uuid, amount: i64) {
        let _ = transfer_id;
        self.balance += amount;
    }

    #[event("DebitRefused")]
    fn refuse_debit(&mut self, transfer_id: Uuid) {
        let _ = transfer_id;
    }
}

#[aggregate(topic_module = "bank")]
#[derive(Debug)]
struct Transfer {
    from: Uuid,
    to: Uuid,
    amount: i64,
    status: String,
}

#[aggregate]
impl Transfer {
    #[event("Requested")]
    fn request(from: Uuid, to: Uuid, amount: i64) -> Self {
        Self {
            from,
            to,
            amount,
            status: "requested".into(),
        }
    }

    #[event("Completed")]
    fn complete(&mut self) {
        self.status = "completed".into();
    }

    #[event("Failed")]
    fn fail(&mut self, reason: String) {
        self.status = format!("failed: {reason}");
    }
}

// ---------------------------------------------------------------------- the applications

/// Records transfers; completes or fails them as `Accounts` reports.
#[derive(Clone, SystemApplication)]
struct Transfers {
    app: Application,
}

impl ProcessApplication for Transfers {
    type Error = ApplicationError;

    /// Only what accounts do with transfers.
    fn topics(&self) -> Topics {
        Topics::of::<AccountEvent>()
    }

    async fn policy(
        &self,
        event: &UpstreamEvent,
        processing: &mut ProcessingEvent,
    ) -> Result<(), ApplicationError> {
        let Some(event) = event.decode::<AccountEvent>()? else {
            return Ok(());
        };
        match event.payload {
            // The debit is the transfer's turning point: once it is done, so is the credit
            // (both were recorded together).
            AccountEvent::Debited { transfer_id, .. } => {
                let mut transfer: Transfer = processing.get(transfer_id).await?;
                transfer.complete();
                processing.collect(transfer);
            }
            AccountEvent::DebitRefused { transfer_id } => {
                let mut transfer: Transfer = processing.get(transfer_id).await?;
                transfer.fail("insufficient funds".into());
                processing.collect(transfer);
            }
            _ => {}
        }
        Ok(())
    }
}

impl Transfers {
    async fn request(&self, from: Uuid, to: Uuid, amount: i64) -> Result<Uuid, ApplicationError> {
        let mut transfer = Transfer::request(from, to, amount);
        self.app.save(&mut transfer).await?;
        Ok(transfer.id())
    }
}

/// Owns the accounts; moves money for each transfer requested.
#[derive(Clone, SystemApplication)]
struct Accounts {
    app: Application,
}

impl ProcessApplication for Accounts {
    type Error = ApplicationError;

    fn topics(&self) -> Topics {
        Topics::all().topic(format!("{}.Requested", Transfer::topic()))
    }

    async fn policy(
        &self,
        event: &UpstreamEvent,
        processing: &mut ProcessingEvent,
    ) -> Result<(), ApplicationError> {
        let Some(event) = event.decode::<TransferEvent>()? else {
            return Ok(());
        };
        if let TransferEvent::Requested { from, to, amount } = event.payload {
            let transfer_id = event.originator_id;
            let mut source: Account = processing.get(from).await?;
            if source.debit(transfer_id, amount).is_ok() {
                let mut destination: Account = processing.get(to).await?;
                destination.credit(transfer_id, amount);
                processing.collect(destination);
            } else {
                source.refuse_debit(transfer_id);
            }
            processing.collect(source);
        }
        Ok(())
    }
}

impl Accounts {
    async fn open(&self, owner: &str, balance: i64) -> Result<Uuid, ApplicationError> {
        let mut account = Account::open(owner.into(), balance);
        self.app.save(&mut account).await?;
        Ok(account.id())
    }
}

// ----------------------------------------------------------------------------------- the run

async fn run(url: Option<&str>) -> Result<(), Box<dyn Error>> {
    // Transfers leads Accounts, which leads Transfers: a recursive system.
    let system = System::new([[
        process::<Transfers>(),
        process::<Accounts>(),
        process::<Transfers>(),
    ]])?;
    println!("processors: {:?}", system.processors());
    let store = match url {
        Some(url) => Some(
            eventsourcing_seaorm::seaorm::SeaOrmStore::with_tables(
                eventsourcing_seaorm::seaorm::connect(url).await?,
                eventsourcing_seaorm::seaorm::Tables::with_prefix("transfers_example_"),
            )
            .await?,
        ),
        None => None,
    };
    let runner = SingleThreadedRunner::new(system).configure(move |builder| match &store {
        Some(store) => builder.store(store.clone()),
        None => builder.in_memory(),
    });
    runner.start().await?;
    let transfers: Transfers = runner.get()?;
    let accounts: Accounts = runner.get()?;

    let alice = accounts.open("Alice", 100).await?;
    let bob = accounts.open("Bob", 10).await?;
    let paid = transfers.request(alice, bob, 30).await?;
    let refused = transfers.request(bob, alice, 500).await?;

    // The single-threaded runner has run both policies before each save returned.
    let paid: Transfer = transfers.app.get(paid).await?;
    let refused: Transfer = transfers.app.get(refused).await?;
    let alice: Account = accounts.app.get(alice).await?;
    let bob: Account = accounts.app.get(bob).await?;
    println!(
        "transfer of 30: {}; transfer of 500: {}",
        paid.status, refused.status
    );
    println!(
        "{} has {}, {} has {}",
        alice.owner, alice.balance, bob.owner, bob.balance
    );
    assert_eq!(paid.status, "completed");
    assert_eq!(refused.status, "failed: insufficient funds");
    assert_eq!((alice.balance, bob.balance), (70, 40));
    if let Some(error) = runner.take_errors().into_iter().next() {
        return Err(error.into());
    }
    runner.stop()?;
    Ok(())
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    run(std::env::args().nth(1).as_deref()).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn transfers_in_memory() {
        run(None).await.unwrap();
    }

    #[tokio::test]
    async fn transfers_on_sqlite() {
        let dir = std::env::temp_dir().join(format!("transfers-{}", Uuid::new_v4().simple()));
        std::fs::create_dir_all(&dir).unwrap();
        run(Some(&format!(
            "sqlite://{}",
            dir.join("db.sqlite3").display()
        )))
        .await
        .unwrap();
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[tokio::test]
    async fn transfers_on_postgres() {
        match std::env::var("TEST_POSTGRES_URL") {
            Ok(url) => run(Some(&url)).await.unwrap(),
            Err(_) => println!("skipped: TEST_POSTGRES_URL not set"),
        }
    }
}
