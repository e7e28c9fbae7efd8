//! Projections: user code that keeps a read model (ordinary SeaORM entities, in tables of the
//! user's own migrations) up to date from an application's events, exactly once: the read
//! model's writes and the tracking row of each event commit in one transaction.

use std::future::Future;

use sea_orm::DatabaseTransaction;

use super::error::BoxError;
use super::{Topics, UpstreamEvent};

/// A projection of an application's events into a read model.
///
/// ```ignore
/// struct WorldHistory;
///
/// impl Projection for WorldHistory {
///     const NAME: &'static str = "WorldHistory";
///     type Error = sea_orm::DbErr;
///
///     fn topics(&self) -> Topics {
///         Topics::of::<WorldEvent>()
///     }
///
///     async fn process(&self, event: &UpstreamEvent, txn: &DatabaseTransaction) -> Result<(), DbErr> {
///         if let Some(event) = event.decode::<WorldEvent>().map_err(|e| DbErr::Custom(e.to_string()))? {
///             if let WorldEvent::SomethingHappened { what } = event.payload {
///                 world_history::ActiveModel { world_id: Set(event.originator_id), what: Set(what), .. }
///                     .insert(txn)
///                     .await?;
///             }
///         }
///         Ok(())
///     }
/// }
/// ```
pub trait Projection: Send + Sync + 'static {
    /// The projection's name: the `application_name` of its tracking rows, with the read model.
    const NAME: &'static str;

    /// What [`process`](Self::process) fails with. A failure stops the projection at that
    /// event: nothing of the transaction is kept, and the next start runs it again.
    type Error: Into<BoxError> + Send + 'static;

    /// The topics it reads (the filter runs in the database's select). The default is every
    /// topic.
    fn topics(&self) -> Topics {
        Topics::all()
    }

    /// Empties the read model in `transaction`, before a replay from the start
    /// ([`ProjectionRunner::reset`](super::ProjectionRunner::reset) and
    /// [`rebuild`](super::ProjectionRunner::rebuild) call it, and delete the projection's
    /// tracking rows in the same transaction). The default refuses: replayed over the rows it
    /// wrote before, a projection would write them twice, so one that can be rebuilt says how
    /// (typically a `delete_many` of its entities).
    fn clear(
        &self,
        transaction: &DatabaseTransaction,
    ) -> impl Future<Output = Result<(), BoxError>> + Send {
        let _ = transaction;
        std::future::ready(Err(format!(
            "{} does not say how to clear its read model (Projection::clear)",
            Self::NAME
        )
        .into()))
    }

    /// Writes the read model's changes for one event in `transaction`, with SeaORM calls. The
    /// runner records the event's tracking in the same transaction and commits (it may commit
    /// several events' changes together).
    fn process(
        &self,
        event: &UpstreamEvent,
        transaction: &DatabaseTransaction,
    ) -> impl Future<Output = Result<(), Self::Error>> + Send;
}
