//! Commands: load an aggregate, run a method on it, save it, and on a version conflict (another
//! writer saved the aggregate first) load it again and run the method again.
//!
//! ```
//! # use eventsourcing_seaorm::prelude::*;
//! # #[derive(Debug, thiserror::Error)]
//! # #[error("only {on_hand} on hand")]
//! # pub struct NotEnough { on_hand: u32 }
//! #[aggregate]
//! #[derive(Debug)]
//! pub struct Item {
//!     on_hand: u32,
//! }
//!
//! #[aggregate]
//! impl Item {
//!     #[event("Created")]
//!     pub fn create() -> Self {
//!         Self { on_hand: 0 }
//!     }
//!
//!     #[event("Received")]
//!     pub fn receive(&mut self, quantity: u32) {
//!         self.on_hand += quantity;
//!     }
//!
//!     #[event("Shipped")]
//!     pub fn ship(&mut self, quantity: u32) -> Result<(), NotEnough> {
//!         if quantity > self.on_hand {
//!             return Err(NotEnough { on_hand: self.on_hand });
//!         }
//!         self.on_hand -= quantity;
//!         Ok(())
//!     }
//! }
//!
//! # tokio::runtime::Runtime::new().unwrap().block_on(async {
//! let app = Application::builder("Inventory").in_memory().build().await?;
//! let item = app.create(Item::create).await?;
//! app.execute::<Item, _>(item.id(), |item| item.receive(5)).await?;
//! app.execute::<Item, _>(item.id(), |item| item.ship(3)).await?;
//!
//! // The method's own error comes back as it is: nothing is recorded.
//! let refused = app.execute::<Item, _>(item.id(), |item| item.ship(7)).await;
//! assert!(matches!(refused, Err(CommandError::Rejected(NotEnough { on_hand: 2 }))));
//!
//! // A command may return what it computed.
//! let on_hand = app.execute::<Item, _>(item.id(), |item| Ok::<_, NotEnough>(item.on_hand)).await?;
//! assert_eq!(on_hand, 2);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! # }).unwrap();
//! ```

use std::convert::Infallible;
use std::time::Duration;

use sea_orm::DbErr;
use uuid::Uuid;

use super::error::ErrorKind;
use super::settings::keys;
use super::{Application, ApplicationError, Settings};
use crate::domain::{Aggregate, Command, CommandOutput, Created};
use crate::seaorm::{is_rolled_back_to_retry, is_unavailable};

/// How commands try again after a version conflict: how many tries in all, and how long to wait
/// before each new try (a random time up to a bound that doubles from `first_backoff` to
/// `max_backoff`, so that writers that met on one aggregate spread out).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Tries in all (1: never try again; 0 counts as 1).
    pub attempts: u32,
    /// The bound of the first wait.
    pub first_backoff: Duration,
    /// The largest bound of a wait.
    pub max_backoff: Duration,
}

/// Tries in all when neither the builder nor `COMMAND_ATTEMPTS` says.
pub const DEFAULT_COMMAND_ATTEMPTS: u32 = 10;

impl Default for RetryPolicy {
    /// [`DEFAULT_COMMAND_ATTEMPTS`] tries, waits of up to 2 ms, 4 ms, … 100 ms.
    fn default() -> Self {
        Self {
            attempts: DEFAULT_COMMAND_ATTEMPTS,
            first_backoff: Duration::from_millis(2),
            max_backoff: Duration::from_millis(100),
        }
    }
}

impl RetryPolicy {
    /// Tries `attempts` times in all (at least once), with the default waits.
    pub fn attempts(attempts: u32) -> Self {
        Self {
            attempts: attempts.max(1),
            ..Self::default()
        }
    }

    /// Never tries again: a conflict is returned at once.
    pub fn never() -> Self {
        Self::attempts(1)
    }

    /// The default policy with the number of tries of the setting `COMMAND_ATTEMPTS`.
    pub(crate) fn from_settings(settings: &Settings) -> Result<Self, ApplicationError> {
        match settings.get_u64(keys::COMMAND_ATTEMPTS)? {
            None => Ok(Self::default()),
            Some(attempts @ 1..) => Ok(Self::attempts(u32::try_from(attempts).unwrap_or(u32::MAX))),
            Some(_) => {
                let (key, value) = settings
                    .find_non_empty(keys::COMMAND_ATTEMPTS)
                    .unwrap_or((keys::COMMAND_ATTEMPTS.to_owned(), "0"));
                Err(ApplicationError::setting(
                    key,
                    value,
                    "expected a positive number of tries",
                ))
            }
        }
    }

    /// Whether a command that failed on try number `tried` (from 1), for a reason worth
    /// another try or not, goes again, after waiting; `false` at once when it does not.
    pub(crate) async fn again(&self, tried: u32, retryable: bool) -> bool {
        if !retryable || tried >= self.attempts {
            return false;
        }
        let bound = self
            .first_backoff
            .saturating_mul(1 << (tried - 1).min(16))
            .min(self.max_backoff);
        let nanos = u64::try_from(bound.as_nanos()).unwrap_or(u64::MAX);
        // Full jitter: any time up to the bound (random bits from a v4 UUID, which the crate
        // already makes with the system's generator).
        let random = (Uuid::new_v4().as_u128() >> 64) as u64;
        let wait = Duration::from_nanos(random.checked_rem(nanos).unwrap_or(0));
        tracing::debug!(
            tried,
            attempts = self.attempts,
            wait_us = u64::try_from(wait.as_micros()).unwrap_or(u64::MAX),
            "version conflict: trying the command again"
        );
        tokio::time::sleep(wait).await;
        true
    }
}

