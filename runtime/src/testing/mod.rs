//! Given/when/then tests of aggregates.
//!
//! An aggregate's behaviour is what events its methods record, given its past events. A test
//! says just that: *given* a past (the events of a created aggregate and of the commands run on
//! it, or events written out by payload), *when* a method is called, *then* it records these
//! events, or fails with this error. Events are compared by payload, the variants of the
//! aggregate's event enum (`AccountEvent` for `Account`, also named
//! `<Account as Aggregate>::Event`), which `#[aggregate]` derives `PartialEq` and `Debug` for;
//! ids, versions and timestamps are not compared.
//!
//! [`AggregateTest`] holds the given aggregate, [`AggregateTest::when`] (or
//! [`GivenNothing::when_created`] for a constructor) runs the method, and the [`Outcome`]'s
//! `then_…` methods check what it did. A check that fails panics with the expected and the
//! actual payloads or error, so these run inside `#[test]` functions. Methods may return `()`
//! or a `Result` ([`CommandOutput`](crate::domain::CommandOutput)), constructors the aggregate or a `Result`
//! ([`Created`](crate::domain::Created)).
//!
//! ```
//! use eventsourcing_seaorm::prelude::*;
//! use eventsourcing_seaorm::testing::AggregateTest;
//!
//! #[derive(Debug, PartialEq, thiserror::Error)]
//! enum AccountError {
//!     #[error("cannot debit {amount} from a balance of {balance}")]
//!     InsufficientFunds { balance: i64, amount: i64 },
//! }
//!
//! #[aggregate]
//! #[derive(Debug)]
//! struct Account {
//!     balance: i64,
//! }
//!
//! #[aggregate]
//! impl Account {
//!     #[event("Opened")]
//!     fn open() -> Self {
//!         Self { balance: 0 }
//!     }
//!
//!     #[event("Credited")]
//!     fn credit(&mut self, amount: i64) {
//!         self.balance += amount;
//!     }
//!
//!     #[event("Debited")]
//!     fn debit(&mut self, amount: i64) -> Result<(), AccountError> {
//!         if amount > self.balance {
//!             return Err(AccountError::InsufficientFunds { balance: self.balance, amount });
//!         }
//!         self.balance -= amount;
//!         Ok(())
//!     }
//! }
//!
//! // Given a created aggregate and a command's events, when a method is called, then its events.
//! AggregateTest::given(Account::open())
//!     .and(|account| account.credit(50))
//!     .when(|account| account.debit(30))
//!     .then_events([AccountEvent::Debited { amount: 30 }])
//!     .then_state(|account| assert_eq!(account.balance, 20));
//!
//! // Given past events by payload, then an error.
//! AggregateTest::given_events([AccountEvent::Opened {}, AccountEvent::Credited { amount: 10 }])
//!     .when(|account| account.debit(30))
//!     .then_error(AccountError::InsufficientFunds { balance: 10, amount: 30 });
//!
//! // A constructor, given nothing.
//! AggregateTest::given_nothing()
//!     .when_created(Account::open())
//!     .then_events([AccountEvent::Opened {}]);
//! ```
//!
//! This module is built on the domain layer only. Tests of process applications (given events
//! from the applications it follows, when it processes one, then these new events) will sit
//! beside [`AggregateTest`] as another entry point, and compare their events by payload the same
//! way.

mod aggregate_test;
mod outcome;
mod payloads;

pub use aggregate_test::{AggregateTest, GivenNothing};
pub use outcome::Outcome;
