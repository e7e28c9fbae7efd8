//! The in-memory backend: recorders that keep events in process memory.
//!
//! They have the same contract as the SQL recorders (atomic batches, conflicts, notification
//! ids in commit order, tracking), which makes them what unit tests and examples use, and what
//! `PERSISTENCE_MODULE=eventsourcing.popo` selects, as in the Python original.

mod recorder;

pub use recorder::InMemoryRecorder;
