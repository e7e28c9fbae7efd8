//! What a policy receives: an upstream notification, decoded on demand into the event type the
//! policy asks for, and the topics a follower pulls.

use std::borrow::Cow;
use std::sync::Arc;

use uuid::Uuid;

use crate::application::ApplicationError;
use crate::domain::{DomainEvent, EventPayload};
use crate::persistence::{Mapper, Notification, StoredEvent, Tracking};

/// An event of a leader's notification log, as a follower's policy receives it.
///
/// Decode it into the event type of the aggregate it belongs to with
/// [`decode`](Self::decode), which gives `None` for events of other types, so that a policy
/// handling several aggregates' events dispatches on their types:
///
/// ```ignore
/// if let Some(event) = upstream.decode::<BankAccountEvent>()? {
///     match event.payload { BankAccountEvent::Opened { .. } => …, _ => {} }
/// } else if let Some(event) = upstream.decode::<TransferEvent>()? { … }
/// ```
#[derive(Debug, Clone)]
pub struct UpstreamEvent {
    leader: Arc<str>,
    notification: Notification,
    mapper: Arc<Mapper>,
}

impl UpstreamEvent {
    pub(crate) fn new(leader: Arc<str>, notification: Notification, mapper: Arc<Mapper>) -> Self {
        Self {
            leader,
            notification,
            mapper,
        }
    }

    /// The leader whose log it is in.
    pub fn leader_name(&self) -> &str {
        &self.leader
    }

    /// Its notification id in the leader's log.
    pub fn notification_id(&self) -> u64 {
        self.notification.id
    }

    /// Its topic: the stored one, read through the topic aliases registered for the follower.
    pub fn topic(&self) -> Cow<'_, str> {
        self.mapper.resolve_topic(&self.notification.event.topic)
    }

    /// Id of the aggregate it belongs to.
    pub fn originator_id(&self) -> Uuid {
        self.notification.event.originator_id
    }

    /// Version of the aggregate it makes.
    pub fn originator_version(&self) -> u64 {
        self.notification.event.originator_version
    }

    /// The stored event (state still compressed or encrypted as the leader stored it).
    pub fn stored_event(&self) -> &StoredEvent {
        &self.notification.event
    }

    /// Where processing it takes the follower: (leader, notification id).
    pub fn tracking(&self) -> Tracking {
        Tracking {
            application_name: self.leader.to_string(),
            notification_id: self.notification.id,
        }
    }

    /// The event as a `P`, decoded with the leader's mapper; `None` when its topic is not one
    /// of `P`'s ([`EventPayload::topics`]; a payload type that lists none is always tried).
    /// An event of `P`'s topics that cannot be decoded is an error, which the policy returns:
    /// the follower then stops at this notification.
    pub fn decode<P: EventPayload>(&self) -> Result<Option<DomainEvent<P>>, ApplicationError> {
        let topics = P::topics();
        if !topics.is_empty() {
            let topic = self.topic();
            if !topics.iter().any(|t| *t == *topic) {
                return Ok(None);
            }
        }
        Ok(Some(
            self.mapper
                .decode_event(self.notification.event.as_event_ref())?,
        ))
    }
}

/// The topics a follower pulls from its leaders: a filter in the database's select, so that
/// events its policy does not handle are never read. Empty means every topic.
///
/// ```
/// use eventsourcing_seaorm::system::Topics;
///
/// let topics = Topics::all().topic("bank:Account.Opened").topic("bank:Account.Closed");
/// assert_eq!(topics.as_slice().len(), 2);
/// assert!(Topics::all().is_all());
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Topics(Vec<String>);

impl Topics {
    /// Every topic (no filter).
    pub fn all() -> Self {
        Self(Vec::new())
    }

    /// The topics of an event type (every event of one aggregate).
    pub fn of<P: EventPayload>() -> Self {
        Self::all().and::<P>()
    }

    /// These topics and those of another event type.
    pub fn and<P: EventPayload>(mut self) -> Self {
        self.0.extend(P::topics().iter().map(ToString::to_string));
        self
    }

    /// These topics and one more.
    pub fn topic(mut self, topic: impl Into<String>) -> Self {
        self.0.push(topic.into());
        self
    }

    /// Whether this is no filter at all.
    pub fn is_all(&self) -> bool {
        self.0.is_empty()
    }

    /// The topics (empty: all).
    pub fn as_slice(&self) -> &[String] {
        &self.0
    }
}
