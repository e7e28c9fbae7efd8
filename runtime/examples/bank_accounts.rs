//! The Python original's bank-accounts example: open accounts, deposit, withdraw (an
//! insufficient-funds error records nothing), and transfer between two accounts saved
//! atomically.
//!
//! Run it with `cargo run --example bank_accounts`.

use eventsourcing_seaorm::prelude::*;
use rust_decimal::Decimal;
use uuid::Uuid;

/// Why a transaction was refused.
#[derive(Debug, thiserror::Error, PartialEq)]
enum TransactionError {
    #[error("account {0} is closed")]
    AccountClosed(Uuid),
    #[error("account {0} has insufficient funds")]
    InsufficientFunds(Uuid),
    #[error("overdraft limit must be positive")]
    InvalidOverdraftLimit,
}

#[aggregate(topic_module = "eventsourcing.examples.bankaccounts.domainmodel")]
#[derive(Debug)]
struct BankAccount {
    full_name: String,
    email_address: String,
    balance: Decimal,
    overdraft_limit: Decimal,
    is_closed: bool,
}

#[aggregate]
impl BankAccount {
    #[event("Opened")]
    fn open(full_name: String, email_address: String) -> Self {
        Self {
            full_name,
            email_address,
            balance: Decimal::new(0, 2),
            overdraft_limit: Decimal::new(0, 2),
            is_closed: false,
        }
    }

    #[event("Credited")]
    fn credit(&mut self, amount: Decimal) -> Result<(), TransactionError> {
        self.check_account_is_not_closed()?;
        self.balance += amount;
        Ok(())
    }

    #[event("Debited")]
    fn debit(&mut self, amount: Decimal) -> Result<(), TransactionError> {
        self.check_account_is_not_closed()?;
        self.check_has_sufficient_funds(amount)?;
        self.balance -= amount;
        Ok(())
    }

    #[event("OverdraftLimitSet")]
    fn set_overdraft_limit(&mut self, overdraft_limit: Decimal) -> Result<(), TransactionError> {
        if overdraft_limit <= Decimal::ZERO {
            return Err(TransactionError::InvalidOverdraftLimit);
        }
        self.check_account_is_not_closed()?;
        self.overdraft_limit = overdraft_limit;
        Ok(())
    }

    #[event("Closed")]
    fn close(&mut self) {
        self.is_closed = true;
    }

    fn check_account_is_not_closed(&self) -> Result<(), TransactionError> {
        if self.is_closed {
            return Err(TransactionError::AccountClosed(self.id()));
        }
        Ok(())
    }

    fn check_has_sufficient_funds(&self, amount: Decimal) -> Result<(), TransactionError> {
        if self.balance - amount < -self.overdraft_limit {
            return Err(TransactionError::InsufficientFunds(self.id()));
        }
        Ok(())
    }
}

/// Errors of the bank-accounts application.
#[derive(Debug, thiserror::Error)]
enum BankError {
    #[error("account {0} not found")]
    AccountNotFound(Uuid),
    #[error(transparent)]
    Transaction(#[from] TransactionError),
    #[error(transparent)]
    Application(ApplicationError),
}

impl From<ApplicationError> for BankError {
    fn from(error: ApplicationError) -> Self {
        match error {
            ApplicationError::AggregateNotFound { aggregate_id, .. } => {
                BankError::AccountNotFound(aggregate_id)
            }
            other => BankError::Application(other),
        }
    }
}

struct BankAccounts {
    app: Application,
}

impl BankAccounts {
    async fn new() -> Result<Self, BankError> {
        let app = Application::builder("BankAccounts").build().await?;
        Ok(Self { app })
    }

    async fn open_account(&self, full_name: &str, email_address: &str) -> Result<Uuid, BankError> {
        let mut account = BankAccount::open(full_name.to_owned(), email_address.to_owned());
        self.app.save(&mut account).await?;
        Ok(account.id())
    }

    async fn get_account(&self, account_id: Uuid) -> Result<BankAccount, BankError> {
        Ok(self.app.get(account_id).await?)
    }

    async fn get_balance(&self, account_id: Uuid) -> Result<Decimal, BankError> {
        Ok(self.get_account(account_id).await?.balance)
    }

    async fn deposit_funds(&self, account_id: Uuid, amount: Decimal) -> Result<(), BankError> {
        let mut account = self.get_account(account_id).await?;
        account.credit(amount)?;
        self.app.save(&mut account).await?;
        Ok(())
    }

    async fn withdraw_funds(&self, account_id: Uuid, amount: Decimal) -> Result<(), BankError> {
        let mut account = self.get_account(account_id).await?;
        account.debit(amount)?;
        self.app.save(&mut account).await?;
        Ok(())
    }

