use chrono::{DateTime, FixedOffset};
use uuid::Uuid;

use super::{
    AggregateEvent, DomainError, DomainEvent, EventMeta, EventPayload, Map, ValueError,
    timestamp_now,
};

/// What every aggregate has besides its own fields: id, version, creation and modification
/// times, and the events it has triggered but not yet saved.
///
/// `#[aggregate]` adds one to the struct it annotates; a hand-written aggregate holds one and
/// returns it from [`Aggregate::base`].
#[derive(Clone, Debug, PartialEq)]
pub struct AggregateBase<E> {
    id: Uuid,
    version: u64,
    created_on: DateTime<FixedOffset>,
    modified_on: DateTime<FixedOffset>,
    pending_events: Vec<DomainEvent<E>>,
}

impl<E> Default for AggregateBase<E> {
    /// An aggregate that has not been created yet: nil id, version 0. Constructors return their
    /// aggregate with this base, and the created event then fills it in.
    fn default() -> Self {
        Self {
            id: Uuid::nil(),
            version: 0,
            created_on: DateTime::<chrono::Utc>::UNIX_EPOCH.fixed_offset(),
            modified_on: DateTime::<chrono::Utc>::UNIX_EPOCH.fixed_offset(),
            pending_events: Vec::new(),
        }
    }
}

impl<E> AggregateBase<E> {
    /// The aggregate's id.
    pub fn id(&self) -> Uuid {
        self.id
    }

    /// The aggregate's version: the `originator_version` of the last event applied.
    pub fn version(&self) -> u64 {
        self.version
    }

    /// When the aggregate was created (the created event's timestamp, with its offset).
    pub fn created_on(&self) -> DateTime<FixedOffset> {
        self.created_on
    }

    /// When the aggregate last changed (the last event's timestamp, with its offset).
    pub fn modified_on(&self) -> DateTime<FixedOffset> {
        self.modified_on
    }

    /// Events triggered since the aggregate was loaded or last saved.
    pub fn pending_events(&self) -> &[DomainEvent<E>] {
        &self.pending_events
    }

    /// Removes and returns the pending events, oldest first.
    pub fn take_pending_events(&mut self) -> Vec<DomainEvent<E>> {
        std::mem::take(&mut self.pending_events)
    }

    /// Removes the first `count` pending events (those a save has just recorded).
    pub fn drop_pending_events(&mut self, count: usize) {
        let count = count.min(self.pending_events.len());
        self.pending_events.drain(..count);
    }

    /// The identity of the next event of this aggregate: same id, next version, now.
    pub fn next_event_meta(&self) -> EventMeta {
        EventMeta {
            originator_id: self.id,
            originator_version: self.version.saturating_add(1),
            timestamp: timestamp_now(),
        }
    }

    /// Records an event whose body has already run on the aggregate: the version and
    /// modification time move to the event's, and the event becomes pending.
    pub fn record(&mut self, event: DomainEvent<E>) {
        self.advance(&event.meta());
        self.pending_events.push(event);
    }

    /// Sets id, version and both times from a created event.
    pub fn initialise(&mut self, meta: &EventMeta) {
        self.id = meta.originator_id;
        self.version = meta.originator_version;
        self.created_on = meta.timestamp;
        self.modified_on = meta.timestamp;
    }

    /// Restores the base of an aggregate loaded from a snapshot.
    pub fn restore(
        id: Uuid,
        version: u64,
        created_on: DateTime<FixedOffset>,
        modified_on: DateTime<FixedOffset>,
    ) -> Self {
        Self {
            id,
            version,
            created_on,
            modified_on,
            pending_events: Vec::new(),
        }
    }

    fn advance(&mut self, meta: &EventMeta) {
        self.version = meta.originator_version;
        self.modified_on = meta.timestamp;
    }

    fn check_next(&self, meta: &EventMeta) -> Result<(), DomainError> {
        if meta.originator_id != self.id {
            return Err(DomainError::OriginatorMismatch {
                aggregate_id: self.id,
                event_originator_id: meta.originator_id,
            });
        }
        if meta.originator_version != self.version.saturating_add(1) {
            return Err(DomainError::VersionMismatch {
                aggregate_id: self.id,
                expected: self.version.saturating_add(1),
                found: meta.originator_version,
            });
        }
        Ok(())
    }
}

