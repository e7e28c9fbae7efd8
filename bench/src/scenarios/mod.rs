//! The scenarios of the benchmark issue, and issue 23's process applications (`process.rs`),
//! one file each, run in order on one target. Each
//! measures the library through an [`Application`] as a user writes it, and the raw driver
//! doing the same statements on the same transport, and records a [`Row`]. What they share is
//! in `context.rs` (the [`Context`] a scenario records its rows in) and `sizes.rs` ([`Sizes`]).
//!
//! [`Application`]: eventsourcing_seaorm::application::Application

mod append;
pub mod commands;
mod concurrency;
mod context;
mod load;
mod memory;
mod notifications;
mod process;
mod secret;
mod sizes;

pub use context::Context;
pub use sizes::Sizes;

use crate::results::Row;
use crate::target::Database;

/// Runs every scenario on one target. A scenario that fails is reported on stderr and the
/// others still run; the returned flag says whether any failed.
pub async fn run_target(db: &Database, sizes: &Sizes) -> (Vec<Row>, bool) {
    let mut cx = Context::new(db, sizes);
    let mut failed = false;
    macro_rules! scenario {
        ($call:expr) => {
            if let Err(error) = $call.await {
                eprintln!("\n  FAILED: {error}");
                failed = true;
            }
        };
    }
    scenario!(append::run(&mut cx));
    scenario!(commands::run(&mut cx));
    scenario!(load::run(&mut cx));
    scenario!(notifications::run(&mut cx));
    scenario!(secret::run(&mut cx));
    scenario!(concurrency::run(&mut cx));
    scenario!(memory::run(&mut cx));
    scenario!(process::run(&mut cx));
    (cx.rows, failed)
}
