//! The system layer: applications that react to each other's events, as in the Python
//! original's `eventsourcing.system`.
//!
//! A *leader* is any application whose notification log others read. A *follower* reads the
//! logs of its leaders from where it got to (its tracking position), decodes each notification
//! with the leader's mapper, and hands the event to its *policy*. A *process application*
//! ([`ProcessApplication`]) is a follower whose policy changes aggregates of its own: what the
//! policy collects in the [`ProcessingEvent`] is recorded together with the tracking of the
//! notification, in one transaction, so each upstream notification is processed exactly once.
//! A notification processed again (another instance got there first, or a crash came between
//! the commit and its acknowledgement) records nothing: its tracking is already there.
//!
//! A [`System`] wires applications into pipes, as `System(pipes=[[A, B, C], [A, D]])` does in
//! Python, and a runner drives it: [`SingleThreadedRunner`] processes every follower after each
//! save, in the saving task (deterministic, for tests), and [`Runner`] runs one task per
//! follower, woken when a leader of the same process saves and polling for saves made
//! elsewhere (another instance, a Python application writing the same tables).
//!
//! This layer sits above [`application`](crate::application) and reaches the database only
//! through the recorders' traits; nothing below imports it.

mod command;
mod error;
mod follower;
mod leader_log;
mod process;
mod processing;
mod progress;
mod projection;
mod projection_runner;
mod runner;
mod subscription;
mod sync;
mod upstream;
mod wiring;

pub use command::command_line;
pub use error::{BoxError, ProcessingError, SystemError};
/// Derives [`SystemApplication`](trait@SystemApplication): see the macro's documentation.
pub use eventsourcing_seaorm_macros::SystemApplication;
pub use follower::{DEFAULT_BATCH_SIZE, DEFAULT_TRANSACTION_SIZE, Follower};
pub use leader_log::LeaderLog;
pub use process::{ProcessApplication, SystemApplication};
pub use processing::ProcessingEvent;
pub use projection::Projection;
pub use projection_runner::{DEFAULT_PROJECTION_BATCH_SIZE, ProjectionRunner, WaitError};
pub use runner::{DEFAULT_POLL_INTERVAL, DEFAULT_TAKEOVER_INTERVAL, Runner, SingleThreadedRunner};
pub use subscription::{DEFAULT_SUBSCRIPTION_POLL_INTERVAL, Subscribe};
pub use sync::{FollowerSync, SyncOptions, SyncReport, sync_followers};
pub use upstream::{Topics, UpstreamEvent};
pub use wiring::{Node, System, app, process};
