use uuid::Uuid;

/// Why a value could not be turned into (or made from) event state.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ValueError {
    /// The value has another type than the one expected.
    #[error("expected {expected}, found {found}")]
    Type {
        /// What was expected (`"string"`, `"UUID"` …).
        expected: &'static str,
        /// What was found.
        found: &'static str,
    },
    /// The value has the right type but not a valid content (a bad UUID, a number out of range).
    #[error("invalid {what}: {reason}")]
    Invalid {
        /// What was being read.
        what: &'static str,
        /// Why it is not valid.
        reason: String,
    },
    /// A map lacks a key that is required.
    #[error("missing key `{key}`")]
    MissingKey {
        /// The missing key.
        key: String,
    },
    /// A map key could not be read or written.
    #[error("key `{key}`: {source}")]
    AtKey {
        /// The key.
        key: String,
        /// What went wrong there.
        #[source]
        source: Box<ValueError>,
    },
    /// Serde could not convert the value.
    #[error("serde: {0}")]
    Serde(String),
    /// The operation is not supported for this type.
    #[error("{what} not supported")]
    Unsupported {
        /// What is not supported.
        what: String,
    },
}

impl ValueError {
    /// Wraps this error with the map key at which it happened.
    pub fn at_key(self, key: impl Into<String>) -> Self {
        ValueError::AtKey {
            key: key.into(),
            source: Box::new(self),
        }
    }
}

/// Errors of the domain layer: events that do not fit the aggregate they are applied to, and
/// event or snapshot state that cannot be read.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DomainError {
    /// The event belongs to another aggregate.
    #[error("event of aggregate {event_originator_id} applied to aggregate {aggregate_id}")]
    OriginatorMismatch {
        /// Id of the aggregate.
        aggregate_id: Uuid,
        /// Id the event carries.
        event_originator_id: Uuid,
    },
    /// The event's version is not the aggregate's next version.
    #[error("aggregate {aggregate_id}: expected event version {expected}, found {found}")]
    VersionMismatch {
        /// Id of the aggregate.
        aggregate_id: Uuid,
        /// The aggregate's next version.
        expected: u64,
        /// The event's version.
        found: u64,
    },
    /// The first event of an aggregate is not a created event.
    #[error("aggregate {aggregate_id}: first event {topic} is not a created event")]
    NotCreated {
        /// Id of the aggregate.
        aggregate_id: Uuid,
        /// Topic of the event.
        topic: String,
    },
    /// A created event was applied to an aggregate that already exists.
    #[error("aggregate {aggregate_id}: created event {topic} applied to an existing aggregate")]
    AlreadyCreated {
        /// Id of the aggregate.
        aggregate_id: Uuid,
        /// Topic of the event.
        topic: String,
    },
    /// No event type of the aggregate has this topic.
    #[error("unknown topic {topic} for aggregate {aggregate}")]
    UnknownTopic {
        /// The stored topic.
        topic: String,
        /// Topic of the aggregate whose events were expected.
        aggregate: &'static str,
    },
    /// A snapshot was taken of another aggregate type.
    #[error("snapshot of {found} cannot be loaded as {expected}")]
    SnapshotTopic {
        /// Topic of the aggregate type being loaded.
        expected: &'static str,
        /// Topic recorded in the snapshot.
        found: String,
    },
    /// Stored state was written by a newer class version than this program knows, or an older
    /// one without an upcaster.
    #[error("{topic}: cannot read class version {stored} as class version {current}")]
    ClassVersion {
        /// Topic of the event or aggregate class.
        topic: String,
        /// The stored class version.
        stored: u32,
        /// This program's class version.
        current: u32,
    },
    /// A field of an event or snapshot could not be read or written.
    #[error("{topic}{}: {source}", field.as_deref().map(|f| format!(" field `{f}`")).unwrap_or_default())]
    Value {
        /// Topic of the event or aggregate class.
        topic: String,
        /// The field, where known.
        field: Option<String>,
        /// What went wrong.
        #[source]
        source: ValueError,
    },
    /// An upcaster refused the stored state: `from` is the class version the failing upcaster
    /// converts from, `stored` the version the state was written at.
    #[error(
        "{topic}: upcasting state stored at class version {stored} failed from version {from}: {source}"
    )]
    Upcast {
        /// Topic of the event or aggregate class.
        topic: String,
        /// The stored class version.
        stored: u32,
        /// The version the failing upcaster converts from.
        from: u32,
        /// The upcaster's error.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// The body of an event method failed while the event was replayed.
    #[error("{topic}: event body failed: {source}")]
    Rejected {
        /// Topic of the event.
        topic: String,
        /// The body's error.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
}
