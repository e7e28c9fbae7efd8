//! Units of work: aggregates loaded, changed and saved in one database transaction together
//! with the caller's own SeaORM writes (a read model, an outbox), committed together, and the
//! whole tried again on a version conflict.

use std::convert::Infallible;
use std::future::Future;
use std::marker::PhantomData;
use std::sync::{Arc, Mutex, PoisonError};

use sea_orm::{DatabaseTransaction, DbErr};
use uuid::Uuid;

use super::{Application, ApplicationError, CommandError, Recording, Repository, Saveable};
use crate::domain::Aggregate;
use crate::persistence::{AggregateRecorder, PersistenceError};
use crate::seaorm::{commit_error, db_error};

/// One try of a unit of work: its transaction, in which [`get`](Self::get) reads aggregates,
/// [`save`](Self::save) records them, and the caller's own SeaORM statements run
/// ([`transaction`](Self::transaction)). Given to the closure of
/// [`Application::unit_of_work`], which owns it for the try.
///
/// `E` is the unit's rejection type, the `E` of the [`CommandError<E>`] its closure returns:
/// [`execute`](Self::execute) and [`create`](Self::create) give their command's own error as
/// that type (it converts with `Into`), so that `?` joins them with the caller's SeaORM
/// statements.
#[derive(Debug)]
pub struct UnitOfWork<E = Infallible> {
    app: Application,
    transaction: Arc<DatabaseTransaction>,
    saved: Arc<Mutex<Vec<Uuid>>>,
    rejection: PhantomData<fn() -> E>,
}

/// What a command's closure returns in a unit of work whose rejection type is `E`: `()`, or
/// `Result<T, R>` where `R` converts into `E`.
pub trait WorkOutput<E> {
    /// What the command gives back.
    type Value;
    /// As a `Result` of the unit's rejection type.
    fn into_result(self) -> Result<Self::Value, E>;
}

impl<E> WorkOutput<E> for () {
    type Value = ();
    fn into_result(self) -> Result<(), E> {
        Ok(())
    }
}

impl<T, R: Into<E>, E> WorkOutput<E> for Result<T, R> {
    type Value = T;
    fn into_result(self) -> Result<T, E> {
        self.map_err(Into::into)
    }
}

/// A command on an aggregate of type `A` in a unit of work whose rejection type is `E`: any
/// closure `FnMut(&mut A) -> R` where `R` is a [`WorkOutput<E>`].
pub trait WorkCommand<A, E>: FnMut(&mut A) -> Self::Outcome {
    /// What the closure returns.
    type Outcome: WorkOutput<E>;
}

impl<A, E, F, R> WorkCommand<A, E> for F
where
    F: FnMut(&mut A) -> R,
    R: WorkOutput<E>,
{
    type Outcome = R;
}

/// What a constructor given to [`UnitOfWork::create`] returns: the new aggregate, or
/// `Result<A, R>` where `R` converts into the unit's rejection type `E`.
pub trait WorkCreated<A, E> {
    /// As a `Result` of the unit's rejection type.
    fn into_result(self) -> Result<A, E>;
}

impl<A: Aggregate, E> WorkCreated<A, E> for A {
    fn into_result(self) -> Result<A, E> {
        Ok(self)
    }
}

impl<A: Aggregate, R: Into<E>, E> WorkCreated<A, E> for Result<A, R> {
    fn into_result(self) -> Result<A, E> {
        self.map_err(Into::into)
    }
}

impl<E> UnitOfWork<E> {
    /// The transaction, for the caller's own SeaORM statements (it is a `ConnectionTrait`).
    pub fn transaction(&self) -> &DatabaseTransaction {
        &self.transaction
    }

    /// Loads an aggregate in the transaction (from its newest snapshot when snapshotting is
    /// enabled; never from the application's cache).
    pub async fn get<A: Aggregate>(&self, aggregate_id: Uuid) -> Result<A, ApplicationError> {
        self.repository()?.get(aggregate_id).await
    }

    /// Records the pending events of the aggregates in the transaction (and the snapshots due,
    /// as [`Application::save_in`] does). They are recorded when the unit of work commits; if it
    /// does not, the whole unit runs again from the start or fails, and the aggregates it
    /// loaded are dropped with it: none is left behind with a state the store does not have.
    pub async fn save<S: Saveable>(&self, items: S) -> Result<Vec<Recording>, ApplicationError> {
        let recordings = self.app.save_in(&self.transaction, items).await?;
        let mut saved = self.saved.lock().unwrap_or_else(PoisonError::into_inner);
        saved.extend(recordings.iter().map(|r| r.originator_id));
        Ok(recordings)
    }

    /// Loads the aggregate in the transaction, runs `command` on it and saves it there, as
    /// [`Application::execute`] does (a conflict makes the whole unit of work try again).
    pub async fn execute<A, C>(
        &self,
        aggregate_id: Uuid,
        mut command: C,
    ) -> Result<<C::Outcome as WorkOutput<E>>::Value, CommandError<E>>
    where
        A: Aggregate,
        C: WorkCommand<A, E>,
    {
        let mut aggregate: A = self.get(aggregate_id).await?;
        let value = command(&mut aggregate)
            .into_result()
            .map_err(CommandError::Rejected)?;
        self.save(&mut aggregate).await?;
        Ok(value)
    }

    /// Creates an aggregate with `constructor` and saves it in the transaction.
    pub async fn create<A, R>(&self, constructor: impl FnOnce() -> R) -> Result<A, CommandError<E>>
    where
        A: Aggregate,
        R: WorkCreated<A, E>,
    {
        let mut aggregate = constructor()
            .into_result()
            .map_err(CommandError::Rejected)?;
        self.save(&mut aggregate).await?;
        Ok(aggregate)
    }