/// Why a command ([`Application::execute`], [`Application::create`]) or a unit of work
/// ([`Application::unit_of_work`]) failed: the domain refused it (the command's own error
/// type `E`, as it is), the application failed, or a database write of the caller's own did.
///
/// `?` turns an [`ApplicationError`] and a SeaORM [`DbErr`] into one, so that a unit of work
/// can mix both; [`kind`](Self::kind) says what kind of failure it is.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CommandError<E = Infallible> {
    /// The command's own error: the domain refused it; nothing was recorded.
    #[error("rejected: {0}")]
    Rejected(E),
    /// Loading or saving failed (including a conflict that remained after every try).
    #[error(transparent)]
    Application(#[from] ApplicationError),
    /// A database statement of the caller's own (in a unit of work) failed.
    #[error("database error: {0}")]
    Database(#[from] DbErr),
}

impl<E> CommandError<E> {
    /// What kind of failure this is: [`ErrorKind::Rejected`] for the command's own error, the
    /// application error's kind, or for a database error of the caller's own,
    /// [`ErrorKind::Unavailable`] when it is one of connection or contention and
    /// [`ErrorKind::Other`] otherwise.
    pub fn kind(&self) -> ErrorKind {
        match self {
            CommandError::Rejected(_) => ErrorKind::Rejected,
            CommandError::Application(error) => error.kind(),
            CommandError::Database(error) if is_unavailable(error) => ErrorKind::Unavailable,
            CommandError::Database(_) => ErrorKind::Other,
        }
    }

    /// Whether this is a version conflict (after every try).
    pub fn is_conflict(&self) -> bool {
        self.kind() == ErrorKind::Conflict
    }

    /// Whether trying the whole unit of work again in a new transaction may succeed: a version
    /// conflict, or a transaction the database rolled back to break a deadlock.
    pub(crate) fn is_worth_trying_again(&self) -> bool {
        let database = match self {
            CommandError::Database(error) => Some(error),
            CommandError::Application(error) => error.database_error(),
            CommandError::Rejected(_) => None,
        };
        self.is_conflict() || database.is_some_and(is_rolled_back_to_retry)
    }

    /// Whether the aggregate was not found.
    pub fn is_not_found(&self) -> bool {
        self.kind() == ErrorKind::NotFound
    }

    /// The command's own error, if that is what this is.
    pub fn rejection(&self) -> Option<&E> {
        match self {
            CommandError::Rejected(error) => Some(error),
            _ => None,
        }
    }
}

/// The value of a command `C` on `A`.
type ValueOf<A, C> = <<C as Command<A>>::Outcome as CommandOutput>::Value;
/// The refusal of a command `C` on `A`.
type RejectionOf<A, C> = <<C as Command<A>>::Outcome as CommandOutput>::Rejection;

impl Application {
    /// Loads the aggregate, runs `command` on it and saves it; on a version conflict loads it
    /// again and runs `command` again, as the [`RetryPolicy`] allows (see
    /// [`ApplicationBuilder::retry_policy`](super::ApplicationBuilder::retry_policy) and the
    /// setting `COMMAND_ATTEMPTS`). The command's value comes back, or its own error as
    /// [`CommandError::Rejected`] (then nothing is saved).
    ///
    /// `command` is a closure that calls the aggregate's event methods; it may run once per
    /// try, so it should do nothing else that cannot be repeated.
    pub async fn execute<A, C>(
        &self,
        aggregate_id: Uuid,
        mut command: C,
    ) -> Result<ValueOf<A, C>, CommandError<RejectionOf<A, C>>>
    where
        A: Aggregate,
        C: Command<A>,
    {
        let retry = self.retry_policy();
        let mut tried = 1;
        loop {
            let mut aggregate: A = self.get(aggregate_id).await?;
            let value = command(&mut aggregate)
                .into_result()
                .map_err(CommandError::Rejected)?;
            match self.save(&mut aggregate).await {
                Ok(_) => return Ok(value),
                Err(error) if error.is_conflict() => {
                    // A cached copy behind the store (without fast-forwarding) would conflict
                    // again on every try.
                    if let Some(cache) = self.repository().cache() {
                        cache.remove(aggregate_id);
                    }
                    if !retry.again(tried, true).await {
                        return Err(error.into());
                    }
                    tried += 1;
                }
                Err(error) => return Err(error.into()),
            }
        }
    }

    /// Creates an aggregate with `constructor` and saves it: the saved aggregate comes back
    /// (its [`id`](Aggregate::id) names it). A conflict is not tried again (an aggregate with
    /// that id exists already); it is returned as [`ErrorKind::Conflict`].
    pub async fn create<A, R>(
        &self,
        constructor: impl FnOnce() -> R,
    ) -> Result<A, CommandError<R::Rejection>>
    where
        A: Aggregate,
        R: Created<A>,
    {
        let mut aggregate = constructor()
            .into_result()
            .map_err(CommandError::Rejected)?;
        self.save(&mut aggregate).await?;
        Ok(aggregate)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_policy_tries_again_only_after_conflicts_and_within_its_attempts() {
        let policy = RetryPolicy {
            attempts: 3,
            first_backoff: Duration::ZERO,
            max_backoff: Duration::ZERO,
        };
        assert!(policy.again(1, true).await);
        assert!(policy.again(2, true).await);
        assert!(!policy.again(3, true).await);
        assert!(!policy.again(1, false).await);
        assert!(!RetryPolicy::never().again(1, true).await);
        assert_eq!(RetryPolicy::attempts(0).attempts, 1);
        assert_eq!(RetryPolicy::default().attempts, DEFAULT_COMMAND_ATTEMPTS);
    }
}
