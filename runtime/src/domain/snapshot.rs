use chrono::{DateTime, FixedOffset};

use super::{
    Aggregate, AggregateBase, DomainError, DomainEvent, EventMeta, EventPayload, Map, Transcode,
    Value, ValueError, timestamp_now,
};

/// The topic under which snapshots are stored, as in the Python original.
pub const SNAPSHOT_TOPIC: &str = "eventsourcing.domain:Snapshot";

/// The payload of a snapshot: the aggregate's class topic and its state.
///
/// The state holds `_created_on`, `_modified_on`, then the aggregate's own fields in order, then
/// `class_version` when the aggregate's class version is above 1, exactly as the Python original
/// writes them.
#[derive(Debug, Clone, PartialEq)]
pub struct SnapshotState {
    /// Topic of the aggregate class.
    pub topic: String,
    /// The aggregate's state.
    pub state: Map,
}

/// A snapshot of an aggregate at some version.
pub type Snapshot = DomainEvent<SnapshotState>;

fn field_error(topic: &str, field: &str, source: ValueError) -> DomainError {
    DomainError::Value {
        topic: topic.to_owned(),
        field: Some(field.to_owned()),
        source,
    }
}

impl EventPayload for SnapshotState {
    fn topic(&self) -> &'static str {
        SNAPSHOT_TOPIC
    }

    fn encode(&self, state: &mut Map) -> Result<(), ValueError> {
        state.insert("topic", self.topic.as_str());
        state.insert("state", Value::Map(self.state.clone()));
        Ok(())
    }

    fn decode(topic: &str, class_version: u32, mut state: Map) -> Result<Self, DomainError> {
        if topic != SNAPSHOT_TOPIC {
            return Err(DomainError::UnknownTopic {
                topic: topic.to_owned(),
                aggregate: SNAPSHOT_TOPIC,
            });
        }
        super::aggregate::check_class_version(SNAPSHOT_TOPIC, class_version, 1)?;
        let aggregate_topic = state
            .take("topic")
            .and_then(String::from_value)
            .map_err(|e| field_error(SNAPSHOT_TOPIC, "topic", e))?;
        let aggregate_state = state
            .take("state")
            .and_then(Map::from_value)
            .map_err(|e| field_error(SNAPSHOT_TOPIC, "state", e))?;
        Ok(SnapshotState {
            topic: aggregate_topic,
            state: aggregate_state,
        })
    }
}

impl DomainEvent<SnapshotState> {
    /// Takes a snapshot of the aggregate's current state, at its current version.
    pub fn take<A: Aggregate>(aggregate: &A) -> Result<Self, DomainError> {
        let topic = A::topic();
        let mut state = Map::with_capacity(8);
        state.insert("_created_on", aggregate.created_on());
        state.insert("_modified_on", aggregate.modified_on());
        aggregate
            .encode_state(&mut state)
            .map_err(|source| DomainError::Value {
                topic: topic.to_owned(),
                field: None,
                source,
            })?;
        if A::CLASS_VERSION > 1 {
            state.insert("class_version", i64::from(A::CLASS_VERSION));
        }
        let meta = EventMeta {
            originator_id: aggregate.id(),
            originator_version: aggregate.version(),
            timestamp: timestamp_now(),
        };
        Ok(DomainEvent::new(
            meta,
            SnapshotState {
                topic: topic.to_owned(),
                state,
            },
        ))
    }

    /// Rebuilds the aggregate this snapshot was taken of, upcasting older state first.
    pub fn into_aggregate<A: Aggregate>(self) -> Result<A, DomainError> {
        let expected = A::topic();
        let (meta, payload) = self.into_parts();
        if payload.topic != expected {
            return Err(DomainError::SnapshotTopic {
                expected,
                found: payload.topic,
            });
        }
        let mut state = payload.state;
        let class_version = match state.remove("class_version") {
            None => 1,
            Some(v) => u32::from_value(v).map_err(|e| field_error(expected, "class_version", e))?,
        };
        A::upcast_state(class_version, &mut state)?;
        let time = |state: &mut Map, key: &str| {
            state
                .take(key)
                .and_then(DateTime::<FixedOffset>::from_value)
                .map_err(|e| field_error(expected, key, e))
        };
        let created_on = time(&mut state, "_created_on")?;
        let modified_on = time(&mut state, "_modified_on")?;
        let mut aggregate = A::decode_state(state)?;
        *aggregate.base_mut() = AggregateBase::restore(
            meta.originator_id,
            meta.originator_version,
            created_on,
            modified_on,
        );
        Ok(aggregate)
    }
}