    /// A repository whose recorders read in the transaction.
    fn repository(&self) -> Result<Repository, ApplicationError> {
        let seaorm = self
            .app
            .seaorm_or_unsupported("loading in a unit of work")?;
        let app = self.app.repository();
        let events: Arc<dyn AggregateRecorder> =
            Arc::new(seaorm.events.reads_in(self.transaction.clone()));
        let snapshots = match (app.snapshot_store(), &seaorm.snapshots) {
            (Some(_), Some(snapshots)) => {
                Some(Arc::new(snapshots.reads_in(self.transaction.clone()))
                    as Arc<dyn AggregateRecorder>)
            }
            _ => None,
        };
        Ok(app.in_transaction(events, snapshots))
    }
}

impl Application {
    /// Runs `work` in a database transaction of its own, and commits it: the aggregates it
    /// loads ([`UnitOfWork::get`]) and saves ([`UnitOfWork::save`]), and the SeaORM statements
    /// it runs on [`UnitOfWork::transaction`], are recorded together or not at all. On SQLite
    /// the transaction takes the write lock when it begins (`BEGIN IMMEDIATE`), so that reading
    /// first does not make the first write fail when another connection wrote meanwhile.
    ///
    /// When `work` fails, the transaction is rolled back; when it failed with a version
    /// conflict (or the database rolled it back to break a deadlock), `work` runs again in a
    /// new transaction, as the application's
    /// [`RetryPolicy`](super::RetryPolicy) allows. So `work` is a closure that makes a new
    /// future for each try, and loads what it changes inside it:
    ///
    /// ```ignore
    /// let on_hand = app
    ///     .unit_of_work(|work| async move {
    ///         let on_hand = work.execute::<Item, _>(item_id, |item| item.ship(3)).await?;
    ///         item_stock::Entity::update_many()
    ///             .col_expr(item_stock::Column::OnHand, Expr::value(on_hand))
    ///             .filter(item_stock::Column::ItemId.eq(item_id))
    ///             .exec(work.transaction())
    ///             .await?;
    ///         Ok::<_, CommandError<StockError>>(on_hand)
    ///     })
    ///     .await?;
    /// ```
    ///
    /// The README's "Commands, units of work and error kinds" has this as a complete program,
    /// and `examples/axum_service.rs` a service.
    ///
    /// Needs the SeaORM infrastructure. After the commit, the saved aggregates are read from the
    /// store again by [`Application::get`] (they are not cached from inside the transaction).
    ///
    /// Inside `work`, read and write only through the [`UnitOfWork`]: the unit's transaction
    /// holds the database's write lock (from its `BEGIN` on SQLite, from its first save on the
    /// servers) until it ends, so a save of the application made outside it from inside `work`
    /// waits for the unit it is part of: on SQLite until the busy timeout, on PostgreSQL and
    /// MySQL for ever. With a pool of one connection (SQLite in memory) any read outside the
    /// unit waits so too.
    pub async fn unit_of_work<T, E, F, Fut>(&self, mut work: F) -> Result<T, CommandError<E>>
    where
        F: FnMut(UnitOfWork<E>) -> Fut,
        Fut: Future<Output = Result<T, CommandError<E>>>,
    {
        let seaorm = self.seaorm_or_unsupported("a unit of work")?;
        let store = seaorm.events.store().clone();
        let retry = self.retry_policy();
        let mut tried = 1;
        loop {
            let transaction = Arc::new(store.begin().await.map_err(|e| self.begin_error(e))?);
            let saved = Arc::new(Mutex::new(Vec::new()));
            let outcome = work(UnitOfWork {
                app: self.clone(),
                transaction: transaction.clone(),
                saved: saved.clone(),
                rejection: PhantomData,
            })
            .await;
            let transaction = Arc::try_unwrap(transaction);
            let outcome = match (outcome, transaction) {
                (Ok(value), Ok(transaction)) => match transaction.commit().await {
                    Ok(()) => {
                        let any_saved = !saved
                            .lock()
                            .unwrap_or_else(PoisonError::into_inner)
                            .is_empty();
                        if any_saved {
                            self.notify_saved(None).await;
                        }
                        Ok(value)
                    }
                    Err(error) => Err(ApplicationError::Persistence(commit_error(
                        self.name(),
                        "committing a unit of work",
                        error,
                    ))
                    .into()),
                },
                (Ok(_), Err(transaction)) => {
                    // Dropped by the last holder, which rolls it back.
                    drop(transaction);
                    Err(ApplicationError::Persistence(PersistenceError::Unsupported {
                        recorder: "a unit of work",
                        operation: "keeping its UnitOfWork after the closure's future is done (it was not committed)",
                    })
                    .into())
                }
                (Err(error), Ok(transaction)) => {
                    // Rolled back also when this fails (the connection goes back to the pool
                    // without it); the work's own error is what matters.
                    if let Err(rollback) = transaction.rollback().await {
                        tracing::debug!(application = %self.name(), error = %rollback, "rollback of a unit of work failed");
                    }
                    Err(error)
                }
                (Err(error), Err(_)) => Err(error),
            };
            if let Some(cache) = self.repository().cache() {
                let saved = saved.lock().unwrap_or_else(PoisonError::into_inner);
                for id in saved.iter() {
                    cache.remove(*id);
                }
            }
            match outcome {
                Ok(value) => return Ok(value),
                Err(error) if retry.again(tried, error.is_worth_trying_again()).await => tried += 1,
                Err(error) => return Err(error),
            }
        }
    }

    fn begin_error(&self, error: DbErr) -> ApplicationError {
        ApplicationError::Persistence(db_error(self.name(), "beginning a unit of work", error))
    }
}
