//! Where a follower reads one leader: the leader's notification log and the mapper that
//! decodes it, of a leader in the same process or of one found through the follower's store
//! and settings.

use std::sync::Arc;

use super::SystemError;
use crate::application::{Application, ApplicationError, factory};
use crate::persistence::{ApplicationRecorder, Mapper, PersistenceError};

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
        let application_error = |source| SystemError::Application {
            application: follower.name().to_owned(),
            source: Box::new(source),
        };
        let recorder: Arc<dyn ApplicationRecorder> = match follower.seaorm_recorders() {
            Some(recorders) => Arc::new(
                recorders
                    .events
                    .store()
                    .application_recorder(leader_name)
                    .map_err(|e| application_error(ApplicationError::Persistence(e)))?,
            ),
            None => {
                return Err(application_error(ApplicationError::Persistence(
                    PersistenceError::Unsupported {
                        recorder: "this follower's recorder",
                        operation: "reading a leader from its settings (give it the leader's application: LeaderLog::of)",
                    },
                )));
            }
        };
        let settings = follower.settings().for_application(leader_name);
        let mapper = factory::mapper(&settings, follower.mapper().transcoder().clone())
            .map_err(application_error)?
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
}
