//! The scenarios of the benchmark issue, issue 23's process applications (`process.rs`),
//! issue 24's projections (`projection.rs`, with what it is compared with in
//! `projection_baseline.rs` and its lag rows in `projection_lag.rs`) and issue 25's command
//! line (`cli.rs`), one file each, run in order on one target. Each
//! measures the library through an [`Application`] as a user writes it, and the raw driver
//! doing the same statements on the same transport, and records a [`Row`]. What they share is
//! in `context.rs` (the [`Context`] a scenario records its rows in) and `sizes.rs` ([`Sizes`]).
//!
//! [`Application`]: eventsourcing_seaorm::application::Application

mod append;
mod cli;
pub mod commands;
mod concurrency;
mod context;
mod load;
mod memory;
mod notifications;
mod process;
mod projection;
mod projection_baseline;
mod projection_lag;
mod projection_view;
mod secret;
mod sizes;

pub use context::Context;
pub use sizes::Sizes;

use crate::results::Row;
use crate::target::Database;

/// Runs the scenarios on one target: all of them, or those whose numbers `only` lists (the
/// file of scenarios 1 and 2 runs both). A scenario that fails is reported on stderr and the
/// others still run; the returned flag says whether any failed.
pub async fn run_target(db: &Database, sizes: &Sizes, only: Option<&[u8]>) -> (Vec<Row>, bool) {
    let mut cx = Context::new(db, sizes);
    let mut failed = false;
    let runs = |numbers: &[u8]| only.is_none_or(|only| numbers.iter().any(|n| only.contains(n)));
    macro_rules! scenario {
        ($numbers:expr, $call:expr) => {
            if runs(&$numbers) {
                if let Err(error) = $call.await {
                    eprintln!("\n  FAILED: {error}");
                    failed = true;
                }
            }
        };
    }
    scenario!([1, 2], append::run(&mut cx));
    scenario!([3], commands::run(&mut cx));
    scenario!([4], load::run(&mut cx));
    scenario!([5], notifications::run(&mut cx));
    scenario!([6], secret::run(&mut cx));
    scenario!([7], concurrency::run(&mut cx));
    scenario!([8], memory::run(&mut cx));
    scenario!([9], process::run(&mut cx));
    scenario!([10], projection::run(&mut cx));
    scenario!([11], cli::run(&mut cx));
    (cx.rows, failed)
}
