use chrono::{DateTime, FixedOffset};
use uuid::Uuid;

use super::{Aggregate, DomainError, FieldReader, Map, ValueError};

/// The identity of an event: which aggregate, which version of it, and when.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct EventMeta {
    /// Id of the aggregate the event belongs to.
    pub originator_id: Uuid,
    /// Version of the aggregate this event creates (1 for the created event).
    pub originator_version: u64,
    /// When the event happened, at microsecond precision, with the offset it was given (UTC for
    /// events made now; a stored event keeps the offset it was stored with).
    pub timestamp: DateTime<FixedOffset>,
}

/// An event of some aggregate: its [`EventMeta`] plus a payload saying what happened.
///
/// The payload type is usually the event enum that `#[aggregate]` generates
/// (`WorldEvent` for `World`), or [`SnapshotState`](super::SnapshotState) for snapshots.
#[derive(Debug, Clone, PartialEq)]
pub struct DomainEvent<P> {
    /// Id of the aggregate the event belongs to.
    pub originator_id: Uuid,
    /// Version of the aggregate this event creates (1 for the created event).
    pub originator_version: u64,
    /// When the event happened, at microsecond precision, with the offset it was given (UTC for
    /// events made now; a stored event keeps the offset it was stored with).
    pub timestamp: DateTime<FixedOffset>,
    /// What happened.
    pub payload: P,
}

impl<P> DomainEvent<P> {
    /// An event with the given identity and payload.
    pub fn new(meta: EventMeta, payload: P) -> Self {
        Self {
            originator_id: meta.originator_id,
            originator_version: meta.originator_version,
            timestamp: meta.timestamp,
            payload,
        }
    }

    /// The event's identity without its payload.
    pub fn meta(&self) -> EventMeta {
        EventMeta {
            originator_id: self.originator_id,
            originator_version: self.originator_version,
            timestamp: self.timestamp,
        }
    }

    /// Splits the event into its identity and its payload.
    pub fn into_parts(self) -> (EventMeta, P) {
        (self.meta(), self.payload)
    }
}

/// A payload that can be stored: it knows its topic and how to write and read its fields.
///
/// The stored JSON of an event is `timestamp`, then whatever [`encode`](Self::encode) writes
/// (`originator_topic` first for created events, then the fields in declaration order), then
/// `class_version` when it is above 1. `originator_id` and `originator_version` are columns, not
/// JSON.
pub trait EventPayload: Clone + Send + Sync + Sized + 'static {
    /// The topic of this payload's event class, for example `interop_domain:World.SomethingHappened`.
    fn topic(&self) -> &'static str;

    /// Every topic of this payload type, one per event class (`#[aggregate]` lists them): what
    /// a follower's topic filter and typed dispatch of upstream events go by. The default, for
    /// hand-written payloads, lists none, which filters nothing.
    fn topics() -> &'static [String] {
        &[]
    }

    /// The class version of this payload's event class (1 unless it has upcasters).
    fn class_version(&self) -> u32 {
        1
    }

    /// Writes the payload's fields, in order, after the `timestamp` key.
    fn encode(&self, state: &mut Map) -> Result<(), ValueError>;

    /// Reads a payload stored under `topic`, written at `class_version`, from the JSON map (with
    /// `timestamp` and `class_version` already taken out). Upcasts older class versions first.
    fn decode(topic: &str, class_version: u32, state: Map) -> Result<Self, DomainError>;

    /// Reads a payload stored under `topic` straight from the stored text, key by key, without
    /// building a [`Map`]: the fast path of decoding events. `fields` hands out the stored
    /// keys other than `timestamp` and `class_version`, each followed by its value.
    ///
    /// Return `None` at anything unexpected (an unknown key, a key seen twice, a value of the
    /// wrong type, a missing field): the persistence layer's mapper then reads the same state
    /// through [`decode`](Self::decode), which gives the error or the upcast payload. The mapper
    /// only keeps the result when the whole state was read and the stored class version is the
    /// payload's [`class_version`](Self::class_version), so this needs no upcasting. The
    /// default reads nothing (always the [`decode`](Self::decode) path); `#[aggregate]`
    /// generates one.
    ///
    /// Generic over the reader, so that each payload's reading is compiled for the stored
    /// format's reader, with no dynamic dispatch per field.
    fn decode_fields<'de, F: FieldReader<'de>>(topic: &str, fields: &mut F) -> Option<Self> {
        let _ = (topic, fields);
        None
    }
}

/// A payload that evolves aggregates of type `A`.
///
/// Created events construct the aggregate ([`create`](Self::create)); the others change it
/// ([`apply`](Self::apply)). The checks that an event belongs to the aggregate and is its next
/// version are made by [`Aggregate::apply_event`] before either is called; they only run the
/// event's body.
pub trait AggregateEvent<A: Aggregate<Event = Self>>: EventPayload {
    /// Whether this payload is a created event (the first event of an aggregate).
    fn is_created(&self) -> bool;

    /// Runs the constructor body of a created event. The returned aggregate's
    /// [`AggregateBase`](super::AggregateBase) is filled in by the caller.
    fn create(self, meta: &EventMeta) -> Result<A, DomainError>;

    /// Runs the body of a non-created event on the aggregate.
    fn apply(self, aggregate: &mut A, meta: &EventMeta) -> Result<(), DomainError>;
}
