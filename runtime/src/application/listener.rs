//! Telling others that an application has recorded events: how the system layer's runners learn
//! that a leader saved, so that its followers pull at once instead of at their next poll.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::{PoisonError, RwLock, Weak};

/// Told after each save of an application that recorded events (and after each unit of work
/// that saved some, once committed). Runners of the system layer implement it.
pub trait SaveListener: Send + Sync + fmt::Debug {
    /// The application `application_name` has recorded events, up to notification id
    /// `max_notification_id` when the recorder numbers them.
    fn saved<'a>(
        &'a self,
        application_name: &'a str,
        max_notification_id: Option<u64>,
    ) -> Pin<Box<dyn Future<Output = ()> + Send + 'a>>;
}

/// The listeners of one application, held weakly: a listener that is dropped (a stopped
/// runner) is no longer told.
#[derive(Default)]
pub(crate) struct Listeners(RwLock<Vec<Weak<dyn SaveListener>>>);

impl fmt::Debug for Listeners {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let count = self.0.read().unwrap_or_else(PoisonError::into_inner).len();
        f.debug_struct("Listeners").field("count", &count).finish()
    }
}

impl Listeners {
    pub(crate) fn add(&self, listener: Weak<dyn SaveListener>) {
        let mut listeners = self.0.write().unwrap_or_else(PoisonError::into_inner);
        listeners.retain(|l| l.strong_count() > 0);
        listeners.push(listener);
    }

    /// Tells every live listener (outside the lock, which no await holds).
    pub(crate) async fn saved(&self, application_name: &str, max_notification_id: Option<u64>) {
        let live: Vec<_> = {
            let listeners = self.0.read().unwrap_or_else(PoisonError::into_inner);
            if listeners.is_empty() {
                return;
            }
            listeners.iter().filter_map(Weak::upgrade).collect()
        };
        for listener in live {
            listener.saved(application_name, max_notification_id).await;
        }
    }
}