/// An event-sourced aggregate: state rebuilt by replaying its events.
///
/// `#[aggregate]` implements this trait for an annotated struct and `impl` block. Implementing it
/// by hand takes an event type (see [`AggregateEvent`]), a topic and access to the
/// [`AggregateBase`]; snapshot support takes [`encode_state`](Self::encode_state) and
/// [`decode_state`](Self::decode_state).
pub trait Aggregate: Clone + Send + Sync + Sized + 'static {
    /// The payload type of this aggregate's events.
    type Event: AggregateEvent<Self>;

    /// The class version of the aggregate's snapshot state (raise it with an upcaster when the
    /// fields change).
    const CLASS_VERSION: u32 = 1;

    /// The aggregate's class topic, for example `interop_domain:World`.
    fn topic() -> &'static str;

    /// The aggregate's id, version, times and pending events.
    fn base(&self) -> &AggregateBase<Self::Event>;

    /// Mutable access to the [`AggregateBase`].
    fn base_mut(&mut self) -> &mut AggregateBase<Self::Event>;

    /// Writes the aggregate's own fields, in declaration order, into snapshot state.
    fn encode_state(&self, state: &mut Map) -> Result<(), ValueError> {
        let _ = state;
        Err(ValueError::Unsupported {
            what: format!("snapshots of aggregate {}", Self::topic()),
        })
    }

    /// Builds the aggregate's own fields from snapshot state (already upcast to
    /// [`CLASS_VERSION`](Self::CLASS_VERSION)); the base is set by the caller.
    fn decode_state(state: Map) -> Result<Self, DomainError> {
        let _ = state;
        Err(DomainError::Value {
            topic: Self::topic().to_owned(),
            field: None,
            source: ValueError::Unsupported {
                what: format!("snapshots of aggregate {}", Self::topic()),
            },
        })
    }

    /// Upcasts snapshot state written at `class_version` to
    /// [`CLASS_VERSION`](Self::CLASS_VERSION).
    fn upcast_state(class_version: u32, state: &mut Map) -> Result<(), DomainError> {
        let _ = state;
        check_class_version(Self::topic(), class_version, Self::CLASS_VERSION)
    }

    /// The aggregate's id.
    fn id(&self) -> Uuid {
        self.base().id()
    }

    /// The aggregate's version (1 after creation).
    fn version(&self) -> u64 {
        self.base().version()
    }

    /// When the aggregate was created.
    fn created_on(&self) -> DateTime<FixedOffset> {
        self.base().created_on()
    }

    /// When the aggregate last changed.
    fn modified_on(&self) -> DateTime<FixedOffset> {
        self.base().modified_on()
    }

    /// Events triggered but not yet saved.
    fn pending_events(&self) -> &[DomainEvent<Self::Event>] {
        self.base().pending_events()
    }

    /// Removes and returns the pending events.
    fn collect_events(&mut self) -> Vec<DomainEvent<Self::Event>> {
        self.base_mut().take_pending_events()
    }

    /// Builds an aggregate from its created event, without making the event pending (replay).
    fn from_created_event(event: DomainEvent<Self::Event>) -> Result<Self, DomainError> {
        let (meta, payload) = event.into_parts();
        if !payload.is_created() {
            return Err(DomainError::NotCreated {
                aggregate_id: meta.originator_id,
                topic: payload.topic().to_owned(),
            });
        }
        let mut aggregate = payload.create(&meta)?;
        aggregate.base_mut().initialise(&meta);
        Ok(aggregate)
    }

    /// Applies a stored event to the aggregate, without making it pending (replay). The event
    /// must belong to this aggregate and be its next version.
    fn apply_event(&mut self, event: DomainEvent<Self::Event>) -> Result<(), DomainError> {
        let (meta, payload) = event.into_parts();
        self.base().check_next(&meta)?;
        if payload.is_created() {
            return Err(DomainError::AlreadyCreated {
                aggregate_id: meta.originator_id,
                topic: payload.topic().to_owned(),
            });
        }
        payload.apply(self, &meta)?;
        self.base_mut().advance(&meta);
        Ok(())
    }

    /// Creates a new aggregate from a created-event payload and makes that event pending: what
    /// a hand-written constructor calls (generated constructors do the same).
    fn create_with(id: Uuid, payload: Self::Event) -> Result<Self, DomainError> {
        let meta = EventMeta {
            originator_id: id,
            originator_version: 1,
            timestamp: timestamp_now(),
        };
        let event = DomainEvent::new(meta, payload);
        let mut aggregate = Self::from_created_event(event.clone())?;
        aggregate.base_mut().pending_events.push(event);
        Ok(aggregate)
    }

    /// Triggers a new event: applies the payload as the next version and makes it pending. If
    /// the event's body fails, nothing is recorded and the version does not change.
    fn trigger_event(&mut self, payload: Self::Event) -> Result<(), DomainError> {
        let event = DomainEvent::new(self.base().next_event_meta(), payload);
        self.apply_event(event.clone())?;
        self.base_mut().pending_events.push(event);
        Ok(())
    }
}

/// Replays events onto an aggregate (or onto nothing, when the first event is the created one)
/// and returns the result; `Ok(None)` when there was nothing to start from and no events.
pub fn project<A: Aggregate>(
    initial: Option<A>,
    events: impl IntoIterator<Item = DomainEvent<A::Event>>,
) -> Result<Option<A>, DomainError> {
    let mut aggregate = initial;
    for event in events {
        project_one(&mut aggregate, event)?;
    }
    Ok(aggregate)
}

/// One step of [`project`]: applies the event to the aggregate, or creates the aggregate from
/// it when there is none yet.
pub(crate) fn project_one<A: Aggregate>(
    aggregate: &mut Option<A>,
    event: DomainEvent<A::Event>,
) -> Result<(), DomainError> {
    match aggregate {
        Some(existing) => existing.apply_event(event),
        None => {
            *aggregate = Some(A::from_created_event(event)?);
            Ok(())
        }
    }
}

pub(crate) fn check_class_version(
    topic: &str,
    stored: u32,
    current: u32,
) -> Result<(), DomainError> {
    if stored == current {
        Ok(())
    } else {
        Err(DomainError::ClassVersion {
            topic: topic.to_owned(),
            stored,
            current,
        })
    }
}