    async fn transfer_funds(
        &self,
        debit_account_id: Uuid,
        credit_account_id: Uuid,
        amount: Decimal,
    ) -> Result<(), BankError> {
        let mut debit_account = self.get_account(debit_account_id).await?;
        let mut credit_account = self.get_account(credit_account_id).await?;
        debit_account.debit(amount)?;
        credit_account.credit(amount)?;
        // Both accounts' events are recorded in one atomic write.
        self.app
            .save((&mut debit_account, &mut credit_account))
            .await?;
        Ok(())
    }

    async fn set_overdraft_limit(&self, account_id: Uuid, limit: Decimal) -> Result<(), BankError> {
        let mut account = self.get_account(account_id).await?;
        account.set_overdraft_limit(limit)?;
        self.app.save(&mut account).await?;
        Ok(())
    }

    async fn get_overdraft_limit(&self, account_id: Uuid) -> Result<Decimal, BankError> {
        Ok(self.get_account(account_id).await?.overdraft_limit)
    }

    async fn close_account(&self, account_id: Uuid) -> Result<(), BankError> {
        let mut account = self.get_account(account_id).await?;
        account.close();
        self.app.save(&mut account).await?;
        Ok(())
    }
}

fn dec(text: &str) -> Decimal {
    text.parse().expect("a literal decimal")
}

async fn run() -> Result<(), BankError> {
    let accounts = BankAccounts::new().await?;

    // Unknown accounts are a typed error.
    let missing = Uuid::new_v4();
    assert!(matches!(
        accounts.get_balance(missing).await,
        Err(BankError::AccountNotFound(id)) if id == missing
    ));

    let alice = accounts.open_account("Alice", "alice@example.com").await?;
    assert_eq!(accounts.get_balance(alice).await?, dec("0.00"));

    accounts.deposit_funds(alice, dec("200.00")).await?;
    assert_eq!(accounts.get_balance(alice).await?, dec("200.00"));

    // Withdrawing more than the balance is refused, and nothing is recorded.
    let max_id = accounts
        .app
        .recorder()
        .max_notification_id()
        .await
        .map_err(ApplicationError::from)?;
    let refused = accounts.withdraw_funds(alice, dec("500.00")).await;
    assert!(
        matches!(refused, Err(BankError::Transaction(TransactionError::InsufficientFunds(id))) if id == alice)
    );
    assert_eq!(
        accounts
            .app
            .recorder()
            .max_notification_id()
            .await
            .map_err(ApplicationError::from)?,
        max_id
    );
    assert_eq!(accounts.get_balance(alice).await?, dec("200.00"));

    accounts.withdraw_funds(alice, dec("50.00")).await?;
    assert_eq!(accounts.get_balance(alice).await?, dec("150.00"));

    // Transfers debit one account and credit the other in one atomic save.
    let bob = accounts.open_account("Bob", "bob@example.com").await?;
    accounts.transfer_funds(alice, bob, dec("100.00")).await?;
    assert_eq!(accounts.get_balance(alice).await?, dec("50.00"));
    assert_eq!(accounts.get_balance(bob).await?, dec("100.00"));
    let refused = accounts.transfer_funds(alice, bob, dec("1000.00")).await;
    assert!(matches!(
        refused,
        Err(BankError::Transaction(TransactionError::InsufficientFunds(
            _
        )))
    ));
    assert_eq!(accounts.get_balance(bob).await?, dec("100.00"));

    // An overdraft limit allows a negative balance down to the limit.
    accounts.set_overdraft_limit(alice, dec("500.00")).await?;
    assert_eq!(accounts.get_overdraft_limit(alice).await?, dec("500.00"));
    accounts.withdraw_funds(alice, dec("500.00")).await?;
    assert_eq!(accounts.get_balance(alice).await?, dec("-450.00"));

    // Closed accounts refuse transactions.
    accounts.close_account(bob).await?;
    let refused = accounts.deposit_funds(bob, dec("1.00")).await;
    assert!(matches!(
        refused,
        Err(BankError::Transaction(TransactionError::AccountClosed(_)))
    ));

    println!(
        "alice: {}, bob: {} (closed)",
        accounts.get_balance(alice).await?,
        accounts.get_balance(bob).await?
    );
    Ok(())
}

#[tokio::main]
async fn main() -> Result<(), BankError> {
    run().await
}

#[cfg(test)]
mod tests {
    #[tokio::test]
    async fn bank_accounts_example_runs() {
        super::run().await.unwrap();
    }
}
