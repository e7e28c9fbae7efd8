//! The domain layer: aggregates, their events and snapshots.
//!
//! An event-sourced aggregate is rebuilt by replaying the events it has recorded. Each event
//! ([`DomainEvent`]) carries the aggregate's id (`originator_id`), the aggregate version it
//! creates (`originator_version`, 1 for the created event), a timestamp (UTC for events made
//! now; the offset it was given or stored with otherwise) and a payload: the
//! variant of the aggregate's event type that says what happened.
//!
//! The `#[aggregate]` and `#[event]` attributes generate everything in this module for a struct
//! and its methods, but each piece is a plain trait that can be written by hand:
//! [`Aggregate`] for the aggregate, [`EventPayload`] and [`AggregateEvent`] for its events,
//! [`Transcode`] for the values an event carries.
//!
//! Event state is held as a [`Map`] of [`Value`]s: the same model as the JSON the Python original
//! stores, including its UUID, Decimal and datetime values. This layer names no stored format
//! and depends on no other layer: where an event reads its fields straight from stored state, it
//! reads them through [`FieldReader`], which the persistence layer implements.

mod aggregate;
mod command;
mod error;
mod event;
mod field_reader;
mod snapshot;
mod time;
pub mod topic;
mod upcast;
mod value;

pub(crate) use aggregate::project_one;
pub use aggregate::{Aggregate, AggregateBase, project};
pub use command::{Command, CommandOutput, Created};
pub use error::{DomainError, ValueError};
pub use event::{AggregateEvent, DomainEvent, EventMeta, EventPayload};
pub use field_reader::FieldReader;
pub use snapshot::{SNAPSHOT_TOPIC, Snapshot, SnapshotState};
pub use time::{EventTimestamp, timestamp_now, utc_now};
#[doc(hidden)]
pub use time::{TimestampParam, timestamp_param};
pub use upcast::UpcastOutcome;
#[doc(hidden)]
pub use upcast::upcast_step;
pub use value::{
    CustomValue, DecimalValue, Map, PyDecimal, Transcode, Transcoding, Value, format_isoformat,
    format_naive_isoformat, parse_isoformat, plain_state,
};

/// Derives [`Transcode`](trait@Transcode): see the macro's documentation.
pub use eventsourcing_seaorm_macros::Transcode;
#[doc(hidden)]
pub use value::autoref;
