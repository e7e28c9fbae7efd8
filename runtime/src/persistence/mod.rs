//! The persistence layer: how events become stored rows and back, and what a store must do.
//!
//! A [`Mapper`] turns a [`DomainEvent`](crate::domain::DomainEvent) into a [`StoredEvent`]
//! (originator id, version, topic and state bytes) by writing its state as JSON
//! ([`JsonTranscoder`]), then optionally compressing it ([`ZlibCompressor`]) and encrypting it
//! ([`AesCipher`]), in the same order and format as the Python original. Recorders store and
//! select stored events: [`AggregateRecorder`] (events of aggregates, or snapshots),
//! [`ApplicationRecorder`] (adds notification ids, the order of an application's log),
//! [`ProcessRecorder`] (adds tracking of the upstream notifications a process has handled).
//! A [`SnapshotLoader`] reads an aggregate from its newest snapshot and the events after it.
//!
//! Nothing here names a backend: the recorders' traits are implemented in memory
//! ([`memory`](crate::memory)) and on SQL databases through SeaORM ([`seaorm`](crate::seaorm)).

mod cipher;
mod compressor;
mod error;
mod load;
mod mapper;
mod recorder;
mod transcoder;

pub use cipher::{AesCipher, Cipher, CipherError};
pub use compressor::{Compressor, CompressorError, ZlibCompressor};
pub use error::{MapperError, MapperErrorKind, PersistenceError, RowRef};
pub use load::{
    InTurn, LoadVisitor, SnapshotLoader, after_snapshot, from_snapshot, newest_snapshot,
};
pub use mapper::Mapper;
pub use recorder::{
    AggregateRecorder, ApplicationRecorder, EventQuery, Notification, NotificationQuery,
    ProcessRecorder, StoredEvent, StoredEventRef, Tracking, TrackingRecorder,
};
pub use transcoder::{JsonTranscoder, StateFields, TranscoderError};
