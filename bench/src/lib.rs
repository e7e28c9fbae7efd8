//! # eventsourcing-seaorm-bench
//!
//! Measures this project against the raw driver it stands on, in the same run, on the same
//! database and transport: every scenario is done once through an [`Application`] exactly as a
//! user writes it (the seed's [`World`](world::World) aggregate, `save`, `repository().get`,
//! the notification log), and once with raw sqlx statements that do the same database work (the
//! same `BEGIN`, lock, `INSERT … RETURNING` and `COMMIT`; the same `SELECT`s). The ratio of the
//! two is what the library costs; the raw figure is what the database and driver allow on this
//! machine, so noisy machines still give comparable ratios.
//!
//! Layout: [`args`] (the command line) → [`target`] (which databases, over which transport,
//! their tables) → [`raw`] (the raw driver's statements) → [`measure`] (timing, medians) →
//! [`scenarios`] (the scenarios of the benchmark issue, one file each) → [`report`] (the table on
//! stdout, `RESULTS.md` and the SVG chart).
//!
//! [`Application`]: eventsourcing_seaorm::application::Application

pub mod args;
pub mod by_hand;
pub mod error;
pub mod floor;
pub mod measure;
pub mod process;
pub mod raw;
pub mod report;
pub mod results;
pub mod scenarios;
pub mod target;
pub mod world;

pub use error::BenchError;
