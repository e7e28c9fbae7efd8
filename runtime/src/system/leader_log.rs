//! Where a follower reads one leader: the leader's notification log and the mapper that
//! decodes it, of a leader in the same process or of one found through the follower's store
//! and settings.

use std::sync::Arc;

use super::{SystemError, Topics, UpstreamEvent};
use crate::application::{Application, factory};
use crate::persistence::{ApplicationRecorder, Mapper, NotificationQuery, PersistenceError};

/// Where a follower reads one leader: the leader's notifications, and the mapper that decodes
/// them.
#[derive(Debug, Clone)]
pub struct LeaderLog {
    pub(crate) name: Arc<str>,
    pub(crate) recorder: Arc<dyn ApplicationRecorder>,
    pub(crate) mapper: Arc<Mapper>,
}

impl LeaderLog {
    /// The log of a leader running in this process: its recorder and its own mapper.
    pub fn of(leader: &Application) -> Self {
        Self {
            name: Arc::from(leader.name()),
            recorder: leader.recorder().clone(),
            mapper: Arc::new(leader.mapper().clone()),
        }
    }

    /// The log of a leader that runs elsewhere (another service, a Python application) and
    /// stores its events in the follower's database: read with the follower's store, and
    /// decoded with a mapper made from the follower's settings as seen under the leader's name
    /// (`<LEADER>_CIPHER_KEY`, `<LEADER>_COMPRESSOR_TOPIC`, then the plain keys), as the Python
    /// original's followers do; the follower's transcodings and topic aliases apply.
    pub fn from_settings(follower: &Application, leader_name: &str) -> Result<Self, SystemError> {
        let error = |source: PersistenceError| SystemError::application(follower.name(), source);
        let recorder: Arc<dyn ApplicationRecorder> = match follower.seaorm_recorders() {
            Some(recorders) => Arc::new(
                recorders
                    .events
                    .store()
                    .application_recorder(leader_name)
                    .map_err(error)?,
            ),
            None => {
                return Err(error(PersistenceError::Unsupported {
                    recorder: "this follower's recorder",
                    operation: "reading a leader from its settings (give it the leader's application: LeaderLog::of)",
                }));
            }
        };
        let settings = follower.settings().for_application(leader_name);
        let mapper = factory::mapper(&settings, follower.mapper().transcoder().clone())
            .map_err(|e| SystemError::application(follower.name(), e))?
            .with_topic_aliases(follower.mapper().topic_aliases().clone());
        Ok(Self {
            name: Arc::from(leader_name),
            recorder,
            mapper: Arc::new(mapper),
        })
    }

    /// The leader's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Up to `limit` of the leader's notifications after `position` (from the start when
    /// `None`) and up to `last` (when given), of `topics` (the filter runs in the select), as
    /// upstream events: what every reader of a leader's log selects next.
    pub(crate) async fn events_after(
        &self,
        position: Option<u64>,
        limit: u64,
        topics: &Topics,
        last: Option<u64>,
    ) -> Result<Vec<UpstreamEvent>, PersistenceError> {
        let mut query =
            NotificationQuery::new(position, limit).topics(topics.as_slice().iter().cloned());
        if position.is_some() {
            query = query.exclusive_of_start();
        }
        if let Some(last) = last {
            query = query.stop(last);
        }
        let notifications = self.recorder.select_notifications(&query).await?;
        Ok(notifications
            .into_iter()
            .map(|n| UpstreamEvent::new(self.name.clone(), n, self.mapper.clone()))
            .collect())
    }
}
